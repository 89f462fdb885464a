//! Rating scales (`/staff/scales`): the list, and one form per scale with a row per level
//! (name, meaning, colour) and empty rows to add more. A refused save shows the form again
//! with what was typed and each problem beside its field.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::{ADMINS, PartnershipQuery, partnership};
use crate::domain::review::{self, MAX_LEVELS, RawLevel, ScaleProblems};
use crate::error::AppError;
use crate::models::scales::{self, Refused};
use crate::routes::form::token as csrf;
use crate::routes::pages::{Link, PageMeta, render, see_other};
use crate::routes::staff::{SignedIn, not_found};
use crate::state::AppState;

#[derive(Serialize)]
struct ListView {
    page: PageMeta,
    scales: Vec<scales::Scale>,
    suffix: String,
}

pub(super) async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<PartnershipQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let p = partnership(&state, &who, &q, &ADMINS).await?;
    let pid = p.id.clone();
    let all = state.db.run(move |c| scales::list(c, &pid).map_err(AppError::from)).await?;
    let view =
        ListView { page: who.page(&req, &state, "Rating scales"), scales: all, suffix: who.partnership_suffix(&p) };
    render(&state, StatusCode::OK, "staff/scales", &view)
}

#[derive(Serialize, Default)]
struct LevelField {
    n: usize,
    /// n + 1, as people count.
    number: usize,
    id: String,
    name: String,
    meaning: String,
    colour: String,
    /// The colour to show as a swatch, when it reads as one.
    swatch: Option<String>,
    name_error: Option<String>,
    meaning_error: Option<String>,
    colour_error: Option<String>,
}

#[derive(Serialize)]
struct EditView {
    page: PageMeta,
    csrf: String,
    action: String,
    heading: String,
    name: String,
    name_error: Option<String>,
    whole_error: Option<String>,
    levels: Vec<LevelField>,
    errors: Vec<Link>,
    list: String,
}

/// The form's rows: the levels given, then empty rows up to the most a scale may have.
fn fields(levels: Vec<RawLevel>, problems: &ScaleProblems) -> Vec<LevelField> {
    let mut out: Vec<LevelField> = levels
        .into_iter()
        .enumerate()
        .map(|(n, l)| {
            let err =
                |f: &str| problems.levels.iter().find(|(i, field, _)| *i == n && *field == f).map(|p| p.2.clone());
            LevelField {
                n,
                number: n + 1,
                swatch: review::Colour::parse(&l.colour).map(|c| c.as_str().to_owned()),
                id: l.id.unwrap_or_default(),
                name: l.name,
                meaning: l.meaning,
                colour: l.colour,
                name_error: err("name"),
                meaning_error: err("meaning"),
                colour_error: err("colour"),
            }
        })
        .collect();
    let blanks = 2.max(4usize.saturating_sub(out.len())).min(MAX_LEVELS.saturating_sub(out.len()));
    for _ in 0..blanks {
        out.push(LevelField { n: out.len(), number: out.len() + 1, ..LevelField::default() });
    }
    out
}

fn error_links(name_error: &Option<String>, whole: &Option<String>, levels: &[LevelField]) -> Vec<Link> {
    let mut out = Vec::new();
    if let Some(e) = name_error {
        out.push(Link { href: "#scale-name".into(), text: e.clone() });
    }
    if let Some(e) = whole {
        out.push(Link { href: "#level-name-0".into(), text: e.clone() });
    }
    for l in levels {
        for (field, e) in [("name", &l.name_error), ("meaning", &l.meaning_error), ("colour", &l.colour_error)] {
            if let Some(e) = e {
                out.push(Link { href: format!("#level-{field}-{}", l.n), text: format!("Level {}: {e}", l.n + 1) });
            }
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn edit_view(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    suffix: &str,
    id: Option<&str>,
    name: String,
    levels: Vec<RawLevel>,
    problems: &ScaleProblems,
) -> EditView {
    let heading = if id.is_some() { format!("Change the scale “{name}”") } else { "Add a rating scale".to_owned() };
    let levels = fields(levels, problems);
    EditView {
        page: who.page(req, state, heading.clone()).back(format!("/staff/scales{suffix}")),
        csrf: csrf(state, req),
        action: format!("/staff/scales/{}{suffix}", id.unwrap_or("new")),
        heading,
        errors: error_links(&problems.name, &problems.whole, &levels),
        name,
        name_error: problems.name.clone(),
        whole_error: problems.whole.clone(),
        levels,
        list: format!("/staff/scales{suffix}"),
    }
}

pub(super) async fn new_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<PartnershipQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let p = partnership(&state, &who, &q, &ADMINS).await?;
    let view = edit_view(
        &state,
        &req,
        &who,
        &who.partnership_suffix(&p),
        None,
        String::new(),
        Vec::new(),
        &ScaleProblems::default(),
    );
    render(&state, StatusCode::OK, "staff/scale", &view)
}

pub(super) async fn edit_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<PartnershipQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let p = partnership(&state, &who, &q, &ADMINS).await?;
    let (pid, id) = (p.id.clone(), path.into_inner());
    let id2 = id.clone();
    let scale =
        state.db.run(move |c| scales::get(c, &pid, &id2).map_err(AppError::from)).await?.ok_or_else(not_found)?;
    let levels = scale
        .levels
        .into_iter()
        .map(|l| RawLevel { id: Some(l.id), name: l.name, meaning: l.meaning, colour: l.colour })
        .collect();
    let view = edit_view(
        &state,
        &req,
        &who,
        &who.partnership_suffix(&p),
        Some(&id),
        scale.name,
        levels,
        &ScaleProblems::default(),
    );
    render(&state, StatusCode::OK, "staff/scale", &view)
}

pub(super) async fn save_new(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<PartnershipQuery>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    saving(state, req, None, q, body, who).await
}

pub(super) async fn save(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<PartnershipQuery>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    saving(state, req, Some(path.into_inner()), q, body, who).await
}

async fn saving(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: Option<String>,
    q: web::Query<PartnershipQuery>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = crate::routes::form::read_checked(&state, &req, body).await?;
    let p = partnership(&state, &who, &q, &ADMINS).await?;
    let suffix = who.partnership_suffix(&p);
    let name = f.get("name").unwrap_or("").to_owned();
    let raw: Vec<RawLevel> = (0..MAX_LEVELS + 4)
        // "Remove this level" ticked: left out (the store refuses if a review used it).
        .filter(|n| f.get(&format!("remove-{n}")) != Some("yes"))
        .map(|n| RawLevel {
            id: f.get(&format!("id-{n}")).filter(|v| !v.is_empty()).map(str::to_owned),
            name: f.get(&format!("name-{n}")).unwrap_or("").to_owned(),
            meaning: f.get(&format!("meaning-{n}")).unwrap_or("").to_owned(),
            colour: f.get(&format!("colour-{n}")).unwrap_or("").to_owned(),
        })
        .collect();
    // What was typed, blank rows dropped, for showing back.
    let typed: Vec<RawLevel> = raw
        .iter()
        .filter(|l| {
            l.id.is_some() || !l.name.trim().is_empty() || !l.meaning.trim().is_empty() || !l.colour.trim().is_empty()
        })
        .cloned()
        .collect();
    let refuse = |problems: ScaleProblems| -> Result<HttpResponse, AppError> {
        let view = edit_view(&state, &req, &who, &suffix, id.as_deref(), name.clone(), typed.clone(), &problems);
        render(&state, StatusCode::BAD_REQUEST, "staff/scale", &view)
    };
    let (checked_name, levels) = match review::check_scale(&name, &typed) {
        Ok(v) => v,
        Err(problems) => return refuse(problems),
    };
    let (pid, actor, id2) = (p.id.clone(), who.staff.actor(), id.clone());
    let n2 = checked_name.clone();
    let saved = state
        .db
        .run(move |c| scales::save(c, &pid, &actor, id2.as_deref(), &n2, &levels).map_err(AppError::from))
        .await?;
    match saved {
        Ok(_) => Ok(see_other(format!("/staff/scales{suffix}"))),
        Err(Refused::NotFound) => Err(not_found()),
        Err(Refused::NameTaken) => refuse(ScaleProblems {
            name: Some(format!("There is already a scale called “{checked_name}”. Choose another name.")),
            ..ScaleProblems::default()
        }),
        Err(Refused::LevelUsed(level)) => refuse(ScaleProblems {
            whole: Some(format!(
                "“{level}” cannot be taken away: reviews have used it. Change its words instead, or make a new scale."
            )),
            ..ScaleProblems::default()
        }),
    }
}
