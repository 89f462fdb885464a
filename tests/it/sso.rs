//! Single sign-on against a real OpenID provider (npm's oidc-provider, OpenID Certified,
//! started here on loopback from `tests/oidc/provider.mjs`): the whole redirect flow with a
//! real HTTP client (Heard's start, the provider's login and consent pages, the callback),
//! roles from a group claim and a default role, and every refusal: a wrong email domain, a
//! replayed code and a replayed state, a bad state, an expired ID token, a removed person,
//! an account waiting for approval; a rotated signing key is picked up; requiring single
//! sign-on stops passwords. Both databases.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use heard::db::Backend;

use crate::both;
use crate::fixtures::{PASSWORD, add_account, sign_in, status};
use crate::helpers::{Browser, TestApp, free_port, heard_bin, spawn_app_with};

const CLIENT_ID: &str = "heard-test";
const SECRET: &str = "a-client-secret-for-tests";

/// The provider's folder, with its node modules (installed by `tests/all.sh`).
fn provider_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc");
    if dir.join("node_modules/oidc-provider").is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").is_err(),
        "the OpenID provider is needed under CI=true: npm ci --prefix tests/oidc (tests/all.sh does it)"
    );
    eprintln!("SKIPPED: no oidc-provider in tests/oidc/node_modules (npm ci --prefix tests/oidc)");
    None
}

/// A running provider; stopped when dropped.
struct Provider {
    child: Child,
    issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Provider {
    fn start(dir: &Path, port: u16, callback: &str, key_file: &Path, token_clock: i64) -> Provider {
        let mut child = Command::new("node")
            .arg(dir.join("provider.mjs"))
            .env("OIDC_PORT", port.to_string())
            .env("OIDC_CLIENT_ID", CLIENT_ID)
            .env("OIDC_CLIENT_SECRET", SECRET)
            .env("OIDC_REDIRECT_URI", callback)
            .env("OIDC_KEY_FILE", key_file)
            .env("OIDC_TOKEN_CLOCK", token_clock.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start node");
        let stdout = child.stdout.take().expect("stdout");
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        reader.read_line(&mut line).expect("provider output");
        assert_eq!(line.trim(), "ready", "the provider started");
        // Keep reading what it prints, so it never writes to a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
        Provider { child, issuer: format!("http://127.0.0.1:{port}") }
    }

    fn key_id(&self) -> String {
        let text = reqwest::blocking::get(format!("{}/jwks", self.issuer)).expect("jwks").text().expect("text");
        let jwks: serde_json::Value = serde_json::from_str(&text).expect("json");
        jwks["keys"][0]["kid"].as_str().unwrap_or_default().to_owned()
    }
}

/// `heard sso set` for Torbay, pointing at `issuer`, with `extra` arguments.
fn set_sso(app: &TestApp, issuer: &str, extra: &[&str]) {
    let dir = tempfile::tempdir().expect("dir");
    let secret = dir.path().join("secret");
    std::fs::write(&secret, format!("{SECRET}\n")).expect("secret file");
    let mut args = vec![
        "sso",
        "set",
        "--partnership",
        "torbay",
        "--issuer",
        issuer,
        "--client-id",
        CLIENT_ID,
        "--client-secret-file",
        secret.to_str().unwrap_or_default(),
        "--allowed-domain",
        "torbay.gov.uk",
        "--allowed-domain",
        "nhs.example",
    ];
    args.extend_from_slice(extra);
    let out = Command::new(heard_bin())
        .args(&args)
        .env("DATABASE_URL", &app.db.url)
        .env("HEARD_PUBLIC_URL", &app.address)
        .env_remove("HEARD_CONFIG")
        .output()
        .expect("heard sso set");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("/staff/sso/callback"));
}

/// Follows a sign-in from Heard's start to the provider and back, logging in there as
/// `login`, and returns the callback address the provider sent the browser to (not yet
/// visited), or the provider's last page when it sent none.
fn to_callback(b: &Browser, app: &TestApp, login: &str) -> Result<String, String> {
    let raw = b.raw();
    let mut url = format!("{}/staff/sso/torbay", app.address);
    for _ in 0..20 {
        let res = raw.get(&url).send().map_err(|e| e.to_string())?;
        if let Some(next) = res.headers().get("location").and_then(|v| v.to_str().ok()) {
            let next = if next.starts_with("http") { next.to_owned() } else { join(&url, next) };
            if next.starts_with(&format!("{}/staff/sso/callback", app.address)) {
                return Ok(next);
            }
            url = next;
            continue;
        }
        // A page of the provider's: its login or consent form.
        let html = res.text().map_err(|e| e.to_string())?;
        let doc = scraper::Html::parse_document(&html);
        let form_sel = scraper::Selector::parse("form").map_err(|e| e.to_string())?;
        let Some(form) = doc.select(&form_sel).next() else { return Err(html) };
        let action = join(&url, form.value().attr("action").unwrap_or(""));
        let input_sel = scraper::Selector::parse("input").map_err(|e| e.to_string())?;
        let mut fields: Vec<(String, String)> = Vec::new();
        for i in form.select(&input_sel) {
            let name = i.value().attr("name").unwrap_or("").to_owned();
            match name.as_str() {
                "" => {}
                "login" => fields.push((name, login.to_owned())),
                "password" => fields.push((name, "any".into())),
                _ => fields.push((name, i.value().attr("value").unwrap_or("").to_owned())),
            }
        }
        let res = raw.post(&action).form(&fields).send().map_err(|e| e.to_string())?;
        let next = res.headers().get("location").and_then(|v| v.to_str().ok()).ok_or("no redirect after a form")?;
        url = if next.starts_with("http") { next.to_owned() } else { join(&action, next) };
        if url.starts_with(&format!("{}/staff/sso/callback", app.address)) {
            return Ok(url);
        }
    }
    Err("too many steps".into())
}

fn join(base: &str, path: &str) -> String {
    if path.starts_with("http") {
        return path.to_owned();
    }
    let origin: String = base.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
    format!("{origin}{path}")
}

/// Visits the callback address; the status and the page's text.
fn callback(b: &Browser, url: &str) -> (u16, String) {
    let res = b.raw().get(url).send().expect("callback");
    let status = res.status().as_u16();
    (status, res.text().unwrap_or_default())
}

fn refusals(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'sso.refused'")
}

fn single_sign_on_against_a_real_provider(backend: Backend) {
    let Some(dir) = provider_dir() else { return };
    let port = free_port();
    let app = spawn_app_with(backend, |s| {
        s.bind = format!("127.0.0.1:{port}");
        s.public_url = format!("http://127.0.0.1:{port}");
    });
    add_account(&app, "admin@torbay.example", heard::models::account::Role::Admin, Some("torbay"));
    let callback_url = format!("{}/staff/sso/callback", app.address);
    let keys = tempfile::tempdir().expect("dir");
    let key_file = keys.path().join("key.json");
    let provider_port = free_port();
    let provider = Provider::start(&dir, provider_port, &callback_url, &key_file, 0);
    set_sso(
        &app,
        &provider.issuer,
        &["--default-role", "viewer", "--role-claim", "groups", "--role-map", "heard-admins=admin"],
    );
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'sso.configured'"), 1);
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) AS n FROM audit_log WHERE detail LIKE '%{SECRET}%'")),
        0,
        "the secret is never in the audit log"
    );

    // The sign-in page links to it; the whole flow signs a new person in with the default role.
    let b = Browser::new(&app.address);
    let page = b.get("/staff/sign-in");
    assert!(page.has("a[href='/staff/sso/torbay']"), "{}", page.html);
    let back = to_callback(&b, &app, "jo@torbay.gov.uk").unwrap_or_else(|p| panic!("no callback: {p}"));
    let (code, text) = callback(&b, &back);
    assert_eq!(code, 303, "{text}");
    assert_eq!(status(&b, "/staff"), 200, "signed in");
    assert_eq!(app.count_str("SELECT role AS s FROM accounts WHERE email = 'jo@torbay.gov.uk'"), "viewer");
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'sign_in' AND detail LIKE '%single_sign_on%'"),
        1
    );
    // A mapped group gives its role.
    let lead = Browser::new(&app.address);
    let back = to_callback(&lead, &app, "lead+admin@torbay.gov.uk").unwrap_or_else(|p| panic!("{p}"));
    assert_eq!(callback(&lead, &back).0, 303);
    assert_eq!(app.count_str("SELECT role AS s FROM accounts WHERE email = 'lead+admin@torbay.gov.uk'"), "admin");

    // A replayed state (the same answer twice) is refused; so is the old code with a new state.
    let (again, text) = callback(&lead, &back);
    assert_eq!(again, 400, "{text}");
    assert!(text.contains("Start again"), "{text}");
    let fresh = Browser::new(&app.address);
    let new_back = to_callback(&fresh, &app, "jo@torbay.gov.uk").unwrap_or_else(|p| panic!("{p}"));
    let old_code = back.split("code=").nth(1).and_then(|c| c.split('&').next()).unwrap_or_default().to_owned();
    let new_state = new_back.split("state=").nth(1).and_then(|c| c.split('&').next()).unwrap_or_default().to_owned();
    let before = refusals(&app);
    let (replayed, text) = callback(&fresh, &format!("{callback_url}?code={old_code}&state={new_state}"));
    assert_eq!(replayed, 403, "{text}");
    assert_eq!(status(&fresh, "/staff"), 303, "no session from a replayed code");
    assert_eq!(refusals(&app), before + 1);

    // A bad state, and none at all.
    let (bad, _) = callback(&fresh, &format!("{callback_url}?code=abc&state=not-a-state"));
    assert_eq!(bad, 400);
    assert_eq!(callback(&Browser::new(&app.address), &format!("{callback_url}?code=abc")).0, 400);

    // A wrong email domain: a kind page, no session, audited.
    let outsider = Browser::new(&app.address);
    let back = to_callback(&outsider, &app, "eve@elsewhere.example").unwrap_or_else(|p| panic!("{p}"));
    let (refused, text) = callback(&outsider, &back);
    assert_eq!(refused, 403);
    assert!(text.contains("elsewhere.example"), "{text}");
    assert_eq!(status(&outsider, "/staff"), 303);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM accounts WHERE email = 'eve@elsewhere.example'"), 0);

    // Someone an admin removed stays out.
    let (admin, _) = sign_in(&app, "admin@torbay.example", PASSWORD);
    admin.post_staff("/staff/users/remove", &[("email", "jo@torbay.gov.uk")]);
    let jo = Browser::new(&app.address);
    let back = to_callback(&jo, &app, "jo@torbay.gov.uk").unwrap_or_else(|p| panic!("{p}"));
    let (removed, text) = callback(&jo, &back);
    assert_eq!(removed, 403);
    assert!(text.contains("removed"), "{text}");
    assert_eq!(status(&jo, "/staff"), 303);

    // The provider's key is rotated: Heard fetches the new one.
    let old_kid = provider.key_id();
    drop(provider);
    std::fs::remove_file(&key_file).expect("remove the old key");
    let provider = Provider::start(&dir, provider_port, &callback_url, &key_file, 0);
    assert_ne!(provider.key_id(), old_kid, "a new key");
    let rotated = Browser::new(&app.address);
    let back = to_callback(&rotated, &app, "sam@nhs.example").unwrap_or_else(|p| panic!("{p}"));
    assert_eq!(callback(&rotated, &back).0, 303);
    assert_eq!(status(&rotated, "/staff"), 200, "signed in after the key changed");
    drop(provider);

    // A provider whose clock is two hours slow when it issues tokens: its ID tokens expired
    // an hour before Heard sees them.
    let late = Provider::start(&dir, provider_port, &callback_url, &key_file, -7200);
    let expired = Browser::new(&app.address);
    let back = to_callback(&expired, &app, "sam@nhs.example").unwrap_or_else(|p| panic!("{p}"));
    let (code, text) = callback(&expired, &back);
    assert_eq!(code, 403, "{text}");
    assert!(text.contains("could not be checked") && text.contains("expired"), "{text}");
    assert_eq!(status(&expired, "/staff"), 303);
    drop(late);

    // First sign-ins wait for an admin; then passwords stop when single sign-on is required.
    let provider = Provider::start(&dir, provider_port, &callback_url, &key_file, 0);
    set_sso(&app, &provider.issuer, &["--approve-first", "--require"]);
    let new = Browser::new(&app.address);
    let back = to_callback(&new, &app, "new@torbay.gov.uk").unwrap_or_else(|p| panic!("{p}"));
    let (waiting, text) = callback(&new, &back);
    assert_eq!(waiting, 403);
    assert!(text.contains("admin"), "{text}");
    assert_eq!(status(&new, "/staff"), 303);
    let (local, page) = sign_in(&app, "admin@torbay.example", PASSWORD);
    assert_eq!(page.status, 403, "the partnership's passwords no longer sign in");
    assert!(page.text_of(".error-message").join(" ").contains("single sign-on"));
    assert_eq!(status(&local, "/staff"), 303);
    // The admin signed in before it was required approves the waiting person.
    let users = admin.get("/staff/users");
    assert!(users.has("form[action='/staff/users/approve'] input[value='new@torbay.gov.uk']"), "{}", users.html);
    admin.post_staff("/staff/users/approve", &[("email", "new@torbay.gov.uk"), ("role", "analyst")]);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'user.approved'"), 1);
    let back = to_callback(&new, &app, "new@torbay.gov.uk").unwrap_or_else(|p| panic!("{p}"));
    assert_eq!(callback(&new, &back).0, 303);
    assert_eq!(status(&new, "/staff"), 200);
    assert_eq!(app.count_str("SELECT role AS s FROM accounts WHERE email = 'new@torbay.gov.uk'"), "analyst");
    assert!(refusals(&app) >= 5);
    drop(provider);
}
both!(single_sign_on_against_a_real_provider);

fn the_settings_page_checks_and_keeps_the_secret(backend: Backend) {
    let app = spawn_app_with(backend, |_| {});
    add_account(&app, "admin@torbay.example", heard::models::account::Role::Admin, Some("torbay"));
    let (admin, _) = sign_in(&app, "admin@torbay.example", PASSWORD);
    let page = admin.get("/staff/sso");
    assert_eq!(page.status, 200);
    let refused = admin.post_staff(
        "/staff/sso",
        &[("issuer", "ftp://nope"), ("client_id", "c1"), ("client_secret", ""), ("allowed_domains", "not a domain!")],
    );
    assert_eq!(refused.status, 400);
    assert!(
        refused.has("#issuer-error") && refused.has("#client_secret-error") && refused.has("#allowed_domains-error")
    );
    assert_eq!(refused.attr_of("#client_id", "value"), ["c1"], "what was typed is kept");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM sso_configs"), 0);
    let fields = [
        ("issuer", "https://login.example.com/tenant/v2.0"),
        ("client_id", "c1"),
        ("client_secret", "s3cret-value"),
        ("allowed_domains", "torbay.gov.uk"),
        ("default_role", "viewer"),
    ];
    let saved = admin.post_staff("/staff/sso", &fields);
    assert_eq!(saved.status, 200);
    assert!(!saved.html.contains("s3cret-value"), "the secret is never shown again");
    assert_eq!(saved.attr_of("#client_secret", "value"), [""]);
    // Saving again without a secret keeps the stored one.
    admin.post_staff(
        "/staff/sso",
        &[
            ("issuer", "https://login.example.com/tenant/v2.0"),
            ("client_id", "c2"),
            ("allowed_domains", "torbay.gov.uk"),
        ],
    );
    assert_eq!(app.count_str("SELECT client_secret AS s FROM sso_configs"), "s3cret-value");
    assert_eq!(app.count_str("SELECT client_id AS s FROM sso_configs"), "c2");
    let (analyst_b, _) = {
        add_account(&app, "analyst@torbay.example", heard::models::account::Role::Analyst, Some("torbay"));
        sign_in(&app, "analyst@torbay.example", PASSWORD)
    };
    assert_eq!(analyst_b.get("/staff/sso").status, 403);
}
both!(the_settings_page_checks_and_keeps_the_secret);
