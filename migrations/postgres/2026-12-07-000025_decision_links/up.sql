-- The decision log: each "you said, we did" update links to the evidence it answers (survey
-- questions by key, themes, quotes, measures) and to the outcome statements it serves, and
-- may carry its own easy-read words for the public page.
ALTER TABLE updates ADD COLUMN easy_read TEXT NOT NULL DEFAULT '';
CREATE TABLE update_links (
    update_id TEXT NOT NULL REFERENCES updates(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('outcome', 'measure', 'theme', 'question', 'quote')),
    target TEXT NOT NULL,
    -- The words shown for it when the update was published (a quote's redacted text, an
    -- outcome statement's wording), kept so the log reads the same later.
    label TEXT NOT NULL,
    PRIMARY KEY (update_id, kind, target)
);
CREATE INDEX update_links_by_target ON update_links (kind, target);
