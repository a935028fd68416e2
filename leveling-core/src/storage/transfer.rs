//! Moving members in and out of a store (imports, backups) and a user's own data
//! (download, deletion).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{HistoryEntry, Member};
use crate::{GuildId, MemberId, Result, Unlock, UserId, UserProfile};

/// How an import treats a member's XP.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// The file's XP becomes the member's XP. Running the same import twice changes
    /// nothing the second time.
    #[default]
    Replace,
    /// The file's XP is added to what the member has. Not idempotent: every run adds.
    Add,
}

impl ImportMode {
    /// `"replace"` or `"add"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ImportMode::Replace => "replace",
            ImportMode::Add => "add",
        }
    }
}

/// One member's XP in an import.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRecord {
    /// Who.
    pub user: UserId,
    /// The XP to set (replace) or add (add), at most [`MAX_XP`](super::MAX_XP).
    pub xp: u64,
}

/// A batch of an XP import into one guild, for the store to apply atomically: every
/// record or none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XpImport {
    /// The guild the members belong to.
    pub guild: GuildId,
    /// The members, each user at most once (the engine checks).
    pub records: Vec<ImportRecord>,
    /// Set or add.
    pub mode: ImportMode,
    /// The history note (the file's name).
    pub reason: Option<String>,
    /// The time of the import.
    pub now: DateTime<Utc>,
}

/// What an import did to one member.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Imported {
    /// Who.
    pub user: UserId,
    /// XP before.
    pub xp_before: u64,
    /// XP after; equal to `xp_before` when the record changed nothing.
    pub xp_after: u64,
}

/// Everything stored about one member: what a backup holds and a restore writes back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRecord {
    /// The member's state (XP, streak, when the XP was reached).
    pub member: Member,
    /// Their history, **oldest first**.
    pub history: Vec<HistoryEntry>,
    /// Their recorded unlocks (by level and by grant).
    pub unlocks: Vec<Unlock>,
}

/// A batch of a backup to write back as it was, atomically: every row or none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Restore {
    /// Profiles, written as given (timestamps and the hidden flag included).
    pub users: Vec<UserProfile>,
    /// Members, each at most once. A member's state and history become the record's
    /// (their history is replaced, so restoring twice changes nothing); unlocks are
    /// added where missing. Cooldowns and idempotency keys are not part of a backup.
    pub members: Vec<MemberRecord>,
}

/// What [`TransferStore::forget_user`] deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forgotten {
    /// Whether there was a profile.
    pub profile: bool,
    /// Guild memberships (progress) deleted.
    pub members: u64,
    /// History rows deleted.
    pub history: u64,
    /// Recorded unlocks deleted.
    pub unlocks: u64,
}

impl Forgotten {
    /// Whether anything was stored about the user.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Bulk moves in and out of a store, and a user's own data.
#[async_trait]
pub trait TransferStore: Send + Sync + 'static {
    /// Applies an import batch atomically. For each record: the new XP is the record's
    /// (replace) or the member's plus the record's, saturating at
    /// [`MAX_XP`](super::MAX_XP) (add). When it differs from the member's XP, the member
    /// is written (created when absent; `xp_reached_at` becomes `now`; streak kept) with
    /// one history row: source [`Import`](crate::Source::Import), amount = after − before,
    /// no actor, `reason`. A record that changes nothing writes nothing (no member is
    /// created for 0 XP). Returns one [`Imported`] per record, in order.
    ///
    /// [`Error::InvalidInput`](crate::Error::InvalidInput), with nothing written, when a
    /// record's XP exceeds [`MAX_XP`](super::MAX_XP) or a user appears twice.
    async fn import_xp(&self, batch: &XpImport) -> Result<Vec<Imported>>;

    /// Writes a backup batch back atomically; see [`Restore`].
    async fn restore(&self, batch: &Restore) -> Result<()>;

    /// Members ordered by guild, then user, starting after `after` (exclusive), at most
    /// `limit`; only `guild`'s when given. Pages through a whole store for an export.
    async fn members_after(
        &self,
        guild: Option<GuildId>,
        after: Option<MemberId>,
        limit: u32,
    ) -> Result<Vec<Member>>;

    /// Every guild membership of a user, ordered by guild.
    async fn user_members(&self, user: UserId) -> Result<Vec<Member>>;

    /// Deletes everything stored about a user, atomically: their profile, their progress
    /// in every guild, its history, unlocks, cooldowns and idempotency keys. The members
    /// below them move up a rank.
    async fn forget_user(&self, user: UserId) -> Result<Forgotten>;
}

/// Checks the store-independent rules of an import batch (each user once, XP within
/// [`MAX_XP`](super::MAX_XP)), so every store refuses a bad batch the same way.
///
/// ```
/// use leveling_core::storage::{ImportMode, ImportRecord, XpImport, validate_import};
/// use leveling_core::{GuildId, UserId};
///
/// let record = ImportRecord { user: UserId(1), xp: 10 };
/// let batch = XpImport {
///     guild: GuildId(1),
///     records: vec![record, record],
///     mode: ImportMode::Replace,
///     reason: None,
///     now: chrono::Utc::now(),
/// };
/// assert!(validate_import(&batch).is_err());
/// ```
pub fn validate_import(batch: &XpImport) -> Result<()> {
    let mut seen = std::collections::HashSet::with_capacity(batch.records.len());
    for (index, record) in batch.records.iter().enumerate() {
        if record.xp > super::MAX_XP {
            return Err(crate::Error::InvalidInput(format!(
                "import record {}: xp {} is above the maximum {}",
                index + 1,
                record.xp,
                super::MAX_XP
            )));
        }
        if !seen.insert(record.user) {
            return Err(crate::Error::InvalidInput(format!(
                "import record {}: user {} appears twice in one batch",
                index + 1,
                record.user
            )));
        }
    }
    Ok(())
}

/// Checks a restore batch: each member and user once, history amounts consistent
/// enough to store (`xp_before`/`xp_after` within [`MAX_XP`](super::MAX_XP)).
pub fn validate_restore(batch: &Restore) -> Result<()> {
    let mut users = std::collections::HashSet::with_capacity(batch.users.len());
    for user in &batch.users {
        if !users.insert(user.id) {
            return Err(crate::Error::InvalidInput(format!(
                "restore: user {} appears twice in one batch",
                user.id
            )));
        }
    }
    let mut members = std::collections::HashSet::with_capacity(batch.members.len());
    for record in &batch.members {
        let id = record.member.id;
        if !members.insert(id) {
            return Err(crate::Error::InvalidInput(format!(
                "restore: member {} of guild {} appears twice in one batch",
                id.user, id.guild
            )));
        }
        let too_big = record.member.xp > super::MAX_XP
            || record
                .history
                .iter()
                .any(|h| h.xp_before > super::MAX_XP || h.xp_after > super::MAX_XP);
        if too_big {
            return Err(crate::Error::InvalidInput(format!(
                "restore: member {} of guild {} has XP above the maximum {}",
                id.user,
                id.guild,
                super::MAX_XP
            )));
        }
    }
    Ok(())
}
