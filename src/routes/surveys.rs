//! Survey management for staff: upload a definition file (every problem shown in the page,
//! nothing half imported), open and close a wave with dates, and start next year's wave as a
//! draft copy that keeps every question key. A wave does not open (by the button or by an
//! uploaded file) while its easy-read version has "must fix" advice, unless an admin says why
//! on the Open button (audited); opening also ends its co-design reviews.
//!
//! | route | roles |
//! |---|---|
//! | `GET,POST /staff/surveys/upload` | admin, analyst |
//! | `POST /staff/waves/{slug}/status` | admin, analyst |
//! | `POST /staff/waves/{slug}/next` | admin, analyst |

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::form::token as csrf;
use super::pages::{Link, PageMeta, render};
use super::staff::SignedIn;
use crate::domain::SurveyDefinition;
use crate::domain::survey::{Problem, WaveStatus};
use crate::error::AppError;
use crate::models::account::Role;
use crate::models::{StoreError, audit, survey};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/surveys/upload", web::get().to(upload_page))
        .route("/staff/surveys/upload", web::post().to(upload))
        .route("/staff/waves/{slug}/status", web::post().to(set_status))
        .route("/staff/waves/{slug}/next", web::post().to(next_wave));
}

const EDITORS: [Role; 2] = [Role::Admin, Role::Analyst];
/// Definition files can be larger than an answer form.
const UPLOAD_LIMIT: usize = 1024 * 1024;

#[derive(Serialize)]
struct UploadView {
    page: PageMeta,
    csrf: String,
    text: String,
    problems: Vec<Problem>,
    message: Option<String>,
    errors: Vec<Link>,
}

fn upload_view(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    text: String,
    problems: Vec<Problem>,
    message: Option<String>,
) -> UploadView {
    let failed = !problems.is_empty() || message.is_some();
    UploadView {
        page: who.page(req, state, "Upload a survey").back("/staff").with_error(failed),
        csrf: csrf(state, req),
        text,
        errors: if failed {
            vec![Link {
                href: "#problems".into(),
                text: "The survey was not imported: nothing has been changed. Fix the problems below and try again."
                    .into(),
            }]
        } else {
            vec![]
        },
        problems,
        message,
    }
}

async fn upload_page(state: web::Data<AppState>, req: HttpRequest, who: SignedIn) -> Result<HttpResponse, AppError> {
    who.require(&EDITORS)?;
    render(&state, StatusCode::OK, "staff/upload", &upload_view(&state, &req, &who, String::new(), vec![], None))
}

async fn upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&EDITORS)?;
    let parts = super::upload::read_checked(&state, &req, payload, UPLOAD_LIMIT).await?;
    let (file_name, bytes) = match (parts.part("definition").filter(|p| !p.bytes.is_empty()), parts.part("text")) {
        (Some(p), _) => (p.file_name.clone().unwrap_or_else(|| "uploaded file".into()), p.bytes.clone()),
        (None, Some(p)) if !p.bytes.iter().all(u8::is_ascii_whitespace) => ("pasted text".to_owned(), p.bytes.clone()),
        _ => {
            let view = upload_view(
                &state,
                &req,
                &who,
                String::new(),
                vec![],
                Some("Choose a survey file (.toml) or paste its text.".into()),
            );
            return render(&state, StatusCode::BAD_REQUEST, "staff/upload", &view);
        }
    };
    let Ok(text) = String::from_utf8(bytes) else {
        let view = upload_view(
            &state,
            &req,
            &who,
            String::new(),
            vec![],
            Some(format!("{file_name} is not UTF-8 text. Save it as UTF-8 and try again.")),
        );
        return render(&state, StatusCode::BAD_REQUEST, "staff/upload", &view);
    };
    let def = match SurveyDefinition::parse(&file_name, &text, state.settings.max_text_graphemes) {
        Ok(d) => d,
        Err(problems) => {
            let view = upload_view(&state, &req, &who, text, problems.0, None);
            return render(&state, StatusCode::BAD_REQUEST, "staff/upload", &view);
        }
    };
    if !who.staff.is_superadmin() && who.staff.partnership_slug.as_deref() != Some(def.partnership.as_str()) {
        let message = format!(
            "This survey is for the partnership {:?}, but you work for {:?}. Change `partnership` in the file.",
            def.partnership.as_str(),
            who.staff.partnership_slug.clone().unwrap_or_default()
        );
        let view = upload_view(&state, &req, &who, text, vec![], Some(message));
        return render(&state, StatusCode::FORBIDDEN, "staff/upload", &view);
    }
    // A file that opens its wave meets the same easy-read gate as the Open button; an admin
    // who must open it anyway uploads it as a draft and opens it with a reason.
    if def.wave.status == WaveStatus::Open {
        let must_fix: usize = crate::domain::easyread::must_fix_in_easy_read(&def).iter().map(|(_, _, n)| n).sum();
        if must_fix > 0 {
            let message = format!(
                "This file opens its wave, but its easy-read version still has {must_fix} \u{201c}must fix\u{201d} {} (see the easy-read check). Fix {}, or upload it with status = \"draft\" and open it from the wave's page, where an admin can say why it opens anyway.",
                if must_fix == 1 { "item" } else { "items" },
                if must_fix == 1 { "it" } else { "them" },
            );
            let view = upload_view(&state, &req, &who, text, vec![], Some(message));
            return render(&state, StatusCode::BAD_REQUEST, "staff/upload", &view);
        }
    }
    let (name, source, staff) = (file_name.clone(), text.clone(), who.staff.clone());
    let result = state
        .db
        .write(move |c| -> Result<survey::SurveyImport, StoreError> {
            let done = survey::import(c, &name, &source, &def)?;
            audit::record(
                c,
                &staff.actor(),
                staff.partnership_id.as_ref(),
                audit::Action::SurveyImported,
                &serde_json::json!({"wave": done.wave, "outcome": done.outcome}),
            )?;
            Ok(done)
        })
        .await;
    match result {
        Ok(done) => {
            Ok(HttpResponse::SeeOther().insert_header((LOCATION, format!("/staff/waves/{}", done.wave))).finish())
        }
        Err(StoreError::Invalid(problems)) => {
            let view = upload_view(&state, &req, &who, text, problems.0, None);
            render(&state, StatusCode::BAD_REQUEST, "staff/upload", &view)
        }
        Err(StoreError::Conflict(message)) => {
            let view = upload_view(&state, &req, &who, text, vec![], Some(message));
            render(&state, StatusCode::CONFLICT, "staff/upload", &view)
        }
        Err(e) => Err(e.into()),
    }
}

/// A wave the signed-in person may change.
async fn editable_wave(state: &AppState, who: &SignedIn, slug: &str) -> Result<super::staff::OwnedWave, AppError> {
    who.require(&EDITORS)?;
    super::staff::owned_wave(state, who, slug).await
}

fn parse_day(raw: &str, what: &str) -> Result<Option<chrono::NaiveDateTime>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").map(|d| d.and_hms_opt(0, 0, 0)).map_err(|_| {
        AppError::BadRequest(format!("The {what} date {raw:?} is not a date: write it like 2025-09-01.").into())
    })
}

async fn set_status(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = super::form::read_checked(&state, &req, body).await?;
    let slug = path.into_inner();
    let w = editable_wave(&state, &who, &slug).await?;
    let (wave_id, pid) = (w.row.id.clone(), w.partnership_id.clone());
    let status = WaveStatus::parse(f.get("status").unwrap_or(""))
        .ok_or_else(|| AppError::BadRequest("Choose draft, open or closed.".into()))?;
    if status == WaveStatus::Open && w.def.questions.is_empty() {
        return Err(AppError::BadRequest(
            "This wave has no questions yet: add at least one before you open it.".into(),
        ));
    }
    // An easy-read version with "must fix" advice does not open, unless an admin says why.
    let must_fix = if status == WaveStatus::Open {
        crate::domain::easyread::must_fix_in_easy_read(&w.def).iter().map(|(_, _, n)| n).sum::<usize>()
    } else {
        0
    };
    let reason = crate::domain::text::UserText::parse(f.get("override_reason").unwrap_or(""), 1000, true)
        .map_err(|e| AppError::BadRequest(format!("The reason {e}.").into()))?
        .into_string();
    let overridden = must_fix > 0;
    if overridden && (reason.is_empty() || who.require(&[Role::Admin]).is_err()) {
        return Err(AppError::BadRequest(
            format!(
                "The easy-read version still has {must_fix} \u{201c}must fix\u{201d} {}, so the wave was not opened. Fix {} (see \u{201c}Check before opening\u{201d} on the wave's page), or an admin can open it anyway by saying why.",
                if must_fix == 1 { "item" } else { "items" },
                if must_fix == 1 { "it" } else { "them" },
            )
            .into(),
        ));
    }
    let opens = parse_day(f.get("opens").unwrap_or(""), "opening")?;
    let closes = parse_day(f.get("closes").unwrap_or(""), "closing")?;
    let staff = who.staff.clone();
    let s2 = slug.clone();
    state
        .db
        .write(move |c| -> Result<(), AppError> {
            survey::set_status(c, &wave_id, status, opens, closes)?;
            // Co-design feedback is never kept past opening (only counts, where chosen).
            let review_feedback =
                if status == WaveStatus::Open { crate::models::review::close_for_opening(c, &wave_id)? } else { 0 };
            if overridden {
                audit::record(
                    c,
                    &staff.actor(),
                    Some(&pid),
                    audit::Action::WaveOpenedDespiteAdvice,
                    &serde_json::json!({"wave": s2, "must_fix": must_fix, "reason": reason}),
                )?;
            }
            audit::record(
                c,
                &staff.actor(),
                Some(&pid),
                audit::Action::WaveStatus,
                &serde_json::json!({"wave": s2, "status": status.as_str(), "opens": opens, "closes": closes, "review_feedback_deleted": review_feedback}),
            )?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::SeeOther().insert_header((LOCATION, format!("/staff/waves/{slug}"))).finish())
}

async fn next_wave(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = super::form::read_checked(&state, &req, body).await?;
    let slug = path.into_inner();
    let w = editable_wave(&state, &who, &slug).await?;
    let pid = w.partnership_id;
    let source = state.db.run(move |c| survey::wave_definition(c, &w.row.id).map_err(AppError::from)).await?;
    let new_slug = crate::domain::Slug::parse(f.get("slug").unwrap_or("").trim(), "new wave's address")
        .map_err(|e| AppError::BadRequest(format!("{e}.").into()))?;
    let label = crate::domain::text::UserText::parse(f.get("label").unwrap_or(""), 40, false)
        .map_err(|e| AppError::BadRequest(e.to_string().into()))?
        .into_string();
    if label.is_empty() {
        return Err(AppError::BadRequest("Give the new wave a label, like 2026.".into()));
    }
    let text = survey::next_wave_source(&source, new_slug.as_str(), &label)?;
    let def = SurveyDefinition::parse(new_slug.as_str(), &text, state.settings.max_text_graphemes)
        .map_err(|e| AppError::BadRequest(e.to_string().into()))?;
    let staff = who.staff.clone();
    let name = format!("{new_slug}.toml");
    let done = state
        .db
        .write(move |c| -> Result<survey::SurveyImport, AppError> {
            if survey::find_wave(c, def.wave.slug.as_str())?.is_some() {
                return Err(AppError::Conflict(
                    format!("There is already a wave called {}. Choose another address.", def.wave.slug).into(),
                ));
            }
            let done = survey::import(c, &name, &text, &def)?;
            audit::record(
                c,
                &staff.actor(),
                Some(&pid),
                audit::Action::WaveStarted,
                &serde_json::json!({"from": slug, "wave": done.wave}),
            )?;
            Ok(done)
        })
        .await?;
    Ok(HttpResponse::SeeOther().insert_header((LOCATION, format!("/staff/waves/{}", done.wave))).finish())
}
