//! Guild settings on PostgreSQL beyond the conformance cases: the stored JSON text, exact
//! f64s, what a stale write leaves behind, corrupt rows, and versions in commit order
//! under concurrent writers.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::TimeDelta;
use leveling_core::storage::{SettingsStore, SettingsWrite};
use leveling_core::testing::cases::{custom_settings, t0};
use leveling_core::{ErrorKind, GuildId, GuildSettings, PageRequest, RoleId, Rules, UserId};
use leveling_storage_postgres::PostgresStore;

fn defaults() -> GuildSettings {
    GuildSettings::from_rules(&Rules::default())
}

fn first_write(guild: u64, settings: GuildSettings) -> SettingsWrite {
    SettingsWrite {
        guild: GuildId(guild),
        expected: None,
        after: settings.clone(),
        settings: Some(settings),
        actor: None,
        before: defaults(),
        now: t0(),
    }
}

async fn counter(store: &PostgresStore) -> i64 {
    sqlx::query_scalar("SELECT version FROM settings_version")
        .fetch_one(store.pool())
        .await
        .unwrap()
}

/// The row holds serde_json's text as written; f64s of every magnitude come back bit for
/// bit; ids at both ends of `u64` and a missing actor round-trip.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_are_exact_json_text_and_f64s_round_trip() {
    let Some(store) = common::fresh_store().await else {
        return;
    };
    let mut settings = custom_settings();
    // Deterministic f64s over the whole multiplier range, most of them 17 significant
    // digits long (where a best-effort float parser may land one ULP off).
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut factors = BTreeMap::new();
    for id in 0..500u64 {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let factor = (x >> 11) as f64 / (1u64 << 53) as f64 * 10.0;
        factors.insert(id, factor);
        settings.multipliers.roles.insert(id.into(), factor);
    }
    settings.multipliers.channels.insert(1.into(), 0.1 + 0.2);
    settings.multipliers.channels.insert(2.into(), 1.0 / 3.0);
    settings
        .multipliers
        .channels
        .insert(3.into(), f64::MIN_POSITIVE);
    settings.multipliers.channels.insert(4.into(), 5e-324);

    let mut write = first_write(u64::MAX, settings.clone());
    write.actor = Some(UserId(0));
    let row = store.save_guild_settings(&write).await.unwrap();
    let read = store.guild_settings(GuildId(u64::MAX)).await.unwrap();
    assert_eq!(read.as_ref(), Some(&row));
    let read = read.unwrap().settings.unwrap();
    assert_eq!(read, settings);
    for (id, factor) in &factors {
        let back = read.multipliers.roles[&RoleId::from(*id)];
        assert_eq!(
            back.to_bits(),
            factor.to_bits(),
            "role {id}: {factor} → {back}"
        );
    }

    let text: String = sqlx::query_scalar("SELECT settings FROM guild_settings")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(text, serde_json::to_string(&settings).unwrap());

    let audit = store
        .settings_audit(GuildId(u64::MAX), PageRequest::first(1))
        .await
        .unwrap();
    assert_eq!(audit.items[0].actor, Some(UserId(0)));
    assert_eq!(audit.items[0].after, settings);

    // No actor: NULL, and back as `None`.
    let system = store
        .save_guild_settings(&first_write(0, defaults()))
        .await
        .unwrap();
    assert!(system.version > row.version);
    let audit = store
        .settings_audit(GuildId(0), PageRequest::first(1))
        .await
        .unwrap();
    assert_eq!(audit.items[0].actor, None);
}

/// A refused write leaves the version counter, the row and the log as they were.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_write_rolls_the_version_counter_back() {
    let Some(store) = common::fresh_store().await else {
        return;
    };
    assert_eq!(counter(&store).await, 0);
    let first = store
        .save_guild_settings(&first_write(1, custom_settings()))
        .await
        .unwrap();
    assert_eq!(counter(&store).await, 1);
    let mut stale = first_write(1, defaults());
    for expected in [None, Some(first.version + 1), Some(u64::MAX)] {
        stale.expected = expected;
        let refused = store.save_guild_settings(&stale).await.unwrap_err();
        assert_eq!(refused.kind(), ErrorKind::Conflict, "{refused}");
    }
    assert_eq!(counter(&store).await, 1);
    assert_eq!(store.guild_settings(GuildId(1)).await.unwrap(), Some(first));
    let audit: i64 = sqlx::query_scalar("SELECT count(*) FROM settings_audit")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(audit, 1);
}

/// Corrupt or foreign JSON in the tables is an `Internal` error naming the table, from
/// every read that meets it; never a panic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_stored_settings_are_an_internal_error() {
    let Some(store) = common::fresh_store().await else {
        return;
    };
    store
        .save_guild_settings(&first_write(1, custom_settings()))
        .await
        .unwrap();
    for bad in [r#"{"rules": "#, r#"{"unknown": 1}"#, "null", ""] {
        sqlx::query("UPDATE guild_settings SET settings = $1")
            .bind(bad)
            .execute(store.pool())
            .await
            .unwrap();
        let error = store.guild_settings(GuildId(1)).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Internal, "{bad:?}: {error}");
        assert!(error.to_string().contains("guild_settings"), "{error}");
        let error = store.settings_changed(0, 10).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Internal, "{bad:?}: {error}");

        sqlx::query("UPDATE settings_audit SET after = $1")
            .bind(bad)
            .execute(store.pool())
            .await
            .unwrap();
        let error = store
            .settings_audit(GuildId(1), PageRequest::first(10))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Internal, "{bad:?}: {error}");
        assert!(error.to_string().contains("settings_audit"), "{error}");
    }
}

/// Writers of many guilds at once while a cache polls `settings_changed` with a cursor:
/// versions are handed out in commit order, so the cache ends up with every guild (a
/// write committing late under a version below the cursor would be missed forever).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cache_polling_versions_misses_no_concurrent_write() {
    let Some(store) = common::store_with(12).await else {
        return;
    };
    let store = Arc::new(store);
    const WRITERS: u64 = 8;
    const GUILDS_EACH: u64 = 40;
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                for g in 0..GUILDS_EACH {
                    let guild = 1 + w * GUILDS_EACH + g;
                    let mut settings = defaults();
                    settings.rules.message.xp = guild;
                    let mut write = first_write(guild, settings);
                    write.now = t0() + TimeDelta::microseconds(guild as i64);
                    store.save_guild_settings(&write).await.unwrap();
                }
            })
        })
        .collect();

    let mut cursor = 0;
    let mut seen = BTreeMap::new();
    let mut polls = 0u32;
    loop {
        let done = writers.iter().all(|w| w.is_finished());
        // Small pages, so the cursor often moves past versions other writers hold.
        let rows = store.settings_changed(cursor, 3).await.unwrap();
        for row in &rows {
            assert!(row.version > cursor, "{} after {cursor}", row.version);
            cursor = row.version;
            seen.insert(row.guild, row.version);
        }
        polls += 1;
        if done && rows.is_empty() {
            break;
        }
        tokio::task::yield_now().await;
    }
    for writer in writers {
        writer.await.unwrap();
    }
    assert_eq!(
        seen.len() as u64,
        WRITERS * GUILDS_EACH,
        "after {polls} polls"
    );
    let versions: Vec<u64> = seen.values().copied().collect();
    let mut sorted = versions.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), versions.len());
    assert_eq!(*sorted.last().unwrap(), WRITERS * GUILDS_EACH);
}

/// A settings write on one replica reaches another replica's cache through LISTEN/NOTIFY
/// at once — long before its poll (here a minute) would have found it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_replicas_settings_cache_follows_a_write_at_once() {
    let Some(options) = common::server().await else {
        return;
    };
    let schema = common::fresh_schema(&options).await;
    let options = options.options([("search_path", schema.as_str())]);
    let pool = || sqlx::postgres::PgPoolOptions::new().max_connections(4);
    let first = common::connect(options.clone(), pool()).await;
    let second = common::connect(options, pool()).await;
    let writer = leveling_core::Leveling::builder(first).build();
    let follower = leveling_core::Leveling::builder(second.clone()).build();
    tokio::spawn(second.follow_settings(follower.clone(), std::time::Duration::from_secs(60)));
    let guild = GuildId(5);
    // Cached on the follower: the defaults.
    assert!(
        follower
            .guild_settings(guild)
            .await
            .unwrap()
            .settings
            .rewards
            .roles
            .is_empty()
    );
    // Let the listener start before the write.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    writer
        .modify_guild_settings(guild, None, |current| {
            let mut next = current.clone();
            next.rewards.roles.push(leveling_core::RewardRole {
                level: 3,
                role_id: RoleId(9),
            });
            Ok(next)
        })
        .await
        .unwrap();
    let written = std::time::Instant::now();
    loop {
        let view = follower.guild_settings(guild).await.unwrap();
        if view.settings.rewards.roles.len() == 1 {
            break;
        }
        assert!(
            written.elapsed() < std::time::Duration::from_secs(5),
            "the follower's cache did not follow the write"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
