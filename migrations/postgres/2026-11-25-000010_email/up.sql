-- Email: a transactional outbox (each message recorded, with its Message-ID, in the same
-- transaction as what caused it; a worker sends with retries), and invitation contacts,
-- kept apart from responses: the only link back is "has responded".
CREATE TABLE outbox (
    id TEXT PRIMARY KEY NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    partnership_id TEXT,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    unsubscribe_url TEXT,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE contacts (
    id TEXT PRIMARY KEY NOT NULL,
    wave_id TEXT NOT NULL REFERENCES waves(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    first_name TEXT NOT NULL,
    audience TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    token_used_at TIMESTAMP,
    unsubscribe_hash TEXT NOT NULL UNIQUE,
    unsubscribed_at TIMESTAMP,
    responded BOOLEAN NOT NULL,
    reminders INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (wave_id, email)
);

ALTER TABLE drafts ADD COLUMN contact_id TEXT;
