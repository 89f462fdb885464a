//! Operations: metrics, rate limits, retention, backup and restore, graceful shutdown.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use heard::db::Backend;

use crate::both;
use crate::cli::heard;
use crate::helpers::{Plan, TestDb, complete, heard_bin, spawn_app, spawn_app_with};

const WAVE: &str = "torbay-participation-2025";

/// The value of a sample written as in the text format (`name{label="value",…}`): the name
/// and the whole label set must match, in any order, since the format does not fix the order
/// of labels.
fn metric(text: &str, sample: &str) -> Option<f64> {
    heard::metrics::sample_value(text, sample)
}

fn metrics_count_requests_latency_and_stored_responses(backend: Backend) {
    let app = spawn_app(backend);
    let b = app.browser();
    complete(&b, WAVE, "young-people", &Plan::new(), "yes");
    let text = b.raw().get(format!("{}/metrics", app.address)).send().expect("metrics").text().expect("body");
    assert_eq!(metric(&text, "heard_responses_stored_total "), Some(1.0), "{text}");
    assert_eq!(metric(&text, "heard_responses "), Some(app.responses() as f64));
    assert!(metric(&text, "heard_outbox_depth{status=\"pending\"}").is_some());
    // Route patterns, never the survey's own address, label the series.
    let answers =
        metric(&text, "heard_http_requests_total{route=\"/s/{wave}/q/{key}\",method=\"POST\",status=\"3xx\"}");
    assert!(answers.is_some_and(|n| n >= 10.0), "{text}");
    assert!(!text.contains(WAVE));
    let inf = metric(
        &text,
        "heard_http_request_duration_seconds_bucket{route=\"/s/{wave}/q/{key}\",method=\"GET\",le=\"+Inf\"}",
    );
    let count = metric(&text, "heard_http_request_duration_seconds_count{route=\"/s/{wave}/q/{key}\",method=\"GET\"}");
    assert_eq!(inf, count);
    assert!(inf.is_some_and(|n| n >= 10.0));
}
both!(metrics_count_requests_latency_and_stored_responses);

fn metrics_can_require_a_token(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.metrics_token = Some("s3cret-token".into()));
    let client = reqwest::blocking::Client::new();
    let url = format!("{}/metrics", app.address);
    let r = client.get(&url).send().expect("metrics");
    assert_eq!(r.status().as_u16(), 401);
    assert!(r.text().expect("body").contains("HEARD_METRICS_TOKEN"));
    let r = client.get(&url).bearer_auth("wrong").send().expect("metrics");
    assert_eq!(r.status().as_u16(), 401);
    let r = client.get(&url).bearer_auth("s3cret-token").send().expect("metrics");
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.text().expect("body").contains("heard_responses "));
    // Without a token, only this machine may read them, and not through a proxy.
    let open = spawn_app(backend);
    let url = format!("{}/metrics", open.address);
    assert_eq!(client.get(&url).send().expect("metrics").status().as_u16(), 200, "a local scraper");
    let proxied = client.get(&url).header("x-forwarded-for", "203.0.113.9").send().expect("metrics");
    assert_eq!(proxied.status().as_u16(), 404, "a request a proxy passed on from outside");
}
both!(metrics_can_require_a_token);

fn sign_in_and_public_posts_are_rate_limited(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.sign_in_per_minute = 3;
        s.public_posts_per_minute = 10;
    });
    let b = app.browser();
    let form = b.get("/staff/sign-in").form();
    let form = form.with("email", "nobody@example.org").with("password", "not the password");
    let statuses: Vec<u16> = (0..4).map(|_| b.submit(&form).status).collect();
    assert!(statuses[..3].iter().all(|s| *s != 429), "{statuses:?}");
    let r = b
        .raw()
        .post(format!("{}/staff/sign-in", app.address))
        .body(form.body())
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .expect("post");
    assert_eq!(r.status().as_u16(), 429);
    let retry: u64 =
        r.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).expect("Retry-After");
    assert!((1..=60).contains(&retry));
    assert!(r.text().expect("body").contains("too many sign-in attempts"));

    // Public posts: a burst of 2 (10 a minute / 5), then a kind refusal that loses nothing.
    let walker = app.browser();
    let start = walker.get(&format!("/s/{WAVE}/young-people"));
    let q = walker.submit(&start.form());
    assert!(q.path().contains("/q/"));
    let q2 = walker.submit(&q.form().with("answer", "yes").with("action", "continue"));
    assert_eq!(q2.status, 200, "{}", q2.html);
    let before = app.draft_answers();
    let page = walker.submit(&q2.form().with("answer", "yes").with("action", "continue"));
    assert_eq!(page.status, 429, "{}", page.html);
    assert!(page.html.contains("Nothing you sent before is lost"));
    assert_eq!(app.draft_answers(), before);
    let m = b.raw().get(format!("{}/metrics", app.address)).send().expect("metrics").text().expect("body");
    assert!(metric(&m, "heard_rate_limited_total{limit=\"sign-in\"}").is_some_and(|n| n >= 1.0));
    assert!(metric(&m, "heard_rate_limited_total{limit=\"public-post\"}").is_some_and(|n| n >= 1.0));
}
both!(sign_in_and_public_posts_are_rate_limited);

fn retention_deletes_old_free_text_and_keeps_counts(backend: Backend) {
    let app = spawn_app(backend);
    let b = app.browser();
    complete(&b, WAVE, "parents-carers", &Plan::new(), "yes");
    complete(&b, WAVE, "young-people", &Plan::new(), "yes");
    let texts =
        |app: &crate::helpers::TestApp| app.count("SELECT COUNT(*) AS n FROM answers WHERE text_value IS NOT NULL");
    let options =
        |app: &crate::helpers::TestApp| app.count("SELECT COUNT(*) AS n FROM answers WHERE option_value IS NOT NULL");
    let counts = |app: &crate::helpers::TestApp| {
        app.count("SELECT CAST(COALESCE(SUM(answers), 0) AS BIGINT) AS n FROM answer_counts")
    };
    let (t0, o0, c0) = (texts(&app), options(&app), counts(&app));
    assert!(t0 > 0 && o0 > 0 && c0 > 0);

    // Nothing is old yet: nothing goes.
    let (ok, out, err) = heard(&app.db, &["retention"], None);
    assert!(ok, "{err}");
    assert!(out.contains(WAVE));
    assert_eq!(texts(&app), t0);

    // One response sent 3,700 days ago; the demo wave keeps free text for 3,650 (its own
    // setting wins over the deployment's 30): its free text goes, its choices and every count
    // stay, and the audit log says so.
    let old: String = app.count_str("SELECT MIN(id) AS s FROM responses");
    let mut conn = app.db.connect();
    let stamp =
        if backend == Backend::Postgres { "NOW() - INTERVAL '3700 days'" } else { "datetime('now', '-3700 days')" };
    diesel::connection::SimpleConnection::batch_execute(
        &mut conn,
        &format!("UPDATE responses SET submitted_at = {stamp} WHERE id = '{old}'"),
    )
    .expect("age a response");
    let own_texts =
        app.count(&format!("SELECT COUNT(*) AS n FROM answers WHERE text_value IS NOT NULL AND response_id = '{old}'"));
    assert!(own_texts > 0);
    let out = Command::new(heard_bin())
        .arg("retention")
        .env("DATABASE_URL", &app.db.url)
        .env("HEARD_KEEP_FREE_TEXT_DAYS", "30")
        .env_remove("HEARD_CONFIG")
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(texts(&app), t0 - own_texts);
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) AS n FROM answers WHERE text_value IS NOT NULL AND response_id = '{old}'")),
        0
    );
    assert_eq!(options(&app), o0);
    assert_eq!(counts(&app), c0);
    assert_eq!(app.responses(), 2);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'free text deleted'"), 1);
    // The demo wave itself keeps free text for ten years (its definition says so).
    let (ok, out, _) = heard(&app.db, &["retention"], None);
    assert!(ok && out.contains("kept 3650 days"), "{out}");
}
both!(retention_deletes_old_free_text_and_keeps_counts);

/// `heard serve` as a child process on a free port, once it answers.
fn serve_child(db: &TestDb) -> (std::process::Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
    let child = Command::new(heard_bin())
        .arg("serve")
        .env("DATABASE_URL", &db.url)
        .env("HEARD_BIND", format!("127.0.0.1:{port}"))
        .env("HEARD_MAIL_DIR", std::env::temp_dir().join(format!("heard-mail-{port}")))
        .env_remove("HEARD_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (child, port)
}

fn stop_child(mut child: std::process::Child) -> std::process::ExitStatus {
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill");
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(35);
    loop {
        if let Some(s) = child.try_wait().expect("wait") {
            return s;
        }
        assert!(Instant::now() < deadline, "the server did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn backup_while_serving_and_restore_when_stopped_sqlite() {
    let dir = tempfile::tempdir().expect("dir");
    let db = TestDb::new(Backend::Sqlite);
    let (ok, _, err) = heard(&db, &["demo", "--no-responses"], None);
    assert!(ok, "{err}");
    let (child, port) = serve_child(&db);
    let b = crate::helpers::Browser::new(&format!("http://127.0.0.1:{port}"));
    complete(&b, WAVE, "young-people", &Plan::new(), "yes");
    let copy = dir.path().join("backup.db");
    let copy_s = copy.to_str().expect("utf-8");
    // Online: the server is running and answering.
    let (ok, out, err) = heard(&db, &["backup", copy_s], None);
    assert!(ok, "{err}");
    assert!(out.contains("Backed up"));
    // Never overwrites.
    let (ok, _, err) = heard(&db, &["backup", copy_s], None);
    assert!(!ok && err.contains("already exists"), "{err}");
    complete(&b, WAVE, "parents-carers", &Plan::new(), "no");
    // Restoring under a running server is refused, and changes nothing.
    let (ok, _, err) = heard(&db, &["restore", copy_s], None);
    assert!(!ok && err.contains("stop the service first"), "{err}");
    let (_, out, _) = heard(&db, &["verify", "--wave", WAVE], None);
    assert!(out.contains("2 responses stored"), "{out}");
    // Not a backup: refused.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database at all").expect("write");
    let (ok, _, err) = heard(&db, &["restore", junk.to_str().expect("utf-8")], None);
    assert!(!ok && err.contains("not a usable Heard backup"), "{err}");

    assert!(stop_child(child).success());
    let (ok, out, err) = heard(&db, &["restore", copy_s], None);
    assert!(ok, "{err}");
    assert!(out.contains("kept as"), "{out}");
    let db_file = db.url.trim_start_matches("sqlite://").to_owned();
    let kept: Vec<_> = std::fs::read_dir(std::path::Path::new(&db_file).parent().expect("dir"))
        .expect("list")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains("before-restore"))
        .collect();
    assert_eq!(kept.len(), 1, "the replaced database is kept");
    let (ok, out, err) = heard(&db, &["verify", "--wave", WAVE], None);
    assert!(ok, "{err}{out}");
    assert!(out.contains("1 responses stored"), "{out}");
    // The database it replaced still has both responses.
    let kept_db = TestDbAt(format!("sqlite://{}", kept[0].path().display()));
    let (ok, out, _) = kept_db.heard(&["verify", "--wave", WAVE]);
    assert!(ok && out.contains("2 responses stored"), "{out}");
}

struct TestDbAt(String);

impl TestDbAt {
    fn heard(&self, args: &[&str]) -> (bool, String, String) {
        let out = Command::new(heard_bin())
            .args(args)
            .env("DATABASE_URL", &self.0)
            .env_remove("HEARD_CONFIG")
            .output()
            .expect("run");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

#[test]
fn backup_on_postgres_says_to_use_pg_dump() {
    let out = Command::new(heard_bin())
        .args(["backup", "/tmp/never-written.db"])
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .env_remove("HEARD_CONFIG")
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("pg_dump") && err.contains("pg_restore"), "{err}");
    assert!(!std::path::Path::new("/tmp/never-written.db").exists());
}

/// SIGTERM while a request is half-sent: the server stops taking new connections, answers the
/// request in flight once its body arrives, then exits cleanly.
fn graceful_shutdown_finishes_requests_in_flight(backend: Backend) {
    let db = TestDb::new(backend);
    let (ok, _, err) = heard(&db, &["demo", "--no-responses"], None);
    assert!(ok, "{err}");
    let (mut child, port) = serve_child(&db);
    let mut conn = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    // Half a request: the headers and part of the body.
    let body = "csrf=not-a-real-token&audience=young-people";
    let head = format!(
        "POST /s/{WAVE}/who HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).expect("write head");
    conn.write_all(&body.as_bytes()[..10]).expect("write part");
    std::thread::sleep(Duration::from_millis(300));
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill");
    assert!(killed.success());
    std::thread::sleep(Duration::from_millis(500));
    // New connections are no longer taken.
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err() || child.try_wait().ok().flatten().is_none());
    // The rest of the body arrives: the request is answered (a kind 403: the token is made up).
    conn.write_all(&body.as_bytes()[10..]).expect("write rest");
    conn.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = conn.read(&mut buf) {
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buf[..n]);
        if String::from_utf8_lossy(&answer).contains("</html>") {
            break;
        }
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    drop(conn);
    let deadline = Instant::now() + Duration::from_secs(35);
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        assert!(Instant::now() < deadline, "the server did not stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
}
both!(graceful_shutdown_finishes_requests_in_flight);

/// The load generator (`heard loadtest`) still walks the survey as the pages are today: a
/// short run completes responses without one error, and each is stored exactly once.
fn the_load_generator_walks_todays_pages(backend: Backend) {
    let app = spawn_app(backend);
    let before = app.responses();
    let plan = heard::loadtest::Plan {
        url: app.address.clone(),
        wave: WAVE.to_owned(),
        clients: 2,
        duration: Duration::from_millis(1500),
        accept_encoding: Some("gzip, deflate, br"),
        retry: false,
        receipts: None,
        server_pid: None,
    };
    let report = heard::loadtest::run(&plan).expect("load test");
    assert!(report.errors.is_empty(), "the walk met errors: {:?}", report.errors);
    assert!(report.walks >= 1, "no response was completed");
    assert_eq!(app.responses() - before, i64::try_from(report.walks).expect("count"));
    assert!(report.latency.iter().any(|l| l.request == "question (GET)" && l.count > 0));
}
both!(the_load_generator_walks_todays_pages);

/// `heard serve` warns at start-up when the public address is unset or local (every link it
/// gives out would then fail on people's phones), and says nothing when it is a real one.
#[test]
fn serve_warns_when_the_public_address_is_unset_or_local() {
    let db = TestDb::new(Backend::Sqlite);
    let (ok, _, err) = heard(&db, &["demo", "--no-responses"], None);
    assert!(ok, "{err}");
    let stderr_of = |public: Option<&str>| {
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
        let mut cmd = Command::new(heard_bin());
        cmd.arg("serve")
            .env("DATABASE_URL", &db.url)
            .env("HEARD_BIND", format!("127.0.0.1:{port}"))
            .env("HEARD_MAIL_DIR", std::env::temp_dir().join(format!("heard-mail-{port}")))
            .env("RUST_LOG", "off")
            .env_remove("HEARD_CONFIG")
            .env_remove("HEARD_PUBLIC_URL")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(p) = public {
            cmd.env("HEARD_PUBLIC_URL", p);
        }
        let child = cmd.spawn().expect("serve");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
        let out = child.wait_with_output().expect("wait");
        (port, String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (port, unset) = stderr_of(None);
    assert!(
        unset.contains(&format!("Warning: the public address is http://127.0.0.1:{port}"))
            && unset.contains("HEARD_PUBLIC_URL"),
        "{unset}"
    );
    let (_, local) = stderr_of(Some("http://localhost:8080"));
    assert!(local.contains("Warning: the public address is http://localhost:8080"), "{local}");
    let (_, public) = stderr_of(Some("https://heard.example.org"));
    assert!(!public.contains("Warning"), "{public}");
}
