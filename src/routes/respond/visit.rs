//! Visiting a survey: its start page, the audience choice, each audience's start page, and
//! beginning (which makes the draft and its cookie).

use super::*;

#[derive(Serialize)]
pub(super) struct SurveyView {
    series_title: String,
    wave_label: String,
    partnership: String,
    minutes: u32,
}

#[derive(Serialize)]
pub(super) struct StartView {
    page: PageMeta,
    survey: SurveyView,
    heading: String,
    intro: Vec<String>,
    easy_read: bool,
    deletion_days: i64,
    /// Some question must be answered: "you can skip any question" would not be true.
    some_required: bool,
    resume_draft: Option<String>,
    /// On a shared tablet: no resume or delete links.
    kiosk: bool,
    start_action: String,
    resume_link: String,
    delete_link: String,
    csrf: String,
}

pub(super) fn survey_view(visit: &Visit, audience: Option<&str>, lang: &str) -> SurveyView {
    SurveyView {
        series_title: visit.series_title(audience, lang),
        wave_label: visit.wave.label.clone(),
        partnership: visit.partnership.clone(),
        minutes: visit.def.wave.minutes,
    }
}

pub(super) async fn start(
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
    // Several audiences: the front page is the choice, and each person then sees one start
    // page, their own audience's.
    let [a] = visit.def.audiences.as_slice() else {
        let resume = draft.map(|d| resume_point(&visit, &d));
        return render(&state, StatusCode::OK, "respond/audiences", &who_view(&state, &req, &visit, None, resume));
    };
    let a = a.clone();
    let lang = visit.lang(Some(a.key.as_str()));
    let title = visit.series_title(Some(a.key.as_str()), &lang);
    let view = StartView {
        page: visit.page_in(title.clone(), Some(a.key.as_str()), &lang),
        survey: survey_view(&visit, Some(a.key.as_str()), &lang),
        heading: title,
        intro: intro_in(&visit, &a, &lang),
        easy_read: a.easy_read,
        deletion_days: state.settings.deletion_days,
        some_required: visit.def.questions_for(a.key.as_str()).any(|q| q.required),
        resume_draft: draft.map(|d| resume_point(&visit, &d)),
        kiosk: false,
        start_action: format!("{}/{}/start", visit.base(), a.key),
        resume_link: format!("{}/resume", visit.base()),
        delete_link: format!("{}/delete", visit.base()),
        csrf: csrf(&state, &req),
    };
    render(&state, StatusCode::OK, "respond/start", &view)
}

#[derive(Serialize)]
pub(super) struct AudienceOption {
    key: String,
    name: String,
    description: String,
    /// Set when these words are in another language than the page.
    lang: Option<String>,
}

/// An audience's introduction in `lang`.
pub(super) fn intro_in(visit: &Visit, a: &crate::domain::Audience, lang: &str) -> Vec<String> {
    visit
        .def
        .translation(a.key.as_str(), lang)
        .map(|t| t.intro.clone())
        .filter(|i| !i.is_empty())
        .unwrap_or_else(|| a.intro.clone())
}

#[derive(Serialize)]
pub(super) struct WhoView {
    page: PageMeta,
    survey: SurveyView,
    /// An unsent draft on this device: where to carry on.
    resume_draft: Option<String>,
    resume_link: String,
    delete_link: String,
    action: String,
    csrf: String,
    audiences: Vec<AudienceOption>,
    error: Option<String>,
    errors: Vec<Link>,
}

/// The survey's front page when it has several audiences: who is answering, with the ways
/// back in (carry on, a code, deleting) underneath.
pub(super) fn who_view(
    state: &AppState,
    req: &HttpRequest,
    visit: &Visit,
    error: Option<String>,
    resume_draft: Option<String>,
) -> WhoView {
    let lang = visit.lang(None);
    let error = error.map(|key| crate::i18n::text(&lang, &key).to_owned());
    let title = format!("{} – {}", crate::i18n::text(&lang, "who_title"), visit.series_title(None, &lang));
    WhoView {
        page: visit.page_in(title, None, &lang).with_error(error.is_some()),
        survey: survey_view(visit, None, &lang),
        resume_draft,
        resume_link: format!("{}/resume", visit.base()),
        delete_link: format!("{}/delete", visit.base()),
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
        errors: crate::routes::pages::error_links(&error, "#audience-0"),
        error,
    }
}

/// The audience choice used to have its own address; it is now the front page.
pub(super) async fn who(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let visit = load(&state, &path).await?;
    Ok(see_other(visit.base()))
}

pub(super) async fn who_post(
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
            let resume = current_draft(&state, &req, &visit).await?.filter(|d| !d.is_sent());
            let resume = resume.map(|d| resume_point(&visit, &d));
            render(
                &state,
                StatusCode::BAD_REQUEST,
                "respond/audiences",
                &who_view(&state, &req, &visit, Some(error.into()), resume),
            )
        }
    }
}

pub(super) async fn audience_start(
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
        some_required: visit.def.questions_for(&audience).any(|q| q.required),
        resume_draft: draft.map(|d| resume_point(&visit, &d)),
        kiosk: kiosk().is_some(),
        start_action: format!("{}/{}/start", visit.base(), a.key),
        resume_link: format!("{}/resume", visit.base()),
        delete_link: format!("{}/delete", visit.base()),
        csrf: csrf(&state, &req),
    };
    render(&state, StatusCode::OK, "respond/start", &view)
}

pub(super) async fn begin(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    read_checked_form(&state, &req, body).await?;
    let (slug, audience) = path.into_inner();
    let visit = load(&state, &slug).await?;
    require_open(&visit)?;
    // Started in a panel session (joined by code, or on its kiosk): the response says so.
    let session = open_session_for(&state, &req, &visit, &audience).await?;
    let (next, cookie) = start_answers(&state, &req, &visit, &audience, session.as_ref()).await?;
    let mut res = see_other(next);
    if let Some(c) = cookie {
        res.add_cookie(&c).map_err(AppError::internal)?;
    }
    Ok(res)
}

/// `GET /s/{wave}/{audience}/joined`, where joining a panel session by its code or QR link
/// leads (under the draft cookie's path, so a phone that joins again keeps its answers):
/// straight to the first question (or the member code, when the session asks for one),
/// which says "You have joined ‹session›". Without a session cookie for this version it is
/// the start page's address.
pub(super) async fn joined_start(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (slug, audience) = path.into_inner();
    let visit = load(&state, &slug).await?;
    require_open(&visit)?;
    let session = open_session_for(&state, &req, &visit, &audience).await?;
    let Some(session) = session.filter(|_| kiosk().is_none()) else {
        return Ok(see_other(format!("{}/{audience}", visit.base())));
    };
    let (next, cookie) = start_answers(&state, &req, &visit, &audience, Some(&session)).await?;
    let next = if next.contains("/q/") { format!("{next}?joined=1") } else { next };
    let mut res = see_other(next);
    if let Some(c) = cookie {
        res.add_cookie(&c).map_err(AppError::internal)?;
    }
    Ok(res)
}

/// The panel session this browser joined, if it is open now and for this wave and version.
async fn open_session_for(
    state: &AppState,
    req: &HttpRequest,
    visit: &Visit,
    audience: &str,
) -> Result<Option<crate::models::panel::SessionRow>, AppError> {
    let session = panel_session(state, req).await?;
    Ok(session.filter(|s| s.wave_id == visit.wave.id && s.audience == audience && s.is_open(crate::db::now())))
}

/// Makes this browser's answers for `audience` (in `session`, when given), or finds the unsent
/// ones it has: where to go next, and the draft cookie to set when they are new.
async fn start_answers(
    state: &AppState,
    req: &HttpRequest,
    visit: &Visit,
    audience: &str,
    session: Option<&crate::models::panel::SessionRow>,
) -> Result<(String, Option<Cookie<'static>>), AppError> {
    if visit.def.audience(audience).is_none() {
        return Err(AppError::NotFound(crate::error::Words::key("error_no_version")));
    }
    // Carry on with an unsent draft for the same audience rather than lose its answers.
    if let Some(d) = current_draft(state, req, visit).await?.filter(|d| !d.is_sent() && d.audience == audience) {
        return Ok((resume_point(visit, &d), None));
    }
    let token = random_token();
    let (wave_id, aud, tok, days) =
        (visit.wave.id.clone(), audience.to_owned(), token.clone(), state.settings.draft_days);
    let session_id = session.map(|s| s.id.clone());
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
        resume_point(visit, &d)
    };
    Ok((next, Some(draft_cookie(state, visit, &token))))
}
