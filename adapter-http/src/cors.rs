//! CORS for browser frontends: exact origins only, never credentials.

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// An origin that is not `scheme://host[:port]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidOrigin(String);

impl std::fmt::Display for InvalidOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "invalid origin {:?}: expected an exact origin such as https://app.example.com \
             (http or https, a host, an optional port; no path, no wildcard)",
            self.0
        )
    }
}

impl std::error::Error for InvalidOrigin {}

/// Checks one exact origin (`https://app.example.com`, `http://127.0.0.1:3000`) for
/// [`Api::cors_allowed_origins`](crate::Api::cors_allowed_origins): `*`, a path, a
/// query, user info or another scheme are refused.
///
/// ```
/// assert!(leveling_http::cors_origin("https://app.example.com").is_ok());
/// assert!(leveling_http::cors_origin("*").is_err());
/// assert!(leveling_http::cors_origin("https://app.example.com/").is_err());
/// ```
pub fn cors_origin(raw: &str) -> Result<HeaderValue, InvalidOrigin> {
    let invalid = || InvalidOrigin(raw.to_owned());
    let rest = raw
        .strip_prefix("https://")
        .or_else(|| raw.strip_prefix("http://"))
        .ok_or_else(invalid)?;
    let (host, port) = match rest.strip_prefix('[') {
        // An IPv6 literal: `[::1]` or `[::1]:3000`.
        Some(v6) => {
            let (address, after) = v6.split_once(']').ok_or_else(invalid)?;
            if address.is_empty() || !address.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
                return Err(invalid());
            }
            match after {
                "" => ("v6", None),
                _ => ("v6", Some(after.strip_prefix(':').ok_or_else(invalid)?)),
            }
        }
        None => match rest.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (rest, None),
        },
    };
    if port.is_some_and(|port| {
        port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) || port.parse::<u16>().is_err()
    }) {
        return Err(invalid());
    }
    let host_ok = !host.is_empty()
        && !host.starts_with(['.', '-'])
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'));
    if !host_ok {
        return Err(invalid());
    }
    HeaderValue::from_str(raw).map_err(|_| invalid())
}

/// The CORS layer for these origins; `None` (no CORS at all) when there are none.
pub(crate) fn layer(origins: &[HeaderValue]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins.iter().cloned()))
            .allow_methods([
                Method::GET,
                Method::HEAD,
                Method::POST,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                HeaderName::from_static("idempotency-key"),
            ])
            .expose_headers([header::RETRY_AFTER, header::WWW_AUTHENTICATE])
            .allow_credentials(false)
            .max_age(Duration::from_secs(600)),
    )
}
