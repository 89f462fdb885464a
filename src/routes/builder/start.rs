//! Starting a survey: its title (the series), its address (suggested from the title when left
//! empty), the first wave's label, and the audience versions (Heard's three, and up to three
//! the author names). Creates a draft wave with no questions and goes to its builder.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::{EDITORS, Field};
use crate::domain::Slug;
use crate::domain::survey::Audience;
use crate::domain::survey::build::{self, NewSurvey, PRESET_AUDIENCES};
use crate::domain::text::UserText;
use crate::error::AppError;
use crate::models::{StoreError, audit, survey};
use crate::routes::form::{read_checked, token as csrf};
use crate::routes::pages::{Link, PageMeta, render, see_other};
use crate::routes::staff::SignedIn;
use crate::state::AppState;

/// Groups the author may name beyond Heard's three.
const OTHER_GROUPS: usize = 3;

#[derive(Serialize)]
struct AudienceChoice {
    key: String,
    name: String,
    easy_read: bool,
    checked: bool,
}

#[derive(Serialize)]
struct NewView {
    page: PageMeta,
    csrf: String,
    title: Field,
    slug: Field,
    label: Field,
    audiences: Vec<AudienceChoice>,
    audiences_error: Option<String>,
    others: Vec<Field>,
    errors: Vec<Link>,
    partnership: String,
}

/// What the form holds, as typed.
#[derive(Default)]
struct Typed {
    title: String,
    slug: String,
    label: String,
    presets: Vec<String>,
    others: Vec<String>,
}

fn view(state: &AppState, req: &HttpRequest, who: &SignedIn, typed: &Typed, errors: &[(String, String)]) -> NewView {
    let error = |f: &str| errors.iter().find(|(k, _)| k == f).map(|(_, m)| m.clone());
    let field = |f: &str, v: &str| Field { value: v.to_owned(), error: error(f) };
    NewView {
        page: who.page(req, state, "Start a survey").back("/staff").with_error(!errors.is_empty()),
        csrf: csrf(state, req),
        title: field("title", &typed.title),
        slug: field("slug", &typed.slug),
        label: field("label", &typed.label),
        audiences: PRESET_AUDIENCES
            .iter()
            .map(|(key, name, easy)| AudienceChoice {
                key: (*key).to_owned(),
                name: (*name).to_owned(),
                easy_read: *easy,
                checked: typed.presets.iter().any(|p| p == key),
            })
            .collect(),
        audiences_error: error("audiences"),
        others: (0..OTHER_GROUPS)
            .map(|i| field(&format!("other-{i}"), typed.others.get(i).map_or("", String::as_str)))
            .collect(),
        errors: errors
            .iter()
            .map(|(f, m)| Link {
                href: if f == "audiences" { format!("#audience-{}", PRESET_AUDIENCES[0].0) } else { format!("#{f}") },
                text: m.clone(),
            })
            .collect(),
        partnership: who.staff.partnership_name.clone().unwrap_or_default(),
    }
}

pub(super) async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&EDITORS)?;
    let typed = Typed { presets: vec!["young-people".into(), "parents-carers".into()], ..Typed::default() };
    render(&state, StatusCode::OK, "staff/build_new", &view(&state, &req, &who, &typed, &[]))
}

pub(super) async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = read_checked(&state, &req, body).await?;
    who.require(&EDITORS)?;
    let Some(partnership) = who.staff.partnership_slug.clone() else {
        return Err(AppError::BadRequest(
            "Surveys belong to a partnership: sign in with a partnership's account to start one.".into(),
        ));
    };
    let typed = Typed {
        title: f.get("title").unwrap_or("").to_owned(),
        slug: f.get("slug").unwrap_or("").to_owned(),
        label: f.get("label").unwrap_or("").to_owned(),
        presets: f.all("audience").into_iter().map(str::to_owned).collect(),
        others: (0..OTHER_GROUPS).map(|i| f.get(&format!("other-{i}")).unwrap_or("").to_owned()).collect(),
    };
    let mut errors: Vec<(String, String)> = Vec::new();
    let mut text = |field: &str, raw: &str, max: usize, what: &str, empty: &str| -> String {
        match UserText::parse(raw, max, false) {
            Ok(t) if t.is_empty() => {
                errors.push((field.to_owned(), empty.to_owned()));
                String::new()
            }
            Ok(t) => t.into_string(),
            Err(e) => {
                errors.push((field.to_owned(), format!("The {what} {e}.")));
                String::new()
            }
        }
    };
    let title = text("title", &typed.title, 120, "title", "Give the survey a title, like Participation Survey.");
    let label = text("label", &typed.label, 40, "label", "Give the first wave a label, like 2026.");
    let slug_text =
        if typed.slug.trim().is_empty() { build::suggest_slug(&title) } else { typed.slug.trim().to_lowercase() };
    let series_slug = match Slug::parse(&slug_text, "survey address") {
        Ok(s) => Some(s),
        Err(_) if title.is_empty() => None,
        Err(_) => {
            errors.push((
                "slug".into(),
                "Give the survey an address of lower-case letters, digits and hyphens, like participation-survey."
                    .into(),
            ));
            None
        }
    };
    let mut audiences: Vec<Audience> = Vec::new();
    for (key, name, easy_read) in PRESET_AUDIENCES {
        if typed.presets.iter().any(|p| p == key) {
            audiences.push(Audience {
                key: Slug::parse(key, "audience")
                    .map_err(|e| AppError::internal(StoreError::Conflict(e.to_string())))?,
                name: name.to_owned(),
                description: String::new(),
                easy_read,
                intro: vec![],
            });
        }
    }
    for (i, raw) in typed.others.iter().enumerate() {
        let field = format!("other-{i}");
        let name = match UserText::parse(raw, 60, false) {
            Ok(t) => t.into_string(),
            Err(e) => {
                errors.push((field, format!("The group's name {e}.")));
                continue;
            }
        };
        if name.is_empty() {
            continue;
        }
        let key = build::suggest_slug(&name);
        let reserved = crate::domain::survey::RESERVED_AUDIENCE_KEYS.contains(&key.as_str());
        match Slug::parse(&key, "audience") {
            Ok(k) if !reserved && !audiences.iter().any(|a| a.key == k) => audiences.push(Audience {
                key: k,
                name,
                description: String::new(),
                easy_read: false,
                intro: vec![],
            }),
            _ => errors.push((
                field,
                format!("Name this group with other words: {name:?} is already a group here, or a word Heard's addresses use."),
            )),
        }
    }
    if audiences.is_empty() {
        errors.push(("audiences".into(), "Choose at least one group of people to ask.".into()));
    }
    let wave_slug = series_slug
        .as_ref()
        .and_then(|s| Slug::parse(&format!("{s}-{}", build::suggest_slug(&label)), "wave address").ok());
    let partnership =
        Slug::parse(&partnership, "partnership").map_err(|e| AppError::BadRequest(e.to_string().into()))?;
    let (Some(series_slug), Some(wave_slug), true) = (series_slug, wave_slug, errors.is_empty()) else {
        if errors.is_empty() {
            errors.push(("label".into(), "Give the first wave a label with a letter or digit, like 2026.".into()));
        }
        return render(&state, StatusCode::BAD_REQUEST, "staff/build_new", &view(&state, &req, &who, &typed, &errors));
    };
    let def = build::new_survey(NewSurvey { partnership, series_slug, title, wave_slug, label, audiences });
    let (source, def) = build::checked(&def, state.settings.max_text_graphemes)
        .map_err(|e| AppError::BadRequest(e.to_string().into()))?;
    let staff = who.staff.clone();
    let done = state
        .db
        .write(move |c| -> Result<survey::SurveyImport, StoreError> {
            if survey::series_exists(c, def.series.slug.as_str())? {
                return Err(StoreError::Conflict(format!(
                    "There is already a survey at the address {:?}: choose another address, or start next year's wave from that survey's page.",
                    def.series.slug.as_str()
                )));
            }
            if survey::find_wave(c, def.wave.slug.as_str())?.is_some() {
                return Err(StoreError::Conflict(format!(
                    "There is already a wave at {:?}: choose another address or label.",
                    def.wave.slug.as_str()
                )));
            }
            let done = survey::import(c, "the new survey", &source, &def)?;
            audit::record(
                c,
                &staff.actor(),
                staff.partnership_id.as_ref(),
                audit::Action::SurveyCreated,
                &serde_json::json!({"series": def.series.slug.as_str(), "wave": done.wave, "audiences": def.audiences.len()}),
            )?;
            Ok(done)
        })
        .await;
    match done {
        Ok(done) => Ok(see_other(format!("/staff/waves/{}/build?said=created", done.wave))),
        Err(StoreError::Conflict(m)) => {
            let errors = vec![("slug".to_owned(), m)];
            render(&state, StatusCode::CONFLICT, "staff/build_new", &view(&state, &req, &who, &typed, &errors))
        }
        Err(e) => Err(e.into()),
    }
}
