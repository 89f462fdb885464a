//! Co-design review in the staff workspace: start a review of one audience's version of a
//! draft wave (a join code, its link and QR code, like a panel session), end it, and take a
//! reviewer's better words into a question's wording in one step. Feedback itself is shown
//! beside each question in the editor.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::{Refusal, buildable, save};
use crate::domain::codes::JoinCode;
use crate::error::AppError;
use crate::models::{audit, review};
use crate::routes::form::{read_checked, token as csrf};
use crate::routes::pages::{PageMeta, render, see_other};
use crate::routes::staff::{SignedIn, not_found};
use crate::state::AppState;
use crate::views::Choice;

#[derive(Serialize)]
struct ReviewRow {
    id: String,
    audience: String,
    code: String,
    link: String,
    qr: String,
    keep_counts: bool,
    ended: bool,
    feedback: i64,
}

#[derive(Serialize)]
struct ReviewsView {
    page: PageMeta,
    csrf: String,
    slug: String,
    draft: bool,
    audiences: Vec<Choice>,
    reviews: Vec<ReviewRow>,
}

pub(super) async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let w = buildable(&state, &who, &path).await?;
    let id = w.row.id.clone();
    let reviews = state.db.run(move |c| review::for_wave(c, &id).map_err(AppError::from)).await?;
    let base = state.settings.public_url.trim_end_matches('/').to_owned();
    let slug = w.row.slug.clone();
    let view = ReviewsView {
        page: who.page(&req, &state, "Co-design review").back(format!("/staff/waves/{slug}/build")),
        csrf: csrf(&state, &req),
        draft: w.row.status == "draft",
        audiences: w
            .def
            .audiences
            .iter()
            .map(|a| Choice { value: a.key.as_str().to_owned(), text: a.name.clone(), selected: false })
            .collect(),
        reviews: reviews
            .into_iter()
            .map(|r| {
                let link = format!("{base}/review/{}", r.code);
                ReviewRow {
                    qr: crate::routes::panels::qr_svg(&link),
                    code: JoinCode::parse(&r.code).map_or(r.code.clone(), |c| c.display()),
                    audience: w.def.audience(&r.audience).map_or(r.audience.clone(), |a| a.name.clone()),
                    link,
                    id: r.id,
                    keep_counts: r.keep_counts,
                    ended: r.ended,
                    feedback: r.feedback,
                }
            })
            .collect(),
        slug,
    };
    render(&state, StatusCode::OK, "staff/reviews", &view)
}

pub(super) async fn start(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = read_checked(&state, &req, body).await?;
    let w = buildable(&state, &who, &path).await?;
    if w.row.status != "draft" {
        return Err(AppError::Conflict(
            "This wave is no longer a draft, so it cannot be reviewed: reviews are for surveys still being written."
                .into(),
        ));
    }
    let audience = f.get("audience").unwrap_or("").to_owned();
    if w.def.audience(&audience).is_none() {
        return Err(AppError::BadRequest("Choose whose version the group will review.".into()));
    }
    let keep = f.get("keep") == Some("counts");
    let (staff, wave, pid, slug) = (who.staff.clone(), w.row.id.clone(), w.partnership_id.clone(), w.row.slug.clone());
    state
        .db
        .write(move |c| -> Result<(), AppError> {
            let r = review::start(c, &wave, &audience, keep, &staff.email)?;
            audit::record(
                c,
                &staff.actor(),
                Some(&pid),
                audit::Action::ReviewStarted,
                &serde_json::json!({"wave": slug, "audience": audience, "keep_counts": keep, "code": r.code}),
            )?;
            Ok(())
        })
        .await?;
    Ok(see_other(format!("/staff/waves/{}/review", w.row.slug)))
}

pub(super) async fn end(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let _form = read_checked(&state, &req, body).await?;
    let (slug, id) = path.into_inner();
    let w = buildable(&state, &who, &slug).await?;
    let (staff, wave, pid) = (who.staff.clone(), w.row.id.clone(), w.partnership_id.clone());
    state
        .db
        .write(move |c| -> Result<(), AppError> {
            if !review::end(c, &wave, &id)? {
                return Err(not_found());
            }
            audit::record(
                c,
                &staff.actor(),
                Some(&pid),
                audit::Action::ReviewEnded,
                &serde_json::json!({"review": id}),
            )?;
            Ok(())
        })
        .await?;
    Ok(see_other(format!("/staff/waves/{slug}/review")))
}

/// "Use these words": a reviewer's suggestion becomes the question's title for its audience.
pub(super) async fn take_suggestion(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let (f, w, key) = super::posted(&state, &req, path, body, &who).await?;
    let slug = w.row.slug.clone();
    let (wave, id) = (w.row.id.clone(), f.get("suggestion").unwrap_or("").to_owned());
    let found = state.db.run(move |c| review::suggestion(c, &wave, &id).map_err(AppError::from)).await?;
    let Some((audience, question, words)) = found.filter(|(_, q, _)| *q == key) else {
        return Err(not_found());
    };
    let mut def = (*w.def).clone();
    let Some(q) = def.questions.iter_mut().find(|q| q.key.as_str() == question) else { return Err(not_found()) };
    let Some(wording) = q.wording.get_mut(&audience) else { return Err(not_found()) };
    wording.title =
        crate::domain::text::UserText::parse(&words, crate::domain::survey::build::WORDING_GRAPHEMES, false)
            .map_err(|e| AppError::BadRequest(format!("Those words {e}: copy them into the question by hand.").into()))?
            .into_string();
    let change = serde_json::json!({"suggestion_taken": question, "audience": audience});
    match save(&state, &who, &w, f.get("version").unwrap_or(""), def, change).await? {
        Ok(()) => Ok(see_other(format!("/staff/waves/{slug}/build/{key}?said=suggestion"))),
        Err(r @ (Refusal::Stale(_) | Refusal::Conflict(_) | Refusal::Problems(_))) => {
            super::wave::refused_page(&state, &req, &who, &w, r.message()).await
        }
    }
}
