-- Exact counts kept up to date in the same transaction as every write, so a year-on-year
-- comparison reads a few hundred rows instead of every answer.
-- Answers per option, per wave, audience and question key.
CREATE TABLE answer_counts (
    wave_id TEXT NOT NULL REFERENCES waves(id) ON DELETE CASCADE,
    audience TEXT NOT NULL,
    question_key TEXT NOT NULL,
    option_value TEXT NOT NULL,
    answers BIGINT NOT NULL,
    PRIMARY KEY (wave_id, audience, question_key, option_value)
);
-- For each priority or value: how many respondents gave `positive` positive answers out of
-- `valid` valid ones to its single-answer questions (the respondent-level index, exactly).
CREATE TABLE index_counts (
    wave_id TEXT NOT NULL REFERENCES waves(id) ON DELETE CASCADE,
    audience TEXT NOT NULL,
    kind TEXT NOT NULL,
    code TEXT NOT NULL,
    positive INTEGER NOT NULL,
    valid INTEGER NOT NULL,
    respondents BIGINT NOT NULL,
    PRIMARY KEY (wave_id, audience, kind, code, positive, valid)
);
INSERT INTO answer_counts (wave_id, audience, question_key, option_value, answers)
SELECT r.wave_id, r.audience, a.question_key, a.option_value, COUNT(*)
FROM answers a JOIN responses r ON r.id = a.response_id
WHERE a.option_value IS NOT NULL
GROUP BY r.wave_id, r.audience, a.question_key, a.option_value;
INSERT INTO index_counts (wave_id, audience, kind, code, positive, valid, respondents)
SELECT s.wave_id, s.audience, s.kind, s.code, s.pos, s.valid, COUNT(*) FROM (
    SELECT r.wave_id AS wave_id, r.audience AS audience, r.id AS rid, t.kind AS kind, t.code AS code,
        SUM(CASE WHEN o.polarity = 'positive' THEN 1 ELSE 0 END) AS pos,
        SUM(CASE WHEN o.polarity <> 'excluded' THEN 1 ELSE 0 END) AS valid
    FROM answers a
    JOIN responses r ON r.id = a.response_id
    JOIN questions q ON q.wave_id = r.wave_id AND q.question_key = a.question_key
    JOIN question_options o ON o.question_id = q.id AND o.value = a.option_value
    JOIN question_tags t ON t.question_id = q.id AND t.kind IN ('priority', 'value')
    WHERE q.kind IN ('single-choice', 'face-scale', 'yes-sometimes-no')
    GROUP BY r.wave_id, r.audience, r.id, t.kind, t.code
) s WHERE s.valid > 0
GROUP BY s.wave_id, s.audience, s.kind, s.code, s.pos, s.valid;
