//! Joining a panel session: the join page, the code or QR link, and the member's start.

#[allow(clippy::wildcard_imports)]
use super::*;

#[derive(Serialize)]
pub(super) struct JoinView {
    page: PageMeta,
    csrf: String,
    value: String,
    error: Option<String>,
    errors: Vec<Link>,
    pin_error: Option<String>,
}

pub(super) fn join_view(
    state: &AppState,
    req: &HttpRequest,
    value: String,
    error: Option<String>,
    pin_error: Option<String>,
) -> JoinView {
    let lang = lang();
    let any = error.is_some() || pin_error.is_some();
    let mut errors = crate::routes::pages::error_links(&error, "#join-code");
    errors.extend(crate::routes::pages::error_links(&pin_error, "#join-pin"));
    JoinView {
        page: PageMeta::new(crate::i18n::text(&lang, "join_title")).lang(&lang).with_error(any),
        csrf: csrf(state, req),
        value: value.chars().filter(|c| !c.is_control()).take(20).collect(),
        error,
        errors,
        pin_error,
    }
}

pub(super) async fn join_page(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    render(&state, StatusCode::OK, "respond/join", &join_view(&state, &req, String::new(), None, None))
}

/// Finds an open session for a typed code, or the words to say why not.
pub(super) async fn open_session(state: &AppState, typed: &str) -> Result<Result<SessionRow, String>, AppError> {
    if typed.trim().is_empty() {
        return Ok(Err(t("type_join_code")));
    }
    let Some(code) = JoinCode::parse(typed) else { return Ok(Err(t("join_code_format"))) };
    let found = state.db.run(move |c| panel::find_by_code(c, &code).map_err(AppError::from)).await?;
    let Some(s) = found else { return Ok(Err(t("join_not_found"))) };
    let at = crate::db::now();
    if at < s.opens_at {
        return Ok(Err(t("join_not_open")));
    }
    if at >= s.closes_at {
        return Ok(Err(t("join_ended")));
    }
    Ok(Ok(s))
}

pub(super) fn cookie_until(state: &AppState, name: &'static str, value: String, s: &SessionRow) -> Cookie<'static> {
    let left = (s.closes_at - crate::db::now()).num_seconds().max(60);
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.settings.secure_cookies)
        .max_age(CookieDuration::seconds(left))
        .finish()
}

/// Joins this browser to `s` (and makes it the session's kiosk when `kiosk`). A kiosk goes to
/// the session's start page, for each person in turn; a young person on their own phone goes
/// straight to the first question.
pub(super) async fn joined(state: &AppState, s: &SessionRow, kiosk: bool) -> Result<HttpResponse, AppError> {
    let sc = s.clone();
    let wave = state.db.run(move |c| panel::wave_slug(c, &sc).map_err(AppError::from)).await?;
    let k = Kiosk {
        session_id: s.id.clone(),
        wave: wave.clone(),
        audience: s.audience.clone(),
        idle_minutes: i64::from(s.idle_minutes),
        until: s.closes_at.and_utc().timestamp(),
    };
    let mut res = see_other(if kiosk { k.start() } else { format!("{}/joined", k.start()) });
    let panel = cookie_until(state, PANEL_COOKIE, state.forms.sign("panel", &s.id), s);
    res.add_cookie(&panel).map_err(AppError::internal)?;
    if kiosk {
        let signed = state.forms.sign("kiosk", &k.payload());
        res.add_cookie(&cookie_until(state, KIOSK_COOKIE, signed, s)).map_err(AppError::internal)?;
    }
    Ok(res)
}

pub(super) async fn join_post(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = read_checked(&state, &req, body).await?;
    let typed = form.get("code").unwrap_or("").to_owned();
    let s = match open_session(&state, &typed).await? {
        Ok(s) => s,
        Err(msg) => {
            return render(
                &state,
                StatusCode::BAD_REQUEST,
                "respond/join",
                &join_view(&state, &req, typed, Some(msg), None),
            );
        }
    };
    let pin = form.get("pin").unwrap_or("").trim().to_owned();
    if pin.is_empty() || !s.kiosk {
        return joined(&state, &s, false).await;
    }
    let id = s.id.clone();
    let outcome = state.db.run(move |c| panel::check_pin(c, &id, &pin).map_err(AppError::from)).await?;
    match outcome {
        Pin::Right => joined(&state, &s, true).await,
        Pin::Wrong { tries_left } => {
            let msg = crate::i18n::format(&lang(), "pin_wrong", &[&tries_left]);
            render(&state, StatusCode::BAD_REQUEST, "respond/join", &join_view(&state, &req, typed, None, Some(msg)))
        }
        Pin::Locked => render(
            &state,
            StatusCode::FORBIDDEN,
            "respond/join",
            &join_view(&state, &req, typed, None, Some(t("pin_locked"))),
        ),
    }
}

/// `GET /join/CODE`: what the QR code opens. Joins at once (it only sets a cookie).
pub(super) async fn join_link(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let typed = path.into_inner();
    match open_session(&state, &typed).await? {
        Ok(s) => joined(&state, &s, false).await,
        Err(msg) => {
            render(&state, StatusCode::NOT_FOUND, "respond/join", &join_view(&state, &req, typed, Some(msg), None))
        }
    }
}
