//! "You said, we did", the decision log: staff write an update, in plain words and
//! optionally in easy read, link it to the evidence it answers (questions of the wave they
//! work on, themes, approved quotes, measures) and the outcome statements it serves, and send
//! it to everyone who asked to hear (`/staff/updates`); each partnership's updates are public
//! at `/updates/{partnership}`, each with what people told us and what it is for, so a family
//! can see what happened to what they said. Reviews list the decisions since the one before. An address left at the end of a survey is confirmed from the
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
    id: String,
    title: String,
    body: Vec<String>,
    easy_read: Vec<String>,
    priorities: String,
    themes: String,
    date: String,
    recipients: i32,
    /// The evidence it answers, in words ("A question we asked: …").
    told: Vec<String>,
    /// The outcome statements it serves.
    serves: Vec<String>,
}

fn paragraphs(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

/// How a link reads on the page.
fn told(kind: updates::LinkKind, label: &str) -> String {
    use updates::LinkKind as K;
    match kind {
        K::Question => format!("A question we asked: {label}"),
        K::Theme => format!("Something many of you told us about: {label}"),
        K::Quote => format!("What someone told us: “{label}”"),
        K::Measure => format!("A figure we watch: {label}"),
        K::Outcome => label.to_owned(),
    }
}

fn views(list: Vec<updates::Update>, links: &[updates::UpdateLink]) -> Vec<UpdateView> {
    list.into_iter()
        .map(|u| {
            let mine = links.iter().filter(|l| l.update_id == u.id);
            let (mut told_list, mut serves) = (Vec::new(), Vec::new());
            for l in mine {
                match updates::LinkKind::parse(&l.kind) {
                    Some(updates::LinkKind::Outcome) => serves.push(l.label.clone()),
                    Some(kind) => told_list.push(told(kind, &l.label)),
                    None => {}
                }
            }
            UpdateView {
                body: paragraphs(&u.body),
                easy_read: paragraphs(&u.easy_read),
                priorities: u.priorities.replace(',', ", "),
                themes: u.themes.replace(',', ", "),
                date: u.published_at.format("%-d %B %Y").to_string(),
                recipients: u.recipients,
                title: u.title,
                id: u.id,
                told: told_list,
                serves,
            }
        })
        .collect()
}

/// A partnership's updates with their links.
fn load_updates(
    c: &mut crate::db::DbConnection,
    pid: &crate::db::PartnershipId,
) -> Result<(Vec<updates::Update>, Vec<updates::UpdateLink>), AppError> {
    let list = updates::list(c, pid)?;
    let ids: Vec<String> = list.iter().map(|u| u.id.clone()).collect();
    let links = updates::links(c, &ids)?;
    Ok((list, links))
}

/// The definition of the wave a partnership's staff work on (its questions can be linked).
fn working_wave(
    c: &mut crate::db::DbConnection,
    pid: &crate::db::PartnershipId,
    max_text: usize,
) -> Result<Option<std::sync::Arc<crate::domain::SurveyDefinition>>, AppError> {
    let Some(w) = crate::models::account::current_wave(c, pid)? else { return Ok(None) };
    Ok(Some(crate::models::survey::get(c, &w.slug, max_text)?.definition))
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
            let (list, links) = load_updates(c, &p.id)?;
            Ok(Some((p, list, links)))
        })
        .await?;
    let (p, list, links) = found.ok_or_else(|| AppError::NotFound(crate::error::Words::key("error_no_partnership")))?;
    let view = PublicView {
        page: PageMeta::new(format!("You said, we did: {}", p.name)).partnership(&p.name),
        name: p.name,
        updates: views(list, &links),
    };
    render(&state, StatusCode::OK, "updates", &view)
}

/// A checked form: title, body, easy read, priorities, themes.
type Checked = (String, String, String, Vec<String>, Vec<String>);

#[derive(Serialize, Default)]
struct Typed {
    title: String,
    body: String,
    easy_read: String,
    priorities: String,
    themes: String,
    /// The links ticked, as `kind:target`.
    #[serde(skip)]
    links: std::collections::BTreeSet<String>,
}

/// One box to tick on the form.
#[derive(Serialize)]
struct Choice {
    id: String,
    value: String,
    label: String,
    checked: bool,
}

/// The boxes of one kind of link.
#[derive(Serialize)]
struct ChoiceGroup {
    name: String,
    legend: String,
    hint: String,
    choices: Vec<Choice>,
}

fn groups(linkable: updates::Linkable, typed: &Typed) -> Vec<ChoiceGroup> {
    use updates::LinkKind as K;
    linkable
        .into_iter()
        .filter(|(_, items)| !items.is_empty())
        .map(|(kind, items)| {
            let (legend, hint) = match kind {
                K::Question => ("Questions it answers", "From the wave you are working on."),
                K::Theme => ("Themes it answers", "What many people said, as coded."),
                K::Quote => (
                    "Quotes it answers",
                    "The 100 most recently approved quotes: consented and redacted, as they will be shown.",
                ),
                K::Measure => ("Measures it answers", "From the dashboard."),
                K::Outcome => ("Outcome statements it serves", "What children, young people and families will see."),
            };
            ChoiceGroup {
                name: format!("link-{}", kind.as_str()),
                legend: legend.into(),
                hint: hint.into(),
                choices: items
                    .into_iter()
                    .enumerate()
                    .map(|(i, (value, label))| Choice {
                        id: format!("link-{}-{i}", kind.as_str()),
                        checked: typed.links.contains(&format!("{}:{value}", kind.as_str())),
                        value,
                        label,
                    })
                    .collect(),
            }
        })
        .collect()
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
    link_groups: Vec<ChoiceGroup>,
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
    let max_text = state.settings.max_text_graphemes;
    let (waiting, (list, links), linkable) = state
        .db
        .run(move |c| -> Result<_, AppError> {
            let wave = working_wave(c, &pid, max_text)?;
            Ok((updates::waiting(c, &pid)?, load_updates(c, &pid)?, updates::linkable(c, &pid, wave.as_deref())?))
        })
        .await?;
    Ok(StaffView {
        page: who.page(req, state, "You said, we did").back("/staff").with_error(error.is_some()),
        csrf: csrf(state, req),
        suffix: who.partnership_suffix(&p),
        public_link: format!("/updates/{}", p.slug),
        waiting,
        can_publish: who.require(&[Role::Admin, Role::Analyst]).is_ok(),
        updates: views(list, &links),
        link_groups: groups(linkable, &typed),
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
        easy_read: form.get("easy_read").unwrap_or("").to_owned(),
        priorities: form.get("priorities").unwrap_or("").to_owned(),
        themes: form.get("themes").unwrap_or("").to_owned(),
        links: updates::LinkKind::ALL
            .iter()
            .flat_map(|k| {
                form.all(&format!("link-{}", k.as_str())).into_iter().map(move |v| format!("{}:{v}", k.as_str()))
            })
            .collect(),
    };
    let checked = (|| -> Result<Checked, String> {
        let title = crate::domain::UserText::parse(&typed.title, 200, false).map_err(|e| format!("The title: {e}"))?;
        if title.is_empty() {
            return Err("Give the update a title, like \"You said the Local Offer was hard to search\".".into());
        }
        let body = crate::domain::UserText::parse(&typed.body, 5000, true)
            .map_err(|e| format!("What you heard and did: {e}"))?;
        if body.is_empty() {
            return Err("Write what you heard and what you did about it.".into());
        }
        let easy = crate::domain::UserText::parse(&typed.easy_read, 5000, true)
            .map_err(|e| format!("The same in easy read: {e}"))?;
        let list = |raw: &str, what: &str| -> Result<Vec<String>, String> {
            let text = crate::domain::UserText::parse(raw, 500, false).map_err(|e| format!("{what}: {e}"))?;
            Ok(text.as_str().split(',').map(str::trim).filter(|x| !x.is_empty()).map(str::to_owned).collect())
        };
        Ok((
            title.into_string(),
            body.into_string(),
            easy.into_string(),
            list(&typed.priorities, "Priorities")?,
            list(&typed.themes, "Themes")?,
        ))
    })();
    let (title, text, easy_read, priorities, themes) = match checked {
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
        easy_read,
        priorities,
        themes,
        links: typed
            .links
            .iter()
            .filter_map(|l| l.split_once(':').and_then(|(k, v)| Some((updates::LinkKind::parse(k)?, v.to_owned()))))
            .collect(),
        by: who.staff.email.clone(),
        at: None,
    };
    let (templates, name, host, staff, public) = (
        state.templates,
        p.name.clone(),
        crate::email::outbox::message_host(&state.settings.public_url),
        who.staff.clone(),
        format!("{}/updates/{}", state.settings.public_url.trim_end_matches('/'), p.slug),
    );
    let public_base = state.settings.public_url.clone();
    let max_text = state.settings.max_text_graphemes;
    let published = state
        .db
        .write(move |c| -> Result<_, AppError> {
            let brand = crate::models::branding::get(c, &new.partnership_id)?;
            let look = crate::email::messages::Look::new(&brand, &public_base);
            let render = |u: &updates::Update| crate::email::messages::update(templates, &name, &look, &public, u);
            let wave = working_wave(c, &new.partnership_id, max_text)?;
            let out = match updates::publish(c, &new, wave.as_deref(), &host, &render) {
                Ok(out) => out,
                // A link to something that is not (or no longer) there: nothing published.
                Err(crate::models::StoreError::NotFound(_)) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            audit::record(
                c,
                &staff.actor(),
                Some(&new.partnership_id),
                audit::Action::UpdatePublished,
                &serde_json::json!({"title": new.title, "recipients": out.1, "links": new.links.len()}),
            )?;
            Ok(Some(out))
        })
        .await?;
    let Some((_, told)) = published else {
        let msg = "Something you chose to link to is no longer there (it may have been archived). Look at the boxes again and publish."
            .to_owned();
        let typed = Typed { links: Default::default(), ..typed };
        let view = staff_view(&state, &req, &who, query.partnership.as_deref(), typed, Some(msg)).await?;
        return render(&state, StatusCode::BAD_REQUEST, "staff/updates", &view);
    };
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
