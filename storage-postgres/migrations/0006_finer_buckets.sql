-- Rank buckets four times narrower: floor(4·√(xp + 16384)) − 512. A rank counts the
-- members of its own bucket one by one (an index range, with a heap visit each while the
-- visibility map is stale); at 1M members spread like √xp that range falls from ~316 to
-- ~80 members. The bottom bucket stays 65 XP wide, so a new member's first messages do
-- not move them between buckets on every award. With XP up to 10M a guild has ~12,200
-- buckets; the coarse level becomes groups of 128 buckets (~95 groups), so a rank still
-- sums at most ~95 + 127 count rows. Rebuilds the counts.
LOCK TABLE members IN SHARE MODE;

CREATE OR REPLACE FUNCTION leveling_bucket(xp BIGINT) RETURNS BIGINT
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT floor(4 * sqrt(xp::float8 + 16384))::bigint - 512 $$;

-- The nominal last XP of bucket b is ceil((b + 513)² / 16) − 16385, plus a margin of
-- xp / 2^40 + 1 for float rounding next to a boundary (only possible far beyond 2^40 XP).
CREATE OR REPLACE FUNCTION leveling_bucket_ceiling(bucket BIGINT) RETURNS BIGINT
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
        SELECT LEAST(n + floor(n / 1099511627776) + 1, 9223372036854775807)::bigint
        FROM (SELECT ceil((bucket + 513)::numeric * (bucket + 513) / 16) - 16385 AS n) AS nominal
    $$;

DELETE FROM xp_bucket_deltas;
DELETE FROM xp_buckets;
DELETE FROM xp_bucket_groups;
INSERT INTO xp_buckets (guild, bucket, members)
SELECT guild, leveling_bucket(xp), count(*) FROM members GROUP BY 1, 2;
INSERT INTO xp_bucket_groups (guild, grp, members)
SELECT guild, bucket >> 7, sum(members) FROM xp_buckets GROUP BY 1, 2;
