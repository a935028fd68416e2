//! The tool catalog and unlocks.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use leveling_core::storage::CatalogStore;
use leveling_core::{Error, MemberId, Result, Tool, ToolId, Unlock, UnlockReason};

use crate::{MemoryStore, lock, read, write};

#[async_trait]
impl CatalogStore for MemoryStore {
    async fn create_tool(&self, tool: &Tool) -> Result<()> {
        let mut tools = write(&self.tools);
        if tools.iter().any(|t| t.id == tool.id) {
            return Err(Error::Conflict(format!("tool {} already exists", tool.id)));
        }
        let position =
            tools.partition_point(|t| (t.required_level, &t.id) < (tool.required_level, &tool.id));
        tools.insert(position, tool.clone());
        Ok(())
    }

    async fn tools(&self) -> Result<Vec<Tool>> {
        Ok(read(&self.tools).clone())
    }

    async fn record_unlock(
        &self,
        id: MemberId,
        tool: &ToolId,
        reason: UnlockReason,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let mut unlocks = lock(&self.unlocks);
        let list = unlocks.entry(id).or_default();
        if list.iter().any(|u| &u.tool == tool && u.reason == reason) {
            return Ok(false);
        }
        list.push(Unlock {
            tool: tool.clone(),
            reason,
            at,
        });
        Ok(true)
    }

    async fn unlocks(&self, id: MemberId) -> Result<Vec<Unlock>> {
        Ok(lock(&self.unlocks).get(&id).cloned().unwrap_or_default())
    }
}
