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
//! An award the batch cannot settle (a second award for a member already in the batch,
//! a lost race, a statement error other than an unreachable server) is handed back to
//! its caller, which runs it on its own.

use std::collections::HashSet;
use std::sync::Arc;

use leveling_core::storage::{AwardRequest, StoredAward};
use leveling_core::{Error, MemberId, Result};
use sqlx::PgPool;
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::award;
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

impl Batcher {
    /// Starts `workers` workers on `runtime`.
    pub(crate) fn start(pool: &PgPool, runtime: &tokio::runtime::Handle, workers: usize) -> Self {
        let (queue, jobs) = mpsc::unbounded_channel();
        let jobs = Arc::new(Mutex::new(jobs));
        for _ in 0..workers.max(1) {
            runtime.spawn(work(pool.clone(), jobs.clone()));
        }
        Self { queue }
    }

    /// Queues `request`; `None` means the caller runs it alone.
    pub(crate) async fn submit(&self, request: &AwardRequest) -> Reply {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Job {
                request: request.clone(),
                reply,
            })
            .ok()?;
        answer.await.ok().flatten()
    }
}

async fn work(pool: PgPool, jobs: Arc<Mutex<mpsc::UnboundedReceiver<Job>>>) {
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
        run(&pool, mine).await;
    }
}

async fn run(pool: &PgPool, jobs: Vec<Job>) {
    let requests: Vec<&AwardRequest> = jobs.iter().map(|job| &job.request).collect();
    match award::apply(pool, &requests).await {
        Ok(attempts) => {
            for (job, attempt) in jobs.into_iter().zip(attempts) {
                let reply = match attempt {
                    Ok(Some(stored)) => Some(Ok(stored)),
                    Ok(None) => None,
                    Err(error) => Some(Err(error)),
                };
                let _ = job.reply.send(reply);
            }
        }
        Err(error) if is_unavailable(&error) => {
            tracing::debug!(%error, "an award batch could not reach the database");
            for job in jobs {
                let _ = job.reply.send(Some(Err(Error::Unavailable {
                    message: "award: the database cannot be reached".into(),
                    source: None,
                })));
            }
        }
        Err(error) => {
            // A key raced, a deadlock, or one request's data: each runs alone, which
            // retries races and reports errors to the request that caused them.
            tracing::debug!(%error, awards = jobs.len(), "an award batch failed; running its awards alone");
            for job in jobs {
                let _ = job.reply.send(None);
            }
        }
    }
}
