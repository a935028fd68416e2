//! Awards: one statement ([`sql::AWARD`]) for one request or a batch of them.

use chrono::{DateTime, Utc};
use leveling_core::storage::{AwardOutcome, AwardRequest, Granted, MAX_XP, StoredAward};
use leveling_core::{DailyClaim, Day, Error, Result, Streak};
use sqlx::PgPool;

use crate::codec::{clamp_i64, encode_id, parse_u64_text, to_u64};
use crate::sql;

/// Cooldowns are capped at about 1,000 years, so `now + cooldown` stays a valid time.
const MAX_COOLDOWN_MICROS: i64 = 1_000 * 366 * 86_400 * 1_000_000;

/// How long a granted award's idempotency key replays it, in microseconds (the unit the
/// statement compares times in).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KeyWindow(pub(crate) i64);

impl KeyWindow {
    pub(crate) fn new(window: std::time::Duration) -> Self {
        Self(i64::try_from(window.as_micros()).unwrap_or(i64::MAX))
    }
}

/// What one request of a statement came to: `None` when it lost a race and must be tried
/// again (its snapshot would have granted, the locked row refused).
pub(crate) type Attempt = Option<StoredAward>;

/// Runs `requests` (each member at most once) as one statement, in one transaction.
/// An `Err` inside the vector is that request's own bad data; an `Err` outside fails them
/// all (nothing was applied).
pub(crate) async fn apply(
    pool: &PgPool,
    requests: &[&AwardRequest],
    window: KeyWindow,
) -> std::result::Result<Vec<Result<Attempt>>, sqlx::Error> {
    let n = requests.len();
    let mut guild = Vec::with_capacity(n);
    let mut user = Vec::with_capacity(n);
    let mut slot = Vec::with_capacity(n);
    let mut amount = Vec::with_capacity(n);
    let mut cooldown = Vec::with_capacity(n);
    let mut today = Vec::with_capacity(n);
    let mut bonus = Vec::with_capacity(n);
    let mut per_day = Vec::with_capacity(n);
    let mut cap = Vec::with_capacity(n);
    let mut reason = Vec::with_capacity(n);
    let mut key = Vec::with_capacity(n);
    let mut now = Vec::with_capacity(n);
    let mut source = Vec::with_capacity(n);
    for request in requests {
        let daily = request.daily;
        guild.push(encode_id(request.member.guild.0));
        user.push(encode_id(request.member.user.0));
        slot.push(request.source.index() as i32 + 1);
        amount.push(clamp_i64(request.amount.min(MAX_XP)));
        cooldown.push(request.cooldown.map(|c| {
            i64::try_from(c.as_micros())
                .unwrap_or(i64::MAX)
                .min(MAX_COOLDOWN_MICROS)
        }));
        today.push(daily.map(|d| d.today.0));
        bonus.push(daily.map_or_else(|| "0".to_owned(), |d| d.bonus.to_string()));
        per_day.push(daily.map_or_else(|| "0".to_owned(), |d| d.per_day.to_string()));
        cap.push(daily.map_or(0, |d| i64::from(d.cap_days)));
        reason.push(request.reason.as_deref());
        key.push(request.idempotency_key.as_deref());
        now.push(request.now);
        source.push(request.source.as_str());
    }
    let rows: Vec<AwardRow> = sqlx::query_as(sql::AWARD)
        .bind(guild)
        .bind(user)
        .bind(slot)
        .bind(amount)
        .bind(cooldown)
        .bind(today)
        .bind(bonus)
        .bind(per_day)
        .bind(cap)
        .bind(reason)
        .bind(key)
        .bind(now)
        .bind(source)
        .bind(window.0)
        .fetch_all(pool)
        .await?;
    if rows.len() != n {
        return Err(sqlx::Error::Protocol(format!(
            "the award statement returned {} rows for {n} requests",
            rows.len()
        )));
    }
    Ok(rows
        .into_iter()
        .zip(requests)
        .map(|(row, request)| row.outcome(request))
        .collect())
}

/// One request's row of [`sql::AWARD`]. Which group of columns is set says what
/// happened: `key_*` a replayed idempotency key, `granted_*` a grant, neither a refusal
/// (`cur_*`: the member as the statement's snapshot saw it).
#[derive(sqlx::FromRow)]
struct AwardRow {
    key_xp_before: Option<i64>,
    key_xp_after: Option<i64>,
    key_amount: Option<i64>,
    key_claim_days: Option<i64>,
    /// Text: a `numeric` that may not fit `i64`.
    key_bonus: Option<String>,
    key_streak_bonus: Option<String>,
    granted_before: Option<i64>,
    granted_after: Option<i64>,
    granted_amount: Option<i64>,
    granted_claim_days: Option<i64>,
    cur_xp: Option<i64>,
    cur_until: Option<DateTime<Utc>>,
    cur_streak_day: Option<i64>,
}

/// A column the statement sets together with the one that chose the branch.
fn present(value: Option<i64>, what: &str) -> Result<u64> {
    to_u64(
        value.ok_or_else(|| Error::Internal {
            message: format!("award: the statement returned no {what}"),
            source: None,
        })?,
        what,
    )
}

impl AwardRow {
    /// What the row says happened to `request`.
    fn outcome(self, request: &AwardRequest) -> Result<Attempt> {
        let daily = request.daily;

        if let Some(before) = self.key_xp_before {
            let claim = match self.key_claim_days {
                None => None,
                Some(days) => Some(DailyClaim {
                    streak_days: u32::try_from(days).unwrap_or(u32::MAX),
                    bonus: parse_u64_text(self.key_bonus.as_deref().unwrap_or("0"), "bonus")?,
                    streak_bonus: parse_u64_text(
                        self.key_streak_bonus.as_deref().unwrap_or("0"),
                        "streak bonus",
                    )?,
                }),
            };
            let granted = Granted {
                xp_before: to_u64(before, "xp")?,
                xp_after: present(self.key_xp_after, "xp")?,
                amount: present(self.key_amount, "amount")?,
                daily: claim,
            };
            return Ok(Some(StoredAward {
                outcome: AwardOutcome::Granted(granted),
                replayed: true,
            }));
        }

        if let Some(before) = self.granted_before {
            let claim = self.granted_claim_days.zip(daily).map(|(days, rule)| {
                let streak_days = u32::try_from(days).unwrap_or(u32::MAX);
                DailyClaim {
                    streak_days,
                    bonus: rule.bonus,
                    streak_bonus: rule
                        .per_day
                        .saturating_mul(u64::from(streak_days.min(rule.cap_days))),
                }
            });
            let granted = Granted {
                xp_before: to_u64(before, "xp")?,
                xp_after: present(self.granted_after, "xp")?,
                amount: present(self.granted_amount, "amount")?,
                daily: claim,
            };
            return Ok(Some(StoredAward {
                outcome: AwardOutcome::Granted(granted),
                replayed: false,
            }));
        }

        // Refused. The reason comes from the statement's snapshot; when the snapshot would
        // have granted, the row changed under us (a concurrent award): try again.
        let xp = to_u64(self.cur_xp.unwrap_or(0), "xp")?;
        if let Some(until) = self.cur_until.filter(|until| *until > request.now) {
            let remaining = (until - request.now).to_std().unwrap_or_default();
            return Ok(Some(StoredAward {
                outcome: AwardOutcome::Cooldown { remaining, xp },
                replayed: false,
            }));
        }
        let can_claim = daily.is_some_and(|rule| {
            rule.claim(Streak {
                last_claim: self.cur_streak_day.map(Day),
                days: 0,
            })
            .is_some()
        });
        if request.amount == 0 && !can_claim {
            return Ok(Some(StoredAward {
                outcome: AwardOutcome::AlreadyClaimed { xp },
                replayed: false,
            }));
        }
        Ok(None)
    }
}
