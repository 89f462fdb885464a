//! Staff passwords by email: "forgot your password" (`/staff/forgot`) and the single-use,
//! expiring links that set one (`/staff/reset/{token}`), used for resets and for new
//! accounts an admin invites. The forgot page answers the same whether or not an account
//! exists, so it cannot be used to find out who has one.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::form::{read_checked, token as csrf};
use super::pages::{Link, PageMeta, message, render};
use crate::db::AccountId;
use crate::email::outbox::{self, NewMessage};
use crate::error::AppError;
use crate::models::account_tokens::{self, LinkProblem, Purpose};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/forgot", web::get().to(forgot_page))
        .route("/staff/forgot", web::post().to(forgot))
        .route("/staff/reset/{token}", web::get().to(reset_page))
        .route("/staff/reset/{token}", web::post().to(reset));
}

#[derive(Serialize)]
struct ForgotView {
    page: PageMeta,
    csrf: String,
}

async fn forgot_page(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let view =
        ForgotView { page: PageMeta::new("Reset your password").back("/staff/sign-in"), csrf: csrf(&state, &req) };
    render(&state, StatusCode::OK, "staff/forgot", &view)
}

/// Adds a staff account in the caller's transaction, audited as `user.added`; without a
/// typed password (`invite`) the person gets an email link to choose their own. The staff
/// accounts page and a pledge service's page (its lead, `service`) both add people this way.
#[allow(clippy::too_many_arguments)]
pub fn add_account(
    c: &mut crate::db::DbConnection,
    state: &AppState,
    new: &crate::models::account::NewAccount,
    service: Option<&str>,
    invite: bool,
    actor: &crate::models::audit::Actor,
    partnership: &crate::db::PartnershipId,
    partnership_name: &str,
) -> Result<(), crate::models::StoreError> {
    use crate::models::{StoreError, account, audit};
    let id = account::add_for_service(c, new, service)?;
    let to = new.email.trim().to_lowercase();
    let detail =
        serde_json::json!({"email": to, "role": new.role.as_str(), "service": service, "invited_by_email": invite});
    audit::record(c, actor, Some(partnership), audit::Action::UserAdded, &detail)?;
    if invite {
        c.write(|c| queue_link(c, state, &id, &to, Purpose::Invite, partnership_name))
            .map_err(|e| StoreError::Conflict(e.to_string()))?;
    }
    Ok(())
}

/// Queues a staff link email for `account_id` in the caller's transaction.
pub fn queue_link(
    c: &mut crate::db::DbConnection,
    state: &AppState,
    account_id: &AccountId,
    email: &str,
    purpose: Purpose,
    partnership: &str,
) -> Result<bool, AppError> {
    let Some(token) = account_tokens::issue(c, account_id, purpose)? else { return Ok(false) };
    let link = format!("{}/staff/reset/{token}", state.settings.public_url.trim_end_matches('/'));
    let (subject, text, html) =
        crate::email::messages::staff_link(state.templates, purpose == Purpose::Invite, partnership, &link)
            .map_err(AppError::internal)?;
    let m = NewMessage {
        kind: if purpose == Purpose::Invite { "staff-invite" } else { "password-reset" },
        // The account's partnership, so its admins (and only they) see it in their outbox.
        partnership_id: crate::models::account::partnership_of(c, account_id)?,
        to: email.to_owned(),
        subject,
        text,
        html,
        unsubscribe_url: None,
    };
    outbox::enqueue(c, &m, &outbox::message_host(&state.settings.public_url))?;
    Ok(true)
}

async fn forgot(state: web::Data<AppState>, req: HttpRequest, body: web::Payload) -> Result<HttpResponse, AppError> {
    let form = read_checked(&state, &req, body).await?;
    let email = form.get("email").unwrap_or("").trim().to_lowercase().chars().take(320).collect::<String>();
    if email.is_empty() {
        return Err(AppError::BadRequest("Type the email address you sign in with.".into()));
    }
    let st = state.clone();
    state
        .db
        .run(move |c| -> Result<(), AppError> {
            c.write(|c| -> Result<(), AppError> {
                if let Some(id) = account_tokens::account_by_email(c, &email)? {
                    let sent = queue_link(c, &st, &id, &email, Purpose::Reset, "")?;
                    let partnership = crate::models::account::partnership_of(c, &id)?;
                    crate::models::audit::record(
                        c,
                        &crate::models::audit::Actor::account(&id, &email),
                        partnership.as_ref(),
                        if sent {
                            crate::models::audit::Action::PasswordResetRequested
                        } else {
                            crate::models::audit::Action::PasswordResetRefused
                        },
                        &serde_json::json!({}),
                    )?;
                }
                Ok(())
            })
        })
        .await?;
    message(
        &state,
        StatusCode::OK,
        PageMeta::new("Check your email"),
        "Check your email",
        vec![
            "If there is a Heard account for that address, we have sent it a link to choose a new password.".into(),
            "The link works once, for an hour. Nothing changes until it is used.".into(),
        ],
        Some(Link { href: "/staff/sign-in".into(), text: "Back to sign in".into() }),
    )
}

#[derive(Serialize)]
struct ResetView {
    page: PageMeta,
    csrf: String,
    action: String,
    email: String,
    invite: bool,
    error: Option<String>,
    errors: Vec<Link>,
}

fn problem_page(state: &AppState, p: LinkProblem) -> Result<HttpResponse, AppError> {
    let (status, line) = match p {
        LinkProblem::Used => (StatusCode::GONE, "This link has been used already: each link works once."),
        LinkProblem::Expired => {
            (StatusCode::GONE, "This link has expired: reset links last an hour and invitations a week.")
        }
        LinkProblem::Unknown => (StatusCode::NOT_FOUND, "This link is not one we sent. Check you copied all of it."),
    };
    message(
        state,
        status,
        PageMeta::new("This link does not work"),
        "This link does not work",
        vec![line.into(), "Ask for a new one: use \"Forgot your password?\" on the sign-in page.".into()],
        Some(Link { href: "/staff/forgot".into(), text: "Get a new link".into() }),
    )
}

async fn reset_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    if token.len() > 100 {
        return problem_page(&state, LinkProblem::Unknown);
    }
    let t = token.clone();
    match state.db.run(move |c| account_tokens::check(c, &t).map_err(AppError::from)).await? {
        Err(p) => problem_page(&state, p),
        Ok((_, email, purpose)) => {
            let invite = purpose == Purpose::Invite;
            let view = ResetView {
                page: PageMeta::new(if invite { "Choose your password" } else { "Choose a new password" }),
                csrf: csrf(&state, &req),
                action: format!("/staff/reset/{token}"),
                email,
                invite,
                error: None,
                errors: vec![],
            };
            render(&state, StatusCode::OK, "staff/reset", &view)
        }
    }
}

async fn reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = read_checked(&state, &req, body).await?;
    let token = path.into_inner();
    if token.len() > 100 {
        return problem_page(&state, LinkProblem::Unknown);
    }
    let (password, again) = (form.get("password").unwrap_or("").to_owned(), form.get("again").unwrap_or("").to_owned());
    let problem = if password.chars().count() < 12 {
        Some("Choose a password of at least 12 characters: three or four ordinary words work well.")
    } else if password.chars().count() > 200 {
        Some("Choose a password of at most 200 characters.")
    } else if password != again {
        Some("The two passwords are different. Type the same password twice.")
    } else {
        None
    };
    if let Some(msg) = problem {
        let t = token.clone();
        return match state.db.run(move |c| account_tokens::check(c, &t).map_err(AppError::from)).await? {
            Err(p) => problem_page(&state, p),
            Ok((_, email, purpose)) => {
                let error = Some(msg.to_owned());
                let view = ResetView {
                    page: PageMeta::new("Choose a new password").with_error(true),
                    csrf: csrf(&state, &req),
                    action: format!("/staff/reset/{token}"),
                    email,
                    invite: purpose == Purpose::Invite,
                    errors: super::pages::error_links(&error, "#password"),
                    error,
                };
                render(&state, StatusCode::BAD_REQUEST, "staff/reset", &view)
            }
        };
    }
    match state.db.run(move |c| account_tokens::use_link(c, &token, &password).map_err(AppError::from)).await? {
        Err(p) => problem_page(&state, p),
        Ok(_) => message(
            &state,
            StatusCode::OK,
            PageMeta::new("Your password is set"),
            "Your password is set",
            vec![
                "Sign in with your email address and the new password. Any other signed-in devices were signed out."
                    .into(),
            ],
            Some(Link { href: "/staff/sign-in".into(), text: "Sign in".into() }),
        ),
    }
}
