//! Trends across every wave of a series (`GET /staff/series/{slug}/trends`): each question key
//! and each priority and value index over every wave that asked it, as a chart with its
//! likely ranges (gaps where a wave did not ask it), a table, and the verdicts between
//! neighbouring waves and from the first to the last (`models::trends`). Filters:
//! `audience` and `tag` (`?audience=young-people&tag=priority:P1`). A channel, day or
//! answer filter is refused with its reason beside the field: the comparison method reads the
//! counts kept per audience, and a wave's results page is where those filters apply.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::READERS;
use super::filters::{FilterForm, form};
use crate::domain::filter::{FilterProblem, RawFilter};
use crate::error::AppError;
use crate::models::trends::{Slot, TrendRow};
use crate::report::{verdict_mark, verdict_words};
use crate::routes::pages::{Link, PageMeta, render};
use crate::routes::staff::SignedIn;
use crate::state::AppState;

#[derive(Serialize)]
struct Step {
    between: String,
    words: &'static str,
    mark: &'static str,
    class: &'static str,
}

#[derive(Serialize)]
struct Block {
    id: String,
    title: String,
    kind: &'static str,
    chart: String,
    cells: Vec<String>,
    ranges: Vec<String>,
    steps: Vec<Step>,
    overall: Option<Step>,
}

#[derive(Serialize)]
struct TrendsView {
    page: PageMeta,
    title: String,
    filters: FilterForm,
    errors: Vec<Link>,
    waves: Vec<String>,
    enough: bool,
    blocks: Vec<Block>,
    methods: String,
}

fn pct(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

fn step(between: String, v: crate::stats::compare::Verdict) -> Step {
    let (mark, class) = verdict_mark(v);
    Step { between, words: verdict_words(v), mark, class }
}

fn block(row: &TrendRow, labels: &[String]) -> Block {
    let cells = row
        .slots
        .iter()
        .map(|s| match s {
            Slot::NotAsked => "not asked".into(),
            Slot::TooFew { .. } => "too few answers".into(),
            Slot::Shown(p) => format!("{} (n = {})", pct(p.value), p.n),
        })
        .collect();
    let ranges = row
        .slots
        .iter()
        .map(|s| match s {
            Slot::Shown(p) => format!("{} to {}", pct(p.low), pct(p.high)),
            _ => "–".into(),
        })
        .collect();
    let points: Vec<Option<(f64, f64, f64)>> = row
        .slots
        .iter()
        .map(|s| match s {
            Slot::Shown(p) => Some((p.value, p.low, p.high)),
            _ => None,
        })
        .collect();
    let words: Vec<String> = labels
        .iter()
        .zip(&row.slots)
        .map(|(l, s)| match s {
            Slot::Shown(p) => format!("{l} {}", pct(p.value)),
            Slot::NotAsked => format!("{l} not asked"),
            Slot::TooFew { .. } => format!("{l} too few answers"),
        })
        .collect();
    let what = if row.kind == "question" { "positive answers" } else { "average share of positive answers" };
    let description =
        format!("{}: {what} by wave: {}. The same figures are in the table.", row.title, words.join(", "));
    let steps = row
        .steps
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| step(format!("{} to {}", labels[i], labels[i + 1]), v)))
        .collect();
    Block {
        id: row.id.replace(':', "-"),
        title: row.title.clone(),
        kind: row.kind,
        chart: crate::charts::trend_lines(
            &format!("trend-{}", row.id.replace(':', "-")),
            &description,
            labels,
            &points,
        ),
        cells,
        ranges,
        steps,
        overall: row.overall.map(|(a, b, v)| step(format!("{} to {} (first to last)", labels[a], labels[b]), v)),
    }
}

pub(super) async fn trends_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    raw: web::Query<RawFilter>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&READERS)?;
    let slug = path.into_inner();
    let not_found =
        || AppError::NotFound("There is nothing at this address, or it belongs to another partnership.".into());
    let s = slug.clone();
    let max_text = state.settings.max_text_graphemes;
    let series = state
        .db
        .run(move |c| crate::models::survey::series_waves(c, &s).map_err(AppError::from))
        .await?
        .ok_or_else(not_found)?;
    if !who.staff.can_see(&series.partnership_id) {
        return Err(not_found());
    }
    // The filter is checked against the latest wave's survey.
    let latest = series.waves.last().map(|w| w.slug.clone()).ok_or_else(not_found)?;
    let def = state
        .db
        .run(move |c| crate::models::survey::get(c, &latest, max_text).map_err(AppError::from))
        .await?
        .definition;
    let action = format!("/staff/series/{slug}/trends");
    let page = who.page(&req, &state, format!("Trends: {}", series.title));
    let methods = format!("/staff/series/{slug}/methods#trends");
    let mut checked = raw.check(&def);
    if let Ok(f) = &checked {
        let mut problems = Vec::new();
        let refuse = |field: &'static str| {
            FilterProblem {
            field,
            message: "Trends are compared from the counts kept for each audience, so they cannot be split this way: use each wave's results page for this filter.".into(),
        }
        };
        if f.channel.is_some() {
            problems.push(refuse("channel"));
        }
        if f.from.is_some() || f.to.is_some() {
            problems.push(refuse("from"));
        }
        if f.answer.is_some() {
            problems.push(refuse("answer"));
        }
        if !problems.is_empty() {
            checked = Err(problems);
        }
    }
    let filter = match checked {
        Ok(f) => f,
        Err(problems) => {
            let errors =
                problems.iter().map(|p| Link { href: format!("#f-{}", p.field), text: p.message.clone() }).collect();
            let view = TrendsView {
                page,
                title: series.title.clone(),
                filters: form(&def, &action, &raw, None, &problems, false),
                errors,
                waves: Vec::new(),
                enough: false,
                blocks: Vec::new(),
                methods,
            };
            return render(&state, StatusCode::BAD_REQUEST, "staff/trends", &view);
        }
    };
    let (s, audience) = (slug.clone(), filter.audience.clone());
    let trends = state
        .db
        .run(move |c| {
            crate::models::trends::series_trends(
                c,
                &s,
                audience.as_deref(),
                &crate::stats::Settings::default(),
                max_text,
            )
            .map_err(AppError::from)
        })
        .await?
        .ok_or_else(not_found)?;
    let labels: Vec<String> = trends.waves.iter().map(|(_, l)| l.clone()).collect();
    let blocks = trends
        .rows
        .iter()
        .filter(|r| match &filter.tag {
            None => true,
            Some(t) => match t.kind {
                "priority" => r.priorities.contains(&t.code),
                "value" => r.values.contains(&t.code),
                _ => r.outcomes.contains(&t.code),
            },
        })
        .map(|r| block(r, &labels))
        .collect();
    let view = TrendsView {
        page,
        title: trends.title.clone(),
        filters: form(&def, &action, &raw, Some(&filter), &[], false),
        errors: Vec::new(),
        enough: labels.len() >= 2,
        waves: labels,
        blocks,
        methods,
    };
    render(&state, StatusCode::OK, "staff/trends", &view)
}
