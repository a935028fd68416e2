//! How values are stored: ids, times, XP and the rank bucket.

use chrono::{DateTime, Utc};
use leveling_core::storage::MAX_XP;
use leveling_core::{Error, Result};

/// A snowflake as stored: the top bit flipped, so `INTEGER` order is `u64` order.
pub(crate) fn enc(id: u64) -> i64 {
    (id ^ (1 << 63)) as i64
}

/// A stored id back to the snowflake.
pub(crate) fn dec(stored: i64) -> u64 {
    (stored as u64) ^ (1 << 63)
}

/// A time as stored: microseconds since 1970-01-01 UTC (a sub-microsecond part is dropped).
pub(crate) fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

/// A stored time back.
pub(crate) fn time(stored: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_micros(stored).ok_or_else(|| Error::Internal {
        message: "the database holds a time out of range".into(),
        source: None,
    })
}

/// An XP total (or amount) as stored; XP never exceeds [`MAX_XP`] = `i64::MAX`.
pub(crate) fn xp_i64(xp: u64) -> i64 {
    i64::try_from(xp.min(MAX_XP)).unwrap_or(i64::MAX)
}

/// A stored XP total back; negative means a corrupt row.
pub(crate) fn xp_u64(stored: i64) -> Result<u64> {
    u64::try_from(stored).map_err(|_| Error::Internal {
        message: "the database holds a negative XP total".into(),
        source: None,
    })
}

/// The rank bucket of an XP total: `floor(4·√(xp + 16384)) − 512`, computed exactly as
/// `isqrt(16·(xp + 16384)) − 512`. Monotone in `xp`; 65 XP wide at the bottom (where
/// every member starts), then about `√xp / 2` XP wide.
pub(crate) fn bucket(xp: u64) -> i64 {
    let scaled = 16 * (u128::from(xp.min(MAX_XP)) + 16_384);
    // isqrt of at most 16·2^63 < 2^67 is below 2^34: it fits.
    scaled.isqrt() as i64 - 512
}

/// Buckets per group: a rank sums the groups above a member's, then the buckets above
/// theirs within their group.
pub(crate) const GROUP_SHIFT: u32 = 7;

/// The group of a bucket.
pub(crate) fn group(bucket: i64) -> i64 {
    bucket >> GROUP_SHIFT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_keep_u64_order_and_round_trip() {
        let ids = [0, 1, 42, (1 << 63) - 1, 1 << 63, u64::MAX - 1, u64::MAX];
        for pair in ids.windows(2) {
            assert!(enc(pair[0]) < enc(pair[1]), "{pair:?}");
        }
        for id in ids {
            assert_eq!(dec(enc(id)), id);
        }
    }

    #[test]
    fn buckets_are_monotone_and_match_the_formula() {
        assert_eq!(bucket(0), 0);
        assert_eq!(bucket(64), 0);
        assert_eq!(bucket(65), 1);
        let mut last = bucket(0);
        for xp in (0..3_000_000u64).step_by(7) {
            let b = bucket(xp);
            assert!(b >= last, "bucket({xp})");
            last = b;
            let float = (4.0 * ((xp + 16_384) as f64).sqrt()).floor() as i64 - 512;
            assert_eq!(b, float, "bucket({xp})");
        }
        assert!(bucket(MAX_XP) > bucket(MAX_XP - 1_000_000_000_000));
        assert!(bucket(u64::MAX) == bucket(MAX_XP));
    }
}
