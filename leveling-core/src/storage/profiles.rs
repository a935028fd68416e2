//! User profiles: global, not per guild.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::{NewUser, Page, PageRequest, Result, UserId, UserPatch, UserProfile};

/// Where user profiles (username, display name, avatar) live.
#[async_trait]
pub trait ProfileStore: Send + Sync + 'static {
    /// Creates the profile (`true`) or updates it (`false`); absent optional fields keep
    /// their stored value.
    async fn upsert_user(&self, user: &NewUser, now: DateTime<Utc>) -> Result<(UserProfile, bool)>;

    /// Applies a patch; `None` when the user has no profile.
    async fn update_user(
        &self,
        id: UserId,
        patch: &UserPatch,
        now: DateTime<Utc>,
    ) -> Result<Option<UserProfile>>;

    /// A profile.
    async fn user(&self, id: UserId) -> Result<Option<UserProfile>>;

    /// Profiles ordered by id.
    async fn users(&self, page: PageRequest) -> Result<Page<UserProfile>>;
}
