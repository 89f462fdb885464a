//! Hostile inputs across every public and staff route: oversized bodies and fields, malformed
//! UTF-8 and percent-encoding, NULs, huge numbers, script and SQL injection strings, path
//! traversal, forged and replayed form tokens, wrong methods, other partnerships' ids, ended
//! sessions, slow and truncated requests. Each must be answered with a 4xx and a page that
//! says what happened, the server must stay up, and the stored data must be unchanged.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use heard::db::Backend;
use reqwest::Method;

use crate::both;
use crate::fixtures::{PASSWORD, setup, sign_in};
use crate::helpers::{Browser, TestApp};

const WAVE: &str = "torbay-participation-2025";

/// Who sends the request.
#[derive(Clone, Copy, Debug)]
enum Who {
    Nobody,
    Respondent,
    Admin,
    OtherPartnership,
}

struct Case {
    name: String,
    who: Who,
    method: Method,
    path: String,
    body: Vec<u8>,
    content_type: &'static str,
}

fn case(name: impl Into<String>, who: Who, method: Method, path: impl Into<String>, body: impl Into<Vec<u8>>) -> Case {
    Case {
        name: name.into(),
        who,
        method,
        path: path.into(),
        body: body.into(),
        content_type: "application/x-www-form-urlencoded",
    }
}

/// Everything stored that a hostile request could change, as text to compare.
fn snapshot(app: &TestApp) -> Vec<String> {
    [
        "SELECT COUNT(*) AS n FROM responses",
        "SELECT COUNT(*) AS n FROM answers",
        "SELECT COUNT(*) AS n FROM drafts",
        "SELECT COUNT(*) AS n FROM accounts",
        "SELECT COUNT(*) AS n FROM waves",
        "SELECT COUNT(*) AS n FROM themes",
        "SELECT COUNT(*) AS n FROM quotes",
        "SELECT COUNT(*) AS n FROM codings",
        "SELECT COUNT(*) AS n FROM panel_sessions",
        "SELECT COUNT(*) AS n FROM paper_entries",
        "SELECT COUNT(*) AS n FROM outbox",
        "SELECT COUNT(*) AS n FROM contacts",
        "SELECT COUNT(*) AS n FROM updates",
        "SELECT COUNT(*) AS n FROM images",
        "SELECT COUNT(*) AS n FROM follow_ups",
        "SELECT COUNT(*) AS n FROM redaction_names",
        "SELECT COUNT(*) AS n FROM rating_scales",
        "SELECT COUNT(*) AS n FROM board_reviews",
        "SELECT COUNT(*) AS n FROM review_ratings",
        "SELECT COUNT(*) AS n FROM measures",
        "SELECT COUNT(*) AS n FROM measure_values",
        "SELECT COUNT(*) AS n FROM evidence_notes",
        "SELECT COUNT(*) AS n FROM measure_outcomes",
        "SELECT COUNT(*) AS n FROM pledge_services",
        "SELECT COUNT(*) AS n FROM update_links",
        "SELECT COUNT(*) AS n FROM recovery_codes",
        "SELECT COUNT(*) AS n FROM sso_configs",
        "SELECT COUNT(*) AS n FROM accounts WHERE approved",
        "SELECT COUNT(*) AS n FROM accounts WHERE totp_secret IS NOT NULL",
        "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n FROM slice_counts",
        "SELECT CAST(COALESCE(SUM(answers), 0) AS BIGINT) AS n FROM answer_counts",
    ]
    .iter()
    .map(|q| format!("{q} = {}", app.count(q)))
    .chain(std::iter::once(format!(
        "drafts = {}",
        app.count_str(
            "SELECT COALESCE(MAX(answers), '') || '/' || COALESCE(MIN(answers), '') || '/' || CAST(COUNT(*) AS TEXT) AS s FROM drafts"
        )
    )))
    .chain(std::iter::once(format!(
        "waves = {}",
        app.count_str("SELECT COALESCE(MAX(status), '') || COALESCE(MIN(status), '') AS s FROM waves")
    )))
    .collect()
}

fn public_posts() -> Vec<String> {
    [
        "/who",
        "/young-people/start",
        "/q/listened-to",
        "/q/age",
        "/consent",
        "/send",
        "/resume",
        "/delete",
        "/follow-up",
        "/member",
    ]
    .iter()
    .map(|p| format!("/s/{WAVE}{p}"))
    .chain([
        "/join".to_owned(),
        "/kiosk/leave".to_owned(),
        "/settings".to_owned(),
        "/u/not-a-token".to_owned(),
        "/updates/confirm/not-a-token".to_owned(),
        "/review".to_owned(),
        "/review/K7QM4P/1".to_owned(),
        "/staff/sign-in/code".to_owned(),
        "/staff/sign-in/set-up".to_owned(),
    ])
    .collect()
}

fn staff_posts() -> Vec<String> {
    [
        "/staff/themes",
        "/staff/users",
        "/staff/updates",
        "/staff/branding",
        "/staff/outbox/retry",
        "/staff/redaction-names",
        "/staff/sign-out",
        "/staff/quotes/00000000-0000-0000-0000-000000000000",
        "/staff/users/remove",
        "/staff/quotes/selections",
        "/staff/quotes/selections/00000000-0000-0000-0000-000000000000/delete",
        "/staff/surveys/new",
        // Uploads (multipart): a form body, forged tokens and oversize are all refused before
        // anything is read or stored.
        "/staff/surveys/upload",
        "/staff/images",
        "/staff/imports/00000000-0000-0000-0000-000000000000/check",
        "/staff/imports/00000000-0000-0000-0000-000000000000/import",
        "/staff/scales/new",
        "/staff/scales/00000000-0000-0000-0000-000000000000",
        "/staff/reviews",
        "/staff/reviews/00000000-0000-0000-0000-000000000000",
        "/staff/reviews/00000000-0000-0000-0000-000000000000/agree",
        "/staff/measures",
        "/staff/measures/new",
        "/staff/measures/00000000-0000-0000-0000-000000000000",
        "/staff/measures/00000000-0000-0000-0000-000000000000/outcomes",
        "/staff/notes",
        "/staff/services",
        "/staff/services/00000000-0000-0000-0000-000000000000/leads",
        "/staff/two-factor",
        "/staff/two-factor/recovery-codes",
        "/staff/two-factor/off",
        "/staff/users/two-factor-reset",
        "/staff/sessions/name",
        "/staff/sessions/end",
        "/staff/sessions/end-others",
        "/staff/sessions/end-everyone",
        "/staff/sso",
        "/staff/users/approve",
    ]
    .iter()
    .map(|p| (*p).to_owned())
    .chain(
        [
            "/status",
            "/panels",
            "/invitations",
            "/invitations/remind",
            "/paper-entry",
            "/coding",
            "/recordings",
            "/build/new",
            "/build/listened-to",
            "/build/listened-to/move",
            "/build/listened-to/duplicate",
            "/build/listened-to/delete",
            "/build/listened-to/suggestion",
            "/review",
            "/review/00000000-0000-0000-0000-000000000000/end",
            "/translations/young-people/pl",
            "/transcripts/00000000-0000-0000-0000-000000000000",
            "/import",
            "/reach",
        ]
        .iter()
        .map(|p| format!("/staff/waves/{WAVE}{p}")),
    )
    .collect()
}

fn cases(torbay_response: &str, southend_response: &str) -> Vec<Case> {
    let mut out = Vec::new();
    let all_posts: Vec<(Who, String)> = public_posts()
        .into_iter()
        .map(|p| (Who::Respondent, p))
        .chain(staff_posts().into_iter().map(|p| (Who::Admin, p)))
        .collect();
    for (who, path) in &all_posts {
        // Forged, missing and malformed form tokens.
        out.push(case(format!("forged token {path}"), *who, Method::POST, path, "csrf=forged&answer=yes"));
        out.push(case(format!("no token {path}"), *who, Method::POST, path, "answer=yes&action=continue"));
        out.push(case(
            format!("token of 5000 chars {path}"),
            *who,
            Method::POST,
            path,
            format!("csrf={}", "a".repeat(5000)),
        ));
        // Oversized body (the limit is 64 KiB).
        out.push(case(
            format!("oversized body {path}"),
            *who,
            Method::POST,
            path,
            format!("csrf=x&answer={}", "A".repeat(70 * 1024)),
        ));
        // Malformed UTF-8, raw and percent-encoded; malformed escapes; NUL.
        out.push(case(
            format!("raw invalid UTF-8 {path}"),
            *who,
            Method::POST,
            path,
            b"csrf=\xff\xfe&answer=\xc3\x28".to_vec(),
        ));
        out.push(case(format!("encoded invalid UTF-8 {path}"), *who, Method::POST, path, "csrf=%FF%FE&answer=%C3%28"));
        out.push(case(format!("broken escape {path}"), *who, Method::POST, path, "csrf=%G1&answer=%"));
        out.push(case(format!("NUL {path}"), *who, Method::POST, path, "csrf=a%00b&answer=yes%00"));
        // Wrong methods.
        for m in [Method::PUT, Method::DELETE, Method::PATCH] {
            out.push(case(format!("{m} {path}"), *who, m.clone(), path, ""));
        }
    }
    // Staff actions with no session, or one that has ended, are refused (not done).
    for path in staff_posts() {
        out.push(case(format!("no session {path}"), Who::Nobody, Method::POST, &path, "csrf=x"));
    }
    // Path traversal and injection strings in addresses.
    for path in [
        "/assets/../../Cargo.toml",
        "/assets/%2e%2e%2f%2e%2e%2fCargo.toml",
        "/assets/..%2f..%2fetc%2fpasswd",
        "/media/images/..%2f..%2fheard.db",
        "/media/recordings/../../../etc/passwd",
        "/s/..%2f..%2fstaff",
        "/s/%2e%2e/q/age",
        "/staff/waves/..%2f..%2fetc%2fpasswd",
        "/s/<script>alert(1)</script>",
        "/s/x'%20OR%20'1'='1",
        "/s/torbay-participation-2025'--/q/age",
        "/s/%00",
        "/s/%FF%FE",
        "/updates/%3Cscript%3E",
        "/updates/x'%3B%20DROP%20TABLE%20responses%3B--",
        "/join/%27%20OR%201%3D1",
        "/i/%3Cimg%20src%3Dx%3E",
        "/media/images/not-a-uuid",
        "/media/recordings/00000000-0000-0000-0000-000000000000",
        "/staff/waves/%3Cscript%3E",
        "/staff/panels/not-an-id",
        "/staff/responses/'%20OR%201=1",
        &"/s/a".repeat(400),
    ] {
        out.push(case(format!("address {path}"), Who::Admin, Method::GET, path, ""));
    }
    // Huge and odd numbers and bad queries.
    for q in [
        "?change=%FF",
        "?page=99999999999999999999",
        "?page=-1&per=1000000000",
        "?from=%00&to=%00",
        "?from=x'%20OR%201=1--&to=y",
        "?audience=%3Cscript%3E",
    ] {
        out.push(case(
            format!("query {q}"),
            Who::Admin,
            Method::GET,
            format!("/staff/series/torbay-participation/compare{q}"),
            "",
        ));
    }
    for q in ["?page=0", "?page=abc", "?page=99999999", "?page=-3", "?page=%FF"] {
        out.push(case(format!("audit {q}"), Who::Admin, Method::GET, format!("/staff/audit{q}"), ""));
    }
    for q in ["1", "0", "9", "-1", "99999999999999999999"] {
        out.push(case(
            format!("compare suppress_below={q}"),
            Who::Admin,
            Method::GET,
            format!(
                "/staff/series/torbay-participation/compare?from=torbay-participation-2024&to=torbay-participation-2025&suppress_below={q}"
            ),
            "",
        ));
    }
    for path in [
        "/updates/confirm/%3Cscript%3E",
        "/updates/confirm/x?lang=%FF",
        &format!("/updates/confirm/{}", "a".repeat(300)),
    ] {
        out.push(case(format!("confirm link {path}"), Who::Respondent, Method::GET, path, ""));
    }
    out.push(case(
        "coding page huge",
        Who::Admin,
        Method::GET,
        format!("/staff/waves/{WAVE}/coding?page=99999999999999999999"),
        "",
    ));
    out.push(case(
        "responses bad filter",
        Who::Admin,
        Method::GET,
        format!("/staff/waves/{WAVE}/responses?audience=%FF"),
        "",
    ));
    // Another partnership's records, by a signed-in analyst of Southend.
    for path in [
        format!("/staff/waves/{WAVE}"),
        format!("/staff/waves/{WAVE}/responses"),
        format!("/staff/waves/{WAVE}/coding"),
        format!("/staff/waves/{WAVE}/quotes"),
        format!("/staff/waves/{WAVE}/panels"),
        format!("/staff/waves/{WAVE}/invitations"),
        format!("/staff/waves/{WAVE}/paper-entry"),
        format!("/staff/responses/{torbay_response}"),
        "/staff/series/torbay-participation/compare".to_owned(),
        "/staff/series/torbay-participation/evidence".to_owned(),
    ] {
        out.push(case(format!("other partnership {path}"), Who::OtherPartnership, Method::GET, path, ""));
    }
    let _ = southend_response;
    out
}

/// Posts a form body without following redirects: the status and the page.
fn post_raw(b: &Browser, path: &str, body: impl Into<reqwest::blocking::Body>) -> (u16, String) {
    let res = b
        .raw()
        .post(format!("{}{path}", b.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .expect("post");
    (res.status().as_u16(), res.text().unwrap_or_default())
}

/// A response is a clear refusal: 4xx, an HTML page with a heading and words, no internals.
fn assert_kind_refusal(name: &str, status: u16, body: &str) {
    assert!((400..500).contains(&status), "{name}: expected a 4xx, got {status}\n{body}");
    assert!(body.contains("<h1"), "{name}: no heading in the refusal ({status}):\n{body}");
    let text = body.split("<main").nth(1).unwrap_or(body);
    assert!(text.contains("<p"), "{name}: no explanation ({status}):\n{body}");
    for leak in ["panicked", "internal error", "diesel", "SQLITE", "syntax error", "<script>alert"] {
        assert!(!body.contains(leak), "{name}: the page shows {leak:?}:\n{body}");
    }
}

fn hostile_requests_are_refused_kindly_and_change_nothing(backend: Backend) {
    let (app, torbay, southend) = setup(backend);
    let respondent = app.browser();
    // A respondent part-way through, so drafts hold answers that must not change.
    let start = respondent.get(&format!("/s/{WAVE}/young-people"));
    let q = respondent.submit(&start.form());
    let q2 = respondent.submit(&q.form().with("answer", "yes").with("action", "continue"));
    assert_eq!(q2.status, 200);
    let (admin, _) = sign_in(&app, "admin@torbay.example", PASSWORD);
    let (other, _) = sign_in(&app, "analyst@southend.example", PASSWORD);
    let nobody = app.browser();
    let before = snapshot(&app);

    let all = cases(&torbay, &southend);
    let mut n = 0;
    let mut failures = Vec::new();
    for c in &all {
        let b: &Browser = match c.who {
            Who::Nobody => &nobody,
            Who::Respondent => &respondent,
            Who::Admin => &admin,
            Who::OtherPartnership => &other,
        };
        let url = format!("{}{}", app.address, c.path);
        let mut req = b.raw().request(c.method.clone(), &url);
        if c.method != Method::GET {
            req = req.header("content-type", c.content_type).body(c.body.clone());
        }
        let res = req.send().unwrap_or_else(|e| panic!("{}: {e}", c.name));
        let status = res.status().as_u16();
        let body = res.text().unwrap_or_default();
        if let Err(e) = std::panic::catch_unwind(|| assert_kind_refusal(&c.name, status, &body)) {
            failures.push(format!("{}: {status}", c.name));
            let _ = e;
        }
        n += 1;
    }
    assert!(failures.is_empty(), "{} cases were not refused kindly:\n{}", failures.len(), failures.join("\n"));

    // Replayed tokens: a form token from one browser, sent by another.
    let stolen = q2.form();
    let thief = app.browser();
    thief.get(&format!("/s/{WAVE}"));
    for (k, path) in [
        ("answer", format!("/s/{WAVE}/q/adults-honest")),
        ("audience", format!("/s/{WAVE}/who")),
        ("code", format!("/s/{WAVE}/resume")),
    ] {
        let form = stolen.clone().with(k, "yes").with("action", "continue");
        let (status, body) = post_raw(&thief, &path, form.body());
        assert_kind_refusal(&format!("replayed token {path}"), status, &body);
        n += 1;
    }
    // A staff token from the admin's page, replayed by the Southend analyst.
    let staff_form = admin.get("/staff/themes").form();
    for path in ["/staff/themes", "/staff/redaction-names", "/staff/updates"] {
        let (status, body) = post_raw(&other, path, staff_form.clone().with("name", "Injected").body());
        assert_kind_refusal(&format!("replayed staff token {path}"), status, &body);
        n += 1;
    }
    // Oversized fields with a genuine token: far too long an answer, a huge number.
    let long = "é".repeat(2001);
    for (path, body) in [
        (format!("/s/{WAVE}/q/adults-honest"), q2.form().with("answer", &long).with("action", "continue").body()),
        (format!("/s/{WAVE}/resume"), q2.form().with("code", &long).body()),
        (format!("/s/{WAVE}/delete"), q2.form().with("code", "' OR 1=1 --").body()),
        (format!("/s/{WAVE}/resume"), q2.form().with("code", "<script>alert(1)</script>").body()),
        ("/join".to_owned(), q2.form().with("code", "'; DROP TABLE responses; --").body()),
    ] {
        let (status, body) = post_raw(&respondent, &path, body);
        assert_kind_refusal(&format!("genuine token, hostile field {path}"), status, &body);
        n += 1;
    }

    // Ended sessions: the admin signs out in another tab, then uses an old page.
    let themes = admin.get("/staff/themes").form().with("name", "After sign-out");
    let out = admin.get("/staff").form_ending("/staff/sign-out");
    admin.submit(&out);
    let (status, body) = post_raw(&admin, "/staff/themes", themes.body());
    assert_kind_refusal("ended session", status, &body);
    assert!(body.contains("session has ended") || body.contains("not signed in"), "{body}");
    n += 1;

    // Slow and truncated requests on raw sockets.
    let port: u16 = app.address.rsplit(':').next().and_then(|p| p.parse().ok()).expect("port");
    let answer_of = |mut s: TcpStream| -> String {
        s.set_read_timeout(Some(Duration::from_secs(15))).expect("timeout");
        let mut buf = Vec::new();
        let _ = s.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    };
    // Headers that never finish: the server gives up with 408.
    let mut slow = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    slow.write_all(b"GET /s/torbay-participation-2025 HTTP/1.1\r\nHost: x\r\nX-Slow: ").expect("write");
    let answer = answer_of(slow);
    assert!(answer.starts_with("HTTP/1.1 408"), "slow headers: {answer}");
    n += 1;
    // A body shorter than its Content-Length, then the client stops sending.
    let mut short = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    short
        .write_all(format!("POST /s/{WAVE}/q/adults-honest HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\nanswer=yes").as_bytes())
        .expect("write");
    short.shutdown(std::net::Shutdown::Write).expect("shutdown");
    let answer = answer_of(short);
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 4"), "truncated body: {answer}");
    n += 1;
    // Headers far too large.
    let mut big = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let huge = format!("GET / HTTP/1.1\r\nHost: x\r\nCookie: {}\r\n\r\n", "a=b; ".repeat(40_000));
    let _ = big.write_all(huge.as_bytes());
    let answer = answer_of(big);
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 4"), "huge headers: {answer}");
    n += 1;
    // Not HTTP at all.
    let mut junk = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    junk.write_all(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 hello\r\n\r\n").expect("write");
    let answer = answer_of(junk);
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 4"), "junk: {answer}");
    n += 1;

    assert!(n >= 200, "only {n} hostile cases");
    // Still up, still answering, and nothing stored changed.
    assert_eq!(app.browser().get("/healthz").status, 200);
    assert_eq!(snapshot(&app), before, "a hostile request changed stored data");
    // The respondent carries on as if nothing happened.
    let next = respondent.submit(&q2.form().with("answer", "no").with("action", "continue"));
    assert_eq!(next.status, 200, "{}", next.html);
    eprintln!("{n} hostile cases refused kindly on {}", backend.name());
}
both!(hostile_requests_are_refused_kindly_and_change_nothing);
