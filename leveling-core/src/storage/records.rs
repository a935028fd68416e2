//! The values that cross the [`Storage`](super::Storage) boundary.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{DailyClaim, DailyRule, MemberId, Source, Streak, UserId};

/// The most XP a member can hold: stores saturate here (it is PostgreSQL's `BIGINT` max).
pub const MAX_XP: u64 = i64::MAX as u64;

/// How long a store keeps an idempotency key by default: a retry within 24 h of the
/// first grant replays it; after that the key is forgotten (stores purge expired keys,
/// so they never grow without bound) and the same key makes a new award. Every store
/// takes another window as a setting.
pub const DEFAULT_IDEMPOTENCY_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);

/// One award for the store to apply atomically: cooldown check, XP add, daily claim,
/// history rows and idempotency key, all or nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwardRequest {
    /// Who earns it.
    pub member: MemberId,
    /// What earns it (the history row's source and the cooldown's key).
    pub source: Source,
    /// XP for the activity itself; may be 0 for a daily claim alone.
    pub amount: u64,
    /// Per member and source: refuse while the last grant is younger than this.
    pub cooldown: Option<Duration>,
    /// Claim the day's bonus and streak with this award, when not claimed yet today.
    pub daily: Option<DailyRule>,
    /// A note for the history row.
    pub reason: Option<String>,
    /// A repeat with the same key (per member), within the store's idempotency window,
    /// returns the first grant and adds nothing.
    pub idempotency_key: Option<String>,
    /// The time of the award.
    pub now: DateTime<Utc>,
}

/// What a store did with an [`AwardRequest`].
///
/// The rules, which every store must follow (the conformance suite checks them):
/// 1. A key used by a granted award of the member less than the store's idempotency
///    window ago ([`DEFAULT_IDEMPOTENCY_WINDOW`] unless configured) → that award's
///    outcome, with `replayed: true`, and nothing changes. An older key is forgotten.
/// 2. A cooldown for (member, source) that ends after `now` → [`AwardOutcome::Cooldown`].
/// 3. The daily claim is made when `daily` is set and the member has not claimed on
///    `daily.today` ([`DailyRule::claim`]).
/// 4. When `amount` is 0 and no claim was made → [`AwardOutcome::AlreadyClaimed`].
/// 5. Otherwise XP rises by `amount` plus the claim (saturating at [`MAX_XP`]), the
///    cooldown restarts at `now`, the member's "reached at" becomes `now`, and history
///    gets a row for the amount (when non-zero), then `daily`, then `streak`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AwardOutcome {
    /// XP was added.
    Granted(Granted),
    /// The source is on cooldown for this member.
    Cooldown {
        /// Time until it pays again.
        remaining: Duration,
        /// The member's unchanged XP.
        xp: u64,
    },
    /// A daily-only claim on a day already claimed.
    AlreadyClaimed {
        /// The member's unchanged XP.
        xp: u64,
    },
}

/// A granted award.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Granted {
    /// XP before.
    pub xp_before: u64,
    /// XP after.
    pub xp_after: u64,
    /// XP from the activity itself (after saturation).
    pub amount: u64,
    /// The daily claim made with it, if any.
    pub daily: Option<DailyClaim>,
}

/// The outcome and whether it was replayed for an idempotency key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAward {
    /// What happened.
    pub outcome: AwardOutcome,
    /// `true` when the outcome is the first grant with the same idempotency key.
    pub replayed: bool,
}

/// An admin change of a member's XP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Adjustment {
    /// Add (or, negative, remove) XP; floors at 0, saturates at [`MAX_XP`].
    Add(i64),
    /// Set XP to this total.
    Set(u64),
    /// XP to 0 and the streak cleared.
    Reset,
}

/// An admin change for the store to apply atomically, with its history row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdjustRequest {
    /// Whose XP.
    pub member: MemberId,
    /// The change.
    pub adjustment: Adjustment,
    /// The admin who made it.
    pub actor: Option<UserId>,
    /// A note for the history row.
    pub reason: Option<String>,
    /// The time of the change.
    pub now: DateTime<Utc>,
}

/// The XP around an admin change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adjusted {
    /// XP before.
    pub xp_before: u64,
    /// XP after.
    pub xp_after: u64,
}

/// A member's stored state. Level, tier and progress are derived from `xp`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The key.
    pub id: MemberId,
    /// Total XP.
    pub xp: u64,
    /// Daily streak.
    pub streak: Streak,
    /// When `xp` last changed: leaderboard ties go to whoever got there first.
    pub xp_reached_at: DateTime<Utc>,
}

/// One row of a guild's leaderboard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    /// 1-based position.
    pub rank: u64,
    /// The user.
    pub user: UserId,
    /// Their profile's username, when they have a profile.
    pub username: Option<String>,
    /// Their profile's display name, when set.
    pub display_name: Option<String>,
    /// Their profile's avatar URL, when set.
    pub avatar_url: Option<String>,
    /// Whether they asked to be left out of the public web leaderboard
    /// ([`UserProfile::leaderboard_hidden`](crate::UserProfile::leaderboard_hidden));
    /// `false` without a profile.
    pub hidden: bool,
    /// Total XP.
    pub xp: u64,
}

/// One change of a member's XP.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// XP added (negative when an admin removed XP).
    pub amount: i64,
    /// Where it came from.
    pub source: Source,
    /// XP before.
    pub xp_before: u64,
    /// XP after.
    pub xp_after: u64,
    /// The admin who made the change, for admin changes.
    pub actor: Option<UserId>,
    /// The note given with it.
    pub reason: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Totals for dashboards and `/botstats`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreStats {
    /// Members with a stored state, all guilds together.
    pub members: u64,
    /// User profiles.
    pub users: u64,
    /// The sum of every member's XP.
    pub total_xp: u64,
}
