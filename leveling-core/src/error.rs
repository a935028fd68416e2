//! The one error type of the library, with kinds an adapter maps to its own statuses.

/// A boxed error source.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What went wrong. [`Error::kind`] tells an adapter how to answer (404, 422, 409, 503,
/// 500 in the HTTP adapter).
///
/// Messages are meant for the client: stores must never put a connection URL, a password
/// or a query parameter into them.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The thing asked for does not exist (`"user 42"`, `"tool chat-export"`).
    #[error("{0} not found")]
    NotFound(String),
    /// The request can never succeed as it is (an amount out of range, a bad tier name).
    #[error("{0}")]
    InvalidInput(String),
    /// The request conflicts with what exists (a tool id already taken).
    #[error("{0}")]
    Conflict(String),
    /// The store cannot be reached now; the same request may succeed later.
    #[error("storage unavailable: {message}")]
    Unavailable {
        /// A safe description.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<BoxError>,
    },
    /// A bug or a broken invariant.
    #[error("internal error: {message}")]
    Internal {
        /// A safe description.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<BoxError>,
    },
}

/// The kind of an [`Error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// See [`Error::NotFound`].
    NotFound,
    /// See [`Error::InvalidInput`].
    InvalidInput,
    /// See [`Error::Conflict`].
    Conflict,
    /// See [`Error::Unavailable`].
    Unavailable,
    /// See [`Error::Internal`].
    Internal,
}

impl Error {
    /// The error's kind.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::NotFound(_) => ErrorKind::NotFound,
            Error::InvalidInput(_) => ErrorKind::InvalidInput,
            Error::Conflict(_) => ErrorKind::Conflict,
            Error::Unavailable { .. } => ErrorKind::Unavailable,
            Error::Internal { .. } => ErrorKind::Internal,
        }
    }

    /// A store that cannot be reached.
    pub fn unavailable(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::Unavailable {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// A broken invariant.
    pub fn internal(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::Internal {
            message: message.into(),
            source: Some(source.into()),
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
