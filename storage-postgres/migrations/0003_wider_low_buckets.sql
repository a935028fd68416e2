-- Rank buckets become floor(√(xp + 4096)) − 64: the same √ growth up the tail, but at
-- least 129 XP wide at the bottom, where every new member starts, so an award crosses a
-- bucket boundary (and appends two bucket moves) far less often. Rebuilds the counts.
--
-- The bucket moves table loses its index: it only ever holds the moves of the last
-- fold interval (PostgresStore folds and vacuums it every 500 ms), and an insert without
-- an index is cheaper on the award path.
LOCK TABLE members IN SHARE MODE;

CREATE OR REPLACE FUNCTION leveling_bucket(xp BIGINT) RETURNS BIGINT
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT floor(sqrt(xp::float8 + 4096))::bigint - 64 $$;

-- The largest XP that can be in bucket `bucket` (with margin for rounding): an index range
-- bound, always combined with an exact leveling_bucket() filter.
CREATE FUNCTION leveling_bucket_ceiling(bucket BIGINT) RETURNS BIGINT
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT LEAST((bucket + 66)::numeric * (bucket + 66) - 4097, 9223372036854775807)::bigint $$;

DROP INDEX xp_bucket_deltas_guild_bucket;
DELETE FROM xp_bucket_deltas;
DELETE FROM xp_buckets;
INSERT INTO xp_buckets (guild, bucket, members)
SELECT guild, leveling_bucket(xp), count(*) FROM members GROUP BY 1, 2;
