//! The ready-made bot: a poise framework with our commands and event handling, a voice
//! ticker and the announcer, on one serenity client.

use std::future::Future;
use std::sync::Arc;

use leveling_core::Leveling;
use serenity::all::{ClientBuilder, Http, HttpBuilder};

use crate::announce::{Announcements, run_announcer};
use crate::{DiscordConfig, Error, Handler, award_command, commands};

/// A standalone leveling bot.
///
/// ```no_run
/// # async fn demo(store: impl leveling_core::Storage) -> Result<(), Box<dyn std::error::Error>> {
/// use leveling_core::Leveling;
/// use leveling_discord::{Bot, DiscordConfig};
///
/// let Some(config) = DiscordConfig::from_env()? else { return Ok(()) };
/// let (sink, announcements) = leveling_discord::announcements();
/// let leveling = Leveling::builder(store).sink(sink).build();
/// Bot::new(leveling, config)
///     .announcements(announcements)
///     .run(std::future::pending()) // or a ctrl-c / SIGTERM future
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Bot {
    leveling: Leveling,
    config: DiscordConfig,
    announcements: Option<Announcements>,
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
    /// A bot awarding through `leveling`.
    pub fn new(leveling: Leveling, config: DiscordConfig) -> Self {
        Self {
            leveling,
            config,
            announcements: None,
        }
    }

    /// Announces (and applies tier roles for) the level-ups queued by the
    /// [`AnnouncementSink`](crate::AnnouncementSink) registered on the engine. Without it,
    /// the bot announces nothing.
    pub fn announcements(mut self, announcements: Announcements) -> Self {
        self.announcements = Some(announcements);
        self
    }

    /// Checks the token (`GET /users/@me`), connects and runs until `shutdown` completes
    /// (then closes the gateway cleanly) or the client stops with an error.
    /// [`Error::Login`] when Discord (or the REST proxy) rejects the token or cannot be
    /// reached.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) -> Result<(), Error> {
        let Self {
            leveling,
            config,
            announcements,
        } = self;
        let settings = config.settings.clone();
        let handler = Handler::new(leveling.clone(), settings.clone());
        let register = config.register_commands;
        let setup_handler = handler.clone();
        let framework = poise::Framework::builder()
            .options(poise::FrameworkOptions {
                commands: commands::<Handler, Error>(),
                prefix_options: poise::PrefixFrameworkOptions {
                    prefix: Some(settings.prefix.clone().into()),
                    mention_as_prefix: true,
                    ..Default::default()
                },
                pre_command: |ctx| Box::pin(award_command(ctx)),
                event_handler: |framework, event| {
                    Box::pin(async move {
                        framework.user_data.on_event(framework.serenity_context, event).await;
                        Ok(())
                    })
                },
                on_error: |error| {
                    Box::pin(async move {
                        tracing::warn!(error = %describe(&error), "a Discord command failed");
                    })
                },
                ..Default::default()
            })
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
        let me = http
            .get_current_user()
            .await
            .map_err(|error| Error::Login(Box::new(error)))?;
        tracing::info!(bot = %me.name, "Discord token accepted");
        let mut client = ClientBuilder::new_with_http(http, config.intents)
            .framework(framework)
            .await
            .map_err(Error::from)?;
        let mut tasks = tokio::task::JoinSet::new();
        if let Some(announcements) = announcements {
            tasks.spawn(run_announcer(
                Arc::clone(&client.http),
                announcements,
                leveling,
                settings,
            ));
        }
        tasks.spawn(handler.run_voice_ticker());
        let shards = Arc::clone(&client.shard_manager);
        let result = tokio::select! {
            result = client.start() => result.map_err(Error::from),
            () = shutdown => {
                shards.shutdown_all().await;
                Ok(())
            }
        };
        tasks.abort_all();
        result
    }
}

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
