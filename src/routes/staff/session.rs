//! Signing in and out: the sign-in page and form (rate-limited, locking after repeated
//! failures), and signing out, which ends the session in the database.

#[allow(clippy::wildcard_imports)]
use super::*;
#[derive(Serialize)]
struct SignInView {
    page: PageMeta,
    csrf: String,
    email: String,
    error: Option<String>,
    errors: Vec<Link>,
    /// Partnerships that sign in with their organisation's accounts.
    sso: Vec<Link>,
}

/// The sign-in page's single sign-on links, one per partnership that has it.
async fn sso_links(state: &AppState) -> Result<Vec<Link>, AppError> {
    let offered = state.db.run(|c| crate::models::sso::offered(c).map_err(AppError::from)).await?;
    Ok(offered
        .into_iter()
        .map(|(slug, name)| Link {
            href: format!("/staff/sso/{slug}"),
            text: format!("Sign in with your {name} account"),
        })
        .collect())
}

pub(super) async fn sign_in_page(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let view = SignInView {
        page: PageMeta::new("Sign in"),
        csrf: csrf(&state, &req),
        email: String::new(),
        error: None,
        errors: vec![],
        sso: sso_links(&state).await?,
    };
    render(&state, StatusCode::OK, "staff/sign_in", &view)
}

/// The sign-in page again with `message` beside the email field, what was typed kept (never
/// the password): after a refused password, and after a second step that ended.
pub(super) async fn sign_in_again(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    email: String,
    message: String,
) -> Result<HttpResponse, AppError> {
    let view = SignInView {
        page: PageMeta::new("Sign in").with_error(true),
        csrf: csrf(state, req),
        email,
        errors: vec![Link { href: "#email".into(), text: message.clone() }],
        error: Some(message),
        sso: sso_links(state).await?,
    };
    render(state, status, "staff/sign_in", &view)
}

pub(super) async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = crate::routes::form::read_checked(&state, &req, body).await?;
    let email = form.get("email").unwrap_or("").trim().chars().take(320).collect::<String>();
    let password = form.get("password").unwrap_or("").to_owned();
    if email.is_empty() || password.is_empty() {
        let message = "Enter your email address and password.".to_owned();
        return sign_in_again(&state, &req, StatusCode::BAD_REQUEST, email, message).await;
    }
    let (e, p) = (email.clone(), password);
    let again = |status: StatusCode, message: String| sign_in_again(&state, &req, status, email.clone(), message);
    let rules = account::SessionRules::from_settings(&state.settings);
    let browser = browser_of(&req);
    let outcome = state.db.run(move |c| account::sign_in(c, &e, &p, &rules, &browser).map_err(AppError::from)).await?;
    match outcome {
        SignIn::Ok { token, .. } => signed_in(&state, &token, "/staff"),
        SignIn::Code { step } => to_step(&state, &step, "/staff/sign-in/code"),
        SignIn::Enrol { step } => to_step(&state, &step, "/staff/sign-in/set-up"),
        SignIn::SingleSignOn { .. } => {
            again(
                StatusCode::FORBIDDEN,
                "Your partnership signs in with your organisation's own account, not a password: use the single sign-on button below.".into(),
            )
            .await
        }
        // The same words, status and (one argon2 check) time whether the address is unknown,
        // the password wrong or the account locked: nothing to learn for a guesser.
        SignIn::Refused => {
            again(
                StatusCode::UNAUTHORIZED,
                format!(
                    "The email address or password is not right. After {} wrong tries in a row an account is locked for {} minutes: if you have forgotten your password, reset it with the link below.",
                    account::LOCK_AFTER,
                    account::LOCK_MINUTES
                ),
            )
            .await
        }
    }
}

/// The short name of the browser asking (shown on the sessions page).
pub(crate) fn browser_of(req: &HttpRequest) -> String {
    let ua = req.headers().get(actix_web::http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
    crate::domain::browser::short_name(ua)
}

/// The answer that signs a person in: the session cookie, and on to `next`. Any sign-in
/// step cookie goes.
pub(crate) fn signed_in(state: &AppState, token: &str, next: &str) -> Result<HttpResponse, AppError> {
    let mut res = HttpResponse::SeeOther().insert_header((LOCATION, next.to_owned())).finish();
    add_session_cookies(state, &mut res, token)?;
    Ok(res)
}

/// Sets the session cookie (for the absolute time-out) and clears the step cookie.
pub(crate) fn add_session_cookies(state: &AppState, res: &mut HttpResponse, token: &str) -> Result<(), AppError> {
    let age = actix_web::cookie::time::Duration::hours(state.settings.session_absolute_hours);
    res.add_cookie(&staff_cookie(state, token, age)).map_err(AppError::internal)?;
    res.add_cookie(&step_cookie(state, "", actix_web::cookie::time::Duration::ZERO)).map_err(AppError::internal)
}

/// On to the second step of signing in, with its cookie.
fn to_step(state: &AppState, step: &str, next: &str) -> Result<HttpResponse, AppError> {
    let mut res = HttpResponse::SeeOther().insert_header((LOCATION, next.to_owned())).finish();
    let age = actix_web::cookie::time::Duration::minutes(crate::models::two_factor::STEP_MINUTES);
    res.add_cookie(&step_cookie(state, step, age)).map_err(AppError::internal)?;
    Ok(res)
}

pub(super) async fn sign_out(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    crate::routes::form::read_checked(&state, &req, body).await?;
    let SignedIn { staff, token } = who;
    state.db.run(move |c| account::sign_out(c, &token, &staff).map_err(AppError::from)).await?;
    let mut res = HttpResponse::SeeOther().insert_header((LOCATION, "/staff/sign-in")).finish();
    res.add_cookie(&staff_cookie(&state, "", actix_web::cookie::time::Duration::ZERO)).map_err(AppError::internal)?;
    Ok(res)
}
