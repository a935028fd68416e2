//! Imports, backups, a user's own data and its deletion, on top of
//! [`TransferStore`](crate::storage::TransferStore).

use serde::{Deserialize, Serialize};

use super::{Leveling, check_reason, levels};
use crate::storage::{
    Forgotten, Imported, MemberRecord, Restore, XpImport, validate_import, validate_restore,
};
use crate::{
    Event, GuildId, ImportedLevel, MemberId, MembersImported, PageRequest, Result, UserId,
    UserProfile,
};

/// Everything stored about one user: what `/mydata` and `GET /api/users/{id}/export`
/// hand back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserData {
    /// The user.
    pub user: UserId,
    /// Their profile, when they have one.
    pub profile: Option<UserProfile>,
    /// Their progress in every guild, with its history (oldest first) and unlocks.
    pub members: Vec<MemberRecord>,
}

impl Leveling {
    /// Imports a batch of XP into a guild (see
    /// [`TransferStore::import_xp`](crate::storage::TransferStore::import_xp)): all of
    /// it or nothing. Emits one [`Event::MembersImported`] for the members whose level
    /// changed (never a level-up per member), so sinks reconcile reward roles quietly.
    pub async fn import_xp(&self, batch: &XpImport) -> Result<Vec<Imported>> {
        if let Some(reason) = &batch.reason {
            check_reason(reason)?;
        }
        validate_import(batch)?;
        let imported = self.store().import_xp(batch).await?;
        let progression = self.progression();
        let members: Vec<ImportedLevel> = imported
            .iter()
            .filter(|row| row.xp_before != row.xp_after)
            .filter_map(|row| {
                let (old_level, new_level) = levels(progression, row.xp_before, row.xp_after);
                (old_level != new_level).then_some(ImportedLevel {
                    user: row.user,
                    old_level,
                    new_level,
                })
            })
            .collect();
        if !members.is_empty() {
            self.emit(&Event::MembersImported(MembersImported {
                guild: batch.guild,
                members,
            }));
        }
        Ok(imported)
    }

    /// Writes a backup batch back as it was (see [`Restore`]). Emits one
    /// [`Event::MembersImported`] per guild in the batch for its members above level 0.
    pub async fn restore(&self, batch: &Restore) -> Result<()> {
        validate_restore(batch)?;
        self.store().restore(batch).await?;
        let progression = self.progression();
        let mut by_guild: std::collections::BTreeMap<GuildId, Vec<ImportedLevel>> =
            Default::default();
        for record in &batch.members {
            let new_level = progression.level(record.member.xp);
            if new_level > 0 {
                by_guild
                    .entry(record.member.id.guild)
                    .or_default()
                    .push(ImportedLevel {
                        user: record.member.id.user,
                        old_level: 0,
                        new_level,
                    });
            }
        }
        for (guild, members) in by_guild {
            self.emit(&Event::MembersImported(MembersImported { guild, members }));
        }
        Ok(())
    }

    /// One page of a backup: the members after `after` (by guild, then user; only
    /// `guild`'s when given), each with their whole history (oldest first) and unlocks.
    /// An empty page is the end.
    pub async fn export_page(
        &self,
        guild: Option<GuildId>,
        after: Option<MemberId>,
        limit: u32,
    ) -> Result<Vec<MemberRecord>> {
        let members = self.store().members_after(guild, after, limit).await?;
        let mut records = Vec::with_capacity(members.len());
        for member in members {
            records.push(self.member_record(member).await?);
        }
        Ok(records)
    }

    async fn member_record(&self, member: crate::storage::Member) -> Result<MemberRecord> {
        let id = member.id;
        let mut history = Vec::new();
        loop {
            let page = PageRequest::new(PageRequest::MAX_LIMIT, history.len() as u64);
            let rows = self.store().history(id, page).await?.items;
            let done = rows.len() < page.limit() as usize;
            history.extend(rows);
            if done {
                break;
            }
        }
        // The store pages newest first; a backup reads like a log.
        history.reverse();
        let unlocks = self.store().unlocks(id).await?;
        Ok(MemberRecord {
            member,
            history,
            unlocks,
        })
    }

    /// Every guild's own settings (guilds on the defaults have none), for a backup;
    /// only `guild`'s when given.
    pub async fn export_settings(
        &self,
        guild: Option<GuildId>,
    ) -> Result<Vec<(GuildId, crate::GuildSettings)>> {
        let mut settings = Vec::new();
        let mut after = 0;
        loop {
            let rows = self.store().settings_changed(after, 500).await?;
            let Some(last) = rows.last() else { break };
            after = last.version;
            settings.extend(rows.into_iter().filter_map(|row| {
                let wanted = guild.is_none_or(|guild| guild == row.guild);
                row.settings.filter(|_| wanted).map(|s| (row.guild, s))
            }));
        }
        settings.sort_by_key(|(guild, _)| *guild);
        Ok(settings)
    }

    /// Everything stored about a user: their profile and, in every guild, their
    /// progress, history and unlocks.
    pub async fn user_data(&self, user: UserId) -> Result<UserData> {
        let profile = self.store().user(user).await?;
        let mut members = Vec::new();
        for member in self.store().user_members(user).await? {
            members.push(self.member_record(member).await?);
        }
        Ok(UserData {
            user,
            profile,
            members,
        })
    }

    /// Deletes everything stored about a user (see
    /// [`TransferStore::forget_user`](crate::storage::TransferStore::forget_user)).
    pub async fn forget_user(&self, user: UserId) -> Result<Forgotten> {
        self.store().forget_user(user).await
    }
}
