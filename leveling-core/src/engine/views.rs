//! Reading progress, leaderboards and history; profiles and the tool catalog.

use serde::Serialize;

use super::Leveling;
use crate::storage::{HistoryEntry, Member, StoreStats};
use crate::{
    AccessStatus, Error, Event, GuildId, MemberId, NewTool, NewUser, Page, PageRequest, Progress,
    Result, Tier, Tool, ToolAccess, ToolId, ToolUnlocked, UnlockReason, UserId, UserPatch,
    UserProfile, access,
};

/// A member's standing: XP, level, tier, progress and rank.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MemberProgress {
    /// The stored state.
    pub member: Member,
    /// Level and progress towards the next.
    pub progress: Progress,
    /// The tier of the level.
    pub tier: Tier,
    /// 1-based position in the guild.
    pub rank: Option<u64>,
}

/// One row of a leaderboard, with level and tier derived.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LeaderboardEntry {
    /// 1-based position.
    pub rank: u64,
    /// The user.
    pub user: UserId,
    /// Their username, when they have a profile.
    pub username: Option<String>,
    /// Their display name, when set.
    pub display_name: Option<String>,
    /// Their avatar URL, when set.
    pub avatar_url: Option<String>,
    /// Whether they asked to be left out of the public web leaderboard.
    pub hidden: bool,
    /// Total XP.
    pub xp: u64,
    /// Level.
    pub level: u32,
    /// Tier.
    pub tier: Tier,
}

impl Leveling {
    /// A member's progress and rank; `None` when they never earned XP.
    pub async fn progress(&self, member: MemberId) -> Result<Option<MemberProgress>> {
        let Some(state) = self
            .store()
            .member(member)
            .await
            .inspect_err(super::metrics::store_error)?
        else {
            return Ok(None);
        };
        let rank = self
            .store()
            .rank(member)
            .await
            .inspect_err(super::metrics::store_error)?;
        let progress = self.progression().progress(state.xp);
        Ok(Some(MemberProgress {
            tier: self.progression().tier(progress.level).clone(),
            member: state,
            progress,
            rank,
        }))
    }

    /// A member's 1-based position in their guild.
    pub async fn rank(&self, member: MemberId) -> Result<Option<u64>> {
        self.store()
            .rank(member)
            .await
            .inspect_err(super::metrics::store_error)
    }

    /// A page of a guild's leaderboard.
    pub async fn leaderboard(
        &self,
        guild: GuildId,
        page: PageRequest,
    ) -> Result<Page<LeaderboardEntry>> {
        let standings = self
            .store()
            .leaderboard(guild, page)
            .await
            .inspect_err(super::metrics::store_error)?;
        Ok(standings.map(|standing| {
            let level = self.progression().level(standing.xp);
            LeaderboardEntry {
                rank: standing.rank,
                user: standing.user,
                username: standing.username,
                display_name: standing.display_name,
                avatar_url: standing.avatar_url,
                hidden: standing.hidden,
                xp: standing.xp,
                level,
                tier: self.progression().tier(level).clone(),
            }
        }))
    }

    /// A member's XP history, newest first.
    pub async fn history(&self, member: MemberId, page: PageRequest) -> Result<Page<HistoryEntry>> {
        self.store()
            .history(member, page)
            .await
            .inspect_err(super::metrics::store_error)
    }

    /// Creates (`true`) or updates (`false`) a user's profile.
    pub async fn upsert_user(&self, user: NewUser) -> Result<(UserProfile, bool)> {
        user.validate()?;
        self.store()
            .upsert_user(&user, self.clock().now())
            .await
            .inspect_err(super::metrics::store_error)
    }

    /// Changes the given fields of a profile.
    pub async fn update_user(&self, id: UserId, patch: UserPatch) -> Result<UserProfile> {
        patch.validate()?;
        self.store()
            .update_user(id, &patch, self.clock().now())
            .await
            .inspect_err(super::metrics::store_error)?
            .ok_or_else(|| Error::NotFound(format!("user {id}")))
    }

    /// A profile.
    pub async fn user(&self, id: UserId) -> Result<Option<UserProfile>> {
        self.store()
            .user(id)
            .await
            .inspect_err(super::metrics::store_error)
    }

    /// Profiles by id.
    pub async fn users(&self, page: PageRequest) -> Result<Page<UserProfile>> {
        self.store()
            .users(page)
            .await
            .inspect_err(super::metrics::store_error)
    }

    /// Adds a tool to the catalog (its tier must exist; [`Error::Conflict`] for a taken id).
    pub async fn create_tool(&self, tool: NewTool) -> Result<Tool> {
        let tool = tool.into_tool(self.progression().tiers())?;
        self.store()
            .create_tool(&tool)
            .await
            .inspect_err(super::metrics::store_error)?;
        Ok(tool)
    }

    /// The catalog, by required level.
    pub async fn tools(&self) -> Result<Vec<Tool>> {
        self.store()
            .tools()
            .await
            .inspect_err(super::metrics::store_error)
    }

    /// Every tool with the member's access to it.
    pub async fn tool_access(&self, member: MemberId) -> Result<Vec<ToolAccess>> {
        let tools = self
            .store()
            .tools()
            .await
            .inspect_err(super::metrics::store_error)?;
        let level = self.level_of(member).await?;
        let unlocks = self
            .store()
            .unlocks(member)
            .await
            .inspect_err(super::metrics::store_error)?;
        Ok(tools
            .iter()
            .map(|tool| access(tool, level, &unlocks))
            .collect())
    }

    /// Grants a tool (idempotent). Emits `tool_unlocked` when the member could not use it
    /// before. [`Error::NotFound`] for an unknown tool.
    pub async fn grant_tool(&self, member: MemberId, tool: &ToolId) -> Result<ToolAccess> {
        let tools = self
            .store()
            .tools()
            .await
            .inspect_err(super::metrics::store_error)?;
        let tool = tools
            .into_iter()
            .find(|t| &t.id == tool)
            .ok_or_else(|| Error::NotFound(format!("tool {tool}")))?;
        let level = self.level_of(member).await?;
        let before = access(
            &tool,
            level,
            &self
                .store()
                .unlocks(member)
                .await
                .inspect_err(super::metrics::store_error)?,
        );
        self.store()
            .record_unlock(member, &tool.id, UnlockReason::Grant, self.clock().now())
            .await
            .inspect_err(super::metrics::store_error)?;
        if before.status == AccessStatus::Locked {
            self.emit(&Event::ToolUnlocked(ToolUnlocked {
                member,
                tool: tool.clone(),
                reason: UnlockReason::Grant,
            }));
        }
        Ok(access(
            &tool,
            level,
            &self
                .store()
                .unlocks(member)
                .await
                .inspect_err(super::metrics::store_error)?,
        ))
    }

    /// Whether a user is known: they have a profile or XP in `guild`.
    pub async fn user_exists(&self, member: MemberId) -> Result<bool> {
        Ok(self
            .store()
            .user(member.user)
            .await
            .inspect_err(super::metrics::store_error)?
            .is_some()
            || self
                .store()
                .member(member)
                .await
                .inspect_err(super::metrics::store_error)?
                .is_some())
    }

    /// Store totals.
    pub async fn stats(&self) -> Result<StoreStats> {
        self.store()
            .stats()
            .await
            .inspect_err(super::metrics::store_error)
    }

    /// `Ok` when the store can serve requests.
    pub async fn health(&self) -> Result<()> {
        self.store()
            .health()
            .await
            .inspect_err(super::metrics::store_error)
    }

    async fn level_of(&self, member: MemberId) -> Result<u32> {
        let xp = self
            .store()
            .member(member)
            .await
            .inspect_err(super::metrics::store_error)?
            .map_or(0, |m| m.xp);
        Ok(self.progression().level(xp))
    }
}
