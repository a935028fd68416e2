//! The `no_xp` section: channels and roles that earn nothing (or the only ones that earn).

use serde::{Deserialize, Serialize};

use super::AwardContext;
use crate::{ChannelId, RoleId};

/// How the lists of [`NoXp`] are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoXpMode {
    /// `"deny"`: the listed channels and roles earn **no** XP; everything else does.
    Deny,
    /// `"allow"`: **only** the listed channels and roles earn XP.
    Allow,
}

/// The `no_xp` section of [`GuildSettings`](super::GuildSettings): where activity earns
/// nothing.
///
/// The rule ([`allows`](Self::allows)):
///
/// - A channel is *listed* when it, or any of its parents (a thread's channel, a
///   channel's category), is in `channels`: a thread inherits from its channel and a
///   channel from its category. A member is *listed* when they hold any role in `roles`.
/// - **deny**: no XP when the channel is listed **or** the member is listed.
/// - **allow**: XP only when the channel is listed **and** the member is listed — both
///   lists are allow-lists.
/// - In both modes an **empty list restricts nothing**: allow mode with only channels
///   listed lets every member earn in those channels; switching to allow mode before
///   listing anything changes nothing.
/// - What the adapter did not report is not judged: an award without a channel (nor
///   parents) passes the channel list in both modes (an API award that names no
///   channel); a member whose roles are not reported holds none.
///
/// ```
/// use leveling_core::{AwardContext, NoXp, NoXpMode};
///
/// let deny = NoXp { mode: NoXpMode::Deny, channels: vec![10.into()], roles: vec![7.into()] };
/// // A thread in a channel of the denied category 10 earns nothing.
/// assert!(!deny.allows(&AwardContext::new().channel(30).parent(20).parent(10)));
/// assert!(!deny.allows(&AwardContext::new().channel(99).roles([7])));
/// assert!(deny.allows(&AwardContext::new().channel(99).roles([8])));
///
/// let allow = NoXp { mode: NoXpMode::Allow, channels: vec![20.into()], roles: vec![] };
/// assert!(allow.allows(&AwardContext::new().channel(30).parent(20)));
/// assert!(!allow.allows(&AwardContext::new().channel(31).parent(21)));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoXp {
    /// How the lists are read.
    pub mode: NoXpMode,
    /// Channels, threads or categories (inherited by what is inside them).
    pub channels: Vec<ChannelId>,
    /// Roles.
    pub roles: Vec<RoleId>,
}

impl Default for NoXp {
    /// Deny mode, nothing listed: everything earns.
    fn default() -> Self {
        Self {
            mode: NoXpMode::Deny,
            channels: Vec::new(),
            roles: Vec::new(),
        }
    }
}

impl NoXp {
    /// Whether activity in `context` may earn XP (see the type's docs for the rule).
    pub fn allows(&self, context: &AwardContext) -> bool {
        // `None` when the list does not apply (empty, or nothing to judge).
        let channel_listed = (!self.channels.is_empty() && context.chain().next().is_some())
            .then(|| context.chain().any(|c| self.channels.contains(&c)));
        let member_listed =
            (!self.roles.is_empty()).then(|| context.roles.iter().any(|r| self.roles.contains(r)));
        match self.mode {
            NoXpMode::Deny => channel_listed != Some(true) && member_listed != Some(true),
            NoXpMode::Allow => channel_listed != Some(false) && member_listed != Some(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_xp(mode: NoXpMode, channels: &[u64], roles: &[u64]) -> NoXp {
        NoXp {
            mode,
            channels: channels.iter().copied().map(ChannelId).collect(),
            roles: roles.iter().copied().map(RoleId).collect(),
        }
    }

    /// A thread 3 in channel 2 in category 1.
    fn thread() -> AwardContext {
        AwardContext::new().channel(3).parent(2).parent(1)
    }

    #[test]
    fn empty_lists_allow_everything_in_both_modes() {
        for mode in [NoXpMode::Deny, NoXpMode::Allow] {
            let rule = no_xp(mode, &[], &[]);
            assert!(rule.allows(&thread().roles([5])), "{mode:?}");
            assert!(rule.allows(&AwardContext::new()), "{mode:?}");
        }
    }

    #[test]
    fn deny_inherits_thread_from_channel_from_category() {
        for listed in [1, 2, 3] {
            let rule = no_xp(NoXpMode::Deny, &[listed], &[]);
            assert!(!rule.allows(&thread()), "listed {listed}");
        }
        // A listed thread does not deny its parent channel, nor its sibling threads.
        let rule = no_xp(NoXpMode::Deny, &[3], &[]);
        assert!(rule.allows(&AwardContext::new().channel(2).parent(1)));
        assert!(rule.allows(&AwardContext::new().channel(4).parent(2).parent(1)));
        // No channel reported: the channel list does not apply.
        assert!(rule.allows(&AwardContext::new()));
    }

    #[test]
    fn deny_roles_any_listed_role_denies() {
        let rule = no_xp(NoXpMode::Deny, &[], &[7, 8]);
        assert!(!rule.allows(&thread().roles([1, 8])));
        assert!(rule.allows(&thread().roles([1, 2])));
        assert!(rule.allows(&thread()));
    }

    #[test]
    fn allow_list_channels() {
        let rule = no_xp(NoXpMode::Allow, &[2], &[]);
        assert!(rule.allows(&thread()), "inherited from channel 2");
        assert!(rule.allows(&AwardContext::new().channel(2)));
        assert!(
            !rule.allows(&AwardContext::new().channel(1)),
            "the category is not listed"
        );
        assert!(!rule.allows(&AwardContext::new().channel(9).parent(8)));
        assert!(rule.allows(&AwardContext::new()), "no channel: not judged");
        // Only a parent reported (a caller that knows the category only): judged by it.
        assert!(rule.allows(&AwardContext::new().parent(2)));
        assert!(!rule.allows(&AwardContext::new().parent(9)));
    }

    #[test]
    fn allow_list_roles_and_channels_both_needed() {
        let rule = no_xp(NoXpMode::Allow, &[1], &[7]);
        assert!(rule.allows(&thread().roles([7])));
        assert!(!rule.allows(&thread().roles([6])), "role not listed");
        assert!(!rule.allows(&thread()), "no roles at all");
        assert!(!rule.allows(&AwardContext::new().channel(9).roles([7])));
        let roles_only = no_xp(NoXpMode::Allow, &[], &[7]);
        assert!(roles_only.allows(&AwardContext::new().channel(9).roles([3, 7])));
        assert!(!roles_only.allows(&AwardContext::new().channel(9).roles([3])));
    }

    #[test]
    fn json_shape() {
        let rule = no_xp(NoXpMode::Allow, &[1], &[2]);
        let json = serde_json::json!({"mode": "allow", "channels": ["1"], "roles": ["2"]});
        assert_eq!(serde_json::to_value(&rule).unwrap(), json);
        assert_eq!(serde_json::from_value::<NoXp>(json).unwrap(), rule);
        assert!(
            serde_json::from_value::<NoXp>(
                serde_json::json!({"mode": "block", "channels": [], "roles": []})
            )
            .is_err()
        );
    }
}
