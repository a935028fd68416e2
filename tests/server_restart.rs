//! The reference server binary on a SQLite file: stopped gracefully (SIGTERM) or killed
//! (`kill -9`) and started again, it has every figure and every acknowledged award back,
//! each exactly once.
//!
//! Cargo builds the examples when it builds the tests (`cargo test`); this test runs
//! `target/<profile>/examples/server`, found from its own path. Run alone
//! (`cargo test --test server_restart`) it needs the example built first:
//! `cargo build --example server`.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::server::{Dir, KEY, Server, get, post};
use serde_json::{Value, json};

/// Everything a client can see about users 42 and 43.
async fn figures(client: &reqwest::Client, base: &str) -> Vec<Value> {
    let mut all = Vec::new();
    for user in ["42", "43"] {
        all.push(get(client, format!("{base}/api/users/{user}")).await);
        all.push(
            get(
                client,
                format!("{base}/api/leveling/xp-history/{user}?limit=100"),
            )
            .await,
        );
        all.push(get(client, format!("{base}/api/tools/user/{user}")).await);
    }
    all.push(get(client, format!("{base}/api/leveling/leaderboard?limit=100")).await);
    all.push(get(client, format!("{base}/api/users?limit=100")).await);
    all.push(get(client, format!("{base}/api/tools")).await);
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graceful_restart_keeps_every_figure() {
    let dir = Dir::new("restart");
    let db = dir.0.join("data").join("leveling.db");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    let client = reqwest::Client::new();

    let server = Server::start(&dir.0, &db).await;
    let base = server.base.clone();
    for user in ["42", "43"] {
        let body = json!({"discord_id": user, "username": format!("user{user}")});
        post(&client, format!("{base}/api/users"), body).await;
    }
    let first = post(
        &client,
        format!("{base}/api/leveling/xp"),
        json!({"discord_id": "42", "source": "message"}),
    )
    .await;
    assert_eq!(
        (first["granted"].clone(), first["xp"].clone()),
        (json!(true), json!(75))
    );
    post(
        &client,
        format!("{base}/api/leveling/xp"),
        json!({"discord_id": "43", "amount": 12_000, "reason": "import"}),
    )
    .await;
    post(
        &client,
        format!("{base}/api/tools/unlock/42/poll-maker"),
        json!({}),
    )
    .await;
    let before = figures(&client, &base).await;
    server.stop();

    let server = Server::start(&dir.0, &db).await;
    let after = figures(&client, &server.base).await;
    assert_eq!(after, before);
    assert_eq!(after[0]["xp"], json!(75));
    assert_eq!(after[3]["xp"], json!(12_000));
    // The message cooldown and the day's claim survived too.
    let again = post(
        &client,
        format!("{}/api/leveling/xp", server.base),
        json!({"discord_id": "42", "source": "message"}),
    )
    .await;
    assert_eq!(again["granted"], json!(false), "{again}");
    server.stop();
}

/// 8 clients award with idempotency keys; the server is killed mid-stream. After the
/// restart, every award answered 2xx is there, and retrying every key (answered or cut
/// off) changes nothing for the answered ones and applies the others at most once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_loses_no_acknowledged_award() {
    const CLIENTS: u64 = 8;
    const MEMBERS_PER_CLIENT: u64 = 5;
    const AMOUNT: u64 = 7;
    let dir = Dir::new("kill9");
    let db = dir.0.join("leveling.db");
    let server = Server::start(&dir.0, &db).await;
    let base = Arc::new(server.base.clone());
    let stop = Arc::new(AtomicBool::new(false));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();

    let tasks: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (base, stop, client) = (base.clone(), stop.clone(), client.clone());
            tokio::spawn(async move {
                // (user, key, acknowledged)
                let mut sent: Vec<(u64, String, bool)> = Vec::new();
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let user = 1_000 * (c + 1) + i % MEMBERS_PER_CLIENT;
                    let key = format!("c{c}-{i}");
                    let response = client
                        .post(format!("{base}/api/leveling/xp"))
                        .bearer_auth(KEY)
                        .header("Idempotency-Key", &key)
                        .json(&json!({"discord_id": user.to_string(), "amount": AMOUNT}))
                        .send()
                        .await;
                    let acknowledged = matches!(&response, Ok(r) if r.status().is_success());
                    let failed = response.is_err();
                    sent.push((user, key, acknowledged));
                    if failed {
                        break; // the server is gone
                    }
                    i += 1;
                }
                sent
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    server.kill();
    stop.store(true, Ordering::Relaxed);
    let mut sent = Vec::new();
    for task in tasks {
        sent.extend(task.await.unwrap());
    }
    let acknowledged = sent.iter().filter(|s| s.2).count();
    assert!(
        acknowledged > 50,
        "only {acknowledged} awards went through before the kill"
    );
    eprintln!(
        "{acknowledged} awards acknowledged, {} cut off by kill -9",
        sent.len() - acknowledged
    );

    let server = Server::start(&dir.0, &db).await;
    let base = server.base.clone();
    let xp_of = |user: u64| {
        let client = client.clone();
        let url = format!("{base}/api/users/{user}");
        async move {
            let response = client.get(&url).send().await.unwrap();
            if response.status() == reqwest::StatusCode::NOT_FOUND {
                return 0;
            }
            response.json::<Value>().await.unwrap()["xp"]
                .as_u64()
                .unwrap()
        }
    };
    let users: Vec<u64> = (0..CLIENTS)
        .flat_map(|c| (0..MEMBERS_PER_CLIENT).map(move |m| 1_000 * (c + 1) + m))
        .collect();
    // Every acknowledged award is there; at most the one cut off per client is extra.
    for &user in &users {
        let acked = sent.iter().filter(|s| s.0 == user && s.2).count() as u64;
        let unknown = sent.iter().filter(|s| s.0 == user && !s.2).count() as u64;
        let xp = xp_of(user).await;
        assert!(
            xp >= acked * AMOUNT && xp <= (acked + unknown) * AMOUNT,
            "user {user}: {xp} XP for {acked} acknowledged (+{unknown} cut off) awards of {AMOUNT}"
        );
    }
    // Retrying every key: answered ones replay, cut-off ones apply now if they had not.
    for (user, key, _) in &sent {
        let response = client
            .post(format!("{base}/api/leveling/xp"))
            .bearer_auth(KEY)
            .header("Idempotency-Key", key)
            .json(&json!({"discord_id": user.to_string(), "amount": AMOUNT}))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
    }
    for &user in &users {
        let keys = sent.iter().filter(|s| s.0 == user).count() as u64;
        assert_eq!(
            xp_of(user).await,
            keys * AMOUNT,
            "user {user}: each key exactly once"
        );
        let history = get(
            &client,
            format!("{base}/api/leveling/xp-history/{user}?limit=1"),
        )
        .await;
        assert_eq!(
            history["total"],
            json!(keys),
            "user {user}: one history row per key"
        );
    }
    server.stop();
}
