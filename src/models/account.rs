//! Staff accounts. Passwords are stored only as argon2id hashes. (Sign-in screens arrive with
//! the staff workspace; the table and `heard user add` start here.)

use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use diesel::prelude::*;

use super::{StoreError, StoreResult};
use crate::db::schema::{accounts, partnerships};
use crate::db::{DbConnection, new_id, now};

/// What a staff member may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Superadmin,
    Admin,
    Analyst,
    Facilitator,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Superadmin, Role::Admin, Role::Analyst, Role::Facilitator, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Superadmin => "superadmin",
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::Facilitator => "facilitator",
            Role::Viewer => "viewer",
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

/// Adds an account, or says plainly why not.
pub fn add(conn: &mut DbConnection, account: &NewAccount) -> StoreResult<String> {
    use validator::Validate;
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
    conn.write(|c| -> StoreResult<String> {
        let partnership_id: Option<String> = match (&account.partnership, account.role) {
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
        let taken: i64 = accounts::table.filter(accounts::email.eq(&email)).count().get_result(c)?;
        if taken > 0 {
            return Err(StoreError::Conflict(format!("there is already an account for {email}")));
        }
        let id = new_id();
        diesel::insert_into(accounts::table)
            .values((
                accounts::id.eq(&id),
                accounts::partnership_id.eq(partnership_id),
                accounts::email.eq(&email),
                accounts::password_hash.eq(&hash),
                accounts::role.eq(account.role.as_str()),
                accounts::failed_attempts.eq(0),
                accounts::created_at.eq(now()),
            ))
            .execute(c)?;
        Ok(id)
    })
}
