-- 0005: the last message a summary covered. Mails are listed by the order
-- they were recorded, not by when the server received them, so a mail that
-- arrived before a summary but was processed after it is in the next one.
ALTER TABLE summary_runs ADD COLUMN last_message_id INTEGER NOT NULL DEFAULT -1; -- -1: recorded before it was kept
