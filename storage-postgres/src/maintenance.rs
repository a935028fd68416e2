//! Maintenance: folding the bucket moves that awards append into the per-bucket counts,
//! vacuuming the three tables a rank reads, and deleting expired idempotency keys.
//!
//! Ranks are exact without it (readers add the unfolded moves in the same snapshot); it
//! keeps the moves table short, so a rank stays a bounded read.

use std::sync::Weak;
use std::time::Duration;

use leveling_core::Result;
use sqlx::PgPool;

use crate::award::KeyWindow;
use crate::errors::db_error;
use crate::sql;

/// How often the maintenance loop folds. Short enough that the moves table holds a
/// fraction of a second of awards; long enough that a fold is rarely empty.
pub(crate) const FOLD_EVERY: Duration = Duration::from_millis(500);

/// How often the loop deletes expired idempotency keys: a key lives its window and at
/// most this much longer (awards ignore it once expired either way).
pub(crate) const PURGE_KEYS_EVERY: Duration = Duration::from_secs(600);

/// Deletes the keys older than `window`; returns how many.
pub(crate) async fn purge_expired_keys(pool: &PgPool, window: KeyWindow) -> Result<u64> {
    let done = sqlx::query(sql::PURGE_EXPIRED_KEYS)
        .bind(window.0)
        .execute(pool)
        .await
        .map_err(db_error("deleting expired idempotency keys"))?;
    Ok(done.rows_affected())
}

/// Folds every appended move in one transaction; returns how many bucket groups changed.
pub(crate) async fn fold_rank_counts(pool: &PgPool) -> Result<u64> {
    let done = sqlx::query(sql::COMPACT_BUCKETS)
        .execute(pool)
        .await
        .map_err(db_error("folding rank counts"))?;
    // The moves table has no index (cheaper inserts); readers scan it, so keep its dead
    // rows from piling up between autovacuum runs. Needs ownership: best effort.
    // The same for the counts, which every fold updates: a rank sums them.
    // SKIP_LOCKED and no truncation: with several replicas folding every 500 ms, a VACUUM
    // that waits for another, or retries for seconds to take the exclusive lock that
    // truncation needs (which the others' waits deny it), piles them up into a convoy.
    if let Err(error) = sqlx::query(
        "VACUUM (SKIP_LOCKED, TRUNCATE false) xp_bucket_deltas, xp_buckets, xp_bucket_groups",
    )
    .execute(pool)
    .await
    {
        tracing::debug!(%error, "vacuuming the rank moves failed");
    }
    Ok(done.rows_affected())
}

/// Folds every [`FOLD_EVERY`] (and deletes expired keys every [`PURGE_KEYS_EVERY`])
/// until the last clone of the store is gone (`alive` has no strong count left) or the
/// pool is closed.
pub(crate) async fn fold_until_dropped(pool: PgPool, alive: Weak<()>, window: KeyWindow) {
    let mut tick = tokio::time::interval(FOLD_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_purge: Option<tokio::time::Instant> = None;
    loop {
        tick.tick().await;
        if alive.strong_count() == 0 || pool.is_closed() {
            break;
        }
        if last_purge.is_none_or(|at| at.elapsed() >= PURGE_KEYS_EVERY) {
            last_purge = Some(tokio::time::Instant::now());
            match purge_expired_keys(&pool, window).await {
                Ok(0) => {}
                Ok(deleted) => tracing::debug!(deleted, "deleted expired idempotency keys"),
                Err(error) => tracing::debug!(%error, "deleting expired idempotency keys failed"),
            }
        }
        if let Err(error) = fold_rank_counts(&pool).await {
            // Not fatal: reads add the unfolded rows; the next tick tries again.
            tracing::debug!(%error, "folding rank counts failed");
        }
    }
}
