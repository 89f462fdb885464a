//! The question bank in the staff workspace: every key the partnership has used, with its
//! words in each wave, searchable; and "Add from the bank", which brings a question into a
//! wave with its key so the years stay comparable.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::{Refusal, buildable, save};
use crate::domain::survey::bank::{self, BankEntry, BankedWave};
use crate::domain::survey::build;
use crate::error::AppError;
use crate::models::account::Role;
use crate::models::survey::{self, Wave};
use crate::routes::form::read_checked;
use crate::routes::pages::{PageMeta, render, see_other};
use crate::routes::staff::SignedIn;
use crate::state::AppState;

/// Every wave of the signed-in person's partnership, newest first.
pub(super) async fn waves_of(state: &AppState, who: &SignedIn) -> Result<Vec<Wave>, AppError> {
    let Some(pid) = who.staff.partnership_id.clone() else {
        return Err(AppError::BadRequest(
            "The question bank belongs to a partnership: sign in with a partnership's account.".into(),
        ));
    };
    let rows = state.db.run(move |c| survey::partnership_wave_rows(c, &pid).map_err(AppError::from)).await?;
    // Each definition from the cache of parsed definitions (parsed once per version).
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        match state.wave(&row.slug).await {
            Ok(Some(w)) => out.push(w),
            Ok(None) => {}
            Err(crate::models::StoreError::Unreadable { wave, source }) => {
                tracing::warn!(%wave, error = %source, "a stored definition no longer reads; left out of the question bank");
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(out)
}

pub(super) fn banked(waves: &[Wave]) -> Vec<BankedWave<'_>> {
    waves
        .iter()
        .map(|w| BankedWave {
            slug: &w.row.slug,
            label: &w.row.label,
            series: &w.definition.series.title,
            def: &w.definition,
        })
        .collect()
}

#[derive(Deserialize)]
pub(super) struct BankQuery {
    words: Option<String>,
}

#[derive(Serialize)]
struct BankView {
    page: PageMeta,
    entries: Vec<BankEntry>,
    count: usize,
    total: usize,
    words: String,
}

pub(super) async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<BankQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&[Role::Admin, Role::Analyst, Role::Viewer])?;
    let waves = waves_of(&state, &who).await?;
    let all = bank::collect(&banked(&waves));
    let words = q.words.clone().unwrap_or_default();
    let total = all.len();
    let entries: Vec<BankEntry> = all
        .into_iter()
        .filter(|e| {
            let text = std::iter::once(e.key.clone())
                .chain(e.uses.iter().flat_map(|u| u.wording.iter().map(|w| w.title.clone())))
                .collect::<Vec<_>>()
                .join(" ");
            crate::models::voices::holds_words(&text, &words)
        })
        .collect();
    let view = BankView { page: who.page(&req, &state, "Question bank"), count: entries.len(), entries, total, words };
    render(&state, StatusCode::OK, "staff/bank", &view)
}

pub(super) async fn add_from_bank(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = read_checked(&state, &req, body).await?;
    let w = buildable(&state, &who, &path).await?;
    let key = f.get("key").unwrap_or("").trim().to_owned();
    let version = f.get("version").unwrap_or("").to_owned();
    let waves = waves_of(&state, &who).await?;
    let banked = banked(&waves);
    let Some((_, q)) = bank::latest(&banked, &key, &w.row.slug) else {
        return Err(AppError::BadRequest("Choose a question from the bank.".into()));
    };
    let refused = match bank::adopt(&w.def, q).and_then(|(q, _left)| build::put_question(&w.def, None, q)) {
        Ok(def) => {
            let change = serde_json::json!({"added_from_bank": key});
            match save(&state, &who, &w, &version, def, change).await? {
                Ok(()) => return Ok(see_other(format!("/staff/waves/{}/build?said=banked#q-{key}", w.row.slug))),
                Err(r @ (Refusal::Stale(_) | Refusal::Conflict(_) | Refusal::Problems(_))) => r.message(),
            }
        }
        Err(e) => e.to_string(),
    };
    super::wave::refused_page(&state, &req, &who, &w, refused).await
}
