-- Two-factor sign-in for local accounts (TOTP, RFC 6238) and sessions people can see and end.
-- The authenticator's key once enrolled, the key shown while enrolling (kept until confirmed
-- so a reload does not undo a scan), and the last time step accepted (a code is never taken
-- twice).
ALTER TABLE accounts ADD COLUMN totp_secret TEXT;
ALTER TABLE accounts ADD COLUMN totp_pending TEXT;
ALTER TABLE accounts ADD COLUMN totp_last_step BIGINT;
-- Ten single-use recovery codes per account, stored only as hashes.
CREATE TABLE recovery_codes (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at TIMESTAMP,
    PRIMARY KEY (account_id, code_hash)
);
-- A sign-in half done: the password was right; the code (or enrolment) is still to come.
CREATE TABLE sign_in_steps (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    browser TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sign_in_steps_by_account ON sign_in_steps (account_id);
-- What a person sees of their sessions: a short browser name and a name they chose.
ALTER TABLE staff_sessions ADD COLUMN browser TEXT NOT NULL DEFAULT '';
ALTER TABLE staff_sessions ADD COLUMN device TEXT;
