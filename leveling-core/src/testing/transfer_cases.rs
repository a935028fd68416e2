//! The conformance cases of [`TransferStore`](crate::storage::TransferStore): imports,
//! backups, a user's data and its deletion.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

use super::cases::{grant, message, t0};
use crate::storage::{
    HistoryEntry, ImportMode, ImportRecord, Imported, MAX_XP, Member, MemberRecord, Restore,
    Storage, XpImport,
};
use crate::{
    Error, GuildId, MemberId, NewUser, PageRequest, Source, Streak, Tool, ToolId, Unlock,
    UnlockReason, UserId, UserProfile,
};

const GUILD: GuildId = GuildId(1);

fn batch(mode: ImportMode, records: &[(u64, u64)], now: DateTime<Utc>) -> XpImport {
    XpImport {
        guild: GUILD,
        records: records
            .iter()
            .map(|&(user, xp)| ImportRecord {
                user: UserId(user),
                xp,
            })
            .collect(),
        mode,
        reason: Some("mee6.json".into()),
        now,
    }
}

/// Puts the tool the unlocks below name in the catalog: stores may refuse (SQL stores
/// do, by a foreign key) an unlock of a tool they do not hold.
async fn chat_export(store: &impl Storage) {
    let tool = Tool {
        id: ToolId::new("chat-export").unwrap(),
        name: "Chat export".into(),
        description: "exports a channel".into(),
        tier: "Basic".into(),
        required_level: 5,
        url: None,
    };
    store.create_tool(&tool).await.unwrap();
}

fn imported(user: u64, xp_before: u64, xp_after: u64) -> Imported {
    Imported {
        user: UserId(user),
        xp_before,
        xp_after,
    }
}

async fn all_history(store: &impl Storage, id: MemberId) -> Vec<HistoryEntry> {
    store
        .history(id, PageRequest::first(100))
        .await
        .unwrap()
        .items
}

async fn board(store: &impl Storage, guild: GuildId) -> Vec<(u64, u64, u64)> {
    store
        .leaderboard(guild, PageRequest::first(100))
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|s| (s.rank, s.user.0, s.xp))
        .collect()
}

/// `add` adds to what members have (creating new ones) with one history row each:
/// source `import`, the file's name as reason, no actor.
pub async fn import_add_adds_xp_with_an_import_history_row(store: impl Storage) {
    let old = MemberId::new(GUILD, 2);
    store.award(&grant(old, 100, t0())).await.unwrap();
    let now = t0() + TimeDelta::seconds(10);
    let result = store
        .import_xp(&batch(ImportMode::Add, &[(2, 50), (3, 400)], now))
        .await
        .unwrap();
    assert_eq!(result, vec![imported(2, 100, 150), imported(3, 0, 400)]);
    let history = all_history(&store, old).await;
    assert_eq!(history.len(), 2);
    assert_eq!(
        history[0],
        HistoryEntry {
            amount: 50,
            source: Source::Import,
            xp_before: 100,
            xp_after: 150,
            actor: None,
            reason: Some("mee6.json".into()),
            created_at: now,
        }
    );
    let new = store
        .member(MemberId::new(GUILD, 3))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((new.xp, new.xp_reached_at), (400, now));
    assert_eq!(board(&store, GUILD).await, vec![(1, 3, 400), (2, 2, 150)]);
    assert_eq!(store.rank(MemberId::new(GUILD, 2)).await.unwrap(), Some(2));
    let stats = store.stats().await.unwrap();
    assert_eq!((stats.members, stats.total_xp), (2, 550));
}

/// `replace` sets XP (up or down), keeps the streak, and a second run of the same batch
/// changes nothing: no history row, no new "reached at". A 0-XP record for an unknown
/// user creates no member.
pub async fn import_replace_sets_xp_and_twice_changes_nothing(store: impl Storage) {
    let down = MemberId::new(GUILD, 2);
    store.award(&message(down, t0())).await.unwrap(); // 75 XP and a streak
    store.award(&grant(down, 1_000, t0())).await.unwrap();
    let streak = store.member(down).await.unwrap().unwrap().streak;
    let first = t0() + TimeDelta::seconds(10);
    let records = [(2, 500), (3, 900), (4, 0)];
    let result = store
        .import_xp(&batch(ImportMode::Replace, &records, first))
        .await
        .unwrap();
    assert_eq!(
        result,
        vec![
            imported(2, 1_075, 500),
            imported(3, 0, 900),
            imported(4, 0, 0)
        ]
    );
    let after_first = store.member(down).await.unwrap().unwrap();
    assert_eq!(after_first.xp, 500);
    assert_eq!(after_first.streak, streak, "the streak is not the import's");
    assert_eq!(store.member(MemberId::new(GUILD, 4)).await.unwrap(), None);
    let history = all_history(&store, down).await;
    assert_eq!(
        (history[0].amount, history[0].source),
        (-575, Source::Import)
    );

    let second = first + TimeDelta::seconds(10);
    let again = store
        .import_xp(&batch(ImportMode::Replace, &records, second))
        .await
        .unwrap();
    assert_eq!(
        again,
        vec![
            imported(2, 500, 500),
            imported(3, 900, 900),
            imported(4, 0, 0)
        ]
    );
    assert_eq!(all_history(&store, down).await, history, "no new row");
    assert_eq!(
        store.member(down).await.unwrap().unwrap(),
        after_first,
        "nothing moved"
    );
    assert_eq!(board(&store, GUILD).await, vec![(1, 3, 900), (2, 2, 500)]);
}

/// A batch with one bad record (XP above the maximum, a user twice) is refused whole.
pub async fn import_refuses_a_bad_batch_whole(store: impl Storage) {
    for records in [
        vec![(2, 10), (3, MAX_XP + 1)],
        vec![(2, 10), (3, 5), (2, 7)],
    ] {
        let result = store
            .import_xp(&batch(ImportMode::Add, &records, t0()))
            .await;
        assert!(
            matches!(result, Err(Error::InvalidInput(_))),
            "{records:?}: {result:?}"
        );
    }
    assert_eq!(store.member(MemberId::new(GUILD, 2)).await.unwrap(), None);
    assert_eq!(store.stats().await.unwrap().members, 0);
}

/// Imports and awards of the same members at once add up exactly: an import is one
/// atomic write per batch, not a read and a write.
pub async fn concurrent_imports_and_awards_add_up_exactly(store: impl Storage) {
    let store = Arc::new(store);
    let users: Vec<(u64, u64)> = (1..=20).map(|user| (user, 10)).collect();
    let mut tasks = Vec::new();
    for round in 0..10 {
        let importer = store.clone();
        let records = users.clone();
        tasks.push(tokio::spawn(async move {
            let now = t0() + TimeDelta::seconds(round);
            importer
                .import_xp(&batch(ImportMode::Add, &records, now))
                .await
                .unwrap();
        }));
        let awarder = store.clone();
        tasks.push(tokio::spawn(async move {
            for user in 1..=20 {
                let now = t0() + TimeDelta::seconds(round);
                awarder
                    .award(&grant(MemberId::new(GUILD, user), 1, now))
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    for user in 1..=20 {
        let member = store
            .member(MemberId::new(GUILD, user))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(member.xp, 110, "user {user}");
        assert_eq!(all_history(&*store, member.id).await.len(), 20);
    }
    assert_eq!(store.stats().await.unwrap().total_xp, 20 * 110);
}

fn profile(user: u64, name: &str, hidden: bool) -> UserProfile {
    UserProfile {
        id: UserId(user),
        username: name.into(),
        display_name: Some(format!("{name} D.")),
        avatar_url: Some(format!("https://cdn.example/{user}.png")),
        leaderboard_hidden: hidden,
        created_at: t0() - TimeDelta::days(30),
        updated_at: t0() - TimeDelta::days(3),
    }
}

fn restored(guild: u64, user: u64, xp: u64, reached: i64) -> MemberRecord {
    let at = t0() - TimeDelta::hours(reached);
    let history = vec![
        HistoryEntry {
            amount: (xp / 2) as i64,
            source: Source::Message,
            xp_before: 0,
            xp_after: xp / 2,
            actor: None,
            reason: None,
            created_at: at - TimeDelta::hours(1),
        },
        HistoryEntry {
            amount: (xp - xp / 2) as i64,
            source: Source::Admin,
            xp_before: xp / 2,
            xp_after: xp,
            actor: Some(UserId(900)),
            reason: Some("event prize".into()),
            created_at: at,
        },
    ];
    MemberRecord {
        member: Member {
            id: MemberId::new(guild, user),
            xp,
            streak: Streak {
                last_claim: Some(crate::Day(20_000)),
                days: 4,
            },
            xp_reached_at: at,
        },
        history,
        unlocks: vec![Unlock {
            tool: ToolId::new("chat-export").unwrap(),
            reason: UnlockReason::Grant,
            at,
        }],
    }
}

/// A restore writes members (XP, streak, reached at), their history, unlocks and
/// profiles exactly as given; restoring again changes nothing; an existing member's
/// history is replaced by the backup's.
pub async fn restore_writes_a_backup_back_as_it_was(store: impl Storage) {
    chat_export(&store).await;
    let existing = MemberId::new(GUILD, 2);
    store.award(&grant(existing, 5, t0())).await.unwrap();
    let backup = Restore {
        users: vec![profile(2, "ada", true), profile(3, "grace", false)],
        members: vec![
            restored(1, 2, 1_000, 5),
            restored(1, 3, 1_000, 6),
            restored(9, 2, 40, 1),
        ],
    };
    for _ in 0..2 {
        store.restore(&backup).await.unwrap();
        for record in &backup.members {
            let id = record.member.id;
            assert_eq!(
                store.member(id).await.unwrap().as_ref(),
                Some(&record.member)
            );
            let mut history = all_history(&store, id).await;
            history.reverse();
            assert_eq!(history, record.history, "{id:?}");
            assert_eq!(store.unlocks(id).await.unwrap(), record.unlocks);
        }
        for user in &backup.users {
            assert_eq!(store.user(user.id).await.unwrap().as_ref(), Some(user));
        }
        // Equal XP: user 3 reached it first (6 h ago vs 5 h).
        assert_eq!(
            board(&store, GUILD).await,
            vec![(1, 3, 1_000), (2, 2, 1_000)]
        );
        assert_eq!(store.rank(existing).await.unwrap(), Some(2));
        let stats = store.stats().await.unwrap();
        assert_eq!((stats.members, stats.users, stats.total_xp), (3, 2, 2_040));
    }
    // The restored member goes on earning as any other.
    store.award(&grant(existing, 1, t0())).await.unwrap();
    assert_eq!(board(&store, GUILD).await[0], (1, 2, 1_001));
    assert_eq!(all_history(&store, existing).await.len(), 3);
}

/// `members_after` pages through every member by guild, then user, and filters by guild.
pub async fn members_after_pages_by_guild_then_user(store: impl Storage) {
    let ids = [(2, 30), (1, 20), (1, 10), (2, 5), (3, 1)];
    for (i, &(guild, user)) in ids.iter().enumerate() {
        let xp = 10 * (i as u64 + 1);
        store
            .award(&grant(MemberId::new(guild, user), xp, t0()))
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = store.members_after(None, after, 2).await.unwrap();
        assert!(page.len() <= 2);
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        seen.extend(page.iter().map(|m| (m.id.guild.0, m.id.user.0, m.xp)));
    }
    assert_eq!(
        seen,
        vec![
            (1, 10, 30),
            (1, 20, 20),
            (2, 5, 40),
            (2, 30, 10),
            (3, 1, 50)
        ]
    );
    let guild_two: Vec<_> = store
        .members_after(Some(GuildId(2)), None, 10)
        .await
        .unwrap()
        .iter()
        .map(|m| m.id.user.0)
        .collect();
    assert_eq!(guild_two, vec![5, 30]);
    let after_five = store
        .members_after(Some(GuildId(2)), Some(MemberId::new(2, 5)), 10)
        .await
        .unwrap();
    assert_eq!(after_five.len(), 1);
    assert_eq!(after_five[0].id, MemberId::new(2, 30));
}

/// `user_members` lists a user's progress in every guild, by guild, and nobody else's.
pub async fn user_members_lists_every_guild_of_a_user(store: impl Storage) {
    for (guild, user, xp) in [(5, 7, 50), (2, 7, 20), (2, 8, 99)] {
        store
            .award(&grant(MemberId::new(guild, user), xp, t0()))
            .await
            .unwrap();
    }
    let members = store.user_members(UserId(7)).await.unwrap();
    let found: Vec<_> = members.iter().map(|m| (m.id.guild.0, m.xp)).collect();
    assert_eq!(found, vec![(2, 20), (5, 50)]);
    assert!(store.user_members(UserId(9)).await.unwrap().is_empty());
}

/// Forgetting a user deletes their profile, progress in every guild, history and
/// unlocks; the members below move up; their idempotency keys are gone (the same key
/// grants anew); others keep everything.
pub async fn forget_user_deletes_everything_and_closes_the_gap(store: impl Storage) {
    let gone = MemberId::new(GUILD, 7);
    let other_guild = MemberId::new(4, 7);
    let below = MemberId::new(GUILD, 8);
    store
        .upsert_user(
            &NewUser {
                id: UserId(7),
                username: "leaving".into(),
                display_name: None,
                avatar_url: None,
            },
            t0(),
        )
        .await
        .unwrap();
    let keyed = crate::storage::AwardRequest {
        idempotency_key: Some("once".into()),
        ..grant(gone, 500, t0())
    };
    store.award(&keyed).await.unwrap();
    store.award(&grant(gone, 5, t0())).await.unwrap();
    store.award(&grant(other_guild, 5, t0())).await.unwrap();
    store.award(&grant(below, 100, t0())).await.unwrap();
    chat_export(&store).await;
    let tool = ToolId::new("chat-export").unwrap();
    store
        .record_unlock(gone, &tool, UnlockReason::Grant, t0())
        .await
        .unwrap();
    store
        .record_unlock(below, &tool, UnlockReason::Grant, t0())
        .await
        .unwrap();
    assert_eq!(store.rank(below).await.unwrap(), Some(2));

    let forgotten = store.forget_user(UserId(7)).await.unwrap();
    assert_eq!(
        forgotten,
        crate::storage::Forgotten {
            profile: true,
            members: 2,
            history: 3,
            unlocks: 1,
        }
    );
    assert_eq!(store.user(UserId(7)).await.unwrap(), None);
    for id in [gone, other_guild] {
        assert_eq!(store.member(id).await.unwrap(), None);
        assert_eq!(store.rank(id).await.unwrap(), None);
        assert!(all_history(&store, id).await.is_empty());
        assert!(store.unlocks(id).await.unwrap().is_empty());
    }
    assert!(store.user_members(UserId(7)).await.unwrap().is_empty());
    assert_eq!(store.rank(below).await.unwrap(), Some(1), "the gap closed");
    assert_eq!(board(&store, GUILD).await, vec![(1, 8, 100)]);
    assert_eq!(store.unlocks(below).await.unwrap().len(), 1);
    let stats = store.stats().await.unwrap();
    assert_eq!((stats.members, stats.users, stats.total_xp), (1, 0, 100));

    let again = store.award(&keyed).await.unwrap();
    assert!(!again.replayed, "the key was forgotten with the user");
    assert_eq!(store.member(gone).await.unwrap().unwrap().xp, 500);
    assert!(store.forget_user(UserId(99)).await.unwrap().is_empty());
}
