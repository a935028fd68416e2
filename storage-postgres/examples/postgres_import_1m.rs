//! Measures an XP import into PostgreSQL: 1,000,000 new members into one guild of a fresh
//! schema, in batches of 10,000 records (one `import_xp` call each, sent one after the
//! other as an importing caller does), then the same file again in replace mode, which
//! must change nothing. Prints the elapsed times and checks the result.
//!
//! ```text
//! nice -n 10 cargo run --release -p leveling-storage-postgres --example postgres_import_1m
//! ```
//!
//! `DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`); `IMPORT_MEMBERS`
//! and `IMPORT_BATCH` change the sizes. The schema (`lvl_import_<time>`) is dropped at
//! the end.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::Utc;
use leveling_core::storage::{
    ImportMode, ImportRecord, StatusStore, TransferStore, XpImport, XpStore,
};
use leveling_core::{GuildId, MemberId, PageRequest, UserId};
use leveling_storage_postgres::{PgConnectOptions, PgPoolOptions, PostgresStore};
use sqlx::{Connection, PgConnection};

const GUILD: GuildId = GuildId(4_242);

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A spread of totals like a real server's (many low, few high), never 0 so every record
/// creates a member.
fn xp_of(user: u64) -> u64 {
    let r = user.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40; // 0 .. 2^24
    1 + (r * r) / (1 << 28) // 1 .. 65,536, skewed low
}

async fn run_import(
    store: &PostgresStore,
    members: usize,
    batch: usize,
    mode: ImportMode,
) -> (Duration, usize) {
    let started = Instant::now();
    let mut changed = 0;
    let users: Vec<u64> = (1..=members as u64)
        .map(|i| 1_000_000_000_000 + i)
        .collect();
    for chunk in users.chunks(batch) {
        let records = chunk
            .iter()
            .map(|&user| ImportRecord {
                user: UserId(user),
                xp: xp_of(user),
            })
            .collect();
        let result = store
            .import_xp(&XpImport {
                guild: GUILD,
                records,
                mode,
                reason: Some("import_1m.json".into()),
                now: Utc::now(),
            })
            .await
            .expect("import a batch");
        changed += result.iter().filter(|r| r.xp_before != r.xp_after).count();
    }
    (started.elapsed(), changed)
}

#[tokio::main]
async fn main() {
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let members = env_or("IMPORT_MEMBERS", 1_000_000);
    let batch = env_or("IMPORT_BATCH", 10_000);
    let options: PgConnectOptions = url.parse().expect("a valid DATABASE_URL");
    let schema = format!(
        "lvl_import_{}",
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
    );
    let mut admin = PgConnection::connect_with(&options)
        .await
        .expect("connect to PostgreSQL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA \"{schema}\"")))
        .execute(&mut admin)
        .await
        .expect("create the schema");
    let (store, background) = PostgresStore::builder()
        .connect_with(
            options.options([("search_path", schema.as_str())]),
            PgPoolOptions::new().max_connections(4),
        )
        .await
        .expect("connect and migrate");
    tokio::spawn(background);

    println!("importing {members} new members in batches of {batch} (add mode, fresh schema)");
    let (fresh, created) = run_import(&store, members, batch, ImportMode::Add).await;
    println!(
        "  {:.1} s, {:.0} members/s, {created} members written",
        fresh.as_secs_f64(),
        members as f64 / fresh.as_secs_f64()
    );
    assert_eq!(created, members);

    println!("importing the same file again in replace mode (must change nothing)");
    let (again, changed) = run_import(&store, members, batch, ImportMode::Replace).await;
    println!(
        "  {:.1} s, {:.0} members/s, {changed} members written",
        again.as_secs_f64(),
        members as f64 / again.as_secs_f64()
    );
    assert_eq!(changed, 0, "a repeated replace import changed members");

    let stats = store.stats().await.expect("stats");
    let expected: u64 = (1..=members as u64)
        .map(|i| xp_of(1_000_000_000_000 + i))
        .sum();
    assert_eq!((stats.members, stats.total_xp), (members as u64, expected));
    let board = store
        .leaderboard(GUILD, PageRequest::first(1))
        .await
        .expect("leaderboard");
    assert_eq!(board.total, members as u64);
    let top = board.items[0].user;
    assert_eq!(
        store.rank(MemberId::new(GUILD, top.0)).await.unwrap(),
        Some(1)
    );
    println!("checked: {members} members, {expected} XP in total, rank 1 is user {top}");

    drop(store);
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA \"{schema}\" CASCADE"
    )))
    .execute(&mut admin)
    .await
    .expect("drop the schema");
}
