//! Test support: a fresh store in its own schema on the test server, or a skip.
#![allow(dead_code)]

use std::io::Write;
use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use leveling_storage_postgres::{
    PgConnectOptions, PgPoolOptions, PostgresStore, PostgresStoreBuilder,
};
use sqlx::{Connection, PgConnection};

/// The server the tests use unless `TEST_DATABASE_URL` says otherwise.
pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

static SKIP_NOTICE: Once = Once::new();
static CLEANUP: Once = Once::new();
static NEXT: AtomicU64 = AtomicU64::new(0);

fn url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned())
}

fn required() -> bool {
    std::env::var("LEVELING_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

/// The test server's connect options, or `None` (after one line on stderr) when it cannot
/// be reached. Panics instead when `LEVELING_REQUIRE_POSTGRES=1` (CI).
pub async fn server() -> Option<PgConnectOptions> {
    let options: PgConnectOptions = url()
        .parse()
        .expect("TEST_DATABASE_URL is not a valid PostgreSQL URL");
    let reachable =
        tokio::time::timeout(Duration::from_secs(5), PgConnection::connect_with(&options)).await;
    match reachable {
        Ok(Ok(connection)) => {
            let _ = connection.close().await;
            Some(options)
        }
        Ok(Err(error)) if required() => {
            panic!("LEVELING_REQUIRE_POSTGRES=1 but PostgreSQL is unreachable: {error}")
        }
        Err(_) if required() => {
            panic!("LEVELING_REQUIRE_POSTGRES=1 but PostgreSQL did not answer within 5 s")
        }
        _ => {
            SKIP_NOTICE.call_once(|| {
                // Straight to stderr: the test harness captures print macros of passing tests.
                let _ = writeln!(
                    std::io::stderr(),
                    "PostgreSQL tests skipped: no server at TEST_DATABASE_URL (default {DEFAULT_URL}); \
                     set TEST_DATABASE_URL or start PostgreSQL to run them"
                );
            });
            None
        }
    }
}

/// Creates an empty schema for one test (dropping those left by runs over an hour old).
pub async fn fresh_schema(options: &PgConnectOptions) -> String {
    let mut admin = PgConnection::connect_with(options)
        .await
        .expect("connect to the test server");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut stale = Vec::new();
    CLEANUP.call_once(|| stale.push(()));
    if !stale.is_empty() {
        let old: Vec<String> = sqlx::query_scalar(
            "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'lvl\\_t\\_%'",
        )
        .fetch_all(&mut admin)
        .await
        .expect("list test schemas");
        for name in old {
            let created = name.split('_').nth(2).and_then(|t| t.parse::<u64>().ok());
            if created.is_some_and(|t| t + 3600 < now) {
                let drop = format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE");
                let _ = sqlx::query(sqlx::AssertSqlSafe(drop))
                    .execute(&mut admin)
                    .await;
            }
        }
    }
    let name = format!(
        "lvl_t_{now}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA \"{name}\"")))
        .execute(&mut admin)
        .await
        .expect("create a test schema");
    let _ = admin.close().await;
    name
}

/// A migrated store built by `builder` in a new schema with a pool of `connections`, its
/// background work spawned on the test's runtime; or `None` to skip.
pub async fn store_built(builder: PostgresStoreBuilder, connections: u32) -> Option<PostgresStore> {
    let options = server().await?;
    let schema = fresh_schema(&options).await;
    let options = options.options([("search_path", schema.as_str())]);
    let pool = PgPoolOptions::new()
        .max_connections(connections)
        .acquire_timeout(Duration::from_secs(30));
    let (store, background) = builder
        .connect_with(options, pool)
        .await
        .expect("connect and migrate the test store");
    tokio::spawn(background);
    Some(store)
}

/// A migrated store with default options in a new schema with a pool of `connections`,
/// or `None` to skip.
pub async fn store_with(connections: u32) -> Option<PostgresStore> {
    store_built(PostgresStore::builder(), connections).await
}

/// A migrated store in a new schema, or `None` to skip.
pub async fn fresh_store() -> Option<PostgresStore> {
    store_with(6).await
}

/// A migrated store that sends every award on its own, or `None` to skip.
pub async fn fresh_unbatched_store() -> Option<PostgresStore> {
    store_built(PostgresStore::builder().without_award_batching(), 6).await
}

/// Connects a store (default options) to `options` with `pool`, its background work
/// spawned on the test's runtime.
pub async fn connect(options: PgConnectOptions, pool: PgPoolOptions) -> PostgresStore {
    let (store, background) = PostgresStore::builder()
        .connect_with(options, pool)
        .await
        .expect("connect and migrate the test store");
    tokio::spawn(background);
    store
}

/// Every guild's per-bucket member counts (folded counts plus unfolded moves) match a
/// recount of the members table, before and after folding.
pub async fn assert_buckets_exact(store: &PostgresStore) {
    const CHECK: &str = "SELECT count(*) FROM (
             SELECT guild, leveling_bucket(xp) AS bucket, count(*) AS n FROM members GROUP BY 1, 2
         ) AS real
         FULL JOIN (
             SELECT guild, bucket, sum(n) AS n
             FROM (SELECT guild, bucket, members AS n FROM xp_buckets
                   UNION ALL SELECT guild, bucket, delta FROM xp_bucket_deltas) AS t
             GROUP BY 1, 2 HAVING sum(n) <> 0
         ) AS kept
           ON real.guild = kept.guild AND real.bucket = kept.bucket
         WHERE real.n IS DISTINCT FROM kept.n";
    let mismatches: i64 = sqlx::query_scalar(CHECK)
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(mismatches, 0, "rank buckets drifted from the members table");
    store.compact_rank_counts().await.unwrap();
    let mismatches: i64 = sqlx::query_scalar(CHECK)
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(mismatches, 0, "folding changed the rank buckets");
    let groups_off: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT guild, bucket >> 7 AS grp, sum(members) AS n FROM xp_buckets GROUP BY 1, 2) AS f
         FULL JOIN xp_bucket_groups AS c ON c.guild = f.guild AND c.grp = f.grp
         WHERE COALESCE(f.n, 0) <> COALESCE(c.members, 0)",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(groups_off, 0, "the bucket groups drifted from the buckets");
}
