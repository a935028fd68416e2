//! The `announce` section: where level-ups are announced, with what text, how often.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{SettingsError, Template};
use crate::ChannelId;

/// The template of a guild without one: the Discord adapter's long-standing default.
pub const DEFAULT_TEMPLATE: &str = "🎉 {user} reached level **{level}** ({tier})!";

/// Where a level-up is announced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnnounceMode {
    /// `"off"`: not announced.
    Off,
    /// `"same"`: in the channel of the activity that caused it (not announced when it
    /// had none, e.g. an admin change or an API grant).
    Same,
    /// `"channel"`: in the fixed `channel_id`.
    Channel,
    /// `"dm"`: in a direct message to the member.
    Dm,
}

/// Which level-ups are announced: JSON `every` is either a number N or the string
/// `"tier"`.
///
/// - `N` ([`Levels`](Self::Levels)): level-ups that reach or cross a multiple of N — 1 is
///   every level-up, 5 is levels 5, 10, 15, …; a jump from 3 to 7 is announced when N is
///   5 (it crossed 5). Tier changes are not special here.
/// - `"tier"` ([`TierChanges`](Self::TierChanges)): only level-ups that change the tier.
///
/// ```
/// use leveling_core::AnnounceEvery;
///
/// assert_eq!(serde_json::from_str::<AnnounceEvery>("5").unwrap(), AnnounceEvery::Levels(5));
/// assert_eq!(serde_json::from_str::<AnnounceEvery>("\"tier\"").unwrap(), AnnounceEvery::TierChanges);
/// assert_eq!(serde_json::to_string(&AnnounceEvery::Levels(1)).unwrap(), "1");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AnnounceEvery {
    /// Every Nth level (N ≥ 1, checked by
    /// [`validate`](super::GuildSettings::validate)).
    Levels(u32),
    /// Tier changes only.
    TierChanges,
}

impl Serialize for AnnounceEvery {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            AnnounceEvery::Levels(n) => serializer.serialize_u32(*n),
            AnnounceEvery::TierChanges => serializer.serialize_str("tier"),
        }
    }
}

impl<'de> Deserialize<'de> for AnnounceEvery {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EveryVisitor;

        impl Visitor<'_> for EveryVisitor {
            type Value = AnnounceEvery;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a positive whole number of levels, or \"tier\"")
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<AnnounceEvery, E> {
                u32::try_from(v)
                    .map(AnnounceEvery::Levels)
                    .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<AnnounceEvery, E> {
                u64::try_from(v)
                    .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
                    .and_then(|v| self.visit_u64(v))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<AnnounceEvery, E> {
                match v {
                    "tier" => Ok(AnnounceEvery::TierChanges),
                    _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
                }
            }
        }

        deserializer.deserialize_any(EveryVisitor)
    }
}

/// The `announce` section of [`GuildSettings`](super::GuildSettings).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Announce {
    /// Where.
    pub mode: AnnounceMode,
    /// The channel of mode `channel` (required there, ignored otherwise). Absent from
    /// the JSON when not set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<ChannelId>,
    /// The text, a [`Template`] source (checked by
    /// [`validate`](super::GuildSettings::validate); at most
    /// [`MAX_TEMPLATE_CHARS`](super::MAX_TEMPLATE_CHARS) characters, not blank).
    pub template: String,
    /// Which level-ups.
    pub every: AnnounceEvery,
}

impl Default for Announce {
    /// In the same channel, [`DEFAULT_TEMPLATE`], every level.
    fn default() -> Self {
        Self {
            mode: AnnounceMode::Same,
            channel_id: None,
            template: DEFAULT_TEMPLATE.to_owned(),
            every: AnnounceEvery::Levels(1),
        }
    }
}

impl Announce {
    /// The parsed [`template`](Self::template).
    pub fn parsed_template(&self) -> Result<Template, SettingsError> {
        Template::parse(&self.template)
    }
}

/// Whether a change from `old_level` to `new_level` is announced under `announce`:
/// never when the mode is `off` or the level did not rise; otherwise per
/// [`every`](AnnounceEvery) — a multiple of N among the levels crossed
/// (`old_level + 1 ..= new_level`), or `tier_changed`.
///
/// ```
/// use leveling_core::{should_announce, Announce, AnnounceEvery};
///
/// let mut announce = Announce::default();
/// announce.every = AnnounceEvery::Levels(5);
/// assert!(should_announce(&announce, 4, 5, false));
/// assert!(should_announce(&announce, 3, 7, false)); // crossed 5
/// assert!(!should_announce(&announce, 5, 9, false));
/// announce.every = AnnounceEvery::TierChanges;
/// assert!(should_announce(&announce, 10, 11, true));
/// assert!(!should_announce(&announce, 11, 12, false));
/// ```
pub fn should_announce(
    announce: &Announce,
    old_level: u32,
    new_level: u32,
    tier_changed: bool,
) -> bool {
    if announce.mode == AnnounceMode::Off || new_level <= old_level {
        return false;
    }
    match announce.every {
        // An unvalidated 0 counts as 1 rather than dividing by zero.
        AnnounceEvery::Levels(n) => {
            let n = n.max(1);
            new_level / n > old_level / n
        }
        AnnounceEvery::TierChanges => tier_changed,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn every(every: AnnounceEvery) -> Announce {
        Announce {
            every,
            ..Announce::default()
        }
    }

    #[test]
    fn every_level_by_default_and_never_when_off_or_down() {
        let announce = Announce::default();
        assert!(should_announce(&announce, 0, 1, false));
        assert!(should_announce(&announce, 1, 9, false));
        assert!(!should_announce(&announce, 3, 3, true));
        assert!(!should_announce(&announce, 4, 3, true));
        let off = Announce {
            mode: AnnounceMode::Off,
            ..Announce::default()
        };
        assert!(!should_announce(&off, 0, 1, true));
        for mode in [AnnounceMode::Dm, AnnounceMode::Channel] {
            let announce = Announce {
                mode,
                ..Announce::default()
            };
            assert!(should_announce(&announce, 0, 1, false));
        }
    }

    #[test]
    fn every_nth_level() {
        let announce = every(AnnounceEvery::Levels(5));
        let announced: Vec<u32> = (0..21)
            .filter(|&l| should_announce(&announce, l, l + 1, false))
            .map(|l| l + 1)
            .collect();
        assert_eq!(announced, [5, 10, 15, 20]);
        assert!(should_announce(&announce, 4, 11, false));
        assert!(should_announce(&announce, 9, 10, false));
        assert!(
            !should_announce(&announce, 10, 14, true),
            "tier is not special"
        );
        assert!(should_announce(
            &every(AnnounceEvery::Levels(0)),
            1,
            2,
            false
        ));
    }

    #[test]
    fn tier_changes_only() {
        let announce = every(AnnounceEvery::TierChanges);
        assert!(should_announce(&announce, 10, 11, true));
        assert!(!should_announce(&announce, 11, 12, false));
        assert!(!should_announce(&announce, 12, 11, true), "a level down");
    }

    #[test]
    fn json_shape() {
        let announce = Announce {
            mode: AnnounceMode::Channel,
            channel_id: Some(ChannelId(9)),
            template: "hi {user}".into(),
            every: AnnounceEvery::TierChanges,
        };
        let json = serde_json::json!({
            "mode": "channel", "channel_id": "9", "template": "hi {user}", "every": "tier"
        });
        assert_eq!(serde_json::to_value(&announce).unwrap(), json);
        assert_eq!(serde_json::from_value::<Announce>(json).unwrap(), announce);
        let default = serde_json::to_value(Announce::default()).unwrap();
        assert_eq!(
            default,
            serde_json::json!({"mode": "same", "template": DEFAULT_TEMPLATE, "every": 1})
        );
        for bad in ["-1", "1.5", "\"tiers\"", "4294967296", "null"] {
            assert!(serde_json::from_str::<AnnounceEvery>(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        /// Announced exactly when some crossed level is a multiple of N.
        #[test]
        fn nth_level_matches_the_definition(n in 1u32..12, old in 0u32..60, rise in 0u32..30) {
            let new = old + rise;
            let crossed = (old + 1..=new).any(|level| level % n == 0);
            prop_assert_eq!(should_announce(&every(AnnounceEvery::Levels(n)), old, new, false), crossed);
        }
    }
}
