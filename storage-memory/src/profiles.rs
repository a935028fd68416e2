//! User profiles.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use leveling_core::storage::ProfileStore;
use leveling_core::{NewUser, Page, PageRequest, Result, UserId, UserPatch, UserProfile};

use crate::{MemoryStore, page_bounds, read, write};

#[async_trait]
impl ProfileStore for MemoryStore {
    async fn upsert_user(&self, user: &NewUser, now: DateTime<Utc>) -> Result<(UserProfile, bool)> {
        let mut users = write(&self.users);
        if let Some(profile) = users.get_mut(&user.id) {
            let patch = UserPatch {
                username: Some(user.username.clone()),
                display_name: user.display_name.clone().map(Some),
                avatar_url: user.avatar_url.clone().map(Some),
                leaderboard_hidden: None,
            };
            patch.apply(profile);
            profile.updated_at = now;
            return Ok((profile.clone(), false));
        }
        let profile = UserProfile {
            id: user.id,
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            avatar_url: user.avatar_url.clone(),
            leaderboard_hidden: false,
            created_at: now,
            updated_at: now,
        };
        users.insert(user.id, profile.clone());
        Ok((profile, true))
    }

    async fn update_user(
        &self,
        id: UserId,
        patch: &UserPatch,
        now: DateTime<Utc>,
    ) -> Result<Option<UserProfile>> {
        let mut users = write(&self.users);
        Ok(users.get_mut(&id).map(|profile| {
            patch.apply(profile);
            profile.updated_at = now;
            profile.clone()
        }))
    }

    async fn user(&self, id: UserId) -> Result<Option<UserProfile>> {
        Ok(read(&self.users).get(&id).cloned())
    }

    async fn users(&self, page: PageRequest) -> Result<Page<UserProfile>> {
        let users = read(&self.users);
        let (offset, limit) = page_bounds(page, users.len());
        Ok(Page {
            items: users.values().skip(offset).take(limit).cloned().collect(),
            total: users.len() as u64,
        })
    }
}
