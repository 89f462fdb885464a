DROP TABLE slice_counts;
