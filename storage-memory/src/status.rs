//! Totals and health.

use async_trait::async_trait;
use leveling_core::Result;
use leveling_core::storage::{StatusStore, StoreStats};

use crate::{MemoryStore, lock, read};

#[async_trait]
impl StatusStore for MemoryStore {
    async fn stats(&self) -> Result<StoreStats> {
        let mut stats = StoreStats {
            users: read(&self.users).len() as u64,
            ..StoreStats::default()
        };
        for shard in self.shards.iter() {
            let shard = lock(shard);
            stats.members += shard.len() as u64;
            stats.total_xp = shard
                .values()
                .fold(stats.total_xp, |sum, m| sum.saturating_add(m.xp));
        }
        Ok(stats)
    }

    async fn health(&self) -> Result<()> {
        Ok(())
    }
}
