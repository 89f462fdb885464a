-- Heard's spine: frameworks, surveys, responses, drafts, accounts.
-- IDs are text UUIDs; timestamps are UTC with microseconds.
CREATE TABLE instance_settings (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

CREATE TABLE partnerships (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    values_kind TEXT NOT NULL,
    values_name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE priorities (
    id TEXT PRIMARY KEY NOT NULL,
    partnership_id TEXT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    short_title TEXT NOT NULL,
    position INTEGER NOT NULL,
    archived_at TIMESTAMP,
    UNIQUE (partnership_id, code)
);

CREATE TABLE pledge_values (
    id TEXT PRIMARY KEY NOT NULL,
    partnership_id TEXT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    meaning TEXT NOT NULL,
    position INTEGER NOT NULL,
    archived_at TIMESTAMP,
    UNIQUE (partnership_id, code)
);

CREATE TABLE outcome_statements (
    id TEXT PRIMARY KEY NOT NULL,
    partnership_id TEXT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    priority_id TEXT REFERENCES priorities(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    statement TEXT NOT NULL,
    position INTEGER NOT NULL,
    archived_at TIMESTAMP,
    UNIQUE (partnership_id, code)
);

CREATE TABLE accounts (
    id TEXT PRIMARY KEY NOT NULL,
    partnership_id TEXT REFERENCES partnerships(id) ON DELETE CASCADE,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE survey_series (
    id TEXT PRIMARY KEY NOT NULL,
    partnership_id TEXT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE waves (
    id TEXT PRIMARY KEY NOT NULL,
    series_id TEXT NOT NULL REFERENCES survey_series(id) ON DELETE CASCADE,
    slug TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    status TEXT NOT NULL,
    opens_at TIMESTAMP,
    closes_at TIMESTAMP,
    definition TEXT NOT NULL,
    definition_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE questions (
    id TEXT PRIMARY KEY NOT NULL,
    wave_id TEXT NOT NULL REFERENCES waves(id) ON DELETE CASCADE,
    question_key TEXT NOT NULL,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    UNIQUE (wave_id, question_key)
);

CREATE TABLE question_options (
    question_id TEXT NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
    value TEXT NOT NULL,
    polarity TEXT NOT NULL,
    score DOUBLE PRECISION,
    position INTEGER NOT NULL,
    PRIMARY KEY (question_id, value)
);

CREATE TABLE question_tags (
    question_id TEXT NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    code TEXT NOT NULL,
    PRIMARY KEY (question_id, kind, code)
);

CREATE TABLE responses (
    id TEXT PRIMARY KEY NOT NULL,
    wave_id TEXT NOT NULL REFERENCES waves(id) ON DELETE CASCADE,
    audience TEXT NOT NULL,
    channel TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    consent_to_quote BOOLEAN NOT NULL,
    receipt_hash TEXT UNIQUE
);
CREATE INDEX responses_by_wave ON responses (wave_id, audience);

CREATE TABLE answers (
    response_id TEXT NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
    question_key TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    option_value TEXT,
    text_value TEXT,
    number_value DOUBLE PRECISION,
    PRIMARY KEY (response_id, question_key, ordinal)
);
CREATE INDEX answers_by_question ON answers (question_key, option_value);

CREATE TABLE drafts (
    id TEXT PRIMARY KEY NOT NULL,
    wave_id TEXT NOT NULL REFERENCES waves(id) ON DELETE CASCADE,
    audience TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    resume_hash TEXT UNIQUE,
    answers TEXT NOT NULL,
    consent_to_quote BOOLEAN,
    started_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    response_id TEXT,
    receipt_code TEXT
);
CREATE INDEX drafts_by_expiry ON drafts (expires_at);
