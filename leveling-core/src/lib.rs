//! # leveling-core
//!
//! The pure leveling domain: the XP [curve](LevelCurve), the [rules](Rules) for each XP
//! [source](Source), daily bonus and streaks, reward [tiers](Tiers), unlockable
//! [tools](Tool), and the [engine](Leveling) that ties them to a [`Storage`] and to
//! [event sinks](EventSink). Per-guild [settings](GuildSettings) and the community rules
//! decided from them (multipliers, no-XP channels and roles, level rewards,
//! announcements, the leave policy) are pure values and functions in [`settings`]. No
//! I/O here: stores and adapters live in their own crates, time comes from a [`Clock`].
//!
//! ```
//! use leveling_core::{LevelCurve, Progression, QuadraticCurve};
//!
//! // XP Required = 100·L² + 50·L, as total XP.
//! assert_eq!(QuadraticCurve::SEED.xp_for_level(100), 1_005_000);
//! let progression = Progression::default();
//! assert_eq!(progression.level(149), 0);
//! assert_eq!(progression.level(150), 1);
//! ```
//!
//! ## Features
//!
//! - `testing`: the [storage conformance suite](testing) every store runs.
#![warn(missing_docs)]

mod clock;
mod curve;
mod daily;
mod engine;
mod error;
mod event;
mod id;
mod page;
mod progression;
mod rules;
pub mod settings;
pub mod storage;
mod tier;
mod tool;
pub mod transfer;
mod user;

#[cfg(feature = "testing")]
pub mod testing;

pub use chrono;
pub use clock::{Clock, ManualClock, SystemClock};
pub use curve::{LevelCurve, Mee6Curve, Progress, QuadraticCurve};
pub use daily::{DailyClaim, DailyRule, Day, DayBoundary, Streak};
pub use engine::{
    AdminNote, AdminResult, Award, AwardKind, AwardResult, DEFAULT_SETTINGS_POLL,
    GuildSettingsView, IMPORT_BATCH, ImportError, ImportOptions, ImportSummary, LeaderboardEntry,
    Leveling, LevelingBuilder, MAX_IDEMPOTENCY_KEY_LEN, MAX_REASON_CHARS, MemberProgress, UserData,
};
pub use error::{BoxError, Error, ErrorKind, Result};
pub use event::{
    Event, EventSink, ImportedLevel, LevelDown, LevelUp, LogSink, MembersImported, ToolUnlocked,
};
pub use id::{ChannelId, GuildId, MemberId, ParseIdError, RoleId, UserId};
pub use page::{Page, PageRequest};
pub use progression::Progression;
pub use rules::{ActivityRule, Rules, Source, UnknownSource};
pub use settings::{
    Announce, AnnounceEvery, AnnounceMode, AwardContext, CardTheme, Colour, ColourError,
    EventMultiplier, GuildSettings, GuildSettingsPatch, LeaderboardSettings, LeaveOutcome,
    LeavePolicy, Multipliers, NoXp, NoXpMode, OnLeave, OnRejoin, Placeholder, RewardMode,
    RewardRole, Rewards, RoleChanges, SettingsError, Template, TemplateValues, XpRules,
    leave_outcome, rejoin_changes, reward_changes, scaled_xp, should_announce,
};
pub use storage::{
    CatalogStore, ProfileStore, SettingsStore, StatusStore, Storage, TransferStore, XpStore,
};
pub use tier::{Tier, Tiers};
pub use tool::{
    AccessStatus, NewTool, Tool, ToolAccess, ToolId, UnknownUnlockReason, Unlock, UnlockReason,
    access, unlocked_between,
};
pub use user::{MAX_NAME_CHARS, MAX_URL_CHARS, NewUser, UserPatch, UserProfile};
