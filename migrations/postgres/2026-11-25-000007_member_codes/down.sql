DROP INDEX responses_by_member;
ALTER TABLE responses DROP COLUMN member_hash;
