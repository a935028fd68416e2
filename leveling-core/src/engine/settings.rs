//! Per-guild settings in the engine: read through a cache, changed with a patch, followed
//! across replicas.
//!
//! The award path asks the cache, never the store, once a guild was seen: a guild's
//! settings are loaded on its first award (one read) and then kept. A change made through
//! this engine is in force at once; a change made through another engine on the same
//! store is in force here once [`Leveling::poll_settings`] has seen it (the embedder
//! calls it every [`DEFAULT_SETTINGS_POLL`]).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::Leveling;
use crate::storage::{SettingsChange, SettingsWrite, StoredSettings};
use crate::{
    Error, GuildId, GuildSettings, GuildSettingsPatch, Page, PageRequest, Result, Rules, UserId,
};

/// How often to call [`Leveling::poll_settings`]: a change made through another engine
/// is then in force here within this (plus one store round trip).
pub const DEFAULT_SETTINGS_POLL: Duration = Duration::from_secs(2);

/// How many times a patch is recomputed when another write came first.
const PATCH_ATTEMPTS: usize = 8;

/// A guild's settings as they apply.
#[derive(Clone, Debug, PartialEq)]
pub struct GuildSettingsView {
    /// The guild.
    pub guild: GuildId,
    /// The settings in force (the defaults when the guild has none of its own).
    pub settings: GuildSettings,
    /// Whether the guild has settings of its own (`false`: the server's defaults).
    pub own: bool,
    /// When they were last changed (`None`: never).
    pub updated_at: Option<DateTime<Utc>>,
}

/// One guild's cached settings: the value in force, the effective rules, and the row's
/// version (0 when the guild has no row).
#[derive(Debug)]
pub(crate) struct Cached {
    pub(crate) settings: Arc<GuildSettings>,
    pub(crate) rules: Arc<Rules>,
    /// No multiplier and no no-XP list: every activity earns its base XP, so the award
    /// path skips the context.
    pub(crate) plain: bool,
    own: bool,
    updated_at: Option<DateTime<Utc>>,
    version: u64,
}

/// Guild ids are snowflakes (or small test ids): a multiply-xor mix spreads them at a
/// fraction of SipHash's cost on the award path. Nothing outside picks the keys' hashes
/// here: the map holds only guilds the engine serves.
#[derive(Default)]
struct GuildHasher(u64);

impl Hasher for GuildHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u64(&mut self, n: u64) {
        let mixed = (self.0 ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = mixed ^ (mixed >> 29);
    }
}

/// The engine's settings cache.
#[derive(Debug)]
pub(crate) struct SettingsCache {
    defaults: Arc<GuildSettings>,
    rules: Rules,
    guilds: RwLock<HashMap<GuildId, Arc<Cached>, BuildHasherDefault<GuildHasher>>>,
    /// The greatest version [`Leveling::poll_settings`] has seen.
    cursor: std::sync::atomic::AtomicU64,
}

impl SettingsCache {
    pub(crate) fn new(rules: &Rules, defaults: GuildSettings) -> Self {
        Self {
            defaults: Arc::new(defaults),
            rules: rules.clone(),
            guilds: RwLock::default(),
            cursor: Default::default(),
        }
    }

    fn get(&self, guild: GuildId) -> Option<Arc<Cached>> {
        let guilds = self.guilds.read().unwrap_or_else(PoisonError::into_inner);
        guilds.get(&guild).cloned()
    }

    /// The entry for a row (or for no row), from the store.
    fn entry(&self, row: Option<&StoredSettings>) -> Arc<Cached> {
        let own = row.and_then(|r| r.settings.clone());
        let settings = own.map_or_else(|| self.defaults.clone(), Arc::new);
        let (multipliers, no_xp) = (&settings.multipliers, &settings.no_xp);
        let plain = multipliers.roles.is_empty()
            && multipliers.channels.is_empty()
            && multipliers.event.is_none()
            && no_xp.channels.is_empty()
            && no_xp.roles.is_empty();
        Arc::new(Cached {
            plain,
            rules: Arc::new(settings.rules.to_rules(&self.rules)),
            own: row.is_some_and(|r| r.settings.is_some()),
            updated_at: row.map(|r| r.updated_at),
            version: row.map_or(0, |r| r.version),
            settings,
        })
    }

    /// Keeps `entry` unless a newer version is cached already; returns what is cached.
    fn put(&self, guild: GuildId, entry: Arc<Cached>) -> Arc<Cached> {
        let mut guilds = self.guilds.write().unwrap_or_else(PoisonError::into_inner);
        let slot = guilds.entry(guild).or_insert_with(|| entry.clone());
        if slot.version < entry.version {
            *slot = entry;
        }
        slot.clone()
    }

    fn view(guild: GuildId, cached: &Cached) -> GuildSettingsView {
        GuildSettingsView {
            guild,
            settings: (*cached.settings).clone(),
            own: cached.own,
            updated_at: cached.updated_at,
        }
    }
}

impl Leveling {
    /// The cached settings of `guild`, loaded on first use.
    pub(crate) async fn cached_settings(&self, guild: GuildId) -> Result<Arc<Cached>> {
        let cache = &self.inner.settings;
        if let Some(cached) = cache.get(guild) {
            return Ok(cached);
        }
        let row = self
            .store()
            .guild_settings(guild)
            .await
            .inspect_err(super::metrics::store_error)?;
        Ok(cache.put(guild, cache.entry(row.as_ref())))
    }

    /// The settings of a guild without settings of its own: those given to
    /// [`LevelingBuilder::default_settings`](crate::LevelingBuilder::default_settings), else
    /// [`GuildSettings::from_rules`] of the engine's [`Rules`].
    pub fn default_settings(&self) -> &GuildSettings {
        &self.inner.settings.defaults
    }

    /// Whether a guild's settings look at an award's [`AwardContext`](crate::AwardContext)
    /// (it has multipliers or no-XP lists). When they do not, an adapter may skip
    /// gathering it (channel parents, member roles): the award earns the same without.
    /// From the cache, like the award path.
    pub async fn context_matters(&self, guild: GuildId) -> Result<bool> {
        Ok(!self.cached_settings(guild).await?.plain)
    }

    /// A guild's settings as they apply now.
    pub async fn guild_settings(&self, guild: GuildId) -> Result<GuildSettingsView> {
        let cached = self.cached_settings(guild).await?;
        Ok(SettingsCache::view(guild, &cached))
    }

    /// Changes a guild's settings: `patch` applied to the settings in force ("objects
    /// merge, lists replace", [`GuildSettings::apply`]), validated, stored and recorded in
    /// the guild's audit log with `actor`. In force on this engine at once.
    ///
    /// A bad value is [`Error::InvalidInput`] naming the field; nothing is stored. When
    /// another change to the guild lands in between, the patch is applied again to the
    /// newer settings, so no change is lost.
    pub async fn update_guild_settings(
        &self,
        guild: GuildId,
        patch: &GuildSettingsPatch,
        actor: Option<UserId>,
    ) -> Result<GuildSettingsView> {
        self.write_settings(guild, actor, |current| {
            current.apply(patch).map(Some).map_err(Error::from)
        })
        .await
    }

    /// Changes a guild's settings by a function of the settings in force: `change` gets
    /// them and returns the new settings (validated before they are stored) or an
    /// error, which is returned as it is with nothing stored. Recorded in the audit log
    /// with `actor`. When another change lands in between, `change` runs again on the
    /// newer settings — so a change computed from the current value (add a reward role
    /// to the list, say) loses no concurrent change, which a [`GuildSettingsPatch`]
    /// built from an earlier read would (its lists replace).
    ///
    /// ```
    /// # use leveling_core::{Leveling, GuildId, RewardRole, RoleId};
    /// # async fn demo(leveling: Leveling) -> leveling_core::Result<()> {
    /// leveling
    ///     .modify_guild_settings(GuildId(1), None, |current| {
    ///         let mut next = current.clone();
    ///         next.rewards.roles.push(RewardRole { level: 10, role_id: RoleId(42) });
    ///         Ok(next)
    ///     })
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn modify_guild_settings(
        &self,
        guild: GuildId,
        actor: Option<UserId>,
        change: impl Fn(&GuildSettings) -> Result<GuildSettings>,
    ) -> Result<GuildSettingsView> {
        self.write_settings(guild, actor, |current| {
            let next = change(current)?;
            next.validate()?;
            Ok(Some(next))
        })
        .await
    }

    /// Puts a guild back on the defaults (recorded in the audit log with `actor`).
    pub async fn reset_guild_settings(
        &self,
        guild: GuildId,
        actor: Option<UserId>,
    ) -> Result<GuildSettingsView> {
        self.write_settings(guild, actor, |_| Ok(None)).await
    }

    /// A guild's settings audit log, newest first.
    pub async fn settings_audit(
        &self,
        guild: GuildId,
        page: PageRequest,
    ) -> Result<Page<SettingsChange>> {
        self.store()
            .settings_audit(guild, page)
            .await
            .inspect_err(super::metrics::store_error)
    }

    async fn write_settings(
        &self,
        guild: GuildId,
        actor: Option<UserId>,
        change: impl Fn(&GuildSettings) -> Result<Option<GuildSettings>>,
    ) -> Result<GuildSettingsView> {
        let cache = &self.inner.settings;
        for _ in 0..PATCH_ATTEMPTS {
            // Read the row itself, not the cache: the write must name the version it saw.
            let row = self
                .store()
                .guild_settings(guild)
                .await
                .inspect_err(super::metrics::store_error)?;
            let current = cache.entry(row.as_ref());
            let settings = change(&current.settings)?;
            let write = SettingsWrite {
                guild,
                expected: row.as_ref().map(|r| r.version),
                after: settings
                    .clone()
                    .unwrap_or_else(|| (*cache.defaults).clone()),
                settings,
                actor,
                before: (*current.settings).clone(),
                now: self.inner.clock.now(),
            };
            match self.store().save_guild_settings(&write).await {
                Ok(saved) => {
                    let cached = cache.put(guild, cache.entry(Some(&saved)));
                    return Ok(SettingsCache::view(guild, &cached));
                }
                // The optimistic write's expected race, not a failure: not counted.
                Err(Error::Conflict(_)) => continue,
                Err(error) => {
                    super::metrics::store_error(&error);
                    return Err(error);
                }
            }
        }
        Err(Error::Conflict(format!(
            "the settings of guild {guild} kept changing meanwhile; try again"
        )))
    }

    /// Follows settings changes made through other engines on the same store: applies to
    /// the cache every change the store has since the last poll, and returns how many it
    /// applied. Call it every few seconds ([`DEFAULT_SETTINGS_POLL`]) when several engines
    /// (replicas, shards) share a store; the core runs no timer of its own (it knows no
    /// runtime), so the loop is the embedder's:
    ///
    /// ```no_run
    /// # async fn demo(leveling: leveling_core::Leveling) {
    /// use leveling_core::DEFAULT_SETTINGS_POLL;
    ///
    /// tokio::spawn(async move {
    ///     loop {
    ///         tokio::time::sleep(DEFAULT_SETTINGS_POLL).await;
    ///         if let Err(error) = leveling.poll_settings().await {
    ///             tracing::warn!(%error, "polling settings changes failed");
    ///         }
    ///     }
    /// });
    /// # }
    /// ```
    pub async fn poll_settings(&self) -> Result<usize> {
        use std::sync::atomic::Ordering;
        let cache = &self.inner.settings;
        let mut applied = 0;
        loop {
            let after = cache.cursor.load(Ordering::Acquire);
            let rows = self
                .store()
                .settings_changed(after, 500)
                .await
                .inspect_err(super::metrics::store_error)?;
            let Some(last) = rows.last().map(|r| r.version) else {
                return Ok(applied);
            };
            for row in &rows {
                cache.put(row.guild, cache.entry(Some(row)));
            }
            applied += rows.len();
            cache.cursor.fetch_max(last, Ordering::AcqRel);
        }
    }
}
