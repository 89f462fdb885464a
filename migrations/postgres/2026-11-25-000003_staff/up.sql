-- Staff sessions live in the database so several Heard instances share them. The id is the
-- SHA-256 of the cookie's token; the token itself is never stored.
CREATE TABLE staff_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX staff_sessions_by_account ON staff_sessions (account_id);

-- Who did what, when: sign-ins, exports, deletions, setting changes.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    account_id TEXT,
    actor TEXT NOT NULL,
    partnership_id TEXT,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_by_partnership ON audit_log (partnership_id, at);
