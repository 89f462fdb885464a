//! Member codes: a panel session that links a young person's answers across years asks for
//! their code (or gives a new one) before the first question.

use super::*;

#[derive(Serialize)]
pub(super) struct MemberView {
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

/// Refuses (sending the visitor on) unless this draft belongs to a session that asks for
/// member codes.
pub(super) async fn require_member_codes(state: &AppState, opening: &Answering) -> Result<(), AppError> {
    let Answering { visit, draft } = opening;
    let Some(sid) = draft.session_id.clone() else { return Err(AppError::Elsewhere(resume_point(visit, draft))) };
    let session = state.db.run(move |c| crate::models::panel::find(c, &sid).map_err(AppError::from)).await?;
    if !session.is_some_and(|s| s.member_codes) {
        return Err(AppError::Elsewhere(resume_point(visit, draft)));
    }
    Ok(())
}

pub(super) fn member_view(
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
        errors: crate::routes::pages::error_links(&error, "#member-code"),
        error,
    }
}

pub(super) async fn member(
    state: web::Data<AppState>,
    req: HttpRequest,
    answering: Answering,
) -> Result<HttpResponse, AppError> {
    require_member_codes(&state, &answering).await?;
    let Answering { visit, draft: d } = answering;
    render(&state, StatusCode::OK, "respond/member", &member_view(&state, &req, &visit, &d, None, String::new(), None))
}

pub(super) async fn member_post(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = read_checked_form(&state, &req, body).await?;
    let answering = Answering::open(&state, &req, &path).await?;
    require_member_codes(&state, &answering).await?;
    let Answering { visit, draft: d } = answering;
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
