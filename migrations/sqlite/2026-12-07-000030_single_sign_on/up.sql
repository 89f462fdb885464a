-- Single sign-on with the council's own accounts (OpenID Connect), configured per
-- partnership. The client secret is kept here (the service needs it to redeem codes) and is
-- never shown again or logged. Allowed email domains are space-separated; the role map is
-- "claim value=role" lines.
CREATE TABLE sso_configs (
    partnership_id TEXT PRIMARY KEY NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    issuer TEXT NOT NULL,
    client_id TEXT NOT NULL,
    client_secret TEXT NOT NULL,
    allowed_domains TEXT NOT NULL,
    role_claim TEXT,
    role_map TEXT NOT NULL DEFAULT '',
    default_role TEXT,
    approve_first BOOLEAN NOT NULL DEFAULT FALSE,
    required BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at TIMESTAMP NOT NULL
);
-- A sign-in sent to the provider and not yet back: hashes of its state and of the browser's
-- cookie, its nonce and PKCE verifier; single use, ten minutes.
CREATE TABLE sso_flows (
    id TEXT PRIMARY KEY NOT NULL,
    partnership_id TEXT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    browser_hash TEXT NOT NULL,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
-- Who an account is at the provider (issuer and subject), and whether an admin has let a
-- first single sign-on in yet.
ALTER TABLE accounts ADD COLUMN sso_subject TEXT;
ALTER TABLE accounts ADD COLUMN approved BOOLEAN NOT NULL DEFAULT TRUE;
-- People an admin removed: single sign-on does not let them back in on its own.
CREATE TABLE removed_accounts (
    partnership_id TEXT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    removed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (partnership_id, email)
);
