//! The cases of the conformance suite. Each takes a fresh, empty store and panics on the
//! first broken rule.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use crate::storage::{
    AdjustRequest, Adjustment, AwardOutcome, AwardRequest, DEFAULT_IDEMPOTENCY_WINDOW, Granted,
    MAX_XP, Storage,
};
use crate::{
    DailyClaim, DailyRule, DayBoundary, Error, GuildId, MemberId, NewUser, PageRequest, Source,
    Tool, ToolId, UnlockReason, UserId, UserPatch,
};

pub use super::settings_cases::*;
pub use super::transfer_cases::*;

/// 2026-03-14 12:00:00 UTC: the suite's "now".
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 14, 12, 0, 0).unwrap()
}

const GUILD: GuildId = GuildId(1);

fn member(user: u64) -> MemberId {
    MemberId::new(GUILD, user)
}

fn secs(s: i64) -> TimeDelta {
    TimeDelta::seconds(s)
}

fn daily(now: DateTime<Utc>) -> DailyRule {
    DailyRule {
        today: DayBoundary::UTC.day(now),
        bonus: 50,
        per_day: 10,
        cap_days: 30,
    }
}

/// A message award with the seed's rule: 15 XP, 60 s cooldown, daily claim.
pub fn message(member: MemberId, now: DateTime<Utc>) -> AwardRequest {
    AwardRequest {
        member,
        source: Source::Message,
        amount: 15,
        cooldown: Some(Duration::from_secs(60)),
        daily: Some(daily(now)),
        reason: None,
        idempotency_key: None,
        now,
    }
}

/// A direct grant: no cooldown, no daily claim.
pub fn grant(member: MemberId, amount: u64, now: DateTime<Utc>) -> AwardRequest {
    AwardRequest {
        member,
        source: Source::Api,
        amount,
        cooldown: None,
        daily: None,
        reason: None,
        idempotency_key: None,
        now,
    }
}

fn granted(outcome: &AwardOutcome) -> &Granted {
    match outcome {
        AwardOutcome::Granted(granted) => granted,
        other => panic!("expected a grant, got {other:?}"),
    }
}

async fn xp_of(store: &impl Storage, id: MemberId) -> u64 {
    store.member(id).await.unwrap().map_or(0, |m| m.xp)
}

async fn award(store: &impl Storage, request: AwardRequest) -> AwardOutcome {
    store.award(&request).await.unwrap().outcome
}

fn admin(member: MemberId, adjustment: Adjustment, now: DateTime<Utc>) -> AdjustRequest {
    AdjustRequest {
        member,
        adjustment,
        actor: Some(UserId(900)),
        reason: Some("moderation".into()),
        now,
    }
}

fn tool(id: &str, level: u32) -> Tool {
    Tool {
        id: ToolId::new(id).unwrap(),
        name: id.to_uppercase(),
        description: format!("the {id} tool"),
        tier: "Basic".into(),
        required_level: level,
        url: Some(format!("https://tools.example/{id}")),
    }
}

/// A grant adds its amount and writes one history row with the reason.
pub async fn award_grants_and_records_history(store: impl Storage) {
    let id = member(7);
    let mut request = grant(id, 40, t0());
    request.reason = Some("event prize".into());
    let g = granted(&award(&store, request).await).clone();
    assert_eq!(
        (g.xp_before, g.xp_after, g.amount, g.daily),
        (0, 40, 40, None)
    );
    let g = granted(&award(&store, grant(id, 2, t0() + secs(1))).await).clone();
    assert_eq!((g.xp_before, g.xp_after), (40, 42));
    let history = store.history(id, PageRequest::first(10)).await.unwrap();
    assert_eq!(history.total, 2);
    let oldest = &history.items[1];
    assert_eq!(
        (
            oldest.amount,
            oldest.source,
            oldest.xp_before,
            oldest.xp_after
        ),
        (40, Source::Api, 0, 40)
    );
    assert_eq!(oldest.reason.as_deref(), Some("event prize"));
    assert_eq!((oldest.actor, oldest.created_at), (None, t0()));
}

/// The first award creates the member, with its XP, streak and time.
pub async fn award_creates_the_member(store: impl Storage) {
    let id = member(8);
    assert!(store.member(id).await.unwrap().is_none());
    assert_eq!(store.rank(id).await.unwrap(), None);
    award(&store, message(id, t0())).await;
    let m = store
        .member(id)
        .await
        .unwrap()
        .expect("member after an award");
    assert_eq!(
        (m.id, m.xp, m.streak.days, m.xp_reached_at),
        (id, 75, 1, t0())
    );
    assert_eq!(m.streak.last_claim, Some(DayBoundary::UTC.day(t0())));
    assert_eq!(store.rank(id).await.unwrap(), Some(1));
}

/// Within the cooldown: refused, nothing added, the exact time remaining.
pub async fn cooldown_refuses_with_the_time_remaining(store: impl Storage) {
    let id = member(9);
    award(&store, message(id, t0())).await;
    let outcome = award(&store, message(id, t0() + TimeDelta::milliseconds(20_500))).await;
    assert_eq!(
        outcome,
        AwardOutcome::Cooldown {
            remaining: Duration::from_millis(39_500),
            xp: 75
        }
    );
    assert_eq!(xp_of(&store, id).await, 75);
    assert_eq!(
        store
            .history(id, PageRequest::first(10))
            .await
            .unwrap()
            .total,
        3
    );
}

/// One millisecond before the end: refused; at the end: granted.
pub async fn cooldown_ends_exactly_on_time(store: impl Storage) {
    let id = member(10);
    award(&store, message(id, t0())).await;
    let early = award(
        &store,
        message(id, t0() + secs(60) - TimeDelta::milliseconds(1)),
    )
    .await;
    assert_eq!(
        early,
        AwardOutcome::Cooldown {
            remaining: Duration::from_millis(1),
            xp: 75
        }
    );
    let on_time = granted(&award(&store, message(id, t0() + secs(60))).await).clone();
    assert_eq!(
        (on_time.xp_before, on_time.xp_after, on_time.daily),
        (75, 90, None)
    );
}

/// A message cooldown does not block commands, nor another member's messages.
pub async fn cooldowns_are_per_source_and_member(store: impl Storage) {
    let (a, b) = (member(11), member(12));
    award(&store, message(a, t0())).await;
    let mut command = message(a, t0() + secs(1));
    command.source = Source::Command;
    command.amount = 5;
    command.cooldown = Some(Duration::from_secs(30));
    assert_eq!(granted(&award(&store, command).await).amount, 5);
    granted(&award(&store, message(b, t0() + secs(1))).await);
    let other_guild = MemberId::new(GuildId(2), 11);
    granted(&award(&store, message(other_guild, t0() + secs(1))).await);
    assert!(matches!(
        award(&store, message(a, t0() + secs(2))).await,
        AwardOutcome::Cooldown { .. }
    ));
}

/// First activity of a day pays 15 + 50 + 10; the next day 15 + 50 + 20; rows for each.
pub async fn first_activity_of_a_day_claims_daily_and_streak(store: impl Storage) {
    let id = member(13);
    let late = Utc.with_ymd_and_hms(2026, 3, 14, 23, 58, 0).unwrap();
    let first = granted(&award(&store, message(id, late)).await).clone();
    let claim = DailyClaim {
        streak_days: 1,
        bonus: 50,
        streak_bonus: 10,
    };
    assert_eq!(
        (first.xp_after, first.amount, first.daily),
        (75, 15, Some(claim))
    );
    // Same day, after the cooldown: the message alone.
    let same_day = Utc.with_ymd_and_hms(2026, 3, 14, 23, 59, 30).unwrap();
    assert_eq!(
        granted(&award(&store, message(id, same_day)).await).xp_after,
        90
    );
    // 00:00:00 the next day is within the message cooldown: refused, the day unclaimed.
    let midnight = Utc.with_ymd_and_hms(2026, 3, 15, 0, 0, 0).unwrap();
    assert!(matches!(
        award(&store, message(id, midnight)).await,
        AwardOutcome::Cooldown { .. }
    ));
    let next = granted(&award(&store, message(id, midnight + secs(30))).await).clone();
    let claim = DailyClaim {
        streak_days: 2,
        bonus: 50,
        streak_bonus: 20,
    };
    assert_eq!(
        (next.xp_before, next.xp_after, next.daily),
        (90, 175, Some(claim))
    );
    let history = store.history(id, PageRequest::first(3)).await.unwrap();
    let rows: Vec<_> = history.items.iter().map(|h| (h.source, h.amount)).collect();
    assert_eq!(
        rows,
        [
            (Source::Streak, 20),
            (Source::Daily, 50),
            (Source::Message, 15)
        ]
    );
    let m = store.member(id).await.unwrap().unwrap();
    assert_eq!(
        (m.streak.days, m.streak.last_claim),
        (2, Some(DayBoundary::UTC.day(midnight)))
    );
}

/// A daily-only request (amount 0) claims once per day, then is refused.
pub async fn daily_only_claim_is_refused_when_claimed(store: impl Storage) {
    let id = member(14);
    let claim = AwardRequest {
        source: Source::Daily,
        amount: 0,
        cooldown: None,
        ..message(id, t0())
    };
    let first = granted(&award(&store, claim.clone()).await).clone();
    assert_eq!((first.xp_after, first.amount), (60, 0));
    let again = AwardRequest {
        now: t0() + secs(3600),
        ..claim.clone()
    };
    assert_eq!(
        award(&store, again).await,
        AwardOutcome::AlreadyClaimed { xp: 60 }
    );
    // An activity the same day does not claim again.
    assert_eq!(
        granted(&award(&store, message(id, t0() + secs(7200))).await).xp_after,
        75
    );
    let rows: Vec<_> = store
        .history(id, PageRequest::first(10))
        .await
        .unwrap()
        .items
        .iter()
        .map(|h| h.source)
        .collect();
    assert_eq!(rows, [Source::Message, Source::Streak, Source::Daily]);
}

/// Skipping a day resets the streak to 1; the streak bonus stops growing at the cap.
pub async fn missed_day_resets_the_streak_and_the_bonus_caps(store: impl Storage) {
    let id = member(15);
    let day = |n: i64| t0() + TimeDelta::days(n);
    let with_cap = |now| {
        let mut request = grant(id, 1, now);
        request.daily = Some(DailyRule {
            cap_days: 3,
            ..daily(now)
        });
        request
    };
    let mut bonuses = Vec::new();
    for n in [0, 1, 2, 3, 4, 6] {
        let g = granted(&award(&store, with_cap(day(n))).await).clone();
        let claim = g.daily.expect("a claim each new day");
        bonuses.push((claim.streak_days, claim.streak_bonus));
    }
    assert_eq!(
        bonuses,
        [(1, 10), (2, 20), (3, 30), (4, 30), (5, 30), (1, 10)]
    );
}

/// A refused award of an unknown member leaves no member behind.
pub async fn refused_award_creates_nothing(store: impl Storage) {
    // Amount 0 and no daily rule: there is nothing to grant.
    let nothing = grant(member(18), 0, t0());
    assert_eq!(
        award(&store, nothing).await,
        AwardOutcome::AlreadyClaimed { xp: 0 }
    );
    assert!(store.member(member(18)).await.unwrap().is_none());
    assert_eq!(store.rank(member(18)).await.unwrap(), None);
    assert_eq!(
        store
            .history(member(18), PageRequest::first(5))
            .await
            .unwrap()
            .total,
        0
    );
    let board = store
        .leaderboard(GUILD, PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(board.total, 0);
    assert_eq!(store.stats().await.unwrap().members, 0);
}

/// The same key returns the first grant, marked replayed, and adds nothing.
pub async fn idempotency_key_replays_the_first_grant(store: impl Storage) {
    let id = member(19);
    let mut request = grant(id, 30, t0());
    request.idempotency_key = Some("order-1".into());
    let first = store.award(&request).await.unwrap();
    assert!(!first.replayed);
    let mut retry = request.clone();
    retry.now = t0() + secs(5);
    retry.amount = 999;
    let second = store.award(&retry).await.unwrap();
    assert!(second.replayed);
    assert_eq!(second.outcome, first.outcome);
    assert_eq!(xp_of(&store, id).await, 30);
    assert_eq!(
        store
            .history(id, PageRequest::first(10))
            .await
            .unwrap()
            .total,
        1
    );
}

/// A retry inside the default window (24 h) replays; once the window has passed the key
/// is forgotten and the same key makes a new award.
pub async fn idempotency_keys_expire_after_the_window(store: impl Storage) {
    let id = member(23);
    let window = TimeDelta::from_std(DEFAULT_IDEMPOTENCY_WINDOW).unwrap();
    let keyed = |now| AwardRequest {
        idempotency_key: Some("order-7".into()),
        ..grant(id, 40, now)
    };
    assert!(!store.award(&keyed(t0())).await.unwrap().replayed);
    let inside = store.award(&keyed(t0() + window - secs(1))).await.unwrap();
    assert!(
        inside.replayed,
        "a retry one second before the window ends replays"
    );
    assert_eq!(xp_of(&store, id).await, 40);
    let after = store.award(&keyed(t0() + window)).await.unwrap();
    assert!(!after.replayed, "the key is forgotten when the window ends");
    assert_eq!(granted(&after.outcome).xp_after, 80);
    // The new grant holds the key for a window of its own.
    let again = store.award(&keyed(t0() + window + secs(60))).await.unwrap();
    assert!(again.replayed);
    assert_eq!(again.outcome, after.outcome);
    assert_eq!(xp_of(&store, id).await, 80);
}

/// Keys are scoped per member; a refused award does not use its key.
pub async fn idempotency_keys_are_per_member_and_only_granted_awards_use_them(store: impl Storage) {
    let (a, b) = (member(20), member(21));
    let keyed = |id, now| AwardRequest {
        idempotency_key: Some("k".into()),
        ..message(id, now)
    };
    granted(&award(&store, keyed(a, t0())).await);
    let b_first = store.award(&keyed(b, t0())).await.unwrap();
    assert!(!b_first.replayed, "another member's key is another key");
    // A refused award with a fresh key, retried after the cooldown, is granted.
    let refused = AwardRequest {
        idempotency_key: Some("later".into()),
        ..message(a, t0() + secs(10))
    };
    assert!(matches!(
        award(&store, refused.clone()).await,
        AwardOutcome::Cooldown { .. }
    ));
    let retried = AwardRequest {
        now: t0() + secs(61),
        ..refused
    };
    let outcome = store.award(&retried).await.unwrap();
    assert!(!outcome.replayed);
    assert_eq!(granted(&outcome.outcome).xp_after, 90);
}

/// XP stops at [`MAX_XP`] instead of overflowing.
pub async fn xp_saturates_at_max_xp(store: impl Storage) {
    let id = member(22);
    store
        .adjust(&admin(id, Adjustment::Set(MAX_XP - 5), t0()))
        .await
        .unwrap();
    let g = granted(&award(&store, grant(id, 100, t0())).await).clone();
    assert_eq!((g.xp_before, g.xp_after, g.amount), (MAX_XP - 5, MAX_XP, 5));
    let adjusted = store
        .adjust(&admin(id, Adjustment::Add(i64::MAX), t0()))
        .await
        .unwrap();
    assert_eq!(adjusted.xp_after, MAX_XP);
    let set = store
        .adjust(&admin(id, Adjustment::Set(u64::MAX), t0()))
        .await
        .unwrap();
    assert_eq!(set.xp_after, MAX_XP);
}

/// 50 tasks × 20 grants of 3 XP to one member: exactly 3,000 XP and 1,000 rows.
pub async fn concurrent_awards_add_up_exactly(store: impl Storage) {
    let store = Arc::new(store);
    let id = member(23);
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                for _ in 0..20 {
                    granted(&award(&*store, grant(id, 3, t0())).await);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(xp_of(&*store, id).await, 3_000);
    assert_eq!(
        store
            .history(id, PageRequest::first(1))
            .await
            .unwrap()
            .total,
        1_000
    );
    assert_eq!(store.rank(id).await.unwrap(), Some(1));
}

/// 100 simultaneous messages of one member: exactly one granted.
pub async fn concurrent_cooldown_lets_exactly_one_through(store: impl Storage) {
    let store = Arc::new(store);
    let id = member(24);
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                award(&*store, message(id, t0() + TimeDelta::milliseconds(i))).await
            })
        })
        .collect();
    let mut granted_count = 0;
    for task in tasks {
        if let AwardOutcome::Granted(_) = task.await.unwrap() {
            granted_count += 1;
        }
    }
    assert_eq!(granted_count, 1);
    assert_eq!(xp_of(&*store, id).await, 75);
}

/// 50 simultaneous retries of one key: applied once, every answer the same grant.
pub async fn concurrent_idempotent_awards_apply_once(store: impl Storage) {
    let store = Arc::new(store);
    let id = member(25);
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let request = AwardRequest {
                    idempotency_key: Some("once".into()),
                    ..grant(id, 10, t0())
                };
                store.award(&request).await.unwrap()
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    assert_eq!(outcomes.iter().filter(|o| !o.replayed).count(), 1);
    assert!(outcomes.iter().all(|o| granted(&o.outcome).xp_after == 10));
    assert_eq!(xp_of(&*store, id).await, 10);
}

/// Many new members at once (including the same new member from many tasks).
pub async fn concurrent_first_awards_of_new_members(store: impl Storage) {
    let store = Arc::new(store);
    let tasks: Vec<_> = (0..64u64)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                granted(&award(&*store, grant(member(1_000 + i % 16), 5, t0())).await);
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let board = store
        .leaderboard(GUILD, PageRequest::first(100))
        .await
        .unwrap();
    assert_eq!(board.total, 16);
    assert!(board.items.iter().all(|s| s.xp == 20));
}

/// `Add` floors at 0; each change has a history row with the actor and amount after − before.
pub async fn admin_add_floors_at_zero_and_records_the_actor(store: impl Storage) {
    let id = member(26);
    let added = store
        .adjust(&admin(id, Adjustment::Add(500), t0()))
        .await
        .unwrap();
    assert_eq!((added.xp_before, added.xp_after), (0, 500));
    let removed = store
        .adjust(&admin(id, Adjustment::Add(-800), t0() + secs(1)))
        .await
        .unwrap();
    assert_eq!((removed.xp_before, removed.xp_after), (500, 0));
    let history = store.history(id, PageRequest::first(10)).await.unwrap();
    let rows: Vec<_> = history
        .items
        .iter()
        .map(|h| (h.amount, h.source, h.actor, h.reason.as_deref()))
        .collect();
    assert_eq!(
        rows,
        [
            (-500, Source::Admin, Some(UserId(900)), Some("moderation")),
            (500, Source::Admin, Some(UserId(900)), Some("moderation")),
        ]
    );
}

/// `Set` sets; `Reset` zeroes XP and clears the streak (the next activity starts day 1).
pub async fn admin_set_and_reset(store: impl Storage) {
    let id = member(27);
    award(&store, message(id, t0())).await;
    let set = store
        .adjust(&admin(id, Adjustment::Set(10_500), t0() + secs(1)))
        .await
        .unwrap();
    assert_eq!((set.xp_before, set.xp_after), (75, 10_500));
    let reset = store
        .adjust(&admin(id, Adjustment::Reset, t0() + secs(2)))
        .await
        .unwrap();
    assert_eq!((reset.xp_before, reset.xp_after), (10_500, 0));
    let m = store.member(id).await.unwrap().unwrap();
    assert_eq!((m.xp, m.streak.days, m.streak.last_claim), (0, 0, None));
    // The day was claimed before the reset; with the streak cleared it can be claimed again.
    let again = granted(&award(&store, message(id, t0() + secs(120))).await).clone();
    assert_eq!(again.daily.map(|d| d.streak_days), Some(1));
}

/// Newest first, offset and limit respected, total counts every row.
pub async fn history_is_newest_first_and_paginated(store: impl Storage) {
    let id = member(28);
    for i in 1..=7 {
        award(&store, grant(id, i, t0() + secs(i as i64))).await;
    }
    let page = store.history(id, PageRequest::new(3, 2)).await.unwrap();
    assert_eq!(page.total, 7);
    let amounts: Vec<_> = page.items.iter().map(|h| h.amount).collect();
    assert_eq!(amounts, [5, 4, 3]);
    let past_end = store.history(id, PageRequest::new(3, 50)).await.unwrap();
    assert_eq!((past_end.items.len(), past_end.total), (0, 7));
    let unknown = store
        .history(member(29), PageRequest::first(3))
        .await
        .unwrap();
    assert_eq!((unknown.items.len(), unknown.total), (0, 0));
}

/// Highest XP first; equal XP: who reached it first; equal time: lower user id.
pub async fn leaderboard_orders_by_xp_then_time_then_user(store: impl Storage) {
    award(&store, grant(member(5), 100, t0() + secs(3))).await;
    award(&store, grant(member(3), 100, t0() + secs(1))).await;
    award(&store, grant(member(4), 100, t0() + secs(1))).await;
    award(&store, grant(member(2), 300, t0() + secs(9))).await;
    award(&store, grant(member(1), 50, t0())).await;
    // u64 order, not i64: a huge id sorts after small ones on a tie.
    award(&store, grant(member(u64::MAX), 100, t0() + secs(1))).await;
    let board = store
        .leaderboard(GUILD, PageRequest::first(10))
        .await
        .unwrap();
    let rows: Vec<_> = board
        .items
        .iter()
        .map(|s| (s.rank, s.user.0, s.xp))
        .collect();
    assert_eq!(
        rows,
        [
            (1, 2, 300),
            (2, 3, 100),
            (3, 4, 100),
            (4, u64::MAX, 100),
            (5, 5, 100),
            (6, 1, 50)
        ]
    );
    // Catching up later does not win the tie.
    award(&store, grant(member(1), 50, t0() + secs(20))).await;
    let board = store
        .leaderboard(GUILD, PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(board.items.last().unwrap().user, UserId(1));
}

/// Pages by offset and limit; other guilds' members are not counted.
pub async fn leaderboard_is_paginated_and_per_guild(store: impl Storage) {
    for user in 1..=12u64 {
        award(&store, grant(member(user), user * 10, t0())).await;
    }
    award(&store, grant(MemberId::new(GuildId(2), 99), 10_000, t0())).await;
    let page = store
        .leaderboard(GUILD, PageRequest::new(5, 5))
        .await
        .unwrap();
    assert_eq!(page.total, 12);
    let rows: Vec<_> = page.items.iter().map(|s| (s.rank, s.user.0)).collect();
    assert_eq!(rows, [(6, 7), (7, 6), (8, 5), (9, 4), (10, 3)]);
    let tail = store
        .leaderboard(GUILD, PageRequest::new(5, 10))
        .await
        .unwrap();
    assert_eq!(tail.items.len(), 2);
    let other = store
        .leaderboard(GuildId(2), PageRequest::first(5))
        .await
        .unwrap();
    assert_eq!((other.total, other.items[0].rank), (1, 1));
    let empty = store
        .leaderboard(GuildId(3), PageRequest::first(5))
        .await
        .unwrap();
    assert_eq!((empty.total, empty.items.len()), (0, 0));
}

/// Rows carry the profile's username, `None` without a profile.
pub async fn leaderboard_shows_usernames(store: impl Storage) {
    let named = NewUser {
        id: UserId(31),
        username: "ada".into(),
        display_name: None,
        avatar_url: None,
    };
    store.upsert_user(&named, t0()).await.unwrap();
    award(&store, grant(member(31), 20, t0())).await;
    award(&store, grant(member(32), 10, t0())).await;
    let board = store
        .leaderboard(GUILD, PageRequest::first(5))
        .await
        .unwrap();
    let names: Vec<_> = board.items.iter().map(|s| s.username.as_deref()).collect();
    assert_eq!(names, [Some("ada"), None]);
}

/// The leaderboard carries each profile's display name, avatar and hidden flag; the
/// flag is set by a patch, kept by a later upsert, and hides nobody from the store's
/// ranking (the public page skips the row, the ranks stay).
pub async fn leaderboard_carries_profiles_and_the_hidden_flag(store: impl Storage) {
    let new = |id: u64, display: Option<&str>, avatar: Option<&str>| NewUser {
        id: UserId(id),
        username: format!("user{id}"),
        display_name: display.map(Into::into),
        avatar_url: avatar.map(Into::into),
    };
    store
        .upsert_user(
            &new(51, Some("Ada L."), Some("https://cdn.example/a.png")),
            t0(),
        )
        .await
        .unwrap();
    store.upsert_user(&new(52, None, None), t0()).await.unwrap();
    let fresh = store.user(UserId(52)).await.unwrap().unwrap();
    assert!(!fresh.leaderboard_hidden, "a new profile is shown");
    let hide = UserPatch {
        leaderboard_hidden: Some(true),
        ..UserPatch::default()
    };
    let hidden = store
        .update_user(UserId(52), &hide, t0() + secs(1))
        .await
        .unwrap()
        .unwrap();
    assert!(hidden.leaderboard_hidden);
    // Syncing the profile from Discord (an upsert) keeps the member's choice.
    let (again, created) = store
        .upsert_user(&new(52, Some("Bob"), None), t0() + secs(2))
        .await
        .unwrap();
    assert!(!created);
    assert!(again.leaderboard_hidden, "an upsert must keep the flag");
    award(&store, grant(member(51), 30, t0())).await;
    award(&store, grant(member(52), 20, t0())).await;
    award(&store, grant(member(53), 10, t0())).await;
    let board = store
        .leaderboard(GUILD, PageRequest::first(5))
        .await
        .unwrap();
    let rows: Vec<_> = board
        .items
        .iter()
        .map(|s| {
            (
                s.rank,
                s.display_name.as_deref(),
                s.avatar_url.as_deref(),
                s.hidden,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (1, Some("Ada L."), Some("https://cdn.example/a.png"), false),
            (2, Some("Bob"), None, true),
            (3, None, None, false),
        ]
    );
    let show = UserPatch {
        leaderboard_hidden: Some(false),
        ..UserPatch::default()
    };
    store
        .update_user(UserId(52), &show, t0() + secs(3))
        .await
        .unwrap();
    let board = store
        .leaderboard(GUILD, PageRequest::first(5))
        .await
        .unwrap();
    assert!(board.items.iter().all(|s| !s.hidden));
}

/// Each member's rank equals their position on the leaderboard, after every kind of change.
pub async fn rank_matches_the_leaderboard(store: impl Storage) {
    for user in 1..=30u64 {
        award(
            &store,
            grant(
                member(user),
                (user * 37) % 11 * 100 + 1,
                t0() + secs(user as i64),
            ),
        )
        .await;
    }
    store
        .adjust(&admin(member(4), Adjustment::Add(5_000), t0() + secs(40)))
        .await
        .unwrap();
    store
        .adjust(&admin(member(9), Adjustment::Reset, t0() + secs(41)))
        .await
        .unwrap();
    award(&store, grant(member(12), 250, t0() + secs(42))).await;
    let board = store
        .leaderboard(GUILD, PageRequest::first(100))
        .await
        .unwrap();
    assert_eq!(board.total, 30);
    for standing in &board.items {
        let rank = store.rank(member(standing.user.0)).await.unwrap();
        assert_eq!(rank, Some(standing.rank), "rank of user {}", standing.user);
    }
    assert_eq!(board.items[0].user, UserId(4));
    assert_eq!(board.items[29].user, UserId(9));
}

/// Upsert creates (true), then updates (false) keeping fields it does not set.
pub async fn users_are_created_updated_and_listed(store: impl Storage) {
    let new = NewUser {
        id: UserId(18_000_000_000_000_000_001),
        username: "grace".into(),
        display_name: Some("Grace".into()),
        avatar_url: Some("https://cdn.example/a.png".into()),
    };
    let (created, is_new) = store.upsert_user(&new, t0()).await.unwrap();
    assert!(is_new);
    assert_eq!((created.created_at, created.updated_at), (t0(), t0()));
    let rename = NewUser {
        username: "grace2".into(),
        display_name: None,
        avatar_url: None,
        ..new.clone()
    };
    let (updated, is_new) = store.upsert_user(&rename, t0() + secs(5)).await.unwrap();
    assert!(!is_new);
    assert_eq!(updated.username, "grace2");
    assert_eq!(updated.display_name.as_deref(), Some("Grace"));
    assert_eq!(
        updated.avatar_url.as_deref(),
        Some("https://cdn.example/a.png")
    );
    assert_eq!(
        (updated.created_at, updated.updated_at),
        (t0(), t0() + secs(5))
    );
    assert_eq!(store.user(new.id).await.unwrap(), Some(updated));
    assert_eq!(store.user(UserId(5)).await.unwrap(), None);
    for id in [3u64, 1, 2] {
        let user = NewUser {
            id: UserId(id),
            username: format!("u{id}"),
            display_name: None,
            avatar_url: None,
        };
        store.upsert_user(&user, t0()).await.unwrap();
    }
    let page = store.users(PageRequest::new(2, 1)).await.unwrap();
    assert_eq!(page.total, 4);
    let ids: Vec<_> = page.items.iter().map(|u| u.id.0).collect();
    assert_eq!(ids, [2, 3]);
}

/// A patch changes what it names, clears with `Some(None)`, and misses unknown users.
pub async fn user_patch_changes_only_given_fields(store: impl Storage) {
    let new = NewUser {
        id: UserId(40),
        username: "linus".into(),
        display_name: Some("L".into()),
        avatar_url: Some("x".into()),
    };
    store.upsert_user(&new, t0()).await.unwrap();
    let patch = UserPatch {
        display_name: Some(None),
        avatar_url: Some(Some("y".into())),
        ..UserPatch::default()
    };
    let patched = store
        .update_user(UserId(40), &patch, t0() + secs(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(patched.username, "linus");
    assert_eq!(patched.display_name, None);
    assert_eq!(patched.avatar_url.as_deref(), Some("y"));
    assert_eq!(patched.updated_at, t0() + secs(1));
    assert_eq!(
        store.update_user(UserId(41), &patch, t0()).await.unwrap(),
        None
    );
}

/// A taken id is a conflict; the catalog comes by required level, then id.
pub async fn tools_are_created_once_and_ordered(store: impl Storage) {
    for t in [
        tool("zeta", 11),
        tool("alpha", 26),
        tool("beta", 11),
        tool("gamma", 0),
    ] {
        store.create_tool(&t).await.unwrap();
    }
    let conflict = store.create_tool(&tool("beta", 3)).await.unwrap_err();
    assert!(matches!(conflict, Error::Conflict(_)), "{conflict:?}");
    let tools = store.tools().await.unwrap();
    let ids: Vec<_> = tools.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["gamma", "beta", "zeta", "alpha"]);
    assert_eq!(tools[1], tool("beta", 11));
}

/// The first record of a (member, tool, reason) is kept; a second is a no-op.
pub async fn unlocks_are_recorded_once_per_reason(store: impl Storage) {
    store.create_tool(&tool("poll", 5)).await.unwrap();
    let id = member(50);
    let poll = ToolId::new("poll").unwrap();
    assert!(
        store
            .record_unlock(id, &poll, UnlockReason::Level, t0())
            .await
            .unwrap()
    );
    assert!(
        !store
            .record_unlock(id, &poll, UnlockReason::Level, t0() + secs(9))
            .await
            .unwrap()
    );
    assert!(
        store
            .record_unlock(id, &poll, UnlockReason::Grant, t0() + secs(10))
            .await
            .unwrap()
    );
    let mut unlocks = store.unlocks(id).await.unwrap();
    unlocks.sort_by_key(|u| u.at);
    let rows: Vec<_> = unlocks
        .iter()
        .map(|u| (u.tool.as_str(), u.reason, u.at))
        .collect();
    assert_eq!(
        rows,
        [
            ("poll", UnlockReason::Level, t0()),
            ("poll", UnlockReason::Grant, t0() + secs(10))
        ]
    );
    assert!(store.unlocks(member(51)).await.unwrap().is_empty());
}

/// Members across guilds, profiles and the XP sum.
pub async fn stats_count_members_users_and_xp(store: impl Storage) {
    award(&store, grant(member(60), 100, t0())).await;
    award(&store, grant(MemberId::new(GuildId(2), 60), 50, t0())).await;
    let user = NewUser {
        id: UserId(60),
        username: "x".into(),
        display_name: None,
        avatar_url: None,
    };
    store.upsert_user(&user, t0()).await.unwrap();
    let stats = store.stats().await.unwrap();
    assert_eq!((stats.members, stats.users, stats.total_xp), (2, 1, 150));
}

/// A working store is healthy.
pub async fn health_is_ok(store: impl Storage) {
    store.health().await.unwrap();
}
