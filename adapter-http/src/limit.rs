//! A brake on API-key guessing: after too many failed key checks from one client within a
//! window, that client's requests that need the key (mutations, the export) get 429 until
//! the window ends, whatever key they carry.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How many failed API-key checks one client (one IP address) may make per window before
/// its requests that need the key are refused with 429 until the window ends.
///
/// ```
/// use std::time::Duration;
/// use leveling_http::AuthFailureLimit;
///
/// let limit = AuthFailureLimit::default();
/// assert_eq!((limit.max_failures, limit.window), (10, Duration::from_secs(60)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthFailureLimit {
    /// Failed checks allowed per window; the next request in the window gets 429.
    pub max_failures: u32,
    /// The window, counted from a client's first failure.
    pub window: Duration,
}

impl Default for AuthFailureLimit {
    /// 10 failures per minute.
    fn default() -> Self {
        Self {
            max_failures: 10,
            window: Duration::from_secs(60),
        }
    }
}

/// Clients tracked at most; past that, expired windows are dropped, and failures of new
/// clients count against one shared entry (so a flood of addresses cannot grow memory).
const MAX_CLIENTS: usize = 100_000;

struct Window {
    started: Instant,
    failures: u32,
}

/// The failed checks per client. `None` is a client whose address is unknown (the server
/// was not started with connect info): they all share one entry.
#[derive(Clone)]
pub(crate) struct AuthFailures {
    limit: AuthFailureLimit,
    clients: Arc<Mutex<HashMap<Option<IpAddr>, Window>>>,
}

impl AuthFailures {
    pub(crate) fn new(limit: AuthFailureLimit) -> Self {
        Self {
            limit,
            clients: Arc::default(),
        }
    }

    /// How long `client` must wait, when it used up its failures in the current window.
    pub(crate) fn locked(&self, client: Option<IpAddr>, now: Instant) -> Option<Duration> {
        let clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        let window = clients.get(&client)?;
        let left = self
            .limit
            .window
            .checked_sub(now.saturating_duration_since(window.started))?;
        (window.failures >= self.limit.max_failures && !left.is_zero()).then_some(left)
    }

    /// Counts a failed check.
    pub(crate) fn failed(&self, client: Option<IpAddr>, now: Instant) {
        let mut clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        let mut client = client;
        if clients.len() >= MAX_CLIENTS && !clients.contains_key(&client) {
            let window = self.limit.window;
            clients.retain(|_, w| now.saturating_duration_since(w.started) < window);
            if clients.len() >= MAX_CLIENTS {
                client = None;
            }
        }
        let entry = clients.entry(client).or_insert(Window {
            started: now,
            failures: 0,
        });
        if now.saturating_duration_since(entry.started) >= self.limit.window {
            *entry = Window {
                started: now,
                failures: 0,
            };
        }
        entry.failures = entry.failures.saturating_add(1);
    }

    /// A right key: the client's count starts over.
    pub(crate) fn succeeded(&self, client: Option<IpAddr>) {
        let mut clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        clients.remove(&client);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit() -> AuthFailures {
        AuthFailures::new(AuthFailureLimit {
            max_failures: 3,
            window: Duration::from_secs(60),
        })
    }

    fn ip(last: u8) -> Option<IpAddr> {
        Some(IpAddr::from([192, 0, 2, last]))
    }

    #[test]
    fn the_failure_past_the_limit_locks_until_the_window_ends() {
        let failures = limit();
        let t0 = Instant::now();
        for _ in 0..2 {
            failures.failed(ip(1), t0);
        }
        assert_eq!(failures.locked(ip(1), t0), None);
        failures.failed(ip(1), t0);
        assert_eq!(
            failures.locked(ip(1), t0 + Duration::from_secs(20)),
            Some(Duration::from_secs(40))
        );
        // Another client is not affected.
        assert_eq!(failures.locked(ip(2), t0), None);
        // The window ends: free again, and a new failure starts a new window.
        assert_eq!(failures.locked(ip(1), t0 + Duration::from_secs(60)), None);
        failures.failed(ip(1), t0 + Duration::from_secs(61));
        assert_eq!(failures.locked(ip(1), t0 + Duration::from_secs(61)), None);
    }

    #[test]
    fn a_right_key_starts_the_count_over() {
        let failures = limit();
        let t0 = Instant::now();
        failures.failed(ip(1), t0);
        failures.failed(ip(1), t0);
        failures.succeeded(ip(1));
        failures.failed(ip(1), t0);
        failures.failed(ip(1), t0);
        assert_eq!(failures.locked(ip(1), t0), None);
    }

    #[test]
    fn unknown_addresses_share_one_count() {
        let failures = limit();
        let t0 = Instant::now();
        for _ in 0..3 {
            failures.failed(None, t0);
        }
        assert!(failures.locked(None, t0).is_some());
        assert!(failures.locked(ip(1), t0).is_none());
    }
}
