//! The `leaderboard` and `card` sections: how a guild's progress is shown — whether its
//! public web leaderboard is on, and the colours of its rank cards.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An sRGB colour, written `"#rrggbb"` in JSON (either case read, lower case written).
///
/// ```
/// use leveling_core::Colour;
///
/// let colour: Colour = "#5865F2".parse().unwrap();
/// assert_eq!(colour.rgb(), (0x58, 0x65, 0xf2));
/// assert_eq!(colour.to_string(), "#5865f2");
/// assert!("5865f2".parse::<Colour>().is_err());
/// assert!("#58f".parse::<Colour>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Colour(u32);

impl Colour {
    /// The colour of these red, green and blue components.
    pub const fn new(red: u8, green: u8, blue: u8) -> Self {
        Self(((red as u32) << 16) | ((green as u32) << 8) | blue as u32)
    }

    /// Its red, green and blue components.
    pub const fn rgb(self) -> (u8, u8, u8) {
        ((self.0 >> 16) as u8, (self.0 >> 8) as u8, self.0 as u8)
    }
}

impl fmt::Display for Colour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:06x}", self.0)
    }
}

/// A string that is not `"#rrggbb"`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a colour is written #rrggbb (six hex digits after #)")]
pub struct ColourError;

impl FromStr for Colour {
    type Err = ColourError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let hex = text.strip_prefix('#').ok_or(ColourError)?;
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ColourError);
        }
        u32::from_str_radix(hex, 16)
            .map(Self)
            .map_err(|_| ColourError)
    }
}

impl Serialize for Colour {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Colour {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The `leaderboard` section of [`GuildSettings`](super::GuildSettings).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeaderboardSettings {
    /// Whether the guild's public web leaderboard page is served (`false`: it answers
    /// 404). On by default.
    pub page: bool,
}

impl Default for LeaderboardSettings {
    /// The page is on.
    fn default() -> Self {
        Self { page: true }
    }
}

/// The `card` section of [`GuildSettings`](super::GuildSettings): the colours of the
/// guild's rank cards. The tier's own colour is drawn on top (the tier name and badge).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardTheme {
    /// The card's background.
    pub background: Colour,
    /// The panel behind the text.
    pub panel: Colour,
    /// The main text (name, level, rank).
    pub text: Colour,
    /// Secondary text (labels, XP figures).
    pub muted: Colour,
    /// The filled part of the progress bar.
    pub bar: Colour,
    /// The empty part of the progress bar.
    pub bar_track: Colour,
}

impl Default for CardTheme {
    /// A dark theme: text contrast above 7:1 on the panel.
    fn default() -> Self {
        Self {
            background: Colour::new(0x1e, 0x1f, 0x22),
            panel: Colour::new(0x2b, 0x2d, 0x31),
            text: Colour::new(0xf2, 0xf3, 0xf5),
            muted: Colour::new(0xb5, 0xba, 0xc1),
            bar: Colour::new(0x58, 0x65, 0xf2),
            bar_track: Colour::new(0x40, 0x44, 0x4b),
        }
    }
}
