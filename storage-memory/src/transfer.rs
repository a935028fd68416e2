//! Imports, backups, a user's data and its deletion.
//!
//! A batch is validated whole before anything is written, and nothing after validation
//! can fail, so a batch is all or nothing. Readers may see a batch half-way (members are
//! written one shard lock at a time): the in-memory store has no transactions to hide it.

use async_trait::async_trait;
use leveling_core::storage::{
    Forgotten, Imported, Member, MemberRecord, Restore, TransferStore, XpImport, validate_import,
    validate_restore,
};
use leveling_core::{GuildId, MemberId, Result, UserId};

use crate::member::MemberState;
use crate::{MemoryStore, lock, write};

impl MemoryStore {
    /// Writes one backed-up member as it was; cooldowns and idempotency keys stay.
    fn put(&self, record: &MemberRecord) {
        let id = record.member.id;
        let mut shard = self.shard(id);
        let before = shard.get(&id).map(|state| state.rank_key(id.user));
        let state = shard
            .entry(id)
            .or_insert_with(|| MemberState::new(record.member.xp_reached_at));
        state.xp = record.member.xp;
        state.streak = record.member.streak;
        state.reached_at = record.member.xp_reached_at;
        state.history.clone_from(&record.history);
        let after = state.rank_key(id.user);
        if before.as_ref() != Some(&after) {
            self.reindex(id.guild, before.as_ref(), Some(after));
        }
    }

    /// Every member matching `keep`, by guild then user.
    fn members_where(&self, keep: impl Fn(MemberId) -> bool) -> Vec<Member> {
        let mut members: Vec<Member> = self
            .shards
            .iter()
            .flat_map(|shard| {
                lock(shard)
                    .iter()
                    .filter(|(id, _)| keep(**id))
                    .map(|(id, state)| state.snapshot(*id))
                    .collect::<Vec<_>>()
            })
            .collect();
        members.sort_unstable_by_key(|member| member.id);
        members
    }
}

#[async_trait]
impl TransferStore for MemoryStore {
    async fn import_xp(&self, batch: &XpImport) -> Result<Vec<Imported>> {
        validate_import(batch)?;
        Ok(batch
            .records
            .iter()
            .map(|record| {
                let id = MemberId::new(batch.guild, record.user);
                let (xp_before, xp_after) = self.update(id, batch.now, |state| {
                    state.import(batch.mode, record.xp, &batch.reason, batch.now)
                });
                Imported {
                    user: record.user,
                    xp_before,
                    xp_after,
                }
            })
            .collect())
    }

    async fn restore(&self, batch: &Restore) -> Result<()> {
        validate_restore(batch)?;
        {
            let mut users = write(&self.users);
            for user in &batch.users {
                users.insert(user.id, user.clone());
            }
        }
        for record in &batch.members {
            self.put(record);
        }
        let mut unlocks = lock(&self.unlocks);
        for record in &batch.members {
            let list = unlocks.entry(record.member.id).or_default();
            for unlock in &record.unlocks {
                if !list
                    .iter()
                    .any(|u| u.tool == unlock.tool && u.reason == unlock.reason)
                {
                    list.push(unlock.clone());
                }
            }
        }
        Ok(())
    }

    async fn members_after(
        &self,
        guild: Option<GuildId>,
        after: Option<MemberId>,
        limit: u32,
    ) -> Result<Vec<Member>> {
        let mut members = self.members_where(|id| {
            guild.is_none_or(|guild| id.guild == guild) && after.is_none_or(|after| id > after)
        });
        members.truncate(limit as usize);
        Ok(members)
    }

    async fn user_members(&self, user: UserId) -> Result<Vec<Member>> {
        Ok(self.members_where(|id| id.user == user))
    }

    async fn forget_user(&self, user: UserId) -> Result<Forgotten> {
        let mut forgotten = Forgotten {
            profile: write(&self.users).remove(&user).is_some(),
            ..Forgotten::default()
        };
        for shard in self.shards.iter() {
            let mut shard = lock(shard);
            let ids: Vec<MemberId> = shard.keys().filter(|id| id.user == user).copied().collect();
            for id in ids {
                if let Some(state) = shard.remove(&id) {
                    forgotten.members += 1;
                    forgotten.history += state.history.len() as u64;
                    // Still under the shard lock, so no award of this member interleaves.
                    self.reindex(id.guild, Some(&state.rank_key(user)), None);
                }
            }
        }
        let mut unlocks = lock(&self.unlocks);
        unlocks.retain(|id, list| {
            if id.user == user {
                forgotten.unlocks += list.len() as u64;
                false
            } else {
                true
            }
        });
        Ok(forgotten)
    }
}
