-- Each response's chosen options and numbers, kept beside it as one JSON object written in
-- the transaction that stores its answers (`models::sheets`): the responses download reads
-- one row per response instead of one per answer. Keys repeat for a question with several
-- answers, in the order they were given. Written answers are not in it (they are read from
-- `answers` only for roles that may see them, and retention clears them there).
ALTER TABLE responses ADD COLUMN answer_sheet TEXT NOT NULL DEFAULT '{}';
UPDATE responses SET answer_sheet = coalesce((
    SELECT json_group_object(a.question_key, coalesce(a.option_value, a.number_value) ORDER BY a.question_key, a.ordinal)
    FROM answers a
    WHERE a.response_id = responses.id AND (a.option_value IS NOT NULL OR a.number_value IS NOT NULL)
), '{}');
-- The written answers alone, by response and question: the download looks up a batch's
-- words here (a small index) instead of in the primary key of every answer.
CREATE INDEX answers_written ON answers (response_id, question_key)
    WHERE text_value IS NOT NULL AND option_value IS NULL AND number_value IS NULL;
