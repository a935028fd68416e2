//! `GET /metrics` (the Prometheus text format), the process's Prometheus recorder, and
//! the HTTP requests counter.
//!
//! The `metrics` facade is global per process: the engine, the stores and the adapters
//! record through it, and the one recorder installed ([`prometheus`]) holds them all. The
//! API only renders that recorder's [`PrometheusHandle`], handed to it by the embedder
//! ([`Api::metrics`](crate::Api::metrics)), on its own route: no listener of its own.

use std::sync::OnceLock;
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::{ApiError, AppState};

/// Who may read `GET /metrics` ([`Api::metrics`](crate::Api::metrics)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricsAccess {
    /// Anyone, like `/healthz`: for a server whose port only the scraper reaches.
    Open,
    /// Only with `Authorization: Bearer <API key>`, checked like a mutating route's
    /// (constant time, the brake on failed checks; 403 when no key is configured).
    Protected,
}

/// The buckets of `leveling_award_duration_seconds`: 50 µs (a memory store) to 2.5 s (a
/// database under strain).
const AWARD_SECONDS: &[f64] = &[
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
    1.0, 2.5,
];
/// The buckets of `leveling_postgres_award_batch_size`: powers of two up to the largest
/// batch (64).
const BATCH_SIZES: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0];

static RECORDER: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's Prometheus recorder: installed as the global `metrics` recorder on the
/// first call, the same handle on every later one (the facade takes one recorder per
/// process, so tests and several [`Api`](crate::Api)s share it). `None` when another
/// recorder was installed first: record into that one and serve it yourself.
///
/// Histograms are rendered as Prometheus histograms, with buckets for the award latency
/// (50 µs to 2.5 s) and the PostgreSQL award batch size (1 to 64); any other histogram
/// gets the exporter's default summary.
///
/// Serve it with [`Api::metrics`](crate::Api::metrics) and run [`metrics_upkeep`]
/// beside it.
pub fn prometheus() -> Option<PrometheusHandle> {
    RECORDER
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("leveling_award_duration_seconds".into()),
                    AWARD_SECONDS,
                )
                .and_then(|builder| {
                    builder.set_buckets_for_metric(
                        Matcher::Full("leveling_postgres_award_batch_size".into()),
                        BATCH_SIZES,
                    )
                });
            match builder.and_then(PrometheusBuilder::install_recorder) {
                Ok(handle) => Some(handle),
                Err(error) => {
                    tracing::warn!(%error, "the Prometheus recorder is not installed");
                    None
                }
            }
        })
        .clone()
}

/// Keeps `handle`'s recorder bounded: histogram samples wait in the recorder until a
/// scrape or an upkeep folds them into their buckets, so a server nobody scrapes needs
/// this every few seconds. Runs forever; spawn it beside the server (nothing in this
/// crate spawns it for you).
///
/// ```no_run
/// # fn demo() {
/// if let Some(handle) = leveling_http::prometheus() {
///     tokio::spawn(leveling_http::metrics_upkeep(handle, std::time::Duration::from_secs(5)));
/// }
/// # }
/// ```
pub async fn metrics_upkeep(handle: PrometheusHandle, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        handle.run_upkeep();
    }
}

/// Every metric the process recorded, in the Prometheus text format.
#[utoipa::path(
    get, path = "/metrics", tag = "health",
    responses((status = 200, description = "Every metric of the process, in the Prometheus text format (version 0.0.4)",
        body = String, content_type = "text/plain"))
)]
pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    render(&state)
}

/// [`metrics`], documented with the bearer key: the route when it is protected (the
/// auth layer reads which routes need the key from the document).
#[utoipa::path(
    get, path = "/metrics", tag = "health",
    security(("bearer" = [])),
    responses((status = 200, description = "Every metric of the process, in the Prometheus text format (version 0.0.4)",
        body = String, content_type = "text/plain"))
)]
pub(crate) async fn metrics_protected(State(state): State<AppState>) -> Response {
    render(&state)
}

fn render(state: &AppState) -> Response {
    let Some(handle) = &state.metrics else {
        return ApiError::from_status(StatusCode::NOT_FOUND).into_response();
    };
    let mut response = handle.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

/// Counts each request in `leveling_http_requests_total{method, route, status}`: the
/// route is the matched template (`/api/users/{discord_id}`, `unmatched` for the 404 of
/// no route), the status its class, and the method one of the usual ones or `other`,
/// so the labels stay bounded whatever clients send.
pub(crate) async fn count_requests(request: Request, next: Next) -> Response {
    let method = method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let response = next.run(request).await;
    let status = status_class(response.status());
    metrics::counter!(
        "leveling_http_requests_total",
        "method" => method,
        "route" => route,
        "status" => status
    )
    .increment(1);
    response
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

fn status_class(status: StatusCode) -> &'static str {
    match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}
