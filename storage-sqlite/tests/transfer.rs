//! SQLite-specific behaviour of imports, restores and deletions: the rank counts stay
//! exact, ids page in `u64` order across the stored sign flip, cooldowns stay out of a
//! restore and go with a forgotten user, an unlock of an unknown tool refuses a restore
//! whole.

mod common;

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use leveling_core::storage::{
    AwardOutcome, AwardRequest, CatalogStore, HistoryEntry, ImportMode, ImportRecord, Member,
    MemberRecord, ProfileStore, Restore, StatusStore, TransferStore, XpImport, XpStore,
};
use leveling_core::testing::cases::{grant, message, t0};
use leveling_core::{
    ErrorKind, GuildId, MemberId, PageRequest, Source, Streak, Tool, ToolId, UnlockReason, UserId,
};

fn import(guild: u64, mode: ImportMode, records: &[(u64, u64)], second: i64) -> XpImport {
    XpImport {
        guild: GuildId(guild),
        records: records
            .iter()
            .map(|&(user, xp)| ImportRecord {
                user: UserId(user),
                xp,
            })
            .collect(),
        mode,
        reason: Some("import.csv".into()),
        now: t0() + TimeDelta::seconds(second),
    }
}

fn record(guild: u64, user: u64, xp: u64) -> MemberRecord {
    MemberRecord {
        member: Member {
            id: MemberId::new(guild, user),
            xp,
            streak: Streak::default(),
            xp_reached_at: t0() - TimeDelta::hours(1),
        },
        history: vec![HistoryEntry {
            amount: xp as i64,
            source: Source::Admin,
            xp_before: 0,
            xp_after: xp,
            actor: None,
            reason: None,
            created_at: t0() - TimeDelta::hours(1),
        }],
        unlocks: Vec::new(),
    }
}

/// The members of a guild by a full sort (XP down, reached first, user up) against the
/// store's ranks and leaderboard.
async fn assert_ranks_match_a_sort(store: &impl XpStore, guild: u64, users: &[u64]) {
    let mut members = Vec::new();
    for &user in users {
        if let Some(member) = store.member(MemberId::new(guild, user)).await.unwrap() {
            members.push(member);
        }
    }
    members.sort_by_key(|m| (std::cmp::Reverse(m.xp), m.xp_reached_at, m.id.user));
    let board = store
        .leaderboard(GuildId(guild), PageRequest::first(100))
        .await
        .unwrap();
    assert_eq!(board.total, members.len() as u64);
    let got: Vec<_> = board.items.iter().map(|s| s.user).collect();
    let want: Vec<_> = members.iter().map(|m| m.id.user).collect();
    assert_eq!(got, want, "guild {guild}");
    for (i, member) in members.iter().enumerate() {
        assert_eq!(store.rank(member.id).await.unwrap(), Some(i as u64 + 1));
    }
}

/// Imports (both modes, batched with awards), restores over members in other buckets and
/// deletions across guilds leave the bucket and group counts equal to a recount, and
/// ranks equal to a full sort.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfers_keep_the_rank_counts_exact() {
    let (store, _dir) = common::fresh().await;
    let store = Arc::new(store);
    let users: Vec<u64> = (1..=60).collect();
    let mut tasks = Vec::new();
    for round in 0..4i64 {
        let records: Vec<(u64, u64)> = users
            .iter()
            .map(|&u| (u, (u * 37 + round as u64 * 1_000) % 20_000))
            .collect();
        let importer = store.clone();
        tasks.push(tokio::spawn(async move {
            let mode = if round % 2 == 0 {
                ImportMode::Replace
            } else {
                ImportMode::Add
            };
            for guild in [1, 2] {
                importer
                    .import_xp(&import(guild, mode, &records, round))
                    .await
                    .unwrap();
            }
        }));
        let awarder = store.clone();
        tasks.push(tokio::spawn(async move {
            for user in 1..=60 {
                awarder
                    .award(&grant(MemberId::new(1, user), 500, t0()))
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    common::assert_counts_exact(&store).await;
    // Big moves (to the bottom and far up) and new members, in both guilds.
    let backup = Restore {
        users: Vec::new(),
        members: vec![
            record(1, 1, 0),
            record(1, 2, 5_000_000),
            record(1, 99, 12_345),
            record(2, 3, 77),
        ],
    };
    store.restore(&backup).await.unwrap();
    common::assert_counts_exact(&store).await;
    for user in [4, 5, 99] {
        store.forget_user(UserId(user)).await.unwrap();
    }
    common::assert_counts_exact(&store).await;
    let everyone: Vec<u64> = (1..=100).collect();
    assert_ranks_match_a_sort(&*store, 1, &everyone).await;
    assert_ranks_match_a_sort(&*store, 2, &everyone).await;
    assert_eq!(store.stats().await.unwrap().members, 58 + 58);
}

/// Ids either side of 2^63 (stored with the top bit flipped, so signed `INTEGER` order
/// is `u64` order) page in `u64` order, by guild then user, and by guild for a user.
#[tokio::test]
async fn members_page_in_u64_order_across_the_top_bit() {
    let (store, _dir) = common::fresh().await;
    let ids = [0, 1, (1 << 63) - 1, 1 << 63, u64::MAX - 1, u64::MAX];
    let mut all = Vec::new();
    for &guild in ids.iter().rev() {
        for &user in &ids {
            store
                .award(&grant(MemberId::new(guild, user), 1, t0()))
                .await
                .unwrap();
            all.push(MemberId::new(guild, user));
        }
    }
    all.sort();
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = store.members_after(None, after, 4).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        seen.extend(page.iter().map(|m| m.id));
    }
    assert_eq!(seen, all);
    let top = GuildId(1 << 63);
    let in_guild: Vec<_> = store
        .members_after(Some(top), Some(MemberId::new(1 << 63, 1)), 10)
        .await
        .unwrap()
        .iter()
        .map(|m| m.id.user.0)
        .collect();
    assert_eq!(in_guild, ids[2..]);
    // `after` in an earlier guild starts at the guild's first member; a later one ends it.
    let from_start = store
        .members_after(Some(top), Some(MemberId::new(5, 5)), 10)
        .await
        .unwrap();
    assert_eq!(from_start.len(), ids.len());
    let past = store
        .members_after(Some(top), Some(MemberId::new(u64::MAX, 0)), 10)
        .await
        .unwrap();
    assert!(past.is_empty());
    let guilds: Vec<_> = store
        .user_members(UserId(u64::MAX))
        .await
        .unwrap()
        .iter()
        .map(|m| m.id.guild.0)
        .collect();
    assert_eq!(guilds, ids);
}

fn tool() -> Tool {
    Tool {
        id: ToolId::new("poll").unwrap(),
        name: "Poll".into(),
        description: "asks the channel".into(),
        tier: "Basic".into(),
        required_level: 1,
        url: None,
    }
}

/// A restore keeps a member's running cooldown (not part of a backup); forgetting the
/// user drops it, with unlocks in a guild where they have no progress.
#[tokio::test]
async fn cooldowns_survive_a_restore_and_go_with_the_user() {
    let (store, _dir) = common::fresh().await;
    store.create_tool(&tool()).await.unwrap();
    let id = MemberId::new(1, 7);
    let chat = |at| AwardRequest {
        cooldown: Some(Duration::from_secs(60)),
        ..message(id, at)
    };
    assert!(matches!(
        store.award(&chat(t0())).await.unwrap().outcome,
        AwardOutcome::Granted(_)
    ));
    store
        .restore(&Restore {
            users: Vec::new(),
            members: vec![record(1, 7, 1_000)],
        })
        .await
        .unwrap();
    let later = t0() + TimeDelta::seconds(10);
    assert!(
        matches!(
            store.award(&chat(later)).await.unwrap().outcome,
            AwardOutcome::Cooldown { .. }
        ),
        "the cooldown outlived the restore"
    );
    store
        .record_unlock(MemberId::new(3, 7), &tool().id, UnlockReason::Grant, t0())
        .await
        .unwrap();
    let forgotten = store.forget_user(UserId(7)).await.unwrap();
    assert_eq!((forgotten.members, forgotten.unlocks), (1, 1));
    assert!(store.unlocks(MemberId::new(3, 7)).await.unwrap().is_empty());
    assert!(
        matches!(
            store.award(&chat(later)).await.unwrap().outcome,
            AwardOutcome::Granted(_)
        ),
        "the cooldown went with the user"
    );
    common::assert_counts_exact(&store).await;
}

/// An unlock of a tool the catalog does not hold refuses the whole restore: no profile,
/// no member, no history written.
#[tokio::test]
async fn a_restore_with_an_unknown_tool_writes_nothing() {
    let (store, _dir) = common::fresh().await;
    let mut bad = record(1, 8, 300);
    bad.unlocks.push(leveling_core::Unlock {
        tool: ToolId::new("ghost").unwrap(),
        reason: UnlockReason::Grant,
        at: t0(),
    });
    let profile = leveling_core::UserProfile {
        id: UserId(8),
        username: "ada".into(),
        display_name: None,
        avatar_url: None,
        leaderboard_hidden: false,
        created_at: t0(),
        updated_at: t0(),
    };
    let error = store
        .restore(&Restore {
            users: vec![profile],
            members: vec![record(1, 9, 10), bad],
        })
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
    assert!(error.to_string().contains("ghost"), "{error}");
    assert_eq!(store.user(UserId(8)).await.unwrap(), None);
    assert_eq!(store.member(MemberId::new(1, 9)).await.unwrap(), None);
    assert_eq!(store.stats().await.unwrap().members, 0);
}
