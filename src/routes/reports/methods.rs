//! The methods page: how years are compared, and the smallest change each question's sample
//! sizes could detect.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::{ReportQuery, build_report};
use crate::error::AppError;
use crate::routes::pages::{Link, PageMeta, render};
use crate::routes::staff::SignedIn;
use crate::state::AppState;
use crate::stats::power::detectable_change;

#[derive(Serialize)]
struct DetectRow {
    text: String,
    n_a: u64,
    n_b: u64,
    detectable: String,
}

#[derive(Serialize)]
struct MethodsView {
    page: PageMeta,
    years: Vec<String>,
    rows: Vec<DetectRow>,
    back: Link,
}

pub(super) async fn methods_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<ReportQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let r = match build_report(&state, &who, &path, &q).await {
        Ok(r) => r,
        // Fewer than two waves with answers: the method still applies to one wave's results.
        Err(AppError::Conflict(_)) => {
            let slug = path.into_inner();
            let view = MethodsView {
                page: who.page(&req, &state, "How we compare years").back(format!("/staff/series/{slug}/trends")),
                years: Vec::new(),
                rows: Vec::new(),
                back: Link { href: format!("/staff/series/{slug}/trends"), text: "Back to the trends".into() },
            };
            return render(&state, StatusCode::OK, "staff/methods", &view);
        }
        Err(e) => return Err(e),
    };
    let case = &r.case;
    let rows = case
        .questions
        .iter()
        .map(|qr| {
            let (a, b) = (&qr.years[&case.years[0]], &qr.years[&case.years[1]]);
            let pooled = if a.n_valid + b.n_valid > 0 {
                (a.positive + b.positive) as f64 / (a.n_valid + b.n_valid) as f64
            } else {
                0.5
            };
            DetectRow {
                text: qr.text.as_ref().and_then(|t| t.as_str()).unwrap_or(&qr.id).to_owned(),
                n_a: a.n_valid,
                n_b: b.n_valid,
                detectable: detectable_change(a.n_valid, b.n_valid, pooled)
                    .map(|d| format!("{} points", (d * 100.0).round()))
                    .unwrap_or_else(|| "–".into()),
            }
        })
        .collect();
    let view = MethodsView {
        page: who.page(&req, &state, "How we compare years").back(format!(
            "/staff/series/{}/compare?{}",
            r.series.slug,
            r.query()
        )),
        years: case.years.clone(),
        rows,
        back: Link {
            href: format!("/staff/series/{}/compare?{}", r.series.slug, r.query()),
            text: "Back to the comparison".into(),
        },
    };
    render(&state, StatusCode::OK, "staff/methods", &view)
}
