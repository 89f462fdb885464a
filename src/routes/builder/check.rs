//! "Check before opening": every remaining problem of a wave in one list, most serious first
//! (no questions, the easy-read checker's "must fix" advice, answers that do not fit their
//! question, machine-drafted translations, questions that count towards nothing, no closing
//! date), each linked to where it is fixed, and the button that opens the wave. With "must
//! fix" advice left, only an admin can open it, by saying why (audited).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::buildable;
use crate::domain::easyread::{self, Level};
use crate::error::AppError;
use crate::models::account::Role;
use crate::routes::form::token as csrf;
use crate::routes::pages::{PageMeta, render};
use crate::routes::staff::SignedIn;
use crate::state::AppState;

#[derive(Serialize)]
struct Item {
    level: &'static str,
    class: &'static str,
    text: String,
    href: String,
    link: String,
}

#[derive(Serialize)]
struct CheckView {
    page: PageMeta,
    csrf: String,
    slug: String,
    status: String,
    items: Vec<Item>,
    must_fix: usize,
    can_open: bool,
    is_admin: bool,
    opens: String,
    closes: String,
}

pub(super) async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let w = buildable(&state, &who, &path).await?;
    let def = &w.def;
    let slug = w.row.slug.clone();
    let build = |key: &str| format!("/staff/waves/{slug}/build/{key}");
    let mut items = Vec::new();
    let mut push = |level: Level, text: String, href: String, link: &str| {
        let (word, class) = match level {
            Level::Error => ("Must fix", "must"),
            Level::Warning => ("Should fix", "should"),
            Level::Info => ("Look at", "look"),
        };
        items.push(Item { level: word, class, text, href, link: link.to_owned() });
    };
    if def.questions.is_empty() {
        push(
            Level::Error,
            "The wave has no questions yet.".into(),
            format!("/staff/waves/{slug}/build"),
            "Add a question",
        );
    }
    let wave = state.wave(&w.row.slug).await?.ok_or_else(crate::routes::staff::not_found)?;
    let reports: Vec<std::sync::Arc<easyread::VersionReport>> = def
        .audiences
        .iter()
        .flat_map(|a| def.languages_for(a.key.as_str()).into_iter().map(move |l| (a.key.as_str().to_owned(), l)))
        .map(|(a, l)| state.easy_read(&wave, &a, &l))
        .collect();
    for report in reports {
        let name = def.audience(&report.audience).map_or(report.audience.clone(), |a| a.name.clone());
        let lang = crate::i18n::catalogue(&report.language).map_or(report.language.clone(), |c| c.name.clone());
        for f in
            report.findings.iter().filter(|f| f.level == Level::Error && report.reader == easyread::Reader::YoungPeople)
        {
            let (href, link) = match &f.question {
                Some(k) => (build(k), format!("Edit {k}")),
                None => (format!("/staff/waves/{slug}/easy-read"), "See the easy-read check".to_owned()),
            };
            push(Level::Error, format!("{name} ({lang}), {}: {} {}", f.field, f.rule, f.message), href, &link);
        }
        let should = report.count(Level::Warning);
        if should > 0 {
            push(
                Level::Warning,
                format!(
                    "{name} ({lang}): {should} {} from the easy-read checker.",
                    if should == 1 { "thing to fix" } else { "things to fix" }
                ),
                format!("/staff/waves/{slug}/easy-read"),
                "See the easy-read check",
            );
        }
    }
    for advice in def.advice() {
        let key = advice.split('.').nth(1).unwrap_or("").to_owned();
        push(Level::Warning, advice, build(&key), &format!("Edit {key}"));
    }
    for t in def.translations.iter().filter(|t| t.machine_drafted) {
        let name = def.audience(&t.audience).map_or(t.audience.clone(), |a| a.name.clone());
        push(
            Level::Info,
            format!(
                "The {} version for {name} was drafted by a machine: have a person who reads it check it.",
                t.language
            ),
            format!("/language?to={}&back=/staff/waves/{slug}/preview/{}/1", t.language, t.audience),
            "Preview it",
        );
    }
    for q in def.questions.iter().filter(|q| q.priorities.is_empty() && q.values.is_empty() && q.outcomes.is_empty()) {
        if !q.kind.is_text() {
            push(
                Level::Info,
                format!(
                    "{} counts towards no priority, value or outcome, so it is left out of the evidence pack.",
                    q.key
                ),
                build(q.key.as_str()),
                &format!("Edit {}", q.key),
            );
        }
    }
    if w.row.closes_at.is_none() {
        push(
            Level::Info,
            "The wave has no closing date: it stays open until someone closes it.".into(),
            format!("/staff/waves/{slug}#status-heading"),
            "Set dates",
        );
    }
    let must_fix = items.iter().filter(|i| i.class == "must").count();
    let is_admin = who.require(&[Role::Admin]).is_ok();
    let view = CheckView {
        page: who.page(&req, &state, "Check before opening").back(format!("/staff/waves/{slug}")),
        csrf: csrf(&state, &req),
        status: w.row.status.clone(),
        can_open: !def.questions.is_empty() && (must_fix == 0 || is_admin),
        must_fix,
        is_admin,
        opens: w.row.opens_at.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
        closes: w.row.closes_at.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
        items,
        slug,
    };
    render(&state, StatusCode::OK, "staff/build_check", &view)
}

#[derive(serde::Deserialize)]
pub(super) struct AdviceQuery {
    text: String,
    reader: Option<String>,
    kind: Option<String>,
}

#[derive(Serialize)]
struct LiveAdvice {
    level: &'static str,
    must: bool,
    rule: &'static str,
    message: String,
}

/// `GET /staff/easy-read/advice?text=…&reader=young-people|parents&kind=question|hint|answer|statement`:
/// the checker's advice on one field's words as JSON, for the builder's advice as you type
/// (scripts on). Changes nothing; the save checks the whole survey again.
pub(super) async fn live_advice(q: web::Query<AdviceQuery>, who: SignedIn) -> Result<HttpResponse, AppError> {
    who.require(&super::EDITORS)?;
    let reader = match q.reader.as_deref() {
        Some("young-people") => easyread::Reader::YoungPeople,
        _ => easyread::Reader::Parents,
    };
    let kind = match q.kind.as_deref() {
        Some("hint") => easyread::TextKind::Hint,
        Some("answer") => easyread::TextKind::Answer,
        Some("statement") => easyread::TextKind::Statement,
        _ => easyread::TextKind::Question,
    };
    // One field's words: anything longer than a field takes is cut, not checked whole.
    let text: String = q.text.chars().filter(|c| !c.is_control() || *c == '\n').take(2_000).collect();
    let findings: Vec<LiveAdvice> = easyread::check_text(&text, reader, kind)
        .into_iter()
        .map(|f| LiveAdvice {
            level: f.level.word(),
            must: f.level == Level::Error && reader == easyread::Reader::YoungPeople,
            rule: f.rule,
            message: f.message,
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({ "findings": findings })))
}
