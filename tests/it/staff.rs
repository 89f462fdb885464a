//! The staff workspace: sign-in, lock-out, cross-site posts, roles, partnership isolation,
//! audited deletion, and sessions shared by two instances. On both databases.

use heard::db::Backend;

use crate::both;
use crate::fixtures::{PASSWORD, setup, sign_in, status};
use reqwest::cookie::CookieStore;

fn sign_in_out_and_shared_sessions(backend: Backend) {
    let (app, _, _) = setup(backend);
    let anonymous = app.browser();
    let r = anonymous.raw().get(format!("{}/staff", app.address)).send().expect("get");
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers().get("location").and_then(|v| v.to_str().ok()), Some("/staff/sign-in"));

    let (_, wrong) = sign_in(&app, "analyst@torbay.example", "not the password");
    assert_eq!(wrong.status, 401);
    assert!(wrong.html.contains("The email address or password is not right."));
    let (_, unknown) = sign_in(&app, "nobody@torbay.example", PASSWORD);
    assert_eq!(unknown.status, 401, "unknown emails get the same answer");

    let (b, home) = sign_in(&app, "Analyst@Torbay.example", PASSWORD);
    assert_eq!(home.status, 200, "{}", home.html);
    assert!(home.path().ends_with("/staff"));
    assert!(
        home.html.contains("Torbay Participation Survey") && !home.html.contains("Southend Local Offer"),
        "only Torbay's surveys"
    );
    let cookie = b.jar.cookies(&reqwest::Url::parse(&format!("{}/staff", app.address)).expect("url")).expect("cookie");
    let cookie = cookie.to_str().expect("ascii").to_owned();
    assert!(cookie.contains("heard_staff="));

    // A second instance on the same database accepts the session.
    let other = app.second_instance();
    let r = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(format!("{}/staff", other.address))
        .header("cookie", &cookie)
        .send()
        .expect("get");
    assert_eq!(r.status().as_u16(), 200, "sessions live in the database");

    // Sign out ends the session everywhere.
    let page = b.get("/staff");
    let signed_out = b.submit(&page.form_ending("/sign-out"));
    assert!(signed_out.path().ends_with("/staff/sign-in"), "{}", signed_out.url);
    let r = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(format!("{}/staff", app.address))
        .header("cookie", &cookie)
        .send()
        .expect("get");
    assert_eq!(r.status().as_u16(), 303, "the old cookie no longer works");
    assert!(app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'sign_in'") >= 1);
}
both!(sign_in_out_and_shared_sessions);

fn lock_out_after_repeated_wrong_passwords(backend: Backend) {
    let (app, _, _) = setup(backend);
    // What an unknown address gets: the guesser must not be able to tell it from the rest.
    let (_, unknown) = sign_in(&app, "nobody@torbay.example", "wrong wrong wrong");
    assert_eq!(unknown.status, 401);
    let refusal = unknown.text_of("#sign-in-error");
    for i in 1..=4 {
        let (_, p) = sign_in(&app, "viewer@torbay.example", "wrong wrong wrong");
        assert_eq!(p.status, 401, "attempt {i}");
        assert!(p.html.contains("The email address or password is not right."));
        assert_eq!(p.text_of("#sign-in-error"), refusal, "attempt {i}");
    }
    let (_, locked) = sign_in(&app, "viewer@torbay.example", "wrong wrong wrong");
    assert_eq!(locked.status, 401, "the lock is not revealed to the guesser");
    assert_eq!(locked.text_of("#sign-in-error"), refusal);
    let (_, still) = sign_in(&app, "viewer@torbay.example", PASSWORD);
    assert_eq!(still.status, 401, "even the right password waits for the lock to end");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'account.locked'"), 1);
    // The lock-out is in the partnership's audit log (the admin's page), not only the global one.
    let (admin, _) = sign_in(&app, "admin@torbay.example", PASSWORD);
    let audit = admin.get("/staff/audit");
    assert!(audit.html.contains("account.locked"), "{}", audit.html);
    // Other accounts are not affected.
    let (_, ok) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    assert_eq!(ok.status, 200);
}
both!(lock_out_after_repeated_wrong_passwords);

/// Parallel wrong passwords cannot get more than the allowed tries checked before the lock:
/// each try is counted in its own write before the password is checked.
fn parallel_guesses_cannot_race_the_lock(backend: Backend) {
    let (app, _, _) = setup(backend);
    let address = app.address.clone();
    let guesses: Vec<_> = (0..12)
        .map(|_| {
            let address = address.clone();
            std::thread::spawn(move || {
                let b = crate::helpers::Browser::new(&address);
                let page = b.get("/staff/sign-in");
                let form = page.form().with("email", "viewer@torbay.example").with("password", "wrong wrong");
                b.submit(&form).status
            })
        })
        .collect();
    for g in guesses {
        assert_eq!(g.join().expect("guess"), 401);
    }
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'account.locked'"), 1);
    let locked = app
        .count("SELECT COUNT(*) AS n FROM accounts WHERE email = 'viewer@torbay.example' AND locked_until IS NOT NULL");
    assert_eq!(locked, 1);
    // Locked now: the right password is refused too.
    let (_, still) = sign_in(&app, "viewer@torbay.example", PASSWORD);
    assert_eq!(still.status, 401);
}
both!(parallel_guesses_cannot_race_the_lock);

fn cross_site_posts_are_refused(backend: Backend) {
    let (app, torbay, _) = setup(backend);
    let b = app.browser();
    let page = b.get("/staff/sign-in");
    let mut form = page.form();
    form.fields.retain(|(k, _)| k != "csrf");
    let r = b.submit(&form.with("email", "analyst@torbay.example").with("password", PASSWORD));
    assert_eq!(r.status, 403);
    let (b, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    let r = b.post_body(&format!("/staff/responses/{torbay}/delete"), b"reason=test".to_vec());
    assert_eq!(r.status, 403);
    let r = b.post_body("/staff/sign-out", Vec::new());
    assert_eq!(r.status, 403);
    assert_eq!(app.responses(), 2, "nothing deleted");
}
both!(cross_site_posts_are_refused);

fn roles_allow_and_forbid(backend: Backend) {
    let (app, torbay, _) = setup(backend);
    let wave = "/staff/waves/torbay-participation-2025";
    let routes = [
        ("/staff", [200, 200, 200, 200]),
        (wave, [200, 200, 200, 200]),
        (&format!("{wave}/responses") as &str, [200, 200, 403, 403]),
        (&format!("/staff/responses/{torbay}"), [200, 200, 403, 403]),
        ("/staff/audit", [200, 403, 403, 403]),
    ];
    for (i, email) in
        ["admin@torbay.example", "analyst@torbay.example", "viewer@torbay.example", "facilitator@torbay.example"]
            .iter()
            .enumerate()
    {
        let (b, _) = sign_in(&app, email, PASSWORD);
        for (path, expected) in &routes {
            assert_eq!(status(&b, path), expected[i], "{email} {path}");
        }
    }
    // Forbidden deletion by a viewer.
    let (b, _) = sign_in(&app, "viewer@torbay.example", PASSWORD);
    let token = b.get("/staff").form().fields.into_iter().find(|(k, _)| k == "csrf").map(|(_, v)| v).expect("token");
    let r = b.post_body(&format!("/staff/responses/{torbay}/delete"), format!("csrf={token}&reason=test").into_bytes());
    assert_eq!(r.status, 403);
    assert_eq!(app.responses(), 2);
}
both!(roles_allow_and_forbid);

fn partnerships_are_isolated(backend: Backend) {
    let (app, torbay, southend) = setup(backend);
    let (b, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    for path in [
        "/staff/waves/southend-local-offer-2025".to_owned(),
        "/staff/waves/southend-local-offer-2025/responses".to_owned(),
        format!("/staff/responses/{southend}"),
        "/staff/waves/no-such-wave".to_owned(),
        "/staff/responses/not-a-uuid".to_owned(),
        format!("/staff/responses/{}", uuid::Uuid::new_v4()),
    ] {
        let page = b.get(&path);
        assert_eq!(page.status, 404, "{path}");
        assert!(!page.html.contains("hard to search"), "{path} leaks nothing");
    }
    let token = b.get("/staff").form().fields.into_iter().find(|(k, _)| k == "csrf").map(|(_, v)| v).expect("token");
    let r =
        b.post_body(&format!("/staff/responses/{southend}/delete"), format!("csrf={token}&reason=mine").into_bytes());
    assert_eq!(r.status, 404);
    assert_eq!(app.responses(), 2, "another partnership's response is untouched");
    // Southend's analyst sees Southend's, not Torbay's.
    let (s, home) = sign_in(&app, "analyst@southend.example", PASSWORD);
    assert!(home.html.contains("Southend Local Offer") && !home.html.contains("Torbay Participation"));
    assert_eq!(status(&s, &format!("/staff/responses/{torbay}")), 404);
    let words = s.get("/staff/waves/southend-local-offer-2025/responses?words=HARD+to");
    assert!(words.html.contains("1 response matches"), "{}", words.html);
    // The superadmin sees both.
    let (sup, home) = sign_in(&app, "super@heard.example", PASSWORD);
    assert!(home.html.contains("Southend Local Offer") && home.html.contains("Torbay Participation"));
    assert_eq!(status(&sup, &format!("/staff/responses/{southend}")), 200);
    assert_eq!(status(&sup, &format!("/staff/responses/{torbay}")), 200);
}
both!(partnerships_are_isolated);

fn deleting_a_response_is_audited(backend: Backend) {
    let (app, torbay, _) = setup(backend);
    let (b, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    let page = b.get(&format!("/staff/responses/{torbay}"));
    assert_eq!(page.status, 200);
    assert!(page.html.contains("Do professionals listen to you and your child?"));
    let form = page.form_ending("/delete");
    let no_reason = b.submit(&form.clone().with("reason", "  "));
    assert_eq!(no_reason.status, 400);
    assert!(no_reason.html.contains("Say why this response is being deleted."));
    assert_eq!(app.responses(), 2);
    let done = b.submit(&form.with("reason", "Parent asked us by phone"));
    assert!(done.path().ends_with("/staff/waves/torbay-participation-2025/responses"));
    assert_eq!(app.responses(), 1);
    assert_eq!(status(&b, &format!("/staff/responses/{torbay}")), 404);
    let (admin, _) = sign_in(&app, "admin@torbay.example", PASSWORD);
    let log = admin.get("/staff/audit");
    assert!(log.html.contains("response.deleted") && log.html.contains("Parent asked us by phone"), "{}", log.html);
    assert!(!log.html.contains("southend"), "Torbay's admin sees Torbay's log only");
}
both!(deleting_a_response_is_audited);

fn responses_filter_by_priority_and_value(backend: Backend) {
    let (app, _, _) = setup(backend);
    // A second Torbay response that skips everything but one question tagged P4.
    let b = app.browser();
    let start = b.get("/s/torbay-participation-2025/young-people");
    let mut page = b.submit(&start.form());
    while page.path().contains("/q/") {
        let answer = page.path().ends_with("/q/feel-safe");
        let form = if answer {
            page.form().with("answer", "happy").with("action", "continue")
        } else {
            page.form().with("action", "skip")
        };
        page = b.submit(&form);
    }
    page = b.submit(&page.form().with("answer", "no"));
    b.submit(&page.form());
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM responses r JOIN waves w ON w.id = r.wave_id WHERE w.slug = 'torbay-participation-2025'"), 2);
    let (a, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    let base = "/staff/waves/torbay-participation-2025/responses";
    for (query, expected) in [
        ("priority=P4", "2 responses match"),
        ("priority=P5", "1 response matches"),
        ("value=be-kind", "2 responses match"),
        ("value=be-honest", "1 response matches"),
        ("priority=P5&audience=young-people", "0 responses match"),
    ] {
        let page = a.get(&format!("{base}?{query}"));
        assert!(page.html.contains(expected), "{query}: {}", page.text_of("main p").join(" | "));
    }
}
both!(responses_filter_by_priority_and_value);

/// Every staff GET route against every role: what each may open (200) and what it may not
/// (403), with sign-in required for all of them.
fn every_route_for_every_role(backend: Backend) {
    let (app, torbay, _) = setup(backend);
    let quote_id = {
        let mut conn = app.db.connect();
        let pid = heard::models::framework::find_by_slug(&mut conn, "torbay").expect("q").expect("torbay").id;
        heard::models::voices::start_quote(
            &mut conn,
            &heard::db::ResponseId::from_stored(torbay.clone()),
            "what-to-change",
            &pid,
        )
        .expect("quote")
    };
    let w = "/staff/waves/torbay-participation-2025";
    //                      admin analyst facilitator viewer
    let table: Vec<(String, [u16; 4])> = vec![
        ("/staff".into(), [200, 200, 200, 200]),
        (w.into(), [200, 200, 200, 200]),
        (format!("{w}/preview/young-people/1"), [200, 200, 200, 200]),
        (format!("{w}/responses"), [200, 200, 403, 403]),
        (format!("/staff/responses/{torbay}"), [200, 200, 403, 403]),
        (format!("{w}/coding"), [200, 200, 403, 403]),
        ("/staff/themes".into(), [200, 200, 403, 403]),
        (format!("/staff/quotes/{quote_id}"), [200, 200, 403, 403]),
        ("/staff/quotes".into(), [200, 200, 403, 200]),
        ("/staff/quotes/export?format=csv".into(), [200, 200, 403, 200]),
        ("/staff/quotes/print".into(), [200, 200, 403, 200]),
        ("/staff/surveys/upload".into(), [200, 200, 403, 403]),
        ("/staff/framework".into(), [200, 403, 403, 403]),
        ("/staff/users".into(), [200, 403, 403, 403]),
        ("/staff/audit".into(), [200, 403, 403, 403]),
    ];
    let anonymous = app.browser();
    for (path, _) in &table {
        assert_eq!(status(&anonymous, path), 303, "{path} needs sign-in");
    }
    for (i, email) in
        ["admin@torbay.example", "analyst@torbay.example", "facilitator@torbay.example", "viewer@torbay.example"]
            .iter()
            .enumerate()
    {
        let (b, _) = sign_in(&app, email, PASSWORD);
        for (path, expected) in &table {
            assert_eq!(status(&b, path), expected[i], "{email} GET {path}");
        }
    }
    // The superadmin may open everything.
    let (s, _) = sign_in(&app, "super@heard.example", PASSWORD);
    for (path, _) in &table {
        let path = if path.starts_with("/staff/themes")
            || path.starts_with("/staff/framework")
            || path.starts_with("/staff/users")
            || path.starts_with("/staff/quotes?")
            || path == "/staff/quotes"
            || path.starts_with("/staff/quotes/export")
            || path.starts_with("/staff/quotes/print")
        {
            format!("{path}{}partnership=torbay", if path.contains('?') { "&" } else { "?" })
        } else {
            path.clone()
        };
        assert_eq!(status(&s, &path), 200, "superadmin GET {path}");
    }
}
both!(every_route_for_every_role);

/// Routes that change something, given another partnership's ids: 404, and nothing changes.
fn other_partnerships_ids_change_nothing(backend: Backend) {
    let (app, torbay, _) = setup(backend);
    let theme = {
        use diesel::prelude::*;
        let mut c = app.db.connect();
        heard::db::schema::themes::table
            .select(heard::db::schema::themes::id)
            .first::<String>(&mut c)
            .expect("a Torbay theme")
    };
    let (s, _) = sign_in(&app, "analyst@southend.example", PASSWORD);
    let token = s.get("/staff").form().fields.into_iter().find(|(k, _)| k == "csrf").map(|(_, v)| v).expect("token");
    let w = "/staff/waves/torbay-participation-2025";
    for (path, body) in [
        (format!("/staff/themes/{theme}/archive"), String::new()),
        (format!("{w}/status"), "&status=closed".to_owned()),
        (format!("{w}/next"), "&slug=stolen-2026&label=2026".to_owned()),
        (format!("{w}/coding"), format!("&shown={torbay}:what-to-change&action=save")),
        (format!("{w}/quotes"), format!("&response={torbay}&question=what-to-change")),
        (format!("/staff/responses/{torbay}/delete"), "&reason=mine".to_owned()),
    ] {
        let r = s.post_body(&path, format!("csrf={token}{body}").into_bytes());
        assert_eq!(r.status, 404, "POST {path}");
    }
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM themes WHERE archived_at IS NOT NULL"), 0);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM waves WHERE slug = 'stolen-2026'"), 0);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM waves WHERE slug = 'torbay-participation-2025' AND status = 'open'"),
        1
    );
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM quotes"), 0);
    assert_eq!(app.responses(), 2);
}
both!(other_partnerships_ids_change_nothing);

fn easy_read_check_in_the_workspace(backend: Backend) {
    let (app, _, _) = setup(backend);
    let (b, _) = sign_in(&app, "viewer@torbay.example", PASSWORD);
    let wave = b.get("/staff/waves/torbay-participation-2025");
    assert!(wave.has("a[href='/staff/waves/torbay-participation-2025/easy-read']"));
    let report = b.get("/staff/waves/torbay-participation-2025/easy-read");
    assert_eq!(report.status, 200);
    let headings = report.text_of("main h2");
    assert_eq!(
        headings,
        vec![
            "A young person, English (easy read)",
            "A young person, Polski (easy read)",
            "A young person, العربية (easy read)",
            "A parent or carer, English (plain English)",
        ]
    );
    assert!(report.html.contains("Nothing to change."));
    // Advice links to the question's preview, which shows the same advice.
    let link = report
        .doc()
        .select(&scraper::Selector::parse("td a[href*='/preview/parents-carers/']").expect("selector"))
        .next()
        .and_then(|a| a.value().attr("href").map(str::to_owned))
        .expect("a finding links to its preview");
    let preview = b.get(&link);
    assert_eq!(preview.status, 200);
    assert!(preview.has("section.advice li"), "{}", preview.html);
    let clean = b.get("/staff/waves/torbay-participation-2025/preview/young-people/1");
    assert_eq!(clean.text_of("section.advice p")[0], "The easy-read checker has no advice on this question.");
    // Another partnership's wave is not found.
    let (other, _) = sign_in(&app, "analyst@southend.example", PASSWORD);
    assert_eq!(status(&other, "/staff/waves/torbay-participation-2025/easy-read"), 404);
}
both!(easy_read_check_in_the_workspace);

/// The staff navigation shows the work (results, coding, comparisons, evidence, panels,
/// quotes) for the partnership's current wave, by role, with the page being shown marked;
/// set-up links sit apart; a wave's page groups its links as results · fieldwork · panels
/// and paper · set-up.
fn the_navigation_shows_the_work(backend: Backend) {
    let (app, _, _) = setup(backend);
    let wave = "torbay-participation-2025";
    let (admin, _) = sign_in(&app, "admin@torbay.example", PASSWORD);
    let home = admin.get("/staff");
    let work = home.text_of("nav.staff-nav ul.nav-work a");
    assert_eq!(work, ["Surveys", "Results", "Coding", "Comparisons", "Evidence", "Panels", "Quotes"]);
    assert_eq!(home.attr_of("nav.staff-nav a[aria-current=page]", "href"), ["/staff"]);
    assert_eq!(
        home.attr_of("nav.staff-nav ul.nav-work a", "href")[1..3],
        [format!("/staff/waves/{wave}/responses"), format!("/staff/waves/{wave}/coding")]
    );
    assert!(home.text_of(".nav-wave")[0].contains("Torbay Participation Survey 2025"));
    assert!(home.text_of("nav.staff-nav ul.nav-more a").contains(&"Audit log".to_owned()));
    // Every work link opens for the admin (comparisons say kindly, with 409, that these
    // fixtures have no responses to compare).
    for href in home.attr_of("nav.staff-nav ul.nav-work a", "href") {
        let page = admin.get(&href);
        assert!(page.status == 200 || page.status == 409, "{href}: {}", page.status);
        if page.status == 200 {
            assert_eq!(
                page.attr_of("nav.staff-nav a[aria-current=page]", "href"),
                std::slice::from_ref(&href),
                "{href}"
            );
        }
    }
    // A viewer is not offered what it may not open.
    let (viewer, _) = sign_in(&app, "viewer@torbay.example", PASSWORD);
    let seen = viewer.get("/staff").text_of("nav.staff-nav ul.nav-work a");
    assert_eq!(seen, ["Surveys", "Comparisons", "Evidence", "Panels", "Quotes"]);
    for href in viewer.get("/staff").attr_of("nav.staff-nav a", "href") {
        let status = viewer.get(&href).status;
        assert!(status == 200 || status == 409, "a viewer's link {href}: {status}");
    }
    let (facilitator, _) = sign_in(&app, "facilitator@torbay.example", PASSWORD);
    assert_eq!(facilitator.get("/staff").text_of("nav.staff-nav ul.nav-work a"), ["Surveys", "Panels"]);
    // The wave page, grouped.
    let page = admin.get(&format!("/staff/waves/{wave}"));
    assert_eq!(page.text_of(".wave-groups h2"), ["Results", "Fieldwork", "Panels and paper", "Set-up"]);
    assert!(page.has("body.staff"), "the wide staff layout");
}
both!(the_navigation_shows_the_work);

/// Reading what people wrote: the list shows the start of each response's first written
/// answer; every answer to one question reads as one list; a response has previous and
/// next, in the list's order.
fn reading_what_people_wrote(backend: Backend) {
    let (app, _, _) = setup(backend);
    let wave = "torbay-participation-2025";
    let long = "Café club helps 👨‍👩‍👧 ".repeat(20);
    for text in ["More quiet rooms please", long.as_str(), "Answer the phone"] {
        let mut plan = crate::helpers::Plan::new();
        let text: &'static str = Box::leak(text.to_owned().into_boxed_str());
        // The first written answer (by question order) is the one the list shows: the
        // earlier written question is skipped.
        plan.insert("what-works", vec![]);
        plan.insert("what-to-change", vec![text]);
        crate::helpers::complete(&app.browser(), wave, "young-people", &plan, "yes");
    }
    let (a, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    let list = a.get(&format!("/staff/waves/{wave}/responses"));
    let excerpts = list.text_of("td.excerpt");
    assert!(excerpts.iter().any(|e| e == "More quiet rooms please"), "{excerpts:?}");
    assert!(excerpts.iter().any(|e| e == "Answer the phone"));
    let cut = excerpts.iter().find(|e| e.starts_with("Café club")).expect("the long one");
    assert!(cut.ends_with('…'), "{cut}");
    assert!(unicode_segmentation::UnicodeSegmentation::graphemes(cut.as_str(), true).count() <= 121, "{cut}");
    // Every answer to one question, as one list, each linked to its response.
    let filtered = a.get(&format!("/staff/waves/{wave}/responses?question=what-to-change"));
    let link = filtered.attr_of("a[href*='/answers?question=what-to-change']", "href");
    assert_eq!(link.len(), 2, "the filter's link and the list of questions");
    let answers = a.get(&link[0]);
    assert_eq!(answers.status, 200);
    let texts = answers.text_of(".answer-list .answer-text");
    let stored = app.count("SELECT COUNT(*) AS n FROM answers WHERE question_key = 'what-to-change'");
    assert_eq!(texts.len() as i64, stored, "every answer, once: {texts:?}");
    for t in ["More quiet rooms please", long.trim(), "Answer the phone"] {
        assert!(texts.iter().any(|x| x == t), "{t} is missing from {texts:?}");
    }
    assert_eq!(answers.text_of(".answer-list a").len(), texts.len());
    assert_eq!(a.get(&format!("/staff/waves/{wave}/answers?question=nope")).status, 404);
    // Previous and next walk the list in its order, and stop at its ends.
    let order: Vec<String> = list.attr_of("td a[href^='/staff/responses/']", "href");
    assert!(order.len() >= 3);
    for (i, href) in order.iter().enumerate() {
        let page = a.get(href);
        let newer = page.attr_of("nav.pager a[rel=prev]", "href");
        let older = page.attr_of("nav.pager a[rel=next]", "href");
        assert_eq!(newer, order.get(i.wrapping_sub(1)).cloned().into_iter().collect::<Vec<_>>(), "{i}");
        assert_eq!(older, order.get(i + 1).cloned().into_iter().collect::<Vec<_>>(), "{i}");
    }
}
both!(reading_what_people_wrote);
