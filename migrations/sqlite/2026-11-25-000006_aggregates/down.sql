DROP TABLE index_counts;
DROP TABLE answer_counts;
