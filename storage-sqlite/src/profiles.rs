//! User profiles: writes through the writer, reads from the pool.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use leveling_core::storage::ProfileStore;
use leveling_core::{NewUser, Page, PageRequest, Result, UserId, UserPatch, UserProfile};

use crate::batch::{Done, Op, user_profile};
use crate::codec::enc;
use crate::error::decode;
use crate::{SqliteStore, bounds, mismatch, sql};

#[async_trait]
impl ProfileStore for SqliteStore {
    async fn upsert_user(&self, user: &NewUser, now: DateTime<Utc>) -> Result<(UserProfile, bool)> {
        match self.write(Op::UpsertUser(user.clone(), now)).await? {
            Done::Upserted(profile, created) => Ok((profile, created)),
            _ => Err(mismatch()),
        }
    }

    async fn update_user(
        &self,
        id: UserId,
        patch: &UserPatch,
        now: DateTime<Utc>,
    ) -> Result<Option<UserProfile>> {
        match self.write(Op::UpdateUser(id, patch.clone(), now)).await? {
            Done::Updated(profile) => Ok(profile),
            _ => Err(mismatch()),
        }
    }

    async fn user(&self, id: UserId) -> Result<Option<UserProfile>> {
        let row = sqlx::query(sql::USER)
            .bind(enc(id.0))
            .fetch_optional(self.readers())
            .await
            .map_err(decode("user"))?;
        row.as_ref().map(user_profile).transpose()
    }

    async fn users(&self, page: PageRequest) -> Result<Page<UserProfile>> {
        let context = decode("users");
        let (limit, offset) = bounds(page);
        let mut tx = self.readers().begin().await.map_err(&context)?;
        let total: i64 = sqlx::query_scalar(sql::USER_COUNT)
            .fetch_one(&mut *tx)
            .await
            .map_err(&context)?;
        let rows = sqlx::query(sql::USERS)
            .bind(limit)
            .bind(offset)
            .fetch_all(&mut *tx)
            .await
            .map_err(&context)?;
        let items = rows.iter().map(user_profile).collect::<Result<Vec<_>>>()?;
        Ok(Page {
            items,
            total: u64::try_from(total).unwrap_or(0),
        })
    }
}
