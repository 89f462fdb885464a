//! Responses for admins and analysts: the filtered list of a wave's responses, one
//! response with its answers, and deleting it (audited).

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::views::Choice;

#[derive(Deserialize)]
pub(super) struct ListQuery {
    audience: Option<String>,
    channel: Option<String>,
    question: Option<String>,
    priority: Option<String>,
    value: Option<String>,
    words: Option<String>,
    page: Option<i64>,
}

#[derive(Serialize)]
struct ResponsesView {
    page: PageMeta,
    slug: String,
    label: String,
    series_title: String,
    audiences: Vec<Choice>,
    channels: Vec<Choice>,
    questions: Vec<Choice>,
    priorities: Vec<Choice>,
    values: Vec<Choice>,
    words: String,
    total: i64,
    rows: Vec<response::ResponseListing>,
    previous: Option<String>,
    next: Option<String>,
    answers_link: Option<String>,
    /// Every question, as links to all its answers in one list.
    answer_lists: Vec<Link>,
}

const PER_PAGE: i64 = 50;

/// The codes a wave's questions are tagged with, in first-use order.
fn codes_in(def: &SurveyDefinition, field: impl Fn(&crate::domain::Question) -> &Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for q in &def.questions {
        for c in field(q) {
            if !out.contains(c) {
                out.push(c.clone());
            }
        }
    }
    out
}

pub(super) async fn responses(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<ListQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&[Role::Admin, Role::Analyst])?;
    let w = owned_wave(&state, &who, &path).await?;
    let nonempty = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    for (name, v) in [
        ("audience", &query.audience),
        ("channel", &query.channel),
        ("question", &query.question),
        ("priority", &query.priority),
        ("value", &query.value),
    ] {
        // Filters name things by their keys (letters, digits, dots and hyphens): anything else
        // came from an edited address, not from the filter form.
        if let Some(v) = nonempty(v)
            && !v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(AppError::BadRequest(format!(
                "The {name} filter in this address is not one Heard offers. Use the filter form on the responses page."
            ).into()));
        }
    }
    let filter = response::ResponseFilter {
        audience: nonempty(&query.audience),
        channel: nonempty(&query.channel),
        words: nonempty(&query.words).map(|w| w.chars().take(200).collect()),
        question: nonempty(&query.question),
        priority: nonempty(&query.priority),
        value: nonempty(&query.value),
    };
    let page_no = query.page.unwrap_or(0).clamp(0, 1_000_000);
    let (id, f) = (w.row.id.clone(), filter.clone());
    let order: Vec<String> = w.def.questions.iter().map(|q| q.key.to_string()).collect();
    let (rows, total) =
        state.db.run(move |c| response::list(c, &id, &f, page_no, PER_PAGE, &order).map_err(AppError::from)).await?;
    // A question chosen: its answers can be read as one list.
    let answers_link = filter
        .question
        .as_ref()
        .filter(|k| w.def.question(k).is_some())
        .map(|k| format!("/staff/waves/{}/answers?question={}", w.row.slug, urlencoding::encode(k)));
    let link = |p: i64| {
        let mut params = vec![format!("page={p}")];
        for (k, v) in [
            ("audience", &filter.audience),
            ("channel", &filter.channel),
            ("question", &filter.question),
            ("priority", &filter.priority),
            ("value", &filter.value),
            ("words", &filter.words),
        ] {
            if let Some(v) = v {
                params.push(format!("{k}={}", urlencoding::encode(v)));
            }
        }
        format!("/staff/waves/{}/responses?{}", w.row.slug, params.join("&"))
    };
    let choice = |value: &str, text: &str, current: &Option<String>| Choice {
        value: value.into(),
        text: text.into(),
        selected: current.as_deref() == Some(value),
    };
    let view = ResponsesView {
        page: who
            .page(&req, &state, format!("Responses: {} {}", w.def.series.title, w.row.label))
            .back(format!("/staff/waves/{}", w.row.slug)),
        slug: w.row.slug.clone(),
        label: w.row.label.clone(),
        series_title: w.def.series.title.clone(),
        audiences: w.def.audiences.iter().map(|a| choice(a.key.as_str(), &a.name, &filter.audience)).collect(),
        channels: crate::domain::filter::CHANNELS.iter().map(|(k, n)| choice(k, n, &filter.channel)).collect(),
        questions: w.def.questions.iter().map(|q| choice(q.key.as_str(), q.key.as_str(), &filter.question)).collect(),
        priorities: codes_in(&w.def, |q| &q.priorities).iter().map(|c| choice(c, c, &filter.priority)).collect(),
        values: codes_in(&w.def, |q| &q.values).iter().map(|c| choice(c, c, &filter.value)).collect(),
        words: filter.words.clone().unwrap_or_default(),
        total,
        previous: (page_no > 0).then(|| link(page_no - 1)),
        next: ((page_no + 1) * PER_PAGE < total).then(|| link(page_no + 1)),
        answers_link,
        answer_lists: w
            .def
            .questions
            .iter()
            .map(|q| Link {
                href: format!("/staff/waves/{}/answers?question={}", w.row.slug, q.key),
                text: q.wording.values().next().map(|x| x.title.clone()).unwrap_or_else(|| q.key.to_string()),
            })
            .collect(),
        rows,
    };
    render(&state, StatusCode::OK, "staff/responses", &view)
}

#[derive(Serialize)]
struct AnswerRow {
    key: String,
    question: String,
    answer: Option<String>,
}

#[derive(Serialize)]
struct ResponseView {
    page: PageMeta,
    series_title: String,
    label: String,
    /// The responses either side in the wave's list (newest first).
    newer: Option<String>,
    older: Option<String>,
    response: response::ResponseListing,
    rows: Vec<AnswerRow>,
    csrf: String,
    error: Option<String>,
    errors: Vec<Link>,
}

/// A response the signed-in person may see, with its wave.
pub(super) async fn owned_response(
    state: &AppState,
    who: &SignedIn,
    id: &str,
) -> Result<(response::ResponseListing, crate::domain::Answers, OwnedWave), AppError> {
    let rid = crate::db::ResponseId::parse(id).ok_or_else(not_found)?;
    let found = state.db.run(move |c| response::get(c, &rid).map_err(AppError::from)).await?.ok_or_else(not_found)?;
    let crate::models::response::StoredResponse { listing, wave_id: wid, answers } = found;
    let slug = state.db.run(move |c| crate::models::survey::wave_slug(c, &wid).map_err(AppError::from)).await?;
    let wave = owned_wave(state, who, &slug).await?;
    Ok((listing, answers, wave))
}

fn response_view(
    who: &SignedIn,
    req: &HttpRequest,
    state: &AppState,
    listing: response::ResponseListing,
    answers: &crate::domain::Answers,
    w: &OwnedWave,
    error: Option<String>,
) -> ResponseView {
    let rows = w
        .def
        .questions_for(&listing.audience)
        .map(|q| AnswerRow {
            key: q.key.to_string(),
            question: q.wording(&listing.audience).map(|x| x.title.clone()).unwrap_or_else(|| q.key.to_string()),
            answer: answers.get(q.key.as_str()).map(|a| a.describe(q, &listing.audience)),
        })
        .collect();
    ResponseView {
        page: who
            .page(req, state, format!("Response sent {}", listing.submitted_on))
            .back(format!("/staff/waves/{}/responses", w.row.slug))
            .with_error(error.is_some()),
        series_title: w.def.series.title.clone(),
        label: w.row.label.clone(),
        newer: None,
        older: None,
        response: listing,
        rows,
        csrf: csrf(state, req),
        errors: crate::routes::pages::error_links(&error, "#reason"),
        error,
    }
}

pub(super) async fn response_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&[Role::Admin, Role::Analyst])?;
    let (listing, answers, w) = owned_response(&state, &who, &path).await?;
    let (wid, rid) = (w.row.id.clone(), listing.id.clone());
    let (newer, older) = state.db.run(move |c| response::neighbours(c, &wid, &rid).map_err(AppError::from)).await?;
    let mut view = response_view(&who, &req, &state, listing, &answers, &w, None);
    view.newer = newer.map(|id| format!("/staff/responses/{id}"));
    view.older = older.map(|id| format!("/staff/responses/{id}"));
    render(&state, StatusCode::OK, "staff/response", &view)
}

#[derive(Deserialize)]
pub(super) struct AnswersQuery {
    question: Option<String>,
    page: Option<i64>,
}

#[derive(Serialize)]
struct AnswerItem {
    response: String,
    audience: String,
    submitted_on: String,
    answer: String,
}

#[derive(Serialize)]
struct AnswersView {
    page: PageMeta,
    series_title: String,
    label: String,
    slug: String,
    question: String,
    key: String,
    total: i64,
    items: Vec<AnswerItem>,
    previous: Option<String>,
    next: Option<String>,
}

const ANSWERS_PER_PAGE: i64 = 200;

/// `GET /staff/waves/{slug}/answers?question=KEY`: every answer to one question as one list
/// (newest first, 200 a page), each linked to its whole response.
pub(super) async fn answers_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<AnswersQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&[Role::Admin, Role::Analyst])?;
    let w = owned_wave(&state, &who, &path).await?;
    let key = query.question.clone().unwrap_or_default();
    let Some(q) = w.def.question(&key).cloned() else {
        return Err(AppError::NotFound(
            "This wave has no question with that key. Choose one from the list on the responses page.".into(),
        ));
    };
    let page_no = query.page.unwrap_or(0).clamp(0, 1_000_000);
    let (wid, k) = (w.row.id.clone(), key.clone());
    let (found, total) = state
        .db
        .run(move |c| response::answers_to(c, &wid, &k, page_no, ANSWERS_PER_PAGE).map_err(AppError::from))
        .await?;
    let items = found
        .into_iter()
        .map(|a| {
            let answer = match (&a.text, &a.option_value, a.number) {
                (Some(t), _, _) => t.clone(),
                (None, Some(v), _) => q.option(v).map(|o| o.label(&a.audience).to_owned()).unwrap_or_else(|| v.clone()),
                (None, None, Some(n)) => n.to_string(),
                _ => String::new(),
            };
            AnswerItem {
                response: format!("/staff/responses/{}", a.response_id),
                audience: w.def.audience(&a.audience).map(|x| x.name.clone()).unwrap_or(a.audience.clone()),
                submitted_on: a.submitted_on,
                answer,
            }
        })
        .collect();
    let link = |p: i64| format!("/staff/waves/{}/answers?question={}&page={p}", w.row.slug, urlencoding::encode(&key));
    let title = q.wording.values().next().map(|x| x.title.clone()).unwrap_or_else(|| key.clone());
    let view = AnswersView {
        page: who.page(&req, &state, format!("Answers: {title}")).back(format!(
            "/staff/waves/{}/responses?question={}",
            w.row.slug,
            urlencoding::encode(&key)
        )),
        series_title: w.def.series.title.clone(),
        label: w.row.label.clone(),
        slug: w.row.slug.clone(),
        question: title,
        key: key.clone(),
        total,
        items,
        previous: (page_no > 0).then(|| link(page_no - 1)),
        next: ((page_no + 1) * ANSWERS_PER_PAGE < total).then(|| link(page_no + 1)),
    };
    render(&state, StatusCode::OK, "staff/answers", &view)
}

pub(super) async fn delete_response(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let form = crate::routes::form::read_checked(&state, &req, body).await?;
    who.require(&[Role::Admin, Role::Analyst])?;
    let (listing, answers, w) = owned_response(&state, &who, &path).await?;
    let reason = match UserText::parse(form.get("reason").unwrap_or(""), 500, false) {
        Ok(r) if !r.is_empty() => r.into_string(),
        Ok(_) => {
            let view = response_view(
                &who,
                &req,
                &state,
                listing,
                &answers,
                &w,
                Some("Say why this response is being deleted.".into()),
            );
            return render(&state, StatusCode::BAD_REQUEST, "staff/response", &view);
        }
        Err(e) => {
            let view = response_view(&who, &req, &state, listing, &answers, &w, Some(e.to_string()));
            return render(&state, StatusCode::BAD_REQUEST, "staff/response", &view);
        }
    };
    let (id, staff) = (listing.id.clone(), who.staff.clone());
    state.db.run(move |c| response::delete_by_staff(c, &id, &staff, &reason).map_err(AppError::from)).await?;
    Ok(HttpResponse::SeeOther().insert_header((LOCATION, format!("/staff/waves/{}/responses", w.row.slug))).finish())
}
