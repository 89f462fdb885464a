-- Counts per answer option for past waves where only a published table survives. They are
-- added to the option counts when waves are compared; they have no respondents behind them.
CREATE TABLE imported_counts (
    wave_id TEXT NOT NULL REFERENCES waves(id) ON DELETE CASCADE,
    audience TEXT NOT NULL,
    question_key TEXT NOT NULL,
    option_value TEXT NOT NULL,
    answers BIGINT NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    PRIMARY KEY (wave_id, audience, question_key, option_value)
);
