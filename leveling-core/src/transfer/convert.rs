//! Moving XP from another bot's curve to ours.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{LevelCurve, Progression};

/// What an import of another bot's XP keeps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Keep {
    /// Every member keeps their level and their fraction of the way to the next, under
    /// our curve (their XP is read on [`Mee6Curve`](crate::Mee6Curve), which most bots
    /// copy). The default: a community that switches keeps its levels and reward roles.
    #[default]
    Levels,
    /// The XP total is copied as it is (levels follow our curve).
    Xp,
}

impl FromStr for Keep {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "levels" => Ok(Keep::Levels),
            "xp" => Ok(Keep::Xp),
            other => Err(format!("--keep must be levels or xp, not {other:?}")),
        }
    }
}

/// The XP under `to` at the same level and the same fraction of that level as `xp` is
/// under `from` (rounded down, so a member never lands past where they were). A level
/// above `to`'s maximum stays at the maximum's start.
///
/// ```
/// use leveling_core::transfer::convert_keeping_level;
/// use leveling_core::{Mee6Curve, Progression};
///
/// let ours = Progression::default(); // 100·L² + 50·L
/// assert_eq!(convert_keeping_level(100, &Mee6Curve, &ours), 150); // level 1, exactly
/// assert_eq!(convert_keeping_level(0, &Mee6Curve, &ours), 0);
/// ```
pub fn convert_keeping_level(xp: u64, from: &dyn LevelCurve, to: &Progression) -> u64 {
    let level = from.level_for_xp(xp);
    if level >= to.max_level() {
        return to.xp_for_level(to.max_level());
    }
    let (start, next) = (from.xp_for_level(level), from.xp_for_level(level + 1));
    let (our_start, our_next) = (to.xp_for_level(level), to.xp_for_level(level + 1));
    if next == u64::MAX || our_next == u64::MAX {
        return our_start;
    }
    let into = u128::from(xp - start);
    let span = u128::from(next - start);
    let our_span = u128::from(our_next - our_start);
    // into < span, so the product stays below our_span: the level is kept.
    our_start + (into * our_span / span) as u64
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::Mee6Curve;

    proptest! {
        /// The law of `--keep levels`: same level, fraction kept within one XP, never
        /// past the next level.
        #[test]
        fn keeps_the_level_and_the_fraction(xp in 0u64..1_800_000) {
            let ours = Progression::default();
            let converted = convert_keeping_level(xp, &Mee6Curve, &ours);
            let level = Mee6Curve.level_for_xp(xp);
            prop_assume!(level < ours.max_level());
            prop_assert_eq!(ours.level(converted), level);
            let theirs = (xp - Mee6Curve.xp_for_level(level)) as f64
                / (Mee6Curve.xp_for_level(level + 1) - Mee6Curve.xp_for_level(level)) as f64;
            let progress = ours.progress(converted);
            let span = progress.xp_for_next_level() as f64;
            prop_assert!((progress.xp_into_level() as f64 / span - theirs).abs() <= 1.0 / span);
        }
    }

    #[test]
    fn past_our_maximum_is_our_maximum() {
        let ours = Progression::default();
        let top = ours.xp_for_level(ours.max_level());
        assert_eq!(convert_keeping_level(u64::MAX / 2, &Mee6Curve, &ours), top);
    }
}
