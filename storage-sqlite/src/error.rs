//! sqlx errors mapped to the core's kinds.

use leveling_core::Error;

/// SQLite's primary result codes this store tells apart.
const BUSY: i32 = 5;
const LOCKED: i32 = 6;
const NOMEM: i32 = 7;
const READONLY: i32 = 8;
const IOERR: i32 = 10;
const FULL: i32 = 13;
const CANTOPEN: i32 = 14;

/// The primary SQLite result code of a database error.
pub(crate) fn code(error: &sqlx::Error) -> Option<i32> {
    let sqlx::Error::Database(db) = error else {
        return None;
    };
    db.code()?.parse::<i32>().ok().map(|code| code & 0xff)
}

/// Whether the same request may succeed later: the file is locked by another
/// connection past the busy timeout, the disk is full or failing, the store is closed.
pub(crate) fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        error => matches!(
            code(error),
            Some(BUSY | LOCKED | NOMEM | READONLY | IOERR | FULL | CANTOPEN)
        ),
    }
}

/// Maps a sqlx error to the core's kinds. Messages name what was being done, never a
/// value of the request.
pub(crate) fn db_error(context: &str, error: sqlx::Error) -> Error {
    if is_unavailable(&error) {
        Error::unavailable(format!("{context}: the database is unavailable"), error)
    } else {
        Error::internal(format!("{context}: database error"), error)
    }
}

/// `map_err` helper.
pub(crate) fn decode(context: &'static str) -> impl Fn(sqlx::Error) -> Error {
    move |error| db_error(context, error)
}
