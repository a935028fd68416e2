//! Voice XP: who is eligible in a guild's voice channels, and how many whole eligible
//! minutes each member has banked.
//!
//! A member is eligible when they are not a bot, not muted or deafened (by themselves or
//! the server), not in the guild's AFK channel, and at least one other eligible human is
//! in the same channel. Eligible time accrues continuously and is paid in whole minutes
//! at every tick, so a restart loses at most one minute.
//!
//! Sans-IO: every method takes the time it should act at (the engine's
//! [`Clock`](leveling_core::Clock), through the [`Handler`](crate::Handler)); nothing here
//! reads a clock or sleeps.

use std::collections::HashMap;
use std::time::Duration;

use leveling_core::chrono::{DateTime, Utc};
use serenity::all::{ChannelId, GuildId, UserId};

/// One member's voice state, as far as eligibility goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VoiceMember {
    /// Who.
    pub user: UserId,
    /// The voice channel they are in.
    pub channel: ChannelId,
    /// A bot account.
    pub bot: bool,
    /// Muted by themselves or by the server.
    pub muted: bool,
    /// Deafened by themselves or by the server.
    pub deafened: bool,
}

/// The members of `states` eligible for voice XP, in the order given.
///
/// ```
/// use leveling_discord::voice::{eligible, VoiceMember};
/// use serenity::all::{ChannelId, UserId};
///
/// let member = |user, muted| VoiceMember {
///     user: UserId::new(user), channel: ChannelId::new(9), bot: false, muted, deafened: false,
/// };
/// // Alone with a muted member: nobody earns.
/// assert!(eligible(&[member(1, false), member(2, true)], None).is_empty());
/// assert_eq!(eligible(&[member(1, false), member(3, false)], None).len(), 2);
/// ```
pub fn eligible(states: &[VoiceMember], afk_channel: Option<ChannelId>) -> Vec<UserId> {
    let candidate =
        |m: &VoiceMember| !m.bot && !m.muted && !m.deafened && Some(m.channel) != afk_channel;
    let mut per_channel: HashMap<ChannelId, usize> = HashMap::new();
    for member in states.iter().filter(|m| candidate(m)) {
        *per_channel.entry(member.channel).or_default() += 1;
    }
    states
        .iter()
        .filter(|m| candidate(m) && per_channel.get(&m.channel).copied().unwrap_or(0) >= 2)
        .map(|m| m.user)
        .collect()
}

/// Whole eligible minutes to pay a member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VoicePayout {
    /// The guild.
    pub guild: GuildId,
    /// The member.
    pub user: UserId,
    /// Whole minutes earned since the last payout.
    pub minutes: u32,
    /// The channel they were last in.
    pub channel: ChannelId,
}

#[derive(Debug)]
struct Tracked {
    /// `None` once the member left (kept until their banked minutes are paid).
    state: Option<VoiceMember>,
    last_channel: ChannelId,
    eligible_since: Option<DateTime<Utc>>,
    banked: Duration,
}

#[derive(Debug, Default)]
struct GuildVoice {
    afk_channel: Option<ChannelId>,
    members: HashMap<UserId, Tracked>,
}

impl GuildVoice {
    /// Banks the eligible time up to `now`.
    fn settle(&mut self, now: DateTime<Utc>) {
        for tracked in self.members.values_mut() {
            if let Some(since) = tracked.eligible_since.as_mut() {
                // A clock set back banks nothing (rather than a negative span).
                tracked.banked += (now - *since).to_std().unwrap_or(Duration::ZERO);
                *since = now;
            }
        }
    }

    /// Recomputes who is eligible from `now` on.
    fn reevaluate(&mut self, now: DateTime<Utc>) {
        let states: Vec<VoiceMember> = self.members.values().filter_map(|t| t.state).collect();
        let eligible = eligible(&states, self.afk_channel);
        for (user, tracked) in &mut self.members {
            tracked.eligible_since = if eligible.contains(user) {
                tracked.eligible_since.or(Some(now))
            } else {
                None
            };
        }
    }
}

/// Voice states of every guild and the eligible time banked by each member.
#[derive(Debug, Default)]
pub struct VoiceTracker {
    guilds: HashMap<GuildId, GuildVoice>,
}

impl VoiceTracker {
    /// An empty tracker.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a guild's AFK channel.
    pub fn set_afk_channel(
        &mut self,
        guild: GuildId,
        afk_channel: Option<ChannelId>,
        now: DateTime<Utc>,
    ) {
        let voice = self.guilds.entry(guild).or_default();
        voice.settle(now);
        voice.afk_channel = afk_channel;
        voice.reevaluate(now);
    }

    /// Records a member's new voice state: `Some` while in a channel, `None` on leaving.
    pub fn update(
        &mut self,
        guild: GuildId,
        user: UserId,
        state: Option<VoiceMember>,
        now: DateTime<Utc>,
    ) {
        let voice = self.guilds.entry(guild).or_default();
        voice.settle(now);
        match (voice.members.get_mut(&user), state) {
            (Some(tracked), state) => {
                if let Some(state) = state {
                    tracked.last_channel = state.channel;
                }
                tracked.state = state;
            }
            (None, Some(state)) => {
                voice.members.insert(
                    user,
                    Tracked {
                        state: Some(state),
                        last_channel: state.channel,
                        eligible_since: None,
                        banked: Duration::ZERO,
                    },
                );
            }
            (None, None) => {}
        }
        voice.reevaluate(now);
    }

    /// Forgets a guild (the bot left it).
    pub fn remove_guild(&mut self, guild: GuildId) {
        self.guilds.remove(&guild);
    }

    /// Members currently eligible in a guild.
    pub fn eligible_now(&self, guild: GuildId) -> Vec<UserId> {
        let mut users: Vec<UserId> = self
            .guilds
            .get(&guild)
            .map(|g| {
                g.members
                    .iter()
                    .filter(|(_, t)| t.eligible_since.is_some())
                    .map(|(u, _)| *u)
                    .collect()
            })
            .unwrap_or_default();
        users.sort_unstable();
        users
    }

    /// Banks eligible time up to `now` and takes the whole minutes (of length `minute`,
    /// at most `max_minutes` per member) to pay; forgets members who left once paid.
    pub fn tick(
        &mut self,
        now: DateTime<Utc>,
        minute: Duration,
        max_minutes: u32,
    ) -> Vec<VoicePayout> {
        let minute = minute.max(Duration::from_millis(1));
        let mut payouts = Vec::new();
        for (guild, voice) in &mut self.guilds {
            voice.settle(now);
            for (user, tracked) in &mut voice.members {
                let whole = tracked.banked.as_nanos() / minute.as_nanos();
                let minutes = u32::try_from(whole).unwrap_or(u32::MAX);
                if minutes == 0 {
                    continue;
                }
                tracked.banked = tracked
                    .banked
                    .saturating_sub(minute.saturating_mul(minutes));
                let paid = minutes.min(max_minutes.max(1));
                payouts.push(VoicePayout {
                    guild: *guild,
                    user: *user,
                    minutes: paid,
                    channel: tracked.last_channel,
                });
            }
            voice.members.retain(|_, t| t.state.is_some());
        }
        payouts.sort_by_key(|p| (p.guild, p.user));
        payouts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use leveling_core::chrono::TimeZone;

    const G: GuildId = GuildId::new(1);
    const MIN: Duration = Duration::from_secs(60);

    fn start() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
    }

    fn member(user: u64, channel: u64) -> VoiceMember {
        VoiceMember {
            user: UserId::new(user),
            channel: ChannelId::new(channel),
            bot: false,
            muted: false,
            deafened: false,
        }
    }

    #[test]
    fn eligibility_rules() {
        let mut bot = member(3, 10);
        bot.bot = true;
        let mut deaf = member(4, 10);
        deaf.deafened = true;
        // Alone with a bot and a deafened member: nobody.
        assert!(eligible(&[member(1, 10), bot, deaf], None).is_empty());
        // Two humans in one channel, one alone in another.
        let users = eligible(&[member(1, 10), member(2, 10), member(5, 11)], None);
        assert_eq!(users, vec![UserId::new(1), UserId::new(2)]);
        // The AFK channel never pays.
        assert!(eligible(&[member(1, 10), member(2, 10)], Some(ChannelId::new(10))).is_empty());
        let mut muted = member(2, 10);
        muted.muted = true;
        assert!(eligible(&[member(1, 10), muted], None).is_empty());
    }

    #[test]
    fn pays_whole_eligible_minutes_only() {
        let t0 = start();
        let mut tracker = VoiceTracker::new();
        tracker.update(G, UserId::new(1), Some(member(1, 10)), t0);
        // Alone for two minutes: nothing.
        assert!(tracker.tick(t0 + 2 * MIN, MIN, 60).is_empty());
        tracker.update(G, UserId::new(2), Some(member(2, 10)), t0 + 2 * MIN);
        assert_eq!(
            tracker.eligible_now(G),
            vec![UserId::new(1), UserId::new(2)]
        );
        // 90 s together: one minute each, 30 s banked.
        let paid = tracker.tick(t0 + 2 * MIN + Duration::from_secs(90), MIN, 60);
        assert_eq!(
            paid.iter()
                .map(|p| (p.user.get(), p.minutes))
                .collect::<Vec<_>>(),
            vec![(1, 1), (2, 1)]
        );
        // Member 2 mutes after 30 s more: the banked 30 s + 30 s make a minute.
        let mut muted = member(2, 10);
        muted.muted = true;
        tracker.update(G, UserId::new(2), Some(muted), t0 + 4 * MIN);
        assert!(tracker.eligible_now(G).is_empty());
        let paid = tracker.tick(t0 + 10 * MIN, MIN, 60);
        assert_eq!(
            paid.iter()
                .map(|p| (p.user.get(), p.minutes))
                .collect::<Vec<_>>(),
            vec![(1, 1), (2, 1)]
        );
        assert!(tracker.tick(t0 + 20 * MIN, MIN, 60).is_empty());
    }

    #[test]
    fn leaving_and_afk_stop_the_clock() {
        let t0 = start();
        let mut tracker = VoiceTracker::new();
        tracker.update(G, UserId::new(1), Some(member(1, 10)), t0);
        tracker.update(G, UserId::new(2), Some(member(2, 10)), t0);
        tracker.update(G, UserId::new(2), None, t0 + 2 * MIN);
        let paid = tracker.tick(t0 + 5 * MIN, MIN, 60);
        assert_eq!(
            paid.iter()
                .map(|p| (p.user.get(), p.minutes))
                .collect::<Vec<_>>(),
            vec![(1, 2), (2, 2)]
        );
        // Member 2 is forgotten once paid; member 1, alone, earns nothing more.
        assert!(tracker.tick(t0 + 9 * MIN, MIN, 60).is_empty());
        tracker.update(G, UserId::new(3), Some(member(3, 10)), t0 + 9 * MIN);
        tracker.set_afk_channel(G, Some(ChannelId::new(10)), t0 + 9 * MIN);
        assert!(tracker.tick(t0 + 15 * MIN, MIN, 60).is_empty());
    }

    #[test]
    fn a_late_tick_is_capped() {
        let t0 = start();
        let mut tracker = VoiceTracker::new();
        tracker.update(G, UserId::new(1), Some(member(1, 10)), t0);
        tracker.update(G, UserId::new(2), Some(member(2, 10)), t0);
        let paid = tracker.tick(t0 + 100 * MIN, MIN, 60);
        assert!(paid.iter().all(|p| p.minutes == 60));
    }
}
