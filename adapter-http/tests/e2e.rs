//! The API on a real socket (ephemeral port): REST through an HTTP client, and Socket.IO
//! through a real Socket.IO client library (`rust_socketio`).

mod common;
mod socket_client;

use common::{GUILD, KEY, TestApp, app};
use leveling_core::{Award, MemberId};
use serde_json::{Value, json};
use socket_client::{connect, next};

async fn serve(app: &TestApp) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = app.router.clone();
    tokio::spawn(async move {
        let router = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, router).await
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socket_io_client_gets_level_up_after_an_http_award() {
    let app = app();
    let base = serve(&app).await;
    let http = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        http.post(format!("{base}{path}"))
            .bearer_auth(KEY)
            .json(&body)
            .send()
    };
    let tool = json!({"id": "dice", "name": "Dice", "description": "", "tier": "Basic", "required_level": 2});
    assert_eq!(post("/api/tools", tool).await.unwrap().status(), 201);

    let (client, mut events) = connect(&base).await;
    let hello = next(&mut events, "connection_established").await;
    assert_eq!(hello["default_guild_id"], GUILD.to_string());

    client.emit("ping", json!({"n": 1})).await.unwrap();
    let pong = next(&mut events, "pong").await;
    assert_eq!(pong["data"]["n"], 1);
    assert!(pong["timestamp"].is_string());

    client.emit("subscribe", json!({})).await.unwrap();
    assert_eq!(
        next(&mut events, "subscribed").await["guild_id"],
        GUILD.to_string()
    );

    // An award in another guild is not pushed to this room.
    let other = post(
        "/api/leveling/xp",
        json!({"discord_id": "1", "amount": 500, "guild_id": "1"}),
    )
    .await
    .unwrap();
    assert_eq!(other.status(), 200);

    let award = post(
        "/api/leveling/xp",
        json!({"discord_id": "42", "amount": 500}),
    )
    .await
    .unwrap();
    assert_eq!(award.status(), 200);
    let award: Value = award.json().await.unwrap();
    assert_eq!(award["level"], 2);

    let up = next(&mut events, "level_up").await;
    assert_eq!(up["guild_id"], GUILD.to_string());
    assert_eq!(up["discord_id"], "42");
    assert_eq!(
        (up["old_level"].as_u64(), up["new_level"].as_u64()),
        (Some(0), Some(2))
    );
    assert_eq!(up["tier"], "Basic");
    assert_eq!(up["xp"], 500);
    let unlocked = next(&mut events, "tool_unlocked").await;
    assert_eq!(unlocked["discord_id"], "42");
    assert_eq!(unlocked["tool"]["id"], "dice");
    assert_eq!(unlocked["reason"], "level");

    // A level-up from the engine itself (a Discord bot, an embedder) reaches clients too.
    let member = MemberId::new(GUILD, 43u64);
    app.leveling.award(Award::grant(member, 150)).await.unwrap();
    let up = next(&mut events, "level_up").await;
    assert_eq!(
        (up["discord_id"].as_str(), up["new_level"].as_u64()),
        (Some("43"), Some(1))
    );
    // An admin change that lowers the level reaches them as `level_down`.
    app.leveling.reset(member, None).await.unwrap();
    let down = next(&mut events, "level_down").await;
    assert_eq!(
        (
            down["discord_id"].as_str(),
            down["old_level"].as_u64(),
            down["new_level"].as_u64(),
            down["tier"].as_str(),
            down["tier_changed"].as_bool(),
            down["xp"].as_u64()
        ),
        (
            Some("43"),
            Some(1),
            Some(0),
            Some("Basic"),
            Some(false),
            Some(0)
        )
    );

    // Another guild's room by explicit id.
    client
        .emit("subscribe", json!({"guild_id": "1"}))
        .await
        .unwrap();
    assert_eq!(next(&mut events, "subscribed").await["guild_id"], "1");
    post(
        "/api/leveling/xp",
        json!({"discord_id": "1", "amount": 10_000, "guild_id": 1}),
    )
    .await
    .unwrap();
    let up = next(&mut events, "level_up").await;
    assert_eq!(
        (up["guild_id"].as_str(), up["discord_id"].as_str()),
        (Some("1"), Some("1"))
    );

    client
        .emit("subscribe", json!({"guild_id": "nope"}))
        .await
        .unwrap();
    let error = next(&mut events, "subscribe_error").await;
    assert_eq!(error["error"]["code"], "invalid_input");
    client.disconnect().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_over_a_real_socket() {
    let app = app();
    let base = serve(&app).await;
    let http = reqwest::Client::new();
    let health: Value = http
        .get(format!("{base}/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");

    let refused = http
        .post(format!("{base}/api/leveling/xp"))
        .json(&json!({"discord_id": "1", "amount": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");

    let big = "x".repeat(200 * 1024);
    let too_big = http
        .post(format!("{base}/api/users"))
        .bearer_auth(KEY)
        .header("content-type", "application/json")
        .body(format!("{{\"discord_id\":\"1\",\"username\":\"{big}\"}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(too_big.status(), 413);
    let body: Value = too_big.json().await.unwrap();
    assert_eq!(body["error"]["code"], "payload_too_large");

    let granted: Value = http
        .post(format!("{base}/api/leveling/xp"))
        .bearer_auth(KEY)
        .json(&json!({"discord_id": "1", "amount": 5}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(granted["granted"], true);
    let board: Value = http
        .get(format!("{base}/api/leveling/leaderboard"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(board["entries"][0]["discord_id"], "1");

    // Guessing keys: after ten wrong ones (the grant above started the count over), the
    // next request is refused with 429 and a Retry-After, even with the right key.
    for _ in 0..10 {
        let wrong = http
            .post(format!("{base}/api/leveling/xp"))
            .bearer_auth("guess")
            .json(&json!({"discord_id": "1", "amount": 5}))
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 401);
    }
    let braked = http
        .post(format!("{base}/api/leveling/xp"))
        .bearer_auth(KEY)
        .json(&json!({"discord_id": "1", "amount": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(braked.status(), 429);
    let retry: u64 = braked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let body: Value = braked.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
}
