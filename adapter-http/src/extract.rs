//! Extractors whose rejections are [`ApiError`]s (the JSON error body), not axum's text.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use leveling_core::{GuildId, UserId};
use serde::de::DeserializeOwned;

use crate::ApiError;

/// `axum::Json` with JSON error answers: malformed JSON → 400, wrong types, missing or
/// unknown fields → 422, wrong content type → 415, too large → 413.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Json(value) = axum::Json::<T>::from_request(req, state).await?;
        Ok(Self(value))
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
