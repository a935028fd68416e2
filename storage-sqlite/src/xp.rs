//! XP: awards and admin changes (through the writer), members, rank, leaderboard, history.

use async_trait::async_trait;
use leveling_core::storage::{
    AdjustRequest, Adjusted, AwardRequest, HistoryEntry, Member, Standing, StoredAward, XpStore,
};
use leveling_core::{
    Day, Error, GuildId, MemberId, Page, PageRequest, Result, Source, Streak, UserId,
};
use sqlx::Row;

use crate::batch::{Done, Op};
use crate::codec::{dec, enc, time, xp_u64};
use crate::error::decode;
use crate::{SqliteStore, bounds, mismatch, sql};

/// From this offset on, a leaderboard page starts at the bucket holding that position
/// (found from the bucket counts) instead of skipping every member above it.
const DEEP_PAGE_OFFSET: u64 = 500;

#[async_trait]
impl XpStore for SqliteStore {
    async fn award(&self, request: &AwardRequest) -> Result<StoredAward> {
        match self.write(Op::Award(request.clone())).await? {
            Done::Award(stored) => Ok(stored),
            _ => Err(mismatch()),
        }
    }

    async fn adjust(&self, request: &AdjustRequest) -> Result<Adjusted> {
        match self.write(Op::Adjust(request.clone())).await? {
            Done::Adjusted(adjusted) => Ok(adjusted),
            _ => Err(mismatch()),
        }
    }

    async fn member(&self, id: MemberId) -> Result<Option<Member>> {
        let row = sqlx::query(sql::MEMBER)
            .bind(enc(id.guild.0))
            .bind(enc(id.user.0))
            .fetch_optional(self.readers())
            .await
            .map_err(decode("member"))?;
        let Some(row) = row else { return Ok(None) };
        let context = decode("member");
        let streak_day: Option<i64> = row.try_get("streak_day").map_err(&context)?;
        let streak_days: i64 = row.try_get("streak_days").map_err(&context)?;
        Ok(Some(Member {
            id,
            xp: xp_u64(row.try_get("xp").map_err(&context)?)?,
            streak: Streak {
                last_claim: streak_day.map(Day),
                days: u32::try_from(streak_days).unwrap_or(u32::MAX),
            },
            xp_reached_at: time(row.try_get("xp_reached_at").map_err(&context)?)?,
        }))
    }

    async fn rank(&self, id: MemberId) -> Result<Option<u64>> {
        let rank: Option<i64> = sqlx::query_scalar(sql::RANK)
            .bind(enc(id.guild.0))
            .bind(enc(id.user.0))
            .fetch_optional(self.readers())
            .await
            .map_err(decode("rank"))?;
        rank.map(|rank| {
            u64::try_from(rank).map_err(|_| Error::Internal {
                message: "rank: the bucket counts are negative".into(),
                source: None,
            })
        })
        .transpose()
    }

    async fn leaderboard(&self, guild: GuildId, page: PageRequest) -> Result<Page<Standing>> {
        let context = decode("leaderboard");
        let guild_id = enc(guild.0);
        let (limit, offset) = bounds(page);
        // One read transaction: the total and the page come from one snapshot.
        let mut tx = self.readers().begin().await.map_err(&context)?;
        let total: i64 = sqlx::query_scalar(sql::GUILD_MEMBERS)
            .bind(guild_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(&context)?;
        let total = u64::try_from(total).unwrap_or(0);
        if page.offset() >= total {
            return Ok(Page {
                items: Vec::new(),
                total,
            });
        }
        let (from_bucket, skipped) = if page.offset() >= DEEP_PAGE_OFFSET {
            start_bucket(&mut tx, guild_id, offset).await?
        } else {
            (i64::MAX, 0)
        };
        let rows = sqlx::query(sql::LEADERBOARD)
            .bind(guild_id)
            .bind(from_bucket)
            .bind(limit)
            .bind(offset - skipped)
            .fetch_all(&mut *tx)
            .await
            .map_err(&context)?;
        let mut items = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            items.push(Standing {
                rank: page.offset().saturating_add(i as u64 + 1),
                user: UserId(dec(row.try_get("user_id").map_err(&context)?)),
                username: row.try_get("username").map_err(&context)?,
                display_name: row.try_get("display_name").map_err(&context)?,
                avatar_url: row.try_get("avatar_url").map_err(&context)?,
                hidden: row
                    .try_get::<Option<bool>, _>("leaderboard_hidden")
                    .map_err(&context)?
                    .unwrap_or(false),
                xp: xp_u64(row.try_get("xp").map_err(&context)?)?,
            });
        }
        Ok(Page { items, total })
    }

    async fn history(&self, id: MemberId, page: PageRequest) -> Result<Page<HistoryEntry>> {
        let context = decode("history");
        let (limit, offset) = bounds(page);
        let mut tx = self.readers().begin().await.map_err(&context)?;
        let total: i64 = sqlx::query_scalar(sql::HISTORY_COUNT)
            .bind(enc(id.guild.0))
            .bind(enc(id.user.0))
            .fetch_one(&mut *tx)
            .await
            .map_err(&context)?;
        let rows = sqlx::query(sql::HISTORY)
            .bind(enc(id.guild.0))
            .bind(enc(id.user.0))
            .bind(limit)
            .bind(offset)
            .fetch_all(&mut *tx)
            .await
            .map_err(&context)?;
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            let source: String = row.try_get("source").map_err(&context)?;
            let actor: Option<i64> = row.try_get("actor").map_err(&context)?;
            items.push(HistoryEntry {
                amount: row.try_get("amount").map_err(&context)?,
                source: source
                    .parse::<Source>()
                    .map_err(|e| Error::internal("history: unknown source", e))?,
                xp_before: xp_u64(row.try_get("xp_before").map_err(&context)?)?,
                xp_after: xp_u64(row.try_get("xp_after").map_err(&context)?)?,
                actor: actor.map(|a| UserId(dec(a))),
                reason: row.try_get("reason").map_err(&context)?,
                created_at: time(row.try_get("created_at").map_err(&context)?)?,
            });
        }
        Ok(Page {
            items,
            total: u64::try_from(total).unwrap_or(0),
        })
    }
}

/// The bucket holding position `offset` (0-based) and how many members rank above it.
async fn start_bucket(
    tx: &mut sqlx::SqliteConnection,
    guild: i64,
    offset: i64,
) -> Result<(i64, i64)> {
    let context = decode("leaderboard");
    let groups: Vec<(i64, i64)> = sqlx::query_as(sql::GROUPS_DESC)
        .bind(guild)
        .fetch_all(&mut *tx)
        .await
        .map_err(&context)?;
    let mut skipped = 0;
    let Some(grp) = groups.into_iter().find_map(|(grp, members)| {
        if skipped + members > offset {
            Some(grp)
        } else {
            skipped += members;
            None
        }
    }) else {
        return Ok((i64::MAX, 0));
    };
    let buckets: Vec<(i64, i64)> = sqlx::query_as(sql::BUCKETS_DESC)
        .bind(guild)
        .bind(grp)
        .fetch_all(&mut *tx)
        .await
        .map_err(&context)?;
    for (bucket, members) in buckets {
        if skipped + members > offset {
            return Ok((bucket, skipped));
        }
        skipped += members;
    }
    Err(Error::Internal {
        message: "leaderboard: the bucket counts disagree with the group counts".into(),
        source: None,
    })
}
