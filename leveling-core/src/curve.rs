//! The level curve: how much total XP each level needs, in exact integer math.

use std::fmt::Debug;

/// A level curve: the **total** XP needed to reach each level.
///
/// Implementations must make `xp_for_level(0) == 0` and `xp_for_level` strictly
/// increasing; a level whose total does not fit in a `u64` returns `u64::MAX` and counts
/// as unreachable. The provided
/// [`level_for_xp`](LevelCurve::level_for_xp) then finds the level of any XP total by
/// binary search; override it when a closed form is faster.
///
/// ```
/// use leveling_core::{LevelCurve, QuadraticCurve};
///
/// let curve = QuadraticCurve::default(); // 100·L² + 50·L
/// assert_eq!(curve.xp_for_level(1), 150);
/// assert_eq!(curve.xp_for_level(10), 10_500);
/// assert_eq!(curve.level_for_xp(149), 0);
/// assert_eq!(curve.level_for_xp(10_500), 10);
/// ```
pub trait LevelCurve: Send + Sync + Debug + 'static {
    /// Total XP needed to reach `level`; `u64::MAX` when it does not fit (unreachable).
    fn xp_for_level(&self, level: u32) -> u64;

    /// The largest reachable level `L` with `xp_for_level(L) <= xp`.
    fn level_for_xp(&self, xp: u64) -> u32 {
        let reached = |level| {
            let total = self.xp_for_level(level);
            total != u64::MAX && total <= xp
        };
        if reached(u32::MAX) {
            return u32::MAX;
        }
        // Invariant: `lo` is reached, `hi` is not.
        let (mut lo, mut hi) = (0u32, u32::MAX);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if reached(mid) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        lo
    }
}

/// `T(L) = a·L² + b·L`: the seed's curve with `a = 100, b = 50` (the default).
///
/// Level 1 needs 150 XP, level 10 needs 10,500, level 100 needs 1,005,000.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuadraticCurve {
    a: u32,
    b: u32,
}

impl QuadraticCurve {
    /// The seed's curve, `100·L² + 50·L`.
    pub const SEED: Self = Self { a: 100, b: 50 };

    /// `a·L² + b·L`; `None` when `a` is zero (the curve would not be quadratic and could
    /// be flat).
    pub const fn new(a: u32, b: u32) -> Option<Self> {
        if a == 0 { None } else { Some(Self { a, b }) }
    }

    fn total(&self, level: u128) -> u128 {
        self.a as u128 * level * level + self.b as u128 * level
    }
}

impl Default for QuadraticCurve {
    fn default() -> Self {
        Self::SEED
    }
}

impl LevelCurve for QuadraticCurve {
    fn xp_for_level(&self, level: u32) -> u64 {
        u64::try_from(self.total(level as u128)).unwrap_or(u64::MAX)
    }

    fn level_for_xp(&self, xp: u64) -> u32 {
        // a·L² + b·L ≤ xp  ⇔  L ≤ (√(b² + 4a·xp) − b) / 2a. Exact in u128: 4a·xp < 2^98.
        let (a, b, xp) = (self.a as u128, self.b as u128, xp as u128);
        let discriminant = b * b + 4 * a * xp;
        // The 64-bit root is much cheaper and covers every realistic total.
        let root = match u64::try_from(discriminant) {
            Ok(small) => small.isqrt() as u128,
            Err(_) => discriminant.isqrt(),
        };
        let mut level = root.saturating_sub(b) / (2 * a);
        // The integer root can only undershoot; correct by at most a step either way.
        while self.total(level + 1) <= xp {
            level += 1;
        }
        while level > 0 && self.total(level) > xp {
            level -= 1;
        }
        u32::try_from(level).unwrap_or(u32::MAX)
    }
}

/// MEE6's curve: going from level `L` to `L + 1` costs `5·L² + 50·L + 100` XP.
///
/// ```
/// use leveling_core::{LevelCurve, Mee6Curve};
///
/// assert_eq!(Mee6Curve.xp_for_level(1), 100);
/// assert_eq!(Mee6Curve.xp_for_level(2), 255);
/// assert_eq!(Mee6Curve.level_for_xp(254), 1);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mee6Curve;

impl LevelCurve for Mee6Curve {
    fn xp_for_level(&self, level: u32) -> u64 {
        // Σ_{k<L} (5k² + 50k + 100) = 5(L−1)L(2L−1)/6 + 25L(L−1) + 100L.
        let l = level as u128;
        if l == 0 {
            return 0;
        }
        let total = 5 * (l - 1) * l * (2 * l - 1) / 6 + 25 * l * (l - 1) + 100 * l;
        u64::try_from(total).unwrap_or(u64::MAX)
    }
}

/// Where a total of XP stands on a curve: its level and the way to the next one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Progress {
    /// The level (capped at the progression's maximum).
    pub level: u32,
    /// Total XP.
    pub xp: u64,
    /// Total XP at which `level` starts.
    pub level_xp: u64,
    /// Total XP at which the next level starts; `None` at the maximum level.
    pub next_level_xp: Option<u64>,
}

impl Progress {
    /// XP earned since reaching the current level.
    pub fn xp_into_level(&self) -> u64 {
        self.xp - self.level_xp
    }

    /// XP between the current level and the next (0 at the maximum level).
    pub fn xp_for_next_level(&self) -> u64 {
        self.next_level_xp.map_or(0, |next| next - self.level_xp)
    }

    /// XP still missing for the next level (0 at the maximum level).
    pub fn xp_to_next_level(&self) -> u64 {
        self.next_level_xp.map_or(0, |next| next - self.xp)
    }

    /// Progress within the level as a percentage, **rounded down** to hundredths: the one
    /// figure every adapter shows. `99.99` one XP short of the next level (never `100`
    /// below it), `0` at a level's first XP, `100` at the maximum level.
    ///
    /// ```
    /// use leveling_core::Progression;
    ///
    /// let progression = Progression::default(); // level 1 at 150 XP, level 2 at 500
    /// assert_eq!(progression.progress(150).percent(), 0.0);
    /// assert_eq!(progression.progress(499).percent(), 99.71);
    /// assert_eq!(progression.progress(u64::MAX).percent(), 100.0);
    /// ```
    pub fn percent(&self) -> f64 {
        match self.next_level_xp {
            None => 100.0,
            Some(_) => {
                // Exact integer math: a float ratio can round up to 100 on huge spans.
                let hundredths = u128::from(self.xp_into_level()) * 10_000
                    / u128::from(self.xp_for_next_level());
                hundredths as f64 / 100.0
            }
        }
    }

    /// Progress within the level, in `[0, 1)`; `1.0` at the maximum level.
    pub fn fraction(&self) -> f64 {
        match self.next_level_xp {
            None => 1.0,
            Some(_) => {
                let fraction = self.xp_into_level() as f64 / self.xp_for_next_level() as f64;
                // Rounding can reach 1.0 for huge spans; the law is a half-open interval.
                fraction.min(1.0 - f64::EPSILON)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(xp: u64, level_xp: u64, next: Option<u64>) -> Progress {
        Progress {
            level: 1,
            xp,
            level_xp,
            next_level_xp: next,
        }
    }

    #[test]
    fn percent_rounds_down_to_hundredths_and_reaches_100_only_at_the_cap() {
        assert_eq!(progress(150, 150, Some(500)).percent(), 0.0);
        assert_eq!(progress(151, 150, Some(500)).percent(), 0.28);
        assert_eq!(progress(499, 150, Some(500)).percent(), 99.71);
        // One XP short on a span where a rounded ratio would show 100.
        let huge = progress(u64::MAX - 1, 0, Some(u64::MAX));
        assert_eq!(huge.percent(), 99.99);
        assert!(huge.fraction() < 1.0);
        assert_eq!(progress(1_005_000, 1_005_000, None).percent(), 100.0);
        assert_eq!(progress(2, 0, Some(3)).percent(), 66.66);
    }
}
