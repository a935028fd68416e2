//! The limits of the settings and [`GuildSettings::validate`].

use std::collections::BTreeSet;

use super::{AnnounceEvery, AnnounceMode, GuildSettings, SettingsError};

/// The most XP one rule pays per award (message, command, a voice minute, the daily
/// bonus, a streak day): 100,000. Multipliers can raise an award to 1000× that, still
/// far inside exact arithmetic.
pub const MAX_RULE_XP: u64 = 100_000;
/// The longest cooldown: one day, in seconds.
pub const MAX_COOLDOWN_SECS: u64 = 86_400;
/// The most streak days counted: a year.
pub const MAX_STREAK_DAYS: u32 = 365;
/// The highest role, channel or event multiplier: 10×.
pub const MAX_MULTIPLIER: f64 = 10.0;
/// The most entries in one multiplier map or no-XP list (Discord guilds have at most 250
/// roles and 500 channels).
pub const MAX_LIST_LEN: usize = 500;
/// The most reward roles.
pub const MAX_REWARD_ROLES: usize = 100;
/// The highest level a reward role may name.
pub const MAX_REWARD_LEVEL: u32 = 1_000;
/// The longest announcement template, in characters (a Discord message's limit; what the
/// placeholders add may make the message longer: the adapter truncates).
pub const MAX_TEMPLATE_CHARS: usize = 2_000;
/// The longest grace period before a reset on leave: a year, in seconds.
pub const MAX_GRACE_SECS: u64 = 365 * 86_400;

impl GuildSettings {
    /// Checks every limit, returning the first field at fault (in the order of the JSON
    /// shape):
    ///
    /// - `rules`: every XP value at most [`MAX_RULE_XP`]; cooldowns at most
    ///   [`MAX_COOLDOWN_SECS`]; `streak.max_days` at most [`MAX_STREAK_DAYS`];
    /// - `multipliers`: every factor finite, from 0 to [`MAX_MULTIPLIER`]; the event's
    ///   factor greater than 0 (remove the event instead); at most [`MAX_LIST_LEN`]
    ///   entries per map;
    /// - `no_xp`: at most [`MAX_LIST_LEN`] entries per list;
    /// - `rewards`: at most [`MAX_REWARD_ROLES`] roles, levels at most
    ///   [`MAX_REWARD_LEVEL`], one role per level and each role once;
    /// - `announce`: `channel_id` set when the mode is `channel`; `every` at least 1; the
    ///   template not blank, at most [`MAX_TEMPLATE_CHARS`] characters and a valid
    ///   [`Template`](super::Template);
    /// - `on_leave`: `grace_secs` at most [`MAX_GRACE_SECS`].
    ///
    /// Deserialising does not validate: call this on settings from any outside source.
    pub fn validate(&self) -> Result<(), SettingsError> {
        self.validate_rules()?;
        self.validate_multipliers()?;
        self.validate_no_xp()?;
        self.validate_rewards()?;
        self.validate_announce()?;
        if self.on_leave.grace_secs > MAX_GRACE_SECS {
            return Err(at_most("on_leave.grace_secs", MAX_GRACE_SECS));
        }
        Ok(())
    }

    fn validate_rules(&self) -> Result<(), SettingsError> {
        let rules = &self.rules;
        let xp = [
            ("rules.message.xp", rules.message.xp),
            ("rules.command.xp", rules.command.xp),
            ("rules.voice.xp", rules.voice.xp),
            ("rules.daily.xp", rules.daily.xp),
            ("rules.streak.xp_per_day", rules.streak.xp_per_day),
        ];
        if let Some((field, _)) = xp.iter().find(|(_, xp)| *xp > MAX_RULE_XP) {
            return Err(at_most(field, MAX_RULE_XP));
        }
        let cooldowns = [
            ("rules.message.cooldown_secs", rules.message.cooldown_secs),
            ("rules.command.cooldown_secs", rules.command.cooldown_secs),
        ];
        if let Some((field, _)) = cooldowns.iter().find(|(_, s)| *s > MAX_COOLDOWN_SECS) {
            return Err(SettingsError::new(
                *field,
                format!("must be at most {MAX_COOLDOWN_SECS} (one day)"),
            ));
        }
        if rules.streak.max_days > MAX_STREAK_DAYS {
            return Err(at_most("rules.streak.max_days", MAX_STREAK_DAYS));
        }
        Ok(())
    }

    fn validate_multipliers(&self) -> Result<(), SettingsError> {
        let multipliers = &self.multipliers;
        check_len("multipliers.roles", multipliers.roles.len(), MAX_LIST_LEN)?;
        check_len(
            "multipliers.channels",
            multipliers.channels.len(),
            MAX_LIST_LEN,
        )?;
        let roles = multipliers.roles.iter().map(|(id, f)| (id.get(), *f));
        for (id, factor) in roles {
            check_factor(&format!("multipliers.roles.{id}"), factor)?;
        }
        let channels = multipliers.channels.iter().map(|(id, f)| (id.get(), *f));
        for (id, factor) in channels {
            check_factor(&format!("multipliers.channels.{id}"), factor)?;
        }
        if let Some(event) = &multipliers.event {
            let field = "multipliers.event.factor";
            check_factor(field, event.factor)?;
            if event.factor == 0.0 {
                return Err(SettingsError::new(
                    field,
                    "must be greater than 0 (set the event to null to end it)",
                ));
            }
        }
        Ok(())
    }

    fn validate_no_xp(&self) -> Result<(), SettingsError> {
        check_len("no_xp.channels", self.no_xp.channels.len(), MAX_LIST_LEN)?;
        check_len("no_xp.roles", self.no_xp.roles.len(), MAX_LIST_LEN)
    }

    fn validate_rewards(&self) -> Result<(), SettingsError> {
        let roles = &self.rewards.roles;
        check_len("rewards.roles", roles.len(), MAX_REWARD_ROLES)?;
        let mut levels = BTreeSet::new();
        let mut ids = BTreeSet::new();
        for (index, reward) in roles.iter().enumerate() {
            if reward.level > MAX_REWARD_LEVEL {
                return Err(at_most(
                    &format!("rewards.roles[{index}].level"),
                    MAX_REWARD_LEVEL,
                ));
            }
            if !levels.insert(reward.level) {
                return Err(SettingsError::new(
                    format!("rewards.roles[{index}].level"),
                    format!(
                        "level {} already has a reward role (one role per level)",
                        reward.level
                    ),
                ));
            }
            if !ids.insert(reward.role_id) {
                return Err(SettingsError::new(
                    format!("rewards.roles[{index}].role_id"),
                    format!(
                        "role {} is already the reward of another level",
                        reward.role_id
                    ),
                ));
            }
        }
        Ok(())
    }

    fn validate_announce(&self) -> Result<(), SettingsError> {
        let announce = &self.announce;
        if announce.mode == AnnounceMode::Channel && announce.channel_id.is_none() {
            return Err(SettingsError::new(
                "announce.channel_id",
                "is required when announce.mode is \"channel\"",
            ));
        }
        if announce.every == AnnounceEvery::Levels(0) {
            return Err(SettingsError::new(
                "announce.every",
                "must be at least 1 (or \"tier\")",
            ));
        }
        let field = "announce.template";
        let chars = announce.template.chars().count();
        if chars > MAX_TEMPLATE_CHARS {
            return Err(SettingsError::new(
                field,
                format!("must be at most {MAX_TEMPLATE_CHARS} characters (it has {chars})"),
            ));
        }
        if announce.template.trim().is_empty() {
            return Err(SettingsError::new(field, "must not be blank"));
        }
        announce.parsed_template().map(drop)
    }
}

fn at_most(field: &str, max: impl std::fmt::Display) -> SettingsError {
    SettingsError::new(field, format!("must be at most {max}"))
}

fn check_len(field: &str, len: usize, max: usize) -> Result<(), SettingsError> {
    if len > max {
        return Err(SettingsError::new(
            field,
            format!("may have at most {max} entries (it has {len})"),
        ));
    }
    Ok(())
}

fn check_factor(field: &str, factor: f64) -> Result<(), SettingsError> {
    if !factor.is_finite() || !(0.0..=MAX_MULTIPLIER).contains(&factor) {
        return Err(SettingsError::new(
            field,
            format!("must be a number from 0 to {MAX_MULTIPLIER} (0 means no XP), not {factor}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::settings::{EventMultiplier, RewardRole};
    use crate::{ChannelId, RoleId, Rules};

    fn defaults() -> GuildSettings {
        GuildSettings::from_rules(&Rules::default())
    }

    /// The field and message of the error after `change`.
    fn error(change: impl FnOnce(&mut GuildSettings)) -> (String, String) {
        let mut settings = defaults();
        change(&mut settings);
        let error = settings.validate().expect_err("should be refused");
        (error.field().to_owned(), error.message().to_owned())
    }

    fn field(change: impl FnOnce(&mut GuildSettings)) -> String {
        error(change).0
    }

    #[test]
    fn the_defaults_are_valid() {
        defaults().validate().unwrap();
    }

    #[test]
    fn rule_limits() {
        assert_eq!(
            field(|s| s.rules.message.xp = MAX_RULE_XP + 1),
            "rules.message.xp"
        );
        assert_eq!(field(|s| s.rules.command.xp = u64::MAX), "rules.command.xp");
        assert_eq!(
            field(|s| s.rules.voice.xp = MAX_RULE_XP + 1),
            "rules.voice.xp"
        );
        assert_eq!(
            field(|s| s.rules.daily.xp = MAX_RULE_XP + 1),
            "rules.daily.xp"
        );
        assert_eq!(
            field(|s| s.rules.streak.xp_per_day = MAX_RULE_XP + 1),
            "rules.streak.xp_per_day"
        );
        assert_eq!(
            error(|s| s.rules.message.cooldown_secs = 86_401),
            (
                "rules.message.cooldown_secs".into(),
                "must be at most 86400 (one day)".into()
            )
        );
        assert_eq!(
            field(|s| s.rules.command.cooldown_secs = 86_401),
            "rules.command.cooldown_secs"
        );
        assert_eq!(
            field(|s| s.rules.streak.max_days = 366),
            "rules.streak.max_days"
        );
        let mut edge = defaults();
        edge.rules.message.xp = MAX_RULE_XP;
        edge.rules.message.cooldown_secs = MAX_COOLDOWN_SECS;
        edge.rules.streak.max_days = MAX_STREAK_DAYS;
        edge.rules.voice.xp = 0;
        edge.validate().unwrap();
    }

    #[test]
    fn multiplier_limits_name_the_entry() {
        for bad in [-0.5, 10.01, f64::NAN, f64::INFINITY] {
            let (field, message) = error(|s| {
                s.multipliers.roles.insert(RoleId(123), bad);
            });
            assert_eq!(field, "multipliers.roles.123");
            assert!(
                message.starts_with("must be a number from 0 to 10"),
                "{message}"
            );
        }
        assert_eq!(
            field(|s| {
                s.multipliers.channels.insert(ChannelId(9), 11.0);
            }),
            "multipliers.channels.9"
        );
        let mut edge = defaults();
        edge.multipliers.roles.insert(RoleId(1), 0.0);
        edge.multipliers.roles.insert(RoleId(2), MAX_MULTIPLIER);
        edge.multipliers.channels.insert(ChannelId(1), 0.0);
        edge.validate().unwrap();
        assert_eq!(
            field(|s| s.multipliers.roles = (0..501).map(|r| (RoleId(r), 1.0)).collect()),
            "multipliers.roles"
        );
    }

    #[test]
    fn the_event_factor_is_positive_and_finite() {
        let event = |factor| {
            field(move |s| {
                s.multipliers.event = Some(EventMultiplier {
                    factor,
                    ends_at: Utc.timestamp_opt(0, 0).unwrap(),
                })
            })
        };
        for bad in [0.0, -1.0, f64::NAN, 10.5] {
            assert_eq!(event(bad), "multipliers.event.factor", "{bad}");
        }
        let (_, message) = error(|s| {
            s.multipliers.event = Some(EventMultiplier {
                factor: 0.0,
                ends_at: Utc::now(),
            })
        });
        assert!(message.contains("greater than 0"), "{message}");
    }

    #[test]
    fn no_xp_list_lengths() {
        assert_eq!(
            field(|s| s.no_xp.channels = (0..501).map(ChannelId).collect()),
            "no_xp.channels"
        );
        assert_eq!(
            field(|s| s.no_xp.roles = (0..501).map(RoleId).collect()),
            "no_xp.roles"
        );
    }

    #[test]
    fn reward_levels_and_roles_are_unique() {
        let reward = |level, role| RewardRole {
            level,
            role_id: RoleId(role),
        };
        assert_eq!(
            error(|s| s.rewards.roles = vec![reward(5, 1), reward(10, 2), reward(5, 3)]),
            (
                "rewards.roles[2].level".into(),
                "level 5 already has a reward role (one role per level)".into()
            )
        );
        assert_eq!(
            error(|s| s.rewards.roles = vec![reward(5, 1), reward(10, 1)]),
            (
                "rewards.roles[1].role_id".into(),
                "role 1 is already the reward of another level".into()
            )
        );
        assert_eq!(
            field(|s| s.rewards.roles = vec![reward(1_001, 1)]),
            "rewards.roles[0].level"
        );
        assert_eq!(
            field(|s| s.rewards.roles = (0..101).map(|i| reward(i, u64::from(i))).collect()),
            "rewards.roles"
        );
        let mut edge = defaults();
        edge.rewards.roles = vec![reward(0, 1), reward(MAX_REWARD_LEVEL, 2)];
        edge.validate().unwrap();
    }

    #[test]
    fn announce_checks() {
        assert_eq!(
            error(|s| s.announce.mode = AnnounceMode::Channel),
            (
                "announce.channel_id".into(),
                "is required when announce.mode is \"channel\"".into()
            )
        );
        let mut ok = defaults();
        ok.announce.mode = AnnounceMode::Channel;
        ok.announce.channel_id = Some(ChannelId(5));
        ok.validate().unwrap();
        assert_eq!(
            field(|s| s.announce.every = AnnounceEvery::Levels(0)),
            "announce.every"
        );
        assert_eq!(
            field(|s| s.announce.template = " \n".into()),
            "announce.template"
        );
        let (field, message) = error(|s| s.announce.template = "x".repeat(2_001));
        assert_eq!(field, "announce.template");
        assert!(message.contains("at most 2000 characters"), "{message}");
        let mut long = defaults();
        long.announce.template = "é".repeat(2_000);
        long.validate().unwrap();
        let (field, message) = error(|s| s.announce.template = "GG {lvl".into());
        assert_eq!(field, "announce.template");
        assert!(message.starts_with("unclosed '{'"), "{message}");
    }

    #[test]
    fn grace_limit() {
        assert_eq!(
            field(|s| s.on_leave.grace_secs = MAX_GRACE_SECS + 1),
            "on_leave.grace_secs"
        );
    }
}
