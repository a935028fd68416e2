//! Bearer-key authentication of the mutating routes.

use std::net::SocketAddr;
use std::time::Instant;

use std::collections::HashSet;
use std::sync::Arc;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
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

/// The operations that need the key: exactly those the OpenAPI document marks with the
/// `bearer` security requirement, as (method, route template) pairs. A request for any
/// other method on a route (`TRACE /healthz`, `PUT /api/users`) is not one of them and
/// gets the router's 405, key or not.
#[derive(Clone, Debug, Default)]
pub(crate) struct Secured(Arc<HashSet<(Method, String)>>);

impl Secured {
    pub(crate) fn from_openapi(openapi: &utoipa::openapi::OpenApi) -> Self {
        let mut secured = HashSet::new();
        for (path, item) in &openapi.paths.paths {
            let operations = [
                (Method::GET, &item.get),
                (Method::PUT, &item.put),
                (Method::POST, &item.post),
                (Method::DELETE, &item.delete),
                (Method::OPTIONS, &item.options),
                (Method::HEAD, &item.head),
                (Method::PATCH, &item.patch),
                (Method::TRACE, &item.trace),
            ];
            for (method, operation) in operations {
                if operation
                    .as_ref()
                    .is_some_and(|op| op.security.as_ref().is_some_and(|s| !s.is_empty()))
                {
                    secured.insert((method, path.clone()));
                }
            }
        }
        Self(Arc::new(secured))
    }

    fn needs_key(&self, method: &Method, path: Option<&MatchedPath>) -> bool {
        path.is_some_and(|path| self.0.contains(&(method.clone(), path.as_str().to_owned())))
    }
}

/// Refuses a mutating request without the right `Authorization: Bearer <key>`: 401 for a
/// missing or wrong key, 403 when the server has no key at all (mutations disabled), 429
/// (with `Retry-After`) while the client is over its failed-check limit.
pub(crate) async fn require_key(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if !state
        .secured
        .needs_key(request.method(), request.extensions().get::<MatchedPath>())
    {
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
            "this server has no API key configured (API_SECRET_KEY), so it refuses every request that needs one (mutations, data exports)",
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
