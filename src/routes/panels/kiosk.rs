//! The kiosk: a shared device that starts a fresh journey for each young person.

#[allow(clippy::wildcard_imports)]
use super::*;

#[derive(Serialize)]
pub(super) struct LeaveView {
    page: PageMeta,
    csrf: String,
    error: Option<String>,
    errors: Vec<Link>,
}

pub(super) fn leave_view(state: &AppState, req: &HttpRequest, error: Option<String>) -> LeaveView {
    let lang = lang();
    LeaveView {
        page: PageMeta::new(crate::i18n::text(&lang, "kiosk_leave_title")).lang(&lang).with_error(error.is_some()),
        csrf: csrf(state, req),
        errors: crate::routes::pages::error_links(&error, "#pin"),
        error,
    }
}

pub(super) async fn kiosk_leave_page(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    if crate::prefs::current().kiosk.is_none() {
        return Ok(see_other("/"));
    }
    render(&state, StatusCode::OK, "respond/kiosk_leave", &leave_view(&state, &req, None))
}

pub(super) async fn kiosk_leave(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = read_checked(&state, &req, body).await?;
    let Some(k) = crate::prefs::current().kiosk else { return Ok(see_other("/")) };
    let pin = form.get("pin").unwrap_or("").trim().to_owned();
    if pin.is_empty() {
        return render(
            &state,
            StatusCode::BAD_REQUEST,
            "respond/kiosk_leave",
            &leave_view(&state, &req, Some(t("type_pin"))),
        );
    }
    let id = k.session_id.clone();
    let outcome = state.db.run(move |c| panel::check_pin(c, &id, &pin).map_err(AppError::from)).await?;
    match outcome {
        Pin::Right => {
            let mut res = message(
                &state,
                StatusCode::OK,
                PageMeta::new("This device has left kiosk mode"),
                "This device has left kiosk mode",
                vec!["It is no longer held to the session's survey.".into()],
                Some(Link { href: "/".into(), text: "Go to the start".into() }),
            )?;
            for name in [KIOSK_COOKIE, PANEL_COOKIE] {
                let gone = Cookie::build(name, "").path("/").max_age(CookieDuration::ZERO).finish();
                res.add_cookie(&gone).map_err(AppError::internal)?;
            }
            Ok(res)
        }
        Pin::Wrong { tries_left } => {
            let msg = crate::i18n::format(&lang(), "pin_wrong", &[&tries_left]);
            render(&state, StatusCode::BAD_REQUEST, "respond/kiosk_leave", &leave_view(&state, &req, Some(msg)))
        }
        Pin::Locked => render(
            &state,
            StatusCode::FORBIDDEN,
            "respond/kiosk_leave",
            &leave_view(&state, &req, Some(t("pin_locked"))),
        ),
    }
}
