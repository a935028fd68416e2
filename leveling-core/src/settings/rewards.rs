//! The `rewards` section and the reconciliation of reward roles with a member's level.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::RoleId;

/// How reward roles add up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RewardMode {
    /// `"stack"`: a member holds every reward role of a level they reached.
    Stack,
    /// `"replace"`: a member holds only the reward role of the highest level they
    /// reached; the lower ones are taken away.
    Replace,
}

/// What happens to reward roles when a member rejoins the guild.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnRejoin {
    /// `"restore"`: their reward roles are given back at once ([`reward_changes`] with the
    /// level they kept).
    Restore,
    /// `"none"`: nothing is given on rejoin; their next level change reconciles the roles
    /// as usual.
    #[serde(rename = "none")]
    Nothing,
}

/// A role given at a level. JSON `{"level", "role_id"}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RewardRole {
    /// The level that earns it, at most [`MAX_REWARD_LEVEL`](super::MAX_REWARD_LEVEL);
    /// one role per level.
    pub level: u32,
    /// The role; each role is the reward of one level at most.
    pub role_id: RoleId,
}

/// The `rewards` section of [`GuildSettings`](super::GuildSettings): roles given at
/// levels, reconciled by [`reward_changes`] on every level change and (per `on_rejoin`)
/// when a member rejoins.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rewards {
    /// Stack or replace.
    pub mode: RewardMode,
    /// Restore on rejoin, or not.
    pub on_rejoin: OnRejoin,
    /// The reward roles, in any order.
    pub roles: Vec<RewardRole>,
}

impl Default for Rewards {
    /// Stack, restore on rejoin, no reward roles.
    fn default() -> Self {
        Self {
            mode: RewardMode::Stack,
            on_rejoin: OnRejoin::Restore,
            roles: Vec::new(),
        }
    }
}

/// Roles to give and to take away. Both lists are sorted and free of duplicates, and
/// never share a role.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RoleChanges {
    /// Roles the member should get.
    pub add: Vec<RoleId>,
    /// Roles the member should lose.
    pub remove: Vec<RoleId>,
}

impl RoleChanges {
    /// Whether there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.add.is_empty() && self.remove.is_empty()
    }
}

/// What to change so that a member at `level` who holds `member_roles` holds exactly the
/// reward roles they should:
///
/// - **stack**: every reward role of a level ≤ `level`;
/// - **replace**: only the reward role(s) of the highest reward level ≤ `level`.
///
/// Reward roles of higher levels (after a `setlevel` down, say) are removed. Roles that
/// are not reward roles are never touched. A role listed for several levels (which
/// [`validate`](super::GuildSettings::validate) refuses) is kept when any of its entries
/// wants it.
///
/// ```
/// use leveling_core::{reward_changes, RewardMode, RewardRole, Rewards, RoleId};
///
/// let mut rewards = Rewards::default();
/// rewards.roles = vec![
///     RewardRole { level: 5, role_id: RoleId(50) },
///     RewardRole { level: 10, role_id: RoleId(100) },
/// ];
/// // Stack: reaching level 10 with role 50 (and an unrelated role 7) adds 100.
/// let changes = reward_changes(&rewards, 10, &[RoleId(7), RoleId(50)]);
/// assert_eq!((changes.add, changes.remove), (vec![RoleId(100)], vec![]));
///
/// rewards.mode = RewardMode::Replace;
/// let changes = reward_changes(&rewards, 10, &[RoleId(7), RoleId(50)]);
/// assert_eq!((changes.add, changes.remove), (vec![RoleId(100)], vec![RoleId(50)]));
/// ```
pub fn reward_changes(rewards: &Rewards, level: u32, member_roles: &[RoleId]) -> RoleChanges {
    let reached = rewards.roles.iter().filter(|reward| reward.level <= level);
    let wanted: BTreeSet<RoleId> = match rewards.mode {
        RewardMode::Stack => reached.map(|reward| reward.role_id).collect(),
        RewardMode::Replace => {
            let top = reached.clone().map(|reward| reward.level).max();
            reached
                .filter(|reward| Some(reward.level) == top)
                .map(|reward| reward.role_id)
                .collect()
        }
    };
    let held: BTreeSet<RoleId> = member_roles.iter().copied().collect();
    let add = wanted.difference(&held).copied().collect();
    let remove = rewards
        .roles
        .iter()
        .map(|reward| reward.role_id)
        .filter(|role| held.contains(role) && !wanted.contains(role))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    RoleChanges { add, remove }
}

/// What to change when a member at `level` (the level they kept, see
/// [`leave_outcome`](super::leave_outcome)) rejoins holding `member_roles`: per
/// `on_rejoin`, [`reward_changes`] (`restore`) or nothing (`none`).
///
/// ```
/// use leveling_core::{rejoin_changes, OnRejoin, RewardRole, Rewards, RoleId};
///
/// let mut rewards = Rewards::default();
/// rewards.roles = vec![RewardRole { level: 5, role_id: RoleId(50) }];
/// assert_eq!(rejoin_changes(&rewards, 7, &[]).add, [RoleId(50)]);
/// rewards.on_rejoin = OnRejoin::Nothing;
/// assert!(rejoin_changes(&rewards, 7, &[]).is_empty());
/// ```
pub fn rejoin_changes(rewards: &Rewards, level: u32, member_roles: &[RoleId]) -> RoleChanges {
    match rewards.on_rejoin {
        OnRejoin::Restore => reward_changes(rewards, level, member_roles),
        OnRejoin::Nothing => RoleChanges::default(),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn rewards(mode: RewardMode, roles: &[(u32, u64)]) -> Rewards {
        Rewards {
            mode,
            on_rejoin: OnRejoin::Restore,
            roles: roles
                .iter()
                .map(|&(level, role)| RewardRole {
                    level,
                    role_id: RoleId(role),
                })
                .collect(),
        }
    }

    fn ids(roles: &[u64]) -> Vec<RoleId> {
        roles.iter().copied().map(RoleId).collect()
    }

    fn changes(rewards: &Rewards, level: u32, held: &[u64]) -> (Vec<RoleId>, Vec<RoleId>) {
        let changes = reward_changes(rewards, level, &ids(held));
        (changes.add, changes.remove)
    }

    const LADDER: &[(u32, u64)] = &[(10, 100), (5, 50), (20, 200)];

    #[test]
    fn stack_gives_every_reached_role() {
        let stack = rewards(RewardMode::Stack, LADDER);
        assert_eq!(changes(&stack, 4, &[]), (ids(&[]), ids(&[])));
        assert_eq!(changes(&stack, 5, &[]), (ids(&[50]), ids(&[])));
        assert_eq!(changes(&stack, 12, &[]), (ids(&[50, 100]), ids(&[])));
        assert_eq!(changes(&stack, 99, &[100, 1]), (ids(&[50, 200]), ids(&[])));
        assert!(reward_changes(&stack, 12, &ids(&[50, 100, 1])).is_empty());
    }

    #[test]
    fn replace_keeps_only_the_highest_reached_role() {
        let replace = rewards(RewardMode::Replace, LADDER);
        assert_eq!(changes(&replace, 4, &[]), (ids(&[]), ids(&[])));
        assert_eq!(changes(&replace, 5, &[]), (ids(&[50]), ids(&[])));
        assert_eq!(changes(&replace, 12, &[50]), (ids(&[100]), ids(&[50])));
        assert_eq!(
            changes(&replace, 25, &[50, 100, 3]),
            (ids(&[200]), ids(&[50, 100]))
        );
        assert!(reward_changes(&replace, 25, &ids(&[200, 3])).is_empty());
    }

    #[test]
    fn a_level_down_removes_rewards_above_the_level() {
        let stack = rewards(RewardMode::Stack, LADDER);
        assert_eq!(
            changes(&stack, 7, &[50, 100, 200]),
            (ids(&[]), ids(&[100, 200]))
        );
        assert_eq!(
            changes(&stack, 0, &[50, 100, 200]),
            (ids(&[]), ids(&[50, 100, 200]))
        );
        let replace = rewards(RewardMode::Replace, LADDER);
        assert_eq!(changes(&replace, 12, &[200]), (ids(&[100]), ids(&[200])));
        assert_eq!(changes(&replace, 1, &[200]), (ids(&[]), ids(&[200])));
    }

    #[test]
    fn no_rewards_touch_nothing() {
        for mode in [RewardMode::Stack, RewardMode::Replace] {
            assert!(reward_changes(&rewards(mode, &[]), 50, &ids(&[1, 2])).is_empty());
        }
    }

    #[test]
    fn duplicates_are_handled_without_contradiction() {
        // The same role at two levels (refused by validate, tolerated here): wanted when
        // any entry wants it.
        let stack = rewards(RewardMode::Stack, &[(5, 50), (10, 50)]);
        assert_eq!(changes(&stack, 6, &[]), (ids(&[50]), ids(&[])));
        let replace = rewards(RewardMode::Replace, &[(5, 50), (10, 100), (10, 101)]);
        assert_eq!(changes(&replace, 10, &[50]), (ids(&[100, 101]), ids(&[50])));
        // The member listed a role twice.
        assert_eq!(
            changes(&replace, 10, &[50, 50]),
            (ids(&[100, 101]), ids(&[50]))
        );
    }

    #[test]
    fn rejoin_restores_or_not() {
        let mut stack = rewards(RewardMode::Stack, LADDER);
        assert_eq!(
            rejoin_changes(&stack, 12, &ids(&[1])),
            reward_changes(&stack, 12, &ids(&[1]))
        );
        assert_eq!(rejoin_changes(&stack, 12, &[]).add, ids(&[50, 100]));
        stack.on_rejoin = OnRejoin::Nothing;
        assert!(rejoin_changes(&stack, 12, &[]).is_empty());
    }

    #[test]
    fn json_shape() {
        let value = rewards(RewardMode::Replace, &[(5, 50)]);
        let json = serde_json::json!({
            "mode": "replace", "on_rejoin": "restore",
            "roles": [{"level": 5, "role_id": "50"}]
        });
        assert_eq!(serde_json::to_value(&value).unwrap(), json);
        assert_eq!(serde_json::from_value::<Rewards>(json).unwrap(), value);
        let none: OnRejoin = serde_json::from_str("\"none\"").unwrap();
        assert_eq!(none, OnRejoin::Nothing);
        assert_eq!(
            serde_json::to_string(&OnRejoin::Nothing).unwrap(),
            "\"none\""
        );
    }

    proptest! {
        /// Applying the changes reaches a fixed point: a second call has nothing to do,
        /// and non-reward roles survive.
        #[test]
        fn applying_the_changes_is_a_fixed_point(
            replace in any::<bool>(),
            ladder in proptest::collection::vec((0u32..30, 0u64..8), 0..6),
            level in 0u32..40,
            held in proptest::collection::vec(0u64..12, 0..8),
        ) {
            let mode = if replace { RewardMode::Replace } else { RewardMode::Stack };
            let rewards = rewards(mode, &ladder);
            let held = ids(&held);
            let first = reward_changes(&rewards, level, &held);
            prop_assert!(first.add.iter().all(|r| !first.remove.contains(r)));
            let mut after: BTreeSet<RoleId> = held.iter().copied().collect();
            after.retain(|r| !first.remove.contains(r));
            after.extend(first.add.iter().copied());
            let after: Vec<RoleId> = after.into_iter().collect();
            prop_assert!(reward_changes(&rewards, level, &after).is_empty());
            let reward_roles: BTreeSet<RoleId> = rewards.roles.iter().map(|r| r.role_id).collect();
            for role in &held {
                if !reward_roles.contains(role) {
                    prop_assert!(after.contains(role));
                }
            }
        }
    }
}
