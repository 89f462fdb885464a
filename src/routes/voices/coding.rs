//! Coding a wave's written and voice answers into themes, one answer at a time or in bulk.

#[allow(clippy::wildcard_imports)]
use super::*;

#[derive(Deserialize)]
pub(super) struct CodingQuery {
    question: Option<String>,
    uncoded: Option<String>,
    page: Option<i64>,
    per: Option<i64>,
    /// Just saved: how many answers' codes were stored (said once, then gone).
    saved: Option<i64>,
}

#[derive(Serialize)]
pub(super) struct ThemeBox {
    id: String,
    name: String,
    checked: bool,
    suggested: bool,
    shortcut: usize,
}

#[derive(Serialize)]
pub(super) struct CodingRow {
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
pub(super) struct CountRow {
    theme: String,
    question: String,
    audience: String,
    answers: i64,
}

#[derive(Serialize)]
pub(super) struct CodingView {
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
    progress: voices::Progress,
    left: i64,
    /// The answers with no theme yet (when not already showing only those).
    left_link: Option<String>,
    saved: Option<i64>,
    next: Option<String>,
    previous: Option<String>,
    one_at_a_time: Option<String>,
    as_list: Option<String>,
    script: String,
}

pub(super) async fn coding_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<CodingQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&EDITORS)?;
    let slug = path.into_inner();
    let w = owned_wave(&state, &who, &slug).await?;
    let (wave_id, pid, def, label) = (w.row.id, w.partnership_id, w.def, w.row.label);
    let question = q.question.clone().filter(|k| def.question(k).is_some_and(|q| q.kind.is_text()));
    let uncoded = q.uncoded.is_some();
    let per = q.per.unwrap_or(25).clamp(1, 200);
    let page_no = q.page.unwrap_or(0).clamp(0, 1_000_000);
    let (wid, p2, qk) = (wave_id, pid, question.clone());
    let ((answers, total, progress), themes, counts) = state
        .db
        .run(move |c| -> Result<_, AppError> {
            let found = voices::text_answers(c, &wid, qk.as_deref(), uncoded, per, page_no * per)?;
            Ok((found, voices::themes_for(c, &p2, false)?, voices::theme_counts(c, &wid)?))
        })
        .await?;
    let theme_name = |id: &str| {
        themes.iter().find(|t| t.id == id).map(|t| t.name.clone()).unwrap_or_else(|| "(archived theme)".into())
    };
    let rows = answers
        .into_iter()
        .enumerate()
        .map(|(i, a)| CodingRow {
            // Numbered across pages, as "answer 15" is said aloud.
            n: usize::try_from(page_no * per).unwrap_or(0) + i + 1,
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
            response_id: a.response_id.into_string(),
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
        left: progress.answers - progress.coded,
        left_link: (!uncoded && progress.coded < progress.answers).then(|| {
            let mut l = format!("{base}?uncoded=1");
            if let Some(k) = &question {
                l.push_str(&format!("&question={k}"));
            }
            l
        }),
        progress,
        saved: q.saved.filter(|n| *n >= 0),
        previous: (page_no > 0).then(|| link(page_no - 1, per)),
        next: ((page_no + 1) * per < total).then(|| link(page_no + 1, per)),
        one_at_a_time: (per != 1).then(|| link(page_no * per, 1)),
        as_list: (per == 1).then(|| link(page_no / 25, 25)),
        script: state.templates.script_url("coding"),
        rows,
    };
    render(&state, StatusCode::OK, "staff/coding", &view)
}

pub(super) async fn save_coding(
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
    let w = owned_wave(&state, &who, &slug).await?;
    let (wave_id, pid) = (w.row.id, w.partnership_id);
    let by = who.staff.email.clone();
    // "response:question"; a field naming no response id is left out.
    let split = |field: &str| {
        let (r, k) = field.split_once(':')?;
        Some((crate::db::ResponseId::parse(r)?, k.to_owned()))
    };
    match f.get("action") {
        Some("bulk") => {
            let theme = f.get("bulk_theme").unwrap_or("").to_owned();
            let chosen: Vec<(crate::db::ResponseId, String)> = f.all("select").into_iter().filter_map(split).collect();
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
        Some("save" | "save_next" | "save_previous") | None => {
            // Every answer shown on the page is listed, so unticking all its themes clears it.
            let shown: Vec<(crate::db::ResponseId, String)> = f.all("shown").into_iter().filter_map(split).collect();
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
                        let ids: Vec<String> = coded
                            .iter()
                            .filter(|(r, k, _)| r == rid.as_str() && k == key)
                            .map(|(_, _, t)| t.clone())
                            .collect();
                        voices::set_codes(c, &wave_id, &pid, rid, key, &ids, &by)?;
                    }
                    Ok(())
                })
                .await?;
        }
        Some(_) => return Err(AppError::BadRequest("That button is not one we know.".into())),
    }
    // Saved, then where the person asked to go: the same page, the next or the previous.
    // Showing only uncoded answers, the next ones move up into this page as these are coded.
    let page = q.page.unwrap_or(0).clamp(0, 1_000_000);
    let page = match f.get("action") {
        Some("save_next") if q.uncoded.is_none() => page + 1,
        Some("save_previous") => (page - 1).max(0),
        _ => page,
    };
    let saved = if f.get("action") == Some("bulk") { f.all("select").len() } else { f.all("shown").len() };
    let mut back = format!("/staff/waves/{slug}/coding?page={page}&per={}&saved={saved}", q.per.unwrap_or(25));
    if let Some(k) = &q.question {
        back.push_str(&format!("&question={}", urlencoding::encode(k)));
    }
    if q.uncoded.is_some() {
        back.push_str("&uncoded=1");
    }
    Ok(see_other(back))
}
