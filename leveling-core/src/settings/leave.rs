//! The `on_leave` section: what happens to a member's progress when they leave.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// What leaving does to a member's progress (after the grace period).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeavePolicy {
    /// `"keep"`: nothing; progress waits for them.
    Keep,
    /// `"reset_on_leave"`: any departure resets — leaving, a kick or a ban.
    ResetOnLeave,
    /// `"reset_on_ban"`: only a ban resets; leaving keeps.
    ResetOnBan,
}

/// The `on_leave` section of [`GuildSettings`](super::GuildSettings).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnLeave {
    /// Keep or reset.
    pub policy: LeavePolicy,
    /// How long after leaving a reset waits, in seconds; a rejoin within it keeps
    /// everything. At most [`MAX_GRACE_SECS`](super::MAX_GRACE_SECS).
    pub grace_secs: u64,
}

impl Default for OnLeave {
    /// Keep, no grace period.
    fn default() -> Self {
        Self {
            policy: LeavePolicy::Keep,
            grace_secs: 0,
        }
    }
}

/// What to do with a departed member's progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LeaveOutcome {
    /// Keep it (the policy keeps, or the grace period has not passed).
    Keep,
    /// Reset it (XP and streak), as `resetxp` does.
    Reset,
}

impl OnLeave {
    /// When the progress of a member who left at `left_at` (`banned` when it was a
    /// ban) is due to be reset, if ever: `left_at + grace_secs` when the policy applies
    /// to this departure. A store or job can schedule the reset for this instant.
    pub fn reset_due(&self, banned: bool, left_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let applies = match self.policy {
            LeavePolicy::Keep => false,
            LeavePolicy::ResetOnLeave => true,
            LeavePolicy::ResetOnBan => banned,
        };
        // A grace beyond chrono's range never ends.
        let grace = i64::try_from(self.grace_secs)
            .ok()
            .and_then(TimeDelta::try_seconds)?;
        applies.then(|| left_at.checked_add_signed(grace)).flatten()
    }
}

/// Whether to keep or reset the progress of a member who left at `left_at` (`banned`
/// when it was a ban), judged at `at` — the moment they rejoined, or now for one still
/// away. Reset when the policy applies to this departure and the grace period is over
/// (`at ≥ left_at + grace_secs`); a rejoin before that keeps everything.
///
/// ```
/// use leveling_core::{leave_outcome, LeaveOutcome, LeavePolicy, OnLeave};
/// use leveling_core::chrono::{TimeDelta, Utc};
///
/// let on_leave = OnLeave { policy: LeavePolicy::ResetOnLeave, grace_secs: 3_600 };
/// let left = Utc::now();
/// let rejoined = left + TimeDelta::minutes(30);
/// assert_eq!(leave_outcome(&on_leave, false, left, rejoined), LeaveOutcome::Keep);
/// let rejoined = left + TimeDelta::hours(2);
/// assert_eq!(leave_outcome(&on_leave, false, left, rejoined), LeaveOutcome::Reset);
/// ```
pub fn leave_outcome(
    on_leave: &OnLeave,
    banned: bool,
    left_at: DateTime<Utc>,
    at: DateTime<Utc>,
) -> LeaveOutcome {
    match on_leave.reset_due(banned, left_at) {
        Some(due) if at >= due => LeaveOutcome::Reset,
        _ => LeaveOutcome::Keep,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(secs, 0).unwrap()
    }

    fn on_leave(policy: LeavePolicy, grace_secs: u64) -> OnLeave {
        OnLeave { policy, grace_secs }
    }

    #[test]
    fn keep_always_keeps() {
        let keep = on_leave(LeavePolicy::Keep, 0);
        for banned in [false, true] {
            assert_eq!(
                leave_outcome(&keep, banned, at(0), at(1_000_000)),
                LeaveOutcome::Keep
            );
            assert_eq!(keep.reset_due(banned, at(0)), None);
        }
    }

    #[test]
    fn reset_on_leave_resets_any_departure_after_grace() {
        let policy = on_leave(LeavePolicy::ResetOnLeave, 100);
        for banned in [false, true] {
            assert_eq!(
                leave_outcome(&policy, banned, at(1_000), at(1_099)),
                LeaveOutcome::Keep
            );
            assert_eq!(
                leave_outcome(&policy, banned, at(1_000), at(1_100)),
                LeaveOutcome::Reset
            );
            assert_eq!(policy.reset_due(banned, at(1_000)), Some(at(1_100)));
        }
    }

    #[test]
    fn reset_on_ban_resets_only_bans() {
        let policy = on_leave(LeavePolicy::ResetOnBan, 60);
        assert_eq!(
            leave_outcome(&policy, false, at(0), at(10_000)),
            LeaveOutcome::Keep
        );
        assert_eq!(
            leave_outcome(&policy, true, at(0), at(59)),
            LeaveOutcome::Keep
        );
        assert_eq!(
            leave_outcome(&policy, true, at(0), at(60)),
            LeaveOutcome::Reset
        );
    }

    #[test]
    fn no_grace_resets_at_once_and_a_clock_going_back_keeps() {
        let policy = on_leave(LeavePolicy::ResetOnLeave, 0);
        assert_eq!(
            leave_outcome(&policy, false, at(5), at(5)),
            LeaveOutcome::Reset
        );
        assert_eq!(
            leave_outcome(&policy, false, at(5), at(4)),
            LeaveOutcome::Keep
        );
        let endless = on_leave(LeavePolicy::ResetOnLeave, u64::MAX);
        assert_eq!(endless.reset_due(false, at(0)), None);
        assert_eq!(
            leave_outcome(&endless, false, at(0), at(i64::from(i32::MAX))),
            LeaveOutcome::Keep
        );
    }

    #[test]
    fn json_shape() {
        let value = on_leave(LeavePolicy::ResetOnBan, 30);
        let json = serde_json::json!({"policy": "reset_on_ban", "grace_secs": 30});
        assert_eq!(serde_json::to_value(value).unwrap(), json);
        assert_eq!(serde_json::from_value::<OnLeave>(json).unwrap(), value);
        assert_eq!(
            serde_json::to_value(LeavePolicy::ResetOnLeave).unwrap(),
            "reset_on_leave"
        );
    }
}
