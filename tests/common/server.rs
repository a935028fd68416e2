//! The reference server binary as a child process: started on a SQLite file in a
//! temporary directory (so no `.env` of the checkout is read), with plain HTTP helpers.
//!
//! Cargo builds the examples when it builds the tests (`cargo test`); these run
//! `target/<profile>/examples/server`, found from the test's own path.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub const KEY: &str = "restart-test-key-0123456789abcdef";

/// `…/target/debug/deps/<test>-…` → `…/target/debug/examples/server`.
pub fn server_binary() -> PathBuf {
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

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

pub struct Dir(pub PathBuf);

impl Dir {
    pub fn new(name: &str) -> Self {
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

pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Server {
    /// Starts the server on `db` (in `dir`, so no `.env` of the checkout is read) and
    /// waits until `/readyz` answers.
    pub async fn start(dir: &Path, db: &Path) -> Self {
        Self::start_with(dir, db, &[]).await
    }

    /// [`start`](Self::start) with more environment variables.
    pub async fn start_with(dir: &Path, db: &Path, env: &[(&str, &str)]) -> Self {
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
            .envs(env.iter().copied())
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
    pub fn stop(mut self) {
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
    pub fn kill(mut self) {
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

pub async fn get(client: &reqwest::Client, url: String) -> Value {
    let response = client.get(&url).send().await.unwrap();
    assert!(
        response.status().is_success(),
        "GET {url}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

pub async fn post(client: &reqwest::Client, url: String, body: Value) -> Value {
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

impl Server {
    /// [`start_with`](Self::start_with) on another database: `database_url` (a
    /// `postgres://…` URL from [`postgres_schema`], say) wins over the SQLite file, as
    /// later variables win.
    pub async fn start_on(dir: &Path, database_url: &str, env: &[(&str, &str)]) -> Self {
        let mut all = vec![("DATABASE_URL", database_url)];
        all.extend_from_slice(env);
        Self::start_with(dir, &dir.join("unused.db"), &all).await
    }
}

/// A fresh, empty schema `<test>_<pid>` on `TEST_DATABASE_URL` (default
/// `postgres://postgres@127.0.0.1:5432/test`) and the URL that puts a server in it
/// (`?options=-csearch_path=<schema>`); `None` after one line saying why when PostgreSQL
/// is unreachable, unless `LEVELING_REQUIRE_POSTGRES=1` (then it panics).
pub async fn postgres_schema(test: &str) -> Option<String> {
    let url = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let required = std::env::var("LEVELING_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    let pool = match sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(3))
        .connect(&url)
        .await
    {
        Ok(pool) => pool,
        Err(error) if !required => {
            eprintln!(
                "skipped: PostgreSQL unreachable at TEST_DATABASE_URL ({error}); set it to run"
            );
            return None;
        }
        Err(error) => panic!("LEVELING_REQUIRE_POSTGRES=1 but PostgreSQL is unreachable: {error}"),
    };
    // The schema name is ours (the test's name and the process id).
    let schema = format!("{test}_{}", std::process::id());
    for statement in [
        format!("DROP SCHEMA IF EXISTS {schema} CASCADE"),
        format!("CREATE SCHEMA {schema}"),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&pool)
            .await
            .expect("create the test's schema");
    }
    pool.close().await;
    let separator = if url.contains('?') { '&' } else { '?' };
    Some(format!("{url}{separator}options=-csearch_path%3D{schema}"))
}
