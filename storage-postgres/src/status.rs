//! Totals for dashboards, and the health check behind `/readyz`.

use async_trait::async_trait;
use leveling_core::Result;
use leveling_core::storage::{StatusStore, StoreStats};

use crate::codec::{parse_u64_text, to_u64};
use crate::errors::db_error;
use crate::{PostgresStore, sql};

/// The row of [`sql::STATS`]. The XP sum is text: it can pass `i64`.
#[derive(sqlx::FromRow)]
struct StatsRow {
    members: i64,
    users: i64,
    total_xp: String,
}

#[async_trait]
impl StatusStore for PostgresStore {
    async fn stats(&self) -> Result<StoreStats> {
        let row: StatsRow = sqlx::query_as(sql::STATS)
            .fetch_one(&self.pool)
            .await
            .map_err(db_error("stats"))?;
        Ok(StoreStats {
            members: to_u64(row.members, "member count")?,
            users: to_u64(row.users, "user count")?,
            total_xp: parse_u64_text(&row.total_xp, "XP sum")?,
        })
    }

    async fn health(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(db_error("health check"))?;
        Ok(())
    }
}
