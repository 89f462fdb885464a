//! The end of the journey: consent to quote, check your answers, send (the receipt code), the
//! thank-you page, the next person on a shared tablet, and asking to hear what changed.

use super::*;

#[derive(Serialize)]
pub(super) struct ConsentView {
    page: PageMeta,
    action: String,
    csrf: String,
    yes: bool,
    no: bool,
    error: Option<String>,
    errors: Vec<Link>,
}

pub(super) fn consent_view(
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
        errors: crate::routes::pages::error_links(&error, "#answer-0"),
        error,
    }
}

pub(super) async fn consent(
    state: web::Data<AppState>,
    req: HttpRequest,
    answering: Answering,
) -> Result<HttpResponse, AppError> {
    let Answering { visit, draft: d } = answering;
    render(&state, StatusCode::OK, "respond/consent", &consent_view(&state, &req, &visit, &d, None))
}

pub(super) async fn consent_post(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = read_checked_form(&state, &req, body).await?;
    let Answering { visit, draft: d } = Answering::open(&state, &req, &path).await?;
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
pub(super) fn describe_in(visit: &Visit, a: &AnswerValue, q: &Question, audience: &str, lang: &str) -> String {
    let label = |v: &String| q.option(v).map(|o| visit.def.label_in(q, o, audience, lang)).unwrap_or_else(|| v.clone());
    match a {
        AnswerValue::Choice(v) => label(v),
        AnswerValue::Choices(vs) => vs.iter().map(label).collect::<Vec<_>>().join(", "),
        other => other.describe(q, audience),
    }
}

#[derive(Serialize)]
pub(super) struct CheckRow {
    /// A grid statement's grid question, shown small above it.
    caption: Option<String>,
    question: String,
    answer: Option<String>,
    change: String,
}

#[derive(Serialize)]
pub(super) struct CheckView {
    page: PageMeta,
    rows: Vec<CheckRow>,
    consent: &'static str,
    consent_change: String,
    action: String,
    csrf: String,
}

pub(super) async fn check(
    state: web::Data<AppState>,
    req: HttpRequest,
    answering: Answering,
) -> Result<HttpResponse, AppError> {
    let Answering { visit, draft: d } = answering;
    let answers = d.answers();
    let lang = visit.lang(Some(&d.audience));
    // Only a survey with a say-it-or-show-it question can hold files: no query otherwise.
    let held = if visit.def.questions.iter().any(|q| q.kind == QuestionKind::SayOrShow) {
        let id = d.id.clone();
        state.db.run(move |c| crate::models::answer_files::held(c, &id).map_err(AppError::from)).await?
    } else {
        Vec::new()
    };
    // A recording or picture is named, with the words written beside it.
    let file_word = |key: &str| {
        held.iter().find(|h| h.question_key == key).map(|h| {
            crate::i18n::text(
                &lang,
                if h.kind == "recording" { "say_show_recording_answer" } else { "say_show_picture_answer" },
            )
        })
    };
    let rows = visit
        .def
        .journey(&d.audience, &answers)
        .into_iter()
        .map(|q| CheckRow {
            caption: q.grid.as_ref().map(|g| visit.def.grid_wording_in(g, &d.audience, &lang).title),
            question: visit.def.wording_in(q, &d.audience, &lang).title,
            answer: answers.get(q.key.as_str()).map(|a| {
                let words = describe_in(&visit, a, q, &d.audience, &lang);
                match file_word(q.key.as_str()) {
                    Some(f) if words.is_empty() => f.to_owned(),
                    Some(f) => format!("{f}. {words}"),
                    None => words,
                }
            }),
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

pub(super) async fn send(
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
        // How the answers came: a shared tablet, a panel session, an emailed invitation, or
        // the survey's own link (`domain::filter::CHANNELS`).
        let channel = if kiosk().is_some() {
            "kiosk"
        } else if d.session_id.is_some() {
            "panel"
        } else if d.contact_id.is_some() {
            "invitation"
        } else {
            "web"
        };
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
            state.metrics.response_stored();
        }
    }
    Ok(see_other(format!("{}/done", visit.base())))
}

#[derive(Serialize)]
pub(super) struct DoneView {
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

pub(super) async fn done(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
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
pub(super) async fn next_person(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let visit = load(&state, &path).await?;
    let Some(k) = kiosk().filter(|k| k.wave == visit.wave.slug) else { return Ok(see_other(visit.base())) };
    if let Some(token) = draft_token(&req) {
        let wave_id = visit.wave.id.clone();
        state.db.write(move |c| draft::discard_unsent(c, &wave_id, &token).map_err(AppError::from)).await?;
    }
    let mut res = see_other(k.start());
    forget_draft(&state, &visit, &mut res)?;
    Ok(res)
}

/// `POST /s/{wave}/follow-up`: an address to hear "you said, we did", kept apart from the
/// answers just sent (see `models::updates`).
pub(super) async fn follow_up(
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
