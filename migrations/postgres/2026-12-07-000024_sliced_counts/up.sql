-- The counts kept at write time, once more by channel, by day sent (UTC) and by the answer
-- given to each single-choice question (an EHC plan or SEN support, an age band), so a
-- result filtered by channel, dates or such an answer sums kept rows instead of counting
-- every answer. One table for every figure a wave's results need (`kind`): responses,
-- answers per option, people who answered a question with several answers each, people
-- who wrote words, and each number given. Rows with `filter_key` '' hold everyone; rows
-- with a single-choice question's key hold the people who gave `filter_value` to it.
-- Unused key parts are '' (or 0 for the number), so one primary key serves every kind and
-- each send adds its figures in one statement.
CREATE TABLE slice_counts (
    wave_id TEXT NOT NULL REFERENCES waves(id) ON DELETE CASCADE,
    audience TEXT NOT NULL,
    channel TEXT NOT NULL,
    day DATE NOT NULL,
    filter_key TEXT NOT NULL,
    filter_value TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('responses', 'option', 'answered', 'wrote', 'number')),
    question_key TEXT NOT NULL,
    option_value TEXT NOT NULL,
    number_value DOUBLE PRECISION NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (wave_id, audience, channel, day, filter_key, filter_value, kind, question_key, option_value, number_value)
);
INSERT INTO slice_counts (wave_id, audience, channel, day, filter_key, filter_value, kind, question_key, option_value, number_value, n)
SELECT r.wave_id, r.audience, r.channel, CAST(r.submitted_at AS DATE), '', '', 'responses', '', '', 0, COUNT(*)
FROM responses r
GROUP BY 1, 2, 3, 4;
INSERT INTO slice_counts (wave_id, audience, channel, day, filter_key, filter_value, kind, question_key, option_value, number_value, n)
SELECT r.wave_id, r.audience, r.channel, CAST(r.submitted_at AS DATE), '', '', 'option', a.question_key, a.option_value, 0, COUNT(*)
FROM answers a JOIN responses r ON r.id = a.response_id
WHERE a.option_value IS NOT NULL GROUP BY 1, 2, 3, 4, 8, 9;
INSERT INTO slice_counts (wave_id, audience, channel, day, filter_key, filter_value, kind, question_key, option_value, number_value, n)
SELECT r.wave_id, r.audience, r.channel, CAST(r.submitted_at AS DATE), '', '', 'answered', a.question_key, '', 0, COUNT(DISTINCT a.response_id)
FROM answers a JOIN responses r ON r.id = a.response_id
JOIN questions q ON q.wave_id = r.wave_id AND q.question_key = a.question_key
WHERE q.kind = 'multiple-choice' GROUP BY 1, 2, 3, 4, 8;
INSERT INTO slice_counts (wave_id, audience, channel, day, filter_key, filter_value, kind, question_key, option_value, number_value, n)
SELECT r.wave_id, r.audience, r.channel, CAST(r.submitted_at AS DATE), '', '', 'wrote', a.question_key, '', 0, COUNT(DISTINCT a.response_id)
FROM answers a JOIN responses r ON r.id = a.response_id
WHERE a.text_value IS NOT NULL AND a.option_value IS NULL GROUP BY 1, 2, 3, 4, 8;
INSERT INTO slice_counts (wave_id, audience, channel, day, filter_key, filter_value, kind, question_key, option_value, number_value, n)
SELECT r.wave_id, r.audience, r.channel, CAST(r.submitted_at AS DATE), '', '', 'number', a.question_key, '', a.number_value, COUNT(*)
FROM answers a JOIN responses r ON r.id = a.response_id
WHERE a.number_value IS NOT NULL GROUP BY 1, 2, 3, 4, 8, 10;
INSERT INTO slice_counts (wave_id, audience, channel, day, filter_key, filter_value, kind, question_key, option_value, number_value, n)
SELECT r.wave_id, r.audience, r.channel, CAST(r.submitted_at AS DATE), fa.question_key, fa.option_value, 'responses', '', '', 0, COUNT(*)
FROM responses r JOIN answers fa ON fa.response_id = r.id AND fa.option_value IS NOT NULL JOIN questions fq ON fq.wave_id = r.wave_id AND fq.question_key = fa.question_key AND fq.kind = 'single-choice'
GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO slice_counts (wave_id, audience, channel, day, filter_key, filter_value, kind, question_key, option_value, number_value, n)
SELECT r.wave_id, r.audience, r.channel, CAST(r.submitted_at AS DATE), fa.question_key, fa.option_value, 'option', a.question_key, a.option_value, 0, COUNT(*)
FROM answers a JOIN responses r ON r.id = a.response_id JOIN answers fa ON fa.response_id = r.id AND fa.option_value IS NOT NULL JOIN questions fq ON fq.wave_id = r.wave_id AND fq.question_key = fa.question_key AND fq.kind = 'single-choice'
WHERE a.option_value IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6, 8, 9;
INSERT INTO slice_counts (wave_id, audience, channel, day, filter_key, filter_value, kind, question_key, option_value, number_value, n)
SELECT r.wave_id, r.audience, r.channel, CAST(r.submitted_at AS DATE), fa.question_key, fa.option_value, 'answered', a.question_key, '', 0, COUNT(DISTINCT a.response_id)
FROM answers a JOIN responses r ON r.id = a.response_id JOIN answers fa ON fa.response_id = r.id AND fa.option_value IS NOT NULL JOIN questions fq ON fq.wave_id = r.wave_id AND fq.question_key = fa.question_key AND fq.kind = 'single-choice'
JOIN questions q ON q.wave_id = r.wave_id AND q.question_key = a.question_key
WHERE q.kind = 'multiple-choice' GROUP BY 1, 2, 3, 4, 5, 6, 8;
INSERT INTO slice_counts (wave_id, audience, channel, day, filter_key, filter_value, kind, question_key, option_value, number_value, n)
SELECT r.wave_id, r.audience, r.channel, CAST(r.submitted_at AS DATE), fa.question_key, fa.option_value, 'wrote', a.question_key, '', 0, COUNT(DISTINCT a.response_id)
FROM answers a JOIN responses r ON r.id = a.response_id JOIN answers fa ON fa.response_id = r.id AND fa.option_value IS NOT NULL JOIN questions fq ON fq.wave_id = r.wave_id AND fq.question_key = fa.question_key AND fq.kind = 'single-choice'
WHERE a.text_value IS NOT NULL AND a.option_value IS NULL GROUP BY 1, 2, 3, 4, 5, 6, 8;
INSERT INTO slice_counts (wave_id, audience, channel, day, filter_key, filter_value, kind, question_key, option_value, number_value, n)
SELECT r.wave_id, r.audience, r.channel, CAST(r.submitted_at AS DATE), fa.question_key, fa.option_value, 'number', a.question_key, '', a.number_value, COUNT(*)
FROM answers a JOIN responses r ON r.id = a.response_id JOIN answers fa ON fa.response_id = r.id AND fa.option_value IS NOT NULL JOIN questions fq ON fq.wave_id = r.wave_id AND fq.question_key = fa.question_key AND fq.kind = 'single-choice'
WHERE a.number_value IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6, 8, 10;
