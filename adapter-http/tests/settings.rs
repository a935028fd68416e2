//! Per-guild settings over HTTP: read, patch, reset, the audit log, and awards that
//! carry where the activity happened.

mod common;

use common::{GUILD, TestApp, app};
use serde_json::{Value, json};

const G1: &str = "1001";
const G2: &str = "1002";
const U: &str = "42";

fn settings(guild: &str) -> String {
    format!("/api/guilds/{guild}/settings")
}

async fn patch(app: &TestApp, guild: &str, body: Value) -> common::Reply {
    app.send("PATCH", &settings(guild), Some(body)).await
}

#[tokio::test]
async fn a_fresh_guild_reads_the_defaults() {
    let app = app();
    let reply = app.get(&settings(G1)).await;
    let view = reply.ok(200);
    assert_eq!(view["guild_id"], G1);
    assert_eq!(view["updated_at"], Value::Null);
    assert_eq!(view["own"], false);
    assert_eq!(
        view["rules"]["message"],
        json!({"xp": 15, "cooldown_secs": 60})
    );
    assert_eq!(
        view["rules"]["command"],
        json!({"xp": 5, "cooldown_secs": 30})
    );
    assert_eq!(
        view["multipliers"],
        json!({"roles": {}, "channels": {}, "event": null})
    );
    assert_eq!(
        view["no_xp"],
        json!({"mode": "deny", "channels": [], "roles": []})
    );
    assert_eq!(view["announce"]["mode"], "same");
    assert_eq!(view["announce"]["every"], 1);
    assert_eq!(view["on_leave"], json!({"policy": "keep", "grace_secs": 0}));
    assert_eq!(view["leaderboard"], json!({"page": true}));
    assert_eq!(view["card"]["bar"], "#5865f2");
    // The view is the guild, the settings' fields, `own` and `updated_at`: nothing else.
    let keys: Vec<_> = view.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys.len(), 11, "{keys:?}");
}

#[tokio::test]
async fn patch_merges_and_answers_the_view_and_guilds_differ() {
    let app = app();
    let reply = patch(
        &app,
        G1,
        json!({
            "rules": {"message": {"xp": 20}},
            "multipliers": {"roles": {"111": 2.0}, "channels": {"500": 0.5}},
            "no_xp": {"channels": ["666", 667]},
            "announce": {"mode": "channel", "channel_id": 77, "every": "tier"},
        }),
    )
    .await;
    let view = reply.ok(200);
    assert_eq!(view["guild_id"], G1);
    assert_eq!(view["own"], true);
    assert!(view["updated_at"].as_str().unwrap().contains('T'));
    assert_eq!(
        view["rules"]["message"],
        json!({"xp": 20, "cooldown_secs": 60}),
        "objects merge"
    );
    assert_eq!(view["multipliers"]["roles"], json!({"111": 2.0}));
    assert_eq!(view["no_xp"]["channels"], json!(["666", "667"]));
    assert_eq!(view["announce"]["channel_id"], "77");
    assert_eq!(view["announce"]["every"], "tier");
    assert_eq!(app.get(&settings(G1)).await.ok(200), view);

    // A second patch: a map merges per entry, null removes one; a list replaces.
    let view = patch(
        &app,
        G1,
        json!({
            "multipliers": {"roles": {"111": null, "112": 3}},
            "no_xp": {"channels": ["1"]},
            "announce": {"mode": "same", "channel_id": null},
        }),
    )
    .await;
    let view = view.ok(200);
    assert_eq!(view["multipliers"]["roles"], json!({"112": 3.0}));
    assert_eq!(view["multipliers"]["channels"], json!({"500": 0.5}));
    assert_eq!(view["no_xp"]["channels"], json!(["1"]));
    assert!(view["announce"].get("channel_id").is_none());

    // The other guild still has the defaults.
    let other = app.get(&settings(G2)).await;
    let other = other.ok(200);
    assert_eq!(other["rules"]["message"]["xp"], 15);
    assert_eq!(other["updated_at"], Value::Null);
}

#[tokio::test]
async fn bad_values_are_422_naming_the_field() {
    let app = app();
    let message = patch(&app, G1, json!({"multipliers": {"roles": {"123": 50}}}))
        .await
        .error(422, "invalid_input");
    assert!(message.contains("multipliers.roles.123"), "{message}");

    let message = patch(&app, G1, json!({"rules": {"mesage": {"xp": 1}}}))
        .await
        .error(422, "invalid_input");
    assert!(
        message.contains("rules") && message.contains("mesage"),
        "{message}"
    );

    let message = patch(&app, G1, json!({"announce": {"template": "GG {lvl}"}}))
        .await
        .error(422, "invalid_input");
    assert!(message.contains("announce.template"), "{message}");

    let message = patch(
        &app,
        G1,
        json!({"rewards": {"roles": [{"level": 5, "role_id": "1"}, {"level": 5, "role_id": "2"}]}}),
    )
    .await
    .error(422, "invalid_input");
    assert!(message.contains("rewards.roles[1].level"), "{message}");

    let message = patch(&app, G1, json!({"on_leave": {"grace_secs": null}}))
        .await
        .error(422, "invalid_input");
    assert!(message.contains("on_leave.grace_secs"), "{message}");

    let message = app
        .send("PATCH", "/api/guilds/x/settings", Some(json!({})))
        .await
        .error(422, "invalid_input");
    assert!(message.contains("guild_id"), "{message}");

    // The body extractor's answers: no JSON body 415, not an object 422, bad JSON 400.
    app.raw("PATCH", &settings(G1), Some(common::KEY), None, &[])
        .await
        .error(415, "unsupported_media_type");
    app.raw("PATCH", &settings(G1), Some(common::KEY), Some("[]"), &[])
        .await
        .error(422, "invalid_input");
    app.raw("PATCH", &settings(G1), Some(common::KEY), Some("{"), &[])
        .await
        .error(400, "bad_request");

    // Nothing was stored.
    assert_eq!(
        app.get(&settings(G1)).await.ok(200)["updated_at"],
        Value::Null
    );
    let audit = app.get(&format!("{}/audit", settings(G1))).await;
    assert_eq!(audit.ok(200)["total"], 0);
}

#[tokio::test]
async fn changes_need_the_key() {
    let app = app();
    let body = r#"{"rules": {"message": {"xp": 1}}}"#;
    app.raw("PATCH", &settings(G1), None, Some(body), &[])
        .await
        .error(401, "unauthorized");
    app.raw("PATCH", &settings(G1), Some("wrong"), Some(body), &[])
        .await
        .error(401, "unauthorized");
    app.raw("DELETE", &settings(G1), None, None, &[])
        .await
        .error(401, "unauthorized");
    // Reads are open.
    app.get(&settings(G1)).await.ok(200);
    app.get(&format!("{}/audit", settings(G1))).await.ok(200);
    assert_eq!(
        app.get(&settings(G1)).await.json["rules"]["message"]["xp"],
        15
    );
}

#[tokio::test]
async fn the_audit_log_is_newest_first_and_paginated_and_delete_resets() {
    let app = app();
    for xp in [20, 25, 30] {
        patch(&app, G1, json!({"rules": {"message": {"xp": xp}}}))
            .await
            .ok(200);
    }
    let reset = app.send("DELETE", &settings(G1), None).await;
    let reset = reset.ok(200);
    assert_eq!(reset["rules"]["message"]["xp"], 15, "back on the defaults");
    assert_eq!(reset["own"], false);
    assert_eq!(
        app.get(&settings(G1)).await.ok(200)["rules"]["message"]["xp"],
        15
    );

    let audit = app.get(&format!("{}/audit", settings(G1))).await;
    let audit = audit.ok(200);
    assert_eq!(audit["total"], 4);
    let entries = audit["entries"].as_array().unwrap();
    let xp = |entry: &Value, side: &str| entry[side]["rules"]["message"]["xp"].as_u64().unwrap();
    let pairs: Vec<_> = entries
        .iter()
        .map(|e| (xp(e, "before"), xp(e, "after")))
        .collect();
    assert_eq!(
        pairs,
        [(30, 15), (25, 30), (20, 25), (15, 20)],
        "newest first"
    );
    for entry in entries {
        assert_eq!(entry["actor"], Value::Null, "an API call names no user");
        assert!(entry["changed_at"].as_str().unwrap().contains('T'));
        assert!(
            entry["before"]["announce"]["template"].is_string(),
            "full settings"
        );
        assert_eq!(entry.as_object().unwrap().len(), 4);
    }

    let page = app
        .get(&format!("{}/audit?limit=2&offset=1", settings(G1)))
        .await;
    let page = page.ok(200);
    assert_eq!(page["total"], 4);
    let pairs: Vec<_> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (xp(e, "before"), xp(e, "after")))
        .collect();
    assert_eq!(pairs, [(25, 30), (20, 25)]);
    app.get(&format!("{}/audit?limit=0", settings(G1)))
        .await
        .error(422, "invalid_input");
    // Another guild's log is its own.
    assert_eq!(
        app.get(&format!("{}/audit", settings(G2))).await.ok(200)["total"],
        0
    );
}

#[tokio::test]
async fn awards_carry_channel_parent_and_roles() {
    let app = app();
    let guild = GUILD.to_string();
    // No daily or streak bonus, so a message pays exactly its rule.
    patch(
        &app,
        &guild,
        json!({
            "rules": {"daily": {"xp": 0}, "streak": {"xp_per_day": 0}},
            "multipliers": {"roles": {"7": 2}},
            "no_xp": {"channels": ["666"]},
        }),
    )
    .await
    .ok(200);

    let app = &app;
    let award = |body: Value| async move { app.send("POST", "/api/leveling/xp", Some(body)).await };
    let reply = award(json!({"discord_id": U, "source": "message", "channel_id": "666"})).await;
    let result = reply.ok(200);
    assert_eq!(
        (&result["granted"], &result["excluded"], &result["amount"]),
        (&json!(false), &json!(true), &json!(0))
    );
    // A thread (667) of the no-XP channel inherits it.
    let reply =
        award(json!({"discord_id": U, "source": "command", "channel_id": 667, "parent_id": "666"}))
            .await;
    assert_eq!(reply.ok(200)["excluded"], true);

    let reply = award(
        json!({"discord_id": U, "source": "message", "channel_id": "1", "role_ids": ["7", 8]}),
    )
    .await;
    let result = reply.ok(200);
    assert_eq!(
        (
            &result["granted"],
            &result["excluded"],
            &result["amount"],
            &result["xp"]
        ),
        (&json!(true), &json!(false), &json!(30), &json!(30))
    );
    // Voice takes them too: 10 XP a minute × 2.
    let reply = award(json!({"discord_id": U, "source": "voice", "minutes": 2, "role_ids": ["7"], "channel_id": null})).await;
    assert_eq!(reply.ok(200)["amount"], 40);

    // A grant and a daily claim do not take them; too many roles is 422.
    award(json!({"discord_id": U, "amount": 5, "channel_id": "1"}))
        .await
        .error(422, "invalid_input");
    award(json!({"discord_id": U, "source": "daily", "role_ids": []}))
        .await
        .error(422, "invalid_input");
    let roles: Vec<_> = (0..501).map(|r| r.to_string()).collect();
    let message = award(json!({"discord_id": U, "source": "message", "role_ids": roles}))
        .await
        .error(422, "invalid_input");
    assert!(message.contains("role_ids"), "{message}");
    award(json!({"discord_id": U, "source": "message", "role_ids": ["x"]}))
        .await
        .error(422, "invalid_input");
}
