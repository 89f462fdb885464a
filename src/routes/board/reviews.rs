//! Six-weekly reviews (`/staff/reviews`): the list with a form to start the next one (its
//! date suggested six weeks after the last), and each review's page: per priority, every
//! outcome statement with its rating, evidence note, what it was at the review before and
//! its trail across reviews; while a draft, a form to rate them and a button to agree it.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::{ADMINS, PartnershipQuery, READERS, WRITERS, date, long_date, partnership};
use crate::domain::review::{MAX_NOTE, Signals, next_review, standing, suggest};
use crate::domain::text::UserText;
use crate::error::AppError;
use crate::exports::board::{MeasureLine, OutcomeLine, Paper, PrioritySection};
use crate::models::board::{self, Given, Refused, Review, ReviewRow, Step};
use crate::models::framework::{self, Partnership};
use crate::models::measures::{self, Measure};
use crate::models::scales::{self, Scale};
use crate::routes::form::token as csrf;
use crate::routes::pages::{Link, PageMeta, render, see_other};
use crate::routes::staff::{SignedIn, not_found};
use crate::state::AppState;
use crate::views::Choice;

#[derive(Serialize)]
struct ListedReview {
    href: String,
    date: String,
    scale: String,
    agreed: bool,
    status: String,
    rated: i64,
}

#[derive(Serialize)]
struct ListView {
    page: PageMeta,
    csrf: String,
    action: String,
    can_start: bool,
    reviews: Vec<ListedReview>,
    outcomes: usize,
    held_on: String,
    held_on_error: Option<String>,
    scales: Vec<Choice>,
    scale_error: Option<String>,
    errors: Vec<Link>,
    scales_link: Option<String>,
}

struct Typed {
    held_on: String,
    scale: String,
    held_on_error: Option<String>,
    scale_error: Option<String>,
}

async fn list_view(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    p: &Partnership,
    typed: Option<Typed>,
) -> Result<ListView, AppError> {
    let pid = p.id.clone();
    let (reviews, all_scales, fw) = state
        .db
        .run(move |c| -> Result<_, AppError> {
            Ok((board::list(c, &pid)?, scales::list(c, &pid)?, framework::framework(c, &pid)?))
        })
        .await?;
    let suffix = who.partnership_suffix(p);
    let today = chrono::Utc::now().date_naive();
    let suggested = next_review(reviews.iter().map(|r| r.held_on).max(), today);
    let last_scale = reviews.first().map(|r| r.scale_id.clone()).unwrap_or_default();
    let typed = typed.unwrap_or(Typed {
        held_on: suggested.to_string(),
        scale: last_scale,
        held_on_error: None,
        scale_error: None,
    });
    let mut errors = Vec::new();
    if let Some(e) = &typed.held_on_error {
        errors.push(Link { href: "#held-on".into(), text: e.clone() });
    }
    if let Some(e) = &typed.scale_error {
        errors.push(Link { href: "#scale".into(), text: e.clone() });
    }
    Ok(ListView {
        page: who.page(req, state, "Six-weekly reviews"),
        csrf: csrf(state, req),
        action: format!("/staff/reviews{suffix}"),
        can_start: who.require(&WRITERS).is_ok() && !all_scales.is_empty(),
        outcomes: fw.outcomes.iter().filter(|o| !o.archived).count(),
        reviews: reviews
            .iter()
            .map(|r| ListedReview {
                href: format!("/staff/reviews/{}{suffix}", r.id),
                date: long_date(r.held_on),
                scale: r.scale_name.clone(),
                agreed: r.agreed_at.is_some(),
                status: match (&r.agreed_by, r.agreed_at) {
                    (Some(by), Some(at)) => format!("Agreed by {by} on {}", long_date(at.date())),
                    _ => "Draft".into(),
                },
                rated: r.rated,
            })
            .collect(),
        held_on: typed.held_on,
        held_on_error: typed.held_on_error,
        scales: all_scales.iter().map(|s| Choice::new(s.id.clone(), s.name.clone(), &typed.scale)).collect(),
        scale_error: typed.scale_error,
        errors,
        scales_link: who.require(&ADMINS).is_ok().then(|| format!("/staff/scales{suffix}")),
    })
}

pub(super) async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<PartnershipQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let p = partnership(&state, &who, &q, &READERS).await?;
    let view = list_view(&state, &req, &who, &p, None).await?;
    render(&state, StatusCode::OK, "staff/board_reviews", &view)
}

pub(super) async fn start(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<PartnershipQuery>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = crate::routes::form::read_checked(&state, &req, body).await?;
    let p = partnership(&state, &who, &q, &WRITERS).await?;
    let suffix = who.partnership_suffix(&p);
    let mut typed = Typed {
        held_on: f.get("held_on").unwrap_or("").to_owned(),
        scale: f.get("scale").unwrap_or("").to_owned(),
        held_on_error: None,
        scale_error: None,
    };
    let held_on = date(&typed.held_on, "the date of the review");
    if let Err(e) = &held_on {
        typed.held_on_error = Some(e.clone());
    }
    if typed.scale.is_empty() {
        typed.scale_error = Some("Choose the scale this review rates with.".into());
    }
    let status = match (held_on, typed.scale_error.is_some()) {
        (Ok(held_on), false) => {
            let (pid, actor, scale) = (p.id.clone(), who.staff.actor(), typed.scale.clone());
            let started =
                state.db.run(move |c| board::start(c, &pid, &actor, held_on, &scale).map_err(AppError::from)).await?;
            match started {
                Ok(id) => return Ok(see_other(format!("/staff/reviews/{id}{suffix}"))),
                Err(Refused::NotFound) => {
                    typed.scale_error = Some("Choose one of the partnership's scales.".into());
                    StatusCode::BAD_REQUEST
                }
                Err(Refused::DraftOpen(d)) => {
                    typed.held_on_error = Some(format!(
                        "The review of {} is still a draft. Agree it (or finish it) before starting the next.",
                        long_date(d)
                    ));
                    StatusCode::CONFLICT
                }
                Err(Refused::SameDay) => {
                    typed.held_on_error =
                        Some(format!("There is already a review on {}. Choose another day.", long_date(held_on)));
                    StatusCode::CONFLICT
                }
                Err(Refused::Locked | Refused::NothingRated) => return Err(not_found()),
            }
        }
        _ => StatusCode::BAD_REQUEST,
    };
    let view = list_view(&state, &req, &who, &p, Some(typed)).await?;
    render(&state, status, "staff/board_reviews", &view)
}

#[derive(Serialize, Clone)]
struct Shown {
    name: String,
    colour: String,
    note: String,
    by: String,
    on: String,
}

#[derive(Serialize)]
struct TrailStep {
    name: String,
    colour: String,
    date: String,
    here: bool,
}

#[derive(Serialize)]
struct LevelChoice {
    id: String,
    name: String,
    meaning: String,
    colour: String,
    checked: bool,
}

#[derive(Serialize)]
struct OutcomeRow {
    id: String,
    code: String,
    statement: String,
    current: Option<Shown>,
    previous: Option<Shown>,
    /// "improved", "went back", "same" or "first rating" (None when unrated).
    change: Option<String>,
    trail: Vec<TrailStep>,
    levels: Vec<LevelChoice>,
    note: String,
    error: Option<String>,
    /// Tagged measures as they stand and notes since the review before, in words.
    evidence: Vec<String>,
    /// The suggested level and why, in one sentence (staff decide).
    suggestion: Option<String>,
}

#[derive(Serialize)]
struct PriorityBlock {
    code: String,
    title: String,
    outcomes: Vec<OutcomeRow>,
}

#[derive(Serialize)]
struct ReviewView {
    page: PageMeta,
    csrf: String,
    heading: String,
    scale: String,
    agreed: Option<String>,
    can_rate: bool,
    can_agree: bool,
    action: String,
    agree_action: String,
    priorities: Vec<PriorityBlock>,
    rated: usize,
    outcomes: usize,
    previous: Option<String>,
    changes: Vec<String>,
    errors: Vec<Link>,
    /// "You said, we did" updates published since the review before.
    decisions: Vec<String>,
    /// The review's address ready for `format=…`.
    paper_base: String,
    /// What the board paper needs besides the page (loaded once, with the page).
    #[serde(skip)]
    levels: Vec<(String, String)>,
    #[serde(skip)]
    measures: Vec<Measure>,
}

/// What the person typed on a refused save: level and note by outcome, and problems.
#[derive(Default)]
struct RateTyped {
    levels: BTreeMap<String, String>,
    notes: BTreeMap<String, String>,
    problems: BTreeMap<String, String>,
    whole: Option<String>,
}

type Loaded = (Option<Review>, Vec<ReviewRow>, BTreeMap<String, Vec<Step>>, Vec<Scale>, framework::Framework);
type Evidence = (
    Vec<crate::models::notes::Note>,
    Vec<Measure>,
    BTreeMap<String, Vec<String>>,
    Vec<crate::models::updates::Update>,
    Vec<crate::models::updates::UpdateLink>,
    BTreeMap<String, crate::models::evidence::OutcomeSurvey>,
);

async fn review_view(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    p: &Partnership,
    id: String,
    typed: RateTyped,
) -> Result<ReviewView, AppError> {
    let pid = p.id.clone();
    let (review, all, trails, all_scales, fw): Loaded = state
        .db
        .run(move |c| -> Result<Loaded, AppError> {
            Ok((
                board::get(c, &pid, &id)?,
                board::list(c, &pid)?,
                board::trails(c, &pid)?,
                scales::list(c, &pid)?,
                framework::framework(c, &pid)?,
            ))
        })
        .await?;
    let review = review.ok_or_else(not_found)?;
    let pid = p.id.clone();
    let (max_text, held_on) = (state.settings.max_text_graphemes, review.row.held_on);
    let (all_notes, all_measures, tags, updates, links, survey): Evidence = state
        .db
        .run(move |c| -> Result<Evidence, AppError> {
            let settings = crate::stats::Settings::default();
            let updates = crate::models::updates::list(c, &pid)?;
            let ids: Vec<String> = updates.iter().map(|u| u.id.clone()).collect();
            Ok((
                crate::models::notes::list(c, &pid)?,
                measures::list(c, &pid)?,
                measures::outcomes(c, &pid)?,
                updates,
                crate::models::updates::links(c, &ids)?,
                crate::models::evidence::survey_by_outcome(c, &pid, &settings, max_text, held_on)?,
            ))
        })
        .await?;
    let today = chrono::Utc::now().date_naive();
    let suffix = who.partnership_suffix(p);
    let scale = all_scales.iter().find(|s| s.id == review.row.scale_id);
    let colour_of = |level_id: &str| {
        all_scales
            .iter()
            .flat_map(|s| &s.levels)
            .find(|l| l.id == level_id)
            .map_or_else(|| "#ffffff".into(), |l| l.colour.clone())
    };
    // The review before this one: the latest held earlier.
    let before = all.iter().filter(|r| r.held_on < review.row.held_on).max_by_key(|r| r.held_on);
    // Updates published since the review before, up to this one's day.
    let in_period = |u: &&crate::models::updates::Update| {
        let day = u.published_at.date();
        day <= review.row.held_on && before.is_none_or(|b| day > b.held_on)
    };
    let serving = |u: &crate::models::updates::Update, outcome: &str| {
        links.iter().any(|l| l.update_id == u.id && l.kind == "outcome" && l.target == outcome)
    };
    let draft = review.row.agreed_at.is_none();
    let can_rate = draft && who.require(&WRITERS).is_ok();
    let mut changes = Vec::new();
    let mut priorities: Vec<PriorityBlock> = fw
        .priorities
        .iter()
        .filter(|p| !p.archived)
        .map(|p| PriorityBlock { code: p.code.clone(), title: p.text.clone(), outcomes: Vec::new() })
        .collect();
    let mut other =
        PriorityBlock { code: String::new(), title: "Other outcome statements".into(), outcomes: Vec::new() };
    let mut rated = 0;
    let mut total = 0;
    for o in fw.outcomes.iter().filter(|o| !o.archived || review.ratings.contains_key(&o.id)) {
        total += 1;
        let trail = trails.get(&o.id).cloned().unwrap_or_default();
        let here = review.ratings.get(&o.id);
        if here.is_some() {
            rated += 1;
        }
        let prev_step = before.and_then(|b| trail.iter().find(|s| s.review_id == b.id));
        let this_step = trail.iter().find(|s| s.review_id == review.row.id);
        let change = match (this_step, prev_step) {
            (Some(t), Some(p)) if t.position > p.position => Some("improved"),
            (Some(t), Some(p)) if t.position < p.position => Some("went back"),
            (Some(_), Some(_)) => Some("same"),
            (Some(_), None) => Some("first rating"),
            _ => None,
        };
        if let (Some(c @ ("improved" | "went back")), Some(t), Some(p)) = (change, this_step, prev_step) {
            changes.push(format!("{} {c}: {} → {}", o.code, p.level_name, t.level_name));
        }
        // Evidence from every source tagged to this outcome statement: measures as they
        // stand, and notes since the review before (up to this one's day).
        let since = before.map(|b| b.held_on);
        let notes: Vec<&crate::models::notes::Note> = all_notes
            .iter()
            .filter(|n| n.outcome_ids.contains(&o.id))
            .filter(|n| n.noted_on <= review.row.held_on && since.is_none_or(|d| n.noted_on > d))
            .collect();
        let tagged: Vec<&Measure> =
            all_measures.iter().filter(|m| tags.get(&m.id).is_some_and(|t| t.contains(&o.id))).collect();
        let mut signals = Signals { notes: notes.len(), ..Signals::default() };
        let mut evidence = Vec::new();
        // The survey: each tagged question's verdict between the two latest waves, and quotes.
        if let Some(said) = survey.get(&o.code) {
            let (from, to) = &said.years;
            for (verdict, sentence) in &said.questions {
                use crate::stats::compare::Verdict as V;
                match verdict {
                    V::Improved => signals.survey.push("better"),
                    V::Declined => signals.survey.push("worse"),
                    V::NoData | V::TooFew => {}
                    _ => signals.survey.push("no change"),
                }
                evidence.push(format!("Survey, {from} to {to}: {sentence}"));
            }
            for q in &said.quotes {
                evidence.push(format!("Said in {to}: “{q}”"));
            }
        }
        for m in &tagged {
            let values: Vec<(chrono::NaiveDate, f64)> = m
                .values
                .iter()
                .filter(|v| v.period_end <= review.row.held_on)
                .map(|v| (v.period_end, v.value))
                .collect();
            let st = standing(m.direction, m.target, m.frequency, &values, today);
            signals.measures.push((st.travel, st.on_target));
            let latest = m.values.iter().rfind(|v| v.period_end <= review.row.held_on);
            evidence.push(format!(
                "{}: {}{}{}",
                m.name,
                latest
                    .map_or_else(|| "no value yet".to_owned(), |v| format!("{} ({})", m.unit.show(v.value), v.period)),
                st.travel.map(|t| format!(", {t} than the value before")).unwrap_or_default(),
                m.target.map(|t| format!("; target {}", m.unit.show(t))).unwrap_or_default(),
            ));
        }
        for n in &notes {
            evidence.push(format!("{}, {}: {}", long_date(n.noted_on), n.source, n.body));
        }
        for u in updates.iter().filter(in_period).filter(|u| serving(u, &o.id)) {
            evidence.push(format!("You said, we did, {}: {}", long_date(u.published_at.date()), u.title));
        }
        let suggestion = scale.and_then(|s| {
            let previous = prev_step.map(|p| usize::try_from(p.position).unwrap_or(1).saturating_sub(1));
            let (level, why) = suggest(previous, s.levels.len(), &signals)?;
            s.levels.get(level).map(|l| format!("Suggested: {}, {why}", l.name))
        });
        let chosen = typed.levels.get(&o.id).cloned().or_else(|| here.map(|r| r.level_id.clone())).unwrap_or_default();
        let row = OutcomeRow {
            id: o.id.clone(),
            code: o.code.clone(),
            statement: o.text.clone(),
            current: here.map(|r| Shown {
                name: r.level_name.clone(),
                colour: colour_of(&r.level_id),
                note: r.note.clone(),
                by: r.rated_by.clone(),
                on: long_date(r.rated_at.date()),
            }),
            previous: prev_step.map(|s| Shown {
                name: s.level_name.clone(),
                colour: s.colour.clone(),
                note: String::new(),
                by: String::new(),
                on: long_date(s.held_on),
            }),
            change: change.map(str::to_owned),
            trail: trail
                .iter()
                .filter(|s| s.held_on <= review.row.held_on)
                .map(|s| TrailStep {
                    name: s.level_name.clone(),
                    colour: s.colour.clone(),
                    date: long_date(s.held_on),
                    here: s.review_id == review.row.id,
                })
                .collect(),
            levels: scale
                .map(|s| {
                    s.levels
                        .iter()
                        .map(|l| LevelChoice {
                            id: l.id.clone(),
                            name: l.name.clone(),
                            meaning: l.meaning.clone(),
                            colour: l.colour.clone(),
                            checked: l.id == chosen,
                        })
                        .collect()
                })
                .unwrap_or_default(),
            note: typed.notes.get(&o.id).cloned().or_else(|| here.map(|r| r.note.clone())).unwrap_or_default(),
            error: typed.problems.get(&o.id).cloned(),
            evidence,
            suggestion,
        };
        match priorities.iter_mut().find(|p| p.code == o.detail) {
            Some(block) => block.outcomes.push(row),
            None => other.outcomes.push(row),
        }
    }
    if !other.outcomes.is_empty() {
        priorities.push(other);
    }
    priorities.retain(|p| !p.outcomes.is_empty());
    let mut errors: Vec<Link> = Vec::new();
    if let Some(w) = &typed.whole {
        errors.push(Link { href: "#ratings".into(), text: w.clone() });
    }
    for block in &priorities {
        for o in &block.outcomes {
            if let Some(e) = &o.error {
                errors.push(Link { href: format!("#note-{}", o.id), text: format!("{}: {e}", o.code) });
            }
        }
    }
    // "You said, we did" updates published since the review before, with what they answer.
    let decisions: Vec<String> = updates
        .iter()
        .filter(in_period)
        .map(|u| {
            let about =
                if u.priorities.trim().is_empty() { String::new() } else { format!(" ({})", u.priorities.trim()) };
            let answers: Vec<&str> =
                links.iter().filter(|l| l.update_id == u.id && l.kind != "outcome").map(|l| l.label.as_str()).collect();
            let answered =
                if answers.is_empty() { String::new() } else { format!(". It answers: {}", answers.join("; ")) };
            format!("{}: {}{about}{answered}", long_date(u.published_at.date()), u.title)
        })
        .collect();
    let heading = format!("Review of {}", long_date(review.row.held_on));
    Ok(ReviewView {
        page: who.page(req, state, heading.clone()).back(format!("/staff/reviews{suffix}")),
        csrf: csrf(state, req),
        heading,
        scale: review.row.scale_name.clone(),
        agreed: match (&review.row.agreed_by, review.row.agreed_at) {
            (Some(by), Some(at)) => Some(format!("Agreed by {by} on {}", long_date(at.date()))),
            _ => None,
        },
        can_rate,
        can_agree: draft && who.require(&ADMINS).is_ok(),
        action: format!("/staff/reviews/{}{suffix}", review.row.id),
        agree_action: format!("/staff/reviews/{}/agree{suffix}", review.row.id),
        priorities,
        rated,
        outcomes: total,
        previous: before.map(|b| long_date(b.held_on)),
        changes,
        errors,
        decisions,
        paper_base: format!(
            "/staff/reviews/{}{}",
            review.row.id,
            if suffix.is_empty() { "?".to_owned() } else { format!("{suffix}&") }
        ),
        levels: scale
            .map(|s| s.levels.iter().map(|l| (l.name.clone(), l.meaning.clone())).collect())
            .unwrap_or_default(),
        measures: all_measures,
    })
}

#[derive(serde::Deserialize)]
pub(super) struct ShowQuery {
    partnership: Option<String>,
    format: Option<String>,
}

/// The board paper from the review's page and the measures as they stand today.
fn paper(view: &ReviewView, p: &Partnership) -> Paper {
    let today = chrono::Utc::now().date_naive();
    Paper {
        partnership: p.name.clone(),
        title: view.heading.clone(),
        status: view
            .agreed
            .clone()
            .unwrap_or_else(|| format!("Draft: {} of {} outcome statements rated", view.rated, view.outcomes)),
        scale: view.scale.clone(),
        levels: view.levels.clone(),
        changes: view.changes.clone(),
        decisions: view.decisions.clone(),
        priorities: view
            .priorities
            .iter()
            .map(|b| PrioritySection {
                heading: if b.code.is_empty() { b.title.clone() } else { format!("{}: {}", b.code, b.title) },
                outcomes: b
                    .outcomes
                    .iter()
                    .map(|o| OutcomeLine {
                        code: o.code.clone(),
                        statement: o.statement.clone(),
                        rating: o.current.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
                        colour: o.current.as_ref().map(|c| c.colour.clone()),
                        evidence: o.current.as_ref().map(|c| c.note.clone()).unwrap_or_default(),
                        previous: o.previous.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
                        trail: o.trail.iter().map(|t| t.name.clone()).collect(),
                        sources: o.evidence.clone(),
                    })
                    .collect(),
            })
            .collect(),
        measures: view
            .measures
            .iter()
            .map(|m| {
                let r = super::measures::row(m, "", today);
                MeasureLine {
                    reference: r.reference,
                    name: r.name,
                    latest: r.latest,
                    period: r.period,
                    target: r.target,
                    better: r.better.to_owned(),
                    travel: r.travel,
                    due: r.due,
                    overdue: r.overdue,
                }
            })
            .collect(),
        snapshot: long_date(today),
    }
}

#[derive(Serialize)]
struct PaperView {
    page: PageMeta,
    paper: Paper,
    back: String,
}

pub(super) async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<ShowQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let pq = PartnershipQuery { partnership: q.partnership.clone() };
    let p = partnership(&state, &who, &pq, &READERS).await?;
    let id = path.into_inner();
    let format = q.format.as_deref().unwrap_or("html");
    if !matches!(format, "html" | "docx" | "xlsx" | "print") {
        return Err(AppError::BadRequest(
            format!("“{format}” is not a format of the board paper: choose docx, xlsx or print.").into(),
        ));
    }
    let view = review_view(&state, &req, &who, &p, id.clone(), RateTyped::default()).await?;
    if format == "html" {
        return render(&state, StatusCode::OK, "staff/board_review", &view);
    }
    let paper = paper(&view, &p);
    let stem = format!("board-paper-{}", view.heading.to_lowercase().replace(' ', "-"));
    let file = |bytes: Vec<u8>, ext: &str, mime: &str| {
        HttpResponse::Ok()
            .insert_header((actix_web::http::header::CONTENT_TYPE, mime.to_owned()))
            .insert_header((actix_web::http::header::CONTENT_DISPOSITION, crate::exports::attachment(&stem, ext)))
            .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
            .body(bytes)
    };
    match format {
        "docx" => Ok(file(
            crate::exports::board::paper_docx(&paper).map_err(AppError::internal)?,
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )),
        "xlsx" => Ok(file(
            crate::exports::board::paper_xlsx(&paper).map_err(AppError::internal)?,
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )),
        _ => {
            let suffix = who.partnership_suffix(&p);
            let page = who.page(&req, &state, view.heading.clone()).back(format!("/staff/reviews/{id}{suffix}"));
            render(
                &state,
                StatusCode::OK,
                "staff/board_paper",
                &PaperView { page, paper, back: format!("/staff/reviews/{id}{suffix}") },
            )
        }
    }
}

pub(super) async fn rate(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<PartnershipQuery>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = crate::routes::form::read_checked(&state, &req, body).await?;
    let p = partnership(&state, &who, &q, &WRITERS).await?;
    let id = path.into_inner();
    let mut typed = RateTyped::default();
    let mut given = Vec::new();
    for (name, value) in f.pairs() {
        if let Some(outcome) = name.strip_prefix("level-") {
            typed.levels.insert(outcome.to_owned(), value.to_owned());
        } else if let Some(outcome) = name.strip_prefix("note-") {
            typed.notes.insert(outcome.to_owned(), value.to_owned());
        }
    }
    for (outcome, raw) in &typed.notes {
        let level = typed.levels.get(outcome).filter(|l| !l.is_empty());
        match UserText::parse(raw, MAX_NOTE, true) {
            Err(e) => {
                typed.problems.insert(outcome.clone(), format!("The evidence note: {e}"));
            }
            Ok(note) if level.is_none() && !note.as_str().is_empty() => {
                typed.problems.insert(outcome.clone(), "Choose a level for this outcome, or clear its note.".into());
            }
            Ok(note) => {
                if let Some(level) = level {
                    given.push(Given {
                        outcome_id: outcome.clone(),
                        level_id: level.clone(),
                        note: note.into_string(),
                    });
                }
            }
        }
    }
    for (outcome, level) in &typed.levels {
        if !typed.notes.contains_key(outcome) && !level.is_empty() {
            given.push(Given { outcome_id: outcome.clone(), level_id: level.clone(), note: String::new() });
        }
    }
    if !typed.problems.is_empty() {
        let view = review_view(&state, &req, &who, &p, id, typed).await?;
        return render(&state, StatusCode::BAD_REQUEST, "staff/board_review", &view);
    }
    let (pid, actor, id2) = (p.id.clone(), who.staff.actor(), id.clone());
    let done = state.db.run(move |c| board::rate(c, &pid, &actor, &id2, &given).map_err(AppError::from)).await?;
    let suffix = who.partnership_suffix(&p);
    match done {
        Ok(_) => Ok(see_other(format!("/staff/reviews/{id}{suffix}#ratings"))),
        Err(Refused::Locked) => {
            typed.whole = Some(
                "This review has been agreed, so its ratings cannot change. Start a new review to rate again.".into(),
            );
            let view = review_view(&state, &req, &who, &p, id, typed).await?;
            render(&state, StatusCode::CONFLICT, "staff/board_review", &view)
        }
        Err(_) => Err(not_found()),
    }
}

pub(super) async fn agree(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<PartnershipQuery>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    crate::routes::form::read_checked(&state, &req, body).await?;
    let p = partnership(&state, &who, &q, &ADMINS).await?;
    let id = path.into_inner();
    let (pid, actor, id2) = (p.id.clone(), who.staff.actor(), id.clone());
    let done = state.db.run(move |c| board::agree(c, &pid, &actor, &id2).map_err(AppError::from)).await?;
    let suffix = who.partnership_suffix(&p);
    let whole = match done {
        Ok(()) => return Ok(see_other(format!("/staff/reviews/{id}{suffix}"))),
        Err(Refused::Locked) => ("This review was agreed already.", StatusCode::CONFLICT),
        Err(Refused::NothingRated) => {
            ("Rate at least one outcome statement before agreeing the review.", StatusCode::BAD_REQUEST)
        }
        Err(_) => return Err(not_found()),
    };
    let typed = RateTyped { whole: Some(whole.0.into()), ..RateTyped::default() };
    let view = review_view(&state, &req, &who, &p, id, typed).await?;
    render(&state, whole.1, "staff/board_review", &view)
}
