-- Rank-bucket moves, appended by the award and admin statements. An insert never waits
-- on another transaction's row lock, so members crowding the same few buckets (everyone
-- starts at 75 XP) do not serialise on a counter row. PostgresStore folds these rows into
-- xp_buckets in the background (every 500 ms by default) or on `compact_rank_counts()`;
-- readers add both tables, so the rank is exact at every commit either way.
CREATE TABLE xp_bucket_deltas (
    guild BIGINT NOT NULL,
    bucket BIGINT NOT NULL,
    delta BIGINT NOT NULL
);

CREATE INDEX xp_bucket_deltas_guild_bucket ON xp_bucket_deltas (guild, bucket);
