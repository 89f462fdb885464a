//! Question pages: one question per page, its answer checked and saved to the draft, read
//! aloud and pictured; "save and come back" gives the resume code.

use std::collections::BTreeMap;

use super::*;

#[derive(Serialize)]
pub(super) struct OptionView {
    id: String,
    value: String,
    label: String,
    checked: bool,
    /// A built-in symbol's name.
    symbol: Option<String>,
    /// Name of one of the partnership's own pictures (resolved to `picture`).
    #[serde(skip)]
    custom: Option<String>,
    /// URL of the partnership's own picture.
    picture: Option<String>,
}

/// A partnership's own picture beside a question.
#[derive(Serialize)]
pub(super) struct Picture {
    url: String,
    alt: String,
}

/// The question read aloud: a recording, or words for the browser's speech.
#[derive(Serialize)]
pub(super) struct Listen {
    recording: Option<String>,
    text: String,
}

#[derive(Serialize)]
pub(super) struct QuestionBody {
    position: usize,
    total: usize,
    title: String,
    hint: String,
    symbol: Option<Symbol>,
    picture: Option<Picture>,
    /// A question picture that is not built in, waiting to be resolved.
    #[serde(skip)]
    custom_symbol: Option<Symbol>,
    listen: Listen,
    choice: bool,
    multiple: bool,
    input_type: &'static str,
    options: Vec<OptionView>,
    text: bool,
    long: bool,
    short: bool,
    number: bool,
    inputmode: &'static str,
    value: String,
    max_length: usize,
    required: bool,
    /// The easy-read version: bigger answers beside their pictures.
    easy_read: bool,
    error: Option<String>,
    describedby: Option<String>,
    /// Say it or show it: a recording or a picture may answer instead of words (the form is
    /// sent as multipart).
    say_show: bool,
    /// The file already given for this question, with "Remove it".
    held: Option<HeldFile>,
    file_error: Option<String>,
    /// What happens to a recording or picture, in this version's words.
    consent_note: String,
    /// A grid statement on its own page (easy read): the grid's question above it.
    caption: Option<String>,
    /// A grid's statements on one page, one fieldset each (the page's title is the grid's).
    grid: bool,
    rows: Vec<RowView>,
}

/// A recording or picture held as the answer.
#[derive(Serialize)]
pub(super) struct HeldFile {
    recording: bool,
    size_kb: i64,
}

/// The most a say-it-or-show-it page may send: a recording or a picture, and the words.
const SAY_SHOW_LIMIT: usize = crate::domain::media::MAX_ANSWER_PICTURE_BYTES + 256 * 1024;

/// One statement of a grid on a page of its own statements.
#[derive(Serialize)]
pub(super) struct RowView {
    key: String,
    title: String,
    name: String,
    options: Vec<OptionView>,
    symbol: Option<Symbol>,
    error: Option<String>,
    error_id: String,
}

#[derive(Serialize)]
pub(super) struct Advice {
    pub(super) summary: String,
    pub(super) report: String,
    pub(super) findings: Vec<crate::routes::staff::FindingView>,
}

#[derive(Serialize)]
pub(super) struct QuestionView {
    pub(super) page: PageMeta,
    /// Set when staff preview the page: nothing is saved.
    pub(super) preview: Option<String>,
    /// The easy-read checker's advice on this question (staff preview only).
    pub(super) advice: Option<Advice>,
    pub(super) errors: Vec<Link>,
    pub(super) csrf: String,
    pub(super) action: String,
    /// "Save and come back later" (not on a shared tablet).
    pub(super) can_save: bool,
    /// The panel session just joined, said once on the first page.
    pub(super) joined: Option<String>,
    pub(super) q: QuestionBody,
}

/// What the respondent typed, safe to show back (control characters dropped).
pub(super) fn echo(raw: &str) -> String {
    raw.chars().filter(|c| !c.is_control() || *c == '\n' || *c == '\t').collect()
}

pub(super) struct Shown<'a> {
    pub(super) question: &'a Question,
    /// Everything on the page: the question alone, or a grid's statements together.
    pub(super) group: Vec<&'a Question>,
    pub(super) position: usize,
    pub(super) total: usize,
    pub(super) back: String,
}

pub(super) fn locate<'a>(visit: &'a Visit, d: &DraftRow, answers: &Answers, key: &str) -> Option<Shown<'a>> {
    let pages = visit.def.pages(&d.audience, answers);
    let i = pages.iter().position(|page| page.iter().any(|q| q.key.as_str() == key))?;
    let back = if i == 0 {
        if visit.def.audiences.len() == 1 { visit.base() } else { format!("{}/{}", visit.base(), d.audience) }
    } else {
        visit.question_url(pages[i - 1][0].key.as_str())
    };
    let group = pages[i].clone();
    Some(Shown { question: group[0], group, position: i + 1, total: pages.len(), back })
}

/// The answers a grid page's form gives, per statement (`answer-KEY`).
fn row_values<'f>(form: &'f crate::routes::form::Form, q: &Question) -> Vec<&'f str> {
    form.all(&format!("answer-{}", q.key.as_str()))
}

#[allow(clippy::too_many_arguments)]
pub(super) fn question_view(
    state: &AppState,
    req: &HttpRequest,
    visit: &Visit,
    shown: &Shown<'_>,
    audience: &str,
    current: Option<&AnswerValue>,
    typed: Option<Vec<String>>,
    error: Option<String>,
    change: bool,
) -> QuestionView {
    let q = shown.question;
    let lang = visit.lang(Some(audience));
    let wording = visit.def.wording_in(q, audience, &lang);
    let chosen: Vec<String> = match (&typed, current) {
        (Some(t), _) => t.clone(),
        (None, Some(v)) => v.option_values().into_iter().map(str::to_owned).collect(),
        (None, None) => vec![],
    };
    let value = match (&typed, current) {
        (Some(t), _) => echo(t.first().map(String::as_str).unwrap_or("")),
        (None, Some(AnswerValue::Text(t))) => t.clone(),
        (None, Some(v @ AnswerValue::Number(_))) => v.describe(q, audience),
        _ => String::new(),
    };
    let mut described = Vec::new();
    if !wording.hint.is_empty() {
        described.push("hint");
    }
    if q.kind == QuestionKind::MultipleChoice {
        described.push("hint-multi");
    }
    if q.kind.is_text() {
        described.push("hint-length");
    }
    if q.kind == QuestionKind::SayOrShow {
        described.push("hint-say-show");
    }
    if error.is_some() {
        described.push("answer-error");
    }
    let first_id = "answer-0".to_owned();
    let labels: Vec<String> = q.options.iter().map(|o| visit.def.label_in(q, o, audience, &lang)).collect();
    let caption =
        q.grid.as_ref().filter(|_| shown.group.len() == 1).map(|g| visit.def.grid_wording_in(g, audience, &lang).title);
    let listen_text =
        [caption.clone().unwrap_or_default(), wording.title.clone(), wording.hint.clone(), labels.join(". ")]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(". ");
    let builtin = |s: &Symbol| crate::templates::Templates::has_symbol(&s.image);
    let localised = |s: Symbol| Symbol { alt: visit.def.symbol_alt_in(q, audience, &lang).unwrap_or_default(), ..s };
    QuestionView {
        preview: None,
        advice: None,
        page: visit
            .page_in(wording.title.clone(), Some(audience), &lang)
            .back(if change { format!("{}/check", visit.base()) } else { shown.back.clone() })
            .with_error(error.is_some()),
        errors: crate::routes::pages::error_links(&error, &format!("#{first_id}")),
        csrf: csrf(state, req),
        action: format!("{}{}", visit.question_url(q.key.as_str()), if change { "?change=1" } else { "" }),
        can_save: kiosk().is_none(),
        joined: None,
        q: QuestionBody {
            position: shown.position,
            total: shown.total,
            title: wording.title,
            hint: wording.hint,
            symbol: q.symbol.clone().filter(builtin).map(localised),
            picture: None,
            custom_symbol: q.symbol.clone().filter(|s| !builtin(s)).map(localised),
            listen: Listen { recording: None, text: listen_text },
            choice: q.kind.has_options(),
            multiple: q.kind == QuestionKind::MultipleChoice,
            input_type: if q.kind == QuestionKind::MultipleChoice { "checkbox" } else { "radio" },
            options: q
                .options
                .iter()
                .enumerate()
                .map(|(i, o)| OptionView {
                    id: format!("answer-{i}"),
                    value: o.value.clone(),
                    label: labels.get(i).cloned().unwrap_or_default(),
                    checked: chosen.iter().any(|c| c == &o.value),
                    symbol: o.symbol.as_ref().filter(|s| builtin(s)).map(|s| s.image.clone()),
                    custom: o.symbol.as_ref().filter(|s| !builtin(s)).map(|s| s.image.clone()),
                    picture: None,
                })
                .collect(),
            text: q.kind.is_text(),
            long: q.kind.is_long(),
            short: q.kind == QuestionKind::ShortText,
            number: q.kind == QuestionKind::Number,
            inputmode: if q.whole_number { "numeric" } else { "decimal" },
            value,
            max_length: q.max_length,
            required: q.required,
            easy_read: visit.def.audience(audience).is_some_and(|a| a.easy_read),
            error,
            describedby: (!described.is_empty()).then(|| described.join(" ")),
            say_show: q.kind == QuestionKind::SayOrShow,
            held: None,
            file_error: None,
            consent_note: crate::i18n::text(
                &lang,
                if visit.def.audience(audience).is_some_and(|a| a.easy_read) {
                    "say_show_consent_easy"
                } else {
                    "say_show_consent"
                },
            )
            .to_owned(),
            caption,
            grid: false,
            rows: Vec::new(),
        },
    }
}

/// The file held as the answer to `key` in draft `draft_id`, for the page.
async fn held_file(state: &AppState, draft_id: &str, key: &str) -> Result<Option<HeldFile>, AppError> {
    let (id, key) = (draft_id.to_owned(), key.to_owned());
    let all = state.db.run(move |c| crate::models::answer_files::held(c, &id).map_err(AppError::from)).await?;
    Ok(all.into_iter().find(|h| h.question_key == key).map(|h| HeldFile {
        recording: h.kind == crate::models::answer_files::FileKind::Recording.as_str(),
        size_kb: (i64::from(h.size_bytes) + 1023) / 1024,
    }))
}

/// Checks a recording or picture sent with a say-it-or-show-it answer: its kind, type and
/// cleaned bytes, or why not (in the respondent's language).
async fn checked_file(
    upload: &crate::routes::upload::Upload,
    lang: &str,
) -> Result<Option<Result<(crate::models::answer_files::FileKind, String, Vec<u8>), String>>, AppError> {
    use crate::models::answer_files::FileKind;
    if let Some(part) = upload.file("recording") {
        return Ok(Some(
            crate::domain::media::check_answer_recording(&part.bytes)
                .map(|ct| (FileKind::Recording, ct.to_owned(), part.bytes.clone()))
                .map_err(|e| crate::i18n::file_error(lang, &e)),
        ));
    }
    if let Some(part) = upload.file("picture") {
        let cleaned = crate::routes::media::decode_answer_picture(part.bytes.clone()).await?;
        return Ok(Some(
            cleaned
                .map(|c| (FileKind::Picture, c.content_type.to_owned(), c.body))
                .map_err(|e| crate::i18n::file_error(lang, &e)),
        ));
    }
    Ok(None)
}

/// What a grid page's form held when it was refused: each statement's answers as sent, and
/// each statement's problem.
#[derive(Default)]
pub(super) struct GridInput {
    pub(super) typed: BTreeMap<String, Vec<String>>,
    pub(super) errors: BTreeMap<String, String>,
}

/// Turns `view` (made for the page's first statement) into the page of a grid's statements:
/// the grid's question as the title and one fieldset per statement.
pub(super) fn grid_page(
    view: &mut QuestionView,
    visit: &Visit,
    shown: &Shown<'_>,
    audience: &str,
    answers: &Answers,
    input: &GridInput,
) {
    let Some(grid) = shown.question.grid.as_ref().filter(|_| shown.group.len() > 1) else { return };
    let lang = visit.lang(Some(audience));
    let words = visit.def.grid_wording_in(grid, audience, &lang);
    let builtin = |s: &Symbol| crate::templates::Templates::has_symbol(&s.image);
    view.page.title = words.title.clone();
    view.q.title = words.title.clone();
    view.q.hint = words.hint;
    view.q.choice = false;
    view.q.grid = true;
    view.q.listen.text = std::iter::once(words.title)
        .chain(shown.group.iter().map(|q| visit.def.wording_in(q, audience, &lang).title))
        .collect::<Vec<_>>()
        .join(". ");
    view.q.rows = shown
        .group
        .iter()
        .map(|q| {
            let key = q.key.as_str().to_owned();
            let chosen: Vec<String> = match input.typed.get(&key) {
                Some(t) => t.clone(),
                None => answers
                    .get(&key)
                    .map(|v| v.option_values().into_iter().map(str::to_owned).collect())
                    .unwrap_or_default(),
            };
            RowView {
                title: visit.def.wording_in(q, audience, &lang).title,
                name: format!("answer-{key}"),
                options: q
                    .options
                    .iter()
                    .enumerate()
                    .map(|(i, o)| OptionView {
                        id: format!("answer-{key}-{i}"),
                        value: o.value.clone(),
                        label: visit.def.label_in(q, o, audience, &lang),
                        checked: chosen.iter().any(|c| c == &o.value),
                        symbol: o.symbol.as_ref().filter(|s| builtin(s)).map(|s| s.image.clone()),
                        custom: None,
                        picture: None,
                    })
                    .collect(),
                symbol: q
                    .symbol
                    .clone()
                    .filter(builtin)
                    .map(|s| Symbol { alt: visit.def.symbol_alt_in(q, audience, &lang).unwrap_or_default(), ..s }),
                error: input.errors.get(&key).cloned(),
                error_id: format!("answer-{key}-error"),
                key,
            }
        })
        .collect();
    view.errors = view
        .q
        .rows
        .iter()
        .filter_map(|r| r.error.as_ref().map(|e| Link { text: e.clone(), href: format!("#answer-{}-0", r.key) }))
        .collect();
    view.page.error = !view.errors.is_empty();
}

/// Fills in what a question page needs from storage: its recording (or the speech script when
/// there is none) and the partnership's own pictures it names.
pub(super) async fn attach_media(
    state: &AppState,
    visit: &Visit,
    audience: &str,
    key: &str,
    view: &mut QuestionView,
) -> Result<(), AppError> {
    let mut names: Vec<String> = view.q.options.iter().filter_map(|o| o.custom.clone()).collect();
    if let Some(s) = &view.q.custom_symbol {
        names.push(s.image.clone());
    }
    let slot = crate::models::media::RecordingSlot {
        wave_id: visit.wave.id.clone(),
        audience: audience.to_owned(),
        language: view.page.lang.clone(),
        question_key: key.to_owned(),
    };
    let cache_key =
        (slot.wave_id.clone(), slot.audience.clone(), slot.language.clone(), slot.question_key.clone(), names.clone());
    let (recording, pictures) = match state.media.get(&cache_key) {
        Some(m) => m,
        None => {
            let m = state
                .db
                .read(move |c| crate::models::media::for_question(c, &slot, &names).map_err(AppError::from))
                .await?;
            state.media.put(cache_key, m.clone());
            m
        }
    };
    let url = |name: &str| pictures.get(name).map(|id| format!("/media/images/{id}"));
    view.q.picture =
        view.q.custom_symbol.as_ref().and_then(|s| url(&s.image).map(|u| Picture { url: u, alt: s.alt.clone() }));
    for o in &mut view.q.options {
        o.picture = o.custom.as_deref().and_then(url);
    }
    match recording {
        Some((id, _)) => view.q.listen.recording = Some(format!("/media/recordings/{id}")),
        None => view.page.scripts.extend(Some(state.templates.script_url("listen")).filter(|u| !u.is_empty())),
    }
    Ok(())
}

#[derive(serde::Deserialize)]
pub(super) struct ChangeQuery {
    change: Option<String>,
    /// Just joined a panel session: the page says which.
    joined: Option<String>,
}

pub(super) async fn question(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    query: web::Query<ChangeQuery>,
    answering: Answering,
) -> Result<HttpResponse, AppError> {
    let (_, key) = path.into_inner();
    let Answering { visit, draft: d } = answering;
    let answers = d.answers();
    let Some(shown) = locate(&visit, &d, &answers, &key) else {
        // Not a question this person sees (now): send them where they should be.
        return Ok(see_other(resume_point(&visit, &d)));
    };
    let mut view =
        question_view(&state, &req, &visit, &shown, &d.audience, answers.get(&key), None, None, query.change.is_some());
    grid_page(&mut view, &visit, &shown, &d.audience, &answers, &GridInput::default());
    if view.q.say_show {
        view.q.held = held_file(&state, &d.id, &key).await?;
        view.page.scripts.extend(Some(state.templates.script_url("record")).filter(|u| !u.is_empty()));
    }
    if let Some(sid) = d.session_id.clone().filter(|_| query.joined.is_some()) {
        let session = state.db.run(move |c| crate::models::panel::find(c, &sid).map_err(AppError::from)).await?;
        view.joined = session.map(|s| s.title);
    }
    attach_media(&state, &visit, &d.audience, &key, &mut view).await?;
    render(&state, StatusCode::OK, "respond/question", &view)
}

pub(super) async fn answer(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    query: web::Query<ChangeQuery>,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    let multipart = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"));
    let (slug, key) = path.into_inner();
    let (form, upload) = if multipart {
        // Only a say-it-or-show-it question takes a file; any other question's form is small.
        let takes_file = state
            .wave(&slug)
            .await?
            .is_some_and(|w| w.definition.question(&key).is_some_and(|q| q.kind == QuestionKind::SayOrShow));
        let limit = if takes_file { SAY_SHOW_LIMIT } else { state.settings.max_body_bytes };
        let upload = crate::routes::upload::read_checked(&state, &req, body, limit).await?;
        (upload.form()?, Some(upload).filter(|_| takes_file))
    } else {
        (read_checked_form(&state, &req, body).await?, None)
    };
    let Answering { visit, draft: d } = Answering::open(&state, &req, &slug).await?;
    let mut answers = d.answers();
    let Some(shown) = locate(&visit, &d, &answers, &key) else {
        return Err(AppError::BadRequest(crate::error::Words::key("error_not_your_question")));
    };
    let q = shown.question;
    let change = query.change.is_some();
    let action = form.get("action").unwrap_or("continue");
    if action == "save" && kiosk().is_some() {
        return Err(AppError::BadRequest(crate::error::Words::key("error_no_saving_on_tablet")));
    }
    if !matches!(action, "skip" | "continue" | "save" | "remove-file") {
        return Err(AppError::BadRequest(crate::error::Words::key("error_unknown_button")));
    }
    let lang = visit.lang(Some(&d.audience));
    // Say it or show it: a file sent now is checked and held first, so a problem with the
    // words loses neither; "Remove it" lets it go.
    let mut has_file = false;
    if q.kind == QuestionKind::SayOrShow {
        if action == "remove-file" {
            let (id, k) = (d.id.clone(), key.clone());
            state.db.quick(move |c| crate::models::answer_files::release(c, &id, &k).map_err(AppError::from)).await?;
            return Ok(see_other(format!("{}{}", visit.question_url(&key), if change { "?change=1" } else { "" })));
        }
        let sent = match &upload {
            Some(u) => checked_file(u, &lang).await?,
            None => None,
        };
        match sent {
            Some(Ok((kind, content_type, bytes))) => {
                let (wave, id, k) = (visit.wave.id.clone(), d.id.clone(), key.clone());
                state
                    .db
                    .run(move |c| {
                        crate::models::answer_files::hold(c, &wave, &id, &k, kind, &content_type, &bytes)
                            .map_err(AppError::from)
                    })
                    .await?;
            }
            Some(Err(message)) => {
                let typed = Some(form.all("answer").into_iter().map(str::to_owned).collect());
                let mut view =
                    question_view(&state, &req, &visit, &shown, &d.audience, answers.get(&key), typed, None, change);
                view.q.held = held_file(&state, &d.id, &key).await?;
                view.q.file_error = Some(message.clone());
                view.errors = vec![Link { text: message, href: "#recording".into() }];
                view.page.error = true;
                attach_media(&state, &visit, &d.audience, &key, &mut view).await?;
                return render(&state, StatusCode::BAD_REQUEST, "respond/question", &view);
            }
            None => {}
        }
        has_file = held_file(&state, &d.id, &key).await?.is_some();
    } else if action == "remove-file" {
        return Err(AppError::BadRequest(crate::error::Words::key("error_unknown_button")));
    }
    let read = |q: &Question, values: &[&str]| match action {
        "skip" if q.required => Err(crate::domain::AnswerError::Required),
        "skip" => Ok(None),
        _ => AnswerValue::from_form(q, values),
    };
    let mut given: Vec<(String, Option<AnswerValue>)> = Vec::new();
    if shown.group.len() > 1 {
        // A grid's statements on one page: each read on its own, all problems shown at once.
        let mut input = GridInput::default();
        for st in &shown.group {
            let values = row_values(&form, st);
            let k = st.key.as_str().to_owned();
            match read(st, &values) {
                Ok(v) => given.push((k.clone(), v)),
                Err(e) => {
                    input.errors.insert(k.clone(), crate::i18n::answer_error(&lang, &e));
                }
            }
            input.typed.insert(k, values.into_iter().map(str::to_owned).collect());
        }
        if !input.errors.is_empty() {
            let mut view = question_view(&state, &req, &visit, &shown, &d.audience, None, None, None, change);
            grid_page(&mut view, &visit, &shown, &d.audience, &answers, &input);
            attach_media(&state, &visit, &d.audience, &key, &mut view).await?;
            return render(&state, StatusCode::BAD_REQUEST, "respond/question", &view);
        }
    }
    let outcome = if shown.group.len() > 1 { Ok(None) } else { read(q, &form.all("answer")) };
    // A recording or picture answers the question without words (and skipping drops it).
    let outcome = match outcome {
        Ok(None) | Err(crate::domain::AnswerError::Required) if has_file && action != "skip" => {
            Ok(Some(AnswerValue::Text(String::new())))
        }
        other => other,
    };
    match outcome {
        Ok(v) if shown.group.len() == 1 => given.push((key.clone(), v)),
        Ok(_) => {}
        Err(e) => {
            let typed = Some(form.all("answer").into_iter().map(str::to_owned).collect());
            let mut view = question_view(
                &state,
                &req,
                &visit,
                &shown,
                &d.audience,
                answers.get(&key),
                typed,
                Some(crate::i18n::answer_error(&lang, &e)),
                change,
            );
            if view.q.say_show {
                view.q.held = held_file(&state, &d.id, &key).await?;
            }
            attach_media(&state, &visit, &d.audience, &key, &mut view).await?;
            return render(&state, StatusCode::BAD_REQUEST, "respond/question", &view);
        }
    }
    for (k, v) in given {
        match v {
            Some(v) => {
                answers.insert(k, v);
            }
            None => {
                answers.remove(&k);
            }
        }
    }
    visit.def.prune(&d.audience, &mut answers);
    let next = {
        let pages = visit.def.pages(&d.audience, &answers);
        let i = pages.iter().position(|page| page.iter().any(|x| x.key.as_str() == key));
        i.and_then(|i| pages.get(i + 1)).map(|n| n[0].key.to_string())
    };
    let (id, consent, days) = (d.id.clone(), d.consent_to_quote, state.settings.draft_days);
    let save_answers = answers.clone();
    let saved =
        state.db.quick(move |c| draft::save(c, &id, &save_answers, consent, days).map_err(AppError::from)).await?;
    if !saved {
        return Ok(see_other(format!("{}/done", visit.base())));
    }
    let location = if change {
        format!("{}/check", visit.base())
    } else {
        match next {
            Some(k) => visit.question_url(&k),
            None if consent.is_none() => format!("{}/consent", visit.base()),
            None => format!("{}/check", visit.base()),
        }
    };
    if action == "save" {
        return saved_page(&state, &req, &visit, &d, false, location).await;
    }
    Ok(see_other(location))
}

#[derive(Serialize)]
pub(super) struct SavedView {
    page: PageMeta,
    /// The new code, or `None` when the answers already have one (it still works: the person
    /// is told to keep using it, and may ask for a new one instead).
    code: Option<String>,
    /// The bookmarkable link that opens the carry-on page with the code filled in.
    code_link: Option<String>,
    resume_link: String,
    resume_url: String,
    keep_days: i64,
    continue_link: String,
    new_code_action: String,
    csrf: String,
}

/// "Your answers are saved": the code to carry on (made now, unless the answers have one
/// already and `new_code` is false) and a link with it filled in.
pub(super) async fn saved_page(
    state: &AppState,
    req: &HttpRequest,
    visit: &Visit,
    d: &DraftRow,
    new_code: bool,
    continue_link: String,
) -> Result<HttpResponse, AppError> {
    let code = if d.resume_hash.is_some() && !new_code {
        None
    } else {
        let (id, key) = (d.id.clone(), state.codes.clone());
        let code = state
            .db
            .run(move |c| draft::issue_resume_code(c, &key, &id).map_err(AppError::from))
            .await?
            .ok_or_else(|| AppError::Conflict(crate::error::Words::key("error_already_sent")))?;
        Some(code.display())
    };
    let resume_link = format!("{}/resume", visit.base());
    let resume_url = format!("{}{}", state.settings.public_url, resume_link);
    let lang = visit.lang(Some(&d.audience));
    let view = SavedView {
        page: visit.page_in(crate::i18n::text(&lang, "saved_title"), Some(&d.audience), &lang),
        code_link: code.as_ref().map(|c| format!("{resume_url}?code={c}")),
        code,
        resume_url,
        resume_link,
        keep_days: state.settings.draft_days,
        continue_link,
        new_code_action: format!("{}/new-code", visit.base()),
        csrf: csrf(state, req),
    };
    render(state, StatusCode::OK, "respond/saved", &view)
}

/// "I do not have my code": a new code for these answers; the old one stops working.
pub(super) async fn new_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    read_checked_form(&state, &req, body).await?;
    if kiosk().is_some() {
        return Err(AppError::BadRequest(crate::error::Words::key("error_no_saving_on_tablet")));
    }
    let Answering { visit, draft: d } = Answering::open(&state, &req, &path).await?;
    let here = resume_point(&visit, &d);
    saved_page(&state, &req, &visit, &d, true, here).await
}
