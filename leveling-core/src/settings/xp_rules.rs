//! The `rules` section: XP and cooldown per source, as a guild sets them.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{ActivityRule, Rules, Source};

/// XP per award and the per-member cooldown of a source that has one (`message`,
/// `command`). JSON `{"xp", "cooldown_secs"}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CooldownRule {
    /// XP per award, at most [`MAX_RULE_XP`](super::MAX_RULE_XP).
    pub xp: u64,
    /// Seconds before the source pays the member again; 0 means no cooldown; at most
    /// [`MAX_COOLDOWN_SECS`](super::MAX_COOLDOWN_SECS) (one day).
    pub cooldown_secs: u64,
}

impl CooldownRule {
    fn from_activity(rule: ActivityRule) -> Self {
        Self {
            xp: rule.xp,
            cooldown_secs: whole_secs_up(rule.cooldown),
        }
    }

    /// As today's [`ActivityRule`].
    pub fn to_activity(self) -> ActivityRule {
        ActivityRule {
            xp: self.xp,
            cooldown: Duration::from_secs(self.cooldown_secs),
        }
    }
}

/// Voice XP: `xp` per eligible minute. JSON `{"xp"}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoiceRule {
    /// XP per eligible minute, at most [`MAX_RULE_XP`](super::MAX_RULE_XP).
    pub xp: u64,
}

/// The daily bonus: `xp` once per day. JSON `{"xp"}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BonusRule {
    /// XP of the bonus, at most [`MAX_RULE_XP`](super::MAX_RULE_XP).
    pub xp: u64,
}

/// The streak bonus: `xp_per_day` × the streak's length, counting at most `max_days`.
/// JSON `{"xp_per_day", "max_days"}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreakRule {
    /// XP per day of the streak, at most [`MAX_RULE_XP`](super::MAX_RULE_XP).
    pub xp_per_day: u64,
    /// The most days counted, at most [`MAX_STREAK_DAYS`](super::MAX_STREAK_DAYS); 0
    /// turns the streak bonus off.
    pub max_days: u32,
}

/// The `rules` section of [`GuildSettings`](super::GuildSettings): how much each source
/// earns in one guild. The guild's counterpart of the server's [`Rules`], which gives
/// its defaults ([`XpRules::from_rules`]).
///
/// ```
/// use leveling_core::{Rules, Source, XpRules};
/// use std::time::Duration;
///
/// let rules = XpRules::from_rules(&Rules::default());
/// let message = rules.rule_for(Source::Message).unwrap();
/// assert_eq!((message.xp, message.cooldown), (15, Duration::from_secs(60)));
/// assert_eq!(rules.streak_bonus(45), 300); // 10 × min(45, 30)
/// assert!(rules.rule_for(Source::Admin).is_none());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XpRules {
    /// A chat message.
    pub message: CooldownRule,
    /// A bot command.
    pub command: CooldownRule,
    /// Eligible minutes in voice.
    pub voice: VoiceRule,
    /// The daily bonus.
    pub daily: BonusRule,
    /// The streak bonus paid with the daily bonus.
    pub streak: StreakRule,
}

impl XpRules {
    /// The server's configured rules as a guild's: the same XP per source, cooldowns
    /// (rounded up to whole seconds), daily bonus and streak.
    pub fn from_rules(rules: &Rules) -> Self {
        Self {
            message: CooldownRule::from_activity(rules.message),
            command: CooldownRule::from_activity(rules.command),
            voice: VoiceRule {
                xp: rules.voice_per_minute,
            },
            daily: BonusRule {
                xp: rules.daily_bonus,
            },
            streak: StreakRule {
                xp_per_day: rules.streak_bonus_per_day,
                max_days: rules.streak_cap_days,
            },
        }
    }

    /// `base` with this guild's XP, cooldowns, daily bonus and streak in place of its
    /// own; what is not a guild setting (the day boundary, `max_grant`,
    /// `max_voice_minutes`) stays the server's.
    pub fn to_rules(&self, base: &Rules) -> Rules {
        Rules {
            message: self.message.to_activity(),
            command: self.command.to_activity(),
            voice_per_minute: self.voice.xp,
            daily_bonus: self.daily.xp,
            streak_bonus_per_day: self.streak.xp_per_day,
            streak_cap_days: self.streak.max_days,
            ..base.clone()
        }
    }

    /// The base XP and cooldown of one award from `source`, before multipliers:
    ///
    /// - `message`, `command`: their XP and cooldown;
    /// - `voice`: the XP of **one** minute, no cooldown (voice is paid per minute);
    /// - `daily`: the bonus, no cooldown (once a day is the day's rule, not a cooldown);
    /// - `streak`, `api`, `admin`: `None` — a streak bonus depends on the streak's length
    ///   ([`streak_bonus`](Self::streak_bonus)), grants and admin changes name their
    ///   amount.
    pub fn rule_for(&self, source: Source) -> Option<ActivityRule> {
        let flat = |xp| ActivityRule {
            xp,
            cooldown: Duration::ZERO,
        };
        match source {
            Source::Message => Some(self.message.to_activity()),
            Source::Command => Some(self.command.to_activity()),
            Source::Voice => Some(flat(self.voice.xp)),
            Source::Daily => Some(flat(self.daily.xp)),
            Source::Streak | Source::Api | Source::Admin | Source::Import => None,
        }
    }

    /// The streak bonus for a streak of `days` days: `xp_per_day` × min(days,
    /// `max_days`), saturating.
    pub fn streak_bonus(&self, days: u32) -> u64 {
        self.streak
            .xp_per_day
            .saturating_mul(u64::from(days.min(self.streak.max_days)))
    }
}

fn whole_secs_up(duration: Duration) -> u64 {
    duration
        .as_secs()
        .saturating_add(u64::from(duration.subsec_nanos() > 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_come_from_the_server_rules() {
        let server = Rules {
            command: ActivityRule {
                xp: 7,
                cooldown: Duration::from_millis(1_500),
            },
            daily_bonus: 99,
            ..Rules::default()
        };
        let rules = XpRules::from_rules(&server);
        assert_eq!(
            rules.message,
            CooldownRule {
                xp: 15,
                cooldown_secs: 60
            }
        );
        // Rounded up: a cooldown never gets shorter than configured.
        assert_eq!(
            rules.command,
            CooldownRule {
                xp: 7,
                cooldown_secs: 2
            }
        );
        assert_eq!(rules.voice.xp, 10);
        assert_eq!(rules.daily.xp, 99);
        assert_eq!(
            rules.streak,
            StreakRule {
                xp_per_day: 10,
                max_days: 30
            }
        );
        assert_eq!(rules.to_rules(&Rules::default()).daily_bonus, 99);
    }

    #[test]
    fn to_rules_overlays_only_the_guild_values() {
        let base = Rules {
            max_grant: 5,
            max_voice_minutes: 9,
            ..Rules::default()
        };
        let mut rules = XpRules::from_rules(&Rules::default());
        rules.message.xp = 30;
        rules.voice.xp = 2;
        rules.streak.max_days = 3;
        let merged = rules.to_rules(&base);
        assert_eq!(merged.message.xp, 30);
        assert_eq!(merged.voice_per_minute, 2);
        assert_eq!(merged.streak_cap_days, 3);
        assert_eq!((merged.max_grant, merged.max_voice_minutes), (5, 9));
        assert_eq!(merged.day_boundary, base.day_boundary);
        assert_eq!(XpRules::from_rules(&merged), rules);
    }

    #[test]
    fn rule_for_each_source() {
        let rules = XpRules::from_rules(&Rules::default());
        let rule = |source| rules.rule_for(source).map(|r| (r.xp, r.cooldown.as_secs()));
        assert_eq!(rule(Source::Message), Some((15, 60)));
        assert_eq!(rule(Source::Command), Some((5, 30)));
        assert_eq!(rule(Source::Voice), Some((10, 0)));
        assert_eq!(rule(Source::Daily), Some((50, 0)));
        for source in [Source::Streak, Source::Api, Source::Admin] {
            assert_eq!(rule(source), None, "{source}");
        }
        assert_eq!(rules.streak_bonus(0), 0);
        assert_eq!(rules.streak_bonus(2), 20);
        assert_eq!(rules.streak_bonus(30), 300);
        assert_eq!(rules.streak_bonus(31), 300);
    }

    #[test]
    fn json_shape_is_the_api_contract() {
        let rules = XpRules::from_rules(&Rules::default());
        assert_eq!(
            serde_json::to_value(rules).unwrap(),
            serde_json::json!({
                "message": {"xp": 15, "cooldown_secs": 60},
                "command": {"xp": 5, "cooldown_secs": 30},
                "voice": {"xp": 10},
                "daily": {"xp": 50},
                "streak": {"xp_per_day": 10, "max_days": 30}
            })
        );
    }
}
