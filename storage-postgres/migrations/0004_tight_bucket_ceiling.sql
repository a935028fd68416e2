-- The bucket ceiling as tight as float rounding allows: the nominal last XP of the bucket,
-- (bucket + 65)² − 4097, plus a margin of xp / 2^40 + 1 (floor(sqrt(float8)) can only be
-- off next to a boundary for totals far beyond 2^40). Rank and deep leaderboard reads scan
-- the index up to this bound, so a tight bound saves a bucket of heap visits per read.
CREATE OR REPLACE FUNCTION leveling_bucket_ceiling(bucket BIGINT) RETURNS BIGINT
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
        SELECT LEAST(n + floor(n / 1099511627776) + 1, 9223372036854775807)::bigint
        FROM (SELECT (bucket + 65)::numeric * (bucket + 65) - 4097 AS n) AS nominal
    $$;
