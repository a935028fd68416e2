//! Socket.IO: `connection_established`, `ping` → `pong`, per-guild rooms, and the event
//! sink that pushes `level_up` / `level_down` / `tool_unlocked` to them.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use leveling_core::{BoxError, Event, EventSink, GuildId};
use serde::Deserialize;
use serde_json::{Value, json};
use socketioxide::SocketIo;
use socketioxide::extract::{AckSender, SocketRef, TryData};
use socketioxide::layer::SocketIoLayer;

use crate::dto::ToolJson;

/// The Socket.IO half of the API: a tower layer serving `/socket.io` (hand it to
/// [`Api::socket_io`](crate::Api::socket_io)) and the shared handle its
/// [`SocketIoSink`] pushes events through.
///
/// Make both with [`SocketIoEvents::new`], register the sink on the engine, then give
/// these to the [`Api`](crate::Api): see the [crate docs](crate) for the whole wiring.
///
/// Client → server events: `ping` (answered with `pong`), `subscribe` `{"guild_id"?}`
/// (joins that guild's room, the default guild when absent; answered with `subscribed`
/// and an ack when asked), `unsubscribe` `{"guild_id"?}`.
/// Server → client: `connection_established`, `pong`, `subscribed`, `level_up`,
/// `level_down` (an admin change lowered a level), `tool_unlocked`, and `subscribe_error` `{"error":{"code","message"}}` for a bad `subscribe`.
#[derive(Clone)]
pub struct SocketIoEvents {
    pub(crate) layer: SocketIoLayer,
    io: SocketIo,
    default_guild: Arc<AtomicU64>,
}

impl std::fmt::Debug for SocketIoEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketIoEvents")
            .field("default_guild", &self.default_guild.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// An [`EventSink`] that emits `level_up`, `level_down` and `tool_unlocked` to the room of the
/// member's guild. Sync and non-blocking: it only queues packets on connected sockets.
#[derive(Clone)]
pub struct SocketIoSink {
    io: SocketIo,
}

impl std::fmt::Debug for SocketIoSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketIoSink").finish_non_exhaustive()
    }
}

/// The room of a guild's subscribers: `guild:<id>`.
pub fn guild_room(guild: GuildId) -> String {
    format!("guild:{guild}")
}

#[derive(Deserialize, Default)]
struct Subscribe {
    guild_id: Option<GuildId>,
}

impl SocketIoEvents {
    /// A Socket.IO server (protocol v5, path `/socket.io`, namespace `/`) and the event
    /// sink that shares its handle.
    ///
    /// ```
    /// use leveling_http::SocketIoEvents;
    ///
    /// let (events, sink) = SocketIoEvents::new();
    /// # let _ = (events, sink);
    /// ```
    pub fn new() -> (Self, SocketIoSink) {
        let (layer, io) = SocketIo::new_layer();
        let default_guild = Arc::new(AtomicU64::new(0));
        let guild = default_guild.clone();
        io.ns("/", move |socket: SocketRef| {
            let guild = guild.clone();
            async move { on_connect(socket, guild) }
        });
        let events = Self {
            layer,
            io: io.clone(),
            default_guild,
        };
        (events, SocketIoSink { io })
    }

    /// The underlying `socketioxide` handle (to add namespaces or emit other events).
    pub fn io(&self) -> &SocketIo {
        &self.io
    }

    pub(crate) fn set_default_guild(&self, guild: GuildId) {
        self.default_guild.store(guild.get(), Ordering::Relaxed);
    }
}

fn on_connect(socket: SocketRef, default_guild: Arc<AtomicU64>) {
    tracing::debug!(sid = %socket.id, "socket.io client connected");
    // Up here, down when this socket goes (socketioxide runs the handler for every
    // socket that closes, a server shutdown included), so the gauge is the open count.
    let connections = metrics::gauge!("leveling_socketio_connections");
    connections.increment(1.0);
    socket.on_disconnect(move || async move { connections.decrement(1.0) });
    let default = GuildId(default_guild.load(Ordering::Relaxed));
    let _ = socket.emit(
        "connection_established",
        &json!({
            "sid": socket.id.to_string(),
            "message": "connected to the leveling server",
            "default_guild_id": default,
        }),
    );
    socket.on(
        "ping",
        async |socket: SocketRef, TryData(data): TryData<Value>| {
            let mut pong = json!({ "timestamp": chrono::Utc::now().to_rfc3339() });
            if let Ok(data) = data
                && !data.is_null()
            {
                pong["data"] = data;
            }
            let _ = socket.emit("pong", &pong);
        },
    );
    let guild = default_guild.clone();
    socket.on(
        "subscribe",
        move |socket: SocketRef, ack: AckSender, TryData(data): TryData<Value>| {
            let result = room_of(data, &guild);
            async move {
                match result {
                    Ok(guild) => {
                        socket.join(guild_room(guild));
                        let answer = json!({ "guild_id": guild });
                        let _ = socket.emit("subscribed", &answer);
                        let _ = ack.send(&answer);
                    }
                    Err(message) => {
                        let error =
                            json!({ "error": { "code": "invalid_input", "message": message } });
                        let _ = socket.emit("subscribe_error", &error);
                        let _ = ack.send(&error);
                    }
                }
            }
        },
    );
    let guild = default_guild;
    socket.on(
        "unsubscribe",
        move |socket: SocketRef, TryData(data): TryData<Value>| {
            let result = room_of(data, &guild);
            async move {
                if let Ok(guild) = result {
                    socket.leave(guild_room(guild));
                }
            }
        },
    );
}

fn room_of<E>(data: Result<Value, E>, default: &AtomicU64) -> Result<GuildId, String> {
    let default = GuildId(default.load(Ordering::Relaxed));
    let value = match data {
        Ok(value) => value,
        Err(_) => return Ok(default),
    };
    if value.is_null() {
        return Ok(default);
    }
    let subscribe: Subscribe = serde_json::from_value(value)
        .map_err(|e| format!("subscribe expects {{\"guild_id\"?: string}}: {e}"))?;
    Ok(subscribe.guild_id.unwrap_or(default))
}

impl EventSink for SocketIoSink {
    fn publish(&self, event: &Event) -> Result<(), BoxError> {
        let (guild, name, payload) = match event {
            Event::LevelUp(up) => (
                up.member.guild,
                "level_up",
                json!({
                    "guild_id": up.member.guild,
                    "discord_id": up.member.user,
                    "old_level": up.old_level,
                    "new_level": up.new_level,
                    "tier": up.tier.name,
                    "tier_changed": up.tier_changed,
                    "xp": up.xp,
                    "source": up.source.as_str(),
                }),
            ),
            Event::LevelDown(down) => (
                down.member.guild,
                "level_down",
                json!({
                    "guild_id": down.member.guild,
                    "discord_id": down.member.user,
                    "old_level": down.old_level,
                    "new_level": down.new_level,
                    "tier": down.tier.name,
                    "tier_changed": down.tier_changed,
                    "xp": down.xp,
                }),
            ),
            Event::ToolUnlocked(unlocked) => (
                unlocked.member.guild,
                "tool_unlocked",
                json!({
                    "guild_id": unlocked.member.guild,
                    "discord_id": unlocked.member.user,
                    "tool": ToolJson::from(unlocked.tool.clone()),
                    "reason": unlocked.reason.as_str(),
                }),
            ),
            _ => return Ok(()),
        };
        // Local sockets only: `emit` on a socket queues the packet without blocking.
        for socket in self.io.to(guild_room(guild)).sockets() {
            if let Err(error) = socket.emit(name, &payload) {
                tracing::debug!(sid = %socket.id, %error, "could not push {name}");
            }
        }
        Ok(())
    }
}
