//! PostgreSQL-specific behaviour of imports, restores and forgetting a user: the rank
//! counts stay exact through every one of them (also racing awards), a user's rows are
//! found by index, and an outage is `Unavailable`.

mod common;

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use leveling_core::storage::{
    HistoryEntry, ImportMode, ImportRecord, MAX_XP, Member, MemberRecord, Restore, TransferStore,
    XpImport, XpStore,
};
use leveling_core::testing::cases::{grant, t0};
use leveling_core::{ErrorKind, GuildId, MemberId, PageRequest, Source, Streak, UserId};
use leveling_storage_postgres::{PgConnectOptions, PgPoolOptions, PostgresStore};

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn import(guild: u64, mode: ImportMode, records: Vec<(u64, u64)>, seconds: i64) -> XpImport {
    XpImport {
        guild: GuildId(guild),
        records: records
            .into_iter()
            .map(|(user, xp)| ImportRecord {
                user: UserId(user),
                xp,
            })
            .collect(),
        mode,
        reason: Some("backup.json".into()),
        now: t0() + TimeDelta::seconds(seconds),
    }
}

fn record(id: MemberId, xp: u64, seconds: i64) -> MemberRecord {
    let at = t0() + TimeDelta::seconds(seconds);
    MemberRecord {
        member: Member {
            id,
            xp,
            streak: Streak::default(),
            xp_reached_at: at,
        },
        history: vec![HistoryEntry {
            amount: xp as i64,
            source: Source::Import,
            xp_before: 0,
            xp_after: xp,
            actor: None,
            reason: None,
            created_at: at,
        }],
        unlocks: Vec::new(),
    }
}

/// Every member's rank and the leaderboard match a brute-force sort.
async fn assert_ranks_exact(store: &PostgresStore, guild: GuildId) {
    let mut expected = Vec::new();
    let mut after = None;
    loop {
        let page = store.members_after(Some(guild), after, 100).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for m in &page {
            expected.push((std::cmp::Reverse(m.xp), m.xp_reached_at, m.id.user.0));
        }
    }
    expected.sort();
    let board = store
        .leaderboard(guild, PageRequest::first(1_000))
        .await
        .unwrap();
    assert_eq!(board.total, expected.len() as u64);
    let users: Vec<u64> = board.items.iter().map(|s| s.user.0).collect();
    let want: Vec<u64> = expected.iter().map(|e| e.2).collect();
    assert_eq!(users, want, "guild {guild}");
    for (position, &(_, _, user)) in expected.iter().enumerate() {
        let rank = store.rank(MemberId::new(guild, user)).await.unwrap();
        assert_eq!(
            rank,
            Some(position as u64 + 1),
            "guild {guild}, user {user}"
        );
    }
}

/// Random awards, imports (add and replace, zeros, saturation, totals far across bucket
/// boundaries), restores over existing and new members, and forgotten users, in two
/// guilds: the bucket counts match a recount and every rank is exact.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn transfers_keep_rank_counts_exact() {
    let Some(store) = common::store_with(6).await else {
        return;
    };
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    // A few ids with the top bit set: the encoding flips it.
    let user = |rng: &mut Rng| {
        let n = rng.below(50);
        if n.is_multiple_of(10) {
            u64::MAX - n
        } else {
            100 + n
        }
    };
    for step in 0..300i64 {
        let guild = 1 + rng.below(2);
        let seconds = rng.below(5) as i64;
        match rng.below(10) {
            0..=3 => {
                let id = MemberId::new(guild, user(&mut rng));
                let now = t0() + TimeDelta::seconds(seconds);
                store
                    .award(&grant(id, 100 * (1 + rng.below(30)), now))
                    .await
                    .unwrap();
            }
            4..=6 => {
                let mode = if rng.below(2) == 0 {
                    ImportMode::Add
                } else {
                    ImportMode::Replace
                };
                let mut users: Vec<u64> = (0..1 + rng.below(12)).map(|_| user(&mut rng)).collect();
                users.sort_unstable();
                users.dedup();
                let records = users
                    .into_iter()
                    .map(|u| {
                        let xp = match rng.below(8) {
                            0 => 0,
                            1 => MAX_XP - rng.below(2),
                            2 => 1_000_000 + rng.below(10) * 250_000,
                            _ => 100 * rng.below(30),
                        };
                        (u, xp)
                    })
                    .collect();
                store
                    .import_xp(&import(guild, mode, records, seconds))
                    .await
                    .unwrap();
            }
            7 | 8 => {
                let mut users: Vec<u64> = (0..1 + rng.below(4)).map(|_| user(&mut rng)).collect();
                users.sort_unstable();
                users.dedup();
                let members = users
                    .into_iter()
                    .map(|u| {
                        let xp = 100 * rng.below(30) + 50_000 * rng.below(2);
                        record(MemberId::new(guild, u), xp, seconds)
                    })
                    .collect();
                store
                    .restore(&Restore {
                        users: Vec::new(),
                        members,
                    })
                    .await
                    .unwrap();
            }
            _ => {
                store.forget_user(UserId(user(&mut rng))).await.unwrap();
            }
        }
        if step % 100 == 99 {
            common::assert_buckets_exact(&store).await;
        }
    }
    common::assert_buckets_exact(&store).await;
    for guild in [GuildId(1), GuildId(2)] {
        assert_ranks_exact(&store, guild).await;
    }
}

/// Forgetting users while their awards and imports are in flight: the counts stay exact,
/// no history row is left without its member, and each remaining member's XP is the sum
/// of their history (nothing of a forgotten member's past survives into a new one).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forgetting_while_awards_and_imports_run_stays_exact() {
    let Some(store) = common::store_with(8).await else {
        return;
    };
    let store = Arc::new(store);
    let mut tasks = Vec::new();
    for task in 0..4u64 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for round in 0..40u64 {
                let user = 1 + (round + task) % 5;
                let guild = 1 + round % 3;
                match task {
                    0 | 1 => {
                        store
                            .award(&grant(MemberId::new(guild, user), 10 + task, t0()))
                            .await
                            .unwrap();
                    }
                    2 => {
                        let records = (1..=5).map(|u| (u, 7)).collect();
                        store
                            .import_xp(&import(guild, ImportMode::Add, records, 0))
                            .await
                            .unwrap();
                    }
                    _ => {
                        store.forget_user(UserId(user)).await.unwrap();
                        tokio::time::sleep(Duration::from_millis(2)).await;
                    }
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    common::assert_buckets_exact(&store).await;
    let orphans: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM xp_history AS h
         WHERE NOT EXISTS (SELECT 1 FROM members AS m WHERE m.guild = h.guild AND m.user_id = h.user_id)",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(orphans, 0, "history left behind by a forgotten member");
    let drifted: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM members AS m
         WHERE m.xp <> (SELECT COALESCE(sum(amount), 0) FROM xp_history AS h
                        WHERE h.guild = m.guild AND h.user_id = m.user_id)",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(drifted, 0, "a member's XP is not the sum of their history");
    for guild in 1..=3 {
        assert_ranks_exact(&store, GuildId(guild)).await;
    }
}

/// A user's memberships are read through `members_user`, not a scan of every guild's
/// members.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_users_memberships_are_found_by_index() {
    let Some(store) = common::store_with(2).await else {
        return;
    };
    for guild in 1..=3 {
        let records = (1..=2_000).map(|user| (user, 10 + user)).collect();
        store
            .import_xp(&import(guild, ImportMode::Replace, records, 0))
            .await
            .unwrap();
    }
    sqlx::query("ANALYZE members")
        .execute(store.pool())
        .await
        .unwrap();
    let plan: Vec<String> = sqlx::query_scalar(
        "EXPLAIN SELECT guild, user_id, xp FROM members WHERE user_id = 42 ORDER BY guild",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let plan = plan.join("\n");
    assert!(plan.contains("members_user"), "{plan}");
    let found = store.user_members(UserId(7)).await.unwrap();
    assert_eq!(found.len(), 3);
    assert!(found.iter().all(|m| m.xp == 17));
}

/// Every transfer call answers `Unavailable` when the server cannot be reached.
#[tokio::test]
async fn transfers_are_unavailable_when_the_server_is_down() {
    let url = "postgres://leveling@127.0.0.1:1/leveling?sslmode=disable";
    let (store, background) = PostgresStore::builder().build(
        PgPoolOptions::new()
            .acquire_timeout(Duration::from_millis(300))
            .connect_lazy_with(url.parse::<PgConnectOptions>().unwrap()),
    );
    tokio::spawn(background);
    let id = MemberId::new(1, 2);
    let kinds = [
        store
            .import_xp(&import(1, ImportMode::Add, vec![(2, 5)], 0))
            .await
            .unwrap_err()
            .kind(),
        store
            .restore(&Restore {
                users: Vec::new(),
                members: vec![record(id, 5, 0)],
            })
            .await
            .unwrap_err()
            .kind(),
        store
            .members_after(None, None, 10)
            .await
            .unwrap_err()
            .kind(),
        store.user_members(UserId(2)).await.unwrap_err().kind(),
        store.forget_user(UserId(2)).await.unwrap_err().kind(),
    ];
    assert_eq!(kinds, [ErrorKind::Unavailable; 5]);
}
