//! The audit log for admins, newest first, filtered by action.

#[allow(clippy::wildcard_imports)]
use super::*;
#[derive(Serialize)]
struct AuditView {
    page: PageMeta,
    count: usize,
    total: i64,
    first: i64,
    last: i64,
    page_number: i64,
    pages: i64,
    newer: Option<String>,
    older: Option<String>,
    entries: Vec<AuditRow>,
}

#[derive(Serialize)]
struct AuditRow {
    at: String,
    actor: String,
    action: String,
    detail: String,
}

/// Entries per page of the audit log.
const AUDIT_PER_PAGE: i64 = 100;

#[derive(serde::Deserialize)]
pub(super) struct AuditQuery {
    page: Option<String>,
}

pub(super) async fn audit_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<AuditQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&[Role::Admin])?;
    let number = match query.page.as_deref().map(str::parse::<i64>) {
        None => 1,
        Some(Ok(n)) if (1..=1_000_000).contains(&n) => n,
        Some(_) => {
            return Err(AppError::BadRequest(
                "The page number in this address is not one Heard can show. Use the links at the foot of the audit log."
                    .into(),
            ));
        }
    };
    let scope = who.scope();
    let offset = (number - 1) * AUDIT_PER_PAGE;
    let found =
        state.db.run(move |c| audit::page(c, scope.as_ref(), offset, AUDIT_PER_PAGE).map_err(AppError::from)).await?;
    let pages = ((found.total + AUDIT_PER_PAGE - 1) / AUDIT_PER_PAGE).max(1);
    if number > pages {
        return Err(not_found());
    }
    let entries: Vec<AuditRow> = found
        .entries
        .into_iter()
        .map(|e| AuditRow {
            at: e.at.format("%Y-%m-%d %H:%M:%S").to_string(),
            actor: e.actor,
            action: e.action,
            detail: e.detail,
        })
        .collect();
    let view = AuditView {
        page: who.page(
            &req,
            &state,
            if number > 1 { format!("Audit log (page {number} of {pages})") } else { "Audit log".into() },
        ),
        count: entries.len(),
        total: found.total,
        first: if entries.is_empty() { 0 } else { offset + 1 },
        last: offset + entries.len() as i64,
        page_number: number,
        pages,
        newer: (number > 1).then(|| format!("/staff/audit?page={}", number - 1)),
        older: (number < pages).then(|| format!("/staff/audit?page={}", number + 1)),
        entries,
    };
    render(&state, StatusCode::OK, "staff/audit", &view)
}
