-- leveling: a user's rows in every guild without a scan (a user's own data and its
-- deletion: `user_members`, `forget_user`). Unlocks get their own: they may exist in a
-- guild where the user has no progress.
CREATE INDEX members_user ON members (user_id, guild);
CREATE INDEX tool_unlocks_user ON tool_unlocks (user_id, guild);
