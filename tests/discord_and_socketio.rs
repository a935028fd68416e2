//! The reference server's promise, end to end: the Discord bot runs beside the HTTP API on
//! one engine, so a level-up from Discord reaches Socket.IO clients, and a level-up from
//! the HTTP API is announced on Discord.
//!
//! The wiring is `examples/server.rs`'s, with the in-memory store: one [`Leveling`] with
//! the Socket.IO sink ([`SocketIoEvents`]) and the Discord announcer sink (registered by
//! [`Bot::new`]); the real [`Bot`] (serenity + poise) connected to
//! adapter-discord's fake Discord (REST + gateway on 127.0.0.1, reused from
//! `adapter-discord/tests/fake_discord/`); the [`Api`] router with its Socket.IO layer
//! served on an ephemeral port; and a real Socket.IO client (`rust_socketio`, WebSocket
//! transport) subscribed to the guild's room.
//!
//! Every wait is bounded (a few seconds) and fails the test when the behaviour is missing.

#[path = "../adapter-discord/tests/fake_discord/mod.rs"]
mod fake_discord;
#[path = "../adapter-http/tests/socket_client/mod.rs"]
mod socket_client;

use std::time::Duration;

use fake_discord::{FakeDiscord, Recorded, TOKEN, message_json, user_json};
use leveling_core::{Award, GuildId, Leveling, LogSink, MemberId};
use leveling_discord::serenity::all::ChannelId;
use leveling_discord::{Announce, Bot, DiscordConfig};
use leveling_http::{Api, ApiKey, SocketIoEvents};
use leveling_storage_memory::MemoryStore;
use rust_socketio::asynchronous::Client;
use serde_json::{Value, json};
use socket_client::{Events, next};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const KEY: &str = "discord-and-socketio-key";
const GUILD: u64 = 700;
/// Where members chat.
const CHANNEL: u64 = 710;
/// Where the bot announces every level-up (`DISCORD_ANNOUNCE=<channel id>`).
const ANNOUNCE: u64 = 720;

/// The reference server's wiring, running: engine, bot on the fake Discord, API on a socket.
struct Server {
    fake: FakeDiscord,
    leveling: Leveling,
    /// `http://127.0.0.1:<port>`.
    base: String,
    stop_bot: Option<oneshot::Sender<()>>,
    bot: Option<JoinHandle<Result<(), leveling_discord::Error>>>,
}

impl Server {
    async fn start() -> Self {
        let fake = FakeDiscord::start().await;

        // As in examples/server.rs: the Socket.IO sink, LogSink, then the bot (which
        // registers the Discord announcer).
        let (events, socket_sink) = SocketIoEvents::new();
        let builder = Leveling::builder(MemoryStore::new())
            .sink(socket_sink)
            .sink(LogSink);

        let mut config = DiscordConfig::new(TOKEN);
        config.api_url = Some(fake.api_url.clone());
        config.settings.announce = Announce::Channel(ChannelId::new(ANNOUNCE));
        let bot = Bot::new(builder, config);
        let leveling = bot.leveling().clone();
        let (stop_bot, stopped) = oneshot::channel::<()>();
        let bot = tokio::spawn(bot.run(async move {
            stopped.await.ok();
        }));

        let app = Api::new(leveling.clone())
            .api_key(ApiKey::new(KEY))
            .default_guild(GuildId(GUILD))
            .socket_io(events)
            .router();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the API");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { leveling_http::axum::serve(listener, app).await });

        // The bot identified and registered its commands: dispatches are handled from now on.
        fake.wait_ready().await;
        Self {
            fake,
            leveling,
            base,
            stop_bot: Some(stop_bot),
            bot: Some(bot),
        }
    }

    /// A Socket.IO client subscribed to `GUILD`'s room (the server confirmed it).
    async fn subscribed_client(&self) -> (Client, Events) {
        let (client, mut events) = socket_client::connect(&self.base).await;
        // The greeting: the namespace is connected, so `subscribe` is handled from now on.
        let hello = next(&mut events, "connection_established").await;
        assert_eq!(hello["default_guild_id"], GUILD.to_string());
        client
            .emit("subscribe", json!({"guild_id": GUILD.to_string()}))
            .await
            .expect("emit subscribe");
        let subscribed = next(&mut events, "subscribed").await;
        assert_eq!(subscribed["guild_id"], GUILD.to_string());
        (client, events)
    }

    async fn xp(&self, user: u64) -> u64 {
        self.leveling
            .progress(MemberId::new(GUILD, user))
            .await
            .expect("store")
            .map_or(0, |p| p.member.xp)
    }

    /// Stops the bot as the server does on shutdown; it must stop cleanly.
    async fn stop(mut self) {
        if let Some(tx) = self.stop_bot.take() {
            tx.send(()).ok();
        }
        if let Some(bot) = self.bot.take() {
            let result = tokio::time::timeout(Duration::from_secs(10), bot)
                .await
                .expect("the bot stops on shutdown")
                .expect("the bot task did not panic");
            assert!(result.is_ok(), "the bot stopped with {result:?}");
        }
    }
}

fn is_message_to(channel: u64) -> impl Fn(&Recorded) -> bool {
    move |r| r.method == "POST" && r.path == format!("/api/v10/channels/{channel}/messages")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_level_up_from_discord_reaches_socket_io_clients() {
    let server = Server::start().await;
    let (client, mut events) = server.subscribed_client().await;

    // 140 XP: 10 short of level 1 (150). A grant below a level emits nothing.
    const ALICE: u64 = 11;
    let member = MemberId::new(GUILD, ALICE);
    let granted = server
        .leveling
        .award(Award::grant(member, 140))
        .await
        .expect("grant");
    assert_eq!((granted.xp, granted.level), (140, 0));

    // One chat message through the gateway: message XP (+ the day's bonus) crosses level 1.
    let id = server.fake.next_id();
    let alice = user_json(ALICE, "alice", false);
    server.fake.dispatch(
        "MESSAGE_CREATE",
        message_json(id, CHANNEL, Some(GUILD), &alice, "hello"),
    );

    let up = next(&mut events, "level_up").await;
    assert_eq!(up["guild_id"], GUILD.to_string(), "{up}");
    assert_eq!(up["discord_id"], ALICE.to_string(), "{up}");
    assert_eq!(
        (up["old_level"].as_u64(), up["new_level"].as_u64()),
        (Some(0), Some(1)),
        "{up}"
    );
    // The event carries the XP the bot's award left in the store.
    let xp = server.xp(ALICE).await;
    assert!(xp > 140, "the message earned XP: {xp}");
    assert_eq!(up["xp"].as_u64(), Some(xp), "{up}");

    client.disconnect().await.expect("disconnect");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_level_up_from_the_http_api_is_announced_on_discord() {
    let server = Server::start().await;
    let (client, mut events) = server.subscribed_client().await;

    // 500 XP through the REST API: level 0 → 2.
    const BEA: u64 = 77;
    let response = reqwest::Client::new()
        .post(format!("{}/api/leveling/xp", server.base))
        .bearer_auth(KEY)
        .json(&json!({"discord_id": BEA.to_string(), "amount": 500, "guild_id": GUILD.to_string()}))
        .send();
    let response = tokio::time::timeout(Duration::from_secs(5), response)
        .await
        .expect("the API answers within 5 s")
        .expect("the API answers");
    assert_eq!(response.status(), 200);
    let award: Value = response.json().await.expect("JSON");
    assert_eq!(award["level"], 2, "{award}");

    // The bot's announcer posts it to the announce channel, with the bot token.
    let announcement = server
        .fake
        .wait_for("the announcement of the API level-up", |r| {
            is_message_to(ANNOUNCE)(r)
                && r.body["content"]
                    .as_str()
                    .is_some_and(|c| c.contains(&format!("<@{BEA}>")))
        })
        .await;
    assert!(
        announcement.authorized,
        "the REST call carries the bot token"
    );
    let content = announcement.body["content"].as_str().unwrap_or_default();
    assert!(content.contains("level **2**"), "{content}");

    // The same engine pushed it to Socket.IO clients as well.
    let up = next(&mut events, "level_up").await;
    assert_eq!(
        (up["discord_id"].as_str(), up["new_level"].as_u64()),
        (Some("77"), Some(2)),
        "{up}"
    );
    // Nothing was announced anywhere else.
    let messages = server
        .fake
        .matching(|r| r.method == "POST" && r.path.ends_with("/messages"));
    assert_eq!(messages.len(), 1, "{messages:#?}");

    client.disconnect().await.expect("disconnect");
    server.stop().await;
}
