//! The JSON shapes of API contract v1: request bodies, query parameters and answers.

use chrono::{DateTime, NaiveDate, Utc};
use leveling_core::settings::MAX_LIST_LEN;
use leveling_core::storage::{Forgotten, HistoryEntry, MemberRecord};
use leveling_core::{
    AccessStatus, AwardContext, AwardResult, ChannelId, Day, GuildId, LeaderboardEntry,
    Progression, RoleId, Tool, ToolAccess, Unlock, UnlockReason, UserData, UserId, UserProfile,
};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

// ---- requests ----

/// `POST /api/users`: create a profile, or update it when it exists.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// The user's Discord id (a string, or an integer).
    #[schema(schema_with = id_input)]
    pub discord_id: UserId,
    /// Account name, 1–100 characters, not blank, no NUL.
    #[schema(
        example = "ferris",
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000]*[^\u0000\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub username: String,
    /// Display name, 1–100 characters, not blank, no NUL.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000]*[^\u0000\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub display_name: Option<String>,
    /// Avatar image URL, up to 2048 characters, no NUL.
    #[schema(max_length = 2048, pattern = r"^[^\u0000]*$")]
    pub avatar_url: Option<String>,
}

/// `PATCH /api/users/{discord_id}`: absent fields stay; `null` clears an optional field.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchUser {
    /// New account name (1–100 characters, not blank, no NUL).
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000]*[^\u0000\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub username: Option<String>,
    /// New display name, or `null` to clear it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 100, pattern = r"^[^\u0000]*[^\u0000\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$")]
    pub display_name: Option<Option<String>>,
    /// New avatar URL, or `null` to clear it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 2048, pattern = r"^[^\u0000]*$")]
    pub avatar_url: Option<Option<String>>,
    /// `true` leaves the user out of the public web leaderboard page, `false` shows them
    /// again (their rank is unchanged either way).
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = bool)]
    pub leaderboard_hidden: Option<bool>,
}

/// A field that may be absent (`None`) but not `null`.
fn not_null<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

/// A field that is present (possibly `null`) becomes `Some(..)`; an absent one stays `None`
/// through `#[serde(default)]`.
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

/// `POST /api/leveling/xp`: either a direct grant ([`GrantXp`], `amount`), an activity
/// under its rule ([`ActivityXp`] for `message` / `command`, [`VoiceXp`] for `voice`) or
/// the daily claim ([`DailyXp`]). The document's `oneOf` is these four types, and the
/// body is deserialized into exactly one of them (picked by the `amount` / `source`
/// field), so the schema and the validation cannot disagree.
///
/// Only the activity forms take where the activity happened (`channel_id`, `parent_id`,
/// `role_ids`): the guild's multipliers and no-XP rules apply to activity alone, so a
/// grant or a daily claim naming a channel is refused (422) rather than silently
/// ignoring it.
#[derive(Debug)]
pub enum AwardXp {
    /// `{"discord_id", "amount", "reason"?, "guild_id"?}`.
    Grant(GrantXp),
    /// `{"discord_id", "source": "message"|"command", "guild_id"?, "channel_id"?,
    /// "parent_id"?, "role_ids"?}`.
    Activity(ActivityXp),
    /// `{"discord_id", "source": "voice", "minutes"?, "guild_id"?, "channel_id"?,
    /// "parent_id"?, "role_ids"?}`.
    Voice(VoiceXp),
    /// `{"discord_id", "source": "daily", "guild_id"?}`.
    Daily(DailyXp),
}

/// A direct grant: source `api`, no cooldown.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantXp {
    /// Who earns the XP (created on first award).
    #[schema(schema_with = id_input)]
    pub discord_id: UserId,
    /// The guild; the server's default guild when absent.
    #[serde(default)]
    #[schema(schema_with = optional_id_input)]
    pub guild_id: Option<GuildId>,
    /// XP to add: 1 to the configured maximum (`Rules::max_grant`, 1,000,000 by default).
    #[schema(example = 100, minimum = 1, maximum = 1_000_000)]
    pub amount: u64,
    /// A note for the history (up to 500 characters, no NUL).
    #[schema(max_length = 500, pattern = r"^[^\u0000]*$")]
    pub reason: Option<String>,
}

/// The activities paid per event under their rule.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ActivitySource {
    /// A chat message (cooldown 60 s by default).
    Message,
    /// A command (cooldown 30 s by default).
    Command,
}

/// The daily claim.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DailySource {
    /// An explicit daily claim (`granted: false` when already claimed today).
    Daily,
}

/// The voice source.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum VoiceSource {
    /// Minutes in voice.
    Voice,
}

/// An activity whose configured rule applies, cooldown included.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityXp {
    /// Who earns the XP (created on first award).
    #[schema(schema_with = id_input)]
    pub discord_id: UserId,
    /// The guild; the server's default guild when absent.
    #[serde(default)]
    #[schema(schema_with = optional_id_input)]
    pub guild_id: Option<GuildId>,
    /// The activity.
    pub source: ActivitySource,
    /// The channel (or thread) of the activity, for the guild's channel multipliers and
    /// no-XP channels; `null` is absent.
    #[serde(default)]
    #[schema(schema_with = optional_id_input)]
    pub channel_id: Option<ChannelId>,
    /// The container of `channel_id` (a thread's channel, or a channel's category): its
    /// rules apply to what is inside it; `null` is absent.
    #[serde(default)]
    #[schema(schema_with = optional_id_input)]
    pub parent_id: Option<ChannelId>,
    /// The member's roles, for the role multipliers and no-XP roles: at most
    /// `MAX_LIST_LEN` (500) ids; `null` is absent.
    #[serde(default)]
    #[schema(schema_with = role_ids_input)]
    pub role_ids: Option<Vec<RoleId>>,
}

/// The daily claim: the daily and streak bonuses, once a day.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DailyXp {
    /// Who claims (created on first award).
    #[schema(schema_with = id_input)]
    pub discord_id: UserId,
    /// The guild; the server's default guild when absent.
    #[serde(default)]
    #[schema(schema_with = optional_id_input)]
    pub guild_id: Option<GuildId>,
    /// `daily`.
    pub source: DailySource,
}

/// Minutes in voice, paid under the voice rule.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoiceXp {
    /// Who earns the XP (created on first award).
    #[schema(schema_with = id_input)]
    pub discord_id: UserId,
    /// The guild; the server's default guild when absent.
    #[serde(default)]
    #[schema(schema_with = optional_id_input)]
    pub guild_id: Option<GuildId>,
    /// `voice`.
    pub source: VoiceSource,
    /// Minutes in voice: 1 to the configured maximum (`Rules::max_voice_minutes`, 60 by
    /// default); 1 when absent.
    #[schema(minimum = 1, maximum = 60)]
    pub minutes: Option<u32>,
    /// The channel (or thread) of the activity, for the guild's channel multipliers and
    /// no-XP channels; `null` is absent.
    #[serde(default)]
    #[schema(schema_with = optional_id_input)]
    pub channel_id: Option<ChannelId>,
    /// The container of `channel_id` (a thread's channel, or a channel's category): its
    /// rules apply to what is inside it; `null` is absent.
    #[serde(default)]
    #[schema(schema_with = optional_id_input)]
    pub parent_id: Option<ChannelId>,
    /// The member's roles, for the role multipliers and no-XP roles: at most
    /// `MAX_LIST_LEN` (500) ids; `null` is absent.
    #[serde(default)]
    #[schema(schema_with = role_ids_input)]
    pub role_ids: Option<Vec<RoleId>>,
}

/// Where an activity happened, as a body names it: what the award's [`AwardContext`]
/// carries. 422 for more than [`MAX_LIST_LEN`] role ids.
fn award_context(
    channel_id: Option<ChannelId>,
    parent_id: Option<ChannelId>,
    role_ids: Option<&[RoleId]>,
) -> Result<AwardContext, String> {
    let roles = role_ids.unwrap_or_default();
    if roles.len() > MAX_LIST_LEN {
        return Err(format!(
            "role_ids may have at most {MAX_LIST_LEN} entries (it has {})",
            roles.len()
        ));
    }
    let mut context = AwardContext::new().roles(roles.iter().copied());
    context.channel = channel_id;
    context.parents = parent_id.into_iter().collect();
    Ok(context)
}

impl AwardXp {
    /// The member's user id.
    pub fn discord_id(&self) -> UserId {
        match self {
            Self::Grant(b) => b.discord_id,
            Self::Activity(b) => b.discord_id,
            Self::Voice(b) => b.discord_id,
            Self::Daily(b) => b.discord_id,
        }
    }

    /// The guild named in the body.
    pub fn guild_id(&self) -> Option<GuildId> {
        match self {
            Self::Grant(b) => b.guild_id,
            Self::Activity(b) => b.guild_id,
            Self::Voice(b) => b.guild_id,
            Self::Daily(b) => b.guild_id,
        }
    }

    /// Where the activity happened (empty for a grant or a daily claim); an error
    /// message for too many role ids.
    pub fn context(&self) -> Result<AwardContext, String> {
        match self {
            Self::Activity(b) => award_context(b.channel_id, b.parent_id, b.role_ids.as_deref()),
            Self::Voice(b) => award_context(b.channel_id, b.parent_id, b.role_ids.as_deref()),
            Self::Grant(_) | Self::Daily(_) => Ok(AwardContext::new()),
        }
    }
}

impl<'de> Deserialize<'de> for AwardXp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let map = serde_json::Map::<String, serde_json::Value>::deserialize(deserializer)?;
        fn into<T: serde::de::DeserializeOwned, E: serde::de::Error>(
            map: serde_json::Map<String, serde_json::Value>,
        ) -> Result<T, E> {
            serde_path_to_error::deserialize(serde_json::Value::Object(map))
                .map_err(|e| E::custom(format!("{}: {}", e.path(), e.inner())))
        }
        match (map.get("amount"), map.get("source")) {
            (Some(_), Some(_)) => Err(D::Error::custom(
                "give either amount (a direct grant) or source, not both",
            )),
            (None, None) => Err(D::Error::custom("give amount (a direct grant) or source")),
            (Some(_), None) if map.contains_key("minutes") => {
                Err(D::Error::custom("minutes goes only with source \"voice\""))
            }
            (Some(_), None) => into(map).map(Self::Grant),
            (None, Some(source)) => match source.as_str() {
                Some("voice") => into(map).map(Self::Voice),
                Some("message" | "command" | "daily") if map.contains_key("minutes") => {
                    Err(D::Error::custom("minutes goes only with source \"voice\""))
                }
                Some("message" | "command") => into(map).map(Self::Activity),
                Some("daily") => into(map).map(Self::Daily),
                _ => Err(D::Error::custom(format!(
                    "unknown source {source}: expected message, command, voice or daily"
                ))),
            },
        }
    }
}

impl utoipa::PartialSchema for AwardXp {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{OneOfBuilder, Ref};
        OneOfBuilder::new()
            .item(Ref::from_schema_name("GrantXp"))
            .item(Ref::from_schema_name("ActivityXp"))
            .item(Ref::from_schema_name("VoiceXp"))
            .item(Ref::from_schema_name("DailyXp"))
            .description(Some(
                "A direct grant (`amount`), an activity (`source` message, command or voice) under its rule, cooldown, multipliers and no-XP rules included, or the daily claim.",
            ))
            .into()
    }
}

impl ToSchema for AwardXp {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        use utoipa::PartialSchema;
        schemas.push(("GrantXp".into(), GrantXp::schema()));
        schemas.push(("ActivityXp".into(), ActivityXp::schema()));
        schemas.push(("VoiceXp".into(), VoiceXp::schema()));
        schemas.push(("DailyXp".into(), DailyXp::schema()));
        schemas.push(("ActivitySource".into(), ActivitySource::schema()));
        schemas.push(("VoiceSource".into(), VoiceSource::schema()));
        schemas.push(("DailySource".into(), DailySource::schema()));
    }
}

// ---- ids and text in the document: exactly what the server accepts ----

/// A snowflake as a JSON string: decimal digits whose value fits a `u64` (leading zeros
/// allowed, no sign) — exactly what the id parser takes.
pub const ID_PATTERN: &str = "^0*(0|[1-9][0-9]{0,18}|1[0-7][0-9]{18}|18[0-3][0-9]{17}|184[0-3][0-9]{16}|1844[0-5][0-9]{15}|18446[0-6][0-9]{14}|184467[0-3][0-9]{13}|1844674[0-3][0-9]{12}|184467440[0-6][0-9]{10}|1844674407[0-2][0-9]{9}|18446744073[0-6][0-9]{8}|1844674407370[0-8][0-9]{6}|18446744073709[0-4][0-9]{5}|184467440737095[0-4][0-9]{4}|18446744073709550[0-9]{3}|18446744073709551[0-5][0-9]{2}|1844674407370955160[0-9]|1844674407370955161[0-4]|18446744073709551615)$";

/// A tool's slug: what `ToolId::new` accepts.
pub const TOOL_ID_PATTERN: &str = "^[a-z0-9_-]{1,64}$";

/// A name (username, display name, tool name): not blank (whitespace as Rust's
/// `char::is_whitespace` counts it), no NUL.
pub const NAME_PATTERN: &str = r"^[^\u0000]*[^\u0000\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$";

/// Any text without a NUL character.
pub const NO_NUL_PATTERN: &str = r"^[^\u0000]*$";

fn id_string_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(ID_PATTERN))
        .examples(["123456789012345678"])
        .build()
}

fn id_integer_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(0))
        .maximum(Some(utoipa::Number::UInt(u64::MAX as usize)))
        .build()
}

/// A tool slug in a path.
pub(crate) fn tool_id_param() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(TOOL_ID_PATTERN))
        .build()
}

/// `limit`: at least 1, any `u32` (values above 100 are capped).
pub(crate) fn limit_param() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(1))
        .maximum(Some(u32::MAX))
        .build()
}

/// `offset`: any `u64`.
pub(crate) fn offset_param() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(0))
        .maximum(Some(utoipa::Number::UInt(u64::MAX as usize)))
        .build()
}

/// A snowflake in a path or query: a decimal string.
pub(crate) fn id_param() -> utoipa::openapi::schema::Object {
    id_string_schema()
}

/// A snowflake in a body: a decimal string or a non-negative integer.
pub(crate) fn id_input() -> utoipa::openapi::schema::Schema {
    utoipa::openapi::schema::OneOfBuilder::new()
        .item(id_string_schema())
        .item(id_integer_schema())
        .description(Some(
            "A snowflake: a decimal string (preferred) or an integer",
        ))
        .build()
        .into()
}

/// An optional snowflake in a body (`null` is absent).
pub(crate) fn optional_id_input() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    utoipa::openapi::schema::OneOfBuilder::new()
        .item(id_string_schema())
        .item(id_integer_schema())
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .description(Some(
            "A snowflake (a decimal string or an integer), or null",
        ))
        .build()
        .into()
}

/// `role_ids` of an activity: up to [`MAX_LIST_LEN`] snowflakes, or `null` (absent).
pub(crate) fn role_ids_input() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    utoipa::openapi::schema::OneOfBuilder::new()
        .item(
            ArrayBuilder::new()
                .items(utoipa::openapi::RefOr::T(id_input()))
                .max_items(Some(MAX_LIST_LEN)),
        )
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .description(Some(
            "The member's role ids (decimal strings or integers), or null",
        ))
        .build()
        .into()
}

/// `{discord_id}` in a path.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UserPath {
    /// The user's id (a decimal string).
    #[param(schema_with = id_param, required = true)]
    pub discord_id: String,
}

/// `{discord_id}/{tool_id}` in a path.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UserToolPath {
    /// The user's id (a decimal string).
    #[param(schema_with = id_param, required = true)]
    pub discord_id: String,
    /// The tool's slug.
    #[param(schema_with = tool_id_param, required = true)]
    pub tool_id: String,
}

/// `POST /api/tools`: a new tool for the catalog.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTool {
    /// A slug of 1–64 characters from `a-z`, `0-9`, `-` and `_`.
    #[schema(example = "color-picker", pattern = "^[a-z0-9_-]{1,64}$")]
    pub id: String,
    /// Display name, 1–100 characters, not blank, no NUL.
    #[schema(
        example = "Color Picker",
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000]*[^\u0000\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub name: String,
    /// What it does, up to 1000 characters, no NUL.
    #[serde(default)]
    #[schema(max_length = 1000, pattern = r"^[^\u0000]*$")]
    pub description: String,
    /// A tier name: one of the configured tiers (`Basic`, `Member`, `Advanced`,
    /// `Elite`, `Master` by default).
    #[schema(example = "Basic", value_type = TierName)]
    pub tier: String,
    /// The level that unlocks it, up to the last tier's last level; the tier's first level
    /// when absent.
    #[schema(minimum = 0, maximum = 100)]
    pub required_level: Option<u32>,
    /// Where to use it, up to 2048 characters, no NUL.
    #[schema(max_length = 2048, pattern = r"^[^\u0000]*$")]
    pub url: Option<String>,
}

/// The default tiers' names (the document lists the configured ones).
#[derive(ToSchema)]
#[allow(dead_code)]
pub enum TierName {
    /// Levels 0–10.
    Basic,
    /// Levels 11–25.
    Member,
    /// Levels 26–50.
    Advanced,
    /// Levels 51–75.
    Elite,
    /// Levels 76–100.
    Master,
}

/// `?guild_id=`: the guild of a member-scoped route.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GuildQuery {
    /// The guild (a decimal id); the server's default guild when absent.
    #[param(schema_with = id_param)]
    pub guild_id: Option<String>,
}

/// `?limit&offset` of `GET /api/users` (profiles are global: no guild).
#[derive(Debug, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsersQuery {
    /// At most this many items: at least 1 (values above 100 are capped at 100),
    /// default 25.
    #[param(schema_with = limit_param)]
    pub limit: Option<u32>,
    /// Items to skip, default 0.
    #[param(schema_with = offset_param)]
    pub offset: Option<u64>,
}

/// `?limit&offset` (and `guild_id` where member-scoped).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// At most this many items: at least 1 (values above 100 are capped at 100),
    /// default 25.
    #[param(schema_with = limit_param)]
    pub limit: Option<u32>,
    /// Items to skip, default 0.
    #[param(schema_with = offset_param)]
    pub offset: Option<u64>,
    /// The guild (a decimal id); the server's default guild when absent.
    #[param(schema_with = id_param)]
    pub guild_id: Option<String>,
}

// ---- answers ----

/// A user's profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserJson {
    /// The user's id.
    #[schema(value_type = String)]
    pub discord_id: UserId,
    /// Account name.
    pub username: String,
    /// Display name.
    pub display_name: Option<String>,
    /// Avatar URL.
    pub avatar_url: Option<String>,
    /// Whether the user asked to be left out of the public web leaderboard.
    pub leaderboard_hidden: bool,
    /// When the profile was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<UserProfile> for UserJson {
    fn from(user: UserProfile) -> Self {
        Self {
            discord_id: user.id,
            username: user.username,
            display_name: user.display_name,
            avatar_url: user.avatar_url,
            leaderboard_hidden: user.leaderboard_hidden,
            created_at: user.created_at,
            updated_at: user.updated_at,
        }
    }
}

/// `GET /api/users`.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsersPage {
    /// Profiles ordered by id.
    pub users: Vec<UserJson>,
    /// How many profiles exist.
    pub total: u64,
}

/// Progress within the current level.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressJson {
    /// XP earned since the level started.
    pub xp_into_level: u64,
    /// XP the level spans (0 at the maximum level).
    pub xp_for_next_level: u64,
    /// `xp_into_level / xp_for_next_level` as a percentage (100 at the maximum level).
    pub percent: f64,
}

/// `GET /api/users/{discord_id}`: the profile and the progress in the guild.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDetail {
    /// The user's id.
    #[schema(value_type = String)]
    pub discord_id: UserId,
    /// The guild the progress is in.
    #[schema(value_type = String)]
    pub guild_id: GuildId,
    /// Account name; the id as a string for a user with XP but no profile.
    pub username: String,
    /// Display name.
    pub display_name: Option<String>,
    /// Avatar URL.
    pub avatar_url: Option<String>,
    /// Whether a profile exists (`false`: known only through XP).
    pub has_profile: bool,
    /// Whether the user asked to be left out of the public web leaderboard.
    pub leaderboard_hidden: bool,
    /// Total XP.
    pub xp: u64,
    /// Level.
    pub level: u32,
    /// Tier name.
    pub tier: String,
    /// 1-based position in the guild's leaderboard (`null` without XP).
    pub rank: Option<u64>,
    /// Progress within the level.
    pub progress: ProgressJson,
    /// Current daily streak in days.
    pub streak_days: u32,
    /// When the profile was created.
    pub created_at: Option<DateTime<Utc>>,
    /// When it last changed.
    pub updated_at: Option<DateTime<Utc>>,
}

/// A tool of the catalog.
#[derive(Debug, Serialize, ToSchema)]
pub struct ToolJson {
    /// The slug.
    pub id: String,
    /// Display name.
    pub name: String,
    /// What it does.
    pub description: String,
    /// Tier name.
    pub tier: String,
    /// The level that unlocks it.
    pub required_level: u32,
    /// Where to use it.
    pub url: Option<String>,
}

impl From<Tool> for ToolJson {
    fn from(tool: Tool) -> Self {
        Self {
            id: tool.id.as_str().to_owned(),
            name: tool.name,
            description: tool.description,
            tier: tool.tier,
            required_level: tool.required_level,
            url: tool.url,
        }
    }
}

/// The daily bonus claimed with an award.
#[derive(Debug, Serialize, ToSchema)]
pub struct DailyJson {
    /// Streak length after the claim, in days.
    pub streak_days: u32,
    /// The daily bonus paid.
    pub bonus: u64,
    /// The streak bonus paid.
    pub streak_bonus: u64,
}

/// `POST /api/leveling/xp`: what the award did.
#[derive(Debug, Serialize, ToSchema)]
pub struct AwardJson {
    /// Who.
    #[schema(value_type = String)]
    pub discord_id: UserId,
    /// In which guild.
    #[schema(value_type = String)]
    pub guild_id: GuildId,
    /// Whether XP was added (`false`: on cooldown, or the day already claimed).
    pub granted: bool,
    /// All XP added, bonuses included (0 when not granted).
    pub amount: u64,
    /// XP before.
    pub xp_before: u64,
    /// XP after.
    pub xp: u64,
    /// Level before.
    pub level_before: u32,
    /// Level after.
    pub level: u32,
    /// Whether the level rose.
    pub leveled_up: bool,
    /// Tier name after.
    pub tier: String,
    /// Tools this award unlocked by level.
    pub unlocked_tools: Vec<ToolJson>,
    /// Milliseconds until the source pays again (only when not granted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cooldown_remaining_ms: Option<u64>,
    /// The daily bonus claimed with this award, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub daily: Option<DailyJson>,
    /// `true` when this repeats the result of an earlier request with the same
    /// `Idempotency-Key` (nothing was added this time).
    pub replayed: bool,
    /// `true` when the guild's settings excluded the activity (a no-XP channel or role,
    /// a 0× multiplier, or its source set to 0 XP): nothing was stored, `granted` is
    /// `false`.
    pub excluded: bool,
}

impl From<AwardResult> for AwardJson {
    fn from(result: AwardResult) -> Self {
        let leveled_up = result.leveled_up();
        Self {
            discord_id: result.member.user,
            guild_id: result.member.guild,
            granted: result.granted,
            amount: result.amount,
            xp_before: result.xp_before,
            xp: result.xp,
            level_before: result.level_before,
            level: result.level,
            leveled_up,
            tier: result.tier.name,
            unlocked_tools: result
                .unlocked_tools
                .into_iter()
                .map(ToolJson::from)
                .collect(),
            cooldown_remaining_ms: result
                .cooldown_remaining
                .filter(|_| !result.granted)
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            daily: result.daily.map(|d| DailyJson {
                streak_days: d.streak_days,
                bonus: d.bonus,
                streak_bonus: d.streak_bonus,
            }),
            replayed: result.replayed,
            excluded: result.excluded,
        }
    }
}

/// One leaderboard row.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeaderboardRow {
    /// 1-based position.
    pub rank: u64,
    /// The user.
    #[schema(value_type = String)]
    pub discord_id: UserId,
    /// Their username; the id as a string without a profile.
    pub username: String,
    /// Their display name, when set.
    pub display_name: Option<String>,
    /// Their avatar URL, when set.
    pub avatar_url: Option<String>,
    /// Whether they asked to be left out of public leaderboards (the web page skips
    /// them; a public frontend should too). Their rank is unchanged.
    pub hidden: bool,
    /// Total XP.
    pub xp: u64,
    /// Level.
    pub level: u32,
    /// Tier name.
    pub tier: String,
}

impl From<LeaderboardEntry> for LeaderboardRow {
    fn from(entry: LeaderboardEntry) -> Self {
        Self {
            rank: entry.rank,
            discord_id: entry.user,
            username: entry.username.unwrap_or_else(|| entry.user.to_string()),
            display_name: entry.display_name,
            avatar_url: entry.avatar_url,
            hidden: entry.hidden,
            xp: entry.xp,
            level: entry.level,
            tier: entry.tier.name,
        }
    }
}

/// `GET /api/leveling/leaderboard`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Leaderboard {
    /// The guild.
    #[schema(value_type = String)]
    pub guild_id: GuildId,
    /// Members with XP in the guild.
    pub total: u64,
    /// This page, highest XP first.
    pub entries: Vec<LeaderboardRow>,
}

/// One change of a member's XP.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryRow {
    /// XP added (negative when an admin removed XP).
    pub amount: i64,
    /// `message`, `command`, `voice`, `daily`, `streak`, `api`, `admin` or `import`.
    pub source: String,
    /// XP before.
    pub xp_before: u64,
    /// XP after.
    pub xp_after: u64,
    /// The admin who made the change.
    #[schema(value_type = Option<String>)]
    pub actor: Option<UserId>,
    /// The note given with it.
    pub reason: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl From<HistoryEntry> for HistoryRow {
    fn from(entry: HistoryEntry) -> Self {
        Self {
            amount: entry.amount,
            source: entry.source.as_str().to_owned(),
            xp_before: entry.xp_before,
            xp_after: entry.xp_after,
            actor: entry.actor,
            reason: entry.reason,
            created_at: entry.created_at,
        }
    }
}

/// `GET /api/leveling/xp-history/{discord_id}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct History {
    /// This page, newest first.
    pub entries: Vec<HistoryRow>,
    /// How many entries the member has.
    pub total: u64,
}

/// `GET /api/tools`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ToolList {
    /// The catalog by required level.
    pub tools: Vec<ToolJson>,
}

/// A tool and a member's access to it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ToolAccessJson {
    /// The tool.
    pub tool: ToolJson,
    /// `locked` or `unlocked`.
    #[schema(example = "unlocked")]
    pub status: String,
    /// `level` or `grant` when unlocked, `null` when locked.
    #[schema(example = "level")]
    pub reason: Option<String>,
    /// When it was unlocked, when known.
    pub unlocked_at: Option<DateTime<Utc>>,
}

impl From<ToolAccess> for ToolAccessJson {
    fn from(access: ToolAccess) -> Self {
        Self {
            tool: access.tool.into(),
            status: match access.status {
                AccessStatus::Locked => "locked",
                AccessStatus::Unlocked => "unlocked",
            }
            .to_owned(),
            reason: access.reason.map(|r: UnlockReason| r.as_str().to_owned()),
            unlocked_at: access.unlocked_at,
        }
    }
}

/// `GET /api/tools/user/{discord_id}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserTools {
    /// The user.
    #[schema(value_type = String)]
    pub discord_id: UserId,
    /// The guild.
    #[schema(value_type = String)]
    pub guild_id: GuildId,
    /// Every tool of the catalog with the member's access.
    pub tools: Vec<ToolAccessJson>,
}

/// One recorded unlock of a tool by a member.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnlockJson {
    /// The tool's slug.
    pub tool: String,
    /// `level` (reached its level) or `grant` (given by an admin).
    #[schema(example = "level")]
    pub reason: String,
    /// When it was unlocked.
    pub unlocked_at: DateTime<Utc>,
}

impl From<Unlock> for UnlockJson {
    fn from(unlock: Unlock) -> Self {
        Self {
            tool: unlock.tool.as_str().to_owned(),
            reason: unlock.reason.as_str().to_owned(),
            unlocked_at: unlock.at,
        }
    }
}

/// A user's progress in one guild, as stored, with its whole history and unlocks.
#[derive(Debug, Serialize, ToSchema)]
pub struct GuildDataJson {
    /// The guild.
    #[schema(value_type = String)]
    pub guild_id: GuildId,
    /// Total XP.
    pub xp: u64,
    /// Level (computed from `xp` by the server's curve).
    pub level: u32,
    /// Tier name of the level.
    pub tier: String,
    /// Current daily streak in days.
    pub streak_days: u32,
    /// The day of the last daily claim (in the server's day boundary), if any.
    pub last_daily_claim: Option<NaiveDate>,
    /// When `xp` last changed (leaderboard ties go to whoever got there first).
    pub xp_reached_at: DateTime<Utc>,
    /// Every change of the XP, **oldest first**.
    pub history: Vec<HistoryRow>,
    /// The tools unlocked, by level or by grant.
    pub unlocks: Vec<UnlockJson>,
}

impl GuildDataJson {
    /// A stored member record, its level and tier computed by `progression`.
    pub fn new(record: MemberRecord, progression: &Progression) -> Self {
        let member = record.member;
        let level = progression.level(member.xp);
        Self {
            guild_id: member.id.guild,
            xp: member.xp,
            level,
            tier: progression.tier(level).name.clone(),
            streak_days: member.streak.days,
            last_daily_claim: member.streak.last_claim.and_then(day_date),
            xp_reached_at: member.xp_reached_at,
            history: record.history.into_iter().map(HistoryRow::from).collect(),
            unlocks: record.unlocks.into_iter().map(UnlockJson::from).collect(),
        }
    }
}

/// The calendar date of a [`Day`] (days since 1970-01-01).
fn day_date(day: Day) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(1970, 1, 1)?.checked_add_signed(chrono::TimeDelta::try_days(day.0)?)
}

/// `GET /api/users/{discord_id}/export`: everything stored about a user.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserExport {
    /// The user.
    #[schema(value_type = String)]
    pub discord_id: UserId,
    /// Their profile (`null` for a user known only through XP).
    pub profile: Option<UserJson>,
    /// Their progress in every guild where they have some, by guild id.
    pub guilds: Vec<GuildDataJson>,
}

impl UserExport {
    /// The export of `data`, levels and tiers computed by `progression`.
    pub fn new(data: UserData, progression: &Progression) -> Self {
        Self {
            discord_id: data.user,
            profile: data.profile.map(UserJson::from),
            guilds: data
                .members
                .into_iter()
                .map(|record| GuildDataJson::new(record, progression))
                .collect(),
        }
    }
}

/// `DELETE /api/users/{discord_id}`: what was deleted.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDeleted {
    /// The user.
    #[schema(value_type = String)]
    pub discord_id: UserId,
    /// Whether a profile was deleted.
    pub profile: bool,
    /// Guild memberships (progress) deleted.
    pub members: u64,
    /// History entries deleted.
    pub history: u64,
    /// Recorded unlocks deleted.
    pub unlocks: u64,
}

impl UserDeleted {
    /// The answer for `user` after `forgotten`.
    pub fn new(user: UserId, forgotten: Forgotten) -> Self {
        Self {
            discord_id: user,
            profile: forgotten.profile,
            members: forgotten.members,
            history: forgotten.history,
            unlocks: forgotten.unlocks,
        }
    }
}

/// `/healthz` and `/readyz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `ready`.
    #[schema(example = "ok")]
    pub status: String,
}
