-- The pledge check: the services that signed up to the partnership's pledge, each with a
-- standing feedback survey (an ordinary wave, open with no closing date).
CREATE TABLE pledge_services (
    id TEXT PRIMARY KEY NOT NULL,
    partnership_id TEXT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    wave_id TEXT NOT NULL REFERENCES waves(id) ON DELETE CASCADE,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (partnership_id, name)
);
