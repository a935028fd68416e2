//! An award as a caller asks for it, and what came of it.

use std::time::Duration;

use serde::Serialize;

use crate::{AwardContext, DailyClaim, Error, MemberId, Result, Source, Tier, Tool};

/// What earns the XP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AwardKind {
    /// A chat message (the `message` rule and its cooldown).
    Message,
    /// A bot command (the `command` rule and its cooldown).
    Command,
    /// Eligible minutes in voice.
    Voice {
        /// Whole minutes, 1 to the rules' `max_voice_minutes`.
        minutes: u32,
    },
    /// An explicit claim of the day's bonus ("claim daily" button); not granted when the
    /// day is already claimed.
    Daily,
    /// A direct grant of `amount` XP (source `api`, no cooldown, no daily claim).
    Grant {
        /// 1 to the rules' `max_grant`.
        amount: u64,
    },
}

/// An award to make with [`Leveling::award`](crate::Leveling::award).
///
/// ```
/// use leveling_core::{Award, MemberId};
///
/// let member = MemberId::new(1, 2);
/// let award = Award::message(member).in_channel(99).idempotency_key("msg-123");
/// assert_eq!(award.member, member);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Award {
    /// Who earns it.
    pub member: MemberId,
    /// What earns it.
    pub kind: AwardKind,
    /// A note for the history.
    pub reason: Option<String>,
    /// A repeat with the same key (per member) returns the first result and adds nothing.
    pub idempotency_key: Option<String>,
    /// Where it happened and the member's roles: what the guild's no-XP rules and
    /// multipliers look at (activity only). Its channel is passed on in the
    /// [`LevelUp`](crate::LevelUp) event.
    pub context: AwardContext,
}

impl Award {
    /// An award of `kind` to `member`.
    pub fn new(member: MemberId, kind: AwardKind) -> Self {
        Self {
            member,
            kind,
            reason: None,
            idempotency_key: None,
            context: AwardContext::new(),
        }
    }

    /// A chat message.
    pub fn message(member: MemberId) -> Self {
        Self::new(member, AwardKind::Message)
    }

    /// A bot command.
    pub fn command(member: MemberId) -> Self {
        Self::new(member, AwardKind::Command)
    }

    /// `minutes` eligible minutes in voice.
    pub fn voice(member: MemberId, minutes: u32) -> Self {
        Self::new(member, AwardKind::Voice { minutes })
    }

    /// An explicit daily claim.
    pub fn daily(member: MemberId) -> Self {
        Self::new(member, AwardKind::Daily)
    }

    /// A direct grant.
    pub fn grant(member: MemberId, amount: u64) -> Self {
        Self::new(member, AwardKind::Grant { amount })
    }

    /// The sources a caller may name to have their rule applied (what
    /// [`for_source`](Self::for_source) takes): `message`, `command`, `voice`, `daily`.
    pub const SOURCES: [Source; 4] = [
        Source::Message,
        Source::Command,
        Source::Voice,
        Source::Daily,
    ];

    /// The award for a source named by a caller that is not our Discord bot (the HTTP
    /// API's `{"source": …}`): the configured rule of that source applies, cooldown
    /// included. `minutes` goes only with `voice`, and defaults to one minute (what the
    /// Discord bot's voice ticker pays per tick). `streak`, `api` and `admin` cannot be
    /// named: a streak comes with the daily claim, a grant names an amount, and admin
    /// changes have their own calls.
    ///
    /// ```
    /// use leveling_core::{Award, AwardKind, MemberId, Source};
    ///
    /// let member = MemberId::new(1, 2);
    /// let voice = Award::for_source(member, Source::Voice, None).unwrap();
    /// assert_eq!(voice.kind, AwardKind::Voice { minutes: 1 });
    /// assert!(Award::for_source(member, Source::Message, Some(5)).is_err());
    /// assert!(Award::for_source(member, Source::Streak, None).is_err());
    /// ```
    pub fn for_source(member: MemberId, source: Source, minutes: Option<u32>) -> Result<Self> {
        if minutes.is_some() && source != Source::Voice {
            return Err(Error::InvalidInput(
                "minutes goes only with source \"voice\"".into(),
            ));
        }
        let kind = match source {
            Source::Message => AwardKind::Message,
            Source::Command => AwardKind::Command,
            Source::Voice => AwardKind::Voice {
                minutes: minutes.unwrap_or(1),
            },
            Source::Daily => AwardKind::Daily,
            Source::Streak | Source::Api | Source::Admin | Source::Import => {
                return Err(Error::InvalidInput(format!(
                    "source {source:?} cannot be awarded directly: use message, command, voice or daily, or an amount for a grant",
                    source = source.as_str()
                )));
            }
        };
        Ok(Self::new(member, kind))
    }

    /// Adds a note for the history.
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// Makes the award idempotent under `key`.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Says in which channel the award happened.
    pub fn in_channel(mut self, channel: u64) -> Self {
        self.context = self.context.channel(channel);
        self
    }

    /// Says where the award happened (channel, its parents) and which roles the member
    /// holds, for the guild's no-XP rules and multipliers.
    ///
    /// ```
    /// use leveling_core::{Award, AwardContext, MemberId};
    ///
    /// let context = AwardContext::new().channel(30).parent(20).roles([7, 8]);
    /// let award = Award::message(MemberId::new(1, 2)).with_context(context);
    /// assert_eq!(award.context.parents.len(), 1);
    /// ```
    pub fn with_context(mut self, context: AwardContext) -> Self {
        self.context = context;
        self
    }

    /// The history source of the award itself.
    pub fn source(&self) -> Source {
        match self.kind {
            AwardKind::Message => Source::Message,
            AwardKind::Command => Source::Command,
            AwardKind::Voice { .. } => Source::Voice,
            AwardKind::Daily => Source::Daily,
            AwardKind::Grant { .. } => Source::Api,
        }
    }
}

/// What an award did.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AwardResult {
    /// Who.
    pub member: MemberId,
    /// Whether XP was added.
    pub granted: bool,
    /// All XP added: the activity plus any daily and streak bonus (0 when not granted).
    pub amount: u64,
    /// The daily claim made with the award, if any.
    pub daily: Option<DailyClaim>,
    /// XP before.
    pub xp_before: u64,
    /// XP after.
    pub xp: u64,
    /// Level before.
    pub level_before: u32,
    /// Level after.
    pub level: u32,
    /// The tier after.
    pub tier: Tier,
    /// Tools the award unlocked by level (empty for a replay).
    pub unlocked_tools: Vec<Tool>,
    /// Time until the source pays again, when refused by a cooldown or an already
    /// claimed day.
    pub cooldown_remaining: Option<Duration>,
    /// `true` when this is the stored result of an earlier award with the same key.
    pub replayed: bool,
    /// `true` when the guild's settings exclude the activity (a no-XP channel or role, a
    /// 0× multiplier, or its source set to 0 XP): nothing was stored — no cooldown
    /// started, no day claimed.
    pub excluded: bool,
}

impl AwardResult {
    /// Whether the level rose.
    pub fn leveled_up(&self) -> bool {
        self.level > self.level_before
    }
}

/// What an admin change did.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AdminResult {
    /// Who.
    pub member: MemberId,
    /// XP before.
    pub xp_before: u64,
    /// XP after.
    pub xp: u64,
    /// Level before.
    pub level_before: u32,
    /// Level after.
    pub level: u32,
    /// The tier after.
    pub tier: Tier,
    /// Tools the change unlocked by level.
    pub unlocked_tools: Vec<Tool>,
}
