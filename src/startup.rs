//! Start-up: open the database, run migrations, bind the listener first (so tests can ask for
//! port 0 and learn the real port), then build the app with every route, the shared state and
//! the middleware. `heard serve` and the tests use exactly this.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};

use crate::config::Settings;
use crate::db::{self, Db};
use crate::middleware;
use crate::security::FormTokens;
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
        spawn_housekeeping(
            db.clone(),
            settings.keep_free_text_days,
            settings.max_text_graphemes,
            crate::models::account::SessionRules::from_settings(&settings),
        );
        let metrics = crate::metrics::Metrics::new().map_err(|e| StartError::Other(format!("metrics: {e}")))?;
        let state = web::Data::new(AppState::new(settings, db, templates, forms, codes, metrics));
        let server = HttpServer::new(move || {
            // Innermost first: actix runs the last `.wrap` first (the order and why: `middleware`).
            App::new()
                .app_data(state.clone())
                .app_data(web::PayloadConfig::new(state.settings.max_body_bytes))
                .wrap(from_fn(middleware::panics::catch_panics))
                .wrap(from_fn(middleware::browser_key::give_browser_key))
                .wrap(from_fn(middleware::caches::forget_after_staff_changes))
                .wrap(from_fn(middleware::limits::limit_and_record))
                .wrap(from_fn(middleware::finish::last_touches))
                .wrap(from_fn(middleware::prefs::visitor_prefs))
                .wrap(middleware::headers::default_headers(state.settings.secure_cookies))
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
            if let Some(tcp) = conn.downcast_ref::<actix_web::rt::net::TcpStream>()
                && let Err(e) = tcp.set_nodelay(true)
            {
                // Only slower: the page still goes out.
                tracing::debug!(error = %e, "could not turn off Nagle's algorithm");
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

/// Hourly: forget drafts past their expiry (answers never sent are not kept for ever), staff
/// sessions and sign-in steps past their time-outs, and
/// follow-up addresses that waited over a year. Daily: the retention job
/// ([`crate::models::retention`]).
/// Must be called inside the actix system, as `with_listener` is.
fn spawn_housekeeping(
    db: Db,
    keep_free_text_days: i64,
    max_graphemes: usize,
    rules: crate::models::account::SessionRules,
) {
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
            match db.run(move |c| crate::models::sessions::purge_ended(c, &rules)).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(sessions = n, "deleted ended staff sessions"),
                Err(e) => tracing::warn!(error = %e, "could not delete ended staff sessions"),
            }
            if let Err(e) = db.run(crate::models::two_factor::purge_steps).await {
                tracing::warn!(error = %e, "could not delete old sign-in steps");
            }
            match db.run(crate::models::updates::purge_old).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(addresses = n, "deleted follow-up addresses past their time"),
                Err(e) => tracing::warn!(error = %e, "could not delete old follow-up addresses"),
            }
        }
    });
}

async fn not_found() -> Result<actix_web::HttpResponse, crate::error::AppError> {
    Err(crate::error::AppError::NotFound(crate::error::Words::key("error_no_page")))
}
