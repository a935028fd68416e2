-- Per-guild settings and their audit log (SettingsStore).
--
-- Settings are stored as TEXT holding serde_json's output, not JSONB: JSONB normalizes
-- numbers (an f64 multiplier written as 0.1 must read back as the same f64, digit for
-- digit) and reorders keys; the store only ever reads the text back whole.

-- The store-wide settings version: one row, seeded with 0. A write takes the next value
-- with `UPDATE … SET version = version + 1`, whose row lock serializes settings writes,
-- so versions are assigned in commit order (a sequence would not: a write holding a
-- lower value could commit after one holding a higher value, and a cache polling "what
-- changed after version v" would miss it).
CREATE TABLE settings_version (
    single BOOLEAN PRIMARY KEY DEFAULT true CHECK (single),
    version BIGINT NOT NULL CHECK (version >= 0)
);
INSERT INTO settings_version (single, version) VALUES (true, 0);

-- A guild's row, once its settings were first written. `settings` is NULL after a reset
-- (the server's defaults apply); `version` is the store-wide version of the last write,
-- unique, and indexed for "the rows changed after version v, by version".
CREATE TABLE guild_settings (
    guild BIGINT PRIMARY KEY,
    settings TEXT,
    updated_at TIMESTAMPTZ NOT NULL,
    version BIGINT NOT NULL UNIQUE CHECK (version > 0)
);

-- Every write of a guild's settings: who (NULL: the system), when, and the settings in
-- force before and after it (JSON text, the defaults included when they applied). `id`
-- is the insertion order, which is also commit order (writes are serialized by
-- `settings_version`); a guild's log is read newest first.
CREATE TABLE settings_audit (
    id BIGSERIAL PRIMARY KEY,
    guild BIGINT NOT NULL,
    actor BIGINT,
    changed_at TIMESTAMPTZ NOT NULL,
    before TEXT NOT NULL,
    after TEXT NOT NULL
);
CREATE INDEX settings_audit_guild ON settings_audit (guild, id DESC);
