//! The one entry point for embedding: [`Discord`] wires the handler, the announcer and the
//! voice ticker onto an engine, and hands out the background work as [`Jobs`], a future
//! the embedder spawns.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use leveling_core::{Leveling, LevelingBuilder};
use serenity::all::Http;

use crate::announce::{Announcements, announcements, run_announcer};
use crate::{Error, Handler, HasHandler, Settings, award_command, commands};

/// The Discord side of an engine, wired: the announcement sink registered on the engine,
/// the [`Handler`] for gateway events and commands, and the [`Jobs`] (announcer and voice
/// ticker) to spawn beside the client.
///
/// Three steps, each one required by the types:
///
/// 1. [`Discord::new`] with the engine's builder (it registers the announcement sink and
///    builds the engine: [`Discord::leveling`]);
/// 2. give the [`Handler`] to your client: poise with [`Discord::framework_options`] and
///    a user data type that [`HasHandler`]; plain serenity with
///    `ClientBuilder::event_handler(discord.handler().clone())`;
/// 3. spawn [`Discord::jobs`] with the client's REST client.
///
/// A `Discord` dropped before step 3 logs a warning: nothing would be announced and no
/// voice XP paid.
///
/// With poise (the commands, command XP and every event):
///
/// ```no_run
/// use leveling_core::Leveling;
/// use leveling_discord::serenity::all::ClientBuilder;
/// use leveling_discord::{Discord, DiscordConfig, Handler, HasHandler, Settings, poise};
///
/// struct Data {
///     leveling: Handler, // ...and your own fields
/// }
/// impl HasHandler for Data {
///     fn handler(&self) -> &Handler {
///         &self.leveling
///     }
/// }
/// type Error = Box<dyn std::error::Error + Send + Sync>;
///
/// # async fn demo(store: leveling_storage_memory::MemoryStore, token: String) -> Result<(), Error> {
/// let discord = Discord::new(Leveling::builder(store), Settings::default());
/// let mut options = discord.framework_options::<Data, Error>();
/// // options.commands.extend(your_commands());
/// let handler = discord.handler().clone();
/// let framework = poise::Framework::builder()
///     .options(options)
///     .setup(move |ctx, _ready, framework| {
///         Box::pin(async move {
///             poise::builtins::register_globally(ctx, &framework.options().commands).await?;
///             Ok(Data { leveling: handler })
///         })
///     })
///     .build();
/// let mut client = ClientBuilder::new(token, DiscordConfig::default_intents())
///     .framework(framework)
///     .await?;
/// tokio::spawn(discord.jobs(client.http.clone()));
/// client.start().await?;
/// # Ok(()) }
/// ```
///
/// With a plain serenity client (XP, announcements, reward roles; the slash commands need
/// poise):
///
/// ```no_run
/// use leveling_core::Leveling;
/// use leveling_discord::serenity::all::ClientBuilder;
/// use leveling_discord::{Discord, DiscordConfig, Settings};
///
/// # async fn demo(store: leveling_storage_memory::MemoryStore, token: String) -> Result<(), Box<dyn std::error::Error>> {
/// let discord = Discord::new(Leveling::builder(store), Settings::default());
/// let mut client = ClientBuilder::new(token, DiscordConfig::default_intents())
///     .event_handler(discord.handler().clone()) // beside your own handlers
///     .await?;
/// tokio::spawn(discord.jobs(client.http.clone()));
/// client.start().await?;
/// # Ok(()) }
/// ```
#[must_use = "the Discord side does nothing until its handler is registered and its jobs spawned"]
pub struct Discord {
    handler: Handler,
    /// `None` once [`Discord::jobs`] took it.
    announcements: Option<Announcements>,
}

impl fmt::Debug for Discord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Discord")
            .field("handler", &self.handler)
            .field("jobs_taken", &self.announcements.is_none())
            .finish()
    }
}

impl Discord {
    /// Registers the Discord announcement sink on `builder` (after the sinks it already
    /// has), builds the engine and makes the [`Handler`] with `settings`.
    ///
    /// The shortcuts of `settings` (`announce`, `template`, `tier_roles`) are first written
    /// into the builder's default guild settings ([`Settings::apply_to_defaults`] on
    /// [`LevelingBuilder::current_default_settings`], then
    /// [`LevelingBuilder::default_settings`]); when that makes invalid settings they are
    /// not applied (logged).
    ///
    /// Time (voice minutes, uptime) comes from the engine's clock
    /// ([`LevelingBuilder::clock`]).
    pub fn new(builder: LevelingBuilder, settings: Settings) -> Self {
        let builder = with_shortcuts(builder, &settings);
        let (sink, announcements) = announcements();
        let leveling = builder.sink(sink).build();
        Self {
            handler: Handler::new(leveling, settings),
            announcements: Some(announcements),
        }
    }

    /// The engine (share it: the HTTP API, your own code).
    pub fn leveling(&self) -> &Leveling {
        self.handler.leveling()
    }

    /// The handler: gateway events, command XP, voice. Cheap to clone.
    pub fn handler(&self) -> &Handler {
        &self.handler
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        self.handler.settings()
    }

    /// Poise options with everything the Discord side needs: our [`commands()`],
    /// command XP in `pre_command`, [`Handler::on_event`] in `event_handler`, and the
    /// prefix of [`Settings::prefix`] (a mention works too). Add your commands to
    /// `commands`; if you set your own `pre_command` or `event_handler`, call
    /// [`award_command`] and `data.handler().on_event(..)` from them.
    pub fn framework_options<U, E>(&self) -> poise::FrameworkOptions<U, E>
    where
        U: HasHandler,
        E: From<Error> + Into<Box<dyn std::error::Error + Send + Sync>> + Send + Sync + 'static,
    {
        poise::FrameworkOptions {
            commands: commands::<U, E>(),
            prefix_options: poise::PrefixFrameworkOptions {
                prefix: Some(self.settings().prefix.clone().into()),
                mention_as_prefix: true,
                ..Default::default()
            },
            pre_command: |ctx| Box::pin(award_command(ctx)),
            event_handler: |framework, event| {
                Box::pin(async move {
                    let handler = framework.user_data.handler();
                    handler.on_event(framework.serenity_context, event).await;
                    Ok(())
                })
            },
            ..Default::default()
        }
    }

    /// The background work, for `http` (the client's REST client, `client.http` or
    /// `ctx.http`): the announcer (level-up announcements and reward roles, from every
    /// source) and the voice ticker (pays voice XP every [`Settings::voice_tick`]).
    /// Spawn it; it runs until aborted.
    pub fn jobs(mut self, http: Arc<Http>) -> Jobs {
        let announcements = self
            .announcements
            .take()
            .expect("Discord::jobs consumes the Discord, so it runs once");
        let handler = self.handler.clone();
        Jobs(Box::pin(async move {
            let announcer = run_announcer(http, announcements, handler.leveling().clone());
            tokio::join!(announcer, handler.run_voice_ticker());
        }))
    }

    /// Drops the Discord side without the warning (the bot never started).
    pub(crate) fn abandon(mut self) {
        self.announcements = None;
    }
}

/// The builder with the [`Settings`] shortcuts written into its default guild settings
/// ([`Settings::apply_to_defaults`]); unchanged when there is nothing to write, or when
/// the result is not valid (logged: a bad `DISCORD_ANNOUNCE_TEMPLATE` is refused earlier,
/// by [`DiscordConfig::from_env`](crate::DiscordConfig::from_env)).
fn with_shortcuts(builder: LevelingBuilder, settings: &Settings) -> LevelingBuilder {
    let current = builder.current_default_settings();
    let mut defaults = current.clone();
    settings.apply_to_defaults(&mut defaults, builder.current_progression());
    if defaults == current {
        return builder;
    }
    if let Err(error) = defaults.validate() {
        tracing::error!(%error, "the Discord settings' shortcuts make invalid default settings: not applied");
        return builder;
    }
    match builder.default_settings(defaults) {
        Ok(builder) => builder,
        // Validated just above, so not reached; the builder is gone, so build a plain one.
        Err(error) => unreachable!("validated settings were refused: {error}"),
    }
}

impl Drop for Discord {
    fn drop(&mut self) {
        if self.announcements.is_some() {
            tracing::warn!(
                "leveling_discord::Discord dropped without spawning its jobs: \
                 level-ups are not announced and voice XP is not paid"
            );
        }
    }
}

/// The Discord side's background work — the announcer and the voice ticker — as one
/// future to spawn (`tokio::spawn(jobs)`). It runs until aborted (abort it, or drop the
/// runtime, on shutdown); a future that is not polled does nothing, so nothing is
/// announced and no voice XP is paid until it is spawned.
#[must_use = "nothing is announced and no voice XP is paid until the jobs are spawned"]
pub struct Jobs(Pin<Box<dyn Future<Output = ()> + Send + 'static>>);

impl fmt::Debug for Jobs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Jobs(announcer, voice ticker)")
    }
}

impl Future for Jobs {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.0.as_mut().poll(cx)
    }
}
