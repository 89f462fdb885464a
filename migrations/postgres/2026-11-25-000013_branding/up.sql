-- A partnership's branding for emails: its colour (dark enough for white text) and,
-- optionally, one of its pictures as a logo.
CREATE TABLE branding (
    partnership_id TEXT PRIMARY KEY NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    colour TEXT NOT NULL,
    logo_image TEXT,
    updated_at TIMESTAMP NOT NULL
);
