-- Downloads read a wave's responses in the order they were sent, a page at a time;
-- filtered results pick them by day.
CREATE INDEX responses_by_wave_sent ON responses (wave_id, submitted_at, id);
