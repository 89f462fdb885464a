-- Who took part: the size of the population in each group of a wave (from the
-- partnership's own SEN2 or school-census figures), and the one-answer question that places
-- a respondent in a group. One grouping question per wave.
CREATE TABLE wave_populations (
    wave_id TEXT NOT NULL REFERENCES waves(id) ON DELETE CASCADE,
    question_key TEXT NOT NULL,
    group_value TEXT NOT NULL,
    population BIGINT NOT NULL,
    set_by TEXT NOT NULL,
    set_at TIMESTAMP NOT NULL,
    PRIMARY KEY (wave_id, group_value)
);
