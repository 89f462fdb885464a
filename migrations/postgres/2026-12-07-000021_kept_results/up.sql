-- More counts kept at write time, beside answer_counts and index_counts, so one wave's
-- results read a few hundred rows however many answered: responses per audience, per
-- question the people who answered a question with several answers each and the people
-- who wrote words, and every number given with how often it was given (medians and
-- quartiles are exact from these). Each write of a response adds +1 and each deletion −1
-- in the same transaction; transcription and retention recount what they change.
CREATE TABLE response_counts (
    wave_id TEXT NOT NULL REFERENCES waves(id) ON DELETE CASCADE,
    audience TEXT NOT NULL,
    responses BIGINT NOT NULL,
    PRIMARY KEY (wave_id, audience)
);
CREATE TABLE question_counts (
    wave_id TEXT NOT NULL REFERENCES waves(id) ON DELETE CASCADE,
    audience TEXT NOT NULL,
    question_key TEXT NOT NULL,
    answered BIGINT NOT NULL,
    wrote BIGINT NOT NULL,
    PRIMARY KEY (wave_id, audience, question_key)
);
CREATE TABLE number_counts (
    wave_id TEXT NOT NULL REFERENCES waves(id) ON DELETE CASCADE,
    audience TEXT NOT NULL,
    question_key TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    answers BIGINT NOT NULL,
    PRIMARY KEY (wave_id, audience, question_key, value)
);
INSERT INTO response_counts (wave_id, audience, responses)
SELECT wave_id, audience, COUNT(*) FROM responses GROUP BY wave_id, audience;
INSERT INTO question_counts (wave_id, audience, question_key, answered, wrote)
SELECT r.wave_id, r.audience, a.question_key,
    COUNT(DISTINCT CASE WHEN q.kind = 'multiple-choice' THEN a.response_id END),
    COUNT(DISTINCT CASE WHEN a.text_value IS NOT NULL AND a.option_value IS NULL THEN a.response_id END)
FROM answers a
JOIN responses r ON r.id = a.response_id
JOIN questions q ON q.wave_id = r.wave_id AND q.question_key = a.question_key
WHERE q.kind = 'multiple-choice' OR (a.text_value IS NOT NULL AND a.option_value IS NULL)
GROUP BY r.wave_id, r.audience, a.question_key;
INSERT INTO number_counts (wave_id, audience, question_key, value, answers)
SELECT r.wave_id, r.audience, a.question_key, a.number_value, COUNT(*)
FROM answers a JOIN responses r ON r.id = a.response_id
WHERE a.number_value IS NOT NULL
GROUP BY r.wave_id, r.audience, a.question_key, a.number_value;
