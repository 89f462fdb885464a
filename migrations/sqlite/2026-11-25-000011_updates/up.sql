-- "You said, we did": addresses left at the end of a survey to hear what happened (their own
-- table, the day only, never linked to answers; deleted when the update is sent or after a
-- year), and the updates a partnership publishes.
CREATE TABLE follow_ups (
    id TEXT PRIMARY KEY NOT NULL,
    partnership_id TEXT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    created_on TIMESTAMP NOT NULL,
    UNIQUE (partnership_id, email)
);

CREATE TABLE updates (
    id TEXT PRIMARY KEY NOT NULL,
    partnership_id TEXT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    priorities TEXT NOT NULL,
    themes TEXT NOT NULL,
    recipients INTEGER NOT NULL,
    published_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX updates_by_partnership ON updates (partnership_id, published_at);
