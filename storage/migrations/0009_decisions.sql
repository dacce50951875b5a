-- 0009: decisions by mail (issue 13, item 1).

-- One row per item that waits for staff: a late registration, a held
-- change, a forwarded question. The token goes in the subject of the
-- action mails (Godkend/Afvis/Besvaret [SP-A-<token>]); it is random, bound
-- to one message and one kind of decision, and used once: decided_at is ''
-- until staff decide, then who (decided_by), what (decision) and the text
-- they wrote (note) stay for the answer to a second use.
CREATE TABLE decisions (
	token       TEXT PRIMARY KEY,
	message_id  INTEGER NOT NULL REFERENCES messages(id),
	kind        TEXT NOT NULL,
	created_at  TEXT NOT NULL,
	decided_at  TEXT NOT NULL DEFAULT '',
	decided_by  TEXT NOT NULL DEFAULT '',
	decision    TEXT NOT NULL DEFAULT '',
	note        TEXT NOT NULL DEFAULT '',
	-- When the item went out in a notice to the contacts ('' not yet):
	-- the notice gathers what came in since the previous one, and the
	-- latest of these is when the previous one went.
	noticed_at  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX decisions_message ON decisions(message_id);
CREATE INDEX decisions_open ON decisions(decided_at);
