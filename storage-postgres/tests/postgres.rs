//! PostgreSQL-specific behaviour: contention at the pool's full width, exact rank under
//! random changes, errors when the server is gone and recovery when it is back.

mod common;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use leveling_core::storage::{
    AdjustRequest, Adjustment, AwardOutcome, AwardRequest, MAX_XP, StatusStore, XpStore,
};
use leveling_core::testing::cases::{grant, message, t0};
use leveling_core::{ErrorKind, GuildId, MemberId, PageRequest, UserId};
use leveling_storage_postgres::{PgConnectOptions, PgPoolOptions, PostgresStore};
use tokio::sync::Barrier;

const GUILD: GuildId = GuildId(1);

fn member(user: u64) -> MemberId {
    MemberId::new(GUILD, user)
}

async fn xp_of(store: &PostgresStore, id: MemberId) -> u64 {
    store.member(id).await.unwrap().map_or(0, |m| m.xp)
}

async fn history_len(store: &PostgresStore, id: MemberId) -> u64 {
    store
        .history(id, PageRequest::first(1))
        .await
        .unwrap()
        .total
}

/// 32 connections × 1,000 awards each, one in eight to a shared member (the row every
/// task fights over) and the rest to the task's own member: every XP and every history
/// row is there.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_connections_times_a_thousand_awards_add_up_exactly() {
    let Some(store) = common::store_with(32).await else {
        return;
    };
    let store = Arc::new(store);
    let hot = member(1);
    let tasks: Vec<_> = (0..32u64)
        .map(|task| {
            let store = store.clone();
            tokio::spawn(async move {
                let own = member(100 + task);
                for i in 0..1_000u64 {
                    let target = if i % 8 == 0 { hot } else { own };
                    let outcome = store.award(&grant(target, 1 + i % 2, t0())).await.unwrap();
                    assert!(matches!(outcome.outcome, AwardOutcome::Granted(_)));
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    // i % 8 == 0 is even: the hot member gets 125 awards of 1 XP per task; the rest of
    // the awards alternate 2 (odd i) and 1 (even i) XP.
    assert_eq!(xp_of(&store, hot).await, 32 * 125);
    assert_eq!(history_len(&store, hot).await, 32 * 125);
    for task in 0..32u64 {
        let own = member(100 + task);
        assert_eq!(xp_of(&store, own).await, 500 * 2 + 375);
        assert_eq!(history_len(&store, own).await, 875);
    }
    let board = store
        .leaderboard(GUILD, PageRequest::first(100))
        .await
        .unwrap();
    assert_eq!(board.total, 33);
    assert_eq!(store.rank(hot).await.unwrap(), Some(1));
    common::assert_buckets_exact(&store).await;
}

/// 100 message awards of one brand-new member released at once: one grant, 99 cooldowns.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_simultaneous_messages_grant_exactly_one() {
    let Some(store) = common::store_with(32).await else {
        return;
    };
    let store = Arc::new(store);
    let barrier = Arc::new(Barrier::new(100));
    let id = member(7);
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let (store, barrier) = (store.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                store.award(&message(id, t0())).await.unwrap().outcome
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    let granted = outcomes
        .iter()
        .filter(|o| matches!(o, AwardOutcome::Granted(_)))
        .count();
    assert_eq!(granted, 1);
    for outcome in &outcomes {
        if let AwardOutcome::Cooldown { remaining, xp } = outcome {
            assert_eq!((*remaining, *xp), (Duration::from_secs(60), 75));
        } else {
            assert!(matches!(outcome, AwardOutcome::Granted(_)), "{outcome:?}");
        }
    }
    assert_eq!(xp_of(&store, id).await, 75);
    assert_eq!(history_len(&store, id).await, 3);
}

/// A keyed message that claimed the day, retried (also 32 times at once), replays the
/// same outcome, claim included, and adds nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_retried_idempotency_key_adds_nothing() {
    let Some(store) = common::store_with(32).await else {
        return;
    };
    let store = Arc::new(store);
    let id = member(8);
    let keyed = |now: DateTime<Utc>| AwardRequest {
        idempotency_key: Some("discord-message-123".into()),
        ..message(id, now)
    };
    let first = store.award(&keyed(t0())).await.unwrap();
    assert!(!first.replayed);
    let AwardOutcome::Granted(granted) = &first.outcome else {
        panic!("{first:?}")
    };
    assert_eq!(
        (granted.xp_after, granted.daily.map(|d| d.total())),
        (75, Some(60))
    );
    let barrier = Arc::new(Barrier::new(32));
    let tasks: Vec<_> = (0..32)
        .map(|i| {
            let (store, barrier) = (store.clone(), barrier.clone());
            // Inside the key's 24 h window, in the next day's first hour.
            let request = keyed(t0() + TimeDelta::hours(12) + TimeDelta::seconds(i));
            tokio::spawn(async move {
                barrier.wait().await;
                store.award(&request).await.unwrap()
            })
        })
        .collect();
    for task in tasks {
        let retry = task.await.unwrap();
        assert!(retry.replayed);
        assert_eq!(retry.outcome, first.outcome);
    }
    assert_eq!(xp_of(&store, id).await, 75);
    assert_eq!(history_len(&store, id).await, 3);
}

/// 640 awards released at once over 64 new members, so they reach the database in
/// batches that mix new and known members, keyed grants and their retries, and messages
/// racing one cooldown: every award settles as it would alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn awards_released_together_settle_each_as_alone() {
    let Some(store) = common::store_with(16).await else {
        return;
    };
    let store = Arc::new(store);
    let barrier = Arc::new(Barrier::new(640));
    let mut requests = Vec::new();
    for user in 0..64u64 {
        let id = member(1_000 + user);
        for amount in [1u64, 2, 4] {
            let keyed = AwardRequest {
                idempotency_key: Some(format!("grant-{amount}")),
                ..grant(id, amount, t0())
            };
            requests.push(keyed.clone());
            requests.push(keyed);
        }
        for _ in 0..4 {
            requests.push(message(id, t0()));
        }
    }
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|request| {
            let (store, barrier) = (store.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let stored = store.award(&request).await.unwrap();
                (request, stored)
            })
        })
        .collect();
    let mut settled = Vec::new();
    for task in tasks {
        settled.push(task.await.unwrap());
    }
    for user in 0..64u64 {
        let id = member(1_000 + user);
        let mine: Vec<_> = settled.iter().filter(|(r, _)| r.member == id).collect();
        for amount in [1u64, 2, 4] {
            let key = format!("grant-{amount}");
            let pair: Vec<_> = mine
                .iter()
                .filter(|(r, _)| r.idempotency_key.as_deref() == Some(key.as_str()))
                .map(|(_, stored)| stored)
                .collect();
            assert_eq!(pair.len(), 2);
            assert_eq!(
                pair[0].outcome, pair[1].outcome,
                "a retry replays the grant"
            );
            assert_eq!(
                pair.iter().filter(|stored| stored.replayed).count(),
                1,
                "one grant and one replay per key"
            );
            let AwardOutcome::Granted(granted) = &pair[0].outcome else {
                panic!("{:?}", pair[0])
            };
            assert_eq!(granted.amount, amount);
        }
        let messages: Vec<_> = mine
            .iter()
            .filter(|(r, _)| r.idempotency_key.is_none())
            .map(|(_, stored)| &stored.outcome)
            .collect();
        assert_eq!(
            messages
                .iter()
                .filter(|o| matches!(o, AwardOutcome::Granted(_)))
                .count(),
            1,
            "one message through the cooldown"
        );
        assert!(
            messages
                .iter()
                .all(|o| matches!(o, AwardOutcome::Granted(_) | AwardOutcome::Cooldown { .. })),
            "{messages:?}"
        );
        // 1 + 2 + 4 from the keys, 15 + 50 + 10 from the message and its daily claim.
        assert_eq!(xp_of(&store, id).await, 82);
        assert_eq!(history_len(&store, id).await, 6);
    }
    assert_eq!(
        store
            .leaderboard(GUILD, PageRequest::first(1))
            .await
            .unwrap()
            .total,
        64
    );
    common::assert_buckets_exact(&store).await;
}

/// A small deterministic generator (no rand dependency).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Rank equals the position in a brute-force sort after random grants, admin changes in
/// both directions, resets, saturation and many ties, and bucket counts never drift.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rank_is_exact_after_random_changes() {
    let Some(store) = common::store_with(8).await else {
        return;
    };
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let users: Vec<u64> = (0..120)
        .map(|i| if i % 10 == 0 { u64::MAX - i } else { 1_000 + i })
        .collect();
    for step in 0..1_500u64 {
        let user = users[rng.below(users.len() as u64) as usize];
        let guild = GuildId(1 + rng.below(2));
        let id = MemberId::new(guild, user);
        // Few distinct times, so equal XP often ties on time too.
        let now = t0() + TimeDelta::seconds(rng.below(4) as i64);
        let admin = |adjustment| AdjustRequest {
            member: id,
            adjustment,
            actor: Some(UserId(1)),
            reason: None,
            now,
        };
        match rng.below(10) {
            0 => {
                store
                    .adjust(&admin(Adjustment::Add(-(rng.below(3_000) as i64))))
                    .await
                    .unwrap();
            }
            1 if step % 50 == 1 => {
                store.adjust(&admin(Adjustment::Reset)).await.unwrap();
            }
            2 if step % 200 == 2 => {
                store
                    .adjust(&admin(Adjustment::Set(MAX_XP - rng.below(3))))
                    .await
                    .unwrap();
            }
            3 => {
                store
                    .adjust(&admin(Adjustment::Set(rng.below(40) * 100)))
                    .await
                    .unwrap();
            }
            _ => {
                // Amounts on a coarse grid so totals collide.
                store
                    .award(&grant(id, 50 * (1 + rng.below(40)), now))
                    .await
                    .unwrap();
            }
        }
    }
    common::assert_buckets_exact(&store).await;
    for guild in [GuildId(1), GuildId(2)] {
        let mut expected = Vec::new();
        for &user in &users {
            if let Some(m) = store.member(MemberId::new(guild, user)).await.unwrap() {
                expected.push((std::cmp::Reverse(m.xp), m.xp_reached_at, user));
            }
        }
        expected.sort();
        let mut offset = 0u64;
        let mut board = Vec::new();
        loop {
            let page = store
                .leaderboard(guild, PageRequest::new(37, offset))
                .await
                .unwrap();
            assert_eq!(page.total, expected.len() as u64);
            if page.items.is_empty() {
                break;
            }
            offset += page.items.len() as u64;
            board.extend(page.items);
        }
        let board_users: Vec<u64> = board.iter().map(|s| s.user.0).collect();
        let expected_users: Vec<u64> = expected.iter().map(|e| e.2).collect();
        assert_eq!(board_users, expected_users);
        for (position, &(_, _, user)) in expected.iter().enumerate() {
            let rank = store.rank(MemberId::new(guild, user)).await.unwrap();
            assert_eq!(
                rank,
                Some(position as u64 + 1),
                "guild {guild}, user {user}"
            );
        }
    }
}

/// A bucket's ceiling bounds every XP total in the bucket, and tightly: the rank and deep
/// pages scan a member's bucket up to that bound and would miss members above it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bucket_ceilings_bound_their_buckets() {
    let Some(store) = common::store_with(1).await else {
        return;
    };
    // Every bucket up to ~2.5·10^9 XP, and buckets around 2^40, 2^53 and the top of BIGINT.
    let (loose, unbounded): (i64, i64) = sqlx::query_as(
        "WITH b AS (
             SELECT b FROM generate_series(0, 200000) AS b
             UNION ALL SELECT leveling_bucket(x) + d
             FROM unnest(ARRAY[1099511627776, 9007199254740992, 9223372036854775807]::bigint[]) AS x,
                  generate_series(-3, 0) AS d
         ),
         c AS (SELECT b, leveling_bucket_ceiling(b) AS hi FROM b)
         SELECT
             count(*) FILTER (WHERE hi > ceil((b + 513)::numeric * (b + 513) / 16) - 16385
                                         + floor(hi::numeric / 1099511627776) + 1),
             count(*) FILTER (WHERE hi < 9223372036854775807 AND leveling_bucket(hi + 1) <= b)
         FROM c",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(
        (loose, unbounded),
        (0, 0),
        "bucket ceilings: (looser than the margin, below a member of the bucket)"
    );
}

/// Connecting twice to the same schema re-runs no migration and keeps the data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_run_once() {
    let Some(options) = common::server().await else {
        return;
    };
    let schema = common::fresh_schema(&options).await;
    let options = options.options([("search_path", schema.as_str())]);
    let first = common::connect(options.clone(), PostgresStore::pool_options()).await;
    first.award(&grant(member(1), 5, t0())).await.unwrap();
    let second = common::connect(options, PostgresStore::pool_options()).await;
    assert_eq!(xp_of(&second, member(1)).await, 5);
    second.migrate().await.unwrap();
}

/// Replicas starting at once on a fresh schema: sqlx's advisory lock lets one apply the
/// migrations while the others wait, so every start succeeds and each migration is
/// applied once. A database a newer version migrated (a migration this one does not know)
/// is refused at start-up with a message naming it, not served with a schema this
/// version may write wrongly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_starting_at_once_migrate_once_and_a_newer_schema_is_refused() {
    let Some(options) = common::server().await else {
        return;
    };
    let schema = common::fresh_schema(&options).await;
    let options = options.options([("search_path", schema.as_str())]);
    let starts = (0..4).map(|_| {
        PostgresStore::builder().connect_with(options.clone(), PostgresStore::pool_options())
    });
    let stores: Vec<_> = futures::future::join_all(starts)
        .await
        .into_iter()
        .map(|started| {
            let (store, background) = started.expect("every replica starts");
            tokio::spawn(background);
            store
        })
        .collect();
    let shipped = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .filter(|entry| entry.as_ref().unwrap().path().extension() == Some("sql".as_ref()))
        .count();
    let applied: Vec<(i64, bool)> =
        sqlx::query_as("SELECT version, success FROM _sqlx_migrations ORDER BY version")
            .fetch_all(stores[0].pool())
            .await
            .unwrap();
    assert_eq!(applied.len(), shipped, "{applied:?}");
    assert!(applied.iter().all(|(_, success)| *success), "{applied:?}");

    // What a newer version leaves behind: a migration this build does not ship.
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (99990101000000, 'from the future', true, '\\x00', 0)",
    )
    .execute(stores[0].pool())
    .await
    .unwrap();
    let refused = PostgresStore::builder()
        .connect_with(options, PostgresStore::pool_options())
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Internal);
    assert!(
        refused.to_string().contains("migration 99990101000000")
            && refused.to_string().contains("newer version"),
        "{refused}"
    );
    // A replica already running is not stopped by it (it keeps serving its own queries).
    stores[1].award(&grant(member(1), 5, t0())).await.unwrap();
}

/// Three replicas on one database (three stores, each batching its awards and folding
/// rank moves in the background) awarding the same members at once: every XP is counted
/// once, every cooldown lets one message through across replicas, and ranks stay exact.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_sharing_one_database_stay_exact() {
    let Some(options) = common::server().await else {
        return;
    };
    let schema = common::fresh_schema(&options).await;
    let options = options.options([("search_path", schema.as_str())]);
    let mut replicas = Vec::new();
    for _ in 0..3 {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(30));
        replicas.push(Arc::new(common::connect(options.clone(), pool).await));
    }
    let barrier = Arc::new(Barrier::new(48));
    let tasks: Vec<_> = (0..48u64)
        .map(|task| {
            let store = replicas[task as usize % 3].clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                let mut granted_messages = 0;
                for i in 0..80u64 {
                    // 40 shared members get two grants of 1 XP from every task, and one
                    // message each from every task at the same instant.
                    let id = member(2_000 + (task + i) % 40);
                    store.award(&grant(id, 1, t0())).await.unwrap();
                    if i < 40 {
                        let message = message(member(2_000 + (task + i) % 40), t0());
                        if matches!(
                            store.award(&message).await.unwrap().outcome,
                            AwardOutcome::Granted(_)
                        ) {
                            granted_messages += 1;
                        }
                    }
                }
                granted_messages
            })
        })
        .collect();
    let mut granted_messages = 0;
    for task in tasks {
        granted_messages += task.await.unwrap();
    }
    assert_eq!(
        granted_messages, 40,
        "one message per member across replicas"
    );
    // 48 × 80 grants of 1 XP, two per member per task, plus 75 per member for its message
    // and daily claim.
    let mut total = 0;
    for user in 0..40u64 {
        let xp = xp_of(&replicas[0], member(2_000 + user)).await;
        assert_eq!(xp, 48 * 2 + 75, "member {user}");
        total += xp;
    }
    assert_eq!(total, 40 * (96 + 75));
    for replica in &replicas {
        common::assert_buckets_exact(replica).await;
    }
    let board = replicas[1]
        .leaderboard(GUILD, PageRequest::first(100))
        .await
        .unwrap();
    assert_eq!(board.total, 40);
}

/// A server that is not there: `Unavailable`, and no password anywhere in the error.
#[tokio::test]
async fn an_unreachable_server_is_unavailable_and_the_password_stays_secret() {
    let secret = "s3cret-Pa55word";
    let url = format!("postgres://leveling:{secret}@127.0.0.1:1/leveling?sslmode=disable");
    let error = PostgresStore::connect(&url).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unavailable, "{error:?}");
    assert_no_secret(&error, secret);

    let (lazy, background) = PostgresStore::builder().build(
        PgPoolOptions::new()
            .acquire_timeout(Duration::from_millis(500))
            .connect_lazy_with(url.parse::<PgConnectOptions>().unwrap()),
    );
    tokio::spawn(background);
    let error = lazy.award(&grant(member(1), 5, t0())).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unavailable);
    assert_no_secret(&error, secret);
    assert_eq!(
        lazy.health().await.unwrap_err().kind(),
        ErrorKind::Unavailable
    );
    assert_eq!(
        lazy.rank(member(1)).await.unwrap_err().kind(),
        ErrorKind::Unavailable
    );

    let malformed = format!("postgres://leveling:{secret}@127.0.0.1:notaport/db");
    let error = PostgresStore::connect(&malformed).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    assert_no_secret(&error, secret);
}

/// During an outage, the awards that queued behind a batch which got no connection are
/// answered with it: an award waits about one acquire timeout however many are queued.
/// (Before, each batch of 64 ahead of it added a timeout: 2,000 queued awards waited
/// 16 of them, past any client's request timeout.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awards_queued_during_an_outage_are_refused_without_waiting_their_turn() {
    const ACQUIRE: Duration = Duration::from_millis(200);
    const AWARDS: u64 = 2_000;
    let (store, background) = PostgresStore::builder().build(
        PgPoolOptions::new()
            .acquire_timeout(ACQUIRE)
            .connect_lazy_with("postgres://leveling@127.0.0.1:1/leveling".parse().unwrap()),
    );
    tokio::spawn(background);
    let started = std::time::Instant::now();
    let answers = futures::future::join_all((0..AWARDS).map(|user| {
        let store = store.clone();
        async move {
            let answer = store.award(&grant(member(user), 1, t0())).await;
            (answer, started.elapsed())
        }
    }))
    .await;
    let mut slowest = Duration::ZERO;
    for (answer, took) in answers {
        assert_eq!(answer.unwrap_err().kind(), ErrorKind::Unavailable);
        slowest = slowest.max(took);
    }
    // Two workers, one batch each, then the rest at once; slack for a loaded machine.
    assert!(
        slowest < ACQUIRE * 4,
        "the last of {AWARDS} awards was refused after {slowest:?}"
    );
}

fn assert_no_secret(error: &leveling_core::Error, secret: &str) {
    let mut text = format!("{error} {error:?}");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&format!(" {cause} {cause:?}"));
        source = cause.source();
    }
    assert!(!text.contains(secret), "the password leaked: {text}");
}

/// A TCP relay in front of the server that can be cut and restored, to lose every
/// connection at once the way a server restart or a network cut does.
mod relay {
    use std::net::SocketAddr;
    use std::sync::{Arc, Mutex};

    use tokio::net::{TcpListener, TcpStream};
    use tokio::task::JoinHandle;

    pub struct Relay {
        pub port: u16,
        upstream: SocketAddr,
        tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
    }

    impl Relay {
        pub async fn start(upstream: SocketAddr) -> Relay {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = listener.local_addr().unwrap().port();
            let relay = Relay {
                port,
                upstream,
                tasks: Arc::default(),
            };
            relay.serve(listener);
            relay
        }

        fn serve(&self, listener: TcpListener) {
            let (tasks, upstream) = (self.tasks.clone(), self.upstream);
            let accept = tokio::spawn({
                let tasks = tasks.clone();
                async move {
                    while let Ok((mut client, _)) = listener.accept().await {
                        let pipe = tokio::spawn(async move {
                            if let Ok(mut server) = TcpStream::connect(upstream).await {
                                let _ =
                                    tokio::io::copy_bidirectional(&mut client, &mut server).await;
                            }
                        });
                        tasks.lock().unwrap().push(pipe);
                    }
                }
            });
            tasks.lock().unwrap().push(accept);
        }

        /// Closes the listener and every relayed connection.
        pub fn cut(&self) {
            for task in self.tasks.lock().unwrap().drain(..) {
                task.abort();
            }
        }

        /// Listens again on the same port.
        pub async fn restore(&self) {
            let listener = TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
            self.serve(listener);
        }
    }
}

/// Lost connections answer `Unavailable` (no panic); once the server is reachable again
/// the pool reconnects by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pool_recovers_when_the_server_comes_back() {
    let Some(options) = common::server().await else {
        return;
    };
    let schema = common::fresh_schema(&options).await;
    let upstream = tokio::net::lookup_host((options.get_host(), options.get_port()))
        .await
        .unwrap()
        .next()
        .unwrap();
    let relay = relay::Relay::start(upstream).await;
    let relayed = options
        .host("127.0.0.1")
        .port(relay.port)
        .options([("search_path", schema.as_str())]);
    let pool = PgPoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(1));
    let store = common::connect(relayed, pool).await;
    let id = member(3);
    store.award(&grant(id, 10, t0())).await.unwrap();

    relay.cut();
    for _ in 0..3 {
        let error = store.award(&grant(id, 10, t0())).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Unavailable, "{error:?}");
    }
    assert_eq!(
        store.health().await.unwrap_err().kind(),
        ErrorKind::Unavailable
    );

    relay.restore().await;
    let mut recovered = false;
    for _ in 0..50 {
        if store.health().await.is_ok() {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered, "the pool did not reconnect");
    store
        .award(&grant(id, 10, t0() + TimeDelta::seconds(1)))
        .await
        .unwrap();
    assert_eq!(xp_of(&store, id).await, 20);
}

/// Deep leaderboard pages (which start from the rank buckets) match a brute-force sort,
/// across bucket boundaries and ties, and past the end.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deep_leaderboard_pages_are_exact() {
    let Some(store) = common::store_with(16).await else {
        return;
    };
    let store = Arc::new(store);
    let tasks: Vec<_> = (0..16u64)
        .map(|task| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut rng = Rng(task + 11);
                for i in 0..60u64 {
                    let user = task * 60 + i;
                    // Coarse amounts: plenty of ties, XP spread over ~60 buckets.
                    let amount = 1 + rng.below(40) * rng.below(90);
                    let now = t0() + TimeDelta::seconds(rng.below(3) as i64);
                    store
                        .award(&grant(member(user), amount, now))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let mut expected = Vec::new();
    for user in 0..960u64 {
        let m = store.member(member(user)).await.unwrap().unwrap();
        expected.push((std::cmp::Reverse(m.xp), m.xp_reached_at, user));
    }
    expected.sort();
    for (limit, offset) in [
        (100, 0),
        (100, 499),
        (100, 500),
        (37, 613),
        (100, 900),
        (100, 959),
        (10, 960),
        (10, 5_000),
    ] {
        let page = store
            .leaderboard(GUILD, PageRequest::new(limit, offset))
            .await
            .unwrap();
        assert_eq!(page.total, 960);
        let got: Vec<(u64, u64, u64)> = page
            .items
            .iter()
            .map(|s| (s.rank, s.user.0, s.xp))
            .collect();
        let want: Vec<(u64, u64, u64)> = expected
            .iter()
            .enumerate()
            .skip(offset as usize)
            .take(limit as usize)
            .map(|(i, e)| (i as u64 + 1, e.2, e.0.0))
            .collect();
        assert_eq!(got, want, "limit {limit}, offset {offset}");
    }
}

/// Background work is explicit: a batched store whose `Background` was dropped refuses
/// awards with an error that says why (no silent fallback, no hang); an unbatched one
/// needs no background for awards; and a spawned background ends with the last store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn background_work_runs_only_where_the_embedder_spawns_it() {
    let Some(options) = common::server().await else {
        return;
    };
    let schema = common::fresh_schema(&options).await;
    let options = options.options([("search_path", schema.as_str())]);

    let (orphan, background) = PostgresStore::builder()
        .connect_with(options.clone(), PostgresStore::pool_options())
        .await
        .unwrap();
    drop(background);
    let error = orphan.award(&grant(member(1), 5, t0())).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Internal, "{error:?}");
    assert!(error.to_string().contains("Background"), "{error}");
    assert_eq!(xp_of(&orphan, member(1)).await, 0, "nothing was applied");

    let (unbatched, background) = PostgresStore::builder()
        .without_award_batching()
        .connect_with(options.clone(), PostgresStore::pool_options())
        .await
        .unwrap();
    drop(background);
    unbatched.award(&grant(member(1), 5, t0())).await.unwrap();
    assert_eq!(xp_of(&unbatched, member(1)).await, 5);

    let (store, background) = PostgresStore::builder()
        .award_workers(3)
        .connect_with(options, PostgresStore::pool_options())
        .await
        .unwrap();
    let running = tokio::spawn(background);
    let clone = store.clone();
    clone.award(&grant(member(2), 7, t0())).await.unwrap();
    drop(store);
    clone.award(&grant(member(2), 7, t0())).await.unwrap();
    assert_eq!(xp_of(&clone, member(2)).await, 14);
    drop(clone);
    tokio::time::timeout(Duration::from_secs(5), running)
        .await
        .expect("the background ends once the last store is dropped")
        .unwrap();
}

/// Concurrent retries of a key whose window has passed: exactly one makes a new grant
/// (taking the expired key's row), the others replay it; the background's purge deletes
/// what has expired.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_expired_key_is_taken_by_exactly_one_concurrent_retry_and_purged() {
    let Some(store) = common::fresh_store().await else {
        return;
    };
    let store = Arc::new(store);
    let id = member(9);
    let keyed = |now: DateTime<Utc>| AwardRequest {
        idempotency_key: Some("order-9".into()),
        ..grant(id, 10, now)
    };
    assert!(!store.award(&keyed(t0())).await.unwrap().replayed);
    let barrier = Arc::new(Barrier::new(16));
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let (store, barrier) = (store.clone(), barrier.clone());
            let request = keyed(t0() + TimeDelta::hours(25) + TimeDelta::seconds(i));
            tokio::spawn(async move {
                barrier.wait().await;
                store.award(&request).await.unwrap()
            })
        })
        .collect();
    let mut fresh = 0;
    for task in tasks {
        if !task.await.unwrap().replayed {
            fresh += 1;
        }
    }
    assert_eq!(
        fresh, 1,
        "one retry takes the expired key, the others replay it"
    );
    assert_eq!(xp_of(&store, id).await, 20);
    assert_eq!(history_len(&store, id).await, 2);
    // The purge measures from the newest key: nothing is a window older yet.
    assert_eq!(store.purge_expired_idempotency_keys().await.unwrap(), 0);
    let later = AwardRequest {
        idempotency_key: Some("order-10".into()),
        ..grant(id, 10, t0() + TimeDelta::hours(50))
    };
    store.award(&later).await.unwrap();
    assert_eq!(store.purge_expired_idempotency_keys().await.unwrap(), 1);
    let left: Vec<String> = sqlx::query_scalar("SELECT key FROM idempotency_keys")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(left, ["order-10"]);
}
