//! Totals and health: what dashboards and readiness probes ask a store.

use async_trait::async_trait;

use super::StoreStats;
use crate::Result;

/// Totals and reachability of a store.
#[async_trait]
pub trait StatusStore: Send + Sync + 'static {
    /// Totals.
    async fn stats(&self) -> Result<StoreStats>;

    /// `Ok` when the store can serve requests (for readiness probes).
    async fn health(&self) -> Result<()>;
}
