//! Young people's panel sessions over HTTP, on both databases: joining by code (and the wrong,
//! malformed and expired codes), a shared tablet in kiosk mode serving five people in a row
//! with Back and refresh leading only to the start, the live tally's suppression below 5,
//! revealing consented answers one by one, member codes, and `heard panel create`.

use heard::db::Backend;

use crate::both;
use crate::fixtures::{PASSWORD, setup, sign_in, status};
use crate::helpers::{Browser, Plan, TestApp, complete};

const WAVE: &str = "torbay-participation-2025";

/// Starts a session through the staff workspace; returns (session id, join code as shown).
pub(crate) fn start_session(app: &TestApp, fields: &[(&str, &str)]) -> (String, String) {
    let (b, _) = sign_in(app, "facilitator@torbay.example", PASSWORD);
    let page = b.get(&format!("/staff/waves/{WAVE}/panels"));
    assert_eq!(page.status, 200, "{}", page.html);
    let mut form = page.form_ending("/panels");
    for (k, v) in fields {
        form = form.with(k, v);
    }
    let made = b.submit(&form);
    assert_eq!(made.status, 200, "{}", made.html);
    let id = made.path().rsplit('/').next().unwrap().to_owned();
    let code = made.text_of(".join-code")[0].clone();
    (id, code)
}

pub(crate) fn join(app: &TestApp, code: &str, pin: Option<&str>) -> (Browser, crate::helpers::Page) {
    let b = app.browser();
    let page = b.get("/join");
    let mut form = page.form().with("code", code);
    if let Some(p) = pin {
        form = form.with("pin", p);
    }
    let after = b.submit(&form);
    (b, after)
}

pub(crate) fn walk(b: &Browser, consent: &str, text: &str) -> String {
    let mut plan = Plan::new();
    plan.insert("has-plan", vec!["yes"]);
    plan.insert("help-from", vec!["school"]);
    plan.insert("what-to-change", vec![Box::leak(text.to_owned().into_boxed_str())]);
    complete(b, WAVE, "young-people", &plan, consent).receipt
}

fn joining_by_code(backend: Backend) {
    let (app, _, _) = setup(backend);
    let (id, code) = start_session(
        &app,
        &[("title", "March panel"), ("audience", "young-people"), ("minutes", "60"), ("idle", "3")],
    );
    assert_eq!(code.len(), 7, "shown like K7Q-M4P: {code}");
    assert!(!code.contains(['0', 'O', '1', 'I', 'L']));

    // Typed the way people type: lower case, a space instead of the hyphen.
    // Joining goes straight to the first question, which says which session this is; no
    // general start page with "I have a code" or "Delete answers".
    let (b, first) = join(&app, &code.to_lowercase().replace('-', " "), None);
    assert!(first.path().ends_with("/s/torbay-participation-2025/q/listened-to?joined=1"), "{}", first.url);
    assert_eq!(first.text_of(".joined[role=status]"), vec!["You have joined March panel.".to_owned()]);
    assert!(!first.html.contains("I have a code") && !first.html.contains("Delete answers"));
    assert!(first.has("form.question-form input[name=answer]"));
    // Said once: the next page does not repeat it.
    let again = b.get("/s/torbay-participation-2025/q/listened-to");
    assert!(!again.has(".joined"));
    // Joining again on the same phone carries on with the same answers.
    let drafts = app.count("SELECT COUNT(*) AS n FROM drafts");
    let page = b.get("/join");
    let rejoined = b.submit(&page.form().with("code", &code));
    assert!(rejoined.path().contains("/q/listened-to"), "{}", rejoined.url);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM drafts"), drafts, "one set of answers for one phone");
    walk(&b, "yes", "More quiet rooms");
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) AS n FROM responses WHERE channel = 'panel' AND session_id = '{id}'")),
        1
    );

    // The QR code's link joins too; a web response outside the session stays "web".
    let qr = app.browser();
    let landed = qr.get(&format!("/join/{}", code.replace('-', "")));
    assert!(landed.path().ends_with("/q/listened-to?joined=1"), "{}", landed.url);
    assert!(landed.html.contains("You have joined March panel."));
    complete(&app.browser(), WAVE, "young-people", &Plan::new(), "no");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM responses WHERE channel = 'web' AND session_id IS NULL AND audience = 'young-people'"), 1);

    // Wrong codes get kind errors and join nothing.
    for (typed, want) in [
        ("", "Type the code on the screen."),
        ("12", "Join codes have 6 letters and numbers"),
        ("ZZZ-ZZZ", "We could not find a session with that code"),
    ] {
        let (b, page) = join(&app, typed, None);
        assert_eq!(page.status, 400, "{typed}");
        assert!(page.html.contains(want), "{want} in {}", page.html);
        assert!(page.has(".error-summary a[href='#join-code']"));
        assert!(
            !reqwest::cookie::CookieStore::cookies(&*b.jar, &reqwest::Url::parse(&app.address).unwrap())
                .is_some_and(|c| c.to_str().unwrap_or("").contains("heard_panel"))
        );
    }
    assert_eq!(app.browser().get("/join/ZZZZZZ").status, 404);

    // The session page shows the code, link and a QR code; ending it stops joining.
    let (staff, _) = sign_in(&app, "facilitator@torbay.example", PASSWORD);
    let page = staff.get(&format!("/staff/panels/{id}"));
    assert!(page.html.contains("<svg class=\"qr\""), "QR code inline");
    assert!(page.html.contains(&format!("/join/{}", code.replace('-', ""))));
    staff.submit(&page.form_ending("/end"));
    let (_, ended) = join(&app, &code, None);
    assert_eq!(ended.status, 400);
    assert!(ended.html.contains("This session has ended"), "{}", ended.html);
    // Another partnership cannot see the session.
    let (other, _) = sign_in(&app, "analyst@southend.example", PASSWORD);
    assert_eq!(status(&other, &format!("/staff/panels/{id}")), 404);
    assert_eq!(status(&other, &format!("/staff/panels/{id}/tally")), 404);
}
both!(joining_by_code);

fn a_kiosk_serves_five_people_and_forgets_each(backend: Backend) {
    let (app, _, _) = setup(backend);
    // A kiosk needs a PIN.
    let (b, _) = sign_in(&app, "facilitator@torbay.example", PASSWORD);
    let page = b.get(&format!("/staff/waves/{WAVE}/panels"));
    let refused = b.submit(
        &page
            .form_ending("/panels")
            .with("audience", "young-people")
            .with("minutes", "60")
            .with("idle", "2")
            .with("kiosk", "1")
            .with("pin", "12"),
    );
    assert_eq!(refused.status, 400);
    assert!(refused.html.contains("needs a PIN of 4 to 8 digits"));
    let (id, code) = start_session(
        &app,
        &[("audience", "young-people"), ("minutes", "60"), ("idle", "2"), ("kiosk", "1"), ("pin", "2468")],
    );

    // Without the PIN a device joins as a personal phone; a wrong PIN is refused.
    let (_, wrong) = join(&app, &code, Some("1111"));
    assert_eq!(wrong.status, 400);
    assert!(wrong.html.contains("That PIN is not right. 4 tries left."), "{}", wrong.html);
    let (tablet, start) = join(&app, &code, Some("2468"));
    assert!(start.path().ends_with("/young-people"));
    assert!(
        start.html.contains("<meta http-equiv=\"refresh\" content=\"120;url=/s/torbay-participation-2025/next\">"),
        "goes back to the start without scripts"
    );
    assert!(!start.html.contains("/resume\"") && !start.html.contains("/delete\""), "no codes on a shared tablet");
    // The tablet is held to its survey.
    for away in ["/", "/staff", "/s/torbay-participation-2024", "/join"] {
        let page = tablet.get(away);
        assert!(page.path().ends_with("/s/torbay-participation-2025/young-people"), "{away} -> {}", page.url);
    }

    let mut receipts = Vec::new();
    for person in 0..5 {
        let first = tablet.submit(&tablet.get(&format!("/s/{WAVE}/young-people")).form());
        assert!(first.path().contains("/q/"), "{}", first.url);
        assert!(!first.html.contains("value=\"save\""), "no save-and-come-back on a shared tablet");
        let refused = tablet.submit(&first.form().with("answer", "yes").with("action", "save"));
        assert_eq!(refused.status, 400);
        let secret = format!("Person {person} wrote this");
        receipts.push(walk(&tablet, "yes", &secret));
        // Done: the next person only ever reaches the start, whatever Back or refresh does.
        for back in [
            format!("/s/{WAVE}/check"),
            format!("/s/{WAVE}/done"),
            format!("/s/{WAVE}/q/what-to-change"),
            format!("/s/{WAVE}/consent"),
        ] {
            let page = tablet.get(&back);
            assert!(!page.html.contains(&secret), "{back} shows the last person's words");
            assert!(
                page.path().ends_with("/s/torbay-participation-2025") || page.path().ends_with("/young-people"),
                "{back} -> {}",
                page.url
            );
        }
        let next = tablet.get(&format!("/s/{WAVE}/next"));
        assert!(next.path().ends_with("/young-people"));
    }
    // A shared tablet gives nobody a receipt code (anyone who saw the screen could use it),
    // and no response from it can be deleted by one.
    assert!(receipts.iter().all(String::is_empty), "{receipts:?}");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM responses WHERE session_id = '{id}' AND receipt_hash IS NOT NULL"
        )),
        0
    );
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) AS n FROM responses WHERE channel = 'kiosk' AND session_id = '{id}'")),
        5,
        "a shared tablet is its own channel"
    );

    // Someone walks away mid-survey: going back to the start throws their answers away.
    let q = tablet.submit(&tablet.get(&format!("/s/{WAVE}/young-people")).form());
    tablet.submit(&q.form().with("answer", "no").with("action", "continue"));
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM drafts WHERE response_id IS NULL"), 1);
    tablet.get(&format!("/s/{WAVE}/next"));
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM drafts WHERE response_id IS NULL"), 0);
    let after = tablet.get(&format!("/s/{WAVE}/q/adults-honest"));
    assert!(after.path().ends_with("/s/torbay-participation-2025/young-people"), "no draft any more: {}", after.url);

    // Leaving kiosk mode needs the PIN.
    let leave = tablet.get("/kiosk/leave");
    let wrong = tablet.submit(&leave.form().with("pin", "0000"));
    assert_eq!(wrong.status, 400);
    assert!(tablet.get("/").path().ends_with("/young-people"), "still a kiosk");
    let left = tablet.submit(&tablet.get("/kiosk/leave").form().with("pin", "2468"));
    assert_eq!(left.status, 200);
    assert_eq!(tablet.get("/").path(), "/", "free again");
}
both!(a_kiosk_serves_five_people_and_forgets_each);

fn the_tally_waits_for_five_and_reveals_one_by_one(backend: Backend) {
    let (app, _, _) = setup(backend);
    let (id, code) = start_session(&app, &[("audience", "young-people"), ("minutes", "60"), ("idle", "3")]);
    let (staff, _) = sign_in(&app, "facilitator@torbay.example", PASSWORD);
    let tally = |who: &Browser| who.get(&format!("/staff/panels/{id}/tally"));
    for n in 0..4 {
        let (b, _) = join(&app, &code, None);
        walk(&b, if n == 0 { "no" } else { "yes" }, &format!("Answer number {n}"));
    }
    let four = tally(&staff);
    assert_eq!(four.status, 200);
    assert_eq!(four.text_of(".tally-total"), vec!["4 people have sent answers.".to_owned()]);
    assert!(four.html.contains("Waiting for 5 answers to this question."));
    assert_eq!(
        four.html.matches("Numbers appear when 5 people have answered a question").count(),
        1,
        "the note is said once, not under every question"
    );
    assert!(
        four.html.contains(&format!("Go to <strong>{}/join</strong>", app.settings.public_url)),
        "the whole address"
    );
    assert!(!four.has(".tally-q table"), "no numbers below 5");
    assert!(four.html.contains("<meta http-equiv=\"refresh\" content=\"15\">"), "refreshes without scripts");
    assert!(four.html.contains("/assets/tally."), "updates with scripts");
    let (b, _) = join(&app, &code, None);
    walk(&b, "yes", "Answer number 4");
    let five = tally(&staff);
    assert!(five.has(".tally-q table"));
    let first = five.text_of(".tally-q")[0].clone();
    assert!(first.contains("Yes") && first.contains("100%"), "{first}");
    // Free text stays hidden until revealed; only consented answers can be.
    assert!(!five.html.contains("Answer number"));
    let page = staff.get(&format!("/staff/panels/{id}"));
    let shared = page.text_of("#shared ~ ul blockquote");
    assert_eq!(shared.len(), 8, "two answers each from the 4 who agreed: {shared:?}");
    assert!(!shared.iter().any(|t| t.contains("Answer number 0")), "the one who said no is never listed");
    let reveal = page.form_ending("/reveal");
    staff.submit(&reveal);
    let shown = tally(&staff);
    assert_eq!(shown.text_of("blockquote").len(), 1, "one answer at a time");
    // Not-consented answers cannot be forced onto the screen.
    let not_consented = app.count_str(&format!(
        "SELECT r.id AS s FROM responses r WHERE r.session_id = '{id}' AND r.consent_to_quote = {} LIMIT 1",
        if matches!(backend, Backend::Postgres) { "false" } else { "0" }
    ));
    let mut forced = reveal.clone();
    forced.fields.retain(|(k, _)| k == "csrf");
    let forced =
        staff.submit(&forced.with("response", &not_consented).with("question", "what-to-change").with("show", "1"));
    assert_eq!(forced.status, 404);
    // A viewer can watch but not reveal.
    let (viewer, _) = sign_in(&app, "viewer@torbay.example", PASSWORD);
    assert_eq!(tally(&viewer).status, 200);
    assert_eq!(viewer.submit(&reveal).status, 403);
    // The event stream says something changed.
    let res = staff.raw().get(format!("{}/staff/panels/{id}/events", staff.base)).send().unwrap();
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    let mut res = res;
    let mut buf = [0u8; 64];
    let n = std::io::Read::read(&mut res, &mut buf).unwrap();
    assert!(
        String::from_utf8_lossy(&buf[..n]).starts_with("event: change"),
        "{:?}",
        String::from_utf8_lossy(&buf[..n])
    );
}
both!(the_tally_waits_for_five_and_reveals_one_by_one);

/// The presenter view shows the room only what it needs: the address, the code, the QR code
/// and one question at a time; no staff navigation, email address or sign-out.
fn the_presenter_view_shows_no_staff_detail(backend: Backend) {
    let (app, _, _) = setup(backend);
    let (id, code) = start_session(
        &app,
        &[("title", "Youth forum"), ("audience", "young-people"), ("minutes", "60"), ("idle", "3")],
    );
    for n in 0..5 {
        let (b, _) = join(&app, &code, None);
        walk(&b, "yes", &format!("Answer {n}"));
    }
    let (staff, _) = sign_in(&app, "facilitator@torbay.example", PASSWORD);
    let tally = staff.get(&format!("/staff/panels/{id}/tally"));
    let present = tally.attr_of("a[href$='/present']", "href");
    assert_eq!(present, [format!("/staff/panels/{id}/present")]);
    let page = staff.get(&present[0]);
    assert_eq!(page.status, 200);
    for staff_detail in ["facilitator@torbay.example", "Sign out", "Surveys", "Quotes", "Display settings"] {
        assert!(!page.html.contains(staff_detail), "the projector shows {staff_detail:?}");
    }
    assert!(!page.has("nav.staff-nav") && !page.has("header") && !page.has("footer"));
    assert!(page.has("body.presenter"));
    assert!(page.html.contains(&format!("Go to <strong>{}/join</strong>", app.settings.public_url)));
    assert_eq!(page.text_of(".join-code"), vec![code.clone()]);
    assert!(page.has(".qr-box svg"));
    assert_eq!(page.text_of(".present-q h2").len(), 1, "one question at a time");
    let first = page.text_of(".present-q h2")[0].clone();
    assert!(page.has(".present-q table"), "five answers: the numbers show");
    assert!(page.html.contains("question 1 of"));
    assert!(!page.has(".present-nav a[href$='q=0']"));
    let next = page.attr_of(".present-nav a", "href");
    assert_eq!(next, [format!("/staff/panels/{id}/present?q=2")]);
    let second = staff.get(&next[0]);
    assert_ne!(second.text_of(".present-q h2")[0], first);
    assert_eq!(second.attr_of(".present-nav a", "href")[0], format!("/staff/panels/{id}/present?q=1"), "and back");
    // The live update swaps in the same question, and nothing else.
    let fragment = staff.get(&format!("/staff/panels/{id}/present?q=2&fragment=1"));
    assert_eq!(fragment.text_of(".present-q h2"), second.text_of(".present-q h2"));
    assert!(!fragment.html.contains("<html"));
    // Past the end it shows the last question; a viewer may present too.
    let (viewer, _) = sign_in(&app, "viewer@torbay.example", PASSWORD);
    let far = viewer.get(&format!("/staff/panels/{id}/present?q=999"));
    assert_eq!(far.status, 200);
    assert!(far.has(".present-nav a") && !far.html.contains(">Next question<"));
}
both!(the_presenter_view_shows_no_staff_detail);

fn member_codes_link_without_names(backend: Backend) {
    let (app, _, _) = setup(backend);
    let (_, code) =
        start_session(&app, &[("audience", "young-people"), ("minutes", "60"), ("idle", "3"), ("member_codes", "1")]);
    let (b, asked) = join(&app, &code, None);
    assert!(asked.path().ends_with("/member"), "joining asks for the member code first: {}", asked.url);
    let bad = b.submit(&asked.form().with("code", "Jo").with("action", "use"));
    assert_eq!(bad.status, 400);
    assert!(bad.html.contains("Do not use your name"));
    let given = b.submit(&asked.form().with("action", "new"));
    let member = given.text_of(".receipt")[0].clone();
    assert_eq!(member.len(), 9);
    walk(&b, "yes", "Linked");
    let hash = heard::models::import::member_hash(&member);
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) AS n FROM responses WHERE member_hash = '{hash}' AND channel = 'panel'")),
        1
    );
    // Typed back next time in any case, with or without the hyphen, it matches.
    assert_eq!(heard::models::import::member_hash(&member.to_lowercase().replace('-', "")), hash);
}
both!(member_codes_link_without_names);

#[test]
fn panel_create_on_the_command_line() {
    let db = crate::helpers::TestDb::new(Backend::Sqlite);
    let run = |args: &[&str]| {
        let out = std::process::Command::new(crate::helpers::heard_bin())
            .args(args)
            .env("DATABASE_URL", &db.url)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert!(run(&["demo", "--no-responses"]).0);
    let (ok, out, err) =
        run(&["panel", "create", "--wave", WAVE, "--audience", "young-people", "--minutes", "45", "--kiosk"]);
    assert!(ok, "{err}");
    assert!(out.lines().any(|l| l.starts_with("Join code: ") && l.len() == "Join code: ".len() + 7), "{out}");
    assert!(out.contains("/join/"), "{out}");
    assert!(out.lines().any(|l| l.starts_with("Kiosk PIN: ") && l.len() == "Kiosk PIN: ".len() + 6), "{out}");
    let (ok, _, err) = run(&["panel", "create", "--wave", WAVE, "--audience", "grown-ups"]);
    assert!(!ok && err.contains("is not one of this survey's audiences"), "{err}");
}

/// The security review's panel findings: viewers never see written answers; what staff and
/// the projector see is redacted; the tally moves only in steps of five people, so a room
/// cannot work out one person's answer by difference; the event stream is capped per
/// sign-in and ends with the panel.
fn panel_words_are_redacted_and_the_tally_cannot_be_differenced(backend: Backend) {
    let (app, _, _) = setup(backend);
    let (id, code) = start_session(&app, &[("audience", "young-people"), ("minutes", "60"), ("idle", "3")]);
    let (staff, _) = sign_in(&app, "facilitator@torbay.example", PASSWORD);
    let (viewer, _) = sign_in(&app, "viewer@torbay.example", PASSWORD);
    for n in 0..5 {
        let (b, _) = join(&app, &code, None);
        walk(&b, "yes", &format!("Ring me on 07700 900{n:03} please"));
    }
    let first = |who: &Browser| who.get(&format!("/staff/panels/{id}/tally")).text_of(".tally-q")[0].clone();
    let at_five = first(&staff);
    assert!(at_five.contains(": 5 answers"), "{at_five}");
    // Written answers: redacted for the facilitator, absent for a viewer.
    let page = staff.get(&format!("/staff/panels/{id}"));
    let shared = page.text_of("#shared ~ ul blockquote");
    assert!(!shared.is_empty());
    assert!(shared.iter().all(|t| !t.contains("07700")), "{shared:?}");
    assert_eq!(shared.iter().filter(|t| t.contains("Ring me on [phone number] please")).count(), 5, "{shared:?}");
    let seen = viewer.get(&format!("/staff/panels/{id}"));
    assert_eq!(seen.status, 200);
    assert!(!seen.html.contains("Ring me") && !seen.html.contains("[phone number]"), "{}", seen.html);
    staff.submit(&page.form_ending("/reveal"));
    let projector = staff.get(&format!("/staff/panels/{id}/tally"));
    let shown = projector.text_of("blockquote");
    assert_eq!(shown.len(), 1);
    assert!(shown[0].contains("[phone number]") && !shown[0].contains("07700"), "{shown:?}");
    assert!(viewer.get(&format!("/staff/panels/{id}/tally")).text_of("blockquote").is_empty());
    // A sixth person who answers differently moves nothing on the projector...
    let different = |b: &Browser| {
        let mut plan = Plan::new();
        plan.insert("has-plan", vec!["no"]);
        complete(b, WAVE, "young-people", &plan, "no");
    };
    let (b, _) = join(&app, &code, None);
    different(&b);
    assert_eq!(first(&staff), at_five, "one more answer must not show on its own");
    for _ in 0..3 {
        let (b, _) = join(&app, &code, None);
        different(&b);
        assert_eq!(first(&staff), at_five);
    }
    // ...until five more have sent: then the five move together.
    let (b, _) = join(&app, &code, None);
    different(&b);
    let at_ten = first(&staff);
    assert!(at_ten.contains(": 10 answers"), "{at_ten}");
    // The event stream: at most 4 at once per sign-in; a fifth ends the oldest.
    let mut open: Vec<_> = (0..4)
        .map(|_| {
            let res = staff.raw().get(format!("{}/staff/panels/{id}/events", staff.base)).send().unwrap();
            assert_eq!(res.status().as_u16(), 200);
            res
        })
        .collect();
    let fifth = staff.raw().get(format!("{}/staff/panels/{id}/events", staff.base)).send().unwrap();
    assert_eq!(fifth.status().as_u16(), 200);
    // The oldest stream ends (reading it to the end returns) rather than staying open.
    let mut oldest = String::new();
    std::io::Read::read_to_string(&mut open[0], &mut oldest).unwrap();
    assert!(oldest.is_empty() || oldest.starts_with("event: change"), "{oldest:?}");
    drop(open);
    drop(fifth);
    // Ending the panel ends its streams.
    let mut res = staff.raw().get(format!("{}/staff/panels/{id}/events", staff.base)).send().unwrap();
    let mut buf = [0u8; 64];
    let n = std::io::Read::read(&mut res, &mut buf).unwrap();
    assert!(
        String::from_utf8_lossy(&buf[..n]).starts_with("event: change"),
        "{}: {:?}",
        res.status(),
        String::from_utf8_lossy(&buf[..n])
    );
    let page = staff.get(&format!("/staff/panels/{id}"));
    staff.submit(&page.form_ending("/end"));
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut res, &mut rest).unwrap();
    assert!(rest.contains("event: end"), "{rest:?}");
}
both!(panel_words_are_redacted_and_the_tally_cannot_be_differenced);
