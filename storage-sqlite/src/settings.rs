//! Guild settings and their audit log: writes through the writer (the version check, the
//! next version and the audit entry in one transaction), reads from the pool.

use async_trait::async_trait;
use leveling_core::storage::{SettingsChange, SettingsStore, SettingsWrite, StoredSettings};
use leveling_core::{Error, GuildId, GuildSettings, Page, PageRequest, Result, UserId};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::batch::{Done, Op, version};
use crate::codec::{dec, enc, time};
use crate::error::decode;
use crate::{SqliteStore, bounds, mismatch, sql};

#[async_trait]
impl SettingsStore for SqliteStore {
    async fn guild_settings(&self, guild: GuildId) -> Result<Option<StoredSettings>> {
        let row = sqlx::query(sql::GUILD_SETTINGS)
            .bind(enc(guild.0))
            .fetch_optional(self.readers())
            .await
            .map_err(decode("guild settings"))?;
        row.as_ref().map(stored_settings).transpose()
    }

    async fn save_guild_settings(&self, write: &SettingsWrite) -> Result<StoredSettings> {
        match self
            .write(Op::SaveSettings(Box::new(write.clone())))
            .await?
        {
            Done::Settings(row) => Ok(*row),
            _ => Err(mismatch()),
        }
    }

    async fn settings_changed(&self, after: u64, limit: u32) -> Result<Vec<StoredSettings>> {
        // Stored versions are positive `INTEGER`s: nothing is above `i64::MAX`.
        let Ok(after) = i64::try_from(after) else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query(sql::SETTINGS_CHANGED)
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(self.readers())
            .await
            .map_err(decode("changed guild settings"))?;
        rows.iter().map(stored_settings).collect()
    }

    async fn settings_audit(
        &self,
        guild: GuildId,
        page: PageRequest,
    ) -> Result<Page<SettingsChange>> {
        let context = decode("settings audit");
        let (limit, offset) = bounds(page);
        // One snapshot for the total and the page.
        let mut tx = self.readers().begin().await.map_err(&context)?;
        let total: i64 = sqlx::query_scalar(sql::SETTINGS_AUDIT_COUNT)
            .bind(enc(guild.0))
            .fetch_one(&mut *tx)
            .await
            .map_err(&context)?;
        let rows = sqlx::query(sql::SETTINGS_AUDIT)
            .bind(enc(guild.0))
            .bind(limit)
            .bind(offset)
            .fetch_all(&mut *tx)
            .await
            .map_err(&context)?;
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            let actor: Option<i64> = row.try_get("actor").map_err(&context)?;
            let before: String = row.try_get("before").map_err(&context)?;
            let after: String = row.try_get("after").map_err(&context)?;
            items.push(SettingsChange {
                actor: actor.map(|a| UserId(dec(a))),
                changed_at: time(row.try_get("changed_at").map_err(&context)?)?,
                before: parse("settings audit", &before)?,
                after: parse("settings audit", &after)?,
            });
        }
        Ok(Page {
            items,
            total: u64::try_from(total).unwrap_or(0),
        })
    }
}

fn stored_settings(row: &SqliteRow) -> Result<StoredSettings> {
    let context = decode("guild settings");
    let settings: Option<String> = row.try_get("settings").map_err(&context)?;
    Ok(StoredSettings {
        guild: GuildId(dec(row.try_get("guild").map_err(&context)?)),
        settings: settings
            .as_deref()
            .map(|json| parse("guild settings", json))
            .transpose()?,
        updated_at: time(row.try_get("updated_at").map_err(&context)?)?,
        version: version(row.try_get("version").map_err(&context)?),
    })
}

/// Stored settings JSON back; malformed JSON (or a shape this build does not know) is an
/// `Internal` error naming what was read, never a panic.
fn parse(context: &str, json: &str) -> Result<GuildSettings> {
    serde_json::from_str(json).map_err(|e| {
        Error::internal(
            format!("{context}: the database holds malformed settings"),
            e,
        )
    })
}
