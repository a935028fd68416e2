//! The JSON error body every failure of the API answers with.

use axum::extract::rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// The `Retry-After` (seconds) of a 503.
pub(crate) const RETRY_AFTER_UNAVAILABLE_SECS: u64 = 1;

/// An error answer: a status and `{"error": {"code": "...", "message": "..."}}`.
///
/// Every rejection of the API (bad JSON, a bad id, a missing key, an unknown route)
/// becomes one of these, so a client only ever parses one error shape.
///
/// ```
/// use axum::http::StatusCode;
/// use leveling_http::ApiError;
///
/// let error = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", "amount must be positive");
/// assert_eq!(error.status(), StatusCode::UNPROCESSABLE_ENTITY);
/// assert_eq!(error.code(), "invalid_input");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

/// The body of an error answer.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable, machine-readable code: `bad_request`, `unauthorized`, `forbidden`,
    /// `not_found`, `method_not_allowed`, `timeout`, `conflict`, `payload_too_large`,
    /// `unsupported_media_type`, `invalid_input`, `internal`, `unavailable`.
    #[schema(example = "invalid_input")]
    pub code: String,
    /// A human-readable explanation.
    #[schema(example = "amount must be between 1 and 1000000")]
    pub message: String,
}

impl ApiError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// 422 `invalid_input`: the request is well-formed but its values are not acceptable.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", message)
    }

    /// 503 `unavailable` (answered with `Retry-After`).
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }

    /// 404 `not_found`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The machine-readable code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The default error for a bare status (an unknown route, a wrong method, a timeout).
    pub fn from_status(status: StatusCode) -> Self {
        let (code, message) = match status {
            StatusCode::NOT_FOUND => ("not_found", "no such route"),
            StatusCode::METHOD_NOT_ALLOWED => {
                ("method_not_allowed", "method not allowed on this route")
            }
            StatusCode::REQUEST_TIMEOUT => ("timeout", "the request took too long"),
            StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "the request body is too large"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                ("unsupported_media_type", "unsupported content type")
            }
            StatusCode::UNAUTHORIZED => ("unauthorized", "missing or invalid API key"),
            StatusCode::FORBIDDEN => ("forbidden", "forbidden"),
            StatusCode::SERVICE_UNAVAILABLE => ("unavailable", "service unavailable"),
            s if s.is_client_error() => ("bad_request", "bad request"),
            _ => ("internal", "internal server error"),
        };
        Self::new(status, code, message)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
            },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        match self.status {
            StatusCode::UNAUTHORIZED => {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Bearer"),
                );
            }
            // The store is down: a client (or a load balancer) may try again soon.
            StatusCode::SERVICE_UNAVAILABLE => {
                response.headers_mut().insert(
                    header::RETRY_AFTER,
                    header::HeaderValue::from(RETRY_AFTER_UNAVAILABLE_SECS),
                );
            }
            _ => {}
        }
        response
    }
}

impl From<leveling_core::Error> for ApiError {
    fn from(error: leveling_core::Error) -> Self {
        use leveling_core::{Error, ErrorKind};
        match error.kind() {
            ErrorKind::NotFound => Self::not_found(error.to_string()),
            ErrorKind::InvalidInput => Self::invalid(error.to_string()),
            ErrorKind::Conflict => Self::new(StatusCode::CONFLICT, "conflict", error.to_string()),
            ErrorKind::Unavailable => {
                tracing::warn!(%error, "store unavailable");
                let message = match &error {
                    Error::Unavailable { message, .. } => format!("storage unavailable: {message}"),
                    _ => "storage unavailable".to_owned(),
                };
                Self::unavailable(message)
            }
            ErrorKind::Internal => {
                tracing::error!(%error, "internal error");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal server error",
                )
            }
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let status = rejection.status();
        let code = match status {
            StatusCode::BAD_REQUEST => "bad_request",
            StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            StatusCode::UNPROCESSABLE_ENTITY => "invalid_input",
            s if s.is_client_error() => "bad_request",
            _ => "internal",
        };
        let message = match &rejection {
            JsonRejection::MissingJsonContentType(_) => {
                "expected a request body with `Content-Type: application/json`".to_owned()
            }
            _ if status == StatusCode::PAYLOAD_TOO_LARGE => {
                "the request body is too large".to_owned()
            }
            _ => rejection.body_text(),
        };
        Self::new(status, code, message)
    }
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> Self {
        let status = rejection.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            return Self::from_status(status);
        }
        if status.is_server_error() {
            tracing::error!(error = %rejection.body_text(), "reading the request body failed");
            return Self::from_status(status);
        }
        // Mostly a client that broke off while sending (400).
        Self::new(status, "bad_request", rejection.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        // A query that parses but holds a wrong type (`limit=abc`, `limit=-1`): 422.
        Self::invalid(rejection.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        let status = rejection.status();
        if status.is_server_error() {
            tracing::error!(error = %rejection.body_text(), "path extraction failed");
            return Self::from_status(status);
        }
        Self::invalid(rejection.body_text())
    }
}
