//! A curve, a level cap and tiers together: everything derived from total XP.

use std::sync::Arc;

use crate::{Error, LevelCurve, Progress, QuadraticCurve, Tier, Tiers};

/// Derives level, progress and tier from total XP. Only total XP is ever stored, so
/// these can never drift from it.
///
/// ```
/// use leveling_core::Progression;
///
/// let progression = Progression::default(); // seed curve, max level 100, seed tiers
/// let progress = progression.progress(10_600);
/// assert_eq!(progress.level, 10);
/// assert_eq!(progress.xp_into_level(), 100);
/// assert_eq!(progression.tier(progress.level).name, "Basic");
/// assert_eq!(progression.level(u64::MAX), 100); // capped; XP keeps accumulating
/// ```
#[derive(Clone, Debug)]
pub struct Progression {
    curve: Arc<dyn LevelCurve>,
    max_level: u32,
    tiers: Tiers,
    /// `T(0..=max_level)`, when the cap is small enough to tabulate: `level(xp)` is then
    /// a binary search over a few cache lines instead of a square root.
    thresholds: Option<Arc<[u64]>>,
}

/// Caps up to this are tabulated (8 bytes a level).
const MAX_TABULATED_LEVEL: u32 = 100_000;

fn thresholds(curve: &dyn LevelCurve, max_level: u32) -> Option<Arc<[u64]>> {
    (max_level <= MAX_TABULATED_LEVEL)
        .then(|| (0..=max_level).map(|l| curve.xp_for_level(l)).collect())
}

impl Progression {
    /// A progression on `curve`, capped at `max_level`, with `tiers`.
    pub fn new(curve: Arc<dyn LevelCurve>, max_level: u32, tiers: Tiers) -> Result<Self, Error> {
        if max_level == 0 {
            return Err(Error::InvalidInput(
                "the maximum level must be at least 1".into(),
            ));
        }
        Ok(Self {
            thresholds: thresholds(&*curve, max_level),
            curve,
            max_level,
            tiers,
        })
    }

    /// The curve.
    pub fn curve(&self) -> &dyn LevelCurve {
        &*self.curve
    }

    /// The highest level; XP keeps accumulating past it.
    pub fn max_level(&self) -> u32 {
        self.max_level
    }

    /// The tiers.
    pub fn tiers(&self) -> &Tiers {
        &self.tiers
    }

    /// The level of a total of XP, capped at [`max_level`](Self::max_level): the same as
    /// `curve.level_for_xp(xp).min(max_level)`, exact.
    pub fn level(&self, xp: u64) -> u32 {
        match &self.thresholds {
            // The levels whose total is reached, minus level 0; unreachable levels
            // (u64::MAX) never count.
            Some(table) => {
                let reached = table.partition_point(|&t| t <= xp && t != u64::MAX);
                (reached.saturating_sub(1)) as u32
            }
            None => self.curve.level_for_xp(xp).min(self.max_level),
        }
    }

    /// Total XP at which `level` starts.
    pub fn xp_for_level(&self, level: u32) -> u64 {
        self.curve.xp_for_level(level)
    }

    /// The tier of a level.
    pub fn tier(&self, level: u32) -> &Tier {
        self.tiers.for_level(level)
    }

    /// Level and progress towards the next level.
    pub fn progress(&self, xp: u64) -> Progress {
        let level = self.level(xp);
        let next_level_xp = (level < self.max_level)
            .then(|| self.curve.xp_for_level(level + 1))
            .filter(|&next| next > xp);
        Progress {
            level,
            xp,
            level_xp: self.curve.xp_for_level(level),
            next_level_xp,
        }
    }
}

impl Default for Progression {
    fn default() -> Self {
        let curve: Arc<dyn LevelCurve> = Arc::new(QuadraticCurve::SEED);
        Self {
            thresholds: thresholds(&*curve, 100),
            curve,
            max_level: 100,
            tiers: Tiers::default(),
        }
    }
}
