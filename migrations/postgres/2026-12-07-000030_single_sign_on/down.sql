DROP TABLE removed_accounts;
ALTER TABLE accounts DROP COLUMN approved;
ALTER TABLE accounts DROP COLUMN sso_subject;
DROP TABLE sso_flows;
DROP TABLE sso_configs;
