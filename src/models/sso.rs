//! Single sign-on with the council's own accounts (OpenID Connect), per partnership: its
//! settings (`sso_configs`), the sign-ins sent to the provider and not yet back
//! (`sso_flows`), and what a checked ID token leads to. The protocol itself (discovery, the
//! code exchange with PKCE, the ID token's signature, issuer, audience, expiry and nonce) is
//! the `openidconnect` crate's, driven by `routes::sso`; this module never sees HTTP.
//!
//! - **Settings**: issuer, client id, client secret (kept for the code exchange; never shown
//!   again nor written to the audit log), allowed email domains, and how people get a role:
//!   a claim (such as `groups` or `roles`) whose values map to roles, else a default role,
//!   else "an admin approves the first sign-in" (the account waits, refused, until an admin
//!   approves it with a role). An admin can require single sign-on: then the partnership's
//!   passwords no longer sign anyone in (superadmins, who belong to no partnership, keep
//!   theirs).
//! - **A sign-in** must come back to the browser that started it (a cookie's hash is kept
//!   with the flow) with the state it was given, once, within ten minutes. The email must be
//!   verified and in an allowed domain; a person an admin removed stays out. Every sign-in
//!   and every refusal is audited. Single sign-on skips Heard's own two-factor step: the
//!   organisation's sign-in is where multi-factor authentication belongs.

use diesel::prelude::*;

use super::account::{self, Role, SessionRules, Staff};
use super::audit::{self, Action, Actor};
use super::{StoreError, StoreResult};
use crate::db::schema::{accounts, partnerships, removed_accounts, sso_configs, sso_flows};
use crate::db::{AccountId, DbConnection, PartnershipId, now};
use crate::domain::codes::hash_token;

/// How long a sign-in may take at the provider.
pub const FLOW_MINUTES: i64 = crate::domain::datamap::SSO_FLOW_MINUTES;

/// A partnership's single sign-on settings, as checked.
#[derive(Debug, Clone)]
pub struct Config {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    pub allowed_domains: Vec<String>,
    pub role_claim: Option<String>,
    pub role_map: Vec<(String, Role)>,
    pub default_role: Option<Role>,
    pub approve_first: bool,
    pub required: bool,
}

/// The settings as an admin sees them: never the secret.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Shown {
    pub issuer: String,
    pub client_id: String,
    pub allowed_domains: String,
    pub role_claim: String,
    pub role_map: String,
    pub default_role: String,
    pub approve_first: bool,
    pub required: bool,
}

/// Settings to store; `client_secret` `None` keeps the stored one.
#[derive(Debug, Clone, Default)]
pub struct Input {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub allowed_domains: String,
    pub role_claim: String,
    pub role_map: String,
    pub default_role: String,
    pub approve_first: bool,
    pub required: bool,
}

/// What is wrong with settings, field by field (the form's field names).
#[derive(Debug, Clone, Default)]
pub struct Problems(pub Vec<(&'static str, String)>);

/// The roles single sign-on may give.
fn grantable(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Analyst | Role::Facilitator | Role::Viewer)
}

fn parse_role(text: &str) -> Option<Role> {
    Role::parse(text.trim()).filter(|r| grantable(*r))
}

/// The issuer must be an `https://` address (or `http://` on this machine, for tests).
fn issuer_ok(issuer: &str) -> bool {
    let local = ["http://127.0.0.1:", "http://localhost:", "http://[::1]:"].iter().any(|p| issuer.starts_with(p));
    (issuer.starts_with("https://") || local) && !issuer.contains(char::is_whitespace) && issuer.len() <= 500
}

fn domains_of(text: &str) -> Vec<String> {
    text.split([' ', ',', '\n', '\r', '\t'])
        .map(|d| d.trim().trim_start_matches('@').to_lowercase())
        .filter(|d| !d.is_empty())
        .collect()
}

fn domain_ok(d: &str) -> bool {
    d.len() <= 253
        && d.contains('.')
        && d.split('.')
            .all(|l| !l.is_empty() && l.len() <= 63 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

fn role_map_of(text: &str) -> Result<Vec<(String, Role)>, String> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let Some((value, role)) = line.rsplit_once('=') else {
            return Err(format!("“{line}” is not “value=role”"));
        };
        let Some(role) = parse_role(role) else {
            return Err(format!(
                "“{}” is not a role single sign-on can give (admin, analyst, facilitator or viewer)",
                role.trim()
            ));
        };
        if value.trim().is_empty() {
            return Err(format!("“{line}” has no value before the ="));
        }
        out.push((value.trim().to_owned(), role));
    }
    Ok(out)
}

/// Checks settings against what is stored (a secret is needed the first time).
pub fn check(input: &Input, secret_stored: bool) -> Result<Config, Problems> {
    let mut problems = Vec::new();
    let issuer = input.issuer.trim().trim_end_matches('/').to_owned();
    if !issuer_ok(&issuer) {
        problems.push(("issuer", "Enter the provider's address, starting https:// (for example https://login.microsoftonline.com/TENANT/v2.0).".to_owned()));
    }
    let client_id = input.client_id.trim().to_owned();
    if client_id.is_empty() || client_id.len() > 300 {
        problems.push(("client_id", "Enter the client id the provider gave Heard.".to_owned()));
    }
    let secret = input.client_secret.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if secret.is_none() && !secret_stored {
        problems.push(("client_secret", "Enter the client secret the provider gave Heard.".to_owned()));
    }
    if secret.is_some_and(|s| s.len() > 1000) {
        problems.push((
            "client_secret",
            "The client secret is longer than 1,000 characters: check what was pasted.".to_owned(),
        ));
    }
    let allowed_domains = domains_of(&input.allowed_domains);
    if allowed_domains.is_empty() {
        problems.push(("allowed_domains", "Enter at least one email domain, such as torbay.gov.uk.".to_owned()));
    } else if let Some(bad) = allowed_domains.iter().find(|d| !domain_ok(d)) {
        problems.push(("allowed_domains", format!("“{bad}” is not an email domain, such as torbay.gov.uk.")));
    }
    let role_claim = Some(input.role_claim.trim().to_owned()).filter(|c| !c.is_empty());
    let role_map = match role_map_of(&input.role_map) {
        Ok(m) => m,
        Err(e) => {
            problems.push(("role_map", format!("{e}. Write one “value=role” a line, such as heard-admins=admin.")));
            Vec::new()
        }
    };
    if role_claim.is_some() && role_map.is_empty() && problems.iter().all(|(f, _)| *f != "role_map") {
        problems.push((
            "role_map",
            "Say which values of the claim give which role, such as heard-admins=admin.".to_owned(),
        ));
    }
    let default_role = match input.default_role.trim() {
        "" => None,
        r => match parse_role(r) {
            Some(role) => Some(role),
            None => {
                problems.push(("default_role", "Choose a role single sign-on can give.".to_owned()));
                None
            }
        },
    };
    if !problems.is_empty() {
        return Err(Problems(problems));
    }
    Ok(Config {
        issuer,
        client_id,
        client_secret: secret.unwrap_or_default().to_owned(),
        allowed_domains,
        role_claim,
        role_map,
        default_role,
        approve_first: input.approve_first,
        required: input.required,
    })
}

/// Why settings were not stored.
#[derive(Debug)]
pub enum SetError {
    Problems(Problems),
    Store(StoreError),
}

impl From<StoreError> for SetError {
    fn from(e: StoreError) -> Self {
        SetError::Store(e)
    }
}

impl From<diesel::result::Error> for SetError {
    fn from(e: diesel::result::Error) -> Self {
        SetError::Store(e.into())
    }
}

/// Stores a partnership's settings (audited, without the secret).
pub fn set(conn: &mut DbConnection, partnership: &PartnershipId, input: &Input, actor: &Actor) -> Result<(), SetError> {
    conn.write(|c| -> Result<(), SetError> {
        let stored: Option<String> = sso_configs::table
            .filter(sso_configs::partnership_id.eq(partnership))
            .select(sso_configs::client_secret)
            .first(c)
            .optional()?;
        let cfg = check(input, stored.is_some()).map_err(SetError::Problems)?;
        let secret = if cfg.client_secret.is_empty() { stored.unwrap_or_default() } else { cfg.client_secret.clone() };
        let map: String = cfg.role_map.iter().map(|(v, r)| format!("{v}={}\n", r.as_str())).collect();
        let values = (
            sso_configs::issuer.eq(&cfg.issuer),
            sso_configs::client_id.eq(&cfg.client_id),
            sso_configs::client_secret.eq(&secret),
            sso_configs::allowed_domains.eq(cfg.allowed_domains.join(" ")),
            sso_configs::role_claim.eq(cfg.role_claim.as_deref()),
            sso_configs::role_map.eq(&map),
            sso_configs::default_role.eq(cfg.default_role.map(Role::as_str)),
            sso_configs::approve_first.eq(cfg.approve_first),
            sso_configs::required.eq(cfg.required),
            sso_configs::updated_at.eq(now()),
        );
        let changed = diesel::update(sso_configs::table.filter(sso_configs::partnership_id.eq(partnership)))
            .set(values.clone())
            .execute(c)?;
        if changed == 0 {
            diesel::insert_into(sso_configs::table)
                .values((sso_configs::partnership_id.eq(partnership), values))
                .execute(c)?;
        }
        audit::record(
            c,
            actor,
            Some(partnership),
            Action::SsoConfigured,
            &serde_json::json!({
                "issuer": cfg.issuer,
                "client_id": cfg.client_id,
                "secret_changed": !cfg.client_secret.is_empty(),
                "allowed_domains": cfg.allowed_domains,
                "role_claim": cfg.role_claim,
                "default_role": cfg.default_role.map(Role::as_str),
                "approve_first": cfg.approve_first,
                "required": cfg.required,
            }),
        )?;
        Ok(())
    })
}

type ConfigRow = (String, String, String, String, Option<String>, String, Option<String>, bool, bool);

fn config_of(row: ConfigRow) -> Config {
    let (issuer, client_id, client_secret, domains, role_claim, map, default_role, approve_first, required) = row;
    Config {
        issuer,
        client_id,
        client_secret,
        allowed_domains: domains_of(&domains),
        role_claim,
        role_map: role_map_of(&map).unwrap_or_default(),
        default_role: default_role.as_deref().and_then(parse_role),
        approve_first,
        required,
    }
}

/// A partnership's settings, with the secret (for the sign-in itself).
pub fn config(conn: &mut DbConnection, partnership: &PartnershipId) -> StoreResult<Option<Config>> {
    let row: Option<ConfigRow> = sso_configs::table
        .filter(sso_configs::partnership_id.eq(partnership))
        .select((
            sso_configs::issuer,
            sso_configs::client_id,
            sso_configs::client_secret,
            sso_configs::allowed_domains,
            sso_configs::role_claim,
            sso_configs::role_map,
            sso_configs::default_role,
            sso_configs::approve_first,
            sso_configs::required,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(config_of))
}

/// A partnership's settings as an admin sees them (never the secret).
pub fn shown(conn: &mut DbConnection, partnership: &PartnershipId) -> StoreResult<Option<Shown>> {
    Ok(config(conn, partnership)?.map(|c| Shown {
        issuer: c.issuer,
        client_id: c.client_id,
        allowed_domains: c.allowed_domains.join(" "),
        role_claim: c.role_claim.unwrap_or_default(),
        role_map: c.role_map.iter().map(|(v, r)| format!("{v}={}\n", r.as_str())).collect(),
        default_role: c.default_role.map(Role::as_str).unwrap_or_default().to_owned(),
        approve_first: c.approve_first,
        required: c.required,
    }))
}

/// The partnerships that sign in with single sign-on (slug and name), for the sign-in page.
pub fn offered(conn: &mut DbConnection) -> StoreResult<Vec<(String, String)>> {
    Ok(sso_configs::table
        .inner_join(partnerships::table)
        .order(partnerships::name.asc())
        .select((partnerships::slug, partnerships::name))
        .load(conn)?)
}

/// Whether the partnership of this account requires single sign-on (its password then signs
/// nobody in).
pub fn required_for(conn: &mut DbConnection, account: &AccountId) -> StoreResult<bool> {
    let required: Option<bool> = accounts::table
        .inner_join(sso_configs::table.on(sso_configs::partnership_id.nullable().eq(accounts::partnership_id)))
        .filter(accounts::id.eq(account))
        .select(sso_configs::required)
        .first(conn)
        .optional()?;
    Ok(required.unwrap_or(false))
}

/// Records a sign-in sent to the provider; `state` and `browser` are hashed.
pub fn start(
    conn: &mut DbConnection,
    partnership: &PartnershipId,
    state: &str,
    browser: &str,
    nonce: &str,
    verifier: &str,
) -> StoreResult<()> {
    let stamp = now();
    conn.write(|c| -> StoreResult<()> {
        diesel::delete(sso_flows::table.filter(sso_flows::expires_at.le(stamp))).execute(c)?;
        diesel::insert_into(sso_flows::table)
            .values((
                sso_flows::id.eq(hash_token(state)),
                sso_flows::partnership_id.eq(partnership),
                sso_flows::browser_hash.eq(hash_token(browser)),
                sso_flows::nonce.eq(nonce),
                sso_flows::pkce_verifier.eq(verifier),
                sso_flows::created_at.eq(stamp),
                sso_flows::expires_at.eq(stamp + chrono::TimeDelta::minutes(FLOW_MINUTES)),
            ))
            .execute(c)?;
        Ok(())
    })
}

/// A sign-in come back: its partnership, nonce and PKCE verifier.
#[derive(Debug, Clone)]
pub struct Flow {
    pub partnership: PartnershipId,
    pub nonce: String,
    pub verifier: String,
}

/// Takes the flow `state` names, once: it must be live and started by this `browser`. A state
/// taken already, unknown, late or from another browser gives `None`.
pub fn take(conn: &mut DbConnection, state: &str, browser: &str) -> StoreResult<Option<Flow>> {
    let id = hash_token(state);
    conn.write(|c| -> StoreResult<Option<Flow>> {
        let row: Option<(PartnershipId, String, String, String, chrono::NaiveDateTime)> = sso_flows::table
            .filter(sso_flows::id.eq(&id))
            .select((
                sso_flows::partnership_id,
                sso_flows::browser_hash,
                sso_flows::nonce,
                sso_flows::pkce_verifier,
                sso_flows::expires_at,
            ))
            .first(c)
            .optional()?;
        let Some((partnership, browser_hash, nonce, verifier, expires)) = row else { return Ok(None) };
        if browser_hash != hash_token(browser) {
            // Another browser's state: leave the flow for its own browser.
            return Ok(None);
        }
        diesel::delete(sso_flows::table.filter(sso_flows::id.eq(&id))).execute(c)?;
        Ok((expires > now()).then_some(Flow { partnership, nonce, verifier }))
    })
}

/// Who the provider says signed in, from a checked ID token.
#[derive(Debug, Clone)]
pub struct Identity {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    /// The values of the role claim, if the settings name one.
    pub claim_values: Vec<String>,
}

/// What a single sign-on came to.
#[derive(Debug, Clone)]
pub enum Outcome {
    SignedIn {
        token: String,
        staff: Box<Staff>,
    },
    /// The account waits for an admin to approve it.
    Waiting,
    /// Refused, with the words for the person.
    Refused(String),
}

/// Records a refusal (audited) and gives its words back.
pub fn refuse(
    conn: &mut DbConnection,
    partnership: Option<&PartnershipId>,
    reason: &str,
    email: Option<&str>,
) -> StoreResult<Outcome> {
    conn.write(|c| {
        audit::record(
            c,
            &Actor::system("single sign-on"),
            partnership,
            Action::SsoRefused,
            &serde_json::json!({"reason": reason, "email": email}),
        )
    })?;
    Ok(Outcome::Refused(reason.to_owned()))
}

/// An account found by email: id, partnership, approved, subject at the provider.
type FoundAccount = (AccountId, Option<PartnershipId>, bool, Option<String>);

/// Signs in the person a checked ID token names, for `partnership`: their account, a new one
/// by the settings' role rules, or a refusal (audited).
pub fn sign_in(
    conn: &mut DbConnection,
    partnership: &PartnershipId,
    cfg: &Config,
    who: &Identity,
    rules: &SessionRules,
    browser: &str,
) -> StoreResult<Outcome> {
    let Some(email) = who.email.as_deref().map(|e| e.trim().to_lowercase()).filter(|e| e.contains('@')) else {
        return refuse(
            conn,
            Some(partnership),
            "Your organisation's sign-in did not give Heard your email address, so Heard cannot tell who you are. Ask your IT team to release the email claim to Heard.",
            None,
        );
    };
    if who.email_verified == Some(false) {
        return refuse(
            conn,
            Some(partnership),
            "Your organisation's sign-in says your email address is not verified. Ask your IT team.",
            Some(&email),
        );
    }
    let domain = email.rsplit_once('@').map(|(_, d)| d.to_owned()).unwrap_or_default();
    if !cfg.allowed_domains.contains(&domain) {
        return refuse(
            conn,
            Some(partnership),
            &format!(
                "Heard does not accept sign-ins from {domain} addresses for this partnership. Sign in with your work account, or ask an admin of the partnership to add your organisation."
            ),
            Some(&email),
        );
    }
    let removed: i64 = removed_accounts::table
        .filter(removed_accounts::partnership_id.eq(partnership))
        .filter(removed_accounts::email.eq(&email))
        .count()
        .get_result(conn)?;
    if removed > 0 {
        return refuse(
            conn,
            Some(partnership),
            "An admin of the partnership removed your access to Heard. Ask them if you need it again.",
            Some(&email),
        );
    }
    let found: Option<FoundAccount> = accounts::table
        .filter(accounts::email.eq(&email))
        .select((accounts::id, accounts::partnership_id, accounts::approved, accounts::sso_subject))
        .first(conn)
        .optional()?;
    let subject = format!("{} {}", cfg.issuer, who.subject);
    let detail = serde_json::json!({"single_sign_on": cfg.issuer});
    match found {
        Some((_, pid, _, _)) if pid.as_ref() != Some(partnership) => refuse(
            conn,
            Some(partnership),
            "Your Heard account belongs to another partnership. Sign in there, or ask an admin.",
            Some(&email),
        ),
        Some((_, _, _, Some(known))) if known != subject => refuse(
            conn,
            Some(partnership),
            "This email address signed in to Heard before as another person at your organisation. Ask an admin of the partnership.",
            Some(&email),
        ),
        Some((_, _, false, _)) => Ok(Outcome::Waiting),
        Some((id, _, true, _)) => {
            let opened = conn.write(|c| -> StoreResult<Option<(String, Staff)>> {
                diesel::update(accounts::table.filter(accounts::id.eq(&id)))
                    .set(accounts::sso_subject.eq(Some(&subject)))
                    .execute(c)?;
                account::open_session(c, &id, rules, browser, &detail)
            })?;
            Ok(match opened {
                Some((token, staff)) => Outcome::SignedIn { token, staff: Box::new(staff) },
                None => Outcome::Refused("Your account could not be found.".into()),
            })
        }
        None => {
            let mapped = cfg.role_map.iter().find(|(v, _)| who.claim_values.contains(v)).map(|(_, r)| *r);
            let (role, approved) = match (mapped.or(cfg.default_role), cfg.approve_first) {
                (Some(role), false) => (role, true),
                (role, true) => (role.unwrap_or(Role::Viewer), false),
                (None, false) => {
                    return refuse(
                        conn,
                        Some(partnership),
                        "You do not have a role in Heard yet. Ask an admin of the partnership to give you one.",
                        Some(&email),
                    );
                }
            };
            let id = AccountId::random();
            let opened = conn.write(|c| -> StoreResult<Option<(String, Staff)>> {
                diesel::insert_into(accounts::table)
                    .values((
                        accounts::id.eq(&id),
                        accounts::partnership_id.eq(Some(partnership)),
                        accounts::email.eq(&email),
                        // Not a password hash: no password signs this account in.
                        accounts::password_hash.eq("!single-sign-on"),
                        accounts::role.eq(role.as_str()),
                        accounts::failed_attempts.eq(0),
                        accounts::created_at.eq(now()),
                        accounts::sso_subject.eq(Some(&subject)),
                        accounts::approved.eq(approved),
                    ))
                    .execute(c)?;
                audit::record(
                    c,
                    &Actor::account(&id, &email),
                    Some(partnership),
                    Action::UserAdded,
                    &serde_json::json!({"email": email, "role": role.as_str(), "by": "single sign-on", "waiting_for_approval": !approved}),
                )?;
                if !approved {
                    return Ok(None);
                }
                account::open_session(c, &id, rules, browser, &detail)
            })?;
            Ok(match opened {
                Some((token, staff)) => Outcome::SignedIn { token, staff: Box::new(staff) },
                None => Outcome::Waiting,
            })
        }
    }
}

/// An admin lets a waiting account in, with `role`. False when there is no such waiting
/// account in the partnership. Audited.
pub fn approve(
    conn: &mut DbConnection,
    partnership: &PartnershipId,
    email: &str,
    role: Role,
    actor: &Actor,
) -> StoreResult<bool> {
    if !grantable(role) {
        return Err(StoreError::Conflict("choose admin, analyst, facilitator or viewer".into()));
    }
    let email = email.trim().to_lowercase();
    conn.write(|c| -> StoreResult<bool> {
        let changed = diesel::update(
            accounts::table
                .filter(accounts::partnership_id.eq(partnership))
                .filter(accounts::email.eq(&email))
                .filter(accounts::approved.eq(false)),
        )
        .set((accounts::approved.eq(true), accounts::role.eq(role.as_str())))
        .execute(c)?;
        if changed == 1 {
            audit::record(
                c,
                actor,
                Some(partnership),
                Action::UserApproved,
                &serde_json::json!({"email": email, "role": role.as_str()}),
            )?;
        }
        Ok(changed == 1)
    })
}
