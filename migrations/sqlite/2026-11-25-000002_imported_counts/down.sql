DROP TABLE imported_counts;
