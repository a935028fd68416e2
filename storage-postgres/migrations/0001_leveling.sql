-- leveling: the PostgreSQL schema.
--
-- Ids (users, guilds) are u64 snowflakes stored in BIGINT with the top bit flipped
-- (stored = id XOR 2^63 as i64), which keeps u64 order under BIGINT order: leaderboard ties
-- and user lists sort by the real id. `leveling_id(stored)` gives the real id back for
-- humans reading the tables. Every object is created unqualified, in the first schema of
-- the connection's search_path.

CREATE FUNCTION leveling_id(stored BIGINT) RETURNS NUMERIC
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT stored::numeric + 9223372036854775808 $$;

-- The rank bucket of an XP total: floor(sqrt(xp)). Buckets are narrow where members
-- crowd (low XP) and wide where they are few; the function is monotone, so every member
-- of a higher bucket has more XP.
CREATE FUNCTION leveling_bucket(xp BIGINT) RETURNS BIGINT
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT floor(sqrt(xp::float8))::bigint $$;

CREATE TABLE users (
    id BIGINT PRIMARY KEY,
    username TEXT NOT NULL,
    display_name TEXT,
    avatar_url TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- One user's progress in one guild. Level, tier and progress are derived from xp.
CREATE TABLE members (
    guild BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    xp BIGINT NOT NULL CHECK (xp >= 0),
    xp_reached_at TIMESTAMPTZ NOT NULL,
    -- Streak: the day (days since 1970-01-01 in the configured zone) of the last daily
    -- claim and the length of the run ending there.
    streak_day BIGINT,
    streak_days BIGINT NOT NULL DEFAULT 0,
    -- Per-source cooldowns: when each source pays again, indexed by Source::index() + 1.
    -- Kept in the member row so an award locks and writes one row, not two.
    cooldown_until TIMESTAMPTZ[] NOT NULL DEFAULT array_fill(NULL::timestamptz, ARRAY[7]),
    -- The last award's XP before and its streak claim (NULL prev_xp: the row was just
    -- created). The award statement returns them: PostgreSQL 15 has no OLD in RETURNING.
    prev_xp BIGINT,
    claim_days BIGINT,
    PRIMARY KEY (guild, user_id)
);

-- The leaderboard order; also serves a member's rank within their XP bucket.
CREATE INDEX members_leaderboard ON members (guild, xp DESC, xp_reached_at, user_id);

-- How many members of a guild are in each XP bucket, kept exact by the award and admin
-- statements (touched only when a member enters the guild or changes bucket).
CREATE TABLE xp_buckets (
    guild BIGINT NOT NULL,
    bucket BIGINT NOT NULL,
    members BIGINT NOT NULL,
    PRIMARY KEY (guild, bucket)
);

CREATE TABLE xp_history (
    id BIGINT GENERATED ALWAYS AS IDENTITY,
    guild BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    source TEXT NOT NULL,
    xp_before BIGINT NOT NULL,
    xp_after BIGINT NOT NULL,
    actor BIGINT,
    reason TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (guild, user_id, id)
);

-- Granted awards by idempotency key, per member, with the outcome a retry gets back.
CREATE TABLE idempotency_keys (
    guild BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    key TEXT NOT NULL,
    xp_before BIGINT NOT NULL,
    xp_after BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    claim_days BIGINT,
    bonus NUMERIC(20, 0),
    streak_bonus NUMERIC(20, 0),
    created_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (guild, user_id, key)
);

CREATE TABLE tools (
    id TEXT COLLATE "C" PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    tier TEXT NOT NULL,
    required_level BIGINT NOT NULL,
    url TEXT
);

-- Unlocks by level and admin grants.
CREATE TABLE tool_unlocks (
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    guild BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    tool TEXT COLLATE "C" NOT NULL,
    reason TEXT NOT NULL,
    unlocked_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (guild, user_id, tool, reason)
);
