//! The handlers of the REST API, with their OpenAPI descriptions.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use leveling_core::{
    Award, GuildId, MemberId, NewTool, NewUser, PageRequest, Source, ToolId, UserPatch,
};

use crate::dto::*;
use crate::extract::{Json, Path, Query, guild_id, user_id};
use crate::{ApiError, AppState, ErrorBody};

type ApiResult<T> = Result<T, ApiError>;

fn page(query: &PageQuery) -> ApiResult<PageRequest> {
    page_of(query.limit, query.offset)
}

/// `?limit&offset` as a page: `limit` 1.. (default 25, capped by the store), 422 for 0.
pub(crate) fn page_of(limit: Option<u32>, offset: Option<u64>) -> ApiResult<PageRequest> {
    let limit = limit.unwrap_or(25);
    if limit == 0 {
        return Err(ApiError::invalid("limit must be at least 1"));
    }
    Ok(PageRequest::new(limit, offset.unwrap_or(0)))
}

impl AppState {
    pub(crate) fn guild(&self, raw: Option<&str>) -> ApiResult<GuildId> {
        guild_id(raw, self.default_guild)
    }

    /// 404 unless the user has a profile or XP in the guild.
    async fn known(&self, member: MemberId) -> ApiResult<()> {
        if self.leveling.user_exists(member).await? {
            Ok(())
        } else {
            Err(ApiError::not_found(format!(
                "user {} not found",
                member.user
            )))
        }
    }
}

// ---- users ----

/// Create a user's profile, or update it when it exists.
#[utoipa::path(
    post, path = "/api/users", tag = "users",
    request_body = CreateUser,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = UserJson),
        (status = 200, description = "Updated", body = UserJson),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or wrong API key", body = ErrorBody),
        (status = 429, description = "Too many failed API-key checks from this client: see Retry-After", body = ErrorBody),
        (status = 403, description = "No API key configured: mutations are disabled", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 422, description = "Invalid field", body = ErrorBody),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    )
)]
pub(crate) async fn create_user(
    State(state): State<AppState>,
    Json(body): Json<CreateUser>,
) -> ApiResult<impl IntoResponse> {
    let (user, created) = state
        .leveling
        .upsert_user(NewUser {
            id: body.discord_id,
            username: body.username,
            display_name: body.display_name,
            avatar_url: body.avatar_url,
        })
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(UserJson::from(user))))
}

/// List user profiles, ordered by id.
#[utoipa::path(
    get, path = "/api/users", tag = "users",
    params(UsersQuery),
    responses(
        (status = 200, description = "A page of profiles", body = UsersPage),
        (status = 422, description = "Bad query parameter", body = ErrorBody),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    )
)]
pub(crate) async fn list_users(
    State(state): State<AppState>,
    Query(query): Query<PageQuery>,
) -> ApiResult<axum::Json<UsersPage>> {
    let users = state.leveling.users(page(&query)?).await?;
    Ok(axum::Json(UsersPage {
        total: users.total,
        users: users.items.into_iter().map(UserJson::from).collect(),
    }))
}

/// A user's profile and their progress in a guild.
#[utoipa::path(
    get, path = "/api/users/{discord_id}", tag = "users",
    params(UserPath, GuildQuery),
    responses(
        (status = 200, description = "The user and their progress", body = UserDetail),
        (status = 404, description = "Neither a profile nor XP in the guild", body = ErrorBody),
        (status = 422, description = "Bad id", body = ErrorBody),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    )
)]
pub(crate) async fn get_user(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(query): Query<GuildQuery>,
) -> ApiResult<axum::Json<UserDetail>> {
    let user = user_id(&raw)?;
    let member = MemberId::new(state.guild(query.guild_id.as_deref())?, user);
    let profile = state.leveling.user(user).await?;
    let progress = state.leveling.progress(member).await?;
    if profile.is_none() && progress.is_none() {
        return Err(ApiError::not_found(format!("user {user} not found")));
    }
    let progression = state.leveling.progression();
    let (p, rank, streak_days) = match progress {
        Some(p) => (p.progress, p.rank, p.member.streak.days),
        None => (progression.progress(0), None, 0),
    };
    Ok(axum::Json(UserDetail {
        discord_id: user,
        guild_id: member.guild,
        username: profile
            .as_ref()
            .map_or_else(|| user.to_string(), |u| u.username.clone()),
        display_name: profile.as_ref().and_then(|u| u.display_name.clone()),
        avatar_url: profile.as_ref().and_then(|u| u.avatar_url.clone()),
        has_profile: profile.is_some(),
        leaderboard_hidden: profile.as_ref().is_some_and(|u| u.leaderboard_hidden),
        xp: p.xp,
        level: p.level,
        tier: progression.tier(p.level).name.clone(),
        rank,
        progress: ProgressJson {
            xp_into_level: p.xp_into_level(),
            xp_for_next_level: p.xp_for_next_level(),
            percent: p.percent(),
        },
        streak_days,
        created_at: profile.as_ref().map(|u| u.created_at),
        updated_at: profile.as_ref().map(|u| u.updated_at),
    }))
}

/// Change the given fields of a profile (`null` clears an optional field).
#[utoipa::path(
    patch, path = "/api/users/{discord_id}", tag = "users",
    params(UserPath),
    request_body = PatchUser,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated profile", body = UserJson),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or wrong API key", body = ErrorBody),
        (status = 429, description = "Too many failed API-key checks from this client: see Retry-After", body = ErrorBody),
        (status = 403, description = "No API key configured: mutations are disabled", body = ErrorBody),
        (status = 404, description = "No profile", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 422, description = "Invalid field or id", body = ErrorBody),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    )
)]
pub(crate) async fn patch_user(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Json(body): Json<PatchUser>,
) -> ApiResult<axum::Json<UserJson>> {
    let user = user_id(&raw)?;
    let patch = UserPatch {
        username: body.username,
        display_name: body.display_name,
        avatar_url: body.avatar_url,
        leaderboard_hidden: body.leaderboard_hidden,
    };
    let profile = state.leveling.update_user(user, patch).await?;
    Ok(axum::Json(profile.into()))
}

/// Everything stored about a user, as a JSON file to download: their profile and, in
/// every guild, their progress, whole XP history (oldest first) and unlocked tools.
///
/// It needs the key although reading one guild's progress does not: it is all of a
/// person's data at once. Unknown users get 404, as `GET /api/users/{discord_id}` does:
/// a user with neither a profile nor progress in any guild has nothing stored.
#[utoipa::path(
    get, path = "/api/users/{discord_id}/export", tag = "users",
    params(UserPath),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Everything stored about the user (a download)", body = UserExport,
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"user-{discord_id}.json\"`"))),
        (status = 401, description = "Missing or wrong API key", body = ErrorBody),
        (status = 429, description = "Too many failed API-key checks from this client: see Retry-After", body = ErrorBody),
        (status = 403, description = "No API key configured: the route is disabled", body = ErrorBody),
        (status = 404, description = "Nothing stored about the user: no profile, no progress in any guild", body = ErrorBody),
        (status = 422, description = "Bad id", body = ErrorBody),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    )
)]
pub(crate) async fn export_user(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let user = user_id(&raw)?;
    let data = state.leveling.user_data(user).await?;
    if data.profile.is_none() && data.members.is_empty() {
        return Err(ApiError::not_found(format!("user {user} not found")));
    }
    let export = UserExport::new(data, state.leveling.progression());
    // The id is digits only (parsed), so it needs no quoting in the header.
    let disposition = format!("attachment; filename=\"user-{user}.json\"");
    Ok((
        [(axum::http::header::CONTENT_DISPOSITION, disposition)],
        axum::Json(export),
    ))
}

/// Delete everything stored about a user: their profile and, in every guild, their
/// progress, history, unlocks, cooldowns and idempotency keys, at once. The members
/// below them move up a rank.
///
/// Answers what was deleted; 404 when nothing was stored, so a repeated `DELETE` is
/// harmless and tells it. XP awarded later starts the user afresh.
#[utoipa::path(
    delete, path = "/api/users/{discord_id}", tag = "users",
    params(UserPath),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What was deleted", body = UserDeleted),
        (status = 401, description = "Missing or wrong API key", body = ErrorBody),
        (status = 429, description = "Too many failed API-key checks from this client: see Retry-After", body = ErrorBody),
        (status = 403, description = "No API key configured: mutations are disabled", body = ErrorBody),
        (status = 404, description = "Nothing stored about the user (or already deleted)", body = ErrorBody),
        (status = 422, description = "Bad id", body = ErrorBody),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    )
)]
pub(crate) async fn delete_user(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<UserDeleted>> {
    let user = user_id(&raw)?;
    let forgotten = state.leveling.forget_user(user).await?;
    if forgotten.is_empty() {
        return Err(ApiError::not_found(format!("user {user} not found")));
    }
    Ok(axum::Json(UserDeleted::new(user, forgotten)))
}

// ---- leveling ----

/// Award XP: a direct grant (`amount`) or an activity (`source`) under its rule.
///
/// The guild is the body's `guild_id` (the default guild when absent). A `guild_id`
/// query parameter is also taken, for old clients; when both are given they must be
/// equal (422 otherwise).
#[utoipa::path(
    post, path = "/api/leveling/xp", tag = "leveling",
    request_body = AwardXp,
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the award idempotent: a repeat returns the first result and adds nothing. 1-255 visible ASCII characters (inner spaces allowed)", min_length = 1, max_length = 255, pattern = "^[!-~]([ -~]*[!-~])?$"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What the award did (granted or refused by a cooldown)", body = AwardJson),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or wrong API key", body = ErrorBody),
        (status = 429, description = "Too many failed API-key checks from this client: see Retry-After", body = ErrorBody),
        (status = 403, description = "No API key configured: mutations are disabled", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 422, description = "Bad amount, source, id or field", body = ErrorBody),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    )
)]
pub(crate) async fn award_xp(
    State(state): State<AppState>,
    Query(query): Query<GuildQuery>,
    headers: HeaderMap,
    Json(body): Json<AwardXp>,
) -> ApiResult<axum::Json<AwardJson>> {
    let query_guild = query
        .guild_id
        .as_deref()
        .map(|g| state.guild(Some(g)))
        .transpose()?;
    let guild = match (body.guild_id(), query_guild) {
        (Some(a), Some(b)) if a != b => {
            return Err(ApiError::invalid(
                "guild_id in the body and the query differ",
            ));
        }
        (Some(g), _) | (None, Some(g)) => g,
        (None, None) => state.default_guild,
    };
    let member = MemberId::new(guild, body.discord_id());
    let context = body.context().map_err(ApiError::invalid)?;
    let award = award_of(member, &body)?.with_context(context);
    let award = match headers.get("idempotency-key") {
        None => award,
        Some(key) => {
            let key = key
                .to_str()
                .map_err(|_| ApiError::invalid("Idempotency-Key must be printable ASCII"))?;
            award.idempotency_key(key)
        }
    };
    let result = state.leveling.award(award).await?;
    Ok(axum::Json(result.into()))
}

/// The award the body names. The rules (the voice default and maximum, the grant's
/// maximum, the reason's length) are the core's: this only maps the body's form.
fn award_of(member: MemberId, body: &AwardXp) -> ApiResult<Award> {
    Ok(match body {
        AwardXp::Grant(grant) => {
            let award = Award::grant(member, grant.amount);
            match &grant.reason {
                Some(reason) => award.reason(reason.clone()),
                None => award,
            }
        }
        AwardXp::Activity(activity) => {
            let source = match activity.source {
                ActivitySource::Message => Source::Message,
                ActivitySource::Command => Source::Command,
            };
            Award::for_source(member, source, None)?
        }
        AwardXp::Voice(voice) => Award::for_source(member, Source::Voice, voice.minutes)?,
        AwardXp::Daily(_) => Award::for_source(member, Source::Daily, None)?,
    })
}

/// A guild's leaderboard by total XP.
#[utoipa::path(
    get, path = "/api/leveling/leaderboard", tag = "leveling",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of the leaderboard", body = Leaderboard),
        (status = 422, description = "Bad query parameter", body = ErrorBody),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    )
)]
pub(crate) async fn leaderboard(
    State(state): State<AppState>,
    Query(query): Query<PageQuery>,
) -> ApiResult<axum::Json<Leaderboard>> {
    let guild = state.guild(query.guild_id.as_deref())?;
    let board = state.leveling.leaderboard(guild, page(&query)?).await?;
    Ok(axum::Json(Leaderboard {
        guild_id: guild,
        total: board.total,
        entries: board.items.into_iter().map(LeaderboardRow::from).collect(),
    }))
}

/// A member's XP history, newest first.
#[utoipa::path(
    get, path = "/api/leveling/xp-history/{discord_id}", tag = "leveling",
    params(UserPath, PageQuery),
    responses(
        (status = 200, description = "A page of the history", body = History),
        (status = 404, description = "Unknown user", body = ErrorBody),
        (status = 422, description = "Bad id or query parameter", body = ErrorBody),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    )
)]
pub(crate) async fn xp_history(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(query): Query<PageQuery>,
) -> ApiResult<axum::Json<History>> {
    let member = MemberId::new(state.guild(query.guild_id.as_deref())?, user_id(&raw)?);
    let page = page(&query)?;
    state.known(member).await?;
    let history = state.leveling.history(member, page).await?;
    Ok(axum::Json(History {
        total: history.total,
        entries: history.items.into_iter().map(HistoryRow::from).collect(),
    }))
}

// ---- tools ----

/// Add a tool to the catalog.
#[utoipa::path(
    post, path = "/api/tools", tag = "tools",
    request_body = CreateTool,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = ToolJson),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or wrong API key", body = ErrorBody),
        (status = 429, description = "Too many failed API-key checks from this client: see Retry-After", body = ErrorBody),
        (status = 403, description = "No API key configured: mutations are disabled", body = ErrorBody),
        (status = 409, description = "The id is taken", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 422, description = "Invalid field (bad slug, unknown tier…)", body = ErrorBody),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    )
)]
pub(crate) async fn create_tool(
    State(state): State<AppState>,
    Json(body): Json<CreateTool>,
) -> ApiResult<impl IntoResponse> {
    let tool = state
        .leveling
        .create_tool(NewTool {
            id: ToolId::new(body.id)?,
            name: body.name,
            description: body.description,
            tier: body.tier,
            required_level: body.required_level,
            url: body.url,
        })
        .await?;
    Ok((StatusCode::CREATED, axum::Json(ToolJson::from(tool))))
}

/// The tool catalog, by required level.
#[utoipa::path(
    get, path = "/api/tools", tag = "tools",
    responses(
        (status = 200, description = "The catalog", body = ToolList),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    )
)]
pub(crate) async fn list_tools(State(state): State<AppState>) -> ApiResult<axum::Json<ToolList>> {
    let tools = state.leveling.tools().await?;
    Ok(axum::Json(ToolList {
        tools: tools.into_iter().map(ToolJson::from).collect(),
    }))
}

/// Every tool with a member's access to it.
#[utoipa::path(
    get, path = "/api/tools/user/{discord_id}", tag = "tools",
    params(UserPath, GuildQuery),
    responses(
        (status = 200, description = "Each tool and its status", body = UserTools),
        (status = 404, description = "Unknown user", body = ErrorBody),
        (status = 422, description = "Bad id", body = ErrorBody),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    )
)]
pub(crate) async fn user_tools(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(query): Query<GuildQuery>,
) -> ApiResult<axum::Json<UserTools>> {
    let member = MemberId::new(state.guild(query.guild_id.as_deref())?, user_id(&raw)?);
    state.known(member).await?;
    let tools = state.leveling.tool_access(member).await?;
    Ok(axum::Json(UserTools {
        discord_id: member.user,
        guild_id: member.guild,
        tools: tools.into_iter().map(ToolAccessJson::from).collect(),
    }))
}

/// Grant a tool to a member (idempotent).
#[utoipa::path(
    post, path = "/api/tools/unlock/{discord_id}/{tool_id}", tag = "tools",
    params(UserToolPath, GuildQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The tool's access entry", body = ToolAccessJson),
        (status = 401, description = "Missing or wrong API key", body = ErrorBody),
        (status = 429, description = "Too many failed API-key checks from this client: see Retry-After", body = ErrorBody),
        (status = 403, description = "No API key configured: mutations are disabled", body = ErrorBody),
        (status = 404, description = "Unknown user or tool", body = ErrorBody),
        (status = 422, description = "Bad id", body = ErrorBody),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    )
)]
pub(crate) async fn unlock_tool(
    State(state): State<AppState>,
    Path((raw_user, raw_tool)): Path<(String, String)>,
    Query(query): Query<GuildQuery>,
) -> ApiResult<axum::Json<ToolAccessJson>> {
    let member = MemberId::new(state.guild(query.guild_id.as_deref())?, user_id(&raw_user)?);
    // A malformed slug names no tool.
    let tool = ToolId::new(raw_tool.as_str())
        .map_err(|_| ApiError::not_found(format!("tool {raw_tool:?} not found")))?;
    state.known(member).await?;
    let access = state.leveling.grant_tool(member, &tool).await?;
    Ok(axum::Json(access.into()))
}

// ---- health ----

/// Liveness: the process is up.
#[utoipa::path(
    get, path = "/healthz", tag = "health",
    responses((status = 200, description = "Up", body = Health))
)]
pub(crate) async fn healthz() -> axum::Json<Health> {
    axum::Json(Health {
        status: "ok".into(),
    })
}

/// Readiness: the store is reachable.
#[utoipa::path(
    get, path = "/readyz", tag = "health",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "The store is unreachable", body = ErrorBody),
    )
)]
pub(crate) async fn readyz(State(state): State<AppState>) -> ApiResult<axum::Json<Health>> {
    // Bounded, so a probe with a short timeout sees "not ready" rather than a timeout
    // while the store hangs (a database that is down, a pool waiting for a connection).
    match tokio::time::timeout(state.readiness_timeout, state.leveling.health()).await {
        Ok(result) => result?,
        Err(_) => {
            return Err(ApiError::unavailable(format!(
                "storage unavailable: no answer within {} ms",
                state.readiness_timeout.as_millis()
            )));
        }
    }
    Ok(axum::Json(Health {
        status: "ready".into(),
    }))
}
