//! Staff accounts from the terminal: `heard user add`.

use std::io::Read;

use super::{CliError, connect, fail};
use crate::config::Settings;
use crate::models::account;

/// `heard user add`: the password is read from standard input.
pub(super) fn user_add(
    settings: &Settings,
    email: String,
    role: &str,
    partnership: Option<String>,
) -> Result<(), CliError> {
    let role = account::Role::parse(role).ok_or_else(|| {
        CliError(format!("{role:?} is not a role: use superadmin, admin, analyst, facilitator or viewer"))
    })?;
    let mut password = String::new();
    std::io::stdin().read_to_string(&mut password).map_err(fail)?;
    let password = password.trim_end_matches(['\n', '\r']).to_owned();
    let mut conn = connect(settings)?;
    let new = account::NewAccount { email, role, partnership, password };
    account::add(&mut conn, &new).map_err(fail)?;
    println!("Added {} as {}.", new.email.trim().to_lowercase(), role.as_str());
    Ok(())
}
