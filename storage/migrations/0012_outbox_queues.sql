-- 0012: the sender's claim reads the pending mail oldest first. With only
-- outbox_due (status, next_attempt), SQLite gathered every due row, stored
-- mail included, and sorted them all to return 20: in a backlog of 3,000
-- replies each claim read megabytes, a cost that grew with the queue. This
-- partial index holds just the pending mail, in id order, with the time
-- the claim filters on; DueOutbox names it (INDEXED BY).
CREATE INDEX outbox_pending ON outbox(id, next_attempt) WHERE status = 'pending';
