//! The award and admin rules, applied to a member's state held by the writer inside its
//! transaction (the behaviour every store follows; see
//! [`AwardOutcome`](leveling_core::storage::AwardOutcome)).
//!
//! The writer is the only one changing members while its transaction is open (SQLite
//! takes the file's write lock at `BEGIN IMMEDIATE`, across processes too), so reading a
//! member, deciding in Rust and writing the result back is atomic: nothing can change the
//! row in between.

use std::collections::BTreeMap;
use std::time::Duration;

use leveling_core::storage::{
    AdjustRequest, Adjusted, Adjustment, AwardOutcome, AwardRequest, Granted, ImportMode,
    ImportRecord, Imported, MAX_XP, StoredAward, XpImport,
};
use leveling_core::{MemberId, Source, Streak, UserId};

use crate::codec::micros;

/// Cooldowns are capped at about 1,000 years, so `now + cooldown` stays a valid time.
const MAX_COOLDOWN_MICROS: i64 = 1_000 * 366 * 86_400 * 1_000_000;

/// A member as the writer holds it during a batch.
#[derive(Clone, Debug)]
pub(crate) struct State {
    pub(crate) xp: u64,
    /// When `xp` was reached (µs).
    pub(crate) reached_at: i64,
    pub(crate) streak: Streak,
    /// Source name → when it pays again (µs).
    pub(crate) cooldowns: BTreeMap<String, i64>,
    /// The bucket in the file; `None` while the member is not in the file.
    pub(crate) stored_bucket: Option<i64>,
    /// Changed in this batch: written back at the end.
    pub(crate) dirty: bool,
}

/// A history row to insert.
#[derive(Clone, Debug)]
pub(crate) struct HistoryRow {
    pub(crate) member: MemberId,
    pub(crate) amount: i64,
    pub(crate) source: Source,
    pub(crate) xp_before: u64,
    pub(crate) xp_after: u64,
    pub(crate) actor: Option<UserId>,
    pub(crate) reason: Option<String>,
    pub(crate) at: i64,
}

impl State {
    /// A member not in the file yet.
    pub(crate) fn new(now: i64) -> Self {
        Self {
            xp: 0,
            reached_at: now,
            streak: Streak::default(),
            cooldowns: BTreeMap::new(),
            stored_bucket: None,
            dirty: false,
        }
    }

    /// Applies an award (the idempotency key was checked by the caller); returns the
    /// outcome and, when granted, the grant to record under the request's key.
    pub(crate) fn award(
        &mut self,
        id: MemberId,
        request: &AwardRequest,
        history: &mut Vec<HistoryRow>,
    ) -> StoredAward {
        let now = micros(request.now);
        let outcome = self.decide(id, request, now, history);
        StoredAward {
            outcome,
            replayed: false,
        }
    }

    fn decide(
        &mut self,
        id: MemberId,
        request: &AwardRequest,
        now: i64,
        history: &mut Vec<HistoryRow>,
    ) -> AwardOutcome {
        let source = request.source.as_str();
        if let Some(&until) = self.cooldowns.get(source).filter(|&&until| until > now) {
            return AwardOutcome::Cooldown {
                remaining: Duration::from_micros(until.abs_diff(now)),
                xp: self.xp,
            };
        }
        let claim = request.daily.and_then(|rule| rule.claim(self.streak));
        if request.amount == 0 && claim.is_none() {
            return AwardOutcome::AlreadyClaimed { xp: self.xp };
        }
        let xp_before = self.xp;
        let amount = self.add(
            id,
            request.source,
            request.amount,
            None,
            &request.reason,
            now,
            history,
        );
        if let (Some(claim), Some(rule)) = (claim, request.daily) {
            self.add(id, Source::Daily, claim.bonus, None, &None, now, history);
            self.add(
                id,
                Source::Streak,
                claim.streak_bonus,
                None,
                &None,
                now,
                history,
            );
            self.streak = rule.streak_after(&claim);
        }
        if let Some(cooldown) = request.cooldown {
            let length = i64::try_from(cooldown.as_micros())
                .unwrap_or(i64::MAX)
                .min(MAX_COOLDOWN_MICROS);
            self.cooldowns
                .insert(source.to_owned(), now.saturating_add(length));
        }
        // Expired cooldowns need not be kept.
        self.cooldowns.retain(|_, until| *until > now);
        self.reached_at = now;
        self.dirty = true;
        AwardOutcome::Granted(Granted {
            xp_before,
            xp_after: self.xp,
            amount,
            daily: claim,
        })
    }

    /// Adds up to `amount` (saturating) with a history row; returns what was added.
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        id: MemberId,
        source: Source,
        amount: u64,
        actor: Option<UserId>,
        reason: &Option<String>,
        now: i64,
        history: &mut Vec<HistoryRow>,
    ) -> u64 {
        if amount == 0 {
            return 0;
        }
        let before = self.xp;
        self.xp = before.saturating_add(amount).min(MAX_XP);
        history.push(self.row(id, source, before, actor, reason.clone(), now));
        self.xp - before
    }

    fn row(
        &self,
        member: MemberId,
        source: Source,
        xp_before: u64,
        actor: Option<UserId>,
        reason: Option<String>,
        at: i64,
    ) -> HistoryRow {
        HistoryRow {
            member,
            // Both are at most MAX_XP = i64::MAX: the difference fits.
            amount: self.xp as i64 - xp_before as i64,
            source,
            xp_before,
            xp_after: self.xp,
            actor,
            reason,
            at,
        }
    }

    /// Applies an admin change with its history row.
    pub(crate) fn adjust(
        &mut self,
        id: MemberId,
        request: &AdjustRequest,
        history: &mut Vec<HistoryRow>,
    ) -> Adjusted {
        let now = micros(request.now);
        let before = self.xp;
        self.xp = match request.adjustment {
            Adjustment::Add(delta) => before.saturating_add_signed(delta).min(MAX_XP),
            Adjustment::Set(xp) => xp.min(MAX_XP),
            Adjustment::Reset => {
                self.streak = Streak::default();
                0
            }
        };
        if self.xp != before {
            self.reached_at = now;
        }
        self.dirty = true;
        history.push(self.row(
            id,
            Source::Admin,
            before,
            request.actor,
            request.reason.clone(),
            now,
        ));
        Adjusted {
            xp_before: before,
            xp_after: self.xp,
        }
    }

    /// Applies one record of an import: the new XP is the record's (replace) or the sum
    /// (add, saturating); when it differs, `reached_at` becomes the import's time and one
    /// `import` history row is written. A record that changes nothing writes nothing (the
    /// member stays clean, so an absent member is not created).
    pub(crate) fn import(
        &mut self,
        id: MemberId,
        batch: &XpImport,
        record: &ImportRecord,
        history: &mut Vec<HistoryRow>,
    ) -> Imported {
        let before = self.xp;
        let after = match batch.mode {
            ImportMode::Replace => record.xp.min(MAX_XP),
            ImportMode::Add => before.saturating_add(record.xp).min(MAX_XP),
        };
        if after != before {
            let now = micros(batch.now);
            self.xp = after;
            self.reached_at = now;
            self.dirty = true;
            history.push(self.row(id, Source::Import, before, None, batch.reason.clone(), now));
        }
        Imported {
            user: record.user,
            xp_before: before,
            xp_after: after,
        }
    }
}
