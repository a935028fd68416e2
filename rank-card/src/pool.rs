//! [`Renderer`]: renders on tokio's blocking pool, a bounded number at a time.

use std::num::NonZeroUsize;
use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::card::CardData;
use crate::colour::Theme;
use crate::{CardError, render_png};

/// A cloneable handle that renders cards without blocking the async runtime.
///
/// Rendering is CPU-bound, so each card runs on tokio's blocking pool; a semaphore
/// bounds how many run at once (by default, the machine's available parallelism), so
/// a burst of `/rank` commands queues instead of starving everything else of CPU.
/// Clones share the bound.
///
/// ```
/// use leveling_card::{CardData, Renderer, Theme, tier_colour};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let renderer = Renderer::new(2);
/// let card = CardData {
///     display_name: "Alice".into(),
///     level: 12,
///     rank: Some(3),
///     tier: "Member".into(),
///     tier_colour: tier_colour("Member", 1),
///     xp_into_level: 1_234,
///     xp_for_level: 2_000,
///     total_xp: 45_678,
///     avatar: None,
/// };
/// let png = renderer.render(card, Theme::default()).await.unwrap();
/// assert!(png.starts_with(b"\x89PNG"));
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Renderer {
    permits: Arc<Semaphore>,
}

impl Renderer {
    /// A renderer that runs at most `concurrency` renders at once (at least one).
    pub fn new(concurrency: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
        }
    }

    /// Renders `data` as [`render_png`] does, on the blocking pool, once a slot is free.
    ///
    /// Must be called within a tokio runtime.
    ///
    /// # Errors
    ///
    /// Those of [`render_png`], and [`CardError::Task`] if the render panicked or the
    /// runtime is shutting down.
    pub async fn render(&self, data: CardData, theme: Theme) -> Result<Vec<u8>, CardError> {
        self.run(move || render_png(&data, &theme)).await?
    }

    /// Runs `job` on the blocking pool under the bound. The permit moves into the
    /// blocking task, so a caller that stops waiting does not free the slot while its
    /// render still runs.
    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, CardError> {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| CardError::Task)?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            job()
        })
        .await
        .map_err(|_| CardError::Task)
    }
}

impl Default for Renderer {
    /// Bounded by [`std::thread::available_parallelism`] (1 if unknown).
    fn default() -> Self {
        Self::new(std::thread::available_parallelism().map_or(1, NonZeroUsize::get))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Barrier;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn never_more_than_the_bound_at_once() {
        let renderer = Renderer::new(2);
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        // Each pair of jobs meets at the barrier, so two do overlap: the peak is exactly
        // 2, not merely "at most 2" by luck of scheduling. A third job could only arrive
        // at the barrier if the bound were broken, and then the peak would show it.
        let barrier = Arc::new(Barrier::new(2));
        let jobs: Vec<_> = (0..8)
            .map(|_| {
                let (renderer, running, peak, barrier) = (
                    renderer.clone(),
                    running.clone(),
                    peak.clone(),
                    barrier.clone(),
                );
                tokio::spawn(async move {
                    renderer
                        .run(move || {
                            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                            peak.fetch_max(now, Ordering::SeqCst);
                            barrier.wait();
                            running.fetch_sub(1, Ordering::SeqCst);
                        })
                        .await
                })
            })
            .collect();
        for job in jobs {
            job.await.unwrap().unwrap();
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn renders_many_cards_concurrently() {
        let renderer = Renderer::new(2);
        let handles: Vec<_> = (0..6u32)
            .map(|i| {
                let data = CardData {
                    display_name: format!("Member {i}"),
                    level: i,
                    rank: Some(u64::from(i) + 1),
                    tier: "Member".into(),
                    tier_colour: crate::tier_colour("Member", 1),
                    xp_into_level: u64::from(i) * 10,
                    xp_for_level: 100,
                    total_xp: 1_000,
                    avatar: None,
                };
                let renderer = renderer.clone();
                tokio::spawn(async move { renderer.render(data, Theme::default()).await })
            })
            .collect();
        for handle in handles {
            let png = handle.await.unwrap().unwrap();
            let pixmap = resvg::tiny_skia::Pixmap::decode_png(&png).unwrap();
            assert_eq!((pixmap.width(), pixmap.height()), (934, 282));
        }
    }
}
