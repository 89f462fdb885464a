//! The respondent journey, GOV.UK patterns, phone first, no JavaScript needed:
//!
//! `/s/{wave}` start → `/s/{wave}/who` (audience choice, when a survey has several) →
//! `/s/{wave}/{audience}` (that version's start) → `/s/{wave}/q/{key}` one question per page →
//! `/s/{wave}/consent` → `/s/{wave}/check` → Send → `/s/{wave}/done` (receipt code).
//! Save and come back later gives a resume code (`/s/{wave}/resume`); a receipt code deletes
//! a response (`/s/{wave}/delete`).
//!
//! The browser holds only a random draft token in a cookie scoped to `/s/{wave}`; answers in
//! progress live on the server. Every POST checks the form token first.

use std::sync::Arc;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

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
            ),
    );
}

async fn wrong_method(req: HttpRequest) -> Result<HttpResponse, AppError> {
    Err(AppError::MethodNotAllowed(crate::error::Words::key_with(
        "error_wrong_method_named",
        [req.method().to_string()],
    )))
}

// ---------------------------------------------------------------------------------------
// Loading a wave and the visitor's draft.

/// A wave with its parsed definition.
struct Visit {
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

async fn load(state: &AppState, slug: &str) -> Result<Visit, AppError> {
    let visit = load_any(state, slug).await?;
    if visit.wave.openness(crate::db::now()) == Openness::Draft {
        return Err(AppError::NotFound(crate::error::Words::key("error_no_survey")));
    }
    Ok(visit)
}

/// Loads a wave whatever its status (staff preview drafts).
async fn load_any(state: &AppState, slug: &str) -> Result<Visit, AppError> {
    let not_found = || AppError::NotFound(crate::error::Words::key("error_no_survey"));
    if crate::domain::Slug::parse(slug, "wave").is_err() {
        return Err(not_found());
    }
    let wave = match state.waves.get(&slug.to_owned()) {
        Some(w) => w,
        None => {
            let owned = slug.to_owned();
            let wave = state
                .db
                .read(move |c| survey_model::find_wave(c, &owned).map_err(AppError::from))
                .await?
                .ok_or_else(not_found)?;
            state.waves.put(slug.to_owned(), wave.clone());
            wave
        }
    };
    if let Some(cached) = state.cached_definition(&wave.id, &wave.definition_hash) {
        return Ok(Visit { wave, def: cached.definition, partnership: cached.partnership_name });
    }
    // Read and parsed on a blocking thread, then shared with the staff pages.
    let cached = super::staff::definition_of(state, &wave.id, &wave).await?;
    Ok(Visit { wave, def: cached.definition, partnership: cached.partnership_name })
}

/// Refuses answers to a wave that is not open, with a kind explanation.
fn require_open(visit: &Visit) -> Result<(), AppError> {
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

/// This browser's draft token for the wave it is on, if it has one.
fn draft_token(req: &HttpRequest) -> Option<String> {
    req.cookie(DRAFT_COOKIE).map(|c| c.value().to_owned()).filter(|t| t.len() <= 100)
}

async fn current_draft(state: &AppState, req: &HttpRequest, visit: &Visit) -> Result<Option<DraftRow>, AppError> {
    let Some(token) = draft_token(req) else { return Ok(None) };
    let wave_id = visit.wave.id.clone();
    state.db.read(move |c| draft::find(c, &wave_id, &token).map_err(AppError::from)).await
}

fn draft_cookie(state: &AppState, visit: &Visit, token: &str) -> Cookie<'static> {
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
async fn panel_session(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Option<crate::models::panel::SessionRow>, AppError> {
    let from_kiosk = crate::prefs::current().kiosk.map(|k| k.session_id);
    let joined = req.cookie(PANEL_COOKIE).and_then(|c| state.forms.verify("panel", c.value()));
    let Some(id) = from_kiosk.or(joined) else { return Ok(None) };
    state.db.run(move |c| crate::models::panel::find(c, &id).map_err(AppError::from)).await
}

fn kiosk() -> Option<crate::prefs::Kiosk> {
    crate::prefs::current().kiosk
}

/// Removes the draft cookie, so this browser no longer reaches its answers.
fn forget_draft(state: &AppState, visit: &Visit, res: &mut HttpResponse) -> Result<(), AppError> {
    let mut gone = draft_cookie(state, visit, "");
    gone.make_removal();
    res.add_cookie(&gone).map_err(AppError::internal)
}

fn see_other(location: impl Into<String>) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((LOCATION, location.into())).finish()
}

/// Where someone with these answers should go next: the first question of their journey they
/// have not reached, or consent, or the check page.
fn resume_point(visit: &Visit, d: &DraftRow) -> String {
    let answers = d.answers();
    let journey = visit.def.journey(&d.audience, &answers);
    if answers.is_empty() {
        if let Some(first) = journey.first() {
            return visit.question_url(first.key.as_str());
        }
    }
    // Carry on after the last question answered.
    let last_answered = journey.iter().rposition(|q| answers.contains_key(q.key.as_str()));
    match last_answered.map(|i| i + 1).and_then(|i| journey.get(i)) {
        Some(next) => visit.question_url(next.key.as_str()),
        None if d.consent_to_quote.is_none() => format!("{}/consent", visit.base()),
        None => format!("{}/check", visit.base()),
    }
}

// ---------------------------------------------------------------------------------------
// Start and audience choice.

#[derive(Serialize)]
struct SurveyView {
    series_title: String,
    wave_label: String,
    partnership: String,
    minutes: u32,
}

#[derive(Serialize)]
struct StartView {
    page: PageMeta,
    survey: SurveyView,
    heading: String,
    intro: Vec<String>,
    easy_read: bool,
    deletion_days: i64,
    resume_draft: Option<String>,
    choose_audience: Option<String>,
    /// On a shared tablet: no resume or delete links.
    kiosk: bool,
    start_action: String,
    resume_link: String,
    delete_link: String,
    csrf: String,
}

fn survey_view(visit: &Visit, audience: Option<&str>, lang: &str) -> SurveyView {
    SurveyView {
        series_title: visit.series_title(audience, lang),
        wave_label: visit.wave.label.clone(),
        partnership: visit.partnership.clone(),
        minutes: visit.def.wave.minutes,
    }
}

async fn start(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let visit = load(&state, &path).await?;
    require_open(&visit)?;
    if let Some(k) = kiosk() {
        return Ok(see_other(k.start()));
    }
    let draft = current_draft(&state, &req, &visit).await?.filter(|d| !d.is_sent());
    let single = (visit.def.audiences.len() == 1).then(|| visit.def.audiences[0].clone());
    let only = single.as_ref().map(|a| a.key.as_str());
    let lang = visit.lang(only);
    let title = visit.series_title(only, &lang);
    let view = StartView {
        page: visit.page_in(title.clone(), only, &lang),
        survey: survey_view(&visit, only, &lang),
        heading: title,
        intro: single.as_ref().map(|a| intro_in(&visit, a, &lang)).unwrap_or_default(),
        easy_read: single.as_ref().is_some_and(|a| a.easy_read),
        deletion_days: state.settings.deletion_days,
        resume_draft: draft.map(|d| resume_point(&visit, &d)),
        choose_audience: single.is_none().then(|| format!("{}/who", visit.base())),
        kiosk: false,
        start_action: single.map(|a| format!("{}/{}/start", visit.base(), a.key)).unwrap_or_default(),
        resume_link: format!("{}/resume", visit.base()),
        delete_link: format!("{}/delete", visit.base()),
        csrf: csrf(&state, &req),
    };
    render(&state, StatusCode::OK, "respond/start", &view)
}

#[derive(Serialize)]
struct AudienceOption {
    key: String,
    name: String,
    description: String,
    /// Set when these words are in another language than the page.
    lang: Option<String>,
}

/// An audience's introduction in `lang`.
fn intro_in(visit: &Visit, a: &crate::domain::Audience, lang: &str) -> Vec<String> {
    visit
        .def
        .translation(a.key.as_str(), lang)
        .map(|t| t.intro.clone())
        .filter(|i| !i.is_empty())
        .unwrap_or_else(|| a.intro.clone())
}

#[derive(Serialize)]
struct WhoView {
    page: PageMeta,
    action: String,
    csrf: String,
    audiences: Vec<AudienceOption>,
    error: Option<String>,
    errors: Vec<Link>,
}

fn who_view(state: &AppState, req: &HttpRequest, visit: &Visit, error: Option<String>) -> WhoView {
    let lang = visit.lang(None);
    let error = error.map(|key| crate::i18n::text(&lang, &key).to_owned());
    WhoView {
        page: visit
            .page_in(crate::i18n::text(&lang, "who_title"), None, &lang)
            .back(visit.base())
            .with_error(error.is_some()),
        action: format!("{}/who", visit.base()),
        csrf: csrf(state, req),
        audiences: visit
            .def
            .audiences
            .iter()
            .map(|a| match visit.def.translation(a.key.as_str(), &lang) {
                Some(t) => AudienceOption {
                    key: a.key.to_string(),
                    name: t.audience_name.clone().unwrap_or_else(|| a.name.clone()),
                    description: t.audience_description.clone().unwrap_or_else(|| a.description.clone()),
                    lang: None,
                },
                None => AudienceOption {
                    key: a.key.to_string(),
                    name: a.name.clone(),
                    description: a.description.clone(),
                    lang: (lang != crate::i18n::DEFAULT_LANG).then(|| crate::i18n::DEFAULT_LANG.to_owned()),
                },
            })
            .collect(),
        errors: super::pages::error_links(&error, "#audience-0"),
        error,
    }
}

async fn who(state: web::Data<AppState>, req: HttpRequest, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let visit = load(&state, &path).await?;
    require_open(&visit)?;
    render(&state, StatusCode::OK, "respond/audiences", &who_view(&state, &req, &visit, None))
}

async fn who_post(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = read_checked_form(&state, &req, body).await?;
    let visit = load(&state, &path).await?;
    require_open(&visit)?;
    match form.get("audience").and_then(|a| visit.def.audience(a)) {
        Some(a) => Ok(see_other(format!("{}/{}", visit.base(), a.key))),
        None => {
            let error =
                if form.get("audience").is_some_and(|a| !a.is_empty()) { "not_a_choice_who" } else { "choose_who" };
            render(
                &state,
                StatusCode::BAD_REQUEST,
                "respond/audiences",
                &who_view(&state, &req, &visit, Some(error.into())),
            )
        }
    }
}

async fn audience_start(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (slug, audience) = path.into_inner();
    let visit = load(&state, &slug).await?;
    require_open(&visit)?;
    let a = visit
        .def
        .audience(&audience)
        .ok_or_else(|| AppError::NotFound(crate::error::Words::key("error_no_version")))?
        .clone();
    let draft = current_draft(&state, &req, &visit).await?.filter(|d| !d.is_sent() && d.audience == audience);
    let lang = visit.lang(Some(&audience));
    let title = visit.series_title(Some(&audience), &lang);
    let name = visit.def.translation(&audience, &lang).and_then(|t| t.audience_name.clone()).unwrap_or(a.name.clone());
    let view = StartView {
        page: visit.page_in(format!("{title} – {name}"), Some(&audience), &lang).back(visit.base()),
        survey: survey_view(&visit, Some(&audience), &lang),
        heading: title,
        intro: intro_in(&visit, &a, &lang),
        easy_read: a.easy_read,
        deletion_days: state.settings.deletion_days,
        resume_draft: draft.map(|d| resume_point(&visit, &d)),
        choose_audience: None,
        kiosk: kiosk().is_some(),
        start_action: format!("{}/{}/start", visit.base(), a.key),
        resume_link: format!("{}/resume", visit.base()),
        delete_link: format!("{}/delete", visit.base()),
        csrf: csrf(&state, &req),
    };
    render(&state, StatusCode::OK, "respond/start", &view)
}

async fn begin(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    read_checked_form(&state, &req, body).await?;
    let (slug, audience) = path.into_inner();
    let visit = load(&state, &slug).await?;
    require_open(&visit)?;
    if visit.def.audience(&audience).is_none() {
        return Err(AppError::NotFound("This survey has no version at this address.".into()));
    }
    // Carry on with an unsent draft for the same audience rather than lose its answers.
    if let Some(d) = current_draft(&state, &req, &visit).await?.filter(|d| !d.is_sent() && d.audience == audience) {
        return Ok(see_other(resume_point(&visit, &d)));
    }
    let token = random_token();
    let (wave_id, aud, tok, days) = (visit.wave.id.clone(), audience.clone(), token.clone(), state.settings.draft_days);
    // Started in a panel session (joined by code, or on its kiosk): the response says so.
    let session = panel_session(&state, &req)
        .await?
        .filter(|s| s.wave_id == visit.wave.id && s.audience == audience && s.is_open(crate::db::now()));
    let session_id = session.as_ref().map(|s| s.id.clone());
    let d = state
        .db
        .quick(move |c| {
            c.write(|c| -> Result<DraftRow, AppError> {
                let d = draft::create(c, &wave_id, &aud, &tok, days)?;
                if let Some(sid) = &session_id {
                    draft::set_session(c, &d.id, sid)?;
                }
                Ok(d)
            })
        })
        .await?;
    let next = if session.is_some_and(|s| s.member_codes) {
        format!("{}/member", visit.base())
    } else {
        resume_point(&visit, &d)
    };
    let mut res = see_other(next);
    res.add_cookie(&draft_cookie(&state, &visit, &token)).map_err(AppError::internal)?;
    Ok(res)
}

// ---------------------------------------------------------------------------------------
// Questions.

#[derive(Serialize)]
struct OptionView {
    id: String,
    value: String,
    label: String,
    checked: bool,
    /// A built-in symbol's name.
    symbol: Option<String>,
    /// Name of one of the partnership's own pictures (resolved to `picture`).
    #[serde(skip)]
    custom: Option<String>,
    /// URL of the partnership's own picture.
    picture: Option<String>,
}

/// A partnership's own picture beside a question.
#[derive(Serialize)]
struct Picture {
    url: String,
    alt: String,
}

/// The question read aloud: a recording, or words for the browser's speech.
#[derive(Serialize)]
struct Listen {
    recording: Option<String>,
    text: String,
}

#[derive(Serialize)]
struct QuestionBody {
    position: usize,
    total: usize,
    title: String,
    hint: String,
    symbol: Option<Symbol>,
    picture: Option<Picture>,
    /// A question picture that is not built in, waiting to be resolved.
    #[serde(skip)]
    custom_symbol: Option<Symbol>,
    listen: Listen,
    choice: bool,
    multiple: bool,
    input_type: &'static str,
    options: Vec<OptionView>,
    text: bool,
    long: bool,
    short: bool,
    number: bool,
    inputmode: &'static str,
    value: String,
    max_length: usize,
    required: bool,
    error: Option<String>,
    describedby: Option<String>,
}

#[derive(Serialize)]
struct Advice {
    summary: String,
    report: String,
    findings: Vec<super::staff::FindingView>,
}

#[derive(Serialize)]
struct QuestionView {
    page: PageMeta,
    /// Set when staff preview the page: nothing is saved.
    preview: Option<String>,
    /// The easy-read checker's advice on this question (staff preview only).
    advice: Option<Advice>,
    errors: Vec<Link>,
    csrf: String,
    action: String,
    /// "Save and come back later" (not on a shared tablet).
    can_save: bool,
    q: QuestionBody,
}

/// What the respondent typed, safe to show back (control characters dropped).
fn echo(raw: &str) -> String {
    raw.chars().filter(|c| !c.is_control() || *c == '\n' || *c == '\t').collect()
}

struct Shown<'a> {
    question: &'a Question,
    position: usize,
    total: usize,
    back: String,
}

fn locate<'a>(visit: &'a Visit, d: &DraftRow, answers: &Answers, key: &str) -> Option<Shown<'a>> {
    let journey = visit.def.journey(&d.audience, answers);
    let i = journey.iter().position(|q| q.key.as_str() == key)?;
    let back = if i == 0 {
        if visit.def.audiences.len() == 1 { visit.base() } else { format!("{}/{}", visit.base(), d.audience) }
    } else {
        visit.question_url(journey[i - 1].key.as_str())
    };
    Some(Shown { question: journey[i], position: i + 1, total: journey.len(), back })
}

#[allow(clippy::too_many_arguments)]
fn question_view(
    state: &AppState,
    req: &HttpRequest,
    visit: &Visit,
    shown: &Shown<'_>,
    audience: &str,
    current: Option<&AnswerValue>,
    typed: Option<Vec<String>>,
    error: Option<String>,
    change: bool,
) -> QuestionView {
    let q = shown.question;
    let lang = visit.lang(Some(audience));
    let wording = visit.def.wording_in(q, audience, &lang);
    let chosen: Vec<String> = match (&typed, current) {
        (Some(t), _) => t.clone(),
        (None, Some(v)) => v.option_values().into_iter().map(str::to_owned).collect(),
        (None, None) => vec![],
    };
    let value = match (&typed, current) {
        (Some(t), _) => echo(t.first().map(String::as_str).unwrap_or("")),
        (None, Some(AnswerValue::Text(t))) => t.clone(),
        (None, Some(v @ AnswerValue::Number(_))) => v.describe(q, audience),
        _ => String::new(),
    };
    let mut described = Vec::new();
    if !wording.hint.is_empty() {
        described.push("hint");
    }
    if q.kind == QuestionKind::MultipleChoice {
        described.push("hint-multi");
    }
    if q.kind.is_text() {
        described.push("hint-length");
    }
    if error.is_some() {
        described.push("answer-error");
    }
    let first_id = "answer-0".to_owned();
    let labels: Vec<String> = q.options.iter().map(|o| visit.def.label_in(q, o, audience, &lang)).collect();
    let listen_text = [wording.title.clone(), wording.hint.clone(), labels.join(". ")]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(". ");
    let builtin = |s: &Symbol| crate::templates::Templates::has_symbol(&s.image);
    let localised = |s: Symbol| Symbol { alt: visit.def.symbol_alt_in(q, audience, &lang).unwrap_or_default(), ..s };
    QuestionView {
        preview: None,
        advice: None,
        page: visit
            .page_in(wording.title.clone(), Some(audience), &lang)
            .back(if change { format!("{}/check", visit.base()) } else { shown.back.clone() })
            .with_error(error.is_some()),
        errors: super::pages::error_links(&error, &format!("#{first_id}")),
        csrf: csrf(state, req),
        action: format!("{}{}", visit.question_url(q.key.as_str()), if change { "?change=1" } else { "" }),
        can_save: kiosk().is_none(),
        q: QuestionBody {
            position: shown.position,
            total: shown.total,
            title: wording.title,
            hint: wording.hint,
            symbol: q.symbol.clone().filter(builtin).map(localised),
            picture: None,
            custom_symbol: q.symbol.clone().filter(|s| !builtin(s)).map(localised),
            listen: Listen { recording: None, text: listen_text },
            choice: q.kind.has_options(),
            multiple: q.kind == QuestionKind::MultipleChoice,
            input_type: if q.kind == QuestionKind::MultipleChoice { "checkbox" } else { "radio" },
            options: q
                .options
                .iter()
                .enumerate()
                .map(|(i, o)| OptionView {
                    id: format!("answer-{i}"),
                    value: o.value.clone(),
                    label: labels.get(i).cloned().unwrap_or_default(),
                    checked: chosen.iter().any(|c| c == &o.value),
                    symbol: o.symbol.as_ref().filter(|s| builtin(s)).map(|s| s.image.clone()),
                    custom: o.symbol.as_ref().filter(|s| !builtin(s)).map(|s| s.image.clone()),
                    picture: None,
                })
                .collect(),
            text: q.kind.is_text(),
            long: q.kind == QuestionKind::LongText,
            short: q.kind == QuestionKind::ShortText,
            number: q.kind == QuestionKind::Number,
            inputmode: if q.whole_number { "numeric" } else { "decimal" },
            value,
            max_length: q.max_length,
            required: q.required,
            error,
            describedby: (!described.is_empty()).then(|| described.join(" ")),
        },
    }
}

/// Fills in what a question page needs from storage: its recording (or the speech script when
/// there is none) and the partnership's own pictures it names.
async fn attach_media(
    state: &AppState,
    visit: &Visit,
    audience: &str,
    key: &str,
    view: &mut QuestionView,
) -> Result<(), AppError> {
    let mut names: Vec<String> = view.q.options.iter().filter_map(|o| o.custom.clone()).collect();
    if let Some(s) = &view.q.custom_symbol {
        names.push(s.image.clone());
    }
    let slot = crate::models::media::RecordingSlot {
        wave_id: visit.wave.id.clone(),
        audience: audience.to_owned(),
        language: view.page.lang.clone(),
        question_key: key.to_owned(),
    };
    let cache_key =
        (slot.wave_id.clone(), slot.audience.clone(), slot.language.clone(), slot.question_key.clone(), names.clone());
    let (recording, pictures) = match state.media.get(&cache_key) {
        Some(m) => m,
        None => {
            let m = state
                .db
                .read(move |c| crate::models::media::for_question(c, &slot, &names).map_err(AppError::from))
                .await?;
            state.media.put(cache_key, m.clone());
            m
        }
    };
    let url = |name: &str| pictures.get(name).map(|id| format!("/media/images/{id}"));
    view.q.picture =
        view.q.custom_symbol.as_ref().and_then(|s| url(&s.image).map(|u| Picture { url: u, alt: s.alt.clone() }));
    for o in &mut view.q.options {
        o.picture = o.custom.as_deref().and_then(url);
    }
    match recording {
        Some((id, _)) => view.q.listen.recording = Some(format!("/media/recordings/{id}")),
        None => view.page.scripts.extend(Some(state.templates.script_url("listen")).filter(|u| !u.is_empty())),
    }
    Ok(())
}

#[derive(serde::Deserialize)]
struct ChangeQuery {
    change: Option<String>,
}

async fn question(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    query: web::Query<ChangeQuery>,
) -> Result<HttpResponse, AppError> {
    let (slug, key) = path.into_inner();
    let visit = load(&state, &slug).await?;
    require_open(&visit)?;
    let Some(d) = current_draft(&state, &req, &visit).await? else { return Ok(see_other(visit.base())) };
    if d.is_sent() {
        return Ok(see_other(format!("{}/done", visit.base())));
    }
    let answers = d.answers();
    let Some(shown) = locate(&visit, &d, &answers, &key) else {
        // Not a question this person sees (now): send them where they should be.
        return Ok(see_other(resume_point(&visit, &d)));
    };
    let mut view =
        question_view(&state, &req, &visit, &shown, &d.audience, answers.get(&key), None, None, query.change.is_some());
    attach_media(&state, &visit, &d.audience, &key, &mut view).await?;
    render(&state, StatusCode::OK, "respond/question", &view)
}

async fn answer(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    query: web::Query<ChangeQuery>,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = read_checked_form(&state, &req, body).await?;
    let (slug, key) = path.into_inner();
    let visit = load(&state, &slug).await?;
    require_open(&visit)?;
    let Some(d) = current_draft(&state, &req, &visit).await? else { return Ok(see_other(visit.base())) };
    if d.is_sent() {
        return Ok(see_other(format!("{}/done", visit.base())));
    }
    let mut answers = d.answers();
    let Some(shown) = locate(&visit, &d, &answers, &key) else {
        return Err(AppError::BadRequest(crate::error::Words::key("error_not_your_question")));
    };
    let q = shown.question;
    let change = query.change.is_some();
    let action = form.get("action").unwrap_or("continue");
    if action == "save" && kiosk().is_some() {
        return Err(AppError::BadRequest(crate::error::Words::key("error_no_saving_on_tablet")));
    }
    let outcome = match action {
        "skip" if q.required => Err(crate::domain::AnswerError::Required),
        "skip" => Ok(None),
        "continue" | "save" => AnswerValue::from_form(q, &form.all("answer")),
        _ => return Err(AppError::BadRequest(crate::error::Words::key("error_unknown_button"))),
    };
    let given = match outcome {
        Ok(v) => v,
        Err(e) => {
            let typed = Some(form.all("answer").into_iter().map(str::to_owned).collect());
            let mut view = question_view(
                &state,
                &req,
                &visit,
                &shown,
                &d.audience,
                answers.get(&key),
                typed,
                Some(crate::i18n::answer_error(&visit.lang(Some(&d.audience)), &e)),
                change,
            );
            attach_media(&state, &visit, &d.audience, &key, &mut view).await?;
            return render(&state, StatusCode::BAD_REQUEST, "respond/question", &view);
        }
    };
    match given {
        Some(v) => {
            answers.insert(key.clone(), v);
        }
        None => {
            answers.remove(&key);
        }
    }
    visit.def.prune(&d.audience, &mut answers);
    let next = {
        let journey = visit.def.journey(&d.audience, &answers);
        let i = journey.iter().position(|x| x.key.as_str() == key);
        i.and_then(|i| journey.get(i + 1)).map(|n| n.key.to_string())
    };
    let (id, consent, days) = (d.id.clone(), d.consent_to_quote, state.settings.draft_days);
    let save_answers = answers.clone();
    let saved =
        state.db.quick(move |c| draft::save(c, &id, &save_answers, consent, days).map_err(AppError::from)).await?;
    if !saved {
        return Ok(see_other(format!("{}/done", visit.base())));
    }
    if action == "save" {
        return saved_page(&state, &visit, &d).await;
    }
    let location = if change {
        format!("{}/check", visit.base())
    } else {
        match next {
            Some(k) => visit.question_url(&k),
            None if consent.is_none() => format!("{}/consent", visit.base()),
            None => format!("{}/check", visit.base()),
        }
    };
    Ok(see_other(location))
}

#[derive(Serialize)]
struct SavedView {
    page: PageMeta,
    code: String,
    resume_link: String,
    resume_url: String,
    keep_days: i64,
    continue_link: String,
}

async fn saved_page(state: &AppState, visit: &Visit, d: &DraftRow) -> Result<HttpResponse, AppError> {
    let (id, key) = (d.id.clone(), state.codes.clone());
    let code = state
        .db
        .run(move |c| draft::issue_resume_code(c, &key, &id).map_err(AppError::from))
        .await?
        .ok_or_else(|| AppError::Conflict(crate::error::Words::key("error_already_sent")))?;
    let resume_link = format!("{}/resume", visit.base());
    let current = visit.def.journey(&d.audience, &d.answers()).first().map(|q| visit.question_url(q.key.as_str()));
    let lang = visit.lang(Some(&d.audience));
    let view = SavedView {
        page: visit.page_in(crate::i18n::text(&lang, "saved_title"), Some(&d.audience), &lang),
        code: code.display(),
        resume_url: format!("{}{}", state.settings.public_url, resume_link),
        resume_link,
        keep_days: state.settings.draft_days,
        continue_link: current.unwrap_or_else(|| visit.base()),
    };
    render(state, StatusCode::OK, "respond/saved", &view)
}

// ---------------------------------------------------------------------------------------
// Consent, check, send, done.

#[derive(Serialize)]
struct ConsentView {
    page: PageMeta,
    action: String,
    csrf: String,
    yes: bool,
    no: bool,
    error: Option<String>,
    errors: Vec<Link>,
}

fn consent_view(
    state: &AppState,
    req: &HttpRequest,
    visit: &Visit,
    d: &DraftRow,
    error: Option<String>,
) -> ConsentView {
    let answers = d.answers();
    let back = visit
        .def
        .journey(&d.audience, &answers)
        .last()
        .map(|q| visit.question_url(q.key.as_str()))
        .unwrap_or_else(|| visit.base());
    let lang = visit.lang(Some(&d.audience));
    let error = error.map(|key| crate::i18n::text(&lang, &key).to_owned());
    ConsentView {
        page: visit
            .page_in(crate::i18n::text(&lang, "consent_title"), Some(&d.audience), &lang)
            .back(back)
            .with_error(error.is_some()),
        action: format!("{}/consent", visit.base()),
        csrf: csrf(state, req),
        yes: d.consent_to_quote == Some(true),
        no: d.consent_to_quote == Some(false),
        errors: super::pages::error_links(&error, "#answer-0"),
        error,
    }
}

async fn consent(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let visit = load(&state, &path).await?;
    require_open(&visit)?;
    let Some(d) = current_draft(&state, &req, &visit).await? else { return Ok(see_other(visit.base())) };
    if d.is_sent() {
        return Ok(see_other(format!("{}/done", visit.base())));
    }
    render(&state, StatusCode::OK, "respond/consent", &consent_view(&state, &req, &visit, &d, None))
}

async fn consent_post(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = read_checked_form(&state, &req, body).await?;
    let visit = load(&state, &path).await?;
    require_open(&visit)?;
    let Some(d) = current_draft(&state, &req, &visit).await? else { return Ok(see_other(visit.base())) };
    if d.is_sent() {
        return Ok(see_other(format!("{}/done", visit.base())));
    }
    let choice = match form.get("answer") {
        Some("yes") => true,
        Some("no") => false,
        other => {
            let msg = if other.is_some_and(|v| !v.is_empty()) { "not_a_choice_yes_no" } else { "choose_yes_no" };
            return render(
                &state,
                StatusCode::BAD_REQUEST,
                "respond/consent",
                &consent_view(&state, &req, &visit, &d, Some(msg.into())),
            );
        }
    };
    let (id, answers, days) = (d.id.clone(), d.answers(), state.settings.draft_days);
    let saved =
        state.db.quick(move |c| draft::save(c, &id, &answers, Some(choice), days).map_err(AppError::from)).await?;
    Ok(see_other(format!("{}/{}", visit.base(), if saved { "check" } else { "done" })))
}

/// An answer as the respondent would read it, in `lang`.
fn describe_in(visit: &Visit, a: &AnswerValue, q: &Question, audience: &str, lang: &str) -> String {
    let label = |v: &String| q.option(v).map(|o| visit.def.label_in(q, o, audience, lang)).unwrap_or_else(|| v.clone());
    match a {
        AnswerValue::Choice(v) => label(v),
        AnswerValue::Choices(vs) => vs.iter().map(label).collect::<Vec<_>>().join(", "),
        other => other.describe(q, audience),
    }
}

#[derive(Serialize)]
struct CheckRow {
    question: String,
    answer: Option<String>,
    change: String,
}

#[derive(Serialize)]
struct CheckView {
    page: PageMeta,
    rows: Vec<CheckRow>,
    consent: &'static str,
    consent_change: String,
    action: String,
    csrf: String,
}

async fn check(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let visit = load(&state, &path).await?;
    require_open(&visit)?;
    let Some(d) = current_draft(&state, &req, &visit).await? else { return Ok(see_other(visit.base())) };
    if d.is_sent() {
        return Ok(see_other(format!("{}/done", visit.base())));
    }
    let answers = d.answers();
    let lang = visit.lang(Some(&d.audience));
    let rows = visit
        .def
        .journey(&d.audience, &answers)
        .into_iter()
        .map(|q| CheckRow {
            question: visit.def.wording_in(q, &d.audience, &lang).title,
            answer: answers.get(q.key.as_str()).map(|a| describe_in(&visit, a, q, &d.audience, &lang)),
            change: format!("{}?change=1", visit.question_url(q.key.as_str())),
        })
        .collect();
    let view = CheckView {
        page: visit
            .page_in(crate::i18n::text(&lang, "check_title"), Some(&d.audience), &lang)
            .back(format!("{}/consent", visit.base())),
        rows,
        consent: crate::i18n::text(
            &lang,
            match d.consent_to_quote {
                Some(true) => "consent_yes",
                Some(false) => "consent_no",
                None => "consent_unanswered",
            },
        ),
        consent_change: format!("{}/consent", visit.base()),
        action: format!("{}/send", visit.base()),
        csrf: csrf(&state, &req),
    };
    render(&state, StatusCode::OK, "respond/check", &view)
}

async fn send(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    read_checked_form(&state, &req, body).await?;
    let visit = load(&state, &path).await?;
    require_open(&visit)?;
    let Some(d) = current_draft(&state, &req, &visit).await? else {
        return Err(AppError::BadRequest(crate::error::Words::key_with("error_no_answers_here", [visit.base()])));
    };
    if !d.is_sent() {
        let answers = d.answers();
        if let Some(missing) = visit
            .def
            .journey(&d.audience, &answers)
            .into_iter()
            .find(|q| q.required && !answers.contains_key(q.key.as_str()))
        {
            return Ok(see_other(visit.question_url(missing.key.as_str())));
        }
        let id = d.id.clone();
        let channel = if d.session_id.is_some() { "panel" } else { "web" };
        let (key, token) = (state.codes.clone(), draft_token(&req).unwrap_or_default());
        // A shared tablet gives no receipt code: anyone who saw the screen could use it.
        let with_receipt = kiosk().is_none();
        let receipt = state
            .db
            .quick(move |c| {
                draft::send(c, &id, &draft::Sending { channel, key: &key, token: &token, with_receipt })
                    .map_err(AppError::from)
            })
            .await?;
        if receipt.stored_now {
            state.metrics.responses_stored.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }
    Ok(see_other(format!("{}/done", visit.base())))
}

#[derive(Serialize)]
struct DoneView {
    page: PageMeta,
    kiosk: bool,
    csrf: String,
    follow_up_action: String,
    receipt: Option<String>,
    partnership: String,
    deletion_days: i64,
    delete_link: String,
    again_link: String,
}

async fn done(state: web::Data<AppState>, req: HttpRequest, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let visit = load(&state, &path).await?;
    let Some(d) = current_draft(&state, &req, &visit).await? else { return Ok(see_other(visit.base())) };
    if !d.is_sent() {
        return Ok(see_other(format!("{}/check", visit.base())));
    }
    let receipt = draft::receipt_code(&d, &state.codes, &draft_token(&req).unwrap_or_default());
    let lang = visit.lang(Some(&d.audience));
    let on_kiosk = kiosk();
    let view = DoneView {
        page: visit.page_in(crate::i18n::text(&lang, "done_title"), Some(&d.audience), &lang),
        kiosk: on_kiosk.is_some(),
        csrf: csrf(&state, &req),
        follow_up_action: format!("{}/follow-up", visit.base()),
        receipt,
        partnership: visit.partnership.clone(),
        deletion_days: state.settings.deletion_days,
        delete_link: format!("{}/delete", visit.base()),
        again_link: on_kiosk.as_ref().map(|_| format!("{}/next", visit.base())).unwrap_or_else(|| visit.base()),
    };
    let mut view = view;
    if let Some(k) = view.page.kiosk.as_mut() {
        // On a shared tablet the thank-you page goes back to the start on its own soon.
        k.idle_seconds = k.idle_seconds.min(45);
    }
    let mut res = render(&state, StatusCode::OK, "respond/done", &view)?;
    if on_kiosk.is_some() {
        // The next person starts with nothing: this device forgets these answers now, so
        // Back, refresh or another visit to this page leads only to the start.
        forget_draft(&state, &visit, &mut res)?;
    }
    Ok(res)
}

/// `GET /s/{wave}/next` on a shared tablet: the next person starts afresh. Throws away this
/// tablet's unsent answers, forgets its draft and goes back to the session's start page. (A
/// link, so the no-script refresh can reach it; it only ever discards this device's own
/// unsent draft.)
async fn next_person(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let visit = load(&state, &path).await?;
    let Some(k) = kiosk().filter(|k| k.wave == visit.wave.slug) else { return Ok(see_other(visit.base())) };
    if let Some(token) = req.cookie(DRAFT_COOKIE).map(|c| c.value().to_owned()).filter(|t| t.len() <= 100) {
        let wave_id = visit.wave.id.clone();
        state.db.write(move |c| draft::discard_unsent(c, &wave_id, &token).map_err(AppError::from)).await?;
    }
    let mut res = see_other(k.start());
    forget_draft(&state, &visit, &mut res)?;
    Ok(res)
}

// ---------------------------------------------------------------------------------------
// Invitation links and unsubscribing.

/// `GET /i/{token}`: an invitation's single-use link. Starts a draft for the contact's
/// audience on this device (linked to the invitation only until it is sent) and opens that
/// version's start page.
async fn invitation(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    use crate::models::invitations::{self, Link as Invite};
    let token = path.into_inner();
    if token.len() > 100 {
        return Err(AppError::NotFound(crate::error::Words::key("error_invitation_unknown")));
    }
    let found = state.db.run(move |c| invitations::use_link(c, &token).map_err(AppError::from)).await?;
    let contact = match found {
        Invite::Fresh(c) => c,
        Invite::Used => {
            return Err(AppError::Gone(crate::error::Words::key("error_invitation_used")));
        }
        Invite::Unknown => {
            return Err(AppError::NotFound(crate::error::Words::key("error_invitation_replaced")));
        }
    };
    let wave_id = contact.wave_id.clone();
    let slug = state.db.run(move |c| invitations::wave_slug(c, &wave_id).map_err(AppError::from)).await?;
    let visit = load(&state, &slug).await?;
    require_open(&visit)?;
    let token = random_token();
    let (wave_id, aud, tok, days, cid) =
        (visit.wave.id.clone(), contact.audience.clone(), token.clone(), state.settings.draft_days, contact.id.clone());
    state
        .db
        .write(move |c| -> Result<(), AppError> {
            let d = draft::create(c, &wave_id, &aud, &tok, days)?;
            draft::set_contact(c, &d.id, &cid)?;
            Ok(())
        })
        .await?;
    let mut res = see_other(format!("{}/{}", visit.base(), contact.audience));
    res.add_cookie(&draft_cookie(&state, &visit, &token)).map_err(AppError::internal)?;
    Ok(res)
}

#[derive(Serialize)]
struct UnsubscribeView {
    page: PageMeta,
    heading: String,
    lines: Vec<String>,
    action: String,
    csrf: String,
    again: bool,
}

/// `GET /u/{token}`: one click unsubscribes; the page offers to undo it.
async fn unsubscribe(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let t = token.clone();
    let known = token.len() <= 100
        && state
            .db
            .write(move |c| crate::models::invitations::set_unsubscribed(c, &t, true).map_err(AppError::from))
            .await?;
    if !known {
        return Err(AppError::NotFound(crate::error::Words::key("error_unsubscribe_unknown")));
    }
    let view = UnsubscribeView {
        page: PageMeta::new("You are unsubscribed"),
        heading: "You are unsubscribed".into(),
        lines: vec!["We will not send you more emails about this survey.".into()],
        action: format!("/u/{token}"),
        csrf: csrf(&state, &req),
        again: true,
    };
    render(&state, StatusCode::OK, "respond/unsubscribe", &view)
}

/// `POST /u/{token}`: a mail program's one-click unsubscribe (RFC 8058, no form token: it can
/// only ever stop emails), or the page's "subscribe again" (with a form token).
async fn unsubscribe_post(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = super::form::read(&req, body, 4096).await?;
    let token = path.into_inner();
    if token.len() > 100 {
        return Err(AppError::NotFound(crate::error::Words::key("error_unsubscribe_not_ours")));
    }
    let again = form.get("action") == Some("subscribe");
    if again {
        state.forms.check(&req, form.get("csrf"))?;
    }
    let t = token.clone();
    let known = state
        .db
        .write(move |c| crate::models::invitations::set_unsubscribed(c, &t, !again).map_err(AppError::from))
        .await?;
    if !known {
        return Err(AppError::NotFound(crate::error::Words::key("error_unsubscribe_not_ours")));
    }
    let view = UnsubscribeView {
        page: PageMeta::new(if again { "You will get emails again" } else { "You are unsubscribed" }),
        heading: if again { "You will get emails again".into() } else { "You are unsubscribed".into() },
        lines: vec![if again {
            "We may send you a reminder about this survey.".into()
        } else {
            "We will not send you more emails about this survey.".into()
        }],
        action: format!("/u/{token}"),
        csrf: csrf(&state, &req),
        again: !again,
    };
    render(&state, StatusCode::OK, "respond/unsubscribe", &view)
}

/// `POST /s/{wave}/follow-up`: an address to hear "you said, we did", kept apart from the
/// answers just sent (see `models::updates`).
async fn follow_up(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = read_checked_form(&state, &req, body).await?;
    let visit = load(&state, &path).await?;
    let lang = visit.lang(None);
    let email = form.get("email").unwrap_or("").chars().take(320).collect::<String>();
    let wave_id = visit.wave.id.clone();
    let public = state.settings.public_url.trim_end_matches('/').to_owned();
    let host = crate::email::outbox::message_host(&public);
    let (templates, partnership, mail_lang) = (state.templates, visit.partnership.clone(), lang.clone());
    let stored = state
        .db
        .run(move |c| -> Result<Result<(), String>, AppError> {
            let Some(owner) = survey_model::wave_owner_by_id(c, &wave_id)? else {
                return Err(AppError::NotFound(crate::error::Words::key("error_no_survey")));
            };
            let link_for = |token: &str| format!("{public}/updates/confirm/{token}?lang={mail_lang}");
            let render =
                |link: &str| crate::email::messages::follow_up_confirm(templates, &mail_lang, &partnership, link);
            match crate::models::updates::leave_address(c, &owner, &email, &host, &link_for, &render) {
                Ok(()) => Ok(Ok(())),
                Err(crate::models::StoreError::Conflict(m)) => Ok(Err(m)),
                Err(e) => Err(e.into()),
            }
        })
        .await?;
    let t = |k: &str| crate::i18n::text(&lang, k).to_owned();
    match stored {
        Ok(()) => message(
            &state,
            StatusCode::OK,
            visit.page_in(t("follow_up_title"), None, &lang),
            &t("follow_up_title"),
            vec![t("follow_up_thanks")],
            None,
        ),
        Err(_) => message(
            &state,
            StatusCode::BAD_REQUEST,
            visit.page_in(t("follow_up_title"), None, &lang).with_error(true),
            &t("follow_up_title"),
            vec![t("follow_up_bad")],
            Some(Link { href: format!("{}/done", visit.base()), text: t("back") }),
        ),
    }
}

// ---------------------------------------------------------------------------------------
// Member codes (panel sessions that link a young person across years).

#[derive(Serialize)]
struct MemberView {
    page: PageMeta,
    action: String,
    csrf: String,
    /// A new code, once given.
    given: Option<String>,
    continue_link: String,
    value: String,
    error: Option<String>,
    errors: Vec<Link>,
}

/// The unsent draft of a session that asks for member codes, or where to send the visitor.
async fn member_draft(
    state: &AppState,
    req: &HttpRequest,
    visit: &Visit,
) -> Result<Result<DraftRow, String>, AppError> {
    let Some(d) = current_draft(state, req, visit).await? else { return Ok(Err(visit.base())) };
    if d.is_sent() {
        return Ok(Err(format!("{}/done", visit.base())));
    }
    let Some(sid) = d.session_id.clone() else { return Ok(Err(resume_point(visit, &d))) };
    let session = state.db.run(move |c| crate::models::panel::find(c, &sid).map_err(AppError::from)).await?;
    if !session.is_some_and(|s| s.member_codes) {
        return Ok(Err(resume_point(visit, &d)));
    }
    Ok(Ok(d))
}

fn member_view(
    state: &AppState,
    req: &HttpRequest,
    visit: &Visit,
    d: &DraftRow,
    given: Option<String>,
    value: String,
    error: Option<String>,
) -> MemberView {
    let lang = visit.lang(Some(&d.audience));
    let title = if given.is_some() { "member_given_title" } else { "member_title" };
    let first = visit.def.journey(&d.audience, &d.answers()).first().map(|q| visit.question_url(q.key.as_str()));
    MemberView {
        page: visit
            .page_in(crate::i18n::text(&lang, title), Some(&d.audience), &lang)
            .back(format!("{}/{}", visit.base(), d.audience))
            .with_error(error.is_some()),
        action: format!("{}/member", visit.base()),
        csrf: csrf(state, req),
        given,
        continue_link: first.unwrap_or_else(|| format!("{}/consent", visit.base())),
        value: echo(&value).chars().take(40).collect(),
        errors: super::pages::error_links(&error, "#member-code"),
        error,
    }
}

async fn member(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let visit = load(&state, &path).await?;
    require_open(&visit)?;
    let d = match member_draft(&state, &req, &visit).await? {
        Ok(d) => d,
        Err(to) => return Ok(see_other(to)),
    };
    render(&state, StatusCode::OK, "respond/member", &member_view(&state, &req, &visit, &d, None, String::new(), None))
}

async fn member_post(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = read_checked_form(&state, &req, body).await?;
    let visit = load(&state, &path).await?;
    require_open(&visit)?;
    let d = match member_draft(&state, &req, &visit).await? {
        Ok(d) => d,
        Err(to) => return Ok(see_other(to)),
    };
    let lang = visit.lang(Some(&d.audience));
    let next = resume_point(&visit, &d);
    let (hash, given) = match form.get("action").unwrap_or("use") {
        "skip" => (None, None),
        "new" => {
            let code = crate::domain::codes::new_member_code();
            (Some(crate::models::import::member_hash(&code)), Some(code))
        }
        _ => {
            let typed = form.get("code").unwrap_or("").to_owned();
            let cleaned: String = typed.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
            let ok = (6..=20).contains(&cleaned.chars().count()) && cleaned.chars().all(|c| c.is_ascii_alphanumeric());
            if !ok {
                let msg = crate::i18n::text(&lang, "member_format").to_owned();
                let view = member_view(&state, &req, &visit, &d, None, typed, Some(msg));
                return render(&state, StatusCode::BAD_REQUEST, "respond/member", &view);
            }
            (Some(crate::models::import::member_hash(&cleaned)), None)
        }
    };
    let id = d.id.clone();
    let stored = hash.clone();
    state.db.run(move |c| draft::set_member(c, &id, stored.as_deref()).map_err(AppError::from)).await?;
    match given {
        Some(code) => {
            let view = member_view(&state, &req, &visit, &d, Some(code), String::new(), None);
            render(&state, StatusCode::OK, "respond/member", &view)
        }
        None => Ok(see_other(next)),
    }
}

// ---------------------------------------------------------------------------------------
// Resume and delete by code.

#[derive(Serialize)]
struct CodeFormView {
    page: PageMeta,
    action: String,
    csrf: String,
    heading: String,
    hint: String,
    button: String,
    value: String,
    error: Option<String>,
    errors: Vec<Link>,
}

fn code_form(
    state: &AppState,
    req: &HttpRequest,
    visit: &Visit,
    deleting: bool,
    value: String,
    error: Option<String>,
) -> CodeFormView {
    let lang = visit.lang(None);
    let t = |key: &str| crate::i18n::text(&lang, key).to_owned();
    let (heading, hint, button, action) = if deleting {
        (
            t("delete_title"),
            crate::i18n::format(&lang, "delete_hint", &[&state.settings.deletion_days]),
            t("delete_button"),
            "delete",
        )
    } else {
        (t("resume_title"), t("resume_hint"), t("resume_button"), "resume")
    };
    CodeFormView {
        page: visit.page_in(heading.clone(), None, &lang).back(visit.base()).with_error(error.is_some()),
        action: format!("{}/{action}", visit.base()),
        csrf: csrf(state, req),
        heading,
        hint,
        button,
        value: echo(&value).chars().take(40).collect(),
        errors: super::pages::error_links(&error, "#code"),
        error,
    }
}

async fn resume(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    if let Some(k) = kiosk() {
        return Ok(see_other(k.start()));
    }
    let visit = load(&state, &path).await?;
    require_open(&visit)?;
    render(&state, StatusCode::OK, "respond/code_form", &code_form(&state, &req, &visit, false, String::new(), None))
}

/// Refuses a code while this wave has had too many wrong ones lately (see `ratelimit`):
/// guessing codes from many addresses at once gains nothing.
fn throttle_codes(state: &AppState, visit: &Visit) -> Result<(), AppError> {
    state.limiter.code_allowed(&visit.wave.id).map_err(|r| AppError::TooManyRequests {
        message: crate::error::Words::key("codes_throttled"),
        retry_after: r.retry_after,
    })
}

async fn resume_post(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = read_checked_form(&state, &req, body).await?;
    if let Some(k) = kiosk() {
        return Ok(see_other(k.start()));
    }
    let visit = load(&state, &path).await?;
    require_open(&visit)?;
    let typed = form.get("code").unwrap_or("").to_owned();
    let Some(code) = ShortCode::parse(&typed) else {
        let msg =
            crate::i18n::text(&visit.lang(None), if typed.trim().is_empty() { "type_code" } else { "code_format" });
        return render(
            &state,
            StatusCode::BAD_REQUEST,
            "respond/code_form",
            &code_form(&state, &req, &visit, false, typed, Some(msg.into())),
        );
    };
    throttle_codes(&state, &visit)?;
    let token = random_token();
    let (wave_id, tok, days, key) =
        (visit.wave.id.clone(), token.clone(), state.settings.draft_days, state.codes.clone());
    let found =
        state.db.run(move |c| draft::resume(c, &key, &wave_id, &code, &tok, days).map_err(AppError::from)).await?;
    let Some(d) = found else {
        state.limiter.code_failure(&visit.wave.id);
        let msg = crate::i18n::format(&visit.lang(None), "code_failed", &[&state.settings.draft_days]);
        return render(
            &state,
            StatusCode::BAD_REQUEST,
            "respond/code_form",
            &code_form(&state, &req, &visit, false, typed, Some(msg)),
        );
    };
    let mut res = see_other(resume_point(&visit, &d));
    res.add_cookie(&draft_cookie(&state, &visit, &token)).map_err(AppError::internal)?;
    Ok(res)
}

async fn delete(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    if let Some(k) = kiosk() {
        return Ok(see_other(k.start()));
    }
    let visit = load(&state, &path).await?;
    render(&state, StatusCode::OK, "respond/code_form", &code_form(&state, &req, &visit, true, String::new(), None))
}

async fn delete_post(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = read_checked_form(&state, &req, body).await?;
    if let Some(k) = kiosk() {
        return Ok(see_other(k.start()));
    }
    let visit = load(&state, &path).await?;
    let typed = form.get("code").unwrap_or("").to_owned();
    let Some(code) = ShortCode::parse(&typed) else {
        let msg = crate::i18n::text(
            &visit.lang(None),
            if typed.trim().is_empty() { "type_receipt" } else { "receipt_format" },
        );
        return render(
            &state,
            StatusCode::BAD_REQUEST,
            "respond/code_form",
            &code_form(&state, &req, &visit, true, typed, Some(msg.into())),
        );
    };
    throttle_codes(&state, &visit)?;
    let (wave_id, days, key) = (visit.wave.id.clone(), state.settings.deletion_days, state.codes.clone());
    let outcome = state
        .db
        .run(move |c| response::delete_by_receipt(c, &key, &wave_id, &code, days).map_err(AppError::from))
        .await?;
    let lang = visit.lang(None);
    let t = |key: &str| crate::i18n::text(&lang, key).to_owned();
    match outcome {
        Deletion::Deleted => message(
            &state,
            StatusCode::OK,
            visit.page_in(t("deleted_title"), None, &lang),
            &t("deleted_title"),
            vec![t("deleted_1"), t("deleted_2")],
            Some(Link { href: visit.base(), text: t("go_to_start") }),
        ),
        Deletion::NotFound => {
            state.limiter.code_failure(&visit.wave.id);
            let msg = t("receipt_not_found");
            render(
                &state,
                StatusCode::NOT_FOUND,
                "respond/code_form",
                &code_form(&state, &req, &visit, true, typed, Some(msg)),
            )
        }
        Deletion::TooLate => message(
            &state,
            StatusCode::GONE,
            visit.page_in(t("too_late_title"), None, &lang),
            &t("too_late_title"),
            vec![
                crate::i18n::format(&lang, "too_late_1", &[&state.settings.deletion_days]),
                crate::i18n::format(&lang, "too_late_2", &[&visit.partnership]),
            ],
            None,
        ),
    }
}

// ---------------------------------------------------------------------------------------
// Staff preview: every question page as each audience sees it, for any wave status.

/// `GET/POST /staff/waves/{slug}/preview/{audience}/{n}` (every staff role that can see the
/// wave). Continue moves to the next question; nothing is stored.
pub fn configure_preview(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/waves/{slug}/preview/{audience}/{n}", web::get().to(preview))
        .route("/staff/waves/{slug}/preview/{audience}/{n}", web::post().to(preview_next));
}

async fn preview_target(
    state: &AppState,
    who: &super::staff::SignedIn,
    slug: &str,
    audience: &str,
) -> Result<Visit, AppError> {
    let not_found =
        || AppError::NotFound("There is nothing at this address, or it belongs to another partnership.".into());
    let visit = load_any(state, slug).await?;
    let id = visit.wave.id.clone();
    let owner = state.db.run(move |c| survey_model::wave_owner_by_id(c, &id).map_err(AppError::from)).await?;
    if !owner.is_some_and(|p| who.staff.can_see(&p)) || visit.def.audience(audience).is_none() {
        return Err(not_found());
    }
    Ok(visit)
}

async fn preview(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String, usize)>,
    who: super::staff::SignedIn,
) -> Result<HttpResponse, AppError> {
    let (slug, audience, n) = path.into_inner();
    let visit = preview_target(&state, &who, &slug, &audience).await?;
    // Preview every question the audience could be asked, routing ignored.
    let all: Vec<&Question> = visit.def.questions_for(&audience).collect();
    let Some(q) = n.checked_sub(1).and_then(|i| all.get(i)) else {
        return Err(AppError::NotFound(format!("This audience has {} questions.", all.len()).into()));
    };
    let base = format!("/staff/waves/{slug}/preview/{audience}");
    let shown = Shown {
        question: q,
        position: n,
        total: all.len(),
        back: if n > 1 { format!("{base}/{}", n - 1) } else { format!("/staff/waves/{slug}") },
    };
    let mut view = question_view(&state, &req, &visit, &shown, &audience, None, None, None, false);
    view.action = format!("{base}/{n}");
    view.preview = Some(format!(
        "Preview of what {} see{}. Nothing you choose is saved.",
        visit.def.audience(&audience).map(|a| a.name.to_lowercase()).unwrap_or_default(),
        q.show_if
            .as_ref()
            .map(|r| format!(" (only shown when {} is {})", r.question, r.any_of.join(" or ")))
            .unwrap_or_default()
    ));
    view.page.title = format!("Preview: {}", view.page.title);
    attach_media(&state, &visit, &audience, q.key.as_str(), &mut view).await?;
    let lang = visit.lang(Some(&audience));
    let reader = if visit.def.audience(&audience).is_some_and(|a| a.easy_read) {
        crate::domain::easyread::Reader::YoungPeople
    } else {
        crate::domain::easyread::Reader::Parents
    };
    let mut report = crate::domain::easyread::check_version(&visit.def, &audience, &lang, reader);
    report.findings.retain(|f| f.question.as_deref() == Some(q.key.as_str()));
    let findings = super::staff::finding_views(&visit.def, &slug, &report);
    view.advice = Some(Advice {
        summary: if findings.is_empty() {
            "The easy-read checker has no advice on this question.".into()
        } else {
            format!(
                "The easy-read checker has {} for this question:",
                if findings.len() == 1 {
                    "1 piece of advice".to_owned()
                } else {
                    format!("{} pieces of advice", findings.len())
                }
            )
        },
        report: format!("/staff/waves/{slug}/easy-read"),
        findings,
    });
    render(&state, StatusCode::OK, "respond/question", &view)
}

async fn preview_next(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String, usize)>,
    body: web::Payload,
    who: super::staff::SignedIn,
) -> Result<HttpResponse, AppError> {
    read_checked_form(&state, &req, body).await?;
    let (slug, audience, n) = path.into_inner();
    let visit = preview_target(&state, &who, &slug, &audience).await?;
    let total = visit.def.questions_for(&audience).count();
    Ok(see_other(if n < total {
        format!("/staff/waves/{slug}/preview/{audience}/{}", n + 1)
    } else {
        format!("/staff/waves/{slug}")
    }))
}
