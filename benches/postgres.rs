//! PostgreSQL benches: award throughput against a plain upsert, and rank at 1M members.
//!
//! ```text
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo bench --bench postgres
//! ```
//!
//! (`TEST_DATABASE_URL` is read too; that default otherwise.) Everything happens in a new
//! schema (`lvl_bench_<time>`), dropped at the end unless `PG_BENCH_KEEP=1`. Knobs:
//! `PG_BENCH_ROUNDS` (A/B rounds, 6), `PG_BENCH_SECS` (seconds per phase, 4),
//! `PG_BENCH_MEMBERS` (members for the rank bench, 1,000,000).
//!
//! 1. **Award throughput**, 32 tasks on 32 connections, interleaved rounds (the order
//!    alternates each round): the baseline is `INSERT … ON CONFLICT (guild, user) DO
//!    UPDATE SET xp = xp + $n` on a table with the same key and a (guild, xp) index;
//!    the store does a full message award (idempotency lookup, cooldown check and
//!    restart, daily check, XP add, history row, rank bucket) through `Storage::award`,
//!    which batches awards that arrive together, and the same store with batching off
//!    (one statement per award). Same members, same access pattern, every award
//!    granted; the latency of each call is reported too. The order of the three
//!    rotates each round.
//! 2. **Rank at 1M members**: one guild of a million members (XP `10M·u²`, times spread
//!    over a year, autovacuum off on the tables so the visibility map stays stale), a
//!    burst of 32,000 awards, then the rank of random members (uniform over ranks) plus
//!    the 20 first and 20 last, from one client and from 8.

mod common;

// The conformance suite's request builders: the seed's message rule, a plain grant, its "now".
use leveling_core::testing::cases::{message, t0};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::TimeDelta;
use common::SplitMix;
use leveling::storage::{AwardOutcome, AwardRequest};
use leveling::{MemberId, Source, XpStore};
use leveling_storage_postgres::{PgConnectOptions, PgPool, PgPoolOptions, PostgresStore};
use sqlx::{Connection, PgConnection};

const TASKS: u64 = 32;
const MEMBERS_PER_TASK: u64 = 500;
const THROUGHPUT_GUILD: u64 = 1;
const RANK_GUILD: u64 = 2;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The store's id encoding (top bit flipped), for the bulk seed.
fn enc(id: u64) -> i64 {
    (id ^ (1 << 63)) as i64
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else to parse.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(run());
}

async fn run() {
    let url = std::env::var("DATABASE_URL")
        .or_else(|_| std::env::var("TEST_DATABASE_URL"))
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let Ok(options) = url.parse::<PgConnectOptions>() else {
        eprintln!("postgres bench: DATABASE_URL is not a valid PostgreSQL URL");
        return;
    };
    let Ok(mut admin) = PgConnection::connect_with(&options).await else {
        eprintln!(
            "postgres bench skipped: no server at DATABASE_URL / TEST_DATABASE_URL; set one or start PostgreSQL"
        );
        return;
    };
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let schema = format!("lvl_bench_{stamp}");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut admin)
        .await
        .expect("create the bench schema");
    let (store, background) = PostgresStore::builder()
        .connect_with(
            options.clone().options([("search_path", schema.as_str())]),
            PgPoolOptions::new()
                .max_connections(TASKS as u32)
                .acquire_timeout(Duration::from_secs(60)),
        )
        .await
        .expect("connect the store");
    tokio::spawn(background);
    let pool = store.pool().clone();
    let version: String = sqlx::query_scalar("SHOW server_version")
        .fetch_one(&pool)
        .await
        .unwrap();
    println!("PostgreSQL {version}, schema {schema}");

    throughput(&store, &pool).await;
    rank(&store, &pool).await;

    if std::env::var("PG_BENCH_KEEP").as_deref() != Ok("1") {
        pool.close().await;
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
            .execute(&mut admin)
            .await
            .expect("drop the bench schema");
    }
}

/// Runs set-up statements one after the other.
async fn run_all(pool: &PgPool, statements: &[&'static str]) {
    for &statement in statements {
        sqlx::query(statement).execute(pool).await.unwrap();
    }
}

/// Runs `TASKS` copies of `work(task, deadline)` until the deadline; returns ops/s.
async fn phase<F, Fut>(seconds: u64, work: F) -> f64
where
    F: Fn(u64, Instant) -> Fut,
    Fut: std::future::Future<Output = u64> + Send + 'static,
{
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| tokio::spawn(work(task, deadline)))
        .collect();
    let mut done = 0;
    for task in tasks {
        done += task.await.expect("a bench task");
    }
    done as f64 / start.elapsed().as_secs_f64()
}

async fn throughput(store: &PostgresStore, pool: &PgPool) {
    let rounds: u32 = env_or("PG_BENCH_ROUNDS", 6);
    let seconds: u64 = env_or("PG_BENCH_SECS", 4);
    sqlx::query(
        "CREATE TABLE baseline (guild BIGINT NOT NULL, user_id BIGINT NOT NULL, xp BIGINT NOT NULL,
                                PRIMARY KEY (guild, user_id))",
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("CREATE INDEX baseline_xp ON baseline (guild, xp)")
        .execute(pool)
        .await
        .unwrap();
    const UPSERT: &str = "INSERT INTO baseline AS b (guild, user_id, xp) VALUES ($1, $2, $3)
                          ON CONFLICT (guild, user_id) DO UPDATE SET xp = b.xp + EXCLUDED.xp";

    // Seed both sides with the same members (the store's first message claims the day).
    let store = Arc::new(store.clone());
    let base = t0();
    phase(3_600, |task, _| {
        let (store, pool) = (store.clone(), pool.clone());
        async move {
            for i in 0..MEMBERS_PER_TASK {
                let user = task * MEMBERS_PER_TASK + i;
                store
                    .award(&message(MemberId::new(THROUGHPUT_GUILD, user), base))
                    .await
                    .unwrap();
                sqlx::query(UPSERT)
                    .bind(enc(THROUGHPUT_GUILD))
                    .bind(enc(user))
                    .bind(75i64)
                    .execute(&pool)
                    .await
                    .unwrap();
            }
            MEMBERS_PER_TASK
        }
    })
    .await;
    run_all(
        pool,
        &[
            "VACUUM ANALYZE baseline",
            "VACUUM ANALYZE members",
            "VACUUM ANALYZE xp_history",
        ],
    )
    .await;

    // Each task cycles through its own members; a pass is 61 s later than the previous
    // one on the award clock, so every message is past its cooldown and granted.
    let passes: Arc<Vec<AtomicU64>> = Arc::new((0..TASKS).map(|_| AtomicU64::new(0)).collect());
    let refused = Arc::new(AtomicU64::new(0));
    // The same pool, every award on its own. Its background only folds rank counts, which
    // the batched store's background already does for this schema: not spawned.
    let (single, _) = PostgresStore::builder()
        .without_award_batching()
        .build(pool.clone());
    let single = Arc::new(single);
    let sides: [(&str, Option<Arc<PostgresStore>>); 3] = [
        ("baseline upsert", None),
        ("store award", Some(store.clone())),
        ("store award, unbatched", Some(single)),
    ];
    let latencies: Vec<Arc<Mutex<Vec<Duration>>>> = sides
        .iter()
        .map(|_| Arc::new(Mutex::new(Vec::new())))
        .collect();
    let mut totals = [0.0; 3];
    let mut ratios = [Vec::new(), Vec::new()];
    println!(
        "\n### Award throughput, {TASKS} tasks × {TASKS} connections, {seconds} s per phase\n"
    );
    println!("| round | baseline upsert | store award (ratio) | store award, unbatched (ratio) |");
    println!("|---|---|---|---|");
    for round in 0..rounds {
        let mut rate = [0.0; 3];
        // Rotate the order each round, so no side always runs first or last.
        for k in 0..3 {
            let side = (round as usize + k) % 3;
            let recorded = latencies[side].clone();
            rate[side] = match &sides[side].1 {
                None => {
                    phase(seconds, |task, deadline| {
                        let (pool, recorded) = (pool.clone(), recorded.clone());
                        async move {
                            let mut done = 0;
                            let mut mine = Vec::new();
                            while Instant::now() < deadline {
                                let user = task * MEMBERS_PER_TASK + done % MEMBERS_PER_TASK;
                                let sent = Instant::now();
                                sqlx::query(UPSERT)
                                    .bind(enc(THROUGHPUT_GUILD))
                                    .bind(enc(user))
                                    .bind(15i64)
                                    .execute(&pool)
                                    .await
                                    .unwrap();
                                mine.push(sent.elapsed());
                                done += 1;
                            }
                            recorded.lock().unwrap().extend(mine);
                            done
                        }
                    })
                    .await
                }
                Some(store) => {
                    phase(seconds, |task, deadline| {
                        let (store, passes) = (store.clone(), passes.clone());
                        let (refused, recorded) = (refused.clone(), recorded.clone());
                        async move {
                            let mut done = 0;
                            let mut mine = Vec::new();
                            let slot = &passes[task as usize];
                            while Instant::now() < deadline {
                                let i = slot.fetch_add(1, Ordering::Relaxed);
                                let (pass, offset) = (i / MEMBERS_PER_TASK, i % MEMBERS_PER_TASK);
                                let now = base + TimeDelta::seconds(61 * (pass as i64 + 1));
                                let member = MemberId::new(
                                    THROUGHPUT_GUILD,
                                    task * MEMBERS_PER_TASK + offset,
                                );
                                let sent = Instant::now();
                                let outcome = store.award(&message(member, now)).await.unwrap();
                                mine.push(sent.elapsed());
                                if !matches!(outcome.outcome, AwardOutcome::Granted(_)) {
                                    refused.fetch_add(1, Ordering::Relaxed);
                                }
                                done += 1;
                            }
                            recorded.lock().unwrap().extend(mine);
                            done
                        }
                    })
                    .await
                }
            };
        }
        for side in 0..3 {
            totals[side] += rate[side];
        }
        ratios[0].push(rate[1] / rate[0]);
        ratios[1].push(rate[2] / rate[0]);
        println!(
            "| {} | {:.0}/s | {:.0}/s ({:.3}) | {:.0}/s ({:.3}) |",
            round + 1,
            rate[0],
            rate[1],
            rate[1] / rate[0],
            rate[2],
            rate[2] / rate[0]
        );
    }
    println!();
    for side in 0..3 {
        let mut recorded = latencies[side].lock().unwrap();
        recorded.sort();
        let mean = totals[side] / f64::from(rounds);
        let ratio = if side == 0 {
            String::new()
        } else {
            let median = &mut ratios[side - 1];
            median.sort_by(f64::total_cmp);
            format!(
                ", ratio of means {:.3}, median ratio {:.3}",
                totals[side] / totals[0],
                median[median.len() / 2]
            )
        };
        println!(
            "{}: mean {mean:.0} awards/s{ratio}; latency p50 {}, p99 {}",
            sides[side].0,
            ms(percentile(&recorded, 0.5)),
            ms(percentile(&recorded, 0.99))
        );
    }
    println!("refused awards: {}", refused.load(Ordering::Relaxed));
}

async fn rank(store: &PostgresStore, pool: &PgPool) {
    let members: u64 = env_or("PG_BENCH_MEMBERS", 1_000_000);
    let guild = enc(RANK_GUILD);
    let started = Instant::now();
    run_all(
        pool,
        &[
            "ALTER TABLE members SET (autovacuum_enabled = false)",
            "ALTER TABLE xp_buckets SET (autovacuum_enabled = false)",
            "ALTER TABLE xp_bucket_groups SET (autovacuum_enabled = false)",
        ],
    )
    .await;
    // Deterministic XP: 10M·u² (many members low, a long tail up), times over a year.
    sqlx::query(
        "INSERT INTO members (guild, user_id, xp, xp_reached_at, streak_day, streak_days)
         SELECT $1, (i # (-9223372036854775808)::bigint),
                floor(10000000 * power(((i * 2654435761) % 1000003)::float8 / 1000003, 2))::bigint,
                $2::timestamptz - ((i * 40503) % 31536000) * interval '1 second',
                NULL, 0
         FROM generate_series(1::bigint, $3::bigint) AS i",
    )
    .bind(guild)
    .bind(t0())
    .bind(members as i64)
    .execute(pool)
    .await
    .unwrap();
    // The counts go in as bucket moves and the store folds them, so the bench does not
    // repeat how buckets group.
    sqlx::query(
        "INSERT INTO xp_bucket_deltas (guild, bucket, delta)
         SELECT guild, leveling_bucket(xp), count(*) FROM members WHERE guild = $1 GROUP BY 1, 2",
    )
    .bind(guild)
    .execute(pool)
    .await
    .unwrap();
    store.compact_rank_counts().await.unwrap();
    run_all(
        pool,
        &[
            "VACUUM ANALYZE members",
            "VACUUM ANALYZE xp_buckets, xp_bucket_groups",
        ],
    )
    .await;
    println!(
        "\n### Rank at {members} members\n\nseeded in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // The write burst: 32 tasks × 1,000 grants to random members of the guild.
    let store = Arc::new(store.clone());
    let burst = Instant::now();
    let per_second = phase(3_600, |task, _| {
        let store = store.clone();
        async move {
            let mut rng = SplitMix(task + 1);
            for _ in 0..1_000 {
                let user = 1 + rng.next() % members;
                let request = AwardRequest {
                    member: MemberId::new(RANK_GUILD, user),
                    source: Source::Api,
                    amount: 1 + rng.next() % 5_000,
                    cooldown: None,
                    daily: None,
                    reason: None,
                    idempotency_key: None,
                    now: t0(),
                };
                store.award(&request).await.unwrap();
            }
            1_000
        }
    })
    .await;
    println!(
        "write burst: {} awards in {:.1} s ({per_second:.0}/s)",
        TASKS * 1_000,
        burst.elapsed().as_secs_f64()
    );

    // Who to ask: random members (uniform over ranks), plus the 20 first and 20 last.
    let mut rng = SplitMix(99);
    let mut users: Vec<u64> = (0..2_000).map(|_| 1 + rng.next() % members).collect();
    let ends: Vec<i64> = sqlx::query_scalar(
        "(SELECT user_id FROM members WHERE guild = $1 ORDER BY xp DESC, xp_reached_at, user_id LIMIT 20)
         UNION ALL
         (SELECT user_id FROM members WHERE guild = $1 ORDER BY xp, xp_reached_at DESC, user_id DESC LIMIT 20)",
    )
    .bind(guild)
    .fetch_all(pool)
    .await
    .unwrap();
    users.extend(ends.into_iter().map(|stored| (stored as u64) ^ (1 << 63)));

    // One client.
    let mut latencies = Vec::with_capacity(users.len());
    let mut worst = (Duration::ZERO, 0, 0);
    for &user in &users {
        let start = Instant::now();
        let rank = store
            .rank(MemberId::new(RANK_GUILD, user))
            .await
            .unwrap()
            .unwrap();
        let took = start.elapsed();
        if took > worst.0 {
            worst = (took, user, rank);
        }
        latencies.push(took);
    }
    latencies.sort();
    println!(
        "store.rank, 1 client, {} members: p50 {}, p99 {}, max {} (rank {} of {members})",
        latencies.len(),
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99)),
        ms(worst.0),
        worst.2
    );

    // Eight clients at once.
    let users = Arc::new(users);
    let started = Instant::now();
    let tasks: Vec<_> = (0..8)
        .map(|client| {
            let (store, users) = (store.clone(), users.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                for (i, &user) in users.iter().enumerate() {
                    if i % 8 == client {
                        let start = Instant::now();
                        store.rank(MemberId::new(RANK_GUILD, user)).await.unwrap();
                        latencies.push(start.elapsed());
                    }
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    latencies.sort();
    println!(
        "store.rank, 8 clients: p50 {}, p99 {}, max {}, {:.0} ranks/s",
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99)),
        ms(*latencies.last().unwrap_or(&Duration::ZERO)),
        latencies.len() as f64 / started.elapsed().as_secs_f64()
    );

    // Check against a brute-force count, and time the naive query for comparison.
    let mut naive = Vec::new();
    for &user in users.iter().step_by(20) {
        let id = MemberId::new(RANK_GUILD, user);
        let fast = store.rank(id).await.unwrap().unwrap();
        let start = Instant::now();
        let exact: i64 = sqlx::query_scalar(
            "SELECT count(*) + 1 FROM members AS o, members AS me
             WHERE me.guild = $1 AND me.user_id = $2 AND o.guild = $1
               AND (o.xp > me.xp OR (o.xp = me.xp AND (o.xp_reached_at, o.user_id) < (me.xp_reached_at, me.user_id)))",
        )
        .bind(guild)
        .bind(enc(user))
        .fetch_one(pool)
        .await
        .unwrap();
        naive.push(start.elapsed());
        assert_eq!(fast, exact as u64, "rank of user {user}");
    }
    naive.sort();
    println!(
        "naive count(*) (checked equal on {} members): p50 {}, p99 {}, max {}",
        naive.len(),
        ms(percentile(&naive, 0.5)),
        ms(percentile(&naive, 0.99)),
        ms(*naive.last().unwrap_or(&Duration::ZERO))
    );
}
