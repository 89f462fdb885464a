//! Said and shown: the recordings and pictures people gave instead of writing, for staff to
//! listen to or look at and type what they say. The transcript becomes the answer's text, so
//! it is coded, redacted and quoted like written words (a quote is always words, never the
//! voice). The files themselves are served only here, to staff of the wave's partnership,
//! under their random id, never cached and sandboxed.

use super::*;
use crate::models::answer_files::{self, Transcribed};

#[derive(Serialize)]
struct FileRow {
    n: usize,
    id: String,
    question: String,
    key: String,
    recording: bool,
    size_kb: i64,
    sent: String,
    words: Option<String>,
    transcript: String,
    transcribed: bool,
    error: Option<String>,
    action: String,
    url: String,
}

#[derive(Serialize)]
struct TranscriptsView {
    page: PageMeta,
    csrf: String,
    label: String,
    files: Vec<FileRow>,
    waiting: usize,
    notice: Option<String>,
    errors: Vec<Link>,
    coding: String,
}

#[derive(Deserialize)]
pub(super) struct TranscriptsQuery {
    said: Option<String>,
}

/// What a refused transcript needs to be shown again.
struct Refused {
    id: String,
    typed: String,
    message: String,
}

async fn page(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    slug: &str,
    notice: Option<String>,
    refused: Option<Refused>,
) -> Result<HttpResponse, AppError> {
    let w = owned_wave(state, who, slug).await?;
    let wave_id = w.row.id.clone();
    let files = state.db.run(move |c| answer_files::sent_in_wave(c, &wave_id).map_err(AppError::from)).await?;
    let title = |key: &str| {
        w.def
            .question(key)
            .and_then(|q| q.audiences.first().and_then(|a| q.wording(a)).map(|x| x.title.clone()))
            .unwrap_or_else(|| key.to_owned())
    };
    let waiting = files.iter().filter(|f| f.transcript.is_none()).count();
    let rows: Vec<FileRow> = files
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            let mine = refused.as_ref().filter(|r| r.id == f.id);
            FileRow {
                n: i + 1,
                question: title(&f.question_key),
                key: f.question_key.clone(),
                recording: f.kind == answer_files::FileKind::Recording.as_str(),
                size_kb: (i64::from(f.size_bytes) + 1023) / 1024,
                sent: f.created_at.format("%-d %B %Y").to_string(),
                words: f.words.clone(),
                transcript: mine.map_or_else(|| f.transcript.clone().unwrap_or_default(), |r| r.typed.clone()),
                transcribed: f.transcript.is_some(),
                error: mine.map(|r| r.message.clone()),
                action: format!("/staff/waves/{slug}/transcripts/{}", f.id),
                url: format!("/staff/answer-files/{}", f.id),
                id: f.id,
            }
        })
        .collect();
    let errors: Vec<Link> = rows
        .iter()
        .filter_map(|r| r.error.as_ref().map(|e| Link { href: format!("#transcript-{}", r.id), text: e.clone() }))
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    let view = TranscriptsView {
        page: who
            .page(req, state, "Recordings and pictures")
            .back(format!("/staff/waves/{slug}"))
            .with_error(!errors.is_empty()),
        csrf: csrf(state, req),
        label: format!("{} {}", w.def.series.title, w.row.label),
        files: rows,
        waiting,
        notice,
        errors,
        coding: format!("/staff/waves/{slug}/coding"),
    };
    render(state, status, "staff/transcripts", &view)
}

/// `GET /staff/waves/{slug}/transcripts`: every recording and picture sent in the wave, the
/// ones waiting for words first.
pub(super) async fn transcripts_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<TranscriptsQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&EDITORS)?;
    let notice = match q.said.as_deref() {
        Some("saved") => Some("Saved. The words are now the answer's text: code and quote them like any other.".into()),
        Some("cleared") => Some("The transcript was taken away.".into()),
        _ => None,
    };
    page(&state, &req, &who, &path, notice, None).await
}

/// `POST /staff/waves/{slug}/transcripts/{id}`: saves what a recording says or a picture
/// shows (empty takes the transcript away), audited in the same transaction.
pub(super) async fn save_transcript(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = read_form(&state, &req, body).await?;
    who.require(&EDITORS)?;
    let (slug, id) = path.into_inner();
    let w = owned_wave(&state, &who, &slug).await?;
    let typed = f.get("transcript").unwrap_or("").to_owned();
    let text = match UserText::parse(&typed, state.settings.max_text_graphemes, true) {
        Ok(t) => t.into_string(),
        Err(e) => {
            let refused = Refused { id, typed, message: format!("The transcript {e}.") };
            return page(&state, &req, &who, &slug, None, Some(refused)).await;
        }
    };
    let (wave_id, pid, staff) = (w.row.id.clone(), w.partnership_id.clone(), who.staff.clone());
    let empty = text.is_empty();
    let done = state
        .db
        .run(move |c| answer_files::transcribe(c, &wave_id, &id, &text, &staff, &pid).map_err(AppError::from))
        .await?;
    match done {
        Transcribed::Saved => {
            Ok(see_other(format!("/staff/waves/{slug}/transcripts?said={}", if empty { "cleared" } else { "saved" })))
        }
        Transcribed::NotFound => Err(not_found()),
    }
}

fn valid_id(id: &str) -> bool {
    id.len() == 36 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

/// `GET /staff/answer-files/{id}`: a sent recording or picture, to staff of its partnership
/// only. Never cached, sandboxed, and served as the type its content was checked to be.
pub(super) async fn answer_file(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&EDITORS)?;
    let id = path.into_inner();
    if !valid_id(&id) {
        return Err(not_found());
    }
    let found = state.db.run(move |c| answer_files::body(c, &id).map_err(AppError::from)).await?;
    let Some((_, content_type, bytes)) = found.filter(|(p, _, _)| who.staff.can_see(p)) else {
        return Err(not_found());
    };
    let mut res = crate::routes::media::serve(&req, content_type, bytes);
    let h = res.headers_mut();
    h.insert(CACHE_CONTROL, actix_web::http::header::HeaderValue::from_static("private, no-store"));
    h.insert(
        actix_web::http::header::CONTENT_SECURITY_POLICY,
        actix_web::http::header::HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    h.insert(CONTENT_DISPOSITION, actix_web::http::header::HeaderValue::from_static("inline"));
    Ok(res)
}
