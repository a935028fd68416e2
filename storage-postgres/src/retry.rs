//! The one retry policy for a statement that can lose a race: awards (a concurrent grant
//! of the same idempotency key, a snapshot older than the row that refused it) and admin
//! changes (a deadlock or serialization failure). Both try again the same number of times
//! and give up with the same error.

use std::future::Future;

use leveling_core::{Error, MemberId, Result};

use crate::errors::{classify, is_retryable};

/// Attempts before giving up. A race needs a concurrent change of the same member, so
/// losing sixteen in a row means the member is hammered, not that the store is wrong.
pub(crate) const MAX_ATTEMPTS: u32 = 16;

/// Runs `attempt` until it settles: `Ok(Some(_))` is the answer, `Ok(None)` or a
/// retryable database error is a lost race (tried again), any other error is final.
/// After [`MAX_ATTEMPTS`] lost races: `Unavailable`, since the same request may succeed
/// once the contention is over.
pub(crate) async fn retry_races<T, F, Fut>(
    context: &'static str,
    member: MemberId,
    mut attempt: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = std::result::Result<Option<T>, sqlx::Error>>,
{
    for n in 1..=MAX_ATTEMPTS {
        match attempt().await {
            Ok(Some(settled)) => return Ok(settled),
            Ok(None) => {}
            Err(error) if is_retryable(&error) => {}
            Err(error) => return Err(classify(context, error)),
        }
        tracing::debug!(%member, attempt = n, "{context} raced a concurrent change; retrying");
    }
    Err(Error::Unavailable {
        message: format!("{context}: too much contention on this member, try again"),
        source: None,
    })
}
