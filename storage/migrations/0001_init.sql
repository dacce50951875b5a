-- 0001: the first schema.
CREATE TABLE mailbox_state (
	mailbox      TEXT PRIMARY KEY,
	uid_validity INTEGER NOT NULL,
	last_uid     INTEGER NOT NULL,
	updated_at   TEXT NOT NULL
);
CREATE TABLE tilmeldinger (
	id             INTEGER PRIMARY KEY,
	kommune_code   TEXT NOT NULL,
	unit           TEXT NOT NULL DEFAULT '',
	unit_key       TEXT NOT NULL DEFAULT '', -- unit normalised for matching
	status         TEXT NOT NULL,            -- incomplete | complete | cancelled | late
	hovedmed       INTEGER,                  -- NULL: not stated
	day            TEXT,                     -- 2006-01-02, NULL: none stated
	contact_name   TEXT NOT NULL DEFAULT '',
	contact_email  TEXT NOT NULL DEFAULT '',
	contact_phone  TEXT NOT NULL DEFAULT '',
	reply_to       TEXT NOT NULL DEFAULT '', -- who is answered about it
	missing        TEXT NOT NULL DEFAULT '[]',
	created_at     TEXT NOT NULL,
	updated_at     TEXT NOT NULL,
	UNIQUE (kommune_code, unit_key)
);
CREATE TABLE participants (
	id             INTEGER PRIMARY KEY,
	tilmelding_id  INTEGER NOT NULL REFERENCES tilmeldinger(id) ON DELETE CASCADE,
	position       INTEGER NOT NULL,
	name           TEXT NOT NULL DEFAULT '',
	email          TEXT NOT NULL DEFAULT '',
	title          TEXT NOT NULL DEFAULT '',
	side           TEXT NOT NULL DEFAULT ''  -- ledelse | medarbejder | '' (unknown)
);
CREATE INDEX participants_tilmelding ON participants(tilmelding_id, position);
CREATE TABLE messages (
	id             INTEGER PRIMARY KEY,
	message_key    TEXT NOT NULL UNIQUE,     -- Message-ID, or sha256 of the raw bytes when it has none
	mailbox        TEXT NOT NULL DEFAULT '',
	uid_validity   INTEGER NOT NULL DEFAULT 0,
	uid            INTEGER NOT NULL DEFAULT 0,
	received_at    TEXT NOT NULL,
	sender         TEXT NOT NULL DEFAULT '',
	subject        TEXT NOT NULL DEFAULT '',
	kind           TEXT NOT NULL DEFAULT '',
	parse_json     TEXT NOT NULL DEFAULT '',
	parse_error    TEXT NOT NULL DEFAULT '',
	outcome        TEXT NOT NULL DEFAULT '', -- what the bot did with it
	tilmelding_id  INTEGER REFERENCES tilmeldinger(id),
	raw            BLOB NOT NULL
);
CREATE TABLE tilmelding_history (
	id             INTEGER PRIMARY KEY,
	tilmelding_id  INTEGER NOT NULL REFERENCES tilmeldinger(id) ON DELETE CASCADE,
	message_id     INTEGER REFERENCES messages(id),
	at             TEXT NOT NULL,
	change         TEXT NOT NULL
);
CREATE INDEX history_tilmelding ON tilmelding_history(tilmelding_id, id);
CREATE TABLE outbox (
	id              INTEGER PRIMARY KEY,
	message_id      TEXT NOT NULL UNIQUE,   -- Message-ID of the outgoing mail, without <>
	kind            TEXT NOT NULL,          -- confirmation | missing | question_ack | question_forward | ...
	recipients      TEXT NOT NULL,          -- for people reading the table; the mail JSON is authoritative
	mail            BLOB NOT NULL,          -- JSON of replies.Mail
	tilmelding_id   INTEGER REFERENCES tilmeldinger(id),
	source_message  INTEGER REFERENCES messages(id),
	status          TEXT NOT NULL DEFAULT 'pending', -- pending | sent | failed
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt    TEXT NOT NULL,
	last_error      TEXT NOT NULL DEFAULT '',
	server_response TEXT NOT NULL DEFAULT '',
	created_at      TEXT NOT NULL,
	sent_at         TEXT
);
CREATE INDEX outbox_due ON outbox(status, next_attempt);
