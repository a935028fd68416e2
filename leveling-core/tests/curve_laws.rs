//! The laws of the level curves, for every `u64` of XP.

use leveling_core::{LevelCurve, Mee6Curve, Progression, QuadraticCurve, Tiers};
use proptest::prelude::*;
use std::sync::Arc;

fn seed() -> QuadraticCurve {
    QuadraticCurve::SEED
}

/// The largest level whose total fits in a u64 (past it the totals saturate).
fn top_level(curve: &dyn LevelCurve) -> u32 {
    curve.level_for_xp(u64::MAX)
}

#[test]
fn seed_values_from_the_design() {
    let c = seed();
    assert_eq!(c.xp_for_level(0), 0);
    assert_eq!(c.xp_for_level(1), 150);
    assert_eq!(c.xp_for_level(10), 10_500);
    assert_eq!(c.xp_for_level(100), 1_005_000);
    assert_eq!(c.level_for_xp(0), 0);
    assert_eq!(c.level_for_xp(149), 0);
    assert_eq!(c.level_for_xp(150), 1);
    assert_eq!(c.level_for_xp(1_004_999), 99);
    assert_eq!(c.level_for_xp(1_005_000), 100);
    // The largest level: 100L² + 50L ≤ 2^64 − 1.
    let top = c.level_for_xp(u64::MAX);
    assert!(c.xp_for_level(top) < u64::MAX);
    assert_eq!(
        c.xp_for_level(top + 1),
        u64::MAX,
        "the next level does not fit"
    );
}

#[test]
fn mee6_values() {
    // Per level 5L² + 50L + 100: 100, 155, 220, …
    assert_eq!(Mee6Curve.xp_for_level(3), 100 + 155 + 220);
    assert_eq!(Mee6Curve.level_for_xp(474), 2);
    assert_eq!(Mee6Curve.level_for_xp(475), 3);
    assert_eq!(Mee6Curve.level_for_xp(u64::MAX), top_level(&Mee6Curve));
}

fn curves() -> Vec<(&'static str, Box<dyn LevelCurve>)> {
    vec![
        ("seed", Box::new(seed())),
        ("mee6", Box::new(Mee6Curve)),
        (
            "quadratic 1,0",
            Box::new(QuadraticCurve::new(1, 0).unwrap()),
        ),
        (
            "quadratic 7,3",
            Box::new(QuadraticCurve::new(7, 3).unwrap()),
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// `level` is total and monotonic: more XP never means a lower level.
    #[test]
    fn level_is_monotonic(a in any::<u64>(), b in any::<u64>()) {
        let (lo, hi) = (a.min(b), a.max(b));
        for (name, curve) in curves() {
            prop_assert!(curve.level_for_xp(lo) <= curve.level_for_xp(hi), "{}", name);
        }
    }

    /// Reaching exactly T(L) gives level L; one XP less gives L − 1.
    #[test]
    fn thresholds_are_exact(level in 1u32..=u32::MAX) {
        for (name, curve) in curves() {
            let top = top_level(&*curve);
            let level = level % top + 1;
            let total = curve.xp_for_level(level);
            prop_assert_eq!(curve.level_for_xp(total), level, "{} at {}", name, level);
            prop_assert_eq!(curve.level_for_xp(total - 1), level - 1, "{} at {}", name, level);
        }
    }

    /// `level_for_xp` is the largest L with T(L) ≤ xp, for any xp at all.
    #[test]
    fn level_is_the_largest_reached(xp in any::<u64>()) {
        for (name, curve) in curves() {
            let level = curve.level_for_xp(xp);
            prop_assert!(curve.xp_for_level(level) <= xp, "{}", name);
            if level < top_level(&*curve) {
                prop_assert!(curve.xp_for_level(level + 1) > xp, "{}", name);
            }
        }
    }

    /// The closed form agrees with the generic binary search.
    #[test]
    fn closed_form_matches_search(xp in any::<u64>(), small in 0u64..20_000_000) {
        #[derive(Debug)]
        struct Searched(QuadraticCurve);
        impl LevelCurve for Searched {
            fn xp_for_level(&self, level: u32) -> u64 { self.0.xp_for_level(level) }
        }
        for x in [xp, small] {
            prop_assert_eq!(seed().level_for_xp(x), Searched(seed()).level_for_xp(x));
        }
    }

    /// Progress within a level lies in [0, 1) below the cap; the level is capped.
    #[test]
    fn progress_is_a_fraction(xp in any::<u64>(), small in 0u64..2_000_000) {
        let progression = Progression::default();
        for x in [xp, small] {
            let p = progression.progress(x);
            prop_assert!(p.level <= 100);
            prop_assert!(p.xp_into_level() <= x);
            match p.next_level_xp {
                Some(next) => {
                    prop_assert!(p.level_xp <= x && x < next);
                    let f = p.fraction();
                    prop_assert!((0.0..1.0).contains(&f), "{}", f);
                }
                None => prop_assert_eq!(p.level, 100),
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// The progression's level (tabulated or not) is the curve's level, capped.
    #[test]
    fn progression_level_is_the_capped_curve_level(xp in any::<u64>(), small in 0u64..50_000_000, cap in 1u32..3000) {
        for (name, curve) in curves() {
            let curve: Arc<dyn LevelCurve> = Arc::from(curve);
            for max in [cap, 100, 200_000] {
                let progression = Progression::new(curve.clone(), max, Tiers::default()).unwrap();
                for x in [xp, small] {
                    prop_assert_eq!(progression.level(x), curve.level_for_xp(x).min(max), "{} cap {}", name, max);
                }
            }
        }
    }
}

#[test]
fn a_custom_cap_and_curve() {
    let progression = Progression::new(Arc::new(Mee6Curve), 5, Tiers::default()).unwrap();
    assert_eq!(progression.level(u64::MAX), 5);
    let p = progression.progress(u64::MAX);
    assert_eq!(
        (p.next_level_xp, p.fraction(), p.xp_for_next_level()),
        (None, 1.0, 0)
    );
    assert!(Progression::new(Arc::new(Mee6Curve), 0, Tiers::default()).is_err());
}
