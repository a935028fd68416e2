//! The reference server's `GET /metrics`, end to end: the real binary on a SQLite file,
//! its Discord bot on adapter-discord's fake Discord, a real Socket.IO client. A message
//! on the gateway, an award through the API and a socket each move their series;
//! `METRICS` protects the route (the default), opens it, or turns it off.

#[path = "../adapter-discord/tests/fake_discord/mod.rs"]
mod fake_discord;
#[path = "../adapter-http/tests/socket_client/mod.rs"]
mod socket_client;

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::server::{Dir, KEY, Server, post, server_binary};
use fake_discord::{FakeDiscord, TOKEN, message_json, user_json};
use serde_json::json;

const GUILD: u64 = 930;
const CHANNEL: u64 = 931;

/// `name{labels}` in the scrape `text` (the labels as rendered, in order); 0 when absent.
fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

async fn scrape(client: &reqwest::Client, server: &Server) -> String {
    let response = client
        .get(format!("{}/metrics", server.base))
        .bearer_auth(KEY)
        .send()
        .await
        .expect("scrape");
    assert_eq!(response.status(), 200);
    response.text().await.expect("text")
}

/// Scrapes until `done` holds for the text (at most 10 s).
async fn scrape_until(
    client: &reqwest::Client,
    server: &Server,
    what: &str,
    done: impl Fn(&str) -> bool,
) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = scrape(client, server).await;
        if done(&text) {
            return text;
        }
        assert!(Instant::now() < deadline, "{what}:\n{text}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_metrics_follow_discord_the_api_and_socket_io() {
    let fake = FakeDiscord::start().await;
    let dir = Dir::new("metrics-e2e");
    let db = dir.0.join("leveling.db");
    let server = Server::start_with(
        &dir.0,
        &db,
        &[
            ("DISCORD_TOKEN", TOKEN),
            ("DISCORD_API_URL", &fake.api_url),
            ("DEFAULT_GUILD_ID", &GUILD.to_string()),
        ],
    )
    .await;
    fake.wait_ready().await;
    let client = reqwest::Client::new();
    let before = scrape(&client, &server).await;

    // Discord: one chat message through the gateway, awarded by the bot.
    let alice = user_json(41, "alice", false);
    fake.dispatch(
        "MESSAGE_CREATE",
        message_json(fake.next_id(), CHANNEL, Some(GUILD), &alice, "hello"),
    );
    let events = r#"leveling_discord_events_total{kind="message"}"#;
    let from_discord = r#"leveling_awards_total{source="message",outcome="granted"}"#;
    scrape_until(&client, &server, "the message is counted", |text| {
        value(text, events) >= value(&before, events) + 1.0
            && value(text, from_discord) >= value(&before, from_discord) + 1.0
    })
    .await;

    // The API: a grant (a level-up), counted by the engine and the HTTP layer.
    let granted = post(
        &client,
        format!("{}/api/leveling/xp", server.base),
        json!({"discord_id": "42", "amount": 500}),
    )
    .await;
    assert_eq!(granted["leveled_up"], true);
    let text = scrape(&client, &server).await;
    let rose = |series: &str, by: f64| {
        assert!(
            value(&text, series) >= value(&before, series) + by,
            "{series}: {} → {}\n{text}",
            value(&before, series),
            value(&text, series)
        );
    };
    rose(
        r#"leveling_awards_total{source="api",outcome="granted"}"#,
        1.0,
    );
    rose(r#"leveling_level_ups_total{source="api"}"#, 1.0);
    rose("leveling_award_duration_seconds_count", 2.0);
    rose(
        r#"leveling_http_requests_total{method="POST",route="/api/leveling/xp",status="2xx"}"#,
        1.0,
    );

    // Socket.IO: one client open, then none.
    let sockets = "leveling_socketio_connections";
    let (socket, mut received) = socket_client::connect(&server.base).await;
    socket_client::next(&mut received, "connection_established").await;
    scrape_until(&client, &server, "one socket", |text| {
        value(text, sockets) == 1.0
    })
    .await;
    socket.disconnect().await.expect("disconnect");
    scrape_until(&client, &server, "no socket", |text| {
        value(text, sockets) == 0.0
    })
    .await;
    server.stop();
}

async fn status(client: &reqwest::Client, server: &Server, key: Option<&str>) -> u16 {
    let mut request = client.get(format!("{}/metrics", server.base));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    request
        .send()
        .await
        .expect("GET /metrics")
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_protected_by_default_open_with_on_and_absent_with_off() {
    let client = reqwest::Client::new();
    let dir = Dir::new("metrics-access");
    let db = dir.0.join("leveling.db");

    let protected = Server::start_with(&dir.0, &db, &[("METRICS", "")]).await;
    assert_eq!(status(&client, &protected, None).await, 401);
    assert_eq!(status(&client, &protected, Some("wrong")).await, 401);
    assert_eq!(status(&client, &protected, Some(KEY)).await, 200);
    protected.stop();

    let open = Server::start_with(&dir.0, &db, &[("METRICS", "on")]).await;
    assert_eq!(status(&client, &open, None).await, 200);
    open.stop();

    let off = Server::start_with(&dir.0, &db, &[("METRICS", "off")]).await;
    assert_eq!(status(&client, &off, Some(KEY)).await, 404);
    let doc: serde_json::Value = client
        .get(format!("{}/openapi.json", off.base))
        .send()
        .await
        .expect("document")
        .json()
        .await
        .expect("json");
    assert!(doc["paths"].get("/metrics").is_none());
    off.stop();
}

#[test]
fn a_bad_metrics_setting_stops_start_up_with_one_line_naming_it() {
    let dir = Dir::new("metrics-bad");
    let output = Command::new(server_binary())
        .current_dir(&dir.0)
        .env("DATABASE_URL", "memory")
        .env("HOST", "127.0.0.1")
        .env("PORT", "0")
        .env("DISCORD_TOKEN", "")
        .env("METRICS", "yes")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .expect("run the server");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr.trim(),
        r#"error: invalid METRICS: expected on, off or protected, got "yes""#
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgresql_the_award_batches_and_the_pool_are_reported() {
    let url = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let required = std::env::var("LEVELING_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    let pool = match sqlx::PgPool::connect(&url).await {
        Ok(pool) => pool,
        Err(error) if !required => {
            eprintln!(
                "skipped: PostgreSQL unreachable at TEST_DATABASE_URL ({error}); set it to run"
            );
            return;
        }
        Err(error) => panic!("LEVELING_REQUIRE_POSTGRES=1 but PostgreSQL is unreachable: {error}"),
    };
    // The schema name is ours (a fixed prefix and the process id).
    let schema = format!("metrics_{}", std::process::id());
    for statement in [
        format!("DROP SCHEMA IF EXISTS {schema} CASCADE"),
        format!("CREATE SCHEMA {schema}"),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&pool)
            .await
            .expect("the test schema");
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    let database = format!("{url}{separator}options=-c%20search_path%3D{schema}");
    let dir = Dir::new("metrics-postgres");
    let db = dir.0.join("unused.db");
    let server = Server::start_with(&dir.0, &db, &[("DATABASE_URL", &database)]).await;
    let client = reqwest::Client::new();
    for user in ["1", "2", "3"] {
        post(
            &client,
            format!("{}/api/leveling/xp", server.base),
            json!({"discord_id": user, "source": "message"}),
        )
        .await;
    }
    let text = scrape(&client, &server).await;
    assert!(
        text.contains("# TYPE leveling_postgres_award_batch_size histogram"),
        "{text}"
    );
    assert!(
        value(&text, "leveling_postgres_award_batch_size_count") >= 3.0,
        "{text}"
    );
    assert!(
        value(&text, "leveling_postgres_pool_connections") >= 1.0,
        "{text}"
    );
    assert!(
        text.lines()
            .any(|line| line.starts_with("leveling_postgres_pool_idle ")),
        "{text}"
    );
    server.stop();
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&pool)
        .await
        .expect("drop the test schema");
}
