//! A user's own data on a real socket: `GET /api/users/{id}/export` hands back everything
//! stored about them, `DELETE /api/users/{id}` erases it (and the members below move up).

mod common;

use common::{GUILD, KEY, TestApp, app, app_with};
use reqwest::{Client, Method, StatusCode, header};
use serde_json::{Value, json};

const U: &str = "123456789012345678";
const OTHER_GUILD: &str = "777";

async fn serve(app: &TestApp) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = app.router.clone();
    tokio::spawn(async move {
        let router = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, router).await
    });
    format!("http://{addr}")
}

struct Server {
    base: String,
    http: Client,
}

struct Answer {
    status: StatusCode,
    headers: header::HeaderMap,
    json: Value,
}

impl Server {
    async fn start(app: &TestApp) -> Self {
        Self {
            base: serve(app).await,
            http: Client::new(),
        }
    }

    /// A request with `key` (none when `None`) and a JSON body (when given).
    async fn call(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("a body");
        let json = serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON: {text}"));
        Answer {
            status,
            headers,
            json,
        }
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let answer = self.call(Method::POST, path, Some(KEY), Some(body)).await;
        assert!(answer.status.is_success(), "{path}: {}", answer.json);
        answer.json
    }

    async fn grant(&self, user: &str, amount: u64, guild: &str) {
        self.post(
            "/api/leveling/xp",
            json!({"discord_id": user, "amount": amount, "guild_id": guild, "reason": format!("{amount} for {user}")}),
        )
        .await;
    }

    async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, None, None).await
    }

    async fn export(&self, user: &str) -> Answer {
        self.call(
            Method::GET,
            &format!("/api/users/{user}/export"),
            Some(KEY),
            None,
        )
        .await
    }

    async fn delete(&self, user: &str, key: Option<&str>) -> Answer {
        self.call(Method::DELETE, &format!("/api/users/{user}"), key, None)
            .await
    }
}

impl Answer {
    #[track_caller]
    fn ok(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.json);
        &self.json
    }

    #[track_caller]
    fn error(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.json);
        assert_eq!(
            self.headers[header::CONTENT_TYPE],
            "application/json",
            "{}",
            self.json
        );
        assert_eq!(self.json["error"]["code"], code, "{}", self.json);
    }
}

/// A profile, progress in two guilds (history in both), a tool unlocked by level in one
/// and granted in the other; plus another user in the same guild.
async fn seed(server: &Server) {
    let guild = GUILD.to_string();
    server
        .post(
            "/api/tools",
            json!({"id": "dice", "name": "Dice", "tier": "Basic", "required_level": 2}),
        )
        .await;
    server
        .post(
            "/api/users",
            json!({"discord_id": U, "username": "ferris", "display_name": "Ferris"}),
        )
        .await;
    server.grant(U, 200, &guild).await;
    server.grant(U, 300, &guild).await; // 500: level 2, unlocks the dice
    server.grant(U, 100, OTHER_GUILD).await;
    let path = format!("/api/tools/unlock/{U}/dice?guild_id={OTHER_GUILD}");
    let unlocked = server.call(Method::POST, &path, Some(KEY), None).await;
    assert_eq!(unlocked.ok(200)["reason"], "grant");
    server.grant("42", 1000, &guild).await;
}

#[tokio::test]
async fn the_export_holds_the_profile_and_every_guild_with_its_history_and_unlocks() {
    let app = app();
    let server = Server::start(&app).await;
    seed(&server).await;

    let export = server.export(U).await;
    assert_eq!(
        export.headers[header::CONTENT_DISPOSITION],
        format!("attachment; filename=\"user-{U}.json\"")
    );
    assert_eq!(export.headers[header::CONTENT_TYPE], "application/json");
    let export = export.ok(200);
    assert_eq!(export["discord_id"], U);
    assert_eq!(export["profile"]["username"], "ferris");
    assert_eq!(export["profile"]["display_name"], "Ferris");
    assert!(export["profile"]["created_at"].is_string());

    let guilds = export["guilds"].as_array().expect("guilds");
    let ids: Vec<_> = guilds.iter().map(|g| g["guild_id"].clone()).collect();
    assert_eq!(ids, [json!(GUILD.to_string()), json!(OTHER_GUILD)]);

    let home = &guilds[0];
    assert_eq!(
        (home["xp"].as_u64(), home["level"].as_u64()),
        (Some(500), Some(2))
    );
    assert_eq!(home["tier"], "Basic");
    assert_eq!(home["streak_days"], 0);
    assert_eq!(home["last_daily_claim"], Value::Null);
    assert!(home["xp_reached_at"].is_string());
    // Oldest first, each with what it did.
    let history: Vec<_> = home["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["amount"].as_i64().unwrap(),
                h["xp_before"].as_u64().unwrap(),
                h["xp_after"].as_u64().unwrap(),
                h["source"].as_str().unwrap().to_owned(),
                h["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        history,
        [
            (200, 0, 200, "api".to_owned(), format!("200 for {U}")),
            (300, 200, 500, "api".to_owned(), format!("300 for {U}")),
        ]
    );
    assert_eq!(home["unlocks"].as_array().unwrap().len(), 1);
    assert_eq!(home["unlocks"][0]["tool"], "dice");
    assert_eq!(home["unlocks"][0]["reason"], "level");
    assert!(home["unlocks"][0]["unlocked_at"].is_string());

    let other = &guilds[1];
    assert_eq!(
        (other["xp"].as_u64(), other["level"].as_u64()),
        (Some(100), Some(0))
    );
    assert_eq!(other["history"].as_array().unwrap().len(), 1);
    assert_eq!(other["history"][0]["amount"], 100);
    assert_eq!(other["unlocks"][0]["tool"], "dice");
    assert_eq!(other["unlocks"][0]["reason"], "grant");

    // Only this user's data: nothing of user 42, who shares the guild.
    assert!(!export.to_string().contains("\"42\""), "{export}");
    let before = chrono::Utc::now().date_naive();
    server
        .post(
            "/api/leveling/xp",
            json!({"discord_id": "42", "source": "daily"}),
        )
        .await;
    let after = chrono::Utc::now().date_naive();
    let theirs = server.export("42").await;
    let theirs = theirs.ok(200);
    assert_eq!(theirs["profile"], Value::Null, "known only through XP");
    let theirs = &theirs["guilds"][0];
    assert!(theirs["xp"].as_u64().unwrap() > 1000, "the daily bonus");
    assert_eq!(theirs["streak_days"], 1);
    // The claim's day as a date (UTC is the default day boundary).
    let claimed = theirs["last_daily_claim"].as_str().expect("a date");
    assert!(
        [before.to_string(), after.to_string()].contains(&claimed.to_owned()),
        "{claimed}"
    );
    let sources: Vec<_> = theirs["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["source"].clone())
        .collect();
    assert_eq!(sources, ["api", "daily", "streak"], "oldest first");

    // The id is normalised like everywhere else: leading zeros name the same user.
    assert_eq!(
        server.export(&format!("00{U}")).await.ok(200)["discord_id"],
        U
    );
}

#[tokio::test]
async fn the_export_needs_the_key() {
    let app = app();
    let server = Server::start(&app).await;
    seed(&server).await;
    let path = format!("/api/users/{U}/export");
    let keyless = server.call(Method::GET, &path, None, None).await;
    keyless.error(401, "unauthorized");
    assert!(!keyless.json.to_string().contains("ferris"));
    server
        .call(Method::GET, &path, Some("wrong-key"), None)
        .await
        .error(401, "unauthorized");

    // A server without a key refuses it, as it refuses mutations (fails closed).
    let keyless_app = app_with(None, 64 * 1024);
    let keyless_server = Server::start(&keyless_app).await;
    keyless_server
        .call(Method::GET, &path, Some(KEY), None)
        .await
        .error(403, "forbidden");
}

#[tokio::test]
async fn an_unknown_user_is_404_and_a_bad_id_422() {
    let app = app();
    let server = Server::start(&app).await;
    seed(&server).await;
    // 404, as for GET /api/users/{id}: nothing is stored about the user.
    server.export("999").await.error(404, "not_found");
    server
        .delete("999", Some(KEY))
        .await
        .error(404, "not_found");
    for bad in ["abc", "-1", "18446744073709551616", "1.5"] {
        server.export(bad).await.error(422, "invalid_input");
        server
            .delete(bad, Some(KEY))
            .await
            .error(422, "invalid_input");
    }
    // A bad id without the key is still 401: the key is checked first.
    server.delete("abc", None).await.error(401, "unauthorized");
    // Nothing was touched.
    assert_eq!(
        server.export(U).await.ok(200)["guilds"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn delete_erases_everything_and_the_members_below_move_up() {
    let app = app();
    let server = Server::start(&app).await;
    seed(&server).await;
    // In the default guild: 42 (1000), U (500), 7 (100).
    server.grant("7", 100, &GUILD.to_string()).await;
    let rank_of_7 = || async { server.get("/api/users/7").await.ok(200)["rank"].clone() };
    assert_eq!(rank_of_7().await, 3);

    // Without the key (or with a wrong one): 401, and nothing is deleted.
    server.delete(U, None).await.error(401, "unauthorized");
    server
        .delete(U, Some("wrong-key"))
        .await
        .error(401, "unauthorized");
    assert_eq!(
        server.export(U).await.ok(200)["guilds"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        server.get("/api/leveling/leaderboard").await.ok(200)["total"],
        3
    );

    let deleted = server.delete(U, Some(KEY)).await;
    assert_eq!(
        deleted.ok(200),
        &json!({"discord_id": U, "profile": true, "members": 2, "history": 3, "unlocks": 2})
    );

    // Gone everywhere.
    server.export(U).await.error(404, "not_found");
    server
        .get(&format!("/api/users/{U}"))
        .await
        .error(404, "not_found");
    server
        .get(&format!("/api/users/{U}?guild_id={OTHER_GUILD}"))
        .await
        .error(404, "not_found");
    server
        .get(&format!("/api/leveling/xp-history/{U}"))
        .await
        .error(404, "not_found");
    let users = server.get("/api/users").await;
    assert_eq!(users.ok(200)["total"], 0, "the profile is gone");
    let board = server.get("/api/leveling/leaderboard").await;
    let board = board.ok(200);
    assert_eq!(board["total"], 2);
    let rows: Vec<_> = board["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["rank"].clone(), r["discord_id"].clone()))
        .collect();
    assert_eq!(rows, [(json!(1), json!("42")), (json!(2), json!("7"))]);
    assert_eq!(rank_of_7().await, 2, "the member below moved up");
    let other = server
        .get(&format!("/api/leveling/leaderboard?guild_id={OTHER_GUILD}"))
        .await;
    assert_eq!(other.ok(200)["total"], 0);

    // A second DELETE finds nothing.
    server.delete(U, Some(KEY)).await.error(404, "not_found");
    // Others' data is untouched.
    assert_eq!(server.export("42").await.ok(200)["guilds"][0]["xp"], 1000);
}
