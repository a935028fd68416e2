//! The SQL statements. Every value is a bind parameter; nothing is formatted in.

/// The rank-bucket move of the members in CTE `g` (columns `guild`, `before`, `after`,
/// `fresh`): one row per bucket whose count changes. A macro, so the award and the admin
/// statement splice the same text with `concat!`.
macro_rules! bucket_moves {
    () => {
        r#"buckets AS (
    INSERT INTO xp_bucket_deltas (guild, bucket, delta)
    SELECT g.guild, v.bucket, sum(v.delta)
    FROM g CROSS JOIN LATERAL (VALUES
        (leveling_bucket(g.after), 1),
        (CASE WHEN g.fresh THEN NULL ELSE leveling_bucket(g.before) END, -1)
    ) AS v(bucket, delta)
    WHERE v.bucket IS NOT NULL
      AND (g.fresh OR leveling_bucket(g.after) <> leveling_bucket(g.before))
    GROUP BY g.guild, v.bucket
    HAVING sum(v.delta) <> 0
)"#
    };
}

/// Whether the award in `EXCLUDED` claims the day for the member row `m`: it carries a
/// day (activity), and the member has not claimed that day or a later one. The one
/// definition of the claim; the award's upsert asks it for the XP, the streak columns and
/// its `WHERE`.
macro_rules! claims_today {
    () => {
        "(EXCLUDED.streak_day IS NOT NULL AND (m.streak_day IS NULL OR m.streak_day < EXCLUDED.streak_day))"
    };
}

/// The streak length after a claim by the award in `EXCLUDED` (only meaningful where
/// [`claims_today!`] holds): one more than the member's when they claimed the day before,
/// else 1; capped at `u32::MAX` so the stored value always fits a `DailyClaim`.
macro_rules! claimed_streak {
    () => {
        "(CASE WHEN m.streak_day = EXCLUDED.streak_day - 1 THEN LEAST(m.streak_days + 1, 4294967295) ELSE 1 END)"
    };
}

/// Awards in one statement: for each request, the idempotency lookup, cooldown check,
/// daily / streak claim, XP add (saturating), history rows, cooldown restart, rank-bucket
/// move (appended to `xp_bucket_deltas`) and key insert. One request or many: the store
/// sends the awards that arrive while others are in flight as one batch (one round trip,
/// one commit), each request still all-or-nothing.
///
/// Binds are parallel arrays, one element per request: $1 guild, $2 user (encoded ids),
/// $3 source slot (`Source::index() + 1`), $4 amount (≤ MAX_XP), $5 cooldown in µs (NULL:
/// none), $6 today (NULL: no daily claim), $7 daily bonus (text, u64), $8 streak bonus per
/// day (text, u64), $9 streak cap days, $10 reason, $11 idempotency key, $12 now,
/// $13 source name; and one scalar, $14 the idempotency window in µs (a key older than
/// that is ignored). A batch holds each member at most once.
///
/// Concurrency (READ COMMITTED): the member row is the lock. `INSERT … ON CONFLICT DO
/// UPDATE … WHERE` evaluates the cooldown and the daily claim on the latest committed
/// version of the row, after waiting for any award in flight, so a cooldown lets exactly
/// one award through and concurrent additions never lose an update. Rows are taken in
/// (guild, user) order, so two batches never wait on each other in a cycle. A brand-new
/// member is created by the same statement (a concurrent first award falls into the
/// `DO UPDATE` branch). The update reads its request through `EXCLUDED.prev_xp`, which
/// carries the request's position as `-ord` (and, in a new row, marks it as new). A key
/// is inserted without `ON CONFLICT`: two concurrent grants with the same key make the
/// later one fail on the key's primary key, which rolls the statement back; the store
/// then retries and replays the first grant.
pub(crate) const AWARD: &str = concat!(
    r#"
WITH req AS (
    SELECT *
    FROM unnest($1::bigint[], $2::bigint[], $3::int[], $4::bigint[], $5::bigint[], $6::bigint[],
                $7::text[], $8::text[], $9::bigint[], $10::text[], $11::text[], $12::timestamptz[],
                $13::text[])
         WITH ORDINALITY
         AS r(guild, user_id, slot, amount, cooldown, today, bonus, per_day, cap, reason, key, at,
              source, ord)
),
prior_key AS (
    SELECT r.ord, k.xp_before, k.xp_after, k.amount, k.claim_days, k.bonus, k.streak_bonus
    FROM req AS r
    JOIN idempotency_keys AS k ON k.guild = r.guild AND k.user_id = r.user_id AND k.key = r.key
    WHERE k.created_at > r.at - $14::bigint * interval '1 microsecond'
),
cur AS (
    SELECT r.ord, m.xp, m.cooldown_until[r.slot] AS until, m.streak_day
    FROM req AS r
    JOIN members AS m ON m.guild = r.guild AND m.user_id = r.user_id
),
up AS (
    INSERT INTO members AS m
        (guild, user_id, xp, xp_reached_at, streak_day, streak_days, cooldown_until, prev_xp, claim_days)
    SELECT
        r.guild,
        r.user_id,
        LEAST(
            r.amount::numeric + CASE WHEN r.today IS NULL THEN 0
                ELSE r.bonus::numeric + LEAST(r.per_day::numeric * LEAST(1, r.cap), 9223372036854775807) END,
            9223372036854775807)::bigint,
        r.at,
        r.today,
        CASE WHEN r.today IS NULL THEN 0 ELSE 1 END,
        CASE WHEN r.cooldown IS NULL THEN '{}'::timestamptz[]
             ELSE array_fill(NULL::timestamptz, ARRAY[r.slot - 1])
                  || (r.at + r.cooldown * interval '1 microsecond') END,
        -r.ord,
        CASE WHEN r.today IS NULL THEN NULL ELSE 1 END
    FROM req AS r
    WHERE NOT EXISTS (SELECT 1 FROM prior_key AS p WHERE p.ord = r.ord)
      AND (r.amount > 0 OR r.today IS NOT NULL)
    ORDER BY r.guild, r.user_id
    ON CONFLICT (guild, user_id) DO UPDATE SET
        xp = LEAST(
            m.xp::numeric + ($4::bigint[])[-EXCLUDED.prev_xp::int]
            + CASE WHEN "#,
    claims_today!(),
    r#"
                   THEN ($7::text[])[-EXCLUDED.prev_xp::int]::numeric + LEAST(
                       ($8::text[])[-EXCLUDED.prev_xp::int]::numeric * LEAST(
                           "#,
    claimed_streak!(),
    r#",
                           ($9::bigint[])[-EXCLUDED.prev_xp::int]),
                       9223372036854775807)
                   ELSE 0 END,
            9223372036854775807)::bigint,
        prev_xp = m.xp,
        claim_days = CASE WHEN "#,
    claims_today!(),
    r#"
            THEN "#,
    claimed_streak!(),
    r#"
            END,
        streak_days = CASE WHEN "#,
    claims_today!(),
    r#"
            THEN "#,
    claimed_streak!(),
    r#"
            ELSE m.streak_days END,
        streak_day = CASE WHEN "#,
    claims_today!(),
    r#"
            THEN EXCLUDED.streak_day ELSE m.streak_day END,
        cooldown_until[($3::int[])[-EXCLUDED.prev_xp::int]] =
            CASE WHEN ($5::bigint[])[-EXCLUDED.prev_xp::int] IS NULL
                 THEN m.cooldown_until[($3::int[])[-EXCLUDED.prev_xp::int]]
                 ELSE EXCLUDED.xp_reached_at
                      + ($5::bigint[])[-EXCLUDED.prev_xp::int] * interval '1 microsecond' END,
        xp_reached_at = EXCLUDED.xp_reached_at
    WHERE (m.cooldown_until[($3::int[])[-EXCLUDED.prev_xp::int]] IS NULL
           OR m.cooldown_until[($3::int[])[-EXCLUDED.prev_xp::int]] <= EXCLUDED.xp_reached_at)
      AND (($4::bigint[])[-EXCLUDED.prev_xp::int] > 0
           OR ("#,
    claims_today!(),
    r#"))
    RETURNING m.guild, m.user_id, m.xp, m.prev_xp, m.claim_days
),
g AS (
    SELECT x.*, COALESCE(LEAST(x.sb, 9223372036854775807 - x.before - x.a - x.b), 0)::bigint AS s
    FROM (
        SELECT y.*,
               CASE WHEN y.claim_days IS NULL THEN 0
                    ELSE LEAST(y.bonus::numeric, 9223372036854775807 - y.before - y.a)::bigint END AS b
        FROM (
            SELECT r.ord, r.guild, r.user_id, r.amount, r.bonus, r.reason, r.key, r.at, r.source,
                   up.xp AS after, up.prev_xp < 0 AS fresh, GREATEST(up.prev_xp, 0) AS before,
                   up.claim_days,
                   LEAST(r.amount, 9223372036854775807 - GREATEST(up.prev_xp, 0)) AS a,
                   CASE WHEN up.claim_days IS NULL THEN NULL
                        ELSE LEAST(r.per_day::numeric * LEAST(up.claim_days, r.cap), 18446744073709551615)
                   END AS sb
            FROM up
            JOIN req AS r ON r.guild = up.guild AND r.user_id = up.user_id
        ) AS y
    ) AS x
),
hist AS (
    INSERT INTO xp_history (guild, user_id, amount, source, xp_before, xp_after, actor, reason, created_at)
    SELECT g.guild, g.user_id, v.amount, v.source, v.before, v.before + v.amount, NULL, v.reason, g.at
    FROM g CROSS JOIN LATERAL (VALUES
        (1, g.amount > 0, g.source, g.before, g.a, g.reason),
        (2, g.claim_days IS NOT NULL AND g.bonus::numeric > 0, 'daily', g.before + g.a, g.b, NULL),
        (3, g.claim_days IS NOT NULL AND g.sb > 0, 'streak', g.before + g.a + g.b, g.s, NULL)
    ) AS v(ord, keep, source, before, amount, reason)
    WHERE v.keep
    ORDER BY g.ord, v.ord
),
"#,
    bucket_moves!(),
    r#",
new_key AS (
    INSERT INTO idempotency_keys
        (guild, user_id, key, xp_before, xp_after, amount, claim_days, bonus, streak_bonus, created_at)
    SELECT g.guild, g.user_id, g.key, g.before, g.after, g.a, g.claim_days,
           CASE WHEN g.claim_days IS NULL THEN NULL ELSE g.bonus::numeric END, g.sb, g.at
    FROM g
    WHERE g.key IS NOT NULL
)
SELECT
    r.ord,
    pk.xp_before AS key_xp_before, pk.xp_after AS key_xp_after, pk.amount AS key_amount,
    pk.claim_days AS key_claim_days, pk.bonus::text AS key_bonus, pk.streak_bonus::text AS key_streak_bonus,
    g.before AS granted_before, g.after AS granted_after, g.a AS granted_amount,
    g.claim_days AS granted_claim_days,
    c.xp AS cur_xp, c.until AS cur_until, c.streak_day AS cur_streak_day
FROM req AS r
LEFT JOIN prior_key AS pk ON pk.ord = r.ord
LEFT JOIN g ON g.ord = r.ord
LEFT JOIN cur AS c ON c.ord = r.ord
ORDER BY r.ord
"#
);

/// An admin change in one statement: the member (created when needed), its history row
/// and its rank-bucket move.
///
/// Binds: $1 guild, $2 user, $3 delta for `Add` (NULL otherwise), $4 total for `Set`
/// (NULL otherwise), $5 reset, $6 actor (encoded, NULL), $7 reason, $8 now.
pub(crate) const ADJUST: &str = concat!(
    r#"
WITH up AS (
    INSERT INTO members AS m (guild, user_id, xp, xp_reached_at, streak_day, streak_days, prev_xp, claim_days)
    VALUES (
        $1::bigint, $2::bigint,
        CASE WHEN $5::bool THEN 0
             WHEN $4::bigint IS NOT NULL THEN $4::bigint
             ELSE GREATEST(LEAST($3::bigint::numeric, 9223372036854775807), 0)::bigint END,
        $8::timestamptz, NULL, 0, NULL, NULL)
    ON CONFLICT (guild, user_id) DO UPDATE SET
        xp = CASE WHEN $5::bool THEN 0
                  WHEN $4::bigint IS NOT NULL THEN $4::bigint
                  ELSE GREATEST(LEAST(m.xp::numeric + $3::bigint, 9223372036854775807), 0)::bigint END,
        prev_xp = m.xp,
        claim_days = NULL,
        streak_day = CASE WHEN $5::bool THEN NULL ELSE m.streak_day END,
        streak_days = CASE WHEN $5::bool THEN 0 ELSE m.streak_days END,
        xp_reached_at = CASE
            WHEN m.xp = (CASE WHEN $5::bool THEN 0
                              WHEN $4::bigint IS NOT NULL THEN $4::bigint
                              ELSE GREATEST(LEAST(m.xp::numeric + $3::bigint, 9223372036854775807), 0)::bigint END)
            THEN m.xp_reached_at ELSE $8::timestamptz END
    RETURNING m.xp, m.prev_xp
),
g AS (
    SELECT $1::bigint AS guild, up.xp AS after, COALESCE(up.prev_xp, 0) AS before,
           up.prev_xp IS NULL AS fresh
    FROM up
),
hist AS (
    INSERT INTO xp_history (guild, user_id, amount, source, xp_before, xp_after, actor, reason, created_at)
    SELECT $1::bigint, $2::bigint, g.after - g.before, 'admin', g.before, g.after, $6::bigint, $7::text, $8::timestamptz
    FROM g
),
"#,
    bucket_moves!(),
    r#"
SELECT g.before, g.after FROM g
"#
);

/// A member's 1-based position: members in higher XP buckets (groups of 128 buckets above
/// theirs from `xp_bucket_groups`, buckets above theirs in their group from `xp_buckets`,
/// and the unfolded moves from `xp_bucket_deltas`), plus
/// those above them in their own bucket, plus those tied on XP who got there first.
/// Binds: $1 guild, $2 user.
pub(crate) const RANK: &str = r#"
WITH me AS (
    SELECT xp, xp_reached_at, user_id, leveling_bucket(xp) AS b
    FROM members WHERE guild = $1::bigint AND user_id = $2::bigint
)
SELECT (1
    + COALESCE((SELECT sum(c.members) FROM xp_bucket_groups AS c
                WHERE c.guild = $1::bigint AND c.grp > me.b >> 7), 0)
    + COALESCE((SELECT sum(x.members) FROM xp_buckets AS x
                WHERE x.guild = $1::bigint AND x.bucket > me.b AND x.bucket < ((me.b >> 7) + 1) << 7), 0)
    + COALESCE((SELECT sum(d.delta) FROM xp_bucket_deltas AS d
                WHERE d.guild = $1::bigint AND d.bucket > me.b), 0)
    + (SELECT count(*) FROM members AS o
       WHERE o.guild = $1::bigint
         AND o.xp > me.xp
         AND o.xp <= leveling_bucket_ceiling(me.b)
         AND leveling_bucket(o.xp) = me.b)
    + (SELECT count(*) FROM members AS o
       WHERE o.guild = $1::bigint AND o.xp = me.xp
         AND (o.xp_reached_at, o.user_id) < (me.xp_reached_at, me.user_id))
    )::bigint AS rank
FROM me
"#;

/// A page of a guild's leaderboard. Binds: $1 guild, $2 limit, $3 offset.
pub(crate) const LEADERBOARD: &str = r#"
SELECT m.user_id, m.xp, u.username, u.display_name, u.avatar_url, u.leaderboard_hidden
FROM members AS m
LEFT JOIN users AS u ON u.id = m.user_id
WHERE m.guild = $1::bigint
ORDER BY m.xp DESC, m.xp_reached_at, m.user_id
LIMIT $2::bigint OFFSET $3::bigint
"#;

/// A deep page of a guild's leaderboard: the bucket counts find the bucket holding
/// position `offset + 1`, and the index scan starts at that bucket instead of walking
/// every member above it. Binds: $1 guild, $2 limit, $3 offset.
pub(crate) const LEADERBOARD_DEEP: &str = r#"
WITH counts AS (
    SELECT bucket, sum(n) AS members
    FROM (SELECT bucket, members AS n FROM xp_buckets WHERE guild = $1::bigint
          UNION ALL
          SELECT bucket, delta FROM xp_bucket_deltas WHERE guild = $1::bigint) AS t
    GROUP BY bucket
    HAVING sum(n) <> 0
),
b AS (
    SELECT bucket,
           COALESCE(sum(members) OVER (ORDER BY bucket DESC
                                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS above
    FROM counts
),
start AS (
    SELECT bucket, above,
           leveling_bucket_ceiling(bucket) AS hi
    FROM b WHERE above <= $3::bigint
    ORDER BY bucket ASC
    LIMIT 1
)
SELECT m.user_id, m.xp, u.username, u.display_name, u.avatar_url, u.leaderboard_hidden
FROM members AS m
LEFT JOIN users AS u ON u.id = m.user_id
WHERE m.guild = $1::bigint
  AND m.xp <= (SELECT hi FROM start)
  AND leveling_bucket(m.xp) <= (SELECT bucket FROM start)
ORDER BY m.xp DESC, m.xp_reached_at, m.user_id
LIMIT $2::bigint OFFSET (SELECT $3::bigint - above FROM start)
"#;

/// A guild's member count, from the bucket counts. Binds: $1 guild.
pub(crate) const GUILD_MEMBERS: &str = r#"
SELECT (COALESCE((SELECT sum(members) FROM xp_bucket_groups WHERE guild = $1::bigint), 0)
      + COALESCE((SELECT sum(delta) FROM xp_bucket_deltas WHERE guild = $1::bigint), 0))::bigint
"#;

/// Folds the appended bucket moves into the per-bucket counts, in one transaction (the
/// rows deleted are exactly the rows added), locking bucket rows in key order.
pub(crate) const COMPACT_BUCKETS: &str = r#"
WITH moved AS (
    DELETE FROM xp_bucket_deltas RETURNING guild, bucket, delta
),
fine AS (
    INSERT INTO xp_buckets AS x (guild, bucket, members)
    SELECT guild, bucket, sum(delta) FROM moved
    GROUP BY guild, bucket
    HAVING sum(delta) <> 0
    ORDER BY guild, bucket
    ON CONFLICT (guild, bucket) DO UPDATE SET members = x.members + EXCLUDED.members
    RETURNING 1
)
INSERT INTO xp_bucket_groups AS c (guild, grp, members)
SELECT guild, bucket >> 7, sum(delta) FROM moved
GROUP BY guild, bucket >> 7
HAVING sum(delta) <> 0
ORDER BY guild, bucket >> 7
ON CONFLICT (guild, grp) DO UPDATE SET members = c.members + EXCLUDED.members
"#;

/// A member. Binds: $1 guild, $2 user.
pub(crate) const MEMBER: &str = r#"
SELECT xp, streak_day, streak_days, xp_reached_at
FROM members WHERE guild = $1::bigint AND user_id = $2::bigint
"#;

/// A page of a member's history, newest first. Binds: $1 guild, $2 user, $3 limit, $4 offset.
pub(crate) const HISTORY: &str = r#"
SELECT amount, source, xp_before, xp_after, actor, reason, created_at
FROM xp_history
WHERE guild = $1::bigint AND user_id = $2::bigint
ORDER BY id DESC
LIMIT $3::bigint OFFSET $4::bigint
"#;

/// A member's history length. Binds: $1 guild, $2 user.
pub(crate) const HISTORY_COUNT: &str =
    "SELECT count(*) FROM xp_history WHERE guild = $1::bigint AND user_id = $2::bigint";

/// Creates or updates a profile. Binds: $1 id, $2 username, $3 display name, $4 avatar, $5 now.
pub(crate) const UPSERT_USER: &str = r#"
INSERT INTO users AS u (id, username, display_name, avatar_url, created_at, updated_at)
VALUES ($1::bigint, $2::text, $3::text, $4::text, $5::timestamptz, $5::timestamptz)
ON CONFLICT (id) DO UPDATE SET
    username = EXCLUDED.username,
    display_name = COALESCE(EXCLUDED.display_name, u.display_name),
    avatar_url = COALESCE(EXCLUDED.avatar_url, u.avatar_url),
    updated_at = EXCLUDED.updated_at
RETURNING u.id, u.username, u.display_name, u.avatar_url, u.leaderboard_hidden, u.created_at, u.updated_at, (u.xmax = 0) AS created
"#;

/// Patches a profile. Binds: $1 id, $2 username (NULL: keep), $3 set display name?,
/// $4 display name, $5 set avatar?, $6 avatar, $7 now, $8 hidden (NULL: keep).
pub(crate) const UPDATE_USER: &str = r#"
UPDATE users AS u SET
    username = COALESCE($2::text, u.username),
    display_name = CASE WHEN $3::bool THEN $4::text ELSE u.display_name END,
    avatar_url = CASE WHEN $5::bool THEN $6::text ELSE u.avatar_url END,
    leaderboard_hidden = COALESCE($8::bool, u.leaderboard_hidden),
    updated_at = $7::timestamptz
WHERE u.id = $1::bigint
RETURNING u.id, u.username, u.display_name, u.avatar_url, u.leaderboard_hidden, u.created_at, u.updated_at
"#;

/// A profile. Binds: $1 id.
pub(crate) const USER: &str = r#"
SELECT id, username, display_name, avatar_url, leaderboard_hidden, created_at, updated_at FROM users WHERE id = $1::bigint
"#;

/// A page of profiles by id. Binds: $1 limit, $2 offset.
pub(crate) const USERS: &str = r#"
SELECT id, username, display_name, avatar_url, leaderboard_hidden, created_at, updated_at
FROM users ORDER BY id LIMIT $1::bigint OFFSET $2::bigint
"#;

/// The number of profiles.
pub(crate) const USER_COUNT: &str = "SELECT count(*) FROM users";

/// Adds a tool unless the id is taken. Binds: id, name, description, tier, level, url.
pub(crate) const CREATE_TOOL: &str = r#"
INSERT INTO tools (id, name, description, tier, required_level, url)
VALUES ($1::text, $2::text, $3::text, $4::text, $5::bigint, $6::text)
ON CONFLICT (id) DO NOTHING
RETURNING 1
"#;

/// The catalog.
pub(crate) const TOOLS: &str = r#"
SELECT id, name, description, tier, required_level, url FROM tools ORDER BY required_level, id
"#;

/// Records an unlock once. Binds: $1 guild, $2 user, $3 tool, $4 reason, $5 at.
pub(crate) const RECORD_UNLOCK: &str = r#"
INSERT INTO tool_unlocks (guild, user_id, tool, reason, unlocked_at)
VALUES ($1::bigint, $2::bigint, $3::text, $4::text, $5::timestamptz)
ON CONFLICT (guild, user_id, tool, reason) DO NOTHING
RETURNING 1
"#;

/// A member's unlocks in the order they were recorded. Binds: $1 guild, $2 user.
pub(crate) const UNLOCKS: &str = r#"
SELECT tool, reason, unlocked_at FROM tool_unlocks
WHERE guild = $1::bigint AND user_id = $2::bigint ORDER BY seq
"#;

/// Totals (a scan of the members table: for dashboards, not for a hot path).
pub(crate) const STATS: &str = r#"
SELECT (SELECT count(*) FROM members) AS members,
       (SELECT count(*) FROM users) AS users,
       (SELECT COALESCE(sum(xp), 0)::text FROM members) AS total_xp
"#;

/// Deletes one member's key when it has expired, so a new grant can take it: $1 guild,
/// $2 user, $3 key, $4 the award's time, $5 the window in µs.
pub(crate) const DELETE_EXPIRED_KEY: &str = "DELETE FROM idempotency_keys \
    WHERE guild = $1 AND user_id = $2 AND key = $3 \
    AND created_at <= $4 - $5::bigint * interval '1 microsecond'";

/// Deletes every expired key: $1 the window in µs. "Expired" is measured from the newest
/// key, not the database's clock: awards carry the engine's clock, and a key is dead once
/// a key a whole window newer exists (the index on `created_at` makes the max cheap).
pub(crate) const PURGE_EXPIRED_KEYS: &str = "DELETE FROM idempotency_keys \
    WHERE created_at <= (SELECT max(created_at) FROM idempotency_keys) \
        - $1::bigint * interval '1 microsecond'";

/// Takes the next store-wide settings version. The first statement of every settings
/// write: the row lock it holds until commit serializes settings writes, so versions are
/// assigned in commit order. A sequence would not be enough: `nextval` is never rolled
/// back nor held, so a write could take version 5, another 6 and commit first, and a cache
/// that saw 6 and then polls "changed after 6" would never see 5 commit. Holding the
/// counter's row lock, a write's version is greater than every committed one and no
/// other write can commit until it does.
pub(crate) const NEXT_SETTINGS_VERSION: &str =
    "UPDATE settings_version SET version = version + 1 RETURNING version";

/// Writes a guild's settings row and appends its audit entry, if the row is still at the
/// expected version; no row returned (nothing written) otherwise. Run after
/// [`NEXT_SETTINGS_VERSION`] in the same transaction, as its own statement: its snapshot
/// is then taken after the counter's lock was granted, so it sees every settings write
/// committed before (a CTE sharing the counter's statement would read a snapshot from
/// before the wait). The row is locked (`FOR UPDATE`) all the same, and the update
/// checks the version again.
///
/// Binds: $1 guild, $2 settings (JSON text, NULL: reset), $3 now, $4 the new version,
/// $5 expected version (NULL: no row), $6 actor (NULL: the system), $7 before, $8 after
/// (JSON text).
pub(crate) const SAVE_SETTINGS: &str = r#"
WITH cur AS (
    SELECT version FROM guild_settings WHERE guild = $1::bigint FOR UPDATE
),
saved AS (
    INSERT INTO guild_settings AS g (guild, settings, updated_at, version)
    SELECT $1::bigint, $2::text, $3::timestamptz, $4::bigint
    WHERE (SELECT version FROM cur) IS NOT DISTINCT FROM $5::bigint
    ON CONFLICT (guild) DO UPDATE SET
        settings = EXCLUDED.settings,
        updated_at = EXCLUDED.updated_at,
        version = EXCLUDED.version
    WHERE g.version = $5::bigint
    RETURNING g.guild, g.settings, g.updated_at, g.version
),
audit AS (
    INSERT INTO settings_audit (guild, actor, changed_at, before, after)
    SELECT s.guild, $6::bigint, $3::timestamptz, $7::text, $8::text FROM saved AS s
)
SELECT guild, settings, updated_at, version FROM saved
"#;

/// A guild's settings row. Binds: $1 guild.
pub(crate) const GUILD_SETTINGS: &str = r#"
SELECT guild, settings, updated_at, version FROM guild_settings WHERE guild = $1::bigint
"#;

/// The settings rows written after a version, by version. Binds: $1 after, $2 limit.
pub(crate) const SETTINGS_CHANGED: &str = r#"
SELECT guild, settings, updated_at, version FROM guild_settings
WHERE version > $1::bigint
ORDER BY version
LIMIT $2::bigint
"#;

/// A page of a guild's settings audit log, newest first. Binds: $1 guild, $2 limit,
/// $3 offset.
pub(crate) const SETTINGS_AUDIT: &str = r#"
SELECT actor, changed_at, before, after FROM settings_audit
WHERE guild = $1::bigint
ORDER BY id DESC
LIMIT $2::bigint OFFSET $3::bigint
"#;

/// A guild's settings audit log length. Binds: $1 guild.
pub(crate) const SETTINGS_AUDIT_COUNT: &str =
    "SELECT count(*) FROM settings_audit WHERE guild = $1::bigint";

/// An import batch into one guild in one statement: the members (created when absent),
/// one `import` history row each that changed, and their rank-bucket moves.
///
/// Binds: $1 guild, $2 users (encoded), $3 the records' XP (≤ MAX_XP), $4 add (true) or
/// replace (false), $5 now, $6 reason. A batch holds each user at most once.
///
/// Only records that can change something reach the upsert: a positive XP (add or
/// replace); a replace to 0 is an `UPDATE` of an existing member (an upsert would create
/// a 0-XP member, which an import never does). The upsert's `WHERE` skips a member whose
/// XP would not change, evaluated on the locked, latest row, so concurrent awards and
/// imports add up exactly and a repeated replace writes nothing. The update sets
/// `prev_xp` to the XP before (a new row keeps NULL), the same convention as the award
/// and admin statements: PostgreSQL 15 has no OLD in RETURNING.
///
/// A replace whose member already has the record's XP in the statement's snapshot is
/// left out before the upsert: re-running an import then reads its members instead of
/// locking (writing) every row. That is still exact: a change the snapshot does not see
/// committed after the statement began, so the import is ordered before it.
///
/// Members are looked up by primary key, one probe per record (a correlated subquery and
/// `= ANY`), never by a join the planner could turn into a scan of the whole guild.
///
/// One row per record, in order: `before`/`after` when the member changed; otherwise
/// `cur_xp` (the member's XP as the statement's snapshot saw it; read for every replace
/// and for an `add` of 0, the one no-op whose XP the record does not determine).
pub(crate) const IMPORT: &str = concat!(
    r#"
WITH req AS (
    SELECT * FROM unnest($2::bigint[], $3::bigint[]) WITH ORDINALITY AS r(user_id, xp, ord)
),
cur AS (
    SELECT r.ord,
           (SELECT m.xp FROM members AS m WHERE m.guild = $1::bigint AND m.user_id = r.user_id) AS xp
    FROM req AS r
    WHERE NOT $4::bool OR r.xp = 0
),
up AS (
    INSERT INTO members AS m
        (guild, user_id, xp, xp_reached_at, streak_day, streak_days, prev_xp, claim_days)
    SELECT $1::bigint, r.user_id, r.xp, $5::timestamptz, NULL, 0, NULL, NULL
    FROM req AS r
    WHERE r.xp > 0 AND NOT EXISTS (SELECT 1 FROM cur AS c WHERE c.ord = r.ord AND c.xp = r.xp)
    ORDER BY r.user_id
    ON CONFLICT (guild, user_id) DO UPDATE SET
        xp = CASE WHEN $4::bool THEN LEAST(m.xp::numeric + EXCLUDED.xp, 9223372036854775807)::bigint
                  ELSE EXCLUDED.xp END,
        prev_xp = m.xp,
        claim_days = NULL,
        xp_reached_at = EXCLUDED.xp_reached_at
    WHERE m.xp <> CASE WHEN $4::bool THEN LEAST(m.xp::numeric + EXCLUDED.xp, 9223372036854775807)::bigint
                       ELSE EXCLUDED.xp END
    RETURNING m.user_id, m.xp, m.prev_xp
),
zeroed AS (
    UPDATE members AS m SET xp = 0, prev_xp = m.xp, claim_days = NULL, xp_reached_at = $5::timestamptz
    WHERE m.guild = $1::bigint
      AND m.user_id = ANY(ARRAY(SELECT r.user_id FROM req AS r WHERE NOT $4::bool AND r.xp = 0))
      AND m.xp <> 0
    RETURNING m.user_id, m.xp, m.prev_xp
),
g AS (
    SELECT $1::bigint AS guild, c.user_id, c.xp AS after, COALESCE(c.prev_xp, 0) AS before,
           c.prev_xp IS NULL AS fresh
    FROM (SELECT * FROM up UNION ALL SELECT * FROM zeroed) AS c
),
hist AS (
    INSERT INTO xp_history (guild, user_id, amount, source, xp_before, xp_after, actor, reason, created_at)
    SELECT g.guild, g.user_id, g.after - g.before, 'import', g.before, g.after, NULL, $6::text, $5::timestamptz
    FROM g
),
"#,
    bucket_moves!(),
    r#"
SELECT r.ord, g.before, g.after, c.xp AS cur_xp
FROM req AS r
LEFT JOIN g ON g.user_id = r.user_id
LEFT JOIN cur AS c ON c.ord = r.ord
ORDER BY r.ord
"#
);

/// Writes restored profiles as given (timestamps and the hidden flag included), in id
/// order. Binds: parallel arrays $1 id, $2 username, $3 display name, $4 avatar,
/// $5 hidden, $6 created, $7 updated.
pub(crate) const RESTORE_USERS: &str = r#"
INSERT INTO users AS u (id, username, display_name, avatar_url, leaderboard_hidden, created_at, updated_at)
SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bool[],
                     $6::timestamptz[], $7::timestamptz[])
ORDER BY 1
ON CONFLICT (id) DO UPDATE SET
    username = EXCLUDED.username,
    display_name = EXCLUDED.display_name,
    avatar_url = EXCLUDED.avatar_url,
    leaderboard_hidden = EXCLUDED.leaderboard_hidden,
    created_at = EXCLUDED.created_at,
    updated_at = EXCLUDED.updated_at
WHERE (u.username, u.display_name, u.avatar_url, u.leaderboard_hidden, u.created_at, u.updated_at)
      IS DISTINCT FROM
      (EXCLUDED.username, EXCLUDED.display_name, EXCLUDED.avatar_url, EXCLUDED.leaderboard_hidden,
       EXCLUDED.created_at, EXCLUDED.updated_at)
"#;

/// Writes restored members' state exactly (XP, streak, when the XP was reached) with
/// their rank-bucket moves; cooldowns stay (a new row gets none). Rows are locked in
/// (guild, user) order, as the award statement takes them; an unchanged member is not
/// written. Binds: parallel arrays $1 guild, $2 user, $3 xp, $4 reached at, $5 streak day
/// (NULL: never claimed), $6 streak days.
pub(crate) const RESTORE_MEMBERS: &str = concat!(
    r#"
WITH up AS (
    INSERT INTO members AS m
        (guild, user_id, xp, xp_reached_at, streak_day, streak_days, prev_xp, claim_days)
    SELECT r.guild, r.user_id, r.xp, r.reached, r.day, r.days, NULL, NULL
    FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::timestamptz[], $5::bigint[], $6::bigint[])
         AS r(guild, user_id, xp, reached, day, days)
    ORDER BY r.guild, r.user_id
    ON CONFLICT (guild, user_id) DO UPDATE SET
        xp = EXCLUDED.xp,
        xp_reached_at = EXCLUDED.xp_reached_at,
        streak_day = EXCLUDED.streak_day,
        streak_days = EXCLUDED.streak_days,
        prev_xp = m.xp,
        claim_days = NULL
    WHERE (m.xp, m.xp_reached_at, m.streak_day, m.streak_days)
          IS DISTINCT FROM
          (EXCLUDED.xp, EXCLUDED.xp_reached_at, EXCLUDED.streak_day, EXCLUDED.streak_days)
    RETURNING m.guild, m.xp, m.prev_xp
),
g AS (
    SELECT up.guild, up.xp AS after, COALESCE(up.prev_xp, 0) AS before, up.prev_xp IS NULL AS fresh
    FROM up
),
"#,
    bucket_moves!(),
    r#"
SELECT count(*) FROM g
"#
);

/// Replaces restored members' history with the backup's rows, inserted oldest first so
/// the identity order (the read order) is the backup's. Run after [`RESTORE_MEMBERS`] in
/// the same transaction: the member rows are locked by then, and this statement's
/// snapshot, taken after the locks were granted, sees every award's history committed
/// before them. The `= ANY` conditions keep the deletion on the primary key (probes per
/// guild × user, then the exact pairs), not a join over the whole table. Binds: $1 guild,
/// $2 user (the members, parallel arrays); then the rows as
/// parallel arrays, oldest first: $3 guild, $4 user, $5 amount, $6 source, $7 xp before,
/// $8 xp after, $9 actor, $10 reason, $11 created at.
pub(crate) const RESTORE_HISTORY: &str = r#"
WITH gone AS (
    DELETE FROM xp_history AS h
    WHERE h.guild = ANY($1::bigint[]) AND h.user_id = ANY($2::bigint[])
      AND (h.guild, h.user_id) IN (SELECT * FROM unnest($1::bigint[], $2::bigint[]))
)
INSERT INTO xp_history (guild, user_id, amount, source, xp_before, xp_after, actor, reason, created_at)
SELECT r.guild, r.user_id, r.amount, r.source, r.xp_before, r.xp_after, r.actor, r.reason, r.created_at
FROM unnest($3::bigint[], $4::bigint[], $5::bigint[], $6::text[], $7::bigint[], $8::bigint[],
            $9::bigint[], $10::text[], $11::timestamptz[])
     WITH ORDINALITY
     AS r(guild, user_id, amount, source, xp_before, xp_after, actor, reason, created_at, ord)
ORDER BY r.ord
"#;

/// Records restored unlocks where missing, in the backup's order (the read order).
/// Binds: parallel arrays $1 guild, $2 user, $3 tool, $4 reason, $5 at.
pub(crate) const RESTORE_UNLOCKS: &str = r#"
INSERT INTO tool_unlocks (guild, user_id, tool, reason, unlocked_at)
SELECT r.guild, r.user_id, r.tool, r.reason, r.at
FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::timestamptz[])
     WITH ORDINALITY AS r(guild, user_id, tool, reason, at, ord)
ORDER BY r.ord
ON CONFLICT (guild, user_id, tool, reason) DO NOTHING
"#;

/// The member columns the transfer reads return.
macro_rules! member_columns {
    () => {
        "SELECT guild, user_id, xp, streak_day, streak_days, xp_reached_at FROM members "
    };
}

/// The first members of the store by (guild, user). Binds: $1 limit.
pub(crate) const MEMBERS_FIRST: &str = concat!(
    member_columns!(),
    "ORDER BY guild, user_id LIMIT $1::bigint"
);

/// Members after (guild, user) $1, $2, by (guild, user) (the primary key's order). Binds:
/// $3 limit.
pub(crate) const MEMBERS_AFTER: &str = concat!(
    member_columns!(),
    "WHERE (guild, user_id) > ($1::bigint, $2::bigint) ORDER BY guild, user_id LIMIT $3::bigint"
);

/// The first members of guild $1, by user. Binds: $2 limit.
pub(crate) const GUILD_MEMBERS_FIRST: &str = concat!(
    member_columns!(),
    "WHERE guild = $1::bigint ORDER BY guild, user_id LIMIT $2::bigint"
);

/// Members of guild $1 after (guild, user) $2, $3, by user. Binds: $4 limit.
pub(crate) const GUILD_MEMBERS_AFTER: &str = concat!(
    member_columns!(),
    "WHERE guild = $1::bigint AND (guild, user_id) > ($2::bigint, $3::bigint) \
     ORDER BY guild, user_id LIMIT $4::bigint"
);

/// Every membership of user $1, by guild (index `members_user`).
pub(crate) const USER_MEMBERS: &str = concat!(
    member_columns!(),
    "WHERE user_id = $1::bigint ORDER BY guild"
);

/// Deletes a user's members in every guild with their rank-bucket moves (from the rows
/// as deleted, the latest versions), and returns the guilds. The first statement of
/// [`FORGET_REST`]'s transaction: it locks the member rows, so no award of theirs is in
/// flight when the rest is deleted. Binds: $1 user.
pub(crate) const FORGET_MEMBERS: &str = r#"
WITH gone AS (
    DELETE FROM members WHERE user_id = $1::bigint RETURNING guild, xp
),
buckets AS (
    INSERT INTO xp_bucket_deltas (guild, bucket, delta)
    SELECT guild, leveling_bucket(xp), -count(*) FROM gone GROUP BY 1, 2
)
SELECT guild FROM gone
"#;

/// Deletes the rest of a user's data: history and idempotency keys in the guilds of their
/// members, unlocks everywhere, the profile; returns what it deleted. Binds: $1 user,
/// $2 the guilds [`FORGET_MEMBERS`] returned.
pub(crate) const FORGET_REST: &str = r#"
WITH hist AS (
    DELETE FROM xp_history WHERE guild = ANY($2::bigint[]) AND user_id = $1::bigint RETURNING 1
),
keys AS (
    DELETE FROM idempotency_keys WHERE guild = ANY($2::bigint[]) AND user_id = $1::bigint
),
unlocked AS (
    DELETE FROM tool_unlocks WHERE user_id = $1::bigint RETURNING 1
),
profile AS (
    DELETE FROM users WHERE id = $1::bigint RETURNING 1
)
SELECT (SELECT count(*) FROM profile) AS profile,
       (SELECT count(*) FROM hist) AS history,
       (SELECT count(*) FROM unlocked) AS unlocks
"#;

/// The channel of this schema's settings writes: NOTIFY channels are per database, so
/// the schema's name keeps deployments (and tests) in other schemas apart.
pub(crate) const SETTINGS_CHANNEL: &str = "SELECT 'leveling_settings:' || current_schema()";

/// $1 the new version. In the write's transaction: sent at its commit, never for a
/// rolled-back write.
pub(crate) const NOTIFY_SETTINGS: &str =
    "SELECT pg_notify('leveling_settings:' || current_schema(), $1)";
