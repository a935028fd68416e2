-- Idempotency keys expire (24 h by default): the store's background deletes the old ones
-- by age.
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
