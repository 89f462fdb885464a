//! Display settings (`/settings`) and languages: chosen without JavaScript, remembered in a
//! cookie, honoured by every page; translated survey versions with `lang` and `dir`.

use heard::db::Backend;

use crate::both;
use crate::helpers::{Plan, complete, spawn_app};

const WAVE: &str = "torbay-participation-2025";

fn html_tag(page: &crate::helpers::Page) -> String {
    let start = page.html.find("<html").expect("html tag");
    let end = page.html[start..].find('>').expect("tag end");
    page.html[start..start + end + 1].to_owned()
}

fn display_settings_are_remembered_and_honoured(backend: Backend) {
    let app = spawn_app(backend);
    let browser = app.browser();
    let before = browser.get(&format!("/s/{WAVE}"));
    assert!(!html_tag(&before).contains("class="), "no settings yet: {}", html_tag(&before));
    let link = before
        .doc()
        .select(&scraper::Selector::parse("a.settings-link").unwrap())
        .next()
        .map(|a| a.value().attr("href").unwrap_or_default().to_owned());
    let link = link.expect("every page links to display settings");
    assert_eq!(link, format!("/settings?back=%2Fs%2F{WAVE}"));

    let settings = browser.get(&link);
    assert_eq!(settings.status, 200);
    assert_eq!(
        settings.doc().select(&scraper::Selector::parse("input[type=checkbox][name=display]").unwrap()).count(),
        4
    );
    let form = settings.form().with("display", "text").with("display", "contrast").with("display", "spacing");
    let (status, location) = browser.submit_raw(&form);
    assert_eq!(status, 303);
    assert_eq!(location.as_deref(), Some(format!("/settings?saved=1&back=%2Fs%2F{WAVE}").as_str()));
    let saved = browser.get(location.as_deref().unwrap());
    assert!(saved.has(".success a[href='/s/torbay-participation-2025']"), "a way back: {}", saved.html);
    let boxes = saved.doc().select(&scraper::Selector::parse("input[checked]").unwrap()).count();
    assert_eq!(boxes, 3, "the form shows what is on");

    // Every page honours them: respondent, error and staff pages alike.
    for path in [format!("/s/{WAVE}"), "/no-such-page".to_owned(), "/staff/sign-in".to_owned(), "/".to_owned()] {
        let page = browser.get(&path);
        assert!(html_tag(&page).contains("class=\"d-text d-contrast d-spacing\""), "{path}: {}", html_tag(&page));
    }
    // Another device (no cookie) is unaffected.
    assert!(!html_tag(&app.browser().get(&format!("/s/{WAVE}"))).contains("class="));

    // Turning everything off removes the cookie.
    let off = browser.get("/settings");
    browser.submit(&off.form());
    assert!(!html_tag(&browser.get(&format!("/s/{WAVE}"))).contains("class="));

    // Only this site's addresses are used to go back.
    let evil = browser.get("/settings?back=//evil.example/x");
    let back = evil
        .doc()
        .select(&scraper::Selector::parse("input[name=back]").unwrap())
        .next()
        .unwrap()
        .value()
        .attr("value")
        .unwrap()
        .to_owned();
    assert_eq!(back, "/");
    // A forged POST changes nothing.
    let forged = browser.post_body("/settings", b"display=text".to_vec());
    assert_eq!(forged.status, 403);
    assert!(!html_tag(&browser.get("/")).contains("class="));
}
both!(display_settings_are_remembered_and_honoured);

fn a_young_person_answers_in_polish_and_arabic(backend: Backend) {
    let app = spawn_app(backend);
    let browser = app.browser();
    let start = browser.get(&format!("/s/{WAVE}/young-people"));
    let offered = start.text_of("nav.languages li");
    assert_eq!(offered, vec!["English", "Polski", "العربية"]);
    let to_polish = start
        .doc()
        .select(&scraper::Selector::parse("nav.languages a[lang=pl]").unwrap())
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_owned();
    let polish = browser.get(&to_polish);
    assert!(polish.path().ends_with("/s/torbay-participation-2025/young-people"), "{}", polish.url);
    assert!(html_tag(&polish).contains("lang=\"pl\" dir=\"ltr\""));
    assert!(polish.has("p.notice"), "machine-drafted translations say so");
    assert_eq!(polish.text_of("main button"), vec!["Zacznij teraz"]);

    // A wrong answer gets a Polish error; answers are Polish; the stored values are the same.
    let q1 = browser.submit(&polish.form());
    assert_eq!(q1.text_of(".progress"), vec!["Pytanie 1 z 13"]);
    assert_eq!(q1.text_of("h1"), vec!["Czy dorośli cię słuchają?"]);
    let labels = q1.text_of(".choice span");
    assert_eq!(labels, vec!["Tak", "Czasami", "Nie"]);
    let symbol = q1
        .doc()
        .select(&scraper::Selector::parse(".q-symbol").unwrap())
        .next()
        .unwrap()
        .value()
        .attr("aria-label")
        .unwrap()
        .to_owned();
    assert_eq!(symbol, "Ucho, które słucha");
    let wrong = browser.submit(&q1.form().with("answer", "maybe").with("action", "continue"));
    assert_eq!(wrong.status, 400);
    assert_eq!(wrong.text_of(".error-summary h2"), vec!["Jest problem"]);
    assert!(wrong.text_of("title")[0].starts_with("Błąd:"));

    // Switching to Arabic mid-survey keeps the answers and turns the page right to left.
    browser.get(&format!("/language?to=ar&back=/s/{WAVE}/q/listened-to"));
    let arabic = browser.get(&format!("/s/{WAVE}/q/listened-to"));
    assert!(html_tag(&arabic).contains("lang=\"ar\" dir=\"rtl\""), "{}", html_tag(&arabic));
    assert_eq!(arabic.text_of("h1"), vec!["هل يستمع إليك الكبار؟"]);

    let mut plan = Plan::new();
    plan.insert("has-plan", vec!["yes"]);
    plan.insert("help-from", vec!["school", "family"]);
    let fresh = app.browser();
    fresh.get(&format!("/language?to=ar&back=/s/{WAVE}"));
    let walk = complete(&fresh, WAVE, "young-people", &plan, "yes");
    assert_eq!(walk.receipt.len(), 14, "like K7QM-4PX2-9HTW");
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM answers WHERE question_key = 'help-from' AND option_value IN ('school', 'family')"),
        2,
        "the language changes the words, never the stored values"
    );

    // The parents' version has no Polish: it stays English, with no switcher.
    browser.get(&format!("/language?to=pl&back=/s/{WAVE}"));
    let parents = browser.get(&format!("/s/{WAVE}/parents-carers"));
    assert!(html_tag(&parents).contains("lang=\"en-GB\""));
    assert!(!parents.has("nav.languages"));
    // On the audience choice the Polish page marks the English-only choice as English.
    let who = browser.get(&format!("/s/{WAVE}/who"));
    assert!(html_tag(&who).contains("lang=\"pl\""));
    assert!(who.has(".choice span[lang='en-GB']"), "{}", who.html);

    // A language Heard does not have gets a kind error.
    // (in the language already chosen: `error_pages` walks every language).
    let unknown = app.browser().get("/language?to=tlh&back=/");
    assert_eq!(unknown.status, 400);
    assert!(unknown.html.contains("Heard does not have that language"));
    let polish = browser.get("/language?to=tlh&back=/");
    assert_eq!(polish.status, 400);
    assert!(polish.html.contains("Heard nie ma tego języka"), "{}", polish.html);
}
both!(a_young_person_answers_in_polish_and_arabic);
