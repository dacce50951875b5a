-- 0004: the invitation and the reminders (`seniorbot invite`, `seniorbot
-- remind`). Both go through the outbox like every other mail; these tables
-- record per kommune what was sent, so invite is resumable and remind
-- never writes twice on the same day.

-- One row per invitation queued to a kommune; a kommune invited again
-- (invite --again) gets another row, and the newest one counts.
CREATE TABLE invitations (
	id             INTEGER PRIMARY KEY,
	kommune_code   TEXT NOT NULL,
	recipients     TEXT NOT NULL,           -- the addresses, comma-separated
	token          TEXT NOT NULL,           -- the reference in the subject, e.g. SP-0751
	message_id     TEXT NOT NULL UNIQUE,    -- the invitation's Message-ID, without <>; replies refer to it
	outbox_id      INTEGER REFERENCES outbox(id),
	invited_at     TEXT NOT NULL            -- when it was queued
);
CREATE INDEX invitations_kommune ON invitations(kommune_code, id);

-- One row per reminder queued: to an invited kommune without a tilmelding
-- (tilmelding_id 0) or about an incomplete tilmelding. The UNIQUE key is
-- the promise "never twice the same day".
CREATE TABLE reminders (
	id             INTEGER PRIMARY KEY,
	kommune_code   TEXT NOT NULL,
	tilmelding_id  INTEGER NOT NULL DEFAULT 0,
	day            TEXT NOT NULL,           -- 2006-01-02 in the campaign's time zone
	recipients     TEXT NOT NULL,
	message_id     TEXT NOT NULL UNIQUE,
	outbox_id      INTEGER REFERENCES outbox(id),
	queued_at      TEXT NOT NULL,
	UNIQUE (kommune_code, tilmelding_id, day)
);
