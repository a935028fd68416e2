//! `GET /metrics`: the counters move with what the API and the engine do, the route is
//! protected, open or absent as asked, and the OpenAPI document says which.
//!
//! The `metrics` recorder is global per process, and these tests run in parallel: each
//! asserts how much a series grew across its own requests (at least its own share), and
//! the Socket.IO gauge, which only one test moves, exactly.

mod common;
#[path = "socket_client/mod.rs"]
mod socket_client;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use common::{GUILD, KEY, TestApp, app, app_configured};
use leveling_core::storage::wrapper::StoreWrapper;
use leveling_core::storage::{AwardRequest, StoredAward};
use leveling_core::{Error, GuildId, Leveling};
use leveling_http::{Api, ApiKey, MetricsAccess, SocketIoEvents, prometheus};
use leveling_storage_memory::MemoryStore;
use serde_json::{Value, json};

fn handle() -> leveling_http::PrometheusHandle {
    prometheus().expect("no other recorder in this test binary")
}

fn with_metrics(access: MetricsAccess) -> TestApp {
    app_configured(Some(KEY), |api| api.metrics(handle(), access))
}

/// One scrape, parsed: (name, labels) → value.
struct Scrape(BTreeMap<(String, BTreeMap<String, String>), f64>, String);

impl Scrape {
    async fn of(app: &TestApp) -> Self {
        let reply = app.get("/metrics").await;
        assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
        assert_eq!(
            reply.headers["content-type"],
            "text/plain; version=0.0.4; charset=utf-8"
        );
        Self::parse(&reply.text)
    }

    fn parse(text: &str) -> Self {
        let mut series = BTreeMap::new();
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let (key, value) = line.rsplit_once(' ').expect("name value");
            let (name, labels) = match key.split_once('{') {
                Some((name, rest)) => {
                    let labels = rest
                        .trim_end_matches('}')
                        .split("\",")
                        .filter(|pair| !pair.is_empty())
                        .map(|pair| {
                            let (k, v) = pair.split_once("=\"").expect("label");
                            (k.to_owned(), v.trim_end_matches('"').to_owned())
                        })
                        .collect();
                    (name, labels)
                }
                None => (key, BTreeMap::new()),
            };
            series.insert((name.to_owned(), labels), value.parse().expect("a number"));
        }
        Self(series, text.to_owned())
    }

    fn any_label(&self, mut matches: impl FnMut(&str) -> bool) -> bool {
        self.0
            .keys()
            .any(|(_, labels)| labels.values().any(|v| matches(v)))
    }

    /// The series' value; 0 when it has none yet (a counter appears on first use).
    fn get(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let labels = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.0
            .get(&(name.to_owned(), labels))
            .copied()
            .unwrap_or(0.0)
    }
}

async fn award(app: &TestApp, body: Value) -> Value {
    let reply = app.send("POST", "/api/leveling/xp", Some(body)).await;
    reply.ok(200).clone()
}

#[tokio::test]
async fn an_award_moves_the_award_latency_level_and_request_series() {
    let app = with_metrics(MetricsAccess::Open);
    let before = Scrape::of(&app).await;

    let first = award(&app, json!({"discord_id": "101", "source": "message"})).await;
    assert_eq!(first["granted"], true);
    let again = award(&app, json!({"discord_id": "101", "source": "message"})).await;
    assert_eq!(again["granted"], false);
    // 200 XP from nothing: level 1.
    let grant = award(&app, json!({"discord_id": "102", "amount": 200})).await;
    assert_eq!(grant["leveled_up"], true);

    let after = Scrape::of(&app).await;
    let rose = |name: &str, labels: &[(&str, &str)], by: f64| {
        let (was, is) = (before.get(name, labels), after.get(name, labels));
        assert!(
            is >= was + by,
            "{name}{labels:?}: {was} → {is}, expected +{by}\n{}",
            after.1
        );
    };
    let awards = "leveling_awards_total";
    rose(
        awards,
        &[("source", "message"), ("outcome", "granted")],
        1.0,
    );
    rose(
        awards,
        &[("source", "message"), ("outcome", "cooldown")],
        1.0,
    );
    rose(awards, &[("source", "api"), ("outcome", "granted")], 1.0);
    rose("leveling_level_ups_total", &[("source", "api")], 1.0);
    rose("leveling_award_duration_seconds_count", &[], 3.0);
    let request =
        |method, route, status| [("method", method), ("route", route), ("status", status)];
    rose(
        "leveling_http_requests_total",
        &request("POST", "/api/leveling/xp", "2xx"),
        3.0,
    );
    // The first scrape, counted once it was answered.
    rose(
        "leveling_http_requests_total",
        &request("GET", "/metrics", "2xx"),
        1.0,
    );
    // A Prometheus histogram with the award buckets, not a summary.
    assert!(
        after
            .1
            .contains("# TYPE leveling_award_duration_seconds histogram"),
        "{}",
        after.1
    );
    assert!(
        after.get(
            "leveling_award_duration_seconds_bucket",
            &[("le", "0.00005")]
        ) <= after.get("leveling_award_duration_seconds_bucket", &[("le", "+Inf")])
    );
    // No guild or user ever becomes a label.
    assert!(!after.any_label(|v| v.contains("101") || v.contains(&GUILD.to_string())));
}

#[tokio::test]
async fn requests_are_counted_by_route_template_never_by_raw_path() {
    let app = with_metrics(MetricsAccess::Open);
    let before = Scrape::of(&app).await;
    assert_eq!(app.get("/api/users/4242").await.status.as_u16(), 404);
    assert_eq!(app.get("/no/such/route-777").await.status.as_u16(), 404);
    let after = Scrape::of(&app).await;
    let labels = |route| [("method", "GET"), ("route", route), ("status", "4xx")];
    let name = "leveling_http_requests_total";
    for route in ["/api/users/{discord_id}", "unmatched"] {
        assert!(
            after.get(name, &labels(route)) >= before.get(name, &labels(route)) + 1.0,
            "{route}\n{}",
            after.1
        );
    }
    assert!(!after.any_label(|v| v.contains("4242") || v.contains("route-777")));
}

#[tokio::test]
async fn protected_metrics_need_the_api_key() {
    let app = with_metrics(MetricsAccess::Protected);
    app.raw("GET", "/metrics", None, None, &[])
        .await
        .error(401, "unauthorized");
    app.raw("GET", "/metrics", Some("wrong"), None, &[])
        .await
        .error(401, "unauthorized");
    let reply = app.raw("GET", "/metrics", Some(KEY), None, &[]).await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    assert!(reply.text.contains("leveling_http_requests_total"));

    // Protected on a server without a key: refused like a mutation (fails closed).
    let keyless = app_configured(None, |api| api.metrics(handle(), MetricsAccess::Protected));
    keyless
        .raw("GET", "/metrics", Some(KEY), None, &[])
        .await
        .error(403, "forbidden");
}

#[tokio::test]
async fn without_metrics_the_route_is_absent_and_undocumented() {
    let app = app();
    app.get("/metrics").await.error(404, "not_found");
    let doc = app.get("/openapi.json").await.ok(200).clone();
    assert!(doc["paths"].get("/metrics").is_none());
}

#[tokio::test]
async fn the_document_lists_metrics_as_served() {
    let open = with_metrics(MetricsAccess::Open);
    let doc = open.get("/openapi.json").await.ok(200).clone();
    let op = &doc["paths"]["/metrics"]["get"];
    assert!(
        op["responses"]["200"]["content"]["text/plain"].is_object(),
        "{op}"
    );
    assert!(op.get("security").is_none(), "{op}");
    // It never asks the store: no 503.
    assert!(op["responses"].get("503").is_none(), "{op}");

    let protected = with_metrics(MetricsAccess::Protected);
    let doc = protected.get("/openapi.json").await.ok(200).clone();
    let op = &doc["paths"]["/metrics"]["get"];
    assert_eq!(op["security"], json!([{"bearer": []}]), "{op}");
    for status in ["401", "403", "429"] {
        assert!(op["responses"].get(status).is_some(), "{status}: {op}");
    }
}

/// A store whose awards fail as if the database were down.
struct Down(MemoryStore);

#[async_trait]
impl StoreWrapper for Down {
    type Inner = MemoryStore;
    fn inner(&self) -> &MemoryStore {
        &self.0
    }
    async fn award(&self, _: &AwardRequest) -> leveling_core::Result<StoredAward> {
        Err(Error::Unavailable {
            message: "the database is down".into(),
            source: None,
        })
    }
}

#[tokio::test]
async fn store_errors_are_counted_by_kind() {
    let leveling = Leveling::builder(Down(MemoryStore::new())).build();
    let router = Api::new(leveling.clone())
        .api_key(ApiKey::new(KEY))
        .default_guild(GuildId(GUILD))
        .metrics(handle(), MetricsAccess::Open)
        .router();
    let app = TestApp { router, leveling };
    let before = Scrape::of(&app).await;
    let reply = app
        .send(
            "POST",
            "/api/leveling/xp",
            Some(json!({"discord_id": "7", "source": "command"})),
        )
        .await;
    reply.error(503, "unavailable");
    let after = Scrape::of(&app).await;
    for (name, labels) in [
        (
            "leveling_store_errors_total",
            &[("kind", "unavailable")][..],
        ),
        (
            "leveling_awards_total",
            &[("source", "command"), ("outcome", "error")],
        ),
        (
            "leveling_http_requests_total",
            &[
                ("method", "POST"),
                ("route", "/api/leveling/xp"),
                ("status", "5xx"),
            ],
        ),
    ] {
        assert!(
            after.get(name, labels) >= before.get(name, labels) + 1.0,
            "{name}{labels:?}\n{}",
            after.1
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socket_io_connections_are_a_gauge() {
    let (events, sink) = SocketIoEvents::new();
    let leveling = Leveling::builder(MemoryStore::new()).sink(sink).build();
    let app = Api::new(leveling)
        .metrics(handle(), MetricsAccess::Open)
        .socket_io(events)
        .router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let http = reqwest::Client::new();
    let gauge = || async {
        let text = http
            .get(format!("{base}/metrics"))
            .send()
            .await
            .expect("scrape")
            .text()
            .await
            .expect("text");
        Scrape::parse(&text).get("leveling_socketio_connections", &[])
    };
    // Only this test opens sockets in this binary: the gauge is exact.
    let wait_for = |want: f64| async move {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let now = gauge().await;
            if now == want {
                return;
            }
            assert!(Instant::now() < deadline, "gauge {now}, expected {want}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    wait_for(0.0).await;
    let (client, mut received) = socket_client::connect(&base).await;
    socket_client::next(&mut received, "connection_established").await;
    wait_for(1.0).await;
    client.disconnect().await.expect("disconnect");
    wait_for(0.0).await;
}
