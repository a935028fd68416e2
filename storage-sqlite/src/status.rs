//! Totals and health.

use async_trait::async_trait;
use leveling_core::Result;
use leveling_core::storage::{StatusStore, StoreStats};
use sqlx::Row;

use crate::error::decode;
use crate::{SqliteStore, sql};

#[async_trait]
impl StatusStore for SqliteStore {
    async fn stats(&self) -> Result<StoreStats> {
        let context = decode("stats");
        let row = sqlx::query(sql::STATS)
            .fetch_one(self.readers())
            .await
            .map_err(&context)?;
        let members: i64 = row.try_get("members").map_err(&context)?;
        let users: i64 = row.try_get("users").map_err(&context)?;
        let high: i64 = row.try_get("xp_high").map_err(&context)?;
        let low: i64 = row.try_get("xp_low").map_err(&context)?;
        let total = (u128::try_from(high).unwrap_or(0) << 32) + u128::try_from(low).unwrap_or(0);
        Ok(StoreStats {
            members: u64::try_from(members).unwrap_or(0),
            users: u64::try_from(users).unwrap_or(0),
            total_xp: u64::try_from(total).unwrap_or(u64::MAX),
        })
    }

    /// `Ok` when a read connection answers (the writer task is checked by its writes).
    async fn health(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(self.readers())
            .await
            .map_err(decode("health check"))?;
        Ok(())
    }
}
