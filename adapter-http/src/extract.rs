//! Extractors whose rejections are [`ApiError`]s (the JSON error body), not axum's text.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use leveling_core::{GuildId, UserId};
use serde::de::DeserializeOwned;

use crate::ApiError;

/// A JSON **object** body, with JSON error answers: no `Content-Type: application/json`
/// → 415, too large → 413, malformed JSON → 400, valid JSON that is not an object (an
/// array, a string, a number, `true`, `null`) → 422, wrong types, missing or unknown
/// fields → 422.
///
/// serde's derived structs also accept a JSON array of their fields in order, so
/// `["newname"]` would be taken as `{"username": "newname"}`: this extractor refuses any
/// body whose top-level value is not an object before serde sees it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !json_content_type(req.headers()) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "expected a request body with `Content-Type: application/json`",
            ));
        }
        let bytes = Bytes::from_request(req, state).await?;
        let mut value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!("malformed JSON: {e}"),
            )
        })?;
        if !value.is_object() {
            return Err(ApiError::invalid("the request body must be a JSON object"));
        }
        integral_floats(&mut value);
        let value = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            match path.as_str() {
                "." => ApiError::invalid(format!("invalid body: {inner}")),
                _ => ApiError::invalid(format!("invalid body: {path}: {inner}")),
            }
        })?;
        Ok(Self(value))
    }
}

/// `application/json` or `application/<anything>+json`, parameters (`; charset=utf-8`)
/// allowed — what `axum::Json` accepts.
fn json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    kind.eq_ignore_ascii_case("application")
        && (subtype.eq_ignore_ascii_case("json")
            || subtype
                .get(subtype.len().saturating_sub(5)..)
                .is_some_and(|tail| tail.eq_ignore_ascii_case("+json")))
}

/// JSON Schema (and so the OpenAPI document) counts `264.0` as an integer; serde's
/// integers do not. A number with no fractional part that fits an `i64` / `u64` exactly
/// becomes that integer, so the body means what the schema says it means.
fn integral_floats(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Number(number) if number.is_f64() => {
            let Some(float) = number.as_f64() else { return };
            if float.fract() != 0.0 || !float.is_finite() {
                return;
            }
            // 2^63 and 2^64 as floats: the ranges below are exact.
            if (0.0..18_446_744_073_709_551_616.0).contains(&float) {
                *number = serde_json::Number::from(float as u64);
            } else if (-9_223_372_036_854_775_808.0..0.0).contains(&float) {
                *number = serde_json::Number::from(float as i64);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(integral_floats),
        serde_json::Value::Object(map) => map.values_mut().for_each(integral_floats),
        _ => {}
    }
}

/// `axum::extract::Query` with JSON error answers (422 for a bad parameter).
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Query(value) =
            axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(Self(value))
    }
}

/// `axum::extract::Path` with JSON error answers.
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(value) =
            axum::extract::Path::<T>::from_request_parts(parts, state).await?;
        Ok(Self(value))
    }
}

/// Parses a user id from a path segment: 422 unless a decimal `u64`.
pub(crate) fn user_id(raw: &str) -> Result<UserId, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::invalid(format!("invalid discord_id {raw:?}: expected a decimal integer between 0 and 18446744073709551615")))
}

/// Parses an optional `guild_id` parameter, falling back to `default`.
pub(crate) fn guild_id(raw: Option<&str>, default: GuildId) -> Result<GuildId, ApiError> {
    match raw {
        None => Ok(default),
        Some(raw) => raw.parse().map_err(|_| {
            ApiError::invalid(format!(
                "invalid guild_id {raw:?}: expected a decimal integer between 0 and 18446744073709551615"
            ))
        }),
    }
}
