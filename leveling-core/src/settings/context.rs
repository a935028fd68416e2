//! What an adapter knows about where an award happened and who earned it.

use serde::{Deserialize, Serialize};

use crate::{ChannelId, RoleId};

/// Where an activity happened and the roles of the member, as an adapter reports them:
/// everything the [no-XP rule](super::NoXp::allows) and the
/// [multipliers](super::Multipliers::factor) look at. The adapter only reports; the
/// rules decide.
///
/// `parents` lists the containers of the channel, **nearest first**: for a message in a
/// thread, the thread is the `channel` and the parents are the thread's channel, then
/// that channel's category. A rule set on a parent applies to what is inside it.
///
/// ```
/// use leveling_core::{AwardContext, ChannelId};
///
/// // A thread (30) in channel 20, in category 10, by a member with roles 1 and 2.
/// let context = AwardContext::new().channel(30).parent(20).parent(10).roles([1, 2]);
/// let chain: Vec<_> = context.chain().collect();
/// assert_eq!(chain, [ChannelId(30), ChannelId(20), ChannelId(10)]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwardContext {
    /// The channel (or thread) of the activity, when there is one.
    #[serde(default)]
    pub channel: Option<ChannelId>,
    /// The containers of `channel`, nearest first (thread → channel → category).
    #[serde(default)]
    pub parents: Vec<ChannelId>,
    /// The member's roles, in any order.
    #[serde(default)]
    pub roles: Vec<RoleId>,
}

impl AwardContext {
    /// Nothing known: no channel, no roles (no channel or role rule applies).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the channel (or thread) of the activity.
    pub fn channel(mut self, channel: impl Into<ChannelId>) -> Self {
        self.channel = Some(channel.into());
        self
    }

    /// Adds the next container out (call it for the nearest first).
    pub fn parent(mut self, parent: impl Into<ChannelId>) -> Self {
        self.parents.push(parent.into());
        self
    }

    /// Sets the member's roles.
    pub fn roles<R: Into<RoleId>>(mut self, roles: impl IntoIterator<Item = R>) -> Self {
        self.roles = roles.into_iter().map(Into::into).collect();
        self
    }

    /// Adds one role of the member.
    pub fn role(mut self, role: impl Into<RoleId>) -> Self {
        self.roles.push(role.into());
        self
    }

    /// The channel, then its parents: nearest first.
    pub fn chain(&self) -> impl Iterator<Item = ChannelId> + '_ {
        self.channel.into_iter().chain(self.parents.iter().copied())
    }
}
