//! Per-guild settings and the community rules decided from them, as pure values and
//! functions (issue 12, first slice).
//!
//! [`GuildSettings`] is what a guild's admins configure: XP per source
//! ([`XpRules`]), [`Multipliers`], [`NoXp`] channels and roles, level [`Rewards`],
//! [`Announce`]ments and what happens [`OnLeave`]. Its JSON is the API contract of
//! `GET /api/guilds/{guild_id}/settings` (without `guild_id` and `updated_at`, which
//! belong to the stored record, not to the value: see [`GuildSettings`]). A guild
//! without settings of its own uses [`GuildSettings::from_rules`] of the server's
//! configured [`Rules`]. A change is a [`GuildSettingsPatch`] ("objects merge, lists
//! replace"), [applied](GuildSettings::apply) and validated in one step.
//!
//! The rules, each in its own file, each a pure function:
//!
//! | rule | function |
//! |---|---|
//! | base XP and cooldown per source | [`XpRules::rule_for`], [`XpRules::streak_bonus`] |
//! | no-XP channels and roles (deny / allow list, thread → channel → category) | [`NoXp::allows`] |
//! | the stacking of multipliers | [`Multipliers::factor`] ([module docs](multipliers)) |
//! | rounding a scaled award | [`scaled_xp`] (half up, saturating) |
//! | both together for one award | [`GuildSettings::factor`], [`GuildSettings::earned_xp`] |
//! | reward roles for a level; on rejoin | [`reward_changes`], [`rejoin_changes`] |
//! | which level-ups are announced; the text | [`should_announce`], [`Template`] |
//! | keep or reset a member who left | [`leave_outcome`], [`OnLeave::reset_due`] |
//!
//! Multipliers and no-XP apply to *activity* (message, command, voice); the daily and
//! streak bonuses are fixed amounts, and direct grants and admin changes name their own.
//!
//! Two sections say how progress is shown rather than earned: [`LeaderboardSettings`]
//! (the public web page on or off) and the rank card's [`CardTheme`].
//!
//! The engine caches each guild's settings for the award path
//! (`Leveling::guild_settings`); the stores keep them with an audit log
//! ([`SettingsStore`](crate::SettingsStore)).
//!
//! ```
//! use leveling_core::chrono::Utc;
//! use leveling_core::{AwardContext, GuildSettings, GuildSettingsPatch, Rules, Source};
//!
//! // A guild's defaults are the server's rules.
//! let defaults = GuildSettings::from_rules(&Rules::default());
//! assert_eq!(defaults.rules.message.xp, 15);
//!
//! // An admin's change, as the HTTP API receives it: objects merge, lists replace.
//! let patch: GuildSettingsPatch = serde_json::from_str(r#"{
//!     "rules": {"message": {"xp": 20}},
//!     "multipliers": {"roles": {"111": 2.0}, "channels": {"500": 0.5}},
//!     "no_xp": {"channels": ["666"]}
//! }"#).unwrap();
//! let settings = defaults.apply(&patch).unwrap();
//! assert_eq!(settings.rules.message.cooldown_secs, 60); // merged, not replaced
//!
//! // A message in a thread of channel 500, by a member with the 2× role 111:
//! // 20 XP × 2.0 (highest role) × 0.5 (inherited from channel 500) = 20.
//! let base = settings.rules.rule_for(Source::Message).unwrap().xp;
//! let context = AwardContext::new().channel(501).parent(500).roles([111, 7]);
//! assert_eq!(settings.earned_xp(base, &context, Utc::now()), 20);
//! // In the no-XP channel 666, nothing.
//! let context = AwardContext::new().channel(666).roles([111]);
//! assert_eq!(settings.earned_xp(base, &context, Utc::now()), 0);
//!
//! // A bad value names its field.
//! let bad: GuildSettingsPatch =
//!     serde_json::from_str(r#"{"multipliers": {"roles": {"111": 50}}}"#).unwrap();
//! assert_eq!(settings.apply(&bad).unwrap_err().field(), "multipliers.roles.111");
//! ```

mod announce;
mod context;
mod display;
mod error;
mod leave;
pub mod multipliers;
mod no_xp;
mod patch;
mod rewards;
mod template;
mod validate;
mod xp_rules;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use announce::{Announce, AnnounceEvery, AnnounceMode, DEFAULT_TEMPLATE, should_announce};
pub use context::AwardContext;
pub use display::{CardTheme, Colour, ColourError, LeaderboardSettings};
pub use error::SettingsError;
pub use leave::{LeaveOutcome, LeavePolicy, OnLeave, leave_outcome};
pub use multipliers::{EventMultiplier, Multipliers, scaled_xp};
pub use no_xp::{NoXp, NoXpMode};
pub use patch::{
    AnnouncePatch, BonusRulePatch, CardThemePatch, CooldownRulePatch, EventPatch,
    GuildSettingsPatch, LeaderboardPatch, MultipliersPatch, NoXpPatch, OnLeavePatch, RewardsPatch,
    StreakRulePatch, VoiceRulePatch, XpRulesPatch,
};
pub use rewards::{
    OnRejoin, RewardMode, RewardRole, Rewards, RoleChanges, rejoin_changes, reward_changes,
};
pub use template::{Placeholder, Template, TemplateValues};
pub use validate::{
    MAX_COOLDOWN_SECS, MAX_GRACE_SECS, MAX_LIST_LEN, MAX_MULTIPLIER, MAX_REWARD_LEVEL,
    MAX_REWARD_ROLES, MAX_RULE_XP, MAX_STREAK_DAYS, MAX_TEMPLATE_CHARS,
};
pub use xp_rules::{BonusRule, CooldownRule, StreakRule, VoiceRule, XpRules};

use crate::Rules;

/// One guild's settings: the value admins configure, in the JSON shape of the API
/// contract (`rules`, `multipliers`, `no_xp`, `rewards`, `announce`, `on_leave`,
/// `leaderboard`, `card`).
///
/// `guild_id` and `updated_at` are **not** part of the value: they describe where and
/// when it is stored, so they belong to the store's record and the API's view (which
/// flattens this value next to them). A value can then be compared, copied to another
/// guild, or used as the defaults of every guild.
///
/// Deserialising is strict — an unknown field is an error at every level, so a typo in
/// a defaults file or a stored document never goes unnoticed — and does **not**
/// [validate](Self::validate): do both for settings from any outside source, or build
/// them with [`apply`](Self::apply), which does. A field added in a later version gets a
/// serde default, so documents written before it still read. A file of defaults for
/// every guild reads best as a [`GuildSettingsPatch`] applied to
/// [`from_rules`](Self::from_rules): it names only what differs.
///
/// The API view is `{"guild_id", …this value's fields…, "updated_at"}`: serialise it
/// with `#[serde(flatten)]` (flattening does not combine with `deny_unknown_fields` when
/// reading, so a view is read back field by field, or its value part alone).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuildSettings {
    /// XP and cooldown per source.
    pub rules: XpRules,
    /// Role, channel and event multipliers.
    pub multipliers: Multipliers,
    /// Where activity earns nothing.
    pub no_xp: NoXp,
    /// Roles given at levels.
    pub rewards: Rewards,
    /// Level-up announcements.
    pub announce: Announce,
    /// What leaving does to progress.
    pub on_leave: OnLeave,
    /// The public web leaderboard (added after the first release: absent in older
    /// documents, which read as the default).
    #[serde(default)]
    pub leaderboard: LeaderboardSettings,
    /// The colours of the guild's rank cards (absent in older documents, as above).
    #[serde(default)]
    pub card: CardTheme,
}

impl GuildSettings {
    /// The settings of a guild that has none of its own, from the server's configured
    /// `rules`:
    ///
    /// - `rules`: the XP, cooldowns (rounded up to whole seconds), daily bonus and streak
    ///   of `rules` ([`XpRules::from_rules`]);
    /// - `multipliers`: none (no role or channel multiplier, no event);
    /// - `no_xp`: deny mode, nothing listed;
    /// - `rewards`: stack, restore on rejoin, no reward roles;
    /// - `announce`: in the same channel, [`DEFAULT_TEMPLATE`], every level;
    /// - `on_leave`: keep, grace 0;
    /// - `leaderboard`: the page on;
    /// - `card`: the default dark [`CardTheme`].
    ///
    /// Valid whenever `rules` is within this module's limits (the default [`Rules`]
    /// are); a server can check its configuration with `validate` at start-up.
    pub fn from_rules(rules: &Rules) -> Self {
        Self {
            rules: XpRules::from_rules(rules),
            multipliers: Multipliers::default(),
            no_xp: NoXp::default(),
            rewards: Rewards::default(),
            announce: Announce::default(),
            on_leave: OnLeave::default(),
            leaderboard: LeaderboardSettings::default(),
            card: CardTheme::default(),
        }
    }

    /// The factor of an activity award in `context` at `now`: 0 when [`no_xp`](NoXp)
    /// refuses it, else the [stacked multipliers](multipliers).
    pub fn factor(&self, context: &AwardContext, now: DateTime<Utc>) -> f64 {
        if self.no_xp.allows(context) {
            self.multipliers.factor(context, now)
        } else {
            0.0
        }
    }

    /// What an activity award of `base` XP (from [`XpRules::rule_for`], times the minutes
    /// for voice) earns in `context` at `now`: [`scaled_xp`] of `base` by
    /// [`factor`](Self::factor). 0 means the award earns nothing.
    pub fn earned_xp(&self, base: u64, context: &AwardContext, now: DateTime<Utc>) -> u64 {
        scaled_xp(base, self.factor(context, now))
    }
}

#[cfg(test)]
mod tests;
