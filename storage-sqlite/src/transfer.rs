//! Imports, backups, a user's data and its deletion.
//!
//! Imports are member writes like awards: the writer loads every member of the batch
//! with one statement, applies the records in Rust and writes the changed members, their
//! history rows and the rank count moves back with one more, inside its transaction (so
//! an import batch shares the transaction, and the commit, with awards queued beside it,
//! and is all or nothing). Restores and deletions are a handful of set-based statements
//! each, in the same transaction. Reads page by the primary key or the `members_user`
//! index: no scan.

use std::cmp::Ordering;

use async_trait::async_trait;
use leveling_core::storage::{
    Forgotten, Imported, Member, Restore, TransferStore, XpImport, validate_import,
    validate_restore,
};
use leveling_core::{Day, GuildId, MemberId, Result, Streak, UserId};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::batch::{Done, Op};
use crate::codec::{dec, enc, time, xp_u64};
use crate::error::decode;
use crate::{SqliteStore, mismatch, sql};

#[async_trait]
impl TransferStore for SqliteStore {
    async fn import_xp(&self, batch: &XpImport) -> Result<Vec<Imported>> {
        validate_import(batch)?;
        if batch.records.is_empty() {
            return Ok(Vec::new());
        }
        match self.write(Op::Import(batch.clone())).await? {
            Done::Imported(imported) => Ok(imported),
            _ => Err(mismatch()),
        }
    }

    async fn restore(&self, batch: &Restore) -> Result<()> {
        validate_restore(batch)?;
        if batch.users.is_empty() && batch.members.is_empty() {
            return Ok(());
        }
        match self.write(Op::Restore(Box::new(batch.clone()))).await? {
            Done::Restored => Ok(()),
            _ => Err(mismatch()),
        }
    }

    async fn members_after(
        &self,
        guild: Option<GuildId>,
        after: Option<MemberId>,
        limit: u32,
    ) -> Result<Vec<Member>> {
        let limit = i64::from(limit);
        let query = match (guild, after) {
            (None, None) => sqlx::query(sql::MEMBERS_FIRST).bind(limit),
            (None, Some(after)) => sqlx::query(sql::MEMBERS_AFTER)
                .bind(enc(after.guild.0))
                .bind(enc(after.user.0))
                .bind(limit),
            (Some(guild), after) => match after.map(|after| (after.guild.cmp(&guild), after)) {
                None | Some((Ordering::Less, _)) => sqlx::query(sql::GUILD_MEMBERS_FIRST)
                    .bind(enc(guild.0))
                    .bind(limit),
                Some((Ordering::Equal, after)) => sqlx::query(sql::GUILD_MEMBERS_AFTER)
                    .bind(enc(guild.0))
                    .bind(enc(after.user.0))
                    .bind(limit),
                // Past the guild already: nothing of it is left.
                Some((Ordering::Greater, _)) => return Ok(Vec::new()),
            },
        };
        let rows = query
            .fetch_all(self.readers())
            .await
            .map_err(decode("members"))?;
        rows.iter().map(member).collect()
    }

    async fn user_members(&self, user: UserId) -> Result<Vec<Member>> {
        let rows = sqlx::query(sql::USER_MEMBERS)
            .bind(enc(user.0))
            .fetch_all(self.readers())
            .await
            .map_err(decode("a user's members"))?;
        rows.iter().map(member).collect()
    }

    async fn forget_user(&self, user: UserId) -> Result<Forgotten> {
        match self.write(Op::Forget(user)).await? {
            Done::Forgotten(forgotten) => Ok(forgotten),
            _ => Err(mismatch()),
        }
    }
}

/// A member row with its id (see `member_columns!` in `sql`).
fn member(row: &SqliteRow) -> Result<Member> {
    let context = decode("members");
    let streak_day: Option<i64> = row.try_get("streak_day").map_err(&context)?;
    let streak_days: i64 = row.try_get("streak_days").map_err(&context)?;
    Ok(Member {
        id: MemberId::new(
            dec(row.try_get("guild").map_err(&context)?),
            dec(row.try_get("user_id").map_err(&context)?),
        ),
        xp: xp_u64(row.try_get("xp").map_err(&context)?)?,
        streak: Streak {
            last_claim: streak_day.map(Day),
            days: u32::try_from(streak_days).unwrap_or(u32::MAX),
        },
        xp_reached_at: time(row.try_get("xp_reached_at").map_err(&context)?)?,
    })
}
