//! Invitation links (`/i/{token}`: one per person, used once) and unsubscribing (`/u/{token}`).

use super::*;

/// `GET /i/{token}`: an invitation's single-use link. Starts a draft for the contact's
/// audience on this device (linked to the invitation only until it is sent) and opens that
/// version's start page.
pub(super) async fn invitation(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, AppError> {
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
pub(super) struct UnsubscribeView {
    page: PageMeta,
    heading: String,
    lines: Vec<String>,
    action: String,
    csrf: String,
    again: bool,
}

/// `GET /u/{token}`: one click unsubscribes; the page offers to undo it.
pub(super) async fn unsubscribe(
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
pub(super) async fn unsubscribe_post(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = crate::routes::form::read(&req, body, 4096).await?;
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
