ALTER TABLE staff_sessions DROP COLUMN device;
ALTER TABLE staff_sessions DROP COLUMN browser;
DROP TABLE sign_in_steps;
DROP TABLE recovery_codes;
ALTER TABLE accounts DROP COLUMN totp_last_step;
ALTER TABLE accounts DROP COLUMN totp_pending;
ALTER TABLE accounts DROP COLUMN totp_secret;
