//! A wave in the builder: its questions in order, each with Edit, Move up, Move down,
//! Duplicate and Delete (buttons, so it works with scripts off), "Add a question" of any
//! type, and the wave's definition as a `heard-survey/1` file.

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::{Refusal, buildable, save};
use crate::domain::survey::build;
use crate::domain::survey::{QuestionKind, SurveyDefinition};
use crate::error::AppError;
use crate::models::survey;
use crate::routes::form::token as csrf;
use crate::routes::pages::{Link, PageMeta, render, see_other};
use crate::routes::staff::{OwnedWave, SignedIn};
use crate::state::AppState;
use crate::views::Choice;

/// A question type's name in the builder.
pub(super) fn kind_name(kind: QuestionKind) -> &'static str {
    match kind {
        QuestionKind::SingleChoice => "One answer from a list",
        QuestionKind::MultipleChoice => "Any answers from a list",
        QuestionKind::FaceScale => "Faces (five from sad to happy)",
        QuestionKind::YesSometimesNo => "Yes, sometimes or no",
        QuestionKind::ShortText => "A short written answer",
        QuestionKind::LongText => "A longer written answer",
        QuestionKind::Number => "A number",
        QuestionKind::SayOrShow => "Say it or show it: words, a voice recording or a picture",
    }
}

/// What the builder calls a grid.
pub(super) const GRID_NAME: &str = "A grid: several statements on one scale (\u{201c}How much do you agree?\u{201d})";

/// Every type to choose from; `grid` when a grid is chosen.
pub(super) fn kind_choices(selected: Option<QuestionKind>, grid: bool) -> Vec<Choice> {
    let mut out: Vec<Choice> = QuestionKind::ALL
        .iter()
        .map(|k| Choice {
            value: k.as_str().to_owned(),
            text: kind_name(*k).to_owned(),
            selected: !grid && Some(*k) == selected,
        })
        .collect();
    out.push(Choice { value: crate::domain::survey::GRID_TYPE.to_owned(), text: GRID_NAME.to_owned(), selected: grid });
    out
}

#[derive(Serialize)]
struct Wording {
    audience: String,
    title: String,
}

#[derive(Serialize)]
struct Row {
    n: usize,
    key: String,
    kind: &'static str,
    wording: Vec<Wording>,
    routing: Option<String>,
    tags: String,
    required: bool,
    first: bool,
    last: bool,
    /// A grid's statements, in the first audience's words.
    statements: Vec<String>,
}

#[derive(Serialize)]
struct BuildView {
    page: PageMeta,
    csrf: String,
    version: String,
    slug: String,
    label: String,
    series: String,
    status: String,
    responses: i64,
    locked: bool,
    audiences: Vec<String>,
    questions: Vec<Row>,
    kinds: Vec<Choice>,
    notice: Option<String>,
    error: Option<String>,
    errors: Vec<Link>,
    previews: Vec<Link>,
    /// Questions of the partnership's other waves this wave does not ask yet.
    bank: Vec<Choice>,
}

#[derive(Deserialize)]
pub(super) struct BuildQuery {
    said: Option<String>,
}

fn rows(def: &SurveyDefinition) -> Vec<Row> {
    let name = |a: &str| def.audience(a).map_or(a.to_owned(), |x| x.name.clone());
    // One row per question, and one per grid (its statements listed in it).
    let mut units: Vec<(&crate::domain::survey::Question, Vec<String>)> = Vec::new();
    for q in &def.questions {
        let first = q.audiences.first().map_or("", String::as_str);
        let words = q.wording(first).map(|w| format!("{} ({})", w.title, q.key)).unwrap_or_default();
        match units.last_mut() {
            Some((head, list)) if q.grid.is_some() && head.grid_key() == q.grid_key() => list.push(words),
            _ => units.push((q, if q.grid.is_some() { vec![words] } else { Vec::new() })),
        }
    }
    let count = units.len();
    units
        .into_iter()
        .enumerate()
        .map(|(i, (q, statements))| Row {
            n: i + 1,
            key: q.grid_key().unwrap_or(q.key.as_str()).to_owned(),
            kind: if q.grid.is_some() { GRID_NAME } else { kind_name(q.kind) },
            wording: q
                .audiences
                .iter()
                .filter_map(|a| q.head_wording().get(a).map(|w| Wording { audience: name(a), title: w.title.clone() }))
                .collect(),
            statements,
            routing: q.show_if.as_ref().map(|s| {
                let labels: Vec<String> = s
                    .any_of
                    .iter()
                    .map(|v| {
                        def.question(&s.question)
                            .and_then(|e| e.option(v))
                            .map_or(v.clone(), |o| o.label(q.audiences.first().map_or("", String::as_str)).to_owned())
                    })
                    .collect();
                format!("Only when {} is answered {}", s.question, labels.join(" or "))
            }),
            tags: q.priorities.iter().chain(&q.values).chain(&q.outcomes).cloned().collect::<Vec<_>>().join(", "),
            required: q.required,
            first: i == 0,
            last: i + 1 == count,
        })
        .collect()
}

async fn build_view(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    w: &OwnedWave,
    def: &SurveyDefinition,
    notice: Option<String>,
    error: Option<String>,
) -> Result<BuildView, AppError> {
    let id = w.row.id.clone();
    let responses = state.db.run(move |c| survey::response_count(c, &id).map_err(AppError::from)).await?;
    let slug = w.row.slug.clone();
    let waves = super::bank::waves_of(state, who).await?;
    let bank: Vec<Choice> = crate::domain::survey::bank::collect(&super::bank::banked(&waves))
        .into_iter()
        .filter(|e| def.question(&e.key).is_none())
        .map(|e| {
            let last = e.uses.first();
            let words = last.and_then(|u| u.wording.first()).map_or("", |w| w.title.as_str());
            let when = last.map_or(String::new(), |u| format!(" ({} {})", u.series, u.label));
            Choice { text: format!("{}: {words}{when}", e.key), value: e.key, selected: false }
        })
        .collect();
    let mut page = who
        .page(req, state, format!("Build: {} {}", def.series.title, w.row.label))
        .back(format!("/staff/waves/{slug}"))
        .with_error(error.is_some());
    page.scripts.extend(Some(state.templates.script_url("builder")).filter(|u| !u.is_empty()));
    Ok(BuildView {
        page,
        csrf: csrf(state, req),
        version: w.row.definition_hash.clone(),
        label: w.row.label.clone(),
        series: def.series.title.clone(),
        status: w.row.status.clone(),
        responses,
        locked: responses > 0,
        audiences: def.audiences.iter().map(|a| a.name.clone()).collect(),
        questions: rows(def),
        kinds: kind_choices(None, false),
        notice,
        errors: error.iter().map(|e| Link { href: "#questions".into(), text: e.clone() }).collect(),
        error,
        previews: def
            .audiences
            .iter()
            .map(|a| Link {
                href: format!("/staff/waves/{slug}/preview/{}/1", a.key),
                text: format!("Preview as {}", a.name),
            })
            .collect(),
        bank,
        slug,
    })
}

/// The builder again, saying why the last change was refused.
pub(super) async fn refused_page(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    w: &OwnedWave,
    message: String,
) -> Result<HttpResponse, AppError> {
    let def = w.def.clone();
    let view = build_view(state, req, who, w, &def, None, Some(message)).await?;
    render(state, StatusCode::CONFLICT, "staff/build", &view)
}

pub(super) async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<BuildQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let w = buildable(&state, &who, &path).await?;
    let notice = match q.said.as_deref() {
        Some("created") => Some("Your survey has started. Add its first question below.".to_owned()),
        Some("saved") => Some("Saved.".to_owned()),
        Some("moved") => Some("Moved.".to_owned()),
        Some("duplicated") => Some("Copied. The copy is just after the question, with a key of its own.".to_owned()),
        Some("deleted") => Some("Deleted.".to_owned()),
        Some("banked") => Some(
            "Added from the bank with its key, so the years can be compared. Check its words fit this year.".to_owned(),
        ),
        _ => None,
    };
    let def = w.def.clone();
    let view = build_view(&state, &req, &who, &w, &def, notice, None).await?;
    render(&state, StatusCode::OK, "staff/build", &view)
}

/// The wave's definition as it is stored: the file that, uploaded again, changes nothing.
pub(super) async fn definition(
    state: web::Data<AppState>,
    path: web::Path<String>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let w = buildable(&state, &who, &path).await?;
    let id = w.row.id.clone();
    let text = state.db.run(move |c| survey::wave_definition(c, &id).map_err(AppError::from)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "application/toml; charset=utf-8"))
        .insert_header((CONTENT_DISPOSITION, crate::exports::attachment(&w.row.slug, "toml")))
        .insert_header((CACHE_CONTROL, "no-store"))
        .body(text))
}

/// One of the list's buttons: the edit, then the builder again (or the reason it was refused).
async fn edit(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    w: &OwnedWave,
    version: &str,
    (change, said): (serde_json::Value, &str),
    made: Result<SurveyDefinition, build::BuildError>,
) -> Result<HttpResponse, AppError> {
    // The list the person acted on must be the one saved now.
    let made =
        if version == w.row.definition_hash { made } else { Err(build::BuildError::Refused(survey::STALE.to_owned())) };
    let refused = match made {
        Ok(def) => match save(state, who, w, version, def, change).await? {
            Ok(()) => return Ok(see_other(format!("/staff/waves/{}/build?said={said}", w.row.slug))),
            Err(r @ Refusal::Stale(_)) => (StatusCode::CONFLICT, r.message()),
            Err(r) => (StatusCode::CONFLICT, r.message()),
        },
        Err(e) => (StatusCode::CONFLICT, e.to_string()),
    };
    let def = w.def.clone();
    let view = build_view(state, req, who, w, &def, None, Some(refused.1)).await?;
    render(state, refused.0, "staff/build", &view)
}

pub(super) async fn move_question(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let (f, w, key) = super::posted(&state, &req, path, body, &who).await?;
    // `to`: a place in the list (dragged there, with scripts on); else one place up or down.
    if let Some(to) = f.get("to") {
        let Ok(to) = to.trim().parse::<usize>() else {
            return Err(AppError::BadRequest("Say which place in the list to move the question to, like 3.".into()));
        };
        let made = build::move_to(&w.def, &key, to);
        let change = serde_json::json!({"moved": key, "to": to});
        return edit(&state, &req, &who, &w, f.get("version").unwrap_or(""), (change, "moved"), made).await;
    }
    let up = match f.get("direction") {
        Some("up") => true,
        Some("down") => false,
        _ => return Err(AppError::BadRequest("Choose whether to move the question up or down.".into())),
    };
    let made = build::move_question(&w.def, &key, up);
    let change = serde_json::json!({"moved": key, "up": up});
    edit(&state, &req, &who, &w, f.get("version").unwrap_or(""), (change, "moved"), made).await
}

pub(super) async fn duplicate(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let (f, w, key) = super::posted(&state, &req, path, body, &who).await?;
    let made = build::duplicate_question(&w.def, &key);
    edit(
        &state,
        &req,
        &who,
        &w,
        f.get("version").unwrap_or(""),
        (serde_json::json!({"duplicated": key}), "duplicated"),
        made,
    )
    .await
}

pub(super) async fn delete(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let (f, w, key) = super::posted(&state, &req, path, body, &who).await?;
    let made = build::delete_question(&w.def, &key);
    edit(&state, &req, &who, &w, f.get("version").unwrap_or(""), (serde_json::json!({"deleted": key}), "deleted"), made)
        .await
}

#[derive(Serialize)]
struct DeleteView {
    page: PageMeta,
    csrf: String,
    version: String,
    slug: String,
    key: String,
    wording: Vec<Wording>,
}

/// "Are you sure?" before a question is deleted (nothing is deleted until yes).
pub(super) async fn confirm_delete(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let (slug, key) = path.into_inner();
    let w = buildable(&state, &who, &slug).await?;
    // A question, or a grid (named by its key): the grid's words, then each statement's.
    let range = build::span(&w.def, &key).map_err(|_| crate::routes::staff::not_found())?;
    let q = &w.def.questions[range.start];
    let id = w.row.id.clone();
    let responses = state.db.run(move |c| survey::response_count(c, &id).map_err(AppError::from)).await?;
    if responses > 0 {
        let message = format!(
            "This wave has {responses} {}, so no question can be deleted: that would change what people answered.",
            if responses == 1 { "response" } else { "responses" }
        );
        return refused_page(&state, &req, &who, &w, message).await;
    }
    let name = |a: &str| w.def.audience(a).map_or(a.to_owned(), |x| x.name.clone());
    let view = DeleteView {
        page: who.page(&req, &state, format!("Delete question {key}?")).back(format!("/staff/waves/{slug}/build")),
        csrf: csrf(&state, &req),
        version: w.row.definition_hash.clone(),
        wording: q
            .audiences
            .iter()
            .filter_map(|a| q.head_wording().get(a).map(|x| Wording { audience: name(a), title: x.title.clone() }))
            .chain(w.def.questions[range.clone()].iter().filter(|s| s.grid.is_some()).map(|s| {
                Wording {
                    audience: format!("Statement {}", s.key),
                    title: s
                        .wording(s.audiences.first().map_or("", String::as_str))
                        .map(|x| x.title.clone())
                        .unwrap_or_default(),
                }
            }))
            .collect(),
        key: q.grid_key().unwrap_or(q.key.as_str()).to_owned(),
        slug: w.row.slug.clone(),
    };
    render(&state, StatusCode::OK, "staff/build_delete", &view)
}
