//! Every endpoint and every error case, in process (no socket).

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use common::{GUILD, KEY, TestApp, app, app_configured, app_with};
use http_body_util::BodyExt;
use leveling_http::AuthFailureLimit;
use serde_json::{Value, json};
use tower::ServiceExt;

const U: &str = "123456789012345678";

// ---- users ----

#[tokio::test]
async fn users_create_update_get_patch_list() {
    let app = app();
    let created = app
        .send(
            "POST",
            "/api/users",
            Some(json!({"discord_id": U, "username": "ferris", "display_name": "Ferris"})),
        )
        .await;
    let user = created.ok(201);
    assert_eq!(user["discord_id"], U);
    assert_eq!(user["username"], "ferris");
    assert!(user["created_at"].as_str().unwrap().contains('T'));

    // An integer id is accepted; the answer is a string. Same user → 200, an update.
    let updated = app
        .send(
            "POST",
            "/api/users",
            Some(json!({"discord_id": 123456789012345678u64, "username": "crab"})),
        )
        .await;
    assert_eq!(updated.ok(200)["username"], "crab");
    assert_eq!(
        updated.json["display_name"], "Ferris",
        "absent fields keep their value"
    );

    let got = app.get(&format!("/api/users/{U}")).await;
    let got = got.ok(200);
    assert_eq!(got["discord_id"], U);
    assert_eq!(got["guild_id"], GUILD.to_string());
    assert_eq!(
        (got["xp"].as_u64(), got["level"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(got["tier"], "Basic");
    assert_eq!(got["rank"], Value::Null);
    assert_eq!(got["progress"]["xp_for_next_level"], 150);
    assert_eq!(got["has_profile"], true);

    let patched = app
        .send(
            "PATCH",
            &format!("/api/users/{U}"),
            Some(json!({"display_name": null, "avatar_url": "https://x/a.png"})),
        )
        .await;
    let patched = patched.ok(200);
    assert_eq!(patched["display_name"], Value::Null);
    assert_eq!(patched["avatar_url"], "https://x/a.png");
    assert_eq!(patched["username"], "crab");
    assert_eq!(patched["leaderboard_hidden"], false);

    for id in 1..=3 {
        app.send(
            "POST",
            "/api/users",
            Some(json!({"discord_id": id, "username": format!("u{id}")})),
        )
        .await
        .ok(201);
    }
    let page = app.get("/api/users?limit=2&offset=1").await;
    let page = page.ok(200);
    assert_eq!(page["total"], 4);
    let ids: Vec<_> = page["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["discord_id"].clone())
        .collect();
    assert_eq!(ids, [json!("2"), json!("3")]);
}

#[tokio::test]
async fn a_user_can_be_hidden_from_public_leaderboards() {
    let app = app();
    for (id, name) in [(1, "ada"), (2, "bob")] {
        app.send(
            "POST",
            "/api/users",
            Some(json!({"discord_id": id, "username": name, "avatar_url": format!("https://x/{id}.png")})),
        )
        .await
        .ok(201);
        app.send(
            "POST",
            "/api/leveling/xp",
            Some(json!({"discord_id": id, "amount": 100 - id})),
        )
        .await
        .ok(200);
    }
    let hidden = app
        .send(
            "PATCH",
            "/api/users/2",
            Some(json!({"leaderboard_hidden": true})),
        )
        .await;
    assert_eq!(hidden.ok(200)["leaderboard_hidden"], true);
    assert_eq!(
        app.get("/api/users/2").await.ok(200)["leaderboard_hidden"],
        true
    );
    let board = app.get("/api/leveling/leaderboard").await;
    let rows = board.ok(200)["entries"].as_array().unwrap().clone();
    let view: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r["rank"].clone(),
                r["avatar_url"].clone(),
                r["hidden"].clone(),
            )
        })
        .collect();
    assert_eq!(
        view,
        [
            (json!(1), json!("https://x/1.png"), json!(false)),
            (json!(2), json!("https://x/2.png"), json!(true)),
        ]
    );
    // `null` is not a choice: the flag is true or false.
    app.send(
        "PATCH",
        "/api/users/2",
        Some(json!({"leaderboard_hidden": null})),
    )
    .await
    .error(422, "invalid_input");
}

#[tokio::test]
async fn user_errors() {
    let app = app();
    app.get("/api/users/42").await.error(404, "not_found");
    app.send("PATCH", "/api/users/42", Some(json!({"username": "x"})))
        .await
        .error(404, "not_found");
    for bad in ["abc", "-1", "18446744073709551616", "1.5", "%20"] {
        app.get(&format!("/api/users/{bad}"))
            .await
            .error(422, "invalid_input");
    }
    // Missing username, wrong type, unknown field, bad id, blank name, overlong name.
    for body in [
        json!({"discord_id": "1"}),
        json!({"discord_id": "1", "username": 5}),
        json!({"discord_id": "1", "username": "a", "nickname": "b"}),
        json!({"discord_id": "x", "username": "a"}),
        json!({"discord_id": -1, "username": "a"}),
        json!({"discord_id": "1", "username": "  "}),
        json!({"discord_id": "1", "username": "n".repeat(101)}),
    ] {
        app.send("POST", "/api/users", Some(body.clone()))
            .await
            .error(422, "invalid_input");
    }
    app.raw(
        "POST",
        "/api/users",
        Some(KEY),
        Some("{\"discord_id\": "),
        &[],
    )
    .await
    .error(400, "bad_request");
    app.raw("POST", "/api/users", Some(KEY), Some("{,}"), &[])
        .await
        .error(400, "bad_request");
    app.get("/api/users?limit=abc")
        .await
        .error(422, "invalid_input");
    app.get("/api/users?limit=-1")
        .await
        .error(422, "invalid_input");
    app.get("/api/users?limit=0")
        .await
        .error(422, "invalid_input");
    app.get("/api/users?offset=x")
        .await
        .error(422, "invalid_input");
    app.get("/api/users?limit=100000").await.ok(200);
}

#[tokio::test]
async fn a_user_with_xp_but_no_profile_is_known_by_id() {
    let app = app();
    app.send(
        "POST",
        "/api/leveling/xp",
        Some(json!({"discord_id": "77", "amount": 200})),
    )
    .await
    .ok(200);
    let got = app.get("/api/users/77").await;
    let got = got.ok(200);
    assert_eq!(got["username"], "77");
    assert_eq!(got["has_profile"], false);
    assert_eq!(
        (
            got["xp"].as_u64(),
            got["level"].as_u64(),
            got["rank"].as_u64()
        ),
        (Some(200), Some(1), Some(1))
    );
    assert_eq!(got["progress"]["xp_into_level"], 50);
    assert_eq!(got["progress"]["xp_for_next_level"], 350);
    // In another guild, the same user is unknown.
    app.get("/api/users/77?guild_id=9")
        .await
        .error(404, "not_found");
    app.get("/api/users/77?guild_id=abc")
        .await
        .error(422, "invalid_input");
}

// ---- awards ----

#[tokio::test]
async fn direct_grant_levels_up_and_reports_it() {
    let app = app();
    let reply = app
        .send(
            "POST",
            "/api/leveling/xp",
            Some(json!({"discord_id": U, "amount": 10_500, "reason": "launch"})),
        )
        .await;
    let r = reply.ok(200);
    assert_eq!(r["granted"], true);
    assert_eq!(r["amount"], 10_500);
    assert_eq!(
        (r["xp_before"].as_u64(), r["xp"].as_u64()),
        (Some(0), Some(10_500))
    );
    assert_eq!(
        (r["level_before"].as_u64(), r["level"].as_u64()),
        (Some(0), Some(10))
    );
    assert_eq!(r["leveled_up"], true);
    assert_eq!(r["tier"], "Basic");
    assert_eq!(r["unlocked_tools"], json!([]));
    assert_eq!(r["discord_id"], U);
    assert_eq!(r["guild_id"], GUILD.to_string());
    assert!(r.get("cooldown_remaining_ms").is_none());
}

/// One XP short of level 100 (a 19,950-XP level) is 99.99 %, never a rounded 100.
#[tokio::test]
async fn progress_percent_rounds_down_and_is_100_only_at_the_cap() {
    let app = app();
    let percent = |xp: u64| {
        let app = &app;
        async move {
            let got = app.get(&format!("/api/users/{U}")).await;
            let got = got.ok(200);
            assert_eq!(got["xp"], xp);
            (
                got["level"].as_u64().unwrap(),
                got["progress"]["percent"].as_f64().unwrap(),
            )
        }
    };
    for amount in [1_000_000, 4_999] {
        let body = json!({"discord_id": U, "amount": amount});
        app.send("POST", "/api/leveling/xp", Some(body))
            .await
            .ok(200);
    }
    assert_eq!(percent(1_004_999).await, (99, 99.99));
    app.send(
        "POST",
        "/api/leveling/xp",
        Some(json!({"discord_id": U, "amount": 1})),
    )
    .await
    .ok(200);
    assert_eq!(percent(1_005_000).await, (100, 100.0));
}

#[tokio::test]
async fn sources_follow_their_rules_and_cooldowns() {
    let app = app();
    let first = app
        .send(
            "POST",
            "/api/leveling/xp",
            Some(json!({"discord_id": U, "source": "message"})),
        )
        .await;
    let first = first.ok(200);
    // 15 for the message + 50 daily + 10 streak (day 1).
    assert_eq!(
        (first["granted"].as_bool(), first["amount"].as_u64()),
        (Some(true), Some(75))
    );
    assert_eq!(first["daily"]["streak_days"], 1);

    let again = app
        .send(
            "POST",
            "/api/leveling/xp",
            Some(json!({"discord_id": U, "source": "message"})),
        )
        .await;
    let again = again.ok(200);
    assert_eq!(
        (again["granted"].as_bool(), again["amount"].as_u64()),
        (Some(false), Some(0))
    );
    let remaining = again["cooldown_remaining_ms"]
        .as_u64()
        .expect("cooldown_remaining_ms");
    assert!(remaining > 55_000 && remaining <= 60_000, "{remaining}");
    assert_eq!(again["xp"], 75);

    let voice = app
        .send(
            "POST",
            "/api/leveling/xp",
            Some(json!({"discord_id": U, "source": "voice", "minutes": 3})),
        )
        .await;
    assert_eq!(voice.ok(200)["amount"], 30);
    let command = app
        .send(
            "POST",
            "/api/leveling/xp",
            Some(json!({"discord_id": U, "source": "command"})),
        )
        .await;
    assert_eq!(command.ok(200)["amount"], 5);
    let daily = app
        .send(
            "POST",
            "/api/leveling/xp",
            Some(json!({"discord_id": U, "source": "daily"})),
        )
        .await;
    let daily = daily.ok(200);
    assert_eq!(daily["granted"], false, "already claimed today");
    assert!(daily["cooldown_remaining_ms"].as_u64().is_some());

    let other = app
        .send(
            "POST",
            "/api/leveling/xp",
            Some(json!({"discord_id": "9", "source": "daily"})),
        )
        .await;
    assert_eq!(
        (
            other.json["granted"].as_bool(),
            other.json["amount"].as_u64()
        ),
        (Some(true), Some(60))
    );
}

#[tokio::test]
async fn award_errors() {
    let app = app();
    let bodies = [
        (json!({"discord_id": U, "amount": 0}), "amount"),
        (json!({"discord_id": U, "amount": -5}), "amount"),
        (json!({"discord_id": U, "amount": 1_000_001}), "amount"),
        (json!({"discord_id": U, "amount": 1e30}), "amount"),
        (json!({"discord_id": U, "amount": 1.5}), "amount"),
        (json!({"discord_id": U, "amount": "10"}), "amount"),
        (json!({"discord_id": U, "source": "streak"}), "source"),
        (json!({"discord_id": U, "source": "bogus"}), "source"),
        (json!({"discord_id": U, "source": 3}), "source"),
        (
            json!({"discord_id": U, "source": "message", "amount": 5}),
            "either",
        ),
        (json!({"discord_id": U}), "amount"),
        (
            json!({"discord_id": U, "source": "message", "minutes": 2}),
            "minutes",
        ),
        (
            json!({"discord_id": U, "amount": 5, "minutes": 2}),
            "minutes",
        ),
        (
            json!({"discord_id": U, "source": "voice", "minutes": 0}),
            "minutes",
        ),
        (
            json!({"discord_id": U, "source": "voice", "minutes": 61}),
            "minutes",
        ),
        (
            json!({"discord_id": U, "amount": 5, "ammount": 5}),
            "ammount",
        ),
        (json!({"amount": 5}), "discord_id"),
        (json!({"discord_id": "12x", "amount": 5}), "discord_id"),
        (
            json!({"discord_id": "18446744073709551616", "amount": 5}),
            "discord_id",
        ),
        (
            json!({"discord_id": U, "amount": 5, "guild_id": "g"}),
            "guild",
        ),
        (
            json!({"discord_id": U, "amount": 5, "reason": "r".repeat(501)}),
            "reason",
        ),
        (json!([1, 2]), "must be a JSON object"),
    ];
    for (body, hint) in bodies {
        let message = app
            .send("POST", "/api/leveling/xp", Some(body.clone()))
            .await
            .error(422, "invalid_input");
        assert!(
            message.contains(hint),
            "{body}: {message:?} should mention {hint}"
        );
    }
    app.raw(
        "POST",
        "/api/leveling/xp",
        Some(KEY),
        Some("{\"discord_id\": \"1\", amount: 5}"),
        &[],
    )
    .await
    .error(400, "bad_request");
    app.raw("POST", "/api/leveling/xp", Some(KEY), Some(""), &[])
        .await
        .error(400, "bad_request");
    let huge = format!("{{\"discord_id\": \"{U}\", \"amount\": 18446744073709551616}}");
    app.raw("POST", "/api/leveling/xp", Some(KEY), Some(&huge), &[])
        .await
        .error(422, "invalid_input");
    // No content type.
    let mut reply = app
        .raw("POST", "/api/leveling/xp", Some(KEY), None, &[])
        .await;
    reply.error(415, "unsupported_media_type");
    reply = app
        .raw(
            "POST",
            "/api/leveling/xp?guild_id=1",
            Some(KEY),
            Some(&json!({"discord_id": U, "amount": 5, "guild_id": "2"}).to_string()),
            &[],
        )
        .await;
    reply.error(422, "invalid_input");
    // Nothing was awarded by any of these.
    assert_eq!(app.get("/api/leveling/leaderboard").await.json["total"], 0);
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let app = app_with(Some(KEY), 1024);
    let body = json!({"discord_id": U, "amount": 5, "reason": "r".repeat(4000)}).to_string();
    app.raw("POST", "/api/leveling/xp", Some(KEY), Some(&body), &[])
        .await
        .error(413, "payload_too_large");
    app.raw("POST", "/api/users", Some(KEY), Some(&body), &[])
        .await
        .error(413, "payload_too_large");
}

#[tokio::test]
async fn idempotency_key_replays_the_first_result() {
    let app = app();
    let body = json!({"discord_id": U, "amount": 40}).to_string();
    let headers = [("Idempotency-Key", "order-1")];
    let first = app
        .raw("POST", "/api/leveling/xp", Some(KEY), Some(&body), &headers)
        .await;
    assert_eq!(
        (first.json["xp"].as_u64(), first.json["replayed"].as_bool()),
        (Some(40), Some(false))
    );
    let second = app
        .raw("POST", "/api/leveling/xp", Some(KEY), Some(&body), &headers)
        .await;
    assert_eq!(
        (
            second.json["xp"].as_u64(),
            second.json["replayed"].as_bool()
        ),
        (Some(40), Some(true))
    );
    let other = app
        .raw(
            "POST",
            "/api/leveling/xp",
            Some(KEY),
            Some(&body),
            &[("Idempotency-Key", "order-2")],
        )
        .await;
    assert_eq!(other.json["xp"], 80);
    let long = "k".repeat(300);
    app.raw(
        "POST",
        "/api/leveling/xp",
        Some(KEY),
        Some(&body),
        &[("Idempotency-Key", &long)],
    )
    .await
    .error(422, "invalid_input");
}

#[tokio::test]
async fn guild_id_scopes_awards() {
    let app = app();
    app.send(
        "POST",
        "/api/leveling/xp",
        Some(json!({"discord_id": U, "amount": 10, "guild_id": "1"})),
    )
    .await
    .ok(200);
    app.send(
        "POST",
        "/api/leveling/xp",
        Some(json!({"discord_id": U, "amount": 20, "guild_id": 2})),
    )
    .await
    .ok(200);
    app.send(
        "POST",
        "/api/leveling/xp?guild_id=3",
        Some(json!({"discord_id": U, "amount": 30})),
    )
    .await
    .ok(200);
    for (guild, xp) in [("1", 10), ("2", 20), ("3", 30)] {
        let board = app
            .get(&format!("/api/leveling/leaderboard?guild_id={guild}"))
            .await;
        assert_eq!(board.json["guild_id"], guild);
        assert_eq!(board.json["entries"][0]["xp"], xp);
    }
    assert_eq!(
        app.get("/api/leveling/leaderboard").await.json["total"],
        0,
        "default guild untouched"
    );
}

// ---- auth ----

#[tokio::test]
async fn mutations_need_the_key() {
    // Twenty wrong keys in a row: the brake on guessing is tested on its own below.
    let app = app_configured(Some(KEY), |api| api.auth_failure_limit(None));
    let body = json!({"discord_id": U, "amount": 5}).to_string();
    let routes = [
        ("POST", "/api/users"),
        ("PATCH", "/api/users/1"),
        ("POST", "/api/leveling/xp"),
        ("POST", "/api/tools"),
        ("POST", "/api/tools/unlock/1/x"),
    ];
    for (method, uri) in routes {
        let missing = app.raw(method, uri, None, Some(&body), &[]).await;
        missing.error(401, "unauthorized");
        assert_eq!(missing.headers["www-authenticate"], "Bearer");
        app.raw(method, uri, Some("wrong-key"), Some(&body), &[])
            .await
            .error(401, "unauthorized");
        app.raw(method, uri, Some(&format!("{KEY}x")), Some(&body), &[])
            .await
            .error(401, "unauthorized");
        let basic = app
            .raw(
                method,
                uri,
                None,
                Some(&body),
                &[("Authorization", "Basic dGVzdA==")],
            )
            .await;
        basic.error(401, "unauthorized");
        assert!(
            !basic.text.contains(KEY),
            "the key never appears in an answer"
        );
    }
    // Case-insensitive scheme.
    let lower = app
        .raw(
            "POST",
            "/api/leveling/xp",
            None,
            Some(&body),
            &[("Authorization", &format!("bearer {KEY}"))],
        )
        .await;
    lower.ok(200);
    // Reads need no key.
    app.raw("GET", "/api/leveling/leaderboard", None, None, &[])
        .await
        .ok(200);
}

/// One request from `client` (an address as `into_make_service_with_connect_info` gives it).
async fn from(
    app: &TestApp,
    client: [u8; 4],
    method: &str,
    key: &str,
) -> (StatusCode, Value, Option<String>) {
    let mut request = Request::builder()
        .method(method)
        .uri("/api/leveling/xp")
        .header(header::AUTHORIZATION, format!("Bearer {key}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"discord_id": U, "amount": 5}).to_string(),
        ))
        .unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((client, 40_000))));
    if method == "GET" {
        *request.uri_mut() = "/api/leveling/leaderboard".parse().unwrap();
    }
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let retry = response
        .headers()
        .get(header::RETRY_AFTER)
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        retry,
    )
}

#[tokio::test]
async fn failed_key_checks_are_braked_per_client() {
    let app = app_configured(Some(KEY), |api| {
        api.auth_failure_limit(Some(AuthFailureLimit {
            max_failures: 3,
            window: Duration::from_secs(1),
        }))
    });
    const A: [u8; 4] = [192, 0, 2, 1];
    const B: [u8; 4] = [192, 0, 2, 2];
    for _ in 0..3 {
        assert_eq!(
            from(&app, A, "POST", "guess").await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    // Over the limit: refused before the key is even looked at, the right key included.
    let (status, body, retry) = from(&app, A, "POST", KEY).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["error"]["code"], "rate_limited");
    assert_eq!(retry.as_deref(), Some("1"));
    // Other clients and reads are not affected.
    assert_eq!(from(&app, B, "POST", KEY).await.0, StatusCode::OK);
    assert_eq!(from(&app, A, "GET", "").await.0, StatusCode::OK);
    // The window ends.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(from(&app, A, "POST", KEY).await.0, StatusCode::OK);
    // A right key starts the count over: three more wrong ones are allowed.
    for _ in 0..3 {
        assert_eq!(
            from(&app, A, "POST", "guess").await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        from(&app, A, "POST", KEY).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn without_a_configured_key_mutations_are_refused() {
    let app = app_with(None, 64 * 1024);
    let body = json!({"discord_id": U, "amount": 5}).to_string();
    let message = app
        .raw(
            "POST",
            "/api/leveling/xp",
            Some("anything"),
            Some(&body),
            &[],
        )
        .await
        .error(403, "forbidden");
    assert!(message.contains("API_SECRET_KEY"));
    app.raw("POST", "/api/leveling/xp", None, Some(&body), &[])
        .await
        .error(403, "forbidden");
    app.get("/api/tools").await.ok(200);
}

// ---- leaderboard and history ----

#[tokio::test]
async fn leaderboard_orders_and_pages() {
    let app = app();
    app.send(
        "POST",
        "/api/users",
        Some(json!({"discord_id": "2", "username": "two"})),
    )
    .await
    .ok(201);
    for (id, xp) in [("1", 100), ("2", 300), ("3", 200), ("4", 300)] {
        app.send(
            "POST",
            "/api/leveling/xp",
            Some(json!({"discord_id": id, "amount": xp})),
        )
        .await
        .ok(200);
    }
    let board = app.get("/api/leveling/leaderboard").await;
    let board = board.ok(200);
    assert_eq!(board["total"], 4);
    assert_eq!(board["guild_id"], GUILD.to_string());
    let rows: Vec<_> = board["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["rank"].as_u64().unwrap(),
                e["discord_id"].as_str().unwrap().to_owned(),
                e["xp"].as_u64().unwrap(),
            )
        })
        .collect();
    // Ties go to whoever got there first.
    assert_eq!(
        rows,
        [
            (1, "2".into(), 300),
            (2, "4".into(), 300),
            (3, "3".into(), 200),
            (4, "1".into(), 100)
        ]
    );
    assert_eq!(board["entries"][0]["username"], "two");
    assert_eq!(board["entries"][1]["username"], "4");
    assert_eq!(board["entries"][0]["level"], 1);
    assert_eq!(board["entries"][0]["tier"], "Basic");

    let page = app.get("/api/leveling/leaderboard?limit=2&offset=2").await;
    let ranks: Vec<_> = page.json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["rank"].clone())
        .collect();
    assert_eq!(ranks, [json!(3), json!(4)]);
    app.get("/api/leveling/leaderboard?limit=0")
        .await
        .error(422, "invalid_input");
    app.get("/api/leveling/leaderboard?limit=x")
        .await
        .error(422, "invalid_input");
    app.get("/api/leveling/leaderboard?offset=-3")
        .await
        .error(422, "invalid_input");
    app.get("/api/leveling/leaderboard?guild_id=-3")
        .await
        .error(422, "invalid_input");
    assert_eq!(app.get("/api/users/4").await.json["rank"], 2);
}

#[tokio::test]
async fn xp_history_is_newest_first() {
    let app = app();
    app.send(
        "POST",
        "/api/leveling/xp",
        Some(json!({"discord_id": U, "source": "message"})),
    )
    .await
    .ok(200);
    app.send(
        "POST",
        "/api/leveling/xp",
        Some(json!({"discord_id": U, "amount": 7, "reason": "bug report"})),
    )
    .await
    .ok(200);
    let history = app.get(&format!("/api/leveling/xp-history/{U}")).await;
    let history = history.ok(200);
    assert_eq!(history["total"], 4);
    let entries = history["entries"].as_array().unwrap();
    assert_eq!(entries[0]["source"], "api");
    assert_eq!(entries[0]["amount"], 7);
    assert_eq!(entries[0]["reason"], "bug report");
    assert_eq!(entries[0]["xp_after"], 82);
    assert_eq!(entries[0]["actor"], Value::Null);
    assert!(
        entries[0]["created_at"].as_str().unwrap().ends_with('Z')
            || entries[0]["created_at"].as_str().unwrap().contains('+')
    );
    let sources: Vec<_> = entries
        .iter()
        .map(|e| e["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["api", "streak", "daily", "message"]);
    let page = app
        .get(&format!("/api/leveling/xp-history/{U}?limit=1&offset=1"))
        .await;
    assert_eq!(page.json["entries"].as_array().unwrap().len(), 1);
    assert_eq!(page.json["entries"][0]["source"], "streak");
    app.get("/api/leveling/xp-history/999")
        .await
        .error(404, "not_found");
    app.get("/api/leveling/xp-history/abc")
        .await
        .error(422, "invalid_input");
}

// ---- tools ----

fn tool(id: &str, tier: &str, level: Option<u32>) -> Value {
    let mut tool =
        json!({"id": id, "name": format!("Tool {id}"), "description": "does things", "tier": tier});
    if let Some(level) = level {
        tool["required_level"] = json!(level);
    }
    tool
}

#[tokio::test]
async fn tool_catalog() {
    let app = app();
    let created = app
        .send("POST", "/api/tools", Some(tool("poll", "Member", None)))
        .await;
    let created = created.ok(201);
    assert_eq!(
        (created["tier"].as_str(), created["required_level"].as_u64()),
        (Some("Member"), Some(11))
    );
    app.send("POST", "/api/tools", Some(tool("dice", "basic", Some(1))))
        .await
        .ok(201);
    app.send("POST", "/api/tools", Some(tool("poll", "Basic", None)))
        .await
        .error(409, "conflict");
    app.send("POST", "/api/tools", Some(tool("Bad Slug", "Basic", None)))
        .await
        .error(422, "invalid_input");
    app.send("POST", "/api/tools", Some(tool("x", "Gold", None)))
        .await
        .error(422, "invalid_input");
    // A level above the last tier (Master ends at 100) is refused, naming the top.
    for level in [101, 2_147_483_648] {
        let reply = app
            .send("POST", "/api/tools", Some(tool("z", "Member", Some(level))))
            .await;
        let message = reply.error(422, "invalid_input");
        assert!(message.contains("(100)"), "{message}");
    }
    app.send(
        "POST",
        "/api/tools",
        Some(json!({"id": "y", "tier": "Basic"})),
    )
    .await
    .error(422, "invalid_input");
    let list = app.get("/api/tools").await;
    let ids: Vec<_> = list.ok(200)["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].clone())
        .collect();
    assert_eq!(ids, [json!("dice"), json!("poll")]);
}

#[tokio::test]
async fn tool_access_and_unlocks() {
    let app = app();
    app.send("POST", "/api/tools", Some(tool("dice", "Basic", Some(1))))
        .await
        .ok(201);
    app.send("POST", "/api/tools", Some(tool("poll", "Member", None)))
        .await
        .ok(201);
    app.get(&format!("/api/tools/user/{U}"))
        .await
        .error(404, "not_found");
    app.send("POST", &format!("/api/tools/unlock/{U}/poll"), None)
        .await
        .error(404, "not_found");

    let award = app
        .send(
            "POST",
            "/api/leveling/xp",
            Some(json!({"discord_id": U, "amount": 150})),
        )
        .await;
    let unlocked: Vec<_> = award.json["unlocked_tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].clone())
        .collect();
    assert_eq!(unlocked, [json!("dice")]);

    let access = app.get(&format!("/api/tools/user/{U}")).await;
    let tools = access.ok(200)["tools"].as_array().unwrap().clone();
    assert_eq!(tools[0]["tool"]["id"], "dice");
    assert_eq!(
        (tools[0]["status"].as_str(), tools[0]["reason"].as_str()),
        (Some("unlocked"), Some("level"))
    );
    assert!(tools[0]["unlocked_at"].is_string());
    assert_eq!(
        (tools[1]["status"].as_str(), &tools[1]["reason"]),
        (Some("locked"), &Value::Null)
    );

    let granted = app
        .send("POST", &format!("/api/tools/unlock/{U}/poll"), None)
        .await;
    let granted = granted.ok(200).clone();
    assert_eq!(
        (granted["status"].as_str(), granted["reason"].as_str()),
        (Some("unlocked"), Some("grant"))
    );
    assert_eq!(granted["tool"]["id"], "poll");
    let again = app
        .send("POST", &format!("/api/tools/unlock/{U}/poll"), None)
        .await;
    assert_eq!(
        again.ok(200)["unlocked_at"],
        granted["unlocked_at"],
        "idempotent"
    );

    app.send("POST", &format!("/api/tools/unlock/{U}/nope"), None)
        .await
        .error(404, "not_found");
    app.send("POST", &format!("/api/tools/unlock/{U}/Bad%20Slug"), None)
        .await
        .error(404, "not_found");
    app.send("POST", "/api/tools/unlock/abc/poll", None)
        .await
        .error(422, "invalid_input");
    app.get("/api/tools/user/abc")
        .await
        .error(422, "invalid_input");
}

// ---- framework errors and probes ----

#[tokio::test]
async fn unknown_routes_and_methods_answer_json() {
    let app = app();
    app.get("/api/nope").await.error(404, "not_found");
    app.get("/nope").await.error(404, "not_found");
    let wrong = app.raw("DELETE", "/api/tools", Some(KEY), None, &[]).await;
    wrong.error(405, "method_not_allowed");
    app.raw("PUT", "/healthz", Some(KEY), None, &[])
        .await
        .error(405, "method_not_allowed");
}

#[tokio::test]
async fn probes() {
    let app = app();
    assert_eq!(app.get("/healthz").await.ok(200)["status"], "ok");
    assert_eq!(app.get("/readyz").await.ok(200)["status"], "ready");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_awards_add_up_and_a_cooldown_lets_one_through() {
    let app = app();
    let grants = (0..64).map(|_| {
        app.send(
            "POST",
            "/api/leveling/xp",
            Some(json!({"discord_id": U, "amount": 10})),
        )
    });
    for reply in futures::future::join_all(grants).await {
        reply.ok(200);
    }
    let messages = (0..32).map(|_| {
        app.send(
            "POST",
            "/api/leveling/xp",
            Some(json!({"discord_id": "7", "source": "message"})),
        )
    });
    let granted = futures::future::join_all(messages)
        .await
        .iter()
        .filter(|reply| reply.json["granted"] == true)
        .count();
    assert_eq!(granted, 1);
    assert_eq!(app.get(&format!("/api/users/{U}")).await.json["xp"], 640);
    assert_eq!(app.get("/api/users/7").await.json["xp"], 75);
}
