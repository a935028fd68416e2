//! The storage trait: where members, history, profiles and tools live.
//!
//! The engine never reads-then-writes: every change is one call that the store applies
//! atomically ([`Storage::award`], [`Storage::adjust`]), so N concurrent awards add up
//! exactly and a cooldown lets exactly one through, across threads, processes and
//! replicas sharing the store.
//!
//! # Implementing a store
//!
//! Implement [`Storage`] with [`async_trait`](macro@async_trait::async_trait), then run
//! the conformance suite against it: enable this crate's `testing` feature in your
//! dev-dependencies and call [`storage_conformance!`](crate::storage_conformance) with an
//! async expression that builds a fresh, empty store. Every case becomes a test.
//!
//! This store wraps another one and counts the awards that went through it:
//!
//! ```
//! use std::sync::atomic::{AtomicU64, Ordering};
//!
//! use leveling_core::storage::*;
//! use leveling_core::{
//!     GuildId, MemberId, NewUser, Page, PageRequest, Result, Tool, ToolId, Unlock,
//!     UnlockReason, UserId, UserPatch, UserProfile,
//! };
//! use chrono::{DateTime, Utc};
//!
//! struct Counting<S> {
//!     inner: S,
//!     awards: AtomicU64,
//! }
//!
//! #[async_trait::async_trait]
//! impl<S: Storage> Storage for Counting<S> {
//!     async fn award(&self, request: &AwardRequest) -> Result<StoredAward> {
//!         self.awards.fetch_add(1, Ordering::Relaxed);
//!         self.inner.award(request).await
//!     }
//!     async fn adjust(&self, request: &AdjustRequest) -> Result<Adjusted> {
//!         self.inner.adjust(request).await
//!     }
//!     async fn member(&self, id: MemberId) -> Result<Option<Member>> {
//!         self.inner.member(id).await
//!     }
//!     async fn rank(&self, id: MemberId) -> Result<Option<u64>> {
//!         self.inner.rank(id).await
//!     }
//!     async fn leaderboard(&self, guild: GuildId, page: PageRequest) -> Result<Page<Standing>> {
//!         self.inner.leaderboard(guild, page).await
//!     }
//!     async fn history(&self, id: MemberId, page: PageRequest) -> Result<Page<HistoryEntry>> {
//!         self.inner.history(id, page).await
//!     }
//!     async fn upsert_user(&self, user: &NewUser, now: DateTime<Utc>) -> Result<(UserProfile, bool)> {
//!         self.inner.upsert_user(user, now).await
//!     }
//!     async fn update_user(&self, id: UserId, patch: &UserPatch, now: DateTime<Utc>) -> Result<Option<UserProfile>> {
//!         self.inner.update_user(id, patch, now).await
//!     }
//!     async fn user(&self, id: UserId) -> Result<Option<UserProfile>> {
//!         self.inner.user(id).await
//!     }
//!     async fn users(&self, page: PageRequest) -> Result<Page<UserProfile>> {
//!         self.inner.users(page).await
//!     }
//!     async fn create_tool(&self, tool: &Tool) -> Result<()> {
//!         self.inner.create_tool(tool).await
//!     }
//!     async fn tools(&self) -> Result<Vec<Tool>> {
//!         self.inner.tools().await
//!     }
//!     async fn record_unlock(&self, id: MemberId, tool: &ToolId, reason: UnlockReason, at: DateTime<Utc>) -> Result<bool> {
//!         self.inner.record_unlock(id, tool, reason, at).await
//!     }
//!     async fn unlocks(&self, id: MemberId) -> Result<Vec<Unlock>> {
//!         self.inner.unlocks(id).await
//!     }
//!     async fn stats(&self) -> Result<StoreStats> {
//!         self.inner.stats().await
//!     }
//!     async fn health(&self) -> Result<()> {
//!         self.inner.health().await
//!     }
//! }
//! ```
//!
//! and its tests are one line (in `tests/conformance.rs`, with `tokio` as a
//! dev-dependency):
//!
//! ```ignore
//! leveling_core::storage_conformance!(async { Counting { inner: MyStore::new(), awards: Default::default() } });
//! ```

mod records;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

pub use records::*;

use crate::{
    GuildId, MemberId, NewUser, Page, PageRequest, Result, Tool, ToolId, Unlock, UnlockReason,
    UserId, UserPatch, UserProfile,
};

/// Where the leveling state lives. See the [module docs](self) for the contract and how
/// to test an implementation.
///
/// Errors: [`Error::Unavailable`](crate::Error::Unavailable) when the backend cannot be
/// reached (callers may retry), [`Error::Conflict`](crate::Error::Conflict) for a taken
/// tool id, [`Error::Internal`](crate::Error::Internal) otherwise. Never a panic.
#[async_trait]
pub trait Storage: Send + Sync + 'static {
    /// Applies an award atomically; see [`AwardOutcome`] for the rules.
    async fn award(&self, request: &AwardRequest) -> Result<StoredAward>;

    /// Applies an admin change atomically, with its history row (source `admin`, the
    /// actor, amount = after − before). Creates the member when needed.
    async fn adjust(&self, request: &AdjustRequest) -> Result<Adjusted>;

    /// A member's state; `None` when they never earned XP.
    async fn member(&self, id: MemberId) -> Result<Option<Member>>;

    /// A member's 1-based position in their guild's leaderboard; `None` for an unknown
    /// member. Must be cheap (no scan of the guild).
    async fn rank(&self, id: MemberId) -> Result<Option<u64>>;

    /// A guild's members by XP, highest first; ties go to the earlier `xp_reached_at`,
    /// then the lower user id. `total` is the guild's member count.
    async fn leaderboard(&self, guild: GuildId, page: PageRequest) -> Result<Page<Standing>>;

    /// A member's history, newest first (the order of insertion for equal times).
    async fn history(&self, id: MemberId, page: PageRequest) -> Result<Page<HistoryEntry>>;

    /// Creates the profile (`true`) or updates it (`false`); absent optional fields keep
    /// their stored value.
    async fn upsert_user(&self, user: &NewUser, now: DateTime<Utc>) -> Result<(UserProfile, bool)>;

    /// Applies a patch; `None` when the user has no profile.
    async fn update_user(
        &self,
        id: UserId,
        patch: &UserPatch,
        now: DateTime<Utc>,
    ) -> Result<Option<UserProfile>>;

    /// A profile.
    async fn user(&self, id: UserId) -> Result<Option<UserProfile>>;

    /// Profiles ordered by id.
    async fn users(&self, page: PageRequest) -> Result<Page<UserProfile>>;

    /// Adds a tool; [`Error::Conflict`](crate::Error::Conflict) when the id is taken.
    async fn create_tool(&self, tool: &Tool) -> Result<()>;

    /// The catalog, ordered by required level, then id.
    async fn tools(&self) -> Result<Vec<Tool>>;

    /// Records an unlock unless one with the same member, tool and reason exists;
    /// `true` when it was new.
    async fn record_unlock(
        &self,
        id: MemberId,
        tool: &ToolId,
        reason: UnlockReason,
        at: DateTime<Utc>,
    ) -> Result<bool>;

    /// A member's recorded unlocks.
    async fn unlocks(&self, id: MemberId) -> Result<Vec<Unlock>>;

    /// Totals.
    async fn stats(&self) -> Result<StoreStats>;

    /// `Ok` when the store can serve requests (for readiness probes).
    async fn health(&self) -> Result<()>;
}
