//! `GET /api/users/{discord_id}/card.png`: the rank card, its cache headers, the guild's
//! theme and the avatar, in process (the avatar from a real HTTP server on 127.0.0.1).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::routing::get;
use common::{TestApp, app, app_configured};
use leveling_card::tiny_skia::Pixmap;
use leveling_card::{CARD_SIZE, FetchConfig};
use leveling_http::AvatarCache;
use serde_json::json;

fn decode(bytes: &[u8]) -> Pixmap {
    Pixmap::decode_png(bytes).expect("a PNG")
}

fn pixel(pixmap: &Pixmap, x: u32, y: u32) -> (u8, u8, u8) {
    let p = pixmap.pixel(x, y).unwrap().demultiply();
    (p.red(), p.green(), p.blue())
}

async fn seed(app: &TestApp, id: u64, name: &str, avatar: Option<&str>, xp: u64) {
    let mut user = json!({"discord_id": id, "username": name});
    if let Some(avatar) = avatar {
        user["avatar_url"] = json!(avatar);
    }
    app.send("POST", "/api/users", Some(user)).await;
    if xp > 0 {
        app.send(
            "POST",
            "/api/leveling/xp",
            Some(json!({"discord_id": id, "amount": xp})),
        )
        .await
        .ok(200);
    }
}

#[tokio::test]
async fn a_member_gets_a_png_card_revalidated_by_its_etag() {
    let app = app();
    seed(&app, 7, "ada", None, 1_000).await;
    let card = app.get("/api/users/7/card.png").await;
    assert_eq!(card.status, 200);
    assert_eq!(card.headers["content-type"], "image/png");
    assert_eq!(card.headers["cache-control"], "public, no-cache");
    let pixmap = decode(&card.bytes);
    assert_eq!((pixmap.width(), pixmap.height()), CARD_SIZE);
    let etag = card.headers["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");

    // Unchanged: 304, no body, the same tag.
    let again = app
        .raw(
            "GET",
            "/api/users/7/card.png",
            None,
            None,
            &[("if-none-match", &etag)],
        )
        .await;
    assert_eq!(again.status, 304);
    assert!(again.bytes.is_empty());
    assert_eq!(again.headers["etag"], etag.as_str());

    // XP changed: a new card, a new tag.
    app.send(
        "POST",
        "/api/leveling/xp",
        Some(json!({"discord_id": 7, "amount": 10})),
    )
    .await
    .ok(200);
    let changed = app
        .raw(
            "GET",
            "/api/users/7/card.png",
            None,
            None,
            &[("if-none-match", &etag)],
        )
        .await;
    assert_eq!(changed.status, 200);
    assert_ne!(changed.headers["etag"], etag.as_str());
    assert_ne!(changed.bytes, card.bytes);
}

#[tokio::test]
async fn unknown_users_and_bad_ids_get_json_errors() {
    let app = app();
    app.get("/api/users/42/card.png")
        .await
        .error(404, "not_found");
    app.get("/api/users/abc/card.png")
        .await
        .error(422, "invalid_input");
    app.get("/api/users/42/card.png?guild_id=x")
        .await
        .error(422, "invalid_input");
    // A profile without XP in the guild is a level-0 card, not a 404.
    seed(&app, 8, "bo", None, 0).await;
    let card = app.get("/api/users/8/card.png").await;
    assert_eq!(card.status, 200);
    decode(&card.bytes);
}

#[tokio::test]
async fn the_card_is_drawn_in_the_guild_s_theme() {
    let app = app();
    seed(&app, 7, "ada", None, 1_000).await;
    let before = app.get("/api/users/7/card.png").await;
    app.send(
        "PATCH",
        &format!("/api/guilds/{}/settings", common::GUILD),
        Some(json!({"card": {"background": "#ff0000", "panel": "#00ff00"}})),
    )
    .await
    .ok(200);
    let after = app.get("/api/users/7/card.png").await;
    assert_ne!(after.headers["etag"], before.headers["etag"]);
    let (old, new) = (decode(&before.bytes), decode(&after.bytes));
    // The outer frame is the background, the middle of the panel's right part the panel.
    let frame = (4, CARD_SIZE.1 / 2);
    let panel = (CARD_SIZE.0 - 30, 30);
    assert_eq!(pixel(&new, frame.0, frame.1), (0xff, 0, 0));
    assert_eq!(pixel(&new, panel.0, panel.1), (0, 0xff, 0));
    assert_ne!(pixel(&old, frame.0, frame.1), (0xff, 0, 0));
}

/// A tiny avatar server: a blue 64×64 PNG, counting requests.
async fn avatar_server() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let mut pixmap = Pixmap::new(64, 64).unwrap();
    pixmap.fill(leveling_card::tiny_skia::Color::from_rgba8(0, 0, 255, 255));
    let png = pixmap.encode_png().unwrap();
    let app = axum::Router::new().route(
        "/a.png",
        get(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            let png = png.clone();
            async move { ([("content-type", "image/png")], png) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/a.png", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, hits)
}

#[tokio::test]
async fn the_avatar_comes_from_allowed_hosts_only_and_is_cached() {
    let (url, hits) = avatar_server().await;
    // The default cache allows Discord's CDN only: initials, and no request made.
    let app_default = app();
    seed(&app_default, 7, "ada", Some(&url), 1_000).await;
    let initials = app_default.get("/api/users/7/card.png").await;
    assert_eq!(initials.status, 200);
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "no fetch off the allowed hosts"
    );

    let allowing = AvatarCache::new(FetchConfig {
        allowed_hosts: vec!["127.0.0.1".into()],
        ..FetchConfig::default()
    });
    let app = app_configured(Some(common::KEY), |api| api.avatar_cache(allowing));
    seed(&app, 7, "ada", Some(&url), 1_000).await;
    let with_avatar = app.get("/api/users/7/card.png").await;
    assert_eq!(with_avatar.status, 200);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    assert_ne!(with_avatar.headers["etag"], initials.headers["etag"]);
    // The avatar circle's centre is the picture's blue, not the initials' colour.
    let (a, b) = (decode(&with_avatar.bytes), decode(&initials.bytes));
    let centre = (148, CARD_SIZE.1 / 2);
    assert_eq!(pixel(&a, centre.0, centre.1), (0, 0, 255));
    assert_ne!(pixel(&b, centre.0, centre.1), (0, 0, 255));
    // Cached: the next card fetches nothing.
    app.get("/api/users/7/card.png").await;
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}
