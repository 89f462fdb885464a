//! Imports in the browser: a past wave's responses (or its published counts) from a CSV, in
//! four steps, nothing stored until the last:
//!
//! 1. `GET,POST /staff/waves/{slug}/import` — choose the file and what it holds; the file is
//!    kept as an import draft (`models::import_drafts`).
//! 2. `GET /staff/imports/{id}` — the first rows, and for every column what it holds (a
//!    question from the wave, one ticked answer of a multiple-choice question, the audience,
//!    the channel, the day sent, consent, a member code, or nothing), proposed from the
//!    headings (`domain::mapping::guess`, which knows LimeSurvey's and SmartSurvey's
//!    exports) or from the mapping saved for these headings last time; then which answer
//!    each value in a choice column stands for.
//! 3. `POST /staff/imports/{id}/check` — keeps the mapping and shows the dry run: the file
//!    rewritten under the mapping and checked by the same importer as `heard
//!    import-responses`, every problem by row and by the column's own heading.
//! 4. `POST /staff/imports/{id}/import` — all or nothing, in one transaction with its audit
//!    row (`responses.imported` or `counts.imported`); the mapping is saved for next year.
//!
//! Admins and analysts of the wave's partnership only. Files over 20 MB are refused with 413
//! before they are read; a file that is not CSV in UTF-8 is refused with the reason.

use std::collections::{BTreeMap, BTreeSet};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::form::token as csrf;
use super::pages::{Link, PageMeta, render, see_other};
use super::staff::{OwnedWave, SignedIn, owned_wave};
use crate::domain::SurveyDefinition;
use crate::domain::mapping::{self, META, Mapping, Target};
use crate::domain::survey::QuestionKind;
use crate::error::AppError;
use crate::models::account::Role;
use crate::models::import_drafts::{self, ImportDraft};
use crate::models::{StoreError, audit, import};
use crate::state::AppState;
use crate::views::Choice;

/// The largest file taken.
pub const IMPORT_LIMIT: usize = 20 * 1024 * 1024;
/// Rows shown in the preview.
const PREVIEW: usize = 5;
/// Distinct values offered for mapping per column.
const MAX_VALUES: usize = 40;

const EDITORS: [Role; 2] = [Role::Admin, Role::Analyst];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/waves/{slug}/import", web::get().to(start_page))
        .route("/staff/waves/{slug}/import", web::post().to(upload))
        .route("/staff/imports/{id}", web::get().to(mapping_page))
        .route("/staff/imports/{id}/check", web::post().to(check))
        .route("/staff/imports/{id}/import", web::post().to(finish));
}

#[derive(Serialize)]
struct StartView {
    page: PageMeta,
    label: String,
    action: String,
    csrf: String,
    errors: Vec<Link>,
    error: Option<String>,
    counts: bool,
}

async fn start_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&EDITORS)?;
    let slug = path.into_inner();
    let w = owned_wave(&state, &who, &slug).await?;
    let view = StartView {
        page: who.page(&req, &state, "Import past answers").back(format!("/staff/waves/{slug}")),
        label: format!("{} {}", w.def.series.title, w.row.label),
        action: format!("/staff/waves/{slug}/import"),
        csrf: csrf(&state, &req),
        errors: Vec::new(),
        error: None,
        counts: false,
    };
    render(&state, StatusCode::OK, "staff/import_start", &view)
}

/// The headings and rows of an uploaded CSV, or why it cannot be read.
fn read_csv(bytes: &[u8]) -> Result<(Vec<String>, Vec<Vec<String>>), String> {
    let text = std::str::from_utf8(bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes)).map_err(|_| {
        "This file is not text in UTF-8. Save it from your spreadsheet as \u{201c}CSV UTF-8\u{201d} and choose it again."
            .to_owned()
    })?;
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let headings: Vec<String> = rdr
        .headers()
        .map_err(|_| "The first row of this file cannot be read as CSV headings.".to_owned())?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    if headings.iter().all(String::is_empty) {
        return Err("This file has no headings: its first row must name the columns.".into());
    }
    let mut rows = Vec::new();
    for (i, r) in rdr.records().enumerate() {
        let r = r.map_err(|e| format!("Row {} cannot be read as CSV: {e}", i + 2))?;
        rows.push(r.iter().map(str::to_owned).collect());
    }
    Ok((headings, rows))
}

async fn upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&EDITORS)?;
    let slug = path.into_inner();
    let w = owned_wave(&state, &who, &slug).await?;
    let parts = super::upload::read_checked(&state, &req, payload, IMPORT_LIMIT).await?;
    let kind = if parts.text("kind") == "counts" { "counts" } else { "responses" };
    let refuse = |message: String| {
        let view = StartView {
            page: who.page(&req, &state, "Import past answers").back(format!("/staff/waves/{slug}")),
            label: format!("{} {}", w.def.series.title, w.row.label),
            action: format!("/staff/waves/{slug}/import"),
            csrf: csrf(&state, &req),
            errors: vec![Link { href: "#file".into(), text: message.clone() }],
            error: Some(message),
            counts: kind == "counts",
        };
        render(&state, StatusCode::BAD_REQUEST, "staff/import_start", &view)
    };
    let Some(file) = parts.file("file") else {
        return refuse("Choose the CSV file to import.".into());
    };
    if let Err(message) = read_csv(&file.bytes) {
        return refuse(message);
    }
    let name = file.file_name.clone().unwrap_or_else(|| "uploaded file".into());
    let (wave_id, account, body) = (w.row.id.clone(), who.staff.id.to_string(), file.bytes.clone());
    let id = state
        .db
        .run(move |c| import_drafts::create(c, &wave_id, &account, kind, &name, &body).map_err(AppError::from))
        .await?;
    Ok(see_other(format!("/staff/imports/{id}")))
}

/// A waiting import with its file read once for the request.
struct Waiting {
    draft: ImportDraft,
    headings: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl std::ops::Deref for Waiting {
    type Target = ImportDraft;
    fn deref(&self) -> &ImportDraft {
        &self.draft
    }
}

/// A waiting import the person may work on, its file read.
async fn draft_for(state: &AppState, who: &SignedIn, id: &str) -> Result<Waiting, AppError> {
    who.require(&EDITORS)?;
    let key = id.to_owned();
    let found = state.db.run(move |c| import_drafts::get(c, &key).map_err(AppError::from)).await?;
    match found {
        Some(draft) if who.staff.can_see(&draft.partnership_id) => {
            let (headings, rows) = read_csv(&draft.body).map_err(|m| AppError::BadRequest(m.into()))?;
            Ok(Waiting { draft, headings, rows })
        }
        _ => Err(AppError::NotFound(
            "This import is not waiting any more: it was imported, left for over a day, or belongs to another partnership. Start again from the wave's page.".into(),
        )),
    }
}

#[derive(Serialize)]
struct ColumnView {
    index: usize,
    heading: String,
    choices: Vec<Choice>,
    /// Never imported: it names or contacts someone.
    personal: bool,
}

#[derive(Serialize)]
struct ValueRow {
    index: usize,
    /// The value as the file has it (not `raw`: that name is a handlebars helper).
    given: String,
    choices: Vec<Choice>,
}

#[derive(Serialize)]
struct ValueBlock {
    column: usize,
    heading: String,
    question: String,
    rows: Vec<ValueRow>,
}

#[derive(Serialize)]
struct ProblemView {
    row: u64,
    column: String,
    reason: String,
}

#[derive(Serialize)]
struct MappingView {
    page: PageMeta,
    label: String,
    file_name: String,
    counts: bool,
    csrf: String,
    id: String,
    headings: Vec<String>,
    preview: Vec<Vec<String>>,
    total_rows: usize,
    columns: Vec<ColumnView>,
    values: Vec<ValueBlock>,
    /// Where the proposed mapping came from.
    origin: &'static str,
    checked: bool,
    ready: Option<String>,
    problems: Vec<ProblemView>,
    errors: Vec<Link>,
}

fn target_value(t: &Target) -> String {
    match t {
        Target::Ignore => "ignore".into(),
        Target::Meta(m) => format!("meta:{m}"),
        Target::Question(k) => format!("q:{k}"),
        Target::Ticked { key, option } => format!("tick:{key}:{option}"),
    }
}

fn parse_target(v: &str, def: &SurveyDefinition, counts: bool) -> Option<Target> {
    if v == "ignore" {
        return Some(Target::Ignore);
    }
    if let Some(m) = v.strip_prefix("meta:") {
        let known = if counts {
            ["audience", "question", "option", "count"].contains(&m)
        } else {
            META.iter().any(|(k, _)| *k == m)
        };
        return known.then(|| Target::Meta(m.to_owned()));
    }
    if counts {
        return None;
    }
    if let Some(k) = v.strip_prefix("q:") {
        return def.question(k).map(|_| Target::Question(k.to_owned()));
    }
    let (k, o) = v.strip_prefix("tick:")?.split_once(':')?;
    let q = def.question(k)?;
    (q.kind == QuestionKind::MultipleChoice && q.option(o).is_some())
        .then(|| Target::Ticked { key: k.to_owned(), option: o.to_owned() })
}

/// Every target a column can be given, for its select.
fn targets(def: &SurveyDefinition, counts: bool) -> Vec<(String, String)> {
    let mut out = vec![("ignore".to_owned(), "Do not import".to_owned())];
    if counts {
        for (m, n) in
            [("audience", "Audience"), ("question", "Question key"), ("option", "Answer value"), ("count", "Count")]
        {
            out.push((format!("meta:{m}"), n.to_owned()));
        }
        return out;
    }
    for (m, n) in META {
        out.push((format!("meta:{m}"), n.to_owned()));
    }
    for q in &def.questions {
        let first = q.audiences.first().map_or("", String::as_str);
        let title = q.wording(first).map_or_else(|| q.key.to_string(), |w| w.title.clone());
        out.push((format!("q:{}", q.key), format!("{}: {title}", q.key)));
        if q.kind == QuestionKind::MultipleChoice {
            for o in &q.options {
                out.push((
                    format!("tick:{}:{}", q.key, o.value),
                    format!("{}: ticked \u{201c}{}\u{201d}", q.key, o.label(first)),
                ));
            }
        }
    }
    out
}

fn view(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    d: &Waiting,
    w: &OwnedWave,
    (mapping, origin): (&Mapping, &'static str),
    outcome: Option<Result<import::Imported, StoreError>>,
) -> Result<MappingView, AppError> {
    let (def, label) = (&*w.def, format!("{} {}", w.def.series.title, w.row.label));
    let counts = d.kind == "counts";
    let (headings, rows) = (&d.headings, &d.rows);
    let all = targets(def, counts);
    let columns = headings
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let current = mapping.columns.get(i).map_or_else(|| "ignore".to_owned(), target_value);
            ColumnView {
                index: i,
                heading: h.clone(),
                choices: all.iter().map(|(v, t)| Choice::new(v.clone(), t.clone(), &current)).collect(),
                personal: mapping::identifies_someone(h),
            }
        })
        .collect();
    let mut values = Vec::new();
    for (i, t) in mapping.columns.iter().enumerate() {
        let Target::Question(k) = t else { continue };
        let Some(q) = def.question(k) else { continue };
        if !q.kind.has_options() {
            continue;
        }
        let first = q.audiences.first().map_or("", String::as_str);
        let mut seen = BTreeSet::new();
        for r in rows {
            let raw = r.get(i).map_or("", |s| s.trim());
            let parts: Vec<&str> = if q.kind == QuestionKind::MultipleChoice {
                raw.split(['|', ';']).map(str::trim).collect()
            } else {
                vec![raw]
            };
            for p in parts.into_iter().filter(|p| !p.is_empty()) {
                if seen.len() < MAX_VALUES {
                    seen.insert(p.to_owned());
                }
            }
        }
        let rows = seen
            .into_iter()
            .enumerate()
            .map(|(n, raw)| {
                let current = mapping
                    .values
                    .get(&i)
                    .and_then(|m| m.get(&raw).cloned())
                    .or_else(|| mapping::option_by(def, k, &raw))
                    .unwrap_or_default();
                let mut choices = vec![Choice::new("", "Keep as written", &current)];
                choices.extend(
                    q.options
                        .iter()
                        .map(|o| Choice::new(o.value.clone(), format!("{} ({})", o.label(first), o.value), &current)),
                );
                ValueRow { index: n, given: raw, choices }
            })
            .collect();
        values.push(ValueBlock {
            column: i,
            heading: headings.get(i).cloned().unwrap_or_default(),
            question: k.clone(),
            rows,
        });
    }
    let (checked, ready, problems) = match outcome {
        None => (false, None, Vec::new()),
        Some(Ok(done)) => (
            true,
            Some(if counts {
                format!(
                    "{} counts ({} answers) are ready. Nothing is stored until you import them.",
                    done.rows, done.answers
                )
            } else {
                format!(
                    "{} responses with {} answers are ready. Nothing is stored until you import them.",
                    done.rows, done.answers
                )
            }),
            Vec::new(),
        ),
        Some(Err(StoreError::Rejected(r))) => (
            true,
            None,
            r.problems.into_iter().map(|p| ProblemView { row: p.row, column: p.column, reason: p.reason }).collect(),
        ),
        Some(Err(StoreError::Conflict(m))) => {
            (true, None, vec![ProblemView { row: 0, column: String::new(), reason: m }])
        }
        Some(Err(e)) => return Err(e.into()),
    };
    let errors = if problems.is_empty() {
        Vec::new()
    } else {
        vec![Link {
            href: "#problems".into(),
            text: format!("The dry run found {} problems: nothing was stored.", problems.len()),
        }]
    };
    Ok(MappingView {
        page: who
            .page(req, state, format!("Import: {}", d.file_name))
            .back(format!("/staff/waves/{}/import", d.wave_slug)),
        label,
        file_name: d.file_name.clone(),
        counts,
        csrf: csrf(state, req),
        id: d.id.clone(),
        preview: rows.iter().take(PREVIEW).cloned().collect(),
        total_rows: rows.len(),
        headings: headings.clone(),
        columns,
        values,
        origin,
        checked,
        ready,
        problems,
        errors,
    })
}

/// The file rewritten under `mapping`, with problems' columns named by the original headings.
fn converted(d: &Waiting, def: &SurveyDefinition, mapping: &Mapping) -> Result<mapping::Converted, AppError> {
    mapping.apply(def, &d.headings, &d.rows).map_err(AppError::internal)
}

fn rename(
    outcome: Result<import::Imported, StoreError>,
    sources: &BTreeMap<String, Vec<String>>,
) -> Result<import::Imported, StoreError> {
    outcome.map_err(|e| match e {
        StoreError::Rejected(mut r) => {
            for p in &mut r.problems {
                if let Some(from) = sources.get(&p.column) {
                    p.column = from.join(", ");
                }
            }
            StoreError::Rejected(r)
        }
        other => other,
    })
}

async fn mapping_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let d = draft_for(&state, &who, &path).await?;
    let w = owned_wave(&state, &who, &d.wave_slug).await?;
    let headings = &d.headings;
    let sig = import_drafts::signature(headings);
    let pid = d.partnership_id.clone();
    let saved = state.db.run(move |c| import_drafts::saved_mapping(c, &pid, &sig).map_err(AppError::from)).await?;
    let counts = d.kind == "counts";
    let (mapping, origin) = match (&d.mapping, saved) {
        (Some(m), _) if m.fits(headings.len()) => (m.clone(), "yours"),
        (_, Some(m)) if m.fits(headings.len()) => (m, "saved"),
        _ if counts => (
            Mapping {
                columns: headings
                    .iter()
                    .map(|h| {
                        let h = h.to_lowercase();
                        if ["audience", "question", "option", "count"].contains(&h.as_str()) {
                            Target::Meta(h)
                        } else {
                            Target::Ignore
                        }
                    })
                    .collect(),
                values: BTreeMap::new(),
            },
            "guessed",
        ),
        _ => (mapping::guess(&w.def, headings), "guessed"),
    };
    // Once a mapping has been checked, the page shows its dry run.
    let outcome = if d.mapping.is_some() { Some(dry_run(&state, &d, &w.def, &mapping).await?) } else { None };
    let v = view(&state, &req, &who, &d, &w, (&mapping, origin), outcome)?;
    render(&state, StatusCode::OK, "staff/import_mapping", &v)
}

async fn dry_run(
    state: &AppState,
    d: &Waiting,
    def: &SurveyDefinition,
    mapping: &Mapping,
) -> Result<Result<import::Imported, StoreError>, AppError> {
    let mapping::Converted { csv, sources } = converted(d, def, mapping)?;
    let (name, slug, counts, max_text) =
        (d.file_name.clone(), d.wave_slug.clone(), d.kind == "counts", state.settings.max_text_graphemes);
    let outcome = state
        .db
        .run(move |c| -> Result<Result<import::Imported, StoreError>, AppError> {
            Ok(if counts {
                import::check_counts(c, &name, &slug, &csv, true, max_text)
            } else {
                import::check_responses(c, &name, &slug, &csv, max_text)
            })
        })
        .await?;
    Ok(rename(outcome, &sources))
}

/// The mapping the form sends: `col-N` per column, `raw-N-M` / `val-N-M` per value.
fn read_mapping(f: &super::form::Form, def: &SurveyDefinition, n: usize, counts: bool) -> Result<Mapping, AppError> {
    let mut m = Mapping::default();
    for i in 0..n {
        let v = f.get(&format!("col-{i}")).unwrap_or("ignore");
        let t = parse_target(v, def, counts).ok_or_else(|| {
            AppError::BadRequest(
                format!("Column {} was given something this wave does not have: choose again from the list.", i + 1)
                    .into(),
            )
        })?;
        m.columns.push(t);
    }
    for i in 0..n {
        let Some(Target::Question(k)) = m.columns.get(i).cloned() else { continue };
        for j in 0..MAX_VALUES {
            let (Some(raw), Some(val)) = (f.get(&format!("raw-{i}-{j}")), f.get(&format!("val-{i}-{j}"))) else {
                continue;
            };
            if val.is_empty() {
                continue;
            }
            if def.question(&k).and_then(|q| q.option(val)).is_none() {
                return Err(AppError::BadRequest(
                    format!("{val:?} is not an answer to {k}: choose again from the list.").into(),
                ));
            }
            m.values.entry(i).or_default().insert(raw.to_owned(), val.to_owned());
        }
    }
    Ok(m)
}

async fn check(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = super::form::read_checked(&state, &req, body).await?;
    let d = draft_for(&state, &who, &path).await?;
    let w = owned_wave(&state, &who, &d.wave_slug).await?;
    let mapping = read_mapping(&f, &w.def, d.headings.len(), d.kind == "counts")?;
    let id = d.id.clone();
    state.db.run(move |c| import_drafts::set_mapping(c, &id, &mapping).map_err(AppError::from)).await?;
    Ok(see_other(format!("/staff/imports/{}#result", d.id)))
}

async fn finish(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    super::form::read_checked(&state, &req, body).await?;
    let d = draft_for(&state, &who, &path).await?;
    let w = owned_wave(&state, &who, &d.wave_slug).await?;
    let Some(mapping) = d.mapping.clone() else {
        return Ok(see_other(format!("/staff/imports/{}", d.id)));
    };
    let mapping::Converted { csv, sources } = converted(&d, &w.def, &mapping)?;
    let sig = import_drafts::signature(&d.headings);
    let counts = d.kind == "counts";
    let (actor, pid, id, name, slug, max_text) = (
        who.staff.actor(),
        d.partnership_id.clone(),
        d.id.clone(),
        d.file_name.clone(),
        d.wave_slug.clone(),
        state.settings.max_text_graphemes,
    );
    let kept = mapping.clone();
    let outcome = state
        .db
        .run(move |c| -> Result<Result<import::Imported, StoreError>, AppError> {
            let detail = serde_json::json!({"wave": slug, "file": name, "draft": id});
            let action = if counts { audit::Action::CountsImported } else { audit::Action::ResponsesImported };
            let also = |tx: &mut crate::db::DbConnection| -> crate::models::StoreResult<()> {
                import_drafts::save_mapping(tx, &pid, &sig, &kept)?;
                import_drafts::delete(tx, &id)?;
                audit::record(tx, &actor, Some(&pid), action, &detail)
            };
            Ok(if counts {
                import::import_counts_with(c, &name, &slug, &csv, true, max_text, &also)
            } else {
                import::import_responses_with(c, &name, &slug, &csv, max_text, &also)
            })
        })
        .await?;
    match rename(outcome, &sources) {
        Ok(_) => Ok(see_other(format!("/staff/waves/{}/results", w.def.wave.slug))),
        Err(e @ (StoreError::Rejected(_) | StoreError::Conflict(_))) => {
            let v = view(&state, &req, &who, &d, &w, (&mapping, "yours"), Some(Err(e)))?;
            render(&state, StatusCode::BAD_REQUEST, "staff/import_mapping", &v)
        }
        Err(e) => Err(e.into()),
    }
}
