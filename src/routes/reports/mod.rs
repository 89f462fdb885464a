//! Year-on-year reports for staff: a comparison page per series (a summary, sections per
//! priority and per value, one row per question with both years, the change, the likely range
//! and a plain sentence, and a chart with its data table) and a methods page that also shows
//! the smallest change the sample sizes could detect. Numbers come from `crate::stats` via
//! `models::comparison`, exactly as `heard compare` prints them.
//!
//! | route | roles |
//! |---|---|
//! | `GET /staff/series/{slug}/compare`, `GET /staff/series/{slug}/methods` (`?from=WAVE&to=WAVE&audience=…`, filtered by `channel`, `sent_from`, `sent_to`, `tag` and `answer`) | admin, analyst, viewer |
//! | `GET /staff/waves/{slug}/results` (one wave's figures per question and audience) | admin, analyst, viewer |
//! | `GET /staff/series/{slug}/trends` (every wave: charts, tables, verdicts) | admin, analyst, viewer |
//! | `GET /staff/waves/{slug}/reach` (who took part: response rates, mix, standardised shares) | admin, analyst, viewer |
//! | `POST /staff/waves/{slug}/reach` (the population of each group, audited) | admin, analyst |
//! | `GET /staff/waves/{slug}/download?format=csv\|xlsx\|json` (the responses, streamed, audited; written answers for admins and analysts only) | admin, analyst, viewer |
//! | `GET /staff/waves/{slug}/tables?format=csv\|xlsx` (the results as a published table, audited) | admin, analyst, viewer |
//! | `GET /staff/series/{slug}/evidence[?format=html\|docx\|csv\|json]` (the JSON API) | admin, analyst, viewer |
//! | `POST /staff/series/{slug}/evidence/brag` (staff's own rating, with a note) | admin, analyst |
//!
//! `mod.rs` reads a report's query and runs the comparison; `compare`, `methods` and
//! `evidence` are the pages. The rows people read are `crate::report`, the files
//! `crate::exports::evidence`.

mod compare;
mod download;
mod evidence;
mod filters;
mod methods;
mod reach;
mod results;
mod trends;

use std::sync::Arc;

use actix_web::web;
use serde::Deserialize;

use super::staff::SignedIn;
use crate::domain::SurveyDefinition;
use crate::domain::filter::{Filter, FilterProblem, RawFilter};
use crate::error::AppError;
use crate::models::account::Role;
use crate::models::comparison::{CompareRequest, compare_waves};
use crate::models::survey;
use crate::state::AppState;
use crate::stats::compare::{Adjust, CaseResult};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/series/{slug}/compare", web::get().to(compare::compare_page))
        .route("/staff/series/{slug}/methods", web::get().to(methods::methods_page))
        .route("/staff/waves/{slug}/results", web::get().to(results::results_page))
        .route("/staff/series/{slug}/trends", web::get().to(trends::trends_page))
        .route("/staff/waves/{slug}/reach", web::get().to(reach::reach_page))
        .route("/staff/waves/{slug}/reach", web::post().to(reach::set_reach))
        .route("/staff/waves/{slug}/download", web::get().to(download::download))
        .route("/staff/waves/{slug}/tables", web::get().to(download::tables))
        .route("/staff/series/{slug}/evidence", web::get().to(evidence::evidence))
        .route("/staff/series/{slug}/evidence/brag", web::post().to(evidence::set_brag));
}

const READERS: [Role; 3] = [Role::Admin, Role::Analyst, Role::Viewer];

/// What a results column is called: an audience's name, or "Everyone".
fn group_name(def: &crate::domain::SurveyDefinition, key: &str) -> String {
    if key == "everyone" { "Everyone".to_owned() } else { def.audience(key).map_or(key.to_owned(), |x| x.name.clone()) }
}

#[derive(Deserialize, Default, Clone)]
pub struct ReportQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub audience: Option<String>,
    pub adjust: Option<String>,
    /// Years with fewer valid answers are not compared (default 10).
    pub suppress_below: Option<String>,
    /// Years with fewer valid answers carry a caution (default 30).
    pub caution_below: Option<String>,
    #[serde(flatten)]
    pub who: WhoQuery,
}

/// Who a comparison counts, as query parameters: a wave's results filters, except that the
/// days are `sent_from` and `sent_to` (`from` and `to` name the two waves here) and the
/// audience is the report's own `audience`.
#[derive(Deserialize, Default, Clone)]
pub struct WhoQuery {
    pub channel: Option<String>,
    pub sent_from: Option<String>,
    pub sent_to: Option<String>,
    pub tag: Option<String>,
    pub question: Option<String>,
    pub answer: Option<String>,
}

impl WhoQuery {
    /// As the filter form's parameters, to be checked like a wave's results filter.
    pub fn raw(&self) -> RawFilter {
        RawFilter {
            audience: None,
            channel: self.channel.clone(),
            from: self.sent_from.clone(),
            to: self.sent_to.clone(),
            tag: self.tag.clone(),
            question: self.question.clone(),
            answer: self.answer.clone(),
        }
    }
}

/// A checked filter as a comparison's query parameters (`&channel=…&sent_from=…`), empty
/// when there is none.
pub fn who_params(f: &Filter) -> String {
    f.params()
        .into_iter()
        .filter(|(k, _)| *k != "audience")
        .map(|(k, v)| {
            let k = match k {
                "from" => "sent_from",
                "to" => "sent_to",
                other => other,
            };
            format!("&{k}={}", urlencoding::encode(&v))
        })
        .collect()
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
    /// Who is compared (checked against the later wave's survey), and that survey.
    pub filter: Filter,
    pub raw: RawFilter,
    pub def: Arc<SurveyDefinition>,
}

impl Report {
    /// The query that asks for this report again (waves, audience, method, filter).
    pub fn query(&self) -> String {
        format!(
            "from={}&to={}&suppress_below={}&caution_below={}{}&audience={}",
            self.from,
            self.to,
            self.suppress_below,
            self.caution_below,
            who_params(&self.filter),
            self.audience,
        )
    }

    /// The filter in words, for the page's "Showing" line (empty without one).
    pub fn described(&self) -> Vec<String> {
        self.filter.describe(&self.def)
    }
}

/// A report whose filter could not be used: what was asked, and each problem by field.
pub struct Refused {
    pub series: survey::SeriesWaves,
    pub from: String,
    pub to: String,
    pub audiences: Vec<String>,
    pub audience: String,
    /// The method's options as asked for, so the form shows them again.
    pub adjust: Adjust,
    pub suppress_below: u64,
    pub caution_below: u64,
    pub def: Arc<SurveyDefinition>,
    pub raw: RawFilter,
    pub problems: Vec<FilterProblem>,
}

/// A report, or why its filter was refused.
pub enum Built {
    Report(Box<Report>),
    Refused(Box<Refused>),
}

/// Runs the comparison for a report's query (defaults: the two latest waves with responses,
/// all audiences together, Benjamini–Hochberg); a filter that cannot be used is answered as
/// a bad request naming each problem (the comparison page shows them beside their fields).
pub async fn build_report(state: &AppState, who: &SignedIn, slug: &str, q: &ReportQuery) -> Result<Report, AppError> {
    match build(state, who, slug, q).await? {
        Built::Report(r) => Ok(*r),
        Built::Refused(r) => Err(AppError::BadRequest(
            r.problems.iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join(" ").into(),
        )),
    }
}

/// Runs the comparison for a report's query, or says why its filter cannot be used.
pub async fn build(state: &AppState, who: &SignedIn, slug: &str, q: &ReportQuery) -> Result<Built, AppError> {
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
    // The filter is checked against the later wave's survey.
    let (later, max_text) = (to.clone(), state.settings.max_text_graphemes);
    let def = state.db.run(move |c| survey::get(c, &later, max_text).map_err(AppError::from)).await?.definition;
    let raw = q.who.raw();
    let checked = raw.check(&def).and_then(|f| {
        let problems = f.across_waves(&def);
        if problems.is_empty() { Ok(f) } else { Err(problems) }
    });
    let filter = match checked {
        Ok(f) => f,
        Err(problems) => {
            let mut audiences: Vec<String> = def.audiences.iter().map(|a| a.key.to_string()).collect();
            audiences.push("all-audiences".into());
            let audience =
                q.audience.clone().filter(|a| audiences.contains(a)).unwrap_or_else(|| "all-audiences".into());
            return Ok(Built::Refused(Box::new(Refused {
                series,
                from,
                to,
                audiences,
                audience,
                adjust,
                suppress_below,
                caution_below,
                def,
                raw,
                problems,
            })));
        }
    };
    let request = CompareRequest {
        series: series.slug.clone(),
        from: from.clone(),
        to: to.clone(),
        audience: None,
        settings,
        max_text,
        filter: filter.clone(),
    };
    let out = state.db.run(move |c| compare_waves(c, &request).map_err(AppError::from)).await?;
    let audiences: Vec<String> = out.cases.iter().map(|c| c.id.clone()).collect();
    let audience = q.audience.clone().filter(|a| audiences.contains(a)).unwrap_or_else(|| "all-audiences".into());
    let case = out.cases.into_iter().find(|c| c.id == audience).ok_or_else(not_found)?;
    Ok(Built::Report(Box::new(Report {
        series,
        from,
        to,
        case,
        audiences,
        audience,
        adjust,
        suppress_below,
        caution_below,
        filter,
        raw,
        def,
    })))
}
