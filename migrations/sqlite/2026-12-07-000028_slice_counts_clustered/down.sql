CREATE TABLE slice_counts_heap (
    wave_id TEXT NOT NULL REFERENCES waves(id) ON DELETE CASCADE,
    audience TEXT NOT NULL,
    channel TEXT NOT NULL,
    day DATE NOT NULL,
    filter_key TEXT NOT NULL,
    filter_value TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('responses', 'option', 'answered', 'wrote', 'number')),
    question_key TEXT NOT NULL,
    option_value TEXT NOT NULL,
    number_value REAL NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (wave_id, audience, channel, day, filter_key, filter_value, kind, question_key, option_value, number_value)
);
INSERT INTO slice_counts_heap SELECT * FROM slice_counts;
DROP TABLE slice_counts;
ALTER TABLE slice_counts_heap RENAME TO slice_counts;
