DROP TABLE review_counts;
DROP TABLE review_feedback;
DROP TABLE reviews;
