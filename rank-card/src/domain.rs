//! From leveling's domain onto the card (feature `core`): a guild's [`CardTheme`] as a
//! [`Theme`], a member's [`MemberProgress`] as [`CardData`]. Both adapters (the HTTP
//! card route and Discord's `/rank`) draw the same card from the same values through
//! these.

use leveling_core::{CardTheme, Colour, MemberProgress, Progression, Tiers};

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

/// The card of a member called `name` with `xp` in all at `rank` (`None`: unranked, as
/// a member with a profile but no XP yet), levels and tiers from `progression`.
///
/// ```
/// use leveling_card::card_at;
/// use leveling_core::Progression;
///
/// let card = card_at("Bo", 0, None, &Progression::default(), None);
/// assert_eq!((card.level, card.xp_into_level, card.tier.as_str()), (0, 0, "Basic"));
/// ```
pub fn card_at(
    name: &str,
    xp: u64,
    rank: Option<u64>,
    progression: &Progression,
    avatar: Option<Avatar>,
) -> CardData {
    let progress = progression.progress(xp);
    let tier = progression.tier(progress.level);
    let index = progression
        .tiers()
        .iter()
        .position(|t| t.name == tier.name)
        .unwrap_or(0);
    CardData {
        display_name: name.to_owned(),
        level: progress.level,
        rank,
        tier: tier.name.clone(),
        tier_colour: tier_colour(&tier.name, index),
        xp_into_level: progress.xp_into_level(),
        xp_for_level: progress.xp_for_next_level(),
        total_xp: progress.xp,
        avatar,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_constructors_draw_the_same_card() {
        let progression = Progression::default();
        let progress = MemberProgress {
            member: leveling_core::storage::Member {
                id: leveling_core::MemberId::new(1, 2),
                xp: 12_345,
                streak: Default::default(),
                xp_reached_at: leveling_core::chrono::Utc::now(),
            },
            progress: progression.progress(12_345),
            tier: progression.tier(progression.level(12_345)).clone(),
            rank: Some(4),
        };
        let a = card_for("Cy", &progress, progression.tiers(), None);
        let b = card_at("Cy", 12_345, Some(4), &progression, None);
        assert_eq!(
            (
                a.level,
                a.rank,
                &a.tier,
                a.tier_colour,
                a.xp_into_level,
                a.xp_for_level,
                a.total_xp
            ),
            (
                b.level,
                b.rank,
                &b.tier,
                b.tier_colour,
                b.xp_into_level,
                b.xp_for_level,
                b.total_xp
            )
        );
        assert!(a.xp_into_level < a.xp_for_level);
    }

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
