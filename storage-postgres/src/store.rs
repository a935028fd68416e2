//! The store handle and what it offers besides the storage traits: migrations, the pool,
//! folding rank counts on demand.

use std::sync::Arc;
use std::time::Duration;

use leveling_core::{Error, Result};
use sqlx::migrate::Migrator;

use crate::award::KeyWindow;
use crate::batcher::Batcher;
use crate::errors::classify;
use crate::{Background, PgPool, PgPoolOptions, PostgresStoreBuilder, maintenance};

/// The embedded migrations (`storage-postgres/migrations`).
static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// A [`Storage`](leveling_core::Storage) on PostgreSQL. Cheap to clone (a pool handle and
/// the award queue).
///
/// Built by [`PostgresStore::connect`] or [`PostgresStore::builder`], always next to its
/// [`Background`]: the future that runs the award workers (which send queued awards to
/// the database in batches) and folds rank counts every 500 ms. The store spawns nothing
/// itself; spawn the background on your runtime. It ends when the last clone of the
/// store is dropped.
#[derive(Clone, Debug)]
pub struct PostgresStore {
    pub(crate) pool: PgPool,
    /// The award queue (see `batcher`); `None` when batching is off.
    pub(crate) batcher: Option<Batcher>,
    /// How long idempotency keys replay their grant.
    pub(crate) key_window: KeyWindow,
    /// Dropped with the last clone, which ends the rank folding.
    pub(crate) _alive: Arc<()>,
}

impl PostgresStore {
    /// Connects to `url` with the default options and runs the embedded migrations:
    /// `PostgresStore::builder().connect(url)` (see
    /// [`PostgresStoreBuilder::connect`]). Spawn the returned [`Background`].
    ///
    /// ```no_run
    /// use leveling_storage_postgres::PostgresStore;
    ///
    /// # async fn run() -> leveling_core::Result<()> {
    /// let (store, background) =
    ///     PostgresStore::connect("postgres://postgres@127.0.0.1:5432/test").await?;
    /// tokio::spawn(background);
    /// # Ok(()) }
    /// ```
    pub async fn connect(url: &str) -> Result<(Self, Background)> {
        Self::builder().connect(url).await
    }

    /// Options (award batching, worker count), then a constructor.
    pub fn builder() -> PostgresStoreBuilder {
        PostgresStoreBuilder::default()
    }

    /// The pool settings [`connect`](Self::connect) uses: up to 16 connections, and a
    /// request waits at most 500 ms for one, then fails as unavailable: during a database
    /// outage an award or a readiness probe answers 503 within a second instead of
    /// hanging (the pool reconnects by itself when the server is back).
    pub fn pool_options() -> PgPoolOptions {
        PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_millis(500))
    }

    /// Applies the embedded migrations that are not applied yet, under sqlx's advisory
    /// lock (replicas starting at once apply each migration once).
    ///
    /// Refuses (`Internal`, saying which migration) a database that holds a migration
    /// this version does not know: a newer version migrated it, and this one may not
    /// write its schema correctly (see "Upgrades across replicas" in the crate README).
    pub async fn migrate(&self) -> Result<()> {
        use sqlx::migrate::MigrateError;
        MIGRATOR.run(&self.pool).await.map_err(|error| match error {
            MigrateError::Execute(error) => classify("running migrations", error),
            MigrateError::VersionMissing(version) => Error::Internal {
                message: format!(
                    "running migrations: the database has migration {version}, which this \
                     version does not know: a newer version migrated it; run that version \
                     (see \"Upgrades across replicas\" in the leveling-storage-postgres README)"
                ),
                source: None,
            },
            error => Error::internal("running migrations failed", error),
        })
    }

    /// Folds the rank-bucket moves appended by awards and admin changes into the
    /// per-bucket counts; returns how many bucket groups changed. Reads are exact before
    /// and after (they add both tables); folding keeps them short. The store's
    /// [`Background`] calls this every 500 ms.
    pub async fn compact_rank_counts(&self) -> Result<u64> {
        maintenance::fold_rank_counts(&self.pool).await
    }

    /// Deletes the idempotency keys a whole window older than the newest key (awards
    /// carry the engine's clock, not the database's); returns how many. The store's [`Background`] does this every ten minutes.
    pub async fn purge_expired_idempotency_keys(&self) -> Result<u64> {
        maintenance::purge_expired_keys(&self.pool, self.key_window).await
    }

    /// The underlying pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}
