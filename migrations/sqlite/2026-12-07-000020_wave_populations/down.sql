DROP TABLE wave_populations;
