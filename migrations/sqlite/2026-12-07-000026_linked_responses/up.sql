-- Responses from panel members who can be followed across waves (`member_hash`), by wave:
-- a comparison's linked pairs read these few rows instead of every response of both waves.
CREATE INDEX responses_linked ON responses (wave_id, member_hash) WHERE member_hash IS NOT NULL;
