//! Guild settings and their audit log: one mutex, since writes are rare and a write
//! must check the version, bump the store-wide counter and append to the log at once.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use leveling_core::storage::{SettingsChange, SettingsStore, SettingsWrite, StoredSettings};
use leveling_core::{Error, GuildId, Page, PageRequest, Result};

use crate::{MemoryStore, lock, page_bounds};

/// Every guild's row, by guild and by version, and the audit logs (oldest first).
#[derive(Debug, Default)]
pub(crate) struct Settings {
    rows: HashMap<GuildId, StoredSettings>,
    by_version: BTreeMap<u64, GuildId>,
    audit: HashMap<GuildId, Vec<SettingsChange>>,
    version: u64,
}

#[async_trait]
impl SettingsStore for MemoryStore {
    async fn guild_settings(&self, guild: GuildId) -> Result<Option<StoredSettings>> {
        Ok(lock(&self.settings).rows.get(&guild).cloned())
    }

    async fn save_guild_settings(&self, write: &SettingsWrite) -> Result<StoredSettings> {
        let mut settings = lock(&self.settings);
        let current = settings.rows.get(&write.guild).map(|row| row.version);
        if current != write.expected {
            return Err(Error::Conflict(format!(
                "the settings of guild {} changed meanwhile",
                write.guild
            )));
        }
        settings.version += 1;
        let row = StoredSettings {
            guild: write.guild,
            settings: write.settings.clone(),
            updated_at: write.now,
            version: settings.version,
        };
        if let Some(old) = current {
            settings.by_version.remove(&old);
        }
        settings.by_version.insert(row.version, write.guild);
        settings.rows.insert(write.guild, row.clone());
        settings
            .audit
            .entry(write.guild)
            .or_default()
            .push(SettingsChange {
                actor: write.actor,
                changed_at: write.now,
                before: write.before.clone(),
                after: write.after.clone(),
            });
        Ok(row)
    }

    async fn settings_changed(&self, after: u64, limit: u32) -> Result<Vec<StoredSettings>> {
        let settings = lock(&self.settings);
        Ok(settings
            .by_version
            .range(after.saturating_add(1)..)
            .take(limit as usize)
            .filter_map(|(_, guild)| settings.rows.get(guild).cloned())
            .collect())
    }

    async fn settings_audit(
        &self,
        guild: GuildId,
        page: PageRequest,
    ) -> Result<Page<SettingsChange>> {
        let settings = lock(&self.settings);
        let log = settings.audit.get(&guild).map_or(&[][..], Vec::as_slice);
        let (offset, limit) = page_bounds(page, log.len());
        Ok(Page {
            items: log.iter().rev().skip(offset).take(limit).cloned().collect(),
            total: log.len() as u64,
        })
    }
}
