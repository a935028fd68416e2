//! Award batching: awards that arrive while others are in flight go to the database
//! together, as one statement and one commit.
//!
//! A few workers share one queue. A worker takes the oldest award, then every award
//! already waiting (up to [`MAX_BATCH`], one per member), and runs them as one
//! [`sql::AWARD`](crate::sql::AWARD). Under light load a batch is a single award and
//! nothing waits; under heavy load the per-statement and per-commit costs are shared.
//! Each award is still all-or-nothing and exact: the statement locks member rows in
//! key order and checks every cooldown on the locked row.
//!
//! The store spawns nothing: the workers are one future inside the store's
//! [`Background`](crate::Background), which the embedder spawns.
//!
//! An award the batch cannot settle (a second award for a member already in the batch,
//! a lost race, a statement error other than an unreachable server) is handed back to
//! its caller, which runs it on its own.
//!
//! During an outage a batch waits one pool acquire timeout for a connection and fails as
//! unavailable; the awards that queued meanwhile fail with it rather than each waiting a
//! timeout per batch ahead of it, so an award's 503 stays within about two acquire
//! timeouts however many are queued.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;

use futures_util::FutureExt;
use futures_util::future::join_all;

use leveling_core::storage::{AwardRequest, StoredAward};
use leveling_core::{Error, MemberId, Result};
use sqlx::PgPool;
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::award::{self, KeyWindow};
use crate::errors::is_unavailable;

/// The most awards in one statement.
pub(crate) const MAX_BATCH: usize = 64;

/// What a worker answers: the award's result, or `None` to run it alone.
type Reply = Option<Result<StoredAward>>;

struct Job {
    request: AwardRequest,
    reply: oneshot::Sender<Reply>,
}

/// The queue's sending side; the workers stop when the last clone is dropped.
#[derive(Clone, Debug)]
pub(crate) struct Batcher {
    queue: mpsc::UnboundedSender<Job>,
}

/// The error of an award queued for workers that no longer run (or never ran): the
/// embedder dropped the store's [`Background`](crate::Background) instead of spawning it,
/// or the runtime it ran on shut down.
fn workers_gone() -> Error {
    Error::Internal {
        message: "award: the store's award workers are not running; spawn the Background \
                  returned with the store"
            .into(),
        source: None,
    }
}

impl Batcher {
    /// The queue and `workers` workers (at least one) serving it, as one future for the
    /// store's [`Background`](crate::Background).
    pub(crate) fn new(
        pool: PgPool,
        workers: usize,
        window: KeyWindow,
    ) -> (Self, impl Future<Output = ()> + Send) {
        let (queue, jobs) = mpsc::unbounded_channel();
        let jobs = Arc::new(Mutex::new(jobs));
        let workers = (0..workers.max(1)).map(|_| work(pool.clone(), jobs.clone(), window));
        (Self { queue }, join_all(workers).map(drop))
    }

    /// Queues `request`; `None` means the caller runs it alone.
    pub(crate) async fn submit(&self, request: &AwardRequest) -> Reply {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            request: request.clone(),
            reply,
        };
        if self.queue.send(job).is_err() {
            return Some(Err(workers_gone()));
        }
        // A reply dropped unanswered: the worker was dropped, maybe mid-statement, so the
        // award may or may not be applied; running it again could apply it twice.
        answer.await.unwrap_or_else(|_| Some(Err(workers_gone())))
    }
}

async fn work(pool: PgPool, jobs: Arc<Mutex<mpsc::UnboundedReceiver<Job>>>, window: KeyWindow) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut members: HashSet<MemberId> = HashSet::with_capacity(MAX_BATCH);
    loop {
        {
            let mut queue = jobs.lock().await;
            let Some(first) = queue.recv().await else {
                return;
            };
            batch.push(first);
            while batch.len() < MAX_BATCH {
                let Ok(job) = queue.try_recv() else { break };
                batch.push(job);
            }
        }
        // One award per member in a statement (a row is updated once per statement):
        // later awards for the same member go back to their callers.
        members.clear();
        let (mine, theirs): (Vec<Job>, Vec<Job>) = batch
            .drain(..)
            .partition(|job| members.insert(job.request.member));
        for job in theirs {
            let _ = job.reply.send(None);
        }
        if run(&pool, mine, window).await == Ran::NoConnection
            && let Ok(mut queue) = jobs.try_lock()
        {
            // The pool had no connection to give for a whole acquire timeout (the server
            // is away, or every connection is busy), and the awards queued meanwhile have
            // waited that long already: each batch ahead of them would add another
            // timeout, which under heavy load during an outage outlasts a client's
            // request timeout. Answer them now, as unavailable as the batch (nothing of
            // theirs ran). A locked queue means the other worker is taking them.
            while let Ok(job) = queue.try_recv() {
                let _ = job.reply.send(Some(Err(unreachable())));
            }
        }
    }
}

/// How a batch went, for the worker's next step.
#[derive(Debug, PartialEq, Eq)]
enum Ran {
    /// Every award was answered or handed back, with a connection.
    Answered,
    /// The pool gave no connection within its acquire timeout; every award was answered
    /// `Unavailable`.
    NoConnection,
}

/// The error of an award that could not reach the database (it may have been applied if
/// the connection broke during the commit: a retry with its idempotency key replays it).
fn unreachable() -> Error {
    Error::Unavailable {
        message: "award: the database cannot be reached".into(),
        source: None,
    }
}

async fn run(pool: &PgPool, jobs: Vec<Job>, window: KeyWindow) -> Ran {
    record(pool, jobs.len());
    let requests: Vec<&AwardRequest> = jobs.iter().map(|job| &job.request).collect();
    match award::apply(pool, &requests, window).await {
        Ok(attempts) => {
            for (job, attempt) in jobs.into_iter().zip(attempts) {
                let reply = match attempt {
                    Ok(Some(stored)) => Some(Ok(stored)),
                    Ok(None) => None,
                    Err(error) => Some(Err(error)),
                };
                let _ = job.reply.send(reply);
            }
            Ran::Answered
        }
        Err(error) if is_unavailable(&error) => {
            tracing::debug!(%error, "an award batch could not reach the database");
            for job in jobs {
                let _ = job.reply.send(Some(Err(unreachable())));
            }
            if matches!(error, sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed) {
                Ran::NoConnection
            } else {
                // A connection broke mid-statement: the next batch gets a fresh one.
                Ran::Answered
            }
        }
        Err(error) => {
            // A key raced, a deadlock, or one request's data: each runs alone, which
            // retries races and reports errors to the request that caused them.
            tracing::debug!(%error, awards = jobs.len(), "an award batch failed; running its awards alone");
            for job in jobs {
                let _ = job.reply.send(None);
            }
            Ran::Answered
        }
    }
}

/// The batch's size, and the pool as it stands when a batch runs (through the `metrics`
/// facade: nothing without a recorder). Sampled here rather than by a timer of its own,
/// so the store still spawns nothing; an idle store's gauges keep their last values.
fn record(pool: &PgPool, awards: usize) {
    // usize → f64: exact for any batch (at most MAX_BATCH) and any pool size.
    metrics::histogram!("leveling_postgres_award_batch_size").record(awards as f64);
    metrics::gauge!("leveling_postgres_pool_connections").set(f64::from(pool.size()));
    metrics::gauge!("leveling_postgres_pool_idle").set(pool.num_idle() as f64);
}
