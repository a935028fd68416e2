//! The event side of the bot: message XP, voice XP, profile sync.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use leveling_core::{Award, AwardResult, Leveling, MemberId, NewUser};
use serenity::all::{Context, FullEvent, Guild, GuildId, Message, User, UserId, VoiceState};

use crate::voice::{VoiceMember, VoiceTracker};
use crate::{Error, Settings};

/// The bot's shared state and its event handling: message XP (bots, webhooks and DMs
/// ignored; the cooldown lives in the store), voice XP, profile sync. Cheap to clone.
///
/// Embedding: call [`Handler::on_event`] from your poise `event_handler` (or your
/// serenity `EventHandler`'s `message` / `voice_state_update` / `guild_create`), and run
/// [`Handler::run_voice_ticker`] beside your client.
#[derive(Clone)]
pub struct Handler {
    inner: Arc<Inner>,
}

struct Inner {
    leveling: Leveling,
    settings: Settings,
    voice: Mutex<VoiceTracker>,
    /// The profile last written per user, so profile sync writes only on a change.
    profiles: Mutex<HashMap<UserId, ProfileKey>>,
    started: Instant,
}

#[derive(Clone, PartialEq, Eq)]
struct ProfileKey {
    username: String,
    display_name: Option<String>,
    avatar_url: Option<String>,
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
    pub fn new(leveling: Leveling, settings: Settings) -> Self {
        Self {
            inner: Arc::new(Inner {
                leveling,
                settings,
                voice: Mutex::new(VoiceTracker::new()),
                profiles: Mutex::new(HashMap::new()),
                started: Instant::now(),
            }),
        }
    }

    /// The engine.
    pub fn leveling(&self) -> &Leveling {
        &self.inner.leveling
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// Time since the handler was made.
    pub fn uptime(&self) -> Duration {
        self.inner.started.elapsed()
    }

    /// Handles one gateway event; failures are logged, never returned (an event handler
    /// has nobody to return them to).
    pub async fn on_event(&self, ctx: &Context, event: &FullEvent) {
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
            _ => Ok(()),
        };
        if let Err(error) = result {
            tracing::warn!(%error, "a Discord event was not handled");
        }
    }

    /// Message XP: awards the author unless the message is from a bot, a webhook or a DM.
    /// `Ok(None)` when the message earns nothing by its nature; a cooldown is a result
    /// with `granted: false`.
    pub async fn on_message(&self, message: &Message) -> Result<Option<AwardResult>, Error> {
        let Some(guild) = message.guild_id else {
            return Ok(None);
        };
        if message.author.bot || message.webhook_id.is_some() || message.author.system {
            return Ok(None);
        }
        self.sync_profile(&message.author).await?;
        let member = MemberId::new(guild.get(), message.author.id.get());
        let award = Award::message(member).in_channel(message.channel_id.get());
        Ok(Some(self.inner.leveling.award(award).await?))
    }

    /// Command XP for `user` in `guild`, said to come from `channel`.
    pub async fn on_command(
        &self,
        guild: GuildId,
        user: &User,
        channel: u64,
    ) -> Result<Option<AwardResult>, Error> {
        if user.bot {
            return Ok(None);
        }
        self.sync_profile(user).await?;
        let member = MemberId::new(guild.get(), user.id.get());
        Ok(Some(
            self.inner
                .leveling
                .award(Award::command(member).in_channel(channel))
                .await?,
        ))
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
        lock(&self.inner.voice).update(guild, state.user_id, member, Instant::now());
    }

    /// Records a guild's AFK channel and the voice states it starts with.
    pub fn on_guild_create(&self, guild: &Guild) {
        let now = Instant::now();
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
        }
    }

    /// Members currently earning voice XP in a guild.
    pub fn voice_eligible(&self, guild: GuildId) -> Vec<UserId> {
        lock(&self.inner.voice).eligible_now(guild)
    }

    /// Pays every whole eligible voice minute banked so far.
    pub async fn pay_voice(&self) -> Vec<AwardResult> {
        let max = self.inner.leveling.rules().max_voice_minutes;
        let payouts =
            lock(&self.inner.voice).tick(Instant::now(), self.inner.settings.voice_tick, max);
        let mut results = Vec::with_capacity(payouts.len());
        for payout in payouts {
            let member = MemberId::new(payout.guild.get(), payout.user.get());
            let award = Award::voice(member, payout.minutes).in_channel(payout.channel.get());
            match self.inner.leveling.award(award).await {
                Ok(result) => results.push(result),
                Err(error) => tracing::warn!(%member, %error, "voice XP was not paid"),
            }
        }
        results
    }

    /// Pays voice XP every [`Settings::voice_tick`], forever (spawn it; abort to stop).
    pub async fn run_voice_ticker(self) {
        let mut interval = tokio::time::interval(self.inner.settings.voice_tick);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        interval.tick().await;
        loop {
            interval.tick().await;
            self.pay_voice().await;
        }
    }

    /// Keeps a user's profile (username, display name, avatar) current in the store;
    /// writes only when it changed since this handler last wrote it.
    pub async fn sync_profile(&self, user: &User) -> Result<(), Error> {
        if user.bot {
            return Ok(());
        }
        let key = ProfileKey {
            username: user.name.clone(),
            display_name: user.global_name.clone().filter(|n| !n.trim().is_empty()),
            avatar_url: user.avatar_url(),
        };
        if lock(&self.inner.profiles).get(&user.id) == Some(&key) {
            return Ok(());
        }
        let profile = NewUser {
            id: user.id.get().into(),
            username: key.username.clone(),
            display_name: key.display_name.clone(),
            avatar_url: key.avatar_url.clone(),
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

/// How many users' last synced profiles are remembered.
const PROFILE_CACHE_LIMIT: usize = 100_000;

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
