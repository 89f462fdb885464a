-- SQLite only (WITHOUT ROWID); PostgreSQL keeps the table as it is.
SELECT 1;
