ALTER TABLE drafts DROP COLUMN contact_id;
DROP TABLE contacts;
DROP INDEX outbox_due;
DROP TABLE outbox;
