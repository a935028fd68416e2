//! Imports, backups, a user's data and its deletion ([`TransferStore`]).
//!
//! Every write is set-based: a batch is a handful of statements over parallel arrays
//! (`unnest`), whatever its size, and keeps the rank counts exact by appending its bucket
//! moves to `xp_bucket_deltas` as the award and admin statements do.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use leveling_core::storage::{
    Forgotten, ImportMode, Imported, MAX_XP, Member, Restore, TransferStore, XpImport,
    validate_import, validate_restore,
};
use leveling_core::{Day, GuildId, MemberId, Result, Streak, UserId};

use crate::codec::{clamp_i64, decode_id, encode_id, to_u64};
use crate::errors::db_error;
use crate::retry::retry_races;
use crate::{PostgresStore, sql};

/// A row of [`sql::IMPORT`].
#[derive(sqlx::FromRow)]
struct ImportRow {
    before: Option<i64>,
    after: Option<i64>,
    cur_xp: Option<i64>,
}

/// A row of the member reads ([`sql::MEMBERS_AFTER`] and its siblings).
#[derive(sqlx::FromRow)]
struct MemberRow {
    guild: i64,
    user_id: i64,
    xp: i64,
    streak_day: Option<i64>,
    streak_days: i64,
    xp_reached_at: DateTime<Utc>,
}

impl MemberRow {
    fn into_member(self) -> Result<Member> {
        Ok(Member {
            id: MemberId::new(decode_id(self.guild), decode_id(self.user_id)),
            xp: to_u64(self.xp, "xp")?,
            streak: Streak {
                last_claim: self.streak_day.map(Day),
                days: u32::try_from(self.streak_days).unwrap_or(u32::MAX),
            },
            xp_reached_at: self.xp_reached_at,
        })
    }
}

/// The row of [`sql::FORGET_REST`].
#[derive(sqlx::FromRow)]
struct ForgottenRow {
    profile: i64,
    history: i64,
    unlocks: i64,
}

fn members(rows: Vec<MemberRow>) -> Result<Vec<Member>> {
    rows.into_iter().map(MemberRow::into_member).collect()
}

#[async_trait]
impl TransferStore for PostgresStore {
    async fn import_xp(&self, batch: &XpImport) -> Result<Vec<Imported>> {
        validate_import(batch)?;
        let Some(first) = batch.records.first() else {
            return Ok(Vec::new());
        };
        let users: Vec<i64> = batch.records.iter().map(|r| encode_id(r.user.0)).collect();
        let xp: Vec<i64> = batch.records.iter().map(|r| clamp_i64(r.xp)).collect();
        let add = batch.mode == ImportMode::Add;
        let guild = encode_id(batch.guild.0);
        // One statement, so the batch is atomic without a transaction; a deadlock with a
        // concurrent award (rows taken in another order) rolls it back whole and it runs
        // again.
        let rows: Vec<ImportRow> =
            retry_races("import", MemberId::new(batch.guild, first.user), || async {
                sqlx::query_as(sql::IMPORT)
                    .bind(guild)
                    .bind(&users)
                    .bind(&xp)
                    .bind(add)
                    .bind(batch.now)
                    .bind(batch.reason.as_deref())
                    .fetch_all(&self.pool)
                    .await
                    .map(Some)
            })
            .await?;
        if rows.len() != batch.records.len() {
            return Err(leveling_core::Error::Internal {
                message: format!(
                    "import: the statement returned {} rows for {} records",
                    rows.len(),
                    batch.records.len()
                ),
                source: None,
            });
        }
        rows.into_iter()
            .zip(&batch.records)
            .map(|(row, record)| {
                let (xp_before, xp_after) = match (row.before, row.after) {
                    (Some(before), Some(after)) => (to_u64(before, "xp")?, to_u64(after, "xp")?),
                    // Unchanged. A replace left the record's XP (or no member, for 0); an
                    // add of more than 0 changed nothing only at the ceiling; an add of 0
                    // left what the member had.
                    _ => {
                        let xp = match batch.mode {
                            ImportMode::Replace => record.xp,
                            ImportMode::Add if record.xp > 0 => MAX_XP,
                            ImportMode::Add => to_u64(row.cur_xp.unwrap_or(0), "xp")?,
                        };
                        (xp, xp)
                    }
                };
                Ok(Imported {
                    user: record.user,
                    xp_before,
                    xp_after,
                })
            })
            .collect()
    }

    async fn restore(&self, batch: &Restore) -> Result<()> {
        validate_restore(batch)?;
        if batch.users.is_empty() && batch.members.is_empty() {
            return Ok(());
        }
        let binds = RestoreBinds::new(batch);
        let member = batch
            .members
            .first()
            .map_or(MemberId::new(0, 0), |r| r.member.id);
        retry_races("restore", member, || async {
            let mut tx = self.pool.begin().await?;
            binds.run(&mut tx).await?;
            tx.commit().await?;
            Ok(Some(()))
        })
        .await
    }

    async fn members_after(
        &self,
        guild: Option<GuildId>,
        after: Option<MemberId>,
        limit: u32,
    ) -> Result<Vec<Member>> {
        let limit = i64::from(limit);
        let query = match (guild, after) {
            (None, None) => sqlx::query_as(sql::MEMBERS_FIRST).bind(limit),
            (None, Some(after)) => sqlx::query_as(sql::MEMBERS_AFTER)
                .bind(encode_id(after.guild.0))
                .bind(encode_id(after.user.0))
                .bind(limit),
            (Some(guild), None) => sqlx::query_as(sql::GUILD_MEMBERS_FIRST)
                .bind(encode_id(guild.0))
                .bind(limit),
            (Some(guild), Some(after)) => sqlx::query_as(sql::GUILD_MEMBERS_AFTER)
                .bind(encode_id(guild.0))
                .bind(encode_id(after.guild.0))
                .bind(encode_id(after.user.0))
                .bind(limit),
        };
        let rows: Vec<MemberRow> = query
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("members after"))?;
        members(rows)
    }

    async fn user_members(&self, user: UserId) -> Result<Vec<Member>> {
        let rows: Vec<MemberRow> = sqlx::query_as(sql::USER_MEMBERS)
            .bind(encode_id(user.0))
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("user members"))?;
        members(rows)
    }

    async fn forget_user(&self, user: UserId) -> Result<Forgotten> {
        let id = encode_id(user.0);
        retry_races("forget user", MemberId::new(0, user.0), || async {
            let mut tx = self.pool.begin().await?;
            let guilds: Vec<i64> = sqlx::query_scalar(sql::FORGET_MEMBERS)
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
            let rest: ForgottenRow = sqlx::query_as(sql::FORGET_REST)
                .bind(id)
                .bind(&guilds)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(Some(Forgotten {
                profile: rest.profile > 0,
                members: guilds.len() as u64,
                history: u64::try_from(rest.history).unwrap_or(0),
                unlocks: u64::try_from(rest.unlocks).unwrap_or(0),
            }))
        })
        .await
    }
}

/// A restore batch as the statements' parallel arrays, built once and bound again on a
/// retry.
struct RestoreBinds<'a> {
    user_id: Vec<i64>,
    username: Vec<&'a str>,
    display_name: Vec<Option<&'a str>>,
    avatar_url: Vec<Option<&'a str>>,
    hidden: Vec<bool>,
    created_at: Vec<DateTime<Utc>>,
    updated_at: Vec<DateTime<Utc>>,

    guild: Vec<i64>,
    member: Vec<i64>,
    xp: Vec<i64>,
    reached: Vec<DateTime<Utc>>,
    streak_day: Vec<Option<i64>>,
    streak_days: Vec<i64>,

    h_guild: Vec<i64>,
    h_user: Vec<i64>,
    h_amount: Vec<i64>,
    h_source: Vec<&'static str>,
    h_before: Vec<i64>,
    h_after: Vec<i64>,
    h_actor: Vec<Option<i64>>,
    h_reason: Vec<Option<&'a str>>,
    h_at: Vec<DateTime<Utc>>,

    u_guild: Vec<i64>,
    u_user: Vec<i64>,
    u_tool: Vec<&'a str>,
    u_reason: Vec<&'static str>,
    u_at: Vec<DateTime<Utc>>,
}

impl<'a> RestoreBinds<'a> {
    fn new(batch: &'a Restore) -> Self {
        let mut binds = RestoreBinds {
            user_id: Vec::new(),
            username: Vec::new(),
            display_name: Vec::new(),
            avatar_url: Vec::new(),
            hidden: Vec::new(),
            created_at: Vec::new(),
            updated_at: Vec::new(),
            guild: Vec::new(),
            member: Vec::new(),
            xp: Vec::new(),
            reached: Vec::new(),
            streak_day: Vec::new(),
            streak_days: Vec::new(),
            h_guild: Vec::new(),
            h_user: Vec::new(),
            h_amount: Vec::new(),
            h_source: Vec::new(),
            h_before: Vec::new(),
            h_after: Vec::new(),
            h_actor: Vec::new(),
            h_reason: Vec::new(),
            h_at: Vec::new(),
            u_guild: Vec::new(),
            u_user: Vec::new(),
            u_tool: Vec::new(),
            u_reason: Vec::new(),
            u_at: Vec::new(),
        };
        for user in &batch.users {
            binds.user_id.push(encode_id(user.id.0));
            binds.username.push(&user.username);
            binds.display_name.push(user.display_name.as_deref());
            binds.avatar_url.push(user.avatar_url.as_deref());
            binds.hidden.push(user.leaderboard_hidden);
            binds.created_at.push(user.created_at);
            binds.updated_at.push(user.updated_at);
        }
        for record in &batch.members {
            let m = &record.member;
            let (guild, user) = (encode_id(m.id.guild.0), encode_id(m.id.user.0));
            binds.guild.push(guild);
            binds.member.push(user);
            binds.xp.push(clamp_i64(m.xp));
            binds.reached.push(m.xp_reached_at);
            binds.streak_day.push(m.streak.last_claim.map(|day| day.0));
            binds.streak_days.push(i64::from(m.streak.days));
            for h in &record.history {
                binds.h_guild.push(guild);
                binds.h_user.push(user);
                binds.h_amount.push(h.amount);
                binds.h_source.push(h.source.as_str());
                binds.h_before.push(clamp_i64(h.xp_before));
                binds.h_after.push(clamp_i64(h.xp_after));
                binds.h_actor.push(h.actor.map(|actor| encode_id(actor.0)));
                binds.h_reason.push(h.reason.as_deref());
                binds.h_at.push(h.created_at);
            }
            for unlock in &record.unlocks {
                binds.u_guild.push(guild);
                binds.u_user.push(user);
                binds.u_tool.push(unlock.tool.as_str());
                binds.u_reason.push(unlock.reason.as_str());
                binds.u_at.push(unlock.at);
            }
        }
        binds
    }

    /// The restore's statements, in the transaction `tx`: profiles, members (locking
    /// them), then their history and unlocks.
    async fn run(&self, tx: &mut sqlx::PgConnection) -> std::result::Result<(), sqlx::Error> {
        if !self.user_id.is_empty() {
            sqlx::query(sql::RESTORE_USERS)
                .bind(&self.user_id)
                .bind(&self.username)
                .bind(&self.display_name)
                .bind(&self.avatar_url)
                .bind(&self.hidden)
                .bind(&self.created_at)
                .bind(&self.updated_at)
                .execute(&mut *tx)
                .await?;
        }
        if self.member.is_empty() {
            return Ok(());
        }
        sqlx::query(sql::RESTORE_MEMBERS)
            .bind(&self.guild)
            .bind(&self.member)
            .bind(&self.xp)
            .bind(&self.reached)
            .bind(&self.streak_day)
            .bind(&self.streak_days)
            .execute(&mut *tx)
            .await?;
        sqlx::query(sql::RESTORE_HISTORY)
            .bind(&self.guild)
            .bind(&self.member)
            .bind(&self.h_guild)
            .bind(&self.h_user)
            .bind(&self.h_amount)
            .bind(&self.h_source)
            .bind(&self.h_before)
            .bind(&self.h_after)
            .bind(&self.h_actor)
            .bind(&self.h_reason)
            .bind(&self.h_at)
            .execute(&mut *tx)
            .await?;
        if !self.u_tool.is_empty() {
            sqlx::query(sql::RESTORE_UNLOCKS)
                .bind(&self.u_guild)
                .bind(&self.u_user)
                .bind(&self.u_tool)
                .bind(&self.u_reason)
                .bind(&self.u_at)
                .execute(&mut *tx)
                .await?;
        }
        Ok(())
    }
}
