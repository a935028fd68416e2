//! # leveling-storage-postgres
//!
//! The production [`Storage`](leveling_core::Storage) for [`leveling_core`]: PostgreSQL through sqlx, with the
//! schema embedded as migrations.
//!
//! - **One round trip per award.** Idempotency lookup, cooldown check, daily / streak
//!   claim, XP add, history rows, cooldown restart and idempotency key are one SQL
//!   statement (a data-modifying CTE around `INSERT … ON CONFLICT DO UPDATE … WHERE`), so
//!   concurrent awards add up exactly and a cooldown lets exactly one through, across
//!   every process sharing the database. Awards that arrive while others are in flight
//!   share that statement and its commit, each still all-or-nothing
//!   ([`PostgresStore::without_award_batching`] turns that off).
//! - **Cheap exact rank.** A per-guild count of members per XP bucket
//!   (`floor(4·√(xp + 16384)) − 512`), fed by the same statements (appended moves, folded in
//!   the background), turns a member's position into a short sum plus a count within one
//!   bucket; see the crate README for the design and the figures.
//! - **Errors.** A down server, a lost connection or an exhausted pool is
//!   [`ErrorKind::Unavailable`](leveling_core::ErrorKind::Unavailable) (the HTTP adapter
//!   answers 503); the pool reconnects by itself when the server is back. Messages never
//!   contain the connection URL.
//!
//! ```no_run
//! use leveling_core::{Award, Leveling, MemberId};
//! use leveling_storage_postgres::PostgresStore;
//!
//! # async fn run() -> leveling_core::Result<()> {
//! // Connects and runs the embedded migrations.
//! let store = PostgresStore::connect("postgres://postgres@127.0.0.1:5432/test").await?;
//! let leveling = Leveling::builder(store).build();
//! let result = leveling.award(Award::message(MemberId::new(1, 42))).await?;
//! println!("{} XP", result.xp);
//! # Ok(()) }
//! ```
//!
//! Supabase (or any server that requires TLS) works with its URL as given, for example
//! `postgres://postgres.abc:password@aws-0-eu.pooler.supabase.com:5432/postgres?sslmode=require`
//! (TLS through rustls with the webpki roots). Use the session-mode port (5432): the
//! statements are prepared, which a transaction-mode pooler may not support.
//!
//! ## Ids
//!
//! Snowflakes are `u64`; they are stored in `BIGINT` with the top bit flipped
//! (`stored = (id ^ 2^63) as i64`), which keeps `u64` order under `BIGINT` order, so ties
//! on the leaderboard and the user list sort by the real id. The migration adds
//! `leveling_id(stored)`, which gives the real id back for humans reading the tables.
//!
//! ## Schemas
//!
//! Every object is created unqualified, so it lands in the first schema of the
//! connection's `search_path`. To keep the tables in their own schema, create it and set
//! the search path on the connect options:
//!
//! ```no_run
//! use leveling_storage_postgres::{PgConnectOptions, PostgresStore};
//!
//! # async fn run() -> leveling_core::Result<()> {
//! let options: PgConnectOptions = "postgres://postgres@127.0.0.1/test".parse().expect("a valid URL");
//! let options = options.options([("search_path", "leveling")]);
//! let store = PostgresStore::connect_with(options, PostgresStore::pool_options()).await?;
//! # Ok(()) }
//! ```
//!
//! ## Precision
//!
//! Times are `TIMESTAMPTZ`, which keeps microseconds: a sub-microsecond part of a time
//! given to the store is dropped.
#![warn(missing_docs)]

mod award;
mod batcher;
mod catalog;
mod codec;
mod errors;
mod maintenance;
mod profiles;
mod retry;
mod sql;
mod status;
mod xp;

use batcher::Batcher;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use leveling_core::{Error, Result};
use sqlx::migrate::Migrator;

use crate::errors::{classify, db_error};

pub use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

/// The embedded migrations (`storage-postgres/migrations`).
static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// Award workers: each runs one batch at a time on one connection. Two keep one batch
/// executing while the other commits; more make smaller batches (measured in the crate
/// README: 1 and 2 workers 1.2×, 4 workers 1.0×, 8 workers 0.73× the plain upsert).
const AWARD_WORKERS: usize = 2;

/// A [`Storage`](leveling_core::Storage) on PostgreSQL. Cheap to clone (a pool handle).
///
/// Created inside a tokio runtime, it runs background tasks: one folds the rank-bucket
/// moves appended by awards into the per-bucket counts every 500 ms, and two send the
/// queued awards to the database in batches (see the crate README and
/// [`without_award_batching`](Self::without_award_batching)). They end when the last
/// clone of the store is dropped. Outside a runtime there are none: awards go one by one,
/// and [`compact_rank_counts`](Self::compact_rank_counts) is yours to call now and then.
#[derive(Clone, Debug)]
pub struct PostgresStore {
    pool: PgPool,
    /// The award queue (see `batcher`); `None` outside a runtime.
    batcher: Option<Batcher>,
    /// Dropped with the last clone, which stops the background task.
    _alive: Arc<()>,
}

impl PostgresStore {
    /// Connects to `url` with [`pool_options`](Self::pool_options) and runs the embedded
    /// migrations (idempotent: applied ones are skipped; concurrent starts wait on
    /// sqlx's migration lock).
    ///
    /// [`Error::InvalidInput`] for a malformed URL, [`Error::Unavailable`] when the server
    /// cannot be reached. The URL (and its password) never appears in the error.
    pub async fn connect(url: &str) -> Result<Self> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|_| Error::InvalidInput("invalid PostgreSQL connection URL".into()))?;
        Self::connect_with(options, Self::pool_options()).await
    }

    /// Connects with explicit options and runs the embedded migrations.
    pub async fn connect_with(options: PgConnectOptions, pool: PgPoolOptions) -> Result<Self> {
        let pool = pool
            .connect_with(options)
            .await
            .map_err(db_error("connecting to PostgreSQL"))?;
        let store = Self::from_pool(pool);
        store.migrate().await?;
        Ok(store)
    }

    /// The pool settings [`connect`](Self::connect) uses: up to 16 connections, and a
    /// request waits at most 5 s for one (then fails as unavailable).
    pub fn pool_options() -> PgPoolOptions {
        PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
    }

    /// Wraps an existing pool. Runs no migration: call [`migrate`](Self::migrate) (or
    /// apply `storage-postgres/migrations` yourself) before using the store.
    pub fn from_pool(pool: PgPool) -> Self {
        let alive = Arc::new(());
        let batcher = tokio::runtime::Handle::try_current().ok().map(|runtime| {
            runtime.spawn(maintenance::fold_until_dropped(
                pool.clone(),
                Arc::downgrade(&alive),
            ));
            Batcher::start(&pool, &runtime, AWARD_WORKERS)
        });
        Self {
            pool,
            batcher,
            _alive: alive,
        }
    }

    /// Folds the rank-bucket moves appended by awards and admin changes into the
    /// per-bucket counts; returns how many buckets changed. Reads are exact before and
    /// after (they add both tables); folding keeps them short. The background task calls
    /// this every 500 ms.
    pub async fn compact_rank_counts(&self) -> Result<u64> {
        maintenance::fold_rank_counts(&self.pool).await
    }

    /// Applies the embedded migrations that are not applied yet.
    pub async fn migrate(&self) -> Result<()> {
        MIGRATOR.run(&self.pool).await.map_err(|error| match error {
            sqlx::migrate::MigrateError::Execute(error) => classify("running migrations", error),
            error => Error::internal("running migrations failed", error),
        })
    }

    /// This store without award batching: every award is its own statement and commit.
    ///
    /// By default, awards that arrive while others are in flight are sent together (see
    /// the crate README): one statement and one commit for many awards, each still
    /// all-or-nothing, which is what keeps the store ahead of a plain upsert under load.
    /// Without it, an award never waits behind another member's row lock, at the price of
    /// throughput.
    ///
    /// ```no_run
    /// # async fn run() -> leveling_core::Result<()> {
    /// use leveling_storage_postgres::PostgresStore;
    ///
    /// let store = PostgresStore::connect("postgres://postgres@127.0.0.1/test")
    ///     .await?
    ///     .without_award_batching();
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn without_award_batching(mut self) -> Self {
        self.batcher = None;
        self
    }

    /// The underlying pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}
