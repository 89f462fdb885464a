-- Say it or show it: a recording or a picture someone gave instead of writing. Held with
-- their unsent answers (draft_id) until Send, then with the response (response_id); deleted
-- with either (receipt-code deletion, expired drafts) and by the free-text retention job.
-- What is coded and quoted is words: the transcript staff type goes into the answer's text.
CREATE TABLE answer_files (
    id TEXT PRIMARY KEY NOT NULL,
    wave_id TEXT NOT NULL REFERENCES waves(id) ON DELETE CASCADE,
    draft_id TEXT REFERENCES drafts(id) ON DELETE CASCADE,
    response_id TEXT REFERENCES responses(id) ON DELETE CASCADE,
    question_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    content_type TEXT NOT NULL,
    body BLOB NOT NULL,
    size_bytes INTEGER NOT NULL,
    words TEXT,
    transcript TEXT,
    transcribed_by TEXT,
    transcribed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX answer_files_draft ON answer_files (draft_id, question_key);
CREATE INDEX answer_files_response ON answer_files (response_id);
CREATE INDEX answer_files_wave ON answer_files (wave_id);
