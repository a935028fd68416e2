//! Partial updates: [`GuildSettingsPatch`] (whose docs give the merge rules) and
//! [`GuildSettings::apply`].

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use super::{
    AnnounceEvery, AnnounceMode, Colour, EventMultiplier, GuildSettings, LeavePolicy, NoXpMode,
    OnRejoin, RewardMode, RewardRole, SettingsError,
};
use crate::{ChannelId, RoleId};

/// A field that may be absent but not `null`: absent is `None` (thanks to
/// `#[serde(default)]`), `null` is an error.
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// A field where `null` means "remove": absent is `None`, `null` is `Some(None)`.
fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Declares a patch struct: every field optional, absent when `None`, never `null`.
macro_rules! patch_struct {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $field:ident: $ty:ty,)* }) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $(
                $(#[$fdoc])*
                #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )*
        }
    };
}

patch_struct!(
    /// A change to [`GuildSettings`]: any subset of its JSON shape. `Default` is the
    /// empty patch, which changes nothing.
    ///
    /// The merge rules ("objects merge, lists replace"), field by field:
    ///
    /// - an absent field leaves the value as it is; every object merges into the current
    ///   one, field by field, at every level;
    /// - a list (`no_xp.channels`, `no_xp.roles`, `rewards.roles`) replaces the whole list;
    /// - a map (`multipliers.roles`, `multipliers.channels`) is an object, so it merges
    ///   **per entry**: `{"123": 2.0}` sets role 123's multiplier and leaves the others,
    ///   `{"123": null}` removes it (removing an absent entry is not an error). To clear a
    ///   map, remove each entry;
    /// - `multipliers.event: null` ends the event; an event object merges into the current
    ///   event, and needs both `factor` and `ends_at` when there is none;
    /// - `announce.channel_id: null` unsets the channel;
    /// - `null` anywhere else is an error (it would remove a value that cannot be absent),
    ///   and so is an unknown field.
    ///
    /// ```
    /// use leveling_core::{GuildSettings, GuildSettingsPatch, Rules};
    ///
    /// let settings = GuildSettings::from_rules(&Rules::default());
    /// let patch: GuildSettingsPatch =
    ///     serde_json::from_str(r#"{"announce": {"mode": "channel", "channel_id": "42"}}"#).unwrap();
    /// let changed = settings.apply(&patch).unwrap();
    /// assert_eq!(changed.announce.channel_id.unwrap().get(), 42);
    /// assert_eq!(changed.announce.template, settings.announce.template);
    /// assert!(serde_json::from_str::<GuildSettingsPatch>(r#"{"anounce": {}}"#).is_err());
    /// ```
    GuildSettingsPatch {
        /// Changes to `rules`.
        rules: XpRulesPatch,
        /// Changes to `multipliers`.
        multipliers: MultipliersPatch,
        /// Changes to `no_xp`.
        no_xp: NoXpPatch,
        /// Changes to `rewards`.
        rewards: RewardsPatch,
        /// Changes to `announce`.
        announce: AnnouncePatch,
        /// Changes to `on_leave`.
        on_leave: OnLeavePatch,
        /// Changes to `leaderboard`.
        leaderboard: LeaderboardPatch,
        /// Changes to `card`.
        card: CardThemePatch,
    }
);

patch_struct!(
    /// Changes to [`XpRules`](super::XpRules).
    XpRulesPatch {
        /// Changes to `message`.
        message: CooldownRulePatch,
        /// Changes to `command`.
        command: CooldownRulePatch,
        /// Changes to `voice`.
        voice: VoiceRulePatch,
        /// Changes to `daily`.
        daily: BonusRulePatch,
        /// Changes to `streak`.
        streak: StreakRulePatch,
    }
);

patch_struct!(
    /// Changes to a [`CooldownRule`](super::CooldownRule).
    CooldownRulePatch {
        /// A new `xp`.
        xp: u64,
        /// A new `cooldown_secs`.
        cooldown_secs: u64,
    }
);

patch_struct!(
    /// Changes to the [`VoiceRule`](super::VoiceRule).
    VoiceRulePatch {
        /// A new `xp` per minute.
        xp: u64,
    }
);

patch_struct!(
    /// Changes to the daily [`BonusRule`](super::BonusRule).
    BonusRulePatch {
        /// A new `xp`.
        xp: u64,
    }
);

patch_struct!(
    /// Changes to the [`StreakRule`](super::StreakRule).
    StreakRulePatch {
        /// A new `xp_per_day`.
        xp_per_day: u64,
        /// A new `max_days`.
        max_days: u32,
    }
);

/// Changes to [`Multipliers`](super::Multipliers): maps merge per entry (`null` removes
/// one), `event: null` ends the event.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MultipliersPatch {
    /// Entries to set (`Some`) or remove (`None`, JSON `null`).
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub roles: Option<BTreeMap<RoleId, Option<f64>>>,
    /// Entries to set (`Some`) or remove (`None`, JSON `null`).
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub channels: Option<BTreeMap<ChannelId, Option<f64>>>,
    /// `Some(None)` (JSON `null`) ends the event; `Some(Some(_))` merges into it.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub event: Option<Option<EventPatch>>,
}

patch_struct!(
    /// Changes to the [`EventMultiplier`] (both fields needed to start a new event).
    EventPatch {
        /// A new `factor`.
        factor: f64,
        /// A new `ends_at`.
        ends_at: DateTime<Utc>,
    }
);

patch_struct!(
    /// Changes to [`NoXp`](super::NoXp): the lists replace.
    NoXpPatch {
        /// A new `mode`.
        mode: NoXpMode,
        /// The new channel list, in place of the old.
        channels: Vec<ChannelId>,
        /// The new role list, in place of the old.
        roles: Vec<RoleId>,
    }
);

patch_struct!(
    /// Changes to [`Rewards`](super::Rewards): the role list replaces.
    RewardsPatch {
        /// A new `mode`.
        mode: RewardMode,
        /// A new `on_rejoin`.
        on_rejoin: OnRejoin,
        /// The new reward roles, in place of the old.
        roles: Vec<RewardRole>,
    }
);

/// Changes to [`Announce`](super::Announce); `channel_id: null` unsets the channel.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnouncePatch {
    /// A new `mode`.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub mode: Option<AnnounceMode>,
    /// `Some(Some(id))` sets the channel, `Some(None)` (JSON `null`) unsets it.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub channel_id: Option<Option<ChannelId>>,
    /// A new `template`.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub template: Option<String>,
    /// A new `every`.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub every: Option<AnnounceEvery>,
}

patch_struct!(
    /// Changes to [`OnLeave`](super::OnLeave).
    OnLeavePatch {
        /// A new `policy`.
        policy: LeavePolicy,
        /// A new `grace_secs`.
        grace_secs: u64,
    }
);

patch_struct!(
    /// Changes to [`LeaderboardSettings`](super::LeaderboardSettings).
    LeaderboardPatch {
        /// Turns the public page on or off.
        page: bool,
    }
);

patch_struct!(
    /// Changes to the [`CardTheme`](super::CardTheme): each colour `"#rrggbb"`.
    CardThemePatch {
        /// A new `background`.
        background: Colour,
        /// A new `panel`.
        panel: Colour,
        /// A new `text`.
        text: Colour,
        /// A new `muted`.
        muted: Colour,
        /// A new `bar`.
        bar: Colour,
        /// A new `bar_track`.
        bar_track: Colour,
    }
);

/// Overwrites `target` with the patch's value when there is one.
fn set<T: Clone>(target: &mut T, value: &Option<T>) {
    if let Some(value) = value {
        *target = value.clone();
    }
}

fn merge_map<K: Ord + Copy>(target: &mut BTreeMap<K, f64>, patch: &BTreeMap<K, Option<f64>>) {
    for (key, value) in patch {
        match value {
            Some(value) => target.insert(*key, *value),
            None => target.remove(key),
        };
    }
}

impl GuildSettings {
    /// These settings changed by `patch` (see [`GuildSettingsPatch`] for the merge
    /// rules), then [validated](Self::validate): the new settings, or the first field
    /// at fault. `self` is left as it is either way.
    pub fn apply(&self, patch: &GuildSettingsPatch) -> Result<GuildSettings, SettingsError> {
        let mut next = self.clone();
        if let Some(rules) = &patch.rules {
            let target = &mut next.rules;
            for (target, patch) in [
                (&mut target.message, &rules.message),
                (&mut target.command, &rules.command),
            ] {
                if let Some(patch) = patch {
                    set(&mut target.xp, &patch.xp);
                    set(&mut target.cooldown_secs, &patch.cooldown_secs);
                }
            }
            if let Some(voice) = &rules.voice {
                set(&mut target.voice.xp, &voice.xp);
            }
            if let Some(daily) = &rules.daily {
                set(&mut target.daily.xp, &daily.xp);
            }
            if let Some(streak) = &rules.streak {
                set(&mut target.streak.xp_per_day, &streak.xp_per_day);
                set(&mut target.streak.max_days, &streak.max_days);
            }
        }
        if let Some(multipliers) = &patch.multipliers {
            let target = &mut next.multipliers;
            if let Some(roles) = &multipliers.roles {
                merge_map(&mut target.roles, roles);
            }
            if let Some(channels) = &multipliers.channels {
                merge_map(&mut target.channels, channels);
            }
            match &multipliers.event {
                None => {}
                Some(None) => target.event = None,
                Some(Some(event)) => target.event = Some(merge_event(target.event, event)?),
            }
        }
        if let Some(no_xp) = &patch.no_xp {
            set(&mut next.no_xp.mode, &no_xp.mode);
            set(&mut next.no_xp.channels, &no_xp.channels);
            set(&mut next.no_xp.roles, &no_xp.roles);
        }
        if let Some(rewards) = &patch.rewards {
            set(&mut next.rewards.mode, &rewards.mode);
            set(&mut next.rewards.on_rejoin, &rewards.on_rejoin);
            set(&mut next.rewards.roles, &rewards.roles);
        }
        if let Some(announce) = &patch.announce {
            set(&mut next.announce.mode, &announce.mode);
            set(&mut next.announce.channel_id, &announce.channel_id);
            set(&mut next.announce.template, &announce.template);
            set(&mut next.announce.every, &announce.every);
        }
        if let Some(on_leave) = &patch.on_leave {
            set(&mut next.on_leave.policy, &on_leave.policy);
            set(&mut next.on_leave.grace_secs, &on_leave.grace_secs);
        }
        if let Some(leaderboard) = &patch.leaderboard {
            set(&mut next.leaderboard.page, &leaderboard.page);
        }
        if let Some(card) = &patch.card {
            let target = &mut next.card;
            set(&mut target.background, &card.background);
            set(&mut target.panel, &card.panel);
            set(&mut target.text, &card.text);
            set(&mut target.muted, &card.muted);
            set(&mut target.bar, &card.bar);
            set(&mut target.bar_track, &card.bar_track);
        }
        next.validate()?;
        Ok(next)
    }
}

fn merge_event(
    current: Option<EventMultiplier>,
    patch: &EventPatch,
) -> Result<EventMultiplier, SettingsError> {
    let missing = |field: &str| {
        SettingsError::new(
            format!("multipliers.event.{field}"),
            "is required to start an event (there is none now)",
        )
    };
    let factor = patch
        .factor
        .or(current.map(|e| e.factor))
        .ok_or_else(|| missing("factor"))?;
    let ends_at = patch
        .ends_at
        .or(current.map(|e| e.ends_at))
        .ok_or_else(|| missing("ends_at"))?;
    Ok(EventMultiplier { factor, ends_at })
}
