//! The writer: one task owning the one connection that writes, committing every write
//! that queued up while the previous commit ran as one transaction (group commit).
//!
//! SQLite has one writer per file at a time; many connections writing would only queue
//! on its lock (and sleep in its busy handler). So every write of a store goes through a
//! queue to one task. The task takes the oldest write and every write already waiting
//! (up to [`SqliteOptions::max_batch`](crate::SqliteOptions::max_batch)), opens
//! `BEGIN IMMEDIATE` (the file's write lock, which also orders this process against any
//! other process on the file), applies them in order ([`batch::transaction`]), commits, and
//! only then answers each caller. Under light load a batch is one write and nothing
//! waits; under load the commit (and, with [`Durability::Full`](crate::Durability::Full),
//! its `fsync`) is shared.
//!
//! Each write is still all-or-nothing: the whole batch commits or none of it does. When a
//! batch fails for a reason other than the database being unavailable, its writes run
//! again one by one, each in its own transaction, so a failing write fails alone.
//!
//! Checkpoints (copying the WAL back into the file, and its syncs) do not run on the
//! writer's connection: after commits, a second task runs `PRAGMA wal_checkpoint(PASSIVE)`
//! on a reader connection, at most every [`CHECKPOINT_PAUSE`], so the writer keeps
//! committing while the WAL is copied. A passive checkpoint never blocks the writer or the
//! readers. The writer's own automatic checkpoint stays as a safety net, at
//! [`WRITER_AUTOCHECKPOINT`] frames (SQLite's default is 1,000).

use std::time::Duration;

use leveling_core::{Error, Result};
use sqlx::sqlite::SqlitePool;
use sqlx::{Connection, SqliteConnection};
use tokio::sync::{mpsc, oneshot};

use crate::batch::{self, Done, Op};
use crate::error::{db_error, is_unavailable};

/// The least time between two background checkpoints.
pub(crate) const CHECKPOINT_PAUSE: Duration = Duration::from_millis(50);

/// The writer connection's `wal_autocheckpoint`: only reached when the background
/// checkpoints fall behind (or cannot run).
pub(crate) const WRITER_AUTOCHECKPOINT: u32 = 4_000;

struct Job {
    op: Op,
    reply: oneshot::Sender<Result<Done>>,
}

/// The queue's sending side; the task ends when the last clone is dropped.
#[derive(Clone, Debug)]
pub(crate) struct Writer {
    queue: mpsc::UnboundedSender<Job>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.op.fmt(f)
    }
}

impl Writer {
    /// Spawns the writer task on `runtime`, owning `conn`, and its checkpoint task, which
    /// borrows connections of `readers`.
    pub(crate) fn start(
        conn: SqliteConnection,
        readers: SqlitePool,
        runtime: &tokio::runtime::Handle,
        max_batch: usize,
        window: Duration,
    ) -> Self {
        let (queue, jobs) = mpsc::unbounded_channel();
        let (committed, commits) = mpsc::channel(1);
        let window = i64::try_from(window.as_micros()).unwrap_or(i64::MAX);
        runtime.spawn(checkpoints(readers, commits));
        runtime.spawn(run(conn, jobs, committed, max_batch.max(1), window));
        Self { queue }
    }

    /// Queues a write and waits until it is committed (or failed).
    pub(crate) async fn submit(&self, op: Op) -> Result<Done> {
        let (reply, answer) = oneshot::channel();
        self.queue.send(Job { op, reply }).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> Error {
    Error::Unavailable {
        message: "the SQLite writer task is not running (its tokio runtime shut down)".into(),
        source: None,
    }
}

async fn run(
    mut conn: SqliteConnection,
    mut jobs: mpsc::UnboundedReceiver<Job>,
    committed: mpsc::Sender<()>,
    max_batch: usize,
    window: i64,
) {
    let mut batch = Vec::with_capacity(max_batch);
    while let Some(first) = jobs.recv().await {
        batch.push(first);
        if jobs.is_empty() {
            // Let the callers just answered (ready to run) queue their next writes, so
            // they join this batch instead of waiting a whole commit for the next one.
            // At light load this costs one pass of the scheduler.
            tokio::task::yield_now().await;
        }
        while batch.len() < max_batch {
            let Ok(job) = jobs.try_recv() else { break };
            batch.push(job);
        }
        commit(&mut conn, std::mem::take(&mut batch), window).await;
        // Wakes the checkpoint task (a signal already pending is enough).
        let _ = committed.try_send(());
    }
    if let Err(error) = conn.close().await {
        tracing::debug!(%error, "closing the SQLite writer connection failed");
    }
}

/// Runs a passive checkpoint after commits, at most every [`CHECKPOINT_PAUSE`]; ends
/// with the writer (when `commits` closes).
async fn checkpoints(readers: SqlitePool, mut commits: mpsc::Receiver<()>) {
    while commits.recv().await.is_some() {
        tokio::time::sleep(CHECKPOINT_PAUSE).await;
        if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_all(&readers)
            .await
        {
            tracing::debug!(%error, "a background SQLite checkpoint failed");
        }
    }
}

async fn commit(conn: &mut SqliteConnection, jobs: Vec<Job>, window: i64) {
    let ops: Vec<&Op> = jobs.iter().map(|job| &job.op).collect();
    match transaction(conn, &ops, window).await {
        Ok(results) => {
            for (job, result) in jobs.into_iter().zip(results) {
                let _ = job.reply.send(result);
            }
        }
        Err(error) if jobs.len() == 1 || is_unavailable(&error) => {
            tracing::debug!(%error, writes = jobs.len(), "a SQLite write batch failed");
            for job in jobs {
                let _ = job
                    .reply
                    .send(Err(db_error("writing", clone_error(&error))));
            }
        }
        Err(error) => {
            tracing::debug!(%error, writes = jobs.len(), "a SQLite write batch failed; running its writes alone");
            for job in jobs {
                let result = match transaction(conn, &[&job.op], window).await {
                    Ok(mut results) => results.pop().unwrap_or_else(|| {
                        Err(Error::Internal {
                            message: "a write returned no result".into(),
                            source: None,
                        })
                    }),
                    Err(error) => Err(db_error("writing", error)),
                };
                let _ = job.reply.send(result);
            }
        }
    }
}

/// `sqlx::Error` is not `Clone`: keep what the caller needs (unavailable or not, the text).
fn clone_error(error: &sqlx::Error) -> sqlx::Error {
    if is_unavailable(error) {
        sqlx::Error::Io(std::io::Error::other(error.to_string()))
    } else {
        sqlx::Error::Protocol(error.to_string())
    }
}

/// One transaction ([`batch::transaction`]), rolled back on any failure.
async fn transaction(
    conn: &mut SqliteConnection,
    ops: &[&Op],
    window: i64,
) -> std::result::Result<Vec<Result<Done>>, sqlx::Error> {
    let applied = batch::transaction(conn, ops, window).await;
    if applied.is_err() {
        // SQLite may have rolled back already (a full disk, an I/O error), or the
        // transaction never began: ignore "no transaction is active".
        let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
    }
    applied
}
