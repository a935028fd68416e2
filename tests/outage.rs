//! The HTTP API over PostgreSQL while the database is unreachable (issue 11): `/readyz`
//! and awards answer 503 (JSON, `Retry-After`) within 1 s, and the store reconnects by
//! itself. The outage is a TCP proxy in front of the real server that cuts every
//! connection and refuses new ones, so no other test's database is disturbed.

use std::time::{Duration, Instant};

use leveling_core::{GuildId, Leveling};
use leveling_http::{Api, ApiKey};
use leveling_storage_postgres::{PgConnectOptions, PostgresStore};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

const KEY: &str = "outage-key";

/// A proxy to `target`; `set_up(false)` cuts every open connection and closes the
/// port (connections are refused, as with a stopped server); `set_up(true)` opens it
/// again.
struct Proxy {
    port: u16,
    up: watch::Sender<bool>,
}

impl Proxy {
    async fn start(target: String) -> Self {
        let first = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = first.local_addr().unwrap().port();
        let (up, mut state) = watch::channel(true);
        let template = state.clone();
        tokio::spawn(async move {
            let mut listener = Some(first);
            loop {
                let current = match listener.take() {
                    Some(listener) => listener,
                    None => TcpListener::bind(("127.0.0.1", port)).await.unwrap(),
                };
                loop {
                    tokio::select! {
                        accepted = current.accept() => {
                            let Ok((mut client, _)) = accepted else { return };
                            let target = target.clone();
                            let mut down = template.clone();
                            down.borrow_and_update();
                            tokio::spawn(async move {
                                let Ok(mut server) = TcpStream::connect(&target).await else { return };
                                tokio::select! {
                                    _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                                    _ = down.wait_for(|up| !*up) => {}
                                }
                            });
                        }
                        _ = state.wait_for(|up| !*up) => break,
                    }
                }
                drop(current); // the port is closed: connections are refused
                if state.wait_for(|up| *up).await.is_err() {
                    return;
                }
            }
        });
        Self { port, up }
    }

    fn set_up(&self, up: bool) {
        self.up.send_replace(up);
    }
}

/// The API over PostgreSQL through a proxy, on a real socket; `None` (after one line
/// saying so) without a reachable PostgreSQL, unless `LEVELING_REQUIRE_POSTGRES=1`.
async fn api_through_proxy(test: &str) -> Option<(String, Proxy)> {
    let url = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let options: PgConnectOptions = url.parse().expect("TEST_DATABASE_URL");
    let target = format!("{}:{}", options.get_host(), options.get_port());
    let required = std::env::var("LEVELING_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    let schema = format!("outage_{test}_{}", std::process::id());
    let admin = match PostgresStore::connect(&url).await {
        Ok((store, _background)) => store,
        Err(error) if !required => {
            eprintln!(
                "skipped: PostgreSQL unreachable at TEST_DATABASE_URL ({error}); set it to run"
            );
            return None;
        }
        Err(error) => panic!("LEVELING_REQUIRE_POSTGRES=1 but PostgreSQL is unreachable: {error}"),
    };
    drop(admin);
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    // The schema name is ours (a fixed prefix and the process id).
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE"
    )))
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&pool)
        .await
        .unwrap();
    let proxy = Proxy::start(target).await;
    let options = options
        .port(proxy.port)
        .host("127.0.0.1")
        .options([("search_path", schema.as_str())]);
    let (store, background) = PostgresStore::builder()
        .connect_with(options, PostgresStore::pool_options())
        .await
        .expect("store through the proxy");
    tokio::spawn(background);
    let leveling = Leveling::builder(store).build();
    let app = Api::new(leveling)
        .api_key(ApiKey::new(KEY))
        .default_guild(GuildId(1))
        .router();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Some((format!("http://{addr}"), proxy))
}

async fn award(http: &reqwest::Client, base: &str) -> reqwest::Response {
    http.post(format!("{base}/api/leveling/xp"))
        .bearer_auth(KEY)
        .json(&serde_json::json!({"discord_id": "7", "amount": 5}))
        .send()
        .await
        .expect("an answer")
}

async fn assert_503_within_a_second(
    response: impl std::future::Future<Output = reqwest::Response>,
) {
    let started = Instant::now();
    let response = response.await;
    let took = started.elapsed();
    assert_eq!(response.status(), 503, "{:?}", response.text().await);
    assert_eq!(response.headers()["retry-after"], "1");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable");
    assert!(took < Duration::from_secs(1), "503 took {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_is_503_within_a_second_during_an_outage_and_ready_after() {
    let Some((base, proxy)) = api_through_proxy("readyz").await else {
        return;
    };
    let http = reqwest::Client::new();
    assert_eq!(
        http.get(format!("{base}/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    proxy.set_up(false);
    for _ in 0..3 {
        assert_503_within_a_second(async {
            http.get(format!("{base}/readyz")).send().await.unwrap()
        })
        .await;
    }
    proxy.set_up(true);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = http
            .get(format!("{base}/readyz"))
            .send()
            .await
            .unwrap()
            .status();
        if status == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not ready 10 s after the database came back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        award(&http, &base).await.status(),
        200,
        "the store reconnected by itself"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awards_are_503_within_a_second_during_an_outage_and_granted_after() {
    let Some((base, proxy)) = api_through_proxy("award").await else {
        return;
    };
    let http = reqwest::Client::new();
    assert_eq!(award(&http, &base).await.status(), 200);
    proxy.set_up(false);
    for _ in 0..3 {
        assert_503_within_a_second(award(&http, &base)).await;
    }
    proxy.set_up(true);
    let deadline = Instant::now() + Duration::from_secs(10);
    while award(&http, &base).await.status() != 200 {
        assert!(
            Instant::now() < deadline,
            "awards still refused 10 s after the database came back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
