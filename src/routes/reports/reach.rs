//! Who took part (`GET,POST /staff/waves/{slug}/reach`): staff pick the one-answer question
//! that places a respondent in a group and give each group's population (typed, or pasted
//! as CSV lines `group,population`); the page shows responses and response rates per group,
//! whether the mix of people who answered differs from the population, and each question's
//! share positive as answered and directly standardised to the population
//! (`stats::reach`, whose module docs hold the method). Reading: admins, analysts and
//! viewers; setting populations: admins and analysts (audited as `reach.population_set`).

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::READERS;
use crate::domain::SurveyDefinition;
use crate::domain::filter::is_one_answer;
use crate::error::AppError;
use crate::models::account::Role;
use crate::models::reach::{self, Populations};
use crate::routes::form::token as csrf;
use crate::routes::pages::{Link, PageMeta, render, see_other};
use crate::routes::staff::{OwnedWave, SignedIn, owned_wave};
use crate::state::AppState;
use crate::stats::reach::{MixTest, Standardised, reach as reach_of, standardise};
use crate::views::Choice;

/// The largest population taken for one group (more than every child in England).
const MAX_POPULATION: u64 = 20_000_000;

#[derive(Deserialize)]
pub(super) struct ReachQuery {
    by: Option<String>,
}

#[derive(Serialize)]
struct GroupRow {
    value: String,
    label: String,
    /// As typed (or saved).
    typed: String,
    error: Option<String>,
    population: String,
    population_share: String,
    responses: u64,
    sample_share: String,
    rate: String,
}

#[derive(Serialize)]
struct StandardRow {
    title: String,
    crude: String,
    standardised: String,
}

#[derive(Serialize)]
struct ReachView {
    page: PageMeta,
    label: String,
    action: String,
    csrf: String,
    can_edit: bool,
    questions: Vec<Choice>,
    by: Option<String>,
    by_title: String,
    groups: Vec<GroupRow>,
    pasted: String,
    paste_error: Option<String>,
    errors: Vec<Link>,
    has_population: bool,
    mix: Option<String>,
    standardised: Vec<StandardRow>,
    methods: String,
}

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

/// The mix test in words.
pub fn mix_words(t: &MixTest) -> String {
    let rough = if t.rough { " (rough: some groups expected fewer than 5 people)" } else { "" };
    if t.differs {
        format!(
            "The people who answered are not mixed like the population (chi-square {:.1} on {} degrees of freedom, p {}){rough}. Figures for everyone together lean towards the groups that answered more: compare groups one at a time, or use the standardised shares below.",
            t.statistic,
            t.dof,
            if t.p < 0.001 { "< 0.001".to_owned() } else { format!("= {:.3}", t.p) }
        )
    } else {
        format!(
            "The mix of people who answered is not clearly different from the population (chi-square {:.1} on {} degrees of freedom, p = {:.2}){rough}.",
            t.statistic, t.dof, t.p
        )
    }
}

fn grouping_questions(def: &SurveyDefinition, current: &str) -> Vec<Choice> {
    def.questions
        .iter()
        .filter(|q| is_one_answer(q.kind))
        .map(|q| {
            let first = q.audiences.first().map_or("", String::as_str);
            let title = q.wording(first).map_or_else(|| q.key.to_string(), |w| w.title.clone());
            Choice::new(q.key.to_string(), format!("{title} ({})", q.key), current)
        })
        .collect()
}

/// Everything the page shows for `by` with `typed` populations (values as typed by group).
async fn build(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    w: &OwnedWave,
    by: Option<String>,
    typed: BTreeMap<String, String>,
    problems: (BTreeMap<String, String>, Option<String>, String),
) -> Result<ReachView, AppError> {
    let def = &w.def;
    let slug = w.row.slug.clone();
    let (field_errors, paste_error, pasted) = problems;
    let id = w.row.id.clone();
    let saved = state.db.run(move |c| reach::populations(c, &id).map_err(AppError::from)).await?;
    let by = by
        .or_else(|| saved.as_ref().map(|p| p.question_key.clone()))
        .filter(|k| def.question(k).is_some_and(|q| is_one_answer(q.kind)));
    let mut view = ReachView {
        page: who
            .page(req, state, format!("Who took part: {} {}", def.series.title, w.row.label))
            .back(format!("/staff/waves/{slug}")),
        label: format!("{} {}", def.series.title, w.row.label),
        action: format!("/staff/waves/{slug}/reach"),
        csrf: csrf(state, req),
        can_edit: who.require(&[Role::Admin, Role::Analyst]).is_ok(),
        questions: grouping_questions(def, by.as_deref().unwrap_or("")),
        by: by.clone(),
        by_title: String::new(),
        groups: Vec::new(),
        pasted,
        paste_error: paste_error.clone(),
        errors: Vec::new(),
        has_population: false,
        mix: None,
        standardised: Vec::new(),
        methods: format!("/staff/series/{}/methods#reach", def.series.slug),
    };
    view.errors = field_errors
        .iter()
        .map(|(v, m)| Link { href: format!("#pop-{v}"), text: m.clone() })
        .chain(paste_error.iter().map(|m| Link { href: "#csv".into(), text: m.clone() }))
        .collect();
    let Some(key) = by else { return Ok(view) };
    let Some(q) = def.question(&key) else { return Ok(view) };
    let first = q.audiences.first().map_or("", String::as_str);
    view.by_title = q.wording(first).map_or_else(|| key.clone(), |w| w.title.clone());
    let sizes: BTreeMap<String, u64> = saved.filter(|p| p.question_key == key).map(|p| p.sizes).unwrap_or_default();
    let (id, k, d) = (w.row.id.clone(), key.clone(), w.def.clone());
    let (counts, positives) = state
        .db
        .run(move |c| -> Result<_, AppError> {
            Ok((reach::group_counts(c, &id, &k)?, reach::positives_by_group(c, &id, &d, &k)?))
        })
        .await?;
    let input: Vec<(String, Option<u64>, u64)> = q
        .options
        .iter()
        .map(|o| (o.value.clone(), sizes.get(&o.value).copied(), counts.get(&o.value).copied().unwrap_or(0)))
        .collect();
    let (rows, mix) = reach_of(&input);
    view.has_population = rows.iter().any(|r| r.population.is_some());
    view.mix = mix.as_ref().map(mix_words);
    view.groups = rows
        .iter()
        .zip(&q.options)
        .map(|(r, o)| GroupRow {
            value: o.value.clone(),
            label: o.label(first).to_owned(),
            typed: typed
                .get(&o.value)
                .cloned()
                .unwrap_or_else(|| r.population.map(|p| p.to_string()).unwrap_or_default()),
            error: field_errors.get(&o.value).cloned(),
            population: r.population.map_or_else(|| "not given".into(), |p| p.to_string()),
            population_share: r.population_share.map_or_else(|| "–".into(), pct),
            responses: r.responses,
            sample_share: pct(r.sample_share),
            rate: r.rate.map_or_else(|| "–".into(), pct),
        })
        .collect();
    // Standardised shares: groups with population only.
    let with_pop: Vec<&crate::stats::reach::GroupReach> =
        rows.iter().filter(|r| r.population_share.is_some()).collect();
    if with_pop.len() >= 2 {
        let min = crate::stats::Settings::default().suppress_below;
        for q2 in def.questions.iter().filter(|x| positives.contains_key(x.key.as_str())) {
            let per = &positives[q2.key.as_str()];
            let groups: Vec<(String, f64, u64, u64)> = with_pop
                .iter()
                .map(|r| {
                    let (p, v) = per.get(&r.value).copied().unwrap_or((0, 0));
                    (r.value.clone(), r.population_share.unwrap_or(0.0), p, v)
                })
                .collect();
            let f2 = q2.audiences.first().map_or("", String::as_str);
            let title = q2.wording(f2).map_or_else(|| q2.key.to_string(), |w| w.title.clone());
            let label_of = |v: &str| q.option(v).map_or(v.to_owned(), |o| o.label(first).to_owned());
            view.standardised.push(match standardise(&groups, min) {
                Standardised::Shares { crude, standardised } => {
                    StandardRow { title, crude: pct(crude), standardised: pct(standardised) }
                }
                Standardised::TooFew(small) => StandardRow {
                    title,
                    crude: "–".into(),
                    standardised: format!(
                        "fewer than {min} answered in: {}",
                        small.iter().map(|v| label_of(v)).collect::<Vec<_>>().join(", ")
                    ),
                },
            });
        }
    }
    Ok(view)
}

pub(super) async fn reach_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<ReachQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&READERS)?;
    let w = owned_wave(&state, &who, &path).await?;
    let by = q.by.clone().filter(|s| !s.is_empty());
    if let Some(k) = &by
        && !w.def.question(k).is_some_and(|x| is_one_answer(x.kind))
    {
        return Err(AppError::BadRequest("Choose a question with one answer each from the list.".into()));
    }
    let view = build(&state, &req, &who, &w, by, BTreeMap::new(), (BTreeMap::new(), None, String::new())).await?;
    render(&state, StatusCode::OK, "staff/reach", &view)
}

fn whole(text: &str) -> Result<u64, String> {
    let t: String = text.trim().chars().filter(|c| *c != ',' && *c != ' ').collect();
    match t.parse::<u64>() {
        Ok(n) if n <= MAX_POPULATION => Ok(n),
        Ok(_) => {
            Err(format!("{} is more than the number of children in England: check for a typing mistake.", text.trim()))
        }
        Err(_) => Err("Enter the population as a whole number, like 1200.".into()),
    }
}

pub(super) async fn set_reach(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = crate::routes::form::read_checked(&state, &req, body).await?;
    who.require(&[Role::Admin, Role::Analyst])?;
    let w = owned_wave(&state, &who, &path).await?;
    let key = f.get("by").unwrap_or("").to_owned();
    let Some(q) = w.def.question(&key).filter(|x| is_one_answer(x.kind)) else {
        return Err(AppError::BadRequest("Choose a question with one answer each from the list.".into()));
    };
    let mut typed = BTreeMap::new();
    let mut errors = BTreeMap::new();
    let mut sizes = BTreeMap::new();
    for o in &q.options {
        let text = f.get(&format!("pop-{}", o.value)).unwrap_or("").to_owned();
        if !text.trim().is_empty() {
            match whole(&text) {
                Ok(n) => {
                    sizes.insert(o.value.clone(), n);
                }
                Err(m) => {
                    errors.insert(
                        o.value.clone(),
                        format!("{}: {m}", o.label(q.audiences.first().map_or("", String::as_str))),
                    );
                }
            }
        }
        typed.insert(o.value.clone(), text);
    }
    let pasted = f.get("csv").unwrap_or("").to_owned();
    let mut paste_error = None;
    // CSV lines, read by the csv crate so a quoted "4,800" stays one figure.
    let mut rdr =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).trim(csv::Trim::All).from_reader(pasted.as_bytes());
    for (i, record) in rdr.records().enumerate() {
        let line = i + 1;
        let fields: Vec<String> = match record {
            Ok(r) => r.iter().map(str::to_owned).collect(),
            Err(_) => {
                paste_error = Some(format!("Line {line} cannot be read as CSV."));
                break;
            }
        };
        if fields.iter().all(String::is_empty) {
            continue;
        }
        let (Some(group), Some(n)) = (fields.first(), fields.get(1)) else {
            paste_error = Some(format!(
                "Line {line}: write the group, a comma, then the population, like \u{201c}EHC plan,1200\u{201d}."
            ));
            break;
        };
        if line == 1 && whole(n).is_err() {
            continue; // a heading row
        }
        let Some(value) = crate::domain::mapping::option_by(&w.def, &key, group) else {
            paste_error = Some(format!("Line {line}: \u{201c}{group}\u{201d} is not an answer to this question."));
            break;
        };
        match whole(n) {
            Ok(n) => {
                sizes.insert(value.clone(), n);
                typed.insert(value, n.to_string());
            }
            Err(m) => {
                paste_error = Some(format!("Line {line}: {m}"));
                break;
            }
        }
    }
    if sizes.is_empty() && errors.is_empty() && paste_error.is_none() {
        paste_error = Some("Give the population of at least one group.".into());
    }
    if !errors.is_empty() || paste_error.is_some() {
        let view = build(&state, &req, &who, &w, Some(key), typed, (errors, paste_error, pasted)).await?;
        return render(&state, StatusCode::BAD_REQUEST, "staff/reach", &view);
    }
    let p = Populations { question_key: key.clone(), sizes };
    let (id, pid, actor) = (w.row.id.clone(), w.partnership_id.clone(), who.staff.actor());
    state.db.run(move |c| reach::set_populations(c, &id, &pid, &actor, &p).map_err(AppError::from)).await?;
    Ok(see_other(format!("/staff/waves/{}/reach?by={key}", w.row.slug)))
}
