//! The web leaderboard as a user sees it: the real reference server on a SQLite file,
//! members seeded through the REST API, and headless Chromium (Debian's `chromium` +
//! `chromium-driver`, over WebDriver) reading the page while an award moves a member.
//!
//! Without the browser the browser test prints one line and passes, unless
//! `LEVELING_REQUIRE_BROWSER=1` (CI). `LEVELING_WRITE_SCREENSHOTS=1` writes
//! `docs/leaderboard-desktop.png` and `docs/leaderboard-phone.png`.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use common::server::{Dir, Server, post, server_binary};
use common::webdriver::{self, Browser};
use serde_json::json;

/// (id, username, display name, XP): one member per tier, a name that looks like HTML,
/// and a member with XP but no profile.
const MEMBERS: [(&str, Option<&str>, Option<&str>, u64); 7] = [
    ("101", Some("ada"), Some("Ada Lovelace"), 600_000),
    ("102", Some("grace"), Some("Grace Hopper"), 300_000),
    ("103", Some("linus"), Some("Linus"), 80_000),
    ("104", Some("margaret"), Some("Margaret Hamilton"), 15_000),
    ("105", Some("ferris"), None, 2_000),
    ("106", None, None, 400),
    ("107", Some("<b>bold</b> & co"), None, 150),
];

async fn seed(client: &reqwest::Client, server: &Server) {
    // An inline picture for one member: the page loads nothing from elsewhere.
    let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="16" fill="#0f766e"/><circle cx="16" cy="13" r="6" fill="#ccfbf1"/><path d="M5 28c3-7 19-7 22 0" fill="#ccfbf1"/></svg>"##;
    let avatar = format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg)
    );
    for (id, username, display_name, xp) in MEMBERS {
        if let Some(username) = username {
            let mut user =
                json!({"discord_id": id, "username": username, "display_name": display_name});
            if id == "102" {
                user["avatar_url"] = json!(avatar);
            }
            post(client, format!("{}/api/users", server.base), user).await;
        }
        post(
            client,
            format!("{}/api/leveling/xp", server.base),
            json!({"discord_id": id, "amount": xp}),
        )
        .await;
    }
}

/// The rows the page shows: `[id, rank, name, level, tier]` each.
const ROWS: &str = "return [...document.querySelectorAll('#lb-rows tr')].map(tr => [
    tr.dataset.userId,
    tr.querySelector('.col-rank').textContent,
    tr.querySelector('th').textContent,
    tr.querySelector('.col-level').textContent,
    tr.querySelector('.tier').textContent]);";

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_open_page_follows_an_award_without_a_reload() {
    if !webdriver::available() {
        return;
    }
    let dir = Dir::new("page-browser");
    let server = Server::start(&dir.0, &dir.0.join("leveling.db")).await;
    let client = reqwest::Client::new();
    seed(&client, &server).await;

    let browser = Browser::start("page", 1280, 800).await;
    browser.goto(&format!("{}/leaderboard", server.base)).await;
    let rows = browser.run(ROWS).await;
    let expected = json!([
        ["101", "1", "Ada Lovelace", "77", "Master"],
        ["102", "2", "Grace Hopper", "54", "Elite"],
        ["103", "3", "Linus", "28", "Advanced"],
        ["104", "4", "Margaret Hamilton", "12", "Member"],
        ["105", "5", "ferris", "4", "Basic"],
        ["106", "6", "106", "1", "Basic"],
        ["107", "7", "<b>bold</b> & co", "1", "Basic"],
    ]);
    assert_eq!(rows, expected, "the seeded leaderboard, in rank order");
    assert_eq!(
        browser
            .run("return document.querySelectorAll('#lb-rows b').length")
            .await,
        0,
        "a name is text, never markup"
    );

    // Mark this document: a reload would lose the mark. Then note when the first row
    // becomes Linus, by the page's own clock (the same machine's as ours).
    browser
        .run(
            "window.__marker = 1;
             new MutationObserver(() => {
               const first = document.querySelector('#lb-rows tr');
               if (!window.__movedAt && first && first.dataset.userId === '103') window.__movedAt = Date.now();
             }).observe(document.body, {childList: true, subtree: true});
             return true;",
        )
        .await;
    assert!(
        browser
            .wait_for(
                "return document.querySelector('main').dataset.live === 'on'",
                Duration::from_secs(10)
            )
            .await,
        "the page did not subscribe over Socket.IO"
    );

    // Linus (#3, level 28) gets past Ada (#1, 600,000 XP): level 82.
    let award = post(
        &client,
        format!("{}/api/leveling/xp", server.base),
        json!({"discord_id": "103", "amount": 600_000}),
    )
    .await;
    let answered_at = now_ms();
    let answered = Instant::now();
    assert_eq!(award["level"], 82, "{award}");
    assert!(
        browser
            .wait_for("return !!window.__movedAt", Duration::from_secs(5))
            .await,
        "the open page did not move Linus to the top"
    );
    let polled = answered.elapsed();
    let moved_at = browser
        .run("return window.__movedAt")
        .await
        .as_u64()
        .unwrap();
    let delay = moved_at.saturating_sub(answered_at);
    println!(
        "leaderboard page: Linus on top {delay} ms after the API answered (seen by polling after {} ms)",
        polled.as_millis()
    );
    assert!(delay < 1000, "the page took {delay} ms to follow the award");
    assert_eq!(
        browser.run("return window.__marker").await,
        1,
        "the page reloaded"
    );
    let rows = browser.run(ROWS).await;
    assert_eq!(rows[0], json!(["103", "1", "Linus", "82", "Master"]));
    assert_eq!(rows[1], json!(["101", "2", "Ada Lovelace", "77", "Master"]));
    let status = browser
        .run("return document.getElementById('lb-status').textContent")
        .await;
    assert!(status.as_str().unwrap().starts_with("Updated "), "{status}");

    // Everything the page loaded came from the server itself (the avatar is inline).
    let loaded = browser
        .run("return performance.getEntriesByType('resource').map(e => e.name)")
        .await;
    for url in loaded.as_array().unwrap() {
        let url = url.as_str().unwrap();
        assert!(
            url.starts_with(&server.base) || url.starts_with("data:"),
            "an external request: {url}"
        );
    }

    if std::env::var("LEVELING_WRITE_SCREENSHOTS").as_deref() == Ok("1") {
        write_screenshot("leaderboard-desktop.png", browser.screenshot().await);
    }

    // Phone width: the secondary column gives way and nothing scrolls sideways.
    browser.resize(390, 844).await;
    let fits = browser
        .run("return [document.documentElement.scrollWidth, window.innerWidth]")
        .await;
    assert!(
        fits[0].as_u64() <= fits[1].as_u64(),
        "horizontal scroll at phone width: {fits}"
    );
    assert_eq!(
        browser
            .run("return getComputedStyle(document.querySelector('td.col-xp')).display")
            .await,
        "none"
    );
    if std::env::var("LEVELING_WRITE_SCREENSHOTS").as_deref() == Ok("1") {
        write_screenshot("leaderboard-phone.png", browser.screenshot().await);
    }

    // A member who asks to be hidden leaves the open page at its next update (here a
    // level-up that takes #7 past #6), and the others keep their ranks.
    let patch = client
        .patch(format!("{}/api/users/105", server.base))
        .bearer_auth(common::server::KEY)
        .json(&json!({"leaderboard_hidden": true}))
        .send()
        .await
        .unwrap();
    assert!(patch.status().is_success(), "{}", patch.status());
    post(
        &client,
        format!("{}/api/leveling/xp", server.base),
        json!({"discord_id": "107", "amount": 500}),
    )
    .await;
    assert!(
        browser
            .wait_for(
                "return document.querySelectorAll('#lb-rows tr').length === 6",
                Duration::from_secs(5)
            )
            .await,
        "the hidden member is still shown"
    );
    let ranks = browser
        .run("return [...document.querySelectorAll('#lb-rows tr')].map(tr => [tr.dataset.userId, tr.querySelector('.col-rank').textContent])")
        .await;
    assert_eq!(
        ranks,
        json!([
            ["103", "1"],
            ["101", "2"],
            ["102", "3"],
            ["104", "4"],
            ["107", "6"],
            ["106", "7"]
        ])
    );
    assert_eq!(browser.run("return window.__marker").await, 1);

    // A guild whose admins turn the page off shows a page saying so.
    let patch = client
        .patch(format!("{}/api/guilds/0/settings", server.base))
        .bearer_auth(common::server::KEY)
        .json(&json!({"leaderboard": {"page": false}}))
        .send()
        .await
        .unwrap();
    assert!(patch.status().is_success(), "{}", patch.status());
    let off = client
        .get(format!("{}/leaderboard", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(off.status(), 404);
    browser.goto(&format!("{}/leaderboard", server.base)).await;
    let text = browser.run("return document.body.innerText").await;
    assert!(text.as_str().unwrap().contains("turned off"), "{text}");
    assert_eq!(
        browser
            .run("return document.querySelectorAll('table').length")
            .await,
        0
    );
    drop(browser);
    server.stop();
}

fn write_screenshot(name: &str, png: Vec<u8>) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs")
        .join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, png).unwrap();
    println!("wrote {}", path.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaderboard_page_false_turns_the_page_off() {
    let dir = Dir::new("page-off");
    let server = Server::start_with(
        &dir.0,
        &dir.0.join("leveling.db"),
        &[("LEADERBOARD_PAGE", "false")],
    )
    .await;
    let client = reqwest::Client::new();
    for path in [
        "/leaderboard",
        "/leaderboard/1",
        "/leaderboard/assets/leaderboard.js",
    ] {
        let response = client
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{path}");
    }
    // On by default.
    let dir = Dir::new("page-on");
    let on = Server::start(&dir.0, &dir.0.join("leveling.db")).await;
    let page = client
        .get(format!("{}/leaderboard", on.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    on.stop();
    server.stop();
}

#[test]
fn a_bad_leaderboard_page_value_stops_start_up_with_one_line() {
    let dir = Dir::new("page-bad-switch");
    let output = Command::new(server_binary())
        .current_dir(&dir.0)
        .env("DATABASE_URL", "memory")
        .env("HOST", "127.0.0.1")
        .env("PORT", "0")
        .env("DISCORD_TOKEN", "")
        .env("LEADERBOARD_PAGE", "yes")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .expect("run the server");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(
        errors,
        ["error: invalid LEADERBOARD_PAGE: expected true or false, got \"yes\""]
    );
}
