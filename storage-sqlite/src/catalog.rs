//! The tool catalog and unlocks.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use leveling_core::storage::CatalogStore;
use leveling_core::{Error, MemberId, Result, Tool, ToolId, Unlock, UnlockReason};
use sqlx::Row;

use crate::batch::{Done, Op};
use crate::codec::{enc, time};
use crate::error::decode;
use crate::{SqliteStore, mismatch, sql};

#[async_trait]
impl CatalogStore for SqliteStore {
    async fn create_tool(&self, tool: &Tool) -> Result<()> {
        match self.write(Op::CreateTool(tool.clone())).await? {
            Done::Created => Ok(()),
            _ => Err(mismatch()),
        }
    }

    async fn tools(&self) -> Result<Vec<Tool>> {
        let context = decode("tools");
        let rows = sqlx::query(sql::TOOLS)
            .fetch_all(self.readers())
            .await
            .map_err(&context)?;
        rows.iter()
            .map(|row| {
                let id: String = row.try_get("id").map_err(&context)?;
                let level: i64 = row.try_get("required_level").map_err(&context)?;
                Ok(Tool {
                    id: ToolId::new(id)
                        .map_err(|e| Error::internal("tools: a stored id is invalid", e))?,
                    name: row.try_get("name").map_err(&context)?,
                    description: row.try_get("description").map_err(&context)?,
                    tier: row.try_get("tier").map_err(&context)?,
                    required_level: u32::try_from(level)
                        .map_err(|e| Error::internal("tools: a stored level is invalid", e))?,
                    url: row.try_get("url").map_err(&context)?,
                })
            })
            .collect()
    }

    async fn record_unlock(
        &self,
        id: MemberId,
        tool: &ToolId,
        reason: UnlockReason,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        match self
            .write(Op::RecordUnlock(id, tool.clone(), reason, at))
            .await?
        {
            Done::Unlocked(new) => Ok(new),
            _ => Err(mismatch()),
        }
    }

    async fn unlocks(&self, id: MemberId) -> Result<Vec<Unlock>> {
        let context = decode("unlocks");
        let rows = sqlx::query(sql::UNLOCKS)
            .bind(enc(id.guild.0))
            .bind(enc(id.user.0))
            .fetch_all(self.readers())
            .await
            .map_err(&context)?;
        rows.iter()
            .map(|row| {
                let tool: String = row.try_get("tool").map_err(&context)?;
                let reason: String = row.try_get("reason").map_err(&context)?;
                Ok(Unlock {
                    tool: ToolId::new(tool)
                        .map_err(|e| Error::internal("unlocks: a stored id is invalid", e))?,
                    reason: reason
                        .parse::<UnlockReason>()
                        .map_err(|e| Error::internal("unlocks: unknown reason", e))?,
                    at: time(row.try_get("unlocked_at").map_err(&context)?)?,
                })
            })
            .collect()
    }
}
