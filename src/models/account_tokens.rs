//! Single-use, expiring links for staff: password resets (an hour) and invitations to new
//! accounts (a week). Only a hash of each token is kept; using a link sets the password,
//! unlocks the account and signs it out everywhere else.

use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use chrono::TimeDelta;
use diesel::prelude::*;

use super::{StoreError, StoreResult};
use crate::db::schema::{account_tokens, accounts, staff_sessions};
use crate::db::{AccountId, DbConnection, new_id, now};
use crate::domain::codes::{hash_token, random_token};

/// Reset links asked for per account per hour, at most.
pub const RESETS_PER_HOUR: i64 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Reset,
    Invite,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Reset => "reset",
            Purpose::Invite => "invite",
        }
    }

    fn lifetime(self) -> TimeDelta {
        match self {
            Purpose::Reset => TimeDelta::hours(1),
            Purpose::Invite => TimeDelta::days(7),
        }
    }
}

/// Makes a link token for an account; `None` when too many resets were asked for lately.
pub fn issue(c: &mut DbConnection, account_id: &AccountId, purpose: Purpose) -> StoreResult<Option<String>> {
    if purpose == Purpose::Reset {
        let recent: i64 = account_tokens::table
            .filter(account_tokens::account_id.eq(account_id))
            .filter(account_tokens::purpose.eq("reset"))
            .filter(account_tokens::created_at.gt(now() - TimeDelta::hours(1)))
            .count()
            .get_result(c)?;
        if recent >= RESETS_PER_HOUR {
            return Ok(None);
        }
    }
    let token = random_token();
    diesel::insert_into(account_tokens::table)
        .values((
            account_tokens::id.eq(new_id()),
            account_tokens::account_id.eq(account_id),
            account_tokens::purpose.eq(purpose.as_str()),
            account_tokens::token_hash.eq(hash_token(&format!("staff-link:{token}"))),
            account_tokens::expires_at.eq(now() + purpose.lifetime()),
            account_tokens::created_at.eq(now()),
        ))
        .execute(c)?;
    Ok(Some(token))
}

/// Why a link cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkProblem {
    Unknown,
    Used,
    Expired,
}

/// The account and purpose of a usable link (not using it up).
pub fn check(c: &mut DbConnection, token: &str) -> StoreResult<Result<(AccountId, String, Purpose), LinkProblem>> {
    let found: Option<(AccountId, String, chrono::NaiveDateTime, Option<chrono::NaiveDateTime>, String)> =
        account_tokens::table
            .inner_join(accounts::table)
            .filter(account_tokens::token_hash.eq(hash_token(&format!("staff-link:{token}"))))
            .select((
                account_tokens::account_id,
                account_tokens::purpose,
                account_tokens::expires_at,
                account_tokens::used_at,
                accounts::email,
            ))
            .first(c)
            .optional()?;
    Ok(match found {
        None => Err(LinkProblem::Unknown),
        Some((_, _, _, Some(_), _)) => Err(LinkProblem::Used),
        Some((_, _, expires, None, _)) if expires <= now() => Err(LinkProblem::Expired),
        Some((account, purpose, _, None, email)) => {
            Ok((account, email, if purpose == "invite" { Purpose::Invite } else { Purpose::Reset }))
        }
    })
}

/// Uses a link: sets the password, unlocks the account and ends its sessions, all at once.
/// Returns the account's email, or why the link cannot be used.
pub fn use_link(conn: &mut DbConnection, token: &str, password: &str) -> StoreResult<Result<String, LinkProblem>> {
    let salt = SaltString::generate(&mut OsRng);
    let hash = argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| StoreError::Conflict(format!("could not keep the password: {e}")))?
        .to_string();
    let token_hash = hash_token(&format!("staff-link:{token}"));
    conn.write(|c| -> StoreResult<Result<String, LinkProblem>> {
        let (account, email) = match check(c, token)? {
            Ok((a, e, _)) => (a, e),
            Err(p) => return Ok(Err(p)),
        };
        let claimed = diesel::update(
            account_tokens::table
                .filter(account_tokens::token_hash.eq(&token_hash))
                .filter(account_tokens::used_at.is_null()),
        )
        .set(account_tokens::used_at.eq(now()))
        .execute(c)?;
        if claimed != 1 {
            return Ok(Err(LinkProblem::Used));
        }
        // Every other link for this account stops working too: a reset asked for twice, or
        // an old invitation found in a mailbox later, must not set the password again.
        let others = diesel::update(
            account_tokens::table
                .filter(account_tokens::account_id.eq(&account))
                .filter(account_tokens::used_at.is_null()),
        )
        .set(account_tokens::used_at.eq(now()))
        .execute(c)?;
        diesel::update(accounts::table.filter(accounts::id.eq(&account)))
            .set((
                accounts::password_hash.eq(&hash),
                accounts::failed_attempts.eq(0),
                accounts::locked_until.eq(None::<chrono::NaiveDateTime>),
            ))
            .execute(c)?;
        diesel::delete(staff_sessions::table.filter(staff_sessions::account_id.eq(&account))).execute(c)?;
        let partnership = super::account::partnership_of(c, &account)?;
        super::audit::record(
            c,
            &crate::models::audit::Actor::account(&account, &email),
            partnership.as_ref(),
            super::audit::Action::PasswordSetByLink,
            &serde_json::json!({"other_links_cancelled": others}),
        )?;
        Ok(Ok(email))
    })
}

/// The id of the account with this email, if any.
pub fn account_by_email(c: &mut DbConnection, email: &str) -> StoreResult<Option<AccountId>> {
    Ok(accounts::table
        .filter(accounts::email.eq(email.trim().to_lowercase()))
        .select(accounts::id)
        .first(c)
        .optional()?)
}
