//! `server import` and `server export`, run as a user runs them: the real binary on a
//! SQLite file and on PostgreSQL, with the example files of `examples/import/`.

mod common;
#[path = "../adapter-discord/tests/fake_discord/mod.rs"]
mod fake_discord;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use chrono::{TimeDelta, TimeZone, Utc};
use common::server::{Dir, server_binary};
use leveling_core::storage::{HistoryEntry, Storage};
use leveling_core::{
    AdminNote, Award, GuildId, Leveling, ManualClock, MemberId, NewTool, NewUser, PageRequest,
    RewardRole, RoleId, Source, ToolId, UserId, UserPatch,
};
use leveling_core::{CatalogStore, ProfileStore, SettingsStore, StatusStore, XpStore};
use leveling_storage_postgres::PostgresStore;
use leveling_storage_sqlite::SqliteStore;

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/import")
        .join(name)
}

/// Runs `server ARGS` on `database` (in `dir`, so no `.env` is read).
fn cli(dir: &Path, database: &str, args: &[&str]) -> Output {
    cli_with(dir, database, args, &[])
}

fn cli_with(dir: &Path, database: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(server_binary())
        .current_dir(dir)
        .args(args)
        .env("DATABASE_URL", database)
        .env("DISCORD_TOKEN", "")
        .env("TOOLS_FILE", "")
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("run the server binary")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {}: {}{}",
        output.status,
        text(&output.stdout),
        text(&output.stderr)
    );
    text(&output.stdout)
}

async fn all_history(store: &impl Storage, id: MemberId) -> Vec<HistoryEntry> {
    store
        .history(id, PageRequest::first(100))
        .await
        .unwrap()
        .items
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

#[tokio::test]
async fn mee6_pages_import_keeping_levels_and_twice_changes_nothing() {
    let dir = Dir::new("import-mee6");
    let db = dir.0.join("leveling.db");
    let file = example("mee6.json");
    let args = ["import", "mee6", file.to_str().unwrap(), "--guild", "1"];
    let first = ok(&cli(&dir.0, &sqlite_url(&db), &args));
    assert!(
        first.starts_with(
            "imported mee6.json (mee6, replace, keep levels) into guild 1: 5 members read, 5 written, 0 unchanged, 0 skipped"
        ),
        "{first}"
    );
    let again = ok(&cli(&dir.0, &sqlite_url(&db), &args));
    assert!(
        again.contains("5 members read, 0 written, 5 unchanged"),
        "replace is idempotent: {again}"
    );

    let store = SqliteStore::open(&db).await.unwrap();
    let leveling = Leveling::builder(store).build();
    // The file's MEE6 levels (examples/import/mee6.json), kept under our curve.
    for (user, level) in [
        (310000000000000001u64, 15),
        (310000000000000002, 10),
        (310000000000000003, 5),
        (310000000000000004, 2),
        (310000000000000005, 0),
    ] {
        let member = MemberId::new(1, user);
        let progress = leveling.progress(member).await.unwrap().unwrap();
        assert_eq!(progress.progress.level, level, "user {user}");
        let history = leveling
            .history(member, PageRequest::first(10))
            .await
            .unwrap();
        assert_eq!(history.total, 1, "one row, from the first run");
        assert_eq!(history.items[0].source, Source::Import);
        assert_eq!(history.items[0].reason.as_deref(), Some("mee6.json"));
    }
    let board = leveling
        .leaderboard(GuildId(1), PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(board.total, 5);
    assert_eq!(board.items[0].user, UserId(310000000000000001));
}

/// With `DISCORD_TOKEN` set, a command-line import reconciles reward roles over
/// Discord's REST API (here the fake Discord) and posts no message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_line_import_reconciles_reward_roles_on_discord_quietly() {
    let fake = fake_discord::FakeDiscord::start().await;
    let dir = Dir::new("import-roles");
    let db = dir.0.join("leveling.db");
    {
        let leveling = Leveling::builder(SqliteStore::open(&db).await.unwrap()).build();
        leveling
            .modify_guild_settings(GuildId(1), None, |current| {
                let mut next = current.clone();
                next.rewards.roles.push(RewardRole {
                    level: 10,
                    role_id: RoleId(777),
                });
                Ok(next)
            })
            .await
            .unwrap();
    }
    let file = example("mee6.json");
    let output = cli_with(
        &dir.0,
        &sqlite_url(&db),
        &["import", "mee6", file.to_str().unwrap(), "--guild", "1"],
        &[
            ("DISCORD_TOKEN", fake_discord::TOKEN),
            ("DISCORD_API_URL", &fake.api_url),
        ],
    );
    let stdout = ok(&output);
    assert!(
        stdout.contains("reward roles: 2 members reconciled on Discord"),
        "{stdout}"
    );
    // Levels 15 and 10 reach the level-10 reward; levels 5, 2 and 0 do not.
    let mut given: Vec<String> = fake
        .matching(|r| r.method == "PUT" && r.path.ends_with("/roles/777"))
        .into_iter()
        .map(|r| r.path)
        .collect();
    given.sort();
    assert_eq!(
        given,
        vec![
            "/api/v10/guilds/1/members/310000000000000001/roles/777".to_owned(),
            "/api/v10/guilds/1/members/310000000000000002/roles/777".to_owned(),
        ]
    );
    let posted = fake.matching(|r| r.method == "POST" && r.path.contains("/messages"));
    assert!(posted.is_empty(), "no announcement: {posted:?}");
}

#[tokio::test]
async fn a_plain_list_adds_xp_and_says_add_is_not_idempotent() {
    let dir = Dir::new("import-plain");
    let db = dir.0.join("leveling.db");
    let file = example("plain.json");
    let args = [
        "import",
        "plain",
        file.to_str().unwrap(),
        "--guild",
        "2",
        "--mode",
        "add",
        "--keep",
        "xp",
    ];
    for _ in 0..2 {
        let output = cli(&dir.0, &sqlite_url(&db), &args);
        ok(&output);
        assert!(
            text(&output.stderr).contains("running it twice adds twice"),
            "{}",
            text(&output.stderr)
        );
    }
    let store = SqliteStore::open(&db).await.unwrap();
    for (user, xp) in [
        (320000000000000001u64, 9000),
        (320000000000000002, 2500),
        (320000000000000003, 150),
    ] {
        let member = store.member(MemberId::new(2, user)).await.unwrap().unwrap();
        assert_eq!(member.xp, 2 * xp, "added twice, as announced");
    }
}

#[tokio::test]
async fn a_bad_file_names_the_record_and_writes_nothing() {
    let dir = Dir::new("import-bad");
    let db = dir.0.join("leveling.db");
    let bad = dir.0.join("bad.json");
    std::fs::write(
        &bad,
        r#"[{"id":"1","xp":10},{"id":"2","xp":20},{"id":"3","xp":"lots"}]"#,
    )
    .unwrap();
    let output = cli(
        &dir.0,
        &sqlite_url(&db),
        &["import", "plain", bad.to_str().unwrap(), "--guild", "1"],
    );
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("bad.json: record 3:"), "{stderr}");
    let store = SqliteStore::open(&db).await.unwrap();
    assert_eq!(store.stats().await.unwrap().members, 0, "nothing applied");

    for (args, expected) in [
        (
            &["import", "mee6"][..],
            "error: import takes a format and a file",
        ),
        (
            &["import", "xml", "a.json"],
            "error: unknown import format \"xml\"",
        ),
        (
            &["import", "plain", "a.json", "--mode", "merge"],
            "error: --mode must be replace or add",
        ),
        (
            &["import", "plain", "a.json", "--guild", "abc"],
            "error: --guild must be a guild id",
        ),
        (
            &["import", "plain", "a.json", "--guild"],
            "error: --guild needs a value",
        ),
        (&["export", "out.jsonl"], "error: export takes no file"),
        (&["serve"], "error: unknown command \"serve\""),
    ] {
        let usage = cli(&dir.0, &sqlite_url(&db), args);
        assert_eq!(usage.status.code(), Some(2), "{args:?}");
        let stderr = text(&usage.stderr);
        assert!(stderr.starts_with(expected), "{args:?}: {stderr}");
        assert!(stderr.contains("usage: server"), "{stderr}");
    }
    let help = cli(&dir.0, &sqlite_url(&db), &["--help"]);
    assert!(ok(&help).starts_with("usage: server"));
}

/// A store with a bit of everything: two guilds, messages with daily claims and
/// streaks over days, admin changes with actors and reasons, a tie, tool grants and
/// level unlocks, profiles (one hidden), a guild's own settings.
async fn populate(leveling: &Leveling, clock: &ManualClock) {
    leveling
        .create_tool(NewTool {
            id: ToolId::new("chat-export").unwrap(),
            name: "Chat export".into(),
            description: "Exports a channel".into(),
            tier: "Basic".into(),
            required_level: Some(1),
            url: None,
        })
        .await
        .unwrap();
    for user in 1..=6u64 {
        leveling
            .upsert_user(NewUser {
                id: UserId(user),
                username: format!("user{user}"),
                display_name: Some(format!("User {user}")),
                avatar_url: None,
            })
            .await
            .unwrap();
    }
    leveling
        .update_user(
            UserId(3),
            UserPatch {
                leaderboard_hidden: Some(true),
                ..UserPatch::default()
            },
        )
        .await
        .unwrap();
    for day in 0..3 {
        for user in 1..=5u64 {
            let guild = if user % 2 == 0 { 20 } else { 10 };
            leveling
                .award(Award::message(MemberId::new(guild, user)))
                .await
                .unwrap();
            leveling
                .award(Award::message(MemberId::new(10, user)).idempotency_key(format!("d{day}")))
                .await
                .unwrap();
        }
        clock.advance(TimeDelta::hours(25));
    }
    leveling
        .add_xp(
            MemberId::new(10, 1),
            2_000,
            AdminNote::by(UserId(99)).reason("event prize"),
        )
        .await
        .unwrap();
    leveling
        .set_level(MemberId::new(10, 5), 3, AdminNote::by(UserId(99)))
        .await
        .unwrap();
    leveling
        .award(Award::grant(MemberId::new(20, 6), 75).reason("tie"))
        .await
        .unwrap();
    leveling
        .grant_tool(MemberId::new(20, 2), &ToolId::new("chat-export").unwrap())
        .await
        .unwrap();
    leveling
        .modify_guild_settings(GuildId(10), Some(UserId(99)), |current| {
            let mut next = current.clone();
            next.rewards.roles.push(RewardRole {
                level: 5,
                role_id: RoleId(555),
            });
            Ok(next)
        })
        .await
        .unwrap();
}

/// The backup of `database`, without its header line (its time differs per run).
fn backup_of(dir: &Path, database: &str, file: &Path) -> Vec<String> {
    let output = cli(dir, database, &["export"]);
    let backup = ok(&output);
    assert!(
        text(&output.stderr).contains("exported"),
        "{}",
        text(&output.stderr)
    );
    std::fs::write(file, &backup).unwrap();
    let mut lines: Vec<String> = backup.lines().map(str::to_owned).collect();
    assert!(lines[0].starts_with(r#"{"type":"header","format":"leveling-backup","version":1"#));
    lines.remove(0);
    lines
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_moves_from_sqlite_to_postgresql_identical() {
    let url = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let required = std::env::var("LEVELING_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    let admin = match sqlx::PgPool::connect(&url).await {
        Ok(pool) => pool,
        Err(error) if !required => {
            eprintln!("skipped: PostgreSQL unreachable at TEST_DATABASE_URL ({error})");
            return;
        }
        Err(error) => panic!("LEVELING_REQUIRE_POSTGRES=1 but PostgreSQL is unreachable: {error}"),
    };
    // The schema name is ours (a fixed prefix and the process id).
    let schema = format!("round_trip_{}", std::process::id());
    for statement in [
        format!("DROP SCHEMA IF EXISTS {schema} CASCADE"),
        format!("CREATE SCHEMA {schema}"),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&admin)
            .await
            .unwrap();
    }
    let postgres = format!("{url}?options=-c%20search_path%3D{schema}");

    let dir = Dir::new("round-trip");
    let db = dir.0.join("leveling.db");
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0).unwrap());
    {
        let store = SqliteStore::open(&db).await.unwrap();
        let leveling = Leveling::builder(store).clock(clock.clone()).build();
        populate(&leveling, &clock).await;
    }
    let file = dir.0.join("backup.jsonl");
    let from_sqlite = backup_of(&dir.0, &sqlite_url(&db), &file);
    assert!(from_sqlite.len() > 10, "{from_sqlite:?}");

    let import = ["import", "leveling", file.to_str().unwrap()];
    let summary = ok(&cli(&dir.0, &postgres, &import));
    assert!(
        summary.contains("restored 6 profiles, the settings of 1 guilds and 1 tools"),
        "{summary}"
    );
    // Restoring twice changes nothing: the second backup is the same.
    ok(&cli(&dir.0, &postgres, &import));
    let from_postgres = backup_of(&dir.0, &postgres, &dir.0.join("again.jsonl"));
    assert_eq!(from_postgres, from_sqlite, "the same store, line by line");

    // And through the store's own reads: leaderboards, histories, grants.
    let sqlite = SqliteStore::open(&db).await.unwrap();
    let (pg, background) = PostgresStore::connect(&postgres).await.unwrap();
    tokio::spawn(background);
    for guild in [GuildId(10), GuildId(20)] {
        let a = sqlite
            .leaderboard(guild, PageRequest::first(100))
            .await
            .unwrap();
        let b = pg
            .leaderboard(guild, PageRequest::first(100))
            .await
            .unwrap();
        assert_eq!(a, b, "guild {guild}");
        assert!(a.total >= 2);
        for standing in &a.items {
            let id = MemberId::new(guild, standing.user);
            assert_eq!(all_history(&sqlite, id).await, all_history(&pg, id).await);
            assert_eq!(
                sqlite.unlocks(id).await.unwrap(),
                pg.unlocks(id).await.unwrap()
            );
        }
    }
    let granted = pg.unlocks(MemberId::new(20, 2)).await.unwrap();
    assert!(granted.iter().any(|u| u.tool.as_str() == "chat-export"));
    let settings = pg.guild_settings(GuildId(10)).await.unwrap().unwrap();
    assert_eq!(
        settings.settings.unwrap().rewards.roles,
        vec![RewardRole {
            level: 5,
            role_id: RoleId(555)
        }]
    );
    assert!(
        pg.user(UserId(3))
            .await
            .unwrap()
            .unwrap()
            .leaderboard_hidden
    );

    drop(pg);
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&admin)
        .await
        .unwrap();
}
