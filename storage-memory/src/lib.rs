//! # leveling-storage-memory
//!
//! A concurrent in-memory [`Storage`](leveling_core::Storage) for [`leveling_core`]: for tests, for single-process
//! bots, and as the reference server's embedded default. Everything is lost when the
//! process exits.
//!
//! - **No global lock on the award path.** Members live in 64 shards, each behind its own
//!   mutex; an award locks one shard and its guild's rank index, nothing else.
//! - **Rank in O(log n).** Each guild keeps its members in leaderboard order in a
//!   sorted-block index with a Fenwick tree over the block sizes, so a
//!   member's position and a leaderboard page never scan the guild.
//!
//! ```
//! use leveling_core::{Award, Leveling, MemberId};
//! use leveling_storage_memory::MemoryStore;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let leveling = Leveling::builder(MemoryStore::new()).build();
//! let result = leveling.award(Award::message(MemberId::new(1, 42))).await.unwrap();
//! assert_eq!(result.xp, 75); // 15 for the message + 50 daily + 10 streak
//! # }
//! ```
#![warn(missing_docs)]

mod catalog;
mod member;
mod profiles;
mod rank_index;
mod settings;
mod status;
mod transfer;
mod xp;

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use leveling_core::storage::DEFAULT_IDEMPOTENCY_WINDOW;
use leveling_core::{GuildId, MemberId, PageRequest, Tool, Unlock, UserId, UserProfile};

use member::{MemberState, RankKey};
use rank_index::RankIndex;

const SHARDS: usize = 64;

/// Member keys are two integers: a multiply-xor mix spreads them well and costs a
/// fraction of SipHash on the award path. The shard choice still uses a random seed.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u64(&mut self, n: u64) {
        let mixed = (self.0 ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = mixed ^ (mixed >> 29);
    }
}

type Members = HashMap<MemberId, MemberState, BuildHasherDefault<IdHasher>>;

type Guild = Arc<Mutex<RankIndex<RankKey>>>;

/// The in-memory store. Cheap to share behind an `Arc` (the engine does that for you).
#[derive(Debug)]
pub struct MemoryStore {
    hasher: RandomState,
    shards: Box<[Mutex<Members>]>,
    guilds: RwLock<HashMap<GuildId, Guild, BuildHasherDefault<IdHasher>>>,
    users: RwLock<BTreeMap<UserId, UserProfile>>,
    tools: RwLock<Vec<Tool>>,
    unlocks: Mutex<HashMap<MemberId, Vec<Unlock>>>,
    settings: Mutex<settings::Settings>,
    idempotency_window: TimeDelta,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

// A panic while a lock is held cannot leave a member half-updated (every mutation is a
// few plain assignments), so a poisoned lock is still safe to use.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

fn window_delta(window: Duration) -> TimeDelta {
    TimeDelta::from_std(window).unwrap_or(TimeDelta::MAX)
}

fn page_bounds(page: PageRequest, total: usize) -> (usize, usize) {
    let offset = usize::try_from(page.offset())
        .unwrap_or(usize::MAX)
        .min(total);
    (offset, page.limit() as usize)
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self {
            hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            guilds: RwLock::default(),
            users: RwLock::default(),
            tools: RwLock::default(),
            unlocks: Mutex::default(),
            settings: Mutex::default(),
            idempotency_window: window_delta(DEFAULT_IDEMPOTENCY_WINDOW),
        }
    }

    /// How long an idempotency key replays its first grant (default
    /// [`DEFAULT_IDEMPOTENCY_WINDOW`], 24 h). A member's expired keys are dropped at their
    /// next keyed award, so the store holds at most one window of keys per member.
    ///
    /// ```
    /// use std::time::Duration;
    /// use leveling_storage_memory::MemoryStore;
    ///
    /// let store = MemoryStore::new().idempotency_window(Duration::from_secs(3600));
    /// ```
    pub fn idempotency_window(mut self, window: Duration) -> Self {
        self.idempotency_window = window_delta(window);
        self
    }

    fn shard(&self, id: MemberId) -> MutexGuard<'_, Members> {
        lock(&self.shards[self.hasher.hash_one(id) as usize % SHARDS])
    }

    fn guild(&self, guild: GuildId) -> Guild {
        if let Some(index) = read(&self.guilds).get(&guild) {
            return index.clone();
        }
        write(&self.guilds)
            .entry(guild)
            .or_insert_with(|| Arc::new(Mutex::new(RankIndex::new())))
            .clone()
    }

    /// Runs `change` on a member (created when absent) and moves them in the rank index.
    /// The shard lock is held throughout, so index updates of one member never reorder.
    fn update<T>(
        &self,
        id: MemberId,
        now: DateTime<Utc>,
        change: impl FnOnce(&mut MemberState) -> T,
    ) -> T {
        let mut shard = self.shard(id);
        let (is_new, state) = match shard.entry(id) {
            Entry::Occupied(entry) => (false, entry.into_mut()),
            Entry::Vacant(entry) => (true, entry.insert(MemberState::new(now))),
        };
        let before = state.rank_key(id.user);
        let result = change(state);
        let after = state.rank_key(id.user);
        if is_new && state.history.is_empty() {
            // Nothing was granted to a member who did not exist: they still do not.
            shard.remove(&id);
        } else if is_new || before != after {
            self.reindex(id.guild, (!is_new).then_some(&before), Some(after));
        }
        result
    }

    /// Moves a member in their guild's rank index: out of `before`, into `after`. Called
    /// with the member's shard locked (lock order: shard, the guild map, the index).
    fn reindex(&self, guild: GuildId, before: Option<&RankKey>, after: Option<RankKey>) {
        let move_in = |index: &Mutex<RankIndex<RankKey>>| {
            let mut index = lock(index);
            if let Some(before) = before {
                index.remove(before);
            }
            if let Some(after) = after {
                index.insert(after);
            }
        };
        let guilds = read(&self.guilds);
        match guilds.get(&guild) {
            Some(index) => move_in(index),
            None => {
                drop(guilds);
                move_in(&self.guild(guild));
            }
        }
    }
}
