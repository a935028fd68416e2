//! Colours: [`Rgb`], the card's [`Theme`] and the default tier palette.

use std::fmt;
use std::str::FromStr;

/// An opaque sRGB colour.
///
/// ```
/// use leveling_card::Rgb;
///
/// let gold: Rgb = "#f5b301".parse().unwrap();
/// assert_eq!(gold, Rgb::new(0xf5, 0xb3, 0x01));
/// assert_eq!(gold.to_string(), "#f5b301");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgb {
    /// Red, 0–255.
    pub r: u8,
    /// Green, 0–255.
    pub g: u8,
    /// Blue, 0–255.
    pub b: u8,
}

impl Rgb {
    /// A colour from its three channels.
    ///
    /// ```
    /// # use leveling_card::Rgb;
    /// assert_eq!(Rgb::new(255, 0, 16).to_string(), "#ff0010");
    /// ```
    pub const fn new(r: u8, g: u8, b: u8) -> Self {
        Self { r, g, b }
    }

    /// Relative luminance (WCAG), 0.0 for black to 1.0 for white.
    pub(crate) fn luminance(self) -> f64 {
        fn linear(c: u8) -> f64 {
            let c = f64::from(c) / 255.0;
            if c <= 0.040_45 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        }
        0.2126 * linear(self.r) + 0.7152 * linear(self.g) + 0.0722 * linear(self.b)
    }

    /// Black or white, whichever reads better on `self`: initials sit on the tier colour,
    /// which may be pale (gold) or dark (a custom navy).
    pub(crate) fn readable_on(self) -> Rgb {
        let l = self.luminance();
        // Contrast ratios against white and black; pick the larger.
        if (1.05) / (l + 0.05) >= (l + 0.05) / 0.05 {
            Rgb::new(0xff, 0xff, 0xff)
        } else {
            Rgb::new(0x11, 0x12, 0x16)
        }
    }
}

impl fmt::Display for Rgb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }
}

/// Why a string is not a `#rrggbb` colour.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a #rrggbb colour: {0:?}")]
pub struct ParseRgbError(String);

impl FromStr for Rgb {
    type Err = ParseRgbError;

    /// Parses `#rrggbb` (case-insensitive; the `#` is required).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseRgbError(s.chars().take(16).collect());
        let hex = s.strip_prefix('#').ok_or_else(err)?;
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(err());
        }
        let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| err());
        Ok(Rgb::new(channel(0)?, channel(2)?, channel(4)?))
    }
}

/// The card's colours, apart from the tier's own.
///
/// The default is a dark theme that sits well in Discord's dark mode:
///
/// ```
/// use leveling_card::{Rgb, Theme};
///
/// let light = Theme {
///     background: "#e9ebef".parse().unwrap(),
///     panel: Rgb::new(0xff, 0xff, 0xff),
///     text: Rgb::new(0x1f, 0x23, 0x28),
///     muted: Rgb::new(0x5c, 0x63, 0x70),
///     ..Theme::default()
/// };
/// assert_ne!(light, Theme::default());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Theme {
    /// Behind everything, the card's outer frame.
    pub background: Rgb,
    /// The rounded panel the content sits on.
    pub panel: Rgb,
    /// The name and the figures.
    pub text: Rgb,
    /// Labels and secondary figures.
    pub muted: Rgb,
    /// The filled part of the progress bar.
    pub bar: Rgb,
    /// The unfilled part of the progress bar.
    pub bar_track: Rgb,
}

impl Default for Theme {
    fn default() -> Self {
        Self {
            background: Rgb::new(0x16, 0x17, 0x1c),
            panel: Rgb::new(0x23, 0x25, 0x2d),
            text: Rgb::new(0xf2, 0xf3, 0xf5),
            muted: Rgb::new(0xa0, 0xa4, 0xb0),
            bar: Rgb::new(0x58, 0x65, 0xf2),
            bar_track: Rgb::new(0x3a, 0x3d, 0x48),
        }
    }
}

/// Colours for tiers that are not one of the seed tiers, cycled by index.
const FALLBACK: [Rgb; 8] = [
    Rgb::new(0x4f, 0xc3, 0xf7),
    Rgb::new(0xf0, 0x62, 0x92),
    Rgb::new(0x81, 0xc7, 0x84),
    Rgb::new(0xff, 0xb7, 0x4d),
    Rgb::new(0xba, 0x68, 0xc8),
    Rgb::new(0x4d, 0xb6, 0xac),
    Rgb::new(0xe5, 0x73, 0x73),
    Rgb::new(0xae, 0xd5, 0x81),
];

/// The default colour of a tier: a fixed one for the seed tiers (Basic, Member,
/// Advanced, Expert, Master; case-insensitive), otherwise one of a palette by `index`
/// (the tier's position in its ladder), so neighbouring tiers differ.
///
/// ```
/// use leveling_card::tier_colour;
///
/// assert_ne!(tier_colour("Member", 1), tier_colour("Expert", 3));
/// assert_eq!(tier_colour("master", 0), tier_colour("Master", 4));
/// assert_ne!(tier_colour("Legend", 5), tier_colour("Mythic", 6));
/// ```
pub fn tier_colour(tier_name: &str, index: usize) -> Rgb {
    match tier_name.trim().to_lowercase().as_str() {
        "basic" => Rgb::new(0x9a, 0xa5, 0xb1),
        "member" => Rgb::new(0x43, 0xb5, 0x81),
        "advanced" => Rgb::new(0x3b, 0x9e, 0xff),
        "expert" => Rgb::new(0xa8, 0x6b, 0xff),
        "master" => Rgb::new(0xf5, 0xb3, 0x01),
        _ => FALLBACK[index % FALLBACK.len()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_round_trip() {
        for s in ["#000000", "#ffffff", "#5865f2"] {
            assert_eq!(s.parse::<Rgb>().unwrap().to_string(), s);
        }
        assert_eq!("#ABCDEF".parse::<Rgb>().unwrap().to_string(), "#abcdef");
    }

    #[test]
    fn rejects_what_is_not_rrggbb() {
        for s in ["", "#", "fff000", "#fff", "#ggg000", "#12345678", "#12345é"] {
            assert!(s.parse::<Rgb>().is_err(), "{s:?}");
        }
    }

    #[test]
    fn seed_tiers_are_distinct() {
        let names = ["Basic", "Member", "Advanced", "Expert", "Master"];
        let colours: std::collections::HashSet<_> = names
            .iter()
            .enumerate()
            .map(|(i, n)| tier_colour(n, i))
            .collect();
        assert_eq!(colours.len(), names.len());
    }

    #[test]
    fn readable_text_contrasts() {
        assert_eq!(
            Rgb::new(0xf5, 0xb3, 0x01).readable_on(),
            Rgb::new(0x11, 0x12, 0x16)
        );
        assert_eq!(
            Rgb::new(0x10, 0x20, 0x60).readable_on(),
            Rgb::new(0xff, 0xff, 0xff)
        );
    }
}
