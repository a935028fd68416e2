//! # leveling-storage-sqlite
//!
//! A [`Storage`](leveling_core::Storage) for [`leveling_core`] in one SQLite file: the reference server's durable
//! embedded default. SQLite is compiled in (sqlx's bundled libsqlite3), so a fresh
//! machine needs nothing installed; the schema is embedded as migrations and applied on
//! open.
//!
//! ```
//! use leveling_core::{Award, Leveling, MemberId};
//! use leveling_storage_sqlite::SqliteStore;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> leveling_core::Result<()> {
//! # let dir = std::env::temp_dir().join(format!("leveling-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir).unwrap();
//! # let path = dir.join("lib.db");
//! // Creates the file when missing, applies the migrations, starts the writer task.
//! let store = SqliteStore::open(&path).await?;
//! let leveling = Leveling::builder(store).build();
//! let result = leveling.award(Award::message(MemberId::new(1, 42))).await?;
//! assert_eq!(result.xp, 75);
//! # drop(leveling);
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok(()) }
//! ```
//!
//! - **Atomic and durable.** One award is one transaction with everything it does
//!   (idempotency key, cooldown check and restart, daily / streak claim, XP add, history
//!   rows, rank counts), acknowledged only after it committed. The file is in WAL mode;
//!   [`Durability::Normal`] (the default, `synchronous = NORMAL`) survives the process
//!   being killed at any instant, [`Durability::Full`] survives a power loss too.
//! - **Group commit.** Every write goes through one writer task and one connection
//!   (SQLite has one writer per file anyway); writes that queue up while a commit runs
//!   share the next transaction and its commit, each still all-or-nothing (see
//!   [`SqliteOptions::max_batch`]). Reads use their own pool and never wait for it.
//! - **Cheap exact rank.** Per-guild counts of members per XP bucket (and per group of
//!   128 buckets), kept in the same transaction as the change, turn a member's position
//!   into two short sums plus a count inside one bucket; no scan of the guild.
//! - **Several processes on one file** are safe: each one's writer takes the file's write
//!   lock for its transaction (others wait up to the busy timeout), and the rank counts
//!   live in the file, updated by the same transactions.
//!
//! ## Background work
//!
//! [`SqliteStore::open`] must be awaited inside a tokio runtime: it spawns the writer
//! task there (and fails with [`Error::InvalidInput`] outside one, rather than running
//! without it). The task ends when the last clone of the store is dropped. If that
//! runtime shuts down while the store is still used elsewhere, writes fail with
//! [`Error::Unavailable`] saying so.
//!
//! ## Storage format
//!
//! Snowflakes are stored in `INTEGER` with the top bit flipped (`stored = (id ^ 2^63) as
//! i64`, keeping `u64` order); times are microseconds since 1970 UTC (a sub-microsecond
//! part is dropped); sources and unlock reasons by name; guild settings as the core
//! type's JSON, under store-wide versions assigned by the writer in commit order. See the
//! crate README for the tables.
#![warn(missing_docs)]

mod batch;
mod codec;
mod error;
mod open;
mod options;
mod rules;
mod sql;
mod writer;

mod catalog;
mod profiles;
mod settings;
mod status;
mod transfer;
mod xp;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use leveling_core::{Error, PageRequest, Result};

pub use options::{Durability, SqliteOptions};
pub use sqlx::sqlite::SqlitePool;

use batch::{Done, Op};
use writer::Writer;

/// A [`Storage`](leveling_core::Storage) in one SQLite file. Cheap to clone (handles to the writer task and the
/// read pool). See the [crate docs](crate) for what it guarantees.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    readers: SqlitePool,
    writer: Writer,
    durability: Durability,
}

impl SqliteStore {
    /// Opens (creating when missing) the file at `path` with [`SqliteOptions::new`]:
    /// WAL, [`Durability::Normal`], a 5 s busy timeout, foreign keys on. Applies the
    /// embedded migrations and spawns the writer task on the current tokio runtime.
    ///
    /// Errors name the path: [`Error::InvalidInput`] for a file that is not a SQLite
    /// database, one of another program, or one written by a newer version of this
    /// crate, and when called outside a tokio runtime; [`Error::Unavailable`] when the
    /// file cannot be opened or created (missing directory, permissions, locked).
    pub async fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, SqliteOptions::new()).await
    }

    /// [`open`](Self::open) with explicit options.
    ///
    /// ```
    /// use leveling_storage_sqlite::{Durability, SqliteOptions, SqliteStore};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> leveling_core::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("leveling-doc-full-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// let store = SqliteStore::open_with(
    ///     dir.join("leveling.db"),
    ///     SqliteOptions::new().durability(Durability::Full),
    /// )
    /// .await?;
    /// assert_eq!(store.durability(), Durability::Full);
    /// # drop(store);
    /// # std::fs::remove_dir_all(&dir).ok();
    /// # Ok(()) }
    /// ```
    pub async fn open_with(path: impl AsRef<Path>, options: SqliteOptions) -> Result<Self> {
        let path = path.as_ref();
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            Error::InvalidInput(
                "SqliteStore::open must run inside a tokio runtime (it spawns the writer task there)"
                    .into(),
            )
        })?;
        let (writer, readers) = open::connect(path, &options).await?;
        let writer = Writer::start(
            writer,
            readers.clone(),
            &runtime,
            options.max_batch,
            options.idempotency_window,
        );
        Ok(Self {
            inner: Arc::new(Inner {
                path: path.to_owned(),
                readers,
                writer,
                durability: options.durability,
            }),
        })
    }

    /// The file's path, as given to [`open`](Self::open).
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The durability the store was opened with.
    pub fn durability(&self) -> Durability {
        self.inner.durability
    }

    /// The read pool, for your own queries. Write through the store only: a write on
    /// another connection waits for (and delays) the writer's transactions.
    pub fn pool(&self) -> &SqlitePool {
        &self.inner.readers
    }

    fn readers(&self) -> &SqlitePool {
        &self.inner.readers
    }

    async fn write(&self, op: Op) -> Result<Done> {
        self.inner.writer.submit(op).await
    }
}

/// A writer answer of the wrong kind: a bug.
fn mismatch() -> Error {
    Error::Internal {
        message: "the SQLite writer answered a different write".into(),
        source: None,
    }
}

/// A page's bounds as binds: (limit, offset).
fn bounds(page: PageRequest) -> (i64, i64) {
    (
        i64::from(page.limit()),
        i64::try_from(page.offset()).unwrap_or(i64::MAX),
    )
}
