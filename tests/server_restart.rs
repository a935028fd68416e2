//! The reference server binary on a SQLite file: stopped gracefully (SIGTERM) or killed
//! (`kill -9`) and started again, it has every figure and every acknowledged award back,
//! each exactly once.
//!
//! Cargo builds the examples when it builds the tests (`cargo test`); this test runs
//! `target/<profile>/examples/server`, found from its own path. Run alone
//! (`cargo test --test server_restart`) it needs the example built first:
//! `cargo build --example server`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const KEY: &str = "restart-test-key-0123456789abcdef";

/// `…/target/debug/deps/server_restart-…` → `…/target/debug/examples/server`.
fn server_binary() -> PathBuf {
    let me = std::env::current_exe().expect("the test's own path");
    let profile_dir = me
        .parent()
        .and_then(Path::parent)
        .expect("the test runs from target/<profile>/deps");
    let binary = profile_dir
        .join("examples")
        .join(format!("server{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} is missing: run `cargo build --example server` (or `cargo test`, which builds it)",
        binary.display()
    );
    binary
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("leveling-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Server {
    child: Child,
    base: String,
}

impl Server {
    /// Starts the server on `db` (in `dir`, so no `.env` of the checkout is read) and
    /// waits until `/readyz` answers.
    async fn start(dir: &Path, db: &Path) -> Self {
        let port = free_port();
        let child = Command::new(server_binary())
            .current_dir(dir)
            .env("DATABASE_URL", format!("sqlite://{}", db.display()))
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .env("API_SECRET_KEY", KEY)
            .env("DISCORD_TOKEN", "")
            .env("TOOLS_FILE", "")
            .env("AUTH_FAILURES_PER_MINUTE", "0")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .spawn()
            .expect("start the server");
        let server = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(response) = client.get(format!("{}/readyz", server.base)).send().await
                && response.status().is_success()
            {
                return server;
            }
            assert!(Instant::now() < deadline, "the server did not get ready");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGTERM, then waits for a clean exit.
    fn stop(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "the server exited with {status}");
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `kill -9`: no chance to flush or close anything.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn get(client: &reqwest::Client, url: String) -> Value {
    let response = client.get(&url).send().await.unwrap();
    assert!(
        response.status().is_success(),
        "GET {url}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

async fn post(client: &reqwest::Client, url: String, body: Value) -> Value {
    let response = client
        .post(&url)
        .bearer_auth(KEY)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "POST {url}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

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
