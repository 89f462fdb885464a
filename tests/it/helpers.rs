//! Test helpers: throwaway databases (a temp SQLite file, or a fresh database in a PostgreSQL
//! cluster this process starts and a watchdog tears down), a real Heard server per test, and a
//! small "browser" that keeps cookies, reads forms and submits them like a person would.

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use heard::config::Settings;
use heard::db::{self, Backend, DatabaseUrl, DbConnection};
use reqwest::blocking::Client;
use scraper::{Html, Selector};

/// Declares one test body that runs on both databases: `both!(name);` makes
/// `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[test]
            fn sqlite() {
                super::$name(heard::db::Backend::Sqlite)
            }
            #[test]
            fn postgres() {
                if let Some(()) = $crate::helpers::postgres_available() {
                    super::$name(heard::db::Backend::Postgres)
                }
            }
        }
    };
}

const PG_BIN_DEFAULT: &str = "/usr/lib/postgresql/15/bin";

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

/// Runs a PostgreSQL tool, as the `postgres` user when we are root (PostgreSQL refuses root).
fn pg_command(tool: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(tool);
        c
    } else {
        Command::new(tool)
    }
}

/// A port nobody listens on now (for a server that must know its own address first).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(54329)
}

/// A PostgreSQL cluster for this test process.
pub struct PgCluster {
    port: u16,
}

static CLUSTER: OnceLock<Result<PgCluster, String>> = OnceLock::new();

fn start_cluster() -> Result<PgCluster, String> {
    let bin = PathBuf::from(std::env::var("HEARD_PG_BIN").unwrap_or_else(|_| PG_BIN_DEFAULT.into()));
    let initdb = bin.join("initdb");
    let pg_ctl = bin.join("pg_ctl");
    if !initdb.exists() || !pg_ctl.exists() {
        return Err(format!(
            "PostgreSQL binaries not found in {} (set HEARD_PG_BIN, or apt-get install postgresql)",
            bin.display()
        ));
    }
    let dir = std::env::temp_dir().join(format!("heard-test-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    if is_root() {
        let ok =
            Command::new("chown").args(["-R", "postgres:postgres"]).arg(&dir).status().map_err(|e| e.to_string())?;
        if !ok.success() {
            return Err("could not chown the cluster folder to postgres".into());
        }
    }
    let data = dir.join("data");
    let out = pg_command(&initdb)
        .arg("-D")
        .arg(&data)
        .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync", "--locale=C"])
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("initdb failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let port = free_port();
    let opts = format!("-p {port} -k {} -h 127.0.0.1 -F -c max_connections=300 -c shared_buffers=64MB", dir.display());
    let out = pg_command(&pg_ctl)
        .arg("-D")
        .arg(&data)
        .args(["-o", &opts, "-l"])
        .arg(dir.join("log"))
        .args(["-w", "-t", "60", "start"])
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
        return Err(format!("pg_ctl start failed: {}\n{log}", String::from_utf8_lossy(&out.stderr)));
    }
    // Tear the cluster down when this test process ends, however it ends.
    let stop = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {runas}{pg_ctl} -D {data} -m immediate stop >/dev/null 2>&1; rm -rf {dir}",
        pid = std::process::id(),
        runas = if is_root() { "runuser -u postgres -- " } else { "" },
        pg_ctl = pg_ctl.display(),
        data = data.display(),
        dir = dir.display(),
    );
    Command::new("sh").args(["-c", &stop]).stdin(std::process::Stdio::null()).spawn().map_err(|e| e.to_string())?;
    Ok(PgCluster { port })
}

/// `Some(())` when PostgreSQL tests can run. Under CI (`CI=true`) a missing PostgreSQL fails
/// the test loudly; elsewhere the test says it was skipped.
pub fn postgres_available() -> Option<()> {
    match CLUSTER.get_or_init(start_cluster) {
        Ok(_) => Some(()),
        Err(e) => {
            if std::env::var("CI").map(|v| v == "true" || v == "1").unwrap_or(false) {
                panic!("PostgreSQL is required in CI but could not be started: {e}");
            }
            eprintln!("SKIPPED (no PostgreSQL here): {e}");
            None
        }
    }
}

/// A fresh, empty database of the given kind.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("heard.db").display());
                TestDb { url, _dir: Some(dir) }
            }
            Backend::Postgres => {
                let cluster = CLUSTER.get_or_init(start_cluster).as_ref().expect("PostgreSQL cluster");
                let name = format!("heard_{}", uuid::Uuid::new_v4().simple());
                let admin = format!("postgres://postgres@127.0.0.1:{}/postgres", cluster.port);
                let mut conn = db::establish(&DatabaseUrl::parse(&admin).expect("url")).expect("connect to cluster");
                diesel::connection::SimpleConnection::batch_execute(&mut conn, &format!("CREATE DATABASE {name}"))
                    .expect("create database");
                TestDb { url: format!("postgres://postgres@127.0.0.1:{}/{name}", cluster.port), _dir: None }
            }
        }
    }

    pub fn connect(&self) -> DbConnection {
        db::establish(&DatabaseUrl::parse(&self.url).expect("url")).expect("connect")
    }
}

/// A running Heard server with the demo frameworks and surveys (no synthetic responses).
pub struct TestApp {
    pub address: String,
    pub db: TestDb,
    pub settings: Settings,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Sends the stop command at once; the server thread ends by itself.
        drop(self.handle.stop(false));
    }
}

pub fn settings_for(db: &TestDb) -> Settings {
    let mut env = HashMap::new();
    env.insert("DATABASE_URL".to_owned(), db.url.clone());
    env.insert("HEARD_BIND".to_owned(), "127.0.0.1:0".to_owned());
    env.insert("HEARD_WORKERS".to_owned(), "2".to_owned());
    env.insert("HEARD_POOL_SIZE".to_owned(), "4".to_owned());
    // Tests sign in and post far faster than people from one address; the rate-limit test
    // turns the limits back on.
    env.insert("HEARD_SIGN_IN_PER_MINUTE".to_owned(), "0".to_owned());
    env.insert("HEARD_PUBLIC_POSTS_PER_MINUTE".to_owned(), "0".to_owned());
    // Most tests sign admins in with a password alone; the two-factor tests (identity.rs)
    // turn the requirement back on, as every real deployment has it.
    env.insert("HEARD_TWO_FACTOR".to_owned(), "optional".to_owned());
    Settings::from_sources(None, &env).expect("settings")
}

pub fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {})
}

pub fn spawn_app_with(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let db = TestDb::new(backend);
    let mut settings = settings_for(&db);
    tweak(&mut settings);
    {
        let mut conn = db.connect();
        conn.run_migrations().expect("migrations");
        heard::demo::load(&mut conn, settings.max_text_graphemes, false).expect("demo");
    }
    let (port, handle) = start_server(settings.clone());
    TestApp { address: format!("http://127.0.0.1:{port}"), db, settings, handle }
}

/// Starts a Heard server with these settings in its own thread, on the settings' address
/// (a random port unless a test chose one).
pub fn start_server(settings: Settings) -> (u16, actix_web::dev::ServerHandle) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let system = actix_web::rt::System::new();
        system.block_on(async move {
            let listener = TcpListener::bind(&settings.bind).expect("bind");
            let database = heard::startup::open_database(&settings).expect("database");
            let app = heard::startup::Application::with_listener(settings, database, listener).expect("build");
            let port = app.port();
            let server = app.into_server();
            tx.send((port, server.handle())).expect("send port");
            let _ = server.await;
        });
    });
    rx.recv().expect("server started")
}

/// Another Heard instance on the same database (as behind a load balancer).
pub struct OtherInstance {
    pub address: String,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for OtherInstance {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

impl TestApp {
    pub fn second_instance(&self) -> OtherInstance {
        let mut settings = self.settings.clone();
        settings.bind = "127.0.0.1:0".into();
        let (port, handle) = start_server(settings);
        OtherInstance { address: format!("http://127.0.0.1:{port}"), handle }
    }

    pub fn browser(&self) -> Browser {
        Browser::new(&self.address)
    }

    /// Counts rows with raw SQL (the tests check storage directly).
    pub fn count(&self, sql: &str) -> i64 {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self.db.connect();
        let rows: Vec<N> = diesel::sql_query(sql).load(&mut conn).expect("count query");
        rows.first().map(|r| r.n).unwrap_or(0)
    }

    /// The first row's text column `s` of a query.
    pub fn count_str(&self, sql: &str) -> String {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct S {
            #[diesel(sql_type = diesel::sql_types::Text)]
            s: String,
        }
        let mut conn = self.db.connect();
        let rows: Vec<S> = diesel::sql_query(sql).load(&mut conn).expect("text query");
        rows.into_iter().next().map(|r| r.s).unwrap_or_default()
    }

    /// Every draft's stored answers, in id order, as one text (to check a refused request
    /// changed none of them).
    pub fn draft_answers(&self) -> String {
        use diesel::prelude::*;
        use heard::db::schema::drafts;
        let mut conn = self.db.connect();
        let all: Vec<String> =
            drafts::table.select(drafts::answers).order(drafts::id.asc()).load(&mut conn).expect("drafts");
        all.join("|")
    }

    pub fn responses(&self) -> i64 {
        self.count("SELECT COUNT(*) AS n FROM responses")
    }

    pub fn answers(&self) -> i64 {
        self.count("SELECT COUNT(*) AS n FROM answers")
    }
}

/// A fetched page.
pub struct Page {
    pub status: u16,
    pub url: String,
    pub html: String,
}

impl Page {
    pub fn doc(&self) -> Html {
        Html::parse_document(&self.html)
    }

    pub fn path(&self) -> String {
        self.url.splitn(4, '/').nth(3).map(|p| format!("/{p}")).unwrap_or_default()
    }

    pub fn text_of(&self, css: &str) -> Vec<String> {
        let sel = Selector::parse(css).expect("selector");
        self.doc().select(&sel).map(|e| e.text().collect::<String>().trim().to_owned()).collect()
    }

    /// The first POST form on the page: its action and hidden fields.
    pub fn form(&self) -> Form {
        self.find_form(|_| true).unwrap_or_else(|| panic!("no form on {}:\n{}", self.url, self.html))
    }

    /// The POST form whose action ends with `suffix`.
    pub fn form_ending(&self, suffix: &str) -> Form {
        self.find_form(|action| action.ends_with(suffix))
            .unwrap_or_else(|| panic!("no form ending {suffix} on {}", self.url))
    }

    fn find_form(&self, wanted: impl Fn(&str) -> bool) -> Option<Form> {
        let doc = self.doc();
        let form_sel = Selector::parse("form[method=post]").expect("selector");
        let hidden = Selector::parse("input[type=hidden]").expect("selector");
        let form = doc.select(&form_sel).find(|f| wanted(f.value().attr("action").unwrap_or("")))?;
        let action = form.value().attr("action").unwrap_or("").to_owned();
        let fields = form
            .select(&hidden)
            .map(|i| {
                (i.value().attr("name").unwrap_or("").to_owned(), i.value().attr("value").unwrap_or("").to_owned())
            })
            .collect();
        Some(Form { action, fields })
    }

    /// The values of the `answer` inputs (radios or checkboxes) on a question page.
    pub fn options(&self) -> Vec<String> {
        let sel =
            Selector::parse("input[name=answer][type=radio], input[name=answer][type=checkbox]").expect("selector");
        self.doc().select(&sel).filter_map(|i| i.value().attr("value").map(str::to_owned)).collect()
    }

    /// The values of attribute `attr` on every element matching `css`.
    pub fn attr_of(&self, css: &str, attr: &str) -> Vec<String> {
        let sel = Selector::parse(css).expect("selector");
        self.doc().select(&sel).filter_map(|e| e.value().attr(attr).map(str::to_owned)).collect()
    }

    pub fn has(&self, css: &str) -> bool {
        let sel = Selector::parse(css).expect("selector");
        self.doc().select(&sel).next().is_some()
    }
}

#[derive(Debug, Clone)]
pub struct Form {
    pub action: String,
    pub fields: Vec<(String, String)>,
}

impl Form {
    pub fn with(mut self, name: &str, value: &str) -> Self {
        self.fields.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn body(&self) -> String {
        self.fields
            .iter()
            .map(|(k, v)| format!("{}={}", urlencoding::encode(k), urlencoding::encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// A browser with scripts off: keeps cookies, follows redirects.
pub struct Browser {
    pub base: String,
    pub jar: Arc<reqwest::cookie::Jar>,
    client: Client,
    raw: Client,
}

impl Browser {
    pub fn new(base: &str) -> Self {
        Self::with_user_agent(base, "")
    }

    /// A browser that names itself with `ua` (none when empty), as a real one does.
    pub fn with_user_agent(base: &str, ua: &str) -> Self {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let builder = || {
            let b = Client::builder().cookie_provider(jar.clone());
            if ua.is_empty() { b } else { b.user_agent(ua.to_owned()) }
        };
        let client = builder().build().expect("client");
        let raw = builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        Self { base: base.to_owned(), jar, client, raw }
    }

    /// Another client on the same cookie jar (the same browser, another tab or a double tap).
    pub fn sharing(&self) -> Self {
        let client = Client::builder().cookie_provider(self.jar.clone()).build().expect("client");
        let raw = Client::builder()
            .cookie_provider(self.jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self { base: self.base.clone(), jar: self.jar.clone(), client, raw }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") { path.to_owned() } else { format!("{}{}", self.base, path) }
    }

    pub fn get(&self, path: &str) -> Page {
        let res = self.client.get(self.url(path)).send().expect("GET");
        page(res)
    }

    /// Submits a form (following redirects, as a browser does).
    pub fn submit(&self, form: &Form) -> Page {
        self.post_body(&form.action, form.body().into_bytes())
    }

    pub fn post_body(&self, path: &str, body: Vec<u8>) -> Page {
        let res = self
            .client
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .expect("POST");
        page(res)
    }

    /// Submits a form as `multipart/form-data` with files (`field`, file name, bytes), fields
    /// first in the page's order (the form token leads), following redirects.
    pub fn submit_files(&self, form: &Form, files: Vec<(&str, &str, Vec<u8>)>) -> Page {
        let mut m = reqwest::blocking::multipart::Form::new();
        for (k, v) in &form.fields {
            m = m.text(k.clone(), v.clone());
        }
        for (field, name, bytes) in files {
            m = m.part(field.to_owned(), reqwest::blocking::multipart::Part::bytes(bytes).file_name(name.to_owned()));
        }
        page(self.client.post(self.url(&form.action)).multipart(m).send().expect("POST"))
    }

    /// Submits without following redirects: the raw status and Location.
    pub fn submit_raw(&self, form: &Form) -> (u16, Option<String>) {
        let res = self
            .raw
            .post(self.url(&form.action))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.body())
            .send()
            .expect("POST");
        let loc = res.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
        (res.status().as_u16(), loc)
    }

    /// A staff form token, read from the workspace home (signed in).
    pub fn staff_token(&self) -> String {
        self.get("/staff").form().fields.into_iter().find(|(k, _)| k == "csrf").map(|(_, v)| v).expect("token")
    }

    /// Posts `fields` to a staff address with a fresh form token, following redirects.
    pub fn post_staff(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut body = format!("csrf={}", self.staff_token());
        for (k, v) in fields {
            body.push_str(&format!("&{}={}", urlencoding::encode(k), urlencoding::encode(v)));
        }
        self.post_body(path, body.into_bytes())
    }

    pub fn raw(&self) -> &Client {
        &self.raw
    }
}

fn page(res: reqwest::blocking::Response) -> Page {
    let status = res.status().as_u16();
    let url = res.url().to_string();
    let html = res.text().unwrap_or_default();
    Page { status, url, html }
}

/// Answers for a walk: by question key, the values to send (empty = skip).
pub type Plan = HashMap<&'static str, Vec<&'static str>>;

/// What a walk ended with.
pub struct Walk {
    pub receipt: String,
    pub visited: Vec<String>,
}

/// Walks a whole survey as `audience`, answering from `plan` (or a sensible default), giving
/// `consent`, and sending. Returns the receipt code.
pub fn complete(browser: &Browser, wave: &str, audience: &str, plan: &Plan, consent: &str) -> Walk {
    let start = browser.get(&format!("/s/{wave}/{audience}"));
    assert_eq!(start.status, 200, "start page: {}", start.html);
    let mut page = browser.submit(&start.form());
    let mut visited = Vec::new();
    for _ in 0..60 {
        assert!(page.status < 400, "{} answered {}:\n{}", page.url, page.status, page.html);
        let path = page.path();
        if let Some(key) = path.split("/q/").nth(1) {
            let key = key.split('?').next().unwrap_or("").to_owned();
            visited.push(key.clone());
            let mut form = page.form();
            if page.has("fieldset.grid-row") {
                // A grid's statements on one page: each answered from the plan, or its first answer.
                visited.pop();
                let mut names = page.attr_of("fieldset.grid-row input[type=radio]", "name");
                names.dedup();
                for name in names {
                    let statement = name.trim_start_matches("answer-").to_owned();
                    visited.push(statement.clone());
                    let first = page.attr_of(&format!("input[name='{name}']"), "value").into_iter().next();
                    let chosen =
                        plan.get(statement.as_str()).and_then(|v| v.first().map(|s| (*s).to_owned())).or(first);
                    if let Some(v) = chosen {
                        form = form.with(&name, &v);
                    }
                }
                page = browser.submit(&form.with("action", "continue"));
                continue;
            }
            let options = page.options();
            let values: Vec<String> = match plan.get(key.as_str()) {
                Some(v) => v.iter().map(|s| (*s).to_owned()).collect(),
                None if !options.is_empty() => vec![options[0].clone()],
                None if page.has("textarea") => vec!["Más tiempo, please 🙏🏽 — 谢谢".to_owned()],
                None if page.has("input.narrow") => vec!["12".to_owned()],
                None => vec!["Kind staff".to_owned()],
            };
            if values.is_empty() {
                form = form.with("action", "skip");
            } else {
                for v in &values {
                    form = form.with("answer", v);
                }
                form = form.with("action", "continue");
            }
            page = browser.submit(&form);
        } else if path.ends_with("/consent") {
            page = browser.submit(&page.form().with("answer", consent).with("action", "continue"));
        } else if path.ends_with("/check") {
            page = browser.submit(&page.form());
        } else if path.ends_with("/done") {
            // A shared tablet shows no receipt code: then this is empty.
            let receipt = page.text_of(".receipt").into_iter().next().unwrap_or_default();
            return Walk { receipt, visited };
        } else {
            panic!("unexpected page {}:\n{}", page.url, page.html);
        }
    }
    panic!("the walk did not end");
}

pub fn heard_bin() -> &'static str {
    env!("CARGO_BIN_EXE_heard")
}

/// The test PostgreSQL cluster's port (starting it if need be).
pub fn cluster_port() -> u16 {
    CLUSTER.get_or_init(start_cluster).as_ref().expect("PostgreSQL cluster").port
}

/// A file as a real office suite reads it: LibreOffice (headless) opens `bytes` (a `.docx`
/// or `.xlsx`) and converts it to `to` (`txt:Text` for Word, `csv` for Excel); the converted
/// text, or `None` when LibreOffice is not installed and this is not CI (CI must have it:
/// `tests/all.sh` installs it).
pub fn office_reads(bytes: &[u8], ext: &str, to: &str) -> Option<String> {
    let soffice = ["soffice", "libreoffice"]
        .into_iter()
        .find(|bin| Command::new(bin).arg("--version").output().is_ok_and(|o| o.status.success()));
    let Some(soffice) = soffice else {
        assert!(
            std::env::var("CI").is_err(),
            "LibreOffice is needed under CI=true (apt-get install libreoffice-writer-nogui libreoffice-calc-nogui)"
        );
        eprintln!("LibreOffice not installed: skipping the office read-back");
        return None;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join(format!("file.{ext}"));
    std::fs::write(&file, bytes).expect("write");
    let profile = format!("-env:UserInstallation=file://{}", dir.path().join("profile").display());
    let out = Command::new(soffice)
        .args([profile.as_str(), "--headless", "--norestore", "--convert-to", to, "--outdir"])
        .arg(dir.path().join("out"))
        .arg(&file)
        .output()
        .expect("run LibreOffice");
    assert!(out.status.success(), "LibreOffice failed: {}", String::from_utf8_lossy(&out.stderr));
    let converted = std::fs::read_dir(dir.path().join("out"))
        .expect("LibreOffice wrote nothing")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .next()
        .unwrap_or_else(|| {
            panic!("LibreOffice could not read the .{ext} file: {}", String::from_utf8_lossy(&out.stderr))
        });
    let bytes = std::fs::read(converted).expect("read converted");
    Some(String::from_utf8_lossy(&bytes).into_owned())
}
