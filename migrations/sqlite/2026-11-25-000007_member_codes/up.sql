-- A pseudonymous member code (stored only as a hash) lets the same young person's answers be
-- linked across years, never a name.
ALTER TABLE responses ADD COLUMN member_hash TEXT;
CREATE INDEX responses_by_member ON responses (member_hash);
