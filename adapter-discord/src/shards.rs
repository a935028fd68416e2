//! Gateway sharding: which of the bot's shards this process runs, so several processes
//! can split one bot (on one database).
//!
//! Discord sends a shard the events of its guilds only: guild `g` belongs to shard
//! `(g >> 22) % total` ([`shard_of`]). A process running shards `first..=last` of `total`
//! therefore sees — and awards XP for, tracks voice in, answers commands of — exactly the
//! guilds of those shards; the guilds of the other shards are another process's.
//!
//! Set with `DISCORD_SHARDS` (`auto`: Discord's recommended count from
//! `GET /gateway/bot`; or the total) and `DISCORD_SHARD_RANGE` (`first-last`, both
//! included, 0-based, within the total): [`Sharding`], in
//! [`DiscordConfig::sharding`](crate::DiscordConfig::sharding). Unset: one shard, as a
//! small bot needs.
//!
//! ```
//! use leveling_discord::shards::{ShardCount, Sharding, Shards};
//! use serenity::all::GuildId;
//!
//! // The second of two processes of a bot with 4 shards.
//! let sharding = Sharding::parse("4", Some("2-3")).unwrap();
//! let shards = sharding.resolve(None).unwrap();
//! assert_eq!(shards.to_string(), "2-3 of 4");
//! assert!(shards.owns(GuildId::new(3 << 22)));
//! assert!(!shards.owns(GuildId::new(1 << 22)));
//!
//! // `auto` learns the total at start; the range is checked against it then.
//! let auto = Sharding::parse("auto", Some("2-3")).unwrap();
//! assert_eq!(auto.count, ShardCount::Auto);
//! assert!(auto.resolve(Some(4)).is_ok());
//! assert!(auto.resolve(Some(2)).unwrap_err().contains("outside"));
//! ```

use std::fmt;
use std::num::NonZeroU32;

use serenity::all::GuildId;

/// The shard of a guild among `total`: `(guild_id >> 22) % total`, Discord's rule for
/// which shard receives a guild's events.
///
/// ```
/// use std::num::NonZeroU32;
/// use leveling_discord::shards::shard_of;
/// use serenity::all::GuildId;
///
/// let four = NonZeroU32::new(4).unwrap();
/// assert_eq!(shard_of(GuildId::new(6 << 22 | 12_345), four), 2);
/// assert_eq!(shard_of(GuildId::new(12_345), four), 0); // below 2^22: shard 0
/// ```
pub fn shard_of(guild: GuildId, total: NonZeroU32) -> u32 {
    let shard = (guild.get() >> 22) % u64::from(total.get());
    // Below `total`, a u32: the conversion cannot fail.
    u32::try_from(shard).unwrap_or(0)
}

/// How many shards the bot has in all (`DISCORD_SHARDS`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShardCount {
    /// Discord's recommended count, read at start (`GET /gateway/bot`).
    Auto,
    /// This many.
    Fixed(NonZeroU32),
}

impl ShardCount {
    /// Reads `auto` (any case) or a total of 1 or more.
    ///
    /// ```
    /// use leveling_discord::shards::ShardCount;
    ///
    /// assert_eq!(ShardCount::parse("Auto").unwrap(), ShardCount::Auto);
    /// assert!(matches!(ShardCount::parse("16").unwrap(), ShardCount::Fixed(n) if n.get() == 16));
    /// assert!(ShardCount::parse("0").is_err());
    /// ```
    pub fn parse(spec: &str) -> Result<Self, String> {
        match spec.trim() {
            auto if auto.eq_ignore_ascii_case("auto") => Ok(Self::Auto),
            total => total.parse::<NonZeroU32>().map(Self::Fixed).map_err(|_| {
                format!("must be `auto` or the number of shards (1 or more), got {total:?}")
            }),
        }
    }
}

/// Shard ids `first..=last` (`DISCORD_SHARD_RANGE=first-last`; both included, 0-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShardRange {
    first: u32,
    last: u32,
}

impl ShardRange {
    /// Shards `first..=last`; an error when `first > last`.
    pub fn new(first: u32, last: u32) -> Result<Self, String> {
        if first > last {
            return Err(format!(
                "the first shard ({first}) comes after the last ({last})"
            ));
        }
        Ok(Self { first, last })
    }

    /// Reads `first-last` (`"0-3"`), or one shard id (`"2"`, the same as `"2-2"`).
    ///
    /// ```
    /// use leveling_discord::shards::ShardRange;
    ///
    /// assert_eq!(ShardRange::parse("0-3").unwrap(), ShardRange::new(0, 3).unwrap());
    /// assert_eq!(ShardRange::parse(" 2 ").unwrap(), ShardRange::new(2, 2).unwrap());
    /// assert!(ShardRange::parse("3-1").is_err());
    /// assert!(ShardRange::parse("0..3").is_err());
    /// ```
    pub fn parse(spec: &str) -> Result<Self, String> {
        let id = |part: &str| {
            part.trim().parse::<u32>().map_err(|_| {
                format!("must be first-last (shard ids from 0, e.g. 0-3), got {spec:?}")
            })
        };
        match spec.trim().split_once('-') {
            Some((first, last)) => Self::new(id(first)?, id(last)?),
            None => {
                let only = id(spec)?;
                Self::new(only, only)
            }
        }
    }

    /// The first shard id.
    pub fn first(&self) -> u32 {
        self.first
    }

    /// The last shard id (included).
    pub fn last(&self) -> u32 {
        self.last
    }
}

impl fmt::Display for ShardRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.first, self.last)
    }
}

/// Which shards this process runs, as configured (`DISCORD_SHARDS`,
/// `DISCORD_SHARD_RANGE`): the total may still be Discord's to say
/// ([`resolve`](Self::resolve) makes it [`Shards`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sharding {
    /// The total number of shards.
    pub count: ShardCount,
    /// The shards this process runs; `None`: all of them.
    pub range: Option<ShardRange>,
}

impl Sharding {
    /// Reads `DISCORD_SHARDS` (`auto` or a total ≥ 1) and `DISCORD_SHARD_RANGE`. A fixed
    /// total is checked against the range here; `auto` is checked by
    /// [`resolve`](Self::resolve), once the count is known. The error names nothing but
    /// the problem (the caller names the variable).
    ///
    /// ```
    /// use leveling_discord::shards::Sharding;
    ///
    /// assert!(Sharding::parse("2", Some("2-3")).unwrap_err().contains("outside"));
    /// assert!(Sharding::parse("0", None).is_err());
    /// ```
    pub fn parse(shards: &str, range: Option<&str>) -> Result<Self, String> {
        Self::new(
            ShardCount::parse(shards)?,
            range.map(ShardRange::parse).transpose()?,
        )
    }

    /// `range` of `count` shards; an error when a fixed total cannot hold the range
    /// (`auto` is checked by [`resolve`](Self::resolve)).
    pub fn new(count: ShardCount, range: Option<ShardRange>) -> Result<Self, String> {
        let sharding = Self { count, range };
        if let ShardCount::Fixed(total) = count {
            sharding.within(total, "DISCORD_SHARDS")?;
        }
        Ok(sharding)
    }

    /// The shards to run, once the total is known: `recommended` is Discord's count (from
    /// `GET /gateway/bot`), used when the count is [`ShardCount::Auto`] (`None` there, or
    /// 0: one shard). An error when the range does not fit in the total.
    pub fn resolve(&self, recommended: Option<u32>) -> Result<Shards, String> {
        let (total, from) = match self.count {
            ShardCount::Fixed(total) => (total, "DISCORD_SHARDS"),
            ShardCount::Auto => (
                recommended
                    .and_then(NonZeroU32::new)
                    .unwrap_or(NonZeroU32::MIN),
                "Discord's recommended count (DISCORD_SHARDS=auto)",
            ),
        };
        self.within(total, from)
    }

    /// The shards of the range (all without one) among `total`, or why they do not fit.
    fn within(&self, total: NonZeroU32, from: &str) -> Result<Shards, String> {
        let range = self.range.unwrap_or(ShardRange {
            first: 0,
            last: total.get() - 1,
        });
        if range.last >= total.get() {
            return Err(format!(
                "shards {range} are outside the {total} shard(s) of {from}: shard ids run 0-{}",
                total.get() - 1
            ));
        }
        Ok(Shards {
            first: range.first,
            last: range.last,
            total,
        })
    }
}

/// The shards this process runs: `first..=last` of `total`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shards {
    first: u32,
    last: u32,
    total: NonZeroU32,
}

impl Shards {
    /// One shard, 0 of 1: every guild (the default, when sharding is not configured).
    pub const SINGLE: Self = Self {
        first: 0,
        last: 0,
        total: NonZeroU32::MIN,
    };

    /// The first shard id.
    pub fn first(&self) -> u32 {
        self.first
    }

    /// The last shard id (included).
    pub fn last(&self) -> u32 {
        self.last
    }

    /// The total number of shards of the bot (across every process).
    pub fn total(&self) -> NonZeroU32 {
        self.total
    }

    /// Whether `guild` belongs to one of these shards (its events come here).
    pub fn owns(&self, guild: GuildId) -> bool {
        (self.first..=self.last).contains(&shard_of(guild, self.total))
    }
}

impl fmt::Display for Shards {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{} of {}", self.first, self.last, self.total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn total(n: u32) -> NonZeroU32 {
        NonZeroU32::new(n).unwrap()
    }

    #[test]
    fn the_shard_of_a_guild_is_its_timestamp_bits_modulo_the_total() {
        // A real-looking snowflake: (id >> 22) is its timestamp part.
        let guild = GuildId::new(197_038_439_483_310_086);
        let timestamp = 197_038_439_483_310_086_u64 >> 22;
        for n in [1, 2, 3, 16, 1000] {
            assert_eq!(
                u64::from(shard_of(guild, total(n))),
                timestamp % u64::from(n)
            );
        }
        assert_eq!(shard_of(guild, total(1)), 0, "one shard holds every guild");
        // The low 22 bits (worker, process, increment) do not move a guild.
        assert_eq!(
            shard_of(GuildId::new(5 << 22), total(4)),
            shard_of(GuildId::new((5 << 22) | 0x3F_FFFF), total(4))
        );
        assert_eq!(shard_of(GuildId::new(5 << 22), total(4)), 1);
        assert_eq!(shard_of(GuildId::new(u64::MAX), total(u32::MAX)), {
            let shard = (u64::MAX >> 22) % u64::from(u32::MAX);
            u32::try_from(shard).unwrap()
        });
    }

    #[test]
    fn ranges_and_totals_parse_and_must_fit() {
        let fixed = Sharding::parse("4", Some("0-1")).unwrap();
        assert_eq!(fixed.count, ShardCount::Fixed(total(4)));
        let shards = fixed.resolve(Some(99)).unwrap();
        assert_eq!(
            (shards.first(), shards.last(), shards.total().get()),
            (0, 1, 4),
            "a fixed total ignores Discord's recommendation"
        );
        // No range: every shard of the total.
        let all = Sharding::parse("3", None).unwrap().resolve(None).unwrap();
        assert_eq!(all.to_string(), "0-2 of 3");
        assert_eq!(
            Sharding::parse(" AUTO ", None).unwrap().count,
            ShardCount::Auto
        );
        // A single id is a range of one.
        assert_eq!(
            Sharding::parse("4", Some("3")).unwrap().range,
            Some(ShardRange::new(3, 3).unwrap())
        );
        assert_eq!(
            Sharding::parse("4", Some(" 1 - 2 ")).unwrap().range,
            Some(ShardRange::new(1, 2).unwrap())
        );

        for (shards, range, says) in [
            ("0", None, "1 or more"),
            ("-1", None, "1 or more"),
            ("two", None, "1 or more"),
            ("4", Some("3-1"), "comes after"),
            ("4", Some("a-b"), "first-last"),
            ("4", Some("0-"), "first-last"),
            ("4", Some("-2"), "first-last"),
            ("4", Some("0..3"), "first-last"),
            ("4", Some("2-4"), "outside the 4 shard(s)"),
            ("1", Some("1"), "outside the 1 shard(s)"),
            ("auto", Some("1-0"), "comes after"),
        ] {
            let error = Sharding::parse(shards, range).unwrap_err();
            assert!(error.contains(says), "{shards} {range:?}: {error}");
        }
    }

    #[test]
    fn auto_checks_the_range_once_discord_said_the_count() {
        let auto = Sharding::parse("auto", Some("2-3")).unwrap();
        assert_eq!(auto.resolve(Some(4)).unwrap().to_string(), "2-3 of 4");
        let error = auto.resolve(Some(3)).unwrap_err();
        assert!(error.contains("outside the 3 shard(s)"), "{error}");
        assert!(error.contains("DISCORD_SHARDS=auto"), "{error}");
        // Without a range: all of Discord's count; a count of 0 (never sent) is one shard.
        let all = Sharding::parse("auto", None).unwrap();
        assert_eq!(all.resolve(Some(5)).unwrap().to_string(), "0-4 of 5");
        assert_eq!(all.resolve(Some(0)).unwrap(), Shards::SINGLE);
    }

    #[test]
    fn a_process_owns_the_guilds_of_its_shards_only() {
        let low = Sharding::parse("4", Some("0-1"))
            .unwrap()
            .resolve(None)
            .unwrap();
        let high = Sharding::parse("4", Some("2-3"))
            .unwrap()
            .resolve(None)
            .unwrap();
        for timestamp in 0..64_u64 {
            let guild = GuildId::new((timestamp << 22) | 7);
            assert_ne!(
                low.owns(guild),
                high.owns(guild),
                "guild {guild}: exactly one process owns it"
            );
            assert_eq!(low.owns(guild), timestamp % 4 < 2);
            assert!(Shards::SINGLE.owns(guild));
        }
    }
}
