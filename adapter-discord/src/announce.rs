//! Level changes from any source (Discord, the HTTP API, an embedder): announced in
//! Discord and turned into reward roles, as the guild's settings say.
//!
//! [`AnnouncementSink`] is an [`EventSink`] registered on the engine: it only queues the
//! event (the award path never waits for Discord). A job — part of the
//! [`Jobs`](crate::Jobs) of [`Discord`](crate::Discord) (or [`run_announcer`], spawned by
//! hand) — takes the events from [`Announcements`] and makes the REST calls, once per
//! event, with the guild's [`GuildSettings`](leveling_core::GuildSettings) (read from the
//! engine's cache):
//!
//! - **announcements**: the `announce` section — mode (off, the same channel, a fixed
//!   channel, a DM), the [`Template`] and [`should_announce`] (every Nth level, tier
//!   changes only);
//! - **reward roles**: the `rewards` section, reconciled with [`reward_changes`] on every
//!   level change (up from any source, down through an admin change) that crosses a
//!   reward level. A role Discord refuses (gone from the guild, above the bot's role) is
//!   skipped with a log line;
//! - **imports** ([`Event::MembersImported`], one per import batch): the reward roles of
//!   every member whose level crossed a reward level, one member after the other
//!   (serenity's rate limiter paces the calls), and **no** announcement.
//!
//! A member whose guild or user id is 0 is not in a Discord guild (guild 0 is the HTTP
//! API's default when no guild is configured): their level changes make no Discord call.

use std::collections::HashMap;
use std::num::NonZeroU64;
use std::sync::{Arc, Mutex, PoisonError};

use leveling_core::{
    AnnounceMode, BoxError, Event, EventSink, LevelDown, LevelUp, Leveling, MemberId,
    MembersImported, Placeholder, RewardRole, Rewards, RoleChanges, Template, TemplateValues,
    reward_changes, should_announce,
};
use serenity::all::{
    ChannelId, CreateAllowedMentions, CreateMessage, GuildId, Http, RoleId, UserId,
};
use tokio::sync::mpsc;

/// How many level-ups may wait for Discord before new ones are dropped (and logged).
pub const QUEUE_CAPACITY: usize = 1024;

/// Where an announcement goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A guild channel.
    Channel(ChannelId),
    /// A direct message to the member.
    Dm,
}

/// Where a level-up is announced under a guild's `announce` settings, if anywhere:
/// `same` is the channel of the activity (none for an API grant or an admin change),
/// `channel` the fixed channel (none when unset), `dm` a direct message.
///
/// ```
/// use leveling_core::{Announce, AnnounceMode, ChannelId};
/// use leveling_discord::announce::{announcement_target, Target};
///
/// let mut announce = Announce::default(); // mode "same"
/// assert_eq!(announcement_target(&announce, Some(5)), Some(Target::Channel(5.try_into().unwrap())));
/// assert_eq!(announcement_target(&announce, None), None);
/// announce.mode = AnnounceMode::Channel;
/// announce.channel_id = Some(ChannelId(9));
/// assert_eq!(announcement_target(&announce, Some(5)), Some(Target::Channel(9.try_into().unwrap())));
/// announce.mode = AnnounceMode::Dm;
/// assert_eq!(announcement_target(&announce, None), Some(Target::Dm));
/// announce.mode = AnnounceMode::Off;
/// assert_eq!(announcement_target(&announce, Some(5)), None);
/// ```
pub fn announcement_target(
    announce: &leveling_core::Announce,
    event_channel: Option<u64>,
) -> Option<Target> {
    let channel = |id: u64| NonZeroU64::new(id).map(|id| Target::Channel(ChannelId::from(id)));
    match announce.mode {
        AnnounceMode::Off => None,
        AnnounceMode::Same => event_channel.and_then(channel),
        AnnounceMode::Channel => announce.channel_id.and_then(|id| channel(id.get())),
        AnnounceMode::Dm => Some(Target::Dm),
    }
}

/// Whether a change between `old_level` and `new_level` (either way) crosses a reward
/// level — a reward role's level in `(lower, higher]` — so the member's reward roles may
/// have to change. Other level changes leave the wanted roles as they were: no REST
/// call.
///
/// ```
/// use leveling_core::{RewardRole, Rewards, RoleId};
/// use leveling_discord::announce::crosses_reward_level;
///
/// let mut rewards = Rewards::default();
/// rewards.roles = vec![RewardRole { level: 5, role_id: RoleId(50) }];
/// assert!(crosses_reward_level(&rewards, 4, 5));
/// assert!(crosses_reward_level(&rewards, 9, 0)); // down past 5
/// assert!(!crosses_reward_level(&rewards, 5, 9));
/// ```
pub fn crosses_reward_level(rewards: &Rewards, old_level: u32, new_level: u32) -> bool {
    let (low, high) = (old_level.min(new_level), old_level.max(new_level));
    rewards
        .roles
        .iter()
        .any(|&RewardRole { level, .. }| level > low && level <= high)
}

/// The engine side: queues level-ups, level-downs and imports for the announcer task.
/// Never blocks.
#[derive(Clone, Debug)]
pub struct AnnouncementSink {
    tx: mpsc::Sender<Event>,
}

/// The task side: the queued level changes ([`Event::LevelUp`], [`Event::LevelDown`],
/// [`Event::MembersImported`]).
/// [`Discord::new`](crate::Discord::new) makes the pair and runs the queue in its
/// [`Jobs`](crate::Jobs); by hand, give it to [`run_announcer`].
#[derive(Debug)]
pub struct Announcements {
    rx: mpsc::Receiver<Event>,
}

/// A connected sink and queue (capacity [`QUEUE_CAPACITY`]): the manual route, which
/// [`Discord::new`](crate::Discord::new) takes for you.
///
/// ```
/// use leveling_core::Leveling;
/// # fn demo(store: impl leveling_core::Storage) {
/// let (sink, announcements) = leveling_discord::announcements();
/// let leveling = Leveling::builder(store).sink(sink).build();
/// # let _ = (leveling, announcements); }
/// ```
pub fn announcements() -> (AnnouncementSink, Announcements) {
    let (tx, rx) = mpsc::channel(QUEUE_CAPACITY);
    (AnnouncementSink { tx }, Announcements { rx })
}

impl EventSink for AnnouncementSink {
    fn publish(&self, event: &Event) -> Result<(), BoxError> {
        if matches!(
            event,
            Event::LevelUp(_) | Event::LevelDown(_) | Event::MembersImported(_)
        ) {
            self.tx
                .try_send(event.clone())
                .map_err(|error| match error {
                    mpsc::error::TrySendError::Full(_) => "the Discord announcement queue is full",
                    mpsc::error::TrySendError::Closed(_) => "the Discord announcer is not running",
                })?;
        }
        Ok(())
    }
}

impl Announcements {
    /// The next level change (a [`Event::LevelUp`], [`Event::LevelDown`] or
    /// [`Event::MembersImported`]); `None` once every sink is gone.
    pub async fn recv(&mut self) -> Option<Event> {
        self.rx.recv().await
    }
}

/// Takes the queued level changes and announces them / applies their reward roles, one
/// at a time, until the engine (every sink) is gone. [`Discord::jobs`](crate::Discord::jobs)
/// runs it; by hand, spawn it with the client's REST client.
pub async fn run_announcer(http: Arc<Http>, announcements: Announcements, leveling: Leveling) {
    Announcer::new(http, leveling).run(announcements).await;
}

/// What [`Announcer::handle_members_imported`] did with one import batch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportedRoles {
    /// Members whose reward roles were brought in line with their new level.
    pub reconciled: u64,
    /// Members Discord no longer has in the server (skipped).
    pub not_in_server: u64,
}

/// The announcer: level-up announcements and reward roles, per the guild's settings.
#[derive(Debug)]
pub struct Announcer {
    http: Arc<Http>,
    leveling: Leveling,
    /// Guild names for `{guild}`, fetched once per guild.
    guild_names: Mutex<HashMap<GuildId, String>>,
}

impl Announcer {
    /// An announcer calling Discord through `http`.
    pub fn new(http: Arc<Http>, leveling: Leveling) -> Self {
        Self {
            http,
            leveling,
            guild_names: Mutex::new(HashMap::new()),
        }
    }

    /// Handles the queued level changes until the engine is gone.
    pub async fn run(self, mut announcements: Announcements) {
        while let Some(event) = announcements.recv().await {
            match event {
                Event::LevelUp(up) => self.handle_level_up(&up).await,
                Event::LevelDown(down) => self.handle_level_down(&down).await,
                Event::MembersImported(imported) => {
                    self.handle_members_imported(&imported).await;
                }
                _ => {}
            }
        }
    }

    /// The settings of a member's guild (`None`, logged, when the store fails).
    async fn settings(&self, member: MemberId) -> Option<leveling_core::GuildSettings> {
        match self.leveling.guild_settings(member.guild).await {
            Ok(view) => Some(view.settings),
            Err(error) => {
                tracing::warn!(%member, %error, "no settings for a level change");
                None
            }
        }
    }

    /// Announces one level-up (as the guild's `announce` says) and reconciles its reward
    /// roles. Nothing for a member outside any Discord guild.
    pub async fn handle_level_up(&self, up: &LevelUp) {
        let Some((guild, user)) = discord_member_or_skip(up.member, "a level-up") else {
            return;
        };
        let Some(settings) = self.settings(up.member).await else {
            return;
        };
        if should_announce(
            &settings.announce,
            up.old_level,
            up.new_level,
            up.tier_changed,
        ) && let Some(target) = announcement_target(&settings.announce, up.channel)
        {
            match settings.announce.parsed_template() {
                Ok(template) => self.announce(guild, user, up, &template, target).await,
                Err(error) => {
                    tracing::warn!(%guild, %error, "the announcement template is not valid")
                }
            }
        }
        if crosses_reward_level(&settings.rewards, up.old_level, up.new_level) {
            self.reconcile(
                guild,
                user,
                &settings.rewards,
                up.new_level,
                "leveling: level reached",
            )
            .await;
        }
    }

    /// Reconciles the reward roles after a level-down (an admin change; never announced).
    /// Nothing for a member outside any Discord guild.
    pub async fn handle_level_down(&self, down: &LevelDown) {
        let Some((guild, user)) = discord_member_or_skip(down.member, "a level-down") else {
            return;
        };
        let Some(settings) = self.settings(down.member).await else {
            return;
        };
        if crosses_reward_level(&settings.rewards, down.old_level, down.new_level) {
            self.reconcile(
                guild,
                user,
                &settings.rewards,
                down.new_level,
                "leveling: level lowered by an admin",
            )
            .await;
        }
    }

    /// Reconciles the reward roles of the members an import batch moved across a reward
    /// level, one after the other, and announces nothing (an import is not an
    /// achievement, and thousands of messages would flood the guild). A member Discord
    /// does not know (gone from the server) is counted and skipped; one log line sums
    /// the batch up.
    ///
    /// Returns what it did, for a caller that reports it (`server import` does).
    pub async fn handle_members_imported(&self, imported: &MembersImported) -> ImportedRoles {
        let mut done = ImportedRoles::default();
        let Some(guild) = NonZeroU64::new(imported.guild.get()).map(GuildId::from) else {
            tracing::debug!(guild = %imported.guild, "an import outside any Discord guild: no Discord call");
            return done;
        };
        let settings = match self.leveling.guild_settings(imported.guild).await {
            Ok(view) => view.settings,
            Err(error) => {
                tracing::warn!(%guild, %error, "no settings for an import: reward roles not reconciled");
                return done;
            }
        };
        let (reconciled, absent) = (&mut done.reconciled, &mut done.not_in_server);
        for member in &imported.members {
            if !crosses_reward_level(&settings.rewards, member.old_level, member.new_level) {
                continue;
            }
            let Some(user) = NonZeroU64::new(member.user.get()).map(UserId::from) else {
                continue;
            };
            let roles = match self.http.get_member(guild, user).await {
                Ok(found) => found.roles,
                // Exports list members who left long ago: expected, not worth a warning each.
                Err(error) if is_not_found(&error) => {
                    *absent += 1;
                    continue;
                }
                Err(error) => {
                    tracing::warn!(%guild, %user, %error, "could not read an imported member's roles: skipped");
                    continue;
                }
            };
            let changes = reward_changes(&settings.rewards, member.new_level, &core_roles(&roles));
            apply_role_changes(
                &self.http,
                guild,
                user,
                &changes,
                "leveling: levels imported",
            )
            .await;
            *reconciled += 1;
        }
        tracing::info!(
            %guild,
            members = imported.members.len(),
            reconciled = done.reconciled,
            not_in_server = done.not_in_server,
            "reward roles reconciled after an import"
        );
        done
    }

    async fn reconcile(
        &self,
        guild: GuildId,
        user: UserId,
        rewards: &Rewards,
        level: u32,
        reason: &str,
    ) {
        let Some(roles) = member_roles(&self.http, guild, user).await else {
            return;
        };
        let changes = reward_changes(rewards, level, &core_roles(&roles));
        apply_role_changes(&self.http, guild, user, &changes, reason).await;
    }

    async fn announce(
        &self,
        guild: GuildId,
        user: UserId,
        up: &LevelUp,
        template: &Template,
        target: Target,
    ) {
        let mention = format!("<@{user}>");
        let username = if template.uses(Placeholder::Username) {
            match self.leveling.user(up.member.user).await {
                Ok(profile) => {
                    profile.map(|p| crate::replies::escape(&p.display_name.unwrap_or(p.username)))
                }
                Err(error) => {
                    tracing::debug!(%error, "no profile for the announcement");
                    None
                }
            }
        } else {
            None
        };
        let rank = if template.uses(Placeholder::Rank) {
            self.leveling.rank(up.member).await.unwrap_or_else(|error| {
                tracing::debug!(%error, "no rank for the announcement");
                None
            })
        } else {
            None
        };
        let guild_name = if template.uses(Placeholder::Guild) {
            self.guild_name(guild).await
        } else {
            String::new()
        };
        let next_level_xp = self
            .leveling
            .progression()
            .progress(up.xp)
            .next_level_xp
            .unwrap_or(up.xp);
        let text = template.render(&TemplateValues {
            user: &mention,
            username: username.as_deref().unwrap_or(&mention),
            level: up.new_level,
            old_level: up.old_level,
            tier: &up.tier.name,
            xp: up.xp,
            rank,
            next_level_xp,
            guild: &guild_name,
        });
        let channel = match target {
            Target::Channel(channel) => channel,
            Target::Dm => match user.create_dm_channel(&*self.http).await {
                Ok(dm) => dm.id,
                Err(error) => {
                    tracing::warn!(member = %up.member, %error, "could not open a DM for a level-up");
                    return;
                }
            },
        };
        let message = CreateMessage::new()
            .content(text)
            .allowed_mentions(CreateAllowedMentions::new().users(vec![user]));
        if let Err(error) = channel.send_message(&*self.http, message).await {
            tracing::warn!(%channel, member = %up.member, %error, "could not announce a level-up");
        }
    }

    /// The guild's name (escaped for Markdown), fetched once; "this server" when Discord
    /// does not say.
    async fn guild_name(&self, guild: GuildId) -> String {
        if let Some(name) = lock(&self.guild_names).get(&guild) {
            return name.clone();
        }
        match self.http.get_guild(guild).await {
            Ok(found) => {
                let name = crate::replies::escape(&found.name);
                lock(&self.guild_names).insert(guild, name.clone());
                name
            }
            Err(error) => {
                tracing::debug!(%guild, %error, "could not read the guild's name");
                "this server".to_owned()
            }
        }
    }
}

/// The Discord guild and user of a member; `None` when either id is 0 (not a Discord
/// guild, such as the HTTP API's default guild 0): nothing to call Discord about.
///
/// ```
/// use leveling_core::MemberId;
/// use leveling_discord::announce::discord_member;
/// use serenity::all::{GuildId, UserId};
///
/// assert_eq!(discord_member(MemberId::new(5, 7)), Some((GuildId::new(5), UserId::new(7))));
/// assert_eq!(discord_member(MemberId::new(0, 7)), None);
/// ```
pub fn discord_member(member: MemberId) -> Option<(GuildId, UserId)> {
    let guild = NonZeroU64::new(member.guild.get())?;
    let user = NonZeroU64::new(member.user.get())?;
    Some((GuildId::from(guild), UserId::from(user)))
}

/// [`discord_member`], logging (at debug) the event it skips.
fn discord_member_or_skip(member: MemberId, what: &str) -> Option<(GuildId, UserId)> {
    let ids = discord_member(member);
    if ids.is_none() {
        tracing::debug!(%member, "{what} of a member outside any Discord guild: no Discord call");
    }
    ids
}

/// Whether Discord answered 404 (an unknown member, say).
fn is_not_found(error: &serenity::Error) -> bool {
    matches!(
        error,
        serenity::Error::Http(serenity::all::HttpError::UnsuccessfulRequest(response))
            if response.status_code.as_u16() == 404
    )
}

/// The member's roles, read over REST (`None`, logged, when Discord does not answer).
pub(crate) async fn member_roles(http: &Http, guild: GuildId, user: UserId) -> Option<Vec<RoleId>> {
    match http.get_member(guild, user).await {
        Ok(member) => Some(member.roles),
        Err(error) => {
            tracing::warn!(%guild, %user, %error, "could not read a member's roles");
            None
        }
    }
}

/// Discord's role ids as the core's.
pub(crate) fn core_roles(roles: &[RoleId]) -> Vec<leveling_core::RoleId> {
    roles
        .iter()
        .map(|r| leveling_core::RoleId(r.get()))
        .collect()
}

/// Applies role changes: adds, then removes. A role Discord refuses (gone from the
/// guild, above the bot's highest role, no Manage Roles) is skipped with a log line; the
/// others are still applied.
pub(crate) async fn apply_role_changes(
    http: &Http,
    guild: GuildId,
    user: UserId,
    changes: &RoleChanges,
    reason: &str,
) {
    let reason = Some(reason);
    let discord = |role: leveling_core::RoleId| NonZeroU64::new(role.get()).map(RoleId::from);
    for role in changes.add.iter().copied().filter_map(discord) {
        if let Err(error) = http.add_member_role(guild, user, role, reason).await {
            tracing::warn!(%guild, %user, %role, %error, "could not add a reward role (gone, or above the bot's role?): skipped");
        }
    }
    for role in changes.remove.iter().copied().filter_map(discord) {
        if let Err(error) = http.remove_member_role(guild, user, role, reason).await {
            tracing::warn!(%guild, %user, %role, %error, "could not remove a reward role (gone, or above the bot's role?): skipped");
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use leveling_core::{MemberId, Source, Tier};

    #[test]
    fn the_sink_queues_level_ups_and_never_blocks() {
        let (sink, mut queue) = announcements();
        let up = LevelUp {
            channel: Some(3),
            ..vars_up()
        };
        for _ in 0..QUEUE_CAPACITY {
            sink.publish(&Event::LevelUp(up.clone())).unwrap();
        }
        assert!(
            sink.publish(&Event::LevelUp(up.clone())).is_err(),
            "a full queue is an error, not a wait"
        );
        assert_eq!(queue.rx.try_recv().ok(), Some(Event::LevelUp(up)));
        drop(queue);
        assert!(
            sink.publish(&Event::LevelUp(LevelUp {
                channel: None,
                ..vars_up()
            }))
            .is_err()
        );
    }

    #[test]
    fn level_downs_are_queued_for_their_roles_and_unlocks_are_not() {
        let (sink, mut queue) = announcements();
        let up = vars_up();
        let down = LevelDown {
            member: up.member,
            old_level: 12,
            new_level: 3,
            tier: up.tier.clone(),
            tier_changed: true,
            xp: 700,
        };
        sink.publish(&Event::ToolUnlocked(leveling_core::ToolUnlocked {
            member: up.member,
            tool: leveling_core::Tool {
                id: leveling_core::ToolId::new("dice").unwrap(),
                name: "Dice".into(),
                description: String::new(),
                tier: "Basic".into(),
                required_level: 1,
                url: None,
            },
            reason: leveling_core::UnlockReason::Level,
        }))
        .unwrap();
        sink.publish(&Event::LevelDown(down.clone())).unwrap();
        assert_eq!(queue.rx.try_recv().ok(), Some(Event::LevelDown(down)));
        assert!(queue.rx.try_recv().is_err());
    }

    #[test]
    fn an_import_is_queued_once_for_its_whole_batch() {
        let (sink, mut queue) = announcements();
        let imported = MembersImported {
            guild: leveling_core::GuildId(1),
            members: (2..500)
                .map(|user| leveling_core::ImportedLevel {
                    user: leveling_core::UserId(user),
                    old_level: 0,
                    new_level: 7,
                })
                .collect(),
        };
        sink.publish(&Event::MembersImported(imported.clone()))
            .unwrap();
        assert_eq!(
            queue.rx.try_recv().ok(),
            Some(Event::MembersImported(imported))
        );
        assert!(
            queue.rx.try_recv().is_err(),
            "one event, not one per member"
        );
    }

    fn vars_up() -> LevelUp {
        LevelUp {
            member: MemberId::new(1, 2),
            old_level: 0,
            new_level: 1,
            tier: Tier {
                name: "Basic".into(),
                min_level: 0,
                max_level: 10,
            },
            tier_changed: false,
            xp: 150,
            source: Source::Message,
            channel: None,
        }
    }
}
