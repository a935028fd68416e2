//! The store's background work as one future the embedder spawns: the award workers (when
//! batching is on) and the rank-count folding. The store itself spawns nothing.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The background work of one [`PostgresStore`](crate::PostgresStore): its award workers
/// (when award batching is on) and the loop that folds rank counts every 500 ms.
///
/// Every constructor returns one next to the store; spawn it on your runtime
/// (`tokio::spawn(background)`). It completes once the last clone of the store is
/// dropped (or its pool is closed), so it needs no shutdown of its own.
///
/// While it is not polled, batched awards wait in the queue (so spawn it before serving);
/// once it is dropped, batched awards fail with an internal error that says so. Without
/// the folding, ranks stay exact but get slower as the unfolded moves pile up (call
/// [`compact_rank_counts`](crate::PostgresStore::compact_rank_counts) yourself then).
#[must_use = "the store's award workers and rank folding run only while this future is polled: spawn it"]
pub struct Background {
    work: Pin<Box<dyn Future<Output = ()> + Send + 'static>>,
}

impl Background {
    pub(crate) fn new(work: impl Future<Output = ()> + Send + 'static) -> Self {
        Self {
            work: Box::pin(work),
        }
    }
}

impl Future for Background {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.work.as_mut().poll(cx)
    }
}

impl fmt::Debug for Background {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Background").finish_non_exhaustive()
    }
}
