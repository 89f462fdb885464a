-- The partnership's six-weekly review (Torbay's KPI report): its own rating scales, reviews
-- that rate every outcome statement with a level and an evidence note (drafted, then agreed
-- and locked), and measures, the Appendix 1 dashboard, with their dated values.
CREATE TABLE rating_scales (
    id TEXT PRIMARY KEY NOT NULL,
    partnership_id TEXT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (partnership_id, name)
);
-- Levels in order (position); the words are always shown beside the colour.
CREATE TABLE rating_levels (
    id TEXT PRIMARY KEY NOT NULL,
    scale_id TEXT NOT NULL REFERENCES rating_scales(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    meaning TEXT NOT NULL,
    colour TEXT NOT NULL
);
CREATE INDEX rating_levels_by_scale ON rating_levels (scale_id, position);
CREATE TABLE board_reviews (
    id TEXT PRIMARY KEY NOT NULL,
    partnership_id TEXT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    scale_id TEXT NOT NULL REFERENCES rating_scales(id),
    held_on DATE NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    agreed_by TEXT,
    agreed_at TIMESTAMP
);
CREATE INDEX board_reviews_by_partnership ON board_reviews (partnership_id, held_on);
-- One rating per outcome statement per review; the level's name is kept as rated, so an
-- agreed review reads the same after the scale's words change.
CREATE TABLE review_ratings (
    review_id TEXT NOT NULL REFERENCES board_reviews(id) ON DELETE CASCADE,
    outcome_id TEXT NOT NULL REFERENCES outcome_statements(id) ON DELETE CASCADE,
    level_id TEXT NOT NULL REFERENCES rating_levels(id),
    level_name TEXT NOT NULL,
    note TEXT NOT NULL,
    rated_by TEXT NOT NULL,
    rated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (review_id, outcome_id)
);
CREATE INDEX review_ratings_by_outcome ON review_ratings (outcome_id);
CREATE TABLE measures (
    id TEXT PRIMARY KEY NOT NULL,
    partnership_id TEXT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    reference TEXT NOT NULL,
    name TEXT NOT NULL,
    unit TEXT NOT NULL,
    direction TEXT NOT NULL,
    target REAL,
    frequency TEXT,
    note TEXT NOT NULL,
    position INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (partnership_id, reference, name)
);
-- A measure's value for the period ending period_end (as the dashboard wrote the period).
CREATE TABLE measure_values (
    measure_id TEXT NOT NULL REFERENCES measures(id) ON DELETE CASCADE,
    period_end DATE NOT NULL,
    period TEXT NOT NULL,
    value REAL NOT NULL,
    entered_by TEXT NOT NULL,
    entered_at TIMESTAMP NOT NULL,
    PRIMARY KEY (measure_id, period_end)
);
-- Evidence from other sources (a Parent Carer Forum meeting, a roadshow, newsletter
-- analytics): a dated note with its source and who wrote it, tagged to outcome statements.
CREATE TABLE evidence_notes (
    id TEXT PRIMARY KEY NOT NULL,
    partnership_id TEXT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    noted_on DATE NOT NULL,
    source TEXT NOT NULL,
    body TEXT NOT NULL,
    written_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX evidence_notes_by_partnership ON evidence_notes (partnership_id, noted_on);
CREATE TABLE note_outcomes (
    note_id TEXT NOT NULL REFERENCES evidence_notes(id) ON DELETE CASCADE,
    outcome_id TEXT NOT NULL REFERENCES outcome_statements(id) ON DELETE CASCADE,
    PRIMARY KEY (note_id, outcome_id)
);
CREATE INDEX note_outcomes_by_outcome ON note_outcomes (outcome_id);
-- Which outcome statements a measure is evidence for.
CREATE TABLE measure_outcomes (
    measure_id TEXT NOT NULL REFERENCES measures(id) ON DELETE CASCADE,
    outcome_id TEXT NOT NULL REFERENCES outcome_statements(id) ON DELETE CASCADE,
    PRIMARY KEY (measure_id, outcome_id)
);
CREATE INDEX measure_outcomes_by_outcome ON measure_outcomes (outcome_id);
