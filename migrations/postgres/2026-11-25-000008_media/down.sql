DROP TABLE images;
DROP TABLE recordings;
