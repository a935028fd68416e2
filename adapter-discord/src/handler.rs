//! The event side of the bot: message XP, voice XP, profile sync.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use leveling_core::chrono::{DateTime, Utc};
use leveling_core::storage::Forgotten;
use leveling_core::{Award, AwardContext, AwardResult, Leveling, MemberId, NewUser};
use serenity::all::{
    Cache, Channel, ChannelId, Context, EventHandler, FullEvent, Guild, GuildChannel, GuildId,
    GuildMemberUpdateEvent, Http, Member, Message, RoleId, UnavailableGuild, User, UserId,
    VoiceState,
};

use crate::rank_card::RankCards;
use crate::transfer::Downloads;
use crate::voice::{VoiceMember, VoiceTracker};
use crate::{Error, Settings};

/// The bot's shared state and its event handling: message XP (bots, webhooks and DMs
/// ignored; the cooldown lives in the store), voice XP, profile sync. Cheap to clone.
///
/// Made by [`Discord::new`](crate::Discord::new). In a poise framework, call
/// [`Handler::on_event`] from your `event_handler` (or use
/// [`Discord::framework_options`](crate::Discord::framework_options), which does); with a
/// plain serenity client, register it as the [`EventHandler`] it is. Either way, spawn the
/// [`Jobs`](crate::Jobs) beside your client.
#[derive(Clone)]
pub struct Handler {
    inner: Arc<Inner>,
}

struct Inner {
    leveling: Leveling,
    settings: Settings,
    /// One renderer (its bound on concurrent renders) and one avatar cache for every
    /// `/rank`, whichever clone of the handler answers it.
    cards: RankCards,
    /// `/import`'s downloads, from the allowed hosts only.
    downloads: Downloads,
    voice: Mutex<VoiceTracker>,
    /// The profile last written per user, so profile sync writes only on a change.
    profiles: Mutex<HashMap<UserId, ProfileKey>>,
    /// When the handler was made, by the engine's clock.
    started: DateTime<Utc>,
    /// The client's cache and REST client, known from the first event: where channel
    /// parents are looked up.
    cache: OnceLock<Arc<Cache>>,
    http: OnceLock<Arc<Http>>,
    /// Each channel's parent (a thread's channel, a channel's category; `None`: none, or
    /// unknown) as fetched over REST when the cache did not have the channel: one fetch
    /// per channel, not per message.
    parents: Mutex<HashMap<ChannelId, Option<ChannelId>>>,
    /// The roles of members in voice, from their voice states, for voice awards.
    voice_roles: Mutex<HashMap<(GuildId, UserId), Vec<RoleId>>>,
    /// Members with XP who left and whose guild's `on_leave` may still reset them (in
    /// memory: a restart forgets them).
    departures: Mutex<HashMap<(GuildId, UserId), Departure>>,
}

/// A member's departure, as the gateway told it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Departure {
    left_at: DateTime<Utc>,
    banned: bool,
}

/// What a profile was last synced from: compared with each message's author without
/// building anything (the avatar by its hash: the same hash is the same URL).
#[derive(Clone, PartialEq, Eq)]
struct ProfileKey {
    username: String,
    display_name: Option<String>,
    avatar: Option<serenity::all::ImageHash>,
}

impl ProfileKey {
    fn of(user: &User) -> Self {
        Self {
            username: user.name.clone(),
            display_name: shown_name(user).map(str::to_owned),
            avatar: user.avatar,
        }
    }

    fn matches(&self, user: &User) -> bool {
        self.avatar == user.avatar
            && self.username == user.name
            && self.display_name.as_deref() == shown_name(user)
    }
}

/// A user's global display name, when set to something visible.
fn shown_name(user: &User) -> Option<&str> {
    user.global_name.as_deref().filter(|n| !n.trim().is_empty())
}

impl std::fmt::Debug for Handler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handler")
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

/// Poise user data that holds a [`Handler`]: implement it for your own data type to use
/// [`commands()`](crate::commands()) in your framework.
pub trait HasHandler: Send + Sync + 'static {
    /// The leveling handler.
    fn handler(&self) -> &Handler;
}

impl HasHandler for Handler {
    fn handler(&self) -> &Handler {
        self
    }
}

impl Handler {
    /// A handler awarding through `leveling`.
    ///
    /// Prefer [`Discord::new`](crate::Discord::new), which also registers the announcer on
    /// the engine and hands out the background jobs; this is the manual route.
    ///
    /// Time (voice minutes, uptime) is the engine's [`Clock`](leveling_core::Clock), so a
    /// [`ManualClock`](leveling_core::ManualClock) controls voice XP in tests.
    pub fn new(leveling: Leveling, settings: Settings) -> Self {
        let started = leveling.clock().now();
        Self {
            inner: Arc::new(Inner {
                leveling,
                cards: RankCards::new(&settings),
                downloads: Downloads::new(&settings.attachment_hosts),
                settings,
                voice: Mutex::new(VoiceTracker::new()),
                profiles: Mutex::new(HashMap::new()),
                started,
                cache: OnceLock::new(),
                http: OnceLock::new(),
                parents: Mutex::new(HashMap::new()),
                voice_roles: Mutex::new(HashMap::new()),
                departures: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Now, by the engine's clock.
    fn now(&self) -> DateTime<Utc> {
        self.inner.leveling.clock().now()
    }

    /// The engine.
    pub fn leveling(&self) -> &Leveling {
        &self.inner.leveling
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// What draws the rank cards.
    pub(crate) fn cards(&self) -> &RankCards {
        &self.inner.cards
    }

    /// What downloads `/import`'s attachments.
    pub(crate) fn downloads(&self) -> &Downloads {
        &self.inner.downloads
    }

    /// Deletes everything stored about `user` ([`Leveling::forget_user`]) and what this
    /// handler remembers about them: their last synced profile (so their next message
    /// writes a new one, instead of being skipped as unchanged) and their pending
    /// departures (nothing is left to reset). `/forgetme` calls it.
    pub async fn forget_user(&self, user: UserId) -> Result<Forgotten, Error> {
        let forgotten = self.inner.leveling.forget_user(user.get().into()).await?;
        lock(&self.inner.profiles).remove(&user);
        lock(&self.inner.departures).retain(|(_, departed), _| *departed != user);
        Ok(forgotten)
    }

    /// Time since the handler was made (by the engine's clock).
    pub fn uptime(&self) -> Duration {
        (self.now() - self.inner.started)
            .to_std()
            .unwrap_or(Duration::ZERO)
    }

    /// Handles one gateway event: `Message` (message XP, profile sync), `GuildMemberAddition`
    /// (reward roles restored on rejoin), `GuildMemberRemoval` / `GuildBanAddition` (the
    /// guild's `on_leave`), `ChannelUpdate` / `ChannelDelete` /
    /// `ThreadUpdate` (forget the channel's remembered parent),
    /// `VoiceStateUpdate` (voice XP, profile sync), `GuildCreate` (the AFK channel and the
    /// voice states a guild starts with), `GuildDelete` (forgets the guild's voice states)
    /// and `GuildMemberUpdate` (profile sync); other events are ignored. Failures are
    /// logged, never returned (an event handler has nobody to return them to).
    ///
    /// Call it from your poise `event_handler` (the one of
    /// [`Discord::framework_options`](crate::Discord::framework_options) does). A plain
    /// serenity client registers the handler itself: it is an [`EventHandler`].
    pub async fn on_event(&self, ctx: &Context, event: &FullEvent) {
        crate::metrics::event(event);
        self.attach(&ctx.cache, &ctx.http);
        let result = match event {
            FullEvent::Message { new_message } => self.on_message(new_message).await.map(drop),
            FullEvent::VoiceStateUpdate { new, .. } => {
                let bot = new
                    .member
                    .as_ref()
                    .map(|m| m.user.bot)
                    .or_else(|| ctx.cache.user(new.user_id).map(|u| u.bot));
                self.on_voice_state(new, bot);
                if let Some(member) = &new.member {
                    self.sync_profile(&member.user).await
                } else {
                    Ok(())
                }
            }
            FullEvent::GuildCreate { guild, .. } => {
                self.on_guild_create(guild);
                Ok(())
            }
            FullEvent::GuildDelete { incomplete, .. } => {
                lock(&self.inner.voice).remove_guild(incomplete.id);
                Ok(())
            }
            FullEvent::GuildMemberUpdate { event, .. } => self.sync_profile(&event.user).await,
            FullEvent::GuildMemberAddition { new_member } => {
                self.on_member_join(&ctx.http, new_member).await
            }
            FullEvent::GuildMemberRemoval { guild_id, user, .. } => {
                self.on_member_leave(*guild_id, user, false).await
            }
            FullEvent::GuildBanAddition {
                guild_id,
                banned_user,
            } => self.on_member_leave(*guild_id, banned_user, true).await,
            FullEvent::ChannelUpdate { new, .. } => {
                self.forget_channel(new.id);
                Ok(())
            }
            FullEvent::ChannelDelete { channel, .. } => {
                self.forget_channel(channel.id);
                Ok(())
            }
            FullEvent::ThreadUpdate { new, .. } => {
                self.forget_channel(new.id);
                Ok(())
            }
            _ => Ok(()),
        };
        if let Err(error) = result {
            tracing::warn!(%error, "a Discord event was not handled");
        }
    }

    /// Message XP: awards the author unless the message is from a bot, a webhook or a DM.
    /// `Ok(None)` when the message earns nothing by its nature; a cooldown is a result
    /// with `granted: false`, a no-XP channel or role one with `excluded: true`.
    ///
    /// The award carries its [`AwardContext`]: the channel, its parents
    /// ([`channel_parents`](Self::channel_parents)) and the author's roles (from the
    /// message's member), so the guild's no-XP lists and multipliers apply.
    pub async fn on_message(&self, message: &Message) -> Result<Option<AwardResult>, Error> {
        let Some(guild) = message.guild_id else {
            return Ok(None);
        };
        if message.author.bot || message.webhook_id.is_some() || message.author.system {
            return Ok(None);
        }
        self.sync_profile(&message.author).await?;
        let member = MemberId::new(guild.get(), message.author.id.get());
        let roles = message.member.as_ref().map_or(&[][..], |m| &m.roles[..]);
        let award = Award::message(member);
        Ok(Some(
            self.award_in(award, guild, message.channel_id, roles)
                .await?,
        ))
    }

    /// Command XP for `user` in `guild`, said to come from `channel`, without the
    /// member's roles (role rules do not apply): prefer
    /// [`on_command_with_roles`](Self::on_command_with_roles).
    pub async fn on_command(
        &self,
        guild: GuildId,
        user: &User,
        channel: u64,
    ) -> Result<Option<AwardResult>, Error> {
        self.on_command_with_roles(guild, user, channel, &[]).await
    }

    /// Command XP for `user` in `guild`, said to come from `channel`, by a member holding
    /// `roles`: the award carries its [`AwardContext`] (the channel, its parents, the
    /// roles).
    pub async fn on_command_with_roles(
        &self,
        guild: GuildId,
        user: &User,
        channel: u64,
        roles: &[RoleId],
    ) -> Result<Option<AwardResult>, Error> {
        if user.bot {
            return Ok(None);
        }
        self.sync_profile(user).await?;
        let member = MemberId::new(guild.get(), user.id.get());
        let award = Award::command(member);
        let result = match std::num::NonZeroU64::new(channel) {
            Some(channel) => {
                self.award_in(award, guild, ChannelId::from(channel), roles)
                    .await?
            }
            None => {
                let context = AwardContext::new().roles(roles.iter().map(|r| r.get()));
                self.inner
                    .leveling
                    .award(award.with_context(context))
                    .await?
            }
        };
        Ok(Some(result))
    }

    /// A member joined (`GUILD_MEMBER_ADD`, which needs the privileged Server Members
    /// intent): when they have XP in the guild and its `rewards.on_rejoin` is `restore`,
    /// their reward roles are given back ([`rejoin_changes`](leveling_core::rejoin_changes)).
    /// A role Discord refuses is skipped with a log line.
    ///
    /// A member who left and whose `on_leave` grace period is over (but whom
    /// [`apply_leave_policy`](Self::apply_leave_policy) has not reset yet) is reset first;
    /// a rejoin within the grace period keeps everything.
    pub async fn on_member_join(&self, http: &Http, member: &Member) -> Result<(), Error> {
        if member.user.bot {
            return Ok(());
        }
        let id = MemberId::new(member.guild_id.get(), member.user.id.get());
        let leveling = &self.inner.leveling;
        let settings = leveling.guild_settings(id.guild).await?.settings;
        let departure = lock(&self.inner.departures).remove(&(member.guild_id, member.user.id));
        if let Some(departure) = departure {
            let outcome = leveling_core::leave_outcome(
                &settings.on_leave,
                departure.banned,
                departure.left_at,
                self.now(),
            );
            if outcome == leveling_core::LeaveOutcome::Reset {
                // Back after the grace period, before the ticker reset them: reset now.
                self.reset_departed(id, departure.banned).await?;
                return Ok(());
            }
        }
        let Some(progress) = leveling.progress(id).await? else {
            return Ok(());
        };
        if progress.member.xp == 0 {
            return Ok(());
        }
        let changes = leveling_core::rejoin_changes(
            &settings.rewards,
            progress.progress.level,
            &crate::announce::core_roles(&member.roles),
        );
        if !changes.is_empty() {
            crate::announce::apply_role_changes(
                http,
                member.guild_id,
                member.user.id,
                &changes,
                "leveling: rewards restored on rejoin",
            )
            .await;
        }
        Ok(())
    }

    /// A member left (`GUILD_MEMBER_REMOVE`: a leave or a kick, which needs the Server
    /// Members intent) or was banned (`GUILD_BAN_ADD`, the Guild Moderation intent): when
    /// they have XP, the departure is remembered (a ban that follows a removal marks it as
    /// a ban) and the guild's `on_leave` is applied at once — with no grace period, a
    /// reset happens now; otherwise [`apply_leave_policy`](Self::apply_leave_policy) does it
    /// once the grace period is over, unless they rejoined.
    ///
    /// Departures are remembered in memory: a restart forgets members whose grace period
    /// was still running (they keep their progress).
    pub async fn on_member_leave(
        &self,
        guild: GuildId,
        user: &User,
        banned: bool,
    ) -> Result<(), Error> {
        if user.bot {
            return Ok(());
        }
        let id = MemberId::new(guild.get(), user.id.get());
        let settings = self.inner.leveling.guild_settings(id.guild).await?.settings;
        if settings.on_leave.policy == leveling_core::LeavePolicy::Keep {
            return Ok(());
        }
        if self.inner.leveling.progress(id).await?.is_none() {
            return Ok(());
        }
        let now = self.now();
        {
            let mut departures = lock(&self.inner.departures);
            let departure = departures.entry((guild, user.id)).or_insert(Departure {
                left_at: now,
                banned,
            });
            departure.banned |= banned;
        }
        self.apply_leave_policy().await;
        Ok(())
    }

    /// Resets the members whose departure is due by their guild's `on_leave` (policy and
    /// grace period, [`OnLeave::reset_due`](leveling_core::OnLeave::reset_due)), by the
    /// engine's clock, and forgets departures their guild now keeps. Returns how many
    /// were reset. The voice ticker of [`Discord::jobs`](crate::Discord::jobs) calls it
    /// every tick.
    pub async fn apply_leave_policy(&self) -> usize {
        let pending: Vec<((GuildId, UserId), Departure)> = lock(&self.inner.departures)
            .iter()
            .map(|(key, departure)| (*key, *departure))
            .collect();
        let now = self.now();
        let mut reset = 0;
        for ((guild, user), departure) in pending {
            let id = MemberId::new(guild.get(), user.get());
            let settings = match self.inner.leveling.guild_settings(id.guild).await {
                Ok(view) => view.settings,
                Err(error) => {
                    tracing::warn!(member = %id, %error, "no settings for a departure");
                    continue;
                }
            };
            let due = settings
                .on_leave
                .reset_due(departure.banned, departure.left_at);
            // Events are handled concurrently: act only on the departure as it was read
            // (a ban may have just turned a leave into a ban).
            let take = || {
                let mut departures = lock(&self.inner.departures);
                let unchanged = departures.get(&(guild, user)) == Some(&departure);
                if unchanged {
                    departures.remove(&(guild, user));
                }
                unchanged
            };
            match due {
                None => {
                    take();
                }
                Some(due) if due <= now => {
                    if !take() {
                        continue;
                    }
                    match self.reset_departed(id, departure.banned).await {
                        Ok(()) => reset += 1,
                        Err(error) => {
                            tracing::warn!(member = %id, %error, "a departed member was not reset")
                        }
                    }
                }
                Some(_) => {}
            }
        }
        reset
    }

    /// How many departed members the leave policy may still reset (their grace period is
    /// running).
    pub fn pending_departures(&self) -> usize {
        lock(&self.inner.departures).len()
    }

    /// Resets a departed member's progress (recorded with no actor and the reason).
    async fn reset_departed(&self, id: MemberId, banned: bool) -> Result<(), Error> {
        let reason = if banned {
            "on_leave: banned from the server"
        } else {
            "on_leave: left the server"
        };
        let note = leveling_core::AdminNote::default().reason(reason);
        self.inner.leveling.reset(id, note).await?;
        Ok(())
    }

    /// Remembers the client's cache and REST client (the first ones given win): channel
    /// parents are looked up there. [`on_event`](Self::on_event) calls it with the event's
    /// context, so every client's handler has them from its first event; a handler that
    /// never sees one (a bench calling [`on_message`](Self::on_message)) awards with the
    /// channel and the roles only (no inheritance from a parent channel or category) and
    /// makes no REST call.
    pub fn attach(&self, cache: &Arc<Cache>, http: &Arc<Http>) {
        let _ = self.inner.cache.set(Arc::clone(cache));
        let _ = self.inner.http.set(Arc::clone(http));
    }

    /// Makes `award`, an activity in `channel` by a member holding `roles`, with its
    /// [`AwardContext`]. Most guilds judge no channel and no role: for them the parents
    /// (a REST fetch for a channel the cache lacks) and the roles are not gathered at all,
    /// and the guild's settings are looked up once ([`Leveling::award_gathering`]).
    // A plain `fn` returning the engine's future: an `async fn` layer would hold a
    // second copy of the award in every message's future.
    fn award_in<'a>(
        &'a self,
        award: Award,
        guild: GuildId,
        channel: ChannelId,
        roles: &'a [RoleId],
    ) -> impl Future<Output = leveling_core::Result<AwardResult>> + Send + 'a {
        let award = award.with_context(AwardContext::new().channel(channel.get()));
        self.inner
            .leveling
            .award_gathering(award, move || self.full_context(guild, channel, roles))
    }

    /// The whole context of an activity in `channel` by a member holding `roles`: the
    /// channel, its parents and the roles.
    async fn full_context(
        &self,
        guild: GuildId,
        channel: ChannelId,
        roles: &[RoleId],
    ) -> AwardContext {
        let mut context = AwardContext::new()
            .channel(channel.get())
            .roles(roles.iter().map(|r| r.get()));
        for parent in self.channel_parents(guild, channel).await {
            context = context.parent(parent.get());
        }
        context
    }

    /// The containers of a channel, nearest first: a thread's channel and then that
    /// channel's category; a channel's category. From serenity's cache when it has the
    /// channel, otherwise fetched over REST once per channel and remembered (a fetch that
    /// fails counts as "no parent", and is not retried until the channel is updated).
    pub async fn channel_parents(&self, guild: GuildId, channel: ChannelId) -> Vec<ChannelId> {
        let mut parents = Vec::with_capacity(2);
        let mut current = channel;
        // A thread's channel's category is two steps up; nothing is deeper.
        for _ in 0..2 {
            match self.parent_of(guild, current).await {
                Some(parent) if parent != current && !parents.contains(&parent) => {
                    parents.push(parent);
                    current = parent;
                }
                _ => break,
            }
        }
        parents
    }

    /// A channel's parent: the cache, else the memo, else one REST fetch.
    async fn parent_of(&self, guild: GuildId, channel: ChannelId) -> Option<ChannelId> {
        if let Some(parent) = self.cached_parent(guild, channel) {
            return parent;
        }
        if let Some(parent) = lock(&self.inner.parents).get(&channel) {
            return *parent;
        }
        let http = self.inner.http.get()?;
        // Boxed: a REST request's future is large, and every message's future would
        // carry its size (and copy it) otherwise, though this fetch is rare.
        let parent = match Box::pin(http.get_channel(channel)).await {
            Ok(Channel::Guild(found)) => found.parent_id,
            Ok(_) => None,
            Err(error) => {
                tracing::debug!(%channel, %error, "could not read a channel's parent");
                None
            }
        };
        let mut memo = lock(&self.inner.parents);
        if memo.len() >= PARENT_CACHE_LIMIT {
            memo.clear();
        }
        memo.insert(channel, parent);
        parent
    }

    /// The parent of a channel or thread serenity's cache holds (`Some(None)`: cached,
    /// no parent; `None`: not cached).
    fn cached_parent(&self, guild: GuildId, channel: ChannelId) -> Option<Option<ChannelId>> {
        let cache = self.inner.cache.get()?;
        let guild = cache.guild(guild)?;
        if let Some(found) = guild.channels.get(&channel) {
            return Some(found.parent_id);
        }
        let thread: Option<&GuildChannel> = guild.threads.iter().find(|t| t.id == channel);
        thread.map(|t| t.parent_id)
    }

    /// Forgets what is remembered about a channel (it was updated or deleted).
    fn forget_channel(&self, channel: ChannelId) {
        lock(&self.inner.parents).remove(&channel);
    }

    /// Records a voice state (`bot`: whether the user is a bot, when known).
    pub fn on_voice_state(&self, state: &VoiceState, bot: Option<bool>) {
        let Some(guild) = state.guild_id else {
            return;
        };
        let member = state.channel_id.map(|channel| VoiceMember {
            user: state.user_id,
            channel,
            bot: bot.unwrap_or(false),
            muted: state.self_mute || state.mute,
            deafened: state.self_deaf || state.deaf,
        });
        let now = self.now();
        lock(&self.inner.voice).update(guild, state.user_id, member, now);
        let mut roles = lock(&self.inner.voice_roles);
        match (&state.channel_id, &state.member) {
            (Some(_), Some(member)) => {
                roles.insert((guild, state.user_id), member.roles.clone());
            }
            (Some(_), None) => {}
            (None, _) => {
                roles.remove(&(guild, state.user_id));
            }
        }
    }

    /// Records a guild's AFK channel and the voice states it starts with.
    pub fn on_guild_create(&self, guild: &Guild) {
        let now = self.now();
        let mut voice = lock(&self.inner.voice);
        voice.set_afk_channel(
            guild.id,
            guild.afk_metadata.as_ref().map(|afk| afk.afk_channel_id),
            now,
        );
        for state in guild.voice_states.values() {
            let bot = guild.members.get(&state.user_id).map(|m| m.user.bot);
            let member = state.channel_id.map(|channel| VoiceMember {
                user: state.user_id,
                channel,
                bot: bot.unwrap_or(false),
                muted: state.self_mute || state.mute,
                deafened: state.self_deaf || state.deaf,
            });
            voice.update(guild.id, state.user_id, member, now);
            if let Some(member) = guild.members.get(&state.user_id)
                && state.channel_id.is_some()
            {
                lock(&self.inner.voice_roles)
                    .insert((guild.id, state.user_id), member.roles.clone());
            }
        }
    }

    /// Members currently earning voice XP in a guild.
    pub fn voice_eligible(&self, guild: GuildId) -> Vec<UserId> {
        lock(&self.inner.voice).eligible_now(guild)
    }

    /// Pays every whole eligible voice minute (of [`Settings::voice_tick`]) banked up to
    /// now, by the engine's clock: one award per member.
    pub async fn pay_voice(&self) -> Vec<AwardResult> {
        let max = self.inner.leveling.rules().max_voice_minutes;
        let now = self.now();
        let payouts = lock(&self.inner.voice).tick(now, self.inner.settings.voice_tick, max);
        let mut results = Vec::with_capacity(payouts.len());
        for payout in payouts {
            let member = MemberId::new(payout.guild.get(), payout.user.get());
            let roles = lock(&self.inner.voice_roles)
                .get(&(payout.guild, payout.user))
                .cloned()
                .unwrap_or_default();
            let award = Award::voice(member, payout.minutes);
            match self
                .award_in(award, payout.guild, payout.channel, &roles)
                .await
            {
                Ok(result) => results.push(result),
                Err(error) => tracing::warn!(%member, %error, "voice XP was not paid"),
            }
        }
        results
    }

    /// Pays voice XP every [`Settings::voice_tick`] of real time, forever (spawn it; abort
    /// to stop). What it pays is [`pay_voice`](Self::pay_voice)'s: whole minutes by the
    /// engine's clock. Each tick also [applies the leave policy](Self::apply_leave_policy).
    /// [`Discord::jobs`](crate::Discord::jobs) runs it for you.
    pub async fn run_voice_ticker(self) {
        let mut interval = tokio::time::interval(self.inner.settings.voice_tick);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        interval.tick().await;
        loop {
            interval.tick().await;
            self.pay_voice().await;
            self.apply_leave_policy().await;
        }
    }

    /// Keeps a user's profile (username, display name, avatar) current in the store;
    /// writes only when it changed since this handler last wrote it.
    pub async fn sync_profile(&self, user: &User) -> Result<(), Error> {
        if user.bot {
            return Ok(());
        }
        if lock(&self.inner.profiles)
            .get(&user.id)
            .is_some_and(|key| key.matches(user))
        {
            return Ok(());
        }
        // Boxed: a change is rare, and its write would otherwise sit in every
        // message's future.
        Box::pin(self.write_profile(user)).await
    }

    /// Writes a user's profile and remembers what it was written from.
    async fn write_profile(&self, user: &User) -> Result<(), Error> {
        let key = ProfileKey::of(user);
        let profile = NewUser {
            id: user.id.get().into(),
            username: key.username.clone(),
            display_name: key.display_name.clone(),
            avatar_url: user.avatar_url(),
        };
        if profile.validate().is_err() {
            // A name Discord allows but the store does not: skip rather than fail the award.
            tracing::debug!(user = %user.id, "profile not synced: a field is out of range");
            return Ok(());
        }
        self.inner.leveling.upsert_user(profile).await?;
        let mut profiles = lock(&self.inner.profiles);
        if profiles.len() >= PROFILE_CACHE_LIMIT {
            // Bounded memory: forgetting only costs one more (idempotent) write per user.
            profiles.clear();
        }
        profiles.insert(user.id, key);
        Ok(())
    }
}

/// For a plain serenity client (no poise): register the handler with
/// `ClientBuilder::event_handler` and it gets every event it needs — `message`,
/// `voice_state_update`, `guild_create`, `guild_delete`, `guild_member_update`,
/// `guild_member_addition`, `guild_member_removal`, `guild_ban_addition`,
/// `channel_update`, `channel_delete` and `thread_update` — each handled as by
/// [`Handler::on_event`]. serenity runs every registered handler, so yours
/// keep working beside it.
#[serenity::async_trait]
impl EventHandler for Handler {
    async fn message(&self, ctx: Context, new_message: Message) {
        self.on_event(&ctx, &FullEvent::Message { new_message })
            .await;
    }

    async fn voice_state_update(&self, ctx: Context, old: Option<VoiceState>, new: VoiceState) {
        self.on_event(&ctx, &FullEvent::VoiceStateUpdate { old, new })
            .await;
    }

    async fn guild_create(&self, ctx: Context, guild: Guild, is_new: Option<bool>) {
        self.on_event(&ctx, &FullEvent::GuildCreate { guild, is_new })
            .await;
    }

    async fn guild_member_removal(
        &self,
        ctx: Context,
        guild_id: GuildId,
        user: User,
        member_data_if_available: Option<Member>,
    ) {
        let event = FullEvent::GuildMemberRemoval {
            guild_id,
            user,
            member_data_if_available,
        };
        self.on_event(&ctx, &event).await;
    }

    async fn guild_ban_addition(&self, ctx: Context, guild_id: GuildId, banned_user: User) {
        self.on_event(
            &ctx,
            &FullEvent::GuildBanAddition {
                guild_id,
                banned_user,
            },
        )
        .await;
    }

    async fn guild_member_addition(&self, ctx: Context, new_member: Member) {
        self.on_event(&ctx, &FullEvent::GuildMemberAddition { new_member })
            .await;
    }

    async fn channel_update(&self, ctx: Context, old: Option<GuildChannel>, new: GuildChannel) {
        self.on_event(&ctx, &FullEvent::ChannelUpdate { old, new })
            .await;
    }

    async fn channel_delete(
        &self,
        ctx: Context,
        channel: GuildChannel,
        messages: Option<Vec<Message>>,
    ) {
        self.on_event(&ctx, &FullEvent::ChannelDelete { channel, messages })
            .await;
    }

    async fn thread_update(&self, ctx: Context, old: Option<GuildChannel>, new: GuildChannel) {
        self.on_event(&ctx, &FullEvent::ThreadUpdate { old, new })
            .await;
    }

    async fn guild_delete(&self, ctx: Context, incomplete: UnavailableGuild, full: Option<Guild>) {
        self.on_event(&ctx, &FullEvent::GuildDelete { incomplete, full })
            .await;
    }

    async fn guild_member_update(
        &self,
        ctx: Context,
        old_if_available: Option<Member>,
        new: Option<Member>,
        event: GuildMemberUpdateEvent,
    ) {
        let event = FullEvent::GuildMemberUpdate {
            old_if_available,
            new,
            event,
        };
        self.on_event(&ctx, &event).await;
    }
}

/// How many users' last synced profiles are remembered.
const PROFILE_CACHE_LIMIT: usize = 100_000;

/// How many channels' parents fetched over REST are remembered.
const PARENT_CACHE_LIMIT: usize = 100_000;

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
