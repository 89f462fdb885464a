//! Deployment: `heard` started with exactly the environment `docker-compose.yml` gives the
//! `heard` service (no Docker engine here), against a local PostgreSQL and an SMTP sink
//! standing in for the `db` and `mail` services. Only host names and the published port are
//! rewritten (`db:5432`, `mail:1025`, `:8080`); every other value is used as written.

use std::collections::BTreeMap;
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{Browser, cluster_port, heard_bin, postgres_available};
use crate::smtp::SmtpSink;

/// The `environment:` map of one service in the compose file (the file's own simple layout:
/// two-space indents, `KEY: value`).
fn compose_environment(compose: &str, service: &str) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    let (mut in_service, mut in_env) = (false, false);
    for line in compose.lines() {
        let indent = line.len() - line.trim_start().len();
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if indent == 2 {
            in_service = t == format!("{service}:");
            in_env = false;
        } else if in_service && indent == 4 {
            in_env = t == "environment:";
        } else if in_service && in_env && indent == 6 {
            let (k, v) = t.split_once(':').expect("KEY: value");
            env.insert(k.trim().to_owned(), v.trim().trim_matches('"').to_owned());
        }
    }
    env
}

#[test]
fn compose_file_describes_three_services_with_health_checks_and_volumes() {
    let compose = include_str!("../../docker-compose.yml");
    for service in ["heard", "db", "mail"] {
        assert!(compose.contains(&format!("\n  {service}:\n")), "no {service} service");
    }
    assert_eq!(compose.matches("healthcheck:").count(), 3, "each service has a health check");
    assert!(compose.contains("heard-data:/var/lib/heard"), "Heard keeps its files on a volume");
    assert!(compose.contains("db-data:/var/lib/postgresql/data") && compose.contains("mail-data:/data"));
    let env = compose_environment(compose, "heard");
    assert!(env["DATABASE_URL"].starts_with("postgres://"));
    assert!(env["SMTP_URL"].starts_with("smtp://mail:"));
    let dockerfile = include_str!("../../Dockerfile");
    assert!(dockerfile.matches("FROM ").count() >= 2, "multi-stage");
    assert!(dockerfile.contains("USER heard"), "runs as a non-root user");
}

#[test]
fn heard_runs_with_the_compose_environment_serves_and_sends() {
    let Some(()) = postgres_available() else { return };
    let compose = include_str!("../../docker-compose.yml");
    let mut env = compose_environment(compose, "heard");
    assert!(env.contains_key("DATABASE_URL") && env.contains_key("SMTP_URL"), "{env:?}");

    // The `db` service: a role and database as the compose file's PostgreSQL makes them.
    let pg = cluster_port();
    let db_name = format!("heard_compose_{}", uuid::Uuid::new_v4().simple());
    let admin = format!("postgres://postgres@127.0.0.1:{pg}/postgres");
    let mut conn = heard::db::establish(&heard::db::DatabaseUrl::parse(&admin).expect("url")).expect("connect");
    diesel::connection::SimpleConnection::batch_execute(
        &mut conn,
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'heard') THEN CREATE ROLE heard LOGIN PASSWORD 'heard'; END IF; END $$",
    )
    .expect("create role");
    diesel::connection::SimpleConnection::batch_execute(&mut conn, &format!("CREATE DATABASE {db_name} OWNER heard"))
        .expect("create database");
    let db_url = env["DATABASE_URL"].replace("@db:5432/heard", &format!("@127.0.0.1:{pg}/{db_name}"));
    assert_ne!(db_url, env["DATABASE_URL"], "the compose DATABASE_URL names db:5432/heard");
    env.insert("DATABASE_URL".into(), db_url);
    // The `mail` service: the SMTP sink.
    let sink = SmtpSink::start();
    let smtp = sink.url();
    let sink_port = smtp.rsplit(':').next().expect("port").to_owned();
    let smtp_url = env["SMTP_URL"].replace("mail:1025", &format!("127.0.0.1:{sink_port}"));
    assert_ne!(smtp_url, env["SMTP_URL"]);
    env.insert("SMTP_URL".into(), smtp_url);
    // The published port.
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
    let bind = env["HEARD_BIND"].replace(":8080", &format!(":{port}"));
    env.insert("HEARD_BIND".into(), bind);

    let run = |args: &[&str]| {
        let out = Command::new(heard_bin())
            .args(args)
            .env_clear()
            .envs(&env)
            .env("PATH", "/usr/bin:/bin")
            .output()
            .expect("run");
        assert!(out.status.success(), "heard {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // As the compose file's comment says: load the demo, then the service runs `heard serve`.
    run(&["demo", "--no-responses"]);
    let mut child = Command::new(heard_bin())
        .arg("serve")
        .env_clear()
        .envs(&env)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve");
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    let client = reqwest::blocking::Client::new();
    loop {
        if TcpStream::connect(("127.0.0.1", port)).is_ok()
            && client.get(format!("{base}/readyz")).send().is_ok_and(|r| r.status().as_u16() == 200)
        {
            break;
        }
        assert!(Instant::now() < deadline, "the service did not become ready");
        std::thread::sleep(Duration::from_millis(100));
    }
    // It serves: a respondent page, health, metrics.
    let b = Browser::new(&base);
    let page = b.get("/s/torbay-participation-2025");
    assert_eq!(page.status, 200);
    assert_eq!(b.get("/healthz").status, 200);
    let token = env.get("HEARD_METRICS_TOKEN").expect("the compose file sets a metrics token");
    let metrics = b.raw().get(format!("{}/metrics", b.base)).bearer_auth(token).send().expect("metrics");
    assert!(metrics.text().expect("body").contains("heard_outbox_depth"));
    // It sends: invitations go through the outbox worker of the running service to `mail`.
    let contacts = tempfile::NamedTempFile::new().expect("file");
    std::fs::write(contacts.path(), "email,first_name,audience\nsam@example.org,Sam,parents-carers\n").expect("write");
    let out =
        run(&["invite", "--wave", "torbay-participation-2025", "--contacts", contacts.path().to_str().expect("utf-8")]);
    assert!(out.contains('1'), "{out}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while sink.messages().is_empty() {
        assert!(Instant::now() < deadline, "the running service sent nothing to the mail service");
        std::thread::sleep(Duration::from_millis(100));
    }
    let msg = sink.messages().join("\n");
    assert!(msg.contains("sam@example.org"), "{msg}");
    // The invitation's link points at the compose file's public address.
    assert!(msg.contains(&env["HEARD_PUBLIC_URL"]), "{msg}");
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let status = child.wait().expect("wait");
    assert!(status.success(), "{status:?}");
    sink.stop();
}
