//! Co-design review for young people and parents: a join code (or its link) opens one
//! audience's draft, and each question is shown as respondents will see it with "Is this
//! easy to understand?" (yes, not sure, no) and room for better words. Kiosk-safe: nothing
//! is kept in the browser (the code is in the address), no name is asked, and the last page
//! starts again for the next person. What reviewers say is stored as review feedback, never
//! as a response (`models::review`). The pages are in English, the language of the draft
//! being reviewed.
//!
//! | route | who |
//! |---|---|
//! | `GET,POST /review` | anyone (type the code) |
//! | `GET /review/{code}`, `GET,POST /review/{code}/{n}`, `GET /review/{code}/done` | anyone with the code |

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use crate::domain::codes::JoinCode;
use crate::domain::survey::{Question, SurveyDefinition};
use crate::domain::text::UserText;
use crate::error::AppError;
use crate::models::review::{self, Review, Verdict};
use crate::routes::form::{read_checked, token as csrf};
use crate::routes::pages::{Link, PageMeta, render, see_other};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/review", web::get().to(code_page))
        .route("/review", web::post().to(code_post))
        .route("/review/{code}", web::get().to(start))
        .route("/review/{code}/done", web::get().to(done))
        .route("/review/{code}/{n}", web::get().to(question_page))
        .route("/review/{code}/{n}", web::post().to(question_post));
}

/// The longest suggestion, in characters as people see them.
const SUGGESTION_GRAPHEMES: usize = 500;

fn not_open() -> AppError {
    AppError::NotFound(
        "There is no review open with that code. Check the code with the person running the session.".into(),
    )
}

#[derive(Serialize)]
struct CodeView {
    page: PageMeta,
    csrf: String,
    value: String,
    error: Option<String>,
    errors: Vec<Link>,
}

fn code_view(state: &AppState, req: &HttpRequest, value: String, error: Option<String>) -> CodeView {
    CodeView {
        page: PageMeta::new("Help check a survey").with_error(error.is_some()),
        csrf: csrf(state, req),
        value: value.chars().filter(|c| !c.is_control()).take(20).collect(),
        errors: crate::routes::pages::error_links(&error, "#review-code"),
        error,
    }
}

async fn code_page(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    render(&state, StatusCode::OK, "respond/review_code", &code_view(&state, &req, String::new(), None))
}

async fn code_post(state: web::Data<AppState>, req: HttpRequest, body: web::Payload) -> Result<HttpResponse, AppError> {
    let f = read_checked(&state, &req, body).await?;
    let typed = f.get("code").unwrap_or("").to_owned();
    let Some(code) = JoinCode::parse(&typed) else {
        let view =
            code_view(&state, &req, typed, Some("Type the 6 letters and numbers of the code, like K7Q-M4P.".into()));
        return render(&state, StatusCode::BAD_REQUEST, "respond/review_code", &view);
    };
    match open_review(&state, code.as_str()).await {
        Ok(_) => Ok(see_other(format!("/review/{}", code.as_str()))),
        Err(_) => {
            let view = code_view(
                &state,
                &req,
                typed,
                Some("There is no review open with that code. Check it with the person running the session.".into()),
            );
            render(&state, StatusCode::NOT_FOUND, "respond/review_code", &view)
        }
    }
}

/// The open review with this code, its wave's definition and the questions it shows.
async fn open_review(state: &AppState, code: &str) -> Result<(Review, std::sync::Arc<SurveyDefinition>), AppError> {
    let code = JoinCode::parse(code).ok_or_else(not_open)?;
    let found = state.db.run(move |c| review::open_by_code(c, &code).map_err(AppError::from)).await?;
    let r = found.ok_or_else(not_open)?;
    let wave_id = r.wave_id.clone();
    let slug = state.db.run(move |c| crate::models::survey::wave_slug(c, &wave_id).map_err(AppError::from)).await?;
    let wave = state.wave(&slug).await?.ok_or_else(not_open)?;
    Ok((r, wave.definition))
}

fn questions<'a>(def: &'a SurveyDefinition, audience: &'a str) -> Vec<&'a Question> {
    def.questions_for(audience).collect()
}

#[derive(Serialize)]
struct StartView {
    page: PageMeta,
    title: String,
    audience: String,
    count: usize,
    first: String,
}

async fn start(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let (r, def) = open_review(&state, &path).await?;
    let view = StartView {
        page: PageMeta::new("Help check a survey"),
        title: def.series.title.clone(),
        audience: def.audience(&r.audience).map_or(r.audience.clone(), |a| a.name.clone()),
        count: questions(&def, &r.audience).len(),
        first: format!("/review/{}/1", r.code),
    };
    render(&state, StatusCode::OK, "respond/review_start", &view)
}

#[derive(Serialize)]
struct AnswerView {
    label: String,
    symbol: Option<String>,
}

#[derive(Serialize)]
struct QuestionView {
    page: PageMeta,
    csrf: String,
    action: String,
    n: usize,
    total: usize,
    title: String,
    hint: String,
    symbol: Option<String>,
    symbol_alt: String,
    answers: Vec<AnswerView>,
    written: bool,
    verdict: String,
    suggestion: String,
    error: Option<String>,
    verdict_error: Option<String>,
    errors: Vec<Link>,
}

fn question_view(
    state: &AppState,
    req: &HttpRequest,
    r: &Review,
    def: &SurveyDefinition,
    n: usize,
    typed: (&str, &str),
    error: Option<(String, &str)>,
) -> Result<QuestionView, AppError> {
    let list = questions(def, &r.audience);
    let q = list.get(n.wrapping_sub(1)).ok_or_else(not_open)?;
    let w = def.wording_in(q, &r.audience, crate::i18n::DEFAULT_LANG);
    Ok(QuestionView {
        page: PageMeta::new(format!("Question {n}: is it easy to understand?")).with_error(error.is_some()),
        csrf: csrf(state, req),
        action: format!("/review/{}/{n}", r.code),
        n,
        total: list.len(),
        title: w.title,
        hint: w.hint,
        symbol: q
            .symbol
            .as_ref()
            .filter(|s| crate::templates::Templates::has_symbol(&s.image))
            .map(|s| s.image.clone()),
        symbol_alt: q.symbol.as_ref().map(|s| s.alt.clone()).unwrap_or_default(),
        answers: q
            .options
            .iter()
            .map(|o| AnswerView {
                label: o.label(&r.audience).to_owned(),
                symbol: o
                    .symbol
                    .as_ref()
                    .filter(|s| crate::templates::Templates::has_symbol(&s.image))
                    .map(|s| s.image.clone()),
            })
            .collect(),
        written: q.kind.is_text() || q.kind == crate::domain::survey::QuestionKind::Number,
        verdict: typed.0.to_owned(),
        suggestion: typed.1.to_owned(),
        errors: error.iter().map(|(e, target)| Link { href: format!("#{target}"), text: e.clone() }).collect(),
        verdict_error: error.as_ref().filter(|(_, t)| *t == "easy-yes").map(|(e, _)| e.clone()),
        error: error.filter(|(_, t)| *t == "suggestion").map(|(e, _)| e),
    })
}

async fn question_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, usize)>,
) -> Result<HttpResponse, AppError> {
    let (code, n) = path.into_inner();
    let (r, def) = open_review(&state, &code).await?;
    let view = question_view(&state, &req, &r, &def, n, ("", ""), None)?;
    render(&state, StatusCode::OK, "respond/review_question", &view)
}

async fn question_post(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, usize)>,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    let f = read_checked(&state, &req, body).await?;
    let (code, n) = path.into_inner();
    let (r, def) = open_review(&state, &code).await?;
    let list = questions(&def, &r.audience);
    let q = list.get(n.wrapping_sub(1)).ok_or_else(not_open)?;
    let verdict_typed = f.get("easy").unwrap_or("");
    let typed = f.get("suggestion").unwrap_or("");
    let suggestion = match UserText::parse(typed, SUGGESTION_GRAPHEMES, true) {
        Ok(t) => t.into_string(),
        Err(e) => {
            let view = question_view(
                &state,
                &req,
                &r,
                &def,
                n,
                (verdict_typed, typed),
                Some((format!("Your words {e}."), "suggestion")),
            )?;
            return render(&state, StatusCode::BAD_REQUEST, "respond/review_question", &view);
        }
    };
    // Saying nothing about a question is fine: it moves on without storing anything.
    if let Some(verdict) = Verdict::parse(verdict_typed) {
        let (id, key) = (r.id.clone(), q.key.as_str().to_owned());
        let words = (!suggestion.is_empty()).then_some(suggestion);
        state
            .db
            .write(move |c| review::add_feedback(c, &id, &key, verdict, words.as_deref()).map_err(AppError::from))
            .await?;
    } else if !suggestion.is_empty() {
        let view = question_view(
            &state,
            &req,
            &r,
            &def,
            n,
            (verdict_typed, typed),
            Some((
                "Say whether the question is easy to understand, then your better words are kept with it.".into(),
                "easy-yes",
            )),
        )?;
        return render(&state, StatusCode::BAD_REQUEST, "respond/review_question", &view);
    }
    if n >= list.len() {
        Ok(see_other(format!("/review/{}/done", r.code)))
    } else {
        Ok(see_other(format!("/review/{}/{}", r.code, n + 1)))
    }
}

#[derive(Serialize)]
struct DoneView {
    page: PageMeta,
    again: String,
}

async fn done(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let (r, _) = open_review(&state, &path).await?;
    let view = DoneView { page: PageMeta::new("Thank you"), again: format!("/review/{}", r.code) };
    render(&state, StatusCode::OK, "respond/review_done", &view)
}
