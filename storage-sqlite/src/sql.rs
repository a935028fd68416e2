//! The SQL statements. Every value is a bind parameter; nothing is formatted in. The
//! writer's batch statements take their rows as one JSON array (`json_each(?1)`), so a
//! batch of any size is one statement of fixed text (prepared once).

// --- The writer's batch statements -----------------------------------------------------
//
// A batch of awards is two round trips: `BEGIN_AND_LOAD`, then `SAVE` (or
// `SAVE_AND_COMMIT`). Each is several statements in one query string, run in order on one
// call. Their binds are positional (`?`, each used once, in statement order): sqlx 0.9
// binds a numbered `?4` of a later statement in such a string as NULL.

/// Opens the transaction (the file's write lock) and loads the batch's members and the
/// keys it asks about: the first bind = `[[guild, user], …]`, the second `[[guild, user, key], …]`.
/// Member rows have 8 columns, key rows 5.
pub(crate) const BEGIN_AND_LOAD: &str = "
BEGIN IMMEDIATE;
SELECT m.guild, m.user_id, m.xp, m.xp_reached_at, m.streak_day, m.streak_days, m.cooldowns, m.bucket
FROM json_each(?) AS j
JOIN members AS m ON m.guild = j.value ->> 0 AND m.user_id = j.value ->> 1;
SELECT k.guild, k.user_id, k.key, k.outcome, k.created_at
FROM json_each(?) AS j
JOIN idempotency_keys AS k
  ON k.guild = j.value ->> 0 AND k.user_id = j.value ->> 1 AND k.key = j.value ->> 2";

/// Writes a batch back; an empty array writes nothing.
/// Binds, in order:
/// - changed members: `[[guild, user, xp, reached_at, streak_day, streak_days, cooldowns, bucket], …]`;
/// - history rows, inserted in the array's order:
///   `[[guild, user, amount, source, before, after, actor, reason, at], …]`;
/// - granted keys: `[[guild, user, key, outcome, at], …]` (a forgotten key is replaced);
/// - the purge cutoff: keys created before it are deleted (NULL: none);
/// - bucket moves, then group moves: `[[guild, bucket or group, delta], …]`.
macro_rules! save {
    () => {
        "
INSERT INTO members (guild, user_id, xp, xp_reached_at, streak_day, streak_days, cooldowns, bucket)
SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7
FROM json_each(?) WHERE true
ON CONFLICT (guild, user_id) DO UPDATE SET
    xp = excluded.xp,
    xp_reached_at = excluded.xp_reached_at,
    streak_day = excluded.streak_day,
    streak_days = excluded.streak_days,
    cooldowns = excluded.cooldowns,
    bucket = excluded.bucket;
INSERT INTO xp_history (guild, user_id, amount, source, xp_before, xp_after, actor, reason, created_at)
SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6,
       value ->> 7, value ->> 8
FROM json_each(?) ORDER BY key;
INSERT INTO idempotency_keys (guild, user_id, key, outcome, created_at)
SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4
FROM json_each(?) WHERE true
ON CONFLICT (guild, user_id, key) DO UPDATE SET
    outcome = excluded.outcome,
    created_at = excluded.created_at;
DELETE FROM idempotency_keys WHERE created_at < ?;
INSERT INTO rank_buckets (guild, bucket, members)
SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?) WHERE true
ON CONFLICT (guild, bucket) DO UPDATE SET members = members + excluded.members;
INSERT INTO rank_groups (guild, grp, members)
SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?) WHERE true
ON CONFLICT (guild, grp) DO UPDATE SET members = members + excluded.members"
    };
}

/// [`save!`], the transaction stays open (other writes of the batch follow).
pub(crate) const SAVE: &str = save!();

/// [`save!`], then `COMMIT`: a batch of awards alone.
pub(crate) const SAVE_AND_COMMIT: &str = concat!(save!(), ";\nCOMMIT");

// --- The writer's other statements -----------------------------------------------------

/// Bucket moves, then group moves: `[[guild, bucket or group, delta], …]` each.
macro_rules! moves {
    () => {
        "
INSERT INTO rank_buckets (guild, bucket, members)
SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?) WHERE true
ON CONFLICT (guild, bucket) DO UPDATE SET members = members + excluded.members;
INSERT INTO rank_groups (guild, grp, members)
SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?) WHERE true
ON CONFLICT (guild, grp) DO UPDATE SET members = members + excluded.members"
    };
}

/// [`moves!`] alone.
pub(crate) const MOVES: &str = moves!();

/// The first of the tools `[tool, …]` not in the catalog, if any.
pub(crate) const UNKNOWN_TOOL: &str = "
SELECT j.value FROM json_each(?1) AS j
WHERE NOT EXISTS (SELECT 1 FROM tools AS t WHERE t.id = j.value) LIMIT 1";

/// The stored buckets of the members `[[guild, user], …]` that exist.
pub(crate) const MEMBER_BUCKETS: &str = "
SELECT m.guild, m.user_id, m.bucket
FROM json_each(?1) AS j
JOIN members AS m ON m.guild = j.value ->> 0 AND m.user_id = j.value ->> 1";

/// Writes a backup batch back. Binds, in order:
/// - profiles: `[[id, username, display name, avatar, hidden, created at, updated at], …]`;
/// - members: `[[guild, user, xp, reached at, streak day, streak days, bucket], …]`
///   (cooldowns of an existing member are kept);
/// - the same members `[[guild, user], …]`: their history is deleted…
/// - …and replaced by these rows, inserted in the array's order:
///   `[[guild, user, amount, source, before, after, actor, reason, at], …]`;
/// - unlocks, added where missing: `[[guild, user, tool, reason, at], …]`;
/// - bucket moves, then group moves ([`moves!`]).
pub(crate) const RESTORE: &str = concat!(
    "
INSERT INTO users (id, username, display_name, avatar_url, leaderboard_hidden, created_at, updated_at)
SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6
FROM json_each(?) WHERE true
ON CONFLICT (id) DO UPDATE SET
    username = excluded.username,
    display_name = excluded.display_name,
    avatar_url = excluded.avatar_url,
    leaderboard_hidden = excluded.leaderboard_hidden,
    created_at = excluded.created_at,
    updated_at = excluded.updated_at;
INSERT INTO members (guild, user_id, xp, xp_reached_at, streak_day, streak_days, bucket)
SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6
FROM json_each(?) WHERE true
ON CONFLICT (guild, user_id) DO UPDATE SET
    xp = excluded.xp,
    xp_reached_at = excluded.xp_reached_at,
    streak_day = excluded.streak_day,
    streak_days = excluded.streak_days,
    bucket = excluded.bucket;
DELETE FROM xp_history WHERE (guild, user_id) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?));
INSERT INTO xp_history (guild, user_id, amount, source, xp_before, xp_after, actor, reason, created_at)
SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6,
       value ->> 7, value ->> 8
FROM json_each(?) ORDER BY key;
INSERT INTO tool_unlocks (guild, user_id, tool, reason, unlocked_at)
SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4
FROM json_each(?) WHERE true
ON CONFLICT DO NOTHING;",
    moves!()
);

/// A user's memberships and their buckets (by the `members_user` index). `?1` user.
pub(crate) const USER_BUCKETS: &str = "SELECT guild, bucket FROM members WHERE user_id = ?1";

/// A user's history in every guild they are in: `?1` user (before their members go).
pub(crate) const FORGET_HISTORY: &str = "
DELETE FROM xp_history
WHERE user_id = ?1 AND guild IN (SELECT guild FROM members WHERE user_id = ?1)";

/// A user's idempotency keys in every guild they are in: `?1` user.
pub(crate) const FORGET_KEYS: &str = "
DELETE FROM idempotency_keys
WHERE user_id = ?1 AND guild IN (SELECT guild FROM members WHERE user_id = ?1)";

/// A user's memberships (their cooldowns live in the row). `?1` user.
pub(crate) const FORGET_MEMBERS: &str = "DELETE FROM members WHERE user_id = ?1";

/// A user's unlocks, in guilds they are a member of or not (by `tool_unlocks_user`).
pub(crate) const FORGET_UNLOCKS: &str = "DELETE FROM tool_unlocks WHERE user_id = ?1";

/// A user's profile. `?1` user.
pub(crate) const FORGET_USER: &str = "DELETE FROM users WHERE id = ?1";

pub(crate) const USER_EXISTS: &str = "SELECT 1 FROM users WHERE id = ?1";

/// `?1` id, `?2` username, `?3` display name, `?4` avatar, `?5` now.
pub(crate) const UPSERT_USER: &str = "
INSERT INTO users (id, username, display_name, avatar_url, created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?5)
ON CONFLICT (id) DO UPDATE SET
    username = excluded.username,
    display_name = coalesce(excluded.display_name, display_name),
    avatar_url = coalesce(excluded.avatar_url, avatar_url),
    updated_at = excluded.updated_at
RETURNING id, username, display_name, avatar_url, leaderboard_hidden, created_at, updated_at";

/// `?1` id, `?2` username (NULL: keep), `?3` set display name, `?4` display name,
/// `?5` set avatar, `?6` avatar, `?7` now, `?8` hidden (NULL: keep).
pub(crate) const UPDATE_USER: &str = "
UPDATE users SET
    username = coalesce(?2, username),
    display_name = CASE WHEN ?3 THEN ?4 ELSE display_name END,
    avatar_url = CASE WHEN ?5 THEN ?6 ELSE avatar_url END,
    leaderboard_hidden = coalesce(?8, leaderboard_hidden),
    updated_at = ?7
WHERE id = ?1
RETURNING id, username, display_name, avatar_url, leaderboard_hidden, created_at, updated_at";

pub(crate) const CREATE_TOOL: &str = "
INSERT INTO tools (id, name, description, tier, required_level, url)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT (id) DO NOTHING
RETURNING id";

pub(crate) const TOOL_EXISTS: &str = "SELECT 1 FROM tools WHERE id = ?1";

pub(crate) const RECORD_UNLOCK: &str = "
INSERT INTO tool_unlocks (guild, user_id, tool, reason, unlocked_at)
VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT DO NOTHING
RETURNING 1";

/// The version of a guild's settings row (none: no row). `?1` guild.
pub(crate) const SETTINGS_VERSION: &str = "SELECT version FROM guild_settings WHERE guild = ?1";

/// Writes a guild's settings row under the next store-wide version and returns it.
/// `?1` guild, `?2` settings JSON (NULL: reset), `?3` now.
///
/// Only the writer runs this, inside its transaction (the file's write lock, also
/// against other processes): `max(version) + 1` is computed on the committed state plus
/// the transaction's own earlier writes, so versions are unique and follow commit order.
/// Rows are never deleted, so the maximum never goes back.
pub(crate) const SAVE_SETTINGS: &str = "
INSERT INTO guild_settings (guild, settings, updated_at, version)
VALUES (?1, ?2, ?3, (SELECT coalesce(max(version), 0) + 1 FROM guild_settings))
ON CONFLICT (guild) DO UPDATE SET
    settings = excluded.settings,
    updated_at = excluded.updated_at,
    version = excluded.version
RETURNING version";

/// `?1` guild, `?2` actor (NULL: the system), `?3` changed at, `?4` before, `?5` after.
pub(crate) const AUDIT_SETTINGS: &str = "
INSERT INTO settings_audit (guild, actor, changed_at, before, after)
VALUES (?1, ?2, ?3, ?4, ?5)";

// --- Reads -----------------------------------------------------------------------------

pub(crate) const MEMBER: &str = "
SELECT xp, xp_reached_at, streak_day, streak_days FROM members WHERE guild = ?1 AND user_id = ?2";

/// A member's position in one snapshot: the groups above theirs, the buckets above
/// theirs in their group, and the members ahead of them in their bucket (an index range
/// of about 80 members at 1M).
pub(crate) const RANK: &str = "
SELECT 1
     + (SELECT coalesce(sum(g.members), 0) FROM rank_groups AS g
        WHERE g.guild = m.guild AND g.grp > (m.bucket >> 7))
     + (SELECT coalesce(sum(b.members), 0) FROM rank_buckets AS b
        WHERE b.guild = m.guild AND b.bucket > m.bucket AND b.bucket < (((m.bucket >> 7) + 1) << 7))
     + (SELECT count(*) FROM members AS o
        WHERE o.guild = m.guild AND o.bucket = m.bucket
          AND (o.xp > m.xp OR (o.xp = m.xp AND (o.xp_reached_at, o.user_id) < (m.xp_reached_at, m.user_id))))
FROM members AS m
WHERE m.guild = ?1 AND m.user_id = ?2";

/// A guild's member count, from the group counts (no scan of the guild).
pub(crate) const GUILD_MEMBERS: &str =
    "SELECT coalesce(sum(members), 0) FROM rank_groups WHERE guild = ?1";

/// A leaderboard page from bucket `?2` down: `?3` limit, `?4` offset within that range.
pub(crate) const LEADERBOARD: &str = "
SELECT m.user_id, m.xp, u.username, u.display_name, u.avatar_url, u.leaderboard_hidden
FROM members AS m
LEFT JOIN users AS u ON u.id = m.user_id
WHERE m.guild = ?1 AND m.bucket <= ?2
ORDER BY m.bucket DESC, m.xp DESC, m.xp_reached_at, m.user_id
LIMIT ?3 OFFSET ?4";

/// A guild's group counts, highest first (to start a deep page at its bucket).
pub(crate) const GROUPS_DESC: &str =
    "SELECT grp, members FROM rank_groups WHERE guild = ?1 AND members <> 0 ORDER BY grp DESC";

/// One group's bucket counts, highest first.
pub(crate) const BUCKETS_DESC: &str = "
SELECT bucket, members FROM rank_buckets
WHERE guild = ?1 AND bucket >= (?2 << 7) AND bucket < ((?2 + 1) << 7) AND members <> 0
ORDER BY bucket DESC";

pub(crate) const HISTORY_COUNT: &str =
    "SELECT count(*) FROM xp_history WHERE guild = ?1 AND user_id = ?2";

pub(crate) const HISTORY: &str = "
SELECT amount, source, xp_before, xp_after, actor, reason, created_at
FROM xp_history WHERE guild = ?1 AND user_id = ?2
ORDER BY id DESC LIMIT ?3 OFFSET ?4";

pub(crate) const USER: &str = "SELECT id, username, display_name, avatar_url, leaderboard_hidden, created_at, updated_at FROM users WHERE id = ?1";

pub(crate) const USER_COUNT: &str = "SELECT count(*) FROM users";

pub(crate) const USERS: &str = "
SELECT id, username, display_name, avatar_url, leaderboard_hidden, created_at, updated_at
FROM users ORDER BY id LIMIT ?1 OFFSET ?2";

pub(crate) const TOOLS: &str = "
SELECT id, name, description, tier, required_level, url FROM tools ORDER BY required_level, id";

/// Columns of a [`Member`](leveling_core::storage::Member) with its id.
macro_rules! member_columns {
    () => {
        "SELECT guild, user_id, xp, xp_reached_at, streak_day, streak_days FROM members "
    };
}

/// Every member, by guild then user (stored ids keep `u64` order), after (`?1`, `?2`):
/// `?3` limit.
pub(crate) const MEMBERS_AFTER: &str = concat!(
    member_columns!(),
    "WHERE (guild, user_id) > (?1, ?2) ORDER BY guild, user_id LIMIT ?3"
);

/// Every member, by guild then user, from the first: `?1` limit.
pub(crate) const MEMBERS_FIRST: &str =
    concat!(member_columns!(), "ORDER BY guild, user_id LIMIT ?1");

/// One guild's members `?1`, by user, from the first: `?2` limit.
pub(crate) const GUILD_MEMBERS_FIRST: &str = concat!(
    member_columns!(),
    "WHERE guild = ?1 ORDER BY user_id LIMIT ?2"
);

/// One guild's members `?1`, by user, after user `?2`: `?3` limit.
pub(crate) const GUILD_MEMBERS_AFTER: &str = concat!(
    member_columns!(),
    "WHERE guild = ?1 AND user_id > ?2 ORDER BY user_id LIMIT ?3"
);

/// A user's memberships `?1`, by guild (the `members_user` index).
pub(crate) const USER_MEMBERS: &str =
    concat!(member_columns!(), "WHERE user_id = ?1 ORDER BY guild");

pub(crate) const UNLOCKS: &str =
    "SELECT tool, reason, unlocked_at FROM tool_unlocks WHERE guild = ?1 AND user_id = ?2";

/// Totals; the XP sum in two halves, so it cannot overflow `INTEGER`.
pub(crate) const STATS: &str = "
SELECT (SELECT count(*) FROM members) AS members,
       (SELECT count(*) FROM users) AS users,
       (SELECT coalesce(sum(xp >> 32), 0) FROM members) AS xp_high,
       (SELECT coalesce(sum(xp & 4294967295), 0) FROM members) AS xp_low";

pub(crate) const GUILD_SETTINGS: &str =
    "SELECT guild, settings, updated_at, version FROM guild_settings WHERE guild = ?1";

/// The rows written after version `?1`, by version, at most `?2`.
pub(crate) const SETTINGS_CHANGED: &str = "
SELECT guild, settings, updated_at, version FROM guild_settings
WHERE version > ?1 ORDER BY version LIMIT ?2";

pub(crate) const SETTINGS_AUDIT_COUNT: &str =
    "SELECT count(*) FROM settings_audit WHERE guild = ?1";

/// A guild's audit log, newest first: `?2` limit, `?3` offset.
pub(crate) const SETTINGS_AUDIT: &str = "
SELECT actor, changed_at, before, after FROM settings_audit WHERE guild = ?1
ORDER BY id DESC LIMIT ?2 OFFSET ?3";
