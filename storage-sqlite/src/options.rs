//! How a store opens its file: durability, busy timeout, readers, batch size.

use std::time::Duration;

use sqlx::sqlite::SqliteSynchronous;

/// What an acknowledged write survives. Every award is acknowledged only after its
/// transaction committed; this says how far that commit has gone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Durability {
    /// WAL with `synchronous = NORMAL` (the default): a commit is in the WAL file (the
    /// operating system's cache) before it is acknowledged, so it survives the process
    /// being killed at any instant (`kill -9`, a panic, an OOM kill). It does **not**
    /// survive a power loss or a kernel crash: the last commits before one may be lost
    /// (the file stays consistent). The WAL is synced to disk at checkpoints.
    #[default]
    Normal,
    /// WAL with `synchronous = FULL`: the WAL is synced to disk (`fsync`) before each
    /// commit is acknowledged, so an acknowledged award survives a power loss too. Group
    /// commit shares one sync among the awards that arrived together.
    Full,
}

impl Durability {
    pub(crate) fn synchronous(self) -> SqliteSynchronous {
        match self {
            Durability::Normal => SqliteSynchronous::Normal,
            Durability::Full => SqliteSynchronous::Full,
        }
    }
}

/// Settings of [`SqliteStore::open_with`](crate::SqliteStore::open_with).
///
/// ```
/// use std::time::Duration;
/// use leveling_storage_sqlite::{Durability, SqliteOptions};
///
/// let options = SqliteOptions::new()
///     .durability(Durability::Full)
///     .busy_timeout(Duration::from_secs(10));
/// assert_eq!(options.durability_setting(), Durability::Full);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqliteOptions {
    pub(crate) durability: Durability,
    pub(crate) busy_timeout: Duration,
    pub(crate) readers: u32,
    pub(crate) max_batch: usize,
    pub(crate) create: bool,
    pub(crate) idempotency_window: Duration,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl SqliteOptions {
    /// The defaults: [`Durability::Normal`], a 5 s busy timeout, 4 reader connections,
    /// batches of up to 256 writes, the file created when missing, idempotency keys kept
    /// for [`DEFAULT_IDEMPOTENCY_WINDOW`](leveling_core::storage::DEFAULT_IDEMPOTENCY_WINDOW).
    pub fn new() -> Self {
        Self {
            durability: Durability::Normal,
            busy_timeout: Duration::from_secs(5),
            readers: 4,
            max_batch: 256,
            create: true,
            idempotency_window: leveling_core::storage::DEFAULT_IDEMPOTENCY_WINDOW,
        }
    }

    /// What an acknowledged write survives (see [`Durability`]).
    #[must_use]
    pub fn durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self
    }

    /// The durability set.
    pub fn durability_setting(&self) -> Durability {
        self.durability
    }

    /// How long a statement waits for a lock held by another connection (another process
    /// on the same file) before failing as [`Unavailable`](leveling_core::Error::Unavailable).
    #[must_use]
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// Connections for reads (at least 1). WAL readers never wait for the writer.
    #[must_use]
    pub fn readers(mut self, readers: u32) -> Self {
        self.readers = readers.max(1);
        self
    }

    /// The most writes one transaction (one commit) carries (at least 1; 1 turns group
    /// commit off).
    #[must_use]
    pub fn max_batch(mut self, max_batch: usize) -> Self {
        self.max_batch = max_batch.max(1);
        self
    }

    /// How long a granted award's idempotency key replays it: a retry within the window
    /// returns the first grant; after it the key is forgotten (and a new award with it is
    /// a new grant). Keyed awards purge the keys older than the window.
    #[must_use]
    pub fn idempotency_window(mut self, window: Duration) -> Self {
        self.idempotency_window = window;
        self
    }

    /// Whether a missing file is created (default `true`); with `false` a missing file is
    /// an error.
    #[must_use]
    pub fn create_if_missing(mut self, create: bool) -> Self {
        self.create = create;
        self
    }

    pub(crate) fn connect_options(
        &self,
        path: &std::path::Path,
    ) -> sqlx::sqlite::SqliteConnectOptions {
        sqlx::sqlite::SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(self.create)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(self.durability.synchronous())
            .busy_timeout(self.busy_timeout)
            .foreign_keys(true)
    }
}
