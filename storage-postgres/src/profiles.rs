//! Global user profiles.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use leveling_core::storage::ProfileStore;
use leveling_core::{NewUser, Page, PageRequest, Result, UserId, UserPatch, UserProfile};

use crate::codec::{clamp_i64, decode_id, encode_id, to_u64};
use crate::errors::db_error;
use crate::{PostgresStore, sql};

/// A row of [`sql::USER`], [`sql::USERS`] and [`sql::UPDATE_USER`].
#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    display_name: Option<String>,
    avatar_url: Option<String>,
    leaderboard_hidden: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<UserRow> for UserProfile {
    fn from(row: UserRow) -> Self {
        UserProfile {
            id: UserId(decode_id(row.id)),
            username: row.username,
            display_name: row.display_name,
            avatar_url: row.avatar_url,
            leaderboard_hidden: row.leaderboard_hidden,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// The row of [`sql::UPSERT_USER`]: the profile, and whether the statement created it.
#[derive(sqlx::FromRow)]
struct UpsertedRow {
    #[sqlx(flatten)]
    user: UserRow,
    created: bool,
}

#[async_trait]
impl ProfileStore for PostgresStore {
    async fn upsert_user(&self, user: &NewUser, now: DateTime<Utc>) -> Result<(UserProfile, bool)> {
        let row: UpsertedRow = sqlx::query_as(sql::UPSERT_USER)
            .bind(encode_id(user.id.0))
            .bind(&user.username)
            .bind(user.display_name.as_deref())
            .bind(user.avatar_url.as_deref())
            .bind(now)
            .fetch_one(&self.pool)
            .await
            .map_err(db_error("saving a user"))?;
        Ok((row.user.into(), row.created))
    }

    async fn update_user(
        &self,
        id: UserId,
        patch: &UserPatch,
        now: DateTime<Utc>,
    ) -> Result<Option<UserProfile>> {
        let row: Option<UserRow> = sqlx::query_as(sql::UPDATE_USER)
            .bind(encode_id(id.0))
            .bind(patch.username.as_deref())
            .bind(patch.display_name.is_some())
            .bind(patch.display_name.clone().flatten())
            .bind(patch.avatar_url.is_some())
            .bind(patch.avatar_url.clone().flatten())
            .bind(now)
            .bind(patch.leaderboard_hidden)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error("updating a user"))?;
        Ok(row.map(UserProfile::from))
    }

    async fn user(&self, id: UserId) -> Result<Option<UserProfile>> {
        let row: Option<UserRow> = sqlx::query_as(sql::USER)
            .bind(encode_id(id.0))
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error("user"))?;
        Ok(row.map(UserProfile::from))
    }

    async fn users(&self, page: PageRequest) -> Result<Page<UserProfile>> {
        let total: i64 = sqlx::query_scalar(sql::USER_COUNT)
            .fetch_one(&self.pool)
            .await
            .map_err(db_error("users"))?;
        let rows: Vec<UserRow> = sqlx::query_as(sql::USERS)
            .bind(i64::from(page.limit()))
            .bind(clamp_i64(page.offset()))
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("users"))?;
        Ok(Page {
            items: rows.into_iter().map(UserProfile::from).collect(),
            total: to_u64(total, "user count")?,
        })
    }
}
