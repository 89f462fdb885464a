//! The respondent journey, GOV.UK patterns, phone first, no JavaScript needed:
//!
//! `/s/{wave}`: the audience choice when a survey has several (posted to `/s/{wave}/who`) →
//! `/s/{wave}/{audience}` (that version's start page, the only one a person sees; a survey with
//! one audience shows it at `/s/{wave}` itself) → `/s/{wave}/q/{key}` one question per page →
//! `/s/{wave}/consent` → `/s/{wave}/check` → Send → `/s/{wave}/done` (receipt code).
//! Save and come back later gives a resume code (`/s/{wave}/resume`); a receipt code deletes
//! a response (`/s/{wave}/delete`).
//!
//! The browser holds only a random draft token in a cookie scoped to `/s/{wave}`; answers in
//! progress live on the server. Every POST checks the form token first.

use std::sync::Arc;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::form::{read_checked as read_checked_form, token as csrf};
use super::pages::{Link, PageMeta, message, render};
use crate::domain::codes::{ShortCode, random_token};
use crate::domain::survey::{QuestionKind, Symbol};
use crate::domain::{AnswerValue, Answers, Question, SurveyDefinition};
use crate::error::AppError;
use crate::models::draft::{self, DraftRow};
use crate::models::response::{self, Deletion};
use crate::models::survey::{self as survey_model, Openness, WaveRow};
use crate::state::AppState;

mod codes;
mod invitations;
mod member;
mod preview;
mod question;
mod send;
mod visit;

use codes::*;
use invitations::*;
use member::*;
use question::*;
use send::*;
use visit::*;

pub use preview::configure_preview;

const DRAFT_COOKIE: &str = "heard_draft";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/i/{token}", web::get().to(invitation))
        .route("/u/{token}", web::get().to(unsubscribe))
        .route("/u/{token}", web::post().to(unsubscribe_post));
    cfg.service(
        web::scope("/s/{wave}")
            .service(web::resource("").route(web::get().to(start)).default_service(web::to(wrong_method)))
            .service(
                web::resource("/who")
                    .route(web::get().to(who))
                    .route(web::post().to(who_post))
                    .default_service(web::to(wrong_method)),
            )
            .service(
                web::resource("/q/{key}")
                    .route(web::get().to(question))
                    .route(web::post().to(answer))
                    .default_service(web::to(wrong_method)),
            )
            .service(
                web::resource("/consent")
                    .route(web::get().to(consent))
                    .route(web::post().to(consent_post))
                    .default_service(web::to(wrong_method)),
            )
            .service(web::resource("/check").route(web::get().to(check)).default_service(web::to(wrong_method)))
            .service(web::resource("/send").route(web::post().to(send)).default_service(web::to(wrong_method)))
            .service(web::resource("/done").route(web::get().to(done)).default_service(web::to(wrong_method)))
            .service(
                web::resource("/resume")
                    .route(web::get().to(resume))
                    .route(web::post().to(resume_post))
                    .default_service(web::to(wrong_method)),
            )
            .service(web::resource("/next").route(web::get().to(next_person)).default_service(web::to(wrong_method)))
            .service(web::resource("/new-code").route(web::post().to(new_code)).default_service(web::to(wrong_method)))
            .service(
                web::resource("/follow-up").route(web::post().to(follow_up)).default_service(web::to(wrong_method)),
            )
            .service(
                web::resource("/member")
                    .route(web::get().to(member))
                    .route(web::post().to(member_post))
                    .default_service(web::to(wrong_method)),
            )
            .service(
                web::resource("/delete")
                    .route(web::get().to(delete))
                    .route(web::post().to(delete_post))
                    .default_service(web::to(wrong_method)),
            )
            .service(
                web::resource("/{audience}")
                    .route(web::get().to(audience_start))
                    .default_service(web::to(wrong_method)),
            )
            .service(
                web::resource("/{audience}/start").route(web::post().to(begin)).default_service(web::to(wrong_method)),
            )
            .service(
                web::resource("/{audience}/joined")
                    .route(web::get().to(joined_start))
                    .default_service(web::to(wrong_method)),
            ),
    );
}

pub(super) async fn wrong_method(req: HttpRequest) -> Result<HttpResponse, AppError> {
    Err(AppError::MethodNotAllowed(crate::error::Words::key_with(
        "error_wrong_method_named",
        [req.method().to_string()],
    )))
}

// ---------------------------------------------------------------------------------------
// Loading a wave and the visitor's draft.

/// A wave with its parsed definition.
pub(super) struct Visit {
    wave: WaveRow,
    def: Arc<SurveyDefinition>,
    partnership: String,
}

impl Visit {
    fn base(&self) -> String {
        format!("/s/{}", self.wave.slug)
    }

    fn page(&self, title: impl Into<String>) -> PageMeta {
        PageMeta::new(title).partnership(&self.partnership)
    }

    /// The language to show: the visitor's choice when this audience's version (or, before an
    /// audience is chosen, any version) has it, else the source language.
    fn lang(&self, audience: Option<&str>) -> String {
        let wanted = crate::prefs::current().lang.unwrap_or_default();
        let available = match audience {
            Some(a) => self.def.languages_for(a),
            None => self.def.languages(),
        };
        available
            .into_iter()
            .find(|l| l.eq_ignore_ascii_case(&wanted))
            .unwrap_or_else(|| crate::i18n::DEFAULT_LANG.to_owned())
    }

    /// A page in `lang`, with the language switcher and the machine-drafted notice.
    fn page_in(&self, title: impl Into<String>, audience: Option<&str>, lang: &str) -> PageMeta {
        let available = match audience {
            Some(a) => self.def.languages_for(a),
            None => self.def.languages(),
        };
        let drafted = self
            .def
            .translations
            .iter()
            .any(|t| t.language == lang && t.machine_drafted && audience.is_none_or(|a| a == t.audience));
        self.page(title)
            .lang(lang)
            .languages(&available)
            .notice(drafted.then(|| crate::i18n::text(lang, "machine_drafted").to_owned()))
    }

    /// The series title in `lang`.
    fn series_title(&self, audience: Option<&str>, lang: &str) -> String {
        self.def
            .translations
            .iter()
            .filter(|t| t.language == lang && audience.is_none_or(|a| a == t.audience))
            .find_map(|t| t.series_title.clone())
            .unwrap_or_else(|| self.def.series.title.clone())
    }

    fn question_url(&self, key: &str) -> String {
        format!("{}/q/{}", self.base(), key)
    }
}

pub(super) async fn load(state: &AppState, slug: &str) -> Result<Visit, AppError> {
    let visit = load_any(state, slug).await?;
    if visit.wave.openness(crate::db::now()) == Openness::Draft {
        return Err(AppError::NotFound(crate::error::Words::key("error_no_survey")));
    }
    Ok(visit)
}

/// Loads a wave whatever its status (staff preview drafts).
pub(super) async fn load_any(state: &AppState, slug: &str) -> Result<Visit, AppError> {
    let wave =
        state.wave(slug).await?.ok_or_else(|| AppError::NotFound(crate::error::Words::key("error_no_survey")))?;
    Ok(Visit { wave: wave.row, def: wave.definition, partnership: wave.partnership.name })
}

/// Refuses answers to a wave that is not open, with a kind explanation.
pub(super) fn require_open(visit: &Visit) -> Result<(), AppError> {
    // The date is written as ISO 8601 (2025-09-01): the words are chosen later, in the
    // reader's language, and that form reads the same in every one of them.
    let day = |d: Option<chrono::NaiveDateTime>| d.map(|d| d.format("%Y-%m-%d").to_string());
    match visit.wave.openness(crate::db::now()) {
        Openness::Open => Ok(()),
        Openness::NotYetOpen => Err(AppError::Gone(crate::error::Words::key_with(
            "error_not_open_yet",
            [visit.def.series.title.clone(), visit.wave.label.clone(), day(visit.wave.opens_at).unwrap_or_default()],
        ))),
        Openness::Closed => Err(AppError::Gone(crate::error::Words::key_with(
            "error_closed",
            [visit.def.series.title.clone(), visit.wave.label.clone(), visit.base()],
        ))),
        Openness::Draft => Err(AppError::NotFound(crate::error::Words::key("error_no_survey"))),
    }
}

/// The opening every page inside a journey shares, done once: the wave (published and open
/// for answers) and this browser's draft, not yet sent. Someone with no draft on this device
/// is sent to the survey's start, someone whose answers are sent to the thank-you page.
///
/// Pages people look at take it as an extractor (as staff pages take `SignedIn`); posts call
/// [`Answering::open`] after their form token is checked, so a forged post is refused before
/// anything is read.
pub(super) struct Answering {
    pub(super) visit: Visit,
    pub(super) draft: DraftRow,
}

impl Answering {
    pub(super) async fn open(state: &AppState, req: &HttpRequest, slug: &str) -> Result<Self, AppError> {
        let visit = load(state, slug).await?;
        require_open(&visit)?;
        let Some(draft) = current_draft(state, req, &visit).await? else {
            return Err(AppError::Elsewhere(visit.base()));
        };
        if draft.is_sent() {
            return Err(AppError::Elsewhere(format!("{}/done", visit.base())));
        }
        Ok(Answering { visit, draft })
    }
}

impl actix_web::FromRequest for Answering {
    type Error = AppError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| AppError::internal("the application state is not registered"))?;
            let slug = req.match_info().get("wave").unwrap_or_default().to_owned();
            Answering::open(&state, &req, &slug).await
        })
    }
}

/// This browser's draft token for the wave it is on, if it has one.
pub(super) fn draft_token(req: &HttpRequest) -> Option<String> {
    req.cookie(DRAFT_COOKIE).map(|c| c.value().to_owned()).filter(|t| t.len() <= 100)
}

pub(super) async fn current_draft(
    state: &AppState,
    req: &HttpRequest,
    visit: &Visit,
) -> Result<Option<DraftRow>, AppError> {
    let Some(token) = draft_token(req) else { return Ok(None) };
    let wave_id = visit.wave.id.clone();
    state.db.read(move |c| draft::find(c, &wave_id, &token).map_err(AppError::from)).await
}

pub(super) fn draft_cookie(state: &AppState, visit: &Visit, token: &str) -> Cookie<'static> {
    Cookie::build(DRAFT_COOKIE, token.to_owned())
        .path(visit.base())
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.settings.secure_cookies)
        .max_age(CookieDuration::days(state.settings.draft_days))
        .finish()
}

/// Cookie naming the panel session this browser joined (signed).
pub const PANEL_COOKIE: &str = "heard_panel";

/// The panel session this browser joined, if its cookie is genuine and the session exists.
pub(super) async fn panel_session(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Option<crate::models::panel::SessionRow>, AppError> {
    let from_kiosk = crate::prefs::current().kiosk.map(|k| k.session_id);
    let joined = req.cookie(PANEL_COOKIE).and_then(|c| state.forms.verify("panel", c.value()));
    let Some(id) = from_kiosk.or(joined) else { return Ok(None) };
    state.db.run(move |c| crate::models::panel::find(c, &id).map_err(AppError::from)).await
}

pub(super) fn kiosk() -> Option<crate::prefs::Kiosk> {
    crate::prefs::current().kiosk
}

/// Removes the draft cookie, so this browser no longer reaches its answers.
pub(super) fn forget_draft(state: &AppState, visit: &Visit, res: &mut HttpResponse) -> Result<(), AppError> {
    let mut gone = draft_cookie(state, visit, "");
    gone.make_removal();
    res.add_cookie(&gone).map_err(AppError::internal)
}

pub(super) use super::pages::see_other;

/// Where someone with these answers should go next: the first question of their journey they
/// have not reached, or consent, or the check page.
pub(super) fn resume_point(visit: &Visit, d: &DraftRow) -> String {
    let answers = d.answers();
    let journey = visit.def.journey(&d.audience, &answers);
    if answers.is_empty()
        && let Some(first) = journey.first()
    {
        return visit.question_url(first.key.as_str());
    }
    // Carry on after the last question answered.
    let last_answered = journey.iter().rposition(|q| answers.contains_key(q.key.as_str()));
    match last_answered.map(|i| i + 1).and_then(|i| journey.get(i)) {
        Some(next) => visit.question_url(next.key.as_str()),
        None if d.consent_to_quote.is_none() => format!("{}/consent", visit.base()),
        None => format!("{}/check", visit.base()),
    }
}
