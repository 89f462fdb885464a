//! The data-protection pack, first part (`GET /staff/privacy`, admins): the data map (every
//! table, whether it holds personal data, what, why, who can see it, how long it is kept)
//! and the retention schedule with the figures of the running settings. The map itself is
//! `domain::datamap`; this page only lays it out.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::pages::render;
use super::staff::SignedIn;
use crate::domain::datamap::{MAP, Personal, Retention};
use crate::error::AppError;
use crate::models::account::{ABSOLUTE_HOURS, IDLE_HOURS, Role};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/privacy", web::get().to(page));
}

#[derive(Serialize)]
struct Row {
    table: &'static str,
    personal: &'static str,
    is_personal: bool,
    holds: &'static str,
    why: &'static str,
    who: &'static str,
    kept: String,
}

#[derive(Serialize)]
struct View {
    page: crate::routes::pages::PageMeta,
    rows: Vec<Row>,
    tables: usize,
    personal_tables: usize,
    engine: &'static str,
    schedule: Vec<String>,
}

async fn page(state: web::Data<AppState>, req: HttpRequest, who: SignedIn) -> Result<HttpResponse, AppError> {
    who.require(&[Role::Admin])?;
    let s = &state.settings;
    let r = Retention {
        keep_free_text_days: s.keep_free_text_days,
        draft_days: s.draft_days,
        deletion_days: s.deletion_days,
        idle_hours: IDLE_HOURS,
        absolute_hours: ABSOLUTE_HOURS,
    };
    let rows: Vec<Row> = MAP
        .iter()
        .map(|e| Row {
            table: e.table,
            personal: e.personal.words(),
            is_personal: e.personal != Personal::No,
            holds: e.holds,
            why: e.why,
            who: e.who,
            kept: e.kept.words(&r),
        })
        .collect();
    let schedule = vec![
        format!(
            "Written answers, recordings, pictures and typed paper copies: each wave's own period (set in the survey), else {} days after sending; then deleted every night. Choices and counts stay.",
            r.keep_free_text_days
        ),
        format!("A response not yet sent: {} days after it was last saved.", r.draft_days),
        format!(
            "A respondent can delete their own response with its receipt code for {} days after sending.",
            r.deletion_days
        ),
        "Addresses left to hear what happened: until the next update is sent to them, at most 365 days; unconfirmed ones after 7 days.".into(),
        "Invitation and password links: 7 days, or until used.".into(),
        format!("Staff sessions: {} hours without use, or {} hours after signing in.", r.idle_hours, r.absolute_hours),
        "The audit log, invitation contacts and the email outbox: not deleted automatically. [Council to decide]".into(),
    ];
    let view = View {
        page: who.page(&req, &state, "Data map and retention"),
        tables: rows.len(),
        personal_tables: rows.iter().filter(|r| r.is_personal).count(),
        rows,
        engine: state.db.backend().name(),
        schedule,
    };
    render(&state, StatusCode::OK, "staff/privacy", &view)
}
