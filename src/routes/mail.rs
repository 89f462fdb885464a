//! Staff pages for email: a wave's invitations (upload contacts, counts, send reminders) and
//! the outbox (what waits, what failed and why, retry).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::form::{read_checked, token as csrf};
use super::pages::see_other;
use super::pages::{Link, PageMeta, render};
use super::staff::{OwnedWave, SignedIn, owned_wave};
use crate::email::outbox;
use crate::error::AppError;
use crate::models::account::Role;
use crate::models::{audit, invitations};
use crate::state::AppState;

const SENDERS: [Role; 2] = [Role::Admin, Role::Analyst];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/waves/{slug}/invitations", web::get().to(page))
        .route("/staff/waves/{slug}/invitations", web::post().to(upload))
        .route("/staff/waves/{slug}/invitations/remind", web::post().to(remind))
        .route("/staff/waves/{slug}/invitations/preview", web::get().to(preview))
        .route("/staff/outbox", web::get().to(outbox_page))
        .route("/staff/outbox/retry", web::post().to(retry));
}

#[derive(Serialize)]
struct InvitationsView {
    page: PageMeta,
    slug: String,
    csrf: String,
    counts: invitations::Counts,
    can_send: bool,
    problems: Vec<String>,
    errors: Vec<Link>,
    done: Option<String>,
}

#[derive(serde::Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

async fn view(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    w: &OwnedWave,
    problems: Vec<String>,
    done: Option<String>,
) -> Result<InvitationsView, AppError> {
    let id = w.row.id.clone();
    let counts = state.db.run(move |c| invitations::counts(c, &id).map_err(AppError::from)).await?;
    Ok(InvitationsView {
        page: who
            .page(req, state, format!("Invitations: {} {}", w.def.series.title, w.row.label))
            .back(format!("/staff/waves/{}", w.row.slug))
            .with_error(!problems.is_empty()),
        slug: w.row.slug.clone(),
        csrf: csrf(state, req),
        counts,
        can_send: who.require(&SENDERS).is_ok(),
        errors: problems.iter().map(|p| Link { href: "#contacts".into(), text: p.clone() }).collect(),
        problems,
        done,
    })
}

async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<DoneQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&[Role::Admin, Role::Analyst, Role::Viewer])?;
    let w = owned_wave(&state, &who, &path).await?;
    let done = query.done.clone().map(|d| d.chars().take(200).collect());
    render(&state, StatusCode::OK, "staff/invitations", &view(&state, &req, &who, &w, vec![], done).await?)
}

fn links(state: &AppState, w: &OwnedWave) -> invitations::Links {
    invitations::Links { public_url: state.settings.public_url.clone(), partnership_id: w.partnership_id.clone() }
}

async fn partnership_name(state: &AppState, w: &OwnedWave) -> Result<String, AppError> {
    let id = w.row.id.clone();
    Ok(state.db.run(move |c| crate::models::survey::wave_partnership(c, &id).map_err(AppError::from)).await?.name)
}

/// How this wave's partnership's emails look.
async fn look(state: &AppState, w: &OwnedWave) -> Result<crate::email::messages::Look, AppError> {
    let pid = w.partnership_id.clone();
    let brand = state.db.run(move |c| crate::models::branding::get(c, &pid).map_err(AppError::from)).await?;
    Ok(crate::email::messages::Look::new(&brand, &state.settings.public_url))
}

async fn upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&SENDERS)?;
    let parts = super::upload::read_checked(&state, &req, payload, 2 * 1024 * 1024).await?;
    let w = owned_wave(&state, &who, &path).await?;
    let bytes = parts.bytes("contacts").to_vec();
    let audiences: Vec<String> = w.def.audiences.iter().map(|a| a.key.to_string()).collect();
    let rows = match invitations::parse_contacts(&bytes, &audiences) {
        Ok(rows) => rows,
        Err(problems) => {
            let view = view(&state, &req, &who, &w, problems, None).await?;
            return render(&state, StatusCode::BAD_REQUEST, "staff/invitations", &view);
        }
    };
    let (links, name, def, look) =
        (links(&state, &w), partnership_name(&state, &w).await?, w.def.clone(), look(&state, &w).await?);
    let (wave_id, staff, pid, templates) =
        (w.row.id.clone(), who.staff.clone(), w.partnership_id.clone(), state.templates);
    let done = state
        .db
        .write(move |c| -> Result<invitations::Invited, AppError> {
            let render =
                |l: &invitations::Letter<'_>| crate::email::messages::invitation(templates, &def, &name, &look, l);
            let done = invitations::invite(c, &wave_id, &rows, &links, &render)?;
            audit::record(
                c,
                &staff.actor(),
                Some(&pid),
                audit::Action::InvitationsSent,
                &serde_json::json!({"invited": done.invited, "already": done.already}),
            )?;
            Ok(done)
        })
        .await?;
    Ok(see_other(format!(
        "/staff/waves/{}/invitations?done={}",
        w.row.slug,
        urlencoding::encode(&format!("{} invitations queued; {} were invited before.", done.invited, done.already))
    )))
}

async fn remind(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    read_checked(&state, &req, body).await?;
    who.require(&SENDERS)?;
    let w = owned_wave(&state, &who, &path).await?;
    let (links, name, def, look) =
        (links(&state, &w), partnership_name(&state, &w).await?, w.def.clone(), look(&state, &w).await?);
    let (wave_id, staff, pid, templates) =
        (w.row.id.clone(), who.staff.clone(), w.partnership_id.clone(), state.templates);
    let n = state
        .db
        .write(move |c| -> Result<usize, AppError> {
            let render =
                |l: &invitations::Letter<'_>| crate::email::messages::invitation(templates, &def, &name, &look, l);
            let n = invitations::remind(c, &wave_id, &links, &render)?;
            audit::record(
                c,
                &staff.actor(),
                Some(&pid),
                audit::Action::InvitationsReminded,
                &serde_json::json!({"reminders": n}),
            )?;
            Ok(n)
        })
        .await?;
    Ok(see_other(format!(
        "/staff/waves/{}/invitations?done={}",
        w.row.slug,
        urlencoding::encode(&format!("{n} reminders queued (only to people who have not answered or unsubscribed)."))
    )))
}

#[derive(Serialize)]
struct OutboxItem {
    id: String,
    kind: String,
    to: String,
    subject: String,
    status: String,
    attempts: i32,
    error: String,
    when: String,
}

#[derive(Serialize)]
struct OutboxView {
    page: PageMeta,
    csrf: String,
    depth: outbox::Depth,
    transport: String,
    items: Vec<OutboxItem>,
}

/// Masks an address for the list: `pe***@example.org`.
fn mask(address: &str) -> String {
    match address.split_once('@') {
        Some((user, domain)) => format!("{}***@{domain}", user.chars().take(2).collect::<String>()),
        None => "***".into(),
    }
}

async fn outbox_page(state: web::Data<AppState>, req: HttpRequest, who: SignedIn) -> Result<HttpResponse, AppError> {
    who.require(&[Role::Admin])?;
    // A partnership's admin sees only its own messages and counts; a superadmin sees all.
    let scope = who.scope();
    let (depth, rows) = state
        .db
        .run(move |c| -> Result<_, AppError> {
            Ok((outbox::depth(c, scope.as_ref())?, outbox::recent(c, scope.as_ref(), 200)?))
        })
        .await?;
    let transport =
        crate::email::Transport::from_settings(&state.settings).map(|t| t.describe()).unwrap_or_else(|e| e.to_string());
    let view = OutboxView {
        page: who.page(&req, &state, "Email outbox").back("/staff"),
        csrf: csrf(&state, &req),
        depth,
        transport,
        items: rows
            .into_iter()
            .map(|r| OutboxItem {
                id: r.id,
                kind: r.kind,
                to: mask(&r.to_address),
                subject: r.subject,
                status: r.status,
                attempts: r.attempts,
                error: r.last_error.unwrap_or_default(),
                when: r.sent_at.unwrap_or(r.created_at).format("%-d %b %Y %H:%M").to_string(),
            })
            .collect(),
    };
    render(&state, StatusCode::OK, "staff/outbox", &view)
}

async fn retry(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    read_checked(&state, &req, body).await?;
    who.require(&[Role::Admin])?;
    let (staff, scope) = (who.staff.clone(), who.scope());
    state
        .db
        .run(move |c| -> Result<(), AppError> {
            c.write(|c| -> Result<(), AppError> {
                let n = outbox::retry_now(c, scope.as_ref())?;
                audit::record(
                    c,
                    &staff.actor(),
                    staff.partnership_id.as_ref(),
                    audit::Action::OutboxRetried,
                    &serde_json::json!({"messages": n}),
                )?;
                Ok(())
            })
        })
        .await?;
    Ok(see_other("/staff/outbox"))
}

#[derive(serde::Deserialize)]
struct PreviewQuery {
    audience: Option<String>,
    reminder: Option<String>,
    part: Option<String>,
}

#[derive(Serialize)]
struct PreviewView {
    page: PageMeta,
    subject: String,
    text: String,
    html_link: String,
    choices: Vec<Link>,
}

/// `GET /staff/waves/{slug}/invitations/preview`: an invitation or reminder as each audience
/// would get it, with a sample name and links; `part=html` shows the HTML part on its own.
async fn preview(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<PreviewQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&[Role::Admin, Role::Analyst, Role::Viewer])?;
    let w = owned_wave(&state, &who, &path).await?;
    let audience = match query.audience.as_deref() {
        Some(a) => w.def.audience(a).map(|a| a.key.to_string()).ok_or_else(super::staff::not_found)?,
        None => w.def.audiences.first().map(|a| a.key.to_string()).ok_or_else(super::staff::not_found)?,
    };
    let reminder = query.reminder.as_deref() == Some("1");
    let stamp = crate::db::now();
    let contact = invitations::Contact {
        id: String::new(),
        wave_id: w.row.id.clone(),
        email: "sam@example.org".into(),
        first_name: "Sam".into(),
        audience: audience.clone(),
        token_hash: String::new(),
        token_used_at: None,
        unsubscribe_hash: String::new(),
        unsubscribed_at: None,
        responded: false,
        reminders: 0,
        created_at: stamp,
    };
    let base = state.settings.public_url.trim_end_matches('/').to_owned();
    let letter = invitations::Letter {
        contact: &contact,
        link: format!("{base}/i/EXAMPLE-LINK-FOR-PREVIEW"),
        unsubscribe: format!("{base}/u/EXAMPLE-UNSUBSCRIBE"),
        reminder,
    };
    let (name, look) = (partnership_name(&state, &w).await?, look(&state, &w).await?);
    let (subject, text, html) = crate::email::messages::invitation(state.templates, &w.def, &name, &look, &letter)
        .map_err(AppError::internal)?;
    if query.part.as_deref() == Some("html") {
        return Ok(HttpResponse::Ok()
            .insert_header((actix_web::http::header::CONTENT_TYPE, "text/html; charset=utf-8"))
            .insert_header((
                actix_web::http::header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
            ))
            .body(html));
    }
    let here = format!("/staff/waves/{}/invitations/preview", w.row.slug);
    let view = PreviewView {
        page: who
            .page(&req, &state, format!("Email preview: {subject}"))
            .back(format!("/staff/waves/{}/invitations", w.row.slug)),
        subject,
        text,
        html_link: format!("{here}?audience={audience}&reminder={}&part=html", if reminder { 1 } else { 0 }),
        choices: w
            .def
            .audiences
            .iter()
            .flat_map(|a| {
                [(false, "invitation"), (true, "reminder")].map(|(r, what)| Link {
                    href: format!("{here}?audience={}&reminder={}", a.key, if r { 1 } else { 0 }),
                    text: format!("{} for {}", what, a.name.to_lowercase()),
                })
            })
            .collect(),
    };
    render(&state, StatusCode::OK, "staff/email_preview", &view)
}
