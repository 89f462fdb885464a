-- Co-design review of a draft wave: a join code a co-production group opens on their phones
-- or a shared tablet, and what they said about each question ("Is this easy to understand?",
-- better words). Feedback is never a response: it has no draft, no receipt and no person. It
-- is deleted when the wave opens, or kept then as anonymous counts per question.
CREATE TABLE reviews (
    id TEXT PRIMARY KEY NOT NULL,
    wave_id TEXT NOT NULL REFERENCES waves(id) ON DELETE CASCADE,
    audience TEXT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    keep_counts BOOLEAN NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP
);
CREATE INDEX reviews_by_wave ON reviews (wave_id);

CREATE TABLE review_feedback (
    id TEXT PRIMARY KEY NOT NULL,
    review_id TEXT NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
    question_key TEXT NOT NULL,
    verdict TEXT NOT NULL,
    suggestion TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX review_feedback_by_review ON review_feedback (review_id, question_key);

-- What is kept when a wave opens with keep_counts: counts only, no words, no times.
CREATE TABLE review_counts (
    wave_id TEXT NOT NULL REFERENCES waves(id) ON DELETE CASCADE,
    audience TEXT NOT NULL,
    question_key TEXT NOT NULL,
    yes BIGINT NOT NULL,
    not_sure BIGINT NOT NULL,
    no BIGINT NOT NULL,
    PRIMARY KEY (wave_id, audience, question_key)
);
