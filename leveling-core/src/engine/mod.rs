//! The engine: turns awards and admin changes into atomic store calls, derives levels,
//! tiers and unlocks from XP before and after, and tells every sink.

mod admin;
mod award;
mod builder;
mod import;
mod metrics;
mod settings;
mod transfer;
mod views;

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Duration;

pub use admin::AdminNote;
pub use award::{AdminResult, Award, AwardKind, AwardResult};
pub use builder::LevelingBuilder;
pub use import::{IMPORT_BATCH, ImportError, ImportOptions, ImportSummary};
pub use settings::{DEFAULT_SETTINGS_POLL, GuildSettingsView};
pub use transfer::UserData;
pub use views::{LeaderboardEntry, MemberProgress};

use crate::storage::{AwardOutcome, AwardRequest, Storage};
use crate::{
    Clock, DailyRule, Error, Event, EventSink, LevelDown, LevelUp, MemberId, Progression, Result,
    Rules, Tool, ToolUnlocked, UnlockReason, access, unlocked_between,
};

/// The leveling engine. Cheap to clone (everything inside is shared); build it with
/// [`Leveling::builder`].
///
/// ```
/// # async fn demo(store: impl leveling_core::Storage) -> leveling_core::Result<()> {
/// use leveling_core::{Award, Leveling, MemberId};
///
/// let leveling = Leveling::builder(store).build();
/// let result = leveling.award(Award::message(MemberId::new(1, 42))).await?;
/// assert!(result.granted);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Leveling {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Storage>,
    rules: Rules,
    progression: Progression,
    clock: Arc<dyn Clock>,
    sinks: Vec<Arc<dyn EventSink>>,
    settings: settings::SettingsCache,
}

impl std::fmt::Debug for Leveling {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Leveling")
            .field("rules", &self.inner.rules)
            .field("progression", &self.inner.progression)
            .field("sinks", &self.inner.sinks.len())
            .finish_non_exhaustive()
    }
}

impl Leveling {
    /// Starts building an engine on `store` with the seed's rules, curve and tiers, the
    /// system clock and no sinks.
    ///
    /// `store` is any [`Storage`]: a store, a shared `Arc<S>`, a `Box<S>` or an
    /// `Arc<dyn Storage>`. The engine offers no way back to the raw store: every change
    /// goes through it, so every change reaches the event sinks.
    pub fn builder(store: impl Storage) -> LevelingBuilder {
        LevelingBuilder::new(Arc::new(store))
    }

    pub(crate) fn store(&self) -> &dyn Storage {
        &*self.inner.store
    }

    /// The XP rules.
    pub fn rules(&self) -> &Rules {
        &self.inner.rules
    }

    /// Curve, level cap and tiers.
    pub fn progression(&self) -> &Progression {
        &self.inner.progression
    }

    /// The clock.
    pub fn clock(&self) -> &dyn Clock {
        &*self.inner.clock
    }

    /// Makes an award: the rule for its kind, its cooldown and (for activity) the day's
    /// bonus, applied by the store in one atomic operation. Emits one `level_up` when the
    /// level rose, however far, and one `tool_unlocked` per tool it unlocked.
    ///
    /// Refusals are results, not errors (`granted: false`); errors are invalid input
    /// ([`Error::InvalidInput`]: an amount or minutes out of range, a reason longer than
    /// [`MAX_REASON_CHARS`], a malformed idempotency key) and store failures.
    ///
    /// An [`Error::Unavailable`] may come after the store committed the award (the
    /// connection dropped on the way back): retry with an idempotency key to be safe.
    ///
    /// Each award is counted, by source and outcome, and timed through the `metrics`
    /// facade (a no-op without a recorder; the names are in the README's "Metrics").
    // A plain `fn` returning the inner future: an `async fn` layer here would hold a
    // second copy of the award in every award's future.
    pub fn award(&self, award: Award) -> impl Future<Output = Result<AwardResult>> + Send + '_ {
        self.award_inner(
            award,
            None::<fn() -> std::future::Ready<crate::AwardContext>>,
        )
    }

    /// [`award`](Self::award), with the award's [`AwardContext`](crate::AwardContext)
    /// gathered by `gather` only when the guild's settings look at it (multipliers or
    /// no-XP lists; see [`context_matters`](Self::context_matters)) — and then in place
    /// of the award's own. An adapter whose context costs something to collect (a
    /// channel's parents, a member's roles) pays for it only in the guilds that use it,
    /// and the guild's settings are looked up once.
    ///
    /// ```
    /// # use leveling_core::{Award, AwardContext, Leveling, MemberId};
    /// # async fn demo(leveling: Leveling) -> leveling_core::Result<()> {
    /// let member = MemberId::new(1, 42);
    /// let award = Award::message(member).with_context(AwardContext::new().channel(7));
    /// let result = leveling
    ///     .award_gathering(award, || async {
    ///         // Only for guilds with multipliers or no-XP lists: the costly part.
    ///         AwardContext::new().channel(7).parent(3).roles([11, 12])
    ///     })
    ///     .await?;
    /// # let _ = result;
    /// # Ok(())
    /// # }
    /// ```
    pub fn award_gathering<'a, F, Fut>(
        &'a self,
        award: Award,
        gather: F,
    ) -> impl Future<Output = Result<AwardResult>> + 'a
    where
        F: FnOnce() -> Fut + 'a,
        Fut: Future<Output = crate::AwardContext> + 'a,
    {
        self.award_inner(award, Some(gather))
    }

    /// [`award`](Self::award) and [`award_gathering`](Self::award_gathering).
    async fn award_inner<F, Fut>(&self, mut award: Award, gather: Option<F>) -> Result<AwardResult>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = crate::AwardContext>,
    {
        let started = std::time::Instant::now();
        let source = award.source();
        let failed = move |error: &Error| metrics::award_failed(source, error, started);
        let now = self.inner.clock.now();
        let guild = self
            .cached_settings(award.member.guild)
            .await
            .inspect_err(failed)?;
        if let Some(gather) = gather
            && !guild.plain
        {
            // Boxed: the gatherer's future (REST lookups, say) would otherwise sit in
            // every award's future, which is moved on each poll, whether it runs or not.
            award.context = Box::pin(gather()).await;
        }
        let Some(request) = self
            .award_request(&award, &guild, now)
            .inspect_err(failed)?
        else {
            let result = self.excluded(&award).await.inspect_err(failed)?;
            metrics::award(source, metrics::Outcome::Excluded, started);
            return Ok(result);
        };
        let stored = self
            .store()
            .award(&request)
            .await
            .inspect_err(metrics::store_error)
            .inspect_err(failed)?;
        let outcome = match &stored.outcome {
            _ if stored.replayed => metrics::Outcome::Replayed,
            AwardOutcome::Granted(_) => metrics::Outcome::Granted,
            AwardOutcome::Cooldown { .. } => metrics::Outcome::Cooldown,
            AwardOutcome::AlreadyClaimed { .. } => metrics::Outcome::AlreadyClaimed,
        };
        let (granted, xp_before, xp, cooldown_remaining) = match &stored.outcome {
            AwardOutcome::Granted(granted) => {
                (Some(granted), granted.xp_before, granted.xp_after, None)
            }
            AwardOutcome::Cooldown { remaining, xp } => (None, *xp, *xp, Some(*remaining)),
            AwardOutcome::AlreadyClaimed { xp } => {
                let until = self.inner.rules.day_boundary.until_next_day(now);
                (
                    None,
                    *xp,
                    *xp,
                    Some(until.to_std().unwrap_or(Duration::ZERO)),
                )
            }
        };
        let progression = &self.inner.progression;
        let (level_before, level) = levels(progression, xp_before, xp);
        let unlocked_tools = if stored.replayed || level_before == level {
            Vec::new()
        } else {
            let channel = award.context.channel.map(|c| c.0);
            let change = (level_before, level);
            // Boxed: level changes are rare, and the events and the catalog read they
            // take would otherwise make every award's future (moved on each poll) larger.
            Box::pin(self.level_changed(award.member, source, channel, change, xp)).await
        };
        // After the level change: the latency is the caller's, events and unlocks included.
        metrics::award(source, outcome, started);
        Ok(AwardResult {
            member: award.member,
            granted: granted.is_some(),
            amount: granted.map_or(0, |g| g.xp_after - g.xp_before),
            daily: granted.and_then(|g| g.daily),
            xp_before,
            xp,
            level_before,
            level,
            tier: progression.tier(level).clone(),
            unlocked_tools,
            cooldown_remaining,
            replayed: stored.replayed,
            excluded: false,
        })
    }

    /// The result of an activity the guild's settings exclude: nothing stored.
    async fn excluded(&self, award: &Award) -> Result<AwardResult> {
        let xp = self
            .store()
            .member(award.member)
            .await
            .inspect_err(metrics::store_error)?
            .map_or(0, |m| m.xp);
        let progression = &self.inner.progression;
        let level = progression.level(xp);
        Ok(AwardResult {
            member: award.member,
            granted: false,
            amount: 0,
            daily: None,
            xp_before: xp,
            xp,
            level_before: level,
            level,
            tier: progression.tier(level).clone(),
            unlocked_tools: Vec::new(),
            cooldown_remaining: None,
            replayed: false,
            excluded: true,
        })
    }

    /// The store request for `award` under its guild's settings; `None` when they
    /// exclude the activity (no-XP, or a 0× multiplier).
    fn award_request(
        &self,
        award: &Award,
        guild: &settings::Cached,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<AwardRequest>> {
        let rules = &*guild.rules;
        let (amount, cooldown) = match award.kind {
            crate::AwardKind::Message => (rules.message.xp, Some(rules.message.cooldown)),
            crate::AwardKind::Command => (rules.command.xp, Some(rules.command.cooldown)),
            crate::AwardKind::Voice { minutes } => {
                if minutes == 0 || minutes > rules.max_voice_minutes {
                    return Err(Error::InvalidInput(format!(
                        "voice minutes must be between 1 and {}",
                        rules.max_voice_minutes
                    )));
                }
                (rules.voice_per_minute.saturating_mul(minutes.into()), None)
            }
            crate::AwardKind::Daily => (0, None),
            crate::AwardKind::Grant { amount } => {
                check_amount(amount, rules.max_grant)?;
                (amount, None)
            }
        };
        let source = award.source();
        // Multipliers and no-XP rules apply to activity; bonuses and grants are fixed.
        let amount = if source.is_activity() && !guild.plain {
            guild.settings.earned_xp(amount, &award.context, now)
        } else {
            amount
        };
        if source.is_activity() && amount == 0 {
            return Ok(None);
        }
        let daily = (source.is_activity() || source == crate::Source::Daily).then(|| DailyRule {
            today: rules.day_boundary.day(now),
            bonus: rules.daily_bonus,
            per_day: rules.streak_bonus_per_day,
            cap_days: rules.streak_cap_days,
        });
        if let Some(key) = &award.idempotency_key {
            check_key(key)?;
        }
        if let Some(reason) = &award.reason {
            check_reason(reason)?;
        }
        Ok(Some(AwardRequest {
            member: award.member,
            source,
            amount,
            cooldown: cooldown.filter(|c| !c.is_zero()),
            daily,
            reason: award.reason.clone(),
            idempotency_key: award.idempotency_key.clone(),
            now,
        }))
    }

    /// After XP moved from `xp_before` to `xp`: on a rise in level, records the tools it
    /// unlocked and emits `level_up` then one `tool_unlocked` per tool newly usable; on a
    /// fall (admin changes only), emits `level_down`.
    ///
    /// The XP change is already committed, so a store error here is logged, not returned:
    /// a caller who saw an error would retry and award twice.
    async fn level_changed(
        &self,
        member: MemberId,
        source: crate::Source,
        channel: Option<u64>,
        (old_level, new_level): (u32, u32),
        xp: u64,
    ) -> Vec<Tool> {
        let progression = &self.inner.progression;
        if new_level == old_level {
            return Vec::new();
        }
        let tier = progression.tier(new_level).clone();
        let tier_changed = *progression.tier(old_level) != tier;
        if new_level < old_level {
            metrics::level_down();
            self.emit(&Event::LevelDown(LevelDown {
                member,
                old_level,
                new_level,
                tier,
                tier_changed,
                xp,
            }));
            return Vec::new();
        }
        metrics::level_up(source);
        self.emit(&Event::LevelUp(LevelUp {
            member,
            old_level,
            new_level,
            tier,
            tier_changed,
            xp,
            source,
            channel,
        }));
        match self
            .unlock_crossed_tools(member, old_level, new_level)
            .await
        {
            Ok(crossed) => crossed,
            Err(error) => {
                tracing::warn!(%member, %error, "XP was granted but its tool unlocks were not recorded");
                Vec::new()
            }
        }
    }

    async fn unlock_crossed_tools(
        &self,
        member: MemberId,
        old_level: u32,
        new_level: u32,
    ) -> Result<Vec<Tool>> {
        let tools = self
            .store()
            .tools()
            .await
            .inspect_err(metrics::store_error)?;
        let crossed: Vec<Tool> = unlocked_between(&tools, old_level, new_level)
            .cloned()
            .collect();
        if crossed.is_empty() {
            return Ok(crossed);
        }
        let unlocks = self
            .store()
            .unlocks(member)
            .await
            .inspect_err(metrics::store_error)?;
        let now = self.inner.clock.now();
        for tool in &crossed {
            self.inner
                .store
                .record_unlock(member, &tool.id, UnlockReason::Level, now)
                .await
                .inspect_err(metrics::store_error)?;
            // Already usable through a grant: nothing new to tell.
            if access(tool, old_level, &unlocks).reason != Some(UnlockReason::Grant) {
                self.emit(&Event::ToolUnlocked(ToolUnlocked {
                    member,
                    tool: tool.clone(),
                    reason: UnlockReason::Level,
                }));
            }
        }
        Ok(crossed)
    }

    /// Hands `event` to every sink; a sink's error or panic is logged and goes no further.
    fn emit(&self, event: &Event) {
        for sink in &self.inner.sinks {
            match catch_unwind(AssertUnwindSafe(|| sink.publish(event))) {
                Ok(Ok(())) => {}
                Ok(Err(error)) => tracing::warn!(%error, "an event sink failed"),
                Err(_) => tracing::error!("an event sink panicked"),
            }
        }
    }
}

pub(crate) fn check_amount(amount: u64, max: u64) -> Result<()> {
    if amount == 0 || amount > max {
        return Err(Error::InvalidInput(format!(
            "amount must be between 1 and {max}"
        )));
    }
    Ok(())
}

/// The longest reason (in characters) an award accepts.
pub const MAX_REASON_CHARS: usize = 500;

pub(crate) fn check_reason(reason: &str) -> Result<()> {
    crate::user::check_no_nul("reason", reason)?;
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(Error::InvalidInput(format!(
            "a reason must be at most {MAX_REASON_CHARS} characters"
        )));
    }
    Ok(())
}

/// The longest idempotency key accepted.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

fn check_key(key: &str) -> Result<()> {
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY_LEN || key.chars().any(char::is_control) {
        return Err(Error::InvalidInput(format!(
            "an idempotency key must be 1-{MAX_IDEMPOTENCY_KEY_LEN} bytes of printable text"
        )));
    }
    Ok(())
}

/// The levels before and after an XP change, the curve looked up once when the XP did
/// not move (a cooldown, a claimed day): the award path's hot case.
pub(crate) fn levels(progression: &crate::Progression, xp_before: u64, xp: u64) -> (u32, u32) {
    let level = progression.level(xp);
    let before = if xp_before == xp {
        level
    } else {
        progression.level(xp_before)
    };
    (before, level)
}
