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
        }
    }

    fn query_string(&self) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("theme", &self.theme),
            ("priority", &self.priority),
            ("value", &self.value),
            ("audience", &self.audience),
            ("wave", &self.wave),
            ("partnership", &self.partnership),
        ] {
            if let Some(v) = v.as_ref().filter(|s| !s.is_empty()) {
                parts.push(format!("{k}={}", urlencoding::encode(v)));
            }
        }
        parts.join("&")
    }
}

#[derive(Serialize)]
pub(super) struct BankView {
    page: PageMeta,
    quotes: Vec<voices::BankQuote>,
    count: usize,
    themes: Vec<Choice>,
    priorities: Vec<Choice>,
    values: Vec<Choice>,
    audiences: Vec<Choice>,
    waves: Vec<Choice>,
    exports: Vec<Link>,
    can_edit: bool,
    partnership: Option<String>,
}

pub(super) async fn bank_data(
    state: &AppState,
    who: &SignedIn,
    q: &BankQuery,
) -> Result<(framework::Partnership, Vec<voices::BankQuote>), AppError> {
    who.require(&READERS)?;
    let p = partnership_of(state, who, q.partnership.as_deref()).await?;
    let mut filter = q.filter();
    if who.require(&EDITORS).is_err() {
        filter.include_drafts = false;
    }
    let pid = p.id.clone();
    let quotes = state.db.run(move |c| voices::bank(c, &pid, &filter).map_err(AppError::from)).await?;
    Ok((p, quotes))
}

pub(super) async fn bank_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<BankQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let (p, quotes) = bank_data(&state, &who, &q).await?;
    let pid = p.id.clone();
    let (themes, (priorities, values), waves) = state
        .db
        .run(move |c| -> Result<_, AppError> {
            Ok((voices::themes_for(c, &pid, false)?, framework::labels(c, &pid)?, survey::waves_for(c, Some(&pid))?))
        })
        .await?;
    let choose = |v: &str, t: String, cur: &Option<String>| Choice {
        value: v.to_owned(),
        text: t,
        selected: cur.as_deref() == Some(v),
    };
    let qs = q.query_string();
    let sep = if qs.is_empty() { "" } else { "&" };
    let view = BankView {
        page: who.page(&req, &state, "Quote bank"),
        count: quotes.len(),
        quotes,
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
        exports: [("csv", "CSV"), ("xlsx", "Excel (XLSX)"), ("docx", "Word (DOCX)"), ("json", "JSON")]
            .iter()
            .map(|(f, t)| Link { href: format!("/staff/quotes/export?format={f}{sep}{qs}"), text: (*t).into() })
            .chain(std::iter::once(Link {
                href: format!("/staff/quotes/print?{qs}"),
                text: "Print: What you told us".into(),
            }))
            .collect(),
        can_edit: who.require(&EDITORS).is_ok(),
        partnership: Some(p.name),
    };
    render(&state, StatusCode::OK, "staff/quotes", &view)
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
    q: web::Query<BankQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let (p, quotes) = bank_data(&state, &who, &q).await?;
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
                &format!("What you told us: {}", p.name),
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
    let (staff, pid, rows, filter) = (who.staff.clone(), p.id.clone(), quotes.len(), q.query_string());
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
        .insert_header((CONTENT_DISPOSITION, crate::exports::attachment(&format!("{}-quotes", p.slug), ext)))
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
    let (p, quotes) = bank_data(&state, &who, &q).await?;
    let sections = priority_sections(&state, &p, &quotes).await?;
    let (staff, pid, rows, filter) = (who.staff.clone(), p.id.clone(), quotes.len(), q.query_string());
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
    let view = PrintView {
        page: who.page(&req, &state, format!("What you told us: {}", p.name)).back("/staff/quotes"),
        title: format!("What you told us: {}", p.name),
        count: quotes.len(),
        sections,
    };
    render(&state, StatusCode::OK, "staff/quotes_print", &view)
}
