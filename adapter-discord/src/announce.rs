//! Level-ups from any source (Discord, the HTTP API, an embedder): announced in Discord and
//! turned into tier roles.
//!
//! [`AnnouncementSink`] is an [`EventSink`] registered on the engine: it only queues the
//! event (the award path never waits for Discord). A job — part of the
//! [`Jobs`](crate::Jobs) of [`Discord`](crate::Discord) (or [`run_announcer`], spawned by
//! hand) — takes the events from [`Announcements`] and makes the REST calls, once per
//! event.
//!
//! A member whose guild or user id is 0 is not in a Discord guild (guild 0 is the HTTP
//! API's default when no guild is configured): their level changes make no Discord call.

use std::num::NonZeroU64;
use std::sync::Arc;

use leveling_core::{BoxError, Event, EventSink, LevelDown, LevelUp, Leveling, MemberId};
use serenity::all::{
    ChannelId, CreateAllowedMentions, CreateMessage, GuildId, Http, RoleId, UserId,
};
use tokio::sync::mpsc;

use crate::roles::{RoleChanges, demotion_changes, role_changes};
use crate::{Announce, Settings};

/// How many level-ups may wait for Discord before new ones are dropped (and logged).
pub const QUEUE_CAPACITY: usize = 1024;

/// The values an announcement template can use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateVars<'a> {
    /// The member (rendered as a mention by `{user}`).
    pub user: UserId,
    /// Their username, when known (`{username}`; the mention otherwise).
    pub username: Option<&'a str>,
    /// `{level}`.
    pub level: u32,
    /// `{old_level}`.
    pub old_level: u32,
    /// `{tier}`.
    pub tier: &'a str,
    /// `{xp}`.
    pub xp: u64,
}

/// Fills `{user}`, `{username}`, `{level}`, `{old_level}`, `{tier}` and `{xp}` in a
/// template; unknown placeholders stay as they are.
///
/// ```
/// use leveling_discord::announce::{render, TemplateVars};
/// use serenity::all::UserId;
///
/// let vars = TemplateVars { user: UserId::new(7), username: Some("ann"), level: 11, old_level: 10, tier: "Member", xp: 12_650 };
/// assert_eq!(render("{user} ({username}) is level {level}, {tier}!", &vars), "<@7> (ann) is level 11, Member!");
/// ```
pub fn render(template: &str, vars: &TemplateVars<'_>) -> String {
    let mention = format!("<@{}>", vars.user);
    let username = vars
        .username
        .map_or_else(|| mention.clone(), crate::replies::escape);
    // One pass, so a value containing `{level}` (a username, say) is never expanded.
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let value = [
            ("{user}", mention.clone()),
            ("{username}", username.clone()),
            ("{level}", vars.level.to_string()),
            ("{old_level}", vars.old_level.to_string()),
            ("{tier}", vars.tier.to_owned()),
            ("{xp}", vars.xp.to_string()),
        ]
        .into_iter()
        .find(|(name, _)| after.starts_with(name));
        match value {
            Some((name, value)) => {
                out.push_str(&value);
                rest = &after[name.len()..];
            }
            None => {
                out.push('{');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The channel a level-up is announced in, if any.
///
/// ```
/// use leveling_discord::{announce::announcement_channel, Announce};
/// use serenity::all::ChannelId;
///
/// assert_eq!(announcement_channel(Announce::SameChannel, Some(5)), Some(ChannelId::new(5)));
/// assert_eq!(announcement_channel(Announce::SameChannel, None), None);
/// assert_eq!(announcement_channel(Announce::Off, Some(5)), None);
/// ```
pub fn announcement_channel(announce: Announce, event_channel: Option<u64>) -> Option<ChannelId> {
    match announce {
        Announce::Off => None,
        Announce::Channel(channel) => Some(channel),
        Announce::SameChannel => event_channel.filter(|&c| c != 0).map(ChannelId::new),
    }
}

/// The engine side: queues level-ups and level-downs for the announcer task. Never blocks.
#[derive(Clone, Debug)]
pub struct AnnouncementSink {
    tx: mpsc::Sender<Event>,
}

/// The task side: the queued level changes ([`Event::LevelUp`], [`Event::LevelDown`]).
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
        if matches!(event, Event::LevelUp(_) | Event::LevelDown(_)) {
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
    /// The next level change (a [`Event::LevelUp`] or [`Event::LevelDown`]); `None` once
    /// every sink is gone.
    pub async fn recv(&mut self) -> Option<Event> {
        self.rx.recv().await
    }
}

/// Announces every queued level-up and applies tier roles (and takes them back after a
/// level-down), until the queue closes. Failures (missing permissions, a deleted channel)
/// are logged and skipped. [`Discord::jobs`](crate::Discord::jobs) runs it for you.
pub async fn run_announcer(
    http: Arc<Http>,
    mut announcements: Announcements,
    leveling: Leveling,
    settings: Settings,
) {
    while let Some(event) = announcements.recv().await {
        match event {
            Event::LevelUp(up) => handle_level_up(&http, &leveling, &settings, &up).await,
            Event::LevelDown(down) => handle_level_down(&http, &leveling, &settings, &down).await,
            _ => {}
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

/// Applies the tier roles of a level-down (no announcement): the new tier's role comes,
/// the higher tiers' roles go. Nothing for a member outside any Discord guild.
pub async fn handle_level_down(
    http: &Http,
    leveling: &Leveling,
    settings: &Settings,
    down: &LevelDown,
) {
    if !down.tier_changed || settings.tier_roles.is_empty() {
        return;
    }
    let Some((guild, user)) = discord_member_or_skip(down.member, "a level-down") else {
        return;
    };
    let above: Vec<&str> = leveling
        .progression()
        .tiers()
        .above(&down.tier)
        .map(|tier| tier.name.as_str())
        .collect();
    let Some(roles) = member_roles(http, guild, user).await else {
        return;
    };
    let changes = demotion_changes(&roles, &down.tier.name, &above, &settings.tier_roles);
    apply(
        http,
        guild,
        user,
        changes,
        "leveling: tier lowered by an admin",
    )
    .await;
}

/// Announces one level-up and applies its tier roles. Nothing for a member outside any
/// Discord guild.
pub async fn handle_level_up(http: &Http, leveling: &Leveling, settings: &Settings, up: &LevelUp) {
    let Some((guild, user)) = discord_member_or_skip(up.member, "a level-up") else {
        return;
    };
    if let Some(channel) = announcement_channel(settings.announce, up.channel) {
        let username = match leveling.user(up.member.user).await {
            Ok(profile) => profile.map(|p| p.display_name.unwrap_or(p.username)),
            Err(error) => {
                tracing::debug!(%error, "no profile for the announcement");
                None
            }
        };
        let text = render(
            &settings.template,
            &TemplateVars {
                user,
                username: username.as_deref(),
                level: up.new_level,
                old_level: up.old_level,
                tier: &up.tier.name,
                xp: up.xp,
            },
        );
        let message = CreateMessage::new()
            .content(text)
            .allowed_mentions(CreateAllowedMentions::new().users(vec![user]));
        if let Err(error) = channel.send_message(http, message).await {
            tracing::warn!(%channel, member = %up.member, %error, "could not announce a level-up");
        }
    }
    if up.tier_changed && !settings.tier_roles.is_empty() {
        apply_tier_roles(http, guild, user, &up.tier.name, settings).await;
    }
}

async fn apply_tier_roles(
    http: &Http,
    guild: GuildId,
    user: UserId,
    tier: &str,
    settings: &Settings,
) {
    let Some(roles) = member_roles(http, guild, user).await else {
        return;
    };
    let changes = role_changes(&roles, tier, &settings.tier_roles);
    apply(http, guild, user, changes, "leveling: tier reached").await;
}

async fn member_roles(http: &Http, guild: GuildId, user: UserId) -> Option<Vec<RoleId>> {
    match http.get_member(guild, user).await {
        Ok(member) => Some(member.roles),
        Err(error) => {
            tracing::warn!(%guild, %user, %error, "could not read a member's roles");
            None
        }
    }
}

async fn apply(http: &Http, guild: GuildId, user: UserId, changes: RoleChanges, reason: &str) {
    let reason = Some(reason);
    for role in changes.add {
        if let Err(error) = http.add_member_role(guild, user, role, reason).await {
            tracing::warn!(%guild, %user, %role, %error, "could not add a tier role");
        }
    }
    for role in changes.remove {
        if let Err(error) = http.remove_member_role(guild, user, role, reason).await {
            tracing::warn!(%guild, %user, %role, %error, "could not remove a tier role");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use leveling_core::{MemberId, Source, Tier};

    fn vars() -> TemplateVars<'static> {
        TemplateVars {
            user: UserId::new(42),
            username: Some("zoe_{level}"),
            level: 26,
            old_level: 24,
            tier: "Advanced",
            xp: 70_000,
        }
    }

    #[test]
    fn every_placeholder_is_filled_once() {
        assert_eq!(
            render(
                "{user}|{username}|{level}|{old_level}|{tier}|{xp}|{unknown}|{",
                &vars()
            ),
            "<@42>|zoe\\_{level}|26|24|Advanced|70000|{unknown}|{"
        );
        assert_eq!(
            render(crate::DEFAULT_TEMPLATE, &vars()),
            "🎉 <@42> reached level **26** (Advanced)!"
        );
        let anonymous = TemplateVars {
            username: None,
            ..vars()
        };
        assert_eq!(render("{username}", &anonymous), "<@42>");
    }

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
