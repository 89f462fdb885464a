-- A partnership's codebook of themes for coding free text.
CREATE TABLE themes (
    id TEXT PRIMARY KEY NOT NULL,
    partnership_id TEXT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    keywords TEXT NOT NULL,
    priority_codes TEXT NOT NULL,
    value_codes TEXT NOT NULL,
    position INTEGER NOT NULL,
    archived_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (partnership_id, name)
);

-- Which themes a free-text answer was coded to, by whom and when.
CREATE TABLE codings (
    response_id TEXT NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
    question_key TEXT NOT NULL,
    theme_id TEXT NOT NULL REFERENCES themes(id) ON DELETE CASCADE,
    coded_by TEXT NOT NULL,
    coded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (response_id, question_key, theme_id)
);
CREATE INDEX codings_by_theme ON codings (theme_id);

-- A quote: the redacted words of one consented free-text answer. The original answer is
-- kept untouched in `answers`; only approved quotes can be exported.
CREATE TABLE quotes (
    id TEXT PRIMARY KEY NOT NULL,
    response_id TEXT NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
    question_key TEXT NOT NULL,
    redacted TEXT NOT NULL,
    status TEXT NOT NULL,
    approved_by TEXT,
    approved_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (response_id, question_key)
);

-- Names to take out of quotes: staff, schools, services.
CREATE TABLE redaction_names (
    partnership_id TEXT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    PRIMARY KEY (partnership_id, name)
);
