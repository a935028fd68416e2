//! Socket.IO: `connection_established`, `ping` → `pong`, per-guild rooms, and the event
//! sink that pushes `level_up` / `level_down` / `tool_unlocked` to them.
//!
//! One process serves its own clients with the local adapter ([`SocketIoEvents::new`]);
//! replicas behind a load balancer share their events through PostgreSQL LISTEN/NOTIFY
//! with `SocketIoEvents::with_postgres` (feature `postgres`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use leveling_core::{BoxError, Event, EventSink, GuildId};
use serde::Deserialize;
use serde_json::{Value, json};
use socketioxide::SocketIo;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, SocketRef, TryData};
use socketioxide::layer::SocketIoLayer;

use crate::dto::ToolJson;

/// The `socketioxide` adapter of [`SocketIoEvents::with_postgres`]: PostgreSQL
/// LISTEN/NOTIFY through sqlx.
#[cfg(feature = "postgres")]
pub type PostgresAdapter = socketioxide_postgres::SqlxAdapter<socketioxide::adapter::Emitter>;

/// Events a [`SocketIoSink`] may queue for the PostgreSQL adapter before it falls back to
/// the local clients only (the database is slow or down): a burst of awards never waits
/// on the database, and memory stays bounded.
#[cfg(feature = "postgres")]
pub const POSTGRES_QUEUE: usize = 4096;

/// The Socket.IO half of the API: a tower layer serving `/socket.io` (hand it to
/// [`Api::socket_io`](crate::Api::socket_io)) and the shared handle its
/// [`SocketIoSink`] pushes events through.
///
/// Make both with [`SocketIoEvents::new`] (one process) or
/// `SocketIoEvents::with_postgres` (feature `postgres`: replicas on one PostgreSQL database), register the
/// sink on the engine, then give these to the [`Api`](crate::Api): see the
/// [crate docs](crate) for the whole wiring.
///
/// Client → server events: `ping` (answered with `pong`), `subscribe` `{"guild_id"?}`
/// (joins that guild's room, the default guild when absent; answered with `subscribed`
/// and an ack when asked), `unsubscribe` `{"guild_id"?}`.
/// Server → client: `connection_established`, `pong`, `subscribed`, `level_up`,
/// `level_down` (an admin change lowered a level), `tool_unlocked`, and `subscribe_error` `{"error":{"code","message"}}` for a bad `subscribe`.
#[derive(Clone)]
pub struct SocketIoEvents {
    pub(crate) layer: Layer,
    io: SocketIoHandle,
    default_guild: Arc<AtomicU64>,
}

impl std::fmt::Debug for SocketIoEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketIoEvents")
            .field("adapter", &self.io.adapter())
            .field("default_guild", &self.default_guild.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// The underlying `socketioxide` handle of a [`SocketIoEvents`], typed by its adapter
/// (to add namespaces, emit other events, or close it on shutdown).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum SocketIoHandle {
    /// This process's clients only ([`SocketIoEvents::new`]).
    Local(SocketIo),
    /// Every replica's clients, through PostgreSQL ([`SocketIoEvents::with_postgres`]).
    #[cfg(feature = "postgres")]
    Postgres(SocketIo<PostgresAdapter>),
}

impl SocketIoHandle {
    /// Disconnects every client of this process (on shutdown, so long-polling clients do
    /// not hold a graceful stop open); with PostgreSQL it also stops listening.
    pub async fn close(&self) {
        match self {
            Self::Local(io) => io.close().await,
            #[cfg(feature = "postgres")]
            Self::Postgres(io) => io.close().await,
        }
    }

    /// `"local"` or `"postgres"`, for logs.
    pub fn adapter(&self) -> &'static str {
        match self {
            Self::Local(_) => "local",
            #[cfg(feature = "postgres")]
            Self::Postgres(_) => "postgres",
        }
    }
}

/// The tower layer, by adapter (`SocketIoLayer` is generic over it).
#[derive(Clone)]
pub(crate) enum Layer {
    Local(SocketIoLayer),
    #[cfg(feature = "postgres")]
    Postgres(SocketIoLayer<PostgresAdapter>),
}

impl Layer {
    pub(crate) fn apply<S: Clone + Send + Sync + 'static>(
        self,
        router: axum::Router<S>,
    ) -> axum::Router<S> {
        match self {
            Self::Local(layer) => router.layer(layer),
            #[cfg(feature = "postgres")]
            Self::Postgres(layer) => router.layer(layer),
        }
    }
}

/// An [`EventSink`] that emits `level_up`, `level_down` and `tool_unlocked` to the room of the
/// member's guild. Sync and non-blocking: with the local adapter it only queues packets
/// on connected sockets; with PostgreSQL it queues the event for one task that
/// broadcasts them in order (a failed broadcast is logged, never raised to the award).
#[derive(Clone)]
pub struct SocketIoSink {
    target: SinkTarget,
}

#[derive(Clone)]
enum SinkTarget {
    Local(SocketIo),
    #[cfg(feature = "postgres")]
    Postgres {
        queue: tokio::sync::mpsc::Sender<Outgoing>,
        io: SocketIo<PostgresAdapter>,
    },
}

/// An event on its way to a guild's room.
#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
struct Outgoing {
    guild: GuildId,
    name: &'static str,
    payload: Value,
}

impl std::fmt::Debug for SocketIoSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let adapter = match &self.target {
            SinkTarget::Local(_) => "local",
            #[cfg(feature = "postgres")]
            SinkTarget::Postgres { .. } => "postgres",
        };
        f.debug_struct("SocketIoSink")
            .field("adapter", &adapter)
            .finish_non_exhaustive()
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
    /// sink that shares its handle. Events reach this process's clients only.
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
            layer: Layer::Local(layer),
            io: SocketIoHandle::Local(io.clone()),
            default_guild,
        };
        (
            events,
            SocketIoSink {
                target: SinkTarget::Local(io),
            },
        )
    }

    /// Like [`new`](Self::new), but the events reach the clients of every process that
    /// uses the same PostgreSQL database and channel prefix (the replicas behind a load
    /// balancer): each broadcast is a `NOTIFY`, and every replica `LISTEN`s.
    ///
    /// It creates the adapter's attachment table (for payloads over 8 kB; ours are far
    /// smaller) in the pool's current schema when missing, opens one listening connection
    /// from `pool`, and says hello to the other replicas; an error there (the database is
    /// unreachable, no right to create the table) is returned. Afterwards, a broadcast
    /// that fails (the database is down) is logged at `warn` and the clients of this
    /// process still get the event. The sink queues up to [`POSTGRES_QUEUE`] events;
    /// past that, while the database lags, events reach this process's clients only.
    ///
    /// NOTIFY channels are per database, not per schema: deployments that share a
    /// database must use distinct [`with_prefix`] values (the reference server puts the
    /// schema name in it), or their clients see each other's events.
    ///
    /// Spawns a task, so it must be called inside a Tokio runtime.
    ///
    /// ```no_run
    /// use leveling_http::SocketIoEvents;
    /// use leveling_http::socketioxide_postgres::PostgresAdapterConfig;
    /// use leveling_http::socketioxide_postgres::drivers::sqlx::sqlx_client::PgPool;
    ///
    /// # async fn run() -> Result<(), leveling_core::BoxError> {
    /// let pool = PgPool::connect("postgres://postgres@127.0.0.1:5432/test").await?;
    /// let config = PostgresAdapterConfig::new().with_prefix("leveling:public");
    /// let (events, sink) = SocketIoEvents::with_postgres(pool, config).await?;
    /// # let _ = (events, sink);
    /// # Ok(()) }
    /// ```
    ///
    /// [`with_prefix`]: socketioxide_postgres::PostgresAdapterConfig::with_prefix
    #[cfg(feature = "postgres")]
    pub async fn with_postgres(
        pool: socketioxide_postgres::drivers::sqlx::sqlx_client::PgPool,
        config: socketioxide_postgres::PostgresAdapterConfig,
    ) -> Result<(Self, SocketIoSink), BoxError> {
        let adapter = socketioxide_postgres::PostgresAdapterCtr::new_with_sqlx_config(pool, config);
        let (layer, io) = SocketIo::builder()
            .with_adapter::<PostgresAdapter>(adapter)
            .build_layer();
        let default_guild = Arc::new(AtomicU64::new(0));
        let guild = default_guild.clone();
        io.ns("/", move |socket: SocketRef<PostgresAdapter>| {
            let guild = guild.clone();
            async move { on_connect(socket, guild) }
        })
        .await?;
        let (queue, outgoing) = tokio::sync::mpsc::channel(POSTGRES_QUEUE);
        tokio::spawn(broadcast_in_order(io.clone(), outgoing));
        let events = Self {
            layer: Layer::Postgres(layer),
            io: SocketIoHandle::Postgres(io.clone()),
            default_guild,
        };
        let sink = SocketIoSink {
            target: SinkTarget::Postgres { queue, io },
        };
        Ok((events, sink))
    }

    /// The underlying `socketioxide` handle (to add namespaces, emit other events, or
    /// close it on shutdown).
    pub fn io(&self) -> &SocketIoHandle {
        &self.io
    }

    pub(crate) fn set_default_guild(&self, guild: GuildId) {
        self.default_guild.store(guild.get(), Ordering::Relaxed);
    }
}

/// Broadcasts the sink's events one at a time, so a client sees them in the order the
/// engine published them (a `level_up` before the `tool_unlocked` it caused).
#[cfg(feature = "postgres")]
async fn broadcast_in_order(
    io: SocketIo<PostgresAdapter>,
    mut outgoing: tokio::sync::mpsc::Receiver<Outgoing>,
) {
    while let Some(event) = outgoing.recv().await {
        let room = guild_room(event.guild);
        match io.to(room.clone()).emit(event.name, &event.payload).await {
            Ok(()) => {}
            // The NOTIFY failed (the database is down or slow), so the local adapter under
            // it had no turn: this process's own clients still get the event.
            Err(socketioxide::BroadcastError::Adapter(error)) => {
                tracing::warn!(%error, "could not broadcast {} through PostgreSQL; this process's clients only", event.name);
                emit_locally(&io, room, event.name, &event.payload);
            }
            // Some local sockets could not take the packet (gone, or their buffer full).
            Err(error) => tracing::debug!(%error, "could not push {}", event.name),
        }
    }
}

/// Emits to this process's sockets in `room`: never waits, never fails the caller.
fn emit_locally<A: Adapter>(io: &SocketIo<A>, room: String, name: &str, payload: &Value) {
    for socket in io.to(room).sockets() {
        if let Err(error) = socket.emit(name, payload) {
            tracing::debug!(sid = %socket.id, %error, "could not push {name}");
        }
    }
}

fn on_connect<A: Adapter>(socket: SocketRef<A>, default_guild: Arc<AtomicU64>) {
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
        async |socket: SocketRef<A>, TryData(data): TryData<Value>| {
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
        move |socket: SocketRef<A>, ack: AckSender<A>, TryData(data): TryData<Value>| {
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
        move |socket: SocketRef<A>, TryData(data): TryData<Value>| {
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
        match &self.target {
            // Local sockets only: `emit` on a socket queues the packet without blocking.
            SinkTarget::Local(io) => emit_locally(io, guild_room(guild), name, &payload),
            #[cfg(feature = "postgres")]
            SinkTarget::Postgres { queue, io } => {
                if let Err(error) = queue.try_send(Outgoing {
                    guild,
                    name,
                    payload,
                }) {
                    let event = match error {
                        tokio::sync::mpsc::error::TrySendError::Full(event)
                        | tokio::sync::mpsc::error::TrySendError::Closed(event) => event,
                    };
                    tracing::warn!(
                        "the Socket.IO queue to PostgreSQL is full; {} reaches this process's clients only",
                        event.name
                    );
                    emit_locally(io, guild_room(guild), event.name, &event.payload);
                }
            }
        }
        Ok(())
    }
}
