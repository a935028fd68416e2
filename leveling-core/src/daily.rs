//! Days, the daily bonus and streaks, as pure functions of the day number.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// A calendar day, counted from 1970-01-01 in the configured time zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Day(pub i64);

/// Where one day ends and the next begins: midnight at a fixed offset from UTC.
///
/// ```
/// use leveling_core::{Day, DayBoundary};
/// use chrono::{TimeZone, Utc};
///
/// let utc = DayBoundary::UTC;
/// let before = Utc.with_ymd_and_hms(2026, 11, 23, 23, 59, 59).unwrap();
/// let after = Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap();
/// assert_eq!(utc.day(after), Day(utc.day(before).0 + 1));
/// assert_eq!(utc.next_day_start(before), after);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DayBoundary {
    offset_seconds: i32,
}

const DAY_SECONDS: i64 = 86_400;

impl DayBoundary {
    /// Days start at 00:00 UTC.
    pub const UTC: Self = Self { offset_seconds: 0 };

    /// Days start at 00:00 local time in a zone `offset_seconds` east of UTC (for
    /// example 7200 for UTC+02:00). `None` unless strictly within ±24 h.
    pub const fn from_utc_offset(offset_seconds: i32) -> Option<Self> {
        if offset_seconds.unsigned_abs() < DAY_SECONDS as u32 {
            Some(Self { offset_seconds })
        } else {
            None
        }
    }

    /// The offset from UTC in seconds.
    pub const fn offset_seconds(self) -> i32 {
        self.offset_seconds
    }

    /// The day `at` falls on.
    pub fn day(self, at: DateTime<Utc>) -> Day {
        Day((at.timestamp() + i64::from(self.offset_seconds)).div_euclid(DAY_SECONDS))
    }

    /// The instant the day after `at`'s day begins.
    pub fn next_day_start(self, at: DateTime<Utc>) -> DateTime<Utc> {
        let next = (self.day(at).0 + 1) * DAY_SECONDS - i64::from(self.offset_seconds);
        DateTime::from_timestamp(next, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// Time left in `at`'s day.
    pub fn until_next_day(self, at: DateTime<Utc>) -> TimeDelta {
        self.next_day_start(at) - at
    }
}

impl Default for DayBoundary {
    fn default() -> Self {
        Self::UTC
    }
}

/// A member's streak: the last day they claimed the daily bonus and how many consecutive
/// days that run has lasted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Streak {
    /// The day of the last claim, if any.
    pub last_claim: Option<Day>,
    /// Consecutive days with a claim, ending at `last_claim` (0 before the first claim).
    pub days: u32,
}

/// The daily bonus as a store applies it inside an award: which day it is and how much
/// the claim pays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DailyRule {
    /// Today, in the configured time zone.
    pub today: Day,
    /// The daily bonus.
    pub bonus: u64,
    /// Streak bonus per day of the streak.
    pub per_day: u64,
    /// The streak counts at most this many days towards the bonus.
    pub cap_days: u32,
}

/// What one daily claim paid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyClaim {
    /// The streak after the claim, in days.
    pub streak_days: u32,
    /// The daily bonus paid.
    pub bonus: u64,
    /// The streak bonus paid.
    pub streak_bonus: u64,
}

impl DailyClaim {
    /// Daily and streak bonus together.
    pub fn total(&self) -> u64 {
        self.bonus.saturating_add(self.streak_bonus)
    }
}

impl DailyRule {
    /// The claim a member with `streak` makes today, or `None` when they already claimed
    /// today (or the stored day is ahead of the clock).
    ///
    /// ```
    /// use leveling_core::{DailyRule, Day, Streak};
    ///
    /// let rule = DailyRule { today: Day(10), bonus: 50, per_day: 10, cap_days: 30 };
    /// let first = rule.claim(Streak::default()).unwrap();
    /// assert_eq!((first.streak_days, first.total()), (1, 60));
    /// let next = DailyRule { today: Day(11), ..rule }
    ///     .claim(Streak { last_claim: Some(Day(10)), days: 1 })
    ///     .unwrap();
    /// assert_eq!((next.streak_days, next.total()), (2, 70));
    /// assert!(rule.claim(Streak { last_claim: Some(Day(10)), days: 1 }).is_none());
    /// ```
    pub fn claim(&self, streak: Streak) -> Option<DailyClaim> {
        let streak_days = match streak.last_claim {
            Some(last) if last >= self.today => return None,
            Some(last) if last.0 == self.today.0 - 1 => streak.days.saturating_add(1),
            _ => 1,
        };
        Some(DailyClaim {
            streak_days,
            bonus: self.bonus,
            streak_bonus: self
                .per_day
                .saturating_mul(u64::from(streak_days.min(self.cap_days))),
        })
    }

    /// The streak after `claim`.
    pub fn streak_after(&self, claim: &DailyClaim) -> Streak {
        Streak {
            last_claim: Some(self.today),
            days: claim.streak_days,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(d: u32, h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, m, s).unwrap()
    }

    #[test]
    fn utc_day_changes_exactly_at_midnight() {
        let b = DayBoundary::UTC;
        assert_eq!(b.day(at(23, 23, 59, 59)).0 + 1, b.day(at(24, 0, 0, 0)).0);
        assert_eq!(b.day(at(23, 0, 0, 0)), b.day(at(23, 23, 59, 59)));
        assert_eq!(b.until_next_day(at(23, 23, 59, 59)), TimeDelta::seconds(1));
    }

    #[test]
    fn offset_boundary_moves_midnight() {
        // UTC+02:00: local midnight is 22:00 UTC.
        let b = DayBoundary::from_utc_offset(7200).unwrap();
        assert_eq!(b.day(at(23, 21, 59, 59)).0 + 1, b.day(at(23, 22, 0, 0)).0);
        assert_eq!(b.next_day_start(at(23, 21, 0, 0)), at(23, 22, 0, 0));
        let west = DayBoundary::from_utc_offset(-5 * 3600).unwrap();
        assert_eq!(
            west.day(at(24, 4, 59, 59)).0 + 1,
            west.day(at(24, 5, 0, 0)).0
        );
        assert!(DayBoundary::from_utc_offset(86_400).is_none());
    }

    #[test]
    fn streak_grows_on_consecutive_days_resets_after_a_gap_and_caps_its_bonus() {
        let rule = |day| DailyRule {
            today: Day(day),
            bonus: 50,
            per_day: 10,
            cap_days: 3,
        };
        let mut streak = Streak::default();
        let mut paid = vec![];
        for day in [1, 2, 3, 4, 5, 7] {
            let claim = rule(day).claim(streak).unwrap();
            paid.push((claim.streak_days, claim.streak_bonus));
            streak = rule(day).streak_after(&claim);
        }
        assert_eq!(paid, [(1, 10), (2, 20), (3, 30), (4, 30), (5, 30), (1, 10)]);
        assert!(rule(7).claim(streak).is_none());
        assert!(
            rule(6).claim(streak).is_none(),
            "a clock behind the stored day claims nothing"
        );
    }
}
