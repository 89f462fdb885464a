//! Voices in the staff workspace: the codebook, the coding screen, quotes and the quote bank
//! with its exports. Everything is scoped to the signed-in person's partnership.
//!
//! | route | roles |
//! |---|---|
//! | `GET /staff/themes`, `POST /staff/themes`, `POST /staff/themes/{id}/archive`, `POST /staff/redaction-names` | admin, analyst |
//! | `GET,POST /staff/waves/{slug}/coding` | admin, analyst |
//! | `POST /staff/waves/{slug}/quotes` (start a quote) | admin, analyst |
//! | `GET,POST /staff/quotes/{id}` | admin, analyst |
//! | `GET /staff/quotes`, `/staff/quotes/export`, `/staff/quotes/print` | admin, analyst, viewer |

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::form::{read_checked as read_form, token as csrf};
use super::pages::see_other;
use super::pages::{Link, PageMeta, render};
use super::staff::{SignedIn, not_found, partnership_for as partnership_of};
use crate::domain::text::UserText;
use crate::error::AppError;
use crate::models::account::Role;
use crate::models::voices::{self, QuoteFilter, Theme, ThemeInput};
use crate::models::{audit, framework, survey};
use crate::state::AppState;
use crate::views::Choice;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/themes", web::get().to(themes_page))
        .route("/staff/themes", web::post().to(add_theme))
        .route("/staff/themes/{id}/archive", web::post().to(archive_theme))
        .route("/staff/redaction-names", web::post().to(save_names))
        .route("/staff/waves/{slug}/coding", web::get().to(coding_page))
        .route("/staff/waves/{slug}/coding", web::post().to(save_coding))
        .route("/staff/waves/{slug}/quotes", web::post().to(start_quote))
        .route("/staff/quotes", web::get().to(bank_page))
        .route("/staff/quotes/export", web::get().to(export))
        .route("/staff/quotes/print", web::get().to(print))
        .route("/staff/quotes/{id}", web::get().to(quote_page))
        .route("/staff/quotes/{id}", web::post().to(save_quote));
}

const EDITORS: [Role; 2] = [Role::Admin, Role::Analyst];
const READERS: [Role; 3] = [Role::Admin, Role::Analyst, Role::Viewer];

// ---------------------------------------------------------------------------------------
// Codebook.

#[derive(Serialize)]
struct ThemesView {
    page: PageMeta,
    csrf: String,
    themes: Vec<Theme>,
    names: String,
    error: Option<String>,
    errors: Vec<Link>,
}

#[derive(Deserialize)]
struct PartnershipQuery {
    partnership: Option<String>,
}

async fn themes_view(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    p: &framework::Partnership,
    error: Option<String>,
) -> Result<ThemesView, AppError> {
    let pid = p.id.clone();
    let (themes, names) = state
        .db
        .run(move |c| -> Result<_, AppError> {
            Ok((voices::themes_for(c, &pid, true)?, voices::redaction_list(c, &pid)?))
        })
        .await?;
    Ok(ThemesView {
        page: who.page(req, state, "Codebook").with_error(error.is_some()),
        csrf: csrf(state, req),
        themes,
        names: names.join("\n"),
        errors: super::pages::error_links(&error, "#name"),
        error,
    })
}

async fn themes_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<PartnershipQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&EDITORS)?;
    let p = partnership_of(&state, &who, q.partnership.as_deref()).await?;
    let view = themes_view(&state, &req, &who, &p, None).await?;
    render(&state, StatusCode::OK, "staff/themes", &view)
}

fn short_text(raw: &str, max: usize, what: &str) -> Result<String, String> {
    UserText::parse(raw, max, false).map(UserText::into_string).map_err(|e| format!("{what}: {e}"))
}

async fn add_theme(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<PartnershipQuery>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = read_form(&state, &req, body).await?;
    who.require(&EDITORS)?;
    let p = partnership_of(&state, &who, q.partnership.as_deref()).await?;
    let parsed = (|| -> Result<ThemeInput, String> {
        let name = short_text(f.get("name").unwrap_or(""), 80, "Name")?;
        if name.is_empty() {
            return Err("Give the theme a name.".into());
        }
        Ok(ThemeInput {
            name,
            description: short_text(f.get("description").unwrap_or(""), 500, "Description")?,
            keywords: voices::split_list(&short_text(f.get("keywords").unwrap_or(""), 500, "Keywords")?),
            priorities: f.get("priorities").unwrap_or("").split_whitespace().map(str::to_owned).collect(),
            values: f.get("values").unwrap_or("").split_whitespace().map(str::to_owned).collect(),
        })
    })();
    let input = match parsed {
        Ok(i) => i,
        Err(message) => {
            let view = themes_view(&state, &req, &who, &p, Some(message)).await?;
            return render(&state, StatusCode::BAD_REQUEST, "staff/themes", &view);
        }
    };
    let pid = p.id.clone();
    let codes = state.db.run(move |c| framework::codes(c, &pid).map_err(AppError::from)).await?;
    if let Some(bad) = input
        .priorities
        .iter()
        .find(|c| !codes.priorities.contains(*c))
        .or_else(|| input.values.iter().find(|c| !codes.values.contains(*c)))
    {
        let view = themes_view(
            &state,
            &req,
            &who,
            &p,
            Some(format!("{bad:?} is not a priority or value code of {}.", p.name)),
        )
        .await?;
        return render(&state, StatusCode::BAD_REQUEST, "staff/themes", &view);
    }
    let (pid, staff) = (p.id.clone(), who.staff.clone());
    let added = state
        .db
        .write(move |c| -> Result<String, AppError> {
            let id = voices::add_theme(c, &pid, &input)?;
            audit::record(
                c,
                &staff.actor(),
                Some(&pid),
                audit::Action::ThemeAdded,
                &serde_json::json!({"name": input.name}),
            )?;
            Ok(id)
        })
        .await;
    match added {
        Ok(_) => Ok(see_other(format!("/staff/themes{}", who.partnership_suffix(&p)))),
        Err(AppError::Conflict(message)) => {
            let view = themes_view(&state, &req, &who, &p, Some(message.to_string())).await?;
            render(&state, StatusCode::CONFLICT, "staff/themes", &view)
        }
        Err(e) => Err(e),
    }
}

async fn archive_theme(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = read_form(&state, &req, body).await?;
    who.require(&EDITORS)?;
    let id = path.into_inner();
    let t = {
        let id = id.clone();
        state.db.run(move |c| voices::theme(c, &id).map_err(AppError::from)).await?.ok_or_else(not_found)?
    };
    if !who.staff.can_see(&t.partnership_id) {
        return Err(not_found());
    }
    let archive = f.get("archive") != Some("no");
    let staff = who.staff.clone();
    let pid = t.partnership_id.clone();
    state
        .db
        .write(move |c| -> Result<(), AppError> {
            voices::set_theme_archived(c, &id, archive)?;
            audit::record(
                c,
                &staff.actor(),
                Some(&pid),
                if archive { audit::Action::ThemeArchived } else { audit::Action::ThemeRestored },
                &serde_json::json!({"name": t.name}),
            )?;
            Ok(())
        })
        .await?;
    Ok(see_other("/staff/themes"))
}

async fn save_names(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<PartnershipQuery>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = read_form(&state, &req, body).await?;
    who.require(&EDITORS)?;
    let p = partnership_of(&state, &who, q.partnership.as_deref()).await?;
    let raw = f.get("names").unwrap_or("");
    let names: Vec<String> = match UserText::parse(raw, 20_000, true) {
        Ok(t) => t.as_str().lines().map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()).collect(),
        Err(e) => {
            let view = themes_view(&state, &req, &who, &p, Some(format!("Names: {e}"))).await?;
            return render(&state, StatusCode::BAD_REQUEST, "staff/themes", &view);
        }
    };
    let (pid, staff) = (p.id.clone(), who.staff.clone());
    state
        .db
        .write(move |c| -> Result<(), AppError> {
            voices::set_redaction_list(c, &pid, &names)?;
            audit::record(
                c,
                &staff.actor(),
                Some(&pid),
                audit::Action::RedactionNamesChanged,
                &serde_json::json!({"count": names.len()}),
            )?;
            Ok(())
        })
        .await?;
    Ok(see_other(format!("/staff/themes{}", who.partnership_suffix(&p))))
}

// ---------------------------------------------------------------------------------------
// Coding.

#[derive(Deserialize)]
struct CodingQuery {
    question: Option<String>,
    uncoded: Option<String>,
    page: Option<i64>,
    per: Option<i64>,
}

#[derive(Serialize)]
struct ThemeBox {
    id: String,
    name: String,
    checked: bool,
    suggested: bool,
    shortcut: usize,
}

#[derive(Serialize)]
struct CodingRow {
    n: usize,
    key: String,
    field: String,
    audience: String,
    text: String,
    consent: bool,
    quote_id: Option<String>,
    response_id: String,
    themes: Vec<ThemeBox>,
}

#[derive(Serialize)]
struct CountRow {
    theme: String,
    question: String,
    audience: String,
    answers: i64,
}

#[derive(Serialize)]
struct CodingView {
    page: PageMeta,
    csrf: String,
    slug: String,
    title: String,
    action: String,
    questions: Vec<Link>,
    rows: Vec<CodingRow>,
    themes: Vec<Theme>,
    counts: Vec<CountRow>,
    total: i64,
    uncoded: bool,
    next: Option<String>,
    previous: Option<String>,
    one_at_a_time: Option<String>,
    as_list: Option<String>,
    script: String,
}

async fn owned_wave(
    state: &AppState,
    who: &SignedIn,
    slug: &str,
) -> Result<(String, String, crate::domain::SurveyDefinition, String), AppError> {
    if crate::domain::Slug::parse(slug, "wave").is_err() {
        return Err(not_found());
    }
    let s = slug.to_owned();
    let (wave_id, pid, text, label) = state
        .db
        .run(move |c| -> Result<_, AppError> {
            let Some((wave_id, pid)) = survey::wave_owner(c, &s)? else { return Ok(None) };
            let text = survey::wave_definition(c, &wave_id)?;
            let label = survey::find_wave(c, &s)?.map(|w| w.label).unwrap_or_default();
            Ok(Some((wave_id, pid, text, label)))
        })
        .await?
        .ok_or_else(not_found)?;
    if !who.staff.can_see(&pid) {
        return Err(not_found());
    }
    let def = crate::domain::SurveyDefinition::parse(slug, &text, usize::MAX / 2).map_err(AppError::internal)?;
    Ok((wave_id, pid, def, label))
}

async fn coding_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<CodingQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&EDITORS)?;
    let slug = path.into_inner();
    let (wave_id, pid, def, label) = owned_wave(&state, &who, &slug).await?;
    let question = q.question.clone().filter(|k| def.question(k).is_some_and(|q| q.kind.is_text()));
    let uncoded = q.uncoded.is_some();
    let per = q.per.unwrap_or(25).clamp(1, 200);
    let page_no = q.page.unwrap_or(0).clamp(0, 1_000_000);
    let (wid, p2, qk) = (wave_id, pid, question.clone());
    let (answers, total, themes, counts) = state
        .db
        .run(move |c| -> Result<_, AppError> {
            let (answers, total) = voices::text_answers(c, &wid, qk.as_deref(), uncoded, per, page_no * per)?;
            Ok((answers, total, voices::themes_for(c, &p2, false)?, voices::theme_counts(c, &wid)?))
        })
        .await?;
    let theme_name = |id: &str| {
        themes.iter().find(|t| t.id == id).map(|t| t.name.clone()).unwrap_or_else(|| "(archived theme)".into())
    };
    let rows = answers
        .into_iter()
        .enumerate()
        .map(|(i, a)| CodingRow {
            n: i + 1,
            field: format!("{}:{}", a.response_id, a.question_key),
            themes: themes
                .iter()
                .enumerate()
                .map(|(j, t)| ThemeBox {
                    id: t.id.clone(),
                    name: t.name.clone(),
                    checked: a.theme_ids.contains(&t.id),
                    suggested: t.suggested_for(&a.text),
                    shortcut: j + 1,
                })
                .collect(),
            key: a.question_key,
            audience: a.audience,
            text: a.text,
            consent: a.consent_to_quote,
            quote_id: a.quote_id,
            response_id: a.response_id,
        })
        .collect();
    let base = format!("/staff/waves/{slug}/coding");
    let link = |page: i64, per: i64| {
        let mut params = vec![format!("page={page}"), format!("per={per}")];
        if let Some(k) = &question {
            params.push(format!("question={k}"));
        }
        if uncoded {
            params.push("uncoded=1".into());
        }
        format!("{base}?{}", params.join("&"))
    };
    let view = CodingView {
        page: who
            .page(&req, &state, format!("Coding: {} {}", def.series.title, label))
            .back(format!("/staff/waves/{slug}")),
        csrf: csrf(&state, &req),
        slug: slug.clone(),
        title: format!("{} {}", def.series.title, label),
        action: link(page_no, per),
        questions: def
            .questions
            .iter()
            .filter(|q| q.kind.is_text())
            .map(|q| Link { href: format!("{base}?question={}", q.key), text: q.key.to_string() })
            .collect(),
        counts: counts
            .into_iter()
            .map(|(t, question, audience, answers)| CountRow { theme: theme_name(&t), question, audience, answers })
            .collect(),
        themes,
        total,
        uncoded,
        previous: (page_no > 0).then(|| link(page_no - 1, per)),
        next: ((page_no + 1) * per < total).then(|| link(page_no + 1, per)),
        one_at_a_time: (per != 1).then(|| link(page_no * per, 1)),
        as_list: (per == 1).then(|| link(page_no / 25, 25)),
        script: state.templates.script_url("coding"),
        rows,
    };
    render(&state, StatusCode::OK, "staff/coding", &view)
}

async fn save_coding(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<CodingQuery>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = read_form(&state, &req, body).await?;
    who.require(&EDITORS)?;
    let slug = path.into_inner();
    let (wave_id, pid, _, _) = owned_wave(&state, &who, &slug).await?;
    let by = who.staff.email.clone();
    let split = |field: &str| field.split_once(':').map(|(r, k)| (r.to_owned(), k.to_owned()));
    match f.get("action") {
        Some("bulk") => {
            let theme = f.get("bulk_theme").unwrap_or("").to_owned();
            let chosen: Vec<(String, String)> = f.all("select").into_iter().filter_map(split).collect();
            if theme.is_empty() || chosen.is_empty() {
                return Err(AppError::BadRequest(
                    "Tick at least one answer and choose a theme to apply to them.".into(),
                ));
            }
            state
                .db
                .run(move |c| voices::bulk_apply(c, &wave_id, &pid, &chosen, &theme, &by).map_err(AppError::from))
                .await?;
        }
        Some("save") | None => {
            // Every answer shown on the page is listed, so unticking all its themes clears it.
            let shown: Vec<(String, String)> = f.all("shown").into_iter().filter_map(split).collect();
            let coded: Vec<(String, String, String)> = f
                .all("code")
                .into_iter()
                .filter_map(|v| {
                    let mut parts = v.splitn(3, ':');
                    Some((parts.next()?.to_owned(), parts.next()?.to_owned(), parts.next()?.to_owned()))
                })
                .collect();
            state
                .db
                .run(move |c| -> Result<(), AppError> {
                    for (rid, key) in &shown {
                        let ids: Vec<String> =
                            coded.iter().filter(|(r, k, _)| r == rid && k == key).map(|(_, _, t)| t.clone()).collect();
                        voices::set_codes(c, &wave_id, &pid, rid, key, &ids, &by)?;
                    }
                    Ok(())
                })
                .await?;
        }
        Some(_) => return Err(AppError::BadRequest("That button is not one we know.".into())),
    }
    let mut back = format!("/staff/waves/{slug}/coding?page={}&per={}", q.page.unwrap_or(0), q.per.unwrap_or(25));
    if let Some(k) = &q.question {
        back.push_str(&format!("&question={}", urlencoding::encode(k)));
    }
    if q.uncoded.is_some() {
        back.push_str("&uncoded=1");
    }
    Ok(see_other(back))
}

// ---------------------------------------------------------------------------------------
// Quotes.

async fn start_quote(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = read_form(&state, &req, body).await?;
    who.require(&EDITORS)?;
    let (_, pid, _, _) = owned_wave(&state, &who, &path).await?;
    let (rid, key) = (f.get("response").unwrap_or("").to_owned(), f.get("question").unwrap_or("").to_owned());
    let id = state.db.run(move |c| voices::start_quote(c, &rid, &key, &pid).map_err(AppError::from)).await?;
    Ok(see_other(format!("/staff/quotes/{id}")))
}

#[derive(Serialize)]
struct QuoteView {
    page: PageMeta,
    csrf: String,
    quote: voices::QuoteDetail,
    found: Vec<String>,
    error: Option<String>,
    errors: Vec<Link>,
}

async fn owned_quote(state: &AppState, who: &SignedIn, id: &str) -> Result<voices::QuoteDetail, AppError> {
    if uuid::Uuid::parse_str(id).is_err() {
        return Err(not_found());
    }
    let qid = id.to_owned();
    let q = state.db.run(move |c| voices::quote(c, &qid).map_err(AppError::from)).await?.ok_or_else(not_found)?;
    if !who.staff.can_see(&q.partnership_id) {
        return Err(not_found());
    }
    Ok(q)
}

async fn quote_view(
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
        errors: super::pages::error_links(&error, "#redacted"),
        error,
    })
}

async fn quote_page(
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

async fn save_quote(
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
struct BankQuery {
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
struct BankView {
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

async fn bank_data(
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

async fn bank_page(
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

async fn priority_sections(
    state: &AppState,
    p: &framework::Partnership,
    quotes: &[voices::BankQuote],
) -> Result<Vec<voices::PrioritySection>, AppError> {
    let pid = p.id.clone();
    let (priorities, _) = state.db.run(move |c| framework::labels(c, &pid).map_err(AppError::from)).await?;
    let order: Vec<(String, String)> = priorities.into_iter().map(|l| (l.code, l.title)).collect();
    Ok(voices::grouped(quotes, &order))
}

async fn export(state: web::Data<AppState>, q: web::Query<BankQuery>, who: SignedIn) -> Result<HttpResponse, AppError> {
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
struct PrintView {
    page: PageMeta,
    title: String,
    sections: Vec<voices::PrioritySection>,
    count: usize,
}

async fn print(
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
