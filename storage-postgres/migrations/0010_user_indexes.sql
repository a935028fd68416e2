-- A user's rows across guilds (TransferStore: `user_members`, `forget_user`): every other
-- index leads with the guild, so without these a user's data is a scan of the table.
-- tool_unlocks gets one too because an unlock may be recorded for a user with no member
-- row in that guild, so the member rows cannot say which guilds to look in. History and
-- idempotency keys need none: they only exist next to a member row (an award or an
-- admin change that writes them also writes the member), whose guilds the deletion reads.
--
-- A plain CREATE INDEX (migrations run in a transaction): it blocks writes to members
-- while it builds, a few seconds per million members.
CREATE INDEX members_user ON members (user_id);
CREATE INDEX tool_unlocks_user ON tool_unlocks (user_id);
