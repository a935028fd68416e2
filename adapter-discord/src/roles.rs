//! Tier roles: which Discord roles to add and remove when a member's tier changes (up
//! through an award, down through an admin change), as pure functions of the current
//! roles, the new tier and the settings.

use serenity::all::RoleId;

use crate::TierRoles;

/// The roles to add and remove on reaching a tier.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoleChanges {
    /// Roles to add.
    pub add: Vec<RoleId>,
    /// Roles to remove.
    pub remove: Vec<RoleId>,
}

impl RoleChanges {
    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.add.is_empty() && self.remove.is_empty()
    }
}

/// The tier's role when configured and not held yet.
///
/// ```
/// use leveling_discord::{roles::roles_to_add, TierRoles};
/// use serenity::all::RoleId;
///
/// let config = TierRoles::new().with("Member", RoleId::new(2));
/// assert_eq!(roles_to_add(&[], "Member", &config), vec![RoleId::new(2)]);
/// assert!(roles_to_add(&[RoleId::new(2)], "Member", &config).is_empty());
/// ```
pub fn roles_to_add(current: &[RoleId], tier: &str, config: &TierRoles) -> Vec<RoleId> {
    config
        .role_for(tier)
        .filter(|role| !current.contains(role))
        .into_iter()
        .collect()
}

/// The other tiers' roles the member holds, unless lower roles are kept (`keep_lower`),
/// and nothing when the new tier has no role (the member keeps what they have).
///
/// ```
/// use leveling_discord::{roles::roles_to_remove, TierRoles};
/// use serenity::all::RoleId;
///
/// let config = TierRoles::new().with("Basic", RoleId::new(1)).with("Member", RoleId::new(2));
/// let held = [RoleId::new(1), RoleId::new(99)];
/// assert_eq!(roles_to_remove(&held, "Member", &config), vec![RoleId::new(1)]);
/// ```
pub fn roles_to_remove(current: &[RoleId], tier: &str, config: &TierRoles) -> Vec<RoleId> {
    let Some(target) = config.role_for(tier) else {
        return Vec::new();
    };
    if config.keep_lower {
        return Vec::new();
    }
    held_except(current, config.all_roles(), Some(target))
}

/// The roles of `candidates` the member holds, but `keep`, sorted and without repeats.
fn held_except(
    current: &[RoleId],
    candidates: impl Iterator<Item = RoleId>,
    keep: Option<RoleId>,
) -> Vec<RoleId> {
    let mut held: Vec<RoleId> = candidates
        .filter(|role| Some(*role) != keep && current.contains(role))
        .collect();
    held.sort_unstable();
    held.dedup();
    held
}

/// Both lists at once.
pub fn role_changes(current: &[RoleId], tier: &str, config: &TierRoles) -> RoleChanges {
    RoleChanges {
        add: roles_to_add(current, tier, config),
        remove: roles_to_remove(current, tier, config),
    }
}

/// The roles to change when an admin change drops a member to `tier`: the tier's role
/// comes (when configured and not held), and the held roles of the tiers in `above` (the
/// tiers higher than `tier`) go — with `keep_lower` off, every other tier role goes, as on
/// the way up. Unlike a rise, a fall to a tier without a role still takes the higher roles.
///
/// ```
/// use leveling_discord::{roles::demotion_changes, TierRoles};
/// use serenity::all::RoleId;
///
/// let mut config = TierRoles::new().with("Basic", RoleId::new(1)).with("Member", RoleId::new(2));
/// config.keep_lower = true;
/// let changes = demotion_changes(&[RoleId::new(1), RoleId::new(2)], "Basic", &["Member"], &config);
/// assert_eq!(changes.remove, vec![RoleId::new(2)]);
/// assert!(changes.add.is_empty());
/// ```
pub fn demotion_changes(
    current: &[RoleId],
    tier: &str,
    above: &[&str],
    config: &TierRoles,
) -> RoleChanges {
    let target = config.role_for(tier);
    let remove = if config.keep_lower {
        let higher = above.iter().filter_map(|name| config.role_for(name));
        held_except(current, higher, target)
    } else {
        held_except(current, config.all_roles(), target)
    };
    RoleChanges {
        add: roles_to_add(current, tier, config),
        remove,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(id: u64) -> RoleId {
        RoleId::new(id)
    }

    fn config() -> TierRoles {
        TierRoles::new()
            .with("Basic", r(1))
            .with("Member", r(2))
            .with("Advanced", r(3))
    }

    #[test]
    fn reaching_a_tier_adds_its_role_and_removes_lower_ones() {
        let changes = role_changes(&[r(1), r(50)], "Member", &config());
        assert_eq!(changes.add, vec![r(2)]);
        assert_eq!(changes.remove, vec![r(1)]);
    }

    #[test]
    fn roles_of_any_other_tier_are_removed_but_not_unrelated_ones() {
        let changes = role_changes(&[r(1), r(3), r(50)], "Member", &config());
        assert_eq!(changes.add, vec![r(2)]);
        assert_eq!(changes.remove, vec![r(1), r(3)]);
    }

    #[test]
    fn keep_lower_only_adds() {
        let mut keep = config();
        keep.keep_lower = true;
        let changes = role_changes(&[r(1)], "Advanced", &keep);
        assert_eq!(
            changes,
            RoleChanges {
                add: vec![r(3)],
                remove: vec![]
            }
        );
    }

    #[test]
    fn a_fall_takes_the_higher_roles_and_gives_the_tier_role() {
        let changes = demotion_changes(&[r(3), r(50)], "Member", &["Advanced"], &config());
        assert_eq!(changes.add, vec![r(2)]);
        assert_eq!(changes.remove, vec![r(3)]);
        // keep_lower keeps the lower roles, but not the higher ones.
        let mut keep = config();
        keep.keep_lower = true;
        let changes = demotion_changes(&[r(1), r(2), r(3)], "Member", &["Advanced"], &keep);
        assert!(changes.add.is_empty());
        assert_eq!(changes.remove, vec![r(3)]);
        // A fall to a tier with no role still takes the higher ones (a rise would not).
        let changes = demotion_changes(
            &[r(2), r(3)],
            "Newcomer",
            &["Member", "Advanced"],
            &config(),
        );
        assert!(changes.add.is_empty());
        assert_eq!(changes.remove, vec![r(2), r(3)]);
        assert!(role_changes(&[r(2), r(3)], "Newcomer", &config()).is_empty());
    }

    #[test]
    fn nothing_to_do_when_held_or_unconfigured() {
        assert!(role_changes(&[r(2)], "Member", &config()).is_empty());
        // Elite has no role: the member keeps their Advanced role.
        assert!(role_changes(&[r(3)], "Elite", &config()).is_empty());
        assert!(role_changes(&[r(3)], "Member", &TierRoles::new()).is_empty());
        // Tier names match case-insensitively.
        assert_eq!(roles_to_add(&[], "member", &config()), vec![r(2)]);
    }
}
