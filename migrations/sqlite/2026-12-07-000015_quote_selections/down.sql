DROP TABLE quote_selection_items;
DROP TABLE quote_selections;
