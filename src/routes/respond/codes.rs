//! Codes people keep: carrying on with a resume code, deleting sent answers with a receipt
//! code. Both throttled per wave.

use super::*;

#[derive(Serialize)]
pub(super) struct CodeFormView {
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

pub(super) fn code_form(
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
            t("continue"),
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
        errors: crate::routes::pages::error_links(&error, "#code"),
        error,
    }
}

/// `?code=` is the link on the "saved" page: it fills the code in, and the person presses
/// Carry on (a GET never moves the answers, so a link checker or preview cannot).
#[derive(Deserialize)]
pub(super) struct ResumeQuery {
    code: Option<String>,
}

pub(super) async fn resume(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<ResumeQuery>,
) -> Result<HttpResponse, AppError> {
    if let Some(k) = kiosk() {
        return Ok(see_other(k.start()));
    }
    let visit = load(&state, &path).await?;
    require_open(&visit)?;
    let filled = query.into_inner().code.and_then(|c| ShortCode::parse(&c)).map(|c| c.display()).unwrap_or_default();
    render(&state, StatusCode::OK, "respond/code_form", &code_form(&state, &req, &visit, false, filled, None))
}

/// Refuses a code while this wave has had too many wrong ones lately (see `ratelimit`):
/// guessing codes from many addresses at once gains nothing.
pub(super) fn throttle_codes(state: &AppState, visit: &Visit) -> Result<(), AppError> {
    state.limiter.code_allowed(visit.wave.id.as_str()).map_err(|r| AppError::TooManyRequests {
        message: crate::error::Words::key("codes_throttled"),
        retry_after: r.retry_after,
    })
}

pub(super) async fn resume_post(
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
    let typed_code = code.clone();
    let found = state
        .db
        .run(move |c| draft::resume(c, &key, &wave_id, &typed_code, &tok, days).map_err(AppError::from))
        .await?;
    let Some(d) = found else {
        state.limiter.code_failure(visit.wave.id.as_str());
        // A receipt typed here by mistake: say what it is.
        let (wave_id, key, days) = (visit.wave.id.clone(), state.codes.clone(), state.settings.deletion_days);
        let receipt = state
            .db
            .run(move |c| response::check_receipt(c, &key, &wave_id, &code, days).map_err(AppError::from))
            .await?
            != Some(Deletion::NotFound);
        let lang = visit.lang(None);
        let msg = if receipt {
            crate::i18n::text(&lang, "code_is_receipt").to_owned()
        } else {
            crate::i18n::format(&lang, "code_failed", &[&state.settings.draft_days])
        };
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

/// "Are you sure?" before deleting sent answers (GOV.UK's pattern: a warning button, and a way
/// back that keeps them).
#[derive(Serialize)]
pub(super) struct DeleteConfirmView {
    page: PageMeta,
    action: String,
    csrf: String,
    code: String,
    keep_link: String,
}

pub(super) async fn delete(
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

pub(super) async fn delete_post(
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
    let confirmed = form.get("confirm") == Some("yes");
    let shown = code.display();
    let typed_code = code.clone();
    let outcome = state
        .db
        .run(move |c| {
            let code = typed_code;
            if confirmed {
                response::delete_by_receipt(c, &key, &wave_id, &code, days).map(Some)
            } else {
                // Nothing is deleted until the person says yes on the next page.
                response::check_receipt(c, &key, &wave_id, &code, days)
            }
            .map_err(AppError::from)
        })
        .await?;
    let lang = visit.lang(None);
    let Some(outcome) = outcome else {
        let view = DeleteConfirmView {
            page: visit
                .page_in(crate::i18n::text(&lang, "delete_confirm_title").to_owned(), None, &lang)
                .back(format!("{}/delete", visit.base())),
            action: format!("{}/delete", visit.base()),
            csrf: csrf(&state, &req),
            code: shown,
            keep_link: visit.base(),
        };
        return render(&state, StatusCode::OK, "respond/delete_confirm", &view);
    };
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
            state.limiter.code_failure(visit.wave.id.as_str());
            // A code to carry on typed here by mistake: say what it is.
            let (wave_id, key) = (visit.wave.id.clone(), state.codes.clone());
            let resume =
                state.db.run(move |c| draft::is_resume_code(c, &key, &wave_id, &code).map_err(AppError::from)).await?;
            let msg = t(if resume { "receipt_is_resume_code" } else { "receipt_not_found" });
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
