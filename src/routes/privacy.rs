//! The data-protection pack (`GET /staff/privacy`, admins; `?format=docx` for Word): the
//! retention schedule and data map with the running settings' figures, a privacy notice per
//! survey in plain and easy-read words, the records of processing and a DPIA draft. The
//! words are `domain::dpia`'s; `models::privacy` gathers the facts; this page lays them out.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::pages::render;
use super::staff::{SignedIn, partnership_for};
use crate::config::TwoFactor;
use crate::domain::datamap::{MAP, Personal, Retention};
use crate::domain::dpia::{self, PackFacts, Section};
use crate::error::AppError;
use crate::models::account::Role;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/privacy", web::get().to(page));
}

#[derive(Deserialize)]
struct Query {
    partnership: Option<String>,
    format: Option<String>,
}

#[derive(Serialize)]
struct View {
    page: crate::routes::pages::PageMeta,
    tables: usize,
    personal_tables: usize,
    sections: Vec<Section>,
    download: String,
}

async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<Query>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&[Role::Admin])?;
    let format = q.format.as_deref().unwrap_or("html");
    if !matches!(format, "html" | "docx") {
        return Err(AppError::BadRequest(
            format!("“{format}” is not a format of the data-protection pack: choose docx.").into(),
        ));
    }
    let p = partnership_for(&state, &who, q.partnership.as_deref()).await?;
    let s = &state.settings;
    let retention = Retention {
        keep_free_text_days: s.keep_free_text_days,
        draft_days: s.draft_days,
        deletion_days: s.deletion_days,
        idle_minutes: s.session_idle_minutes,
        absolute_hours: s.session_absolute_hours,
    };
    let (pid, keep, max) = (p.id.clone(), s.keep_free_text_days, s.max_text_graphemes);
    let (surveys, (responses, staff_accounts)) = state
        .db
        .run(move |c| -> Result<_, AppError> {
            Ok((crate::models::privacy::surveys(c, &pid, keep, max)?, crate::models::privacy::sizes(c, &pid)?))
        })
        .await?;
    let facts = PackFacts {
        partnership: p.name.clone(),
        engine: state.db.backend().name().to_owned(),
        retention,
        two_factor: match s.two_factor {
            TwoFactor::Admins => "required of admins and superadmins; offered to everyone else.".into(),
            TwoFactor::Everyone => "required of every staff account.".into(),
            TwoFactor::Optional => format!(
                "{} this instance requires it of nobody (HEARD_TWO_FACTOR=optional): set it to admins or everyone before the first survey.",
                dpia::COUNCIL
            ),
        },
        https: s.public_url.starts_with("https://"),
        surveys,
        responses,
        staff_accounts,
    };
    let sections = dpia::pack(&facts);
    if format == "docx" {
        let bytes = crate::exports::privacy::pack_docx(&p.name, &sections).map_err(AppError::internal)?;
        return Ok(HttpResponse::Ok()
            .insert_header((
                actix_web::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ))
            .insert_header((
                actix_web::http::header::CONTENT_DISPOSITION,
                crate::exports::attachment(&format!("data-protection-pack-{}", p.slug), "docx"),
            ))
            .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
            .body(bytes));
    }
    let suffix = who.partnership_suffix(&p);
    let download = if suffix.is_empty() {
        "/staff/privacy?format=docx".to_owned()
    } else {
        format!("/staff/privacy{suffix}&format=docx")
    };
    let view = View {
        page: who.page(&req, &state, "Data-protection pack"),
        tables: MAP.len(),
        personal_tables: MAP.iter().filter(|e| e.personal != Personal::No).count(),
        sections,
        download,
    };
    render(&state, StatusCode::OK, "staff/privacy", &view)
}
