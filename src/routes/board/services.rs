//! The pledge check (`/staff/services`): the services that signed up to the partnership's
//! pledge, each with its standing feedback survey's link and QR code for leaflets and
//! waiting rooms, and a scorecard per service: for each pledge value the share who said
//! yes with its interval, nothing shown under 10 answers, and the service's pledge index.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::{ADMINS, PartnershipQuery, READERS, partnership};
use crate::domain::pledge::service_name;
use crate::error::AppError;
use crate::models::services::{self, Refused};
use crate::routes::form::token as csrf;
use crate::routes::pages::{Link, PageMeta, render, see_other};
use crate::routes::staff::{SignedIn, not_found};
use crate::state::AppState;
use crate::stats::pledge::{index, scorecard};

#[derive(Serialize)]
struct ServiceRow {
    href: String,
    name: String,
    survey: String,
    responses: i64,
}

#[derive(Serialize)]
struct ListView {
    page: PageMeta,
    csrf: String,
    action: String,
    can_add: bool,
    services: Vec<ServiceRow>,
    name: String,
    name_error: Option<String>,
    errors: Vec<Link>,
}

fn public(state: &AppState, wave_slug: &str) -> String {
    format!("{}/s/{wave_slug}", state.settings.public_url.trim_end_matches('/'))
}

async fn list_view(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    p: &crate::models::framework::Partnership,
    name: String,
    name_error: Option<String>,
) -> Result<ListView, AppError> {
    let pid = p.id.clone();
    let all = state.db.run(move |c| services::list(c, &pid).map_err(AppError::from)).await?;
    let suffix = who.partnership_suffix(p);
    Ok(ListView {
        page: who.page(req, state, "Pledge services"),
        csrf: csrf(state, req),
        action: format!("/staff/services{suffix}"),
        can_add: who.require(&ADMINS).is_ok(),
        services: all
            .into_iter()
            .map(|s| ServiceRow {
                href: format!("/staff/services/{}{suffix}", s.id),
                survey: public(state, &s.wave_slug),
                name: s.name,
                responses: s.responses,
            })
            .collect(),
        errors: name_error.iter().map(|e| Link { href: "#service-name".into(), text: e.clone() }).collect(),
        name,
        name_error,
    })
}

pub(super) async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<PartnershipQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let p = partnership(&state, &who, &q, &READERS).await?;
    let view = list_view(&state, &req, &who, &p, String::new(), None).await?;
    render(&state, StatusCode::OK, "staff/services", &view)
}

pub(super) async fn add(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<PartnershipQuery>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = crate::routes::form::read_checked(&state, &req, body).await?;
    let p = partnership(&state, &who, &q, &ADMINS).await?;
    let typed = f.get("name").unwrap_or("").to_owned();
    let (name, slug) = match service_name(&typed) {
        Ok(v) => v,
        Err(e) => {
            let view = list_view(&state, &req, &who, &p, typed, Some(e)).await?;
            return render(&state, StatusCode::BAD_REQUEST, "staff/services", &view);
        }
    };
    let (pid, pslug, actor) = (p.id.clone(), p.slug.clone(), who.staff.actor());
    let max_text = state.settings.max_text_graphemes;
    let today = chrono::Utc::now().date_naive();
    let n2 = name.clone();
    let added = state
        .db
        .run(move |c| {
            let new = services::NewService { partnership_slug: &pslug, name: &n2, slug: &slug, opens: today };
            services::add(c, &pid, &actor, &new, max_text).map_err(AppError::from)
        })
        .await?;
    let problem = match added {
        Ok(id) => return Ok(see_other(format!("/staff/services/{id}{}", who.partnership_suffix(&p)))),
        Err(Refused::Taken) => {
            format!("There is already a service called “{name}” (or one whose address would be the same).")
        }
        Err(Refused::NoValues) => {
            "The partnership's framework has no pledge values to ask about yet. Add them on the Framework page first."
                .into()
        }
    };
    let view = list_view(&state, &req, &who, &p, typed, Some(problem)).await?;
    render(&state, StatusCode::CONFLICT, "staff/services", &view)
}

#[derive(Serialize)]
struct ScoreRow {
    title: String,
    answered: u64,
    share: Option<String>,
    interval: Option<String>,
}

#[derive(Serialize)]
struct ServiceView {
    page: PageMeta,
    name: String,
    survey: String,
    qr: String,
    responses: i64,
    scores: Vec<ScoreRow>,
    index: Option<String>,
    limit: u64,
    results: String,
}

fn pct(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

pub(super) async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<PartnershipQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let p = partnership(&state, &who, &q, &READERS).await?;
    let (pid, id) = (p.id.clone(), path.into_inner());
    let (service, counts) = state
        .db
        .run(move |c| -> Result<_, AppError> {
            let Some(s) = services::get(c, &pid, &id)? else { return Ok((None, Vec::new())) };
            let counts = services::value_counts(c, &pid, &s.wave_id)?;
            Ok((Some(s), counts))
        })
        .await?;
    let service = service.ok_or_else(not_found)?;
    let limit = crate::stats::Settings::default().suppress_below;
    let survey = public(&state, &service.wave_slug);
    let view = ServiceView {
        page: who
            .page(&req, &state, service.name.clone())
            .back(format!("/staff/services{}", who.partnership_suffix(&p))),
        qr: crate::routes::panels::qr_svg(&survey),
        name: service.name.clone(),
        responses: service.responses,
        scores: scorecard(&counts, limit)
            .into_iter()
            .map(|s| ScoreRow {
                title: s.title,
                answered: s.answered,
                share: s.share.map(|(v, _, _)| pct(v)),
                interval: s.share.map(|(_, lo, hi)| format!("{} to {}", pct(lo), pct(hi))),
            })
            .collect(),
        index: index(&counts, limit)
            .map(|(v, lo, hi)| format!("{} (likely between {} and {})", pct(v), pct(lo), pct(hi))),
        limit,
        results: format!("/staff/waves/{}/results", service.wave_slug),
        survey,
    };
    render(&state, StatusCode::OK, "staff/service", &view)
}
