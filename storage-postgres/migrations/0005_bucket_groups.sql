-- A second, coarse level of rank counts: members per group of 64 buckets. A rank sums the
-- groups above its own group (≤ ~50 rows at 10M XP) and the buckets above it within its
-- group (≤ 63 rows), instead of every bucket above it. Folded together with xp_buckets.
LOCK TABLE members IN SHARE MODE;

CREATE TABLE xp_bucket_groups (
    guild BIGINT NOT NULL,
    grp BIGINT NOT NULL,
    members BIGINT NOT NULL,
    PRIMARY KEY (guild, grp)
);

INSERT INTO xp_bucket_groups (guild, grp, members)
SELECT guild, bucket >> 6, sum(members) FROM xp_buckets GROUP BY 1, 2;
