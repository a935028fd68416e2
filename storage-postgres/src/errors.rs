//! How a sqlx error becomes a core [`Error`]: which failures are the server being away
//! (`Unavailable`, an HTTP 503) and which are races worth another attempt.

use leveling_core::Error;

/// Maps a sqlx error to the core's kinds, with a message that never holds the URL.
pub(crate) fn classify(context: &'static str, error: sqlx::Error) -> Error {
    if is_unavailable(&error) {
        return Error::unavailable(format!("{context}: the database cannot be reached"), error);
    }
    match error {
        // A configuration error may quote the URL: keep it out of the chain entirely.
        sqlx::Error::Configuration(_) => Error::Internal {
            message: format!("{context}: invalid database configuration"),
            source: None,
        },
        error => Error::internal(format!("{context}: database error"), error),
    }
}

/// [`classify`] for `map_err`: `.map_err(db_error("member"))`.
pub(crate) fn db_error(context: &'static str) -> impl Fn(sqlx::Error) -> Error {
    move |error| classify(context, error)
}

/// The server cannot be reached, or the pool has no connection to give: the same request
/// may succeed later.
pub(crate) fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // 08: connection exception; 57P01-03: shutdown / cannot connect now;
            // 53300: too many connections.
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300")
        }),
        _ => false,
    }
}

/// A race worth retrying: a concurrent grant took the same idempotency key, or the
/// server aborted on a deadlock or serialization failure.
pub(crate) fn is_retryable(error: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = error else {
        return false;
    };
    match db.code().as_deref() {
        Some("23505") => db.constraint() == Some("idempotency_keys_pkey"),
        Some("40001" | "40P01") => true,
        _ => false,
    }
}
