-- 0007: the calendar entries sent about each tilmelding (issue 13): one row
-- per entry UID, with the SEQUENCE last sent and what the entry said then,
-- so a changed day goes out with the same UID and a higher SEQUENCE and a
-- cancellation removes exactly the entries that were sent. No foreign key:
-- `seniorbot reprocess` folds rebuilt tilmeldinger into the old ids, and
-- the rows stay with the old id, which is the one the UID names.
CREATE TABLE calendar_entries (
	uid           TEXT PRIMARY KEY,
	tilmelding_id INTEGER NOT NULL,
	sequence      INTEGER NOT NULL,
	fingerprint   TEXT NOT NULL,
	cancelled     INTEGER NOT NULL DEFAULT 0,
	updated_at    TEXT NOT NULL
);
CREATE INDEX calendar_entries_tilmelding ON calendar_entries (tilmelding_id);
