//! Awards, admin changes and the reads of XP.

use async_trait::async_trait;
use leveling_core::storage::{
    AdjustRequest, Adjusted, AwardRequest, HistoryEntry, Member, Standing, StoredAward, XpStore,
};
use leveling_core::{GuildId, MemberId, Page, PageRequest, Result};

use crate::member::RankKey;
use crate::{MemoryStore, lock, page_bounds, read};

#[async_trait]
impl XpStore for MemoryStore {
    async fn award(&self, request: &AwardRequest) -> Result<StoredAward> {
        Ok(self.update(request.member, request.now, |state| {
            state.award(request, self.idempotency_window)
        }))
    }

    async fn adjust(&self, request: &AdjustRequest) -> Result<Adjusted> {
        Ok(self.update(request.member, request.now, |state| state.adjust(request)))
    }

    async fn member(&self, id: MemberId) -> Result<Option<Member>> {
        Ok(self.shard(id).get(&id).map(|state| state.snapshot(id)))
    }

    async fn rank(&self, id: MemberId) -> Result<Option<u64>> {
        let Some(key) = self.shard(id).get(&id).map(|state| state.rank_key(id.user)) else {
            return Ok(None);
        };
        let position = lock(&self.guild(id.guild)).rank(&key);
        Ok(Some(position as u64 + 1))
    }

    async fn leaderboard(&self, guild: GuildId, page: PageRequest) -> Result<Page<Standing>> {
        let rows: Vec<(u64, RankKey)>;
        let total;
        {
            let guild = self.guild(guild);
            let index = lock(&guild);
            total = index.len();
            let (offset, limit) = page_bounds(page, total);
            rows = index
                .iter_from(offset)
                .take(limit)
                .enumerate()
                .map(|(i, key)| ((offset + i + 1) as u64, key.clone()))
                .collect();
        }
        let users = read(&self.users);
        let items = rows
            .into_iter()
            .map(|(rank, key)| {
                let profile = users.get(&key.user);
                Standing {
                    rank,
                    user: key.user,
                    username: profile.map(|u| u.username.clone()),
                    display_name: profile.and_then(|u| u.display_name.clone()),
                    avatar_url: profile.and_then(|u| u.avatar_url.clone()),
                    hidden: profile.is_some_and(|u| u.leaderboard_hidden),
                    xp: key.xp(),
                }
            })
            .collect();
        Ok(Page {
            items,
            total: total as u64,
        })
    }

    async fn history(&self, id: MemberId, page: PageRequest) -> Result<Page<HistoryEntry>> {
        let shard = self.shard(id);
        let Some(state) = shard.get(&id) else {
            return Ok(Page {
                items: Vec::new(),
                total: 0,
            });
        };
        let total = state.history.len();
        let (offset, limit) = page_bounds(page, total);
        let items = state
            .history
            .iter()
            .rev()
            .skip(offset)
            .take(limit)
            .cloned()
            .collect();
        Ok(Page {
            items,
            total: total as u64,
        })
    }
}
