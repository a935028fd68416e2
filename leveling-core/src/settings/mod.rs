//! Per-guild settings and the community rules decided from them, as pure values and
//! functions (issue 12, first slice). The store, the engine and the adapters do not use
//! them yet.

mod xp_rules;

pub use xp_rules::{BonusRule, CooldownRule, StreakRule, VoiceRule, XpRules};
