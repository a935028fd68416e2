//! Per-guild settings and their audit log.
//!
//! A guild has a row once its settings were first written. The row holds the guild's own
//! [`GuildSettings`], or none after a reset (the guild follows the server's defaults
//! again), and the store-wide **version** of the write. Versions let caches follow the
//! store ([`SettingsStore::settings_changed`]) and make writes safe without locks in the
//! caller: a write names the version it read, and the store refuses it
//! ([`Error::Conflict`](crate::Error::Conflict)) when another write came first — so two
//! admins changing one guild at once never lose one change silently.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::{GuildId, GuildSettings, Page, PageRequest, Result, UserId};

/// A guild's settings row.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredSettings {
    /// The guild.
    pub guild: GuildId,
    /// The guild's own settings; `None` after a reset (the defaults apply).
    pub settings: Option<GuildSettings>,
    /// When the row was last written.
    pub updated_at: DateTime<Utc>,
    /// The store-wide version of that write: greater than every version written before
    /// it, in every guild.
    pub version: u64,
}

/// A write of one guild's settings, recorded in its audit log.
#[derive(Clone, Debug, PartialEq)]
pub struct SettingsWrite {
    /// The guild.
    pub guild: GuildId,
    /// The version of the row the change was computed from; `None` when the guild had no
    /// row. When the row is not at this version any more (or exists, for `None`), the
    /// write is refused with [`Error::Conflict`](crate::Error::Conflict) and nothing is
    /// written.
    pub expected: Option<u64>,
    /// The new settings; `None` resets the guild to the defaults.
    pub settings: Option<GuildSettings>,
    /// Who made the change (`None`: the system, an API call without a user).
    pub actor: Option<UserId>,
    /// The settings in force before the change (the defaults when the guild had none),
    /// for the audit log.
    pub before: GuildSettings,
    /// The settings in force after it, for the audit log.
    pub after: GuildSettings,
    /// When.
    pub now: DateTime<Utc>,
}

/// One entry of a guild's audit log.
#[derive(Clone, Debug, PartialEq)]
pub struct SettingsChange {
    /// Who made the change.
    pub actor: Option<UserId>,
    /// When.
    pub changed_at: DateTime<Utc>,
    /// The settings in force before.
    pub before: GuildSettings,
    /// The settings in force after.
    pub after: GuildSettings,
}

/// Where guild settings and their audit log live.
#[async_trait]
pub trait SettingsStore: Send + Sync + 'static {
    /// The guild's row, `None` when its settings were never written.
    async fn guild_settings(&self, guild: GuildId) -> Result<Option<StoredSettings>>;

    /// Writes the row and appends the audit entry, atomically, if the row is still at
    /// `write.expected` ([`Error::Conflict`](crate::Error::Conflict) otherwise, nothing
    /// written). Returns the new row, whose version is greater than any before.
    async fn save_guild_settings(&self, write: &SettingsWrite) -> Result<StoredSettings>;

    /// The rows written with a version greater than `after`, by version, at most
    /// `limit`: a cache that remembers the greatest version it saw asks for what changed
    /// since, in every guild.
    async fn settings_changed(&self, after: u64, limit: u32) -> Result<Vec<StoredSettings>>;

    /// A guild's audit log, newest first, and its length.
    async fn settings_audit(
        &self,
        guild: GuildId,
        page: PageRequest,
    ) -> Result<Page<SettingsChange>>;
}
