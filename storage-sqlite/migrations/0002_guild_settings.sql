-- leveling: per-guild settings and their audit log.
--
-- Same encodings as 0001: guild and user ids in INTEGER with the top bit flipped, times
-- INTEGER microseconds since 1970-01-01 UTC. Settings are the core's `GuildSettings` as
-- JSON text (serde_json; fractions and times round-trip exactly).

-- A guild's row, once its settings were first written: its own settings, or NULL after a
-- reset (the guild follows the defaults again; the row stays), and the store-wide version
-- of the write. The writer gives each write max(version) + 1 inside its transaction (it
-- holds the file's write lock), so versions are unique, follow commit order across every
-- guild, and never go back (rows are never deleted). The unique index serves max(version)
-- and `settings_changed` (version > ? ORDER BY version).
CREATE TABLE guild_settings (
    guild INTEGER PRIMARY KEY,
    settings TEXT,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL UNIQUE CHECK (version > 0)
);

-- Every settings write of a guild; id is the insertion order. actor is NULL for the
-- system (an API call without a user); before and after are the settings in force
-- around the change (the defaults when the guild had none), as JSON.
CREATE TABLE settings_audit (
    id INTEGER PRIMARY KEY,
    guild INTEGER NOT NULL REFERENCES guild_settings (guild),
    actor INTEGER,
    changed_at INTEGER NOT NULL,
    before TEXT NOT NULL,
    after TEXT NOT NULL
);

-- A guild's log, newest first.
CREATE INDEX settings_audit_guild ON settings_audit (guild, id);
