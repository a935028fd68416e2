-- leveling: a user may ask to be left out of the public web leaderboard page.
-- 0 shown (every existing profile), 1 hidden.
ALTER TABLE users ADD COLUMN leaderboard_hidden INTEGER NOT NULL DEFAULT 0 CHECK (leaderboard_hidden IN (0, 1));
