//! Recordings and pictures: serving them to respondents (`/media/...`), and the staff pages to
//! upload and remove them (`/staff/waves/{slug}/recordings`, `/staff/images`).
//!
//! Recordings are per wave, audience, language and question, so young people can record the
//! questions in their own voices. Pictures belong to a partnership and are named; a survey
//! definition uses one as `symbol = { image = "NAME", alt = "..." }` where a built-in symbol
//! would go.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::form::{read_checked, token as csrf};
use super::pages::see_other;
use super::pages::{Link, PageMeta, render};
use super::staff::{SignedIn, not_found, owned_wave, partnership_for};
use crate::db::PartnershipId;
use crate::domain::media::{self as checks, MAX_AUDIO_BYTES, MAX_IMAGE_BYTES};
use crate::error::AppError;
use crate::models::account::Role;
use crate::models::{audit, media};
use crate::state::AppState;
use crate::views::Choice;

const EDITORS: [Role; 3] = [Role::Admin, Role::Analyst, Role::Facilitator];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/media/recordings/{id}", web::get().to(recording))
        .route("/media/images/{id}", web::get().to(image))
        .route("/staff/waves/{slug}/recordings", web::get().to(recordings_page))
        .route("/staff/waves/{slug}/recordings", web::post().to(upload_recording))
        .route("/staff/waves/{slug}/recordings/{id}/delete", web::post().to(delete_recording))
        .route("/staff/images", web::get().to(images_page))
        .route("/staff/images", web::post().to(upload_image))
        .route("/staff/images/{id}/delete", web::post().to(delete_image))
        .route("/staff/branding", web::post().to(set_branding));
}

fn valid_id(id: &str) -> bool {
    id.len() == 36 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

/// Serves bytes with a single `Range` honoured (players seek, and some need 206 to play).
pub(crate) fn serve(req: &HttpRequest, content_type: String, body: Vec<u8>) -> HttpResponse {
    let total = body.len();
    let range = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("bytes="))
        .filter(|v| !v.contains(','))
        .and_then(|v| v.split_once('-'))
        .and_then(|(a, b)| {
            let (start, end) = match (a.trim(), b.trim()) {
                ("", suffix) => {
                    let n: usize = suffix.parse().ok()?;
                    (total.saturating_sub(n), total.checked_sub(1)?)
                }
                (a, "") => (a.parse().ok()?, total.checked_sub(1)?),
                (a, b) => (a.parse().ok()?, b.parse::<usize>().ok()?.min(total.checked_sub(1)?)),
            };
            (start <= end && end < total).then_some((start, end))
        });
    let mut res = match (req.headers().contains_key(header::RANGE), range) {
        (true, None) => {
            return HttpResponse::RangeNotSatisfiable()
                .insert_header((header::CONTENT_RANGE, format!("bytes */{total}")))
                .finish();
        }
        (_, Some((start, end))) => {
            let mut r = HttpResponse::PartialContent();
            r.insert_header((header::CONTENT_RANGE, format!("bytes {start}-{end}/{total}")));
            r.body(body[start..=end].to_vec())
        }
        (false, None) => HttpResponse::Ok().body(body),
    };
    let h = res.headers_mut();
    if let Ok(v) = header::HeaderValue::from_str(&content_type) {
        h.insert(CONTENT_TYPE, v);
    }
    h.insert(header::ACCEPT_RANGES, header::HeaderValue::from_static("bytes"));
    h.insert(CACHE_CONTROL, header::HeaderValue::from_static("public, max-age=86400"));
    // Uploaded SVG can never run anything, even opened on its own.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    res
}

async fn recording(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    if !valid_id(&id) {
        return Err(AppError::NotFound(crate::error::Words::key("error_no_recording")));
    }
    let found = state.db.run(move |c| media::recording_body(c, &id).map_err(AppError::from)).await?;
    let (ct, body) = found.ok_or_else(|| AppError::NotFound(crate::error::Words::key("error_no_recording")))?;
    Ok(serve(&req, ct, body))
}

async fn image(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    if !valid_id(&id) {
        return Err(AppError::NotFound(crate::error::Words::key("error_no_picture")));
    }
    let found = state.db.run(move |c| media::image_body(c, &id).map_err(AppError::from)).await?;
    let (ct, body) = found.ok_or_else(|| AppError::NotFound(crate::error::Words::key("error_no_picture")))?;
    Ok(serve(&req, ct, body))
}

/// Deletes something by id and records who did it, in one transaction; 404 when there was
/// nothing to delete (or it belongs to someone else).
async fn deleted_with_audit(
    state: &AppState,
    who: &SignedIn,
    partnership_id: &PartnershipId,
    action: crate::models::audit::Action,
    id: String,
    delete: impl FnOnce(&mut crate::db::DbConnection, &str) -> crate::models::StoreResult<bool> + Send + 'static,
) -> Result<(), AppError> {
    let (staff, pid) = (who.staff.clone(), partnership_id.to_owned());
    let deleted = state
        .db
        .run(move |c| {
            c.write(|c| -> Result<bool, AppError> {
                let deleted = delete(c, &id)?;
                if deleted {
                    audit::record(c, &staff.actor(), Some(&pid), action, &serde_json::json!({"id": id}))?;
                }
                Ok(deleted)
            })
        })
        .await?;
    if deleted { Ok(()) } else { Err(not_found()) }
}

// ---------------------------------------------------------------------------------------
// Recordings.

#[derive(Serialize)]
struct RecordingRow {
    id: String,
    version: String,
    question: String,
    url: String,
    size: String,
    by: String,
}

#[derive(Serialize)]
struct RecordingsView {
    page: PageMeta,
    slug: String,
    csrf: String,
    can_edit: bool,
    versions: Vec<Choice>,
    questions: Vec<Choice>,
    rows: Vec<RecordingRow>,
    max_mb: usize,
    error: Option<String>,
    errors: Vec<Link>,
}

fn version_name(def: &crate::domain::SurveyDefinition, audience: &str, lang: &str) -> String {
    let a = def.audience(audience).map(|a| a.name.clone()).unwrap_or_else(|| audience.to_owned());
    let l = crate::i18n::catalogue(lang).map(|c| c.name.clone()).unwrap_or_else(|| lang.to_owned());
    format!("{a}, {l}")
}

async fn recordings_view(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    slug: &str,
    error: Option<String>,
) -> Result<RecordingsView, AppError> {
    let w = owned_wave(state, who, slug).await?;
    let wave_id = w.row.id.clone();
    let list = state.db.run(move |c| media::list_recordings(c, &wave_id).map_err(AppError::from)).await?;
    let mut versions = Vec::new();
    for a in &w.def.audiences {
        for lang in w.def.languages_for(a.key.as_str()) {
            versions.push(Choice {
                value: format!("{}|{lang}", a.key),
                text: version_name(&w.def, a.key.as_str(), &lang),
                selected: false,
            });
        }
    }
    let questions = w
        .def
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| Choice {
            value: q.key.to_string(),
            text: format!(
                "{}. {}",
                i + 1,
                q.audiences.first().and_then(|a| q.wording(a)).map(|w| w.title.clone()).unwrap_or_default()
            ),
            selected: false,
        })
        .collect();
    let rows = list
        .into_iter()
        .map(|r| RecordingRow {
            version: version_name(&w.def, &r.audience, &r.language),
            question: w
                .def
                .question(&r.question_key)
                .and_then(|q| q.wording(&r.audience))
                .map(|t| t.title.clone())
                .unwrap_or_else(|| r.question_key.clone()),
            url: format!("/media/recordings/{}", r.id),
            size: format!("{} KB", (r.size_bytes as usize).div_ceil(1024)),
            by: r.created_by,
            id: r.id,
        })
        .collect();
    Ok(RecordingsView {
        page: who
            .page(req, state, format!("Recordings: {} {}", w.def.series.title, w.row.label))
            .back(format!("/staff/waves/{slug}"))
            .with_error(error.is_some()),
        slug: slug.to_owned(),
        csrf: csrf(state, req),
        can_edit: who.require(&EDITORS).is_ok(),
        versions,
        questions,
        rows,
        max_mb: MAX_AUDIO_BYTES / (1024 * 1024),
        errors: super::pages::error_links(&error, "#recording-file"),
        error,
    })
}

async fn recordings_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&[Role::Admin, Role::Analyst, Role::Viewer, Role::Facilitator])?;
    let view = recordings_view(&state, &req, &who, &path, None).await?;
    render(&state, StatusCode::OK, "staff/recordings", &view)
}

async fn upload_recording(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let slug = path.into_inner();
    who.require(&EDITORS)?;
    let parts = super::upload::read_checked(&state, &req, payload, MAX_AUDIO_BYTES + 64 * 1024).await?;
    let w = owned_wave(&state, &who, &slug).await?;
    let fail = |message: String| async {
        let view = recordings_view(&state, &req, &who, &slug, Some(message)).await?;
        render(&state, StatusCode::BAD_REQUEST, "staff/recordings", &view)
    };
    let version = parts.text("version");
    let Some((audience, lang)) = version.split_once('|') else {
        return fail("Choose which version of the survey the recording is for.".into()).await;
    };
    if !w.def.languages_for(audience).iter().any(|l| l == lang) || w.def.audience(audience).is_none() {
        return fail("That version is not part of this survey. Choose one from the list.".into()).await;
    }
    let key = parts.text("question");
    let Some(q) = w.def.question(&key).filter(|q| q.is_for(audience)) else {
        return fail(format!(
            "That question is not asked of {}. Choose one of their questions.",
            version_name(&w.def, audience, lang)
        ))
        .await;
    };
    let bytes = parts.bytes("file").to_vec();
    let content_type = match checks::sniff_audio(&bytes) {
        Ok(ct) => ct,
        Err(e) => return fail(e.to_string()).await,
    };
    let slot = media::RecordingSlot {
        wave_id: w.row.id.clone(),
        audience: audience.to_owned(),
        language: lang.to_owned(),
        question_key: q.key.to_string(),
    };
    let (staff, pid, wave_slug) = (who.staff.clone(), w.partnership_id.clone(), slug.clone());
    let size = bytes.len();
    state
        .db
        .write(move |c| -> Result<(), AppError> {
            media::put_recording(c, &slot, content_type, &bytes, &staff.email)?;
            let detail = serde_json::json!({
                "wave": wave_slug,
                "audience": slot.audience,
                "language": slot.language,
                "question": slot.question_key,
                "bytes": size,
            });
            audit::record(c, &staff.actor(), Some(&pid), audit::Action::RecordingAdded, &detail)?;
            Ok(())
        })
        .await?;
    Ok(see_other(format!("/staff/waves/{slug}/recordings")))
}

async fn delete_recording(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    read_checked(&state, &req, body).await?;
    who.require(&EDITORS)?;
    let (slug, id) = path.into_inner();
    let w = owned_wave(&state, &who, &slug).await?;
    if !valid_id(&id) {
        return Err(not_found());
    }
    deleted_with_audit(&state, &who, &w.partnership_id, audit::Action::RecordingDeleted, id, move |c, id| {
        media::delete_recording(c, &w.row.id, id)
    })
    .await?;
    Ok(see_other(format!("/staff/waves/{slug}/recordings")))
}

// ---------------------------------------------------------------------------------------
// Pictures.

#[derive(Serialize)]
struct ImageRow {
    id: String,
    name: String,
    alt: String,
    url: String,
    kind: String,
    size: String,
}

#[derive(Serialize)]
struct Builtin {
    name: String,
    alt: String,
}

#[derive(Serialize)]
struct ImagesView {
    page: PageMeta,
    csrf: String,
    can_edit: bool,
    suffix: String,
    rows: Vec<ImageRow>,
    builtin: Vec<Builtin>,
    max_kb: usize,
    name: String,
    alt: String,
    brand: crate::models::branding::Brand,
    brand_error: Option<String>,
    can_brand: bool,
    error: Option<String>,
    errors: Vec<Link>,
}

#[derive(serde::Deserialize)]
struct PartnershipQuery {
    partnership: Option<String>,
}

async fn images_view(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    wanted: Option<&str>,
    typed: (String, String),
    error: Option<String>,
) -> Result<ImagesView, AppError> {
    let p = partnership_for(state, who, wanted).await?;
    let pid = p.id.clone();
    let (list, brand) = state
        .db
        .run(move |c| -> Result<_, AppError> {
            Ok((media::list_images(c, &pid)?, crate::models::branding::get(c, &pid)?))
        })
        .await?;
    Ok(ImagesView {
        brand,
        brand_error: None,
        can_brand: who.require(&[Role::Admin]).is_ok(),
        page: who.page(req, state, "Pictures").back("/staff").with_error(error.is_some()),
        csrf: csrf(state, req),
        can_edit: who.require(&EDITORS).is_ok(),
        suffix: who.partnership_suffix(&p),
        rows: list
            .into_iter()
            .map(|i| ImageRow {
                url: format!("/media/images/{}", i.id),
                kind: if i.content_type == "image/svg+xml" { "SVG".into() } else { "PNG".into() },
                size: format!("{} KB", (i.size_bytes as usize).div_ceil(1024)),
                id: i.id,
                name: i.name,
                alt: i.alt,
            })
            .collect(),
        builtin: crate::templates::Templates::symbol_names()
            .into_iter()
            .map(|name| Builtin { alt: crate::templates::Templates::symbol_alt(&name).unwrap_or_default(), name })
            .collect(),
        max_kb: MAX_IMAGE_BYTES / 1024,
        name: typed.0,
        alt: typed.1,
        errors: super::pages::error_links(&error, "#image-file"),
        error,
    })
}

async fn images_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<PartnershipQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&[Role::Admin, Role::Analyst, Role::Viewer, Role::Facilitator])?;
    let view = images_view(&state, &req, &who, query.partnership.as_deref(), Default::default(), None).await?;
    render(&state, StatusCode::OK, "staff/images", &view)
}

async fn upload_image(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<PartnershipQuery>,
    payload: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&EDITORS)?;
    let parts = super::upload::read_checked(&state, &req, payload, MAX_IMAGE_BYTES + 64 * 1024).await?;
    let p = partnership_for(&state, &who, query.partnership.as_deref()).await?;
    let (name, alt) = (parts.text("name").to_lowercase(), parts.text("alt"));
    let problem = if crate::domain::Slug::parse(&name, "picture name").is_err() {
        Some("Give the picture a short name of lower-case letters, digits and hyphens, like our-school.".to_owned())
    } else if crate::templates::Templates::has_symbol(&name) {
        Some(format!("{name:?} is one of Heard's own symbols. Choose another name, like our-{name}."))
    } else if alt.is_empty() {
        Some("Describe what the picture shows (alt text), for people who cannot see it.".to_owned())
    } else if let Err(e) = crate::domain::UserText::parse(&alt, 200, false) {
        Some(format!("The description: {e}"))
    } else {
        None
    };
    let cleaned = match problem {
        Some(p) => Err(p),
        None => decode_image(parts.bytes("file").to_vec()).await?.map_err(|e| e.to_string()),
    };
    let clean = match cleaned {
        Ok(c) => c,
        Err(message) => {
            let view =
                images_view(&state, &req, &who, query.partnership.as_deref(), (name, alt), Some(message)).await?;
            return render(&state, StatusCode::BAD_REQUEST, "staff/images", &view);
        }
    };
    let (staff, pid) = (who.staff.clone(), p.id.clone());
    let alt = crate::domain::UserText::parse(&alt, 200, false).map(|t| t.into_string()).unwrap_or(alt);
    state
        .db
        .write(move |c| -> Result<(), AppError> {
            media::put_image(c, &pid, &name, &alt, clean.content_type, &clean.body, &staff.email)?;
            audit::record(
                c,
                &staff.actor(),
                Some(&pid),
                audit::Action::ImageAdded,
                &serde_json::json!({"name": name, "type": clean.content_type, "bytes": clean.body.len()}),
            )?;
            Ok(())
        })
        .await?;
    Ok(see_other(format!("/staff/images{}", who.partnership_suffix(&p))))
}

/// Pictures are decoded one at a time, on a blocking thread: decoding and scaling a large
/// photo takes a core for a moment and tens of megabytes, which must never stall the async
/// workers that serve respondents, nor add up when several arrive at once.
static DECODING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

async fn decode_image(bytes: Vec<u8>) -> Result<Result<checks::CleanImage, checks::MediaError>, AppError> {
    let _turn = DECODING.acquire().await.map_err(AppError::internal)?;
    web::block(move || checks::clean_image(&bytes)).await.map_err(AppError::internal)
}

/// [`checks::clean_answer_picture`] off the async workers, one decode at a time (a photo can
/// take a moment and most of a core).
pub(crate) async fn decode_answer_picture(
    bytes: Vec<u8>,
) -> Result<Result<checks::CleanImage, checks::MediaError>, AppError> {
    let _turn = DECODING.acquire().await.map_err(AppError::internal)?;
    web::block(move || checks::clean_answer_picture(&bytes)).await.map_err(AppError::internal)
}

async fn delete_image(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<PartnershipQuery>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    read_checked(&state, &req, body).await?;
    who.require(&EDITORS)?;
    let p = partnership_for(&state, &who, query.partnership.as_deref()).await?;
    let id = path.into_inner();
    if !valid_id(&id) {
        return Err(not_found());
    }
    let pid = p.id.clone();
    deleted_with_audit(&state, &who, &p.id, audit::Action::ImageDeleted, id, move |c, id| {
        media::delete_image(c, &pid, id)
    })
    .await?;
    Ok(see_other(format!("/staff/images{}", who.partnership_suffix(&p))))
}

/// `POST /staff/branding`: the partnership's email colour and logo.
async fn set_branding(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<PartnershipQuery>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let form = read_checked(&state, &req, body).await?;
    who.require(&[Role::Admin])?;
    let p = partnership_for(&state, &who, query.partnership.as_deref()).await?;
    let (colour, logo) = (form.get("colour").unwrap_or("").to_owned(), form.get("logo").unwrap_or("").to_owned());
    let (pid, staff) = (p.id.clone(), who.staff.clone());
    let outcome = state
        .db
        .write(move |c| -> Result<Result<(), String>, AppError> {
            match crate::models::branding::set(c, &pid, &colour, Some(&logo)) {
                Ok(()) => {
                    audit::record(
                        c,
                        &staff.actor(),
                        Some(&pid),
                        audit::Action::BrandingSet,
                        &serde_json::json!({"colour": colour, "logo": logo}),
                    )?;
                    Ok(Ok(()))
                }
                Err(crate::models::StoreError::Conflict(m)) => Ok(Err(m)),
                Err(e) => Err(e.into()),
            }
        })
        .await?;
    match outcome {
        Ok(()) => Ok(see_other(format!("/staff/images{}", who.partnership_suffix(&p)))),
        Err(message) => {
            let mut view =
                images_view(&state, &req, &who, query.partnership.as_deref(), Default::default(), None).await?;
            view.brand_error = Some(message.clone());
            view.errors = vec![Link { href: "#brand-colour".into(), text: message }];
            view.page = view.page.with_error(true);
            render(&state, StatusCode::BAD_REQUEST, "staff/images", &view)
        }
    }
}
