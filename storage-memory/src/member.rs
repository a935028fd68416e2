//! One member's state and the award / admin rules applied to it (the reference
//! behaviour of the [`Storage`](leveling_core::Storage) contract).

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use leveling_core::storage::{
    AdjustRequest, Adjusted, Adjustment, AwardOutcome, AwardRequest, Granted, HistoryEntry,
    ImportMode, MAX_XP, Member, StoredAward,
};
use leveling_core::{MemberId, Source, Streak, UserId};

/// The leaderboard order: more XP first, then whoever reached it first, then user id.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct RankKey {
    xp_desc: std::cmp::Reverse<u64>,
    reached_at: DateTime<Utc>,
    pub(crate) user: UserId,
}

impl RankKey {
    pub(crate) fn xp(&self) -> u64 {
        self.xp_desc.0
    }
}

#[derive(Debug)]
pub(crate) struct MemberState {
    pub(crate) xp: u64,
    pub(crate) streak: Streak,
    pub(crate) reached_at: DateTime<Utc>,
    /// When each source pays again, by [`Source::index`].
    cooldown_until: [Option<DateTime<Utc>>; Source::ALL.len()],
    /// Oldest first.
    pub(crate) history: Vec<HistoryEntry>,
    /// Granted awards by idempotency key, with when they were granted.
    keys: HashMap<String, (AwardOutcome, DateTime<Utc>)>,
}

impl MemberState {
    pub(crate) fn new(now: DateTime<Utc>) -> Self {
        Self {
            xp: 0,
            streak: Streak::default(),
            reached_at: now,
            cooldown_until: Default::default(),
            history: Vec::new(),
            keys: HashMap::new(),
        }
    }

    pub(crate) fn rank_key(&self, user: UserId) -> RankKey {
        RankKey {
            xp_desc: std::cmp::Reverse(self.xp),
            reached_at: self.reached_at,
            user,
        }
    }

    pub(crate) fn snapshot(&self, id: MemberId) -> Member {
        Member {
            id,
            xp: self.xp,
            streak: self.streak,
            xp_reached_at: self.reached_at,
        }
    }

    /// Applies an award by the rules of [`AwardOutcome`]; keys granted `window` or more
    /// before the award are forgotten.
    pub(crate) fn award(&mut self, request: &AwardRequest, window: TimeDelta) -> StoredAward {
        if let Some(key) = &request.idempotency_key {
            // Every keyed award sweeps the member's expired keys, so a member holds at
            // most the keys of one window.
            let oldest_live = request.now - window;
            self.keys.retain(|_, (_, at)| *at > oldest_live);
            if let Some((outcome, _)) = self.keys.get(key) {
                return StoredAward {
                    outcome: outcome.clone(),
                    replayed: true,
                };
            }
        }
        let outcome = self.decide(request);
        if let (AwardOutcome::Granted(_), Some(key)) = (&outcome, &request.idempotency_key) {
            self.keys
                .insert(key.clone(), (outcome.clone(), request.now));
        }
        StoredAward {
            outcome,
            replayed: false,
        }
    }

    fn decide(&mut self, request: &AwardRequest) -> AwardOutcome {
        let now = request.now;
        let slot = request.source.index();
        if let Some(until) = self.cooldown_until[slot].filter(|&until| until > now) {
            return AwardOutcome::Cooldown {
                remaining: (until - now).to_std().unwrap_or_default(),
                xp: self.xp,
            };
        }
        let claim = request.daily.and_then(|rule| rule.claim(self.streak));
        if request.amount == 0 && claim.is_none() {
            return AwardOutcome::AlreadyClaimed { xp: self.xp };
        }
        let xp_before = self.xp;
        let amount = self.add(request.source, request.amount, None, &request.reason, now);
        if let (Some(claim), Some(rule)) = (claim, request.daily) {
            self.add(Source::Daily, claim.bonus, None, &None, now);
            self.add(Source::Streak, claim.streak_bonus, None, &None, now);
            self.streak = rule.streak_after(&claim);
        }
        if let Some(cooldown) = request.cooldown {
            self.cooldown_until[slot] = Some(now + cooldown);
        }
        self.reached_at = now;
        AwardOutcome::Granted(Granted {
            xp_before,
            xp_after: self.xp,
            amount,
            daily: claim,
        })
    }

    /// Adds up to `amount` (saturating) with a history row; returns what was added.
    fn add(
        &mut self,
        source: Source,
        amount: u64,
        actor: Option<UserId>,
        reason: &Option<String>,
        now: DateTime<Utc>,
    ) -> u64 {
        if amount == 0 {
            return 0;
        }
        let before = self.xp;
        self.xp = before.saturating_add(amount).min(MAX_XP);
        self.record(source, before, actor, reason.clone(), now);
        self.xp - before
    }

    fn record(
        &mut self,
        source: Source,
        xp_before: u64,
        actor: Option<UserId>,
        reason: Option<String>,
        now: DateTime<Utc>,
    ) {
        self.history.push(HistoryEntry {
            amount: self.xp as i64 - xp_before as i64,
            source,
            xp_before,
            xp_after: self.xp,
            actor,
            reason,
            created_at: now,
        });
    }

    /// Applies one import record (see
    /// [`TransferStore::import_xp`](leveling_core::storage::TransferStore::import_xp)):
    /// returns XP before and after.
    pub(crate) fn import(
        &mut self,
        mode: ImportMode,
        xp: u64,
        reason: &Option<String>,
        now: DateTime<Utc>,
    ) -> (u64, u64) {
        let before = self.xp;
        let after = match mode {
            ImportMode::Replace => xp.min(MAX_XP),
            ImportMode::Add => before.saturating_add(xp).min(MAX_XP),
        };
        if after != before {
            self.xp = after;
            self.reached_at = now;
            self.record(Source::Import, before, None, reason.clone(), now);
        }
        (before, after)
    }

    /// Applies an admin change with its history row.
    pub(crate) fn adjust(&mut self, request: &AdjustRequest) -> Adjusted {
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
            self.reached_at = request.now;
        }
        self.record(
            Source::Admin,
            before,
            request.actor,
            request.reason.clone(),
            request.now,
        );
        Adjusted {
            xp_before: before,
            xp_after: self.xp,
        }
    }
}

#[cfg(test)]
mod tests {
    use leveling_core::testing::cases::{grant, t0};
    use leveling_core::{MemberId, storage::AwardRequest};

    use super::*;

    /// The store's memory is bounded: a member keeps the keys of one window, not every
    /// key it was ever given.
    #[test]
    fn expired_keys_are_dropped_at_the_next_keyed_award() {
        let window = TimeDelta::hours(24);
        let mut state = MemberState::new(t0());
        let keyed = |key: &str, hours| AwardRequest {
            idempotency_key: Some(key.into()),
            ..grant(MemberId::new(1, 2), 5, t0() + TimeDelta::hours(hours))
        };
        for (i, hours) in [0, 1, 2].into_iter().enumerate() {
            state.award(&keyed(&format!("k{i}"), hours), window);
        }
        assert_eq!(state.keys.len(), 3);
        state.award(&keyed("late", 25), window);
        assert_eq!(
            state.keys.len(),
            2,
            "k0 and k1 expired; k2 and late are live"
        );
    }
}
