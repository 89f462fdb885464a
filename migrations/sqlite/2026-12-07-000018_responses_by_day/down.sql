DROP INDEX responses_by_wave_sent;
