DROP TABLE index_slices;
