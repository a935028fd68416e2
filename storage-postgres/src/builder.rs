//! How a [`PostgresStore`] is put together: its options are fixed here, before any of its
//! background work exists.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use leveling_core::storage::DEFAULT_IDEMPOTENCY_WINDOW;
use leveling_core::{Error, Result};

use crate::award::KeyWindow;
use crate::batcher::Batcher;
use crate::errors::db_error;
use crate::{Background, PgConnectOptions, PgPool, PgPoolOptions, PostgresStore, maintenance};

/// Award workers unless told otherwise: each runs one batch at a time on one connection.
/// Two keep one batch executing while the other commits; more make smaller batches
/// (measured in the crate README: 1 and 2 workers 1.2×, 4 workers 1.0×, 8 workers 0.73×
/// the plain upsert).
const AWARD_WORKERS: usize = 2;

/// Options for a [`PostgresStore`], then a constructor. From [`PostgresStore::builder`].
///
/// Every constructor returns the store and its [`Background`], the future that runs its
/// award workers and rank folding; nothing runs until you spawn it.
///
/// ```no_run
/// use leveling_storage_postgres::PostgresStore;
///
/// # async fn run() -> leveling_core::Result<()> {
/// let (store, background) = PostgresStore::builder()
///     .award_workers(4)
///     .connect("postgres://postgres@127.0.0.1:5432/test")
///     .await?;
/// tokio::spawn(background);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct PostgresStoreBuilder {
    award_workers: usize,
    idempotency_window: Duration,
}

impl Default for PostgresStoreBuilder {
    fn default() -> Self {
        Self {
            award_workers: AWARD_WORKERS,
            idempotency_window: DEFAULT_IDEMPOTENCY_WINDOW,
        }
    }
}

impl PostgresStoreBuilder {
    /// How many award workers batch the awards (default 2); `0` turns batching off, as
    /// [`without_award_batching`](Self::without_award_batching) does.
    ///
    /// By default, awards that arrive while others are in flight are sent together (see
    /// the crate README): one statement and one commit for many awards, each still
    /// all-or-nothing, which is what keeps the store ahead of a plain upsert under load.
    /// Each worker holds one pool connection while its batch runs.
    #[must_use]
    pub fn award_workers(mut self, workers: usize) -> Self {
        self.award_workers = workers;
        self
    }

    /// How long an idempotency key replays its first grant (default
    /// [`DEFAULT_IDEMPOTENCY_WINDOW`], 24 h). The [`Background`] deletes expired keys
    /// every ten minutes, so the table holds about one window of keys.
    #[must_use]
    pub fn idempotency_window(mut self, window: Duration) -> Self {
        self.idempotency_window = window;
        self
    }

    /// No award batching: every award is its own statement and commit, sent by the task
    /// that asked for it. An award then never waits behind another member's row lock, at
    /// the price of throughput (about a third of the batched figure in the crate README).
    #[must_use]
    pub fn without_award_batching(self) -> Self {
        self.award_workers(0)
    }

    /// Connects to `url` with [`PostgresStore::pool_options`] and runs the embedded
    /// migrations (idempotent: applied ones are skipped; concurrent starts wait on
    /// sqlx's migration lock).
    ///
    /// [`Error::InvalidInput`] for a malformed URL, [`Error::Unavailable`] when the server
    /// cannot be reached. The URL (and its password) never appears in the error.
    pub async fn connect(self, url: &str) -> Result<(PostgresStore, Background)> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|_| Error::InvalidInput("invalid PostgreSQL connection URL".into()))?;
        self.connect_with(options, PostgresStore::pool_options())
            .await
    }

    /// Connects with explicit options (schema, TLS, pool size) and runs the embedded
    /// migrations.
    pub async fn connect_with(
        self,
        options: PgConnectOptions,
        pool: PgPoolOptions,
    ) -> Result<(PostgresStore, Background)> {
        let pool = pool
            .connect_with(options)
            .await
            .map_err(db_error("connecting to PostgreSQL"))?;
        let (store, background) = self.build(pool);
        store.migrate().await?;
        Ok((store, background))
    }

    /// Builds the store on an existing pool. Runs no migration: call [`PostgresStore::migrate`] (or
    /// apply `storage-postgres/migrations` yourself) before using the store.
    pub fn build(self, pool: PgPool) -> (PostgresStore, Background) {
        let alive = Arc::new(());
        let key_window = KeyWindow::new(self.idempotency_window);
        let folding =
            maintenance::fold_until_dropped(pool.clone(), Arc::downgrade(&alive), key_window);
        let (batcher, background) = if self.award_workers == 0 {
            (None, Background::new(folding))
        } else {
            let (batcher, workers) = Batcher::new(pool.clone(), self.award_workers, key_window);
            let work = futures_util::future::join(workers, folding).map(drop);
            (Some(batcher), Background::new(work))
        };
        let store = PostgresStore {
            pool,
            batcher,
            key_window,
            _alive: alive,
        };
        (store, background)
    }
}
