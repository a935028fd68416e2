//! The engine against mocked collaborators: what it asks the store, what it tells sinks.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use leveling_core::storage::*;
use leveling_core::*;
use mockall::{Sequence, mock, predicate::*};

mock! {
    pub Store {}
    #[async_trait]
    impl XpStore for Store {
        async fn award(&self, request: &AwardRequest) -> Result<StoredAward>;
        async fn adjust(&self, request: &AdjustRequest) -> Result<Adjusted>;
        async fn member(&self, id: MemberId) -> Result<Option<Member>>;
        async fn rank(&self, id: MemberId) -> Result<Option<u64>>;
        async fn leaderboard(&self, guild: GuildId, page: PageRequest) -> Result<Page<Standing>>;
        async fn history(&self, id: MemberId, page: PageRequest) -> Result<Page<HistoryEntry>>;
    }
    #[async_trait]
    impl CatalogStore for Store {
        async fn create_tool(&self, tool: &Tool) -> Result<()>;
        async fn tools(&self) -> Result<Vec<Tool>>;
        async fn record_unlock(&self, id: MemberId, tool: &ToolId, reason: UnlockReason, at: DateTime<Utc>) -> Result<bool>;
        async fn unlocks(&self, id: MemberId) -> Result<Vec<Unlock>>;
    }
    // The award path never touches profiles or totals: any call to these fails the test.
    #[async_trait]
    impl ProfileStore for Store {
        async fn upsert_user(&self, user: &NewUser, now: DateTime<Utc>) -> Result<(UserProfile, bool)>;
        async fn update_user(&self, id: UserId, patch: &UserPatch, now: DateTime<Utc>) -> Result<Option<UserProfile>>;
        async fn user(&self, id: UserId) -> Result<Option<UserProfile>>;
        async fn users(&self, page: PageRequest) -> Result<Page<UserProfile>>;
    }
    #[async_trait]
    impl SettingsStore for Store {
        async fn guild_settings(&self, guild: GuildId) -> Result<Option<StoredSettings>>;
        async fn save_guild_settings(&self, write: &SettingsWrite) -> Result<StoredSettings>;
        async fn settings_changed(&self, after: u64, limit: u32) -> Result<Vec<StoredSettings>>;
        async fn settings_audit(&self, guild: GuildId, page: PageRequest) -> Result<Page<SettingsChange>>;
    }
    #[async_trait]
    impl StatusStore for Store {
        async fn stats(&self) -> Result<StoreStats>;
        async fn health(&self) -> Result<()>;
    }
    #[async_trait]
    impl TransferStore for Store {
        async fn import_xp(&self, batch: &XpImport) -> Result<Vec<Imported>>;
        async fn restore(&self, batch: &Restore) -> Result<()>;
        async fn members_after(
            &self,
            guild: Option<GuildId>,
            after: Option<MemberId>,
            limit: u32,
        ) -> Result<Vec<Member>>;
        async fn user_members(&self, user: UserId) -> Result<Vec<Member>>;
        async fn forget_user(&self, user: UserId) -> Result<Forgotten>;
    }
}

mock! {
    pub Sink {}
    impl EventSink for Sink {
        fn publish(&self, event: &Event) -> std::result::Result<(), BoxError>;
    }
}

/// A sink that keeps what it receives.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Event>>>);

impl EventSink for Recorder {
    fn publish(&self, event: &Event) -> std::result::Result<(), BoxError> {
        self.0.lock().unwrap().push(event.clone());
        Ok(())
    }
}

impl Recorder {
    fn events(&self) -> Vec<Event> {
        self.0.lock().unwrap().clone()
    }
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 1, 23, 0, 0).unwrap()
}

const ID: MemberId = MemberId {
    guild: GuildId(1),
    user: UserId(2),
};

fn granted(xp_before: u64, xp_after: u64) -> Result<StoredAward> {
    Ok(StoredAward {
        outcome: AwardOutcome::Granted(Granted {
            xp_before,
            xp_after,
            amount: xp_after - xp_before,
            daily: None,
        }),
        replayed: false,
    })
}

fn tool(id: &str, level: u32) -> Tool {
    Tool {
        id: ToolId::new(id).unwrap(),
        name: id.into(),
        description: String::new(),
        tier: "Basic".into(),
        required_level: level,
        url: None,
    }
}

/// The engine on `store`; the guild has no settings of its own (the engine reads them
/// once, on the guild's first award).
fn engine(mut store: MockStore, sinks: Vec<Arc<dyn EventSink>>) -> Leveling {
    store.expect_guild_settings().returning(|_| Ok(None));
    let mut builder = Leveling::builder(store).clock(ManualClock::new(now()));
    for sink in sinks {
        builder = builder.shared_sink(sink);
    }
    builder.build()
}

#[tokio::test]
async fn a_message_asks_the_store_for_the_message_rule_in_one_call() {
    let mut store = MockStore::new();
    store
        .expect_award()
        .withf(|r| {
            r.member == ID
                && r.source == Source::Message
                && r.amount == 15
                && r.cooldown == Some(Duration::from_secs(60))
                && r.daily
                    == Some(DailyRule {
                        today: DayBoundary::UTC.day(now()),
                        bonus: 50,
                        per_day: 10,
                        cap_days: 30,
                    })
                && r.idempotency_key.as_deref() == Some("m-1")
                && r.now == now()
        })
        .times(1)
        .returning(|_| granted(0, 75));
    // No level was crossed: the catalog is not even read.
    store.expect_tools().times(0);
    let recorder = Recorder::default();
    let result = engine(store, vec![Arc::new(recorder.clone())])
        .award(Award::message(ID).idempotency_key("m-1"))
        .await
        .unwrap();
    assert!(result.granted && !result.leveled_up());
    assert_eq!(
        (
            result.amount,
            result.xp,
            result.level,
            result.tier.name.as_str()
        ),
        (75, 75, 0, "Basic")
    );
    assert!(recorder.events().is_empty());
}

#[tokio::test]
async fn grants_and_api_sources_are_not_activity() {
    let mut store = MockStore::new();
    store
        .expect_award()
        .withf(|r| {
            r.source == Source::Api && r.amount == 40 && r.cooldown.is_none() && r.daily.is_none()
        })
        .times(1)
        .returning(|_| granted(0, 40));
    engine(store, vec![])
        .award(Award::grant(ID, 40))
        .await
        .unwrap();
}

#[tokio::test]
async fn crossing_several_levels_emits_one_level_up() {
    let mut store = MockStore::new();
    store.expect_award().returning(|_| granted(100, 10_500));
    store.expect_tools().times(1).returning(|| Ok(vec![]));
    let recorder = Recorder::default();
    let result = engine(store, vec![Arc::new(recorder.clone())])
        .award(Award::grant(ID, 10_400).in_channel(77))
        .await
        .unwrap();
    assert_eq!((result.level_before, result.level), (0, 10));
    let events = recorder.events();
    assert_eq!(events.len(), 1, "{events:?}");
    let Event::LevelUp(up) = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(
        (up.old_level, up.new_level, up.xp, up.tier_changed),
        (0, 10, 10_500, false)
    );
    assert_eq!(
        (up.source, up.channel, up.member),
        (Source::Api, Some(77), ID)
    );
}

#[tokio::test]
async fn entering_a_new_tier_says_so() {
    let mut store = MockStore::new();
    // Level 10 → 11: Basic → Member.
    store.expect_award().returning(|_| granted(10_500, 12_650));
    store.expect_tools().returning(|| Ok(vec![]));
    let recorder = Recorder::default();
    let result = engine(store, vec![Arc::new(recorder.clone())])
        .award(Award::grant(ID, 2_150))
        .await
        .unwrap();
    assert_eq!((result.level, result.tier.name.as_str()), (11, "Member"));
    let Event::LevelUp(up) = &recorder.events()[0] else {
        panic!()
    };
    assert!(up.tier_changed);
    assert_eq!(up.tier.name, "Member");
}

#[tokio::test]
async fn crossing_a_tool_level_records_and_announces_the_unlock() {
    let mut store = MockStore::new();
    let mut order = Sequence::new();
    // 100 XP (level 0) → 1,700 XP (level 3).
    store
        .expect_award()
        .times(1)
        .in_sequence(&mut order)
        .returning(|_| granted(100, 1_700));
    store
        .expect_tools()
        .times(1)
        .in_sequence(&mut order)
        .returning(|| {
            Ok(vec![
                tool("starter", 0),
                tool("polls", 2),
                tool("themes", 3),
                tool("later", 4),
            ])
        });
    store
        .expect_unlocks()
        .times(1)
        .in_sequence(&mut order)
        .returning(|_| Ok(vec![]));
    for id in ["polls", "themes"] {
        store
            .expect_record_unlock()
            .withf(move |m, t, r, at| {
                *m == ID && t.as_str() == id && *r == UnlockReason::Level && *at == now()
            })
            .times(1)
            .returning(|_, _, _, _| Ok(true));
    }
    let recorder = Recorder::default();
    let result = engine(store, vec![Arc::new(recorder.clone())])
        .award(Award::grant(ID, 1_600))
        .await
        .unwrap();
    let unlocked: Vec<_> = result
        .unlocked_tools
        .iter()
        .map(|t| t.id.as_str())
        .collect();
    assert_eq!(unlocked, ["polls", "themes"]);
    let kinds: Vec<String> = recorder
        .events()
        .iter()
        .map(|e| match e {
            Event::LevelUp(up) => format!("level_up {}", up.new_level),
            Event::LevelDown(down) => format!("level_down {}", down.new_level),
            Event::ToolUnlocked(t) => format!("tool_unlocked {} {:?}", t.tool.id, t.reason),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "level_up 3",
            "tool_unlocked polls Level",
            "tool_unlocked themes Level"
        ]
    );
}

#[tokio::test]
async fn a_tool_already_granted_is_not_announced_again() {
    let mut store = MockStore::new();
    store.expect_award().returning(|_| granted(0, 450));
    store
        .expect_tools()
        .returning(|| Ok(vec![tool("polls", 1)]));
    store.expect_unlocks().returning(|_| {
        Ok(vec![Unlock {
            tool: ToolId::new("polls").unwrap(),
            reason: UnlockReason::Grant,
            at: now(),
        }])
    });
    store
        .expect_record_unlock()
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    let recorder = Recorder::default();
    engine(store, vec![Arc::new(recorder.clone())])
        .award(Award::grant(ID, 450))
        .await
        .unwrap();
    let events = recorder.events();
    assert_eq!(events.len(), 1);
    assert!(matches!(events[0], Event::LevelUp(_)));
}

#[tokio::test]
async fn a_failing_or_panicking_sink_does_not_lose_the_award_or_other_sinks() {
    let mut store = MockStore::new();
    store.expect_award().times(1).returning(|_| granted(0, 200));
    store.expect_tools().returning(|| Ok(vec![]));
    let mut failing = MockSink::new();
    failing
        .expect_publish()
        .times(1)
        .returning(|_| Err("socket closed".into()));
    let mut panicking = MockSink::new();
    panicking
        .expect_publish()
        .times(1)
        .returning(|_| panic!("sink bug"));
    let recorder = Recorder::default();
    let leveling = engine(
        store,
        vec![
            Arc::new(failing),
            Arc::new(panicking),
            Arc::new(recorder.clone()),
        ],
    );
    let result = leveling.award(Award::grant(ID, 200)).await.unwrap();
    assert!(result.granted && result.leveled_up());
    assert_eq!(
        recorder.events().len(),
        1,
        "the sink after the broken ones still hears"
    );
}

#[tokio::test]
async fn a_store_error_after_the_grant_still_reports_the_grant() {
    let mut store = MockStore::new();
    store.expect_award().times(1).returning(|_| granted(0, 200));
    store.expect_tools().returning(|| {
        Err(Error::Unavailable {
            message: "down".into(),
            source: None,
        })
    });
    let result = engine(store, vec![])
        .award(Award::grant(ID, 200))
        .await
        .unwrap();
    assert!(result.granted);
    assert!(result.unlocked_tools.is_empty());
}

#[tokio::test]
async fn invalid_amounts_never_reach_the_store() {
    let mut store = MockStore::new();
    store.expect_award().times(0);
    store.expect_adjust().times(0);
    let leveling = engine(store, vec![]);
    for award in [
        Award::grant(ID, 0),
        Award::grant(ID, 1_000_001),
        Award::voice(ID, 0),
        Award::voice(ID, 61),
    ] {
        let error = leveling.award(award).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
    }
    let bad_key = leveling
        .award(Award::message(ID).idempotency_key(""))
        .await
        .unwrap_err();
    assert_eq!(bad_key.kind(), ErrorKind::InvalidInput);
    assert_eq!(
        leveling.add_xp(ID, 0, None).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        leveling.set_level(ID, 101, None).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
}

#[tokio::test]
async fn a_cooldown_is_a_refusal_with_the_time_left_and_no_event() {
    let mut store = MockStore::new();
    store.expect_award().returning(|_| {
        Ok(StoredAward {
            outcome: AwardOutcome::Cooldown {
                remaining: Duration::from_secs(20),
                xp: 90,
            },
            replayed: false,
        })
    });
    store.expect_tools().times(0);
    let result = engine(store, vec![])
        .award(Award::message(ID))
        .await
        .unwrap();
    assert!(!result.granted);
    assert_eq!((result.amount, result.xp_before, result.xp), (0, 90, 90));
    assert_eq!(result.cooldown_remaining, Some(Duration::from_secs(20)));
}

#[tokio::test]
async fn an_already_claimed_day_waits_until_midnight() {
    let mut store = MockStore::new();
    store
        .expect_award()
        .withf(|r| r.source == Source::Daily && r.amount == 0 && r.daily.is_some())
        .returning(|_| {
            Ok(StoredAward {
                outcome: AwardOutcome::AlreadyClaimed { xp: 60 },
                replayed: false,
            })
        });
    let result = engine(store, vec![]).award(Award::daily(ID)).await.unwrap();
    assert!(!result.granted);
    // The clock says 23:00:00 UTC.
    assert_eq!(result.cooldown_remaining, Some(Duration::from_secs(3600)));
}

#[tokio::test]
async fn a_replay_emits_nothing_and_unlocks_nothing() {
    let mut store = MockStore::new();
    store.expect_award().returning(|_| {
        let mut stored = granted(0, 10_500).unwrap();
        stored.replayed = true;
        Ok(stored)
    });
    store.expect_tools().times(0);
    let recorder = Recorder::default();
    let result = engine(store, vec![Arc::new(recorder.clone())])
        .award(Award::grant(ID, 10_500).idempotency_key("k"))
        .await
        .unwrap();
    assert!(result.replayed && result.granted);
    assert!(recorder.events().is_empty());
}

#[tokio::test]
async fn admin_changes_carry_the_actor_and_report_rises_and_drops() {
    let mut store = MockStore::new();
    store
        .expect_adjust()
        .withf(|r| {
            r.adjustment == Adjustment::Set(10_500)
                && r.actor == Some(UserId(9))
                && r.reason.as_deref() == Some("won the quiz")
        })
        .times(1)
        .returning(|_| {
            Ok(Adjusted {
                xp_before: 0,
                xp_after: 10_500,
            })
        });
    store
        .expect_adjust()
        .withf(|r| r.adjustment == Adjustment::Reset && r.reason.is_none())
        .times(1)
        .returning(|_| {
            Ok(Adjusted {
                xp_before: 10_500,
                xp_after: 0,
            })
        });
    store.expect_tools().times(1).returning(|| Ok(vec![]));
    let recorder = Recorder::default();
    let leveling = engine(store, vec![Arc::new(recorder.clone())]);
    let note = AdminNote::by(UserId(9)).reason("won the quiz");
    let set = leveling.set_level(ID, 10, note).await.unwrap();
    assert_eq!((set.level_before, set.level), (0, 10));
    let reset = leveling.reset(ID, Some(UserId(9))).await.unwrap();
    assert_eq!((reset.level, reset.xp), (0, 0));
    let events = recorder.events();
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(matches!(&events[0], Event::LevelUp(up) if up.new_level == 10));
    // A drop is a level_down, with no tool lookup (the catalog is read once, for the rise).
    assert!(matches!(
        &events[1],
        Event::LevelDown(down) if (down.old_level, down.new_level, down.tier_changed) == (10, 0, false)
    ));
}

#[tokio::test]
async fn an_admin_reason_over_the_limit_never_reaches_the_store() {
    let leveling = engine(MockStore::new(), vec![]);
    let note = AdminNote::by(UserId(9)).reason("x".repeat(MAX_REASON_CHARS + 1));
    let error = leveling.add_xp(ID, 5, note).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
}

/// A guild's own settings: message 20 XP / 10 s, daily 0, role 7 at 2×, channel 66 no-XP.
fn guild_row() -> Option<StoredSettings> {
    let patch: GuildSettingsPatch = serde_json::from_str(
        r#"{"rules": {"message": {"xp": 20, "cooldown_secs": 10}, "daily": {"xp": 0}},
            "multipliers": {"roles": {"7": 2.0}}, "no_xp": {"channels": ["66"]}}"#,
    )
    .unwrap();
    let settings = GuildSettings::from_rules(&Rules::default())
        .apply(&patch)
        .unwrap();
    Some(StoredSettings {
        guild: ID.guild,
        settings: Some(settings),
        updated_at: now(),
        version: 3,
    })
}

#[tokio::test]
async fn the_award_path_reads_a_guilds_settings_once_and_applies_them() {
    let mut store = MockStore::new();
    // Three awards in the guild: its settings are read once, then served from the cache.
    store
        .expect_guild_settings()
        .with(eq(ID.guild))
        .times(1)
        .returning(|_| Ok(guild_row()));
    // The guild's message rule, times the 2× role; its daily bonus.
    store
        .expect_award()
        .withf(|r| {
            r.amount == 40
                && r.cooldown == Some(Duration::from_secs(10))
                && r.daily.is_some_and(|d| d.bonus == 0 && d.per_day == 10)
        })
        .times(1)
        .returning(|_| granted(0, 50));
    // Without the role: the plain 20.
    store
        .expect_award()
        .withf(|r| r.amount == 20)
        .times(1)
        .returning(|_| granted(50, 70));
    // In the no-XP channel nothing reaches the award call; the member is read for the
    // figures of the answer.
    store.expect_member().times(1).returning(|id| {
        Ok(Some(Member {
            id,
            xp: 70,
            streak: Streak::default(),
            xp_reached_at: now(),
        }))
    });
    let recorder = Recorder::default();
    let leveling = engine_without_defaults(store, vec![Arc::new(recorder.clone())]);
    let context = AwardContext::new().channel(5).roles([7]);
    let boosted = leveling
        .award(Award::message(ID).with_context(context))
        .await
        .unwrap();
    assert_eq!((boosted.granted, boosted.excluded), (true, false));
    let plain = leveling
        .award(Award::message(ID).in_channel(5))
        .await
        .unwrap();
    assert!(plain.granted);
    let excluded = leveling
        .award(Award::message(ID).in_channel(66))
        .await
        .unwrap();
    assert_eq!(
        (
            excluded.granted,
            excluded.excluded,
            excluded.amount,
            excluded.xp
        ),
        (false, true, 0, 70)
    );
}

/// The engine on `store`, which answers `guild_settings` itself.
fn engine_without_defaults(store: MockStore, sinks: Vec<Arc<dyn EventSink>>) -> Leveling {
    let mut builder = Leveling::builder(store).clock(ManualClock::new(now()));
    for sink in sinks {
        builder = builder.shared_sink(sink);
    }
    builder.build()
}

#[tokio::test]
async fn a_settings_patch_recomputes_on_a_conflict_and_loses_no_change() {
    let mut store = MockStore::new();
    let mut seq = Sequence::new();
    // First read: no row. The write expecting "no row" loses to another admin's write.
    store
        .expect_guild_settings()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(None));
    store
        .expect_save_guild_settings()
        .withf(|w| w.expected.is_none())
        .times(1)
        .in_sequence(&mut seq)
        .returning(|w| Err(Error::Conflict(format!("guild {}", w.guild))));
    // Read again: the other admin's settings (version 3); the patch applies on top.
    store
        .expect_guild_settings()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(guild_row()));
    store
        .expect_save_guild_settings()
        .withf(|w| {
            let after = w.settings.as_ref().unwrap();
            w.expected == Some(3)
                && w.actor == Some(UserId(9))
                && after.rules.message.xp == 20 // the other admin's change, kept
                && after.rules.command.xp == 8 // this patch
                && w.before == guild_row().unwrap().settings.unwrap()
                && *after == w.after
        })
        .times(1)
        .in_sequence(&mut seq)
        .returning(|w| {
            Ok(StoredSettings {
                guild: w.guild,
                settings: w.settings.clone(),
                updated_at: w.now,
                version: 4,
            })
        });
    let leveling = engine_without_defaults(store, vec![]);
    let patch: GuildSettingsPatch =
        serde_json::from_str(r#"{"rules": {"command": {"xp": 8}}}"#).unwrap();
    let view = leveling
        .update_guild_settings(ID.guild, &patch, Some(UserId(9)))
        .await
        .unwrap();
    assert!(view.own);
    assert_eq!(
        (
            view.settings.rules.message.xp,
            view.settings.rules.command.xp
        ),
        (20, 8)
    );
    // In force at once: no store read for it.
    assert_eq!(leveling.guild_settings(ID.guild).await.unwrap(), view);
}

#[tokio::test]
async fn a_bad_settings_value_names_its_field_and_stores_nothing() {
    let mut store = MockStore::new();
    store.expect_guild_settings().returning(|_| Ok(None));
    store.expect_save_guild_settings().times(0);
    let leveling = engine_without_defaults(store, vec![]);
    let patch: GuildSettingsPatch =
        serde_json::from_str(r#"{"multipliers": {"channels": {"5": -1.0}}}"#).unwrap();
    match leveling.update_guild_settings(ID.guild, &patch, None).await {
        Err(Error::InvalidInput(message)) => {
            assert!(message.contains("multipliers.channels.5"), "{message}")
        }
        other => panic!("expected invalid input, got {other:?}"),
    }
}

/// An import never floods sinks with level-ups: one `MembersImported` per batch, naming
/// only the members whose level moved; no tools are looked up or unlock recorded.
#[tokio::test]
async fn an_import_emits_one_event_for_the_members_whose_level_moved() {
    let mut store = MockStore::new();
    store
        .expect_import_xp()
        .times(1)
        .withf(|batch| batch.records.len() == 3 && batch.reason.as_deref() == Some("mee6.json"))
        .returning(|_| {
            let row = |user, xp_before, xp_after| Imported {
                user: UserId(user),
                xp_before,
                xp_after,
            };
            // Up 10 levels; within level 0; down from 1 to 0.
            Ok(vec![row(1, 0, 10_500), row(2, 0, 100), row(3, 150, 149)])
        });
    store.expect_tools().never();
    store.expect_record_unlock().never();
    let recorder = Recorder::default();
    let batch = XpImport {
        guild: GuildId(1),
        records: (1..=3)
            .map(|user| ImportRecord {
                user: UserId(user),
                xp: 1,
            })
            .collect(),
        mode: ImportMode::Replace,
        reason: Some("mee6.json".into()),
        now: now(),
    };
    let rows = engine(store, vec![Arc::new(recorder.clone())])
        .import_xp(&batch)
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(
        recorder.events(),
        vec![Event::MembersImported(MembersImported {
            guild: GuildId(1),
            members: vec![
                ImportedLevel {
                    user: UserId(1),
                    old_level: 0,
                    new_level: 10
                },
                ImportedLevel {
                    user: UserId(3),
                    old_level: 1,
                    new_level: 0
                },
            ],
        })]
    );
}

/// A bad batch (a user twice) is refused before the store sees it.
#[tokio::test]
async fn a_bad_import_batch_never_reaches_the_store() {
    let mut store = MockStore::new();
    store.expect_import_xp().never();
    let record = ImportRecord {
        user: UserId(1),
        xp: 1,
    };
    let batch = XpImport {
        guild: GuildId(1),
        records: vec![record, record],
        mode: ImportMode::Add,
        reason: None,
        now: now(),
    };
    let error = engine(store, vec![]).import_xp(&batch).await.unwrap_err();
    assert!(matches!(error, Error::InvalidInput(_)), "{error:?}");
}
