DROP TABLE update_links;
ALTER TABLE updates DROP COLUMN easy_read;
