-- Saved selections of quotes ("Newsletter, March"): a name per partnership and the quotes
-- ticked for it, in order. A quote that is deleted (retention, a receipt-code deletion)
-- leaves every selection it was in.
CREATE TABLE quote_selections (
    id TEXT PRIMARY KEY NOT NULL,
    partnership_id TEXT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (partnership_id, name)
);

CREATE TABLE quote_selection_items (
    selection_id TEXT NOT NULL REFERENCES quote_selections(id) ON DELETE CASCADE,
    quote_id TEXT NOT NULL REFERENCES quotes(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    PRIMARY KEY (selection_id, quote_id)
);
CREATE INDEX quote_selection_items_by_quote ON quote_selection_items (quote_id);
