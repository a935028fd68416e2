//! The conformance cases of [`SettingsStore`](crate::SettingsStore): guild settings rows,
//! versions, conflicts and the audit log.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

use super::cases::t0;
use crate::settings::{
    AnnounceEvery, AnnounceMode, EventMultiplier, LeavePolicy, NoXpMode, OnRejoin, RewardMode,
    RewardRole,
};
use crate::storage::{SettingsWrite, Storage, StoredSettings};
use crate::{Error, GuildId, GuildSettings, PageRequest, Rules, UserId};

const GUILD: GuildId = GuildId(1);

fn defaults() -> GuildSettings {
    GuildSettings::from_rules(&Rules::default())
}

/// Settings that differ from the defaults in every section, with values that do not
/// survive a careless encoding (fractions, a far time with microseconds, large ids).
pub fn custom_settings() -> GuildSettings {
    let mut settings = defaults();
    settings.rules.message.xp = 20;
    settings.rules.command.cooldown_secs = 0;
    settings.rules.streak.max_days = 7;
    settings.multipliers.roles.insert(u64::MAX.into(), 2.5);
    settings.multipliers.roles.insert(7.into(), 0.0);
    settings.multipliers.channels.insert(500.into(), 0.1);
    settings.multipliers.event = Some(EventMultiplier {
        factor: 1.5,
        ends_at: t0() + TimeDelta::days(3) + TimeDelta::microseconds(123_456),
    });
    settings.no_xp.mode = NoXpMode::Allow;
    settings.no_xp.channels = vec![600.into(), 601.into()];
    settings.no_xp.roles = vec![9.into()];
    settings.rewards.mode = RewardMode::Replace;
    settings.rewards.on_rejoin = OnRejoin::Nothing;
    settings.rewards.roles = vec![
        RewardRole {
            level: 5,
            role_id: 1_234_567_890_123_456_789.into(),
        },
        RewardRole {
            level: 10,
            role_id: 42.into(),
        },
    ];
    settings.announce.mode = AnnounceMode::Channel;
    settings.announce.channel_id = Some(700.into());
    settings.announce.template = "GG {user} — level {level} «{tier}» 🎉 {{literal}}".into();
    settings.announce.every = AnnounceEvery::TierChanges;
    settings.on_leave.policy = LeavePolicy::ResetOnBan;
    settings.on_leave.grace_secs = 86_400;
    settings.validate().expect("the custom settings are valid");
    settings
}

fn write(
    guild: GuildId,
    expected: Option<u64>,
    settings: Option<GuildSettings>,
    before: GuildSettings,
    now: DateTime<Utc>,
) -> SettingsWrite {
    let after = settings.clone().unwrap_or_else(defaults);
    SettingsWrite {
        guild,
        expected,
        settings,
        actor: Some(UserId(900)),
        before,
        after,
        now,
    }
}

async fn save(store: &impl Storage, write: SettingsWrite) -> StoredSettings {
    store.save_guild_settings(&write).await.unwrap()
}

/// A guild never written has no row, no audit entry, and nothing has changed.
pub async fn settings_are_absent_until_written(store: impl Storage) {
    assert_eq!(store.guild_settings(GUILD).await.unwrap(), None);
    let audit = store
        .settings_audit(GUILD, PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!((audit.items.len(), audit.total), (0, 0));
    assert!(store.settings_changed(0, 100).await.unwrap().is_empty());
}

/// A written value reads back exactly (every section, fractions, ids, the event's
/// microseconds), with its time and a version; the audit log has the change.
pub async fn settings_round_trip_and_are_audited(store: impl Storage) {
    let custom = custom_settings();
    let row = save(
        &store,
        write(GUILD, None, Some(custom.clone()), defaults(), t0()),
    )
    .await;
    assert_eq!(row.guild, GUILD);
    assert_eq!(row.settings.as_ref(), Some(&custom));
    assert_eq!(row.updated_at, t0());
    assert!(row.version >= 1);
    assert_eq!(
        store.guild_settings(GUILD).await.unwrap(),
        Some(row.clone())
    );
    // Another guild is untouched.
    assert_eq!(store.guild_settings(GuildId(2)).await.unwrap(), None);

    let audit = store
        .settings_audit(GUILD, PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(audit.total, 1);
    let entry = &audit.items[0];
    assert_eq!(entry.actor, Some(UserId(900)));
    assert_eq!(entry.changed_at, t0());
    assert_eq!(entry.before, defaults());
    assert_eq!(entry.after, custom);
}

/// A write computed from a stale version is refused with a conflict and changes
/// nothing: not the row, not the audit log.
pub async fn stale_settings_writes_conflict_and_change_nothing(store: impl Storage) {
    let custom = custom_settings();
    // No row yet: a write that expects one is refused.
    let refused = store
        .save_guild_settings(&write(
            GUILD,
            Some(1),
            Some(custom.clone()),
            defaults(),
            t0(),
        ))
        .await;
    assert!(matches!(refused, Err(Error::Conflict(_))), "{refused:?}");
    assert_eq!(store.guild_settings(GUILD).await.unwrap(), None);

    let first = save(
        &store,
        write(GUILD, None, Some(custom.clone()), defaults(), t0()),
    )
    .await;
    // A second "first write" (expecting no row) is refused.
    let refused = store
        .save_guild_settings(&write(GUILD, None, Some(defaults()), defaults(), t0()))
        .await;
    assert!(matches!(refused, Err(Error::Conflict(_))), "{refused:?}");
    // A write from an older version is refused.
    let second = save(
        &store,
        write(
            GUILD,
            Some(first.version),
            Some(defaults()),
            custom.clone(),
            t0() + TimeDelta::seconds(1),
        ),
    )
    .await;
    assert!(second.version > first.version);
    let refused = store
        .save_guild_settings(&write(
            GUILD,
            Some(first.version),
            Some(custom.clone()),
            custom.clone(),
            t0() + TimeDelta::seconds(2),
        ))
        .await;
    assert!(matches!(refused, Err(Error::Conflict(_))), "{refused:?}");
    assert_eq!(store.guild_settings(GUILD).await.unwrap(), Some(second));
    let audit = store
        .settings_audit(GUILD, PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(audit.total, 2);
}

/// A reset keeps the row without settings (the defaults apply), under a new version,
/// and is audited like any change; a later write starts from it.
pub async fn settings_reset_keeps_a_row_without_settings(store: impl Storage) {
    let custom = custom_settings();
    let first = save(
        &store,
        write(GUILD, None, Some(custom.clone()), defaults(), t0()),
    )
    .await;
    let later = t0() + TimeDelta::minutes(5);
    let reset = save(
        &store,
        write(GUILD, Some(first.version), None, custom.clone(), later),
    )
    .await;
    assert_eq!(reset.settings, None);
    assert!(reset.version > first.version);
    assert_eq!(reset.updated_at, later);
    assert_eq!(
        store.guild_settings(GUILD).await.unwrap(),
        Some(reset.clone())
    );
    let audit = store
        .settings_audit(GUILD, PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(audit.items[0].before, custom);
    assert_eq!(audit.items[0].after, defaults());
    // Written again from the reset row.
    let again = save(
        &store,
        write(GUILD, Some(reset.version), Some(custom), defaults(), later),
    )
    .await;
    assert!(again.version > reset.version);
}

/// The audit log is per guild, newest first, paginated, with its total.
pub async fn settings_audit_is_newest_first_paginated_and_per_guild(store: impl Storage) {
    let mut version = None;
    let mut before = defaults();
    for i in 0..5u64 {
        let mut settings = defaults();
        settings.rules.message.xp = 10 + i;
        let row = save(
            &store,
            write(
                GUILD,
                version,
                Some(settings.clone()),
                before,
                t0() + TimeDelta::seconds(i as i64),
            ),
        )
        .await;
        version = Some(row.version);
        before = settings;
    }
    save(
        &store,
        write(GuildId(2), None, Some(custom_settings()), defaults(), t0()),
    )
    .await;

    let page = store
        .settings_audit(GUILD, PageRequest::new(2, 1))
        .await
        .unwrap();
    assert_eq!(page.total, 5);
    let xps: Vec<u64> = page
        .items
        .iter()
        .map(|e| e.after.rules.message.xp)
        .collect();
    assert_eq!(xps, [13, 12]);
    assert_eq!(page.items[0].changed_at, t0() + TimeDelta::seconds(3));
    assert_eq!(page.items[0].before.rules.message.xp, 12);
    let other = store
        .settings_audit(GuildId(2), PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!((other.items.len(), other.total), (1, 1));
    let past_the_end = store
        .settings_audit(GUILD, PageRequest::new(10, 5))
        .await
        .unwrap();
    assert_eq!((past_the_end.items.len(), past_the_end.total), (0, 5));
}

/// `settings_changed` lists rows of every guild by version, after a cursor, at most
/// `limit`; a guild written twice appears once, at its latest version.
pub async fn settings_changed_follows_versions_across_guilds(store: impl Storage) {
    let a = save(
        &store,
        write(GuildId(1), None, Some(defaults()), defaults(), t0()),
    )
    .await;
    let b = save(
        &store,
        write(GuildId(2), None, Some(custom_settings()), defaults(), t0()),
    )
    .await;
    let c = save(
        &store,
        write(GuildId(3), None, Some(defaults()), defaults(), t0()),
    )
    .await;
    assert!(a.version < b.version && b.version < c.version);
    let all = store.settings_changed(0, 100).await.unwrap();
    assert_eq!(all, [a.clone(), b.clone(), c.clone()]);
    assert_eq!(
        store.settings_changed(a.version, 100).await.unwrap(),
        [b.clone(), c.clone()]
    );
    assert_eq!(store.settings_changed(0, 2).await.unwrap(), [a.clone(), b]);
    assert!(
        store
            .settings_changed(c.version, 100)
            .await
            .unwrap()
            .is_empty()
    );
    // Guild 1 written again: it moves after guild 3.
    let a2 = save(
        &store,
        write(GuildId(1), Some(a.version), None, defaults(), t0()),
    )
    .await;
    assert_eq!(
        store.settings_changed(a.version, 100).await.unwrap()[1..],
        [c, a2]
    );
}

/// 16 admins writing one guild at once from the same version: exactly one wins, the
/// others get a conflict, and the audit log has exactly one entry.
pub async fn concurrent_settings_writes_let_exactly_one_through(store: impl Storage) {
    let store = Arc::new(store);
    let base = save(
        &*store,
        write(GUILD, None, Some(defaults()), defaults(), t0()),
    )
    .await;
    let tasks: Vec<_> = (0..16u64)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut settings = defaults();
                settings.rules.message.xp = 100 + i;
                store
                    .save_guild_settings(&write(
                        GUILD,
                        Some(base.version),
                        Some(settings),
                        defaults(),
                        t0(),
                    ))
                    .await
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(row) => winners.push(row),
            Err(Error::Conflict(_)) => {}
            Err(other) => panic!("expected a conflict, got {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    assert_eq!(
        store.guild_settings(GUILD).await.unwrap().as_ref(),
        Some(&winners[0])
    );
    let audit = store
        .settings_audit(GUILD, PageRequest::first(100))
        .await
        .unwrap();
    assert_eq!(audit.total, 2);
}
