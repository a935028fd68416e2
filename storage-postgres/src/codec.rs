//! Values as the schema stores them. PostgreSQL has no unsigned integers, so snowflakes,
//! XP and counts cross a signed column; these are the only conversions between the two.

use leveling_core::{Error, Result};

/// A snowflake as stored: the top bit flipped, so `BIGINT` order is `u64` order (a
/// leaderboard tie and the user list sort by the real id, ids ≥ 2^63 included).
pub(crate) fn encode_id(id: u64) -> i64 {
    (id ^ (1 << 63)) as i64
}

/// A stored id back to the snowflake.
pub(crate) fn decode_id(stored: i64) -> u64 {
    (stored as u64) ^ (1 << 63)
}

/// A stored count or XP total, which the schema never lets go negative.
pub(crate) fn to_u64(value: i64, what: &str) -> Result<u64> {
    u64::try_from(value).map_err(|_| Error::Internal {
        message: format!("the database holds a negative {what}"),
        source: None,
    })
}

/// A `u64` bind for a `BIGINT` column: values past `i64::MAX` cannot be stored, and every
/// caller wants the largest storable value then (XP saturates, offsets run past the end).
pub(crate) fn clamp_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// A `numeric` sent back as text (a sum or a bonus that may not fit `i64`), saturated to
/// `u64`.
pub(crate) fn parse_u64_text(text: &str, what: &str) -> Result<u64> {
    text.parse::<u128>()
        .map(|n| u64::try_from(n).unwrap_or(u64::MAX))
        .map_err(|_| Error::Internal {
            message: format!("the database returned a malformed {what}"),
            source: None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_encoding_keeps_u64_order_and_round_trips() {
        let ids = [0, 1, 42, (1 << 63) - 1, 1 << 63, u64::MAX - 1, u64::MAX];
        for pair in ids.windows(2) {
            assert!(encode_id(pair[0]) < encode_id(pair[1]), "{pair:?}");
        }
        for id in ids {
            assert_eq!(decode_id(encode_id(id)), id);
        }
    }

    #[test]
    fn text_sums_saturate_and_garbage_is_an_error() {
        assert_eq!(parse_u64_text("42", "sum").unwrap(), 42);
        assert_eq!(
            parse_u64_text("18446744073709551616", "sum").unwrap(),
            u64::MAX
        );
        assert!(parse_u64_text("-1", "sum").is_err());
    }
}
