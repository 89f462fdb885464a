//! Partnership settings for admins: the framework (priorities, values, outcome statements:
//! edit words, add, archive instead of delete so old waves keep their tags) and staff
//! accounts. Every change is audited.
//!
//! | route | roles |
//! |---|---|
//! | `GET /staff/framework`, `POST /staff/framework/{kind}`, `POST /staff/framework/{kind}/{id}` | admin |
//! | `GET,POST /staff/users`, `POST /staff/users/remove` | admin |

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::form::token as csrf;
use super::pages::{Link, PageMeta, render};
use super::staff::SignedIn;
use crate::domain::text::UserText;
use crate::error::AppError;
use crate::models::account::{self, Role};
use crate::models::framework::{self, Kind};
use crate::models::{StoreError, audit};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/framework", web::get().to(framework_page))
        .route("/staff/framework/{kind}", web::post().to(add_item))
        .route("/staff/framework/{kind}/{id}", web::post().to(update_item))
        .route("/staff/users", web::get().to(users_page))
        .route("/staff/users", web::post().to(add_user))
        .route("/staff/users/remove", web::post().to(remove_user));
}

const ADMINS: [Role; 1] = [Role::Admin];

#[derive(Deserialize)]
struct PartnershipQuery {
    partnership: Option<String>,
    /// Set after a two-factor reset, to say it was done.
    reset: Option<String>,
}

async fn partnership(
    state: &AppState,
    who: &SignedIn,
    q: &PartnershipQuery,
) -> Result<framework::Partnership, AppError> {
    who.require(&ADMINS)?;
    super::staff::partnership_for(state, who, q.partnership.as_deref()).await
}

fn text(raw: Option<&str>, max: usize, what: &str, required: bool) -> Result<String, AppError> {
    let t = UserText::parse(raw.unwrap_or(""), max, true)
        .map_err(|e| AppError::BadRequest(format!("{what}: {e}").into()))?
        .into_string();
    if required && t.is_empty() {
        return Err(AppError::BadRequest(format!("{what} must not be empty.").into()));
    }
    Ok(t)
}

#[derive(Serialize)]
struct FrameworkView {
    page: PageMeta,
    csrf: String,
    name: String,
    values_name: String,
    framework: framework::Framework,
    suffix: String,
}

async fn framework_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<PartnershipQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let p = partnership(&state, &who, &q).await?;
    let pid = p.id.clone();
    let fw = state.db.run(move |c| framework::framework(c, &pid).map_err(AppError::from)).await?;
    let view = FrameworkView {
        page: who.page(&req, &state, "Framework"),
        csrf: csrf(&state, &req),
        name: p.name.clone(),
        values_name: p.values_name.clone(),
        framework: fw,
        suffix: who.partnership_suffix(&p),
    };
    render(&state, StatusCode::OK, "staff/framework", &view)
}

async fn update_item(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    q: web::Query<PartnershipQuery>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = super::form::read_checked(&state, &req, body).await?;
    let p = partnership(&state, &who, &q).await?;
    let (kind_s, id) = path.into_inner();
    let kind =
        Kind::parse(&kind_s).ok_or_else(|| AppError::NotFound("There is no such kind of framework item.".into()))?;
    let main = text(f.get("text"), 2000, "The words", true)?;
    let detail = text(f.get("detail"), 2000, "The detail", false)?;
    let archived = f.get("archived") == Some("yes");
    let (pid, staff, id2) = (p.id.clone(), who.staff.clone(), id.clone());
    state
        .db
        .write(move |c| -> Result<(), AppError> {
            if framework::item_owner(c, kind, &id2)?.as_deref() != Some(pid.as_str()) {
                return Err(AppError::NotFound(
                    "There is nothing at this address, or it belongs to another partnership.".into(),
                ));
            }
            framework::update_item(c, kind, &id2, &main, &detail, archived)?;
            audit::record(
                c,
                &staff.actor(),
                Some(&pid),
                audit::Action::FrameworkChanged,
                &serde_json::json!({"kind": kind_s, "archived": archived}),
            )?;
            Ok(())
        })
        .await?;
    let suffix = who.partnership_suffix(&p);
    Ok(HttpResponse::SeeOther().insert_header((LOCATION, format!("/staff/framework{suffix}"))).finish())
}

async fn add_item(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<PartnershipQuery>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = super::form::read_checked(&state, &req, body).await?;
    let p = partnership(&state, &who, &q).await?;
    let kind_s = path.into_inner();
    let kind =
        Kind::parse(&kind_s).ok_or_else(|| AppError::NotFound("There is no such kind of framework item.".into()))?;
    let code = f.get("code").unwrap_or("").trim().to_owned();
    if code.is_empty()
        || code.len() > 32
        || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
    {
        return Err(AppError::BadRequest("Give a code of up to 32 letters, digits, hyphens or dots, like P6.".into()));
    }
    let main = text(f.get("text"), 2000, "The words", true)?;
    let detail = text(f.get("detail"), 2000, "The detail", kind == Kind::Priority)?;
    let (pid, staff) = (p.id.clone(), who.staff.clone());
    state
        .db
        .write(move |c| -> Result<(), AppError> {
            framework::add_item(c, &pid, kind, &code, &main, &detail).map_err(|e| match e {
                StoreError::Conflict(m) => AppError::Conflict(m.into()),
                other => other.into(),
            })?;
            audit::record(
                c,
                &staff.actor(),
                Some(&pid),
                audit::Action::FrameworkAdded,
                &serde_json::json!({"kind": kind_s, "code": code}),
            )?;
            Ok(())
        })
        .await?;
    let suffix = who.partnership_suffix(&p);
    Ok(HttpResponse::SeeOther().insert_header((LOCATION, format!("/staff/framework{suffix}"))).finish())
}

#[derive(Serialize)]
struct UsersView {
    page: PageMeta,
    csrf: String,
    users: Vec<account::Listed>,
    roles: Vec<Link>,
    error: Option<String>,
    errors: Vec<Link>,
    email: String,
    me: String,
    two_factor_rule: &'static str,
}

async fn users_view(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    p: &framework::Partnership,
    error: Option<String>,
    email: String,
) -> Result<UsersView, AppError> {
    let pid = p.id.clone();
    let users = state.db.run(move |c| account::list(c, &pid).map_err(AppError::from)).await?;
    Ok(UsersView {
        page: who.page(req, state, "Staff accounts").with_error(error.is_some()),
        csrf: csrf(state, req),
        users,
        roles: [
            ("admin", "Admin: settings and users"),
            ("analyst", "Analyst: responses, coding, quotes, reports"),
            ("facilitator", "Facilitator: panel sessions"),
            ("viewer", "Viewer: reports only"),
        ]
        .iter()
        .map(|(v, t)| Link { href: (*v).into(), text: (*t).into() })
        .collect(),
        errors: super::pages::error_links(&error, "#email"),
        error,
        email,
        me: who.staff.email.clone(),
        two_factor_rule: match state.settings.two_factor {
            crate::config::TwoFactor::Admins => "admins must use it; everyone else may choose to.",
            crate::config::TwoFactor::Everyone => "everyone must use it.",
            crate::config::TwoFactor::Optional => {
                "everyone may choose to use it; nobody must (this is a trial set-up)."
            }
        },
    })
}

async fn users_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<PartnershipQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let p = partnership(&state, &who, &q).await?;
    let mut view = users_view(&state, &req, &who, &p, None, String::new()).await?;
    if q.reset.is_some() {
        view.page.notice = Some("Two-factor sign-in was reset: they set it up again at their next sign-in.".into());
    }
    render(&state, StatusCode::OK, "staff/users", &view)
}

async fn add_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<PartnershipQuery>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = super::form::read_checked(&state, &req, body).await?;
    let p = partnership(&state, &who, &q).await?;
    let email = f.get("email").unwrap_or("").trim().chars().take(320).collect::<String>();
    let role = match f.get("role").and_then(Role::parse) {
        Some(r) if r != Role::Superadmin => r,
        _ => {
            let view = users_view(&state, &req, &who, &p, Some("Choose a role.".into()), email).await?;
            return render(&state, StatusCode::BAD_REQUEST, "staff/users", &view);
        }
    };
    // No password: the new colleague gets an email link to choose their own.
    let invite = f.get("password").unwrap_or("").is_empty();
    let new = account::NewAccount {
        email: email.clone(),
        role,
        partnership: Some(p.slug.clone()),
        password: if invite {
            crate::domain::codes::random_token()
        } else {
            f.get("password").unwrap_or("").to_owned()
        },
    };
    let (pid, staff, name, st) = (p.id.clone(), who.staff.clone(), p.name.clone(), state.clone());
    let added = state
        .db
        .write(move |c| -> Result<(), StoreError> {
            super::passwords::add_account(c, &st, &new, None, invite, &staff.actor(), &pid, &name)
        })
        .await;
    match added {
        Ok(()) => Ok(HttpResponse::SeeOther().insert_header((LOCATION, "/staff/users")).finish()),
        Err(StoreError::Conflict(message)) => {
            let view =
                users_view(&state, &req, &who, &p, Some(format!("The account was not added: {message}.")), email)
                    .await?;
            render(&state, StatusCode::BAD_REQUEST, "staff/users", &view)
        }
        Err(e) => Err(e.into()),
    }
}

async fn remove_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<PartnershipQuery>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = super::form::read_checked(&state, &req, body).await?;
    let p = partnership(&state, &who, &q).await?;
    let email = f.get("email").unwrap_or("").trim().to_lowercase();
    if email == who.staff.email {
        let view = users_view(
            &state,
            &req,
            &who,
            &p,
            Some("You cannot remove your own account. Ask another admin.".into()),
            String::new(),
        )
        .await?;
        return render(&state, StatusCode::BAD_REQUEST, "staff/users", &view);
    }
    let (pid, staff, e2) = (p.id.clone(), who.staff.clone(), email.clone());
    let removed = state
        .db
        .write(move |c| -> Result<bool, AppError> {
            let removed = account::remove(c, &pid, &e2)?;
            if removed {
                audit::record(
                    c,
                    &staff.actor(),
                    Some(&pid),
                    audit::Action::UserRemoved,
                    &serde_json::json!({"email": e2}),
                )?;
            }
            Ok(removed)
        })
        .await?;
    if !removed {
        return Err(AppError::NotFound("There is no such account in your partnership.".into()));
    }
    Ok(HttpResponse::SeeOther().insert_header((LOCATION, "/staff/users")).finish())
}
