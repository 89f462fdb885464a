DROP INDEX answers_written;
ALTER TABLE responses DROP COLUMN answer_sheet;
