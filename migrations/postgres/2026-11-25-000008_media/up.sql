-- Recordings of questions read aloud (per wave, audience, language and question) and a
-- partnership's own pictures. Files are small (limits in routes::media) and checked before
-- they are stored: audio by its signature, SVG sanitised, raster images re-encoded.
CREATE TABLE recordings (
    id TEXT PRIMARY KEY NOT NULL,
    wave_id TEXT NOT NULL REFERENCES waves(id) ON DELETE CASCADE,
    audience TEXT NOT NULL,
    language TEXT NOT NULL,
    question_key TEXT NOT NULL,
    content_type TEXT NOT NULL,
    body BYTEA NOT NULL,
    size_bytes INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (wave_id, audience, language, question_key)
);

CREATE TABLE images (
    id TEXT PRIMARY KEY NOT NULL,
    partnership_id TEXT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    alt TEXT NOT NULL,
    content_type TEXT NOT NULL,
    body BYTEA NOT NULL,
    size_bytes INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (partnership_id, name)
);
