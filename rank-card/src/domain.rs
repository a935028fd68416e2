//! From leveling's domain onto the card (feature `core`): a guild's [`CardTheme`] as a
//! [`Theme`], a member's [`MemberProgress`] as [`CardData`]. Both adapters (the HTTP
//! card route and Discord's `/rank`) draw the same card from the same values through
//! these.

use leveling_core::{CardTheme, Colour, MemberProgress, Tiers};

use crate::{Avatar, CardData, Rgb, Theme, tier_colour};

fn rgb(colour: Colour) -> Rgb {
    let (r, g, b) = colour.rgb();
    Rgb::new(r, g, b)
}

impl From<CardTheme> for Theme {
    fn from(theme: CardTheme) -> Self {
        Self {
            background: rgb(theme.background),
            panel: rgb(theme.panel),
            text: rgb(theme.text),
            muted: rgb(theme.muted),
            bar: rgb(theme.bar),
            bar_track: rgb(theme.bar_track),
        }
    }
}

/// The card of a member called `name`, from their progress: level, rank, tier (coloured
/// by [`tier_colour`] from its name and position in `tiers`), the XP into the level and
/// the level's span (0 at the maximum level: a full bar), total XP.
///
/// ```
/// use leveling_card::card_for;
/// use leveling_core::{Leveling, MemberId, Award};
/// use leveling_storage_memory::MemoryStore;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> leveling_core::Result<()> {
/// let leveling = Leveling::builder(MemoryStore::new()).build();
/// let member = MemberId::new(1, 42);
/// leveling.award(Award::grant(member, 200)).await?;
/// let progress = leveling.progress(member).await?.expect("has XP");
/// let card = card_for("Ada", &progress, leveling.progression().tiers(), None);
/// assert_eq!((card.level, card.rank, card.total_xp), (1, Some(1), 200));
/// assert_eq!(card.tier, "Basic");
/// # Ok(())
/// # }
/// ```
pub fn card_for(
    name: &str,
    progress: &MemberProgress,
    tiers: &Tiers,
    avatar: Option<Avatar>,
) -> CardData {
    let p = &progress.progress;
    let index = tiers
        .iter()
        .position(|tier| tier.name == progress.tier.name)
        .unwrap_or(0);
    CardData {
        display_name: name.to_owned(),
        level: p.level,
        rank: progress.rank,
        tier: progress.tier.name.clone(),
        tier_colour: tier_colour(&progress.tier.name, index),
        xp_into_level: p.xp_into_level(),
        xp_for_level: p.xp_for_next_level(),
        total_xp: p.xp,
        avatar,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guild_theme_maps_colour_by_colour() {
        let theme = CardTheme {
            bar: Colour::new(1, 2, 3),
            ..CardTheme::default()
        };
        let mapped = Theme::from(theme);
        assert_eq!(mapped.bar, Rgb::new(1, 2, 3));
        assert_eq!(mapped.panel, rgb(CardTheme::default().panel));
        assert_ne!(mapped.text, mapped.panel);
    }
}
