//! Admin changes: `addxp`, `setlevel`, `resetxp`, each recorded with who made it and why.

use super::{AdminResult, Leveling, check_amount, check_reason};
use crate::storage::{AdjustRequest, Adjustment, MAX_XP};
use crate::{Error, MemberId, Result, Source, UserId};

/// Who made an admin change and why: both go into the history row.
///
/// ```
/// use leveling_core::{AdminNote, UserId};
///
/// let note = AdminNote::by(UserId(7)).reason("event prize");
/// assert_eq!(note.actor, Some(UserId(7)));
/// assert_eq!(AdminNote::default().actor, None); // the system, a script, an import
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AdminNote {
    /// The admin who made the change; `None` for the system.
    pub actor: Option<UserId>,
    /// Why (at most [`MAX_REASON_CHARS`](crate::MAX_REASON_CHARS) characters).
    pub reason: Option<String>,
}

impl AdminNote {
    /// A change made by `actor`.
    pub fn by(actor: UserId) -> Self {
        Self {
            actor: Some(actor),
            reason: None,
        }
    }

    /// Adds why (an empty or blank reason is no reason).
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        let reason = reason.into();
        self.reason = (!reason.trim().is_empty()).then_some(reason);
        self
    }
}

impl From<Option<UserId>> for AdminNote {
    fn from(actor: Option<UserId>) -> Self {
        Self {
            actor,
            reason: None,
        }
    }
}

impl From<UserId> for AdminNote {
    fn from(actor: UserId) -> Self {
        Self::by(actor)
    }
}

impl Leveling {
    /// Adds XP as an admin (negative removes it, flooring at 0), recorded with `note`.
    pub async fn add_xp(
        &self,
        member: MemberId,
        delta: i64,
        note: impl Into<AdminNote>,
    ) -> Result<AdminResult> {
        check_amount(delta.unsigned_abs(), self.rules().max_grant)?;
        self.adjust(member, Adjustment::Add(delta), note.into())
            .await
    }

    /// Sets a member's XP to the start of `level` (0 to the maximum level).
    pub async fn set_level(
        &self,
        member: MemberId,
        level: u32,
        note: impl Into<AdminNote>,
    ) -> Result<AdminResult> {
        let progression = self.progression();
        if level > progression.max_level() {
            return Err(Error::InvalidInput(format!(
                "level must be between 0 and {}",
                progression.max_level()
            )));
        }
        let xp = progression.xp_for_level(level).min(MAX_XP);
        self.adjust(member, Adjustment::Set(xp), note.into()).await
    }

    /// Resets a member's XP to 0 and clears their streak.
    pub async fn reset(&self, member: MemberId, note: impl Into<AdminNote>) -> Result<AdminResult> {
        self.adjust(member, Adjustment::Reset, note.into()).await
    }

    async fn adjust(
        &self,
        member: MemberId,
        adjustment: Adjustment,
        note: AdminNote,
    ) -> Result<AdminResult> {
        if let Some(reason) = &note.reason {
            check_reason(reason)?;
        }
        let request = AdjustRequest {
            member,
            adjustment,
            actor: note.actor,
            reason: note.reason,
            now: self.clock().now(),
        };
        let adjusted = self
            .store()
            .adjust(&request)
            .await
            .inspect_err(super::metrics::store_error)?;
        let progression = self.progression();
        let (level_before, level) =
            super::levels(progression, adjusted.xp_before, adjusted.xp_after);
        let unlocked_tools = self
            .level_changed(
                member,
                Source::Admin,
                None,
                (level_before, level),
                adjusted.xp_after,
            )
            .await;
        Ok(AdminResult {
            member,
            xp_before: adjusted.xp_before,
            xp: adjusted.xp_after,
            level_before,
            level,
            tier: progression.tier(level).clone(),
            unlocked_tools,
        })
    }
}
