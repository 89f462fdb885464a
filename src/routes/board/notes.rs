//! Evidence from other sources (`/staff/notes`): the partnership's notes, newest first, and
//! a form to add one (the date, the source, what it showed, the outcome statements it bears
//! on). A refused note comes back with each problem beside its field and what was typed.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::{PartnershipQuery, READERS, WRITERS, date, long_date, partnership};
use crate::domain::review::{MAX_NAME, MAX_NOTE};
use crate::domain::text::UserText;
use crate::error::AppError;
use crate::models::framework::{self, Partnership};
use crate::models::notes;
use crate::routes::form::token as csrf;
use crate::routes::pages::{Link, PageMeta, render, see_other};
use crate::routes::staff::SignedIn;
use crate::state::AppState;

#[derive(Serialize)]
struct NoteRow {
    date: String,
    source: String,
    body: String,
    by: String,
    outcomes: String,
}

#[derive(Serialize)]
struct OutcomeBox {
    id: String,
    code: String,
    statement: String,
    checked: bool,
}

#[derive(Serialize, Default)]
struct Typed {
    noted_on: String,
    source: String,
    body: String,
    chosen: Vec<String>,
    date_error: Option<String>,
    source_error: Option<String>,
    body_error: Option<String>,
    outcomes_error: Option<String>,
}

#[derive(Serialize)]
struct NotesView {
    page: PageMeta,
    csrf: String,
    action: String,
    can_add: bool,
    notes: Vec<NoteRow>,
    outcomes: Vec<OutcomeBox>,
    typed: Typed,
    errors: Vec<Link>,
}

async fn view(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    p: &Partnership,
    typed: Typed,
) -> Result<NotesView, AppError> {
    let pid = p.id.clone();
    let (all, fw) = state
        .db
        .run(move |c| -> Result<_, AppError> { Ok((notes::list(c, &pid)?, framework::framework(c, &pid)?)) })
        .await?;
    let mut errors = Vec::new();
    for (e, at) in [
        (&typed.date_error, "#noted-on"),
        (&typed.source_error, "#source"),
        (&typed.body_error, "#body"),
        (&typed.outcomes_error, "#outcomes"),
    ] {
        if let Some(e) = e {
            errors.push(Link { href: at.into(), text: e.clone() });
        }
    }
    Ok(NotesView {
        page: who.page(req, state, "Evidence from other sources"),
        csrf: csrf(state, req),
        action: format!("/staff/notes{}", who.partnership_suffix(p)),
        can_add: who.require(&WRITERS).is_ok(),
        notes: all
            .into_iter()
            .map(|n| NoteRow {
                date: long_date(n.noted_on),
                source: n.source,
                body: n.body,
                by: n.written_by,
                outcomes: n.outcome_codes.join(", "),
            })
            .collect(),
        outcomes: fw
            .outcomes
            .into_iter()
            .filter(|o| !o.archived)
            .map(|o| OutcomeBox { checked: typed.chosen.contains(&o.id), id: o.id, code: o.code, statement: o.text })
            .collect(),
        typed,
        errors,
    })
}

pub(super) async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<PartnershipQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let p = partnership(&state, &who, &q, &READERS).await?;
    let typed = Typed { noted_on: chrono::Utc::now().date_naive().to_string(), ..Typed::default() };
    let v = view(&state, &req, &who, &p, typed).await?;
    render(&state, StatusCode::OK, "staff/notes", &v)
}

pub(super) async fn add(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<PartnershipQuery>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = crate::routes::form::read_checked(&state, &req, body).await?;
    let p = partnership(&state, &who, &q, &WRITERS).await?;
    let mut typed = Typed {
        noted_on: f.get("noted_on").unwrap_or("").to_owned(),
        source: f.get("source").unwrap_or("").to_owned(),
        body: f.get("body").unwrap_or("").to_owned(),
        chosen: f.all("outcome").into_iter().map(str::to_owned).collect(),
        ..Typed::default()
    };
    let noted_on = date(&typed.noted_on, "the date").map_err(|e| typed.date_error = Some(e)).ok();
    let source = UserText::required(
        &typed.source,
        MAX_NAME,
        false,
        "The source",
        "Say where this came from, like “Parent Carer Forum meeting”.",
    )
    .map_err(|e| typed.source_error = Some(e))
    .ok();
    let words =
        UserText::required(&typed.body, MAX_NOTE, true, "What it showed", "Say what it showed, in a sentence or two.")
            .map_err(|e| typed.body_error = Some(e))
            .ok();
    if typed.chosen.is_empty() {
        typed.outcomes_error = Some("Choose at least one outcome statement this is evidence for.".into());
    }
    let (Some(noted_on), Some(source), Some(words), false) = (noted_on, source, words, typed.chosen.is_empty()) else {
        let v = view(&state, &req, &who, &p, typed).await?;
        return render(&state, StatusCode::BAD_REQUEST, "staff/notes", &v);
    };
    let (pid, actor, chosen) = (p.id.clone(), who.staff.actor(), typed.chosen.clone());
    let added = state
        .db
        .run(move |c| notes::add(c, &pid, &actor, noted_on, &source, &words, &chosen).map_err(AppError::from))
        .await?;
    if added.is_none() {
        typed.outcomes_error = Some("Choose outcome statements from this page's list.".into());
        let v = view(&state, &req, &who, &p, typed).await?;
        return render(&state, StatusCode::BAD_REQUEST, "staff/notes", &v);
    }
    Ok(see_other(format!("/staff/notes{}", who.partnership_suffix(&p))))
}
