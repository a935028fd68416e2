//! Per-guild settings and the community rules decided from them, as pure values and
//! functions (issue 12, first slice). The store, the engine and the adapters do not use
//! them yet.

mod announce;
mod context;
mod error;
mod leave;
pub mod multipliers;
mod no_xp;
mod rewards;
mod template;
mod xp_rules;

pub use announce::{Announce, AnnounceEvery, AnnounceMode, DEFAULT_TEMPLATE, should_announce};
pub use context::AwardContext;
pub use error::SettingsError;
pub use leave::{LeaveOutcome, LeavePolicy, OnLeave, leave_outcome};
pub use multipliers::{EventMultiplier, Multipliers, scaled_xp};
pub use no_xp::{NoXp, NoXpMode};
pub use rewards::{OnRejoin, RewardMode, RewardRole, Rewards, RoleChanges, reward_changes};
pub use template::{Placeholder, Template, TemplateValues};
pub use xp_rules::{BonusRule, CooldownRule, StreakRule, VoiceRule, XpRules};
