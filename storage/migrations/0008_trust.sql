-- 0007: who really sent a mail, and what it may do (issue 11).

-- The receiving side's verdict on the sender, now one of three words:
-- 'verified' (DMARC or an aligned DKIM signature passed), 'failed' (the
-- receiving server says the From domain failed), 'unknown' (it said
-- nothing usable, or no authentication source is configured).
UPDATE messages SET auth = CASE auth WHEN 'pass' THEN 'verified' WHEN 'fail' THEN 'failed' ELSE 'unknown' END;

-- Why a message was flagged, in words for staff ("afsenderen er ikke
-- kommunens eller på tilmeldingen"); '' when the flag says it all.
ALTER TABLE messages ADD COLUMN attention_reason TEXT NOT NULL DEFAULT '';

-- A held change decided by staff (`seniorbot decide`): 'applied' or
-- 'rejected', and when; '' while it waits.
ALTER TABLE messages ADD COLUMN decision TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN decided_at TEXT NOT NULL DEFAULT '';

-- A mail bigger than [storage] max_raw_bytes is stored as its header and
-- text parts only: its size then, 0 when raw holds the whole mail.
ALTER TABLE messages ADD COLUMN raw_cut_from INTEGER NOT NULL DEFAULT 0;

-- The registrant: the address that created the tilmelding, an address on
-- record for it as long as the tilmelding exists (reply_to moves on).
ALTER TABLE tilmeldinger ADD COLUMN registered_by TEXT NOT NULL DEFAULT '';
UPDATE tilmeldinger SET registered_by = reply_to;

-- The flood limit counts per address with plus-tags and case folded, and
-- per domain: the folded address and its domain of each automatic answer.
ALTER TABLE outbox ADD COLUMN answers_domain TEXT NOT NULL DEFAULT '';
UPDATE outbox SET answers_domain = lower(substr(answers_address, instr(answers_address, '@') + 1))
	WHERE answers_address LIKE '%@%';
CREATE INDEX outbox_answers_domain ON outbox(answers_domain, created_at);

-- Erasures done by `seniorbot forget` (GDPR art. 17): that one happened
-- and when, never whose.
CREATE TABLE erasures (
	id        INTEGER PRIMARY KEY,
	at        TEXT NOT NULL,
	rows      INTEGER NOT NULL DEFAULT 0
);
