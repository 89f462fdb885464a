//! One wave's results (`GET /staff/waves/{slug}/results`): for every question, each
//! audience's figures and everyone's together, as tables: counts and shares for choices (grid
//! statements under their grid), the median and quartiles for numbers, and how many wrote or
//! sent a recording or picture, with a link to coding. Figures come from
//! `stats::results::figures` over `models::results::tally`; what may not be shown is said in
//! words, never left blank. Filters (`?audience=…&channel=…&from=…&to=…&tag=…&answer=q:v`)
//! are checked against the survey; a bad one is answered 400 with the form, its problem
//! beside the field, and nothing counted.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::READERS;
use super::filters::{FilterForm, form};
use crate::domain::filter::RawFilter;
use crate::domain::survey::QuestionKind;
use crate::error::AppError;
use crate::models::account::Role;
use crate::routes::pages::{PageMeta, render};
use crate::routes::staff::{SignedIn, owned_wave};
use crate::state::AppState;
use crate::stats::results::{Cell, Figures, QuestionFigures};

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
    chart: Option<String>,
    coding: Option<String>,
}

#[derive(Serialize)]
struct ResultsView {
    page: PageMeta,
    label: String,
    filters: FilterForm,
    errors: Vec<crate::routes::pages::Link>,
    /// `None` when the filter has problems (nothing counted).
    shown: Option<Shown>,
}

#[derive(Serialize)]
struct Shown {
    responses: Vec<String>,
    total: u64,
    questions: Vec<QuestionBlock>,
    filtered: bool,
    published: bool,
    downloads: Vec<crate::routes::pages::Link>,
    download: DownloadForm,
    methods: String,
}

#[derive(Serialize)]
struct Carry {
    name: &'static str,
    value: String,
}

/// The responses download form, carrying the page's filters.
#[derive(Serialize)]
struct DownloadForm {
    action: String,
    carry: Vec<Carry>,
    scope: String,
    words: bool,
    dictionary: String,
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
    raw: web::Query<RawFilter>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&READERS)?;
    let slug = path.into_inner();
    let w = owned_wave(&state, &who, &slug).await?;
    let def = &w.def;
    let action = format!("/staff/waves/{slug}/results");
    let page = who
        .page(&req, &state, format!("Results: {} {}", def.series.title, w.row.label))
        .back(format!("/staff/waves/{slug}"));
    let label = format!("{} {}", def.series.title, w.row.label);
    let filter = match raw.check(def) {
        Ok(f) => f,
        Err(problems) => {
            let filters = form(def, &action, &raw, None, &problems, false);
            let errors = problems
                .iter()
                .map(|p| crate::routes::pages::Link { href: format!("#f-{}", p.field), text: p.message.clone() })
                .collect();
            let view = ResultsView { page, label, filters, errors, shown: None };
            return render(&state, StatusCode::BAD_REQUEST, "staff/results", &view);
        }
    };
    let id = w.row.id.clone();
    let (f, d) = (filter.clone(), w.def.clone());
    let tally = state.db.run(move |c| crate::models::results::tally(c, &id, &d, &f).map_err(AppError::from)).await?;
    let settings = crate::stats::Settings::default();
    let figures = crate::stats::results::figures(def, &tally, &filter, &settings);
    let by_audience = crate::models::results::responses_by_audience(&tally, &filter);
    let name = |a: &str| super::group_name(def, a);
    let can_code = who.require(&[Role::Admin, Role::Analyst]).is_ok();
    let questions = figures.iter().enumerate().filter_map(|(i, f)| block(def, &slug, i, f, &name, can_code)).collect();
    let mut responses: Vec<String> = def
        .audiences
        .iter()
        .filter(|a| filter.audience.as_ref().is_none_or(|x| x == a.key.as_str()))
        .map(|a| format!("{}: {}", a.name, by_audience.get(a.key.as_str()).copied().unwrap_or(0)))
        .collect();
    responses.sort();
    let downloads = vec![
        crate::routes::pages::Link {
            href: filter.added_to(&format!("/staff/waves/{slug}/tables?format=xlsx")),
            text: "These figures as a published table (Excel)".into(),
        },
        crate::routes::pages::Link {
            href: filter.added_to(&format!("/staff/waves/{slug}/tables?format=csv")),
            text: "These figures as a published table (CSV)".into(),
        },
    ];
    let published = tally.groups.keys().any(|s| s.channel == crate::stats::results::PUBLISHED);
    let view = ResultsView {
        filters: form(def, &action, &raw, Some(&filter), &[], false),
        page,
        label,
        errors: Vec::new(),
        shown: Some(Shown {
            total: by_audience.values().sum(),
            responses,
            questions,
            filtered: filter.needs_answers(),
            published,
            downloads,
            download: DownloadForm {
                action: format!("/staff/waves/{slug}/download"),
                carry: filter.params().into_iter().map(|(name, value)| Carry { name, value }).collect(),
                scope: if filter.query().is_empty() {
                    "Every response to this wave, one row each.".into()
                } else {
                    "The responses these filters pick, one row each.".into()
                },
                words: can_code,
                dictionary: format!("/staff/waves/{slug}/download?part=dictionary"),
            },
            methods: format!("/staff/series/{}/methods#suppression", def.series.slug),
        }),
    };
    render(&state, StatusCode::OK, "staff/results", &view)
}

/// One question's table and chart.
fn block(
    def: &crate::domain::SurveyDefinition,
    slug: &str,
    i: usize,
    f: &QuestionFigures,
    name: &dyn Fn(&str) -> String,
    can_code: bool,
) -> Option<QuestionBlock> {
    let q = def.question(&f.key)?;
    let first = q.audiences.first().map_or("", String::as_str);
    let columns = f
        .groups
        .iter()
        .map(|(a, fig)| Column {
            name: name(a),
            base: match fig {
                Figures::LowBase { limit } => format!("fewer than {limit} answered: not shown"),
                Figures::Withheld => "withheld, so a small group elsewhere cannot be worked out".into(),
                Figures::Choice { n, .. } | Figures::Number { n, .. } | Figures::Words { n, .. } => {
                    format!("{n} answered")
                }
            },
        })
        .collect();
    let cell_of = |fig: &Figures, row: usize| -> String {
        match fig {
            Figures::LowBase { .. } | Figures::Withheld => "not shown".into(),
            Figures::Choice { options, .. } => options.get(row).map(|(_, c)| c.words(true)).unwrap_or_default(),
            Figures::Number { median, lower, upper, .. } => match row {
                0 => number(*median),
                1 => number(*lower),
                _ => number(*upper),
            },
            Figures::Words { written, files, .. } => if row == 0 { written } else { files }.words(false),
        }
    };
    let labels: Vec<String> = if q.kind.has_options() {
        q.options.iter().map(|o| o.label(first).to_owned()).collect()
    } else if q.kind == QuestionKind::Number {
        vec!["Median".into(), "Lower quartile".into(), "Upper quartile".into()]
    } else if q.kind == QuestionKind::SayOrShow {
        vec!["Wrote (or have a transcript)".into(), "Sent a recording or picture".into()]
    } else {
        vec!["Wrote an answer".into()]
    };
    let rows = labels
        .iter()
        .enumerate()
        .map(|(r, label)| Row {
            label: label.clone(),
            cells: f.groups.iter().map(|(_, fig)| cell_of(fig, r)).collect(),
        })
        .collect();
    let title = q.wording(first).map_or_else(|| f.key.clone(), |x| x.title.clone());
    // The chart shows the last column (everyone, or the one audience asked).
    let chart = match f.groups.last() {
        Some((a, Figures::Choice { options, .. })) => {
            let bars: Vec<(String, Option<f64>)> = options
                .iter()
                .zip(&labels)
                .map(|((_, c), l)| {
                    let share = match c {
                        Cell::Count { share, .. } => Some(*share),
                        Cell::Zero => Some(0.0),
                        Cell::FewerThan { .. } | Cell::Withheld => None,
                    };
                    (l.clone(), share)
                })
                .collect();
            let words: Vec<String> = bars
                .iter()
                .map(|(l, s)| match s {
                    Some(v) => format!("{l} {:.0}%", v * 100.0),
                    None => format!("{l} not shown"),
                })
                .collect();
            let description =
                format!("{title} ({}): {}. The same figures are in the table.", name(a), words.join(", "));
            Some(crate::charts::answer_bars(&format!("chart-{}", f.key), &description, &bars))
        }
        _ => None,
    };
    Some(QuestionBlock {
        n: i + 1,
        key: f.key.clone(),
        title,
        caption: q.grid.as_ref().and_then(|g| g.wording.get(first)).map(|x| x.title.clone()),
        kind: if q.grid.is_some() { "grid statement" } else { q.kind.as_str() },
        columns,
        rows,
        chart,
        coding: (q.kind.is_text() && can_code).then(|| format!("/staff/waves/{slug}/coding?question={}", f.key)),
    })
}
