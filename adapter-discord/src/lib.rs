//! # leveling-discord
//!
//! The Discord side of [`leveling`](leveling_core): a serenity + poise bot that tracks XP
//! (messages, commands, voice minutes, daily bonus and streak), answers `/rank`,
//! `/leaderboard`, `/levels` and `!xp`, gives admins `/addxp`, `/setlevel`, `/resetxp`,
//! `/botstats`, `/import` (another bot's XP or a backup) and `/config` (the guild's
//! settings), gives every member `/mydata` and `/forgetme`, announces level-ups and keeps reward
//! roles — all as each guild's [`GuildSettings`](leveling_core::GuildSettings) say: awards
//! carry their [`AwardContext`](leveling_core::AwardContext) (channel, parents, roles) for
//! the no-XP lists and multipliers, the announcer follows the `announce` and `rewards`
//! sections, a rejoin restores rewards per `rewards.on_rejoin`, and a leave or a ban
//! resets progress per `on_leave`.
//!
//! Two ways to use it:
//!
//! - **Standalone**: [`Bot::new`]`(Leveling::builder(store), config).run(shutdown)`, with
//!   the configuration from [`DiscordConfig::from_env`].
//! - **Embedded** in your own client: [`Discord::new`] wires the handler, the announcer
//!   and the voice ticker onto the engine; give its [`Handler`] to your poise framework
//!   ([`Discord::framework_options`], your data type [`HasHandler`]) or register it as a
//!   plain serenity [`EventHandler`](serenity::all::EventHandler); spawn
//!   [`Discord::jobs`]. Both paths are spelled out, compiled, on [`Discord`].
//!
//! Level-ups reach Discord through an [`AnnouncementSink`] that [`Discord::new`] registers
//! on the engine, so level-ups from any source (the HTTP API included) are announced, and
//! reward roles applied, exactly once. A member of guild 0 (the HTTP API's default guild
//! when none is configured) is in no Discord guild: their level-ups make no Discord call.
//!
//! Time is the engine's [`Clock`](leveling_core::Clock): with a
//! [`ManualClock`](leveling_core::ManualClock), voice minutes are paid exactly as the
//! clock moves.
//!
//! ## Embedding in your poise bot
//!
//! ```no_run
//! use leveling_core::Leveling;
//! use leveling_discord::{Discord, DiscordConfig, Handler, HasHandler, Settings, poise};
//!
//! struct Data {
//!     leveling: Handler,
//!     // ...your own fields
//! }
//!
//! impl HasHandler for Data {
//!     fn handler(&self) -> &Handler {
//!         &self.leveling
//!     }
//! }
//!
//! type Error = Box<dyn std::error::Error + Send + Sync>;
//!
//! # async fn demo(store: leveling_storage_memory::MemoryStore, token: String) -> Result<(), Error> {
//! let discord = Discord::new(Leveling::builder(store), Settings::default());
//! let options = discord.framework_options::<Data, Error>(); // + your commands
//! let handler = discord.handler().clone();
//! let framework = poise::Framework::builder()
//!     .options(options)
//!     .setup(move |ctx, _ready, framework| {
//!         Box::pin(async move {
//!             poise::builtins::register_globally(ctx, &framework.options().commands).await?;
//!             Ok(Data { leveling: handler })
//!         })
//!     })
//!     .build();
//! let mut client = leveling_discord::serenity::all::ClientBuilder::new(
//!     token,
//!     DiscordConfig::default_intents(),
//! )
//! .framework(framework)
//! .await?;
//! tokio::spawn(discord.jobs(client.http.clone()));
//! client.start().await?;
//! # Ok(()) }
//! ```
//!
//! With a plain serenity client, register `discord.handler().clone()` with
//! `ClientBuilder::event_handler` (it handles every event it needs) and spawn
//! [`Discord::jobs`] the same way.
//!
//! ## Environment ([`DiscordConfig::from_env`])
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `DISCORD_TOKEN` | (none: no bot) | the bot token |
//! | `DISCORD_API_URL` | Discord's | REST base URL (a proxy such as twilight-http-proxy or nirn-proxy, or a test fake) |
//! | `DISCORD_ANNOUNCE` | `same` | shortcut for the defaults' `announce.mode`: `same` (the channel of the activity), `off`, or a channel id |
//! | `DISCORD_ANNOUNCE_TEMPLATE` | [`DEFAULT_TEMPLATE`] | shortcut for the defaults' `announce.template`: `{user}` `{username}` `{level}` `{old_level}` `{tier}` `{xp}` `{rank}` `{next_level_xp}` `{guild}` |
//! | `DISCORD_ADMIN_ROLE_ID` | none | a role allowed to use the admin commands (besides Manage Server) |
//! | `DISCORD_TIER_ROLES` | none | shortcut for the defaults' `rewards`: `Tier=role_id,…`, e.g. `Member=123,Elite=456` (a reward role at each tier's first level, `replace`) |
//! | `DISCORD_TIER_ROLES_KEEP_LOWER` | `false` | with `DISCORD_TIER_ROLES`: `stack` instead of `replace` |
//! | `DISCORD_MEMBERS_INTENT` | `false` | ask for the privileged Server Members intent (rewards restored on rejoin, the leave policy) |
//! | `DISCORD_VOICE_TICK_SECS` | `60` | the length of a paid voice minute |
//! | `DISCORD_PREFIX` | `!` | prefix of prefix commands (`!xp`) |
//! | `DISCORD_RANK_CARD` | `true` | `/rank` and `!xp` answer with the rank card (a PNG); `false`: the text reply ([`Settings::rank_card`]) |
//! | `DISCORD_MESSAGE_CONTENT` | `true` | ask for the privileged message-content intent |
//! | `DISCORD_REGISTER_COMMANDS` | `true` | register the slash commands globally at start |
//! | `DISCORD_SHARDS` | (one shard) | the bot's total number of gateway shards: `auto` (Discord's recommended count, fetched at start) or a number ([`DiscordConfig::sharding`]) |
//! | `DISCORD_SHARD_RANGE` | all of them | the shards this process runs: `first-last` (0-based, both included, within the total; needs `DISCORD_SHARDS`), so several processes split one bot on one database ([`shards`]) |
//!
//! The shortcuts are written into the default settings of every guild without its own
//! ([`Settings::apply_to_defaults`], by [`Discord::new`]); one left at its default changes
//! nothing.
#![warn(missing_docs)]

pub mod announce;
mod bot;
pub mod commands;
mod config;
mod discord;
pub mod guild_config;
mod handler;
mod metrics;
mod rank_card;
pub mod replies;
pub mod shards;
mod transfer;
pub mod voice;

pub use announce::{
    AnnouncementSink, Announcements, Announcer, ImportedRoles, announcements, run_announcer,
};
pub use bot::{Bot, http_client};
pub use commands::{award_command, commands};
pub use config::{Announce, ConfigError, DiscordConfig, Settings, TierRoles};
pub use discord::{Discord, Jobs};
pub use handler::{Handler, HasHandler};
/// The default announcement template (the core's: one home for it).
pub use leveling_core::settings::DEFAULT_TEMPLATE;
pub use metrics::record_gateway_latency;
/// The poise this crate is built on (build your framework with it).
pub use poise;
/// The serenity this crate is built on.
pub use serenity;

/// What can go wrong in the bot.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The engine or the store failed.
    #[error(transparent)]
    Leveling(#[from] leveling_core::Error),
    /// Discord (REST or gateway) failed.
    #[error("discord: {0}")]
    Discord(Box<serenity::Error>),
    /// The bot could not log in: the token was rejected, or the REST API is unreachable.
    #[error("could not log in to Discord (check DISCORD_TOKEN and DISCORD_API_URL): {0}")]
    Login(Box<serenity::Error>),
    /// The configured shard range does not fit the total Discord recommends
    /// (`DISCORD_SHARDS=auto` with a `DISCORD_SHARD_RANGE` beyond it): found at start,
    /// before connecting.
    #[error("DISCORD_SHARD_RANGE: {0}")]
    Sharding(String),
}

impl From<serenity::Error> for Error {
    fn from(error: serenity::Error) -> Self {
        Self::Discord(Box::new(error))
    }
}
