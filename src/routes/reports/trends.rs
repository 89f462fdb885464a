//! Trends across every wave of a series (`GET /staff/series/{slug}/trends`): each question key
//! and each priority and value index over every wave that asked it, as a chart with its
//! likely ranges (gaps where a wave did not ask it), a table, and the verdicts between
//! neighbouring waves and from the first to the last (`models::trends`). Filters:
//! `audience`, `channel`, `from` and `to` (days), `tag` and `answer` (to a single-choice
//! question), e.g. `?audience=young-people&channel=paper`: the channel, days and answer
//! choose people in every wave, with the suppression of a filtered comparison
//! (`models::comparison`); the tag chooses the rows.
//! `?format=csv|xlsx` gives the same rows as a published table (audited as
//! `tables.downloaded`).

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::READERS;
use super::filters::{FilterForm, form};
use crate::domain::filter::RawFilter;
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
    /// Whether any figure is withheld (the page says what that means).
    withheld: bool,
    downloads: Vec<Link>,
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
            Slot::Withheld => "withheld".into(),
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
            Slot::Withheld => format!("{l} withheld"),
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

#[derive(serde::Deserialize)]
pub(super) struct TrendsQuery {
    format: Option<String>,
    #[serde(flatten)]
    filter: RawFilter,
}

/// The trends as a published table in long form: one row per row and wave, with the
/// statistical service's symbols (`[z]` not asked, `[low]` too few answers).
fn table(rows: &[TrendRow], labels: &[String]) -> Vec<Vec<String>> {
    let mut out = vec![
        [
            "id",
            "title",
            "kind",
            "wave",
            "percent",
            "likely_range_low",
            "likely_range_high",
            "base",
            "verdict_from_previous_wave",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect::<Vec<String>>(),
    ];
    for r in rows {
        for (i, slot) in r.slots.iter().enumerate() {
            let verdict = if i == 0 {
                "[z]".to_owned()
            } else {
                r.steps.get(i - 1).copied().flatten().map_or_else(|| "[z]".to_owned(), |v| verdict_words(v).to_owned())
            };
            let one = |x: f64| format!("{:.1}", x * 100.0);
            let (p, l, h, n) = match slot {
                Slot::NotAsked => ("[z]".into(), "[z]".into(), "[z]".into(), "[z]".into()),
                Slot::TooFew { n } => ("[low]".into(), "[low]".into(), "[low]".into(), n.to_string()),
                Slot::Withheld => ("[c]".into(), "[c]".into(), "[c]".into(), "[c]".into()),
                Slot::Shown(pt) => (one(pt.value), one(pt.low), one(pt.high), pt.n.to_string()),
            };
            out.push(vec![r.id.clone(), r.title.clone(), r.kind.to_owned(), labels[i].clone(), p, l, h, n, verdict]);
        }
        if let Some((a, b, v)) = r.overall {
            out.push(vec![
                r.id.clone(),
                r.title.clone(),
                r.kind.to_owned(),
                format!("{} to {} (first to last)", labels[a], labels[b]),
                "[z]".into(),
                "[z]".into(),
                "[z]".into(),
                "[z]".into(),
                verdict_words(v).to_owned(),
            ]);
        }
    }
    out
}

pub(super) async fn trends_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<TrendsQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&READERS)?;
    let TrendsQuery { format, filter: raw } = query.into_inner();
    if let Some(f) = &format
        && !matches!(f.as_str(), "csv" | "xlsx")
    {
        return Err(AppError::BadRequest(format!("{f:?} is not a format for tables: choose csv or xlsx.").into()));
    }
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
    let raw = web::Query(raw);
    let mut checked = raw.check(&def);
    if let Ok(f) = &checked {
        let problems = f.across_waves(&def);
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
                filters: form(&def, &action, &raw, None, &problems, true),
                errors,
                waves: Vec::new(),
                enough: false,
                withheld: false,
                downloads: Vec::new(),
                blocks: Vec::new(),
                methods,
            };
            return render(&state, StatusCode::BAD_REQUEST, "staff/trends", &view);
        }
    };
    let (s, audience, who_counts) = (slug.clone(), filter.audience.clone(), filter.clone());
    let trends = state
        .db
        .run(move |c| {
            crate::models::trends::series_trends(
                c,
                &s,
                audience.as_deref(),
                &who_counts,
                &crate::stats::Settings::default(),
                max_text,
            )
            .map_err(AppError::from)
        })
        .await?
        .ok_or_else(not_found)?;
    let labels: Vec<String> = trends.waves.iter().map(|(_, l)| l.clone()).collect();
    let shown: Vec<&TrendRow> = trends
        .rows
        .iter()
        .filter(|r| filter.tag.as_ref().is_none_or(|t| t.matches(&r.priorities, &r.values, &r.outcomes)))
        .collect();
    if let Some(format) = format {
        let owned: Vec<TrendRow> = shown.iter().map(|r| (*r).clone()).collect();
        let rows = table(&owned, &labels);
        let (staff, pid) = (who.staff.clone(), series.partnership_id.clone());
        let detail = serde_json::json!({"series": slug, "format": format, "filter": filter.query(), "table": "trends"});
        state
            .db
            .write(move |c| {
                crate::models::audit::record(
                    c,
                    &staff.actor(),
                    Some(&pid),
                    crate::models::audit::Action::TablesDownloaded,
                    &detail,
                )
                .map_err(AppError::from)
            })
            .await?;
        let stem = format!("{slug}-trends");
        let (bytes, ct) = if format == "csv" {
            (crate::exports::responses::published_csv(&rows).map_err(AppError::internal)?, "text/csv; charset=utf-8")
        } else {
            let mut notes = filter.describe(&def);
            notes.push("Each question's share of positive answers, and each index, in every wave with answers; the likely range is a 95% interval. Each verdict compares two waves with the comparison method, each comparison its own family for the adjustment.".into());
            (
                crate::exports::responses::published_xlsx(&format!("{}: trends", trends.title), &notes, &rows)
                    .map_err(AppError::internal)?,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        };
        return Ok(HttpResponse::Ok()
            .insert_header((CONTENT_TYPE, ct))
            .insert_header((CONTENT_DISPOSITION, crate::exports::attachment(&stem, &format)))
            .insert_header((CACHE_CONTROL, "no-store"))
            .body(bytes));
    }
    let blocks = shown.iter().map(|r| block(r, &labels)).collect();
    let withheld = shown.iter().any(|r| r.slots.iter().any(|s| matches!(s, Slot::Withheld)));
    let view = TrendsView {
        page,
        title: trends.title.clone(),
        filters: form(&def, &action, &raw, Some(&filter), &[], true),
        errors: Vec::new(),
        enough: labels.len() >= 2,
        withheld,
        downloads: vec![
            Link {
                href: filter.added_to(&format!("/staff/series/{slug}/trends?format=xlsx")),
                text: "These trends as a published table (Excel)".into(),
            },
            Link {
                href: filter.added_to(&format!("/staff/series/{slug}/trends?format=csv")),
                text: "These trends as a published table (CSV)".into(),
            },
        ],
        waves: labels,
        blocks,
        methods,
    };
    render(&state, StatusCode::OK, "staff/trends", &view)
}
