//! Error pages speak the respondent's language: every respondent-facing error is walked in
//! English, Polish and Arabic, and its heading and message are compared with the words in
//! the catalogue files (`templates/i18n/*.toml`), read here independently of the server.

use std::collections::HashMap;

use heard::db::Backend;

use crate::both;
use crate::helpers::{Page, spawn_app, spawn_app_with};

const WAVE: &str = "torbay-participation-2025";

/// One language's catalogue, read from the file the server embeds.
fn catalogue(lang: &str) -> HashMap<String, String> {
    let path = format!("{}/templates/i18n/{lang}.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let table: toml::Table = text.parse().unwrap_or_else(|e| panic!("{path}: {e}"));
    let text = table.get("text").and_then(toml::Value::as_table).cloned().unwrap_or_default();
    text.into_iter().filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_owned()))).collect()
}

/// The longest run of a message with no placeholder and no line break: a piece of the words
/// that must appear on the page whatever the arguments were.
fn fixed_part(message: &str) -> String {
    let mut pieces = Vec::new();
    for line in message.lines() {
        let mut rest = line;
        while let Some(open) = rest.find('{') {
            pieces.push(&rest[..open]);
            rest = rest[open..].find('}').map_or("", |close| &rest[open + close + 1..]);
        }
        pieces.push(rest);
    }
    pieces.into_iter().map(str::trim).max_by_key(|p| p.chars().count()).unwrap_or_default().to_owned()
}

fn html_tag(page: &Page) -> String {
    let start = page.html.find("<html").expect("html tag");
    let end = page.html[start..].find('>').expect("tag end");
    page.html[start..start + end + 1].to_owned()
}

fn error_pages_are_in_the_chosen_language(backend: Backend) {
    let app = spawn_app(backend);
    // (what is done, expected status, heading key, message key)
    let cases: Vec<(&str, String, u16, &str, &str)> = vec![
        ("GET", "/no-such-page".into(), 404, "error_heading_not_found", "error_no_page"),
        ("GET", "/s/no-such-wave".into(), 404, "error_heading_not_found", "error_no_survey"),
        ("GET", "/s/torbay-participation-2023".into(), 410, "error_heading_gone", "error_closed"),
        ("GET", format!("/s/{WAVE}/send"), 405, "error_heading_method", "error_wrong_method_named"),
        ("GET", "/language?to=tlh&back=/".into(), 400, "error_heading_bad_request", "error_no_language"),
        ("POST", format!("/s/{WAVE}/young-people/start"), 403, "error_heading_expired", "error_form_expired"),
    ];
    for lang in ["en-GB", "pl", "ar"] {
        let words = catalogue(lang);
        let browser = app.browser();
        let chosen = browser.get(&format!("/language?to={lang}&back=/"));
        assert_eq!(chosen.status, 200, "{lang}: choosing the language works");
        for (method, path, status, heading, message) in &cases {
            let page = match *method {
                "GET" => browser.get(path),
                _ => browser.post_body(path, b"answer=yes".to_vec()),
            };
            assert_eq!(page.status, *status, "{lang} {method} {path}: {}", page.html);
            let tag = html_tag(&page);
            assert!(tag.contains(&format!("lang=\"{lang}\"")), "{lang} {path}: {tag}");
            assert_eq!(tag.contains("dir=\"rtl\""), lang == "ar", "{lang} {path}: {tag}");
            let h1 = page.text_of("h1").join(" ");
            assert_eq!(h1, words[*heading], "{lang} {path}: the heading comes from the catalogue");
            let main = page.text_of("main").join(" ");
            let part = fixed_part(&words[*message]);
            assert!(part.chars().count() > 10, "{message} has a fixed part to look for: {part:?}");
            assert!(main.contains(&part), "{lang} {path}: expected {part:?} in {main}");
            if lang != "en-GB" {
                let english = fixed_part(&catalogue("en-GB")[*message]);
                assert!(!main.contains(&english), "{lang} {path}: no English left: {main}");
            }
        }
    }
}
both!(error_pages_are_in_the_chosen_language);

/// A refusal by the public-post limit is a page in the visitor's language, right to left for
/// Arabic, and carries the same security headers as every other page.
fn rate_limit_refusals_are_in_the_chosen_language(backend: Backend) {
    // 5 a minute in bursts of 1: after the first post from this address, every one is refused.
    let app = spawn_app_with(backend, |s| s.public_posts_per_minute = 5);
    let client = app.browser();
    let url = format!("{}/s/{WAVE}/young-people/start", app.address);
    for lang in ["en-GB", "pl", "ar"] {
        let words = catalogue(lang);
        let refused = (0..4)
            .map(|_| {
                client
                    .raw()
                    .post(&url)
                    .header("cookie", format!("heard_lang={lang}"))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body("answer=yes")
                    .send()
                    .expect("post")
            })
            .find(|r| r.status().as_u16() == 429)
            .unwrap_or_else(|| panic!("{lang}: the limit refuses a post"));
        let csp = refused.headers().get("content-security-policy").and_then(|v| v.to_str().ok()).map(str::to_owned);
        assert!(csp.is_some_and(|c| c.contains("default-src")), "{lang}: a refusal has the security headers");
        let page = Page { status: 429, url: url.clone(), html: refused.text().expect("body") };
        let tag = html_tag(&page);
        assert!(tag.contains(&format!("lang=\"{lang}\"")), "{lang}: {tag}");
        assert_eq!(tag.contains("dir=\"rtl\""), lang == "ar", "{lang}: {tag}");
        assert_eq!(page.text_of("h1").join(" "), words["error_heading_wait"], "{lang}: the heading");
        let main = page.text_of("main").join(" ");
        let part = fixed_part(&words["error_too_many_posts"]);
        assert!(main.contains(&part), "{lang}: expected {part:?} in {main}");
    }
}
both!(rate_limit_refusals_are_in_the_chosen_language);
