-- A service lead's sign-in sees only their own pledge service's scorecard: the account
-- (role `service-lead`) names the service. Removing the service removes the sign-in.
ALTER TABLE accounts ADD COLUMN service_id TEXT REFERENCES pledge_services(id) ON DELETE CASCADE;
