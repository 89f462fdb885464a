DROP TABLE answer_files;
