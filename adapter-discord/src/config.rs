//! The bot's configuration: connection (token, REST base URL, intents) and behaviour
//! (announcements, admin role, tier roles, voice tick), read from the environment.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use leveling_core::settings::DEFAULT_TEMPLATE;
use leveling_core::{AnnounceMode, GuildSettings, Progression, RewardMode, RewardRole, Template};
use serenity::all::{ChannelId, GatewayIntents, RoleId};

use crate::shards::{ShardCount, ShardRange, Sharding};

/// Where level-up announcements go: the `DISCORD_ANNOUNCE` shortcut for the `announce`
/// mode (and channel) of the default guild settings (see [`Settings::apply_to_defaults`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Announce {
    /// In the channel where the level was earned (a message's or command's channel, the
    /// voice channel's chat for voice XP); level-ups without a channel (the HTTP API,
    /// admin commands) are not announced.
    #[default]
    SameChannel,
    /// Always in this channel.
    Channel(ChannelId),
    /// Not at all.
    Off,
}

/// Discord roles given for reward tiers: the `DISCORD_TIER_ROLES` shortcut for the
/// reward roles of the default guild settings — each tier's role becomes a reward role
/// at the tier's first level, in `replace` mode (or `stack` with
/// [`keep_lower`](Self::keep_lower)); see [`Settings::apply_to_defaults`].
///
/// ```
/// use leveling_discord::TierRoles;
/// use serenity::all::RoleId;
///
/// let roles = TierRoles::parse("Member=11,Advanced=26").unwrap();
/// assert_eq!(roles.role_for("member"), Some(RoleId::new(11)));
/// assert!(!roles.keep_lower);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TierRoles {
    /// Role per tier name (matched ASCII case-insensitively; stored lowercase).
    roles: BTreeMap<String, RoleId>,
    /// Keep the roles of lower tiers when a member reaches a higher one (default: remove
    /// them, so a member holds exactly one tier role).
    pub keep_lower: bool,
}

impl TierRoles {
    /// No tier roles.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the role for a tier.
    pub fn with(mut self, tier: &str, role: RoleId) -> Self {
        self.roles.insert(tier.to_ascii_lowercase(), role);
        self
    }

    /// Reads `Tier=role_id` pairs separated by commas (`"Member=123,Elite=456"`). A role id
    /// of 0 is an error: no Discord id is 0.
    ///
    /// ```
    /// use leveling_discord::TierRoles;
    ///
    /// let error = TierRoles::parse("Member=0").unwrap_err();
    /// assert!(error.contains("0 is not a Discord id"), "{error}");
    /// ```
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut roles = Self::new();
        for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (tier, role) = pair
                .split_once('=')
                .ok_or_else(|| format!("expected Tier=role_id, got {pair:?}"))?;
            let role =
                parse_id(role.trim()).map_err(|why| format!("bad role id in {pair:?}: {why}"))?;
            if tier.trim().is_empty() {
                return Err(format!("missing tier name in {pair:?}"));
            }
            roles = roles.with(tier.trim(), RoleId::new(role));
        }
        Ok(roles)
    }

    /// The role for a tier, if configured.
    pub fn role_for(&self, tier: &str) -> Option<RoleId> {
        self.roles.get(&tier.to_ascii_lowercase()).copied()
    }

    /// Every configured role.
    pub fn all_roles(&self) -> impl Iterator<Item = RoleId> + '_ {
        self.roles.values().copied()
    }

    /// Every (tier name, lowercase; role) pair.
    pub fn iter(&self) -> impl Iterator<Item = (&str, RoleId)> + '_ {
        self.roles.iter().map(|(tier, role)| (tier.as_str(), *role))
    }

    /// Whether no tier has a role.
    pub fn is_empty(&self) -> bool {
        self.roles.is_empty()
    }
}

/// How the bot behaves (everything but the connection).
///
/// What a guild's admins configure (XP rules, no-XP lists, multipliers, reward roles,
/// announcements) lives in the engine's per-guild
/// [`GuildSettings`]; `announce`, `template` and `tier_roles` here are **shortcuts** for
/// the defaults of every guild without settings of its own, applied by
/// [`Discord::new`](crate::Discord::new) through [`apply_to_defaults`](Self::apply_to_defaults).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Shortcut for the default `announce.mode` (and `channel_id`); applied when not
    /// [`Announce::SameChannel`] (the core's default).
    pub announce: Announce,
    /// Shortcut for the default `announce.template` (a core
    /// [`Template`]: `{user}` `{username}` `{level}` `{old_level}` `{tier}` `{xp}`
    /// `{rank}` `{next_level_xp}` `{guild}`); applied when not [`DEFAULT_TEMPLATE`].
    pub template: String,
    /// Members with this role may use the admin commands (besides Manage Server).
    pub admin_role: Option<RoleId>,
    /// Shortcut for the default `rewards`: a reward role at each tier's first level
    /// (see [`TierRoles`]); applied when not empty.
    pub tier_roles: TierRoles,
    /// The length of a paid voice "minute" and the interval at which voice XP is paid
    /// (60 s; tests shorten it).
    pub voice_tick: Duration,
    /// The prefix of prefix commands (`!`, for `!xp`).
    pub prefix: String,
    /// Leaderboard rows per page.
    pub leaderboard_page_size: u32,
    /// `/rank` and `!xp` answer with the member's rank card as a PNG attachment (with
    /// alt text) and a one-line caption; `false` keeps the text reply. A card that cannot
    /// be drawn falls back to the text reply too. Default `true`
    /// (`DISCORD_RANK_CARD`).
    pub rank_card: bool,
    /// Where the card's avatars come from: `{avatar_cdn}/avatars/{user}/{hash}.png`.
    /// Default `https://cdn.discordapp.com`; tests point it at a local server.
    pub avatar_cdn: String,
    /// The only hosts avatars are fetched from (redirects included), so a URL can never
    /// make the bot fetch from elsewhere. Default `cdn.discordapp.com` and
    /// `media.discordapp.net`.
    pub avatar_hosts: Vec<String>,
    /// The only hosts `/import` downloads its attachment from (redirects included):
    /// an attachment's URL comes from the interaction, and must not make the bot fetch
    /// from its own network. Exact names, case-insensitive; empty allows any host.
    /// Default `cdn.discordapp.com` and `media.discordapp.net` (where Discord keeps
    /// attachments); tests point it at a local server.
    pub attachment_hosts: Vec<String>,
    /// How long `/forgetme` waits for its confirmation button before giving up (nothing
    /// deleted). Default 60 s.
    pub confirm_timeout: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            announce: Announce::SameChannel,
            template: DEFAULT_TEMPLATE.to_owned(),
            admin_role: None,
            tier_roles: TierRoles::new(),
            voice_tick: Duration::from_secs(60),
            prefix: "!".to_owned(),
            leaderboard_page_size: 10,
            rank_card: true,
            avatar_cdn: "https://cdn.discordapp.com".to_owned(),
            avatar_hosts: leveling_card::DISCORD_AVATAR_HOSTS
                .map(str::to_owned)
                .to_vec(),
            // Attachments live on the same two hosts as avatars.
            attachment_hosts: leveling_card::DISCORD_AVATAR_HOSTS
                .map(str::to_owned)
                .to_vec(),
            confirm_timeout: Duration::from_secs(60),
        }
    }
}

impl Settings {
    /// Writes the shortcuts into `defaults` (the default settings of every guild):
    ///
    /// - `announce` (unless [`Announce::SameChannel`]): `announce.mode` `off`, or
    ///   `channel` with its `channel_id`;
    /// - `template` (unless [`DEFAULT_TEMPLATE`]): `announce.template`;
    /// - `tier_roles` (unless empty): `rewards.roles` — each tier's role at the tier's
    ///   first level in `progression` (a tier name the progression does not know is
    ///   skipped, with a log line) — and `rewards.mode` `replace`, or `stack` with
    ///   `keep_lower`.
    ///
    /// A shortcut left at its default leaves `defaults` as they are (a defaults file
    /// keeps its say). The result is not validated here; [`Discord::new`](crate::Discord::new)
    /// validates it.
    ///
    /// ```
    /// use leveling_core::{AnnounceMode, GuildSettings, Progression, RewardMode, Rules};
    /// use leveling_discord::{Announce, Settings, TierRoles};
    /// use serenity::all::RoleId;
    ///
    /// let settings = Settings {
    ///     announce: Announce::Off,
    ///     tier_roles: TierRoles::new().with("Member", RoleId::new(7)),
    ///     ..Settings::default()
    /// };
    /// let mut defaults = GuildSettings::from_rules(&Rules::default());
    /// settings.apply_to_defaults(&mut defaults, &Progression::default());
    /// assert_eq!(defaults.announce.mode, AnnounceMode::Off);
    /// assert_eq!(defaults.rewards.mode, RewardMode::Replace);
    /// assert_eq!(defaults.rewards.roles[0].role_id.get(), 7);
    /// ```
    pub fn apply_to_defaults(&self, defaults: &mut GuildSettings, progression: &Progression) {
        match self.announce {
            Announce::SameChannel => {}
            Announce::Off => defaults.announce.mode = AnnounceMode::Off,
            Announce::Channel(channel) => {
                defaults.announce.mode = AnnounceMode::Channel;
                defaults.announce.channel_id = Some(channel.get().into());
            }
        }
        if self.template != DEFAULT_TEMPLATE {
            defaults.announce.template.clone_from(&self.template);
        }
        if !self.tier_roles.is_empty() {
            let mut roles: Vec<RewardRole> = Vec::new();
            for (tier, role) in self.tier_roles.iter() {
                match progression.tiers().by_name(tier) {
                    Some(found) => roles.push(RewardRole {
                        level: found.min_level,
                        role_id: role.get().into(),
                    }),
                    None => tracing::warn!(
                        tier,
                        "DISCORD_TIER_ROLES names a tier that does not exist: skipped"
                    ),
                }
            }
            roles.sort_by_key(|reward| reward.level);
            defaults.rewards.roles = roles;
            defaults.rewards.mode = if self.tier_roles.keep_lower {
                RewardMode::Stack
            } else {
                RewardMode::Replace
            };
        }
    }
}

/// Everything the standalone [`Bot`](crate::Bot) needs.
#[derive(Clone)]
pub struct DiscordConfig {
    /// The bot token (never printed: `Debug` redacts it).
    pub token: String,
    /// The REST base URL (a proxy such as twilight-http-proxy or nirn-proxy, or a test
    /// fake), e.g. `http://127.0.0.1:8080`; `None` for Discord's own. When set, serenity's
    /// own rate limiter is turned off (serenity ignores the proxy otherwise) and the proxy
    /// is trusted with rate limits.
    pub api_url: Option<String>,
    /// The gateway intents. The default asks for guilds, guild messages, voice states and
    /// message content (privileged: enable it in the developer portal, or drop it with
    /// `DISCORD_MESSAGE_CONTENT=false`; `!xp` then needs a mention prefix).
    /// `DISCORD_MEMBERS_INTENT=true` adds the privileged Server Members intent, which
    /// member joins and leaves need (reward roles restored on rejoin, the leave policy).
    pub intents: GatewayIntents,
    /// Register the slash commands globally at start (default `true`).
    pub register_commands: bool,
    /// The gateway shards this process runs (`DISCORD_SHARDS`, `DISCORD_SHARD_RANGE`), so
    /// several processes can split one bot on one database: each awards XP, tracks voice
    /// and answers commands in the guilds of its shards only (Discord sends a shard its
    /// guilds' events only; see [`shards`](crate::shards)). `None` (the default): one
    /// shard, 0 of 1, every guild. With [`ShardCount::Auto`](crate::shards::ShardCount)
    /// the total is Discord's recommended count, fetched at start, and the range is
    /// checked against it then ([`Bot::run`](crate::Bot::run) fails with
    /// [`Error::Sharding`](crate::Error::Sharding) when it does not fit).
    pub sharding: Option<Sharding>,
    /// Behaviour.
    pub settings: Settings,
}

impl fmt::Debug for DiscordConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DiscordConfig")
            .field("token", &"<redacted>")
            .field("api_url", &self.api_url)
            .field("intents", &self.intents)
            .field("register_commands", &self.register_commands)
            .field("sharding", &self.sharding)
            .field("settings", &self.settings)
            .finish()
    }
}

/// A missing or bad configuration value, naming the variable (never its value).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    /// The environment variable.
    pub variable: &'static str,
    /// What is wrong with it.
    pub message: String,
}

impl DiscordConfig {
    /// The default intents: guilds, guild messages, voice states, guild moderation (bans,
    /// for the `reset_on_ban` leave policy) and message content.
    pub fn default_intents() -> GatewayIntents {
        GatewayIntents::GUILDS
            | GatewayIntents::GUILD_MESSAGES
            | GatewayIntents::GUILD_VOICE_STATES
            | GatewayIntents::GUILD_MODERATION
            | GatewayIntents::MESSAGE_CONTENT
    }

    /// A configuration with `token` and every default.
    pub fn new(token: impl Into<String>) -> Self {
        Self {
            token: token.into(),
            api_url: None,
            intents: Self::default_intents(),
            register_commands: true,
            sharding: None,
            settings: Settings::default(),
        }
    }

    /// Reads the environment; `Ok(None)` when `DISCORD_TOKEN` is unset or empty (run
    /// without the bot). See the crate docs for the variables.
    pub fn from_env() -> Result<Option<Self>, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), reading variables through `lookup`.
    ///
    /// ```
    /// use leveling_discord::{Announce, DiscordConfig};
    ///
    /// let env = |name: &str| match name {
    ///     "DISCORD_TOKEN" => Some("secret".to_owned()),
    ///     "DISCORD_ANNOUNCE" => Some("off".to_owned()),
    ///     _ => None,
    /// };
    /// let config = DiscordConfig::from_lookup(env).unwrap().unwrap();
    /// assert_eq!(config.settings.announce, Announce::Off);
    /// assert!(!format!("{config:?}").contains("secret"));
    /// ```
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, ConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let Some(token) = get("DISCORD_TOKEN") else {
            return Ok(None);
        };
        let mut config = Self::new(token);
        let bad = |variable: &'static str, message: &str| ConfigError {
            variable,
            message: message.to_owned(),
        };
        if let Some(url) = get("DISCORD_API_URL") {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(bad("DISCORD_API_URL", "must be an http:// or https:// URL"));
            }
            config.api_url = Some(url.trim_end_matches('/').to_owned());
        }
        if let Some(value) = get("DISCORD_MESSAGE_CONTENT")
            && !parse_bool(&value)
                .ok_or_else(|| bad("DISCORD_MESSAGE_CONTENT", "must be true or false"))?
        {
            config.intents.remove(GatewayIntents::MESSAGE_CONTENT);
        }
        if let Some(value) = get("DISCORD_MEMBERS_INTENT")
            && parse_bool(&value)
                .ok_or_else(|| bad("DISCORD_MEMBERS_INTENT", "must be true or false"))?
        {
            config.intents.insert(GatewayIntents::GUILD_MEMBERS);
        }
        if let Some(value) = get("DISCORD_REGISTER_COMMANDS") {
            config.register_commands = parse_bool(&value)
                .ok_or_else(|| bad("DISCORD_REGISTER_COMMANDS", "must be true or false"))?;
        }
        config.sharding = sharding(&get)?;
        let settings = &mut config.settings;
        if let Some(value) = get("DISCORD_ANNOUNCE") {
            settings.announce = match value.to_ascii_lowercase().as_str() {
                "same" | "same_channel" | "channel" => Announce::SameChannel,
                "off" | "none" | "false" => Announce::Off,
                other => Announce::Channel(ChannelId::new(parse_id(other).map_err(|why| {
                    bad(
                        "DISCORD_ANNOUNCE",
                        &format!("must be `same`, `off` or a channel id ({why})"),
                    )
                })?)),
            };
        }
        if let Some(template) = lookup("DISCORD_ANNOUNCE_TEMPLATE").filter(|t| !t.trim().is_empty())
        {
            if let Err(error) = Template::parse(&template) {
                return Err(bad("DISCORD_ANNOUNCE_TEMPLATE", error.message()));
            }
            settings.template = template;
        }
        if let Some(value) = get("DISCORD_ADMIN_ROLE_ID") {
            settings.admin_role = Some(RoleId::new(parse_id(&value).map_err(|why| {
                bad(
                    "DISCORD_ADMIN_ROLE_ID",
                    &format!("must be a role id ({why})"),
                )
            })?));
        }
        if let Some(value) = get("DISCORD_TIER_ROLES") {
            settings.tier_roles = TierRoles::parse(&value).map_err(|message| ConfigError {
                variable: "DISCORD_TIER_ROLES",
                message,
            })?;
        }
        if let Some(value) = get("DISCORD_TIER_ROLES_KEEP_LOWER") {
            settings.tier_roles.keep_lower = parse_bool(&value)
                .ok_or_else(|| bad("DISCORD_TIER_ROLES_KEEP_LOWER", "must be true or false"))?;
        }
        if let Some(value) = get("DISCORD_VOICE_TICK_SECS") {
            let secs: f64 = value
                .parse()
                .ok()
                .filter(|s: &f64| s.is_finite() && *s >= 0.05 && *s <= 3600.0)
                .ok_or_else(|| {
                    bad(
                        "DISCORD_VOICE_TICK_SECS",
                        "must be a number of seconds between 0.05 and 3600",
                    )
                })?;
            settings.voice_tick = Duration::from_secs_f64(secs);
        }
        if let Some(value) = get("DISCORD_RANK_CARD") {
            settings.rank_card = parse_bool(&value)
                .ok_or_else(|| bad("DISCORD_RANK_CARD", "must be true or false"))?;
        }
        if let Some(prefix) = get("DISCORD_PREFIX") {
            settings.prefix = prefix;
        }
        Ok(Some(config))
    }
}

/// `DISCORD_SHARDS` and `DISCORD_SHARD_RANGE`: `None` when neither is set; a range
/// needs the total.
fn sharding(get: &impl Fn(&str) -> Option<String>) -> Result<Option<Sharding>, ConfigError> {
    let range_spec = get("DISCORD_SHARD_RANGE");
    let Some(count) = get("DISCORD_SHARDS") else {
        return match range_spec {
            Some(_) => Err(ConfigError {
                variable: "DISCORD_SHARD_RANGE",
                message: "needs DISCORD_SHARDS (`auto` or the total number of shards)".to_owned(),
            }),
            None => Ok(None),
        };
    };
    let count = ShardCount::parse(&count).map_err(|message| ConfigError {
        variable: "DISCORD_SHARDS",
        message,
    })?;
    let bad_range = |message| ConfigError {
        variable: "DISCORD_SHARD_RANGE",
        message,
    };
    let range = range_spec
        .map(|spec| ShardRange::parse(&spec))
        .transpose()
        .map_err(bad_range)?;
    Sharding::new(count, range).map(Some).map_err(bad_range)
}

/// A Discord id (a snowflake): a positive integer. 0 is refused here, where ids enter the
/// adapter, because serenity's ids cannot hold it (`RoleId::new(0)` panics).
fn parse_id(value: &str) -> Result<u64, &'static str> {
    match value.parse::<u64>() {
        Ok(0) => Err("0 is not a Discord id"),
        Ok(id) => Ok(id),
        Err(_) => Err("not a number"),
    }
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn no_token_means_no_bot() {
        assert_eq!(
            DiscordConfig::from_lookup(env(&[])).map(|c| c.is_none()),
            Ok(true)
        );
        assert_eq!(
            DiscordConfig::from_lookup(env(&[("DISCORD_TOKEN", "  ")])).map(|c| c.is_none()),
            Ok(true)
        );
    }

    #[test]
    fn every_variable_is_read() {
        let config = DiscordConfig::from_lookup(env(&[
            ("DISCORD_TOKEN", "tok"),
            ("DISCORD_API_URL", "http://127.0.0.1:9000/"),
            ("DISCORD_ANNOUNCE", "123"),
            ("DISCORD_ANNOUNCE_TEMPLATE", "{user} is now {level}"),
            ("DISCORD_ADMIN_ROLE_ID", "77"),
            ("DISCORD_TIER_ROLES", "Member=5, Elite=6"),
            ("DISCORD_TIER_ROLES_KEEP_LOWER", "true"),
            ("DISCORD_VOICE_TICK_SECS", "0.5"),
            ("DISCORD_PREFIX", "?"),
            ("DISCORD_MESSAGE_CONTENT", "false"),
            ("DISCORD_MEMBERS_INTENT", "true"),
            ("DISCORD_REGISTER_COMMANDS", "no"),
            ("DISCORD_RANK_CARD", "off"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(config.api_url.as_deref(), Some("http://127.0.0.1:9000"));
        assert!(!config.intents.contains(GatewayIntents::MESSAGE_CONTENT));
        assert!(config.intents.contains(GatewayIntents::GUILD_VOICE_STATES));
        assert!(config.intents.contains(GatewayIntents::GUILD_MEMBERS));
        assert!(!config.register_commands);
        let s = &config.settings;
        assert_eq!(s.announce, Announce::Channel(ChannelId::new(123)));
        assert_eq!(s.template, "{user} is now {level}");
        assert_eq!(s.admin_role, Some(RoleId::new(77)));
        assert_eq!(s.tier_roles.role_for("ELITE"), Some(RoleId::new(6)));
        assert!(s.tier_roles.keep_lower);
        assert_eq!(s.voice_tick, Duration::from_millis(500));
        assert_eq!(s.prefix, "?");
        assert!(!s.rank_card);
    }

    #[test]
    fn bad_values_name_the_variable_not_the_token() {
        for (variable, value) in [
            ("DISCORD_API_URL", "ftp://x"),
            ("DISCORD_ANNOUNCE", "somewhere"),
            ("DISCORD_ADMIN_ROLE_ID", "abc"),
            ("DISCORD_TIER_ROLES", "Member"),
            ("DISCORD_TIER_ROLES_KEEP_LOWER", "maybe"),
            ("DISCORD_VOICE_TICK_SECS", "0"),
            ("DISCORD_ANNOUNCE", "0"),
            ("DISCORD_ADMIN_ROLE_ID", "0"),
            ("DISCORD_TIER_ROLES", "Member=5,Elite=0"),
            ("DISCORD_MEMBERS_INTENT", "sometimes"),
            ("DISCORD_ANNOUNCE_TEMPLATE", "GG {usr}"),
            ("DISCORD_RANK_CARD", "png"),
        ] {
            let error =
                DiscordConfig::from_lookup(env(&[("DISCORD_TOKEN", "sekrit"), (variable, value)]))
                    .unwrap_err();
            assert_eq!(error.variable, variable);
            assert!(!error.to_string().contains("sekrit"));
        }
    }

    #[test]
    fn the_shortcuts_become_default_settings_and_defaults_left_alone_stay() {
        use leveling_core::{RoleId as CoreRole, Rules};

        let progression = Progression::default();
        let base = GuildSettings::from_rules(&Rules::default());
        // Nothing set: nothing changes (a defaults file keeps its say).
        let mut defaults = base.clone();
        Settings::default().apply_to_defaults(&mut defaults, &progression);
        assert_eq!(defaults, base);

        let mut settings = Settings {
            announce: Announce::Channel(ChannelId::new(9)),
            template: "{user} → {level}".to_owned(),
            tier_roles: TierRoles::new()
                .with("Member", RoleId::new(2))
                .with("Basic", RoleId::new(1))
                .with("NoSuchTier", RoleId::new(3)),
            ..Settings::default()
        };
        let mut defaults = base.clone();
        settings.apply_to_defaults(&mut defaults, &progression);
        assert_eq!(defaults.announce.mode, AnnounceMode::Channel);
        assert_eq!(defaults.announce.channel_id, Some(9.into()));
        assert_eq!(defaults.announce.template, "{user} → {level}");
        let member = progression.tiers().by_name("Member").unwrap().min_level;
        assert_eq!(
            defaults.rewards.roles,
            [
                RewardRole {
                    level: 0,
                    role_id: CoreRole(1)
                },
                RewardRole {
                    level: member,
                    role_id: CoreRole(2)
                },
            ],
            "each tier's role at its first level; an unknown tier is skipped"
        );
        assert_eq!(defaults.rewards.mode, RewardMode::Replace);
        assert!(defaults.validate().is_ok());

        settings.tier_roles.keep_lower = true;
        settings.announce = Announce::Off;
        let mut defaults = base;
        settings.apply_to_defaults(&mut defaults, &progression);
        assert_eq!(defaults.rewards.mode, RewardMode::Stack);
        assert_eq!(defaults.announce.mode, AnnounceMode::Off);
    }

    #[test]
    fn sharding_is_read_and_bad_values_name_their_variable() {
        use crate::shards::Shards;

        let read = |pairs: &[(&str, &str)]| {
            let mut all = vec![("DISCORD_TOKEN", "sekrit")];
            all.extend_from_slice(pairs);
            DiscordConfig::from_lookup(env(&all)).map(|c| c.unwrap().sharding)
        };
        assert_eq!(read(&[]), Ok(None), "unset: one shard, as before");
        let fixed = read(&[("DISCORD_SHARDS", "4"), ("DISCORD_SHARD_RANGE", "2-3")])
            .unwrap()
            .unwrap();
        assert_eq!(fixed.resolve(None).unwrap().to_string(), "2-3 of 4");
        let auto = read(&[("DISCORD_SHARDS", "auto")]).unwrap().unwrap();
        assert_eq!(auto.count, ShardCount::Auto);
        assert_eq!(auto.range, None);
        assert_eq!(auto.resolve(Some(1)), Ok(Shards::SINGLE));
        // `auto` with any well-formed range is accepted here: Discord's count decides.
        assert!(read(&[("DISCORD_SHARDS", "auto"), ("DISCORD_SHARD_RANGE", "6-7")]).is_ok());

        for (pairs, variable, says) in [
            (
                &[("DISCORD_SHARD_RANGE", "0-1")][..],
                "DISCORD_SHARD_RANGE",
                "needs DISCORD_SHARDS",
            ),
            (
                &[("DISCORD_SHARDS", "0")][..],
                "DISCORD_SHARDS",
                "1 or more",
            ),
            (
                &[("DISCORD_SHARDS", "many")][..],
                "DISCORD_SHARDS",
                "`auto`",
            ),
            (
                &[("DISCORD_SHARDS", "4"), ("DISCORD_SHARD_RANGE", "2-4")][..],
                "DISCORD_SHARD_RANGE",
                "outside the 4 shard(s)",
            ),
            (
                &[("DISCORD_SHARDS", "4"), ("DISCORD_SHARD_RANGE", "3-1")][..],
                "DISCORD_SHARD_RANGE",
                "comes after",
            ),
            (
                &[("DISCORD_SHARDS", "auto"), ("DISCORD_SHARD_RANGE", "x")][..],
                "DISCORD_SHARD_RANGE",
                "first-last",
            ),
        ] {
            let error = read(pairs).unwrap_err();
            assert_eq!(error.variable, variable, "{pairs:?}");
            assert!(error.message.contains(says), "{pairs:?}: {error}");
            assert!(!error.to_string().contains("sekrit"));
            assert!(!error.to_string().contains('\n'), "one line: {error}");
        }
    }

    #[test]
    fn an_id_of_zero_is_a_clear_error_not_a_panic() {
        for (variable, value) in [
            ("DISCORD_ANNOUNCE", "0"),
            ("DISCORD_ADMIN_ROLE_ID", "0"),
            ("DISCORD_TIER_ROLES", "Member=0"),
        ] {
            let error =
                DiscordConfig::from_lookup(env(&[("DISCORD_TOKEN", "t"), (variable, value)]))
                    .unwrap_err();
            assert_eq!(error.variable, variable);
            assert!(
                error.message.contains("0 is not a Discord id"),
                "{variable}: {error}"
            );
        }
    }
}
