-- 0006: a reply that was sent again after its first attempt was cut off
-- between the final "." and the server's answer (kill, lost connection):
-- the recipient may have it twice. The nightly summary lists these.
ALTER TABLE outbox ADD COLUMN maybe_twice INTEGER NOT NULL DEFAULT 0;
