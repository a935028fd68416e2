-- leveling: the SQLite schema.
--
-- Ids (users, guilds) are u64 snowflakes stored in INTEGER with the top bit flipped
-- (stored = id XOR 2^63 as i64), which keeps u64 order under INTEGER order: leaderboard
-- ties and user lists sort by the real id. Times are INTEGER microseconds since
-- 1970-01-01 UTC. Sources and unlock reasons are stored by name ('message', 'grant').

-- Marks the file as a leveling database ('LVL1'): `SqliteStore::open` refuses a file with
-- tables but without this mark, rather than adding its tables to another program's data.
PRAGMA application_id = 1280724017;

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    display_name TEXT,
    avatar_url TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- One user's progress in one guild. Level, tier and progress are derived from xp.
CREATE TABLE members (
    guild INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    xp INTEGER NOT NULL CHECK (xp >= 0),
    xp_reached_at INTEGER NOT NULL,
    -- Streak: the day (days since 1970-01-01 in the configured zone) of the last daily
    -- claim and the length of the run ending there.
    streak_day INTEGER,
    streak_days INTEGER NOT NULL DEFAULT 0 CHECK (streak_days >= 0),
    -- Per-source cooldowns as a JSON object: source name -> when it pays again (µs).
    cooldowns TEXT NOT NULL DEFAULT '{}',
    -- The rank bucket of xp: isqrt(16·(xp + 16384)) − 512 (see the crate README).
    bucket INTEGER NOT NULL,
    PRIMARY KEY (guild, user_id)
) WITHOUT ROWID;

-- The leaderboard order (bucket is monotone in xp, so this is xp order); also serves a
-- member's position inside their bucket.
CREATE INDEX members_leaderboard ON members (guild, bucket DESC, xp DESC, xp_reached_at, user_id);

-- How many members of a guild are in each rank bucket, and in each group of 128 buckets
-- (bucket >> 7). Kept exact by the transaction that moves a member.
CREATE TABLE rank_buckets (
    guild INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    members INTEGER NOT NULL,
    PRIMARY KEY (guild, bucket)
) WITHOUT ROWID;

CREATE TABLE rank_groups (
    guild INTEGER NOT NULL,
    grp INTEGER NOT NULL,
    members INTEGER NOT NULL,
    PRIMARY KEY (guild, grp)
) WITHOUT ROWID;

-- Every granted award and admin change; id is the insertion order.
CREATE TABLE xp_history (
    id INTEGER PRIMARY KEY,
    guild INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    amount INTEGER NOT NULL,
    source TEXT NOT NULL,
    xp_before INTEGER NOT NULL,
    xp_after INTEGER NOT NULL,
    actor INTEGER,
    reason TEXT,
    created_at INTEGER NOT NULL,
    FOREIGN KEY (guild, user_id) REFERENCES members (guild, user_id)
);

CREATE INDEX xp_history_member ON xp_history (guild, user_id, id);

-- Granted awards by idempotency key, per member, with the outcome a retry gets back
-- (the `Granted` value as JSON). A key older than the store's idempotency window is
-- forgotten; keyed awards purge expired keys (by created_at).
CREATE TABLE idempotency_keys (
    guild INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    outcome TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (guild, user_id, key),
    FOREIGN KEY (guild, user_id) REFERENCES members (guild, user_id)
) WITHOUT ROWID;

CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

CREATE TABLE tools (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    tier TEXT NOT NULL,
    required_level INTEGER NOT NULL,
    url TEXT
);

-- Unlocks by level and admin grants.
CREATE TABLE tool_unlocks (
    guild INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    tool TEXT NOT NULL REFERENCES tools (id),
    reason TEXT NOT NULL,
    unlocked_at INTEGER NOT NULL,
    PRIMARY KEY (guild, user_id, tool, reason)
) WITHOUT ROWID;
