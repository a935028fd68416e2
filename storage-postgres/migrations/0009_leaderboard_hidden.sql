-- leveling: a user may ask to be left out of the public web leaderboard page.
-- Adding a column with a constant default rewrites nothing (PostgreSQL 11+), and old
-- processes, which name their columns, keep working beside new ones.
ALTER TABLE users ADD COLUMN leaderboard_hidden boolean NOT NULL DEFAULT false;
