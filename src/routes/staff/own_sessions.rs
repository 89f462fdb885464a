//! `/staff/sessions`: each person's own sessions (the browser, a name they may give the
//! device, when it started, was last used and will end), ending one or all of their others;
//! admins can also end every session of their partnership. `models::sessions` holds the
//! rules.

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::models::sessions;

#[derive(Serialize)]
struct Row {
    reference: String,
    browser: String,
    device: String,
    started: String,
    last_used: String,
    ends: String,
    this_one: bool,
}

#[derive(Serialize)]
struct View {
    page: PageMeta,
    csrf: String,
    rows: Vec<Row>,
    others: bool,
    admin: bool,
    idle_minutes: i64,
    absolute_hours: i64,
    error: Option<String>,
    errors: Vec<Link>,
    /// The session whose name was refused, and what was typed.
    error_reference: String,
    typed: String,
}

fn when(t: chrono::NaiveDateTime) -> String {
    t.format("%-d %b %Y, %H:%M UTC").to_string()
}

async fn view(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    error: Option<(String, String, String)>,
) -> Result<View, AppError> {
    let rules = account::SessionRules::from_settings(&state.settings);
    let (staff, token) = (who.staff.clone(), who.token.clone());
    let listed = state.db.run(move |c| sessions::list(c, &staff, &token, &rules).map_err(AppError::from)).await?;
    let (message, error_reference, typed) = match error {
        Some((m, r, t)) => (Some(m), r, t),
        None => (None, String::new(), String::new()),
    };
    let rows: Vec<Row> = listed
        .into_iter()
        .map(|s| Row {
            device: if s.reference == error_reference { typed.clone() } else { s.device.unwrap_or_default() },
            reference: s.reference,
            browser: s.browser,
            started: when(s.started),
            last_used: when(s.last_used),
            ends: when(s.ends),
            this_one: s.this_one,
        })
        .collect();
    Ok(View {
        page: who.page(req, state, "Your sessions").with_error(message.is_some()),
        csrf: csrf(state, req),
        others: rows.iter().any(|r| !r.this_one),
        rows,
        admin: who.staff.role() == Some(Role::Admin),
        idle_minutes: rules.idle_minutes,
        absolute_hours: rules.absolute_hours,
        errors: crate::views::error_links(&message, &format!("#device-{error_reference}")),
        error: message,
        error_reference,
        typed,
    })
}

fn back() -> HttpResponse {
    HttpResponse::SeeOther().insert_header((LOCATION, "/staff/sessions")).finish()
}

pub(super) async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    render(&state, StatusCode::OK, "staff/sessions", &view(&state, &req, &who, None).await?)
}

pub(super) async fn name(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let form = crate::routes::form::read_checked(&state, &req, body).await?;
    let reference = form.get("session").unwrap_or("").to_owned();
    let raw = form.get("device").unwrap_or("");
    let device = match UserText::parse(raw, sessions::DEVICE_MAX, false) {
        Ok(t) => t,
        Err(e) => {
            let message = match e {
                crate::domain::text::TextError::TooLong { count, max } => format!(
                    "A device name can be up to {max} characters; this one has {count}. Shorten it, for example \"Work laptop\"."
                ),
                _ => "The device name has a hidden control character in it (perhaps from copying and pasting). Type it again.".into(),
            };
            let v = view(&state, &req, &who, Some((message, reference, raw.to_owned()))).await?;
            return render(&state, StatusCode::BAD_REQUEST, "staff/sessions", &v);
        }
    };
    let staff = who.staff.clone();
    let text = device.as_str().to_owned();
    let named = state
        .db
        .run(move |c| {
            sessions::name(c, &staff, &reference, (!text.is_empty()).then_some(text.as_str())).map_err(AppError::from)
        })
        .await?;
    if !named {
        return Err(not_found());
    }
    Ok(back())
}

pub(super) async fn end(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let form = crate::routes::form::read_checked(&state, &req, body).await?;
    let reference = form.get("session").unwrap_or("").to_owned();
    let staff = who.staff.clone();
    let ended = state.db.run(move |c| sessions::end(c, &staff, &reference).map_err(AppError::from)).await?;
    if !ended {
        return Err(not_found());
    }
    Ok(back())
}

pub(super) async fn end_others(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    crate::routes::form::read_checked(&state, &req, body).await?;
    let (staff, token) = (who.staff.clone(), who.token.clone());
    state.db.run(move |c| sessions::end_others(c, &staff, &token).map_err(AppError::from)).await?;
    Ok(back())
}

pub(super) async fn end_everyone(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    crate::routes::form::read_checked(&state, &req, body).await?;
    if who.staff.role() != Some(Role::Admin) {
        return Err(AppError::NotAllowed(
            "Only an admin of the partnership can end everyone's sessions. Ask an admin if you need it.".into(),
        ));
    }
    let (staff, token) = (who.staff.clone(), who.token.clone());
    state.db.run(move |c| sessions::end_partnership(c, &staff, &token).map_err(AppError::from)).await?;
    Ok(back())
}
