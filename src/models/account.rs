//! Staff accounts. Passwords are stored only as argon2id hashes. (Sign-in screens arrive with
//! the staff workspace; the table and `heard user add` start here.)

use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use diesel::prelude::*;

use super::{StoreError, StoreResult};
use crate::db::schema::{accounts, partnerships, staff_sessions};
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
/// Sessions end after this long without use, and after this long in any case.
pub const IDLE_HOURS: i64 = 2;
pub const ABSOLUTE_HOURS: i64 = 12;

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
    Ok { token: String, staff: Staff },
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

/// Checks an email and password; on success opens a session. Runs argon2: call it off the
/// async workers.
///
/// Lock-out cannot be raced: each attempt first takes one try from the account's count in a
/// write transaction of its own (`failed_attempts + 1`, read back inside it), so of any
/// number of parallel guesses at most [`LOCK_AFTER`] are ever checked before the lock. An
/// unknown address, a locked account and a wrong password all verify one argon2 hash and
/// give the same answer. Lock-outs are audited for the account's partnership.
pub fn sign_in(conn: &mut DbConnection, email: &str, password: &str) -> StoreResult<SignIn> {
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
    let lock = |conn: &mut DbConnection| {
        let until = stamp + chrono::TimeDelta::minutes(LOCK_MINUTES);
        conn.write(|c| -> StoreResult<()> {
            // Only an account not already locked: two racing tries lock (and audit) once.
            let locked = diesel::update(
                accounts::table
                    .filter(accounts::id.eq(&id))
                    .filter(accounts::locked_until.is_null().or(accounts::locked_until.le(stamp))),
            )
            .set((accounts::failed_attempts.eq(0), accounts::locked_until.eq(Some(until))))
            .execute(c)?;
            if locked == 0 {
                return Ok(());
            }
            let pid = partnership_of(c, &id)?;
            super::audit::record(
                c,
                &crate::models::audit::Actor::account(&id, &email),
                pid.as_ref(),
                super::audit::Action::AccountLocked,
                &serde_json::json!({"minutes": LOCK_MINUTES, "after_wrong_passwords": LOCK_AFTER}),
            )
        })
    };
    let Some(tries) = tries.filter(|t| *t <= LOCK_AFTER) else {
        // Locked, or this try came after the ones that lock it: check nothing real.
        let _ = verify(decoy_hash());
        if tries.is_some() {
            // Past the limit and not locked: the try that should have locked it failed to
            // write (or is still writing). Lock now, so the account is never left refusing
            // every password with no lock and no audit row.
            lock(conn)?;
        }
        return Ok(SignIn::Refused);
    };
    if !verify(&hash) {
        if tries >= LOCK_AFTER {
            lock(conn)?;
        }
        return Ok(SignIn::Refused);
    }
    let token = crate::domain::codes::random_token();
    let staff = conn.write(|c| -> StoreResult<Option<Staff>> {
        diesel::update(accounts::table.filter(accounts::id.eq(&id)))
            .set((accounts::failed_attempts.eq(0), accounts::locked_until.eq(None::<chrono::NaiveDateTime>)))
            .execute(c)?;
        diesel::insert_into(staff_sessions::table)
            .values((
                staff_sessions::id.eq(crate::domain::codes::hash_token(&token)),
                staff_sessions::account_id.eq(&id),
                staff_sessions::created_at.eq(stamp),
                staff_sessions::last_seen_at.eq(stamp),
                staff_sessions::expires_at.eq(stamp + chrono::TimeDelta::hours(ABSOLUTE_HOURS)),
            ))
            .execute(c)?;
        let staff = load_staff(c, &id)?;
        if let Some(s) = &staff {
            super::audit::record(
                c,
                &s.actor(),
                s.partnership_id.as_ref(),
                super::audit::Action::SignIn,
                &serde_json::json!({}),
            )?;
        }
        Ok(staff)
    })?;
    match staff {
        Some(staff) => Ok(SignIn::Ok { token, staff }),
        None => Ok(SignIn::Refused),
    }
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

/// The staff member a session token belongs to, if the session is live. Keeps the session
/// alive (at most one write a minute).
pub fn session(conn: &mut DbConnection, token: &str) -> StoreResult<Option<Staff>> {
    let id = crate::domain::codes::hash_token(token);
    let stamp = now();
    let found: Option<(AccountId, chrono::NaiveDateTime)> = staff_sessions::table
        .filter(staff_sessions::id.eq(&id))
        .filter(staff_sessions::expires_at.gt(stamp))
        .filter(staff_sessions::last_seen_at.gt(stamp - chrono::TimeDelta::hours(IDLE_HOURS)))
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
}

/// A partnership's accounts.
pub fn list(conn: &mut DbConnection, partnership_id: &PartnershipId) -> StoreResult<Vec<Listed>> {
    let rows: Vec<(String, String, Option<chrono::NaiveDateTime>)> = accounts::table
        .filter(accounts::partnership_id.eq(partnership_id))
        .order(accounts::email.asc())
        .select((accounts::email, accounts::role, accounts::locked_until))
        .load(conn)?;
    let stamp = now();
    Ok(rows
        .into_iter()
        .map(|(email, role, until)| Listed { email, role, locked: until.is_some_and(|u| u > stamp) })
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
        Ok(true)
    })
}
