-- Young people's panel sessions: a join code for a wave and audience with a time window,
-- optionally a shared tablet in kiosk mode (left only with the facilitator's PIN) and
-- member codes that link a young person across years. Responses and drafts remember their
-- session; a facilitator reveals consented free text on the projector one answer at a time.
CREATE TABLE panel_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    wave_id TEXT NOT NULL REFERENCES waves(id) ON DELETE CASCADE,
    audience TEXT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    kiosk BOOLEAN NOT NULL,
    pin_hash TEXT,
    pin_failures INTEGER NOT NULL DEFAULT 0,
    member_codes BOOLEAN NOT NULL,
    idle_minutes INTEGER NOT NULL,
    opens_at TIMESTAMP NOT NULL,
    closes_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX panel_sessions_by_wave ON panel_sessions (wave_id);

ALTER TABLE responses ADD COLUMN session_id TEXT;
CREATE INDEX responses_by_session ON responses (session_id);
ALTER TABLE drafts ADD COLUMN session_id TEXT;
ALTER TABLE drafts ADD COLUMN member_hash TEXT;

CREATE TABLE panel_reveals (
    session_id TEXT NOT NULL REFERENCES panel_sessions(id) ON DELETE CASCADE,
    response_id TEXT NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
    question_key TEXT NOT NULL,
    revealed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (session_id, response_id, question_key)
);

-- Paper forms typed in by staff. With a second-person check, the first typing waits here
-- until someone else types the same form; matching (or resolved) answers become a response.
CREATE TABLE paper_entries (
    id TEXT PRIMARY KEY NOT NULL,
    wave_id TEXT NOT NULL REFERENCES waves(id) ON DELETE CASCADE,
    audience TEXT NOT NULL,
    form_ref TEXT NOT NULL,
    answers TEXT NOT NULL,
    consent_to_quote BOOLEAN NOT NULL,
    entered_by TEXT NOT NULL,
    entered_at TIMESTAMP NOT NULL,
    stored BOOLEAN NOT NULL,
    checked_by TEXT,
    UNIQUE (wave_id, form_ref)
);
