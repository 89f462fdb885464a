-- The respondent-level index counts (`index_counts`: respondents by positive and valid
-- answers per priority and value) kept once more by channel, by day sent (UTC) and by the
-- answer given to each single-choice question, as `slice_counts` keeps the other figures:
-- a comparison or trend filtered by channel, days or such an answer sums kept rows instead
-- of reading every answer. Rows with `filter_key` '' hold everyone.
CREATE TABLE index_slices (
    wave_id TEXT NOT NULL REFERENCES waves(id) ON DELETE CASCADE,
    audience TEXT NOT NULL,
    channel TEXT NOT NULL,
    day DATE NOT NULL,
    filter_key TEXT NOT NULL,
    filter_value TEXT NOT NULL,
    kind TEXT NOT NULL,
    code TEXT NOT NULL,
    positive INTEGER NOT NULL,
    valid INTEGER NOT NULL,
    respondents BIGINT NOT NULL,
    PRIMARY KEY (wave_id, audience, channel, day, filter_key, filter_value, kind, code, positive, valid)
);
INSERT INTO index_slices (wave_id, audience, channel, day, filter_key, filter_value, kind, code, positive, valid, respondents)
SELECT s.wave_id, s.audience, s.channel, s.day, s.fk, s.fv, s.kind, s.code, s.pos, s.valid, COUNT(*) FROM (
  SELECT r.wave_id AS wave_id, r.audience AS audience, r.channel AS channel, CAST(r.submitted_at AS DATE) AS day, '' AS fk, '' AS fv, r.id AS rid, t.kind AS kind, t.code AS code,
    SUM(CASE WHEN o.polarity = 'positive' THEN 1 ELSE 0 END) AS pos,
    SUM(CASE WHEN o.polarity <> 'excluded' THEN 1 ELSE 0 END) AS valid
  FROM answers a JOIN responses r ON r.id = a.response_id
  JOIN questions q ON q.wave_id = r.wave_id AND q.question_key = a.question_key
  JOIN question_options o ON o.question_id = q.id AND o.value = a.option_value
  JOIN question_tags t ON t.question_id = q.id AND t.kind IN ('priority', 'value')
  WHERE q.kind IN ('single-choice', 'face-scale', 'yes-sometimes-no')
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
) s WHERE s.valid > 0 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;
INSERT INTO index_slices (wave_id, audience, channel, day, filter_key, filter_value, kind, code, positive, valid, respondents)
SELECT s.wave_id, s.audience, s.channel, s.day, s.fk, s.fv, s.kind, s.code, s.pos, s.valid, COUNT(*) FROM (
  SELECT r.wave_id AS wave_id, r.audience AS audience, r.channel AS channel, CAST(r.submitted_at AS DATE) AS day, fa.question_key AS fk, fa.option_value AS fv, r.id AS rid, t.kind AS kind, t.code AS code,
    SUM(CASE WHEN o.polarity = 'positive' THEN 1 ELSE 0 END) AS pos,
    SUM(CASE WHEN o.polarity <> 'excluded' THEN 1 ELSE 0 END) AS valid
  FROM answers a JOIN responses r ON r.id = a.response_id JOIN answers fa ON fa.response_id = r.id AND fa.option_value IS NOT NULL JOIN questions fq ON fq.wave_id = r.wave_id AND fq.question_key = fa.question_key AND fq.kind = 'single-choice'
  JOIN questions q ON q.wave_id = r.wave_id AND q.question_key = a.question_key
  JOIN question_options o ON o.question_id = q.id AND o.value = a.option_value
  JOIN question_tags t ON t.question_id = q.id AND t.kind IN ('priority', 'value')
  WHERE q.kind IN ('single-choice', 'face-scale', 'yes-sometimes-no')
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
) s WHERE s.valid > 0 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;
