//! A fake Discord on 127.0.0.1 for end-to-end tests with the real serenity client: a REST
//! API (axum) that records every request, and a gateway websocket (tokio-tungstenite)
//! that says Hello, takes Identify (or Resume), sends READY and then whatever the test
//! dispatches, as plain Text frames.
//!
//! Sharded like Discord: `GET /gateway/bot` recommends [`FakeDiscord::set_recommended_shards`]
//! shards, and each connection is the shard its Identify names (`shard: [id, total]`):
//! after READY it gets a GUILD_CREATE for each guild [`FakeDiscord::add_guild`] declared
//! whose shard (`(guild >> 22) % total`) is its own, and [`FakeDiscord::dispatch_in`]
//! sends a guild's events to that shard's connection only.
//!
//! It also plays Discord's CDN for attachments (`/attachments/…`, served without a
//! token, as the CDN does).

#![allow(dead_code)]

mod multipart;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::{Notify, mpsc};
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// The bot's application and user id.
pub const APP_ID: u64 = 1_000;
/// The token the tests use.
pub const TOKEN: &str = "fake-token";

/// One REST request the bot made.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// The path without the query, e.g. `/api/v10/channels/5/messages`.
    pub path: String,
    /// The JSON body; of a `multipart/form-data` request (a reply with files), its
    /// `payload_json` part.
    pub body: Value,
    /// The file parts of a multipart request (`files[0]`…): filename and bytes.
    pub files: Vec<(String, Vec<u8>)>,
    /// Whether the Authorization header carried the bot token.
    pub authorized: bool,
}

/// A channel the fake knows: (guild, type, parent).
type FakeChannel = (u64, u8, Option<u64>);

/// A guild the gateway announces (GUILD_CREATE) to the shard it belongs to.
#[derive(Clone, Debug)]
struct FakeGuild {
    id: u64,
    /// Members in voice when the shard connects: (user, voice channel).
    voice: Vec<(u64, u64)>,
}

/// One gateway connection: where its frames go, its sequence numbers, its shard.
#[derive(Clone)]
struct Connection {
    tx: mpsc::UnboundedSender<WsMessage>,
    seq: Arc<AtomicU64>,
    /// `[id, total]` from the Identify (`[0, 1]` when it names none).
    shard: (u32, u32),
}

impl Connection {
    fn dispatch(&self, event: &str, data: Value) {
        let seq = self.seq.fetch_add(1, Ordering::SeqCst) + 1;
        let frame = json!({"op": 0, "t": event, "s": seq, "d": data});
        let _ = self.tx.send(WsMessage::Text(frame.to_string()));
    }
}

/// Discord's rule: the shard among `total` that receives guild `guild`'s events.
pub fn shard_of(guild: u64, total: u32) -> u32 {
    u32::try_from((guild >> 22) % u64::from(total.max(1))).expect("below total")
}

struct Shared {
    requests: Mutex<Vec<Recorded>>,
    changed: Notify,
    gateway_url: String,
    /// Roles per (guild, user) for `GET /guilds/{g}/members/{u}`.
    roles: Mutex<HashMap<(u64, u64), Vec<u64>>>,
    /// Channels for `GET /channels/{id}`.
    channels: Mutex<HashMap<u64, FakeChannel>>,
    /// Roles that `PUT`/`DELETE /guilds/{g}/members/{u}/roles/{r}` refuse (403: gone or
    /// above the bot's role).
    refused_roles: Mutex<Vec<u64>>,
    /// Members `GET /guilds/{g}/members/{u}` does not know (404: they left).
    gone: Mutex<Vec<(u64, u64)>>,
    /// Attachment bodies by path (`/attachments/…`).
    files: Mutex<HashMap<String, Vec<u8>>>,
    /// The latest gateway connection (of any shard).
    connection: Mutex<Option<Connection>>,
    /// The live connection of each shard id.
    shards: Mutex<HashMap<u32, Connection>>,
    /// What `GET /gateway/bot` recommends.
    recommended_shards: AtomicU32,
    guilds: Mutex<Vec<FakeGuild>>,
    identified: Notify,
    identifies: Mutex<Vec<Value>>,
    sessions: AtomicU64,
    message_ids: AtomicU64,
}

/// A running fake Discord.
pub struct FakeDiscord {
    /// The REST base URL to give the bot (`DISCORD_API_URL`).
    pub api_url: String,
    shared: Arc<Shared>,
}

impl FakeDiscord {
    /// Starts the REST API and the gateway on free ports.
    pub async fn start() -> Self {
        let rest = TcpListener::bind("127.0.0.1:0").await.expect("bind rest");
        let gateway = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind gateway");
        let api_url = format!("http://{}", rest.local_addr().expect("addr"));
        let gateway_url = format!("ws://{}", gateway.local_addr().expect("addr"));
        let shared = Arc::new(Shared {
            requests: Mutex::new(Vec::new()),
            changed: Notify::new(),
            gateway_url,
            roles: Mutex::new(HashMap::new()),
            channels: Mutex::new(HashMap::new()),
            refused_roles: Mutex::new(Vec::new()),
            gone: Mutex::new(Vec::new()),
            files: Mutex::new(HashMap::new()),
            connection: Mutex::new(None),
            shards: Mutex::new(HashMap::new()),
            recommended_shards: AtomicU32::new(1),
            guilds: Mutex::new(Vec::new()),
            identified: Notify::new(),
            identifies: Mutex::new(Vec::new()),
            sessions: AtomicU64::new(0),
            message_ids: AtomicU64::new(900_000),
        });
        let app = axum::Router::new()
            .fallback(rest_handler)
            .with_state(Arc::clone(&shared));
        tokio::spawn(async move {
            axum::serve(rest, app).await.ok();
        });
        let gw = Arc::clone(&shared);
        tokio::spawn(async move {
            while let Ok((stream, _)) = gateway.accept().await {
                tokio::spawn(gateway_connection(Arc::clone(&gw), stream));
            }
        });
        Self { api_url, shared }
    }

    /// Waits until the bot identified and the slash commands were registered (the bot's
    /// setup is done): events dispatched after this are handled.
    pub async fn wait_ready(&self) {
        self.wait_for("slash command registration", |r| {
            r.method == "PUT" && r.path == format!("/api/v10/applications/{APP_ID}/commands")
        })
        .await;
    }

    /// The Identify payloads received so far.
    pub fn identifies(&self) -> Vec<Value> {
        self.shared.identifies.lock().unwrap().clone()
    }

    /// Sends a dispatch (op 0) on the latest gateway connection.
    pub fn dispatch(&self, event: &str, data: Value) {
        let connection = self.shared.connection.lock().unwrap();
        connection
            .as_ref()
            .expect("the bot has not identified yet")
            .dispatch(event, data);
    }

    /// Sends a dispatch of guild `guild` on the connection of the guild's shard, as
    /// Discord does; panics when no connection runs that shard.
    pub fn dispatch_in(&self, guild: u64, event: &str, data: Value) {
        let shards = self.shared.shards.lock().unwrap();
        let connection = shards
            .values()
            .find(|c| c.shard.0 == shard_of(guild, c.shard.1))
            .unwrap_or_else(|| panic!("no connection runs the shard of guild {guild}"));
        connection.dispatch(event, data);
    }

    /// Sends any text frame on the latest gateway connection.
    pub fn send_raw(&self, text: String) {
        let connection = self.shared.connection.lock().unwrap();
        let connection = connection.as_ref().expect("the bot has not identified yet");
        let _ = connection.tx.send(WsMessage::Text(text));
    }

    /// What `GET /gateway/bot` recommends from now on (default 1).
    pub fn set_recommended_shards(&self, shards: u32) {
        self.shared
            .recommended_shards
            .store(shards, Ordering::SeqCst);
    }

    /// Declares a guild: the shard it belongs to gets its GUILD_CREATE on connecting,
    /// with `voice` (user, voice channel) as the members in voice then.
    pub fn add_guild(&self, id: u64, voice: &[(u64, u64)]) {
        self.shared.guilds.lock().unwrap().push(FakeGuild {
            id,
            voice: voice.to_vec(),
        });
    }

    /// The shards (`[id, total]`) with a live connection, sorted.
    pub fn connected_shards(&self) -> Vec<(u32, u32)> {
        let mut shards: Vec<_> = self
            .shared
            .shards
            .lock()
            .unwrap()
            .values()
            .map(|c| c.shard)
            .collect();
        shards.sort_unstable();
        shards
    }

    /// Gateway sessions opened so far (a reconnect opens a new one).
    pub fn sessions(&self) -> u64 {
        self.shared.sessions.load(Ordering::SeqCst)
    }

    /// Every REST request so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// Requests matching `predicate`.
    pub fn matching(&self, predicate: impl Fn(&Recorded) -> bool) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| predicate(r))
            .collect()
    }

    /// Waits (up to 15 s) for a request matching `predicate`; panics with `what` otherwise.
    pub async fn wait_for(&self, what: &str, predicate: impl Fn(&Recorded) -> bool) -> Recorded {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let notified = self.shared.changed.notified();
            if let Some(found) = self.requests().into_iter().find(|r| predicate(r)) {
                return found;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!(
                    "timed out waiting for {what}; requests: {:#?}",
                    self.requests()
                );
            }
        }
    }

    /// Sets a member's roles as `GET /guilds/{g}/members/{u}` reports them.
    pub fn set_roles(&self, guild: u64, user: u64, roles: &[u64]) {
        self.shared
            .roles
            .lock()
            .unwrap()
            .insert((guild, user), roles.to_vec());
    }

    /// Declares a channel for `GET /channels/{id}`: `kind` 0 (text), 4 (category), 11
    /// (public thread); `parent` its category, or a thread's channel.
    pub fn set_channel(&self, id: u64, guild: u64, kind: u8, parent: Option<u64>) {
        self.shared
            .channels
            .lock()
            .unwrap()
            .insert(id, (guild, kind, parent));
    }

    /// Makes the role endpoints refuse `role` with a 403 (a role above the bot's).
    pub fn refuse_role(&self, role: u64) {
        self.shared.refused_roles.lock().unwrap().push(role);
    }

    /// Makes `GET /guilds/{guild}/members/{user}` answer 404 Unknown Member.
    pub fn remove_member(&self, guild: u64, user: u64) {
        self.shared.gone.lock().unwrap().push((guild, user));
    }

    /// Serves `bytes` as an attachment named `name` (like Discord's CDN: no token
    /// needed) and returns its URL, with a signature query as Discord's have.
    pub fn serve_attachment(&self, name: &str, bytes: Vec<u8>) -> String {
        let path = format!("/attachments/{}/{}/{name}", 600, self.next_id());
        self.shared
            .files
            .lock()
            .unwrap()
            .insert(path.clone(), bytes);
        format!("{}{path}?ex=0&is=0&hm=signature", self.api_url)
    }

    /// A new message id.
    pub fn next_id(&self) -> u64 {
        self.shared.message_ids.fetch_add(1, Ordering::SeqCst)
    }
}

async fn rest_handler(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let authorized = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bot {TOKEN}"));
    let boundary = request
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .and_then(multipart::boundary);
    // Room for a rank card or two.
    let bytes = to_bytes(request.into_body(), 16 << 20)
        .await
        .unwrap_or_default();
    let (body, files) = match boundary {
        Some(boundary) => multipart::split(&bytes, &boundary),
        None => (
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            Vec::new(),
        ),
    };
    let response = if path.starts_with("/attachments/") {
        match shared.files.lock().unwrap().get(&path) {
            Some(file) if method == Method::GET => (StatusCode::OK, file.clone()).into_response(),
            _ => StatusCode::NOT_FOUND.into_response(),
        }
    } else if authorized {
        respond(&shared, &method, &path, &body)
    } else {
        let unauthorized = json!({"message": "401: Unauthorized", "code": 0});
        (StatusCode::UNAUTHORIZED, axum::Json(unauthorized)).into_response()
    };
    shared.requests.lock().unwrap().push(Recorded {
        method: method.to_string(),
        path,
        body,
        files,
        authorized,
    });
    shared.changed.notify_waiters();
    response
}

fn respond(shared: &Shared, method: &Method, path: &str, body: &Value) -> Response {
    let segments: Vec<&str> = path.trim_start_matches("/api/v10/").split('/').collect();
    let json_ok = |value: Value| (StatusCode::OK, axum::Json(value)).into_response();
    let no_content = || StatusCode::NO_CONTENT.into_response();
    match (method.as_str(), segments.as_slice()) {
        ("GET", ["gateway"]) => json_ok(json!({"url": shared.gateway_url})),
        ("GET", ["gateway", "bot"]) => json_ok(json!({
            "url": shared.gateway_url,
            "shards": shared.recommended_shards.load(Ordering::SeqCst),
            "session_start_limit": {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
        })),
        ("GET", ["oauth2", "applications", "@me"]) => json_ok(json!({
            "id": APP_ID.to_string(),
            "name": "leveling-test",
            "icon": null,
            "description": "",
            "bot_public": true,
            "bot_require_code_grant": false,
            "verify_key": "00",
            "owner": user_json(1, "owner", false),
            "team": null,
            "flags": 0
        })),
        ("GET", ["users", "@me"]) => json_ok(user_json(APP_ID, "leveling-bot", true)),
        ("PUT", ["applications", _, "commands"]) => json_ok(json!([])),
        ("POST", ["interactions", _, _, "callback"]) => no_content(),
        // A followup (after a deferred answer), and an edit of an answer or a followup.
        ("POST", ["webhooks", _, _]) | ("PATCH", ["webhooks", _, _, "messages", _]) => {
            let id = match segments.as_slice() {
                [.., "messages", id] => id.parse().unwrap_or(1),
                _ => shared.message_ids.fetch_add(1, Ordering::SeqCst),
            };
            let content = body.get("content").and_then(Value::as_str).unwrap_or("");
            let mut message = message_json(
                id,
                1,
                None,
                &user_json(APP_ID, "leveling-bot", true),
                content,
            );
            message["flags"] = body.get("flags").cloned().unwrap_or(json!(0));
            message["components"] = body.get("components").cloned().unwrap_or(json!([]));
            json_ok(message)
        }
        ("POST", ["channels", channel, "messages"]) => {
            let channel: u64 = channel.parse().unwrap_or(1);
            let content = body.get("content").and_then(Value::as_str).unwrap_or("");
            let id = shared.message_ids.fetch_add(1, Ordering::SeqCst);
            json_ok(message_json(
                id,
                channel,
                None,
                &user_json(APP_ID, "leveling-bot", true),
                content,
            ))
        }
        ("GET", ["guilds", guild, "members", user]) => {
            let (guild, user): (u64, u64) = (guild.parse().unwrap_or(0), user.parse().unwrap_or(0));
            if shared.gone.lock().unwrap().contains(&(guild, user)) {
                let unknown = json!({"message": "Unknown Member", "code": 10007});
                return (StatusCode::NOT_FOUND, axum::Json(unknown)).into_response();
            }
            let roles = shared
                .roles
                .lock()
                .unwrap()
                .get(&(guild, user))
                .cloned()
                .unwrap_or_default();
            json_ok(member_json(user, &format!("user{user}"), &roles, None))
        }
        ("PUT" | "DELETE", ["guilds", _, "members", _, "roles", role]) => {
            let role: u64 = role.parse().unwrap_or(0);
            if shared.refused_roles.lock().unwrap().contains(&role) {
                let missing = json!({"message": "Missing Permissions", "code": 50013});
                (StatusCode::FORBIDDEN, axum::Json(missing)).into_response()
            } else {
                no_content()
            }
        }
        ("GET", ["channels", channel]) => {
            let id: u64 = channel.parse().unwrap_or(0);
            match shared.channels.lock().unwrap().get(&id).copied() {
                Some((guild, kind, parent)) => json_ok(json!({
                    "id": id.to_string(),
                    "guild_id": guild.to_string(),
                    "type": kind,
                    "name": format!("channel-{id}"),
                    "position": 0,
                    "permission_overwrites": [],
                    "parent_id": parent.map(|p| p.to_string()),
                })),
                None => (
                    StatusCode::NOT_FOUND,
                    axum::Json(json!({"message": "Unknown Channel", "code": 10003})),
                )
                    .into_response(),
            }
        }
        ("GET", ["guilds", guild]) => json_ok(guild_json(guild.parse().unwrap_or(0))),
        ("POST", ["users", "@me", "channels"]) => {
            let recipient: u64 = body["recipient_id"]
                .as_str()
                .and_then(|r| r.parse().ok())
                .or_else(|| body["recipient_id"].as_u64())
                .unwrap_or(0);
            json_ok(json!({
                "id": (DM_CHANNEL_BASE + recipient).to_string(),
                "type": 1,
                "last_message_id": null,
                "recipients": [user_json(recipient, &format!("user{recipient}"), false)]
            }))
        }
        _ => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"message": "Unknown route (fake Discord)", "code": 0})),
        )
            .into_response(),
    }
}

async fn gateway_connection(shared: Arc<Shared>, stream: tokio::net::TcpStream) {
    let Ok(ws) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    let (mut sink, mut stream) = ws.split();
    let hello = json!({"op": 10, "d": {"heartbeat_interval": 45_000}, "s": null, "t": null});
    if sink.send(WsMessage::Text(hello.to_string())).await.is_err() {
        return;
    }
    let (tx, mut rx) = mpsc::unbounded_channel::<WsMessage>();
    let mut connection = Connection {
        tx,
        seq: Arc::new(AtomicU64::new(0)),
        shard: (0, 1),
    };
    loop {
        tokio::select! {
            incoming = stream.next() => {
                let Some(Ok(frame)) = incoming else { break };
                let WsMessage::Text(text) = frame else {
                    if matches!(frame, WsMessage::Close(_)) { break }
                    continue;
                };
                let Ok(payload) = serde_json::from_str::<Value>(&text) else { continue };
                match payload["op"].as_u64() {
                    Some(1) => {
                        let ack = json!({"op": 11, "d": null, "s": null, "t": null});
                        let _ = sink.send(WsMessage::Text(ack.to_string())).await;
                    }
                    Some(2) => {
                        shared.identifies.lock().unwrap().push(payload["d"].clone());
                        let number = |i: usize| {
                            payload["d"]["shard"][i].as_u64().and_then(|n| u32::try_from(n).ok())
                        };
                        connection.shard = (number(0).unwrap_or(0), number(1).unwrap_or(1).max(1));
                        let (id, total) = connection.shard;
                        let guilds: Vec<FakeGuild> = shared
                            .guilds
                            .lock()
                            .unwrap()
                            .iter()
                            .filter(|g| shard_of(g.id, total) == id)
                            .cloned()
                            .collect();
                        let session = shared.sessions.fetch_add(1, Ordering::SeqCst) + 1;
                        let ready = json!({
                            "op": 0, "t": "READY", "s": connection.seq.fetch_add(1, Ordering::SeqCst) + 1,
                            "d": {
                                "v": 10,
                                "user": user_json(APP_ID, "leveling-bot", true),
                                // As Discord: the shard's guilds, unavailable until their GUILD_CREATE.
                                "guilds": guilds.iter()
                                    .map(|g| json!({"id": g.id.to_string(), "unavailable": true}))
                                    .collect::<Vec<_>>(),
                                "session_id": format!("session-{session}"),
                                "resume_gateway_url": shared.gateway_url,
                                "shard": [id, total],
                                "application": {"id": APP_ID.to_string(), "flags": 0}
                            }
                        });
                        // Dispatches from now on queue behind READY on this connection.
                        *shared.connection.lock().unwrap() = Some(connection.clone());
                        shared.shards.lock().unwrap().insert(id, connection.clone());
                        let _ = sink.send(WsMessage::Text(ready.to_string())).await;
                        for guild in &guilds {
                            connection.dispatch("GUILD_CREATE", gateway_guild_json(guild));
                        }
                        shared.identified.notify_waiters();
                    }
                    Some(6) => {
                        shared.sessions.fetch_add(1, Ordering::SeqCst);
                        // The session resumed is the latest one: its shard and its sequence go on.
                        if let Some(latest) = shared.connection.lock().unwrap().as_ref() {
                            connection.seq = Arc::clone(&latest.seq);
                            connection.shard = latest.shard;
                        }
                        shared.shards.lock().unwrap().insert(connection.shard.0, connection.clone());
                        let resumed = json!({
                            "op": 0, "t": "RESUMED", "s": connection.seq.fetch_add(1, Ordering::SeqCst) + 1, "d": {}
                        });
                        *shared.connection.lock().unwrap() = Some(connection.clone());
                        let _ = sink.send(WsMessage::Text(resumed.to_string())).await;
                    }
                    _ => {}
                }
            }
            outgoing = rx.recv() => {
                let Some(frame) = outgoing else { break };
                if sink.send(frame).await.is_err() { break }
            }
        }
    }
    // Gone: a guild's events no longer reach this shard (a reconnect registers again).
    let mut shards = shared.shards.lock().unwrap();
    if shards
        .get(&connection.shard.0)
        .is_some_and(|c| c.tx.same_channel(&connection.tx))
    {
        shards.remove(&connection.shard.0);
    }
}

/// A GUILD_CREATE payload: the guild, with no channels or members besides those in voice.
fn gateway_guild_json(guild: &FakeGuild) -> Value {
    let mut payload = guild_json(guild.id);
    let members: Vec<Value> = guild
        .voice
        .iter()
        .map(|&(user, _)| member_json(user, &format!("user{user}"), &[], None))
        .collect();
    let voice_states: Vec<Value> = guild
        .voice
        .iter()
        .map(|&(user, channel)| voice_state_json(guild.id, user, Some(channel), false, false))
        .collect();
    payload["joined_at"] = json!("2024-01-01T00:00:00.000000+00:00");
    payload["large"] = json!(false);
    payload["unavailable"] = json!(false);
    payload["member_count"] = json!(members.len());
    payload["members"] = json!(members);
    payload["voice_states"] = json!(voice_states);
    payload["channels"] = json!([]);
    payload["threads"] = json!([]);
    payload["presences"] = json!([]);
    payload["stage_instances"] = json!([]);
    payload["guild_scheduled_events"] = json!([]);
    payload
}

/// The DM channel with user `u` is `DM_CHANNEL_BASE + u`.
pub const DM_CHANNEL_BASE: u64 = 8_000_000;

/// A guild object (`GET /guilds/{id}`), named `Guild {id}`.
pub fn guild_json(id: u64) -> Value {
    json!({
        "id": id.to_string(),
        "name": format!("Guild {id}"),
        "icon": null,
        "icon_hash": null,
        "splash": null,
        "discovery_splash": null,
        "owner_id": "1",
        "afk_channel_id": null,
        "afk_timeout": 300,
        "widget_enabled": false,
        "widget_channel_id": null,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": [],
        "emojis": [],
        "features": [],
        "mfa_level": 0,
        "application_id": null,
        "system_channel_id": null,
        "system_channel_flags": 0,
        "rules_channel_id": null,
        "max_presences": null,
        "max_members": 1000,
        "vanity_url_code": null,
        "description": null,
        "banner": null,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": null,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "nsfw_level": 0,
        "stickers": [],
        "premium_progress_bar_enabled": false,
        "safety_alerts_channel_id": null
    })
}

/// A user object.
pub fn user_json(id: u64, name: &str, bot: bool) -> Value {
    json!({
        "id": id.to_string(),
        "username": name,
        "discriminator": "0",
        "global_name": null,
        "avatar": null,
        "bot": bot
    })
}

/// A guild member object (`permissions` as Discord computes it for interactions).
pub fn member_json(user: u64, name: &str, roles: &[u64], permissions: Option<u64>) -> Value {
    let mut member = json!({
        "user": user_json(user, name, false),
        "roles": roles.iter().map(u64::to_string).collect::<Vec<_>>(),
        "joined_at": "2024-01-01T00:00:00.000000+00:00",
        "deaf": false,
        "mute": false,
        "flags": 0
    });
    if let Some(permissions) = permissions {
        member["permissions"] = json!(permissions.to_string());
    }
    member
}

/// A message object (`guild` `None` for a DM).
pub fn message_json(
    id: u64,
    channel: u64,
    guild: Option<u64>,
    author: &Value,
    content: &str,
) -> Value {
    let mut message = json!({
        "id": id.to_string(),
        "channel_id": channel.to_string(),
        "author": author,
        "content": content,
        "timestamp": "2026-11-23T12:00:00.000000+00:00",
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": false,
        "type": 0
    });
    if let Some(guild) = guild {
        message["guild_id"] = json!(guild.to_string());
    }
    message
}

/// An INTERACTION_CREATE payload for a slash command.
pub fn interaction_json(
    id: u64,
    guild: u64,
    channel: u64,
    member: Value,
    command: &str,
    options: Value,
    resolved: Value,
) -> Value {
    json!({
        "id": id.to_string(),
        "application_id": APP_ID.to_string(),
        "type": 2,
        "data": {
            "id": "77",
            "name": command,
            "type": 1,
            "options": options,
            "resolved": resolved
        },
        "guild_id": guild.to_string(),
        "channel_id": channel.to_string(),
        "member": member,
        "token": format!("itoken-{id}"),
        "version": 1,
        "app_permissions": "0",
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {},
        "context": 0,
        "attachment_size_limit": 8_388_608
    })
}

/// A VOICE_STATE_UPDATE payload (`channel` `None` when leaving).
pub fn voice_state_json(
    guild: u64,
    user: u64,
    channel: Option<u64>,
    self_mute: bool,
    bot: bool,
) -> Value {
    let mut member = member_json(user, &format!("user{user}"), &[], None);
    member["user"]["bot"] = json!(bot);
    json!({
        "guild_id": guild.to_string(),
        "channel_id": channel.map(|c| c.to_string()),
        "user_id": user.to_string(),
        "member": member,
        "session_id": format!("voice-{user}"),
        "deaf": false,
        "mute": false,
        "self_deaf": false,
        "self_mute": self_mute,
        "self_video": false,
        "suppress": false,
        "request_to_speak_timestamp": null
    })
}

/// An attachment object, for an interaction's `resolved.attachments`.
pub fn attachment_json(id: u64, filename: &str, size: u64, url: &str) -> Value {
    json!({
        "id": id.to_string(),
        "filename": filename,
        "size": size,
        "url": url,
        "proxy_url": url,
        "content_type": "application/json"
    })
}

/// An INTERACTION_CREATE payload for a button click (type 3) on `message` by `member`.
pub fn component_json(
    id: u64,
    guild: u64,
    channel: u64,
    member: Value,
    custom_id: &str,
    message: Value,
) -> Value {
    json!({
        "id": id.to_string(),
        "application_id": APP_ID.to_string(),
        "type": 3,
        "data": {"custom_id": custom_id, "component_type": 2},
        "guild_id": guild.to_string(),
        "channel_id": channel.to_string(),
        "member": member,
        "token": format!("itoken-{id}"),
        "version": 1,
        "message": message,
        "app_permissions": "0",
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {},
        "context": 0,
        "attachment_size_limit": 8_388_608
    })
}
