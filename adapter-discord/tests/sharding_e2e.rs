//! Sharding end to end: two bots — two real serenity clients, each with its own engine
//! and its own `SqliteStore` opened on one shared SQLite file, as two processes on one
//! database would be — split the two shards of one bot on the fake Discord, which routes
//! each guild's events to its shard's connection as Discord does.

mod fake_discord;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{TimeDelta, TimeZone, Utc};
use fake_discord::{FakeDiscord, Recorded, TOKEN, message_json, user_json};
use leveling_core::{ActivityRule, Award, Leveling, ManualClock, MemberId, PageRequest, Rules};
use leveling_discord::{Bot, DiscordConfig, Handler};
use leveling_storage_memory::MemoryStore;
use leveling_storage_sqlite::SqliteStore;
use serde_json::json;
use serenity::all::{GatewayIntents, GuildId, UserId};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// `(10 << 22) % 2 == 0`: shard 0 of 2.
const GUILD_A: u64 = 10 << 22;
/// `(11 << 22) % 2 == 1`: shard 1 of 2.
const GUILD_B: u64 = 11 << 22;
const CHANNEL_A: u64 = 601;
const CHANNEL_B: u64 = 602;
const VOICE_A: u64 = 651;
const VOICE_B: u64 = 652;
/// Where every level-up is announced (`DISCORD_ANNOUNCE`), so API level-ups are too.
const ANNOUNCE: u64 = 700;
/// The ticker's period and the length of a paid voice minute.
const TICK: Duration = Duration::from_millis(100);

/// One bot "process": its engine, its handler and its run.
struct Process {
    leveling: Leveling,
    handler: Handler,
    shutdown: Option<oneshot::Sender<()>>,
    run: JoinHandle<Result<(), leveling_discord::Error>>,
}

impl Process {
    /// A bot configured from `env` (as `DiscordConfig::from_env` would read it) against
    /// the fake, on `builder`'s engine.
    fn start(
        fake: &FakeDiscord,
        builder: leveling_core::LevelingBuilder,
        env: &[(&str, &str)],
    ) -> Self {
        let mut vars = vec![
            ("DISCORD_TOKEN".to_owned(), TOKEN.to_owned()),
            ("DISCORD_API_URL".to_owned(), fake.api_url.clone()),
            (
                "DISCORD_VOICE_TICK_SECS".to_owned(),
                format!("{}", TICK.as_secs_f64()),
            ),
        ];
        vars.extend(env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        let mut config = DiscordConfig::from_lookup(|name| {
            vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
        .expect("a valid configuration")
        .expect("a token");
        // No privileged intents needed by the tests.
        config.intents = GatewayIntents::GUILDS
            | GatewayIntents::GUILD_MESSAGES
            | GatewayIntents::GUILD_VOICE_STATES;
        let bot = Bot::new(builder, config);
        let (leveling, handler) = (bot.leveling().clone(), bot.handler().clone());
        let (tx, rx) = oneshot::channel::<()>();
        let run = tokio::spawn(bot.run(async move {
            rx.await.ok();
        }));
        Self {
            leveling,
            handler,
            shutdown: Some(tx),
            run,
        }
    }

    async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            tx.send(()).ok();
        }
        let result = tokio::time::timeout(Duration::from_secs(10), self.run)
            .await
            .expect("the bot stops on shutdown")
            .expect("the bot task did not panic");
        assert!(result.is_ok(), "the bot stopped with {result:?}");
    }
}

async fn xp(leveling: &Leveling, guild: u64, user: u64) -> u64 {
    leveling
        .progress(MemberId::new(guild, user))
        .await
        .expect("store")
        .map_or(0, |p| p.member.xp)
}

/// Polls (up to 10 s) until `user` has `want` XP in `guild`, as `leveling` reads the store.
async fn wait_xp(leveling: &Leveling, guild: u64, user: u64, want: u64) {
    for _ in 0..200 {
        if xp(leveling, guild, user).await == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "user {user} of guild {guild} has {} XP, expected {want}",
        xp(leveling, guild, user).await
    );
}

/// Polls (up to 10 s) until `check` holds.
async fn wait_until(what: &str, check: impl Fn() -> bool) {
    for _ in 0..200 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

fn users(ids: &[u64]) -> Vec<UserId> {
    ids.iter().map(|&u| UserId::new(u)).collect()
}

fn is_announcement(r: &Recorded) -> bool {
    r.method == "POST" && r.path == format!("/api/v10/channels/{ANNOUNCE}/messages")
}

/// A fresh SQLite file in the temp directory (removed, with its WAL, by `remove_db`).
fn db_path() -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    std::env::temp_dir().join(format!(
        "leveling-sharding-{}-{nanos}.db",
        std::process::id()
    ))
}

fn remove_db(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        std::fs::remove_file(file).ok();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_split_the_shards_each_awards_its_guilds_and_announces_once() {
    let fake = FakeDiscord::start().await;
    fake.set_recommended_shards(2);
    // Two members in voice in each guild: each pair earns voice XP.
    fake.add_guild(GUILD_A, &[(21, VOICE_A), (22, VOICE_A)]);
    fake.add_guild(GUILD_B, &[(31, VOICE_B), (32, VOICE_B)]);
    // Noon, so the test's minutes never cross a day boundary.
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap());
    // 100 XP a message: the first one (+50 daily, +10 streak) reaches level 1 (150 XP).
    let rules = Rules {
        message: ActivityRule {
            xp: 100,
            cooldown: Duration::from_secs(60),
        },
        ..Rules::default()
    };
    let path = db_path();
    let builder = |store: SqliteStore| {
        Leveling::builder(store)
            .rules(rules.clone())
            .clock(clock.clone())
    };
    let announce = ANNOUNCE.to_string();
    // Process 0 learns the total from Discord; process 1 is told it.
    let zero = Process::start(
        &fake,
        builder(SqliteStore::open(&path).await.expect("open the file")),
        &[
            ("DISCORD_SHARDS", "auto"),
            ("DISCORD_SHARD_RANGE", "0-0"),
            ("DISCORD_ANNOUNCE", &announce),
        ],
    );
    let one = Process::start(
        &fake,
        builder(SqliteStore::open(&path).await.expect("open the file again")),
        &[
            ("DISCORD_SHARDS", "2"),
            ("DISCORD_SHARD_RANGE", "1"),
            ("DISCORD_ANNOUNCE", &announce),
        ],
    );
    // Both set up (each registers the commands once its first shard is ready).
    let registrations = || {
        fake.matching(|r| r.method == "PUT" && r.path.ends_with("/commands"))
            .len()
    };
    wait_until("both bots' setup", || registrations() == 2).await;
    wait_until("both shards connected", || {
        fake.connected_shards() == [(0, 2), (1, 2)]
    })
    .await;
    let mut identified: Vec<_> = fake
        .identifies()
        .iter()
        .map(|identify| identify["shard"].clone())
        .collect();
    identified.sort_by_key(|shard| shard[0].as_u64());
    assert_eq!(
        identified,
        [json!([0, 2]), json!([1, 2])],
        "one Identify per shard"
    );

    // Each process tracks the voice of its own guild only: the other's never reached it.
    let (a, b) = (GuildId::new(GUILD_A), GuildId::new(GUILD_B));
    wait_until("each process's voice members", || {
        zero.handler.voice_eligible(a) == users(&[21, 22])
            && one.handler.voice_eligible(b) == users(&[31, 32])
    })
    .await;
    assert!(zero.handler.voice_eligible(b).is_empty());
    assert!(one.handler.voice_eligible(a).is_empty());

    // A message in each guild, sent by the fake to that guild's shard only.
    let alice = user_json(11, "alice", false);
    let bob = user_json(12, "bob", false);
    fake.dispatch_in(
        GUILD_A,
        "MESSAGE_CREATE",
        message_json(fake.next_id(), CHANNEL_A, Some(GUILD_A), &alice, "hi"),
    );
    fake.dispatch_in(
        GUILD_B,
        "MESSAGE_CREATE",
        message_json(fake.next_id(), CHANNEL_B, Some(GUILD_B), &bob, "hey"),
    );
    // One database: each process reads what the other wrote.
    wait_xp(&one.leveling, GUILD_A, 11, 160).await;
    wait_xp(&zero.leveling, GUILD_B, 12, 160).await;

    // Three voice minutes: each process pays its guild's members, once: 3 × 10 XP in one
    // award, plus the day's bonus (50 + 10).
    clock.advance(TimeDelta::from_std(TICK).unwrap() * 3);
    for (guild, user) in [(GUILD_A, 21), (GUILD_A, 22), (GUILD_B, 31), (GUILD_B, 32)] {
        wait_xp(&zero.leveling, guild, user, 90).await;
    }
    tokio::time::sleep(TICK * 5).await;
    for (guild, user) in [(GUILD_A, 21), (GUILD_A, 22), (GUILD_B, 31), (GUILD_B, 32)] {
        assert_eq!(xp(&one.leveling, guild, user).await, 90, "paid once");
        let history = zero
            .leveling
            .history(MemberId::new(guild, user), PageRequest::first(100))
            .await
            .expect("history");
        let voice: Vec<i64> = history
            .items
            .iter()
            .filter(|entry| entry.source == leveling_core::Source::Voice)
            .map(|entry| entry.amount)
            .collect();
        assert_eq!(voice, [30], "one voice award for {user} in {guild}");
    }

    // An API-style grant through process 0's engine, in process 1's guild: the engine
    // that made it announces it (any process may call Discord's REST API for any guild);
    // process 1's engine never hears of it.
    let granted = zero
        .leveling
        .award(Award::grant(MemberId::new(GUILD_B, 33), 200))
        .await
        .expect("grant");
    assert!(granted.leveled_up());

    for user in [11, 12, 33] {
        fake.wait_for("the level-up announcement", |r| {
            is_announcement(r)
                && r.body["content"]
                    .as_str()
                    .is_some_and(|c| c.contains(&format!("<@{user}>")))
        })
        .await;
    }
    // Time for any second announcement to show up.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let announcements = fake.matching(is_announcement);
    let mut mentioned: Vec<String> = announcements
        .iter()
        .map(|r| r.body["content"].as_str().unwrap_or("").to_owned())
        .collect();
    mentioned.sort();
    assert_eq!(
        mentioned,
        [
            "🎉 <@11> reached level **1** (Basic)!",
            "🎉 <@12> reached level **1** (Basic)!",
            "🎉 <@33> reached level **1** (Basic)!",
        ],
        "every level-up announced exactly once"
    );

    zero.stop().await;
    one.stop().await;
    remove_db(&path);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_with_a_range_beyond_discords_count_stops_at_start_with_one_line() {
    let fake = FakeDiscord::start().await;
    fake.set_recommended_shards(2);
    let process = Process::start(
        &fake,
        Leveling::builder(MemoryStore::new()),
        &[("DISCORD_SHARDS", "auto"), ("DISCORD_SHARD_RANGE", "2-3")],
    );
    let result = tokio::time::timeout(Duration::from_secs(10), process.run)
        .await
        .expect("the bot stops at once")
        .expect("the bot task did not panic");
    let error = result.expect_err("a range beyond Discord's count is refused");
    assert!(
        matches!(error, leveling_discord::Error::Sharding(_)),
        "{error:?}"
    );
    let line = error.to_string();
    assert!(line.starts_with("DISCORD_SHARD_RANGE: "), "{line}");
    assert!(line.contains("outside the 2 shard(s)"), "{line}");
    assert!(!line.contains('\n') && !line.contains(TOKEN), "{line}");
    assert!(fake.identifies().is_empty(), "no shard connected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unset_sharding_runs_one_shard_with_every_guild() {
    let fake = FakeDiscord::start().await;
    // Whatever Discord recommends, an unsharded bot is shard 0 of 1, as before.
    fake.set_recommended_shards(2);
    fake.add_guild(GUILD_A, &[(21, VOICE_A), (22, VOICE_A)]);
    fake.add_guild(GUILD_B, &[(31, VOICE_B), (32, VOICE_B)]);
    let process = Process::start(&fake, Leveling::builder(MemoryStore::new()), &[]);
    fake.wait_ready().await;
    assert_eq!(fake.identifies()[0]["shard"], json!([0, 1]));
    let (a, b) = (GuildId::new(GUILD_A), GuildId::new(GUILD_B));
    wait_until("both guilds' voice members", || {
        process.handler.voice_eligible(a) == users(&[21, 22])
            && process.handler.voice_eligible(b) == users(&[31, 32])
    })
    .await;
    assert!(
        fake.matching(|r| r.path == "/api/v10/gateway/bot")
            .is_empty(),
        "no need to ask Discord for a count"
    );
    process.stop().await;
}
