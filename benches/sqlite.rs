//! SQLite benches: award throughput against a plain upsert, rank at 1M members, and
//! opening a 1M-member file.
//!
//! ```text
//! cargo bench --bench sqlite
//! ```
//!
//! Everything happens in a new directory under the system's temporary directory,
//! removed at the end unless `SQLITE_BENCH_KEEP=1`. Knobs: `SQLITE_BENCH_ROUNDS` (A/B
//! rounds, 6), `SQLITE_BENCH_SECS` (seconds per phase, 4), `SQLITE_BENCH_MEMBERS`
//! (members for the rank bench, 1,000,000), `SQLITE_BENCH_DURABILITY` (`normal` or
//! `full`, for both sides).
//!
//! 1. **Award throughput**, 32 tasks, interleaved rounds (the order rotates each round):
//!    the baseline is `INSERT … ON CONFLICT (guild, user_id) DO UPDATE SET xp = xp + ?`
//!    on a table with the same key and a (guild, xp) index, one transaction each, in the
//!    same file with the same settings (WAL, the same `synchronous`, busy timeout,
//!    foreign keys), once through one connection (the best a plain upsert does: SQLite
//!    has one writer) and once through 32 (each waits in SQLite's busy handler); the store
//!    does a full message award (idempotency lookup, cooldown check and restart, daily
//!    check, XP add, history row, rank counts) through `Storage::award`. Same members,
//!    same access pattern, every award granted; the latency of each call is reported too.
//!    The disk's sync speed drifts over tens of seconds, so only the ratios of one round
//!    mean anything.
//! 2. **Rank at 1M members**: one guild of a million members, created through the store
//!    (grants of `10M·u²` XP, times spread over a year), a burst of 32,000 awards, then
//!    the rank of random members (uniform over ranks) plus the 20 first and 20 last, from
//!    one client and from 8, checked against a brute-force count.
//! 3. **Opening** the 1M-member file again: `SqliteStore::open` and the first rank.

mod common;

// The conformance suite's request builders: the seed's message rule, a plain grant, its "now".
use leveling_core::testing::cases::{grant, message, t0};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::TimeDelta;
use common::SplitMix;
use leveling::sqlite::{Durability, SqliteOptions, SqliteStore};
use leveling::storage::AwardOutcome;
use leveling::{MemberId, XpStore};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

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

/// The store's id encoding (top bit flipped), for the baseline and the checks.
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
    let durability = match std::env::var("SQLITE_BENCH_DURABILITY").as_deref() {
        Ok("full") => Durability::Full,
        _ => Durability::Normal,
    };
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let dir = std::env::temp_dir().join(format!("leveling-sqlite-bench-{stamp}"));
    std::fs::create_dir_all(&dir).expect("create the bench directory");
    let path = dir.join("bench.db");
    let options = SqliteOptions::new().durability(durability);
    let store = SqliteStore::open_with(&path, options.clone())
        .await
        .expect("open the store");
    let version: String = sqlx::query_scalar("SELECT sqlite_version()")
        .fetch_one(store.pool())
        .await
        .unwrap();
    println!(
        "SQLite {version}, {durability:?} durability, file {}",
        path.display()
    );

    throughput(&store, &path, durability).await;
    let members = rank(&store).await;
    drop(store);
    tokio::time::sleep(Duration::from_millis(200)).await;
    reopen(&path, options, members).await;

    if std::env::var("SQLITE_BENCH_KEEP").as_deref() != Ok("1") {
        let _ = std::fs::remove_dir_all(&dir);
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

/// A pool on the store's file with the store's settings.
async fn baseline_pool(path: &std::path::Path, durability: Durability, size: u32) -> SqlitePool {
    let synchronous = match durability {
        Durability::Full => sqlx::sqlite::SqliteSynchronous::Full,
        _ => sqlx::sqlite::SqliteSynchronous::Normal,
    };
    SqlitePoolOptions::new()
        .max_connections(size)
        .acquire_timeout(Duration::from_secs(60))
        .connect_with(
            SqliteConnectOptions::new()
                .filename(path)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(synchronous)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true),
        )
        .await
        .expect("the baseline pool")
}

const UPSERT: &str = "INSERT INTO baseline AS b (guild, user_id, xp) VALUES (?1, ?2, ?3)
                      ON CONFLICT (guild, user_id) DO UPDATE SET xp = b.xp + excluded.xp";

async fn throughput(store: &SqliteStore, path: &std::path::Path, durability: Durability) {
    let rounds: u32 = env_or("SQLITE_BENCH_ROUNDS", 6);
    let seconds: u64 = env_or("SQLITE_BENCH_SECS", 4);
    let one = baseline_pool(path, durability, 1).await;
    let many = baseline_pool(path, durability, TASKS as u32).await;
    sqlx::query(
        "CREATE TABLE baseline (guild INTEGER NOT NULL, user_id INTEGER NOT NULL, xp INTEGER NOT NULL,
                                PRIMARY KEY (guild, user_id)) WITHOUT ROWID",
    )
    .execute(&one)
    .await
    .unwrap();
    sqlx::query("CREATE INDEX baseline_xp ON baseline (guild, xp)")
        .execute(&one)
        .await
        .unwrap();

    // Seed both sides with the same members (the store's first message claims the day).
    let store = Arc::new(store.clone());
    let base = t0();
    phase(3_600, |task, _| {
        let (store, pool) = (store.clone(), one.clone());
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

    // Each task cycles through its own members; a pass is 61 s later than the previous
    // one on the award clock, so every message is past its cooldown and granted.
    let passes: Arc<Vec<AtomicU64>> = Arc::new((0..TASKS).map(|_| AtomicU64::new(0)).collect());
    let refused = Arc::new(AtomicU64::new(0));
    let names = [
        "baseline upsert, 1 connection",
        "baseline upsert, 32 connections",
        "store award",
    ];
    let latencies: Vec<Arc<Mutex<Vec<Duration>>>> = names
        .iter()
        .map(|_| Arc::new(Mutex::new(Vec::new())))
        .collect();
    let mut totals = [0.0; 3];
    let mut ratios = [Vec::new(), Vec::new()];
    println!("\n### Award throughput, {TASKS} tasks, {seconds} s per phase\n");
    println!(
        "| round | baseline, 1 connection | baseline, 32 connections | store award (vs 1 conn.) |"
    );
    println!("|---|---|---|---|");
    for round in 0..rounds {
        let mut rate = [0.0; 3];
        for k in 0..3 {
            let side = (round as usize + k) % 3;
            let recorded = latencies[side].clone();
            rate[side] = if side < 2 {
                let pool = if side == 0 { one.clone() } else { many.clone() };
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
            } else {
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
                            let member =
                                MemberId::new(THROUGHPUT_GUILD, task * MEMBERS_PER_TASK + offset);
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
            };
        }
        for side in 0..3 {
            totals[side] += rate[side];
        }
        ratios[0].push(rate[2] / rate[0]);
        ratios[1].push(rate[2] / rate[1]);
        println!(
            "| {} | {:.0}/s | {:.0}/s | {:.0}/s ({:.3}×) |",
            round + 1,
            rate[0],
            rate[1],
            rate[2],
            rate[2] / rate[0]
        );
    }
    println!();
    for side in 0..3 {
        let mut recorded = latencies[side].lock().unwrap();
        recorded.sort();
        let mean = totals[side] / f64::from(rounds);
        println!(
            "{}: mean {mean:.0}/s; latency p50 {}, p99 {}",
            names[side],
            ms(percentile(&recorded, 0.5)),
            ms(percentile(&recorded, 0.99))
        );
    }
    for (i, against) in names[..2].iter().enumerate() {
        let median = &mut ratios[i];
        median.sort_by(f64::total_cmp);
        println!(
            "store award vs {against}: ratio of means {:.3}, median of round ratios {:.3}",
            totals[2] / totals[i],
            median[median.len() / 2]
        );
    }
    println!("refused awards: {}", refused.load(Ordering::Relaxed));
    one.close().await;
    many.close().await;
}

/// Seeds the rank guild, runs the burst and the rank queries; returns the member count.
async fn rank(store: &SqliteStore) -> u64 {
    let members: u64 = env_or("SQLITE_BENCH_MEMBERS", 1_000_000);
    let started = Instant::now();
    // Through the store: XP 10M·u² (many members low, a long tail up), times over a year.
    let store = Arc::new(store.clone());
    phase(3_600, |task, _| {
        let store = store.clone();
        async move {
            let mut done = 0;
            let mut i = 1 + task;
            while i <= members {
                let u = ((i * 2_654_435_761) % 1_000_003) as f64 / 1_000_003.0;
                let xp = (10_000_000.0 * u * u) as u64;
                let now = t0() - TimeDelta::seconds(((i * 40_503) % 31_536_000) as i64);
                store
                    .award(&grant(MemberId::new(RANK_GUILD, i), xp.max(1), now))
                    .await
                    .unwrap();
                done += 1;
                i += TASKS;
            }
            done
        }
    })
    .await;
    println!(
        "\n### Rank at {members} members\n\nseeded through the store in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // The write burst: 32 tasks × 1,000 grants to random members of the guild.
    let burst = Instant::now();
    let per_second = phase(3_600, |task, _| {
        let store = store.clone();
        async move {
            let mut rng = SplitMix(task + 1);
            for _ in 0..1_000 {
                let user = 1 + rng.next() % members;
                let amount = 1 + rng.next() % 5_000;
                store
                    .award(&grant(MemberId::new(RANK_GUILD, user), amount, t0()))
                    .await
                    .unwrap();
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
        "SELECT user_id FROM (SELECT user_id FROM members WHERE guild = ?1
                              ORDER BY bucket DESC, xp DESC, xp_reached_at, user_id LIMIT 20)
         UNION ALL
         SELECT user_id FROM (SELECT user_id FROM members WHERE guild = ?1
                              ORDER BY bucket, xp, xp_reached_at DESC, user_id DESC LIMIT 20)",
    )
    .bind(enc(RANK_GUILD))
    .fetch_all(store.pool())
    .await
    .unwrap();
    users.extend(ends.into_iter().map(|stored| (stored as u64) ^ (1 << 63)));

    // One client.
    let mut latencies = Vec::with_capacity(users.len());
    let mut worst = (Duration::ZERO, 0);
    for &user in &users {
        let start = Instant::now();
        let rank = store
            .rank(MemberId::new(RANK_GUILD, user))
            .await
            .unwrap()
            .unwrap();
        let took = start.elapsed();
        if took > worst.0 {
            worst = (took, rank);
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
        worst.1
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
             WHERE me.guild = ?1 AND me.user_id = ?2 AND o.guild = ?1
               AND (o.xp > me.xp OR (o.xp = me.xp AND (o.xp_reached_at, o.user_id) < (me.xp_reached_at, me.user_id)))",
        )
        .bind(enc(RANK_GUILD))
        .bind(enc(user))
        .fetch_one(store.pool())
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
    members
}

async fn reopen(path: &std::path::Path, options: SqliteOptions, members: u64) {
    let size = std::fs::metadata(path).map_or(0, |m| m.len());
    let started = Instant::now();
    let store = SqliteStore::open_with(path, options).await.expect("reopen");
    let opened = started.elapsed();
    let rank = store
        .rank(MemberId::new(RANK_GUILD, members / 2))
        .await
        .unwrap();
    println!(
        "\n### Opening\n\nreopened the {members}-member file ({:.0} MB) in {} (first rank {} after {})",
        size as f64 / 1e6,
        ms(opened),
        rank.unwrap_or(0),
        ms(started.elapsed())
    );
}
