//! XP: awards, admin changes and what they leave behind (members, ranks, history).

use async_trait::async_trait;

use super::{AdjustRequest, Adjusted, AwardRequest, HistoryEntry, Member, Standing, StoredAward};
use crate::{GuildId, MemberId, Page, PageRequest, Result};

/// Members' XP: the atomic writes and the reads the leaderboard and `/rank` need.
#[async_trait]
pub trait XpStore: Send + Sync + 'static {
    /// Applies an award atomically; see [`AwardOutcome`](super::AwardOutcome) for the
    /// rules.
    async fn award(&self, request: &AwardRequest) -> Result<StoredAward>;

    /// Applies an admin change atomically, with its history row (source `admin`, the
    /// actor and reason, amount = after − before). Creates the member when needed.
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
}
