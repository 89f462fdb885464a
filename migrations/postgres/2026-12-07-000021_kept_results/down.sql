DROP TABLE number_counts;
DROP TABLE question_counts;
DROP TABLE response_counts;
