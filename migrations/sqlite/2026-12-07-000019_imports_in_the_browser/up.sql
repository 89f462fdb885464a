-- Imports in the browser: the uploaded file waits here (with the column mapping staff are
-- choosing) until it is imported or left; only its uploader's partnership can see it, and
-- drafts older than a day are deleted. A mapping that worked is kept per partnership, keyed
-- by the file's headings, for next year's file from the same tool.
CREATE TABLE import_drafts (
    id TEXT PRIMARY KEY NOT NULL,
    wave_id TEXT NOT NULL REFERENCES waves(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    body BLOB NOT NULL,
    mapping TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX import_drafts_wave ON import_drafts (wave_id);
CREATE TABLE import_mappings (
    partnership_id TEXT NOT NULL,
    signature TEXT NOT NULL,
    mapping TEXT NOT NULL,
    saved_at TIMESTAMP NOT NULL,
    PRIMARY KEY (partnership_id, signature)
);
