//! Per-guild settings through the engine: two guilds earning by different rules, and a
//! change made through one engine in force on another engine sharing the store once it
//! polls (what replicas of the server do every `DEFAULT_SETTINGS_POLL`), on the memory
//! store, one SQLite file and one PostgreSQL database.

use std::sync::Arc;

use leveling::chrono::{TimeZone, Utc};
use leveling::memory::MemoryStore;
use leveling::*;

fn patch(json: &str) -> GuildSettingsPatch {
    serde_json::from_str(json).unwrap()
}

fn clock() -> ManualClock {
    ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap())
}

#[tokio::test]
async fn two_guilds_earn_by_their_own_rules() {
    let leveling = Leveling::builder(MemoryStore::new()).clock(clock()).build();
    let (a, b) = (GuildId(1), GuildId(2));
    leveling
        .update_guild_settings(
            a,
            &patch(r#"{"rules": {"message": {"xp": 40}, "daily": {"xp": 0}, "streak": {"xp_per_day": 0}}}"#),
            Some(UserId(900)),
        )
        .await
        .unwrap();
    let in_a = leveling
        .award(Award::message(MemberId::new(a, 5)))
        .await
        .unwrap();
    let in_b = leveling
        .award(Award::message(MemberId::new(b, 5)))
        .await
        .unwrap();
    // Guild a: its own 40, no bonuses. Guild b: the defaults, 15 + 50 daily + 10 streak.
    assert_eq!((in_a.amount, in_b.amount), (40, 75));

    // The audit log has the change with its actor, before and after.
    let audit = leveling
        .settings_audit(a, PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(audit.total, 1);
    assert_eq!(audit.items[0].actor, Some(UserId(900)));
    assert_eq!(audit.items[0].before.rules.message.xp, 15);
    assert_eq!(audit.items[0].after.rules.message.xp, 40);

    // A source set to 0 XP earns nothing and claims nothing: the member's day stays
    // unclaimed for their next paying activity.
    leveling
        .update_guild_settings(a, &patch(r#"{"rules": {"command": {"xp": 0}}}"#), None)
        .await
        .unwrap();
    let command = leveling
        .award(Award::command(MemberId::new(a, 6)))
        .await
        .unwrap();
    assert!(command.excluded && !command.granted && command.daily.is_none());

    // A reset puts guild a back on the defaults.
    let view = leveling.reset_guild_settings(a, None).await.unwrap();
    assert!(!view.own);
    assert_eq!(view.settings, *leveling.default_settings());
}

#[tokio::test]
async fn a_change_through_one_engine_is_in_force_on_another_after_a_poll() {
    let store = Arc::new(MemoryStore::new());
    let first = Leveling::builder(store.clone()).clock(clock()).build();
    let second = Leveling::builder(store).clock(clock()).build();
    let guild = GuildId(7);
    // The second engine has seen the guild (its settings are cached: the defaults).
    assert_eq!(
        second
            .guild_settings(guild)
            .await
            .unwrap()
            .settings
            .rules
            .message
            .xp,
        15
    );

    first
        .update_guild_settings(guild, &patch(r#"{"rules": {"message": {"xp": 99}}}"#), None)
        .await
        .unwrap();
    // Not yet polled: the second engine still uses what it cached.
    assert_eq!(
        second
            .guild_settings(guild)
            .await
            .unwrap()
            .settings
            .rules
            .message
            .xp,
        15
    );
    assert_eq!(second.poll_settings().await.unwrap(), 1);
    assert_eq!(
        second
            .guild_settings(guild)
            .await
            .unwrap()
            .settings
            .rules
            .message
            .xp,
        99
    );
    let award = second
        .award(Award::message(MemberId::new(guild, 1)))
        .await
        .unwrap();
    assert_eq!(award.amount, 99 + 50 + 10);
    // Nothing new: a poll applies nothing.
    assert_eq!(second.poll_settings().await.unwrap(), 0);
}

#[tokio::test]
async fn concurrent_patches_of_one_guild_all_land() {
    let leveling = Leveling::builder(Arc::new(MemoryStore::new()))
        .clock(clock())
        .build();
    let guild = GuildId(3);
    // 12 admins at once, each adding their own role multiplier: none is lost.
    let tasks: Vec<_> = (1..=12u64)
        .map(|role| {
            let leveling = leveling.clone();
            tokio::spawn(async move {
                let json = format!(r#"{{"multipliers": {{"roles": {{"{role}": 1.5}}}}}}"#);
                leveling
                    .update_guild_settings(guild, &patch(&json), None)
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let view = leveling.guild_settings(guild).await.unwrap();
    assert_eq!(view.settings.multipliers.roles.len(), 12);
    let audit = leveling
        .settings_audit(guild, PageRequest::first(100))
        .await
        .unwrap();
    assert_eq!(audit.total, 12);
}

/// Two engines, each with its own store on one database, as two replicas: a change made
/// through the first is in force on the second after its next poll, and an award there
/// pays by it.
async fn replicas_follow_each_other(first: Leveling, second: Leveling) {
    let guild = GuildId(9);
    assert_eq!(
        second
            .guild_settings(guild)
            .await
            .unwrap()
            .settings
            .rules
            .message
            .xp,
        15
    );
    first
        .update_guild_settings(
            guild,
            &patch(r#"{"rules": {"message": {"xp": 33}}, "no_xp": {"channels": ["66"]}}"#),
            Some(UserId(1)),
        )
        .await
        .unwrap();
    // The poll a replica runs every DEFAULT_SETTINGS_POLL (2 s, well within 5 s).
    assert!(second.poll_settings().await.unwrap() >= 1);
    let view = second.guild_settings(guild).await.unwrap();
    assert_eq!(view.settings.rules.message.xp, 33);
    let member = MemberId::new(guild, 1);
    let excluded = second
        .award(Award::message(member).in_channel(66))
        .await
        .unwrap();
    assert!(excluded.excluded && !excluded.granted);
    let paid = second
        .award(Award::message(member).in_channel(5))
        .await
        .unwrap();
    assert_eq!(paid.amount, 33 + 50 + 10);
    // The audit log is shared: both engines read the one change.
    let audit = second
        .settings_audit(guild, PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!((audit.total, audit.items[0].actor), (1, Some(UserId(1))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_on_one_sqlite_file_follow_each_other() {
    use leveling::sqlite::SqliteStore;
    let dir = std::env::temp_dir().join(format!("leveling-settings-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("shared.db");
    let _ = std::fs::remove_file(&path);
    let a = SqliteStore::open(&path).await.unwrap();
    let b = SqliteStore::open(&path).await.unwrap();
    replicas_follow_each_other(
        Leveling::builder(a).clock(clock()).build(),
        Leveling::builder(b).clock(clock()).build(),
    )
    .await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_on_one_postgres_database_follow_each_other() {
    use leveling_storage_postgres::PostgresStore;
    let url = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let required = std::env::var("LEVELING_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    let schema = format!("guild_settings_{}", std::process::id());
    let admin = match sqlx::PgPool::connect(&url).await {
        Ok(pool) => pool,
        Err(error) if !required => {
            eprintln!("skipped: PostgreSQL unreachable at TEST_DATABASE_URL ({error})");
            return;
        }
        Err(error) => panic!("LEVELING_REQUIRE_POSTGRES=1 but PostgreSQL is unreachable: {error}"),
    };
    // The schema name is ours (a fixed prefix and the process id).
    for statement in [
        format!("DROP SCHEMA IF EXISTS {schema} CASCADE"),
        format!("CREATE SCHEMA {schema}"),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&admin)
            .await
            .unwrap();
    }
    let scoped = format!("{url}?options=-c%20search_path%3D{schema}");
    let mut engines = Vec::new();
    for _ in 0..2 {
        let (store, background) = PostgresStore::connect(&scoped).await.unwrap();
        tokio::spawn(background);
        engines.push(Leveling::builder(store).clock(clock()).build());
    }
    let second = engines.pop().unwrap();
    let first = engines.pop().unwrap();
    replicas_follow_each_other(first, second).await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&admin)
        .await
        .unwrap();
}
