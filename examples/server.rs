//! The reference server: the REST API, Socket.IO and `/docs` on one port.
//!
//! ```sh
//! cargo run --release --example server        # http://localhost:8000/docs
//! ```
//!
//! Data lives in the SQLite file `./leveling.db` by default (created when missing; it
//! says where at start); `DATABASE_URL=sqlite://PATH` picks another file,
//! `DATABASE_URL=postgres://…` switches to PostgreSQL (migrations applied at start), and
//! `DATABASE_URL=memory` keeps everything in memory (lost when the server stops). With `DISCORD_TOKEN` set, the Discord bot runs beside
//! the API on the same engine, so a level-up from Discord reaches Socket.IO clients and
//! one from the API is announced on Discord. Settings come from the environment and `.env`; see
//! `.env.example`. A bad setting stops start-up with one line naming the variable.

#[path = "server/config.rs"]
mod config;
#[path = "server/transfer.rs"]
mod transfer;

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;

use config::{Config, Database, SocketIoAdapter};
use leveling_core::{ErrorKind, GuildSettingsPatch, Leveling, LevelingBuilder, LogSink, NewTool};
use leveling_http::{
    Api, AuthFailureLimit, MetricsAccess, PrometheusHandle, SocketIoEvents, SocketIoSink,
};
use leveling_storage_memory::MemoryStore;
use leveling_storage_postgres::PostgresStore;
use leveling_storage_sqlite::{SqliteOptions, SqliteStore};
use tokio::sync::watch;
use tracing_subscriber::EnvFilter;

/// The default catalog, also compiled in so the binary runs from any directory.
const DEFAULT_TOOLS: &str = include_str!("server/tools.json");
const DEFAULT_TOOLS_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/server/tools.json");

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match transfer::Command::parse(&args) {
        Ok(transfer::Command::Help) => {
            println!("{}", transfer::USAGE);
            return ExitCode::SUCCESS;
        }
        Ok(command) => command,
        Err(error) => {
            eprintln!("error: {error}\n\n{}", transfer::USAGE);
            return ExitCode::from(2);
        }
    };
    if let Err(error) = dotenvy::dotenv()
        && !error.not_found()
    {
        eprintln!("error: invalid .env file: {error}");
        return ExitCode::from(2);
    }
    let filter = match std::env::var("RUST_LOG") {
        Ok(raw) if !raw.trim().is_empty() => match EnvFilter::try_new(&raw) {
            Ok(filter) => filter,
            Err(error) => {
                eprintln!("error: invalid RUST_LOG: {error}");
                return ExitCode::from(2);
            }
        },
        _ => EnvFilter::new("info"),
    };
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let metrics = match config::metrics() {
        Ok(metrics) => metrics,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let outcome = match command {
        transfer::Command::Serve => {
            tracing_subscriber::fmt().with_env_filter(filter).init();
            run(config, metrics).await
        }
        // Logs to stderr: an export's stdout is the backup.
        command => {
            tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_writer(std::io::stderr)
                .init();
            run_transfer(config, command).await
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config, metrics: Option<MetricsAccess>) -> Result<(), String> {
    // First, so what the store, the engine and the bot record from the start is kept.
    let metrics = metrics.and_then(|access| start_metrics(access, &config));
    let (events, sink) = socket_io(&config).await?;
    let (builder, postgres) = store(&config).await?;
    let builder = builder.sink(sink).sink(LogSink);
    let builder = guild_defaults(builder, &config)?;
    // The Discord bot registers its announcer as a sink too (after the two above), so
    // level-ups from the API reach Discord as well.
    let (leveling, bot) = match config.discord.clone() {
        Some(discord) => {
            let bot = leveling_discord::Bot::new(builder, discord);
            (bot.leveling().clone(), Some(bot))
        }
        None => (builder.build(), None),
    };
    seed_tools(&leveling, &config).await?;
    // Settings changed through another process on the same store (a replica, the bot
    // in its own process) are in force here within DEFAULT_SETTINGS_POLL; on PostgreSQL
    // at once, through LISTEN/NOTIFY.
    match postgres {
        // At once through LISTEN/NOTIFY, with the poll as the fallback.
        Some(store) => {
            tokio::spawn(
                store.follow_settings(leveling.clone(), leveling_core::DEFAULT_SETTINGS_POLL),
            );
        }
        None => {
            tokio::spawn(follow_settings(leveling.clone()));
        }
    }

    // `true` once anything asks the whole server to stop: a signal, or the bot failing.
    let (stop, stopped) = watch::channel(false);
    let bot = match bot {
        Some(bot) => {
            tracing::info!("Discord bot: starting");
            let (stop, mut stopped) = (stop.clone(), stopped.clone());
            Some(tokio::spawn(async move {
                let result = bot
                    .run(async move {
                        let _ = stopped.wait_for(|stop| *stop).await;
                    })
                    .await;
                // A bot that cannot run takes the server down with it, loudly, rather
                // than leaving an API that silently tracks no Discord XP.
                let _ = stop.send(true);
                result
            }))
        }
        None => {
            tracing::info!("Discord bot: off (set DISCORD_TOKEN to run it beside the API)");
            None
        }
    };

    // Closed on shutdown, so long-polling clients do not hold the graceful stop open.
    let io = events.io().clone();
    // Without API_SECRET_KEY, `router()` warns that mutating routes answer 403.
    let app = Api::new(leveling)
        .api_key(config.api_key.clone())
        .default_guild(config.default_guild)
        .body_limit(config.max_body_bytes)
        .timeout(config.request_timeout)
        .auth_failure_limit(
            (config.auth_failures_per_minute > 0).then(|| AuthFailureLimit {
                max_failures: config.auth_failures_per_minute,
                window: std::time::Duration::from_secs(60),
            }),
        )
        .cors_allowed_origins(config.cors_allowed_origins.clone())
        .leaderboard_page(config.leaderboard_page)
        .socket_io(events);
    let app = match metrics {
        Some((handle, access)) => app.metrics(handle, access),
        None => app,
    }
    .router();

    let addr = SocketAddr::new(config.host, config.port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr} (check HOST and PORT): {e}"))?;
    let shown = listener.local_addr().unwrap_or(addr);
    tracing::info!("leveling server listening on http://{shown} (API docs at http://{shown}/docs)");
    if config.leaderboard_page {
        tracing::info!(
            "web leaderboard at http://{shown}/leaderboard (LEADERBOARD_PAGE=false turns it off)"
        );
    }
    let mut stopped = stopped;
    // With connect info, the brake on failed API-key checks counts per client address.
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    leveling_http::axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            tokio::select! {
                () = leveling_http::shutdown_signal() => {}
                _ = stopped.wait_for(|stop| *stop) => {}
            }
            let _ = stop.send(true);
            io.close().await;
        })
        .await
        .map_err(|e| format!("server error: {e}"))?;
    if let Some(bot) = bot {
        match bot.await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => return Err(format!("Discord bot stopped: {error}")),
            Err(error) => return Err(format!("Discord bot crashed: {error}")),
        }
    }
    tracing::info!("stopped");
    Ok(())
}

/// `server import …` and `server export …`, on the server's store.
async fn run_transfer(config: Config, command: transfer::Command) -> Result<(), String> {
    let imported = transfer::ImportedLevels::default();
    let builder = store(&config).await?.0.sink(imported.clone());
    let leveling = guild_defaults(builder, &config)?.build();
    match command {
        transfer::Command::Import {
            format,
            file,
            guild,
            mode,
            keep,
        } => {
            transfer::import(&leveling, &config, format, file, guild, mode, keep).await?;
            let batches = imported.take();
            let changed: usize = batches.iter().map(|e| e.members.len()).sum();
            match &config.discord {
                _ if changed == 0 => {}
                // The announcer over REST alone: no gateway, nothing announced.
                Some(discord) => {
                    let http = std::sync::Arc::new(leveling_discord::http_client(discord));
                    let announcer = leveling_discord::Announcer::new(http, leveling.clone());
                    let mut done = leveling_discord::ImportedRoles::default();
                    for batch in &batches {
                        let roles = announcer.handle_members_imported(batch).await;
                        done.reconciled += roles.reconciled;
                        done.not_in_server += roles.not_in_server;
                    }
                    println!(
                        "reward roles: {} members reconciled on Discord, {} no longer in the server",
                        done.reconciled, done.not_in_server
                    );
                }
                None => eprintln!(
                    "note: {changed} members changed level; DISCORD_TOKEN is not set, so their reward roles were not changed on Discord (set it when importing, or import with /import in Discord)"
                ),
            }
            Ok(())
        }
        transfer::Command::Export { guild } => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            let members = transfer::export(&leveling, guild, &mut out).await?;
            eprintln!("exported {members} members");
            Ok(())
        }
        transfer::Command::Serve | transfer::Command::Help => Ok(()),
    }
}

/// The engine's builder on the configured store, and the PostgreSQL store again when it
/// is one (its settings notifications are followed).
async fn store(config: &Config) -> Result<(LevelingBuilder, Option<PostgresStore>), String> {
    match &config.database {
        Database::Sqlite(path) => {
            let options = SqliteOptions::new()
                .durability(config.sqlite_durability)
                .idempotency_window(config.idempotency_window);
            let store = SqliteStore::open_with(path, options)
                .await
                .map_err(|e| format!("the SQLite database is not usable: {e}"))?;
            let shown = std::path::absolute(path).unwrap_or_else(|_| path.clone());
            tracing::info!(
                "store: SQLite, data in {} (kept across restarts; set DATABASE_URL to change)",
                shown.display()
            );
            Ok((Leveling::builder(store), None))
        }
        Database::Memory => {
            tracing::warn!(
                "store: in memory (DATABASE_URL=memory), so all XP is lost when the server stops"
            );
            let store = MemoryStore::new().idempotency_window(config.idempotency_window);
            Ok((Leveling::builder(store), None))
        }
        Database::Postgres(url) => {
            let (store, background) = PostgresStore::builder()
                .idempotency_window(config.idempotency_window)
                .connect(url)
                .await
                .map_err(|e| format!("DATABASE_URL is set but the database is not usable: {e}"))?;
            // The store's award workers and rank folding; it ends when the store is dropped.
            tokio::spawn(background);
            tracing::info!("store: PostgreSQL (migrations applied)");
            Ok((Leveling::builder(store.clone()), Some(store)))
        }
    }
}

/// Socket.IO with the adapter `SOCKETIO_ADAPTER` picked: on PostgreSQL, events reach the
/// clients of every replica on the database (LISTEN/NOTIFY on a small pool of its own, so
/// broadcasts never wait behind awards for a connection).
async fn socket_io(config: &Config) -> Result<(SocketIoEvents, SocketIoSink), String> {
    let (SocketIoAdapter::Postgres, Database::Postgres(url)) =
        (config.socketio_adapter, &config.database)
    else {
        if let Database::Postgres(_) = config.database {
            tracing::info!("Socket.IO: this process's clients only (SOCKETIO_ADAPTER=local)");
        }
        return Ok(SocketIoEvents::new());
    };
    let unusable = |e: &dyn std::fmt::Display| {
        format!("DATABASE_URL is set but the database is not usable for Socket.IO: {e}")
    };
    // One connection listens; the others send NOTIFYs. A short acquire timeout: during an
    // outage a broadcast fails fast (this process's clients still get it).
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(4)
        .acquire_timeout(std::time::Duration::from_millis(500))
        .connect(url)
        .await
        .map_err(|e| unusable(&e))?;
    // NOTIFY channels are per database: the schema in the prefix keeps deployments that
    // share a database (one schema each) from seeing each other's events.
    let schema: Option<String> = sqlx::query_scalar("SELECT current_schema()")
        .fetch_one(&pool)
        .await
        .map_err(|e| unusable(&e))?;
    let prefix = format!("leveling:{}", schema.as_deref().unwrap_or("public"));
    let adapter =
        leveling_http::socketioxide_postgres::PostgresAdapterConfig::new().with_prefix(prefix);
    let events = SocketIoEvents::with_postgres(pool, adapter)
        .await
        .map_err(|e| unusable(&e))?;
    tracing::info!(
        "Socket.IO: across replicas through PostgreSQL LISTEN/NOTIFY (SOCKETIO_ADAPTER=local turns it off)"
    );
    Ok(events)
}

/// Adds the catalog's tools that are not in the store yet (existing ids are kept as they are).
async fn seed_tools(leveling: &Leveling, config: &Config) -> Result<(), String> {
    let (source, text) = match &config.tools_file {
        Some(path) => (
            path.display().to_string(),
            std::fs::read_to_string(path)
                .map_err(|e| format!("invalid TOOLS_FILE {}: {e}", path.display()))?,
        ),
        None => match std::fs::read_to_string(DEFAULT_TOOLS_PATH) {
            Ok(text) if Path::new(DEFAULT_TOOLS_PATH).exists() => {
                (DEFAULT_TOOLS_PATH.to_owned(), text)
            }
            _ => ("the built-in catalog".to_owned(), DEFAULT_TOOLS.to_owned()),
        },
    };
    let tools: Vec<NewTool> =
        serde_json::from_str(&text).map_err(|e| format!("invalid TOOLS_FILE {source}: {e}"))?;
    let mut added = 0;
    for tool in tools {
        let id = tool.id.clone();
        match leveling.create_tool(tool).await {
            Ok(_) => added += 1,
            Err(error) if error.kind() == ErrorKind::Conflict => {}
            Err(error) => return Err(format!("invalid TOOLS_FILE {source}: tool {id}: {error}")),
        }
    }
    tracing::info!("tool catalog: {added} added from {source}");
    Ok(())
}

/// Applies `GUILD_DEFAULTS_FILE` (a patch of the built-in defaults: JSON, or TOML for a
/// `.toml` file) to the defaults of every guild without settings of its own.
fn guild_defaults(builder: LevelingBuilder, config: &Config) -> Result<LevelingBuilder, String> {
    let Some(path) = &config.guild_defaults_file else {
        return Ok(builder);
    };
    let invalid =
        |e: &dyn std::fmt::Display| format!("invalid GUILD_DEFAULTS_FILE {}: {e}", path.display());
    let text = std::fs::read_to_string(path).map_err(|e| invalid(&e))?;
    let is_toml = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("toml"));
    let patch: GuildSettingsPatch = if is_toml {
        toml::from_str(&text).map_err(|e| invalid(&e.message()))?
    } else {
        serde_json::from_str(&text).map_err(|e| invalid(&e))?
    };
    let defaults = builder
        .current_default_settings()
        .apply(&patch)
        .map_err(|e| invalid(&e))?;
    tracing::info!("guild defaults: from {}", path.display());
    builder.default_settings(defaults).map_err(|e| invalid(&e))
}

/// Polls the store for settings changes made by other processes, forever.
async fn follow_settings(leveling: Leveling) {
    loop {
        tokio::time::sleep(leveling_core::DEFAULT_SETTINGS_POLL).await;
        if let Err(error) = leveling.poll_settings().await {
            tracing::warn!(%error, "polling the store for settings changes failed");
        }
    }
}

/// `METRICS`: installs the process's Prometheus recorder and spawns its upkeep (so an
/// unscraped server's histograms stay small); `None` when another recorder is installed.
fn start_metrics(
    access: MetricsAccess,
    config: &Config,
) -> Option<(PrometheusHandle, MetricsAccess)> {
    let handle = leveling_http::prometheus()?;
    let upkeep = std::time::Duration::from_secs(5);
    tokio::spawn(leveling_http::metrics_upkeep(handle.clone(), upkeep));
    match access {
        MetricsAccess::Open => tracing::info!("metrics: GET /metrics, open to anyone (METRICS=on)"),
        MetricsAccess::Protected if config.api_key.is_none() => tracing::warn!(
            "metrics: GET /metrics needs the API key, and none is configured (API_SECRET_KEY), \
             so it answers 403; METRICS=on serves it openly"
        ),
        MetricsAccess::Protected => tracing::info!(
            "metrics: GET /metrics with `Authorization: Bearer $API_SECRET_KEY` (METRICS=protected; on or off to change)"
        ),
    }
    Some((handle, access))
}
