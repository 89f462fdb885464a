//! Staff creating and running panel sessions: the list, a new session, its page with the live
//! tally, pausing, closing and the printable join sheet.

#[allow(clippy::wildcard_imports)]
use super::*;

#[derive(Serialize)]
pub(super) struct SessionItem {
    id: String,
    title: String,
    code: String,
    audience: String,
    when: String,
    open: bool,
    kiosk: bool,
    responses: i64,
}

#[derive(Serialize, Default)]
pub(super) struct Typed {
    title: String,
    minutes: String,
    idle: String,
    kiosk: bool,
    member_codes: bool,
}

#[derive(Serialize)]
pub(super) struct SessionsView {
    page: PageMeta,
    slug: String,
    csrf: String,
    can_run: bool,
    sessions: Vec<SessionItem>,
    audiences: Vec<Choice>,
    typed: Typed,
    error: Option<String>,
    errors: Vec<Link>,
}

pub(super) async fn sessions_view(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    w: &OwnedWave,
    typed: Typed,
    error: Option<String>,
) -> Result<SessionsView, AppError> {
    let wave_id = w.row.id.clone();
    let list = state.db.run(move |c| panel::list_for_wave(c, &wave_id).map_err(AppError::from)).await?;
    let at = crate::db::now();
    Ok(SessionsView {
        page: who
            .page(req, state, format!("Panel sessions: {} {}", w.def.series.title, w.row.label))
            .back(format!("/staff/waves/{}", w.row.slug))
            .with_error(error.is_some()),
        slug: w.row.slug.clone(),
        csrf: csrf(state, req),
        can_run: who.require(&RUNNERS).is_ok(),
        sessions: list
            .into_iter()
            .map(|(s, n)| SessionItem {
                audience: w.def.audience(&s.audience).map(|a| a.name.clone()).unwrap_or(s.audience.clone()),
                when: format!("{} to {} UTC", s.opens_at.format("%-d %b %Y %H:%M"), s.closes_at.format("%H:%M")),
                open: s.is_open(at),
                code: s.join_code(),
                id: s.id,
                title: s.title,
                kiosk: s.kiosk,
                responses: n,
            })
            .collect(),
        audiences: w
            .def
            .audiences
            .iter()
            .map(|a| Choice { value: a.key.to_string(), text: a.name.clone(), selected: false })
            .collect(),
        typed,
        errors: crate::routes::pages::error_links(&error, "#panel-title"),
        error,
    })
}

pub(super) async fn sessions_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&[Role::Admin, Role::Analyst, Role::Viewer, Role::Facilitator])?;
    let w = owned_wave(&state, &who, &path).await?;
    let typed = Typed { minutes: "90".into(), idle: "3".into(), ..Default::default() };
    render(&state, StatusCode::OK, "staff/panels", &sessions_view(&state, &req, &who, &w, typed, None).await?)
}

pub(super) async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let form = read_checked(&state, &req, body).await?;
    who.require(&RUNNERS)?;
    let w = owned_wave(&state, &who, &path).await?;
    let kiosk = form.get("kiosk").is_some();
    let member_codes = form.get("member_codes").is_some();
    let typed = Typed {
        title: form.get("title").unwrap_or("").chars().take(200).collect(),
        minutes: form.get("minutes").unwrap_or("").chars().take(10).collect(),
        idle: form.get("idle").unwrap_or("").chars().take(10).collect(),
        kiosk,
        member_codes,
    };
    let audience = form.get("audience").unwrap_or("").to_owned();
    let parsed = crate::domain::panel::SessionSettings::parse(
        &audience,
        &w.def,
        &typed.title,
        &typed.minutes,
        &typed.idle,
        kiosk,
        form.get("pin"),
    );
    let crate::domain::panel::SessionSettings { title, minutes, idle_minutes: idle } = match parsed {
        Ok(p) => p,
        Err(msg) => {
            let view = sessions_view(&state, &req, &who, &w, typed, Some(msg)).await?;
            return render(&state, StatusCode::BAD_REQUEST, "staff/panels", &view);
        }
    };
    let new = NewSession {
        wave_id: w.row.id.clone(),
        audience,
        title,
        kiosk,
        pin: kiosk.then(|| form.get("pin").unwrap_or("").trim().to_owned()),
        member_codes,
        idle_minutes: idle,
        minutes,
        created_by: who.staff.email.clone(),
    };
    let (staff, pid) = (who.staff.clone(), w.partnership_id.clone());
    let s = state
        .db
        .write(move |c| -> Result<SessionRow, AppError> {
            let s = panel::create(c, &new)?;
            audit::record(
                c,
                &staff.actor(),
                Some(&pid),
                audit::Action::PanelCreated,
                &serde_json::json!({"session": s.id, "code": s.code, "audience": s.audience, "kiosk": s.kiosk}),
            )?;
            Ok(s)
        })
        .await?;
    Ok(see_other(format!("/staff/panels/{}", s.id)))
}

/// A session the signed-in person may run or watch, with its wave.
pub(super) async fn owned_session(
    state: &AppState,
    who: &SignedIn,
    id: &str,
) -> Result<(SessionRow, OwnedWave), AppError> {
    if id.len() != 36 || !id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
        return Err(not_found());
    }
    let owned = id.to_owned();
    let s = state.db.run(move |c| panel::find(c, &owned).map_err(AppError::from)).await?.ok_or_else(not_found)?;
    let sc = s.clone();
    let slug = state.db.run(move |c| panel::wave_slug(c, &sc).map_err(AppError::from)).await?;
    let w = owned_wave(state, who, &slug).await?;
    Ok((s, w))
}

#[derive(Serialize)]
pub(super) struct OptionCount {
    label: String,
    count: i64,
    percent: i64,
}

#[derive(Serialize)]
pub(super) struct QuestionTally {
    title: String,
    answered: i64,
    shown: bool,
    waiting: String,
    options: Vec<OptionCount>,
}

#[derive(Serialize)]
pub(super) struct Revealed {
    question: String,
    text: String,
}

#[derive(Serialize)]
pub(super) struct TallyBody {
    respondents: i64,
    /// Why numbers wait, said once for the whole tally.
    note: String,
    questions: Vec<QuestionTally>,
    revealed: Vec<Revealed>,
}

pub(super) fn title_of(w: &OwnedWave, audience: &str, key: &str) -> String {
    w.def.question(key).and_then(|q| q.wording(audience)).map(|t| t.title.clone()).unwrap_or_else(|| key.to_owned())
}

/// The tally's numbers, and (for `with_texts`: roles that may read written answers) the
/// answers a facilitator has put on the projector, redacted.
pub(super) async fn tally_body(
    state: &AppState,
    s: &SessionRow,
    w: &OwnedWave,
    with_texts: bool,
) -> Result<TallyBody, AppError> {
    let id = s.id.clone();
    let (counts, texts) = state
        .db
        .run(move |c| -> Result<_, AppError> {
            let texts = if with_texts { panel::consented_texts(c, &id)? } else { vec![] };
            Ok((panel::tally(c, &id)?, texts))
        })
        .await?;
    let questions = w
        .def
        .questions_for(&s.audience)
        .filter(|q| q.kind.has_options())
        .map(|q| {
            let answered = counts.answered.get(q.key.as_str()).copied().unwrap_or(0);
            let shown = answered >= TALLY_MINIMUM;
            QuestionTally {
                title: q.wording(&s.audience).map(|t| t.title.clone()).unwrap_or_else(|| q.key.to_string()),
                answered,
                shown,
                // Not how many so far: below the minimum, a count per question could tell
                // who skipped it.
                waiting: format!("Waiting for {TALLY_MINIMUM} answers to this question."),
                options: if shown {
                    q.options
                        .iter()
                        .map(|o| {
                            let count = counts.counts.get(&(q.key.to_string(), o.value.clone())).copied().unwrap_or(0);
                            OptionCount {
                                label: o.label(&s.audience).to_owned(),
                                count,
                                percent: (count * 100 + answered / 2) / answered.max(1),
                            }
                        })
                        .collect()
                } else {
                    vec![]
                },
            }
        })
        .collect();
    Ok(TallyBody {
        note: format!(
            "Numbers appear when {TALLY_MINIMUM} people have answered a question, then change {} people at a time, so nobody's answer can be picked out.",
            panel::TALLY_STEP
        ),
        respondents: counts.respondents,
        questions,
        revealed: texts
            .into_iter()
            .filter(|t| t.revealed)
            .map(|t| Revealed { question: title_of(w, &s.audience, &t.question_key), text: t.text })
            .collect(),
    })
}

#[derive(Serialize)]
pub(super) struct TextItem {
    response_id: String,
    key: String,
    question: String,
    text: String,
    revealed: bool,
}

#[derive(Serialize)]
pub(super) struct SessionView {
    page: PageMeta,
    id: String,
    title: String,
    code: String,
    link: String,
    qr: String,
    audience: String,
    when: String,
    open: bool,
    kiosk: bool,
    member_codes: bool,
    idle: i32,
    csrf: String,
    can_run: bool,
    texts: Vec<TextItem>,
    tally: TallyBody,
}

pub(super) async fn session_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&[Role::Admin, Role::Analyst, Role::Viewer, Role::Facilitator])?;
    let (s, w) = owned_session(&state, &who, &path).await?;
    // Written answers are for the people who run sessions (viewers may not read written
    // answers), and only in their redacted form.
    let can_run = who.require(&RUNNERS).is_ok();
    let id = s.id.clone();
    let texts = if can_run {
        state.db.run(move |c| panel::consented_texts(c, &id).map_err(AppError::from)).await?
    } else {
        vec![]
    };
    let link = join_url(&state, &s.code);
    let view = SessionView {
        page: who
            .page(&req, &state, format!("Panel session: {}", s.title))
            .back(format!("/staff/waves/{}/panels", w.row.slug)),
        id: s.id.clone(),
        title: s.title.clone(),
        code: s.join_code(),
        qr: qr_svg(&link),
        link,
        audience: w.def.audience(&s.audience).map(|a| a.name.clone()).unwrap_or(s.audience.clone()),
        when: format!("{} to {} UTC", s.opens_at.format("%-d %b %Y %H:%M"), s.closes_at.format("%H:%M")),
        open: s.is_open(crate::db::now()),
        kiosk: s.kiosk,
        member_codes: s.member_codes,
        idle: s.idle_minutes,
        csrf: csrf(&state, &req),
        can_run,
        texts: texts
            .into_iter()
            .map(|t| TextItem {
                question: title_of(&w, &s.audience, &t.question_key),
                response_id: t.response_id.into_string(),
                key: t.question_key,
                text: t.text,
                revealed: t.revealed,
            })
            .collect(),
        tally: tally_body(&state, &s, &w, can_run).await?,
    };
    render(&state, StatusCode::OK, "staff/panel", &view)
}

#[derive(serde::Deserialize)]
pub(super) struct TallyQuery {
    fragment: Option<String>,
}

#[derive(Serialize)]
pub(super) struct TallyView {
    page: PageMeta,
    id: String,
    title: String,
    code: String,
    link: String,
    join_address: String,
    present: String,
    qr: String,
    events: String,
    tally: TallyBody,
}

/// Where people type the join code: the public address's `/join`.
fn join_address(state: &AppState) -> String {
    format!("{}/join", state.settings.public_url.trim_end_matches('/'))
}

/// `GET /staff/panels/{id}/tally`: the projector. With scripts on it updates itself from
/// `/events`; without, it refreshes every 15 seconds. `?fragment=1` gives just the tally.
pub(super) async fn tally_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<TallyQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&[Role::Admin, Role::Analyst, Role::Viewer, Role::Facilitator])?;
    let (s, w) = owned_session(&state, &who, &path).await?;
    let tally = tally_body(&state, &s, &w, who.require(&RUNNERS).is_ok()).await?;
    if query.fragment.is_some() {
        #[derive(Serialize)]
        struct Fragment {
            tally: TallyBody,
        }
        return render(&state, StatusCode::OK, "staff/tally_body", &Fragment { tally });
    }
    let link = join_url(&state, &s.code);
    let mut page = who.page(&req, &state, format!("Live tally: {}", s.title)).back(format!("/staff/panels/{}", s.id));
    page.scripts.push(state.templates.script_url("tally"));
    page.noscript_refresh = Some(15);
    let view = TallyView {
        page,
        id: s.id.clone(),
        title: s.title.clone(),
        code: s.join_code(),
        qr: qr_svg(&link),
        link,
        join_address: join_address(&state),
        present: format!("/staff/panels/{}/present", s.id),
        events: format!("/staff/panels/{}/events", s.id),
        tally,
    };
    render(&state, StatusCode::OK, "staff/tally", &view)
}

#[derive(serde::Deserialize)]
pub(super) struct PresentQuery {
    /// Which question, from 1.
    q: Option<usize>,
    fragment: Option<String>,
}

/// One question of the presenter view, with the way to the others.
#[derive(Serialize)]
pub(super) struct PresentBody {
    respondents: i64,
    note: String,
    question: Option<QuestionTally>,
    position: usize,
    total: usize,
    previous: Option<String>,
    next: Option<String>,
    /// The answer most recently put on the screen, if any.
    revealed: Option<Revealed>,
}

#[derive(Serialize)]
pub(super) struct PresentView {
    page: PageMeta,
    title: String,
    code: String,
    join_address: String,
    link: String,
    qr: String,
    events: String,
    fragment: String,
    leave: String,
    body: PresentBody,
}

/// `GET /staff/panels/{id}/present?q=N`: the presenter view for a projector. Only what the
/// room needs: the address, the code, the QR code and one question's tally at a time, large;
/// no staff navigation, account or sign-out. Updates like the tally (events with scripts, a
/// refresh every 15 seconds without); `?fragment=1` gives just the question.
pub(super) async fn present_page(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<PresentQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&[Role::Admin, Role::Analyst, Role::Viewer, Role::Facilitator])?;
    let (s, w) = owned_session(&state, &who, &path).await?;
    let tally = tally_body(&state, &s, &w, who.require(&RUNNERS).is_ok()).await?;
    let total = tally.questions.len();
    let position = query.q.unwrap_or(1).clamp(1, total.max(1));
    let here = |n: usize| format!("/staff/panels/{}/present?q={n}", s.id);
    let body = PresentBody {
        respondents: tally.respondents,
        note: tally.note,
        question: tally.questions.into_iter().nth(position - 1),
        position,
        total,
        previous: (position > 1).then(|| here(position - 1)),
        next: (position < total).then(|| here(position + 1)),
        revealed: tally.revealed.into_iter().last(),
    };
    if query.fragment.is_some() {
        return render(&state, StatusCode::OK, "staff/present_body", &body);
    }
    let link = join_url(&state, &s.code);
    let mut page = PageMeta::new(format!("{} (presenter view)", s.title));
    page.staff_stylesheet = Some(state.templates.staff_stylesheet.url.clone());
    page.presenter = true;
    page.scripts.push(state.templates.script_url("tally"));
    page.noscript_refresh = Some(15);
    let view = PresentView {
        page,
        title: s.title.clone(),
        code: s.join_code(),
        join_address: join_address(&state),
        qr: qr_svg(&link),
        link,
        events: format!("/staff/panels/{}/events", s.id),
        fragment: format!("/staff/panels/{}/present?q={position}&fragment=1", s.id),
        leave: format!("/staff/panels/{}/tally", s.id),
        body,
    };
    render(&state, StatusCode::OK, "staff/present", &view)
}

/// `GET /staff/panels/{id}/events`: server-sent events. Sends `change` whenever the tally or
/// the revealed answers change, a comment every 20 seconds to keep the connection open, and
/// `end` when the session ends; stops when the person's sign-in ends and after 4 hours
/// (browsers reconnect by themselves). One poller per session serves every stream
/// ([`crate::live`]).
pub(super) async fn events(
    state: web::Data<AppState>,
    path: web::Path<String>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    struct Stream {
        rx: tokio::sync::watch::Receiver<Beat>,
        checked: std::time::Instant,
        first: bool,
        done: bool,
        slot: crate::live::Slot,
    }
    use crate::live::{Beat, LONGEST, RECHECK};
    who.require(&[Role::Admin, Role::Analyst, Role::Viewer, Role::Facilitator])?;
    let (s, _) = owned_session(&state, &who, &path).await?;
    let sign_in = crate::domain::codes::hash_token(&who.token);
    let slot = state.tally_streams.take_slot(&sign_in)?;
    let sid = s.id.clone();
    let read: crate::live::Fingerprint =
        std::sync::Arc::new(move |c| panel::fingerprint(c, &sid).map_err(AppError::from));
    let rx = state.tally_streams.subscribe(&state.db, &s.id, read)?;
    let (db, token) = (state.db.clone(), who.token.clone());
    let rules = account::SessionRules::from_settings(&state.settings);
    let start = std::time::Instant::now();
    let first = Stream { rx, checked: start, first: true, done: false, slot };
    let stream = futures_util::stream::unfold(first, move |mut st| {
        let (db, token) = (db.clone(), token.clone());
        async move {
            if st.done || start.elapsed() > LONGEST {
                return None;
            }
            if st.checked.elapsed() >= RECHECK {
                st.checked = std::time::Instant::now();
                let t = token.clone();
                let still = db.run(move |c| account::session(c, &t, &rules).map_err(AppError::from)).await;
                if !matches!(still, Ok(Some(_))) {
                    return None;
                }
            }
            let changed = if st.first && *st.rx.borrow() != Beat::Unknown {
                st.first = false;
                true
            } else {
                st.first = false;
                let stop = std::sync::Arc::clone(&st.slot.stop);
                let changed = std::pin::pin!(tokio::time::timeout(Duration::from_secs(20), st.rx.changed()));
                let stopped = std::pin::pin!(stop.notified());
                let woken = futures_util::future::select(changed, stopped).await;
                match woken {
                    futures_util::future::Either::Left((Ok(Ok(())), _)) => true,
                    // The poller stopped (the session ended or the poller was replaced).
                    futures_util::future::Either::Left((Ok(Err(_)), _)) => {
                        st.done = true;
                        true
                    }
                    futures_util::future::Either::Left((Err(_), _)) => false,
                    // A newer stream of this sign-in took this one's place.
                    futures_util::future::Either::Right(_) => return None,
                }
            };
            let beat = st.rx.borrow_and_update().clone();
            let chunk = match beat {
                Beat::Ended => {
                    st.done = true;
                    "event: end\ndata: ended\n\n".to_owned()
                }
                _ if st.done => "event: end\ndata: ended\n\n".to_owned(),
                Beat::Tally(f) if changed => format!("event: change\ndata: {f}\n\n"),
                _ => ": still here\n\n".to_owned(),
            };
            Some((Ok::<_, actix_web::Error>(web::Bytes::from(chunk)), st))
        }
    });
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/event-stream"))
        .insert_header((CACHE_CONTROL, "no-store"))
        .insert_header(("x-accel-buffering", "no"))
        .streaming(stream))
}

pub(super) async fn reveal(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let form = read_checked(&state, &req, body).await?;
    who.require(&RUNNERS)?;
    let (s, w) = owned_session(&state, &who, &path).await?;
    let (sid, rid, key, show) = (
        s.id.clone(),
        crate::db::ResponseId::parse(form.get("response").unwrap_or("")),
        form.get("question").unwrap_or("").to_owned(),
        form.get("show") == Some("1"),
    );
    let (staff, pid) = (who.staff.clone(), w.partnership_id.clone());
    let done = state
        .db
        .write(move |c| -> Result<bool, AppError> {
            // An answer named by something that is not a response id is not one to show.
            let Some(rid) = rid else { return Ok(false) };
            let done = panel::set_revealed(c, &sid, &rid, &key, show)?;
            if done {
                audit::record(
                    c,
                    &staff.actor(),
                    Some(&pid),
                    if show { audit::Action::PanelRevealed } else { audit::Action::PanelHidden },
                    &serde_json::json!({"session": sid, "question": key}),
                )?;
            }
            Ok(done)
        })
        .await?;
    if !done {
        return Err(AppError::NotFound(
            "That answer is not one this session can show: only answers whose writers agreed to share them can be shown."
                .into(),
        ));
    }
    Ok(see_other(format!("/staff/panels/{}#shared", s.id)))
}

pub(super) async fn end(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    read_checked(&state, &req, body).await?;
    who.require(&RUNNERS)?;
    let (s, w) = owned_session(&state, &who, &path).await?;
    let (sid, staff, pid) = (s.id.clone(), who.staff.clone(), w.partnership_id.clone());
    state
        .db
        .write(move |c| -> Result<(), AppError> {
            panel::end(c, &sid)?;
            audit::record(
                c,
                &staff.actor(),
                Some(&pid),
                audit::Action::PanelEnded,
                &serde_json::json!({"session": sid}),
            )?;
            Ok(())
        })
        .await?;
    Ok(see_other(format!("/staff/panels/{}", s.id)))
}
