//! The survey builder: starting a survey and building its questions in the browser, with
//! scripts off. Every edit goes the same way: the form is read into the domain's draft types
//! (`domain::survey::build`), the edit makes a new definition, [`save`] checks it whole (as an
//! upload is checked) and stores it through `survey::save_built`, which refuses a stale
//! version, with the audit row in the same transaction. What was typed is shown back with
//! every refusal.
//!
//! | route | roles |
//! |---|---|
//! | `GET,POST /staff/surveys/new` | admin, analyst |
//! | `GET /staff/waves/{slug}/build` | admin, analyst |
//! | `POST /staff/waves/{slug}/build/{key}/move`, `/duplicate`, `GET,POST …/delete` (asks first) | admin, analyst |
//! | `GET /staff/waves/{slug}/build/new?type=…`, `POST /staff/waves/{slug}/build/new` | admin, analyst |
//! | `GET,POST /staff/waves/{slug}/build/{key}` | admin, analyst |
//! | `GET /staff/waves/{slug}/definition.toml` | admin, analyst |
//! | `GET /staff/bank` (the question bank) | admin, analyst, viewer |
//! | `GET /staff/waves/{slug}/check` (check before opening) | admin, analyst |
//! | `GET,POST /staff/waves/{slug}/review`, `POST …/review/{id}/end`, `POST …/build/{key}/suggestion` (co-design review) | admin, analyst |
//! | `GET /staff/waves/{slug}/translations`, `GET,POST …/translations/{audience}/{lang}` | admin, analyst |
//! | `POST /staff/waves/{slug}/build/from-bank` | admin, analyst |

mod bank;
mod check;
mod question;
mod review;
mod start;
mod translations;
mod wave;

use actix_web::web;
use serde::Serialize;

use crate::domain::SurveyDefinition;
use crate::domain::survey::{Problem, WaveStatus};
use crate::error::AppError;
use crate::models::account::Role;
use crate::models::{StoreError, audit, survey};
use crate::routes::staff::{OwnedWave, SignedIn};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/surveys/new", web::get().to(start::page))
        .route("/staff/surveys/new", web::post().to(start::create))
        .route("/staff/waves/{slug}/definition.toml", web::get().to(wave::definition))
        .route("/staff/waves/{slug}/build", web::get().to(wave::page))
        .route("/staff/bank", web::get().to(bank::page))
        .route("/staff/waves/{slug}/check", web::get().to(check::page))
        .route("/staff/easy-read/advice", web::get().to(check::live_advice))
        .route("/staff/waves/{slug}/review", web::get().to(review::page))
        .route("/staff/waves/{slug}/review", web::post().to(review::start))
        .route("/staff/waves/{slug}/review/{id}/end", web::post().to(review::end))
        .route("/staff/waves/{slug}/build/{key}/suggestion", web::post().to(review::take_suggestion))
        .route("/staff/waves/{slug}/translations", web::get().to(translations::list))
        .route("/staff/waves/{slug}/translations/{audience}/{lang}", web::get().to(translations::form_page))
        .route("/staff/waves/{slug}/translations/{audience}/{lang}", web::post().to(translations::save_form))
        .route("/staff/waves/{slug}/build/from-bank", web::post().to(bank::add_from_bank))
        .route("/staff/waves/{slug}/build/new", web::get().to(question::new_page))
        .route("/staff/waves/{slug}/build/new", web::post().to(question::add))
        .route("/staff/waves/{slug}/build/{key}", web::get().to(question::edit_page))
        .route("/staff/waves/{slug}/build/{key}", web::post().to(question::update))
        .route("/staff/waves/{slug}/build/{key}/move", web::post().to(wave::move_question))
        .route("/staff/waves/{slug}/build/{key}/duplicate", web::post().to(wave::duplicate))
        .route("/staff/waves/{slug}/build/{key}/delete", web::get().to(wave::confirm_delete))
        .route("/staff/waves/{slug}/build/{key}/delete", web::post().to(wave::delete));
}

const EDITORS: [Role; 2] = [Role::Admin, Role::Analyst];

/// A field's message, for the template to show beside it.
#[derive(Debug, Clone, Serialize, Default)]
pub(super) struct Field {
    pub value: String,
    pub error: Option<String>,
}

/// Why a save was refused: shown back with everything the person typed.
#[derive(Debug)]
pub(super) enum Refusal {
    /// Someone else saved in between.
    Stale(String),
    /// The survey as a whole does not read (a routing, a key, a translation…).
    Problems(Vec<Problem>),
    /// A rule of the stored survey (its questions are fixed once it has responses, …).
    Conflict(String),
}

impl Refusal {
    pub(super) fn message(&self) -> String {
        match self {
            Refusal::Stale(m) | Refusal::Conflict(m) => m.clone(),
            Refusal::Problems(p) => p.iter().map(|p| p.message.clone()).collect::<Vec<_>>().join(" "),
        }
    }
}

/// The wave, for someone who may build it.
pub(super) async fn buildable(state: &AppState, who: &SignedIn, slug: &str) -> Result<OwnedWave, AppError> {
    who.require(&EDITORS)?;
    crate::routes::staff::owned_wave(state, who, slug).await
}

/// A form posted about one question of a wave (`/staff/waves/{slug}/build/{key}/…`): the form
/// (token checked first), the wave for someone who may build it, and the question's key.
pub(super) async fn posted(
    state: &AppState,
    req: &actix_web::HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Payload,
    who: &SignedIn,
) -> Result<(crate::routes::form::Form, OwnedWave, String), AppError> {
    let f = crate::routes::form::read_checked(state, req, body).await?;
    let (slug, key) = path.into_inner();
    let w = buildable(state, who, &slug).await?;
    Ok((f, w, key))
}

/// Checks `def` whole and stores it for the wave, unless someone saved since `based_on`;
/// the audit row (`change` says what was done) is written in the same transaction.
pub(super) async fn save(
    state: &AppState,
    who: &SignedIn,
    w: &OwnedWave,
    based_on: &str,
    mut def: SurveyDefinition,
    change: serde_json::Value,
) -> Result<Result<(), Refusal>, AppError> {
    // The wave's status and dates live on its row (set from the wave page): keep them.
    def.wave.status = WaveStatus::parse(&w.row.status).unwrap_or(WaveStatus::Draft);
    def.wave.opens = w.row.opens_at;
    def.wave.closes = w.row.closes_at;
    let (source, def) = match crate::domain::survey::build::checked(&def, state.settings.max_text_graphemes) {
        Ok(checked) => checked,
        Err(problems) => return Ok(Err(Refusal::Problems(problems.0))),
    };
    let (staff, wave_id, pid, based_on, slug) =
        (who.staff.clone(), w.row.id.clone(), w.partnership_id.clone(), based_on.to_owned(), w.row.slug.clone());
    let done = state
        .db
        .write(move |c| -> Result<(), StoreError> {
            survey::save_built(c, &wave_id, &based_on, &source, &def)?;
            audit::record(
                c,
                &staff.actor(),
                Some(&pid),
                audit::Action::SurveyEdited,
                &serde_json::json!({"wave": slug, "change": change}),
            )?;
            Ok(())
        })
        .await;
    match done {
        Ok(()) => Ok(Ok(())),
        Err(StoreError::Stale(m)) => Ok(Err(Refusal::Stale(m))),
        Err(StoreError::Conflict(m)) => Ok(Err(Refusal::Conflict(m))),
        Err(StoreError::Invalid(p)) => Ok(Err(Refusal::Problems(p.0))),
        Err(e) => Err(e.into()),
    }
}
