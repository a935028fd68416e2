//! Bearer-key authentication of the mutating routes.

use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use crate::{ApiError, AppState};

/// The API secret key. Its `Debug` never shows the key, so it cannot reach a log by
/// accident.
///
/// ```
/// use leveling_http::ApiKey;
///
/// let key = ApiKey::new("s3cret").expect("not empty");
/// assert_eq!(format!("{key:?}"), "ApiKey(<redacted>)");
/// assert!(ApiKey::new("").is_none());
/// ```
#[derive(Clone)]
pub struct ApiKey(Box<str>);

impl ApiKey {
    /// The key, or `None` when it is empty.
    pub fn new(key: impl Into<String>) -> Option<Self> {
        let key: String = key.into();
        (!key.is_empty()).then(|| Self(key.into_boxed_str()))
    }

    /// Whether `candidate` is the key, in time independent of where they differ.
    pub fn matches(&self, candidate: &str) -> bool {
        self.0.as_bytes().ct_eq(candidate.as_bytes()).into()
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

fn is_mutation(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Refuses a mutating request without the right `Authorization: Bearer <key>`: 401 for a
/// missing or wrong key, 403 when the server has no key at all (mutations disabled), 429
/// (with `Retry-After`) while the client is over its failed-check limit.
pub(crate) async fn require_key(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if !is_mutation(request.method()) {
        return next.run(request).await;
    }
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    let now = Instant::now();
    if let Some(wait) = state
        .auth_failures
        .as_ref()
        .and_then(|failures| failures.locked(client, now))
    {
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        let mut response = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many failed API-key checks from this client; retry in {seconds} s"),
        )
        .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        return response;
    }
    let Some(key) = &state.api_key else {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "this server has no API key configured (API_SECRET_KEY), so it refuses every mutating request",
        )
        .into_response();
    };
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            let (scheme, token) = value.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        });
    let right = presented.is_some_and(|token| key.matches(token));
    if let Some(failures) = &state.auth_failures {
        if right {
            failures.succeeded(client);
        } else {
            failures.failed(client, now);
        }
    }
    match presented {
        Some(_) if right => next.run(request).await,
        Some(_) => ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "invalid API key")
            .into_response(),
        None => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "this route needs `Authorization: Bearer <API_SECRET_KEY>`",
        )
        .into_response(),
    }
}
