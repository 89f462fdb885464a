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

/// `heard user reset-two-factor --email E`.
pub(super) fn reset_two_factor(settings: &Settings, email: &str) -> Result<(), CliError> {
    let mut conn = connect(settings)?;
    let actor = crate::models::audit::Actor::system("heard user reset-two-factor");
    if !crate::models::two_factor::reset(&mut conn, None, email, &actor).map_err(fail)? {
        return Err(CliError(format!("There is no account for {}.", email.trim().to_lowercase())));
    }
    println!(
        "Two-factor sign-in of {} was reset: they set it up again at their next sign-in.",
        email.trim().to_lowercase()
    );
    Ok(())
}

/// `heard sso set ...`: the same checks and audit row as the admin page.
pub(super) fn sso(settings: &Settings, command: super::SsoCommand) -> Result<(), CliError> {
    let super::SsoCommand::Set {
        partnership,
        issuer,
        client_id,
        client_secret_file,
        allowed_domains,
        default_role,
        role_claim,
        role_map,
        approve_first,
        require,
    } = command;
    let secret = std::fs::read_to_string(&client_secret_file).map_err(|e| {
        CliError(format!("Could not read the client secret from {}: {e}", client_secret_file.display()))
    })?;
    let mut conn = connect(settings)?;
    let p = crate::models::framework::find_by_slug(&mut conn, &partnership)
        .map_err(fail)?
        .ok_or_else(|| CliError(format!("There is no partnership {partnership:?}.")))?;
    let input = crate::models::sso::Input {
        issuer,
        client_id,
        client_secret: Some(secret.trim().to_owned()),
        allowed_domains: allowed_domains.join(" "),
        role_claim: role_claim.unwrap_or_default(),
        role_map: role_map.join("\n"),
        default_role: default_role.unwrap_or_default(),
        approve_first,
        required: require,
    };
    let actor = crate::models::audit::Actor::system("heard sso set");
    match crate::models::sso::set(&mut conn, &p.id, &input, &actor) {
        Ok(()) => {
            println!(
                "Single sign-on is set for {}. The provider must send people back to {}/staff/sso/callback.",
                p.name,
                settings.public_url.trim_end_matches('/')
            );
            Ok(())
        }
        Err(crate::models::sso::SetError::Problems(problems)) => Err(CliError(
            problems
                .0
                .iter()
                .map(|(field, m)| format!("--{}: {m}", field.replace('_', "-")))
                .collect::<Vec<_>>()
                .join("\n"),
        )),
        Err(crate::models::sso::SetError::Store(e)) => Err(fail(e)),
    }
}
