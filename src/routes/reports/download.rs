//! Downloads of one wave, by role, audited before anything is handed out:
//!
//! - `GET /staff/waves/{slug}/download?format=csv|xlsx|json` — the responses, one row per
//!   response and one column per question key, with the results' filters (`audience`,
//!   `channel`, `from`, `to`, `tag`, `answer`) and `answers=values|labels`; `part=dictionary`
//!   gives the data dictionary alone as CSV (the XLSX carries it as a sheet). Written answers
//!   are in the file for admins and analysts only; a viewer's file leaves those columns out.
//!   Streamed: rows are read a batch at a time on a blocking thread and sent as they are
//!   written (the XLSX is written in constant memory to a temporary file, then sent), so a
//!   wave of any size takes the same memory. Audit: `responses.downloaded`.
//! - `GET /staff/waves/{slug}/tables?format=csv|xlsx` — the results page's figures as a
//!   published table, with the same filters and the statistical service's symbols. Audit:
//!   `tables.downloaded`.

use std::io::Read;

use actix_web::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::READERS;
use crate::domain::filter::RawFilter;
use crate::error::AppError;
use crate::exports::responses::{self as files, ResponseRows, ResponsesXlsx};
use crate::models::account::Role;
use crate::models::{audit, export};
use crate::routes::staff::{SignedIn, owned_wave};
use crate::state::AppState;

#[derive(Deserialize)]
pub(super) struct DownloadQuery {
    format: Option<String>,
    answers: Option<String>,
    part: Option<String>,
    #[serde(flatten)]
    filter: RawFilter,
}

fn bad_filter(problems: Vec<crate::domain::filter::FilterProblem>) -> AppError {
    let words: Vec<String> = problems.into_iter().map(|p| format!("{}: {}", p.field, p.message)).collect();
    AppError::BadRequest(format!("This download's filters need changing. {}", words.join(" ")).into())
}

fn file(name: &str, ext: &str, content_type: &str) -> actix_web::HttpResponseBuilder {
    let mut r = HttpResponse::Ok();
    r.insert_header((CONTENT_TYPE, content_type.to_owned()))
        .insert_header((CONTENT_DISPOSITION, crate::exports::attachment(name, ext)))
        .insert_header((CACHE_CONTROL, "no-store"));
    r
}

type Chunk = Result<Bytes, std::io::Error>;

/// A body fed from a blocking job through a small channel: the job waits when the client
/// reads slowly, and stops when the client goes away.
fn channel_body() -> (tokio::sync::mpsc::Sender<Chunk>, impl futures_util::Stream<Item = Chunk>) {
    let (tx, rx) = tokio::sync::mpsc::channel::<Chunk>(8);
    let body = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) });
    (tx, body)
}

pub(super) async fn download(
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<DownloadQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&READERS)?;
    let words = who.require(&[Role::Admin, Role::Analyst]).is_ok();
    let q = q.into_inner();
    let format = q.format.clone().unwrap_or_else(|| "csv".into());
    if !matches!(format.as_str(), "csv" | "xlsx" | "json") {
        return Err(AppError::BadRequest(
            format!("{format:?} is not a download format here: choose csv, xlsx or json.").into(),
        ));
    }
    let labels = match q.answers.as_deref() {
        None | Some("" | "values") => false,
        Some("labels") => true,
        Some(other) => {
            return Err(AppError::BadRequest(
                format!("{other:?}: answers can be given as values or as labels.").into(),
            ));
        }
    };
    let dictionary_only = match q.part.as_deref() {
        None | Some("" | "responses") => false,
        Some("dictionary") => true,
        Some(other) => {
            return Err(AppError::BadRequest(format!("{other:?}: choose the responses or the dictionary.").into()));
        }
    };
    let slug = path.into_inner();
    let w = owned_wave(&state, &who, &slug).await?;
    let filter = q.filter.check(&w.def).map_err(bad_filter)?;
    let (id, staff, pid) = (w.row.id.clone(), who.staff.clone(), w.partnership_id.clone());
    let f = filter.clone();
    let rows = state.db.run(move |c| export::count_responses(c, &id, &f).map_err(AppError::from)).await?;
    let series = w.def.series.slug.to_string();
    let max_text = state.settings.max_text_graphemes;
    let asked_in = state.db.run(move |c| export::waves_asking(c, &series, max_text).map_err(AppError::from)).await?;
    let what = if dictionary_only { "dictionary" } else { "responses" };
    let detail = serde_json::json!({
        "wave": slug, "format": format, "part": what, "rows": rows, "filter": filter.query(),
        "answers": if labels { "labels" } else { "values" }, "written_answers": words,
    });
    state
        .db
        .write(move |c| {
            audit::record(c, &staff.actor(), Some(&pid), audit::Action::ResponsesDownloaded, &detail)
                .map_err(AppError::from)
        })
        .await?;
    let def = w.def.clone();
    let stem = format!("{slug}-{what}");
    if dictionary_only {
        let bytes = files::dictionary_csv(&files::dictionary(&def, &asked_in, words)).map_err(AppError::internal)?;
        return Ok(file(&stem, "csv", "text/csv; charset=utf-8").body(bytes));
    }
    let (tx, body) = channel_body();
    let (wave_id, wave_slug) = (w.row.id.clone(), slug.clone());
    let db = state.db.clone();
    let fmt = format.clone();
    actix_web::rt::spawn(async move {
        let failed = tx.clone();
        let result = db
            .run(move |c| -> Result<(), AppError> {
                let rows = ResponseRows::new(&def, labels, words);
                let reading = export::Reading {
                    wave_id: &wave_id,
                    wave_slug: &wave_slug,
                    def: &def,
                    filter: &filter,
                    words,
                    batch: export::BATCH,
                };
                let send = |bytes: Vec<u8>| tx.blocking_send(Ok(Bytes::from(bytes))).is_ok();
                match fmt.as_str() {
                    "csv" => {
                        if !send(rows.csv_start().map_err(AppError::internal)?) {
                            return Ok(());
                        }
                        let mut problem = None;
                        let write = |batch: Vec<_>| match rows.csv_batch(&batch) {
                            Ok(b) => send(b),
                            Err(e) => {
                                problem = Some(e);
                                false
                            }
                        };
                        // Rows are written on a second thread while the next batch is read.
                        export::each_response_overlapped(c, &reading, write)?;
                        problem.map_or(Ok(()), |e| Err(AppError::internal(e)))
                    }
                    "json" => stream_json(c, &reading, &send),
                    _ => {
                        let dir = tempfile::tempdir().map_err(AppError::internal)?;
                        let mut book = ResponsesXlsx::new(rows, dir.path()).map_err(AppError::internal)?;
                        let mut problem = None;
                        export::each_response(c, &reading, |batch| match book.push(&batch) {
                            Ok(()) => true,
                            Err(e) => {
                                problem = Some(e);
                                false
                            }
                        })?;
                        if let Some(e) = problem {
                            return Err(AppError::internal(e));
                        }
                        let out = dir.path().join("responses.xlsx");
                        book.finish(&files::dictionary(&def, &asked_in, words), &out).map_err(AppError::internal)?;
                        let mut f = std::fs::File::open(&out).map_err(AppError::internal)?;
                        let mut buf = vec![0u8; 64 * 1024];
                        loop {
                            let n = f.read(&mut buf).map_err(AppError::internal)?;
                            if n == 0 || !send(buf[..n].to_vec()) {
                                break;
                            }
                        }
                        Ok(())
                    }
                }
            })
            .await;
        if let Err(e) = result {
            tracing::error!(error = %e, "a download stopped part way");
            // The client sees the transfer fail rather than a short file that looks whole.
            if failed.send(Err(std::io::Error::other("the download stopped part way"))).await.is_err() {
                tracing::debug!("the client had already gone");
            }
        }
    });
    let (ext, content_type) = match format.as_str() {
        "json" => ("json", "application/json"),
        "xlsx" => ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        _ => ("csv", "text/csv; charset=utf-8"),
    };
    Ok(file(&stem, ext, content_type).streaming(body))
}

/// The responses as a JSON array, a batch at a time (written answers only when the reading asks for them).
fn stream_json(
    c: &mut crate::db::DbConnection,
    reading: &export::Reading<'_>,
    send: &dyn Fn(Vec<u8>) -> bool,
) -> Result<(), AppError> {
    if !send(b"[".to_vec()) {
        return Ok(());
    }
    let mut first = true;
    let mut problem = None;
    // Written answers are in the records only when the reading asked for them.
    export::each_response(c, reading, |batch| {
        let mut out = Vec::new();
        for r in batch {
            if !first {
                out.push(b',');
            }
            first = false;
            out.push(b'\n');
            if let Err(e) = serde_json::to_writer(&mut out, &r) {
                problem = Some(e);
                return false;
            }
        }
        send(out)
    })?;
    if let Some(e) = problem {
        return Err(AppError::internal(e));
    }
    send(b"\n]\n".to_vec());
    Ok(())
}

#[derive(Deserialize)]
pub(super) struct TablesQuery {
    format: Option<String>,
    #[serde(flatten)]
    filter: RawFilter,
}

/// The results page's figures as a published table.
pub(super) async fn tables(
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<TablesQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&READERS)?;
    let q = q.into_inner();
    let format = q.format.clone().unwrap_or_else(|| "xlsx".into());
    if !matches!(format.as_str(), "csv" | "xlsx") {
        return Err(AppError::BadRequest(format!("{format:?} is not a format for tables: choose csv or xlsx.").into()));
    }
    let slug = path.into_inner();
    let w = owned_wave(&state, &who, &slug).await?;
    let filter = q.filter.check(&w.def).map_err(bad_filter)?;
    let (id, f, d) = (w.row.id.clone(), filter.clone(), w.def.clone());
    let tally = state.db.run(move |c| crate::models::results::tally(c, &id, &d, &f).map_err(AppError::from)).await?;
    let def = &w.def;
    let figures = crate::stats::results::figures(def, &tally, &filter, &crate::stats::Settings::default());
    let name = |a: &str| super::group_name(def, a);
    let rows = files::results_table(def, &figures, &name);
    let title = format!("{} {}: results", def.series.title, w.row.label);
    let (staff, pid) = (who.staff.clone(), w.partnership_id.clone());
    let detail = serde_json::json!({"wave": slug, "format": format, "filter": filter.query(), "rows": rows.len() - 1});
    state
        .db
        .write(move |c| {
            audit::record(c, &staff.actor(), Some(&pid), audit::Action::TablesDownloaded, &detail)
                .map_err(AppError::from)
        })
        .await?;
    let stem = format!("{slug}-results");
    if format == "csv" {
        let bytes = files::published_csv(&rows).map_err(AppError::internal)?;
        return Ok(file(&stem, "csv", "text/csv; charset=utf-8").body(bytes));
    }
    let mut notes = filter.describe(def);
    if notes.is_empty() {
        notes.push("Everyone who answered this wave.".into());
    }
    notes.push(
        "Counts are people; shares are of the people who answered the question (for questions with several answers each they can add up to more than 100%).".into(),
    );
    notes.push("Where fewer than 10 answered, no figures are shown; counts from 1 to 4 are confidential; a figure that would let one of those be worked out by subtraction is withheld as confidential too.".into());
    let bytes = files::published_xlsx(&title, &notes, &rows).map_err(AppError::internal)?;
    Ok(file(&stem, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet").body(bytes))
}
