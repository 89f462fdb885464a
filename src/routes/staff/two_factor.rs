//! Two-factor sign-in pages (`models::two_factor` holds the rules):
//!
//! | route | who |
//! |---|---|
//! | `GET,POST /staff/sign-in/code` | someone whose password was right (the step cookie) |
//! | `GET,POST /staff/sign-in/set-up` | the same, when their role must use two-factor sign-in and they have not set it up |
//! | `GET,POST /staff/two-factor` | every signed-in person: set it up, see how many recovery codes are left |
//! | `POST /staff/two-factor/recovery-codes`, `POST /staff/two-factor/off` | the signed-in person |
//! | `POST /staff/users/two-factor-reset` | admins, for another account of their partnership |
//!
//! The code field is the only text field of the second step. Recovery codes are shown once,
//! on the page that makes them.

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::models::two_factor::{self, Enrolment, Purpose, Second, Status, Step};
use crate::routes::panels::qr_svg;

#[derive(Serialize)]
struct CodeView {
    page: PageMeta,
    csrf: String,
    error: Option<String>,
    errors: Vec<Link>,
}

#[derive(Serialize)]
struct EnrolView {
    page: PageMeta,
    csrf: String,
    action: &'static str,
    /// The person's role must use it (shown at sign-in).
    must: bool,
    enrolment: Enrolment,
    qr: String,
    error: Option<String>,
    errors: Vec<Link>,
}

#[derive(Serialize)]
struct CodesView {
    page: PageMeta,
    codes: Vec<String>,
    next: &'static str,
}

#[derive(Serialize)]
struct OwnView {
    page: PageMeta,
    csrf: String,
    status: Status,
    required: bool,
    error: Option<String>,
    errors: Vec<Link>,
}

/// The live sign-in step of this browser, if any.
async fn current_step(state: &AppState, req: &HttpRequest) -> Result<Option<(String, Step)>, AppError> {
    let Some(token) = req.cookie(STEP_COOKIE).map(|c| c.value().to_owned()).filter(|t| !t.is_empty() && t.len() <= 100)
    else {
        return Ok(None);
    };
    let t = token.clone();
    let step = state.db.run(move |c| two_factor::step(c, &t).map_err(AppError::from)).await?;
    Ok(step.map(|s| (token, s)))
}

fn to_sign_in() -> HttpResponse {
    HttpResponse::SeeOther().insert_header((LOCATION, "/staff/sign-in")).finish()
}

/// The sign-in page again, saying the step is over, with the step cookie cleared.
async fn step_over(state: &AppState, req: &HttpRequest) -> Result<HttpResponse, AppError> {
    let message = format!(
        "Your sign-in has ended: it took more than {} minutes, or too many codes were not right. Sign in again with your password.",
        two_factor::STEP_MINUTES
    );
    let mut res = session::sign_in_again(state, req, StatusCode::UNAUTHORIZED, String::new(), message).await?;
    res.add_cookie(&step_cookie(state, "", actix_web::cookie::time::Duration::ZERO)).map_err(AppError::internal)?;
    Ok(res)
}

/// A sign-in page (no staff navigation yet) with the staff stylesheet.
fn sign_in_page(state: &AppState, title: &str) -> PageMeta {
    let mut page = PageMeta::new(title);
    page.staff_stylesheet = Some(state.templates.staff_stylesheet.url.clone());
    page
}

fn code_view(state: &AppState, req: &HttpRequest, error: Option<String>) -> CodeView {
    CodeView {
        page: sign_in_page(state, "Enter your code").with_error(error.is_some()),
        csrf: csrf(state, req),
        errors: crate::views::error_links(&error, "#code"),
        error,
    }
}

pub(super) async fn code_page(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    match current_step(&state, &req).await? {
        Some((_, step)) if step.purpose == Purpose::Code => {
            render(&state, StatusCode::OK, "staff/sign_in_code", &code_view(&state, &req, None))
        }
        Some(_) => Ok(HttpResponse::SeeOther().insert_header((LOCATION, "/staff/sign-in/set-up")).finish()),
        None => Ok(to_sign_in()),
    }
}

/// What a typed code came to, as the answer to the browser.
async fn answer_code(
    state: &AppState,
    req: &HttpRequest,
    token: String,
    step: &Step,
    code: String,
) -> Result<Result<HttpResponse, Option<String>>, AppError> {
    let rules = account::SessionRules::from_settings(&state.settings);
    let outcome =
        state.db.run(move |c| two_factor::second_step(c, &token, &code, &rules).map_err(AppError::from)).await?;
    match outcome {
        Second::SignedIn { token, codes, .. } if !codes.is_empty() => {
            let view = CodesView { page: sign_in_page(state, "Your recovery codes"), codes, next: "/staff" };
            let mut res = render(state, StatusCode::OK, "staff/recovery_codes", &view)?;
            session::add_session_cookies(state, &mut res, &token)?;
            Ok(Ok(res))
        }
        Second::SignedIn { token, recovery_left, .. } => {
            // Three or fewer recovery codes left: straight to the page that makes new ones.
            let next = if recovery_left.is_some_and(|left| left <= 3) { "/staff/two-factor" } else { "/staff" };
            Ok(Ok(session::signed_in(state, &token, next)?))
        }
        Second::Over => Ok(Ok(step_over(state, req).await?)),
        Second::Wrong if step.purpose == Purpose::Enrol => Ok(Err(Some(
            "That code is not right. Type the 6 digits your app shows now for Heard; if the code changes as you type, wait for the next one.".into(),
        ))),
        Second::Wrong => {
            let account = step.account.clone();
            let left = state.db.run(move |c| two_factor::tries_left(c, &account).map_err(AppError::from)).await?;
            Ok(Err(Some(format!(
                "That code is not right, or it was used already. Type the 6 digits your app shows now, or an unused recovery code. {left} more wrong {} and the account is locked for {} minutes.",
                if left == 1 { "code" } else { "codes" },
                account::LOCK_MINUTES
            ))))
        }
    }
}

pub(super) async fn code(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = crate::routes::form::read_checked(&state, &req, body).await?;
    let Some((token, step)) = current_step(&state, &req).await? else { return step_over(&state, &req).await };
    let typed = form.get("code").unwrap_or("").trim().chars().take(40).collect::<String>();
    if typed.is_empty() {
        let view = code_view(&state, &req, Some("Enter the 6-digit code from your app, or a recovery code.".into()));
        return render(&state, StatusCode::BAD_REQUEST, "staff/sign_in_code", &view);
    }
    match answer_code(&state, &req, token, &step, typed).await? {
        Ok(res) => Ok(res),
        Err(error) => render(&state, StatusCode::UNAUTHORIZED, "staff/sign_in_code", &code_view(&state, &req, error)),
    }
}

async fn enrol_view(
    state: &AppState,
    req: &HttpRequest,
    page: PageMeta,
    account: &crate::db::AccountId,
    action: &'static str,
    must: bool,
    error: Option<String>,
) -> Result<EnrolView, AppError> {
    let id = account.clone();
    let enrolment = state.db.run(move |c| two_factor::pending(c, &id).map_err(AppError::from)).await?;
    Ok(EnrolView {
        page: page.with_error(error.is_some()),
        csrf: csrf(state, req),
        action,
        must,
        qr: qr_svg(&enrolment.otpauth),
        enrolment,
        errors: crate::views::error_links(&error, "#code"),
        error,
    })
}

pub(super) async fn set_up_page(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    match current_step(&state, &req).await? {
        Some((_, step)) if step.purpose == Purpose::Enrol => {
            let page = sign_in_page(&state, "Set up two-factor sign-in");
            let view = enrol_view(&state, &req, page, &step.account, "/staff/sign-in/set-up", true, None).await?;
            render(&state, StatusCode::OK, "staff/two_factor_enrol", &view)
        }
        Some(_) => Ok(HttpResponse::SeeOther().insert_header((LOCATION, "/staff/sign-in/code")).finish()),
        None => Ok(to_sign_in()),
    }
}

pub(super) async fn set_up(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = crate::routes::form::read_checked(&state, &req, body).await?;
    let Some((token, step)) = current_step(&state, &req).await? else { return step_over(&state, &req).await };
    let typed = form.get("code").unwrap_or("").trim().chars().take(40).collect::<String>();
    let error = if typed.is_empty() {
        Some("Enter the 6-digit code your app shows for Heard.".to_owned())
    } else {
        match answer_code(&state, &req, token, &step, typed).await? {
            Ok(res) => return Ok(res),
            Err(e) => e,
        }
    };
    let page = sign_in_page(&state, "Set up two-factor sign-in");
    let view = enrol_view(&state, &req, page, &step.account, "/staff/sign-in/set-up", true, error).await?;
    render(&state, StatusCode::BAD_REQUEST, "staff/two_factor_enrol", &view)
}

/// The person's own two-factor page: set-up while it is not on; otherwise how many recovery
/// codes are left, new codes, and (for a role that need not use it) turning it off.
async fn own_view(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    error: Option<String>,
) -> Result<(StatusCode, &'static str, serde_json::Value), AppError> {
    let id = who.staff.id.clone();
    let status = state.db.run(move |c| two_factor::status(c, &id).map_err(AppError::from)).await?;
    let required = two_factor::required(state.settings.two_factor, who.staff.role());
    let code = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    if !status.enrolled {
        let page = who.page(req, state, "Set up two-factor sign-in");
        let view = enrol_view(state, req, page, &who.staff.id, "/staff/two-factor", required, error).await?;
        return Ok((code, "staff/two_factor_enrol", serde_json::to_value(view).map_err(AppError::internal)?));
    }
    let view = OwnView {
        page: who.page(req, state, "Two-factor sign-in").with_error(error.is_some()),
        csrf: csrf(state, req),
        status,
        required,
        errors: crate::views::error_links(&error, "#main"),
        error,
    };
    Ok((code, "staff/two_factor", serde_json::to_value(view).map_err(AppError::internal)?))
}

/// The person's own page again with `message` (a refused code or action).
async fn own_again(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    status: StatusCode,
    message: String,
) -> Result<HttpResponse, AppError> {
    let (_, template, view) = own_view(state, req, who, Some(message)).await?;
    render(state, status, template, &view)
}

/// New recovery codes for a signed-in person, shown once.
fn show_codes(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    codes: Vec<String>,
) -> Result<HttpResponse, AppError> {
    let view = CodesView { page: who.page(req, state, "Your recovery codes"), codes, next: "/staff/two-factor" };
    render(state, StatusCode::OK, "staff/recovery_codes", &view)
}

pub(super) async fn own_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let (code, template, view) = own_view(&state, &req, &who, None).await?;
    render(&state, code, template, &view)
}

pub(super) async fn own_confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let form = crate::routes::form::read_checked(&state, &req, body).await?;
    let typed = form.get("code").unwrap_or("").trim().chars().take(40).collect::<String>();
    let staff = who.staff.clone();
    let confirmed = if typed.is_empty() {
        None
    } else {
        state.db.run(move |c| two_factor::confirm(c, &staff, &typed).map_err(AppError::from)).await?
    };
    match confirmed {
        Some(codes) => show_codes(&state, &req, &who, codes),
        None => {
            let error = "That code is not right. Type the 6 digits your app shows now for Heard.".to_owned();
            own_again(&state, &req, &who, StatusCode::BAD_REQUEST, error).await
        }
    }
}

pub(super) async fn renew_codes(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    crate::routes::form::read_checked(&state, &req, body).await?;
    let staff = who.staff.clone();
    match state.db.run(move |c| two_factor::renew_codes(c, &staff)).await {
        Ok(codes) => show_codes(&state, &req, &who, codes),
        Err(crate::models::StoreError::Conflict(m)) => {
            own_again(&state, &req, &who, StatusCode::CONFLICT, format!("No new codes were made: {m}.")).await
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn turn_off(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    crate::routes::form::read_checked(&state, &req, body).await?;
    let (staff, policy) = (who.staff.clone(), state.settings.two_factor);
    match state.db.run(move |c| two_factor::turn_off(c, &staff, policy)).await {
        Ok(()) => Ok(HttpResponse::SeeOther().insert_header((LOCATION, "/staff/two-factor")).finish()),
        Err(crate::models::StoreError::Conflict(m)) => {
            own_again(&state, &req, &who, StatusCode::CONFLICT, format!("Two-factor sign-in is still on: {m}.")).await
        }
        Err(e) => Err(e.into()),
    }
}

/// An admin resets another account's two-factor sign-in (a lost device); back to the staff
/// accounts page, which says so.
pub(super) async fn reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let form = crate::routes::form::read_checked(&state, &req, body).await?;
    who.require(&[Role::Admin])?;
    let email = form.get("email").unwrap_or("").trim().chars().take(320).collect::<String>();
    let (scope, actor) = (who.scope(), who.staff.actor());
    let done = state.db.run(move |c| two_factor::reset(c, scope.as_ref(), &email, &actor)).await;
    match done {
        Ok(true) => Ok(HttpResponse::SeeOther().insert_header((LOCATION, "/staff/users?reset=1")).finish()),
        Ok(false) => Err(not_found()),
        Err(crate::models::StoreError::Conflict(m)) => {
            Err(AppError::BadRequest(format!("Nothing was reset: {m}.").into()))
        }
        Err(e) => Err(e.into()),
    }
}
