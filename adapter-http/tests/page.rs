//! The web leaderboard page, in process: the HTML, its escaping and pages, the assets,
//! and the answers to what it cannot show.

mod common;

use axum::http::header;
use common::{GUILD, TestApp, app, app_configured};
use leveling_core::{Award, GuildId, MemberId, NewUser, UserId};

fn with_page() -> TestApp {
    app_configured(Some(common::KEY), |api| api.leaderboard_page(true))
}

async fn seed(app: &TestApp, guild: u64, user: u64, username: &str, xp: u64) {
    app.leveling
        .upsert_user(NewUser {
            id: UserId(user),
            username: username.to_owned(),
            display_name: None,
            avatar_url: None,
        })
        .await
        .unwrap();
    if xp > 0 {
        app.leveling
            .award(Award::grant(
                MemberId::new(GuildId(guild), UserId(user)),
                xp,
            ))
            .await
            .unwrap();
    }
}

fn content_type(reply: &common::Reply) -> &str {
    reply
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// The text of each `<tr>` of the body, in order.
fn rows(html: &str) -> Vec<&str> {
    let body = &html[html.find("<tbody").unwrap()..html.find("</tbody>").unwrap()];
    body.split("<tr").skip(1).collect()
}

#[tokio::test]
async fn the_page_shows_the_seeded_members_in_rank_order() {
    let app = with_page();
    seed(&app, GUILD, 1, "ada", 12_000).await;
    seed(&app, GUILD, 2, "grace", 500).await;
    seed(&app, GUILD, 3, "linus", 3_000).await;
    app.leveling
        .update_user(
            UserId(2),
            leveling_core::UserPatch {
                display_name: Some(Some("Grace H.".into())),
                avatar_url: Some(Some("https://cdn.example/g.png".into())),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    let reply = app.get("/leaderboard").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(content_type(&reply), "text/html; charset=utf-8");
    assert_eq!(reply.headers[header::CACHE_CONTROL], "no-cache");
    let html = &reply.text;
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains("<caption>"));
    assert_eq!(html.matches(r#"<th scope="col""#).count(), 7);
    let rows = rows(html);
    assert_eq!(rows.len(), 3);
    for (row, (rank, name, level, tier)) in rows.iter().zip([
        ("1", "ada", "10", "Basic"),
        ("2", "linus", "5", "Basic"),
        ("3", "Grace H.", "2", "Basic"),
    ]) {
        assert!(
            row.contains(&format!(r#"<td class="col-rank">{rank}</td>"#)),
            "{row}"
        );
        assert!(row.contains(&format!(">{name}</th>")), "{row}");
        assert!(
            row.contains(&format!(r#"<td class="col-level">{level}</td>"#)),
            "{row}"
        );
        assert!(row.contains(&format!(">{tier}</span>")), "{row}");
        assert!(row.contains("<progress "), "{row}");
    }
    // A profile's picture, loaded lazily without telling its host where from; the
    // others get their initials.
    assert!(rows[2].contains(
        r#"<img class="avatar" src="https://cdn.example/g.png" alt="" width="32" height="32" loading="lazy" decoding="async" referrerpolicy="no-referrer">"#
    ));
    assert!(rows[0].contains(r#"aria-hidden="true">A</span>"#));
    // Socket.IO is on in this app: the live scripts are linked, from this server only.
    assert!(html.contains(r#"<script src="/leaderboard/assets/socket.io.min.js?v="#));
    assert!(html.contains(r#"<script src="/leaderboard/assets/leaderboard.js?v="#));
    for tag in html
        .split('<')
        .filter(|t| t.starts_with("script") || t.starts_with("link"))
    {
        assert!(
            !tag.contains("://"),
            "only this server's scripts and styles: {tag}"
        );
    }
}

#[tokio::test]
async fn a_guild_in_the_path_has_its_own_board() {
    let app = with_page();
    seed(&app, 777, 9, "other-guild", 200).await;
    seed(&app, GUILD, 1, "default-guild", 200).await;
    let reply = app.get("/leaderboard/777").await;
    assert_eq!(reply.status, 200);
    assert!(reply.text.contains(">other-guild</th>"));
    assert!(!reply.text.contains("default-guild"));
    assert!(reply.text.contains(r#"data-guild-id="777""#));

    // An empty guild still has a first page, saying so.
    let empty = app.get("/leaderboard/4242").await;
    assert_eq!(empty.status, 200);
    assert!(empty.text.contains("Nobody is on this page yet"));
}

#[tokio::test]
async fn names_are_html_escaped() {
    let app = with_page();
    seed(&app, GUILD, 1, "<script>alert('x')</script> & \"co\"", 200).await;
    let reply = app.get("/leaderboard").await;
    assert_eq!(reply.status, 200);
    assert!(!reply.text.contains("<script>alert"));
    assert!(
        reply
            .text
            .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;co&quot;"),
        "{}",
        reply.text
    );
}

#[tokio::test]
async fn pages_hold_25_rows_with_links_between_them() {
    let app = with_page();
    for user in 1..=30u64 {
        seed(&app, GUILD, user, &format!("m{user}"), 100 * user).await;
    }
    let first = app.get("/leaderboard").await;
    assert_eq!(rows(&first.text).len(), 25);
    assert!(first.text.contains(r#"<a rel="next" href="?page=2">"#));
    assert!(!first.text.contains(r#"rel="prev""#));
    assert!(first.text.contains("page 1 of 2"));

    let second = app.get("/leaderboard?page=2").await;
    assert_eq!(second.status, 200);
    let rows = rows(&second.text);
    assert_eq!(rows.len(), 5);
    assert!(rows[0].contains(r#"<td class="col-rank">26</td>"#));
    assert!(second.text.contains(r#"<a rel="prev" href="?page=1">"#));
    assert!(!second.text.contains(r#"rel="next""#));

    let past = app.get("/leaderboard?page=3").await;
    assert_eq!(past.status, 404);
    assert_eq!(content_type(&past), "text/html; charset=utf-8");
    assert!(past.text.contains("there is no page 3"));
}

#[tokio::test]
async fn bad_page_values_get_a_clear_answer_never_a_500() {
    let app = with_page();
    seed(&app, GUILD, 1, "ada", 200).await;
    for query in [
        "page=0",
        "page=-2",
        "page=abc",
        "page=",
        "page=1e3",
        "page=18446744073709551616",
    ] {
        let reply = app.get(&format!("/leaderboard?{query}")).await;
        assert_eq!(reply.status, 422, "{query}: {}", reply.text);
        assert_eq!(content_type(&reply), "text/html; charset=utf-8");
        assert!(reply.text.contains("pages are counted from 1"), "{query}");
    }
    // The largest page number is a page past the end, not an overflow.
    let huge = app.get("/leaderboard?page=18446744073709551615").await;
    assert_eq!(huge.status, 404, "{}", huge.text);
    // What a reader typed comes back escaped.
    let typed = app.get("/leaderboard?page=%3Cb%3E").await;
    assert_eq!(typed.status, 422);
    assert!(!typed.text.contains("<b>"));

    for path in [
        "/leaderboard/abc",
        "/leaderboard/-1",
        "/leaderboard/99999999999999999999",
    ] {
        let reply = app.get(path).await;
        assert_eq!(reply.status, 404, "{path}");
        assert_eq!(content_type(&reply), "text/html; charset=utf-8", "{path}");
    }
}

#[tokio::test]
async fn an_api_without_the_page_answers_404() {
    let app = app();
    app.get("/leaderboard").await.error(404, "not_found");
    app.get("/leaderboard/1").await.error(404, "not_found");
    app.get("/leaderboard/assets/leaderboard.css")
        .await
        .error(404, "not_found");
}

#[tokio::test]
async fn the_page_without_socket_io_links_no_script() {
    let app = common::app_without_socket_io(|api| api.leaderboard_page(true));
    let reply = app.get("/leaderboard").await;
    assert_eq!(reply.status, 200);
    assert!(!reply.text.contains("<script"));
}

#[tokio::test]
async fn the_assets_are_served_with_their_types_and_cache_headers() {
    let app = with_page();
    for (name, kind, needle) in [
        (
            "leaderboard.css",
            "text/css; charset=utf-8",
            "@media (max-width: 480px)",
        ),
        (
            "leaderboard.js",
            "text/javascript; charset=utf-8",
            "DOMParser",
        ),
        (
            "socket.io.min.js",
            "text/javascript; charset=utf-8",
            "Socket.IO v4.8.4",
        ),
        (
            "socket.io-client.LICENSE",
            "text/plain; charset=utf-8",
            "MIT License",
        ),
    ] {
        let reply = app.get(&format!("/leaderboard/assets/{name}")).await;
        assert_eq!(reply.status, 200, "{name}");
        assert_eq!(content_type(&reply), kind, "{name}");
        assert!(reply.text.contains(needle), "{name}");
        assert_eq!(
            reply.headers[header::CACHE_CONTROL],
            "public, max-age=604800"
        );
        let etag = reply.headers[header::ETAG].to_str().unwrap().to_owned();
        let again = app
            .raw(
                "GET",
                &format!("/leaderboard/assets/{name}"),
                None,
                None,
                &[("if-none-match", &etag)],
            )
            .await;
        assert_eq!(again.status, 304, "{name}");
        assert!(again.text.is_empty());
    }
    // The page links each by its version, the ETag.
    let page = app.get("/leaderboard").await.text;
    let css = app.get("/leaderboard/assets/leaderboard.css").await;
    let etag = css.headers[header::ETAG]
        .to_str()
        .unwrap()
        .trim_matches('"')
        .to_owned();
    assert!(page.contains(&format!("leaderboard.css?v={etag}")));

    let missing = app.get("/leaderboard/assets/secret.txt").await;
    assert_eq!(missing.status, 404);
    assert_eq!(content_type(&missing), "text/html; charset=utf-8");
}

#[tokio::test]
async fn the_page_is_not_in_the_openapi_document() {
    let app = with_page();
    let document = app.get("/openapi.json").await;
    let paths = document.ok(200)["paths"].as_object().unwrap();
    assert!(paths.keys().all(|path| !path.starts_with("/leaderboard")));
}

#[tokio::test]
async fn a_hidden_member_is_left_out_and_the_others_keep_their_ranks() {
    let app = with_page();
    seed(&app, GUILD, 1, "first", 3_000).await;
    seed(&app, GUILD, 2, "shy", 2_000).await;
    seed(&app, GUILD, 3, "third", 1_000).await;
    app.send(
        "PATCH",
        "/api/users/2",
        Some(serde_json::json!({"leaderboard_hidden": true})),
    )
    .await
    .ok(200);
    let reply = app.get("/leaderboard").await;
    assert_eq!(reply.status, 200);
    assert!(!reply.text.contains("shy"));
    let rows = rows(&reply.text);
    assert_eq!(rows.len(), 2);
    assert!(rows[0].contains(r#"<td class="col-rank">1</td>"#) && rows[0].contains(">first<"));
    assert!(
        rows[1].contains(r#"<td class="col-rank">3</td>"#) && rows[1].contains(">third<"),
        "not renumbered: {}",
        rows[1]
    );
    // Asking to be shown again brings the row back.
    app.send(
        "PATCH",
        "/api/users/2",
        Some(serde_json::json!({"leaderboard_hidden": false})),
    )
    .await
    .ok(200);
    assert!(app.get("/leaderboard").await.text.contains(">shy</th>"));
}

#[tokio::test]
async fn a_guild_that_turns_its_page_off_answers_404() {
    let app = with_page();
    seed(&app, 777, 1, "member", 500).await;
    let path = "/api/guilds/777/settings";
    app.send(
        "PATCH",
        path,
        Some(serde_json::json!({"leaderboard": {"page": false}})),
    )
    .await
    .ok(200);
    let off = app.get("/leaderboard/777").await;
    assert_eq!(off.status, 404);
    assert_eq!(content_type(&off), "text/html; charset=utf-8");
    assert!(off.text.contains("turned off"), "{}", off.text);
    assert!(!off.text.contains("member"));
    // Other guilds keep theirs; turning it back on serves it again.
    assert_eq!(app.get("/leaderboard").await.status, 200);
    app.send(
        "PATCH",
        path,
        Some(serde_json::json!({"leaderboard": {"page": true}})),
    )
    .await
    .ok(200);
    assert_eq!(app.get("/leaderboard/777").await.status, 200);
}
