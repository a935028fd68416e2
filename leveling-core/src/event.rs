//! What the engine tells the world: level-ups and unlocked tools.

use serde::{Deserialize, Serialize};

use crate::{BoxError, GuildId, MemberId, Source, Tier, Tool, UnlockReason, UserId};

/// Something worth telling members, dashboards or logs about.
///
/// Non-exhaustive: a sink matches the events it cares about and ignores the rest, so a
/// new kind of event is not a breaking change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    /// A member reached a higher level.
    LevelUp(LevelUp),
    /// An admin change lowered a member's level (awards only ever raise it).
    LevelDown(LevelDown),
    /// A member may now use a tool.
    ToolUnlocked(ToolUnlocked),
    /// An import or a restore changed members' levels: one event per batch, never a
    /// level-up per member (an import must not flood a channel with announcements).
    /// Sinks reconcile reward roles from it.
    MembersImported(MembersImported),
}

/// A member's level rose. One event per award, however many levels it crossed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelUp {
    /// Who.
    pub member: MemberId,
    /// The level before the award.
    pub old_level: u32,
    /// The level after it.
    pub new_level: u32,
    /// The tier at the new level.
    pub tier: Tier,
    /// Whether the award moved the member into `tier`.
    pub tier_changed: bool,
    /// Total XP after the award.
    pub xp: u64,
    /// What earned it.
    pub source: Source,
    /// Where it happened, when the caller said (a Discord channel id, say), so a sink can
    /// answer there.
    pub channel: Option<u64>,
}

/// An admin change (`add_xp` with a negative amount, `set_level`, `reset`) lowered a
/// member's level. Tools stay unlocked: what a member may use follows the level, and
/// unlock records are history. Sinks use it to take back tier roles.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelDown {
    /// Who.
    pub member: MemberId,
    /// The level before the change.
    pub old_level: u32,
    /// The level after it.
    pub new_level: u32,
    /// The tier at the new level.
    pub tier: Tier,
    /// Whether the change moved the member out of their tier.
    pub tier_changed: bool,
    /// Total XP after the change.
    pub xp: u64,
}

/// The members of one guild whose level an import batch changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembersImported {
    /// The guild.
    pub guild: GuildId,
    /// Each member whose level changed, with the levels around the import.
    pub members: Vec<ImportedLevel>,
}

/// One member's level around an import.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedLevel {
    /// Who.
    pub user: UserId,
    /// The level before (0 for a member restored from a backup: the store does not say).
    pub old_level: u32,
    /// The level after.
    pub new_level: u32,
}

/// A member may now use a tool.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolUnlocked {
    /// Who.
    pub member: MemberId,
    /// The tool.
    pub tool: Tool,
    /// Reached its level, or granted by an admin.
    pub reason: UnlockReason,
}

/// Receives every event the engine emits. Register several with
/// [`LevelingBuilder::sink`](crate::LevelingBuilder::sink).
///
/// `publish` runs on the award path, so it must not block: hand the event to a channel or
/// a task. An error (or a panic) is logged and does not affect the award or other sinks.
///
/// ```
/// use leveling_core::{BoxError, Event, EventSink};
///
/// struct Log;
///
/// impl EventSink for Log {
///     fn publish(&self, event: &Event) -> Result<(), BoxError> {
///         println!("{event:?}");
///         Ok(())
///     }
/// }
/// ```
pub trait EventSink: Send + Sync + 'static {
    /// Takes one event.
    fn publish(&self, event: &Event) -> Result<(), BoxError>;
}

/// A sink that logs every event through `tracing` at INFO.
#[derive(Clone, Copy, Debug, Default)]
pub struct LogSink;

impl EventSink for LogSink {
    fn publish(&self, event: &Event) -> Result<(), BoxError> {
        match event {
            Event::LevelUp(up) => tracing::info!(
                member = %up.member,
                old_level = up.old_level,
                new_level = up.new_level,
                tier = %up.tier.name,
                xp = up.xp,
                "level up"
            ),
            Event::LevelDown(down) => tracing::info!(
                member = %down.member,
                old_level = down.old_level,
                new_level = down.new_level,
                tier = %down.tier.name,
                xp = down.xp,
                "level down"
            ),
            Event::ToolUnlocked(unlocked) => tracing::info!(
                member = %unlocked.member,
                tool = %unlocked.tool.id,
                reason = unlocked.reason.as_str(),
                "tool unlocked"
            ),
            Event::MembersImported(imported) => tracing::info!(
                guild = %imported.guild,
                members = imported.members.len(),
                "import changed levels"
            ),
        }
        Ok(())
    }
}
