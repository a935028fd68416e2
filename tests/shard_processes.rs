//! Two reference-server processes split the two shards of one bot on one PostgreSQL
//! database (`DISCORD_SHARDS=2`, `DISCORD_SHARD_RANGE=0-0` and `1-1`), against the fake
//! Discord, which sends each guild's events to its shard's connection only: each process
//! awards its own guild's messages, and every level-up is announced once.

mod common;
#[path = "../adapter-discord/tests/fake_discord/mod.rs"]
mod fake_discord;

use std::time::{Duration, Instant};

use common::server::{Dir, Server, postgres_schema};
use fake_discord::{FakeDiscord, Recorded, TOKEN, message_json, user_json};
use leveling_core::{MemberId, XpStore};
use leveling_storage_postgres::PostgresStore;
use serde_json::json;

/// `(10 << 22) % 2 == 0`: shard 0 of 2.
const GUILD_A: u64 = 10 << 22;
/// `(11 << 22) % 2 == 1`: shard 1 of 2.
const GUILD_B: u64 = 11 << 22;
const CHANNEL_A: u64 = 601;
const CHANNEL_B: u64 = 602;
const ANNOUNCE: u64 = 700;

async fn wait_until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn is_announcement(request: &Recorded) -> bool {
    request.method == "POST" && request.path == format!("/api/v10/channels/{ANNOUNCE}/messages")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_server_processes_split_the_shards_and_announce_each_level_up_once() {
    let Some(database) = postgres_schema("shard_processes").await else {
        return;
    };
    let fake = FakeDiscord::start().await;
    fake.add_guild(GUILD_A, &[]);
    fake.add_guild(GUILD_B, &[]);
    let dir = Dir::new("shard-processes");
    // 200 XP a message: a member's first message (with the daily bonus) reaches level 1.
    let defaults = dir.0.join("defaults.json");
    std::fs::write(&defaults, r#"{"rules":{"message":{"xp":200}}}"#).unwrap();
    let announce = ANNOUNCE.to_string();
    let env = |range: &'static str| {
        vec![
            ("DISCORD_TOKEN", TOKEN.to_owned()),
            ("DISCORD_API_URL", fake.api_url.clone()),
            ("DISCORD_SHARDS", "2".to_owned()),
            ("DISCORD_SHARD_RANGE", range.to_owned()),
            ("DISCORD_ANNOUNCE", announce.clone()),
            ("GUILD_DEFAULTS_FILE", defaults.display().to_string()),
        ]
    };
    let mut servers = Vec::new();
    for range in ["0-0", "1-1"] {
        let vars = env(range);
        let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        servers.push(Server::start_on(&dir.0, &database, &vars).await);
    }
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
    assert_eq!(identified, [json!([0, 2]), json!([1, 2])], "one shard each");
    // The guilds' GUILD_CREATEs reached their processes before their messages.
    tokio::time::sleep(Duration::from_millis(300)).await;

    for (guild, channel, user) in [(GUILD_A, CHANNEL_A, 11), (GUILD_B, CHANNEL_B, 12)] {
        let author = user_json(user, &format!("member{user}"), false);
        fake.dispatch_in(
            guild,
            "MESSAGE_CREATE",
            message_json(fake.next_id(), channel, Some(guild), &author, "hello"),
        );
    }
    for user in [11, 12] {
        fake.wait_for("the level-up announcement", |r| {
            is_announcement(r)
                && r.body["content"]
                    .as_str()
                    .is_some_and(|c| c.contains(&format!("<@{user}>")))
        })
        .await;
    }
    // Time for a second announcement, were there one.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        fake.matching(is_announcement).len(),
        2,
        "each level-up once"
    );

    let (store, background) = PostgresStore::connect(&database).await.unwrap();
    tokio::spawn(background);
    for (guild, user) in [(GUILD_A, 11), (GUILD_B, 12)] {
        let member = store.member(MemberId::new(guild, user)).await.unwrap();
        assert_eq!(
            member.map(|m| m.xp),
            Some(200 + 50 + 10),
            "one message award (with the daily bonus) in guild {guild}"
        );
    }
    for server in servers {
        server.stop();
    }
}
