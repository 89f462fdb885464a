//! The pledge check (`/staff/services`): the services that signed up to the partnership's
//! pledge, each with its standing feedback survey's link and QR code for leaflets and
//! waiting rooms, and a scorecard per service: for each pledge value the share who said
//! yes with its interval, nothing shown under 10 answers, and the service's pledge index;
//! on the list, the partnership-wide pledge index month by month (a chart and a table).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::{ADMINS, PartnershipQuery, READERS, partnership};
use crate::domain::pledge::service_name;
use crate::error::AppError;
use crate::models::account::Role;
use crate::models::services::{self, Refused};
use crate::routes::form::token as csrf;
use crate::routes::pages::{Link, PageMeta, render, see_other};
use crate::routes::staff::{SignedIn, not_found};
use crate::state::AppState;
use crate::stats::pledge::{index, scorecard, share};

#[derive(Serialize)]
struct ServiceRow {
    href: String,
    name: String,
    survey: String,
    responses: i64,
}

/// One month of the partnership-wide pledge index.
#[derive(Serialize)]
struct MonthRow {
    month: String,
    answered: u64,
    share: Option<String>,
    interval: Option<String>,
}

#[derive(Serialize)]
struct ListView {
    page: PageMeta,
    csrf: String,
    action: String,
    can_add: bool,
    services: Vec<ServiceRow>,
    /// The pledge index by month as a chart (SVG, with its own text alternative) and a table.
    index_chart: Option<String>,
    months: Vec<MonthRow>,
    limit: u64,
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
    let (all, by_month) = state
        .db
        .run(move |c| -> Result<_, AppError> { Ok((services::list(c, &pid)?, services::index_by_month(c, &pid)?)) })
        .await?;
    let suffix = who.partnership_suffix(p);
    let limit = crate::stats::Settings::default().suppress_below;
    let figures: Vec<_> = by_month.iter().map(|(m, pos, n)| (*m, *n, share(*pos, *n, limit))).collect();
    let labels: Vec<String> = figures.iter().map(|(m, _, _)| m.format("%b %Y").to_string()).collect();
    let points: Vec<_> = figures.iter().map(|(_, _, f)| *f).collect();
    let index_chart = points.iter().any(Option::is_some).then(|| {
        crate::charts::trend_lines(
            "pledge-index",
            "The pledge index by month, across every service: the share of answers that said yes, with its likely range. The table below gives the same figures.",
            &labels,
            &points,
        )
    });
    let months = figures
        .into_iter()
        .map(|(m, n, f)| MonthRow {
            month: m.format("%B %Y").to_string(),
            answered: n,
            share: f.map(|(v, _, _)| pct(v)),
            interval: f.map(|(_, lo, hi)| format!("{} to {}", pct(lo), pct(hi))),
        })
        .collect();
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
        index_chart,
        months,
        limit,
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
    /// The form that gives the service's lead a sign-in (admins), and who has one.
    can_add_lead: bool,
    lead_action: String,
    csrf: String,
    leads: Vec<String>,
    lead_email: String,
    lead_error: Option<String>,
    errors: Vec<Link>,
    /// Whether the survey's own results page is open to this person (not to a service lead).
    can_read_results: bool,
    /// Approved quotes from the service's feedback (consented and redacted).
    quotes: Vec<String>,
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
    let view = service_view(&state, &req, &who, &q, path.into_inner(), String::new(), None).await?;
    render(&state, StatusCode::OK, "staff/service", &view)
}

/// Readers, and a service's own lead (the extractor lets a lead reach nothing else).
const SERVICE_READERS: [Role; 4] = [Role::Admin, Role::Analyst, Role::Viewer, Role::ServiceLead];

async fn service_view(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    q: &PartnershipQuery,
    id: String,
    lead_email: String,
    lead_error: Option<String>,
) -> Result<ServiceView, AppError> {
    let p = partnership(state, who, q, &SERVICE_READERS).await?;
    let lead = who.staff.role() == Some(Role::ServiceLead);
    if lead && who.staff.service_id.as_deref() != Some(id.as_str()) {
        return Err(not_found());
    }
    let pid = p.id.clone();
    let (service, counts, leads, quotes) = state
        .db
        .run(move |c| -> Result<_, AppError> {
            let Some(s) = services::get(c, &pid, &id)? else {
                return Ok((None, Vec::new(), Vec::new(), Vec::new()));
            };
            let counts = services::value_counts(c, &pid, &s.wave_id)?;
            let leads = services::leads(c, &pid, &s.id)?;
            let quotes = services::quotes(c, &s.wave_id, 5)?;
            Ok((Some(s), counts, leads, quotes))
        })
        .await?;
    let service = service.ok_or_else(not_found)?;
    let limit = crate::stats::Settings::default().suppress_below;
    let survey = public(state, &service.wave_slug);
    let suffix = who.partnership_suffix(&p);
    let page = who.page(req, state, service.name.clone()).with_error(lead_error.is_some());
    Ok(ServiceView {
        page: if lead { page } else { page.back(format!("/staff/services{suffix}")) },
        can_add_lead: who.require(&ADMINS).is_ok(),
        lead_action: format!("/staff/services/{}/leads{suffix}", service.id),
        csrf: csrf(state, req),
        leads: if lead { Vec::new() } else { leads },
        errors: lead_error.iter().map(|e| Link { href: "#lead-email".into(), text: e.clone() }).collect(),
        lead_email,
        lead_error,
        can_read_results: !lead,
        quotes,
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
    })
}

/// Gives the service's lead a sign-in that sees only this service's page: by an emailed
/// link to choose a password (or a password typed here). Admins only; audited.
pub(super) async fn add_lead(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<PartnershipQuery>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    use crate::models::StoreError;
    let f = crate::routes::form::read_checked(&state, &req, body).await?;
    let p = partnership(&state, &who, &q, &ADMINS).await?;
    let id = path.into_inner();
    let email = f.get("email").unwrap_or("").trim().chars().take(320).collect::<String>();
    let typed_password = f.get("password").unwrap_or("").to_owned();
    let invite = typed_password.is_empty();
    let new = crate::models::account::NewAccount {
        email: email.clone(),
        role: Role::ServiceLead,
        partnership: Some(p.slug.clone()),
        password: if invite { crate::domain::codes::random_token() } else { typed_password },
    };
    let (pid, staff, name, st, sid) = (p.id.clone(), who.staff.clone(), p.name.clone(), state.clone(), id.clone());
    let added = state
        .db
        .write(move |c| -> Result<(), StoreError> {
            crate::routes::passwords::add_account(c, &st, &new, Some(&sid), invite, &staff.actor(), &pid, &name)
        })
        .await;
    let problem = match added {
        Ok(()) => return Ok(see_other(format!("/staff/services/{id}{}", who.partnership_suffix(&p)))),
        Err(StoreError::NotFound(_)) => return Err(not_found()),
        Err(StoreError::Conflict(message)) => format!("The sign-in was not added: {message}."),
        Err(e) => return Err(e.into()),
    };
    let view = service_view(&state, &req, &who, &q, id, email, Some(problem)).await?;
    render(&state, StatusCode::BAD_REQUEST, "staff/service", &view)
}
