-- 0007: who holds a claim on an outbox mail. A daemon writes its own
-- token ("daemon:<pid>:<start>"); a command leaves it NULL. A daemon that
-- starts with the database's daemon lock knows every other daemon is dead,
-- so it takes over their claims at once instead of waiting out the lease.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
