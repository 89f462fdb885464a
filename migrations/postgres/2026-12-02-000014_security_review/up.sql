-- The security review (December 2026).
-- Invitation links keep only the day they were used: an exact time sat microseconds from the
-- response's start and joined a named contact to their answers.
UPDATE contacts SET token_used_at = date_trunc('day', token_used_at) WHERE token_used_at IS NOT NULL;
-- Receipt codes are no longer kept in plain text with sent drafts (new ones are sealed with
-- the browser's token).
UPDATE drafts SET receipt_code = NULL WHERE receipt_code IS NOT NULL AND receipt_code NOT LIKE 'sealed:%';
-- "You said, we did" addresses are confirmed by email before any update is sent to them.
-- Addresses left before this change keep working as they did.
ALTER TABLE follow_ups ADD COLUMN confirmed BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE follow_ups ADD COLUMN confirm_hash TEXT;
CREATE UNIQUE INDEX follow_ups_by_confirm_hash ON follow_ups (confirm_hash);
