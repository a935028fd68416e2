//! Reading the rest of a request body the API answered without reading.
//!
//! When a server answers before it has read the whole request body (413 for a body over
//! the limit, 401 for a mutation without the key, 415, 404…) and then closes the
//! connection with unread bytes in its receive buffer, the kernel sends a TCP reset. A
//! client that writes its whole body before it reads (Python's `http.client`, `urllib`
//! and `requests` do) then fails with a broken pipe or "connection reset" and never sees
//! the answer; curl, which reads while it writes, does.
//!
//! hyper does not linger: it drops an unread body and closes. So every request body is
//! wrapped here; when the handler drops it unfinished, a task reads and discards the
//! rest (up to [`DRAIN_BYTES`] past the body limit, for at most [`DRAIN_TIME`]) while
//! the answer goes out, and the client gets its status. Past the bound the connection
//! is closed as before: a client streaming gigabytes is not waited for.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http_body::{Body as _, Frame, SizeHint};
use http_body_util::BodyExt;

/// How many bytes beyond the body limit are read and discarded after an early answer.
pub(crate) const DRAIN_BYTES: usize = 1024 * 1024;
/// How long the rest of a body is read after an early answer.
pub(crate) const DRAIN_TIME: Duration = Duration::from_secs(5);

/// Middleware: wraps the request body so an unfinished one is drained when dropped.
pub(crate) async fn drain_unread(
    axum::extract::State(limit): axum::extract::State<usize>,
    request: Request,
    next: Next,
) -> Response {
    let request = request.map(|body| {
        if body.is_end_stream() {
            body
        } else {
            Body::new(DrainOnDrop {
                inner: Some(body),
                budget: limit.saturating_add(DRAIN_BYTES),
            })
        }
    });
    next.run(request).await
}

struct DrainOnDrop {
    inner: Option<Body>,
    /// Bytes still worth draining.
    budget: usize,
}

impl http_body::Body for DrainOnDrop {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let Some(inner) = self.inner.as_mut() else {
            return Poll::Ready(None);
        };
        let polled = Pin::new(inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                let read = frame.data_ref().map_or(0, Bytes::len);
                self.budget = self.budget.saturating_sub(read);
            }
            // Finished or failed: nothing left to drain.
            Poll::Ready(None | Some(Err(_))) => self.inner = None,
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner
            .as_ref()
            .is_none_or(http_body::Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.inner
            .as_ref()
            .map_or_else(|| SizeHint::with_exact(0), http_body::Body::size_hint)
    }
}

impl Drop for DrainOnDrop {
    fn drop(&mut self) {
        let Some(mut body) = self.inner.take() else {
            return;
        };
        if body.is_end_stream() {
            return;
        }
        let mut budget = self.budget;
        if body.size_hint().lower() > budget as u64 {
            // It says up front that it is longer than we would read: close at once.
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn(async move {
            let drain = async {
                while let Some(Ok(frame)) = body.frame().await {
                    let read = frame.data_ref().map_or(0, Bytes::len);
                    if read > budget {
                        return;
                    }
                    budget -= read;
                }
            };
            let _ = tokio::time::timeout(DRAIN_TIME, drain).await;
        });
    }
}
