//! The tool catalog and members' recorded unlocks.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::{MemberId, Result, Tool, ToolId, Unlock, UnlockReason};

/// Where the tool catalog and the unlocks (by level or by grant) live.
#[async_trait]
pub trait CatalogStore: Send + Sync + 'static {
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
}
