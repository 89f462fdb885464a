DROP TABLE redaction_names;
DROP TABLE quotes;
DROP TABLE codings;
DROP TABLE themes;
