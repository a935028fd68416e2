//! Per-guild settings through the engine: two guilds earning by different rules, and a
//! change made through one engine in force on another engine sharing the store once it
//! polls (what replicas of the server do every `DEFAULT_SETTINGS_POLL`).

use std::sync::Arc;

use leveling::chrono::{TimeZone, Utc};
use leveling::memory::MemoryStore;
use leveling::*;

fn patch(json: &str) -> GuildSettingsPatch {
    serde_json::from_str(json).unwrap()
}

fn clock() -> ManualClock {
    ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap())
}

#[tokio::test]
async fn two_guilds_earn_by_their_own_rules() {
    let leveling = Leveling::builder(MemoryStore::new()).clock(clock()).build();
    let (a, b) = (GuildId(1), GuildId(2));
    leveling
        .update_guild_settings(
            a,
            &patch(r#"{"rules": {"message": {"xp": 40}, "daily": {"xp": 0}, "streak": {"xp_per_day": 0}}}"#),
            Some(UserId(900)),
        )
        .await
        .unwrap();
    let in_a = leveling
        .award(Award::message(MemberId::new(a, 5)))
        .await
        .unwrap();
    let in_b = leveling
        .award(Award::message(MemberId::new(b, 5)))
        .await
        .unwrap();
    // Guild a: its own 40, no bonuses. Guild b: the defaults, 15 + 50 daily + 10 streak.
    assert_eq!((in_a.amount, in_b.amount), (40, 75));

    // The audit log has the change with its actor, before and after.
    let audit = leveling
        .settings_audit(a, PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(audit.total, 1);
    assert_eq!(audit.items[0].actor, Some(UserId(900)));
    assert_eq!(audit.items[0].before.rules.message.xp, 15);
    assert_eq!(audit.items[0].after.rules.message.xp, 40);

    // A reset puts guild a back on the defaults.
    let view = leveling.reset_guild_settings(a, None).await.unwrap();
    assert!(!view.own);
    assert_eq!(view.settings, *leveling.default_settings());
}

#[tokio::test]
async fn a_change_through_one_engine_is_in_force_on_another_after_a_poll() {
    let store = Arc::new(MemoryStore::new());
    let first = Leveling::builder(store.clone()).clock(clock()).build();
    let second = Leveling::builder(store).clock(clock()).build();
    let guild = GuildId(7);
    // The second engine has seen the guild (its settings are cached: the defaults).
    assert_eq!(
        second
            .guild_settings(guild)
            .await
            .unwrap()
            .settings
            .rules
            .message
            .xp,
        15
    );

    first
        .update_guild_settings(guild, &patch(r#"{"rules": {"message": {"xp": 99}}}"#), None)
        .await
        .unwrap();
    // Not yet polled: the second engine still uses what it cached.
    assert_eq!(
        second
            .guild_settings(guild)
            .await
            .unwrap()
            .settings
            .rules
            .message
            .xp,
        15
    );
    assert_eq!(second.poll_settings().await.unwrap(), 1);
    assert_eq!(
        second
            .guild_settings(guild)
            .await
            .unwrap()
            .settings
            .rules
            .message
            .xp,
        99
    );
    let award = second
        .award(Award::message(MemberId::new(guild, 1)))
        .await
        .unwrap();
    assert_eq!(award.amount, 99 + 50 + 10);
    // Nothing new: a poll applies nothing.
    assert_eq!(second.poll_settings().await.unwrap(), 0);
}

#[tokio::test]
async fn concurrent_patches_of_one_guild_all_land() {
    let leveling = Leveling::builder(Arc::new(MemoryStore::new()))
        .clock(clock())
        .build();
    let guild = GuildId(3);
    // 12 admins at once, each adding their own role multiplier: none is lost.
    let tasks: Vec<_> = (1..=12u64)
        .map(|role| {
            let leveling = leveling.clone();
            tokio::spawn(async move {
                let json = format!(r#"{{"multipliers": {{"roles": {{"{role}": 1.5}}}}}}"#);
                leveling
                    .update_guild_settings(guild, &patch(&json), None)
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let view = leveling.guild_settings(guild).await.unwrap();
    assert_eq!(view.settings.multipliers.roles.len(), 12);
    let audit = leveling
        .settings_audit(guild, PageRequest::first(100))
        .await
        .unwrap();
    assert_eq!(audit.total, 12);
}
