//! XP: awards (batched or alone), admin changes, members, rank, the leaderboard and the
//! history.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use leveling_core::storage::{
    AdjustRequest, Adjusted, Adjustment, AwardRequest, HistoryEntry, MAX_XP, Member, Standing,
    StoredAward, XpStore,
};
use leveling_core::{
    Day, Error, GuildId, MemberId, Page, PageRequest, Result, Source, Streak, UserId,
};

use crate::codec::{clamp_i64, decode_id, encode_id, to_u64};
use crate::errors::db_error;
use crate::retry::retry_races;
use crate::{PostgresStore, award, sql};

/// From this offset on, a leaderboard page starts from the rank buckets instead of
/// skipping every member above it in the index.
const DEEP_PAGE_OFFSET: u64 = 500;

/// A row of [`sql::MEMBER`].
#[derive(sqlx::FromRow)]
struct MemberRow {
    xp: i64,
    streak_day: Option<i64>,
    streak_days: i64,
    xp_reached_at: DateTime<Utc>,
}

impl MemberRow {
    fn into_member(self, id: MemberId) -> Result<Member> {
        Ok(Member {
            id,
            xp: to_u64(self.xp, "xp")?,
            streak: Streak {
                last_claim: self.streak_day.map(Day),
                days: u32::try_from(self.streak_days).unwrap_or(u32::MAX),
            },
            xp_reached_at: self.xp_reached_at,
        })
    }
}

/// The row of [`sql::ADJUST`].
#[derive(sqlx::FromRow)]
struct AdjustedRow {
    before: i64,
    after: i64,
}

/// A row of [`sql::LEADERBOARD`] and [`sql::LEADERBOARD_DEEP`].
#[derive(sqlx::FromRow)]
struct StandingRow {
    user_id: i64,
    xp: i64,
    username: Option<String>,
    display_name: Option<String>,
    avatar_url: Option<String>,
    // NULL for a member without a profile (the join is a LEFT JOIN).
    leaderboard_hidden: Option<bool>,
}

/// A row of [`sql::HISTORY`].
#[derive(sqlx::FromRow)]
struct HistoryRow {
    amount: i64,
    source: String,
    xp_before: i64,
    xp_after: i64,
    actor: Option<i64>,
    reason: Option<String>,
    created_at: DateTime<Utc>,
}

impl HistoryRow {
    fn into_entry(self) -> Result<HistoryEntry> {
        Ok(HistoryEntry {
            amount: self.amount,
            source: self
                .source
                .parse::<Source>()
                .map_err(|e| Error::internal("history: unknown source", e))?,
            xp_before: to_u64(self.xp_before, "xp")?,
            xp_after: to_u64(self.xp_after, "xp")?,
            actor: self.actor.map(|actor| UserId(decode_id(actor))),
            reason: self.reason,
            created_at: self.created_at,
        })
    }
}

#[async_trait]
impl XpStore for PostgresStore {
    async fn award(&self, request: &AwardRequest) -> Result<StoredAward> {
        if let Some(batcher) = &self.batcher
            && let Some(result) = batcher.submit(request).await
        {
            return result;
        }
        self.award_alone(request).await
    }

    async fn adjust(&self, request: &AdjustRequest) -> Result<Adjusted> {
        let (delta, set, reset) = match request.adjustment {
            Adjustment::Add(delta) => (Some(delta), None, false),
            Adjustment::Set(xp) => (None, Some(clamp_i64(xp.min(MAX_XP))), false),
            Adjustment::Reset => (None, None, true),
        };
        let id = request.member;
        let row: AdjustedRow = retry_races("adjust", id, || async {
            sqlx::query_as(sql::ADJUST)
                .bind(encode_id(id.guild.0))
                .bind(encode_id(id.user.0))
                .bind(delta)
                .bind(set)
                .bind(reset)
                .bind(request.actor.map(|actor| encode_id(actor.0)))
                .bind(request.reason.as_deref())
                .bind(request.now)
                .fetch_one(&self.pool)
                .await
                .map(Some)
        })
        .await?;
        Ok(Adjusted {
            xp_before: to_u64(row.before, "xp")?,
            xp_after: to_u64(row.after, "xp")?,
        })
    }

    async fn member(&self, id: MemberId) -> Result<Option<Member>> {
        let row: Option<MemberRow> = sqlx::query_as(sql::MEMBER)
            .bind(encode_id(id.guild.0))
            .bind(encode_id(id.user.0))
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error("member"))?;
        row.map(|row| row.into_member(id)).transpose()
    }

    async fn rank(&self, id: MemberId) -> Result<Option<u64>> {
        let rank: Option<i64> = sqlx::query_scalar(sql::RANK)
            .bind(encode_id(id.guild.0))
            .bind(encode_id(id.user.0))
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error("rank"))?;
        rank.map(|rank| to_u64(rank, "rank")).transpose()
    }

    async fn leaderboard(&self, guild: GuildId, page: PageRequest) -> Result<Page<Standing>> {
        let total: i64 = sqlx::query_scalar(sql::GUILD_MEMBERS)
            .bind(encode_id(guild.0))
            .fetch_one(&self.pool)
            .await
            .map_err(db_error("leaderboard"))?;
        let statement = if page.offset() >= DEEP_PAGE_OFFSET {
            sql::LEADERBOARD_DEEP
        } else {
            sql::LEADERBOARD
        };
        let rows: Vec<StandingRow> = sqlx::query_as(statement)
            .bind(encode_id(guild.0))
            .bind(i64::from(page.limit()))
            .bind(clamp_i64(page.offset()))
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("leaderboard"))?;
        let items = (1..)
            .zip(rows)
            .map(|(position, row)| {
                Ok(Standing {
                    rank: page.offset().saturating_add(position),
                    user: UserId(decode_id(row.user_id)),
                    username: row.username,
                    display_name: row.display_name,
                    avatar_url: row.avatar_url,
                    hidden: row.leaderboard_hidden.unwrap_or(false),
                    xp: to_u64(row.xp, "xp")?,
                })
            })
            .collect::<Result<_>>()?;
        Ok(Page {
            items,
            total: to_u64(total, "member count")?,
        })
    }

    async fn history(&self, id: MemberId, page: PageRequest) -> Result<Page<HistoryEntry>> {
        let total: i64 = sqlx::query_scalar(sql::HISTORY_COUNT)
            .bind(encode_id(id.guild.0))
            .bind(encode_id(id.user.0))
            .fetch_one(&self.pool)
            .await
            .map_err(db_error("history"))?;
        let rows: Vec<HistoryRow> = sqlx::query_as(sql::HISTORY)
            .bind(encode_id(id.guild.0))
            .bind(encode_id(id.user.0))
            .bind(i64::from(page.limit()))
            .bind(clamp_i64(page.offset()))
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("history"))?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(HistoryRow::into_entry)
                .collect::<Result<_>>()?,
            total: to_u64(total, "history length")?,
        })
    }
}

impl PostgresStore {
    /// An award on its own (a batch of one), tried again while it loses races.
    ///
    /// A retry of a keyed award first deletes the member's expired row for that key: the
    /// statement ignores an expired key but cannot insert over it (the key's primary key
    /// is what makes a concurrent duplicate fail), so the first attempt loses to it once.
    async fn award_alone(&self, request: &AwardRequest) -> Result<StoredAward> {
        let mut attempts = 0u32;
        retry_races("award", request.member, || {
            attempts += 1;
            let retry = attempts > 1;
            async move {
                if let (true, Some(key)) = (retry, &request.idempotency_key) {
                    sqlx::query(sql::DELETE_EXPIRED_KEY)
                        .bind(encode_id(request.member.guild.0))
                        .bind(encode_id(request.member.user.0))
                        .bind(key)
                        .bind(request.now)
                        .bind(self.key_window.0)
                        .execute(&self.pool)
                        .await?;
                }
                let mut settled = award::apply(&self.pool, &[request], self.key_window).await?;
                // `Some(Err(_))` is this request's own bad data: final, not a race.
                Ok(settled.pop().and_then(Result::transpose))
            }
        })
        .await?
    }
}
