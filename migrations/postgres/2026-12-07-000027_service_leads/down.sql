ALTER TABLE accounts DROP COLUMN service_id;
