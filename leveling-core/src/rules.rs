//! XP sources and the rules that say how much each earns and how often.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::DayBoundary;

/// Where a change of XP came from. Recorded with every history entry; cooldowns are per
/// member and per source.
///
/// The discriminants are pinned: stores may keep per-source data by
/// [`index`](Source::index), so a variant never changes its number and a new one takes
/// the next free number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A chat message.
    Message = 0,
    /// A bot command.
    Command = 1,
    /// Minutes in a voice channel.
    Voice = 2,
    /// The daily bonus.
    Daily = 3,
    /// The streak bonus paid with the daily bonus.
    Streak = 4,
    /// A direct grant through the API or an embedder.
    Api = 5,
    /// An admin change (`addxp`, `setlevel`, `resetxp`).
    Admin = 6,
    /// An import from another bot's data or a backup (`server import`, `/import`).
    Import = 7,
}

impl Source {
    /// Every source, in the order of their [`index`](Source::index).
    pub const ALL: [Source; 8] = [
        Source::Message,
        Source::Command,
        Source::Voice,
        Source::Daily,
        Source::Streak,
        Source::Api,
        Source::Admin,
        Source::Import,
    ];

    /// The source's name as stored and serialised (`"message"`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            Source::Message => "message",
            Source::Command => "command",
            Source::Voice => "voice",
            Source::Daily => "daily",
            Source::Streak => "streak",
            Source::Api => "api",
            Source::Admin => "admin",
            Source::Import => "import",
        }
    }

    /// The source's pinned number (its position in [`Source::ALL`]), stable across
    /// versions: stores may index per-source data by it.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// Whether an award from this source is *activity*, which claims the day's bonus.
    pub const fn is_activity(self) -> bool {
        matches!(self, Source::Message | Source::Command | Source::Voice)
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no [`Source`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown XP source {0:?}")]
pub struct UnknownSource(pub String);

impl FromStr for Source {
    type Err = UnknownSource;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Source::ALL
            .into_iter()
            .find(|source| source.as_str() == s)
            .ok_or_else(|| UnknownSource(s.to_owned()))
    }
}

/// XP for one kind of activity, and how long a member waits before it pays again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ActivityRule {
    /// XP per award.
    pub xp: u64,
    /// Per member; zero means no cooldown.
    pub cooldown: Duration,
}

/// How much XP each source earns. The defaults are the seed's.
///
/// ```
/// use leveling_core::Rules;
/// use std::time::Duration;
///
/// let rules = Rules::default();
/// assert_eq!(rules.message.xp, 15);
/// assert_eq!(rules.message.cooldown, Duration::from_secs(60));
/// assert_eq!(rules.streak_bonus(45), 300); // 10 × min(45, 30)
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rules {
    /// A message: 15 XP, 60 s cooldown.
    pub message: ActivityRule,
    /// A command: 5 XP, 30 s cooldown.
    pub command: ActivityRule,
    /// Voice: 10 XP per eligible minute.
    pub voice_per_minute: u64,
    /// The daily bonus: 50 XP, claimed by the first activity of a day.
    pub daily_bonus: u64,
    /// The streak bonus: 10 XP per day of the streak…
    pub streak_bonus_per_day: u64,
    /// …counting at most 30 days.
    pub streak_cap_days: u32,
    /// When a day starts (UTC midnight by default).
    pub day_boundary: DayBoundary,
    /// The largest amount one grant or admin change may move (default 1,000,000).
    pub max_grant: u64,
    /// The most voice minutes paid by one award (default 60).
    pub max_voice_minutes: u32,
}

impl Rules {
    /// The streak bonus for a streak of `days` days (capped at `streak_cap_days`).
    pub fn streak_bonus(&self, days: u32) -> u64 {
        self.streak_bonus_per_day
            .saturating_mul(u64::from(days.min(self.streak_cap_days)))
    }
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            message: ActivityRule {
                xp: 15,
                cooldown: Duration::from_secs(60),
            },
            command: ActivityRule {
                xp: 5,
                cooldown: Duration::from_secs(30),
            },
            voice_per_minute: 10,
            daily_bonus: 50,
            streak_bonus_per_day: 10,
            streak_cap_days: 30,
            day_boundary: DayBoundary::UTC,
            max_grant: 1_000_000,
            max_voice_minutes: 60,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stores keep cooldown slots by index: renumbering a source would silently mix the
    /// cooldowns of two sources in every existing database.
    #[test]
    fn source_numbers_and_names_are_pinned() {
        let pinned = [
            (Source::Message, 0, "message"),
            (Source::Command, 1, "command"),
            (Source::Voice, 2, "voice"),
            (Source::Daily, 3, "daily"),
            (Source::Streak, 4, "streak"),
            (Source::Api, 5, "api"),
            (Source::Admin, 6, "admin"),
            (Source::Import, 7, "import"),
        ];
        for (position, (source, index, name)) in pinned.into_iter().enumerate() {
            assert_eq!(source.index(), index, "{source}");
            assert_eq!(Source::ALL[position], source);
            assert_eq!(source.as_str(), name);
            assert_eq!(name.parse::<Source>(), Ok(source));
        }
        assert_eq!(Source::ALL.len(), pinned.len());
        assert!("Message".parse::<Source>().is_err());
    }
}
