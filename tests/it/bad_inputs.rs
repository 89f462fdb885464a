//! Bad inputs: each gets a 4xx with a clear message, and stored data stays as it was.

use heard::db::Backend;

use crate::both;
use crate::helpers::{Browser, Page, TestApp, spawn_app};

const WAVE: &str = "torbay-participation-2025";

/// A browser on the first question, with its page.
fn on_first_question(app: &TestApp) -> (Browser, Page) {
    let b = app.browser();
    let start = b.get(&format!("/s/{WAVE}/parents-carers"));
    let q = b.submit(&start.form());
    assert!(q.path().ends_with("/q/listened-to"));
    (b, q)
}

fn state(app: &TestApp) -> (i64, i64, String) {
    (app.responses(), app.answers(), app.draft_answers())
}

fn bad_answers_are_refused_kindly(backend: Backend) {
    let app = spawn_app(backend);
    let (b, q) = on_first_question(&app);
    let q2 = b.submit(&q.form().with("answer", "yes").with("action", "continue"));
    assert!(q2.path().ends_with("/q/adults-honest"));
    let before = state(&app);

    // Unknown option value.
    let r = b.submit(&q2.form().with("answer", "definitely").with("action", "continue"));
    assert_eq!(r.status, 400);
    assert!(r.html.contains("That answer is not one of the choices"), "{}", r.html);
    assert!(r.has(".error-summary a[href='#answer-0']"));
    assert_eq!(state(&app), before);

    // Two answers to a one-answer question.
    let r = b.submit(&q2.form().with("answer", "yes").with("answer", "no").with("action", "continue"));
    assert_eq!(r.status, 400);
    assert!(r.html.contains("Choose only one answer."));

    // An unknown button.
    let r = b.submit(&q2.form().with("answer", "yes").with("action", "explode"));
    assert_eq!(r.status, 400);
    assert_eq!(state(&app), before);

    // Number out of range, not a number, not whole.
    let age = b.get(&format!("/s/{WAVE}/q/age"));
    assert_eq!(age.status, 200);
    for (value, message) in [
        ("40", "Enter a number from 0 to 25."),
        ("twelve", "Enter a number using digits"),
        ("7.5", "Enter a whole number"),
        ("1e400", "Enter a number using digits"),
    ] {
        let r = b.submit(&age.form().with("answer", value).with("action", "continue"));
        assert_eq!(r.status, 400, "{value}");
        assert!(r.html.contains(message), "{value}: {}", r.html);
        assert!(r.html.contains(&format!("value=\"{value}\"")), "what they typed is shown back: {value}");
    }
    assert_eq!(state(&app), before);
}
both!(bad_answers_are_refused_kindly);

fn text_limits_count_graphemes(backend: Backend) {
    let app = spawn_app(backend);
    let (b, _) = on_first_question(&app);
    let page = b.get(&format!("/s/{WAVE}/q/what-to-change"));
    assert_eq!(page.status, 200);
    let before = state(&app);
    // 2,000 family emoji are 2,000 graphemes (and 50,000 bytes): accepted when the body limit
    // allows; 10,000 letters are refused by the grapheme limit.
    let long: String = "a".repeat(10_000);
    let r = b.submit(&page.form().with("answer", &long).with("action", "continue"));
    assert_eq!(r.status, 400);
    assert!(
        r.html.contains("Your answer is 10000 characters long. The most you can write here is 2000."),
        "{}",
        &r.html[..r.html.len().min(3000)]
    );
    assert!(r.html.contains(&long), "nothing typed is lost: it is shown back");
    assert_eq!(state(&app), before);

    // NUL and other control characters.
    for bad in ["before\u{0}after", "bell\u{7}", "rtl\u{202E}override"] {
        let r = b.submit(&page.form().with("answer", bad).with("action", "continue"));
        assert_eq!(r.status, 400, "{bad:?}");
        assert!(r.html.contains("hidden control character"));
    }
    assert_eq!(state(&app), before);

    // Emoji and any script are counted as graphemes and accepted.
    let family = "👨‍👩‍👧‍👦".repeat(300);
    let ok = b.submit(&page.form().with("answer", &format!("{family} مرحبا 你好 Cześć")).with("action", "continue"));
    assert!(ok.status < 400, "{}", ok.status);
    assert!(app.draft_answers().contains("Cześć"));
}
both!(text_limits_count_graphemes);

fn forged_and_missing_tokens(backend: Backend) {
    let app = spawn_app(backend);
    let (b, q) = on_first_question(&app);
    let before = state(&app);
    let strip = |f: crate::helpers::Form| crate::helpers::Form {
        action: f.action,
        fields: f.fields.into_iter().filter(|(k, _)| k != "csrf").collect(),
    };
    // Missing token.
    let r = b.submit(&strip(q.form()).with("answer", "yes").with("action", "continue"));
    assert_eq!(r.status, 403);
    assert!(r.html.contains("go back, refresh the page and try again"));
    // Forged token.
    let r = b.submit(&strip(q.form()).with("csrf", &"ab".repeat(32)).with("answer", "yes"));
    assert_eq!(r.status, 403);
    // Another browser's valid token with this browser's cookie.
    let other = app.browser();
    let other_page = other.get(&format!("/s/{WAVE}/parents-carers"));
    let other_token =
        other_page.form().fields.into_iter().find(|(k, _)| k == "csrf").map(|(_, v)| v).unwrap_or_default();
    let r = b.submit(&strip(q.form()).with("csrf", &other_token).with("answer", "yes"));
    assert_eq!(r.status, 403);
    // A cross-site POST (right token, wrong Origin).
    let res = b
        .raw()
        .post(format!("{}/s/{WAVE}/q/listened-to", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "https://evil.example")
        .body(q.form().with("answer", "yes").body())
        .send()
        .expect("post");
    assert_eq!(res.status().as_u16(), 403);
    // The browser's own word that the post is cross-site.
    let res = b
        .raw()
        .post(format!("{}/s/{WAVE}/q/listened-to", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .body(q.form().with("answer", "yes").body())
        .send()
        .expect("post");
    assert_eq!(res.status().as_u16(), 403);
    assert_eq!(state(&app), before);
    // `Origin: null` (what browsers send under Referrer-Policy: no-referrer) with a good token
    // is accepted.
    let res = b
        .raw()
        .post(format!("{}/s/{WAVE}/q/listened-to", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "null")
        .body(q.form().with("answer", "yes").body())
        .send()
        .expect("post");
    assert_eq!(res.status().as_u16(), 303);
}
both!(forged_and_missing_tokens);

fn malformed_bodies(backend: Backend) {
    let app = spawn_app(backend);
    let (b, q) = on_first_question(&app);
    let before = state(&app);
    let form = q.form().with("action", "continue");
    let token_part = form.body();
    // Invalid UTF-8, raw and percent-encoded.
    let mut raw = token_part.clone().into_bytes();
    raw.extend_from_slice(b"&answer=\xff\xfe");
    let r = b.post_body(&form.action, raw);
    assert_eq!(r.status, 400);
    assert!(r.html.contains("not valid text (UTF-8)"));
    let r = b.post_body(&form.action, format!("{token_part}&answer=%C3%28").into_bytes());
    assert_eq!(r.status, 400);
    let r = b.post_body(&form.action, format!("{token_part}&answer=%ZZ").into_bytes());
    assert_eq!(r.status, 400);
    // Over the body limit.
    let huge = format!("{token_part}&answer={}", "x".repeat(app.settings.max_body_bytes + 10));
    let r = b.post_body(&form.action, huge.into_bytes());
    assert_eq!(r.status, 413);
    assert!(r.html.contains("too large"));
    // Not a form at all.
    let res = b
        .raw()
        .post(format!("{}{}", app.address, form.action))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .expect("post");
    assert_eq!(res.status().as_u16(), 400);
    // A wrong method.
    let res = b.raw().put(format!("{}{}", app.address, form.action)).send().expect("put");
    assert_eq!(res.status().as_u16(), 405);
    let res = b.raw().get(format!("{}/s/{WAVE}/send", app.address)).send().expect("get");
    assert_eq!(res.status().as_u16(), 405);
    assert_eq!(state(&app), before);
}
both!(malformed_bodies);

fn closed_and_missing_waves(backend: Backend) {
    let app = spawn_app(backend);
    let b = app.browser();
    let before = state(&app);
    let missing = b.get("/s/no-such-wave");
    assert_eq!(missing.status, 404);
    assert!(missing.html.contains("There is no survey at this address"));
    assert_eq!(b.get("/s/Bad%20Slug!").status, 404);
    assert_eq!(b.get("/nowhere").status, 404);
    for wave in ["torbay-participation-2023", "torbay-participation-2024"] {
        let closed = b.get(&format!("/s/{wave}"));
        assert_eq!(closed.status, 410, "{wave}");
        assert!(closed.html.contains("has closed"));
        // Posting into a closed wave stores nothing. Use a valid token from an open page.
        let open = b.get(&format!("/s/{WAVE}/young-people"));
        let mut form = open.form();
        form.action = format!("/s/{wave}/young-people/start");
        let r = b.submit(&form);
        assert_eq!(r.status, 410);
    }
    assert_eq!(state(&app), before);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM drafts"), 0);
}
both!(closed_and_missing_waves);

fn security_headers_and_cookies(backend: Backend) {
    let app = spawn_app(backend);
    let b = app.browser();
    let res = b
        .raw()
        .get(format!("{}/s/{WAVE}/young-people", app.address))
        .header("accept-encoding", "gzip, br")
        .send()
        .expect("get");
    let h = res.headers();
    let csp = h.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or("");
    assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(h.get("x-content-type-options").and_then(|v| v.to_str().ok()), Some("nosniff"));
    assert_eq!(h.get("referrer-policy").and_then(|v| v.to_str().ok()), Some("no-referrer"));
    assert!(h.get("strict-transport-security").is_none(), "no HSTS without TLS");
    assert!(h.get("content-encoding").is_some(), "compressed");
    let cookie = h.get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or("");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"), "{cookie}");
    assert!(!res.text().unwrap_or_default().contains("<script"), "no scripts on respondent pages");

    let secure = crate::helpers::spawn_app_with(backend, |s| s.secure_cookies = true);
    let res = secure.browser().raw().get(format!("{}/s/{WAVE}", secure.address)).send().expect("get");
    assert!(res.headers().get("strict-transport-security").is_some());
    let cookie = res.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or("");
    assert!(cookie.contains("Secure"), "{cookie}");
}
both!(security_headers_and_cookies);
