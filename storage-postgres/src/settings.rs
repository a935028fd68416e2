//! Guild settings and their audit log. Settings cross the database as serde_json text
//! (`TEXT` columns, so the exact text round-trips); versions are one store-wide counter
//! whose row lock serializes writes (see [`sql::NEXT_SETTINGS_VERSION`]).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use leveling_core::storage::{SettingsChange, SettingsStore, SettingsWrite, StoredSettings};
use leveling_core::{Error, GuildId, GuildSettings, Page, PageRequest, Result, UserId};

use crate::codec::{clamp_i64, decode_id, encode_id, to_u64};
use crate::errors::db_error;
use crate::{PostgresStore, sql};

/// A row of [`sql::GUILD_SETTINGS`], [`sql::SETTINGS_CHANGED`] and [`sql::SAVE_SETTINGS`].
#[derive(sqlx::FromRow)]
struct SettingsRow {
    guild: i64,
    settings: Option<String>,
    updated_at: DateTime<Utc>,
    version: i64,
}

impl SettingsRow {
    fn into_stored(self) -> Result<StoredSettings> {
        let guild = GuildId(decode_id(self.guild));
        Ok(StoredSettings {
            guild,
            settings: self
                .settings
                .as_deref()
                .map(|json| decode(json, "guild_settings"))
                .transpose()?,
            updated_at: self.updated_at,
            version: to_u64(self.version, "settings version")?,
        })
    }
}

/// A row of [`sql::SETTINGS_AUDIT`].
#[derive(sqlx::FromRow)]
struct AuditRow {
    actor: Option<i64>,
    changed_at: DateTime<Utc>,
    before: String,
    after: String,
}

impl AuditRow {
    fn into_change(self) -> Result<SettingsChange> {
        Ok(SettingsChange {
            actor: self.actor.map(|actor| UserId(decode_id(actor))),
            changed_at: self.changed_at,
            before: decode(&self.before, "settings_audit")?,
            after: decode(&self.after, "settings_audit")?,
        })
    }
}

/// Settings as stored: serde_json text (its f64 output round-trips through the
/// `float_roundtrip` parser).
fn encode(settings: &GuildSettings) -> Result<String> {
    serde_json::to_string(settings)
        .map_err(|e| Error::internal("guild settings: cannot encode the settings as JSON", e))
}

/// Stored settings back; malformed or foreign JSON in `table` is an internal error.
fn decode(json: &str, table: &'static str) -> Result<GuildSettings> {
    serde_json::from_str(json).map_err(|e| {
        Error::internal(
            format!("{table}: the database holds settings that are not valid GuildSettings JSON"),
            e,
        )
    })
}

fn conflict(guild: GuildId) -> Error {
    Error::Conflict(format!("the settings of guild {guild} changed meanwhile"))
}

#[async_trait]
impl SettingsStore for PostgresStore {
    async fn guild_settings(&self, guild: GuildId) -> Result<Option<StoredSettings>> {
        let row: Option<SettingsRow> = sqlx::query_as(sql::GUILD_SETTINGS)
            .bind(encode_id(guild.0))
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error("guild settings"))?;
        row.map(SettingsRow::into_stored).transpose()
    }

    async fn save_guild_settings(&self, write: &SettingsWrite) -> Result<StoredSettings> {
        // A version past i64::MAX was never stored: the row cannot be at it.
        let expected = match write.expected.map(i64::try_from).transpose() {
            Ok(expected) => expected,
            Err(_) => return Err(conflict(write.guild)),
        };
        let settings = write.settings.as_ref().map(encode).transpose()?;
        let before = encode(&write.before)?;
        let after = encode(&write.after)?;

        let context = "saving guild settings";
        let mut tx = self.pool.begin().await.map_err(db_error(context))?;
        // First, and alone in its statement: the counter's row lock serializes settings
        // writes until commit, so versions follow commit order (see the statement).
        let version: i64 = sqlx::query_scalar(sql::NEXT_SETTINGS_VERSION)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_error(context))?;
        let saved: Option<SettingsRow> = sqlx::query_as(sql::SAVE_SETTINGS)
            .bind(encode_id(write.guild.0))
            .bind(settings)
            .bind(write.now)
            .bind(version)
            .bind(expected)
            .bind(write.actor.map(|actor| encode_id(actor.0)))
            .bind(before)
            .bind(after)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error(context))?;
        let Some(saved) = saved else {
            // Stale: nothing was written, and the counter's increment goes with it.
            tx.rollback().await.map_err(db_error(context))?;
            return Err(conflict(write.guild));
        };
        let stored = saved.into_stored()?;
        // Delivered at commit, to every process LISTENing on this schema's channel
        // (`follow_settings`): other replicas' caches follow at once, not at their next poll.
        sqlx::query(sql::NOTIFY_SETTINGS)
            .bind(version.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db_error(context))?;
        tx.commit().await.map_err(db_error(context))?;
        Ok(stored)
    }

    async fn settings_changed(&self, after: u64, limit: u32) -> Result<Vec<StoredSettings>> {
        let rows: Vec<SettingsRow> = sqlx::query_as(sql::SETTINGS_CHANGED)
            .bind(clamp_i64(after))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("changed settings"))?;
        rows.into_iter().map(SettingsRow::into_stored).collect()
    }

    async fn settings_audit(
        &self,
        guild: GuildId,
        page: PageRequest,
    ) -> Result<Page<SettingsChange>> {
        let total: i64 = sqlx::query_scalar(sql::SETTINGS_AUDIT_COUNT)
            .bind(encode_id(guild.0))
            .fetch_one(&self.pool)
            .await
            .map_err(db_error("settings audit"))?;
        let rows: Vec<AuditRow> = sqlx::query_as(sql::SETTINGS_AUDIT)
            .bind(encode_id(guild.0))
            .bind(i64::from(page.limit()))
            .bind(clamp_i64(page.offset()))
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("settings audit"))?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(AuditRow::into_change)
                .collect::<Result<_>>()?,
            total: to_u64(total, "settings audit length")?,
        })
    }
}
