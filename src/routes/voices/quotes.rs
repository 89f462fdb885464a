//! The quote bank: choosing a quote from an answer, redacting and approving it, the bank with
//! its filters, its exports and the printable version.

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) async fn start_quote(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = read_form(&state, &req, body).await?;
    who.require(&EDITORS)?;
    let pid = owned_wave(&state, &who, &path).await?.partnership_id;
    // Only a consented answer of this partnership starts a quote; anything else is "not found".
    let rid = crate::db::ResponseId::parse(f.get("response").unwrap_or(""))
        .ok_or_else(|| AppError::from(crate::models::StoreError::NotFound("that answer".into())))?;
    let key = f.get("question").unwrap_or("").to_owned();
    let id = state.db.run(move |c| voices::start_quote(c, &rid, &key, &pid).map_err(AppError::from)).await?;
    Ok(see_other(format!("/staff/quotes/{id}")))
}

#[derive(Serialize)]
pub(super) struct QuoteView {
    page: PageMeta,
    csrf: String,
    quote: voices::QuoteDetail,
    found: Vec<String>,
    error: Option<String>,
    errors: Vec<Link>,
}

pub(super) async fn owned_quote(state: &AppState, who: &SignedIn, id: &str) -> Result<voices::QuoteDetail, AppError> {
    let qid = crate::db::QuoteId::parse(id).ok_or_else(not_found)?;
    let q = state.db.run(move |c| voices::quote(c, &qid).map_err(AppError::from)).await?.ok_or_else(not_found)?;
    if !who.staff.can_see(&q.partnership_id) {
        return Err(not_found());
    }
    Ok(q)
}

pub(super) async fn quote_view(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    quote: voices::QuoteDetail,
    error: Option<String>,
) -> Result<QuoteView, AppError> {
    let pid = quote.partnership_id.clone();
    let names = state.db.run(move |c| voices::redaction_list(c, &pid).map_err(AppError::from)).await?;
    let found = crate::domain::redact::redact(&quote.original, &names)
        .found
        .into_iter()
        .map(|(k, v)| format!("{}: {v}", k.placeholder()))
        .collect();
    Ok(QuoteView {
        page: who.page(req, state, "Quote").back("/staff/quotes").with_error(error.is_some()),
        csrf: csrf(state, req),
        quote,
        found,
        errors: crate::routes::pages::error_links(&error, "#redacted"),
        error,
    })
}

pub(super) async fn quote_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&EDITORS)?;
    let q = owned_quote(&state, &who, &path).await?;
    let view = quote_view(&state, &req, &who, q, None).await?;
    render(&state, StatusCode::OK, "staff/quote", &view)
}

pub(super) async fn save_quote(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = read_form(&state, &req, body).await?;
    who.require(&EDITORS)?;
    let q = owned_quote(&state, &who, &path).await?;
    let text = match UserText::parse(f.get("redacted").unwrap_or(""), state.settings.max_text_graphemes, true) {
        Ok(t) if !t.is_empty() => t.into_string(),
        Ok(_) => {
            let view =
                quote_view(&state, &req, &who, q, Some("The quote is empty. Write the words to share.".into())).await?;
            return render(&state, StatusCode::BAD_REQUEST, "staff/quote", &view);
        }
        Err(e) => {
            let view = quote_view(&state, &req, &who, q, Some(e.to_string())).await?;
            return render(&state, StatusCode::BAD_REQUEST, "staff/quote", &view);
        }
    };
    let approve = f.get("action") == Some("approve");
    let (id, by) = (q.id.clone(), who.staff.email.clone());
    state.db.run(move |c| voices::save_quote(c, &id, &text, approve, &by).map_err(AppError::from)).await?;
    Ok(see_other(format!("/staff/quotes/{}", q.id)))
}

#[derive(Deserialize, Serialize, Clone, Default)]
pub(super) struct BankQuery {
    theme: Option<String>,
    priority: Option<String>,
    value: Option<String>,
    audience: Option<String>,
    wave: Option<String>,
    format: Option<String>,
    partnership: Option<String>,
    drafts: Option<String>,
    /// Words to search for.
    words: Option<String>,
    /// A saved selection to open or export.
    selection: Option<String>,
    /// Set by the "download the ticked" buttons: with nothing ticked, say so.
    ticked: Option<String>,
    /// A message to show once: `none-ticked`, `saved`, `deleted`.
    said: Option<String>,
    /// The name of a selection just deleted (shown in the message).
    name: Option<String>,
}

impl BankQuery {
    fn filter(&self) -> QuoteFilter {
        let f = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        QuoteFilter {
            theme: f(&self.theme),
            priority: f(&self.priority),
            value: f(&self.value),
            audience: f(&self.audience),
            wave: f(&self.wave),
            include_drafts: self.drafts.is_some(),
            words: f(&self.words),
            only: None,
        }
    }

    /// The filters as a query string (for links that keep them).
    fn query_string(&self) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("theme", &self.theme),
            ("priority", &self.priority),
            ("value", &self.value),
            ("audience", &self.audience),
            ("wave", &self.wave),
            ("words", &self.words),
            ("partnership", &self.partnership),
        ] {
            if let Some(v) = v.as_ref().filter(|s| !s.is_empty()) {
                parts.push(format!("{k}={}", urlencoding::encode(v)));
            }
        }
        parts.join("&")
    }
}

/// The quotes a person picked: the ticked ones (`quote=ID`, repeated, as a form sends them)
/// or a saved selection. An id Heard cannot read is refused; ids of quotes that are not this
/// partnership's simply match nothing.
pub(super) struct Picked {
    pub ticked: Vec<crate::db::QuoteId>,
    pub selection: Option<selections::Selection>,
}

impl Picked {
    /// What the export covers: the picked quotes exactly (the filters then do not apply),
    /// or, when nothing is picked, what the filters show.
    fn filter(&self, q: &BankQuery) -> QuoteFilter {
        if self.ticked.is_empty() {
            q.filter()
        } else {
            QuoteFilter { only: Some(self.ticked.clone()), include_drafts: q.drafts.is_some(), ..Default::default() }
        }
    }
}

pub(super) async fn picked(
    state: &AppState,
    req: &HttpRequest,
    q: &BankQuery,
    partnership: &crate::db::PartnershipId,
) -> Result<Picked, AppError> {
    let query = crate::routes::form::Form::parse(req.query_string().as_bytes())?;
    let mut ticked = Vec::new();
    for raw in query.all("quote") {
        let id = crate::db::QuoteId::parse(raw).ok_or_else(|| {
            AppError::BadRequest(
                "That address names a quote Heard cannot read. Go back to the quote bank and tick the quotes again."
                    .into(),
            )
        })?;
        if !ticked.contains(&id) {
            ticked.push(id);
        }
    }
    let mut selection = None;
    if let Some(raw) = q.selection.as_deref().filter(|s| !s.is_empty()) {
        let id = crate::db::SelectionId::parse(raw).ok_or_else(not_found)?;
        let pid = partnership.clone();
        let (found, ids) = state
            .db
            .run(move |c| selections::get(c, &pid, &id).map_err(AppError::from))
            .await?
            .ok_or_else(not_found)?;
        if ticked.is_empty() {
            ticked = ids;
        }
        selection = Some(found);
    }
    Ok(Picked { ticked, selection })
}

#[derive(Serialize)]
pub(super) struct BankQuoteView {
    id: String,
    quote: String,
    audience: String,
    wave_label: String,
    themes: Vec<String>,
    checked: bool,
}

#[derive(Serialize)]
pub(super) struct BankView {
    page: PageMeta,
    csrf: String,
    quotes: Vec<BankQuoteView>,
    count: usize,
    themes: Vec<Choice>,
    priorities: Vec<Choice>,
    values: Vec<Choice>,
    audiences: Vec<Choice>,
    waves: Vec<Choice>,
    words: String,
    exports: Vec<Link>,
    can_edit: bool,
    partnership: Option<String>,
    /// The partnership's slug for people who work across partnerships (kept in the forms).
    partnership_slug: String,
    /// Ticked quotes the filters hide: kept as hidden fields, so filtering loses no tick.
    kept: Vec<String>,
    kept_count: usize,
    ticked: usize,
    selections: Vec<selections::Selection>,
    selection: Option<selections::Selection>,
    errors: Vec<Link>,
    error: Option<String>,
    notice: Option<String>,
}

pub(super) async fn bank_data(
    state: &AppState,
    who: &SignedIn,
    q: &BankQuery,
    req: &HttpRequest,
) -> Result<(framework::Partnership, Picked, Vec<voices::BankQuote>), AppError> {
    who.require(&READERS)?;
    let p = partnership_of(state, who, q.partnership.as_deref()).await?;
    let picked = picked(state, req, q, &p.id).await?;
    let mut filter = picked.filter(q);
    if who.require(&EDITORS).is_err() {
        filter.include_drafts = false;
    }
    if picked.selection.is_some() && picked.ticked.is_empty() {
        // A selection whose quotes have all gone: it shows (and exports) nothing.
        return Ok((p, picked, Vec::new()));
    }
    let pid = p.id.clone();
    let quotes = state.db.run(move |c| voices::bank(c, &pid, &filter).map_err(AppError::from)).await?;
    Ok((p, picked, quotes))
}

pub(super) async fn bank_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<BankQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&READERS)?;
    let p = partnership_of(&state, &who, q.partnership.as_deref()).await?;
    let picked = picked(&state, &req, &q, &p.id).await?;
    // The bank shows what the filters find (or a selection's quotes); ticks are marks on it.
    let mut filter = match &picked.selection {
        Some(_) => QuoteFilter { only: Some(picked.ticked.clone()), ..Default::default() },
        None => q.filter(),
    };
    filter.include_drafts = q.drafts.is_some() && who.require(&EDITORS).is_ok();
    let pid = p.id.clone();
    let (quotes, themes, (priorities, values), waves, saved) = state
        .db
        .run(move |c| -> Result<_, AppError> {
            let quotes = if filter.only.as_ref().is_some_and(Vec::is_empty) {
                Vec::new()
            } else {
                voices::bank(c, &pid, &filter)?
            };
            Ok((
                quotes,
                voices::themes_for(c, &pid, false)?,
                framework::labels(c, &pid)?,
                survey::waves_for(c, Some(&pid))?,
                selections::list(c, &pid)?,
            ))
        })
        .await?;
    let choose = |v: &str, t: String, cur: &Option<String>| Choice {
        value: v.to_owned(),
        text: t,
        selected: cur.as_deref() == Some(v),
    };
    let qs = match &picked.selection {
        Some(s) => format!("selection={}", s.id),
        None => q.query_string(),
    };
    let sep = if qs.is_empty() { "" } else { "&" };
    let ticked: Vec<String> = picked.ticked.iter().map(|t| t.as_str().to_owned()).collect();
    let shown: std::collections::HashSet<&str> = quotes.iter().map(|x| x.id.as_str()).collect();
    let kept: Vec<String> = ticked.iter().filter(|t| !shown.contains(t.as_str())).cloned().collect();
    let error = (q.said.as_deref() == Some("none-ticked"))
        .then(|| "Tick the quotes you want first, then choose how to download them.".to_owned());
    let notice = match q.said.as_deref() {
        Some("saved") => picked.selection.as_ref().map(|s| {
            format!(
                "Saved. The selection \u{201c}{}\u{201d} holds {} {}.",
                s.name,
                s.count,
                if s.count == 1 { "quote" } else { "quotes" }
            )
        }),
        Some("deleted") => Some(format!(
            "Deleted the selection \u{201c}{}\u{201d}. Its quotes are still in the bank.",
            q.name.as_deref().unwrap_or("")
        )),
        _ => None,
    };
    let first_box = quotes.first().map_or_else(|| "#words".to_owned(), |x| format!("#q-{}", x.id));
    let title = match &picked.selection {
        Some(s) => format!("Quote bank: {}", s.name),
        None => "Quote bank".to_owned(),
    };
    let view = BankView {
        page: who.page(&req, &state, title).with_error(error.is_some()),
        csrf: csrf(&state, &req),
        count: quotes.len(),
        quotes: quotes
            .into_iter()
            .map(|x| BankQuoteView {
                checked: ticked.iter().any(|t| t == x.id.as_str()),
                id: x.id.into_string(),
                quote: x.quote,
                audience: x.audience.replace('-', " "),
                wave_label: x.wave_label,
                themes: x.themes,
            })
            .collect(),
        themes: themes.iter().map(|t| choose(&t.id, t.name.clone(), &q.theme)).collect(),
        priorities: priorities
            .iter()
            .map(|x| choose(&x.code, format!("{}: {}", x.code, x.title), &q.priority))
            .collect(),
        values: values.iter().map(|x| choose(&x.code, x.title.clone(), &q.value)).collect(),
        audiences: ["young-people", "parents-carers", "professionals"]
            .iter()
            .map(|a| choose(a, a.replace('-', " "), &q.audience))
            .collect(),
        waves: waves.iter().map(|w| choose(&w.slug, format!("{} {}", w.series_title, w.label), &q.wave)).collect(),
        words: q.words.clone().unwrap_or_default(),
        exports: [("csv", "CSV"), ("xlsx", "Excel (XLSX)"), ("docx", "Word (DOCX)"), ("json", "JSON")]
            .iter()
            .map(|(f, t)| Link { href: format!("/staff/quotes/export?format={f}{sep}{qs}"), text: (*t).into() })
            .chain(std::iter::once(Link {
                href: format!("/staff/quotes/print?{qs}"),
                text: "Print: What you told us".into(),
            }))
            .collect(),
        can_edit: who.require(&EDITORS).is_ok(),
        partnership_slug: if who.staff.partnership_slug.is_none() { p.slug.clone() } else { String::new() },
        partnership: Some(p.name),
        ticked: ticked.len(),
        kept_count: kept.len(),
        kept,
        selections: saved,
        selection: picked.selection,
        errors: crate::routes::pages::error_links(&error, &first_box),
        error,
        notice,
    };
    render(&state, StatusCode::OK, "staff/quotes", &view)
}

/// "Download the ticked" with nothing ticked: back to the bank, which says so.
fn nothing_ticked(q: &BankQuery, picked: &Picked) -> Option<HttpResponse> {
    if q.ticked.is_none() || !picked.ticked.is_empty() || picked.selection.is_some() {
        return None;
    }
    let qs = q.query_string();
    let sep = if qs.is_empty() { "" } else { "&" };
    Some(see_other(format!("/staff/quotes?{qs}{sep}said=none-ticked#picked")))
}

/// The title of a download: the partnership's, or the selection's name with it.
fn download_title(p: &framework::Partnership, picked: &Picked) -> String {
    match &picked.selection {
        Some(s) => format!("What you told us: {} ({})", p.name, s.name),
        None => format!("What you told us: {}", p.name),
    }
}

pub(super) async fn priority_sections(
    state: &AppState,
    p: &framework::Partnership,
    quotes: &[voices::BankQuote],
) -> Result<Vec<voices::PrioritySection>, AppError> {
    let pid = p.id.clone();
    let (priorities, _) = state.db.run(move |c| framework::labels(c, &pid).map_err(AppError::from)).await?;
    let order: Vec<(String, String)> = priorities.into_iter().map(|l| (l.code, l.title)).collect();
    Ok(voices::grouped(quotes, &order))
}

pub(super) async fn export(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<BankQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let (p, picked, quotes) = bank_data(&state, &who, &q, &req).await?;
    if let Some(back) = nothing_ticked(&q, &picked) {
        return Ok(back);
    }
    let format = q.format.clone().unwrap_or_else(|| "csv".into());
    let failed = |e: crate::exports::ExportError| AppError::internal(e);
    let (bytes, content_type, ext) = match format.as_str() {
        "csv" => (crate::exports::quotes_csv(&quotes).map_err(failed)?, "text/csv; charset=utf-8", "csv"),
        "xlsx" => (
            crate::exports::quotes_xlsx(&quotes).map_err(failed)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        "json" => (crate::exports::quotes_json(&quotes).map_err(failed)?, "application/json", "json"),
        "docx" => {
            let sections = priority_sections(&state, &p, &quotes).await?;
            let bytes = crate::exports::quotes_docx(
                &download_title(&p, &picked),
                "Words from children, young people and families who agreed to share them. Names and contact details have been taken out.",
                &sections,
            )
            .map_err(failed)?;
            (bytes, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
        }
        other => {
            return Err(AppError::BadRequest(
                format!("{other:?} is not an export format: choose csv, xlsx, docx or json.").into(),
            ));
        }
    };
    let (staff, pid, rows, filter) = (who.staff.clone(), p.id.clone(), quotes.len(), audit_filter(&q, &picked));
    state
        .db
        .write(move |c| {
            audit::record(
                c,
                &staff.actor(),
                Some(&pid),
                audit::Action::QuotesExported,
                &serde_json::json!({"format": ext, "filter": filter, "rows": rows}),
            )
            .map_err(AppError::from)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, content_type))
        .insert_header((CONTENT_DISPOSITION, crate::exports::attachment(&download_stem(&p, &picked), ext)))
        .insert_header((CACHE_CONTROL, "no-store"))
        .body(bytes))
}

#[derive(Serialize)]
pub(super) struct PrintView {
    page: PageMeta,
    title: String,
    sections: Vec<voices::PrioritySection>,
    count: usize,
}

pub(super) async fn print(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<BankQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let (p, picked, quotes) = bank_data(&state, &who, &q, &req).await?;
    if let Some(back) = nothing_ticked(&q, &picked) {
        return Ok(back);
    }
    let sections = priority_sections(&state, &p, &quotes).await?;
    let (staff, pid, rows, filter) = (who.staff.clone(), p.id.clone(), quotes.len(), audit_filter(&q, &picked));
    state
        .db
        .write(move |c| {
            audit::record(
                c,
                &staff.actor(),
                Some(&pid),
                audit::Action::QuotesExported,
                &serde_json::json!({"format": "print", "filter": filter, "rows": rows}),
            )
            .map_err(AppError::from)
        })
        .await?;
    let title = download_title(&p, &picked);
    let view = PrintView {
        page: who.page(&req, &state, title.clone()).back("/staff/quotes"),
        title,
        count: quotes.len(),
        sections,
    };
    render(&state, StatusCode::OK, "staff/quotes_print", &view)
}

/// What the audit row says was exported: the filters, or which quotes were picked.
fn audit_filter(q: &BankQuery, picked: &Picked) -> String {
    match (&picked.selection, picked.ticked.len()) {
        (Some(s), _) => format!("selection={}", s.name),
        (None, 0) => q.query_string(),
        (None, n) => format!("ticked={n}"),
    }
}

/// The file name of a download.
fn download_stem(p: &framework::Partnership, picked: &Picked) -> String {
    match &picked.selection {
        Some(s) => format!("{}-quotes-{}", p.slug, s.name),
        None => format!("{}-quotes", p.slug),
    }
}
