//! Reward tiers: contiguous level ranges with a name.

use serde::{Deserialize, Serialize};

use crate::Error;

/// A reward tier: a named, inclusive range of levels.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier {
    /// Display name, also the tier's key (`"Basic"`, `"Member"`, …).
    pub name: String,
    /// First level of the tier.
    pub min_level: u32,
    /// Last level of the tier (inclusive).
    pub max_level: u32,
}

/// An ordered, gap-free list of tiers starting at level 0.
///
/// ```
/// use leveling_core::Tiers;
///
/// let tiers = Tiers::default();
/// assert_eq!(tiers.for_level(0).name, "Basic");
/// assert_eq!(tiers.for_level(11).name, "Member");
/// assert_eq!(tiers.for_level(100).name, "Master");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Tiers(Vec<Tier>);

impl Tiers {
    /// Checks that the tiers start at level 0, are ordered, have no gap or overlap and
    /// unique names.
    pub fn new(tiers: Vec<Tier>) -> Result<Self, Error> {
        let invalid = |message: String| Err(Error::InvalidInput(message));
        let Some(first) = tiers.first() else {
            return invalid("at least one tier is needed".into());
        };
        if first.min_level != 0 {
            return invalid(format!(
                "the first tier ({}) must start at level 0",
                first.name
            ));
        }
        for (index, tier) in tiers.iter().enumerate() {
            if tier.name.trim().is_empty() {
                return invalid("a tier needs a name".into());
            }
            if tier.max_level < tier.min_level {
                return invalid(format!("tier {} ends before it starts", tier.name));
            }
            if tiers[..index]
                .iter()
                .any(|t| t.name.eq_ignore_ascii_case(&tier.name))
            {
                return invalid(format!("tier {} is listed twice", tier.name));
            }
            if let Some(next) = tiers.get(index + 1)
                && next.min_level != tier.max_level.saturating_add(1)
            {
                return invalid(format!(
                    "tier {} must start at level {}, right after tier {}",
                    next.name,
                    tier.max_level.saturating_add(1),
                    tier.name
                ));
            }
        }
        Ok(Self(tiers))
    }

    /// The tier a level belongs to; levels above the last tier stay in the last tier.
    pub fn for_level(&self, level: u32) -> &Tier {
        let index = self.0.partition_point(|tier| tier.min_level <= level);
        &self.0[index.saturating_sub(1)]
    }

    /// The tier with this name (ASCII case-insensitive).
    pub fn by_name(&self, name: &str) -> Option<&Tier> {
        self.0
            .iter()
            .find(|tier| tier.name.eq_ignore_ascii_case(name))
    }

    /// The tiers above `tier`, lowest first (a member who falls to `tier` loses these).
    ///
    /// ```
    /// use leveling_core::Tiers;
    ///
    /// let tiers = Tiers::default();
    /// let above: Vec<_> = tiers.above(tiers.for_level(30)).map(|t| t.name.as_str()).collect();
    /// assert_eq!(above, ["Elite", "Master"]);
    /// ```
    pub fn above<'a>(&'a self, tier: &Tier) -> impl Iterator<Item = &'a Tier> + use<'a> {
        let last = tier.max_level;
        self.0.iter().filter(move |t| t.min_level > last)
    }

    /// All tiers, lowest first.
    pub fn iter(&self) -> impl Iterator<Item = &Tier> {
        self.0.iter()
    }
}

impl Default for Tiers {
    /// The seed's tiers: Basic 0–10, Member 11–25, Advanced 26–50, Elite 51–75, Master 76–100.
    fn default() -> Self {
        let tier = |name: &str, min_level, max_level| Tier {
            name: name.into(),
            min_level,
            max_level,
        };
        Self(vec![
            tier("Basic", 0, 10),
            tier("Member", 11, 25),
            tier("Advanced", 26, 50),
            tier("Elite", 51, 75),
            tier("Master", 76, 100),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_tier_boundaries() {
        let tiers = Tiers::default();
        let names: Vec<_> = [0, 1, 10, 11, 25, 26, 50, 51, 75, 76, 100, 5000]
            .iter()
            .map(|&l| tiers.for_level(l).name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "Basic", "Basic", "Basic", "Member", "Member", "Advanced", "Advanced", "Elite",
                "Elite", "Master", "Master", "Master"
            ]
        );
        assert_eq!(tiers.by_name("elite").unwrap().min_level, 51);
    }

    #[test]
    fn tiers_above_a_tier() {
        let tiers = Tiers::default();
        let names = |tier: &Tier| {
            tiers
                .above(tier)
                .map(|t| t.name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(tiers.for_level(0)),
            ["Member", "Advanced", "Elite", "Master"]
        );
        assert_eq!(names(tiers.for_level(75)), ["Master"]);
        assert!(names(tiers.for_level(100)).is_empty());
    }

    #[test]
    fn invalid_tier_lists_are_rejected() {
        let t = |n: &str, a, b| Tier {
            name: n.into(),
            min_level: a,
            max_level: b,
        };
        assert!(Tiers::new(vec![]).is_err());
        assert!(Tiers::new(vec![t("A", 1, 5)]).is_err());
        assert!(Tiers::new(vec![t("A", 0, 5), t("B", 7, 9)]).is_err());
        assert!(Tiers::new(vec![t("A", 0, 5), t("a", 6, 9)]).is_err());
        assert!(Tiers::new(vec![t("A", 0, 5), t("B", 6, 9)]).is_ok());
    }
}
