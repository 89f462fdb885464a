DROP TABLE measure_outcomes;
DROP TABLE note_outcomes;
DROP TABLE evidence_notes;
