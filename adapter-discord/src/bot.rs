//! The ready-made bot: [`Discord`] on a poise framework with our commands and event
//! handling, its jobs (the announcer and the voice ticker) and one serenity client.

use std::future::Future;
use std::sync::Arc;

use leveling_core::{Leveling, LevelingBuilder};
use serenity::all::{ClientBuilder, Http, HttpBuilder};

use crate::shards::{ShardCount, Shards};
use crate::{Discord, DiscordConfig, Error, Handler};

/// A standalone leveling bot: [`Discord`] on its own poise framework and serenity client,
/// its jobs run for as long as the bot runs.
///
/// ```no_run
/// # async fn demo(store: leveling_storage_memory::MemoryStore) -> Result<(), Box<dyn std::error::Error>> {
/// use leveling_core::Leveling;
/// use leveling_discord::{Bot, DiscordConfig};
///
/// let Some(config) = DiscordConfig::from_env()? else { return Ok(()) };
/// let bot = Bot::new(Leveling::builder(store), config);
/// let leveling = bot.leveling().clone(); // for the HTTP API, say
/// bot.run(std::future::pending()) // or a ctrl-c / SIGTERM future
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Bot {
    discord: Discord,
    config: DiscordConfig,
}

/// The REST client for a configuration: through `api_url` when set (with serenity's rate
/// limiter off, which serenity needs to honour the proxy).
pub fn http_client(config: &DiscordConfig) -> Http {
    let mut builder = HttpBuilder::new(&config.token);
    if let Some(url) = &config.api_url {
        builder = builder.proxy(url.as_str()).ratelimiter_disabled(true);
    }
    builder.build()
}

impl Bot {
    /// A bot on the engine `builder` makes, with `config.settings`: the announcement sink
    /// is registered on the engine ([`Discord::new`]), so level-ups from any source are
    /// announced once the bot runs.
    pub fn new(builder: LevelingBuilder, config: DiscordConfig) -> Self {
        Self {
            discord: Discord::new(builder, config.settings.clone()),
            config,
        }
    }

    /// The engine (share it with the HTTP API or your own code).
    pub fn leveling(&self) -> &Leveling {
        self.discord.leveling()
    }

    /// The bot's event handler.
    pub fn handler(&self) -> &Handler {
        self.discord.handler()
    }

    /// Checks the token (`GET /users/@me`), connects the shards of
    /// [`DiscordConfig::sharding`] (one shard when unset) and runs until `shutdown`
    /// completes (then closes the gateway cleanly) or the client stops with an error; the
    /// [`Jobs`](crate::Jobs) run meanwhile. [`Error::Login`] when Discord (or the REST
    /// proxy) rejects the token or cannot be reached; [`Error::Sharding`] when the shard
    /// range does not fit Discord's recommended count (`DISCORD_SHARDS=auto`).
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) -> Result<(), Error> {
        let Self { discord, config } = self;
        let mut options = discord.framework_options::<Handler, Error>();
        options.on_error = |error| {
            Box::pin(async move {
                tracing::warn!(error = %describe(&error), "a Discord command failed");
            })
        };
        let register = config.register_commands;
        let setup_handler = discord.handler().clone();
        let framework = poise::Framework::builder()
            .options(options)
            .setup(move |ctx, ready, framework| {
                Box::pin(async move {
                    tracing::info!(bot = %ready.user.name, guilds = ready.guilds.len(), "Discord bot connected");
                    if register
                        && let Err(error) =
                            poise::builtins::register_globally(ctx, &framework.options().commands).await
                        {
                            tracing::warn!(%error, "could not register the slash commands");
                        }
                    Ok(setup_handler)
                })
            })
            .build();
        let http = http_client(&config);
        // Fail fast on a rejected token or an unreachable REST URL: serenity would
        // otherwise fall back to Discord's own gateway URL and retry forever.
        let me = match http.get_current_user().await {
            Ok(me) => me,
            Err(error) => {
                discord.abandon();
                return Err(Error::Login(Box::new(error)));
            }
        };
        tracing::info!(bot = %me.name, "Discord token accepted");
        let shards = match shards_to_run(&http, &config).await {
            Ok(shards) => shards,
            Err(error) => {
                discord.abandon();
                return Err(error);
            }
        };
        let mut client = match ClientBuilder::new_with_http(http, config.intents)
            .framework(framework)
            .await
        {
            Ok(client) => client,
            Err(error) => {
                discord.abandon();
                return Err(Error::from(error));
            }
        };
        let mut tasks = tokio::task::JoinSet::new();
        tasks.spawn(discord.jobs(Arc::clone(&client.http)));
        let manager = Arc::clone(&client.shard_manager);
        // serenity's range is inclusive at both ends (`start_connection(first, last, total)`);
        // unset sharding is shard 0 of 1, what `Client::start` runs.
        let latency = crate::record_gateway_latency(Arc::clone(&manager), LATENCY_SAMPLE);
        let result = tokio::select! {
            result = client.start_shard_range(shards.first()..shards.last(), shards.total().get()) => {
                result.map_err(Error::from)
            }
            () = shutdown => {
                manager.shutdown_all().await;
                Ok(())
            }
            () = latency => Ok(()),
        };
        tasks.abort_all();
        result
    }
}

/// The shards this process runs: one (0 of 1) when sharding is not configured; with
/// `auto`, Discord's recommended count (`GET /gateway/bot`) decides the total and the
/// configured range must fit in it.
async fn shards_to_run(http: &Http, config: &DiscordConfig) -> Result<Shards, Error> {
    let Some(sharding) = config.sharding else {
        return Ok(Shards::SINGLE);
    };
    let recommended = match sharding.count {
        ShardCount::Auto => Some(http.get_bot_gateway().await?.shards),
        ShardCount::Fixed(_) => None,
    };
    let shards = sharding.resolve(recommended).map_err(Error::Sharding)?;
    if shards.first() == 0 && shards.last() + 1 == shards.total().get() {
        tracing::info!(
            "Discord gateway: all {} shards in this process",
            shards.total()
        );
    } else {
        tracing::info!(
            "Discord gateway: shards {shards} (the other shards' guilds are other processes')"
        );
    }
    Ok(shards)
}

/// How often [`Bot::run`] records the shards' gateway latency (Discord heartbeats every
/// ~41 s, so the value changes no faster).
const LATENCY_SAMPLE: std::time::Duration = std::time::Duration::from_secs(10);

fn describe(error: &poise::FrameworkError<'_, Handler, Error>) -> String {
    match error {
        poise::FrameworkError::Command { error, ctx, .. } => {
            format!("/{}: {error}", ctx.command().qualified_name)
        }
        poise::FrameworkError::ArgumentParse { error, ctx, .. } => {
            format!("/{}: bad argument: {error}", ctx.command().qualified_name)
        }
        other => other.to_string(),
    }
}
