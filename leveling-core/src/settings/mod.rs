//! Per-guild settings and the community rules decided from them, as pure values and
//! functions (issue 12, first slice). The store, the engine and the adapters do not use
//! them yet.

mod context;
pub mod multipliers;
mod no_xp;
mod rewards;
mod xp_rules;

pub use context::AwardContext;
pub use multipliers::{EventMultiplier, Multipliers, scaled_xp};
pub use no_xp::{NoXp, NoXpMode};
pub use rewards::{OnRejoin, RewardMode, RewardRole, Rewards, RoleChanges, reward_changes};
pub use xp_rules::{BonusRule, CooldownRule, StreakRule, VoiceRule, XpRules};
