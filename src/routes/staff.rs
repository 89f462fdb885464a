//! The staff workspace. Everyone signs in at `/staff/sign-in`; sessions live in the database
//! (several instances share them) behind an HttpOnly cookie scoped to `/staff`. Every query is
//! scoped to the signed-in person's partnership: an id from another partnership answers 404,
//! exactly like an id that does not exist, so nothing can be guessed.
//!
//! | route | roles |
//! |---|---|
//! | `GET /staff` | every role |
//! | `GET,POST /staff/sign-in`, `POST /staff/sign-out` | anyone / the signed-in person |
//! | `GET /staff/waves/{slug}` | every role |
//! | `GET /staff/waves/{slug}/responses` | admin, analyst |
//! | `GET /staff/responses/{id}` | admin, analyst |
//! | `POST /staff/responses/{id}/delete` | admin, analyst |
//! | `GET /staff/audit` | admin |
//!
//! A superadmin may do everything, for every partnership.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::form::token as csrf;
use super::pages::{Link, PageMeta, StaffNav, render};
use crate::domain::SurveyDefinition;
use crate::domain::text::UserText;
use crate::error::AppError;
use crate::models::account::{self, Role, SignIn, Staff};
use crate::models::{audit, response, survey};
use crate::state::AppState;

pub const STAFF_COOKIE: &str = "heard_staff";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/staff")
            .route("", web::get().to(home))
            .route("/sign-in", web::get().to(sign_in_page))
            .route("/sign-in", web::post().to(sign_in))
            .route("/sign-out", web::post().to(sign_out))
            .route("/waves/{slug}", web::get().to(wave))
            .route("/waves/{slug}/responses", web::get().to(responses))
            .route("/waves/{slug}/easy-read", web::get().to(easy_read))
            .route("/responses/{id}", web::get().to(response_page))
            .route("/responses/{id}/delete", web::post().to(delete_response))
            .route("/audit", web::get().to(audit_page)),
    );
}

/// The signed-in staff member, taken from the session cookie. Without a live session the
/// request is sent to the sign-in page.
pub struct SignedIn {
    pub staff: Staff,
    pub token: String,
}

impl FromRequest for SignedIn {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = req.cookie(STAFF_COOKIE).map(|c| c.value().to_owned()).filter(|t| t.len() <= 100);
        // Looking at a page without a session leads to sign-in; an action (a POST) without
        // one is refused with a page that says it was not done.
        let refusal = if req.method() == actix_web::http::Method::GET || req.method() == actix_web::http::Method::HEAD {
            AppError::SignInRequired
        } else {
            AppError::SessionEnded
        };
        Box::pin(async move {
            let (Some(state), Some(token)) = (state, token) else { return Err(refusal) };
            let t = token.clone();
            let staff = state.db.run(move |c| account::session(c, &t).map_err(AppError::from)).await?;
            staff.map(|staff| SignedIn { staff, token }).ok_or(refusal)
        })
    }
}

impl SignedIn {
    /// Refuses unless the person has one of `roles` (a superadmin always may).
    pub fn require(&self, roles: &[Role]) -> Result<(), AppError> {
        match self.staff.role() {
            Some(Role::Superadmin) => Ok(()),
            Some(r) if roles.contains(&r) => Ok(()),
            _ => Err(AppError::NotAllowed(
                "Your role does not include this page. Ask an admin of your partnership if you need it.".into(),
            )),
        }
    }

    /// What to add to a partnership page's address so a superadmin stays on `p`.
    pub fn partnership_suffix(&self, p: &crate::models::framework::Partnership) -> String {
        if self.staff.is_superadmin() { format!("?partnership={}", p.slug) } else { String::new() }
    }

    /// The partnership filter for queries: `None` means every partnership (superadmin).
    pub fn scope(&self) -> Option<String> {
        if self.staff.is_superadmin() { None } else { self.staff.partnership_id.clone() }
    }

    pub fn page(&self, req: &HttpRequest, state: &AppState, title: impl Into<String>) -> PageMeta {
        let mut links = vec![Link { href: "/staff".into(), text: "Surveys".into() }];
        let role = self.staff.role();
        if matches!(role, Some(Role::Admin | Role::Analyst | Role::Viewer)) {
            links.push(Link { href: "/staff/quotes".into(), text: "Quote bank".into() });
        }
        if matches!(role, Some(Role::Admin | Role::Analyst)) {
            links.push(Link { href: "/staff/themes".into(), text: "Codebook".into() });
        }
        if matches!(role, Some(Role::Admin | Role::Analyst | Role::Viewer)) {
            links.push(Link { href: "/staff/updates".into(), text: "You said, we did".into() });
        }
        if matches!(role, Some(Role::Admin | Role::Analyst | Role::Facilitator)) {
            links.push(Link { href: "/staff/images".into(), text: "Pictures".into() });
        }
        if matches!(role, Some(Role::Admin)) {
            links.push(Link { href: "/staff/framework".into(), text: "Framework".into() });
            links.push(Link { href: "/staff/users".into(), text: "Staff accounts".into() });
        }
        if matches!(self.staff.role(), Some(Role::Admin | Role::Superadmin)) {
            links.push(Link { href: "/staff/outbox".into(), text: "Email outbox".into() });
            links.push(Link { href: "/staff/audit".into(), text: "Audit log".into() });
        }
        let mut page = PageMeta::new(title);
        page.partnership = self.staff.partnership_name.clone();
        page.staff_stylesheet = Some(state.templates.staff_stylesheet.url.clone());
        page.staff = Some(StaffNav {
            email: self.staff.email.clone(),
            role: self.staff.role.clone(),
            partnership: self.staff.partnership_name.clone().unwrap_or_else(|| "All partnerships".into()),
            links,
            csrf: csrf(state, req),
        });
        page
    }
}

/// What staff get for an id that does not exist or belongs to another partnership: the same
/// answer, so nothing can be guessed.
pub fn not_found() -> AppError {
    AppError::NotFound("There is nothing at this address, or it belongs to another partnership.".into())
}

/// The partnership a page works on: the person's own, or for a superadmin the one named by
/// `?partnership=SLUG`.
pub async fn partnership_for(
    state: &AppState,
    who: &SignedIn,
    wanted: Option<&str>,
) -> Result<crate::models::framework::Partnership, AppError> {
    let slug = match (&who.staff.partnership_slug, wanted) {
        (Some(own), _) => own.clone(),
        (None, Some(w)) => w.to_owned(),
        (None, None) => {
            return Err(AppError::BadRequest("Choose a partnership: add ?partnership=SLUG to the address.".into()));
        }
    };
    state
        .db
        .run(move |c| crate::models::framework::find_by_slug(c, &slug).map_err(AppError::from))
        .await?
        .ok_or_else(not_found)
}

fn staff_cookie(state: &AppState, value: &str, max_age: actix_web::cookie::time::Duration) -> Cookie<'static> {
    Cookie::build(STAFF_COOKIE, value.to_owned())
        .path("/staff")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.settings.secure_cookies)
        .max_age(max_age)
        .finish()
}

// ---------------------------------------------------------------------------------------
// Signing in and out.

#[derive(Serialize)]
struct SignInView {
    page: PageMeta,
    csrf: String,
    email: String,
    error: Option<String>,
    errors: Vec<Link>,
}

async fn sign_in_page(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let view = SignInView {
        page: PageMeta::new("Sign in"),
        csrf: csrf(&state, &req),
        email: String::new(),
        error: None,
        errors: vec![],
    };
    render(&state, StatusCode::OK, "staff/sign_in", &view)
}

async fn sign_in(state: web::Data<AppState>, req: HttpRequest, body: web::Payload) -> Result<HttpResponse, AppError> {
    let form = super::form::read_checked(&state, &req, body).await?;
    let email = form.get("email").unwrap_or("").trim().chars().take(320).collect::<String>();
    let password = form.get("password").unwrap_or("").to_owned();
    let again = |status: StatusCode, message: String| {
        let view = SignInView {
            page: PageMeta::new("Sign in").with_error(true),
            csrf: csrf(&state, &req),
            email: email.clone(),
            errors: vec![Link { href: "#email".into(), text: message.clone() }],
            error: Some(message),
        };
        render(&state, status, "staff/sign_in", &view)
    };
    if email.is_empty() || password.is_empty() {
        return again(StatusCode::BAD_REQUEST, "Enter your email address and password.".into());
    }
    let (e, p) = (email.clone(), password);
    let outcome = state.db.run(move |c| account::sign_in(c, &e, &p).map_err(AppError::from)).await?;
    match outcome {
        SignIn::Ok { token, .. } => {
            let mut res = HttpResponse::SeeOther().insert_header((LOCATION, "/staff")).finish();
            let age = actix_web::cookie::time::Duration::hours(account::ABSOLUTE_HOURS);
            res.add_cookie(&staff_cookie(&state, &token, age)).map_err(AppError::internal)?;
            Ok(res)
        }
        // The same words, status and (one argon2 check) time whether the address is unknown,
        // the password wrong or the account locked: nothing to learn for a guesser.
        SignIn::Refused => again(
            StatusCode::UNAUTHORIZED,
            format!(
                "The email address or password is not right. After {} wrong tries in a row an account is locked for {} minutes: if you have forgotten your password, reset it with the link below.",
                account::LOCK_AFTER,
                account::LOCK_MINUTES
            ),
        ),
    }
}

async fn sign_out(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    super::form::read_checked(&state, &req, body).await?;
    let SignedIn { staff, token } = who;
    state.db.run(move |c| account::sign_out(c, &token, &staff).map_err(AppError::from)).await?;
    let mut res = HttpResponse::SeeOther().insert_header((LOCATION, "/staff/sign-in")).finish();
    res.add_cookie(&staff_cookie(&state, "", actix_web::cookie::time::Duration::ZERO)).map_err(AppError::internal)?;
    Ok(res)
}

// ---------------------------------------------------------------------------------------
// Surveys.

#[derive(Serialize)]
struct HomeView {
    page: PageMeta,
    waves: Vec<survey::WaveListing>,
    partnership: Option<String>,
    all_partnerships: bool,
    can_upload: bool,
}

async fn home(state: web::Data<AppState>, req: HttpRequest, who: SignedIn) -> Result<HttpResponse, AppError> {
    let scope = who.scope();
    let waves = state.db.run(move |c| survey::waves_for(c, scope.as_deref()).map_err(AppError::from)).await?;
    let view = HomeView {
        page: who.page(&req, &state, "Surveys"),
        waves,
        partnership: who.staff.partnership_name.clone(),
        all_partnerships: who.staff.is_superadmin(),
        can_upload: who.require(&[Role::Admin, Role::Analyst]).is_ok(),
    };
    render(&state, StatusCode::OK, "staff/home", &view)
}

/// A wave the signed-in person may see, with its definition.
pub(crate) struct OwnedWave {
    pub(crate) id: String,
    pub(crate) partnership_id: String,
    pub(crate) row: survey::WaveRow,
    pub(crate) def: std::sync::Arc<SurveyDefinition>,
}

/// A wave the signed-in person may see. Its definition comes from the cache the respondent
/// pages use (checked against the stored hash); on a miss it is read and parsed on a blocking
/// thread, never on the async workers (a large survey takes a second to parse).
pub(crate) async fn owned_wave(state: &AppState, who: &SignedIn, slug: &str) -> Result<OwnedWave, AppError> {
    if crate::domain::Slug::parse(slug, "wave").is_err() {
        return Err(not_found());
    }
    let slug = slug.to_owned();
    let (owner, row) = state
        .db
        .run(move |c| -> Result<_, AppError> {
            let Some(owner) = survey::wave_owner(c, &slug)? else { return Ok(None) };
            Ok(survey::find_wave(c, &slug)?.map(|r| (owner, r)))
        })
        .await?
        .ok_or_else(not_found)?;
    if !who.staff.can_see(&owner.1) {
        return Err(not_found());
    }
    let def = definition_of(state, &owner.0, &row).await?.definition;
    Ok(OwnedWave { id: owner.0, partnership_id: owner.1, row, def })
}

/// A wave's parsed definition (and its partnership's name), from the shared cache or parsed
/// (off the async workers) and cached. One limit everywhere: the deployment's longest
/// free-text answer.
pub(crate) async fn definition_of(
    state: &AppState,
    wave_id: &str,
    row: &survey::WaveRow,
) -> Result<crate::state::CachedDefinition, AppError> {
    if let Some(cached) = state.cached_definition(wave_id, &row.definition_hash) {
        return Ok(cached);
    }
    let (id, slug, limit) = (wave_id.to_owned(), row.slug.clone(), state.settings.max_text_graphemes);
    let (def, partnership_name) = state
        .db
        .run(move |c| -> Result<_, AppError> {
            let text = survey::wave_definition(c, &id)?;
            let (_, name) = survey::wave_partnership(c, &id)?;
            let def = SurveyDefinition::parse(&slug, &text, limit)
                .map_err(|e| AppError::internal(format!("stored definition of {slug} no longer parses: {e}")))?;
            Ok((std::sync::Arc::new(def), name))
        })
        .await?;
    let entry = crate::state::CachedDefinition { hash: row.definition_hash.clone(), definition: def, partnership_name };
    state.cache_definition(wave_id, entry.clone());
    Ok(entry)
}

#[derive(Serialize)]
struct WaveView {
    page: PageMeta,
    slug: String,
    label: String,
    status: String,
    series_title: String,
    counts: survey::WaveCounts,
    can_read: bool,
    can_edit: bool,
    csrf: String,
    opens: String,
    closes: String,
    statuses: Vec<StatusChoice>,
    previews: Vec<Link>,
    papers: Vec<Link>,
    next_slug: String,
    next_label: String,
    compare: String,
}

#[derive(Serialize)]
struct StatusChoice {
    value: &'static str,
    text: &'static str,
    selected: bool,
}

async fn wave(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&[Role::Admin, Role::Analyst, Role::Viewer, Role::Facilitator])?;
    let w = owned_wave(&state, &who, &path).await?;
    let id = w.id.clone();
    let counts = state.db.run(move |c| survey::wave_counts(c, &id).map_err(AppError::from)).await?;
    let view = WaveView {
        page: who.page(&req, &state, format!("{} {}", w.def.series.title, w.row.label)).back("/staff"),
        slug: w.row.slug.clone(),
        label: w.row.label.clone(),
        status: w.row.status.clone(),
        series_title: w.def.series.title.clone(),
        counts,
        can_read: who.require(&[Role::Admin, Role::Analyst]).is_ok(),
        can_edit: who.require(&[Role::Admin, Role::Analyst]).is_ok(),
        csrf: csrf(&state, &req),
        opens: w.row.opens_at.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
        closes: w.row.closes_at.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
        statuses: [
            ("draft", "Draft: not open to anyone"),
            ("open", "Open: taking answers"),
            ("closed", "Closed: no more answers"),
        ]
        .into_iter()
        .map(|(value, text)| StatusChoice { value, text, selected: w.row.status == value })
        .collect(),
        previews: w
            .def
            .audiences
            .iter()
            .map(|a| Link {
                href: format!("/staff/waves/{}/preview/{}/1", w.row.slug, a.key),
                text: format!("Preview as {}", a.name.to_lowercase()),
            })
            .collect(),
        papers: w
            .def
            .audiences
            .iter()
            .map(|a| Link {
                href: format!("/staff/waves/{}/paper/{}", w.row.slug, a.key),
                text: format!("Paper version for {}", a.name.to_lowercase()),
            })
            .collect(),
        next_slug: next_slug(&w.row.slug, &w.row.label).0,
        next_label: next_slug(&w.row.slug, &w.row.label).1,
        compare: format!("/staff/series/{}/compare", w.def.series.slug),
    };
    render(&state, StatusCode::OK, "staff/wave", &view)
}

#[derive(Serialize)]
pub(crate) struct FindingView {
    level: &'static str,
    rule: &'static str,
    field: String,
    message: String,
    preview: Option<String>,
}

#[derive(Serialize)]
struct VersionView {
    heading: String,
    summary: String,
    skipped: Option<&'static str>,
    findings: Vec<FindingView>,
}

#[derive(Serialize)]
struct EasyReadView {
    page: PageMeta,
    versions: Vec<VersionView>,
}

/// The easy-read checker's advice for findings, as the page and the preview show it.
pub(crate) fn finding_views(
    def: &SurveyDefinition,
    slug: &str,
    r: &crate::domain::easyread::VersionReport,
) -> Vec<FindingView> {
    let keys: Vec<&str> = def.questions_for(&r.audience).map(|q| q.key.as_str()).collect();
    let mut findings = r.findings.clone();
    findings.sort_by_key(|f| f.level);
    findings
        .into_iter()
        .map(|f| FindingView {
            level: f.level.word(),
            rule: f.rule,
            preview: f
                .question
                .as_ref()
                .and_then(|k| keys.iter().position(|x| x == k))
                .map(|i| format!("/staff/waves/{slug}/preview/{}/{}", r.audience, i + 1)),
            field: f.field,
            message: f.message,
        })
        .collect()
}

/// `GET /staff/waves/{slug}/easy-read`: the easy-read checker over every audience's version
/// in every language.
async fn easy_read(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    use crate::domain::easyread::{Level, Reader, check_survey};
    who.require(&[Role::Admin, Role::Analyst, Role::Viewer, Role::Facilitator])?;
    let w = owned_wave(&state, &who, &path).await?;
    let versions = check_survey(&w.def)
        .iter()
        .map(|r| {
            let audience = w.def.audience(&r.audience).map(|a| a.name.clone()).unwrap_or_else(|| r.audience.clone());
            let language = crate::i18n::catalogue(&r.language).map(|c| c.name.clone()).unwrap_or(r.language.clone());
            let style = if r.reader == Reader::YoungPeople { "easy read" } else { "plain English" };
            let (e, wn, i) = (r.count(Level::Error), r.count(Level::Warning), r.count(Level::Info));
            VersionView {
                heading: format!("{audience}, {language} ({style})"),
                summary: format!(
                    "{}{}",
                    r.reading_age.map(|a| format!("Reading age about {a:.0} (a rough guide). ")).unwrap_or_default(),
                    if e + wn + i == 0 {
                        "Nothing to change.".to_owned()
                    } else {
                        format!("{e} must fix, {wn} should fix, {i} to look at.")
                    }
                ),
                skipped: r.skipped,
                findings: finding_views(&w.def, &w.row.slug, r),
            }
        })
        .collect();
    let view = EasyReadView {
        page: who
            .page(&req, &state, format!("Easy-read check: {} {}", w.def.series.title, w.row.label))
            .back(format!("/staff/waves/{}", w.row.slug)),
        versions,
    };
    render(&state, StatusCode::OK, "staff/easy_read", &view)
}

/// A guess at next year's slug and label: the label's year plus one, when there is one.
fn next_slug(slug: &str, label: &str) -> (String, String) {
    match label.trim().parse::<i32>() {
        Ok(year) => {
            let next = (year + 1).to_string();
            let s = if slug.ends_with(label.trim()) {
                format!("{}{next}", &slug[..slug.len() - label.trim().len()])
            } else {
                format!("{slug}-{next}")
            };
            (s, next)
        }
        Err(_) => (format!("{slug}-next"), String::new()),
    }
}

#[derive(Deserialize)]
struct ListQuery {
    audience: Option<String>,
    channel: Option<String>,
    question: Option<String>,
    priority: Option<String>,
    value: Option<String>,
    words: Option<String>,
    page: Option<i64>,
}

#[derive(Serialize)]
struct Choice {
    value: String,
    text: String,
    selected: bool,
}

#[derive(Serialize)]
struct ResponsesView {
    page: PageMeta,
    slug: String,
    label: String,
    series_title: String,
    audiences: Vec<Choice>,
    channels: Vec<Choice>,
    questions: Vec<Choice>,
    priorities: Vec<Choice>,
    values: Vec<Choice>,
    words: String,
    total: i64,
    rows: Vec<response::ResponseListing>,
    previous: Option<String>,
    next: Option<String>,
}

const PER_PAGE: i64 = 50;

/// The codes a wave's questions are tagged with, in first-use order.
fn codes_in(def: &SurveyDefinition, field: impl Fn(&crate::domain::Question) -> &Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for q in &def.questions {
        for c in field(q) {
            if !out.contains(c) {
                out.push(c.clone());
            }
        }
    }
    out
}

async fn responses(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<ListQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&[Role::Admin, Role::Analyst])?;
    let w = owned_wave(&state, &who, &path).await?;
    let nonempty = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    for (name, v) in [
        ("audience", &query.audience),
        ("channel", &query.channel),
        ("question", &query.question),
        ("priority", &query.priority),
        ("value", &query.value),
    ] {
        // Filters name things by their keys (letters, digits, dots and hyphens): anything else
        // came from an edited address, not from the filter form.
        if let Some(v) = nonempty(v)
            && !v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(AppError::BadRequest(format!(
                "The {name} filter in this address is not one Heard offers. Use the filter form on the responses page."
            ).into()));
        }
    }
    let filter = response::ResponseFilter {
        audience: nonempty(&query.audience),
        channel: nonempty(&query.channel),
        words: nonempty(&query.words).map(|w| w.chars().take(200).collect()),
        question: nonempty(&query.question),
        priority: nonempty(&query.priority),
        value: nonempty(&query.value),
    };
    let page_no = query.page.unwrap_or(0).clamp(0, 1_000_000);
    let (id, f) = (w.id.clone(), filter.clone());
    let (rows, total) =
        state.db.run(move |c| response::list(c, &id, &f, page_no, PER_PAGE).map_err(AppError::from)).await?;
    let link = |p: i64| {
        let mut params = vec![format!("page={p}")];
        for (k, v) in [
            ("audience", &filter.audience),
            ("channel", &filter.channel),
            ("question", &filter.question),
            ("priority", &filter.priority),
            ("value", &filter.value),
            ("words", &filter.words),
        ] {
            if let Some(v) = v {
                params.push(format!("{k}={}", urlencoding::encode(v)));
            }
        }
        format!("/staff/waves/{}/responses?{}", w.row.slug, params.join("&"))
    };
    let choice = |value: &str, text: &str, current: &Option<String>| Choice {
        value: value.into(),
        text: text.into(),
        selected: current.as_deref() == Some(value),
    };
    let view = ResponsesView {
        page: who
            .page(&req, &state, format!("Responses: {} {}", w.def.series.title, w.row.label))
            .back(format!("/staff/waves/{}", w.row.slug)),
        slug: w.row.slug.clone(),
        label: w.row.label.clone(),
        series_title: w.def.series.title.clone(),
        audiences: w.def.audiences.iter().map(|a| choice(a.key.as_str(), &a.name, &filter.audience)).collect(),
        channels: ["web", "panel", "paper", "phone", "import"].iter().map(|c| choice(c, c, &filter.channel)).collect(),
        questions: w.def.questions.iter().map(|q| choice(q.key.as_str(), q.key.as_str(), &filter.question)).collect(),
        priorities: codes_in(&w.def, |q| &q.priorities).iter().map(|c| choice(c, c, &filter.priority)).collect(),
        values: codes_in(&w.def, |q| &q.values).iter().map(|c| choice(c, c, &filter.value)).collect(),
        words: filter.words.clone().unwrap_or_default(),
        total,
        previous: (page_no > 0).then(|| link(page_no - 1)),
        next: ((page_no + 1) * PER_PAGE < total).then(|| link(page_no + 1)),
        rows,
    };
    render(&state, StatusCode::OK, "staff/responses", &view)
}

#[derive(Serialize)]
struct AnswerRow {
    key: String,
    question: String,
    answer: Option<String>,
}

#[derive(Serialize)]
struct ResponseView {
    page: PageMeta,
    series_title: String,
    label: String,
    response: response::ResponseListing,
    rows: Vec<AnswerRow>,
    csrf: String,
    error: Option<String>,
    errors: Vec<Link>,
}

/// A response the signed-in person may see, with its wave.
async fn owned_response(
    state: &AppState,
    who: &SignedIn,
    id: &str,
) -> Result<(response::ResponseListing, crate::domain::Answers, OwnedWave), AppError> {
    if uuid::Uuid::parse_str(id).is_err() {
        return Err(not_found());
    }
    let rid = id.to_owned();
    let found = state.db.run(move |c| response::get(c, &rid).map_err(AppError::from)).await?.ok_or_else(not_found)?;
    let (listing, wave_id, answers) = found;
    let wid = wave_id.clone();
    let slug = state.db.run(move |c| crate::models::survey::wave_slug(c, &wid).map_err(AppError::from)).await?;
    let wave = owned_wave(state, who, &slug).await?;
    Ok((listing, answers, wave))
}

fn response_view(
    who: &SignedIn,
    req: &HttpRequest,
    state: &AppState,
    listing: response::ResponseListing,
    answers: &crate::domain::Answers,
    w: &OwnedWave,
    error: Option<String>,
) -> ResponseView {
    let rows = w
        .def
        .questions_for(&listing.audience)
        .map(|q| AnswerRow {
            key: q.key.to_string(),
            question: q.wording(&listing.audience).map(|x| x.title.clone()).unwrap_or_else(|| q.key.to_string()),
            answer: answers.get(q.key.as_str()).map(|a| a.describe(q, &listing.audience)),
        })
        .collect();
    ResponseView {
        page: who
            .page(req, state, format!("Response sent {}", listing.submitted_on))
            .back(format!("/staff/waves/{}/responses", w.row.slug))
            .with_error(error.is_some()),
        series_title: w.def.series.title.clone(),
        label: w.row.label.clone(),
        response: listing,
        rows,
        csrf: csrf(state, req),
        errors: super::pages::error_links(&error, "#reason"),
        error,
    }
}

async fn response_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&[Role::Admin, Role::Analyst])?;
    let (listing, answers, w) = owned_response(&state, &who, &path).await?;
    render(&state, StatusCode::OK, "staff/response", &response_view(&who, &req, &state, listing, &answers, &w, None))
}

async fn delete_response(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let form = super::form::read_checked(&state, &req, body).await?;
    who.require(&[Role::Admin, Role::Analyst])?;
    let (listing, answers, w) = owned_response(&state, &who, &path).await?;
    let reason = match UserText::parse(form.get("reason").unwrap_or(""), 500, false) {
        Ok(r) if !r.is_empty() => r.into_string(),
        Ok(_) => {
            let view = response_view(
                &who,
                &req,
                &state,
                listing,
                &answers,
                &w,
                Some("Say why this response is being deleted.".into()),
            );
            return render(&state, StatusCode::BAD_REQUEST, "staff/response", &view);
        }
        Err(e) => {
            let view = response_view(&who, &req, &state, listing, &answers, &w, Some(e.to_string()));
            return render(&state, StatusCode::BAD_REQUEST, "staff/response", &view);
        }
    };
    let (id, staff) = (listing.id.clone(), who.staff.clone());
    state.db.run(move |c| response::delete_by_staff(c, &id, &staff, &reason).map_err(AppError::from)).await?;
    Ok(HttpResponse::SeeOther().insert_header((LOCATION, format!("/staff/waves/{}/responses", w.row.slug))).finish())
}

#[derive(Serialize)]
struct AuditView {
    page: PageMeta,
    count: usize,
    total: i64,
    first: i64,
    last: i64,
    page_number: i64,
    pages: i64,
    newer: Option<String>,
    older: Option<String>,
    entries: Vec<AuditRow>,
}

#[derive(Serialize)]
struct AuditRow {
    at: String,
    actor: String,
    action: String,
    detail: String,
}

/// Entries per page of the audit log.
const AUDIT_PER_PAGE: i64 = 100;

#[derive(serde::Deserialize)]
struct AuditQuery {
    page: Option<String>,
}

async fn audit_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<AuditQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&[Role::Admin])?;
    let number = match query.page.as_deref().map(str::parse::<i64>) {
        None => 1,
        Some(Ok(n)) if (1..=1_000_000).contains(&n) => n,
        Some(_) => {
            return Err(AppError::BadRequest(
                "The page number in this address is not one Heard can show. Use the links at the foot of the audit log."
                    .into(),
            ));
        }
    };
    let scope = who.scope();
    let offset = (number - 1) * AUDIT_PER_PAGE;
    let found =
        state.db.run(move |c| audit::page(c, scope.as_deref(), offset, AUDIT_PER_PAGE).map_err(AppError::from)).await?;
    let pages = ((found.total + AUDIT_PER_PAGE - 1) / AUDIT_PER_PAGE).max(1);
    if number > pages {
        return Err(not_found());
    }
    let entries: Vec<AuditRow> = found
        .entries
        .into_iter()
        .map(|e| AuditRow {
            at: e.at.format("%Y-%m-%d %H:%M:%S").to_string(),
            actor: e.actor,
            action: e.action,
            detail: e.detail,
        })
        .collect();
    let view = AuditView {
        page: who.page(
            &req,
            &state,
            if number > 1 { format!("Audit log (page {number} of {pages})") } else { "Audit log".into() },
        ),
        count: entries.len(),
        total: found.total,
        first: if entries.is_empty() { 0 } else { offset + 1 },
        last: offset + entries.len() as i64,
        page_number: number,
        pages,
        newer: (number > 1).then(|| format!("/staff/audit?page={}", number - 1)),
        older: (number < pages).then(|| format!("/staff/audit?page={}", number + 1)),
        entries,
    };
    render(&state, StatusCode::OK, "staff/audit", &view)
}
