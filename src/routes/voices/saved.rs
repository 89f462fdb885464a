//! Saved selections of quotes: naming the ticked quotes ("Newsletter, March") so they can be
//! opened, exported and printed again, and deleting a selection (its quotes stay in the bank).
//! Anyone who may read the quote bank may save and delete selections; both are audited.

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::db::{QuoteId, SelectionId};
use crate::models::selections;

/// The longest name a selection may have, in characters as people see them.
const NAME_GRAPHEMES: usize = 80;

#[derive(Serialize)]
pub(super) struct NewView {
    page: PageMeta,
    csrf: String,
    ids: Vec<String>,
    quotes: Vec<String>,
    count: usize,
    name: String,
    existing: Vec<String>,
    error: Option<String>,
    errors: Vec<Link>,
    back: String,
    partnership: String,
}

async fn new_view(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    p: &framework::Partnership,
    ids: Vec<QuoteId>,
    name: String,
    error: Option<String>,
) -> Result<NewView, AppError> {
    let (p2, only) = (p.id.clone(), ids.clone());
    let (quotes, existing) = state
        .db
        .run(move |c| -> Result<_, AppError> {
            let filter = QuoteFilter { only: Some(only), ..Default::default() };
            Ok((voices::bank(c, &p2, &filter)?, selections::list(c, &p2)?))
        })
        .await?;
    let back = format!(
        "/staff/quotes?partnership={}&{}",
        urlencoding::encode(&p.slug),
        ids.iter().map(|i| format!("quote={i}")).collect::<Vec<_>>().join("&")
    );
    Ok(NewView {
        page: who
            .page(req, state, "Save the ticked quotes as a selection")
            .back(back.clone())
            .with_error(error.is_some()),
        csrf: csrf(state, req),
        ids: quotes.iter().map(|q| q.id.as_str().to_owned()).collect(),
        count: quotes.len(),
        quotes: quotes.into_iter().map(|q| q.quote).collect(),
        name,
        existing: existing.into_iter().map(|s| s.name).collect(),
        errors: crate::routes::pages::error_links(&error, "#name"),
        error,
        back,
        partnership: p.slug.clone(),
    })
}

/// Quote ids as a form or address sends them; an unreadable one is a 400.
fn quote_ids(values: &[&str]) -> Result<Vec<QuoteId>, AppError> {
    let mut ids = Vec::new();
    for raw in values {
        let id = QuoteId::parse(raw).ok_or_else(|| {
            AppError::BadRequest(
                "That form names a quote Heard cannot read. Go back to the quote bank and tick the quotes again."
                    .into(),
            )
        })?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

pub(super) async fn new_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&READERS)?;
    let query = crate::routes::form::Form::parse(req.query_string().as_bytes())?;
    let p = partnership_of(&state, &who, query.get("partnership")).await?;
    let ids = quote_ids(&query.all("quote"))?;
    if ids.is_empty() {
        return Ok(see_other("/staff/quotes?said=none-ticked#picked"));
    }
    let name = query.get("name").unwrap_or("").to_owned();
    let view = new_view(&state, &req, &who, &p, ids, name, None).await?;
    if view.count == 0 {
        return Err(not_found());
    }
    render(&state, StatusCode::OK, "staff/selection_new", &view)
}

pub(super) async fn save(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = read_form(&state, &req, body).await?;
    who.require(&READERS)?;
    let p = partnership_of(&state, &who, f.get("partnership")).await?;
    let ids = quote_ids(&f.all("quote"))?;
    let typed = f.get("name").unwrap_or("").to_owned();
    let name = match UserText::parse(&typed, NAME_GRAPHEMES, false) {
        Ok(t) if t.is_empty() => {
            Err("Enter a name for the selection, such as \u{201c}Newsletter, March\u{201d}.".to_owned())
        }
        Ok(t) => Ok(t.into_string()),
        Err(e) => Err(format!("The name {e}.")),
    };
    let name = match (name, ids.is_empty()) {
        (Ok(n), false) => n,
        (Err(message), false) => {
            let view = new_view(&state, &req, &who, &p, ids, typed, Some(message)).await?;
            return render(&state, StatusCode::BAD_REQUEST, "staff/selection_new", &view);
        }
        (_, true) => return Ok(see_other("/staff/quotes?said=none-ticked#picked")),
    };
    let (staff, pid) = (who.staff.clone(), p.id.clone());
    let saved = state
        .db
        .write(move |c| -> Result<selections::Saved, AppError> {
            let saved = selections::save(c, &pid, &name, &ids, &staff.email)?;
            audit::record(
                c,
                &staff.actor(),
                Some(&pid),
                audit::Action::SelectionSaved,
                &serde_json::json!({"name": name, "quotes": saved.count, "replaced": saved.replaced}),
            )?;
            Ok(saved)
        })
        .await?;
    Ok(see_other(format!("/staff/quotes?selection={}&said=saved", saved.id)))
}

pub(super) async fn delete(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = read_form(&state, &req, body).await?;
    who.require(&READERS)?;
    let p = partnership_of(&state, &who, f.get("partnership")).await?;
    let id = SelectionId::parse(&path).ok_or_else(not_found)?;
    let (staff, pid) = (who.staff.clone(), p.id.clone());
    let name = state
        .db
        .write(move |c| -> Result<String, AppError> {
            let (found, _) = selections::get(c, &pid, &id)?.ok_or_else(not_found)?;
            selections::delete(c, &pid, &id)?;
            audit::record(
                c,
                &staff.actor(),
                Some(&pid),
                audit::Action::SelectionDeleted,
                &serde_json::json!({"name": found.name}),
            )?;
            Ok(found.name)
        })
        .await?;
    Ok(see_other(format!("/staff/quotes?said=deleted&name={}", urlencoding::encode(&name))))
}
