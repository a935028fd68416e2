//! What a card shows: [`CardData`].

use crate::colour::Rgb;
use crate::image::Avatar;

/// Everything a rank card shows, as plain data: the integrator maps its members,
/// levels and tiers onto it.
///
/// ```
/// use leveling_card::{tier_colour, CardData};
///
/// let card = CardData {
///     display_name: "Alice".into(),
///     level: 12,
///     rank: Some(3),
///     tier: "Member".into(),
///     tier_colour: tier_colour("Member", 1),
///     xp_into_level: 1_234,
///     xp_for_level: 2_000,
///     total_xp: 45_678,
///     avatar: None,
/// };
/// assert_eq!(card.progress(), 0.617);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CardData {
    /// The member's name as shown; untrusted: it is cleaned, escaped and cut to fit.
    pub display_name: String,
    /// The member's current level.
    pub level: u32,
    /// The member's position on the leaderboard (1 = first), if ranked.
    pub rank: Option<u64>,
    /// The name of the member's reward tier.
    pub tier: String,
    /// The tier's colour: the tier name, the avatar ring and the initials circle use it.
    pub tier_colour: Rgb,
    /// XP earned since reaching `level`.
    pub xp_into_level: u64,
    /// XP between `level` and the next one (the level's span); 0 shows a full bar.
    pub xp_for_level: u64,
    /// All the member's XP.
    pub total_xp: u64,
    /// The member's picture; without one the card shows their initials.
    pub avatar: Option<Avatar>,
}

impl CardData {
    /// How far the member is through the level, from 0.0 to 1.0 (clamped).
    ///
    /// ```
    /// # use leveling_card::{CardData, Rgb};
    /// # let mut card = CardData { display_name: "A".into(), level: 1, rank: None,
    /// #     tier: "Basic".into(), tier_colour: Rgb::new(0, 0, 0), xp_into_level: 0,
    /// #     xp_for_level: 100, total_xp: 0, avatar: None };
    /// card.xp_into_level = 250;
    /// assert_eq!(card.progress(), 1.0);
    /// ```
    pub fn progress(&self) -> f64 {
        if self.xp_for_level == 0 {
            return 1.0;
        }
        (self.xp_into_level as f64 / self.xp_for_level as f64).clamp(0.0, 1.0)
    }
}

/// A one-line description of the card for screen readers (an image's alt text), with
/// the same cleaned name the picture shows, uncut.
///
/// ```
/// use leveling_card::{alt_text, CardData, Rgb};
///
/// let card = CardData {
///     display_name: "Alice".into(),
///     level: 12,
///     rank: Some(3),
///     tier: "Member".into(),
///     tier_colour: Rgb::new(0x43, 0xb5, 0x81),
///     xp_into_level: 1_234,
///     xp_for_level: 2_000,
///     total_xp: 45_678,
///     avatar: None,
/// };
/// assert_eq!(
///     alt_text(&card),
///     "Rank card: Alice, level 12 (Member), rank #3, 1,234 / 2,000 XP to level 13, 45,678 XP in all"
/// );
/// ```
pub fn alt_text(data: &CardData) -> String {
    use crate::text::{clean, thousands};

    let name = clean(&data.display_name);
    let name = if name.is_empty() {
        "?".to_owned()
    } else {
        name
    };
    let rank = data
        .rank
        .map(|r| format!(", rank #{}", thousands(r)))
        .unwrap_or_default();
    let next = u64::from(data.level) + 1;
    format!(
        "Rank card: {name}, level {level} ({tier}){rank}, {into} / {span} XP to level {next}, {total} XP in all",
        level = thousands(u64::from(data.level)),
        tier = clean(&data.tier),
        into = thousands(data.xp_into_level),
        span = thousands(data.xp_for_level),
        next = thousands(next),
        total = thousands(data.total_xp),
    )
}
