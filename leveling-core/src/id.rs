//! Identities: Discord-style snowflakes for users, guilds, roles and channels, and the
//! member key.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! snowflake {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        ///
        /// Serialised as a JSON **string** (snowflakes exceed 2^53, the largest integer a
        /// JavaScript client reads exactly); deserialised from a string or an integer.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u64);

        impl $name {
            /// The raw snowflake.
            pub const fn get(self) -> u64 {
                self.0
            }
        }

        impl From<u64> for $name {
            fn from(id: u64) -> Self {
                Self(id)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = ParseIdError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                parse_snowflake(s).map(Self).ok_or(ParseIdError { what: $what })
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_any(SnowflakeVisitor($what)).map(Self)
            }
        }
    };
}

snowflake!(
    /// A user's id (a Discord user snowflake, or any `u64` the embedder chooses).
    UserId,
    "user id"
);
snowflake!(
    /// A guild's id (a Discord guild snowflake): progress is scoped per guild.
    GuildId,
    "guild id"
);

snowflake!(
    /// A role's id (a Discord role snowflake): role multipliers, no-XP roles and level
    /// rewards name roles by it.
    RoleId,
    "role id"
);
snowflake!(
    /// A channel's id (a Discord channel, thread or category snowflake): channel
    /// multipliers, no-XP channels and the announcement channel name channels by it.
    ChannelId,
    "channel id"
);

/// The key of a member: one user's progress in one guild.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MemberId {
    /// The guild the progress belongs to.
    pub guild: GuildId,
    /// The user.
    pub user: UserId,
}

impl MemberId {
    /// The member `user` of `guild`.
    pub fn new(guild: impl Into<GuildId>, user: impl Into<UserId>) -> Self {
        Self {
            guild: guild.into(),
            user: user.into(),
        }
    }
}

impl fmt::Display for MemberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.guild, self.user)
    }
}

/// A string that is not a valid snowflake (a decimal `u64`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what}: expected a decimal integer between 0 and 18446744073709551615")]
pub struct ParseIdError {
    what: &'static str,
}

fn parse_snowflake(s: &str) -> Option<u64> {
    // `u64::from_str` accepts a leading `+`; an id never has one.
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

struct SnowflakeVisitor(&'static str);

impl Visitor<'_> for SnowflakeVisitor {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} as a string or a non-negative integer", self.0)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        u64::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
        parse_snowflake(v).ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_json_strings_and_read_from_strings_or_integers() {
        let id = UserId(18_446_744_073_709_551_615);
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            "\"18446744073709551615\""
        );
        assert_eq!(
            serde_json::from_str::<UserId>("\"18446744073709551615\"").unwrap(),
            id
        );
        assert_eq!(serde_json::from_str::<GuildId>("42").unwrap(), GuildId(42));
    }

    #[test]
    fn role_and_channel_ids_serialise_like_user_ids() {
        let role = RoleId(18_446_744_073_709_551_615);
        assert_eq!(
            serde_json::to_string(&role).unwrap(),
            "\"18446744073709551615\""
        );
        assert_eq!(serde_json::from_str::<RoleId>("\"5\"").unwrap(), RoleId(5));
        assert_eq!(
            serde_json::from_str::<ChannelId>("7").unwrap(),
            ChannelId(7)
        );
        assert!(serde_json::from_str::<ChannelId>("\"-7\"").is_err());
        assert_eq!("9".parse::<ChannelId>().unwrap().get(), 9);
        let err = "x".parse::<RoleId>().unwrap_err().to_string();
        assert!(err.contains("role id"), "{err}");
        // As map keys (the multiplier maps): a JSON object keyed by the decimal string.
        let map = std::collections::BTreeMap::from([(RoleId(3), 2.0)]);
        let json = serde_json::to_string(&map).unwrap();
        assert_eq!(json, r#"{"3":2.0}"#);
        assert_eq!(
            serde_json::from_str::<std::collections::BTreeMap<RoleId, f64>>(&json).unwrap(),
            map
        );
    }

    #[test]
    fn bad_ids_are_rejected() {
        for bad in [
            "\"\"",
            "\"-1\"",
            "\"+1\"",
            "\"1.5\"",
            "-1",
            "1.5",
            "\"18446744073709551616\"",
            "null",
        ] {
            assert!(serde_json::from_str::<UserId>(bad).is_err(), "{bad}");
        }
        assert!("abc".parse::<UserId>().is_err());
        assert_eq!("7".parse::<GuildId>().unwrap(), GuildId(7));
    }
}
