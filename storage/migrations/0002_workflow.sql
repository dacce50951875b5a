-- 0002: the whole tilmelding workflow: addresses that bounced, per-address
-- reply counting, sender authentication, and the nightly summary runs.

-- Addresses a bounce reported as failed. The bot never mails them again.
CREATE TABLE undeliverable (
	address        TEXT PRIMARY KEY,        -- lower-cased
	status         TEXT NOT NULL DEFAULT '', -- e.g. 5.1.1 from the DSN
	message_id     INTEGER REFERENCES messages(id), -- the bounce
	first_seen     TEXT NOT NULL
);

-- The address an automatic reply answers (the sender of the mail), so
-- replies per address per day can be counted; '' for mails to staff.
ALTER TABLE outbox ADD COLUMN answers_address TEXT NOT NULL DEFAULT '';
CREATE INDEX outbox_answers ON outbox(answers_address, created_at);

-- What the receiving server's Authentication-Results said about the
-- sender's domain: 'pass', 'fail', or '' when it said nothing.
ALTER TABLE messages ADD COLUMN auth TEXT NOT NULL DEFAULT '';
-- A flag for the summary: why a person should look at this message.
ALTER TABLE messages ADD COLUMN attention TEXT NOT NULL DEFAULT '';

-- One row per local day on which the nightly summary was sent.
CREATE TABLE summary_runs (
	day            TEXT PRIMARY KEY,        -- 2006-01-02 in the summary time zone
	sent_at        TEXT NOT NULL,
	outbox_id      INTEGER REFERENCES outbox(id)
);
