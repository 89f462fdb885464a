//! One wave's results (`GET /staff/waves/{slug}/results`): for every question, each
//! audience's figures and everyone's together, as tables: counts and shares for choices (grid
//! statements under their grid), the median and quartiles for numbers, and how many wrote or
//! sent a recording or picture, with a link to coding. Figures come from
//! `models::results::figures`; what may not be shown is said in words, never left blank.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::READERS;
use crate::error::AppError;
use crate::models::account::Role;
use crate::routes::pages::{PageMeta, render};
use crate::routes::staff::{SignedIn, owned_wave};
use crate::state::AppState;
use crate::stats::results::{Cell, Figures};

#[derive(Serialize)]
struct Column {
    name: String,
    base: String,
}

#[derive(Serialize)]
struct Row {
    label: String,
    cells: Vec<String>,
}

#[derive(Serialize)]
struct QuestionBlock {
    n: usize,
    key: String,
    title: String,
    caption: Option<String>,
    kind: &'static str,
    columns: Vec<Column>,
    rows: Vec<Row>,
    coding: Option<String>,
}

#[derive(Serialize)]
struct ResultsView {
    page: PageMeta,
    label: String,
    responses: Vec<String>,
    total: u64,
    questions: Vec<QuestionBlock>,
}

fn share(s: f64) -> String {
    format!("{:.0}%", s * 100.0)
}

/// A figure with at most two decimals, no trailing zeros (3.75, 6.5, 12).
fn number(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

pub(super) async fn results_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&READERS)?;
    let slug = path.into_inner();
    let w = owned_wave(&state, &who, &slug).await?;
    let id = w.row.id.clone();
    let counts = state.db.run(move |c| crate::models::results::wave_counts(c, &id).map_err(AppError::from)).await?;
    let settings = crate::stats::Settings::default();
    let figures = crate::models::results::figures(&w.def, &counts, &settings);
    let def = &w.def;
    let name = |a: &str| {
        if a == "everyone" { "Everyone".to_owned() } else { def.audience(a).map_or(a.to_owned(), |x| x.name.clone()) }
    };
    let can_code = who.require(&[Role::Admin, Role::Analyst]).is_ok();
    let questions = figures
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            let q = def.question(&f.key)?;
            let first = q.audiences.first().map_or("", String::as_str);
            let columns = f
                .groups
                .iter()
                .map(|(a, fig)| Column {
                    name: name(a),
                    base: match fig {
                        Figures::LowBase { limit } => format!("fewer than {limit} answered: not shown"),
                        Figures::Choice { n, .. } | Figures::Number { n, .. } => format!("{n} answered"),
                        Figures::Words { written, files } => format!("{} answered", written + files),
                    },
                })
                .collect();
            let cell_of = |fig: &Figures, row: usize| -> String {
                match fig {
                    Figures::LowBase { .. } => "not shown".into(),
                    Figures::Choice { options, .. } => match options.get(row).map(|(_, c)| c) {
                        Some(Cell::Count { count, share: s }) => format!("{count} ({})", share(*s)),
                        Some(Cell::Zero) => "0".into(),
                        Some(Cell::FewerThan { limit }) => format!("fewer than {limit}"),
                        None => String::new(),
                    },
                    Figures::Number { median, lower, upper, .. } => match row {
                        0 => number(*median),
                        1 => number(*lower),
                        _ => number(*upper),
                    },
                    Figures::Words { written, files } => {
                        if row == 0 {
                            written.to_string()
                        } else {
                            files.to_string()
                        }
                    }
                }
            };
            let labels: Vec<String> = if q.kind.has_options() {
                q.options.iter().map(|o| o.label(first).to_owned()).collect()
            } else if q.kind == crate::domain::survey::QuestionKind::Number {
                vec!["Median".into(), "Lower quartile".into(), "Upper quartile".into()]
            } else if q.kind == crate::domain::survey::QuestionKind::SayOrShow {
                vec!["Wrote (or have a transcript)".into(), "Sent a recording or picture".into()]
            } else {
                vec!["Wrote an answer".into()]
            };
            let rows = labels
                .into_iter()
                .enumerate()
                .map(|(r, label)| Row { label, cells: f.groups.iter().map(|(_, fig)| cell_of(fig, r)).collect() })
                .collect();
            Some(QuestionBlock {
                n: i + 1,
                key: f.key.clone(),
                title: q.wording(first).map_or_else(|| f.key.clone(), |x| x.title.clone()),
                caption: q.grid.as_ref().and_then(|g| g.wording.get(first)).map(|x| x.title.clone()),
                kind: if q.grid.is_some() { "grid statement" } else { q.kind.as_str() },
                columns,
                rows,
                coding: (q.kind.is_text() && can_code)
                    .then(|| format!("/staff/waves/{slug}/coding?question={}", f.key)),
            })
        })
        .collect();
    let mut responses: Vec<String> = def
        .audiences
        .iter()
        .map(|a| format!("{}: {}", a.name, counts.responses.get(a.key.as_str()).copied().unwrap_or(0)))
        .collect();
    responses.sort();
    let view = ResultsView {
        page: who
            .page(&req, &state, format!("Results: {} {}", def.series.title, w.row.label))
            .back(format!("/staff/waves/{slug}")),
        label: format!("{} {}", def.series.title, w.row.label),
        total: counts.responses.values().sum(),
        responses,
        questions,
    };
    render(&state, StatusCode::OK, "staff/results", &view)
}
