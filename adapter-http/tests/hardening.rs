//! Hostile input and outages (issue 11): each test here failed before its fix.

mod common;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use axum::http::StatusCode;
use common::{KEY, TestApp, app, app_configured};
use leveling_core::storage::wrapper::StoreWrapper;
use leveling_core::storage::{AwardRequest, StoredAward};
use leveling_core::{Error, GuildId, Leveling};
use leveling_http::{Api, ApiKey, cors_origin};
use leveling_storage_memory::MemoryStore;
use serde_json::{Value, json};

const U: &str = "123456789012345678";

async fn post(app: &TestApp, uri: &str, body: &str) -> common::Reply {
    app.raw("POST", uri, Some(KEY), Some(body), &[]).await
}

fn assert_invalid(reply: &common::Reply, field: &str) {
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text
    );
    assert_eq!(reply.json["error"]["code"], "invalid_input");
    let message = reply.json["error"]["message"].as_str().unwrap();
    assert!(message.contains(field), "{message:?} names {field}");
}

// ---- NUL characters: refused by the core's validation, so by every store ----

#[tokio::test]
async fn a_nul_character_in_any_text_field_is_422_naming_the_field() {
    let app = app();
    for field in ["username", "display_name", "avatar_url"] {
        let mut body = json!({"discord_id": U, "username": "ferris"});
        body[field] = json!("a\u{0}b");
        let reply = post(&app, "/api/users", &body.to_string()).await;
        assert_invalid(&reply, field);
    }
    assert_eq!(
        app.get("/api/users").await.json["total"],
        0,
        "nothing stored"
    );

    post(
        &app,
        "/api/users",
        &json!({"discord_id": U, "username": "ferris"}).to_string(),
    )
    .await
    .ok(201);
    for field in ["username", "display_name", "avatar_url"] {
        let body = json!({ field: "\u{0}" });
        let reply = app
            .raw(
                "PATCH",
                &format!("/api/users/{U}"),
                Some(KEY),
                Some(&body.to_string()),
                &[],
            )
            .await;
        assert_invalid(&reply, field);
    }

    let award = json!({"discord_id": U, "amount": 5, "reason": "x\u{0}"});
    assert_invalid(
        &post(&app, "/api/leveling/xp", &award.to_string()).await,
        "reason",
    );

    for field in ["name", "description", "url"] {
        let mut tool = json!({"id": "dice", "name": "Dice", "description": "", "tier": "Basic"});
        tool[field] = json!("\u{0}");
        assert_invalid(&post(&app, "/api/tools", &tool.to_string()).await, field);
    }
}

#[tokio::test]
async fn admin_reasons_with_a_nul_character_are_refused_by_the_core() {
    let app = app();
    let member = leveling_core::MemberId::new(GuildId(common::GUILD), leveling_core::UserId(1));
    let error = app
        .leveling
        .add_xp(
            member,
            10,
            leveling_core::AdminNote::by(leveling_core::UserId(2)).reason("a\u{0}"),
        )
        .await
        .expect_err("refused");
    assert_eq!(error.kind(), leveling_core::ErrorKind::InvalidInput);
    assert!(error.to_string().contains("reason"));
}

// ---- one JSON-object extractor ----

#[tokio::test]
async fn a_body_that_is_not_a_json_object_is_422() {
    let app = app();
    post(
        &app,
        "/api/users",
        &json!({"discord_id": U, "username": "ferris"}).to_string(),
    )
    .await
    .ok(201);
    for body in [
        r#"["1", "ferris"]"#,
        r#""ferris""#,
        "12",
        "true",
        "null",
        " \n [1]",
    ] {
        let created = post(&app, "/api/users", body).await;
        assert_invalid(&created, "JSON object");
        let patched = app
            .raw(
                "PATCH",
                &format!("/api/users/{U}"),
                Some(KEY),
                Some(body),
                &[],
            )
            .await;
        assert_invalid(&patched, "JSON object");
        for uri in ["/api/leveling/xp", "/api/tools"] {
            assert_invalid(&post(&app, uri, body).await, "JSON object");
        }
    }
    assert_eq!(
        app.get(&format!("/api/users/{U}")).await.ok(200)["username"],
        "ferris"
    );
    assert_eq!(app.get("/api/users").await.json["total"], 1);
    // Malformed JSON is still 400, a missing content type 415.
    assert_eq!(
        post(&app, "/api/users", "[1,").await.status,
        StatusCode::BAD_REQUEST
    );
    let bare = app.raw("POST", "/api/users", Some(KEY), None, &[]).await;
    assert_eq!(bare.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let vendor = app
        .raw(
            "POST",
            "/api/users",
            Some(KEY),
            Some(&json!({"discord_id": "9", "username": "v"}).to_string()),
            &[("content-type", "application/vnd.api+json; charset=utf-8")],
        )
        .await;
    assert!(vendor.status.is_success() || vendor.status == StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

// ---- methods: 405 whatever the key ----

#[tokio::test]
async fn an_unsupported_method_is_405_without_a_key() {
    let app = app();
    for (method, uri) in [
        ("TRACE", "/healthz"),
        ("PUT", "/api/users"),
        ("PUT", "/api/users/1"),
        ("DELETE", "/api/users/1/export"),
        ("POST", "/readyz"),
        ("PUT", "/api/leveling/xp"),
    ] {
        let reply = app.raw(method, uri, None, None, &[]).await;
        assert_eq!(
            reply.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {uri}"
        );
        assert_eq!(reply.json["error"]["code"], "method_not_allowed");
        assert!(reply.headers.contains_key("allow"), "{method} {uri}");
    }
    // The documented mutations still need it.
    let reply = app.raw("POST", "/api/users", None, Some("{}"), &[]).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let reply = app.raw("DELETE", "/api/users/1", None, None, &[]).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

// ---- outages: 503 with Retry-After, in bounded time ----

/// A store whose database is down: awards fail as unavailable, health checks hang.
struct Down(MemoryStore);

#[async_trait]
impl StoreWrapper for Down {
    type Inner = MemoryStore;
    fn inner(&self) -> &MemoryStore {
        &self.0
    }
    async fn award(&self, _: &AwardRequest) -> leveling_core::Result<StoredAward> {
        Err(Error::unavailable(
            "connecting to PostgreSQL",
            std::io::Error::other("refused"),
        ))
    }
    async fn health(&self) -> leveling_core::Result<()> {
        std::future::pending().await
    }
}

fn down_app() -> TestApp {
    let leveling = Leveling::builder(Down(MemoryStore::new())).build();
    let router = Api::new(leveling.clone())
        .api_key(ApiKey::new(KEY))
        .router();
    TestApp { router, leveling }
}

#[tokio::test]
async fn readyz_answers_503_within_a_second_when_the_store_hangs() {
    let app = down_app();
    let started = Instant::now();
    let reply = app.get("/readyz").await;
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.json["error"]["code"], "unavailable");
    assert_eq!(reply.headers["retry-after"], "1");
}

#[tokio::test]
async fn an_award_while_the_store_is_down_is_503_with_retry_after() {
    let app = down_app();
    let reply = post(
        &app,
        "/api/leveling/xp",
        &json!({"discord_id": U, "amount": 5}).to_string(),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.text
    );
    assert_eq!(reply.json["error"]["code"], "unavailable");
    assert_eq!(reply.headers["retry-after"], "1");
}

// ---- CORS ----

const ORIGIN: &str = "https://app.example.com";

fn cors_app() -> TestApp {
    app_configured(Some(KEY), |api| {
        api.cors_allowed_origins(vec![cors_origin(ORIGIN).unwrap()])
    })
}

#[tokio::test]
async fn cors_preflight_is_answered_for_an_allowed_origin_only() {
    let app = cors_app();
    let preflight = |origin: &'static str| {
        let app = &app;
        async move {
            app.raw(
                "OPTIONS",
                "/api/leveling/xp",
                None,
                None,
                &[
                    ("origin", origin),
                    ("access-control-request-method", "POST"),
                    (
                        "access-control-request-headers",
                        "authorization, content-type, idempotency-key",
                    ),
                ],
            )
            .await
        }
    };
    let allowed = preflight(ORIGIN).await;
    assert!(allowed.status.is_success(), "{}", allowed.status);
    assert_eq!(allowed.headers["access-control-allow-origin"], ORIGIN);
    let methods = allowed.headers["access-control-allow-methods"]
        .to_str()
        .unwrap();
    assert!(
        methods.contains("POST") && methods.contains("PATCH"),
        "{methods}"
    );
    let headers = allowed.headers["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        headers.contains("authorization") && headers.contains("idempotency-key"),
        "{headers}"
    );
    assert!(
        !allowed
            .headers
            .contains_key("access-control-allow-credentials")
    );

    let other = preflight("https://evil.example.com").await;
    assert!(!other.headers.contains_key("access-control-allow-origin"));

    // A real request from the page carries the header; from elsewhere it does not.
    let read = app
        .raw("GET", "/api/tools", None, None, &[("origin", ORIGIN)])
        .await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.headers["access-control-allow-origin"], ORIGIN);
    assert!(
        read.headers["vary"]
            .to_str()
            .unwrap()
            .to_ascii_lowercase()
            .contains("origin")
    );
    let denied = app
        .raw(
            "GET",
            "/api/tools",
            None,
            None,
            &[("origin", "https://evil.example.com")],
        )
        .await;
    assert!(!denied.headers.contains_key("access-control-allow-origin"));
    // An error answer carries it too, so the page can read the error body.
    let unauthorized = app
        .raw(
            "POST",
            "/api/users",
            None,
            Some("{}"),
            &[("origin", ORIGIN)],
        )
        .await;
    assert_eq!(unauthorized.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unauthorized.headers["access-control-allow-origin"], ORIGIN);
}

#[tokio::test]
async fn without_configured_origins_there_is_no_cors() {
    let app = app();
    let read = app
        .raw("GET", "/api/tools", None, None, &[("origin", ORIGIN)])
        .await;
    assert!(!read.headers.contains_key("access-control-allow-origin"));
    let preflight = app
        .raw(
            "OPTIONS",
            "/api/tools",
            None,
            None,
            &[("origin", ORIGIN), ("access-control-request-method", "GET")],
        )
        .await;
    assert!(
        !preflight
            .headers
            .contains_key("access-control-allow-origin")
    );
}

#[test]
fn cors_origins_must_be_exact() {
    for good in [
        "https://app.example.com",
        "http://127.0.0.1:3000",
        "http://[::1]:8080",
        "http://localhost",
    ] {
        assert!(cors_origin(good).is_ok(), "{good}");
    }
    for bad in [
        "*",
        "https://*.example.com",
        "https://app.example.com/",
        "app.example.com",
        "ftp://x",
        "https://a:b@x",
        "https://x:99999",
        "null",
        "",
    ] {
        assert!(cors_origin(bad).is_err(), "{bad}");
    }
}

// ---- 413 for clients that write the whole body before reading ----

/// Like Python's `http.client`: sends the whole request, and only then reads.
fn write_all_then_read(addr: std::net::SocketAddr, body_len: usize, key: Option<&str>) -> String {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let auth = key
        .map(|k| format!("Authorization: Bearer {k}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "POST /api/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{auth}Content-Length: {body_len}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).expect("headers");
    let chunk = vec![b' '; 16 * 1024];
    let mut left = body_len;
    while left > 0 {
        let n = left.min(chunk.len());
        stream
            .write_all(&chunk[..n])
            .unwrap_or_else(|e| panic!("writing the body: {e}"));
        left -= n;
    }
    let mut answer = String::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                answer.push_str(&String::from_utf8_lossy(&buf[..n]));
                if answer.contains("\r\n\r\n") && answer.ends_with('}') {
                    break;
                }
            }
            Err(e) => panic!("reading the answer: {e} (so far {answer:?})"),
        }
    }
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_writes_an_oversized_body_before_reading_gets_its_413() {
    let app = app_configured(Some(KEY), |api| api.body_limit(16 * 1024));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app.router.clone();
    tokio::spawn(async move { axum::serve(listener, router).await });

    for (len, key, status) in [
        (512 * 1024, Some(KEY), "413"),
        (512 * 1024, None, "401"),
        (100 * 1024, Some("wrong"), "401"),
    ] {
        let answer = tokio::task::spawn_blocking(move || write_all_then_read(addr, len, key))
            .await
            .unwrap();
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status}")),
            "{answer}"
        );
        let body: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
        assert!(body["error"]["code"].is_string());
    }
}

/// A client that stops sending its body mid-way gets the timeout's 408 with the JSON
/// error body every other error has (it once came bodiless: the JSON mapping sat inside
/// the timeout).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_request_gets_a_json_408_at_the_timeout() {
    let app = app_configured(Some(KEY), |api| api.timeout(Duration::from_millis(300)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app.router.clone();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let head = format!(
            "POST /api/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer {KEY}\r\nContent-Length: 100\r\n\r\n{{\"discord_id\""
        );
        stream.write_all(head.as_bytes()).expect("a part of the request");
        let started = Instant::now();
        let mut answer = String::new();
        let mut buf = [0u8; 4096];
        while !(answer.contains("\r\n\r\n") && answer.ends_with('}')) {
            match stream.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => answer.push_str(&String::from_utf8_lossy(&buf[..n])),
                Err(e) => panic!("reading the answer: {e} (so far {answer:?})"),
            }
        }
        (answer, started.elapsed())
    })
    .await
    .unwrap();
    let (answer, took) = answer;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{answer}"
    );
    let body: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "timeout");
}

// ---- found by the fuzzer: what the document calls valid is accepted ----

#[tokio::test]
async fn an_integral_number_written_with_a_fraction_is_an_integer() {
    // JSON Schema counts 264.0 as an integer, so the document's `integer` fields take it.
    let app = app();
    let user = post(
        &app,
        "/api/users",
        r#"{"discord_id": 264.0, "username": "f"}"#,
    )
    .await;
    assert_eq!(user.ok(201)["discord_id"], "264");
    let award = post(
        &app,
        "/api/leveling/xp",
        r#"{"discord_id": "264", "amount": 1.5e2}"#,
    )
    .await;
    assert_eq!(award.ok(200)["amount"], 150);
    let tool = r#"{"id": "d", "name": "D", "tier": "Basic", "required_level": 3.0}"#;
    assert_eq!(
        post(&app, "/api/tools", tool).await.ok(201)["required_level"],
        3
    );
    // A real fraction, or a value past u64, is still refused, naming the field.
    let bad = post(
        &app,
        "/api/leveling/xp",
        r#"{"discord_id": "264", "amount": 1.5}"#,
    )
    .await;
    assert_invalid(&bad, "amount");
    let big = post(
        &app,
        "/api/users",
        r#"{"discord_id": 1.8446744073709552e19, "username": "f"}"#,
    )
    .await;
    assert_invalid(&big, "discord_id");
}
