//! # leveling-http
//!
//! The leveling REST API as an embeddable [axum](https://docs.rs/axum) [`Router`]: the
//! seed's routes under `/api` (users, leveling, tools) in the JSON shapes of *API
//! contract v1*, per-guild settings (`/api/guilds/{guild_id}/settings` and its audit log,
//! issue 12), a user's own data (`GET /api/users/{discord_id}/export` to download it,
//! `DELETE /api/users/{discord_id}` to erase it), Bearer-key auth on every mutating
//! route and on the export, `/openapi.json` (OpenAPI 3.1,
//! generated from the code), a Swagger UI at `/docs` served from the crate itself (works
//! offline), `/healthz`, `/readyz`, on request `/metrics` (Prometheus, [`Api::metrics`]), and Socket.IO (`/socket.io`) pushing `level_up`,
//! `level_down` and `tool_unlocked` to per-guild rooms. On request
//! ([`Api::leaderboard_page`]), a web leaderboard at `/leaderboard`: server-rendered HTML
//! with its assets compiled in, kept current over that Socket.IO.
//!
//! ## Wiring
//!
//! The Socket.IO server is also an [`EventSink`](leveling_core::EventSink) of the engine,
//! so a level-up from *any* source (this API, a Discord bot, your own call to
//! [`Leveling::award`]) reaches connected clients. [`SocketIoEvents::new`] returns both
//! halves, sharing one handle (`SocketIoEvents::with_postgres`, feature `postgres`, does
//! the same for replicas on one PostgreSQL database: events reach every replica's clients):
//!
//! ```
//! use leveling_core::{GuildId, Leveling};
//! use leveling_http::{Api, ApiKey, SocketIoEvents};
//! use leveling_storage_memory::MemoryStore;
//!
//! let (events, sink) = SocketIoEvents::new();
//! let leveling = Leveling::builder(MemoryStore::new()).sink(sink).build();
//! let app: axum::Router = Api::new(leveling)
//!     .api_key(ApiKey::new("change-me"))
//!     .default_guild(GuildId(1234))
//!     .socket_io(events)
//!     .router();
//!
//! // Mount it into your own app (it has no state left to provide), then serve it:
//! let app = axum::Router::new().route("/hello", axum::routing::get(|| async { "hi" })).merge(app);
//! async fn serve(app: axum::Router) -> std::io::Result<()> {
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
//!     // Connect info lets the brake on failed key checks count per client address.
//!     let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
//!     axum::serve(listener, app)
//!         .with_graceful_shutdown(leveling_http::shutdown_signal())
//!         .await
//! }
//! # let _ = serve;
//! ```
//!
//! ## Errors
//!
//! Every failure answers `{"error": {"code": "...", "message": "..."}}` ([`ApiError`]):
//!
//! | status | code | when |
//! |---|---|---|
//! | 400 | `bad_request` | malformed JSON |
//! | 401 | `unauthorized` | mutating route (or the export) without the right `Authorization: Bearer <key>` |
//! | 403 | `forbidden` | mutating route (or the export) on a server with no key configured (fails closed) |
//! | 404 | `not_found` | unknown user (neither profile nor XP in the guild; for the export and `DELETE`, in any guild), tool or route |
//! | 405 | `method_not_allowed` | wrong method on a route |
//! | 408 | `timeout` | the request outlived the configured timeout |
//! | 409 | `conflict` | a tool id already taken; a guild's settings that kept changing during a `PATCH` |
//! | 413 | `payload_too_large` | a body over the limit (64 KiB by default) |
//! | 415 | `unsupported_media_type` | a body without `Content-Type: application/json` |
//! | 422 | `invalid_input` | wrong types, missing or unknown fields, a bad id, an amount out of range, an unknown source, a bad query parameter |
//! | 503 | `unavailable` | the store cannot be reached |
//! | 500 | `internal` | a bug (details only in the server's log) |
#![warn(missing_docs)]

mod auth;
mod card;
mod cors;
mod document;
mod drain;
mod dto;
mod error;
mod extract;
mod limit;
mod metrics;
mod page;
mod routes;
mod settings;
mod socket;

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use leveling_core::{GuildId, Leveling};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

pub use auth::ApiKey;
pub use card::DEFAULT_AVATAR_HOSTS;
pub use cors::{InvalidOrigin, cors_origin};
pub use dto::*;
pub use error::{ApiError, ErrorBody, ErrorDetail};
pub use extract::{Json, Path, Query};
pub use limit::AuthFailureLimit;
pub use metrics::{MetricsAccess, metrics_upkeep, prometheus};
/// The handle [`Api::metrics`] renders (from [`prometheus`], or your own recorder's).
pub use metrics_exporter_prometheus::PrometheusHandle;
pub use settings::{
    AuditQuery, GuildPath, SettingsAudit, SettingsChangeJson, SettingsView,
    components as settings_schemas, template_pattern,
};
#[cfg(feature = "postgres")]
pub use socket::{POSTGRES_QUEUE, PostgresAdapter};
pub use socket::{SocketIoEvents, SocketIoHandle, SocketIoSink, guild_room};

pub use page::PAGE_SIZE as LEADERBOARD_PAGE_SIZE;

pub use axum;
/// The rank card renderer and avatar cache of [`Api::card_renderer`] and [`Api::avatar_cache`].
pub use leveling_card::{AvatarCache, FetchConfig, Renderer};
pub use socketioxide;
/// The PostgreSQL adapter crate behind [`SocketIoEvents::with_postgres`] (and its sqlx).
#[cfg(feature = "postgres")]
pub use socketioxide_postgres;

/// The default request-body limit: 64 KiB.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;
/// The default request timeout: 10 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long `/readyz` waits for the store by default: 500 ms.
pub const DEFAULT_READINESS_TIMEOUT: Duration = Duration::from_millis(500);

/// Builds the API's [`Router`] over an engine. See the [crate docs](crate).
#[derive(Debug)]
pub struct Api {
    leveling: Leveling,
    api_key: Option<ApiKey>,
    default_guild: GuildId,
    body_limit: usize,
    timeout: Duration,
    socket_io: Option<SocketIoEvents>,
    auth_failure_limit: Option<AuthFailureLimit>,
    cors_origins: Vec<HeaderValue>,
    readiness_timeout: Duration,
    leaderboard_page: bool,
    cards: card::Cards,
    metrics: Option<(PrometheusHandle, MetricsAccess)>,
}

#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) leveling: Leveling,
    pub(crate) default_guild: GuildId,
    pub(crate) api_key: Option<ApiKey>,
    pub(crate) auth_failures: Option<limit::AuthFailures>,
    pub(crate) secured: auth::Secured,
    pub(crate) readiness_timeout: Duration,
    pub(crate) cards: card::Cards,
    pub(crate) metrics: Option<PrometheusHandle>,
}

impl Api {
    /// An API over `leveling`: no key (mutations refused), default guild 0, a 64 KiB body
    /// limit, a 10 s timeout, 10 failed key checks per client per minute, no Socket.IO.
    pub fn new(leveling: Leveling) -> Self {
        Self {
            leveling,
            api_key: None,
            default_guild: GuildId(0),
            body_limit: DEFAULT_BODY_LIMIT,
            timeout: DEFAULT_TIMEOUT,
            socket_io: None,
            auth_failure_limit: Some(AuthFailureLimit::default()),
            cors_origins: Vec::new(),
            readiness_timeout: DEFAULT_READINESS_TIMEOUT,
            leaderboard_page: false,
            cards: card::Cards::default(),
            metrics: None,
        }
    }

    /// The key every mutating route (and a user's data export) requires as
    /// `Authorization: Bearer <key>`. Without one, those routes answer 403 (the API fails
    /// closed).
    pub fn api_key(mut self, key: Option<ApiKey>) -> Self {
        self.api_key = key;
        self
    }

    /// How many failed API-key checks a client may make per window before its mutating
    /// requests get 429 (with `Retry-After`) until the window ends; `None` turns the brake
    /// off. Default: [`AuthFailureLimit::default`], 10 per minute.
    ///
    /// A client is its IP address, which the router sees only when served with connect
    /// info (`app.into_make_service_with_connect_info::<SocketAddr>()`, as the reference
    /// server does); otherwise, and behind a reverse proxy, all clients share one count,
    /// so one client's bad keys can lock out the others for a window.
    pub fn auth_failure_limit(mut self, limit: Option<AuthFailureLimit>) -> Self {
        self.auth_failure_limit = limit;
        self
    }

    /// The guild of member-scoped routes called without `guild_id`.
    pub fn default_guild(mut self, guild: GuildId) -> Self {
        self.default_guild = guild;
        self
    }

    /// The largest request body accepted, in bytes (413 beyond).
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// How long a request may take (408 beyond).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Lets browser pages from these exact origins (`https://app.example.com`: scheme,
    /// host and port, no path) call the API: CORS preflights are answered and answers
    /// carry `Access-Control-Allow-Origin` for them. None by default (no CORS headers at
    /// all). Credentials (cookies) are never allowed: the API authenticates with the
    /// `Authorization` header, which a page sends without them. See [`cors_origin`] to
    /// parse and check an origin.
    pub fn cors_allowed_origins(mut self, origins: Vec<HeaderValue>) -> Self {
        self.cors_origins = origins;
        self
    }

    /// How long `/readyz` waits for the store before answering 503 (default 500 ms), so
    /// a readiness probe with a 1 s timeout sees "not ready", not a timeout.
    pub fn readiness_timeout(mut self, timeout: Duration) -> Self {
        self.readiness_timeout = timeout;
        self
    }

    /// Serves the web leaderboard (off by default): `GET /leaderboard` (the default
    /// guild) and `GET /leaderboard/{guild_id}`, `?page=N` with
    /// [`LEADERBOARD_PAGE_SIZE`] rows, as server-rendered HTML, and its stylesheet and
    /// scripts under `GET /leaderboard/assets/` from the binary (no external request).
    /// With [`socket_io`](Self::socket_io) too, the open page updates itself when a
    /// member of its guild changes level. It is HTML outside `/api`, so not in the
    /// OpenAPI document, and needs no key.
    pub fn leaderboard_page(mut self, on: bool) -> Self {
        self.leaderboard_page = on;
        self
    }

    /// Where `GET /api/users/{discord_id}/card.png` gets avatars: by default an
    /// [`AvatarCache`] fetching only from [`DEFAULT_AVATAR_HOSTS`] (Discord's CDN), 3 s
    /// timeout, 1 MiB cap. Give your own to allow other hosts
    /// ([`FetchConfig::allowed_hosts`]).
    pub fn avatar_cache(mut self, avatars: AvatarCache) -> Self {
        self.cards.avatars = avatars;
        self
    }

    /// The renderer of rank cards: by default one render per core at a time, on tokio's
    /// blocking pool. Share one with the Discord bot to bound both together.
    pub fn card_renderer(mut self, renderer: Renderer) -> Self {
        self.cards.renderer = renderer;
        self
    }

    /// Serves Socket.IO at `/socket.io` (register the matching [`SocketIoSink`] on the
    /// engine to get `level_up` / `level_down` / `tool_unlocked` pushed).
    pub fn socket_io(mut self, events: SocketIoEvents) -> Self {
        self.socket_io = Some(events);
        self
    }

    /// Serves `GET /metrics`: `handle`'s metrics in the Prometheus text format, to
    /// anyone ([`MetricsAccess::Open`]) or only with the API key
    /// ([`MetricsAccess::Protected`]), and counts every request of the router in
    /// `leveling_http_requests_total` (by method, route template and status class). Off
    /// by default: no route, no counting. The route is in the OpenAPI document (with the
    /// bearer requirement when protected).
    ///
    /// The handle is usually [`prometheus`]'s (the process's recorder, installed once);
    /// spawn [`metrics_upkeep`] beside the server so an unscraped recorder stays small.
    /// What is recorded is listed in the README's "Metrics" section.
    pub fn metrics(mut self, handle: PrometheusHandle, access: MetricsAccess) -> Self {
        self.metrics = Some((handle, access));
        self
    }

    /// The OpenAPI 3.1 document of the API (what `/openapi.json` serves), with the
    /// engine's configured limits: the grant and voice maximums, the tier names and
    /// levels a tool may require.
    pub fn openapi(&self) -> utoipa::openapi::OpenApi {
        let access = self.metrics.as_ref().map(|(_, access)| *access);
        document::configured(split(api_routes(access)).1, &self.leveling)
    }

    /// The router: REST routes, `/openapi.json`, `/docs`, `/healthz`, `/readyz` and (when
    /// configured) Socket.IO, with request tracing, the body limit and the timeout.
    pub fn router(self) -> Router {
        if self.api_key.is_none() {
            tracing::warn!(
                "no API key configured (API_SECRET_KEY): every mutating route will answer 403"
            );
        }
        let access = self.metrics.as_ref().map(|(_, access)| *access);
        let (api, openapi) = split(api_routes(access));
        let openapi = document::configured(openapi, &self.leveling);
        let page = self.leaderboard_page.then(|| {
            page::router(
                self.leveling.clone(),
                self.default_guild,
                self.socket_io.is_some(),
            )
        });
        let state = AppState {
            leveling: self.leveling,
            default_guild: self.default_guild,
            api_key: self.api_key,
            auth_failures: self.auth_failure_limit.map(limit::AuthFailures::new),
            secured: auth::Secured::from_openapi(&openapi),
            readiness_timeout: self.readiness_timeout,
            cards: self.cards,
            metrics: self.metrics.map(|(handle, _)| handle),
        };
        let counting = state.metrics.is_some();
        let api = api
            .route_layer(axum::middleware::from_fn_with_state(
                state.clone(),
                auth::require_key,
            ))
            .layer(DefaultBodyLimit::max(self.body_limit))
            .with_state(state);
        let api = match page {
            Some(page) => api.merge(page),
            None => api,
        };
        let router = api
            .merge(SwaggerUi::new("/docs").url("/openapi.json", openapi))
            .fallback(|| async { ApiError::from_status(StatusCode::NOT_FOUND) })
            .layer(axum::middleware::from_fn_with_state(
                self.body_limit,
                drain::drain_unread,
            ))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                self.timeout,
            ))
            // Outside the timeout, so its 408 gets the JSON body too.
            .layer(axum::middleware::map_response(json_errors))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(DefaultMakeSpan::new().level(tracing::Level::INFO))
                    .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
            );
        // Outermost of the route layers, so it counts the answer the client gets (a
        // timeout's 408, a JSON error); a route layer, so the matched template is known.
        let router = if counting {
            router.layer(axum::middleware::from_fn(metrics::count_requests))
        } else {
            router
        };
        let router = match self.socket_io {
            Some(events) => {
                events.set_default_guild(self.default_guild);
                events.layer.apply(router)
            }
            None => router,
        };
        match cors::layer(&self.cors_origins) {
            Some(cors) => router.layer(cors),
            None => router,
        }
    }
}

/// The router and its finished document (the route-level additions applied).
fn split(routes: OpenApiRouter<AppState>) -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut openapi) = routes.split_for_parts();
    EveryStatus.modify(&mut openapi);
    (router, openapi)
}

fn api_routes(metrics: Option<MetricsAccess>) -> OpenApiRouter<AppState> {
    let routes = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(routes::create_user, routes::list_users))
        .routes(routes!(
            routes::get_user,
            routes::patch_user,
            routes::delete_user
        ))
        .routes(routes!(routes::export_user))
        .routes(routes!(card::rank_card))
        .routes(routes!(routes::award_xp))
        .routes(routes!(routes::leaderboard))
        .routes(routes!(routes::xp_history))
        .routes(routes!(routes::create_tool, routes::list_tools))
        .routes(routes!(routes::user_tools))
        .routes(routes!(routes::unlock_tool))
        .routes(routes!(
            settings::get_settings,
            settings::patch_settings,
            settings::reset_settings
        ))
        .routes(routes!(settings::settings_audit))
        .routes(routes!(routes::healthz))
        .routes(routes!(routes::readyz));
    match metrics {
        None => routes,
        Some(MetricsAccess::Open) => routes.routes(routes!(metrics::metrics)),
        Some(MetricsAccess::Protected) => routes.routes(routes!(metrics::metrics_protected)),
    }
}

/// Turns the bodiless errors of the framework (405, 408, …) into the JSON error body.
async fn json_errors(response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error())
        || response.headers().contains_key(header::CONTENT_TYPE)
    {
        return response;
    }
    let allow = response.headers().get(header::ALLOW).cloned();
    let mut json = ApiError::from_status(status).into_response();
    if let Some(allow) = allow {
        json.headers_mut().insert(header::ALLOW, allow);
    }
    json
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "leveling",
        description = "XP, levels, reward tiers and unlockable tools. Ids are strings; times are RFC 3339. \
Mutating routes and a user's data export need `Authorization: Bearer <API_SECRET_KEY>`. Every error is \
`{\"error\": {\"code\", \"message\"}}`.\n\nSocket.IO at `/socket.io` (protocol v5): \
`connection_established` on connect, `ping` → `pong`, `subscribe` `{\"guild_id\"?}` joins a guild's room, \
which receives `level_up` `{guild_id, discord_id, old_level, new_level, tier, tier_changed, xp, source}`, \
`level_down` `{guild_id, discord_id, old_level, new_level, tier, tier_changed, xp}` (an admin change lowered the level) and \
`tool_unlocked` `{guild_id, discord_id, tool, reason}`."
    ),
    modifiers(&BearerAuth),
    components(schemas(ErrorBody, ErrorDetail, TierName)),
    tags(
        (name = "users", description = "Global user profiles"),
        (name = "leveling", description = "XP awards, leaderboard and history (per guild)"),
        (name = "tools", description = "The tool catalog and members' access"),
        (name = "settings", description = "Per-guild settings (XP rules, multipliers, no-XP, rewards, announcements, leaving) and their audit log"),
        (name = "health", description = "Probes and metrics"),
    )
)]
struct ApiDoc;

struct BearerAuth;

/// Documents the answers every operation of a kind can give, so a client generated from
/// the document expects each status the server may send: 408 (the timeout) everywhere;
/// 400, 413, 415 and 422 wherever there is a JSON body; 401, 403 and 429 wherever the key
/// is needed; 503 wherever the store is asked.
struct EveryStatus;

impl Modify for EveryStatus {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let asks_store = path != "/healthz" && path != "/metrics";
            for operation in [
                &mut item.get,
                &mut item.post,
                &mut item.patch,
                &mut item.put,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                // With `axum_extras`, utoipa adds a bare parameter for each `Path`
                // argument beside the described one: keep the described one, required.
                if let Some(parameters) = operation.parameters.as_mut() {
                    use utoipa::openapi::path::ParameterIn;
                    let mut seen = std::collections::HashSet::new();
                    parameters
                        .retain(|p| seen.insert((p.name.clone(), p.parameter_in.clone() as u8)));
                    for p in parameters.iter_mut() {
                        if matches!(p.parameter_in, ParameterIn::Path) {
                            p.required = utoipa::openapi::Required::True;
                        }
                    }
                }
                let mut add = |status: &str, description: &str| {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| error(description).into());
                };
                add("408", "The request took longer than the server's timeout");
                if asks_store {
                    add("503", "Store unavailable (see Retry-After)");
                }
                let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
                if secured {
                    add("401", "Missing or wrong API key");
                    add("403", "No API key configured: mutations are disabled");
                    add(
                        "429",
                        "Too many failed API-key checks from this client: see Retry-After",
                    );
                }
                if operation.request_body.is_some() {
                    add("400", "Malformed JSON");
                    add("413", "Body too large");
                    add(
                        "415",
                        "No body, or a body without `Content-Type: application/json`",
                    );
                    add("422", "Valid JSON that is not what the schema says");
                }
            }
        }
    }
}

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("API_SECRET_KEY"))
                    .build(),
            ),
        );
    }
}

/// Resolves on Ctrl-C or (on Unix) SIGTERM: pass it to
/// `axum::serve(..).with_graceful_shutdown(..)`.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
