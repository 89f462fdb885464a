//! Translations side by side: each audience's version in each language Heard speaks, how
//! complete it is and whether a machine drafted it, and a form with the English beside the
//! translation for every field, the easy-read checker's language-independent advice beside
//! the words it is about. Saved through the same [`super::save`] as every builder edit; a
//! wave with responses still takes translation fixes.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::{Field, Refusal, buildable, save};
use crate::domain::easyread::{self, Reader};
use crate::domain::survey::build::{self, FieldError};
use crate::domain::survey::{SurveyDefinition, Translation};
use crate::error::AppError;
use crate::routes::form::{read_checked, token as csrf};
use crate::routes::pages::{Link, PageMeta, render, see_other};
use crate::routes::staff::{OwnedWave, SignedIn, not_found};
use crate::state::AppState;

#[derive(Serialize)]
struct Version {
    language: String,
    name: String,
    state: String,
    href: String,
    action: &'static str,
}

#[derive(Serialize)]
struct AudienceRow {
    name: String,
    questions: usize,
    versions: Vec<Version>,
}

#[derive(Serialize)]
struct ListView {
    page: PageMeta,
    slug: String,
    audiences: Vec<AudienceRow>,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct ListQuery {
    said: Option<String>,
}

/// The languages a survey can be translated into: every catalogue but English.
fn languages() -> impl Iterator<Item = &'static crate::i18n::Catalogue> {
    crate::i18n::catalogues().iter().filter(|c| c.language != crate::i18n::DEFAULT_LANG)
}

pub(super) async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<ListQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let w = buildable(&state, &who, &path).await?;
    let slug = w.row.slug.clone();
    let audiences = w
        .def
        .audiences
        .iter()
        .map(|a| AudienceRow {
            name: a.name.clone(),
            questions: w.def.questions_for(a.key.as_str()).count(),
            versions: languages()
                .map(|c| {
                    let t = w.def.translation(a.key.as_str(), &c.language);
                    Version {
                        language: c.language.clone(),
                        name: c.name.clone(),
                        state: match t {
                            None => "Not started".to_owned(),
                            Some(t) if t.machine_drafted => {
                                "Complete, drafted by a machine: not checked by a person yet".to_owned()
                            }
                            Some(_) => "Complete, checked by a person".to_owned(),
                        },
                        href: format!("/staff/waves/{slug}/translations/{}/{}", a.key, c.language),
                        action: if t.is_some() { "Edit" } else { "Translate" },
                    }
                })
                .collect(),
        })
        .collect();
    let view = ListView {
        page: who.page(&req, &state, "Translations").back(format!("/staff/waves/{slug}/build")),
        audiences,
        notice: (q.said.as_deref() == Some("saved")).then(|| "Saved.".to_owned()),
        slug,
    };
    render(&state, StatusCode::OK, "staff/translations", &view)
}

#[derive(Serialize, Clone)]
struct Advice {
    level: &'static str,
    rule: &'static str,
    message: String,
}

#[derive(Serialize)]
struct Pair {
    id: String,
    label: String,
    source: String,
    field: Field,
    advice: Vec<Advice>,
}

#[derive(Serialize)]
struct QuestionPairs {
    key: String,
    n: usize,
    pairs: Vec<Pair>,
}

#[derive(Serialize)]
struct FormView {
    page: PageMeta,
    csrf: String,
    version: String,
    action: String,
    slug: String,
    audience: String,
    language: String,
    language_name: String,
    dir: String,
    machine_drafted: bool,
    general: Vec<Pair>,
    questions: Vec<QuestionPairs>,
    filled: usize,
    needed: usize,
    skipped: Option<&'static str>,
    errors: Vec<Link>,
}

#[allow(clippy::too_many_arguments)]
fn form_view(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    w: &OwnedWave,
    audience: &str,
    catalogue: &crate::i18n::Catalogue,
    typed: Option<&dyn Fn(&str) -> String>,
    errors: &[FieldError],
    general_error: Option<String>,
) -> FormView {
    let def: &SurveyDefinition = &w.def;
    let lang = catalogue.language.as_str();
    let existing = def.translation(audience, lang);
    let a = def.audience(audience);
    let reader = if a.is_some_and(|a| a.easy_read) { Reader::YoungPeople } else { Reader::Parents };
    let report = existing.map(|_| easyread::check_version(def, audience, lang, reader));
    let advice_for = |field: &str| -> Vec<Advice> {
        report
            .as_ref()
            .map(|r| {
                r.findings
                    .iter()
                    .filter(|f| f.field == field)
                    .map(|f| Advice { level: f.level.word(), rule: f.rule, message: f.message.clone() })
                    .collect()
            })
            .unwrap_or_default()
    };
    let error = |f: &str| errors.iter().find(|e| e.field == f).map(|e| e.message.clone());
    let value = |f: &str, stored: Option<String>| typed.map_or_else(|| stored.unwrap_or_default(), |t| t(f));
    let pair = |id: String, label: String, source: String, stored: Option<String>, advice: Vec<Advice>| Pair {
        field: Field { value: value(&id, stored), error: error(&id) },
        id,
        label,
        source,
        advice,
    };
    let mut general = vec![
        pair(
            "series_title".into(),
            "Title of the survey".into(),
            def.series.title.clone(),
            existing.and_then(|t| t.series_title.clone()),
            vec![],
        ),
        pair(
            "audience_name".into(),
            "Who it is for".into(),
            a.map(|a| a.name.clone()).unwrap_or_default(),
            existing.and_then(|t| t.audience_name.clone()),
            vec![],
        ),
    ];
    if let Some(a) = a.filter(|a| !a.description.is_empty()) {
        general.push(pair(
            "audience_description".into(),
            "Description".into(),
            a.description.clone(),
            existing.and_then(|t| t.audience_description.clone()),
            vec![],
        ));
    }
    for (i, line) in a.map(|a| a.intro.clone()).unwrap_or_default().into_iter().enumerate() {
        general.push(pair(
            format!("intro-{i}"),
            format!("Introduction, line {}", i + 1),
            line,
            existing.and_then(|t| t.intro.get(i).cloned()),
            advice_for(&format!("intro[{i}]")),
        ));
    }
    let mut needed = 0;
    let mut filled = 0;
    let questions: Vec<QuestionPairs> = def
        .translatables(audience)
        .into_iter()
        .enumerate()
        .map(|(n, unit)| {
            let k = unit.key;
            let tq = existing.and_then(|t| t.questions.get(k));
            let words = unit.wording.clone();
            let mut pairs = vec![pair(
                format!("t-{k}-title"),
                if unit.statement { "Statement".into() } else { "Question".into() },
                words.title.clone(),
                tq.map(|t| t.title.clone()),
                advice_for(&format!("questions.{k}.title")),
            )];
            if !words.hint.is_empty() {
                pairs.push(pair(
                    format!("t-{k}-hint"),
                    "Hint".into(),
                    words.hint.clone(),
                    tq.map(|t| t.hint.clone()),
                    advice_for(&format!("questions.{k}.hint")),
                ));
            }
            for o in &unit.options {
                pairs.push(pair(
                    format!("t-{k}-opt-{}", o.value),
                    format!("Answer {}", o.value),
                    o.label(audience).to_owned(),
                    tq.and_then(|t| t.options.get(&o.value).cloned()),
                    advice_for(&format!("questions.{k}.options.{}", o.value)),
                ));
            }
            if let Some(alt) = unit.symbol_alt {
                pairs.push(pair(
                    format!("t-{k}-alt"),
                    "What the picture shows".into(),
                    alt.to_owned(),
                    tq.and_then(|t| t.symbol_alt.clone()),
                    advice_for(&format!("questions.{k}.symbol")),
                ));
            }
            let required: Vec<&Pair> =
                pairs.iter().filter(|p| p.id.ends_with("-title") || p.id.contains("-opt-")).collect();
            needed += required.len();
            filled += required.iter().filter(|p| !p.field.value.trim().is_empty()).count();
            QuestionPairs { key: k.to_owned(), n: n + 1, pairs }
        })
        .collect();
    let slug = w.row.slug.clone();
    let name = a.map_or(audience.to_owned(), |a| a.name.clone());
    let mut links: Vec<Link> =
        general_error.iter().map(|g| Link { href: "#machine_drafted".into(), text: g.clone() }).collect();
    links.extend(errors.iter().map(|e| Link { href: format!("#{}", e.field), text: e.message.clone() }));
    FormView {
        page: who
            .page(req, state, format!("{} for {name}", catalogue.name))
            .back(format!("/staff/waves/{slug}/translations"))
            .with_error(!links.is_empty()),
        csrf: csrf(state, req),
        version: w.row.definition_hash.clone(),
        action: format!("/staff/waves/{slug}/translations/{audience}/{lang}"),
        audience: name,
        language: lang.to_owned(),
        language_name: catalogue.name.clone(),
        dir: catalogue.dir.clone(),
        machine_drafted: typed
            .map_or_else(|| existing.is_none_or(|t| t.machine_drafted), |t| !t("machine_drafted").is_empty()),
        general,
        questions,
        filled,
        needed,
        skipped: report.and_then(|r| r.skipped),
        errors: links,
        slug,
    }
}

fn catalogue_for(
    def: &SurveyDefinition,
    audience: &str,
    lang: &str,
) -> Result<&'static crate::i18n::Catalogue, AppError> {
    if def.audience(audience).is_none() {
        return Err(not_found());
    }
    languages().find(|c| c.language == lang).ok_or_else(not_found)
}

pub(super) async fn form_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let (slug, audience, lang) = path.into_inner();
    let w = buildable(&state, &who, &slug).await?;
    let catalogue = catalogue_for(&w.def, &audience, &lang)?;
    let view = form_view(&state, &req, &who, &w, &audience, catalogue, None, &[], None);
    render(&state, StatusCode::OK, "staff/translation", &view)
}

pub(super) async fn save_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = read_checked(&state, &req, body).await?;
    let (slug, audience, lang) = path.into_inner();
    let w = buildable(&state, &who, &slug).await?;
    let catalogue = catalogue_for(&w.def, &audience, &lang)?;
    let get = |k: &str| f.get(k).unwrap_or("").to_owned();
    let machine = f.get("machine_drafted").is_some();
    let again = |errors: &[FieldError], general: Option<String>, status: StatusCode| {
        let view = form_view(&state, &req, &who, &w, &audience, catalogue, Some(&get), errors, general);
        render(&state, status, "staff/translation", &view)
    };
    let translation: Translation =
        match build::translation_from_form(&w.def, &audience, &catalogue.language, machine, get) {
            Ok(t) => t,
            Err(errors) => return again(&errors, None, StatusCode::BAD_REQUEST),
        };
    let def = build::put_translation(&w.def, translation);
    let change = serde_json::json!({"translation": format!("{audience}/{lang}")});
    match save(&state, &who, &w, f.get("version").unwrap_or(""), def, change).await? {
        Ok(()) => Ok(see_other(format!("/staff/waves/{slug}/translations?said=saved"))),
        Err(Refusal::Problems(problems)) => {
            let errors: Vec<FieldError> = problems
                .iter()
                .map(|p| FieldError { field: "series_title".into(), message: p.message.clone() })
                .collect();
            again(&errors, None, StatusCode::BAD_REQUEST)
        }
        Err(r) => again(&[], Some(r.message()), StatusCode::CONFLICT),
    }
}
