//! # leveling-storage-postgres
//!
//! The production [`Storage`](leveling_core::Storage) for [`leveling_core`]: PostgreSQL through sqlx, with the
//! schema embedded as migrations.
//!
//! - **One round trip per award.** Idempotency lookup, cooldown check, daily / streak
//!   claim, XP add, history rows, cooldown restart and idempotency key are one SQL
//!   statement (a data-modifying CTE around `INSERT … ON CONFLICT DO UPDATE … WHERE`), so
//!   concurrent awards add up exactly and a cooldown lets exactly one through, across
//!   every process sharing the database. Awards that arrive while others are in flight
//!   share that statement and its commit, each still all-or-nothing
//!   ([`PostgresStore::without_award_batching`] turns that off).
//! - **Cheap exact rank.** A per-guild count of members per XP bucket
//!   (`floor(4·√(xp + 16384)) − 512`), fed by the same statements (appended moves, folded in
//!   the background), turns a member's position into a short sum plus a count within one
//!   bucket; see the crate README for the design and the figures.
//! - **Errors.** A down server, a lost connection or an exhausted pool is
//!   [`ErrorKind::Unavailable`](leveling_core::ErrorKind::Unavailable) (the HTTP adapter
//!   answers 503); the pool reconnects by itself when the server is back. Messages never
//!   contain the connection URL.
//!
//! ```no_run
//! use leveling_core::{Award, Leveling, MemberId};
//! use leveling_storage_postgres::PostgresStore;
//!
//! # async fn run() -> leveling_core::Result<()> {
//! // Connects and runs the embedded migrations.
//! let store = PostgresStore::connect("postgres://postgres@127.0.0.1:5432/test").await?;
//! let leveling = Leveling::builder(store).build();
//! let result = leveling.award(Award::message(MemberId::new(1, 42))).await?;
//! println!("{} XP", result.xp);
//! # Ok(()) }
//! ```
//!
//! Supabase (or any server that requires TLS) works with its URL as given, for example
//! `postgres://postgres.abc:password@aws-0-eu.pooler.supabase.com:5432/postgres?sslmode=require`
//! (TLS through rustls with the webpki roots). Use the session-mode port (5432): the
//! statements are prepared, which a transaction-mode pooler may not support.
//!
//! ## Ids
//!
//! Snowflakes are `u64`; they are stored in `BIGINT` with the top bit flipped
//! (`stored = (id ^ 2^63) as i64`), which keeps `u64` order under `BIGINT` order, so ties
//! on the leaderboard and the user list sort by the real id. The migration adds
//! `leveling_id(stored)`, which gives the real id back for humans reading the tables.
//!
//! ## Schemas
//!
//! Every object is created unqualified, so it lands in the first schema of the
//! connection's `search_path`. To keep the tables in their own schema, create it and set
//! the search path on the connect options:
//!
//! ```no_run
//! use leveling_storage_postgres::{PgConnectOptions, PostgresStore};
//!
//! # async fn run() -> leveling_core::Result<()> {
//! let options: PgConnectOptions = "postgres://postgres@127.0.0.1/test".parse().expect("a valid URL");
//! let options = options.options([("search_path", "leveling")]);
//! let store = PostgresStore::connect_with(options, PostgresStore::pool_options()).await?;
//! # Ok(()) }
//! ```
//!
//! ## Precision
//!
//! Times are `TIMESTAMPTZ`, which keeps microseconds: a sub-microsecond part of a time
//! given to the store is dropped.
#![warn(missing_docs)]

mod award;
mod batcher;
mod sql;

use batcher::Batcher;

use std::str::FromStr;
use std::sync::{Arc, Weak};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use leveling_core::storage::{
    AdjustRequest, Adjusted, Adjustment, AwardRequest, CatalogStore, HistoryEntry, MAX_XP, Member,
    ProfileStore, Standing, StatusStore, StoreStats, StoredAward, XpStore,
};
use leveling_core::{
    Day, Error, GuildId, MemberId, NewUser, Page, PageRequest, Result, Streak, Tool, ToolId,
    Unlock, UnlockReason, UserId, UserPatch, UserProfile,
};
use sqlx::Row;
use sqlx::migrate::Migrator;
use sqlx::postgres::PgRow;

pub use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

/// The embedded migrations (`storage-postgres/migrations`).
static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// How often an award is tried again after losing a race (a concurrent grant of the same
/// idempotency key, or a snapshot older than the row it was refused on).
const MAX_ATTEMPTS: u32 = 16;

/// Award workers: each runs one batch at a time on one connection. Two keep one batch
/// executing while the other commits; more make smaller batches (measured in the crate
/// README: 1 and 2 workers 1.2×, 4 workers 1.0×, 8 workers 0.73× the plain upsert).
const AWARD_WORKERS: usize = 2;

/// How often the background task folds rank-bucket moves into the bucket counts.
const COMPACT_EVERY: Duration = Duration::from_millis(500);

/// A [`Storage`](leveling_core::Storage) on PostgreSQL. Cheap to clone (a pool handle).
///
/// Created inside a tokio runtime, it runs background tasks: one folds the rank-bucket
/// moves appended by awards into the per-bucket counts every 500 ms, and two send the
/// queued awards to the database in batches (see the crate README and
/// [`without_award_batching`](Self::without_award_batching)). They end when the last
/// clone of the store is dropped. Outside a runtime there are none: awards go one by one,
/// and [`compact_rank_counts`](Self::compact_rank_counts) is yours to call now and then.
#[derive(Clone, Debug)]
pub struct PostgresStore {
    pool: PgPool,
    /// The award queue (see `batcher`); `None` outside a runtime.
    batcher: Option<Batcher>,
    /// Dropped with the last clone, which stops the background task.
    _alive: Arc<()>,
}

/// A snowflake as stored: the top bit flipped, so `BIGINT` order is `u64` order.
fn enc(id: u64) -> i64 {
    (id ^ (1 << 63)) as i64
}

/// A stored id back to the snowflake.
fn dec(stored: i64) -> u64 {
    (stored as u64) ^ (1 << 63)
}

fn to_u64(value: i64, what: &str) -> Result<u64> {
    u64::try_from(value).map_err(|_| Error::Internal {
        message: format!("the database holds a negative {what}"),
        source: None,
    })
}

fn clamp_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Maps a sqlx error to the core's kinds, with a message that never holds the URL.
fn db_error(context: &'static str, error: sqlx::Error) -> Error {
    if is_unavailable(&error) {
        return Error::unavailable(format!("{context}: the database cannot be reached"), error);
    }
    match error {
        // A configuration error may quote the URL: keep it out of the chain entirely.
        sqlx::Error::Configuration(_) => Error::Internal {
            message: format!("{context}: invalid database configuration"),
            source: None,
        },
        error => Error::internal(format!("{context}: database error"), error),
    }
}

fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // 08: connection exception; 57P01-03: shutdown / cannot connect now;
            // 53300: too many connections.
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300")
        }),
        _ => false,
    }
}

/// A race worth retrying: a concurrent grant took the same idempotency key, or the
/// server aborted on a deadlock or serialization failure.
fn is_retryable(error: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = error else {
        return false;
    };
    match db.code().as_deref() {
        Some("23505") => db.constraint() == Some("idempotency_keys_pkey"),
        Some("40001" | "40P01") => true,
        _ => false,
    }
}

fn decode(context: &'static str) -> impl Fn(sqlx::Error) -> Error {
    move |error| db_error(context, error)
}

fn parse_u64_text(text: &str, what: &str) -> Result<u64> {
    text.parse::<u128>()
        .map(|n| u64::try_from(n).unwrap_or(u64::MAX))
        .map_err(|_| Error::Internal {
            message: format!("the database returned a malformed {what}"),
            source: None,
        })
}

fn offset(page: PageRequest) -> i64 {
    clamp_i64(page.offset())
}

impl PostgresStore {
    /// Connects to `url` with [`pool_options`](Self::pool_options) and runs the embedded
    /// migrations (idempotent: applied ones are skipped; concurrent starts wait on
    /// sqlx's migration lock).
    ///
    /// [`Error::InvalidInput`] for a malformed URL, [`Error::Unavailable`] when the server
    /// cannot be reached. The URL (and its password) never appears in the error.
    pub async fn connect(url: &str) -> Result<Self> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|_| Error::InvalidInput("invalid PostgreSQL connection URL".into()))?;
        Self::connect_with(options, Self::pool_options()).await
    }

    /// Connects with explicit options and runs the embedded migrations.
    pub async fn connect_with(options: PgConnectOptions, pool: PgPoolOptions) -> Result<Self> {
        let pool = pool
            .connect_with(options)
            .await
            .map_err(decode("connecting to PostgreSQL"))?;
        let store = Self::from_pool(pool);
        store.migrate().await?;
        Ok(store)
    }

    /// The pool settings [`connect`](Self::connect) uses: up to 16 connections, and a
    /// request waits at most 5 s for one (then fails as unavailable).
    pub fn pool_options() -> PgPoolOptions {
        PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
    }

    /// Wraps an existing pool. Runs no migration: call [`migrate`](Self::migrate) (or
    /// apply `storage-postgres/migrations` yourself) before using the store.
    pub fn from_pool(pool: PgPool) -> Self {
        let alive = Arc::new(());
        let batcher = tokio::runtime::Handle::try_current().ok().map(|runtime| {
            runtime.spawn(compact_in_background(pool.clone(), Arc::downgrade(&alive)));
            Batcher::start(&pool, &runtime, AWARD_WORKERS)
        });
        Self {
            pool,
            batcher,
            _alive: alive,
        }
    }

    /// Folds the rank-bucket moves appended by awards and admin changes into the
    /// per-bucket counts; returns how many buckets changed. Reads are exact before and
    /// after (they add both tables); folding keeps them short. The background task calls
    /// this every 500 ms.
    pub async fn compact_rank_counts(&self) -> Result<u64> {
        compact(&self.pool).await
    }

    /// Applies the embedded migrations that are not applied yet.
    pub async fn migrate(&self) -> Result<()> {
        MIGRATOR.run(&self.pool).await.map_err(|error| match error {
            sqlx::migrate::MigrateError::Execute(error) => db_error("running migrations", error),
            error => Error::internal("running migrations failed", error),
        })
    }

    /// This store without award batching: every award is its own statement and commit.
    ///
    /// By default, awards that arrive while others are in flight are sent together (see
    /// the crate README): one statement and one commit for many awards, each still
    /// all-or-nothing, which is what keeps the store ahead of a plain upsert under load.
    /// Without it, an award never waits behind another member's row lock, at the price of
    /// throughput.
    ///
    /// ```no_run
    /// # async fn run() -> leveling_core::Result<()> {
    /// use leveling_storage_postgres::PostgresStore;
    ///
    /// let store = PostgresStore::connect("postgres://postgres@127.0.0.1/test")
    ///     .await?
    ///     .without_award_batching();
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn without_award_batching(mut self) -> Self {
        self.batcher = None;
        self
    }

    /// The underlying pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// An award on its own (a batch of one), tried again while it loses races.
    async fn award_alone(&self, request: &AwardRequest) -> Result<StoredAward> {
        for attempt in 1..=MAX_ATTEMPTS {
            match award::apply(&self.pool, &[request]).await {
                Ok(mut attempts) => match attempts.pop() {
                    Some(Ok(Some(stored))) => return Ok(stored),
                    Some(Err(error)) => return Err(error),
                    Some(Ok(None)) | None => {}
                },
                Err(error) if is_retryable(&error) => {}
                Err(error) => return Err(db_error("award", error)),
            }
            tracing::debug!(member = %request.member, attempt, "award raced a concurrent award; retrying");
        }
        Err(Error::Unavailable {
            message: "award: too much contention on this member, try again".into(),
            source: None,
        })
    }
}

async fn compact(pool: &PgPool) -> Result<u64> {
    let done = sqlx::query(sql::COMPACT_BUCKETS)
        .execute(pool)
        .await
        .map_err(decode("folding rank counts"))?;
    // The moves table has no index (cheaper inserts); readers scan it, so keep its dead
    // rows from piling up between autovacuum runs. Needs ownership: best effort.
    // The same for the counts, which every fold updates: a rank sums them.
    // SKIP_LOCKED and no truncation: with several replicas folding every 500 ms, a VACUUM
    // that waits for another, or retries for seconds to take the exclusive lock that
    // truncation needs (which the others' waits deny it), piles them up into a convoy.
    if let Err(error) = sqlx::query(
        "VACUUM (SKIP_LOCKED, TRUNCATE false) xp_bucket_deltas, xp_buckets, xp_bucket_groups",
    )
    .execute(pool)
    .await
    {
        tracing::debug!(%error, "vacuuming the rank moves failed");
    }
    Ok(done.rows_affected())
}

async fn compact_in_background(pool: PgPool, alive: Weak<()>) {
    let mut tick = tokio::time::interval(COMPACT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if alive.strong_count() == 0 || pool.is_closed() {
            break;
        }
        if let Err(error) = compact(&pool).await {
            // Not fatal: reads add the unfolded rows; the next tick tries again.
            tracing::debug!(%error, "folding rank counts failed");
        }
    }
}

/// From this offset on, a leaderboard page starts from the rank buckets instead of
/// skipping every member above it in the index.
const DEEP_PAGE_OFFSET: u64 = 500;

fn user_profile(row: &PgRow) -> std::result::Result<UserProfile, sqlx::Error> {
    Ok(UserProfile {
        id: UserId(dec(row.try_get("id")?)),
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        avatar_url: row.try_get("avatar_url")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
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
        let mut last_error = None;
        for _ in 0..MAX_ATTEMPTS {
            let result = sqlx::query(sql::ADJUST)
                .bind(enc(id.guild.0))
                .bind(enc(id.user.0))
                .bind(delta)
                .bind(set)
                .bind(reset)
                .bind(request.actor.map(|actor| enc(actor.0)))
                .bind(request.reason.as_deref())
                .bind(request.now)
                .fetch_one(&self.pool)
                .await;
            match result {
                Ok(row) => {
                    let before: i64 = row.try_get("before").map_err(decode("adjust"))?;
                    let after: i64 = row.try_get("after").map_err(decode("adjust"))?;
                    return Ok(Adjusted {
                        xp_before: to_u64(before, "xp")?,
                        xp_after: to_u64(after, "xp")?,
                    });
                }
                Err(error) if is_retryable(&error) => last_error = Some(error),
                Err(error) => return Err(db_error("adjust", error)),
            }
        }
        Err(last_error.map_or_else(
            || Error::Internal {
                message: "adjust failed".into(),
                source: None,
            },
            |error| db_error("adjust", error),
        ))
    }

    async fn member(&self, id: MemberId) -> Result<Option<Member>> {
        let row = sqlx::query(sql::MEMBER)
            .bind(enc(id.guild.0))
            .bind(enc(id.user.0))
            .fetch_optional(&self.pool)
            .await
            .map_err(decode("member"))?;
        let Some(row) = row else { return Ok(None) };
        let context = decode("member");
        let xp: i64 = row.try_get("xp").map_err(&context)?;
        let streak_day: Option<i64> = row.try_get("streak_day").map_err(&context)?;
        let streak_days: i64 = row.try_get("streak_days").map_err(&context)?;
        Ok(Some(Member {
            id,
            xp: to_u64(xp, "xp")?,
            streak: Streak {
                last_claim: streak_day.map(Day),
                days: u32::try_from(streak_days).unwrap_or(u32::MAX),
            },
            xp_reached_at: row.try_get("xp_reached_at").map_err(&context)?,
        }))
    }

    async fn rank(&self, id: MemberId) -> Result<Option<u64>> {
        let rank: Option<i64> = sqlx::query_scalar(sql::RANK)
            .bind(enc(id.guild.0))
            .bind(enc(id.user.0))
            .fetch_optional(&self.pool)
            .await
            .map_err(decode("rank"))?;
        rank.map(|rank| to_u64(rank, "rank")).transpose()
    }

    async fn leaderboard(&self, guild: GuildId, page: PageRequest) -> Result<Page<Standing>> {
        let total: i64 = sqlx::query_scalar(sql::GUILD_MEMBERS)
            .bind(enc(guild.0))
            .fetch_one(&self.pool)
            .await
            .map_err(decode("leaderboard"))?;
        let statement = if page.offset() >= DEEP_PAGE_OFFSET {
            sql::LEADERBOARD_DEEP
        } else {
            sql::LEADERBOARD
        };
        let rows = sqlx::query(statement)
            .bind(enc(guild.0))
            .bind(i64::from(page.limit()))
            .bind(offset(page))
            .fetch_all(&self.pool)
            .await
            .map_err(decode("leaderboard"))?;
        let context = decode("leaderboard");
        let mut items = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            items.push(Standing {
                rank: page.offset().saturating_add(i as u64 + 1),
                user: UserId(dec(row.try_get("user_id").map_err(&context)?)),
                username: row.try_get("username").map_err(&context)?,
                xp: to_u64(row.try_get("xp").map_err(&context)?, "xp")?,
            });
        }
        Ok(Page {
            items,
            total: to_u64(total, "member count")?,
        })
    }

    async fn history(&self, id: MemberId, page: PageRequest) -> Result<Page<HistoryEntry>> {
        let total: i64 = sqlx::query_scalar(sql::HISTORY_COUNT)
            .bind(enc(id.guild.0))
            .bind(enc(id.user.0))
            .fetch_one(&self.pool)
            .await
            .map_err(decode("history"))?;
        let rows = sqlx::query(sql::HISTORY)
            .bind(enc(id.guild.0))
            .bind(enc(id.user.0))
            .bind(i64::from(page.limit()))
            .bind(offset(page))
            .fetch_all(&self.pool)
            .await
            .map_err(decode("history"))?;
        let context = decode("history");
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            let source: String = row.try_get("source").map_err(&context)?;
            let actor: Option<i64> = row.try_get("actor").map_err(&context)?;
            items.push(HistoryEntry {
                amount: row.try_get("amount").map_err(&context)?,
                source: source
                    .parse()
                    .map_err(|e| Error::internal("history: unknown source", e))?,
                xp_before: to_u64(row.try_get("xp_before").map_err(&context)?, "xp")?,
                xp_after: to_u64(row.try_get("xp_after").map_err(&context)?, "xp")?,
                actor: actor.map(|a| UserId(dec(a))),
                reason: row.try_get("reason").map_err(&context)?,
                created_at: row.try_get("created_at").map_err(&context)?,
            });
        }
        Ok(Page {
            items,
            total: to_u64(total, "history length")?,
        })
    }
}

#[async_trait]
impl ProfileStore for PostgresStore {
    async fn upsert_user(&self, user: &NewUser, now: DateTime<Utc>) -> Result<(UserProfile, bool)> {
        let row = sqlx::query(sql::UPSERT_USER)
            .bind(enc(user.id.0))
            .bind(&user.username)
            .bind(user.display_name.as_deref())
            .bind(user.avatar_url.as_deref())
            .bind(now)
            .fetch_one(&self.pool)
            .await
            .map_err(decode("saving a user"))?;
        let created: bool = row.try_get("created").map_err(decode("saving a user"))?;
        Ok((
            user_profile(&row).map_err(decode("saving a user"))?,
            created,
        ))
    }

    async fn update_user(
        &self,
        id: UserId,
        patch: &UserPatch,
        now: DateTime<Utc>,
    ) -> Result<Option<UserProfile>> {
        let row = sqlx::query(sql::UPDATE_USER)
            .bind(enc(id.0))
            .bind(patch.username.as_deref())
            .bind(patch.display_name.is_some())
            .bind(patch.display_name.clone().flatten())
            .bind(patch.avatar_url.is_some())
            .bind(patch.avatar_url.clone().flatten())
            .bind(now)
            .fetch_optional(&self.pool)
            .await
            .map_err(decode("updating a user"))?;
        row.map(|row| user_profile(&row).map_err(decode("updating a user")))
            .transpose()
    }

    async fn user(&self, id: UserId) -> Result<Option<UserProfile>> {
        let row = sqlx::query(sql::USER)
            .bind(enc(id.0))
            .fetch_optional(&self.pool)
            .await
            .map_err(decode("user"))?;
        row.map(|row| user_profile(&row).map_err(decode("user")))
            .transpose()
    }

    async fn users(&self, page: PageRequest) -> Result<Page<UserProfile>> {
        let total: i64 = sqlx::query_scalar(sql::USER_COUNT)
            .fetch_one(&self.pool)
            .await
            .map_err(decode("users"))?;
        let rows = sqlx::query(sql::USERS)
            .bind(i64::from(page.limit()))
            .bind(offset(page))
            .fetch_all(&self.pool)
            .await
            .map_err(decode("users"))?;
        let items = rows
            .iter()
            .map(user_profile)
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(decode("users"))?;
        Ok(Page {
            items,
            total: to_u64(total, "user count")?,
        })
    }
}

#[async_trait]
impl CatalogStore for PostgresStore {
    async fn create_tool(&self, tool: &Tool) -> Result<()> {
        let inserted = sqlx::query(sql::CREATE_TOOL)
            .bind(tool.id.as_str())
            .bind(&tool.name)
            .bind(&tool.description)
            .bind(&tool.tier)
            .bind(i64::from(tool.required_level))
            .bind(tool.url.as_deref())
            .fetch_optional(&self.pool)
            .await
            .map_err(decode("creating a tool"))?;
        match inserted {
            Some(_) => Ok(()),
            None => Err(Error::Conflict(format!("tool {} already exists", tool.id))),
        }
    }

    async fn tools(&self) -> Result<Vec<Tool>> {
        let rows = sqlx::query(sql::TOOLS)
            .fetch_all(&self.pool)
            .await
            .map_err(decode("tools"))?;
        let context = decode("tools");
        rows.iter()
            .map(|row| {
                let id: String = row.try_get("id").map_err(&context)?;
                let level: i64 = row.try_get("required_level").map_err(&context)?;
                Ok(Tool {
                    id: ToolId::new(id)
                        .map_err(|e| Error::internal("tools: a stored id is invalid", e))?,
                    name: row.try_get("name").map_err(&context)?,
                    description: row.try_get("description").map_err(&context)?,
                    tier: row.try_get("tier").map_err(&context)?,
                    required_level: u32::try_from(level)
                        .map_err(|e| Error::internal("tools: bad level", e))?,
                    url: row.try_get("url").map_err(&context)?,
                })
            })
            .collect()
    }

    async fn record_unlock(
        &self,
        id: MemberId,
        tool: &ToolId,
        reason: UnlockReason,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let inserted = sqlx::query(sql::RECORD_UNLOCK)
            .bind(enc(id.guild.0))
            .bind(enc(id.user.0))
            .bind(tool.as_str())
            .bind(reason.as_str())
            .bind(at)
            .fetch_optional(&self.pool)
            .await
            .map_err(decode("recording an unlock"))?;
        Ok(inserted.is_some())
    }

    async fn unlocks(&self, id: MemberId) -> Result<Vec<Unlock>> {
        let rows = sqlx::query(sql::UNLOCKS)
            .bind(enc(id.guild.0))
            .bind(enc(id.user.0))
            .fetch_all(&self.pool)
            .await
            .map_err(decode("unlocks"))?;
        let context = decode("unlocks");
        rows.iter()
            .map(|row| {
                let tool: String = row.try_get("tool").map_err(&context)?;
                let reason: String = row.try_get("reason").map_err(&context)?;
                Ok(Unlock {
                    tool: ToolId::new(tool)
                        .map_err(|e| Error::internal("unlocks: a stored id is invalid", e))?,
                    reason: match reason.as_str() {
                        "level" => UnlockReason::Level,
                        "grant" => UnlockReason::Grant,
                        _ => {
                            return Err(Error::Internal {
                                message: "unlocks: unknown reason".into(),
                                source: None,
                            });
                        }
                    },
                    at: row.try_get("unlocked_at").map_err(&context)?,
                })
            })
            .collect()
    }
}

#[async_trait]
impl StatusStore for PostgresStore {
    async fn stats(&self) -> Result<StoreStats> {
        let row = sqlx::query(sql::STATS)
            .fetch_one(&self.pool)
            .await
            .map_err(decode("stats"))?;
        let context = decode("stats");
        let members: i64 = row.try_get("members").map_err(&context)?;
        let users: i64 = row.try_get("users").map_err(&context)?;
        let total_xp: String = row.try_get("total_xp").map_err(&context)?;
        Ok(StoreStats {
            members: to_u64(members, "member count")?,
            users: to_u64(users, "user count")?,
            total_xp: parse_u64_text(&total_xp, "XP sum")?,
        })
    }

    async fn health(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(decode("health check"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_encoding_keeps_u64_order_and_round_trips() {
        let ids = [0, 1, 42, (1 << 63) - 1, 1 << 63, u64::MAX - 1, u64::MAX];
        for pair in ids.windows(2) {
            assert!(enc(pair[0]) < enc(pair[1]), "{pair:?}");
        }
        for id in ids {
            assert_eq!(dec(enc(id)), id);
        }
    }
}
