-- 0003: copies of sent replies appended to the mailbox's Sent folder, so
-- staff see the bot's answers in their mail client.
-- append_tried_at is written just before the APPEND and appended_at right
-- after it: a row with the first but not the second may or may not be in
-- Sent (the bot died in between), so it is looked up by Message-ID before
-- it is appended again. A row with neither was never attempted.
ALTER TABLE outbox ADD COLUMN append_tried_at TEXT;
ALTER TABLE outbox ADD COLUMN appended_at TEXT;
-- Mail sent before this feature existed is not appended after the upgrade.
UPDATE outbox SET appended_at = sent_at WHERE status = 'sent';
CREATE INDEX outbox_unappended ON outbox(status, appended_at);
