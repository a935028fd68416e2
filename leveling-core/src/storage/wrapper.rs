//! Decorators: a store that wraps another and changes only what it names.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{
    AdjustRequest, Adjusted, AwardRequest, CatalogStore, Forgotten, HistoryEntry, Imported, Member,
    ProfileStore, Restore, SettingsChange, SettingsStore, SettingsWrite, Standing, StatusStore,
    Storage, StoreStats, StoredAward, StoredSettings, TransferStore, XpImport, XpStore,
};
use crate::{
    GuildId, MemberId, NewUser, Page, PageRequest, Result, Tool, ToolId, Unlock, UnlockReason,
    UserId, UserPatch, UserProfile,
};

/// A store that wraps another: every method forwards to [`inner`](Self::inner) unless
/// the wrapper overrides it. Implementing this trait makes the wrapper a [`Storage`]
/// (through blanket implementations of the six store traits).
///
/// `Arc<S>` and `Box<S>` are wrappers of `S`, so a shared or boxed store (also
/// `Arc<dyn Storage>`) is a store.
///
/// It lives in its own module, outside `storage::*`: a type that is both a wrapper and
/// (through it) an [`XpStore`] has two `award` methods, and a glob import of both would
/// make `store.award(…)` ambiguous.
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use leveling_core::storage::{AwardRequest, Storage, StoredAward, wrapper::StoreWrapper};
///
/// struct Counting<S> { inner: S, awards: AtomicU64 }
///
/// #[async_trait::async_trait]
/// impl<S: Storage> StoreWrapper for Counting<S> {
///     type Inner = S;
///     fn inner(&self) -> &S { &self.inner }
///     async fn award(&self, request: &AwardRequest) -> leveling_core::Result<StoredAward> {
///         self.awards.fetch_add(1, Ordering::Relaxed);
///         self.inner.award(request).await
///     }
/// }
/// # fn is_store(_: impl Storage) {}
/// # fn check<S: Storage>(s: S) { is_store(Counting { inner: s, awards: AtomicU64::new(0) }) }
/// ```
#[async_trait]
pub trait StoreWrapper: Send + Sync + 'static {
    /// The wrapped store.
    type Inner: Storage + ?Sized;

    /// The wrapped store.
    fn inner(&self) -> &Self::Inner;

    /// See [`XpStore::award`].
    async fn award(&self, request: &AwardRequest) -> Result<StoredAward> {
        self.inner().award(request).await
    }
    /// See [`XpStore::adjust`].
    async fn adjust(&self, request: &AdjustRequest) -> Result<Adjusted> {
        self.inner().adjust(request).await
    }
    /// See [`XpStore::member`].
    async fn member(&self, id: MemberId) -> Result<Option<Member>> {
        self.inner().member(id).await
    }
    /// See [`XpStore::rank`].
    async fn rank(&self, id: MemberId) -> Result<Option<u64>> {
        self.inner().rank(id).await
    }
    /// See [`XpStore::leaderboard`].
    async fn leaderboard(&self, guild: GuildId, page: PageRequest) -> Result<Page<Standing>> {
        self.inner().leaderboard(guild, page).await
    }
    /// See [`XpStore::history`].
    async fn history(&self, id: MemberId, page: PageRequest) -> Result<Page<HistoryEntry>> {
        self.inner().history(id, page).await
    }
    /// See [`ProfileStore::upsert_user`].
    async fn upsert_user(&self, user: &NewUser, now: DateTime<Utc>) -> Result<(UserProfile, bool)> {
        self.inner().upsert_user(user, now).await
    }
    /// See [`ProfileStore::update_user`].
    async fn update_user(
        &self,
        id: UserId,
        patch: &UserPatch,
        now: DateTime<Utc>,
    ) -> Result<Option<UserProfile>> {
        self.inner().update_user(id, patch, now).await
    }
    /// See [`ProfileStore::user`].
    async fn user(&self, id: UserId) -> Result<Option<UserProfile>> {
        self.inner().user(id).await
    }
    /// See [`ProfileStore::users`].
    async fn users(&self, page: PageRequest) -> Result<Page<UserProfile>> {
        self.inner().users(page).await
    }
    /// See [`CatalogStore::create_tool`].
    async fn create_tool(&self, tool: &Tool) -> Result<()> {
        self.inner().create_tool(tool).await
    }
    /// See [`CatalogStore::tools`].
    async fn tools(&self) -> Result<Vec<Tool>> {
        self.inner().tools().await
    }
    /// See [`CatalogStore::record_unlock`].
    async fn record_unlock(
        &self,
        id: MemberId,
        tool: &ToolId,
        reason: UnlockReason,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        self.inner().record_unlock(id, tool, reason, at).await
    }
    /// See [`CatalogStore::unlocks`].
    async fn unlocks(&self, id: MemberId) -> Result<Vec<Unlock>> {
        self.inner().unlocks(id).await
    }
    /// See [`SettingsStore::guild_settings`].
    async fn guild_settings(&self, guild: GuildId) -> Result<Option<StoredSettings>> {
        self.inner().guild_settings(guild).await
    }
    /// See [`SettingsStore::save_guild_settings`].
    async fn save_guild_settings(&self, write: &SettingsWrite) -> Result<StoredSettings> {
        self.inner().save_guild_settings(write).await
    }
    /// See [`SettingsStore::settings_changed`].
    async fn settings_changed(&self, after: u64, limit: u32) -> Result<Vec<StoredSettings>> {
        self.inner().settings_changed(after, limit).await
    }
    /// See [`SettingsStore::settings_audit`].
    async fn settings_audit(
        &self,
        guild: GuildId,
        page: PageRequest,
    ) -> Result<Page<SettingsChange>> {
        self.inner().settings_audit(guild, page).await
    }
    /// See [`StatusStore::stats`].
    async fn stats(&self) -> Result<StoreStats> {
        self.inner().stats().await
    }
    /// See [`StatusStore::health`].
    async fn health(&self) -> Result<()> {
        self.inner().health().await
    }
    /// See [`TransferStore::import_xp`].
    async fn import_xp(&self, batch: &XpImport) -> Result<Vec<Imported>> {
        self.inner().import_xp(batch).await
    }
    /// See [`TransferStore::restore`].
    async fn restore(&self, batch: &Restore) -> Result<()> {
        self.inner().restore(batch).await
    }
    /// See [`TransferStore::members_after`].
    async fn members_after(
        &self,
        guild: Option<GuildId>,
        after: Option<MemberId>,
        limit: u32,
    ) -> Result<Vec<Member>> {
        self.inner().members_after(guild, after, limit).await
    }
    /// See [`TransferStore::user_members`].
    async fn user_members(&self, user: UserId) -> Result<Vec<Member>> {
        self.inner().user_members(user).await
    }
    /// See [`TransferStore::forget_user`].
    async fn forget_user(&self, user: UserId) -> Result<Forgotten> {
        self.inner().forget_user(user).await
    }
}

impl<S: Storage + ?Sized> StoreWrapper for Arc<S> {
    type Inner = S;
    fn inner(&self) -> &S {
        self
    }
}

impl<S: Storage + ?Sized> StoreWrapper for Box<S> {
    type Inner = S;
    fn inner(&self) -> &S {
        self
    }
}

#[async_trait]
impl<W: StoreWrapper> XpStore for W {
    async fn award(&self, request: &AwardRequest) -> Result<StoredAward> {
        StoreWrapper::award(self, request).await
    }
    async fn adjust(&self, request: &AdjustRequest) -> Result<Adjusted> {
        StoreWrapper::adjust(self, request).await
    }
    async fn member(&self, id: MemberId) -> Result<Option<Member>> {
        StoreWrapper::member(self, id).await
    }
    async fn rank(&self, id: MemberId) -> Result<Option<u64>> {
        StoreWrapper::rank(self, id).await
    }
    async fn leaderboard(&self, guild: GuildId, page: PageRequest) -> Result<Page<Standing>> {
        StoreWrapper::leaderboard(self, guild, page).await
    }
    async fn history(&self, id: MemberId, page: PageRequest) -> Result<Page<HistoryEntry>> {
        StoreWrapper::history(self, id, page).await
    }
}

#[async_trait]
impl<W: StoreWrapper> ProfileStore for W {
    async fn upsert_user(&self, user: &NewUser, now: DateTime<Utc>) -> Result<(UserProfile, bool)> {
        StoreWrapper::upsert_user(self, user, now).await
    }
    async fn update_user(
        &self,
        id: UserId,
        patch: &UserPatch,
        now: DateTime<Utc>,
    ) -> Result<Option<UserProfile>> {
        StoreWrapper::update_user(self, id, patch, now).await
    }
    async fn user(&self, id: UserId) -> Result<Option<UserProfile>> {
        StoreWrapper::user(self, id).await
    }
    async fn users(&self, page: PageRequest) -> Result<Page<UserProfile>> {
        StoreWrapper::users(self, page).await
    }
}

#[async_trait]
impl<W: StoreWrapper> CatalogStore for W {
    async fn create_tool(&self, tool: &Tool) -> Result<()> {
        StoreWrapper::create_tool(self, tool).await
    }
    async fn tools(&self) -> Result<Vec<Tool>> {
        StoreWrapper::tools(self).await
    }
    async fn record_unlock(
        &self,
        id: MemberId,
        tool: &ToolId,
        reason: UnlockReason,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        StoreWrapper::record_unlock(self, id, tool, reason, at).await
    }
    async fn unlocks(&self, id: MemberId) -> Result<Vec<Unlock>> {
        StoreWrapper::unlocks(self, id).await
    }
}

#[async_trait]
impl<W: StoreWrapper> SettingsStore for W {
    async fn guild_settings(&self, guild: GuildId) -> Result<Option<StoredSettings>> {
        StoreWrapper::guild_settings(self, guild).await
    }
    async fn save_guild_settings(&self, write: &SettingsWrite) -> Result<StoredSettings> {
        StoreWrapper::save_guild_settings(self, write).await
    }
    async fn settings_changed(&self, after: u64, limit: u32) -> Result<Vec<StoredSettings>> {
        StoreWrapper::settings_changed(self, after, limit).await
    }
    async fn settings_audit(
        &self,
        guild: GuildId,
        page: PageRequest,
    ) -> Result<Page<SettingsChange>> {
        StoreWrapper::settings_audit(self, guild, page).await
    }
}

#[async_trait]
impl<W: StoreWrapper> StatusStore for W {
    async fn stats(&self) -> Result<StoreStats> {
        StoreWrapper::stats(self).await
    }
    async fn health(&self) -> Result<()> {
        StoreWrapper::health(self).await
    }
}

#[async_trait]
impl<W: StoreWrapper> TransferStore for W {
    async fn import_xp(&self, batch: &XpImport) -> Result<Vec<Imported>> {
        StoreWrapper::import_xp(self, batch).await
    }
    async fn restore(&self, batch: &Restore) -> Result<()> {
        StoreWrapper::restore(self, batch).await
    }
    async fn members_after(
        &self,
        guild: Option<GuildId>,
        after: Option<MemberId>,
        limit: u32,
    ) -> Result<Vec<Member>> {
        StoreWrapper::members_after(self, guild, after, limit).await
    }
    async fn user_members(&self, user: UserId) -> Result<Vec<Member>> {
        StoreWrapper::user_members(self, user).await
    }
    async fn forget_user(&self, user: UserId) -> Result<Forgotten> {
        StoreWrapper::forget_user(self, user).await
    }
}
