//! Per-guild settings over HTTP: `GET` / `PATCH` / `DELETE /api/guilds/{guild_id}/settings`
//! and `GET /api/guilds/{guild_id}/settings/audit`, their JSON and their schemas.
//!
//! The settings types live in `leveling-core`, which does not depend on utoipa, so the
//! document's schemas are written here ([`components`]) as the JSON Schema of what the
//! core's serde code reads and writes: `additionalProperties: false` wherever it denies
//! unknown fields, the core's limits as bounds, ids as elsewhere in the API. The tests
//! in `tests/openapi.rs` hold the mirror to the core type.

use axum::extract::State;
use chrono::{DateTime, Utc};
use leveling_core::settings::{
    MAX_COOLDOWN_SECS, MAX_GRACE_SECS, MAX_LIST_LEN, MAX_MULTIPLIER, MAX_REWARD_LEVEL,
    MAX_REWARD_ROLES, MAX_RULE_XP, MAX_STREAK_DAYS, MAX_TEMPLATE_CHARS,
};
use leveling_core::storage::SettingsChange;
use leveling_core::{GuildId, GuildSettings, GuildSettingsPatch, GuildSettingsView, Placeholder};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::IntoParams;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;

use crate::dto::{ID_PATTERN, id_param, limit_param, offset_param};
use crate::extract::{Json, Path, Query, guild_id};
use crate::{ApiError, AppState, ErrorBody};

type ApiResult<T> = Result<T, ApiError>;

// ---- the JSON ----

/// `GET /api/guilds/{guild_id}/settings` (and the answer of `PATCH` and `DELETE`): the
/// guild, its settings in force with their fields at the top level, whether they are
/// the guild's own, and when they last changed.
#[derive(Debug, Serialize)]
pub struct SettingsView {
    /// The guild.
    pub guild_id: GuildId,
    /// The settings in force (the server's defaults when the guild has none of its own),
    /// flattened: `rules`, `multipliers`, `no_xp`, `rewards`, `announce`, `on_leave`.
    #[serde(flatten)]
    pub settings: GuildSettings,
    /// Whether the guild has settings of its own (`false`: the server's defaults).
    pub own: bool,
    /// When they last changed (a reset included); `null` when they never did.
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<GuildSettingsView> for SettingsView {
    fn from(view: GuildSettingsView) -> Self {
        Self {
            guild_id: view.guild,
            settings: view.settings,
            own: view.own,
            updated_at: view.updated_at,
        }
    }
}

/// One entry of a guild's settings audit log.
#[derive(Debug, Serialize)]
pub struct SettingsChangeJson {
    /// Who made the change (`null`: an API call, which names no user).
    pub actor: Option<leveling_core::UserId>,
    /// When.
    pub changed_at: DateTime<Utc>,
    /// The settings in force before.
    pub before: GuildSettings,
    /// The settings in force after.
    pub after: GuildSettings,
}

impl From<SettingsChange> for SettingsChangeJson {
    fn from(change: SettingsChange) -> Self {
        Self {
            actor: change.actor,
            changed_at: change.changed_at,
            before: change.before,
            after: change.after,
        }
    }
}

/// `GET /api/guilds/{guild_id}/settings/audit`.
#[derive(Debug, Serialize)]
pub struct SettingsAudit {
    /// This page, newest first.
    pub entries: Vec<SettingsChangeJson>,
    /// How many changes the guild's log holds.
    pub total: u64,
}

/// `{guild_id}` in a path.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct GuildPath {
    /// The guild's id (a decimal string).
    #[param(schema_with = id_param, required = true)]
    pub guild_id: String,
}

/// `?limit&offset` of the audit log.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// At most this many entries: at least 1 (values above 100 are capped at 100),
    /// default 25.
    #[param(schema_with = limit_param)]
    pub limit: Option<u32>,
    /// Entries to skip, default 0.
    #[param(schema_with = offset_param)]
    pub offset: Option<u64>,
}

fn guild(raw: &str) -> ApiResult<GuildId> {
    guild_id(Some(raw), GuildId(0))
}

// ---- the handlers ----

/// A guild's settings in force: its own, or the server's defaults (`updated_at` null).
#[utoipa::path(
    get, path = "/api/guilds/{guild_id}/settings", tag = "settings",
    params(GuildPath),
    responses(
        (status = 200, description = "The settings in force", body = SettingsViewDoc),
        (status = 422, description = "Bad id", body = ErrorBody),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    )
)]
pub(crate) async fn get_settings(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<SettingsView>> {
    let view = state.leveling.guild_settings(guild(&raw)?).await?;
    Ok(axum::Json(view.into()))
}

/// Change a guild's settings: any subset of their shape. Objects merge field by field,
/// lists replace, and `null` removes one multiplier entry, ends the event
/// (`multipliers.event`) or unsets `announce.channel_id` (anywhere else it is refused).
/// The change is in force at once and recorded in the guild's audit log (actor `null`).
///
/// The schema states every rule it can; a body it accepts may still be refused (422,
/// naming the field) for the rules that depend on the merged result or on several
/// fields:
///
/// - `rewards.roles`: one role per level and each role once (`rewards.roles[2].level`);
/// - `announce.mode: "channel"` needs an `announce.channel_id` in the result;
/// - `multipliers.event` starts an event only with both `factor` and `ends_at` (when the
///   guild has none, an object missing one is refused; a running event merges);
/// - `multipliers.roles` / `channels` may hold at most 500 entries after the merge (a
///   patch may name more when it removes some);
/// - an id written in two ways (`"01"`, `"1"`, `1`) is one id.
#[utoipa::path(
    patch, path = "/api/guilds/{guild_id}/settings", tag = "settings",
    params(GuildPath),
    request_body = SettingsPatchDoc,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The settings now in force", body = SettingsViewDoc),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or wrong API key", body = ErrorBody),
        (status = 429, description = "Too many failed API-key checks from this client: see Retry-After", body = ErrorBody),
        (status = 403, description = "No API key configured: mutations are disabled", body = ErrorBody),
        (status = 409, description = "The settings kept changing meanwhile: try again", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 422, description = "A bad value, a bad id or an unknown field: the message names the field path (`multipliers.roles.123: …`)", body = ErrorBody),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    )
)]
pub(crate) async fn patch_settings(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Json(patch): Json<GuildSettingsPatch>,
) -> ApiResult<axum::Json<SettingsView>> {
    let guild = guild(&raw)?;
    let view = state
        .leveling
        .update_guild_settings(guild, &patch, None)
        .await?;
    Ok(axum::Json(view.into()))
}

/// Put a guild back on the server's defaults (recorded in the audit log). Not in the
/// issue's contract: this API's addition, the counterpart of Discord's `/config reset`.
#[utoipa::path(
    delete, path = "/api/guilds/{guild_id}/settings", tag = "settings",
    params(GuildPath),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The defaults, now in force", body = SettingsViewDoc),
        (status = 401, description = "Missing or wrong API key", body = ErrorBody),
        (status = 429, description = "Too many failed API-key checks from this client: see Retry-After", body = ErrorBody),
        (status = 403, description = "No API key configured: mutations are disabled", body = ErrorBody),
        (status = 409, description = "The settings kept changing meanwhile: try again", body = ErrorBody),
        (status = 422, description = "Bad id", body = ErrorBody),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    )
)]
pub(crate) async fn reset_settings(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<SettingsView>> {
    let view = state
        .leveling
        .reset_guild_settings(guild(&raw)?, None)
        .await?;
    Ok(axum::Json(view.into()))
}

/// A guild's settings changes, newest first, each with the settings before and after.
#[utoipa::path(
    get, path = "/api/guilds/{guild_id}/settings/audit", tag = "settings",
    params(GuildPath, AuditQuery),
    responses(
        (status = 200, description = "A page of the audit log", body = SettingsAuditDoc),
        (status = 422, description = "Bad id or query parameter", body = ErrorBody),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    )
)]
pub(crate) async fn settings_audit(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(query): Query<AuditQuery>,
) -> ApiResult<axum::Json<SettingsAudit>> {
    let guild = guild(&raw)?;
    let page = crate::routes::page_of(query.limit, query.offset)?;
    let log = state.leveling.settings_audit(guild, page).await?;
    Ok(axum::Json(SettingsAudit {
        total: log.total,
        entries: log
            .items
            .into_iter()
            .map(SettingsChangeJson::from)
            .collect(),
    }))
}

// ---- the schemas ----

/// Rust's `char::is_whitespace` (what `str::trim` strips), as a character-class body.
const WHITESPACE_CLASS: &str =
    r"\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

/// The pattern of an announcement template: exactly the strings `Template::parse`
/// accepts that are not blank — text without lone braces, `{{` and `}}` for literal
/// braces, and the known placeholders (`{user}`, `{level}`, …), with at least one
/// character that is not whitespace.
pub fn template_pattern() -> String {
    let names = Placeholder::ALL.map(|p| p.name()).join("|");
    let token = format!(r"[^{{}}{WHITESPACE_CLASS}]|\{{\{{|\}}\}}|\{{(?:{names})\}}");
    format!(r"^[{WHITESPACE_CLASS}]*(?:{token})(?:[^{{}}]|\{{\{{|\}}\}}|\{{(?:{names})\}})*$")
}

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn id_string() -> Value {
    json!({ "type": "string", "pattern": ID_PATTERN })
}

fn id_input() -> Value {
    json!({
        "oneOf": [
            id_string(),
            { "type": "integer", "minimum": 0, "maximum": u64::MAX },
        ],
        "description": "A snowflake: a decimal string (preferred) or an integer",
    })
}

fn uint(max: u64, description: &str) -> Value {
    json!({ "type": "integer", "minimum": 0, "maximum": max, "description": description })
}

fn closed(description: &str, properties: Value, required: &[&str]) -> Value {
    json!({
        "type": "object",
        "description": description,
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

fn open_patch(description: &str, properties: Value) -> Value {
    json!({
        "type": "object",
        "description": description,
        "properties": properties,
        "additionalProperties": false,
    })
}

fn factor() -> Value {
    json!({
        "type": "number",
        "minimum": 0,
        "maximum": MAX_MULTIPLIER,
        "description": format!("A multiplier from 0 to {MAX_MULTIPLIER}; 0 means no XP"),
    })
}

fn enumeration(description: &str, values: &[&str]) -> Value {
    json!({ "type": "string", "enum": values, "description": description })
}

/// Every schema of the settings routes, by component name, as JSON.
pub fn components() -> Vec<(&'static str, Value)> {
    let xp = || uint(MAX_RULE_XP, "XP per award, 0 to 100000");
    let cooldown = || {
        uint(
            MAX_COOLDOWN_SECS,
            "Seconds before the source pays again, at most a day",
        )
    };
    let max_days = || json!({ "type": "integer", "minimum": 0, "maximum": MAX_STREAK_DAYS, "description": "The most streak days counted, at most 365" });
    let grace = || {
        uint(
            MAX_GRACE_SECS,
            "Seconds after leaving before a reset, at most a year; a rejoin within it keeps everything",
        )
    };
    let every = json!({
        "oneOf": [
            { "type": "integer", "minimum": 1, "maximum": u32::MAX, "description": "Every Nth level (1: every level-up)" },
            { "type": "string", "enum": ["tier"], "description": "Tier changes only" },
        ],
        "description": "Which level-ups are announced: a number N (level-ups reaching or crossing a multiple of N) or \"tier\"",
    });
    let ends_at = json!({ "type": "string", "format": "date-time", "description": "When the event ends (RFC 3339)" });
    let event_factor = json!({
        "type": "number",
        "exclusiveMinimum": 0,
        "maximum": MAX_MULTIPLIER,
        "description": format!("The event's multiplier, above 0 and at most {MAX_MULTIPLIER} (end an event with null instead of 0)"),
    });
    let id_map = |value: Value, max: Option<usize>| {
        let mut map = json!({
            "type": "object",
            "propertyNames": id_string(),
            "additionalProperties": value,
        });
        if let Some(max) = max {
            map["maxProperties"] = json!(max);
        }
        map
    };
    let id_list = |item: Value| json!({ "type": "array", "items": item, "maxItems": MAX_LIST_LEN });
    let template = json!({
        "type": "string",
        "maxLength": MAX_TEMPLATE_CHARS,
        "pattern": template_pattern(),
        "description": format!(
            "The announcement, at most {MAX_TEMPLATE_CHARS} characters, not blank; placeholders {}; `{{{{` and `}}}}` for literal braces",
            Placeholder::ALL.map(|p| format!("`{p}`")).join(" ")
        ),
    });
    let settings_properties = json!({
        "rules": reference("XpRules"),
        "multipliers": reference("Multipliers"),
        "no_xp": reference("NoXp"),
        "rewards": reference("Rewards"),
        "announce": reference("Announce"),
        "on_leave": reference("OnLeave"),
        "leaderboard": reference("LeaderboardSettings"),
        "card": reference("CardTheme"),
    });
    let settings_fields = [
        "rules",
        "multipliers",
        "no_xp",
        "rewards",
        "announce",
        "on_leave",
        "leaderboard",
        "card",
    ];
    let colour = || json!({ "type": "string", "pattern": "^#[0-9A-Fa-f]{6}$", "description": "An sRGB colour, #rrggbb" });
    let card_fields = ["background", "panel", "text", "muted", "bar", "bar_track"];
    let card_properties = Value::Object(
        card_fields
            .iter()
            .map(|field| ((*field).to_owned(), colour()))
            .collect(),
    );
    let mut view_properties = json!({ "guild_id": id_string() });
    for (key, value) in settings_properties.as_object().into_iter().flatten() {
        view_properties[key] = value.clone();
    }
    view_properties["own"] = json!({ "type": "boolean", "description": "Whether the guild has settings of its own (false: the server's defaults)" });
    view_properties["updated_at"] = json!({
        "oneOf": [{ "type": "string", "format": "date-time" }, { "type": "null" }],
        "description": "When the settings last changed (a reset included); null when the guild never had settings of its own",
    });
    let mut view_required = vec!["guild_id"];
    view_required.extend(settings_fields);
    view_required.extend(["own", "updated_at"]);

    vec![
        // The value, as answered.
        (
            "GuildSettings",
            closed("A guild's settings", settings_properties, &settings_fields),
        ),
        (
            "XpRules",
            closed(
                "XP and cooldown per source",
                json!({
                    "message": reference("CooldownRule"),
                    "command": reference("CooldownRule"),
                    "voice": reference("VoiceRule"),
                    "daily": reference("BonusRule"),
                    "streak": reference("StreakRule"),
                }),
                &["message", "command", "voice", "daily", "streak"],
            ),
        ),
        (
            "CooldownRule",
            closed(
                "A source paid per event, with a cooldown",
                json!({ "xp": xp(), "cooldown_secs": cooldown() }),
                &["xp", "cooldown_secs"],
            ),
        ),
        (
            "VoiceRule",
            closed(
                "Voice: XP per eligible minute",
                json!({ "xp": xp() }),
                &["xp"],
            ),
        ),
        (
            "BonusRule",
            closed("The daily bonus", json!({ "xp": xp() }), &["xp"]),
        ),
        (
            "StreakRule",
            closed(
                "The streak bonus: xp_per_day × streak days, capped",
                json!({ "xp_per_day": xp(), "max_days": max_days() }),
                &["xp_per_day", "max_days"],
            ),
        ),
        (
            "Multipliers",
            closed(
                "Multipliers: the highest of the member's role multipliers, times the channel's (the nearest of channel, parent, category that has one), times a running event's",
                json!({
                    "roles": id_map(factor(), Some(MAX_LIST_LEN)),
                    "channels": id_map(factor(), Some(MAX_LIST_LEN)),
                    "event": { "oneOf": [reference("EventMultiplier"), { "type": "null" }] },
                }),
                &["roles", "channels", "event"],
            ),
        ),
        (
            "EventMultiplier",
            closed(
                "A guild-wide multiplier until a time",
                json!({ "factor": event_factor, "ends_at": ends_at }),
                &["factor", "ends_at"],
            ),
        ),
        (
            "NoXp",
            closed(
                "Where activity earns nothing (deny) or only where it earns (allow); a thread inherits from its channel, a channel from its category",
                json!({
                    "mode": reference("NoXpMode"),
                    "channels": id_list(id_string()),
                    "roles": id_list(id_string()),
                }),
                &["mode", "channels", "roles"],
            ),
        ),
        (
            "NoXpMode",
            enumeration(
                "deny: the listed channels and roles earn nothing; allow: only they earn",
                &["deny", "allow"],
            ),
        ),
        (
            "Rewards",
            closed(
                "Roles given at levels",
                json!({
                    "mode": reference("RewardMode"),
                    "on_rejoin": reference("OnRejoin"),
                    "roles": { "type": "array", "items": reference("RewardRole"), "maxItems": MAX_REWARD_ROLES },
                }),
                &["mode", "on_rejoin", "roles"],
            ),
        ),
        (
            "RewardMode",
            enumeration(
                "stack: keep every reward reached; replace: only the highest",
                &["stack", "replace"],
            ),
        ),
        (
            "OnRejoin",
            enumeration(
                "restore: a returning member gets their rewards back; none: not",
                &["restore", "none"],
            ),
        ),
        (
            "RewardRole",
            closed(
                "A role given at a level",
                json!({
                    "level": { "type": "integer", "minimum": 0, "maximum": MAX_REWARD_LEVEL },
                    "role_id": id_string(),
                }),
                &["level", "role_id"],
            ),
        ),
        (
            "Announce",
            closed(
                "Level-up announcements",
                json!({
                    "mode": reference("AnnounceMode"),
                    "channel_id": id_string(),
                    "template": reference("AnnounceTemplate"),
                    "every": reference("AnnounceEvery"),
                }),
                &["mode", "template", "every"],
            ),
        ),
        (
            "AnnounceMode",
            enumeration(
                "off; same: the activity's channel; channel: the fixed channel_id; dm: a direct message",
                &["off", "same", "channel", "dm"],
            ),
        ),
        ("AnnounceEvery", every),
        ("AnnounceTemplate", template),
        (
            "OnLeave",
            closed(
                "What leaving does to progress",
                json!({ "policy": reference("LeavePolicy"), "grace_secs": grace() }),
                &["policy", "grace_secs"],
            ),
        ),
        (
            "LeavePolicy",
            enumeration(
                "keep; reset_on_leave: any departure resets; reset_on_ban: only a ban resets",
                &["keep", "reset_on_leave", "reset_on_ban"],
            ),
        ),
        // The answers.
        (
            "GuildSettingsView",
            closed(
                "A guild's settings in force, with the guild and when they changed",
                view_properties,
                &view_required,
            ),
        ),
        (
            "SettingsChange",
            closed(
                "One change of a guild's settings",
                json!({
                    "actor": { "oneOf": [id_string(), { "type": "null" }], "description": "Who made it (null: an API call)" },
                    "changed_at": { "type": "string", "format": "date-time" },
                    "before": reference("GuildSettings"),
                    "after": reference("GuildSettings"),
                }),
                &["actor", "changed_at", "before", "after"],
            ),
        ),
        (
            "SettingsAudit",
            closed(
                "A page of a guild's settings audit log",
                json!({
                    "entries": { "type": "array", "items": reference("SettingsChange"), "description": "Newest first" },
                    "total": { "type": "integer", "minimum": 0, "description": "How many changes the log holds" },
                }),
                &["entries", "total"],
            ),
        ),
        // The patch: every field optional, `null` only where it removes something.
        (
            "GuildSettingsPatch",
            open_patch(
                "Any subset of the settings' shape: objects merge, lists replace",
                json!({
                    "rules": reference("XpRulesPatch"),
                    "multipliers": reference("MultipliersPatch"),
                    "no_xp": reference("NoXpPatch"),
                    "rewards": reference("RewardsPatch"),
                    "announce": reference("AnnouncePatch"),
                    "on_leave": reference("OnLeavePatch"),
                    "leaderboard": reference("LeaderboardPatch"),
                    "card": reference("CardThemePatch"),
                }),
            ),
        ),
        (
            "XpRulesPatch",
            open_patch(
                "Changes to rules",
                json!({
                    "message": reference("CooldownRulePatch"),
                    "command": reference("CooldownRulePatch"),
                    "voice": reference("VoiceRulePatch"),
                    "daily": reference("BonusRulePatch"),
                    "streak": reference("StreakRulePatch"),
                }),
            ),
        ),
        (
            "CooldownRulePatch",
            open_patch(
                "Changes to a source with a cooldown",
                json!({ "xp": xp(), "cooldown_secs": cooldown() }),
            ),
        ),
        (
            "VoiceRulePatch",
            open_patch("Changes to the voice rule", json!({ "xp": xp() })),
        ),
        (
            "BonusRulePatch",
            open_patch("Changes to the daily bonus", json!({ "xp": xp() })),
        ),
        (
            "StreakRulePatch",
            open_patch(
                "Changes to the streak bonus",
                json!({ "xp_per_day": xp(), "max_days": max_days() }),
            ),
        ),
        (
            "MultipliersPatch",
            open_patch(
                "Changes to multipliers: maps merge per entry (null removes one), event null ends the event",
                json!({
                    "roles": id_map(json!({ "oneOf": [factor(), { "type": "null" }] }), None),
                    "channels": id_map(json!({ "oneOf": [factor(), { "type": "null" }] }), None),
                    "event": { "oneOf": [reference("EventPatch"), { "type": "null" }] },
                }),
            ),
        ),
        (
            "EventPatch",
            open_patch(
                "Changes to the event (both fields to start one)",
                json!({
                    "factor": components_event_factor(),
                    "ends_at": { "type": "string", "format": "date-time" },
                }),
            ),
        ),
        (
            "NoXpPatch",
            open_patch(
                "Changes to no_xp: the lists replace",
                json!({
                    "mode": reference("NoXpMode"),
                    "channels": id_list(id_input()),
                    "roles": id_list(id_input()),
                }),
            ),
        ),
        (
            "RewardsPatch",
            open_patch(
                "Changes to rewards: the role list replaces",
                json!({
                    "mode": reference("RewardMode"),
                    "on_rejoin": reference("OnRejoin"),
                    "roles": { "type": "array", "items": reference("RewardRoleInput"), "maxItems": MAX_REWARD_ROLES },
                }),
            ),
        ),
        (
            "RewardRoleInput",
            closed(
                "A role given at a level (one role per level, each role once)",
                json!({
                    "level": { "type": "integer", "minimum": 0, "maximum": MAX_REWARD_LEVEL },
                    "role_id": id_input(),
                }),
                &["level", "role_id"],
            ),
        ),
        (
            "AnnouncePatch",
            open_patch(
                "Changes to announce (channel_id null unsets the channel)",
                json!({
                    "mode": reference("AnnounceMode"),
                    "channel_id": { "oneOf": [id_string(), { "type": "integer", "minimum": 0, "maximum": u64::MAX }, { "type": "null" }] },
                    "template": reference("AnnounceTemplate"),
                    "every": reference("AnnounceEvery"),
                }),
            ),
        ),
        (
            "OnLeavePatch",
            open_patch(
                "Changes to on_leave",
                json!({ "policy": reference("LeavePolicy"), "grace_secs": grace() }),
            ),
        ),
        (
            "LeaderboardSettings",
            closed(
                "The public web leaderboard page",
                json!({ "page": { "type": "boolean", "description": "Whether /leaderboard/{guild_id} is served (false: 404)" } }),
                &["page"],
            ),
        ),
        (
            "CardTheme",
            closed(
                "The colours of the guild's rank cards",
                card_properties.clone(),
                &card_fields,
            ),
        ),
        (
            "LeaderboardPatch",
            open_patch(
                "Changes to leaderboard",
                json!({ "page": { "type": "boolean" } }),
            ),
        ),
        (
            "CardThemePatch",
            open_patch("Changes to card: each colour #rrggbb", card_properties),
        ),
    ]
}

fn components_event_factor() -> Value {
    json!({
        "type": "number",
        "exclusiveMinimum": 0,
        "maximum": MAX_MULTIPLIER,
    })
}

/// The component `name` of [`components`] as a utoipa schema.
fn schema_of(name: &str, json: Value) -> RefOr<Schema> {
    serde_json::from_value(json).unwrap_or_else(|error| {
        tracing::error!(%error, name, "a settings schema does not convert");
        RefOr::T(Schema::default())
    })
}

fn all_schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
    for (name, json) in components() {
        schemas.push((name.to_owned(), schema_of(name, json)));
    }
}

fn component(name: &str) -> RefOr<Schema> {
    let json = components()
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, json)| json)
        .unwrap_or_default();
    schema_of(name, json)
}

/// Declares a document-only type whose schema is a component of [`components`].
macro_rules! documented {
    ($(#[$doc:meta])* $ty:ident = $name:literal) => {
        $(#[$doc])*
        pub(crate) struct $ty;

        impl utoipa::PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                component($name)
            }
        }

        impl utoipa::ToSchema for $ty {
            fn name() -> std::borrow::Cow<'static, str> {
                $name.into()
            }

            fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
                all_schemas(schemas);
            }
        }
    };
}

documented!(
    /// The document's `GuildSettingsView` ([`SettingsView`]).
    SettingsViewDoc = "GuildSettingsView"
);
documented!(
    /// The document's `GuildSettingsPatch` (the core's [`GuildSettingsPatch`]).
    SettingsPatchDoc = "GuildSettingsPatch"
);
documented!(
    /// The document's `SettingsAudit` ([`SettingsAudit`]).
    SettingsAuditDoc = "SettingsAudit"
);
