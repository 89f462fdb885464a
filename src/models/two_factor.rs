//! Two-factor sign-in for local accounts: a time-based code from an authenticator app (TOTP,
//! RFC 6238, checked by the `totp-rs` crate) after the password, or one of ten single-use
//! recovery codes.
//!
//! - **Who must.** The deployment's `two_factor` setting: admins and superadmins (the
//!   default), everyone, or nobody (trial instances). Anyone may choose it.
//! - **Enrolment.** A key is made and kept as *pending* until the person types a code from
//!   their app (so a reload does not undo a scan); then it is the account's key, and ten
//!   recovery codes are made and shown once (only their hashes are stored). Someone who must
//!   use two-factor sign-in and has not enrolled is taken through enrolment straight after
//!   their password, before any session opens.
//! - **The second step.** A right password opens a *sign-in step* (`sign_in_steps`, ten
//!   minutes, its own cookie), not a session. The code is checked in one transaction that
//!   also records the time step it matched, so a code is never taken twice, even by two
//!   requests at once. Each wrong code counts towards the account's lock-out like a wrong
//!   password (five in a row lock it for fifteen minutes, audited), and the sign-in rate
//!   limit per address covers the code form too.
//! - **A lost device** is reset by another admin of the partnership (or `heard user
//!   reset-two-factor` on the server), audited; the person enrols again at their next
//!   sign-in.

use diesel::prelude::*;
use rand::Rng;

use super::account::{self, LOCK_AFTER, SessionRules, Staff};
use super::audit::{self, Action, Actor};
use super::{StoreError, StoreResult};
use crate::db::schema::{accounts, recovery_codes, sign_in_steps};
use crate::db::{AccountId, DbConnection, PartnershipId, now};
use crate::domain::codes::{hash_token, random_token};

/// How long a sign-in step lasts between the password and the code.
pub const STEP_MINUTES: i64 = crate::domain::datamap::SIGN_IN_STEP_MINUTES;
/// How many recovery codes each person gets.
pub const RECOVERY_CODES: usize = 10;
/// The name an authenticator app shows beside the account.
const ISSUER: &str = "Heard";

/// What a sign-in step is waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A code from the app, or a recovery code.
    Code,
    /// Setting up two-factor sign-in, which this person must use.
    Enrol,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Code => "code",
            Purpose::Enrol => "enrol",
        }
    }
}

/// Whether a person with `role` must use two-factor sign-in under `policy`.
pub fn required(policy: crate::config::TwoFactor, role: Option<account::Role>) -> bool {
    use crate::config::TwoFactor;
    match policy {
        TwoFactor::Everyone => true,
        TwoFactor::Admins => matches!(role, Some(account::Role::Admin | account::Role::Superadmin)),
        TwoFactor::Optional => false,
    }
}

fn totp(key: &str, email: &str) -> StoreResult<totp_rs::Totp> {
    let secret = totp_rs::Secret::try_from_base32(key)
        .map_err(|_| StoreError::Conflict("the stored authenticator key does not read".into()))?;
    totp_rs::Builder::new()
        .with_secret(secret)
        .with_account_name(email.replace(':', ""))
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| StoreError::Conflict(format!("the authenticator key is not usable: {e}")))
}

/// The seconds since 1970 now (never before it: a clock that far wrong matches no code).
fn unix_now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0)
}

/// What the enrolment page shows: the address an app reads (also shown as text for people
/// who cannot scan), and the key itself in groups of four to type by hand.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Enrolment {
    pub otpauth: String,
    pub key: String,
}

/// The pending key for `account`, made now if there is none. Refused when the account
/// already has two-factor sign-in (turn it off or have it reset first).
pub fn pending(conn: &mut DbConnection, account: &AccountId) -> StoreResult<Enrolment> {
    conn.write(|c| -> StoreResult<Enrolment> {
        let (email, current, pending): (String, Option<String>, Option<String>) = accounts::table
            .filter(accounts::id.eq(account))
            .select((accounts::email, accounts::totp_secret, accounts::totp_pending))
            .first(c)?;
        if current.is_some() {
            return Err(StoreError::Conflict("two-factor sign-in is already set up for this account".into()));
        }
        let key = match pending {
            Some(k) => k,
            None => {
                let mut bytes = [0u8; 20];
                rand::rng().fill(&mut bytes);
                let k = totp_rs::Secret::from(bytes.to_vec()).to_base32();
                diesel::update(accounts::table.filter(accounts::id.eq(account)))
                    .set(accounts::totp_pending.eq(&k))
                    .execute(c)?;
                k
            }
        };
        let otpauth = totp(&key, &email)?
            .to_url()
            .map_err(|e| StoreError::Conflict(format!("could not make the app's address: {e}")))?;
        let grouped = key.as_bytes().chunks(4).map(|g| String::from_utf8_lossy(g).into_owned()).collect::<Vec<_>>();
        Ok(Enrolment { otpauth, key: grouped.join(" ") })
    })
}

/// Ten new recovery codes, `xxxxx-xxxxx` from letters and digits that cannot be mistaken for
/// each other.
fn make_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut s = String::with_capacity(11);
            for i in 0..10 {
                if i == 5 {
                    s.push('-');
                }
                s.push(char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]));
            }
            s
        })
        .collect()
}

/// A code as typed, without spaces and hyphens, in lower case.
fn normalise(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace() && *c != '-').flat_map(char::to_lowercase).collect()
}

/// Replaces `account`'s recovery codes with ten new ones, inside the caller's transaction.
fn store_codes(c: &mut DbConnection, account: &AccountId) -> StoreResult<Vec<String>> {
    let codes = make_codes();
    diesel::delete(recovery_codes::table.filter(recovery_codes::account_id.eq(account))).execute(c)?;
    for code in &codes {
        diesel::insert_into(recovery_codes::table)
            .values((
                recovery_codes::account_id.eq(account),
                recovery_codes::code_hash.eq(hash_token(&normalise(code))),
            ))
            .execute(c)?;
    }
    Ok(codes)
}

/// Checks a code against the pending key; when right, makes it the account's key, stores ten
/// recovery codes and returns them (shown once). `None` when the code is not right.
fn confirm_in(
    c: &mut DbConnection,
    account: &AccountId,
    code: &str,
    actor: &Actor,
) -> StoreResult<Option<Vec<String>>> {
    let (email, pending, partnership): (String, Option<String>, Option<PartnershipId>) = accounts::table
        .filter(accounts::id.eq(account))
        .select((accounts::email, accounts::totp_pending, accounts::partnership_id))
        .first(c)?;
    let Some(key) = pending else {
        return Err(StoreError::Conflict("there is no set-up in progress: start again".into()));
    };
    let Some(step) = totp(&key, &email)?.check(&normalise(code), unix_now()) else { return Ok(None) };
    diesel::update(accounts::table.filter(accounts::id.eq(account)))
        .set((
            accounts::totp_secret.eq(Some(&key)),
            accounts::totp_pending.eq(None::<String>),
            accounts::totp_last_step.eq(i64::try_from(step).ok()),
        ))
        .execute(c)?;
    let codes = store_codes(c, account)?;
    audit::record(c, actor, partnership.as_ref(), Action::TwoFactorEnrolled, &serde_json::json!({"email": email}))?;
    Ok(Some(codes))
}

/// Enrolment by a signed-in person: the recovery codes, or `None` for a wrong code.
pub fn confirm(conn: &mut DbConnection, staff: &Staff, code: &str) -> StoreResult<Option<Vec<String>>> {
    conn.write(|c| confirm_in(c, &staff.id, code, &staff.actor()))
}

/// Where a person's two-factor sign-in stands.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Status {
    pub enrolled: bool,
    pub pending: bool,
    pub codes_left: i64,
}

pub fn status(conn: &mut DbConnection, account: &AccountId) -> StoreResult<Status> {
    let (secret, pending): (Option<String>, Option<String>) = accounts::table
        .filter(accounts::id.eq(account))
        .select((accounts::totp_secret, accounts::totp_pending))
        .first(conn)?;
    let codes_left: i64 = recovery_codes::table
        .filter(recovery_codes::account_id.eq(account))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)?;
    Ok(Status { enrolled: secret.is_some(), pending: pending.is_some(), codes_left })
}

/// New recovery codes for a signed-in person who has two-factor sign-in (the old ones stop
/// working). Audited.
pub fn renew_codes(conn: &mut DbConnection, staff: &Staff) -> StoreResult<Vec<String>> {
    conn.write(|c| -> StoreResult<Vec<String>> {
        let enrolled: Option<String> =
            accounts::table.filter(accounts::id.eq(&staff.id)).select(accounts::totp_secret).first(c)?;
        if enrolled.is_none() {
            return Err(StoreError::Conflict("set up two-factor sign-in first".into()));
        }
        let codes = store_codes(c, &staff.id)?;
        audit::record(
            c,
            &staff.actor(),
            staff.partnership_id.as_ref(),
            Action::RecoveryCodesRenewed,
            &serde_json::json!({"codes": RECOVERY_CODES}),
        )?;
        Ok(codes)
    })
}

/// Turns two-factor sign-in off for a signed-in person who need not use it. Audited.
pub fn turn_off(conn: &mut DbConnection, staff: &Staff, policy: crate::config::TwoFactor) -> StoreResult<()> {
    if required(policy, staff.role()) {
        return Err(StoreError::Conflict("your role must use two-factor sign-in".into()));
    }
    conn.write(|c| -> StoreResult<()> {
        clear(c, &staff.id)?;
        audit::record(
            c,
            &staff.actor(),
            staff.partnership_id.as_ref(),
            Action::TwoFactorTurnedOff,
            &serde_json::json!({}),
        )
    })
}

fn clear(c: &mut DbConnection, account: &AccountId) -> StoreResult<()> {
    diesel::update(accounts::table.filter(accounts::id.eq(account)))
        .set((
            accounts::totp_secret.eq(None::<String>),
            accounts::totp_pending.eq(None::<String>),
            accounts::totp_last_step.eq(None::<i64>),
        ))
        .execute(c)?;
    diesel::delete(recovery_codes::table.filter(recovery_codes::account_id.eq(account))).execute(c)?;
    Ok(())
}

/// Resets the two-factor sign-in of `email` (a lost device): its key and recovery codes go,
/// and its sessions end; the person sets it up again at their next sign-in. Done by another
/// admin of the same partnership (`partnership` `None`: any account, for the server's own
/// command line). Audited. False when there is no such account.
pub fn reset(
    conn: &mut DbConnection,
    partnership: Option<&PartnershipId>,
    email: &str,
    actor: &Actor,
) -> StoreResult<bool> {
    let email = email.trim().to_lowercase();
    conn.write(|c| -> StoreResult<bool> {
        let mut q = accounts::table.filter(accounts::email.eq(&email)).into_boxed();
        if let Some(p) = partnership {
            q = q.filter(accounts::partnership_id.eq(p));
        }
        let found: Option<(AccountId, Option<PartnershipId>)> =
            q.select((accounts::id, accounts::partnership_id)).first(c).optional()?;
        let Some((id, pid)) = found else { return Ok(false) };
        if actor.account_id.as_ref() == Some(&id) {
            return Err(StoreError::Conflict("you cannot reset your own two-factor sign-in: ask another admin".into()));
        }
        clear(c, &id)?;
        diesel::delete(
            crate::db::schema::staff_sessions::table.filter(crate::db::schema::staff_sessions::account_id.eq(&id)),
        )
        .execute(c)?;
        diesel::delete(sign_in_steps::table.filter(sign_in_steps::account_id.eq(&id))).execute(c)?;
        audit::record(c, actor, pid.as_ref(), Action::TwoFactorReset, &serde_json::json!({"email": email}))?;
        Ok(true)
    })
}

/// Opens a sign-in step for `account` (inside the caller's transaction) and returns the token
/// for its cookie. Older steps of the account end.
pub(super) fn open_step(
    c: &mut DbConnection,
    account: &AccountId,
    purpose: Purpose,
    browser: &str,
) -> StoreResult<String> {
    let token = random_token();
    let stamp = now();
    diesel::delete(sign_in_steps::table.filter(sign_in_steps::account_id.eq(account))).execute(c)?;
    diesel::insert_into(sign_in_steps::table)
        .values((
            sign_in_steps::id.eq(hash_token(&token)),
            sign_in_steps::account_id.eq(account),
            sign_in_steps::purpose.eq(purpose.as_str()),
            sign_in_steps::browser.eq(browser),
            sign_in_steps::created_at.eq(stamp),
            sign_in_steps::expires_at.eq(stamp + chrono::TimeDelta::minutes(STEP_MINUTES)),
        ))
        .execute(c)?;
    Ok(token)
}

/// A live sign-in step.
#[derive(Debug, Clone)]
pub struct Step {
    pub account: AccountId,
    pub email: String,
    pub purpose: Purpose,
    browser: String,
}

/// The live step a step cookie names, if any.
pub fn step(conn: &mut DbConnection, token: &str) -> StoreResult<Option<Step>> {
    let found: Option<(AccountId, String, String, String)> = sign_in_steps::table
        .inner_join(accounts::table)
        .filter(sign_in_steps::id.eq(hash_token(token)))
        .filter(sign_in_steps::expires_at.gt(now()))
        .filter(accounts::locked_until.is_null().or(accounts::locked_until.le(now())))
        .select((sign_in_steps::account_id, accounts::email, sign_in_steps::purpose, sign_in_steps::browser))
        .first(conn)
        .optional()?;
    Ok(found.map(|(account, email, purpose, browser)| Step {
        account,
        email,
        purpose: if purpose == "enrol" { Purpose::Enrol } else { Purpose::Code },
        browser,
    }))
}

/// What came of a code typed at the second step.
#[derive(Debug, Clone)]
pub enum Second {
    /// Signed in. `codes` are new recovery codes to show once (after enrolment); `codes_left`
    /// how many unused recovery codes remain (when one was just used).
    SignedIn { token: String, staff: Box<Staff>, codes: Vec<String>, recovery_left: Option<i64> },
    /// Not right; the step goes on.
    Wrong,
    /// The step is over (timed out, or the account locked by this try): sign in again.
    Over,
}

/// A code accepted: new recovery codes to show (after enrolment), how many recovery codes are
/// left (when one was used), and what was used, for the audit row.
type Accepted = (Vec<String>, Option<i64>, &'static str);

/// Checks the code typed at the step `token` and, when right, opens the session (and ends
/// the step) in the same transaction. For an enrolment step the code is checked against the
/// pending key; otherwise against the account's key (a time step already used is refused) or
/// its unused recovery codes.
pub fn second_step(conn: &mut DbConnection, token: &str, code: &str, rules: &SessionRules) -> StoreResult<Second> {
    let Some(step) = step(conn, token)? else { return Ok(Second::Over) };
    let code = normalise(code);
    let stamp = now();
    let outcome = conn.write(|c| -> StoreResult<Option<Accepted>> {
        let actor = Actor::account(&step.account, &step.email);
        if step.purpose == Purpose::Enrol {
            return Ok(confirm_in(c, &step.account, &code, &actor)?.map(|codes| (codes, None, "app")));
        }
        let (key, last): (Option<String>, Option<i64>) = accounts::table
            .filter(accounts::id.eq(&step.account))
            .select((accounts::totp_secret, accounts::totp_last_step))
            .first(c)?;
        let Some(key) = key else { return Ok(None) };
        if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
            let Some(matched) = totp(&key, &step.email)?.check(&code, unix_now()) else { return Ok(None) };
            let matched = i64::try_from(matched).unwrap_or(i64::MAX);
            if last.is_some_and(|l| l >= matched) {
                return Ok(None);
            }
            // Taken once: only if no other request took this step (or a later one) first.
            let taken = diesel::update(
                accounts::table
                    .filter(accounts::id.eq(&step.account))
                    .filter(accounts::totp_last_step.is_null().or(accounts::totp_last_step.lt(matched))),
            )
            .set(accounts::totp_last_step.eq(Some(matched)))
            .execute(c)?;
            return Ok((taken == 1).then(|| (Vec::new(), None, "app")));
        }
        let used = diesel::update(
            recovery_codes::table
                .filter(recovery_codes::account_id.eq(&step.account))
                .filter(recovery_codes::code_hash.eq(hash_token(&code)))
                .filter(recovery_codes::used_at.is_null()),
        )
        .set(recovery_codes::used_at.eq(Some(stamp)))
        .execute(c)?;
        if used == 0 {
            return Ok(None);
        }
        let left: i64 = recovery_codes::table
            .filter(recovery_codes::account_id.eq(&step.account))
            .filter(recovery_codes::used_at.is_null())
            .count()
            .get_result(c)?;
        Ok(Some((Vec::new(), Some(left), "recovery code")))
    })?;
    let Some((codes, recovery_left, with)) = outcome else {
        if step.purpose == Purpose::Enrol {
            return Ok(Second::Wrong);
        }
        // A wrong code counts like a wrong password.
        let locked = account::count_failure(conn, &step.account, &step.email)?;
        if locked {
            conn.write(|c| {
                diesel::delete(sign_in_steps::table.filter(sign_in_steps::account_id.eq(&step.account))).execute(c)
            })?;
            return Ok(Second::Over);
        }
        return Ok(Second::Wrong);
    };
    let opened = conn.write(|c| -> StoreResult<Option<(String, Staff)>> {
        diesel::delete(sign_in_steps::table.filter(sign_in_steps::id.eq(hash_token(token)))).execute(c)?;
        account::open_session(c, &step.account, rules, &step.browser, &serde_json::json!({"second_factor": with}))
    })?;
    match opened {
        Some((token, staff)) => Ok(Second::SignedIn { token, staff: Box::new(staff), codes, recovery_left }),
        None => Ok(Second::Over),
    }
}

/// Whether the account of a step has wrong tries left before it locks (for the message).
pub fn tries_left(conn: &mut DbConnection, account: &AccountId) -> StoreResult<i32> {
    let tries: i32 = accounts::table.filter(accounts::id.eq(account)).select(accounts::failed_attempts).first(conn)?;
    Ok((LOCK_AFTER - tries).max(0))
}

/// Deletes sign-in steps past their time (the hourly job).
pub fn purge_steps(conn: &mut DbConnection) -> StoreResult<usize> {
    Ok(diesel::delete(sign_in_steps::table.filter(sign_in_steps::expires_at.le(now()))).execute(conn)?)
}

#[cfg(test)]
mod tests {
    use super::{make_codes, normalise};

    #[test]
    fn recovery_codes_are_distinct_and_read_back_as_typed() {
        let codes = make_codes();
        assert_eq!(codes.len(), 10);
        let distinct: std::collections::BTreeSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), 10);
        for c in &codes {
            assert_eq!(c.len(), 11);
            assert_eq!(normalise(&c.to_uppercase().replace('-', " ")), normalise(c));
        }
    }
}
