-- Staff's own BRAG rating for a priority in an evidence pack, overriding the suggested one,
-- always with a note saying why.
CREATE TABLE brag_overrides (
    series_id TEXT NOT NULL REFERENCES survey_series(id) ON DELETE CASCADE,
    from_wave TEXT NOT NULL,
    to_wave TEXT NOT NULL,
    audience TEXT NOT NULL,
    priority_code TEXT NOT NULL,
    rating TEXT NOT NULL,
    note TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at TIMESTAMP NOT NULL,
    PRIMARY KEY (series_id, from_wave, to_wave, audience, priority_code)
);
