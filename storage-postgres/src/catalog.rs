//! The tool catalog and members' unlocks.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use leveling_core::storage::CatalogStore;
use leveling_core::{Error, MemberId, Result, Tool, ToolId, Unlock, UnlockReason};

use crate::codec::encode_id;
use crate::errors::db_error;
use crate::{PostgresStore, sql};

/// A row of [`sql::TOOLS`].
#[derive(sqlx::FromRow)]
struct ToolRow {
    id: String,
    name: String,
    description: String,
    tier: String,
    required_level: i64,
    url: Option<String>,
}

impl ToolRow {
    fn into_tool(self) -> Result<Tool> {
        Ok(Tool {
            id: ToolId::new(self.id)
                .map_err(|e| Error::internal("tools: a stored id is invalid", e))?,
            name: self.name,
            description: self.description,
            tier: self.tier,
            required_level: u32::try_from(self.required_level)
                .map_err(|e| Error::internal("tools: bad level", e))?,
            url: self.url,
        })
    }
}

/// A row of [`sql::UNLOCKS`].
#[derive(sqlx::FromRow)]
struct UnlockRow {
    tool: String,
    reason: String,
    unlocked_at: DateTime<Utc>,
}

impl UnlockRow {
    fn into_unlock(self) -> Result<Unlock> {
        Ok(Unlock {
            tool: ToolId::new(self.tool)
                .map_err(|e| Error::internal("unlocks: a stored id is invalid", e))?,
            reason: self
                .reason
                .parse::<UnlockReason>()
                .map_err(|e| Error::internal("unlocks: unknown reason", e))?,
            at: self.unlocked_at,
        })
    }
}

#[async_trait]
impl CatalogStore for PostgresStore {
    async fn create_tool(&self, tool: &Tool) -> Result<()> {
        let inserted = sqlx::query(sql::CREATE_TOOL)
            .bind(tool.id.as_str())
            .bind(&tool.name)
            .bind(&tool.description)
            .bind(&tool.tier)
            .bind(i64::from(tool.required_level))
            .bind(tool.url.as_deref())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error("creating a tool"))?;
        match inserted {
            Some(_) => Ok(()),
            None => Err(Error::Conflict(format!("tool {} already exists", tool.id))),
        }
    }

    async fn tools(&self) -> Result<Vec<Tool>> {
        let rows: Vec<ToolRow> = sqlx::query_as(sql::TOOLS)
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("tools"))?;
        rows.into_iter().map(ToolRow::into_tool).collect()
    }

    async fn record_unlock(
        &self,
        id: MemberId,
        tool: &ToolId,
        reason: UnlockReason,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let inserted = sqlx::query(sql::RECORD_UNLOCK)
            .bind(encode_id(id.guild.0))
            .bind(encode_id(id.user.0))
            .bind(tool.as_str())
            .bind(reason.as_str())
            .bind(at)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error("recording an unlock"))?;
        Ok(inserted.is_some())
    }

    async fn unlocks(&self, id: MemberId) -> Result<Vec<Unlock>> {
        let rows: Vec<UnlockRow> = sqlx::query_as(sql::UNLOCKS)
            .bind(encode_id(id.guild.0))
            .bind(encode_id(id.user.0))
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("unlocks"))?;
        rows.into_iter().map(UnlockRow::into_unlock).collect()
    }
}
