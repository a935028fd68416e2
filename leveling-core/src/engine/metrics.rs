//! What the engine records through the [`metrics`] facade: awards by source and
//! outcome, award latency, level changes and store errors by kind.
//!
//! The facade is a no-op until the embedder installs a recorder (the reference server
//! installs the Prometheus one), like `tracing` without a subscriber. Every metric here
//! has a literal name and literal labels, so the macros build their keys as statics:
//! recording allocates nothing, and the labels (a source, an outcome, an error kind) are
//! bounded sets — never a guild or a user.
//!
//! The names are listed in the README's "Metrics" section; keep both in step.

use std::time::Instant;

use metrics::{Counter, counter, histogram};

use crate::{Error, ErrorKind, Source};

/// How an award ended, as the `outcome` label of `leveling_awards_total`.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Outcome {
    Granted,
    Cooldown,
    AlreadyClaimed,
    Excluded,
    Replayed,
    Invalid,
    Error,
}

/// `leveling_awards_total{source, outcome}` for one award.
macro_rules! awards {
    ($source:expr, $outcome:literal) => {
        match $source {
            Source::Message => counter!("leveling_awards_total", "source" => "message", "outcome" => $outcome),
            Source::Command => counter!("leveling_awards_total", "source" => "command", "outcome" => $outcome),
            Source::Voice => counter!("leveling_awards_total", "source" => "voice", "outcome" => $outcome),
            Source::Daily => counter!("leveling_awards_total", "source" => "daily", "outcome" => $outcome),
            Source::Streak => counter!("leveling_awards_total", "source" => "streak", "outcome" => $outcome),
            Source::Api => counter!("leveling_awards_total", "source" => "api", "outcome" => $outcome),
            Source::Admin => counter!("leveling_awards_total", "source" => "admin", "outcome" => $outcome),
            Source::Import => counter!("leveling_awards_total", "source" => "import", "outcome" => $outcome),
        }
    };
}

fn awards(source: Source, outcome: Outcome) -> Counter {
    match outcome {
        Outcome::Granted => awards!(source, "granted"),
        Outcome::Cooldown => awards!(source, "cooldown"),
        Outcome::AlreadyClaimed => awards!(source, "already_claimed"),
        Outcome::Excluded => awards!(source, "excluded"),
        Outcome::Replayed => awards!(source, "replayed"),
        Outcome::Invalid => awards!(source, "invalid"),
        Outcome::Error => awards!(source, "error"),
    }
}

/// Counts an award that ended with `outcome` and records how long it took since
/// `started` in `leveling_award_duration_seconds`.
pub(crate) fn award(source: Source, outcome: Outcome, started: Instant) {
    awards(source, outcome).increment(1);
    histogram!("leveling_award_duration_seconds").record(started.elapsed().as_secs_f64());
}

/// [`award`] for an award that failed with `error`: `invalid` for bad input, `error`
/// otherwise (the store's part is counted by [`store_error`] where the call failed).
pub(crate) fn award_failed(source: Source, error: &Error, started: Instant) {
    let outcome = match error.kind() {
        ErrorKind::InvalidInput => Outcome::Invalid,
        _ => Outcome::Error,
    };
    award(source, outcome, started);
}

/// `leveling_level_ups_total{source}`: a change that raised a member's level.
pub(crate) fn level_up(source: Source) {
    match source {
        Source::Message => counter!("leveling_level_ups_total", "source" => "message"),
        Source::Command => counter!("leveling_level_ups_total", "source" => "command"),
        Source::Voice => counter!("leveling_level_ups_total", "source" => "voice"),
        Source::Daily => counter!("leveling_level_ups_total", "source" => "daily"),
        Source::Streak => counter!("leveling_level_ups_total", "source" => "streak"),
        Source::Api => counter!("leveling_level_ups_total", "source" => "api"),
        Source::Admin => counter!("leveling_level_ups_total", "source" => "admin"),
        Source::Import => counter!("leveling_level_ups_total", "source" => "import"),
    }
    .increment(1);
}

/// `leveling_level_downs_total`: an admin change that lowered a member's level.
pub(crate) fn level_down() {
    counter!("leveling_level_downs_total").increment(1);
}

/// `leveling_store_errors_total{kind}`: a store call of the engine that failed. For
/// `.inspect_err(store_error)` at each call, so success costs nothing.
pub(crate) fn store_error(error: &Error) {
    match error.kind() {
        ErrorKind::NotFound => counter!("leveling_store_errors_total", "kind" => "not_found"),
        ErrorKind::InvalidInput => {
            counter!("leveling_store_errors_total", "kind" => "invalid_input")
        }
        ErrorKind::Conflict => counter!("leveling_store_errors_total", "kind" => "conflict"),
        ErrorKind::Unavailable => counter!("leveling_store_errors_total", "kind" => "unavailable"),
        ErrorKind::Internal => counter!("leveling_store_errors_total", "kind" => "internal"),
    }
    .increment(1);
}
