//! The JSON shapes of API contract v1: request bodies, query parameters and answers.

use chrono::{DateTime, Utc};
use leveling_core::storage::HistoryEntry;
use leveling_core::{
    AccessStatus, AwardResult, GuildId, LeaderboardEntry, Tool, ToolAccess, UnlockReason, UserId,
    UserProfile,
};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

// ---- requests ----

/// `POST /api/users`: create a profile, or update it when it exists.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// The user's Discord id (a string, or an integer).
    #[schema(value_type = String, example = "123456789012345678")]
    pub discord_id: UserId,
    /// Account name, 1–100 characters.
    #[schema(example = "ferris")]
    pub username: String,
    /// Display name, 1–100 characters.
    pub display_name: Option<String>,
    /// Avatar image URL, up to 2048 characters.
    pub avatar_url: Option<String>,
}

/// `PATCH /api/users/{discord_id}`: absent fields stay; `null` clears an optional field.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchUser {
    /// New account name.
    #[serde(default)]
    pub username: Option<String>,
    /// New display name, or `null` to clear it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub display_name: Option<Option<String>>,
    /// New avatar URL, or `null` to clear it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub avatar_url: Option<Option<String>>,
}

/// A field that is present (possibly `null`) becomes `Some(..)`; an absent one stays `None`
/// through `#[serde(default)]`.
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

/// `POST /api/leveling/xp`: either a direct grant (`amount`, optional `reason`) or an
/// activity (`source`, with `minutes` for voice).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardXp {
    /// Who earns the XP (created on first award).
    #[schema(value_type = String, example = "123456789012345678")]
    pub discord_id: UserId,
    /// The guild; the server's default guild when absent.
    #[schema(value_type = Option<String>, example = "987654321098765432")]
    pub guild_id: Option<GuildId>,
    /// A direct grant of this much XP (source `api`, no cooldown): 1 to the configured
    /// maximum (1,000,000 by default).
    #[schema(example = 100, minimum = 1)]
    pub amount: Option<u64>,
    /// A note for the history (up to 500 characters).
    pub reason: Option<String>,
    /// An activity whose configured rule applies, cooldown included: `message`,
    /// `command`, `voice` or `daily`.
    #[schema(example = "message")]
    pub source: Option<String>,
    /// Minutes in voice (only with `source: "voice"`; default 1).
    #[schema(minimum = 1)]
    pub minutes: Option<u32>,
}

/// `POST /api/tools`: a new tool for the catalog.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTool {
    /// A slug of 1–64 characters from `a-z`, `0-9`, `-` and `_`.
    #[schema(example = "color-picker")]
    pub id: String,
    /// Display name, 1–100 characters.
    #[schema(example = "Color Picker")]
    pub name: String,
    /// What it does, up to 1000 characters.
    #[serde(default)]
    pub description: String,
    /// A tier name (`Basic`, `Member`, `Advanced`, `Elite`, `Master` by default).
    #[schema(example = "Basic")]
    pub tier: String,
    /// The level that unlocks it; the tier's first level when absent.
    pub required_level: Option<u32>,
    /// Where to use it.
    pub url: Option<String>,
}

/// `?guild_id=`: the guild of a member-scoped route.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GuildQuery {
    /// The guild (a decimal id); the server's default guild when absent.
    pub guild_id: Option<String>,
}

/// `?limit&offset` (and `guild_id` where member-scoped).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// At most this many items: 1–100 (larger values are capped at 100), default 25.
    pub limit: Option<u32>,
    /// Items to skip, default 0.
    pub offset: Option<u64>,
    /// The guild (a decimal id); the server's default guild when absent.
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
    /// `message`, `command`, `voice`, `daily`, `streak`, `api` or `admin`.
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

/// `/healthz` and `/readyz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `ready`.
    #[schema(example = "ok")]
    pub status: String,
}
