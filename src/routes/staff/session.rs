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
}

pub(super) async fn sign_in_page(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let view = SignInView {
        page: PageMeta::new("Sign in"),
        csrf: csrf(&state, &req),
        email: String::new(),
        error: None,
        errors: vec![],
    };
    render(&state, StatusCode::OK, "staff/sign_in", &view)
}

pub(super) async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = crate::routes::form::read_checked(&state, &req, body).await?;
    let email = form.get("email").unwrap_or("").trim().chars().take(320).collect::<String>();
    let password = form.get("password").unwrap_or("").to_owned();
    let again = |status: StatusCode, message: String| {
        let view = SignInView {
            page: PageMeta::new("Sign in").with_error(true),
            csrf: csrf(&state, &req),
            email: email.clone(),
            errors: vec![Link { href: "#email".into(), text: message.clone() }],
            error: Some(message),
        };
        render(&state, status, "staff/sign_in", &view)
    };
    if email.is_empty() || password.is_empty() {
        return again(StatusCode::BAD_REQUEST, "Enter your email address and password.".into());
    }
    let (e, p) = (email.clone(), password);
    let outcome = state.db.run(move |c| account::sign_in(c, &e, &p).map_err(AppError::from)).await?;
    match outcome {
        SignIn::Ok { token, .. } => {
            let mut res = HttpResponse::SeeOther().insert_header((LOCATION, "/staff")).finish();
            let age = actix_web::cookie::time::Duration::hours(account::ABSOLUTE_HOURS);
            res.add_cookie(&staff_cookie(&state, &token, age)).map_err(AppError::internal)?;
            Ok(res)
        }
        // The same words, status and (one argon2 check) time whether the address is unknown,
        // the password wrong or the account locked: nothing to learn for a guesser.
        SignIn::Refused => again(
            StatusCode::UNAUTHORIZED,
            format!(
                "The email address or password is not right. After {} wrong tries in a row an account is locked for {} minutes: if you have forgotten your password, reset it with the link below.",
                account::LOCK_AFTER,
                account::LOCK_MINUTES
            ),
        ),
    }
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
