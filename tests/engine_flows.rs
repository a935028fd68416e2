//! The engine on the memory store with a manual clock: the flows a bot relies on, at
//! exact times.

use std::sync::{Arc, Mutex};

use leveling::chrono::{DateTime, TimeDelta, TimeZone, Utc};
use leveling::memory::MemoryStore;
use leveling::*;

fn at(day: u32, h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, h, m, s).unwrap()
}

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Event>>>);

impl EventSink for Recorder {
    fn publish(&self, event: &Event) -> std::result::Result<(), BoxError> {
        self.0.lock().unwrap().push(event.clone());
        Ok(())
    }
}

fn engine(clock: &ManualClock) -> (Leveling, Recorder) {
    let recorder = Recorder::default();
    let leveling = Leveling::builder(MemoryStore::new())
        .clock(clock.clone())
        .sink(recorder.clone())
        .build();
    (leveling, recorder)
}

const ADA: MemberId = MemberId {
    guild: GuildId(10),
    user: UserId(1),
};

#[tokio::test]
async fn the_design_example_75_then_85_then_nothing() {
    let clock = ManualClock::new(at(23, 12, 0, 0));
    let (leveling, _) = engine(&clock);
    let first = leveling.award(Award::message(ADA)).await.unwrap();
    assert_eq!((first.amount, first.xp), (75, 75));
    clock.advance(TimeDelta::seconds(30));
    let within = leveling.award(Award::message(ADA)).await.unwrap();
    assert!(!within.granted);
    assert_eq!(
        within.cooldown_remaining,
        Some(std::time::Duration::from_secs(30))
    );
    clock.set(at(24, 12, 0, 0));
    let next_day = leveling.award(Award::message(ADA)).await.unwrap();
    assert_eq!((next_day.amount, next_day.xp), (85, 160));
    assert_eq!(next_day.daily.map(|d| d.streak_days), Some(2));
}

#[tokio::test]
async fn the_day_turns_exactly_at_midnight() {
    let clock = ManualClock::new(at(23, 23, 59, 59));
    let (leveling, _) = engine(&clock);
    // A command at 23:59:59 claims the 23rd.
    let before = leveling.award(Award::command(ADA)).await.unwrap();
    assert_eq!(before.amount, 5 + 50 + 10);
    // A message one second later, at 00:00:00, claims the 24th (other source: no cooldown).
    clock.set(at(24, 0, 0, 0));
    let after = leveling.award(Award::message(ADA)).await.unwrap();
    assert_eq!(after.amount, 15 + 50 + 20);
    // And the daily button is now refused until the next midnight.
    clock.set(at(24, 0, 0, 1));
    let claim = leveling.award(Award::daily(ADA)).await.unwrap();
    assert!(!claim.granted);
    assert_eq!(
        claim.cooldown_remaining,
        Some(std::time::Duration::from_secs(86_399))
    );
}

#[tokio::test]
async fn a_day_boundary_in_another_zone() {
    // Days start at 00:00 UTC+02:00 = 22:00 UTC.
    let clock = ManualClock::new(at(23, 21, 59, 59));
    let rules = Rules {
        day_boundary: DayBoundary::from_utc_offset(7200).unwrap(),
        ..Rules::default()
    };
    let leveling = Leveling::builder(MemoryStore::new())
        .clock(clock.clone())
        .rules(rules)
        .build();
    assert!(leveling.award(Award::daily(ADA)).await.unwrap().granted);
    clock.set(at(23, 22, 0, 0));
    let next = leveling.award(Award::daily(ADA)).await.unwrap();
    assert_eq!(next.daily.map(|d| d.streak_days), Some(2));
}

#[tokio::test]
async fn tools_unlock_by_level_and_by_grant() {
    let clock = ManualClock::new(at(23, 12, 0, 0));
    let (leveling, recorder) = engine(&clock);
    let new_tool = |id: &str, tier: &str| NewTool {
        id: ToolId::new(id).unwrap(),
        name: id.into(),
        description: String::new(),
        tier: tier.into(),
        required_level: None,
        url: None,
    };
    leveling
        .create_tool(new_tool("starter", "Basic"))
        .await
        .unwrap();
    leveling
        .create_tool(new_tool("polls", "Member"))
        .await
        .unwrap();
    assert_eq!(
        leveling
            .create_tool(new_tool("polls", "Basic"))
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Conflict
    );
    let status = |access: &[ToolAccess]| -> Vec<(String, AccessStatus, Option<UnlockReason>)> {
        access
            .iter()
            .map(|a| (a.tool.id.to_string(), a.status, a.reason))
            .collect()
    };
    let before = leveling.tool_access(ADA).await.unwrap();
    assert_eq!(
        status(&before),
        [
            (
                "starter".into(),
                AccessStatus::Unlocked,
                Some(UnlockReason::Level)
            ),
            ("polls".into(), AccessStatus::Locked, None)
        ]
    );
    // Level 11 (12,650 XP) unlocks "polls".
    let result = leveling.award(Award::grant(ADA, 12_650)).await.unwrap();
    assert_eq!(result.unlocked_tools.len(), 1);
    let after = leveling.tool_access(ADA).await.unwrap();
    assert_eq!(after[1].reason, Some(UnlockReason::Level));
    assert_eq!(after[1].unlocked_at, Some(at(23, 12, 0, 0)));
    // A reset locks it again; a grant unlocks it for good, once.
    leveling.reset(ADA, Some(UserId(99))).await.unwrap();
    let granted = leveling
        .grant_tool(ADA, &ToolId::new("polls").unwrap())
        .await
        .unwrap();
    assert_eq!(
        (granted.status, granted.reason),
        (AccessStatus::Unlocked, Some(UnlockReason::Grant))
    );
    leveling
        .grant_tool(ADA, &ToolId::new("polls").unwrap())
        .await
        .unwrap();
    let unlocked_events = recorder
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|e| matches!(e, Event::ToolUnlocked(_)))
        .count();
    assert_eq!(unlocked_events, 2, "one by level, one by the first grant");
    let missing = leveling
        .grant_tool(ADA, &ToolId::new("nope").unwrap())
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn progress_rank_and_leaderboard() {
    let clock = ManualClock::new(at(23, 12, 0, 0));
    let (leveling, _) = engine(&clock);
    for (user, xp) in [(1u64, 500u64), (2, 10_600), (3, 150)] {
        leveling
            .award(Award::grant(MemberId::new(10, user), xp))
            .await
            .unwrap();
    }
    let progress = leveling
        .progress(MemberId::new(10, 2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            progress.progress.level,
            progress.rank,
            progress.tier.name.as_str()
        ),
        (10, Some(1), "Basic")
    );
    assert_eq!(progress.progress.xp_into_level(), 100);
    assert_eq!(progress.progress.xp_for_next_level(), 12_650 - 10_500);
    assert!(
        leveling
            .progress(MemberId::new(10, 9))
            .await
            .unwrap()
            .is_none()
    );
    let board = leveling
        .leaderboard(GuildId(10), PageRequest::new(2, 1))
        .await
        .unwrap();
    let rows: Vec<_> = board
        .items
        .iter()
        .map(|e| (e.rank, e.user.0, e.level))
        .collect();
    assert_eq!(rows, [(2, 1, 2), (3, 3, 1)]); // 500 XP = T(2)
    assert_eq!(board.total, 3);
    let capped = leveling
        .leaderboard(GuildId(10), PageRequest::new(10_000, 0))
        .await
        .unwrap();
    assert_eq!(capped.items.len(), 3);
}

#[tokio::test]
async fn admin_changes_are_in_the_history_with_their_actor() {
    let clock = ManualClock::new(at(23, 12, 0, 0));
    let (leveling, recorder) = engine(&clock);
    leveling.add_xp(ADA, 400, Some(UserId(7))).await.unwrap();
    let removed = leveling.add_xp(ADA, -1_000, Some(UserId(7))).await.unwrap();
    assert_eq!(removed.xp, 0);
    let set = leveling.set_level(ADA, 100, Some(UserId(7))).await.unwrap();
    assert_eq!(
        (set.xp, set.level, set.tier.name.as_str()),
        (1_005_000, 100, "Master")
    );
    let history = leveling.history(ADA, PageRequest::first(10)).await.unwrap();
    let rows: Vec<_> = history
        .items
        .iter()
        .map(|h| (h.amount, h.source, h.actor))
        .collect();
    assert_eq!(
        rows,
        [
            (1_005_000, Source::Admin, Some(UserId(7))),
            (-400, Source::Admin, Some(UserId(7))),
            (400, Source::Admin, Some(UserId(7))),
        ]
    );
    let level_ups = recorder
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|e| matches!(e, Event::LevelUp(_)))
        .count();
    assert_eq!(level_ups, 2);
}

#[tokio::test]
async fn profiles_validate_their_fields() {
    let clock = ManualClock::new(at(23, 12, 0, 0));
    let (leveling, _) = engine(&clock);
    let user = |name: &str| NewUser {
        id: UserId(5),
        username: name.into(),
        display_name: None,
        avatar_url: None,
    };
    assert_eq!(
        leveling.upsert_user(user(" ")).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        leveling
            .upsert_user(user(&"x".repeat(101)))
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidInput
    );
    let (_, created) = leveling.upsert_user(user("ok")).await.unwrap();
    assert!(created);
    let missing = leveling
        .update_user(UserId(6), UserPatch::default())
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    assert!(leveling.user_exists(MemberId::new(10, 5)).await.unwrap());
    assert!(!leveling.user_exists(MemberId::new(10, 6)).await.unwrap());
}

#[tokio::test]
async fn admin_changes_that_lower_the_level_emit_one_level_down() {
    let clock = ManualClock::new(at(23, 12, 0, 0));
    let (leveling, recorder) = engine(&clock);
    leveling.set_level(ADA, 30, None).await.unwrap();
    leveling.add_xp(ADA, 100, None).await.unwrap();
    recorder.0.lock().unwrap().clear();

    // Down within level 30: no event.
    leveling.add_xp(ADA, -50, None).await.unwrap();
    assert!(recorder.0.lock().unwrap().is_empty());

    // Down to 27: still Advanced.
    leveling.set_level(ADA, 27, None).await.unwrap();
    // Down to 0: out of Advanced, into Basic; a reset is a level change like any other.
    leveling.reset(ADA, None).await.unwrap();
    let downs: Vec<_> = recorder
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|event| match event {
            Event::LevelDown(down) => (
                down.old_level,
                down.new_level,
                down.tier.name.clone(),
                down.tier_changed,
                down.xp,
            ),
            other => panic!("only level-downs expected, got {other:?}"),
        })
        .collect();
    assert_eq!(
        downs,
        [
            (30, 27, "Advanced".to_owned(), false, 74_250),
            (27, 0, "Basic".to_owned(), true, 0),
        ]
    );
}

#[tokio::test]
async fn a_context_is_gathered_only_for_guilds_whose_settings_use_it() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let clock = ManualClock::new(at(23, 12, 0, 0));
    let (leveling, _) = engine(&clock);
    let judged = GuildId(11);
    let patch: GuildSettingsPatch =
        serde_json::from_str(r#"{"multipliers": {"roles": {"5": 2.0}}}"#).unwrap();
    leveling
        .update_guild_settings(judged, &patch, None)
        .await
        .unwrap();
    let gathered = AtomicUsize::new(0);
    let gather = || async {
        gathered.fetch_add(1, Ordering::SeqCst);
        AwardContext::new().channel(7).roles([5])
    };
    // A guild with default settings: the gatherer never runs, the base rule pays.
    let plain = leveling
        .award_gathering(Award::message(ADA), gather)
        .await
        .unwrap();
    assert_eq!(gathered.load(Ordering::SeqCst), 0);
    assert_eq!(
        plain.amount,
        15 + 50 + 10,
        "message, daily bonus, first streak day"
    );
    // A guild with a role multiplier: gathered once, and the 2× role applies.
    let member = MemberId::new(judged.0, 1);
    let judged_award = leveling
        .award_gathering(Award::message(member), gather)
        .await
        .unwrap();
    assert_eq!(gathered.load(Ordering::SeqCst), 1);
    assert_eq!(judged_award.amount, 30 + 50 + 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_list_changes_computed_from_the_current_settings_all_land() {
    let clock = ManualClock::new(at(23, 12, 0, 0));
    let (leveling, _) = engine(&clock);
    let guild = GuildId(12);
    let tasks: Vec<_> = (1..=12u32)
        .map(|level| {
            let leveling = leveling.clone();
            tokio::spawn(async move {
                leveling
                    .modify_guild_settings(guild, Some(UserId(9)), |current| {
                        let mut next = current.clone();
                        next.rewards.roles.push(RewardRole {
                            level,
                            role_id: RoleId(u64::from(level) + 100),
                        });
                        Ok(next)
                    })
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let settings = leveling.guild_settings(guild).await.unwrap().settings;
    let mut levels: Vec<_> = settings.rewards.roles.iter().map(|r| r.level).collect();
    levels.sort_unstable();
    assert_eq!(levels, (1..=12).collect::<Vec<_>>(), "no change lost");
    let audit = leveling
        .settings_audit(guild, PageRequest::first(50))
        .await
        .unwrap();
    assert_eq!(audit.total, 12);
    // A change that refuses is returned as it is, and stores nothing.
    let refused = leveling
        .modify_guild_settings(guild, None, |_| {
            Err(Error::InvalidInput("not today".into()))
        })
        .await
        .unwrap_err();
    assert_eq!(refused.to_string(), "not today");
    // Invalid settings are refused by validation, naming the field.
    let invalid = leveling
        .modify_guild_settings(guild, None, |current| {
            let mut next = current.clone();
            next.card.bar = Colour::new(1, 2, 3);
            next.on_leave.grace_secs = u64::MAX;
            Ok(next)
        })
        .await
        .unwrap_err();
    assert!(
        invalid.to_string().contains("on_leave.grace_secs"),
        "{invalid}"
    );
    let audit = leveling
        .settings_audit(guild, PageRequest::first(50))
        .await
        .unwrap();
    assert_eq!(audit.total, 12);
}
