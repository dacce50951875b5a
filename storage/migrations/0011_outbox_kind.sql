-- 0011: the daily cap on question forwards counts the day's forwards
-- (CountKindSince) by kind and time; without this index every question
-- read the whole outbox, so its cost grew with the database.
CREATE INDEX outbox_kind ON outbox(kind, created_at);
