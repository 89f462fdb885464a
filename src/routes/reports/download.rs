//! `GET /staff/waves/{slug}/download?format=csv|json`: a wave's responses as a file, one
//! record per response with its answers by question key (what `heard export responses`
//! writes: the same library call). Audited as `responses.downloaded` before the file is
//! handed out. Admins and analysts only for now: the file holds written answers, and the
//! version without them for viewers comes with the other downloads of issue 18.

use actix_web::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::error::AppError;
use crate::models::account::Role;
use crate::models::{audit, export};
use crate::routes::staff::{SignedIn, owned_wave};
use crate::state::AppState;

#[derive(Deserialize)]
pub(super) struct DownloadQuery {
    format: Option<String>,
}

pub(super) async fn download(
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<DownloadQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&[Role::Admin, Role::Analyst])?;
    let format = q.format.clone().unwrap_or_else(|| "csv".into());
    if !matches!(format.as_str(), "csv" | "json") {
        return Err(AppError::BadRequest(
            format!("{format:?} is not a download format here: choose csv or json.").into(),
        ));
    }
    let slug = path.into_inner();
    let w = owned_wave(&state, &who, &slug).await?;
    let (id, def, staff, pid) = (w.row.id.clone(), w.def.clone(), who.staff.clone(), w.partnership_id.clone());
    let fmt = format.clone();
    let wave = slug.clone();
    // Read first (no write lock held while the file is made), then the audit row: the file
    // is handed out only once its audit row is written.
    let (bytes, rows) = state
        .db
        .run(move |c| -> Result<(Vec<u8>, usize), AppError> {
            let records = export::responses_for_wave(c, &id, &wave, &def)?;
            let bytes = if fmt == "json" {
                let mut v = serde_json::to_vec_pretty(&records).map_err(AppError::internal)?;
                v.push(b'\n');
                v
            } else {
                export::to_csv(&records, &def)?
            };
            Ok((bytes, records.len()))
        })
        .await?;
    let detail = serde_json::json!({"wave": slug, "format": format, "rows": rows});
    state
        .db
        .write(move |c| {
            audit::record(c, &staff.actor(), Some(&pid), audit::Action::ResponsesDownloaded, &detail)
                .map_err(AppError::from)
        })
        .await?;
    let content_type = if format == "json" { "application/json" } else { "text/csv; charset=utf-8" };
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, content_type))
        .insert_header((CONTENT_DISPOSITION, crate::exports::attachment(&format!("{slug}-responses"), &format)))
        .insert_header((CACHE_CONTROL, "no-store"))
        .body(bytes))
}
