//! The reference server's settings, from the environment (and `.env`).

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use leveling_core::GuildId;
use leveling_http::ApiKey;

/// A bad setting: one line naming the variable.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// Where the server keeps its data (`DATABASE_URL`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Database {
    /// A SQLite file: `./leveling.db` when `DATABASE_URL` is unset, or `sqlite://PATH`.
    Sqlite(PathBuf),
    /// PostgreSQL (`postgres://…` or `postgresql://…`); the URL may hold a password.
    Postgres(String),
    /// The throwaway in-memory store (`DATABASE_URL=memory`): everything is lost on exit.
    Memory,
}

/// The file the server uses when `DATABASE_URL` is unset.
pub const DEFAULT_SQLITE_FILE: &str = "leveling.db";

impl Database {
    /// Reads `DATABASE_URL` (already trimmed of "unset or empty").
    fn parse(raw: Option<String>) -> Result<Self, ConfigError> {
        let Some(raw) = raw else {
            return Ok(Database::Sqlite(PathBuf::from(DEFAULT_SQLITE_FILE)));
        };
        let value = raw.trim();
        if value.eq_ignore_ascii_case("memory") {
            return Ok(Database::Memory);
        }
        if value.starts_with("postgres://") || value.starts_with("postgresql://") {
            return Ok(Database::Postgres(value.to_owned()));
        }
        if let Some(path) = value
            .strip_prefix("sqlite://")
            .or_else(|| value.strip_prefix("sqlite:"))
        {
            if path.is_empty() || path.contains('?') {
                return Err(ConfigError(format!(
                    "invalid DATABASE_URL: expected sqlite://PATH (a file path, no options), got {value:?}"
                )));
            }
            return Ok(Database::Sqlite(PathBuf::from(path)));
        }
        // Not echoed: it may be a mistyped URL holding a password.
        Err(ConfigError(
            "invalid DATABASE_URL: expected sqlite://PATH, postgres://… (or postgresql://…), or memory"
                .into(),
        ))
    }

    /// For logs: never the PostgreSQL URL.
    fn kind(&self) -> &'static str {
        match self {
            Database::Sqlite(_) => "sqlite",
            Database::Postgres(_) => "postgres",
            Database::Memory => "memory",
        }
    }
}

/// How Socket.IO events reach clients (`SOCKETIO_ADAPTER`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SocketIoAdapter {
    /// This process's clients only.
    Local,
    /// Every replica's clients, through PostgreSQL LISTEN/NOTIFY on the store's database.
    Postgres,
}

impl SocketIoAdapter {
    /// Reads `SOCKETIO_ADAPTER`: `postgres` on a PostgreSQL store unless told `local`.
    fn parse(raw: Option<String>, database: &Database) -> Result<Self, ConfigError> {
        let on_postgres = matches!(database, Database::Postgres(_));
        match raw.as_deref().map(str::trim) {
            None if on_postgres => Ok(Self::Postgres),
            None | Some("local") => Ok(Self::Local),
            Some("postgres") if on_postgres => Ok(Self::Postgres),
            Some("postgres") => Err(ConfigError(format!(
                "invalid SOCKETIO_ADAPTER: postgres needs a PostgreSQL DATABASE_URL (the store is {}); use local",
                database.kind()
            ))),
            Some(other) => Err(ConfigError(format!(
                "invalid SOCKETIO_ADAPTER: expected postgres or local, got {other:?}"
            ))),
        }
    }
}

/// Every setting of the server. `Debug` never shows the key or the database URL.
pub struct Config {
    /// `HOST` (default `0.0.0.0`).
    pub host: IpAddr,
    /// `PORT` (default 8000).
    pub port: u16,
    /// `DATABASE_URL`: unset → the SQLite file `./leveling.db`; `sqlite://PATH` → that
    /// file; `postgres://…` → PostgreSQL; `memory` → the in-memory store.
    pub database: Database,
    /// `API_SECRET_KEY`: required by every mutating route; mutations refused without it.
    pub api_key: Option<ApiKey>,
    /// `DEFAULT_GUILD_ID` (default 0): the guild of un-scoped routes.
    pub default_guild: GuildId,
    /// `TOOLS_FILE` (default `examples/server/tools.json`): the catalog to seed.
    pub tools_file: Option<PathBuf>,
    /// `GUILD_DEFAULTS_FILE` (none): the settings of every guild without its own, as a
    /// patch of the built-in defaults, JSON or (`.toml`) TOML.
    pub guild_defaults_file: Option<PathBuf>,
    /// `MAX_BODY_BYTES` (default 65536).
    pub max_body_bytes: usize,
    /// `REQUEST_TIMEOUT_SECS` (default 10).
    pub request_timeout: Duration,
    /// `SQLITE_DURABILITY` (default `normal`): `normal` survives a crash of the process,
    /// `full` also a power loss (an fsync per commit).
    pub sqlite_durability: leveling_storage_sqlite::Durability,
    /// `IDEMPOTENCY_WINDOW_SECS` (default 86400, 24 h): how long an award's
    /// `Idempotency-Key` replays its first result, on every store.
    pub idempotency_window: Duration,
    /// `AUTH_FAILURES_PER_MINUTE` (default 10; 0 turns the brake off): failed API-key
    /// checks a client may make per minute before its mutating requests get 429.
    pub auth_failures_per_minute: u32,
    /// `CORS_ALLOWED_ORIGINS`: exact origins (comma-separated) whose pages may call the
    /// API; none by default.
    pub cors_allowed_origins: Vec<leveling_http::axum::http::HeaderValue>,
    /// `LEADERBOARD_PAGE` (default `true`): serve the web leaderboard at `/leaderboard`.
    pub leaderboard_page: bool,
    /// `SOCKETIO_ADAPTER` (default `postgres` on a PostgreSQL store, else `local`): whether
    /// Socket.IO events reach the clients of every replica on the same database.
    pub socketio_adapter: SocketIoAdapter,
    /// `DISCORD_TOKEN` and the other `DISCORD_*` settings: the bot runs when the token is set.
    pub discord: Option<leveling_discord::DiscordConfig>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("database", &self.database.kind())
            .field("api_key", &self.api_key.as_ref().map(|_| "<set>"))
            .field("default_guild", &self.default_guild)
            .field("tools_file", &self.tools_file)
            .field("guild_defaults_file", &self.guild_defaults_file)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("request_timeout", &self.request_timeout)
            .field("sqlite_durability", &self.sqlite_durability)
            .field("idempotency_window", &self.idempotency_window)
            .field("auth_failures_per_minute", &self.auth_failures_per_minute)
            .field("leaderboard_page", &self.leaderboard_page)
            .field("socketio_adapter", &self.socketio_adapter)
            .field("discord", &self.discord.as_ref().map(|_| "<set>"))
            .finish()
    }
}

/// A variable's value; unset and empty are the same.
fn var(name: &str) -> Result<Option<String>, ConfigError> {
    match std::env::var(name) {
        Ok(value) if value.trim().is_empty() => Ok(None),
        Ok(value) => Ok(Some(value)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(ConfigError(format!("invalid {name}: not valid UTF-8")))
        }
    }
}

fn parsed<T: FromStr>(name: &str, expected: &str, default: T) -> Result<T, ConfigError> {
    match var(name)? {
        None => Ok(default),
        Some(raw) => raw
            .trim()
            .parse()
            .map_err(|_| ConfigError(format!("invalid {name}: expected {expected}, got {raw:?}"))),
    }
}

impl Config {
    /// Reads the settings; the first bad one is the error.
    pub fn from_env() -> Result<Self, ConfigError> {
        let host = parsed(
            "HOST",
            "an IP address such as 0.0.0.0 or 127.0.0.1",
            IpAddr::from([0, 0, 0, 0]),
        )?;
        let port = parsed("PORT", "a port number", 8000u16)?;
        let database = Database::parse(var("DATABASE_URL")?)?;
        let api_key = var("API_SECRET_KEY")?.and_then(ApiKey::new);
        let default_guild = GuildId(parsed(
            "DEFAULT_GUILD_ID",
            "a guild id (a decimal integer)",
            0u64,
        )?);
        let tools_file = var("TOOLS_FILE")?.map(PathBuf::from);
        let guild_defaults_file = var("GUILD_DEFAULTS_FILE")?.map(PathBuf::from);
        let max_body_bytes = parsed(
            "MAX_BODY_BYTES",
            "a size in bytes",
            leveling_http::DEFAULT_BODY_LIMIT,
        )?;
        if max_body_bytes < 1024 {
            return Err(ConfigError(format!(
                "invalid MAX_BODY_BYTES: expected at least 1024, got {max_body_bytes}"
            )));
        }
        let timeout_secs = parsed("REQUEST_TIMEOUT_SECS", "a number of seconds", 10u64)?;
        if timeout_secs == 0 {
            return Err(ConfigError(
                "invalid REQUEST_TIMEOUT_SECS: expected at least 1, got 0".into(),
            ));
        }
        let sqlite_durability = match var("SQLITE_DURABILITY")?.as_deref().map(str::trim) {
            None | Some("normal") => leveling_storage_sqlite::Durability::Normal,
            Some("full") => leveling_storage_sqlite::Durability::Full,
            Some(other) => {
                return Err(ConfigError(format!(
                    "invalid SQLITE_DURABILITY: expected normal or full, got {other:?}"
                )));
            }
        };
        let window_secs = parsed(
            "IDEMPOTENCY_WINDOW_SECS",
            "a number of seconds",
            leveling_core::storage::DEFAULT_IDEMPOTENCY_WINDOW.as_secs(),
        )?;
        if window_secs == 0 {
            return Err(ConfigError(
                "invalid IDEMPOTENCY_WINDOW_SECS: expected at least 1, got 0".into(),
            ));
        }
        let auth_failures_per_minute = parsed(
            "AUTH_FAILURES_PER_MINUTE",
            "a number of failed key checks (0: no limit)",
            10u32,
        )?;
        let cors_allowed_origins = var("CORS_ALLOWED_ORIGINS")?
            .map(|raw| {
                raw.split(',')
                    .map(str::trim)
                    .filter(|origin| !origin.is_empty())
                    .map(|origin| {
                        leveling_http::cors_origin(origin)
                            .map_err(|e| ConfigError(format!("invalid CORS_ALLOWED_ORIGINS: {e}")))
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();
        let leaderboard_page = match var("LEADERBOARD_PAGE")?.as_deref().map(str::trim) {
            None | Some("true") => true,
            Some("false") => false,
            Some(other) => {
                return Err(ConfigError(format!(
                    "invalid LEADERBOARD_PAGE: expected true or false, got {other:?}"
                )));
            }
        };
        let socketio_adapter = SocketIoAdapter::parse(var("SOCKETIO_ADAPTER")?, &database)?;
        let discord =
            leveling_discord::DiscordConfig::from_env().map_err(|e| ConfigError(e.to_string()))?;
        Ok(Self {
            host,
            port,
            database,
            api_key,
            default_guild,
            tools_file,
            guild_defaults_file,
            max_body_bytes,
            request_timeout: Duration::from_secs(timeout_secs),
            idempotency_window: Duration::from_secs(window_secs),
            sqlite_durability,
            auth_failures_per_minute,
            cors_allowed_origins,
            leaderboard_page,
            socketio_adapter,
            discord,
        })
    }
}

/// `METRICS`: who may read `GET /metrics` — `protected` (the default: only with the API
/// key, like a mutation), `on` (anyone) or `off` (no route, nothing counted per request).
/// `None` for off.
///
/// Protected by default because the server listens on every interface by default and
/// the API fails closed: traffic and error volumes are not for anyone who finds the
/// port, and a Prometheus scrape sends the key as easily as any client
/// (`authorization: { credentials: … }`). `on` is for a port only the scraper reaches.
pub fn metrics() -> Result<Option<leveling_http::MetricsAccess>, ConfigError> {
    use leveling_http::MetricsAccess;
    match var("METRICS")?.as_deref().map(str::trim) {
        None | Some("protected") => Ok(Some(MetricsAccess::Protected)),
        Some("on") => Ok(Some(MetricsAccess::Open)),
        Some("off") => Ok(None),
        Some(other) => Err(ConfigError(format!(
            "invalid METRICS: expected on, off or protected, got {other:?}"
        ))),
    }
}
