//! Year-on-year reports for staff: a comparison page per series (a summary, sections per
//! priority and per value, one row per question with both years, the change, the likely range
//! and a plain sentence, and a chart with its data table) and a methods page that also shows
//! the smallest change the sample sizes could detect. Numbers come from `crate::stats` via
//! `models::comparison`, exactly as `heard compare` prints them.
//!
//! | route | roles |
//! |---|---|
//! | `GET /staff/series/{slug}/compare`, `GET /staff/series/{slug}/methods` | admin, analyst, viewer |
//! | `GET /staff/series/{slug}/evidence[?format=html\|docx\|csv\|json]` (the JSON API) | admin, analyst, viewer |
//! | `POST /staff/series/{slug}/evidence/brag` (staff's own rating, with a note) | admin, analyst |

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::pages::{Link, PageMeta, render};
use super::staff::SignedIn;
use crate::charts::{Bar, share_bars};
use crate::error::AppError;
use crate::models::account::Role;
use crate::models::comparison::{CompareRequest, compare_waves};
use crate::models::{framework, survey};
use crate::state::AppState;
use crate::stats::compare::{Adjust, CaseResult, CompositeResult, QuestionResult, Verdict};
use crate::stats::special::Z_95;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/series/{slug}/compare", web::get().to(compare_page))
        .route("/staff/series/{slug}/methods", web::get().to(methods_page))
        .route("/staff/series/{slug}/evidence", web::get().to(evidence))
        .route("/staff/series/{slug}/evidence/brag", web::post().to(set_brag));
}

const READERS: [Role; 3] = [Role::Admin, Role::Analyst, Role::Viewer];
/// The 80% power normal quantile, for the smallest detectable change.
const Z_80: f64 = 0.841_621_233_572_914_3;

#[derive(Deserialize, Default)]
pub struct ReportQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub audience: Option<String>,
    pub adjust: Option<String>,
    /// Years with fewer valid answers are not compared (default 10).
    pub suppress_below: Option<String>,
    /// Years with fewer valid answers carry a caution (default 30).
    pub caution_below: Option<String>,
}

pub fn verdict_words(v: Verdict) -> &'static str {
    match v {
        Verdict::Improved => "Improved",
        Verdict::Declined => "Declined",
        Verdict::PossibleIncrease => "Possible increase",
        Verdict::PossibleDecrease => "Possible decrease",
        Verdict::NoClearChange => "No clear change",
        Verdict::NoChange => "No change",
        Verdict::TooFew => "Too few answers",
        Verdict::NoData => "No data",
    }
}

/// The comparison a report shows, with what it was asked for.
pub struct Report {
    pub series: survey::SeriesWaves,
    pub from: String,
    pub to: String,
    pub case: CaseResult,
    pub audiences: Vec<String>,
    pub audience: String,
    pub adjust: Adjust,
    pub suppress_below: u64,
    pub caution_below: u64,
}

/// Runs the comparison for a report's query (defaults: the two latest waves with responses,
/// all audiences together, Benjamini–Hochberg).
pub async fn build_report(state: &AppState, who: &SignedIn, slug: &str, q: &ReportQuery) -> Result<Report, AppError> {
    who.require(&READERS)?;
    let not_found =
        || AppError::NotFound("There is nothing at this address, or it belongs to another partnership.".into());
    let s = slug.to_owned();
    let series =
        state.db.run(move |c| survey::series_waves(c, &s).map_err(AppError::from)).await?.ok_or_else(not_found)?;
    if !who.staff.can_see(&series.partnership_id) {
        return Err(not_found());
    }
    let answered: Vec<&survey::WaveListing> = series.waves.iter().filter(|w| w.responses > 0).collect();
    let pick = |given: &Option<String>, fallback: Option<&&survey::WaveListing>| {
        given.clone().filter(|g| series.waves.iter().any(|w| &w.slug == g)).or_else(|| fallback.map(|w| w.slug.clone()))
    };
    let to = pick(&q.to, answered.last());
    let from = pick(&q.from, answered.len().checked_sub(2).and_then(|i| answered.get(i)));
    let (Some(from), Some(to)) = (from, to) else {
        return Err(AppError::Conflict(
            "This series needs two waves with answers before years can be compared.".into(),
        ));
    };
    if from == to {
        return Err(AppError::BadRequest("Choose two different waves to compare.".into()));
    }
    let adjust = match q.adjust.as_deref() {
        Some("holm") => Adjust::Holm,
        Some("none") => Adjust::None,
        _ => Adjust::Bh,
    };
    let defaults = crate::stats::Settings::default();
    let whole = |v: &Option<String>, default: u64, what: &str| -> Result<u64, AppError> {
        match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(default),
            Some(t) => t.parse::<u64>().map_err(|_| {
                AppError::BadRequest(format!("{what} must be a whole number of answers, like 10.").into())
            }),
        }
    };
    // The method's minimum base is a floor for everyone: a smaller one would show the
    // answers of groups small enough to pick people out.
    let suppress_below =
        whole(&q.suppress_below, defaults.suppress_below, "The smallest number of answers to compare")?;
    if !(defaults.suppress_below..=1000).contains(&suppress_below) {
        return Err(AppError::BadRequest(format!(
            "The smallest number of answers to compare must be from {} to 1000: with fewer, people in a small group could be picked out. Nothing was shown.",
            defaults.suppress_below
        ).into()));
    }
    let caution_below =
        whole(&q.caution_below, defaults.caution_below, "The caution level")?.clamp(suppress_below, 10_000);
    let settings = crate::stats::Settings { adjust, suppress_below, caution_below, ..defaults };
    let request =
        CompareRequest { series: series.slug.clone(), from: from.clone(), to: to.clone(), audience: None, settings };
    let out = state.db.run(move |c| compare_waves(c, &request).map_err(AppError::from)).await?;
    let audiences: Vec<String> = out.cases.iter().map(|c| c.id.clone()).collect();
    let audience = q.audience.clone().filter(|a| audiences.contains(a)).unwrap_or_else(|| "all-audiences".into());
    let case = out.cases.into_iter().find(|c| c.id == audience).ok_or_else(not_found)?;
    Ok(Report { series, from, to, case, audiences, audience, adjust, suppress_below, caution_below })
}

#[derive(Serialize, Clone)]
struct YearCell {
    label: String,
    pct: String,
    n: u64,
    range: String,
}

#[derive(Serialize, Clone)]
struct QuestionRow {
    id: String,
    text: String,
    years: Vec<YearCell>,
    change: String,
    range: String,
    verdict: &'static str,
    sentence: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    chart: Option<String>,
}

#[derive(Serialize, Clone)]
struct IndexRow {
    label: String,
    years: Vec<YearCell>,
    change: String,
    range: String,
    sentence: String,
}

#[derive(Serialize)]
struct Section {
    heading: String,
    outcomes: Vec<String>,
    index: Option<IndexRow>,
    questions: Vec<QuestionRow>,
}

#[derive(Serialize)]
struct Choice {
    value: String,
    text: String,
    selected: bool,
}

#[derive(Serialize)]
struct CompareView {
    page: PageMeta,
    title: String,
    slug: String,
    summary: String,
    froms: Vec<Choice>,
    tos: Vec<Choice>,
    audiences: Vec<Choice>,
    adjusts: Vec<Choice>,
    suppress_below: u64,
    caution_below: u64,
    priorities: Vec<Section>,
    values: Vec<Section>,
    untagged: Vec<QuestionRow>,
    methods: String,
    evidence: String,
}

fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{}%", (x * 100.0).round())).unwrap_or_else(|| "–".into())
}

fn points(v: Option<f64>) -> String {
    v.map(|x| {
        let p = (x * 100.0).round();
        if p > 0.0 { format!("+{p}") } else { format!("{p}") }
    })
    .unwrap_or_else(|| "–".into())
}

fn question_row(case: &CaseResult, q: &QuestionResult) -> QuestionRow {
    let years: Vec<YearCell> = case
        .years
        .iter()
        .map(|y| {
            let r = &q.years[y];
            YearCell {
                label: y.clone(),
                pct: if r.suppressed { "too few".into() } else { pct(r.share) },
                n: r.n_valid,
                range: if r.suppressed {
                    String::new()
                } else {
                    format!("{} to {}", pct(r.wilson_low), pct(r.wilson_high))
                },
            }
        })
        .collect();
    let chart = q.comparable.then(|| {
        let bars: Vec<Bar> = case
            .years
            .iter()
            .map(|y| {
                let r = &q.years[y];
                Bar {
                    label: y.clone(),
                    share: r.share.unwrap_or(0.0),
                    low: r.wilson_low.unwrap_or(0.0),
                    high: r.wilson_high.unwrap_or(0.0),
                }
            })
            .collect();
        share_bars(&format!("chart-{}", q.id), &q.sentence, &bars)
    });
    let text = q.text.as_ref().and_then(|t| t.as_str()).unwrap_or(&q.id).to_owned();
    QuestionRow {
        id: q.id.clone(),
        text,
        years,
        change: q
            .diff_points_display
            .map(|d| if d > 0 { format!("+{d} points") } else { format!("{d} points") })
            .unwrap_or_else(|| "–".into()),
        range: match (q.newcombe_low, q.newcombe_high) {
            (Some(l), Some(h)) => format!("{} to {} points", points(Some(l)), points(Some(h))),
            _ => String::new(),
        },
        verdict: verdict_words(q.verdict),
        sentence: q.sentence.clone(),
        chart,
    }
}

fn index_row(case: &CaseResult, c: &CompositeResult) -> IndexRow {
    let years = case
        .years
        .iter()
        .map(|y| {
            let r = &c.years[y];
            YearCell {
                label: y.clone(),
                pct: pct(r.index),
                n: r.n_respondents,
                range: format!("{} to {}", pct(r.ci_low), pct(r.ci_high)),
            }
        })
        .collect();
    let sentence = match (c.diff, c.welch_p) {
        (Some(d), Some(p)) if p < 0.05 => format!(
            "On average, people's answers to these questions were {} points {} positive than in {}. This is bigger than chance would usually produce.",
            (d.abs() * 100.0).round(),
            if d > 0.0 { "more" } else { "less" },
            case.years[0]
        ),
        (Some(_), Some(_)) => "The average across these questions changed by less than chance could explain, so we cannot say it has changed.".into(),
        _ => "Not enough people answered these questions in both years to compare.".into(),
    };
    IndexRow {
        label: c.label.clone(),
        years,
        change: points(c.diff) + if c.diff.is_some() { " points" } else { "" },
        range: match (c.diff_ci_low, c.diff_ci_high) {
            (Some(l), Some(h)) => format!("{} to {} points", points(Some(l)), points(Some(h))),
            _ => String::new(),
        },
        sentence,
    }
}

/// "3 improved, 1 possible increase, 8 no clear change, 2 too few".
pub fn summary(case: &CaseResult) -> String {
    let order = [
        (Verdict::Improved, "improved"),
        (Verdict::PossibleIncrease, "possible increase"),
        (Verdict::NoClearChange, "no clear change"),
        (Verdict::NoChange, "no change"),
        (Verdict::PossibleDecrease, "possible decrease"),
        (Verdict::Declined, "declined"),
        (Verdict::TooFew, "too few"),
        (Verdict::NoData, "no data"),
    ];
    let parts: Vec<String> = order
        .iter()
        .filter_map(|(v, words)| {
            let n = case.questions.iter().filter(|q| q.verdict == *v).count();
            (n > 0).then(|| format!("{n} {words}"))
        })
        .collect();
    if parts.is_empty() { "No questions to compare.".into() } else { parts.join(", ") }
}

fn tagged(q: &QuestionResult, field: &str, code: &str) -> bool {
    let v = if field == "priority" { &q.priority } else { &q.value };
    v.as_ref().and_then(|v| v.as_array()).is_some_and(|l| l.iter().any(|x| x == code))
}

async fn compare_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<ReportQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let r = build_report(&state, &who, &path, &q).await?;
    let pid = r.series.partnership_id.clone();
    let (labels, fw) = state
        .db
        .run(move |c| -> Result<_, AppError> { Ok((framework::labels(c, &pid)?, framework::framework(c, &pid)?)) })
        .await?;
    let (priorities, values) = labels;
    let case = &r.case;
    let section = |field: &str, code: &str, heading: String, outcomes: Vec<String>| Section {
        heading,
        outcomes,
        index: case.composites.iter().flatten().find(|c| c.id == format!("{field}:{code}")).map(|c| index_row(case, c)),
        questions: case.questions.iter().filter(|q| tagged(q, field, code)).map(|q| question_row(case, q)).collect(),
    };
    let priority_sections: Vec<Section> = priorities
        .iter()
        .map(|p| {
            let outcomes =
                fw.outcomes.iter().filter(|o| o.detail == p.code && !o.archived).map(|o| o.text.clone()).collect();
            section("priority", &p.code, format!("{}: {}", p.code, p.title), outcomes)
        })
        .filter(|s| !s.questions.is_empty())
        .collect();
    let value_sections: Vec<Section> = values
        .iter()
        .map(|v| section("value", &v.code, v.title.clone(), vec![]))
        .filter(|s| !s.questions.is_empty())
        .collect();
    let untagged = case
        .questions
        .iter()
        .filter(|q| q.priority.as_ref().and_then(|v| v.as_array()).is_none_or(Vec::is_empty))
        .map(|q| question_row(case, q))
        .collect();
    let choose =
        |value: &str, text: String, current: &str| Choice { value: value.into(), text, selected: value == current };
    let query = format!(
        "from={}&to={}&audience={}&suppress_below={}&caution_below={}",
        r.from, r.to, r.audience, r.suppress_below, r.caution_below
    );
    let view = CompareView {
        page: who
            .page(&req, &state, format!("{}: {} and {}", r.series.title, case.years[0], case.years[1]))
            .back("/staff"),
        title: format!("{}: {} compared with {}", r.series.title, case.years[1], case.years[0]),
        slug: r.series.slug.clone(),
        summary: summary(case),
        froms: r
            .series
            .waves
            .iter()
            .map(|w| choose(&w.slug, format!("{} ({} responses)", w.label, w.responses), &r.from))
            .collect(),
        tos: r
            .series
            .waves
            .iter()
            .map(|w| choose(&w.slug, format!("{} ({} responses)", w.label, w.responses), &r.to))
            .collect(),
        audiences: r
            .audiences
            .iter()
            .map(|a| {
                choose(
                    a,
                    if a == "all-audiences" { "Everyone together".into() } else { a.replace('-', " ") },
                    &r.audience,
                )
            })
            .collect(),
        adjusts: [("fdr_bh", "Benjamini–Hochberg (recommended)"), ("holm", "Holm (stricter)"), ("none", "None")]
            .iter()
            .map(|(v, t)| {
                choose(
                    v,
                    (*t).into(),
                    match r.adjust {
                        Adjust::Bh => "fdr_bh",
                        Adjust::Holm => "holm",
                        Adjust::None => "none",
                    },
                )
            })
            .collect(),
        suppress_below: r.suppress_below,
        caution_below: r.caution_below,
        priorities: priority_sections,
        values: value_sections,
        untagged,
        methods: format!("/staff/series/{}/methods?{query}", r.series.slug),
        evidence: format!("/staff/series/{}/evidence?{query}", r.series.slug),
    };
    render(&state, StatusCode::OK, "staff/compare", &view)
}

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

/// The smallest change (in percentage points) that a two-sided test at 5% would find 80% of
/// the time, for these sample sizes and the pooled share.
pub fn detectable_change(n_a: u64, n_b: u64, pooled: f64) -> Option<f64> {
    if n_a == 0 || n_b == 0 {
        return None;
    }
    let p = pooled.clamp(0.0, 1.0);
    let p = if p == 0.0 || p == 1.0 { 0.5 } else { p };
    Some((Z_95 + Z_80) * (p * (1.0 - p) * (1.0 / n_a as f64 + 1.0 / n_b as f64)).sqrt())
}

async fn methods_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<ReportQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let r = build_report(&state, &who, &path, &q).await?;
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
            "/staff/series/{}/compare?from={}&to={}&audience={}",
            r.series.slug, r.from, r.to, r.audience
        )),
        years: case.years.clone(),
        rows,
        back: Link {
            href: format!(
                "/staff/series/{}/compare?from={}&to={}&audience={}",
                r.series.slug, r.from, r.to, r.audience
            ),
            text: "Back to the comparison".into(),
        },
    };
    render(&state, StatusCode::OK, "staff/methods", &view)
}

// ---------------------------------------------------------------------------------------
// The evidence pack.

#[derive(Serialize)]
struct ThemeCount {
    theme: String,
    answers: i64,
}

#[derive(Serialize)]
struct EvidencePriority {
    code: String,
    title: String,
    outcomes: Vec<String>,
    index: Option<IndexRow>,
    questions: Vec<QuestionRow>,
    themes: Vec<ThemeCount>,
    quotes: Vec<crate::models::voices::BankQuote>,
    suggested: &'static str,
    suggested_meaning: &'static str,
    staff: Option<crate::models::evidence::Override>,
}

#[derive(Serialize)]
struct EvidenceData {
    partnership: String,
    series: String,
    years: Vec<String>,
    audience: String,
    summary: String,
    priorities: Vec<EvidencePriority>,
    rule: Vec<(String, String)>,
}

async fn evidence_data(state: &AppState, r: &Report, with_charts: bool) -> Result<EvidenceData, AppError> {
    use crate::models::{evidence, voices};
    let pid = r.series.partnership_id.clone();
    let (series_id, from, to, audience) = (r.series.id.clone(), r.from.clone(), r.to.clone(), r.audience.clone());
    let to_slug = r.to.clone();
    let (labels, fw, partnership_name, themes, counts, overrides, quotes) = state
        .db
        .run(move |c| -> Result<_, AppError> {
            let name = framework::partnership_name(c, &pid)?;
            let wave_id = survey::wave_owner(c, &to_slug)?.map(|w| w.0).unwrap_or_default();
            let filter = voices::QuoteFilter {
                wave: Some(to_slug.clone()),
                audience: (audience != "all-audiences").then(|| audience.clone()),
                ..Default::default()
            };
            Ok((
                framework::labels(c, &pid)?,
                framework::framework(c, &pid)?,
                name,
                voices::themes_for(c, &pid, true)?,
                voices::theme_counts(c, &wave_id)?,
                evidence::overrides(c, &series_id, &from, &to, &audience)?,
                voices::bank(c, &pid, &filter)?,
            ))
        })
        .await?;
    let case = &r.case;
    let later = &case.years[1];
    let priorities = labels
        .0
        .iter()
        .map(|p| {
            let questions: Vec<&QuestionResult> =
                case.questions.iter().filter(|q| tagged(q, "priority", &p.code)).collect();
            let suggested = evidence::suggest(&questions, later);
            let mut tally: Vec<ThemeCount> = themes
                .iter()
                .filter(|t| t.priorities().contains(&p.code))
                .map(|t| ThemeCount {
                    theme: t.name.clone(),
                    answers: counts
                        .iter()
                        .filter(|(id, _, aud, _)| id == &t.id && (r.audience == "all-audiences" || aud == &r.audience))
                        .map(|(_, _, _, n)| n)
                        .sum(),
                })
                .filter(|t| t.answers > 0)
                .collect();
            tally.sort_by(|a, b| b.answers.cmp(&a.answers).then(a.theme.cmp(&b.theme)));
            tally.truncate(3);
            EvidencePriority {
                code: p.code.clone(),
                title: p.title.clone(),
                outcomes: fw
                    .outcomes
                    .iter()
                    .filter(|o| o.detail == p.code && !o.archived)
                    .map(|o| o.text.clone())
                    .collect(),
                index: case
                    .composites
                    .iter()
                    .flatten()
                    .find(|c| c.id == format!("priority:{}", p.code))
                    .map(|c| index_row(case, c)),
                questions: questions
                    .iter()
                    .map(|q| {
                        let mut row = question_row(case, q);
                        if !with_charts {
                            row.chart = None;
                        }
                        row
                    })
                    .collect(),
                themes: tally,
                quotes: quotes.iter().filter(|q| q.priorities.contains(&p.code)).take(3).cloned().collect(),
                suggested: suggested.as_str(),
                suggested_meaning: suggested.meaning(),
                staff: overrides.iter().find(|o| o.priority_code == p.code).cloned(),
            }
        })
        .collect();
    Ok(EvidenceData {
        partnership: partnership_name,
        series: r.series.title.clone(),
        years: case.years.clone(),
        audience: if r.audience == "all-audiences" { "everyone together".into() } else { r.audience.replace('-', " ") },
        summary: summary(case),
        priorities,
        rule: [
            evidence::Brag::Blue,
            evidence::Brag::Green,
            evidence::Brag::Amber,
            evidence::Brag::Red,
            evidence::Brag::None,
        ]
        .iter()
        .map(|b| (b.as_str().to_owned(), b.meaning().to_owned()))
        .collect(),
    })
}

#[derive(Deserialize)]
struct EvidenceQuery {
    from: Option<String>,
    to: Option<String>,
    audience: Option<String>,
    adjust: Option<String>,
    suppress_below: Option<String>,
    caution_below: Option<String>,
    format: Option<String>,
}

#[derive(Serialize)]
struct EvidenceView {
    page: PageMeta,
    pack: EvidenceData,
    csrf: String,
    can_rate: bool,
    action: String,
    ratings: Vec<&'static str>,
    downloads: Vec<Link>,
}

async fn evidence(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<EvidenceQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    use actix_web::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
    let rq = ReportQuery {
        from: q.from.clone(),
        to: q.to.clone(),
        audience: q.audience.clone(),
        adjust: q.adjust.clone(),
        suppress_below: q.suppress_below.clone(),
        caution_below: q.caution_below.clone(),
    };
    let r = build_report(&state, &who, &path, &rq).await?;
    let format = q.format.clone().unwrap_or_else(|| "html".into());
    let pack = evidence_data(&state, &r, format == "html").await?;
    let file = |bytes: Vec<u8>, content_type: &str, ext: &str| {
        HttpResponse::Ok()
            .insert_header((CONTENT_TYPE, content_type.to_owned()))
            .insert_header((
                CONTENT_DISPOSITION,
                crate::exports::attachment(
                    &format!("{}-evidence-{}-{}", r.series.slug, pack.years[0], pack.years[1]),
                    ext,
                ),
            ))
            .insert_header((CACHE_CONTROL, "no-store"))
            .body(bytes)
    };
    match format.as_str() {
        "json" => Ok(HttpResponse::Ok().insert_header((CACHE_CONTROL, "no-store")).json(&pack)),
        "csv" => Ok(file(evidence_csv(&pack).map_err(AppError::internal)?, "text/csv; charset=utf-8", "csv")),
        "docx" => Ok(file(
            evidence_docx(&pack).map_err(AppError::internal)?,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
        )),
        "html" => {
            let query = format!("from={}&to={}&audience={}", r.from, r.to, r.audience);
            let view = EvidenceView {
                page: who
                    .page(
                        &req,
                        &state,
                        format!("Evidence pack: {} {} to {}", pack.series, pack.years[0], pack.years[1]),
                    )
                    .back(format!("/staff/series/{}/compare?{query}", r.series.slug)),
                csrf: {
                    use actix_web::HttpMessage;
                    let key = req
                        .extensions()
                        .get::<crate::security::BrowserKey>()
                        .map(|k| k.value.clone())
                        .unwrap_or_default();
                    state.forms.token_for(&key)
                },
                can_rate: who.require(&[Role::Admin, Role::Analyst]).is_ok(),
                action: format!("/staff/series/{}/evidence/brag?{query}", r.series.slug),
                ratings: vec!["Blue", "Green", "Amber", "Red"],
                downloads: [("docx", "Word (DOCX)"), ("csv", "Numbers (CSV)"), ("json", "JSON")]
                    .iter()
                    .map(|(f, t)| Link {
                        href: format!("/staff/series/{}/evidence?{query}&format={f}", r.series.slug),
                        text: (*t).into(),
                    })
                    .collect(),
                pack,
            };
            render(&state, StatusCode::OK, "staff/evidence", &view)
        }
        other => {
            Err(AppError::BadRequest(format!("{other:?} is not a format: choose html, docx, csv or json.").into()))
        }
    }
}

fn evidence_csv(pack: &EvidenceData) -> Result<Vec<u8>, csv::Error> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = csv::Writer::from_writer(&mut out);
        // Every cell people typed goes through `neutralise_cell`, header cells (which carry
        // wave labels) too: a label such as `=HYPERLINK(...)` must never become a formula.
        // Figures Heard computed (shares, counts, changes such as "+13") are written as they are.
        let cell = |s: &str| crate::models::export::neutralise_cell(s);
        let (a, b) = (&pack.years[0], &pack.years[1]);
        w.write_record(
            [
                "priority".to_owned(),
                "kind".into(),
                "item".into(),
                format!("{a} positive"),
                format!("{a} answers"),
                format!("{b} positive"),
                format!("{b} answers"),
                "change".into(),
                "range".into(),
                "verdict".into(),
                "suggested BRAG".into(),
                "staff BRAG".into(),
            ]
            .iter()
            .map(|h| cell(h)),
        )?;
        for p in &pack.priorities {
            let staff = p.staff.as_ref().map(|s| s.rating.clone()).unwrap_or_default();
            if let Some(i) = &p.index {
                w.write_record([
                    cell(&p.code),
                    "index".into(),
                    cell(&i.label),
                    i.years[0].pct.clone(),
                    i.years[0].n.to_string(),
                    i.years[1].pct.clone(),
                    i.years[1].n.to_string(),
                    i.change.clone(),
                    i.range.clone(),
                    String::new(),
                    p.suggested.to_owned(),
                    cell(&staff),
                ])?;
            }
            for q in &p.questions {
                w.write_record([
                    cell(&p.code),
                    "question".into(),
                    cell(&q.text),
                    q.years[0].pct.clone(),
                    q.years[0].n.to_string(),
                    q.years[1].pct.clone(),
                    q.years[1].n.to_string(),
                    q.change.clone(),
                    q.range.clone(),
                    q.verdict.to_owned(),
                    p.suggested.to_owned(),
                    cell(&staff),
                ])?;
            }
        }
        w.flush()?;
    }
    Ok(out)
}

fn evidence_docx(pack: &EvidenceData) -> Result<Vec<u8>, crate::exports::ExportError> {
    use crate::exports::Block;
    let title = format!("{}: evidence pack, {} and {}", pack.partnership, pack.years[0], pack.years[1]);
    let mut blocks = vec![
        Block::Title(title.clone()),
        Block::Para(format!("{} compared for {}: {}.", pack.series, pack.audience, pack.summary)),
    ];
    for p in &pack.priorities {
        blocks.push(Block::Heading1(format!("{}: {}", p.code, p.title)));
        let rating = match &p.staff {
            Some(s) => format!("Rating: {} (set by staff: {}). Suggested: {}.", s.rating, s.note, p.suggested),
            None => format!("Suggested rating: {}. {}", p.suggested, p.suggested_meaning),
        };
        blocks.push(Block::Para(rating));
        if !p.outcomes.is_empty() {
            blocks.push(Block::Heading2("What will children, young people and families see?".into()));
            blocks.extend(p.outcomes.iter().map(|o| Block::Para(o.clone())));
        }
        blocks.push(Block::Heading2("What the survey shows".into()));
        if let Some(i) = &p.index {
            blocks.push(Block::Para(i.sentence.clone()));
        }
        for q in &p.questions {
            blocks.push(Block::Para(format!("{} {}", q.text, q.sentence)));
        }
        if !p.themes.is_empty() {
            blocks.push(Block::Heading2("What people wrote about most".into()));
            blocks.extend(p.themes.iter().map(|t| Block::Para(format!("{} ({} answers)", t.theme, t.answers))));
        }
        if !p.quotes.is_empty() {
            blocks.push(Block::Heading2("In their words".into()));
            for q in &p.quotes {
                blocks.push(Block::Quote(format!("“{}”", q.quote)));
                blocks.push(Block::Caption(format!("{}, {}", q.audience.replace('-', " "), q.wave_label)));
            }
        }
    }
    crate::exports::docx(&title, &blocks)
}

async fn set_brag(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<ReportQuery>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    use crate::models::evidence::{self, Brag};
    let f = super::form::read_checked(&state, &req, body).await?;
    who.require(&[Role::Admin, Role::Analyst])?;
    let r = build_report(&state, &who, &path, &q).await?;
    let code = f.get("priority").unwrap_or("").to_owned();
    let pid = r.series.partnership_id.clone();
    let codes = state.db.run(move |c| framework::codes(c, &pid).map_err(AppError::from)).await?;
    if !codes.priorities.contains(&code) {
        return Err(AppError::BadRequest("Choose one of the framework's priorities.".into()));
    }
    let rating = match f.get("rating").unwrap_or("") {
        "suggested" => None,
        other => Some(Brag::parse(other).ok_or_else(|| {
            AppError::BadRequest("Choose Blue, Green, Amber or Red, or the suggested rating.".into())
        })?),
    };
    let note = crate::domain::text::UserText::parse(f.get("note").unwrap_or(""), 1000, true)
        .map_err(|e| AppError::BadRequest(e.to_string().into()))?
        .into_string();
    if rating.is_some() && note.is_empty() {
        return Err(AppError::BadRequest(
            "Say why you are changing the rating: the note is shown in the evidence pack.".into(),
        ));
    }
    let (sid, from, to, aud, staff, partnership) = (
        r.series.id.clone(),
        r.from.clone(),
        r.to.clone(),
        r.audience.clone(),
        who.staff.clone(),
        r.series.partnership_id.clone(),
    );
    state
        .db
        .write(move |c| -> Result<(), AppError> {
            evidence::set_override(c, &sid, &from, &to, &aud, &code, rating, &note, &staff.email)?;
            crate::models::audit::record(
                c,
                &staff.actor(),
                Some(&partnership),
                crate::models::audit::Action::BragSet,
                &serde_json::json!({"priority": code, "rating": rating.map(Brag::as_str), "from": from, "to": to}),
            )?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/staff/series/{}/evidence?from={}&to={}&audience={}", r.series.slug, r.from, r.to, r.audience),
        ))
        .finish())
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn detectable_change_shrinks_with_bigger_samples() {
        let small = detectable_change(40, 40, 0.5).unwrap();
        let large = detectable_change(300, 300, 0.5).unwrap();
        assert!((small - 0.3131).abs() < 0.001, "{small}");
        assert!(large < small && (large - 0.1144).abs() < 0.001, "{large}");
        assert_eq!(detectable_change(0, 10, 0.5), None);
    }
}
