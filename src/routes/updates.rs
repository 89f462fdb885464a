//! "You said, we did": staff write an update (linked to priorities and themes) and send it
//! to everyone who asked to hear (`/staff/updates`); each partnership's updates are public at
//! `/updates/{partnership}`. An address left at the end of a survey is confirmed from the
//! email it is sent (`/updates/confirm/{token}`: a page with a button, so a mail program
//! opening the link confirms nothing) before any update goes to it.

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::form::{read_checked, token as csrf};
use super::pages::{Link, PageMeta, render};
use super::staff::{SignedIn, partnership_for};
use crate::error::AppError;
use crate::models::account::Role;
use crate::models::{audit, updates};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/updates/confirm/{token}", web::get().to(confirm_page))
        .route("/updates/confirm/{token}", web::post().to(confirm))
        .route("/updates/{partnership}", web::get().to(public))
        .route("/staff/updates", web::get().to(page))
        .route("/staff/updates", web::post().to(publish));
}

#[derive(Serialize)]
struct UpdateView {
    title: String,
    body: Vec<String>,
    priorities: String,
    themes: String,
    date: String,
    recipients: i32,
}

fn views(list: Vec<updates::Update>) -> Vec<UpdateView> {
    list.into_iter()
        .map(|u| UpdateView {
            body: u.body.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect(),
            priorities: u.priorities.replace(',', ", "),
            themes: u.themes.replace(',', ", "),
            date: u.published_at.format("%-d %B %Y").to_string(),
            recipients: u.recipients,
            title: u.title,
        })
        .collect()
}

#[derive(Serialize)]
struct PublicView {
    page: PageMeta,
    name: String,
    updates: Vec<UpdateView>,
}

async fn public(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let slug = path.into_inner();
    if crate::domain::Slug::parse(&slug, "partnership").is_err() {
        return Err(AppError::NotFound(crate::error::Words::key("error_no_partnership")));
    }
    let found = state
        .db
        .run(move |c| -> Result<_, AppError> {
            let Some(p) = crate::models::framework::find_by_slug(c, &slug)? else { return Ok(None) };
            let list = updates::list(c, &p.id)?;
            Ok(Some((p, list)))
        })
        .await?;
    let (p, list) = found.ok_or_else(|| AppError::NotFound(crate::error::Words::key("error_no_partnership")))?;
    let view = PublicView {
        page: PageMeta::new(format!("You said, we did: {}", p.name)).partnership(&p.name),
        name: p.name,
        updates: views(list),
    };
    render(&state, StatusCode::OK, "updates", &view)
}

#[derive(Serialize, Default)]
struct Typed {
    title: String,
    body: String,
    priorities: String,
    themes: String,
}

#[derive(Serialize)]
struct StaffView {
    page: PageMeta,
    csrf: String,
    suffix: String,
    public_link: String,
    waiting: i64,
    can_publish: bool,
    updates: Vec<UpdateView>,
    typed: Typed,
    error: Option<String>,
    errors: Vec<Link>,
}

#[derive(serde::Deserialize)]
struct PartnershipQuery {
    partnership: Option<String>,
}

async fn staff_view(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    wanted: Option<&str>,
    typed: Typed,
    error: Option<String>,
) -> Result<StaffView, AppError> {
    let p = partnership_for(state, who, wanted).await?;
    let pid = p.id.clone();
    let (waiting, list) = state
        .db
        .run(move |c| -> Result<_, AppError> { Ok((updates::waiting(c, &pid)?, updates::list(c, &pid)?)) })
        .await?;
    Ok(StaffView {
        page: who.page(req, state, "You said, we did").back("/staff").with_error(error.is_some()),
        csrf: csrf(state, req),
        suffix: who.partnership_suffix(&p),
        public_link: format!("/updates/{}", p.slug),
        waiting,
        can_publish: who.require(&[Role::Admin, Role::Analyst]).is_ok(),
        updates: views(list),
        typed,
        errors: super::pages::error_links(&error, "#update-title"),
        error,
    })
}

async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<PartnershipQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&[Role::Admin, Role::Analyst, Role::Viewer])?;
    let view = staff_view(&state, &req, &who, query.partnership.as_deref(), Typed::default(), None).await?;
    render(&state, StatusCode::OK, "staff/updates", &view)
}

async fn publish(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<PartnershipQuery>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let form = read_checked(&state, &req, body).await?;
    who.require(&[Role::Admin, Role::Analyst])?;
    let p = partnership_for(&state, &who, query.partnership.as_deref()).await?;
    // What was typed is shown again as it was if anything is wrong; nothing is stored until
    // every field passes the same checks as any other text people give Heard.
    let typed = Typed {
        title: form.get("title").unwrap_or("").to_owned(),
        body: form.get("body").unwrap_or("").to_owned(),
        priorities: form.get("priorities").unwrap_or("").to_owned(),
        themes: form.get("themes").unwrap_or("").to_owned(),
    };
    let checked = (|| -> Result<(String, String, Vec<String>, Vec<String>), String> {
        let title = crate::domain::UserText::parse(&typed.title, 200, false).map_err(|e| format!("The title: {e}"))?;
        if title.is_empty() {
            return Err("Give the update a title, like \"You said the Local Offer was hard to search\".".into());
        }
        let body = crate::domain::UserText::parse(&typed.body, 5000, true)
            .map_err(|e| format!("What you heard and did: {e}"))?;
        if body.is_empty() {
            return Err("Write what you heard and what you did about it.".into());
        }
        let list = |raw: &str, what: &str| -> Result<Vec<String>, String> {
            let text = crate::domain::UserText::parse(raw, 500, false).map_err(|e| format!("{what}: {e}"))?;
            Ok(text.as_str().split(',').map(str::trim).filter(|x| !x.is_empty()).map(str::to_owned).collect())
        };
        Ok((
            title.into_string(),
            body.into_string(),
            list(&typed.priorities, "Priorities")?,
            list(&typed.themes, "Themes")?,
        ))
    })();
    let (title, text, priorities, themes) = match checked {
        Ok(c) => c,
        Err(msg) => {
            let view = staff_view(&state, &req, &who, query.partnership.as_deref(), typed, Some(msg)).await?;
            return render(&state, StatusCode::BAD_REQUEST, "staff/updates", &view);
        }
    };
    let new = updates::NewUpdate {
        partnership_id: p.id.clone(),
        title,
        body: text,
        priorities,
        themes,
        by: who.staff.email.clone(),
    };
    let (templates, name, host, staff, public) = (
        state.templates,
        p.name.clone(),
        crate::email::outbox::message_host(&state.settings.public_url),
        who.staff.clone(),
        format!("{}/updates/{}", state.settings.public_url.trim_end_matches('/'), p.slug),
    );
    let public_base = state.settings.public_url.clone();
    let (_, told) = state
        .db
        .write(move |c| -> Result<_, AppError> {
            let brand = crate::models::branding::get(c, &new.partnership_id)?;
            let look = crate::email::messages::Look::new(&brand, &public_base);
            let render = |u: &updates::Update| crate::email::messages::update(templates, &name, &look, &public, u);
            let out = updates::publish(c, &new, &host, &render)?;
            audit::record(
                c,
                &staff.actor(),
                Some(&new.partnership_id),
                audit::Action::UpdatePublished,
                &serde_json::json!({"title": new.title, "recipients": out.1}),
            )?;
            Ok(out)
        })
        .await?;
    tracing::info!(recipients = told, "update published");
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, format!("/staff/updates{}", who.partnership_suffix(&p))))
        .finish())
}

#[derive(Serialize)]
struct ConfirmView {
    page: PageMeta,
    csrf: String,
    action: String,
}

#[derive(serde::Deserialize)]
struct ConfirmQuery {
    lang: Option<String>,
}

/// The language of the confirmation pages: the one the person answered in (carried in the
/// link, since the email may be opened on another device), else their display setting.
fn confirm_lang(query: &ConfirmQuery) -> String {
    query
        .lang
        .as_deref()
        .filter(|l| crate::i18n::supported(l))
        .map(str::to_owned)
        .or_else(|| crate::prefs::current().lang)
        .unwrap_or_else(|| crate::i18n::DEFAULT_LANG.into())
}

fn unknown_link(state: &AppState, lang: &str) -> Result<HttpResponse, AppError> {
    let t = |k: &str| crate::i18n::text(lang, k).to_owned();
    super::pages::message(
        state,
        StatusCode::NOT_FOUND,
        PageMeta::new(t("confirm_unknown_title")).lang(lang),
        &t("confirm_unknown_title"),
        vec![t("confirm_unknown")],
        None,
    )
}

fn valid_token(token: &str) -> bool {
    token.len() <= 100 && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `GET /updates/confirm/{token}`: asks the owner of the address to confirm with a button.
async fn confirm_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<ConfirmQuery>,
) -> Result<HttpResponse, AppError> {
    let lang = confirm_lang(&query);
    let token = path.into_inner();
    let t = token.clone();
    if !valid_token(&token) || !state.db.run(move |c| updates::confirmable(c, &t).map_err(AppError::from)).await? {
        return unknown_link(&state, &lang);
    }
    let view = ConfirmView {
        page: PageMeta::new(crate::i18n::text(&lang, "confirm_title")).lang(&lang),
        csrf: csrf(&state, &req),
        action: format!("/updates/confirm/{token}?lang={lang}"),
    };
    render(&state, StatusCode::OK, "respond/confirm_follow_up", &view)
}

/// `POST /updates/confirm/{token}`: confirms the address.
async fn confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<ConfirmQuery>,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    read_checked(&state, &req, body).await?;
    let lang = confirm_lang(&query);
    let token = path.into_inner();
    let t = token.clone();
    if !valid_token(&token) || !state.db.write(move |c| updates::confirm(c, &t).map_err(AppError::from)).await? {
        return unknown_link(&state, &lang);
    }
    let t = |k: &str| crate::i18n::text(&lang, k).to_owned();
    super::pages::message(
        &state,
        StatusCode::OK,
        PageMeta::new(t("confirm_done_title")).lang(&lang),
        &t("confirm_done_title"),
        vec![t("confirm_done")],
        None,
    )
}
