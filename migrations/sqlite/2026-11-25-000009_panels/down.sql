DROP TABLE paper_entries;
DROP TABLE panel_reveals;
ALTER TABLE drafts DROP COLUMN member_hash;
ALTER TABLE drafts DROP COLUMN session_id;
DROP INDEX responses_by_session;
ALTER TABLE responses DROP COLUMN session_id;
DROP TABLE panel_sessions;
