//! The respondent journey end to end, with a client that runs no JavaScript.

use heard::db::Backend;

use crate::both;
use crate::helpers::{Plan, complete, spawn_app};

const WAVE: &str = "torbay-participation-2025";

fn export_json(app: &crate::helpers::TestApp) -> serde_json::Value {
    let out = std::process::Command::new(crate::helpers::heard_bin())
        .args(["export", "responses", "--wave", WAVE, "--format", "json"])
        .env("DATABASE_URL", &app.db.url)
        .output()
        .expect("run heard export");
    assert!(out.status.success(), "export failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("export is JSON")
}

fn complete_as_each_audience(backend: Backend) {
    let app = spawn_app(backend);
    for audience in ["young-people", "parents-carers"] {
        let browser = app.browser();
        let mut plan = Plan::new();
        plan.insert("has-plan", vec!["yes"]);
        plan.insert("help-from", vec!["school", "family"]);
        plan.insert("age", vec!["14"]);
        plan.insert("what-to-change", vec!["Quiet spaces at school, please. 🙂 Dziękuję! شكرا"]);
        let walk = complete(&browser, WAVE, audience, &plan, "yes");
        assert_eq!(walk.receipt.len(), 14, "receipt like K7QM-4PX2-9HTW: {}", walk.receipt);
        assert!(walk.visited.contains(&"plan-involved".to_owned()), "routing shows plan-involved after yes");
        assert_eq!(walk.visited.len(), 14, "all 14 questions seen: {:?}", walk.visited);
    }
    assert_eq!(app.responses(), 2);
    let exported = export_json(&app);
    let records = exported.as_array().expect("array");
    assert_eq!(records.len(), 2);
    for r in records {
        assert_eq!(r["channel"], "web");
        assert_eq!(r["consent_to_quote"], true);
        let answers = &r["answers"];
        assert_eq!(answers["has-plan"], "yes");
        assert_eq!(answers["help-from"], serde_json::json!(["school", "family"]));
        assert_eq!(answers["age"], 14.0);
        assert_eq!(answers["what-to-change"], "Quiet spaces at school, please. 🙂 Dziękuję! شكرا");
        assert_eq!(answers.as_object().map(|o| o.len()), Some(14), "every answer under its key: {answers}");
        let day = r["submitted_on"].as_str().unwrap_or("");
        assert_eq!(day.len(), 10, "a day, not a time: {day}");
    }
    let audiences: Vec<&str> = records.iter().filter_map(|r| r["audience"].as_str()).collect();
    assert!(audiences.contains(&"young-people") && audiences.contains(&"parents-carers"));
}
both!(complete_as_each_audience);

fn routing_hides_and_prunes(backend: Backend) {
    let app = spawn_app(backend);
    let browser = app.browser();
    let mut plan = Plan::new();
    plan.insert("has-plan", vec!["no"]);
    let walk = complete(&browser, WAVE, "young-people", &plan, "no");
    assert!(!walk.visited.contains(&"plan-involved".to_owned()), "plan-involved hidden when has-plan = no");
    assert_eq!(walk.visited.len(), 13);
    let exported = export_json(&app);
    assert!(exported[0]["answers"].get("plan-involved").is_none());
    assert_eq!(exported[0]["consent_to_quote"], false);

    // Answer yes (plan-involved appears), then change to no from the check page: the hidden
    // answer must not be sent.
    let b2 = app.browser();
    let start = b2.get(&format!("/s/{WAVE}/young-people"));
    let mut page = b2.submit(&start.form());
    loop {
        let path = page.path();
        if path.ends_with("/check") {
            break;
        }
        if path.ends_with("/consent") {
            page = b2.submit(&page.form().with("answer", "yes"));
            continue;
        }
        let key = path.rsplit('/').next().unwrap_or("").to_owned();
        let form = page.form();
        page = match key.as_str() {
            "has-plan" => b2.submit(&form.with("answer", "yes").with("action", "continue")),
            "plan-involved" => b2.submit(&form.with("answer", "yes").with("action", "continue")),
            _ => b2.submit(&form.with("action", "skip")),
        };
    }
    assert!(page.html.contains("Did you help to make your plan?"));
    let change = b2.get(&format!("/s/{WAVE}/q/has-plan?change=1"));
    let back_to_check = b2.submit(&change.form().with("answer", "no").with("action", "continue"));
    assert!(back_to_check.path().ends_with("/check"));
    assert!(!back_to_check.html.contains("Did you help to make your plan?"));
    let done = b2.submit(&back_to_check.form());
    assert!(done.path().ends_with("/done"));
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM answers WHERE question_key = 'plan-involved'"), 0);
}
both!(routing_hides_and_prunes);

fn resume_on_second_device(backend: Backend) {
    let app = spawn_app(backend);
    let phone = app.browser();
    let start = phone.get(&format!("/s/{WAVE}/parents-carers"));
    let q1 = phone.submit(&start.form());
    let q2 = phone.submit(&q1.form().with("answer", "no").with("action", "continue"));
    assert!(q2.path().ends_with("/q/adults-honest"), "{}", q2.url);
    let saved = phone.submit(&q2.form().with("answer", "sometimes").with("action", "save"));
    assert_eq!(saved.status, 200);
    let code = saved.text_of(".resume-code").into_iter().next().expect("resume code");

    // A second device: fresh cookie jar.
    let laptop = app.browser();
    let form_page = laptop.get(&format!("/s/{WAVE}/resume"));
    let wrong = laptop.submit(&form_page.form().with("code", "2345-6789"));
    assert_eq!(wrong.status, 400);
    assert!(wrong.html.contains("That code did not work"));
    let next = laptop.submit(&form_page.form().with("code", &code.to_lowercase().replace('-', " ")));
    assert!(next.path().ends_with("/q/know-who-to-ask"), "resumes after the last answer: {}", next.url);
    let back = laptop.get(&format!("/s/{WAVE}/q/adults-honest"));
    assert!(back.html.contains("value=\"sometimes\" checked"), "earlier answer kept");
    // The code keeps working until the answers are sent: a third device carries on with it,
    // then the laptop again, and the answers follow the code.
    let again = app.browser();
    let f = again.get(&format!("/s/{WAVE}/resume"));
    assert!(again.submit(&f.form().with("code", &code)).path().ends_with("/q/know-who-to-ask"));
    let f = laptop.get(&format!("/s/{WAVE}/resume"));
    let next = laptop.submit(&f.form().with("code", &code));
    assert!(next.path().ends_with("/q/know-who-to-ask"), "the same code works again: {}", next.url);
    // Finish on the laptop.
    let mut page = next;
    while !page.path().ends_with("/done") {
        let path = page.path();
        page = if path.ends_with("/consent") {
            laptop.submit(&page.form().with("answer", "no"))
        } else if path.ends_with("/check") {
            laptop.submit(&page.form())
        } else {
            laptop.submit(&page.form().with("action", "skip"))
        };
        assert!(page.status < 400, "{}", page.html);
    }
    let exported = export_json(&app);
    assert_eq!(exported.as_array().map(Vec::len), Some(1));
    assert_eq!(exported[0]["answers"]["listened-to"], "no");
    assert_eq!(exported[0]["answers"]["adults-honest"], "sometimes");
    assert_eq!(exported[0]["audience"], "parents-carers");
    // Sent: the code to carry on stops working.
    let f = again.get(&format!("/s/{WAVE}/resume"));
    assert_eq!(again.submit(&f.form().with("code", &code)).status, 400);
}
both!(resume_on_second_device);

/// A code to carry on and a receipt look different and say which is which; the saved page
/// gives a link with the code filled in; saving again keeps the code (with a way to get a
/// new one); each kind of code typed in the other's place is named.
fn the_two_kinds_of_code_say_which_is_which(backend: Backend) {
    let app = spawn_app(backend);
    let phone = app.browser();
    let start = phone.get(&format!("/s/{WAVE}/parents-carers"));
    let q1 = phone.submit(&start.form());
    let saved = phone.submit(&q1.form().with("answer", "no").with("action", "save"));
    assert!(saved.has(".code-box.resume .resume-code"), "{}", saved.html);
    assert!(!saved.has(".receipt"), "a code to carry on is not shown as a receipt");
    assert!(saved.html.contains("Your code to carry on") && saved.html.contains("a receipt"));
    let code = saved.text_of(".resume-code").into_iter().next().expect("code");
    let link = saved.attr_of(".code-link a", "href").into_iter().next().expect("bookmarkable link");
    assert!(
        link.starts_with(&app.settings.public_url) && link.ends_with(&format!("/s/{WAVE}/resume?code={code}")),
        "{link}"
    );

    // The link fills the code in; nothing moves until Carry on is pressed.
    let laptop = app.browser();
    let filled = laptop.get(&link[app.settings.public_url.len()..]);
    assert_eq!(filled.attr_of("input#code", "value"), vec![code.clone()]);
    let q = phone.get(&format!("/s/{WAVE}/q/adults-honest"));
    assert_eq!(q.status, 200, "opening the link moved nothing");
    let moved = laptop.submit(&filled.form().with("code", &code));
    assert!(moved.path().contains("/q/"), "{}", moved.url);

    // Saving again keeps the code the person has; a new one only when asked, and then the old
    // one stops working.
    let again = laptop.submit(&moved.form().with("action", "save"));
    assert!(again.html.contains("it still works") && !again.has(".resume-code"), "{}", again.html);
    let fresh = laptop.submit(&again.form());
    let new_code = fresh.text_of(".resume-code").into_iter().next().expect("a new code");
    assert_ne!(new_code, code);
    let old = app.browser();
    let f = old.get(&format!("/s/{WAVE}/resume"));
    let refused = old.submit(&f.form().with("code", &code));
    assert_eq!(refused.status, 400);
    assert!(refused.html.contains("That code did not work"));

    // A code to carry on typed where a receipt is asked for is named.
    let f = old.get(&format!("/s/{WAVE}/delete"));
    let named = old.submit(&f.form().with("code", &new_code));
    assert_eq!(named.status, 404);
    assert!(named.html.contains("That is a code to carry on with saved answers"), "{}", named.html);

    // And a receipt typed where a code to carry on is asked for.
    let walk = complete(&app.browser(), WAVE, "young-people", &Plan::new(), "yes");
    let f = old.get(&format!("/s/{WAVE}/resume"));
    let named = old.submit(&f.form().with("code", &walk.receipt));
    assert_eq!(named.status, 400);
    assert!(named.html.contains("That is a receipt code"), "{}", named.html);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM responses"), 1, "nothing was deleted or sent by mistake");
}
both!(the_two_kinds_of_code_say_which_is_which);

fn exactly_once_submission(backend: Backend) {
    let app = spawn_app(backend);
    let browser = app.browser();
    let start = browser.get(&format!("/s/{WAVE}/young-people"));
    let mut page = browser.submit(&start.form());
    while !page.path().ends_with("/check") {
        page = if page.path().ends_with("/consent") {
            browser.submit(&page.form().with("answer", "yes"))
        } else {
            browser.submit(&page.form().with("action", "skip"))
        };
    }
    let send = page.form();
    // A double tap: two sends at once.
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let b = browser.sharing();
            let f = send.clone();
            std::thread::spawn(move || b.submit_raw(&f))
        })
        .collect();
    for t in threads {
        let (status, location) = t.join().expect("thread");
        assert_eq!(status, 303);
        assert_eq!(location.as_deref(), Some(format!("/s/{WAVE}/done").as_str()));
    }
    let done = browser.get(&format!("/s/{WAVE}/done"));
    let receipt = done.text_of(".receipt")[0].clone();
    // Refresh after submit, Back and Send again, a replayed POST.
    assert_eq!(browser.get(&format!("/s/{WAVE}/done")).text_of(".receipt")[0], receipt);
    let back = browser.get(&format!("/s/{WAVE}/check"));
    assert!(back.path().ends_with("/done"), "Back to check after sending lands on done");
    let replay = browser.submit(&send);
    assert!(replay.path().ends_with("/done"));
    assert_eq!(replay.text_of(".receipt")[0], receipt);
    let q = browser.get(&format!("/s/{WAVE}/q/listened-to"));
    assert!(q.path().ends_with("/done"), "questions of a sent draft lead to done");
    assert_eq!(app.responses(), 1);
    // Starting again makes a new response, not a change to the old one.
    let start = browser.get(&format!("/s/{WAVE}/young-people"));
    let first = browser.submit(&start.form());
    assert!(first.path().contains("/q/"));
    assert_eq!(app.responses(), 1);
}
both!(exactly_once_submission);

fn delete_by_receipt(backend: Backend) {
    let app = spawn_app(backend);
    let browser = app.browser();
    let walk = complete(&browser, WAVE, "parents-carers", &Plan::new(), "yes");
    let other = complete(&app.browser(), WAVE, "young-people", &Plan::new(), "no");
    assert_eq!(app.responses(), 2);
    let answers_before = app.answers();
    let stranger = app.browser();
    let form = stranger.get(&format!("/s/{WAVE}/delete"));
    let bad = stranger.submit(&form.form().with("code", "not a code"));
    assert_eq!(bad.status, 400);
    assert!(bad.html.contains("Receipt codes have 12 letters"));
    let unknown = stranger.submit(&form.form().with("code", "2345-6789"));
    assert_eq!(unknown.status, 404);
    assert_eq!(app.responses(), 2);
    // A right code first asks "Are you sure?" with a warning button; nothing goes yet.
    let sure = stranger.submit(&form.form().with("code", &walk.receipt.to_lowercase()));
    assert_eq!(sure.status, 200);
    assert!(sure.html.contains("Are you sure you want to delete your answers?"));
    assert!(sure.has("button.warning"), "a warning button");
    assert!(sure.html.contains(&walk.receipt), "the code is shown as written on the receipt");
    assert!(sure.has(&format!("a[href='/s/{WAVE}']")), "a way back that keeps the answers");
    assert_eq!(app.responses(), 2, "nothing deleted before yes");
    let deleted = stranger.submit(&sure.form());
    assert_eq!(deleted.status, 200);
    assert!(deleted.html.contains("Your answers are deleted"));
    assert_eq!(app.responses(), 1);
    assert!(app.answers() < answers_before && app.answers() > 0, "only that response's answers went");
    let twice = stranger.submit(&form.form().with("code", &walk.receipt));
    assert_eq!(twice.status, 404);
    // A replayed "yes" for a code that is gone is not found too.
    assert_eq!(stranger.submit(&sure.form()).status, 404);
    assert_ne!(walk.receipt, other.receipt);
    // Codes are long (12 characters) and stored keyed, never as the plain code or its bare SHA-256.
    assert_eq!(other.receipt.replace('-', "").len(), 12);
    let plain = heard::domain::codes::hash_token(&format!("receipt:{}", other.receipt.replace('-', "")));
    assert_eq!(app.count(&format!("SELECT COUNT(*) AS n FROM responses WHERE receipt_hash = '{plain}'")), 0);
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) AS n FROM drafts WHERE receipt_code LIKE '%{}%'", other.receipt)),
        0,
        "no plain receipt code in drafts"
    );
    // Guessing from many addresses gains nothing: wrong codes are throttled per wave.
    let mut refused = 0;
    for i in 0..80 {
        let abc = heard::domain::codes::CODE_ALPHABET;
        let tail: String = [i / 27 % 27, i / 9 % 9, i / 3 % 3, i % 3].iter().map(|&n| abc[n] as char).collect();
        let guess = stranger.submit(&form.form().with("code", &format!("2345-6789-{tail}")));
        if guess.status == 429 {
            refused += 1;
            assert!(guess.html.contains("Many wrong codes have been typed"), "{}", guess.html);
        } else {
            assert_eq!(guess.status, 404);
        }
    }
    assert!(refused >= 15, "{refused} of 80 refused");
    assert_eq!(app.responses(), 1, "the other response is still there");
}
both!(delete_by_receipt);

fn delete_window_closes(backend: Backend) {
    let app = crate::helpers::spawn_app_with(backend, |s| s.deletion_days = 0);
    let browser = app.browser();
    let walk = complete(&browser, WAVE, "young-people", &Plan::new(), "no");
    std::thread::sleep(std::time::Duration::from_millis(20));
    let form = browser.get(&format!("/s/{WAVE}/delete"));
    let late = browser.submit(&form.form().with("code", &walk.receipt));
    assert_eq!(late.status, 410, "too late is said before asking 'are you sure?'");
    let forced = browser.submit(&form.form().with("code", &walk.receipt).with("confirm", "yes"));
    assert_eq!(forced.status, 410);
    assert_eq!(app.responses(), 1);
}
both!(delete_window_closes);

fn pages_are_accessible_shapes(backend: Backend) {
    let app = spawn_app(backend);
    let browser = app.browser();
    let start = browser.get(&format!("/s/{WAVE}"));
    assert!(start.html.contains("<html lang=\"en-GB\" dir=\"ltr\">"));
    // Several audiences: the front page is the choice, then one start page (the audience's).
    assert!(start.has("form[action$='/who'] input[type=radio][name=audience]"), "several audiences: a choice first");
    assert!(
        !start.html.contains("Start now") && !start.html.contains("It takes about"),
        "no start page before the choice"
    );
    assert!(start.has("a[href$='/resume']") && start.has("a[href$='/delete']"));
    let who = browser.get(&format!("/s/{WAVE}/who"));
    assert!(who.path().ends_with(&format!("/s/{WAVE}")), "the old choice address leads to the front page");
    let none = browser.submit(&who.form());
    assert_eq!(none.status, 400);
    assert!(none.has(".error-summary") && none.html.contains("Choose who is answering."));
    assert!(none.text_of("title")[0].starts_with("Error:"));
    let aud = browser.submit(&who.form().with("audience", "young-people"));
    assert!(aud.path().ends_with("/s/torbay-participation-2025/young-people"));
    assert_eq!(aud.html.matches("Start now").count(), 1, "one start page, one Start now");
    assert!(aud.html.contains("It takes about"));
    let q = browser.submit(&aud.form());
    assert_eq!(q.text_of(".progress"), vec!["Question 1 of 13".to_owned()]);
    assert!(q.has("fieldset legend h1"), "the question is the legend's heading");
    assert!(q.has(".q-symbol[role=img][aria-label]"), "symbol beside the words, with alt text");
    assert!(q.has("a.back"));
    // Skip is a link-styled button, and "you can skip any question" is said once, at the start.
    assert!(q.has("button.linkbutton[value=skip]"));
    assert!(!q.html.contains("You don&#x27;t have to answer this question."));
    assert!(aud.html.contains("You can skip any question."));
    // Nothing chosen and Continue: optional, so it moves on.
    let next = browser.submit(&q.form().with("action", "continue"));
    assert!(next.path().ends_with("/q/adults-honest"));
}
both!(pages_are_accessible_shapes);

/// "You can skip any question" is said once, on the start page, and only when it is true.
fn the_start_page_says_which_questions_can_be_skipped(backend: Backend) {
    let app = spawn_app(backend);
    crate::fixtures::SurveyFile::new("torbay", "must", "Must answer", "must-2025", "2025")
        .yes_no("first", "Is the first question easy?", &[], &[])
        .required()
        .long_text("more", "Anything else?")
        .import(&app);
    let browser = app.browser();
    let start = browser.get("/s/must-2025");
    assert!(start.html.contains("You can skip any question, unless it says you need to answer it."));
    let q = browser.submit(&start.form());
    assert!(q.path().ends_with("/q/first"), "{}", q.path());
    assert!(q.html.contains("You need to answer this question."));
    assert!(!q.has("button[value=skip]"), "a required question has no Skip");
    let demo = browser.get(&format!("/s/{WAVE}/parents-carers"));
    assert!(demo.html.contains("You can skip any question."));
    assert!(!demo.html.contains("unless it says"));
}
both!(the_start_page_says_which_questions_can_be_skipped);

/// Bytes on the wire for one GET with gzip: status line and headers as sent, plus the body.
pub(crate) fn wire_bytes(browser: &crate::helpers::Browser, url: &str) -> usize {
    let res = browser.raw().get(url).header("accept-encoding", "gzip").send().expect("get");
    assert_eq!(res.headers().get("content-encoding").and_then(|v| v.to_str().ok()), Some("gzip"), "{url}");
    let headers: usize = res.headers().iter().map(|(k, v)| k.as_str().len() + v.len() + 4).sum::<usize>() + 17;
    headers + res.bytes().map(|b| b.len()).unwrap_or(0)
}

fn question_pages_fit_in_one_round_trip(backend: Backend) {
    let app = spawn_app(backend);
    for audience in ["young-people", "parents-carers"] {
        let browser = app.browser();
        let start = browser.get(&format!("/s/{WAVE}/{audience}"));
        let css = start
            .doc()
            .select(&scraper::Selector::parse("link[rel=stylesheet]").expect("selector"))
            .filter_map(|l| l.value().attr("href").map(str::to_owned))
            .collect::<Vec<_>>();
        assert_eq!(css.len(), 1, "one stylesheet");
        assert!(css[0].starts_with("/assets/heard.") && css[0].ends_with(".css"), "content hash in its URL");
        let css_bytes = wire_bytes(&browser, &format!("{}{}", app.address, css[0]));
        let mut page = browser.submit(&start.form());
        let mut heaviest = 0;
        while page.path().contains("/q/") {
            let total = wire_bytes(&browser, &page.url) + css_bytes;
            assert!(!page.html.contains("<img"), "symbols are inline: no extra requests");
            heaviest = heaviest.max(total);
            let first = page.options().first().cloned();
            let form = match first {
                Some(v) if page.path().ends_with("has-plan") => page.form().with("answer", &v),
                _ => page.form().with("action", "skip"),
            };
            page = browser.submit(&form);
        }
        assert!(heaviest > 1000 && heaviest <= 14_600, "{audience}: heaviest question page {heaviest} bytes");
        eprintln!("{audience}: heaviest question page with its stylesheet: {heaviest} bytes (gzip)");
    }
}
both!(question_pages_fit_in_one_round_trip);

fn expired_drafts_are_purged_and_cannot_be_used(backend: Backend) {
    let app = spawn_app(backend);
    let mut conn = app.db.connect();
    let wave = heard::models::survey::find_wave(&mut conn, WAVE).expect("query").expect("wave");
    let old = heard::models::draft::create(&mut conn, &wave.id, "young-people", "old-token", 0).expect("draft");
    let fresh = heard::models::draft::create(&mut conn, &wave.id, "young-people", "fresh-token", 30).expect("draft");
    assert!(
        heard::models::draft::find(&mut conn, &wave.id, "old-token").expect("query").is_none(),
        "an expired draft is not found"
    );
    assert!(heard::models::draft::find(&mut conn, &wave.id, "fresh-token").expect("query").is_some());
    assert_eq!(heard::models::draft::purge_expired(&mut conn).expect("purge"), 1);
    assert_eq!(app.count(&format!("SELECT COUNT(*) AS n FROM drafts WHERE id = '{}'", old.id)), 0);
    assert_eq!(app.count(&format!("SELECT COUNT(*) AS n FROM drafts WHERE id = '{}'", fresh.id)), 1);
}
both!(expired_drafts_are_purged_and_cannot_be_used);

fn unknown_addresses_inside_a_wave(backend: Backend) {
    let app = spawn_app(backend);
    let b = app.browser();
    assert_eq!(b.get(&format!("/s/{WAVE}/nobody")).status, 404);
    // A question page without a draft goes to the start; an unknown key goes where the
    // respondent should be.
    let q = b.get(&format!("/s/{WAVE}/q/listened-to"));
    assert!(q.path().ends_with(&format!("/s/{WAVE}")), "{}", q.url);
    let start = b.get(&format!("/s/{WAVE}/young-people"));
    b.submit(&start.form());
    let lost = b.get(&format!("/s/{WAVE}/q/no-such-question"));
    assert!(lost.path().ends_with("/q/listened-to"), "{}", lost.url);
    let mut form = lost.form();
    form.action = format!("/s/{WAVE}/q/no-such-question");
    let r = b.submit(&form.with("answer", "yes"));
    assert_eq!(r.status, 400);
    assert!(r.html.contains("not part of your survey"));
}
both!(unknown_addresses_inside_a_wave);

/// The demo's "How safe…?" face scale says Very unsafe … Very safe (in each language it has),
/// and stores the same values as every face scale.
fn a_face_scale_speaks_of_what_it_asks(backend: Backend) {
    let app = spawn_app(backend);
    let parent = app.browser();
    let start = parent.get(&format!("/s/{WAVE}/parents-carers"));
    parent.submit(&start.form());
    let q = parent.get(&format!("/s/{WAVE}/q/feel-safe"));
    assert_eq!(q.status, 200, "{}", q.html);
    assert_eq!(q.text_of(".choice span"), ["Very unsafe", "Unsafe", "In between", "Safe", "Very safe"]);
    assert_eq!(q.options(), ["very-unhappy", "unhappy", "in-between", "happy", "very-happy"]);
    let young = app.browser();
    young.get(&format!("/language?to=pl&back=/s/{WAVE}/young-people"));
    let start = young.get(&format!("/s/{WAVE}/young-people"));
    young.submit(&start.form());
    let q = young.get(&format!("/s/{WAVE}/q/feel-safe"));
    assert!(q.html.contains("Bardzo bezpiecznie") && !q.html.contains("Bardzo zadowolony"), "{}", q.html);
}
both!(a_face_scale_speaks_of_what_it_asks);
