//! Start-up: open the database, run migrations, bind the listener first (so tests can ask for
//! port 0 and learn the real port), then build the app with every route, the shared state and
//! the middleware. `heard serve` and the tests use exactly this.

use std::net::TcpListener;

use actix_web::dev::{Server, Service};
use actix_web::{App, HttpMessage, HttpServer, web};
use futures_util::FutureExt;

use crate::config::Settings;
use crate::db::{self, Db};
use crate::security::{self, BrowserKey, FormTokens};
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Db(#[from] db::DbError),
    #[error(transparent)]
    Store(#[from] crate::models::StoreError),
    #[error("could not listen on {bind}: {source}")]
    Bind { bind: String, source: std::io::Error },
    #[error("{0}")]
    Other(String),
}

/// A built, bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
}

/// Opens the pool and brings the schema up to date.
pub fn open_database(settings: &Settings) -> Result<Db, StartError> {
    let url = settings.database()?;
    // On SQLite each HTTP worker also reads in place (`Db::read`): it gets a connection of its
    // own beyond those the blocking threads can hold, so long staff work never leaves a
    // worker waiting for one.
    let size = match url.backend {
        db::Backend::Sqlite => settings.pool_size + u32::try_from(settings.workers).unwrap_or(2),
        db::Backend::Postgres => settings.pool_size,
    };
    let pool = db::build_pool(&url, size)?;
    let mut conn = pool.get().map_err(db::DbError::from)?;
    conn.run_migrations()?;
    Ok(Db::new(pool, url.backend))
}

/// The key resume and receipt codes are hashed with ([`crate::domain::codes::CodeKey`]), kept
/// outside the database so a copy of the database alone cannot be used to test guesses:
/// - `HEARD_CODE_KEY` (`code_key`) when set: use this with PostgreSQL and several instances;
/// - else, for an SQLite file, the key file beside it (`heard.db.key`), made on first start
///   and readable by its owner only (back it up with the database: without it, codes already
///   handed out stop working);
/// - else the database's own instance secret, with a warning in the log.
pub fn code_key(settings: &Settings, conn: &mut db::DbConnection) -> Result<crate::domain::codes::CodeKey, StartError> {
    use crate::domain::codes::CodeKey;
    let bad = |what: &str| StartError::Other(format!("the code key {what}"));
    if let Some(secret) = settings.code_key.as_ref() {
        return CodeKey::new(secret.expose().as_bytes())
            .ok_or_else(|| bad("(HEARD_CODE_KEY) must be at least 16 characters; 32 random ones are best"));
    }
    let url = db::DatabaseUrl::parse(settings.database_url.expose())?;
    if url.backend == db::Backend::Sqlite && !url.target.contains(":memory:") && !url.target.contains("mode=memory") {
        let path = format!("{}.key", url.target.split('?').next().unwrap_or(&url.target));
        let key = match std::fs::read_to_string(&path) {
            Ok(text) => text.trim().to_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let fresh = crate::domain::codes::random_token();
                write_private(&path, &fresh).map_err(|e| bad(&format!("file {path} could not be written: {e}")))?;
                tracing::info!(path = %path, "made the key for resume and receipt codes; back it up with the database");
                fresh
            }
            Err(e) => return Err(bad(&format!("file {path} could not be read: {e}"))),
        };
        return CodeKey::new(key.as_bytes()).ok_or_else(|| bad(&format!("file {path} holds too short a key")));
    }
    tracing::warn!(
        "HEARD_CODE_KEY is not set: resume and receipt codes are hashed with a key kept in the database itself. Set HEARD_CODE_KEY (32 random characters, the same on every instance) so a copy of the database alone cannot be used to test codes."
    );
    let secret = crate::models::settings::instance_secret(conn)?;
    CodeKey::new(format!("codes:{secret}").as_bytes()).ok_or_else(|| bad("could not be made"))
}

/// Writes a new file readable and writable by its owner only.
fn write_private(path: &str, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

impl Application {
    /// The whole service, as `heard serve` runs it: the web app and the outbox worker.
    pub fn build(settings: Settings) -> Result<Self, StartError> {
        let db = open_database(&settings)?;
        let transport =
            crate::email::Transport::from_settings(&settings).map_err(|e| StartError::Other(e.to_string()))?;
        tracing::info!(mail = %transport.describe(), "outbox worker started");
        crate::email::outbox::spawn_worker(db.clone(), transport, settings.mail_from.clone(), settings.mail_per_minute);
        let listener = TcpListener::bind(&settings.bind)
            .map_err(|source| StartError::Bind { bind: settings.bind.clone(), source })?;
        Self::with_listener(settings, db, listener)
    }

    pub fn with_listener(settings: Settings, db: Db, listener: TcpListener) -> Result<Self, StartError> {
        let port = listener.local_addr().map_err(|e| StartError::Other(e.to_string()))?.port();
        let templates = crate::templates::global().map_err(|e| StartError::Other(e.to_string()))?;
        let (secret, codes) = {
            let mut conn = db.pool().get().map_err(db::DbError::from)?;
            (crate::models::settings::instance_secret(&mut conn)?, code_key(&settings, &mut conn)?)
        };
        let forms = FormTokens::new(&secret).map_err(StartError::Other)?;
        let workers = settings.workers;
        let shutdown_seconds = settings.shutdown_seconds;
        // Per worker; the connection pool is shared by all workers.
        let blocking_threads = (settings.pool_size as usize).div_ceil(workers.max(1)).max(2);
        spawn_housekeeping(db.clone(), settings.keep_free_text_days, settings.max_text_graphemes);
        let state = web::Data::new(AppState::new(settings, db, templates, forms, codes));
        let server = HttpServer::new(move || {
            let secure = state.settings.secure_cookies;
            let kiosk_forms = state.forms.clone();
            App::new()
                .app_data(state.clone())
                .app_data(web::PayloadConfig::new(state.settings.max_body_bytes))
                .wrap_fn(catch_panics)
                .wrap_fn(move |req, srv| {
                    // The visitor's display settings and language, for every page this request
                    // renders; and a shared tablet's kiosk mode, which keeps it to its survey.
                    let kiosk = req
                        .cookie(crate::prefs::KIOSK_COOKIE)
                        .and_then(|c| kiosk_forms.verify("kiosk", c.value()))
                        .and_then(|p| crate::prefs::Kiosk::from_payload(&p))
                        .filter(|k| k.until > chrono::Utc::now().timestamp());
                    if let Some(k) = kiosk.as_ref().filter(|k| !k.allows(req.path())) {
                        let to = k.start();
                        let res = req.into_response(
                            actix_web::HttpResponse::SeeOther()
                                .insert_header((actix_web::http::header::LOCATION, to))
                                .finish(),
                        );
                        return futures_util::future::Either::Left(std::future::ready(Ok(res)));
                    }
                    let prefs = crate::prefs::Prefs {
                        display: req
                            .cookie(crate::prefs::DISPLAY_COOKIE)
                            .map(|c| crate::prefs::Display::from_cookie(c.value()))
                            .unwrap_or_default(),
                        lang: req
                            .cookie(crate::prefs::LANG_COOKIE)
                            .map(|c| c.value().to_owned())
                            .filter(|l| crate::i18n::supported(l)),
                        here: crate::prefs::safe_back(req.uri().path_and_query().map(|p| p.as_str())),
                        kiosk,
                    };
                    let call = srv.call(req);
                    futures_util::future::Either::Right(Box::pin(async move {
                        crate::prefs::scope(prefs, call).await.map(|r| r.map_into_boxed_body())
                    }))
                })
                .wrap_fn(move |req, srv| {
                    // Give every browser a form-token key (see `security`).
                    let existing =
                        req.cookie(security::CSRF_COOKIE).map(|c| c.value().to_owned()).filter(|v| v.len() <= 100);
                    let key = match existing {
                        Some(value) => BrowserKey { value, is_new: false },
                        None => BrowserKey { value: crate::domain::codes::random_token(), is_new: true },
                    };
                    req.extensions_mut().insert(key.clone());
                    srv.call(req).map(move |res| {
                        res.map(|mut res| {
                            if key.is_new {
                                let _ = res.response_mut().add_cookie(&security::csrf_cookie(&key.value, secure));
                            }
                            res
                        })
                    })
                })
                .wrap_fn({
                    let state = state.clone();
                    move |req, srv| {
                        // A staff change (closing a wave, adding a recording) is seen at once by
                        // this instance's respondents: the short-lived caches are dropped.
                        let changes =
                            req.path().starts_with("/staff") && !matches!(req.method().as_str(), "GET" | "HEAD");
                        let state = state.clone();
                        srv.call(req).map(move |res| {
                            if changes {
                                state.forget_cached();
                            }
                            res
                        })
                    }
                })
                .wrap(security::default_headers(secure))
                .wrap_fn({
                    let state = state.clone();
                    move |req, srv| {
                        // Rate limits before anything else runs, then metrics and the access
                        // log for every answer, refusals included. (Only the last touches, error
                        // pages and compression, sit outside this.)
                        let started = std::time::Instant::now();
                        let method = req.method().as_str().to_owned();
                        let limit = crate::ratelimit::Limiter::classify(&method, req.path());
                        let client = crate::ratelimit::client_address(
                            req.peer_addr().map(|a| a.ip()),
                            req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok()),
                            state.settings.trust_proxy,
                        );
                        let refused = match (limit, client) {
                            (Some(l), Some(ip)) => state.limiter.check(l, ip).err().map(|r| (l, r)),
                            _ => None,
                        };
                        let state = state.clone();
                        let call = match refused {
                            Some((l, r)) => {
                                let counter = match l {
                                    crate::ratelimit::Limit::SignIn => &state.metrics.limited_sign_in,
                                    crate::ratelimit::Limit::PublicPost => &state.metrics.limited_public,
                                };
                                counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                let message = match l {
                                    crate::ratelimit::Limit::SignIn => crate::error::Words::English(format!(
                                        "There have been too many sign-in attempts from this connection. Please wait {} seconds and try again.",
                                        r.retry_after
                                    )),
                                    crate::ratelimit::Limit::PublicPost => crate::error::Words::key_with(
                                        "error_too_many_posts",
                                        [r.retry_after.to_string()],
                                    ),
                                };
                                let e = crate::error::AppError::TooManyRequests { message, retry_after: r.retry_after };
                                futures_util::future::Either::Left(std::future::ready(Ok(req.error_response(e))))
                            }
                            None => futures_util::future::Either::Right(srv.call(req)),
                        };
                        call.map(move |res: Result<actix_web::dev::ServiceResponse, actix_web::Error>| {
                            if let Ok(r) = &res {
                                let took = started.elapsed();
                                let route = r.request().match_pattern().unwrap_or_else(|| "(unmatched)".to_owned());
                                let status = r.status().as_u16();
                                state.metrics.observe(&method, &route, status, took);
                                let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
                                if status >= 500 {
                                    tracing::error!(target: "heard::access", %method, %route, status, micros, "request");
                                } else if status >= 400 {
                                    tracing::info!(target: "heard::access", %method, %route, status, micros, "request");
                                } else {
                                    tracing::debug!(target: "heard::access", %method, %route, status, micros, "request");
                                }
                            }
                            res
                        })
                    }
                })
                .wrap_fn(|req, srv| {
                    // Last touches to every answer. Each refusal is a page that says what
                    // happened (actix's own answers to a method a route does not take, a path or
                    // query it cannot read, a request that took too long, come as empty or
                    // technical bodies); then compression in place on this worker.
                    let coding = req
                        .headers()
                        .get(actix_web::http::header::ACCEPT_ENCODING)
                        .and_then(|v| v.to_str().ok())
                        .and_then(crate::compression::negotiate);
                    srv.call(req).map(move |res| {
                        res.map(|res| {
                            let (req, res) = res.map_into_boxed_body().into_parts();
                            let res = crate::error::explain_bare_refusal(res);
                            actix_web::dev::ServiceResponse::new(req, crate::compression::apply(coding, res))
                        })
                    })
                })
                .configure(crate::routes::configure)
                .default_service(web::to(not_found))
        })
        .workers(workers)
        // Blocking database work waits for a pooled connection anyway: more threads than
        // connections only cost memory (each keeps its allocator heap) and context switches.
        // Measured at 256 respondents on PostgreSQL: 542 MiB with actix's default of 256
        // threads per worker.
        .worker_max_blocking_threads(blocking_threads)
        .shutdown_timeout(shutdown_seconds)
        // Pages go out in one write; without this, Nagle's algorithm and the client's delayed
        // ACK held the last segment of a response back for 40 ms.
        .on_connect(|conn, _ext| {
            if let Some(tcp) = conn.downcast_ref::<actix_web::rt::net::TcpStream>() {
                let _ = tcp.set_nodelay(true);
            }
        })
        .listen(listener)
        .map_err(|e| StartError::Other(e.to_string()))?
        .run();
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until stopped (SIGINT/SIGTERM stop it gracefully, finishing requests in flight).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }

    pub fn into_server(self) -> Server {
        self.server
    }
}

/// Hourly: forget drafts past their expiry (answers never sent are not kept for ever) and
/// follow-up addresses that waited over a year. Daily: the retention job
/// ([`crate::models::retention`]).
/// Must be called inside the actix system, as `with_listener` is.
fn spawn_housekeeping(db: Db, keep_free_text_days: i64, max_graphemes: usize) {
    actix_web::rt::spawn(async move {
        // First run a minute after start-up (not at once, so start-up stays quick and
        // predictable), then hourly.
        let hour = std::time::Duration::from_secs(3600);
        let first = actix_web::rt::time::Instant::now() + std::time::Duration::from_secs(60);
        let mut every_hour = actix_web::rt::time::interval_at(first, hour);
        let mut retention_due = first;
        loop {
            every_hour.tick().await;
            if actix_web::rt::time::Instant::now() >= retention_due {
                // Daily: free text past each wave's retention period goes (counts stay).
                retention_due += hour * 24;
                match db.run(move |c| crate::models::retention::run(c, keep_free_text_days, max_graphemes)).await {
                    Ok(done) => {
                        for d in done.iter().filter(|d| d.answers_deleted + d.texts_cleared + d.quotes_deleted > 0) {
                            tracing::info!(wave = %d.wave, answers = d.answers_deleted, texts = d.texts_cleared, quotes = d.quotes_deleted, "retention: deleted free text");
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "retention job failed"),
                }
            }
            let purged = db.run(crate::models::draft::purge_expired).await;
            match purged {
                Ok(0) => {}
                Ok(n) => tracing::info!(drafts = n, "purged expired drafts"),
                Err(e) => tracing::warn!(error = %e, "could not purge expired drafts"),
            }
            match db.run(crate::models::updates::purge_old).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(addresses = n, "deleted follow-up addresses past their time"),
                Err(e) => tracing::warn!(error = %e, "could not delete old follow-up addresses"),
            }
        }
    });
}

/// Innermost middleware: a handler that panics answers 500 with the kind error page (its
/// cause logged) instead of dropping the connection and its worker thread.
pub fn catch_panics<S>(
    req: actix_web::dev::ServiceRequest,
    srv: &S,
) -> impl std::future::Future<Output = Result<actix_web::dev::ServiceResponse, actix_web::Error>> + use<S>
where
    S: Service<actix_web::dev::ServiceRequest, Response = actix_web::dev::ServiceResponse, Error = actix_web::Error>,
{
    use std::panic::AssertUnwindSafe;
    let path = loggable_path(req.path());
    let fallback = move |cause: Box<dyn std::any::Any + Send>| {
        let what = cause
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| cause.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".into());
        // As an error, which actix answers with its page (the request itself went to the
        // handler, so there is none left to build a response on).
        Err(crate::error::AppError::internal(format!("handler for {path} panicked: {what}")).into())
    };
    match std::panic::catch_unwind(AssertUnwindSafe(|| srv.call(req))) {
        Ok(call) => futures_util::future::Either::Left(
            AssertUnwindSafe(call).catch_unwind().map(move |r| r.unwrap_or_else(fallback)),
        ),
        Err(cause) => futures_util::future::Either::Right(std::future::ready(fallback(cause))),
    }
}

/// A request path fit for the log: the secret part of a link (an invitation, an unsubscribe
/// link, a staff link, a "you said, we did" confirmation) is replaced by `…`.
pub fn loggable_path(path: &str) -> String {
    for secret in ["/i/", "/u/", "/staff/reset/", "/updates/confirm/"] {
        if let Some(rest) = path.strip_prefix(secret) {
            let tail = rest.find('/').map(|i| &rest[i..]).unwrap_or("");
            return format!("{secret}…{tail}");
        }
    }
    path.to_owned()
}

async fn not_found() -> Result<actix_web::HttpResponse, crate::error::AppError> {
    Err(crate::error::AppError::NotFound(crate::error::Words::key("error_no_page")))
}

#[cfg(test)]
mod tests {
    #[::core::prelude::v1::test]
    fn secret_links_never_reach_the_log() {
        assert_eq!(super::loggable_path("/i/AbCdEf123"), "/i/…");
        assert_eq!(super::loggable_path("/u/AbCdEf123/again"), "/u/…/again");
        assert_eq!(super::loggable_path("/staff/reset/tok"), "/staff/reset/…");
        assert_eq!(super::loggable_path("/updates/confirm/tok"), "/updates/confirm/…");
        assert_eq!(super::loggable_path("/s/wave/q/key"), "/s/wave/q/key");
    }

    use actix_web::{App, HttpResponse, test, web};

    async fn boom() -> HttpResponse {
        let empty: Vec<u8> = Vec::new();
        // Indexing out of bounds: a bug, as a handler might have one.
        HttpResponse::Ok().body(format!("{}", empty[usize::from(empty.is_empty())]))
    }

    #[actix_web::test]
    async fn a_panicking_handler_answers_500_and_the_next_request_is_served() {
        let app = test::init_service(
            App::new()
                .wrap_fn(super::catch_panics)
                .route("/boom", web::get().to(boom))
                .route("/fine", web::get().to(|| async { HttpResponse::Ok().body("fine") })),
        )
        .await;
        // The server answers an error with its response: the kind 500 page.
        let err = match test::try_call_service(&app, test::TestRequest::get().uri("/boom").to_request()).await {
            Err(e) => e,
            Ok(res) => panic!("a panic was answered {}", res.status()),
        };
        let res = err.error_response();
        assert_eq!(res.status().as_u16(), 500);
        let body = actix_web::body::to_bytes(res.into_body()).await.unwrap_or_default();
        assert!(String::from_utf8_lossy(&body).contains("Please wait a minute and try again"));
        let res = test::call_service(&app, test::TestRequest::get().uri("/fine").to_request()).await;
        assert_eq!(res.status().as_u16(), 200);
    }
}
