//! SQLite-specific behaviour: contention through the one writer, exactness of the rank
//! counts, everything back after a reopen, files that are not leveling databases, two
//! stores (as two processes would) on one file.

mod common;

use std::sync::Arc;
use std::time::Duration;

use leveling_core::storage::{
    AdjustRequest, Adjustment, AwardOutcome, AwardRequest, CatalogStore, ProfileStore,
    SettingsStore, SettingsWrite, StatusStore, XpStore,
};
use leveling_core::testing::cases::{custom_settings, grant, message, t0};
use leveling_core::{
    ChannelId, ErrorKind, GuildId, GuildSettings, MemberId, NewUser, PageRequest, Rules, Source,
    Tool, ToolId, UnlockReason, UserId,
};
use leveling_storage_sqlite::{Durability, SqliteOptions, SqliteStore};
use tokio::sync::Barrier;

const GUILD: GuildId = GuildId(1);

fn member(user: u64) -> MemberId {
    MemberId::new(GUILD, user)
}

async fn xp_of(store: &SqliteStore, id: MemberId) -> u64 {
    store.member(id).await.unwrap().map_or(0, |m| m.xp)
}

async fn history_len(store: &SqliteStore, id: MemberId) -> u64 {
    store
        .history(id, PageRequest::first(1))
        .await
        .unwrap()
        .total
}

/// 32 tasks × 1,000 awards, one in eight to a member every task shares: every XP and
/// every history row is there.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_tasks_times_a_thousand_awards_add_up_exactly() {
    let (store, _dir) = common::fresh().await;
    let store = Arc::new(store);
    let shared = member(1);
    let tasks: Vec<_> = (0..32u64)
        .map(|task| {
            let store = store.clone();
            tokio::spawn(async move {
                for i in 0..1_000u64 {
                    let id = if i % 8 == 0 {
                        shared
                    } else {
                        member(100 + task)
                    };
                    let outcome = store.award(&grant(id, 3, t0())).await.unwrap().outcome;
                    assert!(matches!(outcome, AwardOutcome::Granted(_)));
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(xp_of(&store, shared).await, 32 * 125 * 3);
    assert_eq!(history_len(&store, shared).await, 32 * 125);
    for task in 0..32 {
        assert_eq!(xp_of(&store, member(100 + task)).await, 875 * 3);
    }
    let stats = store.stats().await.unwrap();
    assert_eq!((stats.members, stats.total_xp), (33, 32_000 * 3));
    common::assert_counts_exact(&store).await;
}

/// 100 message awards of one new member released at once: one granted, 99 refused with
/// the cooldown, 75 XP.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_simultaneous_messages_grant_exactly_one() {
    let (store, _dir) = common::fresh().await;
    let store = Arc::new(store);
    let barrier = Arc::new(Barrier::new(100));
    let id = member(7);
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let (store, barrier) = (store.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                store.award(&message(id, t0())).await.unwrap().outcome
            })
        })
        .collect();
    let mut granted = 0;
    for task in tasks {
        match task.await.unwrap() {
            AwardOutcome::Granted(_) => granted += 1,
            AwardOutcome::Cooldown { remaining, xp } => {
                assert_eq!((remaining, xp), (Duration::from_secs(60), 75));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(granted, 1);
    assert_eq!(xp_of(&store, id).await, 75);
    assert_eq!(history_len(&store, id).await, 3);
}

/// 32 retries of one keyed message at once: applied once, every answer the same grant
/// (claim included), 31 of them replays.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_retries_of_one_key_award_once() {
    let (store, _dir) = common::fresh().await;
    let store = Arc::new(store);
    let barrier = Arc::new(Barrier::new(32));
    let id = member(8);
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let (store, barrier) = (store.clone(), barrier.clone());
            tokio::spawn(async move {
                let request = AwardRequest {
                    idempotency_key: Some("retry-me".into()),
                    ..message(id, t0())
                };
                barrier.wait().await;
                store.award(&request).await.unwrap()
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    assert_eq!(outcomes.iter().filter(|o| !o.replayed).count(), 1);
    assert!(outcomes.iter().all(|o| o.outcome == outcomes[0].outcome));
    let AwardOutcome::Granted(granted) = &outcomes[0].outcome else {
        panic!("expected a grant");
    };
    assert_eq!(
        (granted.xp_after, granted.daily.map(|d| d.streak_days)),
        (75, Some(1))
    );
    assert_eq!(xp_of(&store, id).await, 75);
}

/// Close the store, open the file again: members, streaks, cooldowns, history, users,
/// tools, grants, idempotency keys, guild settings (a written and a reset guild, their
/// versions) and the settings audit log are all there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reopened_store_has_everything() {
    let dir = common::TempDir::new();
    let path = dir.file("leveling.db");
    let id = member(9);
    let keyed = AwardRequest {
        idempotency_key: Some("order-1".into()),
        ..message(id, t0())
    };
    let tool = Tool {
        id: ToolId::new("poll").unwrap(),
        name: "Polls".into(),
        description: "make polls".into(),
        tier: "Basic".into(),
        required_level: 0,
        url: None,
    };
    let user = NewUser {
        id: UserId(9),
        username: "ada".into(),
        display_name: Some("Ada".into()),
        avatar_url: None,
    };
    let defaults = GuildSettings::from_rules(&Rules::default());
    let settings_write = |guild: u64, expected, settings: Option<GuildSettings>, before| {
        let after = settings.clone().unwrap_or_else(|| defaults.clone());
        SettingsWrite {
            guild: GuildId(guild),
            expected,
            settings,
            actor: (guild == 1).then_some(UserId(900)),
            before,
            after,
            now: t0() + chrono::TimeDelta::microseconds(guild as i64),
        }
    };
    let (first, board, history, profile, settings) = {
        let store = SqliteStore::open(&path).await.unwrap();
        // Guild 1 written; guild 2 written, then reset (a row without settings).
        let one = store
            .save_guild_settings(&settings_write(
                1,
                None,
                Some(custom_settings()),
                defaults.clone(),
            ))
            .await
            .unwrap();
        let two = store
            .save_guild_settings(&settings_write(
                2,
                None,
                Some(custom_settings()),
                defaults.clone(),
            ))
            .await
            .unwrap();
        store
            .save_guild_settings(&settings_write(
                2,
                Some(two.version),
                None,
                custom_settings(),
            ))
            .await
            .unwrap();
        assert!(one.version < two.version);
        let first = store.award(&keyed).await.unwrap();
        store.award(&grant(member(10), 500, t0())).await.unwrap();
        store
            .adjust(&AdjustRequest {
                member: member(11),
                adjustment: Adjustment::Set(10_500),
                actor: Some(UserId(900)),
                reason: Some("import".into()),
                now: t0(),
            })
            .await
            .unwrap();
        store.upsert_user(&user, t0()).await.unwrap();
        store.create_tool(&tool).await.unwrap();
        store
            .record_unlock(id, &tool.id, UnlockReason::Grant, t0())
            .await
            .unwrap();
        let board = store
            .leaderboard(GUILD, PageRequest::first(10))
            .await
            .unwrap();
        let history = store.history(id, PageRequest::first(10)).await.unwrap();
        let profile = store.user(UserId(9)).await.unwrap();
        let settings = (
            store.settings_changed(0, 100).await.unwrap(),
            store
                .settings_audit(GuildId(1), PageRequest::first(10))
                .await
                .unwrap(),
            store
                .settings_audit(GuildId(2), PageRequest::first(10))
                .await
                .unwrap(),
        );
        (first, board, history, profile, settings)
    };
    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(
        store
            .leaderboard(GUILD, PageRequest::first(10))
            .await
            .unwrap(),
        board
    );
    assert_eq!(
        store.history(id, PageRequest::first(10)).await.unwrap(),
        history
    );
    assert_eq!(store.user(UserId(9)).await.unwrap(), profile);
    assert_eq!(store.tools().await.unwrap(), vec![tool.clone()]);
    let unlocks = store.unlocks(id).await.unwrap();
    assert_eq!(
        (unlocks.len(), unlocks[0].reason, unlocks[0].at),
        (1, UnlockReason::Grant, t0())
    );
    let m = store.member(id).await.unwrap().unwrap();
    assert_eq!((m.xp, m.streak.days, m.xp_reached_at), (75, 1, t0()));
    assert_eq!(store.rank(member(11)).await.unwrap(), Some(1));
    // The key replays the first grant; the cooldown still runs.
    let replay = store.award(&keyed).await.unwrap();
    assert!(replay.replayed);
    assert_eq!(replay.outcome, first.outcome);
    let later = message(id, t0() + chrono::TimeDelta::seconds(30));
    assert_eq!(
        store.award(&later).await.unwrap().outcome,
        AwardOutcome::Cooldown {
            remaining: Duration::from_secs(30),
            xp: 75
        }
    );
    common::assert_counts_exact(&store).await;

    let (changed, audit_one, audit_two) = settings;
    assert_eq!(store.settings_changed(0, 100).await.unwrap(), changed);
    assert_eq!(changed.len(), 2);
    assert_eq!(changed[0].settings, Some(custom_settings()));
    assert_eq!(
        (changed[1].guild, changed[1].settings.as_ref()),
        (GuildId(2), None)
    );
    assert_eq!(
        store.guild_settings(GuildId(1)).await.unwrap().as_ref(),
        Some(&changed[0])
    );
    assert_eq!(
        store.guild_settings(GuildId(2)).await.unwrap().as_ref(),
        Some(&changed[1])
    );
    let reopened_one = store
        .settings_audit(GuildId(1), PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(reopened_one, audit_one);
    assert_eq!(
        (
            audit_one.total,
            audit_one.items[0].actor,
            &audit_one.items[0].after
        ),
        (1, Some(UserId(900)), &custom_settings())
    );
    let reopened_two = store
        .settings_audit(GuildId(2), PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(reopened_two, audit_two);
    assert_eq!(
        (
            audit_two.total,
            audit_two.items[0].actor,
            &audit_two.items[0].after
        ),
        (2, None, &defaults)
    );
    // Versions go on above the reopened file's: a stale write is still refused, a
    // current one gets a greater version than every row before.
    let stale = store
        .save_guild_settings(&settings_write(1, None, None, custom_settings()))
        .await;
    assert_eq!(stale.unwrap_err().kind(), ErrorKind::Conflict);
    let next = store
        .save_guild_settings(&settings_write(
            1,
            Some(changed[0].version),
            None,
            custom_settings(),
        ))
        .await
        .unwrap();
    assert!(next.version > changed[1].version);
}

/// `f64` multipliers and the event time read back bit for bit from the file, including
/// values whose shortest decimal form has 17 digits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_floats_round_trip_exactly() {
    let (store, _dir) = common::fresh().await;
    let mut settings = custom_settings();
    // The first two read back one ulp off with serde_json's default float parser (about
    // one random multiplier in ten does): the crate enables `float_roundtrip`.
    let factors = [
        1.547_679_737_013_702_5,
        2.767_247_959_905_608_6,
        0.1 + 0.2,
        2.0 / 3.0,
        1.0 + f64::EPSILON,
        std::f64::consts::PI,
        4.999_999_999_999_999,
        f64::MIN_POSITIVE,
        5e-324,
    ];
    for (i, factor) in factors.iter().enumerate() {
        settings
            .multipliers
            .channels
            .insert(ChannelId(1_000 + i as u64), *factor);
    }
    let write = SettingsWrite {
        guild: GUILD,
        expected: None,
        settings: Some(settings.clone()),
        actor: None,
        before: GuildSettings::from_rules(&Rules::default()),
        after: settings.clone(),
        now: t0() + chrono::TimeDelta::microseconds(999_999),
    };
    let row = store.save_guild_settings(&write).await.unwrap();
    let read = store.guild_settings(GUILD).await.unwrap().unwrap();
    assert_eq!(read, row);
    let stored = read.settings.unwrap();
    for (i, factor) in factors.iter().enumerate() {
        let back = stored.multipliers.channels[&ChannelId(1_000 + i as u64)];
        assert_eq!(back.to_bits(), factor.to_bits(), "{factor:e}");
    }
    assert_eq!(stored, settings);
    let audit = store
        .settings_audit(GUILD, PageRequest::first(1))
        .await
        .unwrap();
    assert_eq!(audit.items[0].after, settings);
}

/// Settings JSON that does not decode (edited by hand, another program) is an `Internal`
/// error naming what was read, from every read, never a panic; a multiplier that is not a
/// finite number (JSON has none) is refused before anything is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_settings_in_the_file_are_an_internal_error() {
    let (store, _dir) = common::fresh().await;
    let defaults = GuildSettings::from_rules(&Rules::default());
    let write = SettingsWrite {
        guild: GUILD,
        expected: None,
        settings: Some(custom_settings()),
        actor: None,
        before: defaults.clone(),
        after: custom_settings(),
        now: t0(),
    };
    store.save_guild_settings(&write).await.unwrap();
    // Damaged by hand, outside the store.
    sqlx::query("UPDATE guild_settings SET settings = '{\"rules\": 3'")
        .execute(store.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE settings_audit SET after = '[]'")
        .execute(store.pool())
        .await
        .unwrap();
    let error = store.guild_settings(GUILD).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Internal);
    assert!(error.to_string().contains("guild settings"), "{error}");
    let error = store.settings_changed(0, 10).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Internal);
    let error = store
        .settings_audit(GUILD, PageRequest::first(10))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Internal);
    assert!(error.to_string().contains("settings audit"), "{error}");

    let mut broken = custom_settings();
    broken.multipliers.roles.insert(5.into(), f64::NAN);
    let refused = store
        .save_guild_settings(&SettingsWrite {
            guild: GuildId(2),
            settings: Some(broken),
            ..write
        })
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::InvalidInput);
    assert_eq!(store.guild_settings(GuildId(2)).await.unwrap(), None);
    let audit = store
        .settings_audit(GuildId(2), PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(audit.total, 0);
}

/// A member's rank equals its position in a brute-force sort, after random grants, admin
/// changes, saturation and ties, in two guilds; deep leaderboard pages agree too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rank_and_deep_pages_match_a_brute_force_order() {
    let (store, _dir) = common::fresh().await;
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for i in 0..1_500u64 {
        let guild = GuildId(1 + next() % 2);
        let id = MemberId::new(guild, next() % 700);
        let now = t0() + chrono::TimeDelta::seconds((next() % 50) as i64);
        match i % 10 {
            0 => {
                let adjustment = match next() % 4 {
                    0 => Adjustment::Add(-((next() % 5_000) as i64)),
                    1 => Adjustment::Set(next() % 3_000_000),
                    2 => Adjustment::Reset,
                    _ => Adjustment::Set(u64::MAX),
                };
                store
                    .adjust(&AdjustRequest {
                        member: id,
                        adjustment,
                        actor: None,
                        reason: None,
                        now,
                    })
                    .await
                    .unwrap();
            }
            _ => {
                // Amounts in a few values, so ties are common.
                let amount = [10, 100, 1_000, 250_000][(next() % 4) as usize];
                store.award(&grant(id, amount, now)).await.unwrap();
            }
        }
    }
    common::assert_counts_exact(&store).await;
    for guild in [GuildId(1), GuildId(2)] {
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT user_id, xp, xp_reached_at FROM members WHERE guild = ?1
             ORDER BY xp DESC, xp_reached_at, user_id",
        )
        .bind((guild.0 ^ (1 << 63)) as i64)
        .fetch_all(store.pool())
        .await
        .unwrap();
        let users: Vec<u64> = rows.iter().map(|r| (r.0 as u64) ^ (1 << 63)).collect();
        for (position, &user) in users.iter().enumerate() {
            let rank = store.rank(MemberId::new(guild, user)).await.unwrap();
            assert_eq!(
                rank,
                Some(position as u64 + 1),
                "rank of {user} in {guild:?}"
            );
        }
        for offset in [0, 480, 500, 501, 555, 640, users.len() as u64 - 1, 5_000] {
            let page = store
                .leaderboard(guild, PageRequest::new(37, offset))
                .await
                .unwrap();
            assert_eq!(page.total, users.len() as u64);
            let got: Vec<(u64, u64)> = page.items.iter().map(|s| (s.rank, s.user.0)).collect();
            let want: Vec<(u64, u64)> = users
                .iter()
                .enumerate()
                .skip(offset as usize)
                .take(37)
                .map(|(i, &u)| (i as u64 + 1, u))
                .collect();
            assert_eq!(got, want, "page at {offset} of {guild:?}");
        }
    }
}

/// Ids at both ends of `u64` (guild 0 is the server's default guild) round-trip.
#[tokio::test]
async fn extreme_ids_round_trip() {
    let (store, _dir) = common::fresh().await;
    for (guild, user) in [(0, 0), (0, u64::MAX), (u64::MAX, 1)] {
        let id = MemberId::new(guild, user);
        store.award(&message(id, t0())).await.unwrap();
        assert_eq!(xp_of(&store, id).await, 75);
        assert_eq!(
            store.rank(id).await.unwrap(),
            Some(if user == u64::MAX { 2 } else { 1 })
        );
        let page = store.history(id, PageRequest::first(5)).await.unwrap();
        assert_eq!(page.items[2].source, Source::Message);
        let board = store
            .leaderboard(GuildId(guild), PageRequest::first(5))
            .await
            .unwrap();
        assert!(board.items.iter().any(|s| s.user == UserId(user)));
    }
}

/// Two stores on one file, as two processes would be: each commits through the file's
/// lock, the totals are exact and a cooldown lets one message through across both.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_stores_on_one_file_stay_exact() {
    let dir = common::TempDir::new();
    let path = dir.file("leveling.db");
    let a = Arc::new(SqliteStore::open(&path).await.unwrap());
    let b = Arc::new(SqliteStore::open(&path).await.unwrap());
    let barrier = Arc::new(Barrier::new(16));
    let tasks: Vec<_> = (0..16u64)
        .map(|task| {
            let store = if task % 2 == 0 { a.clone() } else { b.clone() };
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                let mut granted = 0;
                for i in 0..200u64 {
                    store.award(&grant(member(i % 40), 2, t0())).await.unwrap();
                    let outcome = store.award(&message(member(1_000 + i % 10), t0())).await;
                    if matches!(outcome.unwrap().outcome, AwardOutcome::Granted(_)) {
                        granted += 1;
                    }
                }
                granted
            })
        })
        .collect();
    let mut granted = 0;
    for task in tasks {
        granted += task.await.unwrap();
    }
    assert_eq!(granted, 10, "one message per member through the cooldown");
    for i in 0..40 {
        assert_eq!(xp_of(&a, member(i)).await, 16 * 5 * 2);
    }
    common::assert_counts_exact(&a).await;
    assert!(b.rank(member(1_000)).await.unwrap().is_some());
}

/// A file that is not SQLite, or another program's database, is refused naming the path;
/// a missing directory is reported too.
#[tokio::test]
async fn foreign_files_are_refused_naming_the_path() {
    let dir = common::TempDir::new();
    let text = dir.file("notes.txt");
    std::fs::write(
        &text,
        "these are not the tables you are looking for\n".repeat(100),
    )
    .unwrap();
    let error = SqliteStore::open(&text).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
    assert!(error.to_string().contains("notes.txt"), "{error}");
    assert!(
        error.to_string().contains("not a SQLite database"),
        "{error}"
    );

    let other = dir.file("other.db");
    {
        let pool = sqlx::SqlitePool::connect_with(
            sqlx::sqlite::SqliteConnectOptions::new()
                .filename(&other)
                .create_if_missing(true),
        )
        .await
        .unwrap();
        sqlx::query("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
    let error = SqliteStore::open(&other).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
    assert!(error.to_string().contains("other.db"), "{error}");
    assert!(
        error.to_string().contains("not a leveling database"),
        "{error}"
    );

    let missing = dir.file("no/such/dir/leveling.db");
    let error = SqliteStore::open(&missing).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unavailable, "{error}");
    assert!(error.to_string().contains("no/such/dir"), "{error}");
}

/// Opening outside a tokio runtime is an error, not a store without its writer.
#[test]
fn open_outside_a_runtime_is_an_error() {
    let dir = common::TempDir::new();
    let error = futures::executor::block_on(SqliteStore::open(dir.file("x.db"))).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    assert!(error.to_string().contains("tokio runtime"), "{error}");
}

/// The settings reach the file: WAL, the durability's `synchronous`, foreign keys.
#[tokio::test]
async fn settings_reach_the_file() {
    for (durability, synchronous) in [(Durability::Normal, 1), (Durability::Full, 2)] {
        let (store, _dir) = common::fresh_with(SqliteOptions::new().durability(durability)).await;
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(store.pool())
            .await
            .unwrap();
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(store.pool())
            .await
            .unwrap();
        let keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!((mode.as_str(), sync, keys), ("wal", synchronous, 1));
        store.award(&grant(member(1), 5, t0())).await.unwrap();
        assert_eq!(store.durability(), durability);
    }
}

/// An unlock of an unknown tool is `NotFound`, and does not fail the writes batched with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_tool_unlock_is_not_found() {
    let (store, _dir) = common::fresh().await;
    let store = Arc::new(store);
    let ghost = ToolId::new("ghost").unwrap();
    let awards: Vec<_> = (0..20u64)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move { store.award(&grant(member(i), 1, t0())).await })
        })
        .collect();
    let error = store
        .record_unlock(member(1), &ghost, UnlockReason::Grant, t0())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound);
    for award in awards {
        award.await.unwrap().unwrap();
    }
    assert_eq!(store.stats().await.unwrap().total_xp, 20);
}

/// Settings writes queued together with awards share their batch: a stale one is refused
/// alone (`Conflict`, nothing written), while the awards and a current settings write of
/// the same batch commit, versions in queue order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_settings_write_does_not_fail_its_batch() {
    let (store, _dir) = common::fresh().await;
    let defaults = GuildSettings::from_rules(&Rules::default());
    let write = |guild: u64, expected: Option<u64>| SettingsWrite {
        guild: GuildId(guild),
        expected,
        settings: Some(custom_settings()),
        actor: None,
        before: defaults.clone(),
        after: custom_settings(),
        now: t0(),
    };
    let base = store.save_guild_settings(&write(1, None)).await.unwrap();
    // Queued at once (each future queues its write when first polled), so they normally
    // share one batch; what is asserted holds however the writer splits them.
    let grants: Vec<_> = (0..20u64).map(|i| grant(member(i), 1, t0())).collect();
    let awards = futures::future::join_all(grants.iter().map(|request| store.award(request)));
    let stale = write(1, None);
    let current = write(1, Some(base.version));
    let fresh = write(2, None);
    let (awards, stale, current, fresh) = tokio::join!(
        awards,
        store.save_guild_settings(&stale),
        store.save_guild_settings(&current),
        store.save_guild_settings(&fresh),
    );
    for award in awards {
        award.unwrap();
    }
    assert_eq!(stale.unwrap_err().kind(), ErrorKind::Conflict);
    let (current, fresh) = (current.unwrap(), fresh.unwrap());
    assert!(base.version < current.version && current.version < fresh.version);
    assert_eq!(store.stats().await.unwrap().total_xp, 20);
    assert_eq!(
        store.settings_changed(0, 10).await.unwrap(),
        [current, fresh]
    );
    let audit = store
        .settings_audit(GuildId(1), PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(audit.total, 2);
}
