//! Paper: a printable, large-print, easy-read version of any audience's survey made from the
//! same definition (`/staff/waves/{slug}/paper/{audience}`), and a keyboard-first screen for
//! typing paper forms in (`/staff/waves/{slug}/paper-entry`), with an optional second-person
//! check (`/staff/waves/{slug}/paper-check`).
//!
//! Each box on the paper form carries a small number; staff type those numbers (`2`, or
//! `1 3` for several), so a whole form is typed without touching the mouse. Blank means not
//! answered: paper cannot insist on an answer, so required questions may be blank too.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::form::{Form, read_checked, token as csrf};
use super::pages::see_other;
use super::pages::{Link, PageMeta, render};
use super::staff::{OwnedWave, SignedIn, not_found, owned_wave};
use crate::domain::survey::{Question, QuestionKind};
use crate::domain::{AnswerValue, Answers};
use crate::error::AppError;
use crate::models::account::Role;
use crate::models::paper::{self, Typed};
use crate::models::{StoreError, audit};
use crate::state::AppState;

const TYPISTS: [Role; 3] = [Role::Admin, Role::Analyst, Role::Facilitator];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/waves/{slug}/paper/{audience}", web::get().to(printable))
        .route("/staff/waves/{slug}/paper-entry", web::get().to(entry_page))
        .route("/staff/waves/{slug}/paper-entry", web::post().to(entry_post))
        .route("/staff/waves/{slug}/paper-check", web::get().to(check_list))
        .route("/staff/waves/{slug}/paper-check/{id}", web::get().to(check_page))
        .route("/staff/waves/{slug}/paper-check/{id}", web::post().to(check_post));
}

// ---------------------------------------------------------------------------------------
// The printable version.

#[derive(Serialize)]
struct PaperOption {
    number: usize,
    label: String,
    symbol: Option<String>,
}

#[derive(Serialize)]
struct PaperQuestion {
    number: usize,
    key: String,
    /// A grid statement's grid question ("How much do you agree?"), printed above it.
    caption: Option<String>,
    title: String,
    hint: String,
    symbol: Option<String>,
    symbol_alt: String,
    instruction: String,
    routing: Option<String>,
    options: Vec<PaperOption>,
    lines: Vec<u8>,
    number_boxes: bool,
}

#[derive(Serialize)]
struct PaperView {
    page: PageMeta,
    heading: String,
    intro: Vec<String>,
    questions: Vec<PaperQuestion>,
    consent_number: usize,
    consent_title: String,
    consent_hint: String,
    consent_yes: String,
    consent_no: String,
    consent_symbol: String,
    languages: Vec<Link>,
    lang: String,
    dir: &'static str,
}

#[derive(serde::Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

async fn printable(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    query: web::Query<LangQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&[Role::Admin, Role::Analyst, Role::Viewer, Role::Facilitator])?;
    let (slug, audience) = path.into_inner();
    let w = owned_wave(&state, &who, &slug).await?;
    let a = w.def.audience(&audience).ok_or_else(not_found)?.clone();
    let langs = w.def.languages_for(&audience);
    let lang = query.lang.clone().filter(|l| langs.contains(l)).unwrap_or_else(|| crate::i18n::DEFAULT_LANG.to_owned());
    let t = |k: &str| crate::i18n::text(&lang, k).to_owned();
    let all: Vec<&Question> = w.def.questions_for(&audience).collect();
    let number_of = |key: &str| all.iter().position(|q| q.key.as_str() == key).map(|i| i + 1);
    let questions = all
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let wording = w.def.wording_in(q, &audience, &lang);
            let routing = q.show_if.as_ref().map(|r| {
                let labels: Vec<String> = r
                    .any_of
                    .iter()
                    .filter_map(|v| w.def.question(&r.question).and_then(|e| e.option(v).map(|o| (e, o))))
                    .map(|(e, o)| w.def.label_in(e, o, &audience, &lang))
                    .collect();
                format!(
                    "Only answer this if you ticked \u{201c}{}\u{201d} at question {}.",
                    labels.join("\u{201d} or \u{201c}"),
                    number_of(&r.question).unwrap_or(0)
                )
            });
            PaperQuestion {
                number: i + 1,
                key: q.key.to_string(),
                caption: q.grid.as_ref().map(|g| w.def.grid_wording_in(g, &audience, &lang).title),
                title: wording.title,
                hint: wording.hint,
                symbol: q
                    .symbol
                    .as_ref()
                    .filter(|s| crate::templates::Templates::has_symbol(&s.image))
                    .map(|s| s.image.clone()),
                symbol_alt: w.def.symbol_alt_in(q, &audience, &lang).unwrap_or_default(),
                instruction: match q.kind {
                    QuestionKind::MultipleChoice => t("choose_all"),
                    k if k.has_options() => "Tick one box.".to_owned(),
                    QuestionKind::Number => "Write a number in the boxes.".to_owned(),
                    _ => "Write your answer on the lines.".to_owned(),
                },
                routing,
                options: q
                    .options
                    .iter()
                    .enumerate()
                    .map(|(j, o)| PaperOption {
                        number: j + 1,
                        label: w.def.label_in(q, o, &audience, &lang),
                        symbol: o
                            .symbol
                            .as_ref()
                            .filter(|s| crate::templates::Templates::has_symbol(&s.image))
                            .map(|s| s.image.clone()),
                    })
                    .collect(),
                lines: match q.kind {
                    // Room to write: five lines at the least, more for a long answer.
                    QuestionKind::LongText | QuestionKind::SayOrShow => vec![0; 8],
                    QuestionKind::ShortText => vec![0; 5],
                    _ => vec![],
                },
                number_boxes: q.kind == QuestionKind::Number,
            }
        })
        .collect();
    let intro = w
        .def
        .translation(&audience, &lang)
        .map(|tr| tr.intro.clone())
        .filter(|i| !i.is_empty())
        .unwrap_or(a.intro.clone());
    let mut page = who
        .page(&req, &state, format!("Paper version: {}, {}", w.def.series.title, a.name))
        .back(format!("/staff/waves/{slug}"));
    page.staff_stylesheet = Some(state.templates.staff_stylesheet.url.clone());
    page.scripts.push(state.templates.script_url("print"));
    let view = PaperView {
        page,
        heading: w
            .def
            .translation(&audience, &lang)
            .and_then(|tr| tr.series_title.clone())
            .unwrap_or_else(|| w.def.series.title.clone()),
        intro,
        consent_number: all.len() + 1,
        consent_title: t("consent_title"),
        consent_hint: t("consent_1"),
        consent_yes: t("consent_yes"),
        consent_no: t("consent_no"),
        consent_symbol: t("consent_symbol"),
        languages: langs
            .iter()
            .filter(|l| **l != lang)
            .filter_map(|l| crate::i18n::catalogue(l))
            .map(|c| Link {
                href: format!("/staff/waves/{slug}/paper/{audience}?lang={}", c.language),
                text: c.name.clone(),
            })
            .collect(),
        dir: crate::i18n::dir(&lang),
        lang,
        questions,
    };
    render(&state, StatusCode::OK, "staff/paper", &view)
}

// ---------------------------------------------------------------------------------------
// Typing paper forms in.

#[derive(Serialize)]
struct EntryField {
    name: String,
    label: String,
    legend: String,
    value: String,
    error: Option<String>,
    numeric: bool,
    long: bool,
}

#[derive(Serialize)]
struct EntryView {
    page: PageMeta,
    action: String,
    csrf: String,
    audience: String,
    audiences: Vec<Link>,
    form_ref: String,
    form_ref_error: Option<String>,
    fields: Vec<EntryField>,
    consent: String,
    consent_error: Option<String>,
    double: bool,
    saved: Option<String>,
    errors: Vec<Link>,
    differences: Vec<String>,
    checking: bool,
    paper_link: String,
    check_link: String,
}

/// The legend of a choice question's numbers: "1 Yes · 2 Sometimes · 3 No".
fn legend(w: &OwnedWave, q: &Question, audience: &str) -> String {
    let mut parts: Vec<String> =
        q.options.iter().enumerate().map(|(i, o)| format!("{} {}", i + 1, o.label(audience))).collect();
    if q.kind == QuestionKind::MultipleChoice {
        parts.push("several: 1 3".into());
    }
    let _ = w;
    parts.join(" · ")
}

fn field_name(q: &Question) -> String {
    format!("q-{}", q.key)
}

/// Reads a typed form into answers, or the problems field by field.
struct Parsed {
    form_ref: String,
    answers: Answers,
    consent: bool,
    problems: Vec<(String, String)>,
}

fn parse(w: &OwnedWave, audience: &str, form: &Form) -> Parsed {
    let mut problems = Vec::new();
    let form_ref: String = form.get("form_ref").unwrap_or("").trim().chars().take(41).collect();
    if form_ref.is_empty() {
        problems.push(("form_ref".into(), "Type the form's number (written at the top of the paper form).".into()));
    } else if form_ref.chars().count() > 40 || form_ref.chars().any(char::is_control) {
        problems.push(("form_ref".into(), "A form number is at most 40 letters and digits, like P-014.".into()));
    }
    let mut answers = Answers::new();
    for q in w.def.questions_for(audience) {
        let name = field_name(q);
        let raw = form.get(&name).unwrap_or("").trim().to_owned();
        if raw.is_empty() {
            continue;
        }
        let values: Result<Vec<String>, String> = if q.kind.has_options() {
            raw.split(|c: char| c.is_whitespace() || c == ',')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    p.parse::<usize>()
                        .ok()
                        .and_then(|n| n.checked_sub(1))
                        .and_then(|i| q.options.get(i))
                        .map(|o| o.value.clone())
                        .ok_or_else(|| format!("Type the number beside the ticked box, from 1 to {}.", q.options.len()))
                })
                .collect()
        } else {
            Ok(vec![raw.clone()])
        };
        match values.and_then(|v| {
            let refs: Vec<&str> = v.iter().map(String::as_str).collect();
            AnswerValue::from_form(q, &refs).map_err(|e| e.to_string())
        }) {
            Ok(Some(v)) => {
                answers.insert(q.key.to_string(), v);
            }
            Ok(None) => {}
            Err(e) => problems.push((name, e)),
        }
    }
    w.def.prune(audience, &mut answers);
    let consent = match form.get("consent").unwrap_or("").trim() {
        "1" => true,
        "" | "2" => false,
        _ => {
            problems.push((
                "consent".into(),
                "Type 1 if they ticked yes to sharing their words, 2 or nothing if not.".into(),
            ));
            false
        }
    };
    Parsed { form_ref, answers, consent, problems }
}

#[allow(clippy::too_many_arguments)]
fn entry_view(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    w: &OwnedWave,
    audience: &str,
    form: Option<&Form>,
    problems: &[(String, String)],
    saved: Option<String>,
    checking: Option<(String, String)>,
    differences: Vec<String>,
) -> EntryView {
    let problem = |name: &str| problems.iter().find(|(n, _)| n == name).map(|(_, m)| m.clone());
    let typed = |name: &str| {
        form.and_then(|f| f.get(name))
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_control() || *c == '\n')
            .take(2000)
            .collect::<String>()
    };
    let fields: Vec<EntryField> = w
        .def
        .questions_for(audience)
        .enumerate()
        .map(|(i, q)| {
            let name = field_name(q);
            EntryField {
                label: format!(
                    "{}. {}{}",
                    i + 1,
                    q.grid
                        .as_ref()
                        .and_then(|g| g.wording.get(audience))
                        .map(|g| format!("{} \u{2014} ", g.title))
                        .unwrap_or_default(),
                    q.wording(audience).map(|t| t.title.clone()).unwrap_or_default()
                ),
                legend: if q.kind.has_options() {
                    legend(w, q, audience)
                } else if q.kind == QuestionKind::Number {
                    "a number".into()
                } else {
                    "their words, as written".into()
                },
                value: typed(&name),
                error: problem(&name),
                numeric: q.kind.has_options() || q.kind == QuestionKind::Number,
                long: q.kind.is_long(),
                name,
            }
        })
        .collect();
    let mut errors: Vec<Link> = problems.iter().map(|(n, m)| Link { href: format!("#{n}"), text: m.clone() }).collect();
    errors.dedup_by(|a, b| a.href == b.href);
    let (title, action) = match &checking {
        Some((id, form_ref)) => {
            (format!("Second typing of form {form_ref}"), format!("/staff/waves/{}/paper-check/{id}", w.row.slug))
        }
        None => {
            ("Type in paper forms".to_owned(), format!("/staff/waves/{}/paper-entry?audience={audience}", w.row.slug))
        }
    };
    EntryView {
        page: who.page(req, state, title).back(format!("/staff/waves/{}", w.row.slug)).with_error(!problems.is_empty()),
        action,
        csrf: csrf(state, req),
        audience: w.def.audience(audience).map(|a| a.name.clone()).unwrap_or_default(),
        audiences: w
            .def
            .audiences
            .iter()
            .filter(|a| a.key.as_str() != audience)
            .map(|a| Link {
                href: format!("/staff/waves/{}/paper-entry?audience={}", w.row.slug, a.key),
                text: format!("Type in {} forms", a.name.to_lowercase()),
            })
            .collect(),
        form_ref: checking.as_ref().map(|(_, r)| r.clone()).unwrap_or_else(|| typed("form_ref")),
        form_ref_error: problem("form_ref"),
        fields,
        consent: typed("consent"),
        consent_error: problem("consent"),
        double: form.is_some_and(|f| f.get("double").is_some()),
        saved,
        errors,
        differences,
        checking: checking.is_some(),
        paper_link: format!("/staff/waves/{}/paper/{audience}", w.row.slug),
        check_link: format!("/staff/waves/{}/paper-check", w.row.slug),
    }
}

#[derive(serde::Deserialize)]
struct EntryQuery {
    audience: Option<String>,
    saved: Option<String>,
}

fn audience_of(w: &OwnedWave, wanted: Option<&str>) -> Result<String, AppError> {
    match wanted {
        Some(a) => w.def.audience(a).map(|a| a.key.to_string()).ok_or_else(not_found),
        None => w.def.audiences.first().map(|a| a.key.to_string()).ok_or_else(not_found),
    }
}

async fn entry_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<EntryQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&TYPISTS)?;
    let w = owned_wave(&state, &who, &path).await?;
    let audience = audience_of(&w, query.audience.as_deref())?;
    let saved = query.saved.clone().map(|r| r.chars().take(60).collect());
    render(
        &state,
        StatusCode::OK,
        "staff/paper_entry",
        &entry_view(&state, &req, &who, &w, &audience, None, &[], saved, None, vec![]),
    )
}

fn typed_of(w: &OwnedWave, audience: &str, p: Parsed, by: &str) -> Typed {
    Typed {
        wave_id: w.row.id.clone(),
        audience: audience.to_owned(),
        form_ref: p.form_ref,
        answers: p.answers,
        consent: p.consent,
        by: by.to_owned(),
    }
}

async fn entry_post(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<EntryQuery>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let form = read_checked(&state, &req, body).await?;
    who.require(&TYPISTS)?;
    let w = owned_wave(&state, &who, &path).await?;
    let audience = audience_of(&w, query.audience.as_deref())?;
    let parsed = parse(&w, &audience, &form);
    if !parsed.problems.is_empty() {
        let view = entry_view(&state, &req, &who, &w, &audience, Some(&form), &parsed.problems, None, None, vec![]);
        return render(&state, StatusCode::BAD_REQUEST, "staff/paper_entry", &view);
    }
    let double = form.get("double").is_some();
    let typed = typed_of(&w, &audience, parsed, &who.staff.email);
    let (staff, pid, form_ref) = (who.staff.clone(), w.partnership_id.clone(), typed.form_ref.clone());
    let outcome = state
        .db
        .write(move |c| -> Result<(), StoreError> {
            if double {
                paper::hold(c, &typed)?;
            } else {
                paper::store(c, &typed)?;
            }
            audit::record(
                c,
                &staff.actor(),
                Some(&pid),
                if double { audit::Action::PaperHeld } else { audit::Action::PaperStored },
                &serde_json::json!({"form": typed.form_ref}),
            )?;
            Ok(())
        })
        .await;
    match outcome {
        Ok(()) => Ok(see_other(format!(
            "/staff/waves/{}/paper-entry?audience={audience}&saved={}",
            w.row.slug,
            urlencoding::encode(&form_ref)
        ))),
        Err(StoreError::Conflict(msg)) => {
            let view = entry_view(
                &state,
                &req,
                &who,
                &w,
                &audience,
                Some(&form),
                &[("form_ref".into(), msg)],
                None,
                None,
                vec![],
            );
            render(&state, StatusCode::CONFLICT, "staff/paper_entry", &view)
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------
// The second-person check.

#[derive(Serialize)]
struct PendingItem {
    form_ref: String,
    audience: String,
    by: String,
    at: String,
    href: Option<String>,
}

#[derive(Serialize)]
struct CheckListView {
    page: PageMeta,
    items: Vec<PendingItem>,
}

async fn check_list(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&TYPISTS)?;
    let w = owned_wave(&state, &who, &path).await?;
    let id = w.row.id.clone();
    let list = state.db.run(move |c| paper::pending(c, &id).map_err(AppError::from)).await?;
    let view = CheckListView {
        page: who
            .page(&req, &state, "Paper forms waiting for a second typing")
            .back(format!("/staff/waves/{}", w.row.slug)),
        items: list
            .into_iter()
            .map(|e| PendingItem {
                audience: w.def.audience(&e.audience).map(|a| a.name.clone()).unwrap_or(e.audience.clone()),
                at: e.entered_at.format("%-d %b %Y %H:%M").to_string(),
                href: (e.entered_by != who.staff.email)
                    .then(|| format!("/staff/waves/{}/paper-check/{}", w.row.slug, e.id)),
                form_ref: e.form_ref,
                by: e.entered_by,
            })
            .collect(),
    };
    render(&state, StatusCode::OK, "staff/paper_check", &view)
}

async fn pending_entry(state: &AppState, who: &SignedIn, w: &OwnedWave, id: &str) -> Result<paper::Entry, AppError> {
    let (wave_id, eid) = (w.row.id.clone(), id.to_owned());
    let e =
        state.db.run(move |c| paper::find(c, &wave_id, &eid).map_err(AppError::from)).await?.ok_or_else(not_found)?;
    if e.stored {
        return Err(AppError::Conflict(format!("Form {} has been checked and stored already.", e.form_ref).into()));
    }
    if e.entered_by == who.staff.email {
        return Err(AppError::Forbidden(
            format!(
                "You typed form {} the first time, so someone else needs to type it again to check it.",
                e.form_ref
            )
            .into(),
        ));
    }
    Ok(e)
}

async fn check_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&TYPISTS)?;
    let (slug, id) = path.into_inner();
    let w = owned_wave(&state, &who, &slug).await?;
    let e = pending_entry(&state, &who, &w, &id).await?;
    let view = entry_view(
        &state,
        &req,
        &who,
        &w,
        &e.audience,
        None,
        &[],
        None,
        Some((e.id.clone(), e.form_ref.clone())),
        vec![],
    );
    render(&state, StatusCode::OK, "staff/paper_entry", &view)
}

async fn check_post(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let form = read_checked(&state, &req, body).await?;
    who.require(&TYPISTS)?;
    let (slug, id) = path.into_inner();
    let w = owned_wave(&state, &who, &slug).await?;
    let e = pending_entry(&state, &who, &w, &id).await?;
    let mut parsed = parse(&w, &e.audience, &form);
    parsed.form_ref = e.form_ref.clone();
    parsed.problems.retain(|(n, _)| n != "form_ref");
    let checking = Some((e.id.clone(), e.form_ref.clone()));
    if !parsed.problems.is_empty() {
        let view =
            entry_view(&state, &req, &who, &w, &e.audience, Some(&form), &parsed.problems, None, checking, vec![]);
        return render(&state, StatusCode::BAD_REQUEST, "staff/paper_entry", &view);
    }
    // Compare with the first typing, unless the checker has already settled the differences.
    let first = e.answers();
    let mut differences = Vec::new();
    for q in w.def.questions_for(&e.audience) {
        let (a, b) = (first.get(q.key.as_str()), parsed.answers.get(q.key.as_str()));
        if a != b {
            let show =
                |v: Option<&AnswerValue>| v.map(|v| v.describe(q, &e.audience)).unwrap_or_else(|| "(blank)".into());
            differences.push(format!(
                "{}: first typing {}, second typing {}",
                q.wording(&e.audience).map(|t| t.title.clone()).unwrap_or_default(),
                show(a),
                show(b)
            ));
        }
    }
    if e.consent_to_quote != parsed.consent {
        differences.push(format!(
            "Sharing their words: first typing {}, second typing {}",
            if e.consent_to_quote { "yes" } else { "no" },
            if parsed.consent { "yes" } else { "no" }
        ));
    }
    if !differences.is_empty() && form.get("settled").is_none() {
        let view = entry_view(&state, &req, &who, &w, &e.audience, Some(&form), &[], None, checking, differences);
        return render(&state, StatusCode::CONFLICT, "staff/paper_entry", &view);
    }
    let typed = typed_of(&w, &e.audience, parsed, &who.staff.email);
    let (staff, pid, eid, form_ref, settled) =
        (who.staff.clone(), w.partnership_id.clone(), e.id.clone(), e.form_ref.clone(), !differences.is_empty());
    state
        .db
        .write(move |c| -> Result<(), AppError> {
            paper::complete(c, &eid, &typed)?;
            audit::record(
                c,
                &staff.actor(),
                Some(&pid),
                audit::Action::PaperChecked,
                &serde_json::json!({"form": form_ref, "settled_differences": settled}),
            )?;
            Ok(())
        })
        .await?;
    Ok(see_other(format!("/staff/waves/{slug}/paper-check")))
}
