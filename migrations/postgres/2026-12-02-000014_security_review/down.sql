DROP INDEX follow_ups_by_confirm_hash;
ALTER TABLE follow_ups DROP COLUMN confirm_hash;
ALTER TABLE follow_ups DROP COLUMN confirmed;
