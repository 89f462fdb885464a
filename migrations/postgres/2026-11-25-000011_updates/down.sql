DROP INDEX updates_by_partnership;
DROP TABLE updates;
DROP TABLE follow_ups;
