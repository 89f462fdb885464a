//! Staff accounts. Passwords are stored only as argon2id hashes. (Sign-in screens arrive with
//! the staff workspace; the table and `heard user add` start here.)

use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use diesel::prelude::*;

use super::{StoreError, StoreResult, two_factor};
use crate::db::schema::{accounts, partnerships, removed_accounts, staff_sessions};
use crate::db::{AccountId, DbConnection, PartnershipId, now};

/// What a staff member may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Superadmin,
    Admin,
    Analyst,
    Facilitator,
    Viewer,
    /// The lead of one pledge service: sees that service's scorecard and nothing else.
    ServiceLead,
}

impl Role {
    pub const ALL: [Role; 6] =
        [Role::Superadmin, Role::Admin, Role::Analyst, Role::Facilitator, Role::Viewer, Role::ServiceLead];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Superadmin => "superadmin",
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::Facilitator => "facilitator",
            Role::Viewer => "viewer",
            Role::ServiceLead => "service-lead",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// A new account, already checked.
#[derive(Debug, validator::Validate)]
pub struct NewAccount {
    #[validate(email(message = "is not an email address"))]
    pub email: String,
    pub role: Role,
    pub partnership: Option<String>,
    #[validate(length(min = 12, message = "must be at least 12 characters"))]
    pub password: String,
}

/// Adds an account, or says plainly why not. A service lead's sign-in is given with its
/// service (`add_for_service`).
pub fn add(conn: &mut DbConnection, account: &NewAccount) -> StoreResult<AccountId> {
    add_for_service(conn, account, None)
}

/// Adds an account; a service lead's names its pledge service (`service`), which must be of
/// the account's partnership; no other role has one.
pub fn add_for_service(conn: &mut DbConnection, account: &NewAccount, service: Option<&str>) -> StoreResult<AccountId> {
    use validator::Validate;
    if (account.role == Role::ServiceLead) != service.is_some() {
        return Err(StoreError::Conflict(
            "a service lead's sign-in is given from their service's page, and only a service lead has a service".into(),
        ));
    }
    if let Err(errors) = account.validate() {
        let mut msgs = Vec::new();
        for (field, errs) in errors.field_errors() {
            for e in errs {
                msgs.push(format!("{field} {}", e.message.as_deref().unwrap_or("is not valid")));
            }
        }
        return Err(StoreError::Conflict(msgs.join("; ")));
    }
    let email = account.email.trim().to_lowercase();
    let salt = SaltString::generate(&mut OsRng);
    let hash = argon2::Argon2::default()
        .hash_password(account.password.as_bytes(), &salt)
        .map_err(|e| StoreError::Conflict(format!("could not hash the password: {e}")))?
        .to_string();
    conn.write(|c| -> StoreResult<AccountId> {
        let partnership_id: Option<PartnershipId> = match (&account.partnership, account.role) {
            (None, Role::Superadmin) => None,
            (None, _) => {
                return Err(StoreError::Conflict(format!(
                    "a {} account belongs to one partnership: add --partnership SLUG",
                    account.role.as_str()
                )));
            }
            (Some(slug), _) => Some(
                partnerships::table
                    .filter(partnerships::slug.eq(slug))
                    .select(partnerships::id)
                    .first(c)
                    .optional()?
                    .ok_or_else(|| StoreError::NotFound(format!("the partnership {slug:?}")))?,
            ),
        };
        if let Some(sid) = service {
            use crate::db::schema::pledge_services;
            let ours: i64 = pledge_services::table
                .filter(pledge_services::id.eq(sid))
                .filter(pledge_services::partnership_id.nullable().eq(partnership_id.as_ref()))
                .count()
                .get_result(c)?;
            if ours == 0 {
                return Err(StoreError::NotFound(format!("the service {sid:?}")));
            }
        }
        let taken: i64 = accounts::table.filter(accounts::email.eq(&email)).count().get_result(c)?;
        if taken > 0 {
            return Err(StoreError::Conflict(format!("there is already an account for {email}")));
        }
        if let Some(pid) = &partnership_id {
            // Added again: single sign-on may let them in again.
            diesel::delete(
                removed_accounts::table
                    .filter(removed_accounts::partnership_id.eq(pid))
                    .filter(removed_accounts::email.eq(&email)),
            )
            .execute(c)?;
        }
        let id = AccountId::random();
        diesel::insert_into(accounts::table)
            .values((
                accounts::id.eq(&id),
                accounts::partnership_id.eq(partnership_id),
                accounts::email.eq(&email),
                accounts::password_hash.eq(&hash),
                accounts::role.eq(account.role.as_str()),
                accounts::failed_attempts.eq(0),
                accounts::created_at.eq(now()),
                accounts::service_id.eq(service),
            ))
            .execute(c)?;
        Ok(id)
    })
}

/// How many wrong passwords in a row lock an account, and for how long.
pub const LOCK_AFTER: i32 = 5;
pub const LOCK_MINUTES: i64 = 15;
/// How sessions open and end: the deployment's time-outs and who must use two-factor
/// sign-in (all from the settings).
#[derive(Debug, Clone, Copy)]
pub struct SessionRules {
    /// A session ends after this long without use...
    pub idle_minutes: i64,
    /// ...and this long after signing in in any case.
    pub absolute_hours: i64,
    pub two_factor: crate::config::TwoFactor,
}

impl SessionRules {
    pub fn from_settings(s: &crate::config::Settings) -> Self {
        Self {
            idle_minutes: s.session_idle_minutes,
            absolute_hours: s.session_absolute_hours,
            two_factor: s.two_factor,
        }
    }
}

/// A signed-in staff member.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Staff {
    pub id: AccountId,
    pub email: String,
    pub role: String,
    pub partnership_id: Option<PartnershipId>,
    pub partnership_slug: Option<String>,
    pub partnership_name: Option<String>,
    /// The wave the staff navigation works on: the partnership's newest open wave, else its
    /// newest (none for a superadmin, who works across partnerships).
    pub current_wave: Option<Box<CurrentWave>>,
    /// A service lead's pledge service (the only page they see).
    pub service_id: Option<String>,
}

/// A wave as the staff navigation names it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CurrentWave {
    pub slug: String,
    pub label: String,
    pub series_slug: String,
    pub series_title: String,
}

/// The wave staff of `partnership` most likely work on: the newest open one, else the newest.
/// A pledge service's standing feedback survey is never it (it is always open, and is read
/// from the services page).
pub fn current_wave(conn: &mut DbConnection, partnership: &PartnershipId) -> StoreResult<Option<Box<CurrentWave>>> {
    use crate::db::schema::{pledge_services, survey_series, waves};
    let newest = |c: &mut DbConnection, open_only: bool| -> StoreResult<Option<(String, String, String, String)>> {
        let mut q = waves::table
            .inner_join(survey_series::table)
            .filter(survey_series::partnership_id.eq(partnership))
            .filter(diesel::dsl::not(waves::id.eq_any(pledge_services::table.select(pledge_services::wave_id))))
            .select((waves::slug, waves::label, survey_series::slug, survey_series::title))
            .order((waves::created_at.desc(), waves::slug.desc()))
            .into_boxed();
        if open_only {
            q = q.filter(waves::status.eq("open"));
        }
        Ok(q.first(c).optional()?)
    };
    let found = match newest(conn, true)? {
        Some(w) => Some(w),
        None => newest(conn, false)?,
    };
    Ok(found.map(|(slug, label, series_slug, series_title)| {
        Box::new(CurrentWave { slug, label, series_slug, series_title })
    }))
}

impl Staff {
    /// This person, as the audit log names them.
    pub fn actor(&self) -> super::audit::Actor {
        super::audit::Actor::account(&self.id, &self.email)
    }

    pub fn role(&self) -> Option<Role> {
        Role::parse(&self.role)
    }

    pub fn is_superadmin(&self) -> bool {
        self.role() == Some(Role::Superadmin)
    }

    /// Whether this person may act for `partnership_id`.
    pub fn can_see(&self, partnership_id: &PartnershipId) -> bool {
        self.is_superadmin() || self.partnership_id.as_ref() == Some(partnership_id)
    }
}

/// The outcome of a sign-in attempt. A wrong password, an unknown address and a locked
/// account are one outcome on purpose: the person guessing learns nothing about which
/// addresses exist or whether one is locked.
#[derive(Debug, Clone)]
pub enum SignIn {
    /// Signed in: the session token for the cookie.
    Ok { token: String, staff: Box<Staff> },
    /// The password was right; a code from the person's authenticator app (or a recovery
    /// code) is still to come: the token of the sign-in step for its cookie.
    Code { step: String },
    /// The password was right, and this person must set up two-factor sign-in before a
    /// session opens: the token of the sign-in step.
    Enrol { step: String },
    /// The password was right, but the person's partnership signs in with single sign-on
    /// only: its slug, for the link.
    SingleSignOn { partnership: String },
    /// Not signed in: wrong email or password, or the account is locked.
    Refused,
}

fn load_staff(conn: &mut DbConnection, account_id: &AccountId) -> StoreResult<Option<Staff>> {
    type Row = (AccountId, String, String, Option<PartnershipId>, Option<String>);
    let row: Option<Row> = accounts::table
        .filter(accounts::id.eq(account_id))
        .select((accounts::id, accounts::email, accounts::role, accounts::partnership_id, accounts::service_id))
        .first(conn)
        .optional()?;
    let Some((id, email, role, partnership_id, service_id)) = row else { return Ok(None) };
    let (slug, name) = match &partnership_id {
        Some(pid) => partnerships::table
            .filter(partnerships::id.eq(pid))
            .select((partnerships::slug, partnerships::name))
            .first::<(String, String)>(conn)
            .optional()?
            .map(|(s, n)| (Some(s), Some(n)))
            .unwrap_or((None, None)),
        None => (None, None),
    };
    let current_wave = match &partnership_id {
        Some(pid) => current_wave(conn, pid)?,
        None => None,
    };
    Ok(Some(Staff {
        id,
        email,
        role,
        partnership_id,
        partnership_slug: slug,
        partnership_name: name,
        current_wave,
        service_id,
    }))
}

/// A hash to verify against when the email is unknown, so both cases take as long. Made
/// once per process from a random password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        argon2::Argon2::default()
            .hash_password(crate::domain::codes::random_token().as_bytes(), &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// Checks an email and password; on success opens a session, or a sign-in step when
/// two-factor sign-in follows (`models::two_factor`). Runs argon2: call it off the async
/// workers. `browser` is the short browser name the session is shown with.
///
/// Lock-out cannot be raced: each attempt first takes one try from the account's count in a
/// write transaction of its own (`failed_attempts + 1`, read back inside it), so of any
/// number of parallel guesses at most [`LOCK_AFTER`] are ever checked before the lock. An
/// unknown address, a locked account and a wrong password all verify one argon2 hash and
/// give the same answer. Lock-outs are audited for the account's partnership.
pub fn sign_in(
    conn: &mut DbConnection,
    email: &str,
    password: &str,
    rules: &SessionRules,
    browser: &str,
) -> StoreResult<SignIn> {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    let email = email.trim().to_lowercase();
    let verify = |hash: &str| {
        PasswordHash::new(hash)
            .map(|h| argon2::Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
            .unwrap_or(false)
    };
    let stamp = now();
    // Take a try (or find the account locked) atomically.
    let attempt = conn.write(|c| -> StoreResult<Option<(AccountId, String, Option<i32>)>> {
        let found: Option<(AccountId, String, Option<chrono::NaiveDateTime>)> = accounts::table
            .filter(accounts::email.eq(&email))
            .select((accounts::id, accounts::password_hash, accounts::locked_until))
            .first(c)
            .optional()?;
        let Some((id, hash, locked_until)) = found else { return Ok(None) };
        if locked_until.is_some_and(|u| u > stamp) {
            return Ok(Some((id, hash, None)));
        }
        diesel::update(accounts::table.filter(accounts::id.eq(&id)))
            .set(accounts::failed_attempts.eq(accounts::failed_attempts + 1))
            .execute(c)?;
        let tries: i32 = accounts::table.filter(accounts::id.eq(&id)).select(accounts::failed_attempts).first(c)?;
        Ok(Some((id, hash, Some(tries))))
    })?;
    let Some((id, hash, tries)) = attempt else {
        let _ = verify(decoy_hash());
        return Ok(SignIn::Refused);
    };
    let Some(tries) = tries.filter(|t| *t <= LOCK_AFTER) else {
        // Locked, or this try came after the ones that lock it: check nothing real.
        let _ = verify(decoy_hash());
        if tries.is_some() {
            // Past the limit and not locked: the try that should have locked it failed to
            // write (or is still writing). Lock now, so the account is never left refusing
            // every password with no lock and no audit row.
            lock(conn, &id, &email)?;
        }
        return Ok(SignIn::Refused);
    };
    if !verify(&hash) {
        if tries >= LOCK_AFTER {
            lock(conn, &id, &email)?;
        }
        return Ok(SignIn::Refused);
    }
    conn.write(|c| -> StoreResult<SignIn> {
        // The password's tries are forgiven; wrong codes count from here.
        diesel::update(accounts::table.filter(accounts::id.eq(&id)))
            .set((accounts::failed_attempts.eq(0), accounts::locked_until.eq(None::<chrono::NaiveDateTime>)))
            .execute(c)?;
        let (role, key): (String, Option<String>) =
            accounts::table.filter(accounts::id.eq(&id)).select((accounts::role, accounts::totp_secret)).first(c)?;
        if super::sso::required_for(c, &id)? {
            let slug: Option<String> = accounts::table
                .inner_join(partnerships::table.on(accounts::partnership_id.eq(partnerships::id.nullable())))
                .filter(accounts::id.eq(&id))
                .select(partnerships::slug)
                .first(c)
                .optional()?;
            return Ok(SignIn::SingleSignOn { partnership: slug.unwrap_or_default() });
        }
        if key.is_some() {
            return Ok(SignIn::Code { step: two_factor::open_step(c, &id, two_factor::Purpose::Code, browser)? });
        }
        if two_factor::required(rules.two_factor, Role::parse(&role)) {
            return Ok(SignIn::Enrol { step: two_factor::open_step(c, &id, two_factor::Purpose::Enrol, browser)? });
        }
        Ok(match open_session(c, &id, rules, browser, &serde_json::json!({}))? {
            Some((token, staff)) => SignIn::Ok { token, staff: Box::new(staff) },
            None => SignIn::Refused,
        })
    })
}

/// Locks an account for [`LOCK_MINUTES`] (audited), unless it is already locked: two racing
/// tries lock (and audit) once.
fn lock(conn: &mut DbConnection, id: &AccountId, email: &str) -> StoreResult<()> {
    let stamp = now();
    let until = stamp + chrono::TimeDelta::minutes(LOCK_MINUTES);
    conn.write(|c| -> StoreResult<()> {
        let locked = diesel::update(
            accounts::table
                .filter(accounts::id.eq(id))
                .filter(accounts::locked_until.is_null().or(accounts::locked_until.le(stamp))),
        )
        .set((accounts::failed_attempts.eq(0), accounts::locked_until.eq(Some(until))))
        .execute(c)?;
        if locked == 0 {
            return Ok(());
        }
        let pid = partnership_of(c, id)?;
        super::audit::record(
            c,
            &crate::models::audit::Actor::account(id, email),
            pid.as_ref(),
            super::audit::Action::AccountLocked,
            &serde_json::json!({"minutes": LOCK_MINUTES, "after_wrong_tries": LOCK_AFTER}),
        )
    })
}

/// Counts a wrong code against the account like a wrong password; locks it at
/// [`LOCK_AFTER`] in a row. True when the account is now locked.
pub(super) fn count_failure(conn: &mut DbConnection, id: &AccountId, email: &str) -> StoreResult<bool> {
    let tries = conn.write(|c| -> StoreResult<i32> {
        diesel::update(accounts::table.filter(accounts::id.eq(id)))
            .set(accounts::failed_attempts.eq(accounts::failed_attempts + 1))
            .execute(c)?;
        Ok(accounts::table.filter(accounts::id.eq(id)).select(accounts::failed_attempts).first(c)?)
    })?;
    if tries >= LOCK_AFTER {
        lock(conn, id, email)?;
        return Ok(true);
    }
    Ok(false)
}

/// Opens a session for `id` inside the caller's transaction (the sign-in audited with
/// `detail`): its token for the cookie, and the person. `None` if the account is gone.
pub(super) fn open_session(
    c: &mut DbConnection,
    id: &AccountId,
    rules: &SessionRules,
    browser: &str,
    detail: &serde_json::Value,
) -> StoreResult<Option<(String, Staff)>> {
    let stamp = now();
    let token = crate::domain::codes::random_token();
    diesel::update(accounts::table.filter(accounts::id.eq(id)))
        .set((accounts::failed_attempts.eq(0), accounts::locked_until.eq(None::<chrono::NaiveDateTime>)))
        .execute(c)?;
    diesel::insert_into(staff_sessions::table)
        .values((
            staff_sessions::id.eq(crate::domain::codes::hash_token(&token)),
            staff_sessions::account_id.eq(id),
            staff_sessions::created_at.eq(stamp),
            staff_sessions::last_seen_at.eq(stamp),
            staff_sessions::expires_at.eq(stamp + chrono::TimeDelta::hours(rules.absolute_hours)),
            staff_sessions::browser.eq(browser),
        ))
        .execute(c)?;
    let Some(staff) = load_staff(c, id)? else { return Ok(None) };
    super::audit::record(c, &staff.actor(), staff.partnership_id.as_ref(), super::audit::Action::SignIn, detail)?;
    Ok(Some((token, staff)))
}

/// The partnership an account works for (`None` for a superadmin or an unknown id).
pub fn partnership_of(conn: &mut DbConnection, account_id: &AccountId) -> StoreResult<Option<PartnershipId>> {
    Ok(accounts::table
        .filter(accounts::id.eq(account_id))
        .select(accounts::partnership_id)
        .first::<Option<PartnershipId>>(conn)
        .optional()?
        .flatten())
}

/// The staff member a session token belongs to, if the session is live (used within the
/// idle time-out, and not past its absolute end). Keeps the session alive (at most one write
/// a minute).
pub fn session(conn: &mut DbConnection, token: &str, rules: &SessionRules) -> StoreResult<Option<Staff>> {
    let id = crate::domain::codes::hash_token(token);
    let stamp = now();
    let found: Option<(AccountId, chrono::NaiveDateTime)> = staff_sessions::table
        .filter(staff_sessions::id.eq(&id))
        .filter(staff_sessions::expires_at.gt(stamp))
        .filter(staff_sessions::last_seen_at.gt(stamp - chrono::TimeDelta::minutes(rules.idle_minutes)))
        .select((staff_sessions::account_id, staff_sessions::last_seen_at))
        .first(conn)
        .optional()?;
    let Some((account_id, last_seen)) = found else { return Ok(None) };
    if stamp - last_seen > chrono::TimeDelta::minutes(1) {
        diesel::update(staff_sessions::table.filter(staff_sessions::id.eq(&id)))
            .set(staff_sessions::last_seen_at.eq(stamp))
            .execute(conn)?;
    }
    load_staff(conn, &account_id)
}

/// Ends a session.
pub fn sign_out(conn: &mut DbConnection, token: &str, staff: &Staff) -> StoreResult<()> {
    conn.write(|c| {
        diesel::delete(staff_sessions::table.filter(staff_sessions::id.eq(crate::domain::codes::hash_token(token))))
            .execute(c)?;
        super::audit::record(
            c,
            &staff.actor(),
            staff.partnership_id.as_ref(),
            super::audit::Action::SignOut,
            &serde_json::json!({}),
        )
    })
}

/// An account as listed for admins (never the password hash).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Listed {
    pub email: String,
    pub role: String,
    pub locked: bool,
    /// Two-factor sign-in is set up.
    pub two_factor: bool,
    /// A first single sign-on waiting for an admin's approval.
    pub waiting: bool,
}

/// A partnership's accounts.
pub fn list(conn: &mut DbConnection, partnership_id: &PartnershipId) -> StoreResult<Vec<Listed>> {
    type Row = (String, String, Option<chrono::NaiveDateTime>, Option<String>, bool);
    let rows: Vec<Row> = accounts::table
        .filter(accounts::partnership_id.eq(partnership_id))
        .order(accounts::email.asc())
        .select((accounts::email, accounts::role, accounts::locked_until, accounts::totp_secret, accounts::approved))
        .load(conn)?;
    let stamp = now();
    Ok(rows
        .into_iter()
        .map(|(email, role, until, key, approved)| Listed {
            email,
            role,
            locked: until.is_some_and(|u| u > stamp),
            two_factor: key.is_some(),
            waiting: !approved,
        })
        .collect())
}

/// Removes a partnership's account (and with it every session). Returns false when there is
/// no such account in that partnership.
pub fn remove(conn: &mut DbConnection, partnership_id: &PartnershipId, email: &str) -> StoreResult<bool> {
    let email = email.trim().to_lowercase();
    conn.write(|c| -> StoreResult<bool> {
        let id: Option<String> = accounts::table
            .filter(accounts::partnership_id.eq(partnership_id))
            .filter(accounts::email.eq(&email))
            .select(accounts::id)
            .first(c)
            .optional()?;
        let Some(id) = id else { return Ok(false) };
        diesel::delete(staff_sessions::table.filter(staff_sessions::account_id.eq(&id))).execute(c)?;
        diesel::delete(accounts::table.filter(accounts::id.eq(&id))).execute(c)?;
        // Remembered, so single sign-on does not let them back in on its own.
        let taken = diesel::update(
            removed_accounts::table
                .filter(removed_accounts::partnership_id.eq(partnership_id))
                .filter(removed_accounts::email.eq(&email)),
        )
        .set(removed_accounts::removed_at.eq(now()))
        .execute(c)?;
        if taken == 0 {
            diesel::insert_into(removed_accounts::table)
                .values((
                    removed_accounts::partnership_id.eq(partnership_id),
                    removed_accounts::email.eq(&email),
                    removed_accounts::removed_at.eq(now()),
                ))
                .execute(c)?;
        }
        Ok(true)
    })
}
