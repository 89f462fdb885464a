//! The six-weekly review: rating scales edited by admins (colours that carry text, a level a
//! review used cannot go), reviews started, rated, agreed and then locked with each outcome
//! statement's trail, and measures imported from a dashboard in the Appendix 1 layout (bad
//! rows named by row and column, nothing stored), added, given values and flagged overdue.
//! Another partnership sees none of it. Both databases.

use heard::db::Backend;

use crate::both;
use crate::fixtures::{PASSWORD, setup, sign_in};

const APPENDIX_1: &str = "WSOA Reference,Description,Current Performance,Target,Current indicator,Last Data Set,Frequency
4B & 11C & 18A,RSA and per school,26,15,0,Aug-23,Monthly
4B,Absence rates,13.4%,12.1%,0,2021/2022,Annually
4C & 13,Reduction of suspension,10.17%,5.91%,0,2021/22 Autumn and spring term,Annually
11E,Developing Pathways,Awaiting discussion with health colleagues on how to translate their information into a snapshot,,,,
14A,NEET Numbers,6,15,0,Aug-23,Monthly
15A.1,Annual Reviews Completed Annually,61%,100%,0,Aug-23,Termly
";

fn scales_and_reviews(backend: Backend) {
    let (app, _, _) = setup(backend);
    let (admin, _) = sign_in(&app, "admin@torbay.example", PASSWORD);
    let (analyst, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    assert_eq!(analyst.get("/staff/scales").status, 403, "scales are for admins");

    // A new scale: one bad colour and a level without meaning come back beside their fields,
    // with everything typed kept; nothing is stored.
    let new = admin.get("/staff/scales/new");
    assert_eq!(new.status, 200);
    let form = new
        .form_ending("/staff/scales/new")
        .with("name", "Progress")
        .with("name-0", "Stuck")
        .with("meaning-0", "No progress yet")
        .with("colour-0", "#d4351c")
        .with("name-1", "Moving")
        .with("meaning-1", "")
        .with("colour-1", "orange");
    let refused = admin.submit(&form);
    assert_eq!(refused.status, 400, "{}", refused.html);
    assert!(refused.has("#level-colour-1-error"), "{}", refused.html);
    assert!(refused.has("#level-meaning-1-error"));
    assert_eq!(refused.attr_of("#level-colour-1", "value"), ["orange"]);
    assert_eq!(refused.attr_of("#scale-name", "value"), ["Progress"]);
    assert!(refused.has(".error-summary a[href='#level-colour-1']"));
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM rating_scales WHERE name = 'Progress'"), 0);
    let saved = admin.submit(
        &new.form_ending("/staff/scales/new")
            .with("name", "Progress")
            .with("name-0", "Stuck")
            .with("meaning-0", "No progress yet")
            .with("colour-0", "#d4351c")
            .with("name-1", "Moving")
            .with("meaning-1", "Under way")
            .with("colour-1", "#00703C"),
    );
    assert_eq!(saved.status, 200, "{}", saved.html);
    assert!(saved.html.contains("Progress") && saved.html.contains("Moving"), "{}", saved.html);
    assert!(saved.html.contains("#00703c"), "colours are stored in one form");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'scale.saved'"), 1);

    // A review on that scale: the date suggested, two outcomes rated, one note without a
    // level refused beside it with what was typed kept.
    let list = analyst.get("/staff/reviews");
    assert_eq!(list.status, 200);
    let today = chrono::Utc::now().date_naive().to_string();
    assert_eq!(list.attr_of("#held-on", "value"), [today], "no review yet: today");
    let scale_id = list
        .doc()
        .select(&scraper::Selector::parse("#scale option").expect("sel"))
        .find(|o| o.text().collect::<String>() == "Progress")
        .and_then(|o| o.value().attr("value").map(str::to_owned))
        .expect("the new scale is offered");
    let bad =
        analyst.submit(&list.form_ending("/staff/reviews").with("held_on", "2024-02-30").with("scale", &scale_id));
    assert_eq!(bad.status, 400);
    assert!(bad.has("#held-on-error"));
    let review =
        analyst.submit(&list.form_ending("/staff/reviews").with("held_on", "2024-03-15").with("scale", &scale_id));
    assert_eq!(review.status, 200, "{}", review.html);
    assert!(review.html.contains("Review of 15 March 2024"), "{}", review.html);
    let outcome_ids = review.attr_of("fieldset.rating", "id");
    assert!(outcome_ids.len() >= 20, "every Torbay outcome statement: {outcome_ids:?}");
    let (o1, o2, o3) = (&outcome_ids[0][8..], &outcome_ids[1][8..], &outcome_ids[2][8..]);
    let levels = review.attr_of(&format!("input[name='level-{o1}']"), "value");
    assert_eq!(levels.len(), 2, "the scale's two levels");
    let form = review
        .form_ending(review.path().as_str())
        .with(&format!("level-{o1}"), &levels[0])
        .with(&format!("note-{o1}"), "Forum: nothing has changed yet")
        .with(&format!("level-{o2}"), &levels[1])
        .with(&format!("note-{o2}"), "Survey up 12 points")
        .with(&format!("note-{o3}"), "A note with no level");
    let refused = analyst.submit(&form);
    assert_eq!(refused.status, 400, "{}", refused.html);
    assert!(refused.has(&format!("#note-{o3}-error")));
    assert_eq!(refused.text_of(&format!("#note-{o2}")), ["Survey up 12 points"], "typed words kept");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM review_ratings"), 0, "nothing stored");
    let form = review
        .form_ending(review.path().as_str())
        .with(&format!("level-{o1}"), &levels[0])
        .with(&format!("note-{o1}"), "Forum: nothing has changed yet")
        .with(&format!("level-{o2}"), &levels[1])
        .with(&format!("note-{o2}"), "Survey up 12 points");
    let rated = analyst.submit(&form);
    assert_eq!(rated.status, 200, "{}", rated.html);
    assert!(rated.html.contains("2 of"), "{}", rated.html);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM review_ratings"), 2);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'board_review.rated'"), 1);
    // Only one draft at a time.
    let second =
        analyst.submit(&list.form_ending("/staff/reviews").with("held_on", "2024-04-26").with("scale", &scale_id));
    assert_eq!(second.status, 409);
    assert!(second.text_of("#held-on-error")[0].contains("still a draft"));

    // Agreeing is for admins; once agreed the review is locked.
    let review_path = review.path();
    assert_eq!(analyst.post_staff(&format!("{review_path}/agree"), &[]).status, 403);
    let page = admin.get(&review_path);
    let agreed = admin.submit(&page.form_ending("/agree"));
    assert_eq!(agreed.status, 200, "{}", agreed.html);
    assert!(agreed.html.contains("Agreed by admin@torbay.example"), "{}", agreed.html);
    assert!(!agreed.has("form#ratings"), "an agreed review has no rating form");
    let cells = agreed.text_of("table.ratings tbody td");
    assert!(cells.iter().any(|c| c.contains("Moving")), "{cells:?}");
    let late = analyst.submit(&form);
    assert_eq!(late.status, 409, "{}", late.html);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM review_ratings"), 2, "an agreed review does not change");

    // The next review (six weeks on, suggested) shows the last rating and, once rated, the
    // trail and the change.
    let list = analyst.get("/staff/reviews");
    assert_eq!(list.attr_of("#held-on", "value"), ["2024-04-26"], "six weeks after the last");
    let next =
        analyst.submit(&list.form_ending("/staff/reviews").with("held_on", "2024-04-26").with("scale", &scale_id));
    assert_eq!(next.status, 200);
    let rated = analyst.submit(
        &next
            .form_ending(next.path().as_str())
            .with(&format!("level-{o1}"), &levels[1])
            .with(&format!("note-{o1}"), "Panel: young people saw the change"),
    );
    assert_eq!(rated.status, 200);
    assert!(
        rated.text_of("#changes li").iter().any(|c| c.contains("improved") && c.contains("Stuck → Moving")),
        "{}",
        rated.html
    );
    let trail = rated.text_of(&format!("#outcome-{o1} .hint"));
    assert!(trail.iter().any(|t| t.contains("Stuck → Moving")), "{trail:?}");

    // A level a review used cannot be taken away; its words can change.
    let edit = admin.get(&format!("/staff/scales/{scale_id}"));
    let ids = edit.attr_of("input[name^='id-']", "value");
    let keep = |f: crate::helpers::Form| {
        f.with("name", "Progress")
            .with("name-0", "Stuck")
            .with("meaning-0", "No progress yet")
            .with("colour-0", "#d4351c")
            .with("name-1", "On the move")
            .with("meaning-1", "Under way")
            .with("colour-1", "#00703c")
    };
    let scale_form = || edit.form_ending(&format!("/staff/scales/{scale_id}"));
    let removed = admin.submit(
        &keep(scale_form())
            .with("name-2", "Done")
            .with("meaning-2", "Finished")
            .with("colour-2", "#1d70b8")
            .with("remove-1", "yes"),
    );
    assert_eq!(removed.status, 400, "{}", removed.html);
    assert!(removed.text_of("#levels-error")[0].contains("reviews have used it"));
    let renamed = admin.submit(&keep(scale_form()));
    assert_eq!(renamed.status, 200, "{}", renamed.html);
    assert!(renamed.html.contains("On the move"));
    assert_eq!(ids.iter().filter(|i| !i.is_empty()).count(), 2);
    let old = analyst.get(&review_path);
    assert!(
        old.text_of("table.ratings tbody td").iter().any(|c| c.contains("Moving")),
        "an agreed review reads as rated"
    );

    // Another partnership sees none of it.
    let (southend, _) = sign_in(&app, "analyst@southend.example", PASSWORD);
    assert_eq!(southend.get(&review_path).status, 404);
    let theirs = southend.get("/staff/reviews");
    assert!(!theirs.html.contains("15 March 2024"));
}
both!(scales_and_reviews);

fn measures_from_the_dashboard(backend: Backend) {
    let (app, _, _) = setup(backend);
    let (analyst, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    let (viewer, _) = sign_in(&app, "viewer@torbay.example", PASSWORD);
    let page = analyst.get("/staff/measures");
    assert_eq!(page.status, 200);
    let import = page.form_ending("/staff/measures");

    // A file with bad cells: each named by row and column; nothing stored.
    let bad =
        APPENDIX_1.replace("NEET Numbers,6,", "NEET Numbers,six,").replace("Aug-23,Termly", "Smarch-23,Fortnightly");
    let refused = analyst.submit_files(&import, vec![("file", "dashboard.csv", bad.into_bytes())]);
    assert_eq!(refused.status, 400, "{}", refused.html);
    let rows: Vec<Vec<String>> = refused
        .doc()
        .select(&scraper::Selector::parse("#problems tbody tr").expect("sel"))
        .map(|tr| tr.text().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect())
        .collect();
    assert!(rows.iter().any(|r| r[0] == "6" && r[1] == "Current Performance"), "{rows:?}");
    assert!(rows.iter().any(|r| r[0] == "7" && r[1] == "Last Data Set"), "{rows:?}");
    assert!(rows.iter().any(|r| r[0] == "7" && r[1] == "Frequency"), "{rows:?}");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM measures"), 0);

    // The file as it is.
    let done = analyst.submit_files(&import, vec![("file", "dashboard.csv", APPENDIX_1.as_bytes().to_vec())]);
    assert_eq!(done.status, 200, "{}", done.html);
    assert!(done.html.contains("6 measures added"), "{}", done.html);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM measures"), 6);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM measure_values"), 5);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'measures.imported'"), 1);
    let rows = done.text_of("table.measures tbody tr");
    let rsa = rows.iter().find(|r| r.contains("RSA and per school")).expect("row");
    assert!(rsa.contains("26") && rsa.contains("Aug-23") && rsa.contains("Lower"), "{rsa}");
    assert!(rsa.contains("Overdue"), "a monthly value from August 2023 is long overdue: {rsa}");
    assert!(rows.iter().any(|r| r.contains("Awaiting discussion with health colleagues")));

    // A new value for the RSA: direction of travel, and no longer overdue.
    let href = done
        .doc()
        .select(&scraper::Selector::parse("table.measures a").expect("sel"))
        .find(|a| a.text().collect::<String>() == "RSA and per school")
        .and_then(|a| a.value().attr("href").map(str::to_owned))
        .expect("link");
    let measure = analyst.get(&href);
    assert_eq!(measure.status, 200);
    let bad = analyst.submit(&measure.form_ending(&href).with("period", "soon").with("value", "lots"));
    assert_eq!(bad.status, 400);
    assert!(bad.has("#period-error") && bad.has("#value-error"));
    assert_eq!(bad.attr_of("#period", "value"), ["soon"]);
    let month = chrono::Utc::now().date_naive().format("%b-%y").to_string();
    let added = analyst.submit(&measure.form_ending(&href).with("period", &month).with("value", "21"));
    assert_eq!(added.status, 200, "{}", added.html);
    let list = viewer.get("/staff/measures");
    let rsa = list.text_of("table.measures tbody tr").into_iter().find(|r| r.contains("RSA")).expect("row");
    assert!(rsa.contains("21") && rsa.contains("better") && !rsa.contains("Overdue"), "{rsa}");
    assert!(!list.has("form[action='/staff/measures']"), "viewers read only");
    assert_eq!(viewer.post_staff("/staff/measures/new", &[("name", "x"), ("direction", "higher")]).status, 403);

    // Adding one by hand: the direction must be said.
    let page = analyst.get("/staff/measures");
    let refused = analyst
        .submit(&page.form_ending("/staff/measures/new").with("name", "Waiting times").with("target", "4 weeks"));
    assert_eq!(refused.status, 400);
    assert!(refused.has("#m-target-error"));
    assert_eq!(refused.attr_of("#m-name", "value"), ["Waiting times"]);
    let added = analyst.submit(
        &page
            .form_ending("/staff/measures/new")
            .with("name", "Waiting times")
            .with("direction", "lower")
            .with("target", "4")
            .with("frequency", "monthly"),
    );
    assert_eq!(added.status, 200, "{}", added.html);
    assert!(added.html.contains("No values yet"));

    let (southend, _) = sign_in(&app, "analyst@southend.example", PASSWORD);
    assert_eq!(southend.get(&href).status, 404);
    assert!(!southend.get("/staff/measures").html.contains("RSA and per school"));
}
both!(measures_from_the_dashboard);

fn the_demo_holds_two_years_of_reviews(backend: Backend) {
    let (app, _, _) = setup(backend);
    {
        let mut conn = app.db.connect();
        // The whole demo with its responses: two years of the participation survey, the
        // review cycle, the pledge services and the decision log.
        heard::demo::load(&mut conn, 2000, true).expect("demo");
    }
    let (viewer, _) = sign_in(&app, "viewer@torbay.example", PASSWORD);
    let list = viewer.get("/staff/reviews");
    assert_eq!(list.status, 200);
    let reviews = list.attr_of("tbody a[href^='/staff/reviews/']", "href");
    assert_eq!(reviews.len(), 17, "every six weeks for two years");
    let latest = viewer.get(&reviews[0]);
    let trails = latest.text_of("table.ratings tbody td:last-child");
    assert!(trails.iter().all(|t| t.matches('→').count() == 16), "{trails:?}");
    assert!(trails.iter().any(|t| t.starts_with("Red") && t.ends_with("Green")), "{trails:?}");
    let decisions = latest.text_of("#decisions li");
    assert!(decisions.iter().any(|d| d.contains("too loud to stay in lessons")), "{decisions:?}");
    // Beside the outcome statements: the survey's verdicts between its two latest years.
    let evidence = latest.text_of("ul.evidence li");
    assert!(evidence.iter().any(|e| e.starts_with("Survey, 2023 to 2024: ")), "{evidence:?}");
    // A new draft's suggestions weigh the survey's verdicts with the measures.
    let (admin, _) = sign_in(&app, "admin@torbay.example", PASSWORD);
    let list = admin.get("/staff/reviews");
    let scale = list.attr_of("#scale option[value]:not([value=''])", "value")[0].clone();
    let held_on = list.attr_of("#held-on", "value")[0].clone();
    let draft = admin.submit(&list.form_ending("/staff/reviews").with("held_on", &held_on).with("scale", &scale));
    assert_eq!(draft.status, 200, "{}", draft.html);
    let suggestions = draft.text_of(".suggestion");
    assert!(suggestions.iter().any(|s| s.contains("survey question")), "{suggestions:?}");
    let public = app.browser().get("/updates/torbay");
    assert_eq!(public.text_of("article.update").len(), 6, "two years of decisions");
    assert_eq!(public.text_of(".easy-read").len(), 6);
    assert!(public.text_of("article.update h3").iter().filter(|h| *h == "What this is for").count() == 6);
    let measures = viewer.get("/staff/measures");
    assert!(measures.text_of("table.measures tbody tr").len() >= 12);
    assert!(!measures.html.contains("Overdue"), "values up to last month: nothing overdue");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM rating_scales"), 3);
    let services = viewer.get("/staff/services");
    let rows = services.text_of("table.services tbody tr");
    assert_eq!(rows.len(), 3, "{rows:?}");
    let months = services.text_of("table.pledge-index tbody tr");
    assert!(months.len() >= 3, "months of standing feedback: {months:?}");
    assert!(months.iter().filter(|m| m.contains('%')).count() >= 2, "{months:?}");
    let link = |name: &str| -> String {
        services
            .doc()
            .select(&scraper::Selector::parse("table.services th a").expect("sel"))
            .find(|a| a.text().collect::<String>() == name)
            .and_then(|a| a.value().attr("href").map(str::to_owned))
            .unwrap_or_else(|| panic!("{name}: {rows:?}"))
    };
    let shown =
        |p: &crate::helpers::Page| p.text_of("table.scorecard tbody td").iter().filter(|c| c.ends_with('%')).count();
    let health = viewer.get(&link("Health visiting"));
    assert!(shown(&health) >= 6, "48 answers: every value's share shown: {}", health.html);
    assert!(health.html.contains("Pledge index"));
    let bayside = viewer.get(&link("Bayside short breaks"));
    assert_eq!(shown(&bayside), 0, "6 answers: nothing shown yet");
    assert!(bayside.html.contains("not shown"));

    // The board paper: Word and Excel read back by LibreOffice, and a page to print.
    let fetch = |q: &str| {
        let res = viewer.raw().get(format!("{}{}?format={q}", viewer.base, reviews[0])).send().expect("get");
        let status = res.status().as_u16();
        let disposition = res.headers().get("content-disposition").map(|v| v.to_str().unwrap_or("").to_owned());
        (status, disposition, res.bytes().expect("bytes").to_vec())
    };
    let (status, disposition, docx) = fetch("docx");
    assert_eq!(status, 200);
    assert!(disposition.unwrap_or_default().contains(".docx"));
    if let Some(text) = crate::helpers::office_reads(&docx, "docx", "txt:Text") {
        for want in [
            "What will children, young people and their families see?",
            "Appendix 1: summary data dashboard",
            "RSA and per school",
            "You said, we did",
            "… → ",
        ] {
            assert!(text.contains(want), "{want}: {text}");
        }
    }
    let (status, _, xlsx) = fetch("xlsx");
    assert_eq!(status, 200);
    if let Some(csv) = crate::helpers::office_reads(&xlsx, "xlsx", "csv") {
        assert!(csv.contains("What will children, young people and their families see?"), "{csv}");
    }
    let book = calamine::open_workbook_from_rs::<calamine::Xlsx<_>, _>(std::io::Cursor::new(xlsx)).expect("xlsx");
    assert_eq!(calamine::Reader::sheet_names(&book), ["Ratings", "Measures"]);
    let print = viewer.get(&format!("{}?format=print", reviews[0]));
    assert_eq!(print.status, 200);
    assert!(print.text_of("table.ratings").len() >= 5, "a table per priority");
    assert_eq!(viewer.get(&format!("{}?format=exe", reviews[0])).status, 400);
}
both!(the_demo_holds_two_years_of_reviews);

fn evidence_from_every_source(backend: Backend) {
    let (app, _, _) = setup(backend);
    let (admin, _) = sign_in(&app, "admin@torbay.example", PASSWORD);
    let (analyst, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    let (viewer, _) = sign_in(&app, "viewer@torbay.example", PASSWORD);
    let fields = [
        ("name", "Traffic lights"),
        ("name-0", "Red"),
        ("meaning-0", "Not yet"),
        ("colour-0", "#d4351c"),
        ("name-1", "Amber"),
        ("meaning-1", "Some"),
        ("colour-1", "#ffdd00"),
        ("name-2", "Green"),
        ("meaning-2", "On track"),
        ("colour-2", "#00703c"),
    ];
    assert_eq!(admin.post_staff("/staff/scales/new", &fields).status, 200);

    // A note: the outcome statements it is evidence for must be chosen; what was typed stays.
    let page = analyst.get("/staff/notes");
    assert_eq!(page.status, 200);
    let p11 = page.attr_of("input[name=outcome]", "value")[0].clone();
    let today = page.attr_of("#noted-on", "value")[0].clone();
    assert_eq!(today, chrono::Utc::now().date_naive().to_string(), "today, suggested");
    let form = page
        .form_ending("/staff/notes")
        .with("noted_on", &today)
        .with("source", "Parent Carer Forum meeting")
        .with("body", "Parents said letters now arrive on time.");
    let refused = analyst.submit(&form);
    assert_eq!(refused.status, 400, "{}", refused.html);
    assert!(refused.has(".error-summary a[href='#outcomes']"));
    assert_eq!(refused.text_of("#body"), ["Parents said letters now arrive on time."]);
    let added = analyst.submit(&form.clone().with("outcome", &p11));
    assert_eq!(added.status, 200, "{}", added.html);
    assert!(added.text_of("table.notes tbody tr")[0].contains("Parent Carer Forum meeting"));
    assert!(!viewer.get("/staff/notes").has("form[action='/staff/notes']"), "viewers read only");
    assert_eq!(viewer.post_staff("/staff/notes", &[("source", "x"), ("body", "y"), ("outcome", &p11)]).status, 403);

    // A measure from the dashboard, tagged to the same outcome statement, with a newer value.
    let measures = analyst.get("/staff/measures");
    let done = analyst.submit_files(
        &measures.form_ending("/staff/measures"),
        vec![("file", "dashboard.csv", APPENDIX_1.as_bytes().to_vec())],
    );
    assert_eq!(done.status, 200);
    let href = done.attr_of("table.measures a", "href")[0].clone();
    let measure = analyst.get(&href);
    let tagged = analyst.submit(&measure.form_ending("/outcomes").with("outcome", &p11));
    assert_eq!(tagged.status, 200, "{}", tagged.html);
    assert_eq!(tagged.attr_of("input[name=outcome][checked]", "value"), std::slice::from_ref(&p11));
    // Last month's figure: a review counts the periods that have ended by its day.
    let last_month = chrono::Utc::now().date_naive().checked_sub_months(chrono::Months::new(1)).expect("date");
    let month = last_month.format("%b-%y").to_string();
    assert_eq!(analyst.submit(&measure.form_ending(&href).with("period", &month).with("value", "21")).status, 200);

    // A "you said, we did" update linked to the measure it answers and the outcome statement
    // it serves; a link to something not offered is refused and nothing is published.
    let measure_id = href.rsplit('/').next().expect("id").split('?').next().expect("id").to_owned();
    let form = admin.get("/staff/updates");
    assert!(form.has(&format!("input[name=link-outcome][value='{p11}']")), "{}", form.html);
    assert!(form.has(&format!("input[name=link-measure][value='{measure_id}']")));
    let update = form
        .form_ending("/staff/updates")
        .with("title", "Letters now come within a week")
        .with("body", "You told us letters were late. We changed how they are sent.")
        .with("easy_read", "You said letters came late. Now they come in a week.")
        .with("priorities", "P1")
        .with("link-outcome", &p11)
        .with("link-measure", &measure_id);
    let forged = admin.submit(&update.clone().with("link-theme", "not-a-theme"));
    assert_eq!(forged.status, 400, "{}", forged.html);
    assert!(forged.has("#update-error"), "{}", forged.html);
    assert_eq!(forged.attr_of("#update-title", "value"), ["Letters now come within a week"], "what was typed stays");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM updates"), 0);
    assert!(admin.submit(&update).status < 400);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM update_links"), 2);
    // The public page says what people told us, what was done, what it is for, in easy read too.
    let public = app.browser().get("/updates/torbay");
    let said = public.text_of("article.update ul li");
    assert!(said.iter().any(|l| l.starts_with("A figure we watch:") && l.contains("RSA and per school")), "{said:?}");
    assert!(public.text_of("article.update h3").contains(&"What this is for".to_owned()), "{}", public.html);
    assert_eq!(public.text_of(".easy-read p"), ["You said letters came late. Now they come in a week."]);

    // A review shows both beside the outcome statement, with a suggestion saying why.
    let list = analyst.get("/staff/reviews");
    let scale = list.attr_of("#scale option[value]:not([value=''])", "value")[0].clone();
    let today = list.attr_of("#held-on", "value")[0].clone();
    let review = analyst.submit(&list.form_ending("/staff/reviews").with("held_on", &today).with("scale", &scale));
    assert_eq!(review.status, 200, "{}", review.html);
    let evidence = review.text_of(&format!("#outcome-{p11} ul.evidence li"));
    assert!(
        evidence.iter().any(|e| e.contains("RSA and per school") && e.contains("21") && e.contains("better")),
        "{evidence:?}"
    );
    assert!(
        evidence.iter().any(|e| e.contains("Parent Carer Forum meeting: Parents said letters now arrive on time.")),
        "{evidence:?}"
    );
    let suggestion = review.text_of(&format!("#outcome-{p11} .suggestion"));
    assert_eq!(suggestion.len(), 1, "{}", review.html);
    assert!(suggestion[0].starts_with("Suggested: Red"), "not on target yet: {suggestion:?}");
    assert!(
        suggestion[0].contains("1 of 1 measure moved the better way") && suggestion[0].contains("1 note"),
        "{suggestion:?}"
    );

    assert!(
        evidence.iter().any(|e| e.starts_with("You said, we did,") && e.contains("Letters now come within a week")),
        "the decision serving this outcome statement: {evidence:?}"
    );
    let decisions = review.text_of("#decisions li");
    assert!(
        decisions.iter().any(|d| d.contains("Letters now come within a week")
            && d.contains("P1")
            && d.contains("It answers:")
            && d.contains("RSA and per school")),
        "{decisions:?}"
    );

    let (southend, _) = sign_in(&app, "analyst@southend.example", PASSWORD);
    assert!(!southend.get("/staff/notes").html.contains("letters now arrive"));
    let theirs = [("title", "Borrowed"), ("body", "Linked to another partnership's outcome."), ("link-outcome", &p11)];
    assert_eq!(southend.post_staff("/staff/updates", &theirs).status, 400, "not one of theirs");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM updates"), 1);
    assert_eq!(southend.post_staff(&format!("{href}/outcomes"), &[("outcome", &p11)]).status, 404);
}
both!(evidence_from_every_source);

fn pledge_services(backend: Backend) {
    let (app, _, _) = setup(backend);
    let (admin, _) = sign_in(&app, "admin@torbay.example", PASSWORD);
    let (analyst, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    let page = admin.get("/staff/services");
    assert_eq!(page.status, 200);
    let form = page.form_ending("/staff/services");
    let refused = admin.submit(&form.clone().with("name", "  "));
    assert_eq!(refused.status, 400);
    assert!(refused.has("#service-name-error"));
    let added = admin.submit(&form.clone().with("name", "Health visiting"));
    assert_eq!(added.status, 200, "{}", added.html);
    let wave = "torbay-pledge-health-visiting";
    assert!(added.attr_of("a", "href").iter().any(|h| h.ends_with(&format!("/s/{wave}"))), "{}", added.html);
    assert!(added.has(".qr-box svg"), "a QR code for waiting rooms");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'pledge_service.added'"), 1);
    assert_eq!(admin.submit(&form.with("name", "Health Visiting!")).status, 409, "the same address");
    assert_eq!(analyst.post_staff("/staff/services", &[("name", "SENDIASS")]).status, 403, "adding is for admins");

    // The standing survey is answered like any other; the scorecard shows nothing under 10.
    let survey = app.browser().get(&format!("/s/{wave}"));
    assert_eq!(survey.status, 200, "{}", survey.html);
    // Every question page of the easy-read version fits the respondent's page budget.
    let walker = app.browser();
    let start = walker.get(&format!("/s/{wave}/young-people"));
    let css = start.attr_of("link[rel=stylesheet]", "href");
    let css_bytes = crate::journey::wire_bytes(&walker, &format!("{}{}", app.address, css[0]));
    let mut page = walker.submit(&start.form());
    let mut pages = 0;
    while page.path().contains("/q/") {
        let total = crate::journey::wire_bytes(&walker, &page.url) + css_bytes;
        assert!(total <= 14_600, "{}: {total} bytes", page.path());
        pages += 1;
        page = walker.submit(&page.form().with("action", "skip"));
    }
    assert!(pages >= 4, "a question per pledge value and one more: {pages}");
    let answer = |yes: bool| {
        let plan = crate::helpers::Plan::from([("value-be-honest", vec![if yes { "yes" } else { "no" }])]);
        crate::helpers::complete(&app.browser(), wave, "parents-carers", &plan, "no");
    };
    for _ in 0..7 {
        answer(true);
    }
    answer(false);
    let score = analyst.get(&added.path());
    assert_eq!(score.status, 200);
    let honest = score.text_of("table.scorecard tbody tr").into_iter().find(|r| r.contains("Be honest")).expect("row");
    assert!(honest.contains("not shown"), "8 answers: {honest}");
    answer(true);
    answer(false);
    let score = analyst.get(&added.path());
    let honest = score.text_of("table.scorecard tbody tr").into_iter().find(|r| r.contains("Be honest")).expect("row");
    assert!(honest.contains("80%") && honest.contains(" to "), "8 of 10 said yes: {honest}");
    assert!(score.html.contains("Pledge index"));
    // Across services, month by month: this month, ten people answered six values each; the
    // walk answers the five others with their first answer (yes): 58 of 60 said yes.
    let list = analyst.get("/staff/services");
    let months = list.text_of("table.pledge-index tbody tr");
    let this_month = chrono::Utc::now().date_naive().format("%B %Y").to_string();
    assert_eq!(months.len(), 1, "{months:?}");
    assert!(months[0].contains(&this_month) && months[0].contains("60") && months[0].contains("97%"), "{months:?}");
    assert!(list.has("svg.trend[role=img] title"), "the chart has its text alternative");

    // An approved quote from the service's feedback shows beside its figures.
    assert!(score.html.contains("No quote from this service's feedback has been approved yet"));
    let said = "The health visitor listened to us and came back when she said she would.";
    let plan = crate::helpers::Plan::from([("anything-else", vec![said])]);
    crate::helpers::complete(&app.browser(), wave, "parents-carers", &plan, "yes");
    {
        let mut conn = app.db.connect();
        let torbay = heard::models::framework::find_by_slug(&mut conn, "torbay").expect("q").expect("torbay");
        let rid = app.count_str(&format!(
            "SELECT a.response_id AS s FROM answers a JOIN responses r ON r.id = a.response_id \
             JOIN waves w ON w.id = r.wave_id WHERE w.slug = '{wave}' AND a.question_key = 'anything-else' \
             AND r.consent_to_quote = true"
        ));
        let rid = heard::db::ResponseId::from_stored(rid);
        let q = heard::models::voices::start_quote(&mut conn, &rid, "anything-else", &torbay.id).expect("quote");
        heard::models::voices::save_quote(&mut conn, &q, said, true, "analyst@torbay.example").expect("approve");
    }
    let score = analyst.get(&added.path());
    assert_eq!(score.text_of("ul.quotes li"), [format!("“{said}”")], "{}", score.html);

    // The service's lead gets a sign-in that reaches this scorecard and nothing else.
    let service = analyst.get(&added.path());
    assert!(!service.has("form[action$='/leads']"), "giving sign-ins is for admins");
    let leads = admin.get(&added.path()).form_ending("/leads");
    let bad = admin.submit(&leads.clone().with("email", "not an address"));
    assert_eq!(bad.status, 400, "{}", bad.html);
    assert!(bad.has("#lead-email-error") && bad.has(".error-summary a[href='#lead-email']"), "{}", bad.html);
    assert_eq!(bad.attr_of("#lead-email", "value"), ["not an address"], "what was typed stays");
    let lead_password = "a lead's long password";
    let given = admin.submit(&leads.with("email", "Lead@Health.example").with("password", lead_password));
    assert_eq!(given.status, 200, "{}", given.html);
    assert!(
        given.text_of("#leads + p + ul li, #leads ~ ul li").iter().any(|l| l == "lead@health.example"),
        "{}",
        given.html
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'user.added' AND detail LIKE '%service-lead%'"),
        1
    );
    let (lead, landed) = sign_in(&app, "lead@health.example", lead_password);
    assert_eq!(landed.path(), added.path(), "a lead's home is their service");
    assert!(landed.has("table.scorecard"));
    assert!(!landed.html.contains("/results"), "no survey's answers for a lead: {}", landed.html);
    let nav = landed.attr_of("nav a", "href");
    assert!(!nav.iter().any(|h| h.starts_with("/staff/reviews") || h.starts_with("/staff/waves")), "{nav:?}");
    for path in [
        "/staff/services".to_owned(),
        "/staff/reviews".to_owned(),
        "/staff/measures".to_owned(),
        format!("/staff/waves/{wave}/results"),
        format!("/staff/waves/{wave}/download?format=csv"),
        "/staff/quotes".to_owned(),
    ] {
        assert_eq!(lead.get(&path).status, 403, "{path}");
    }
    assert_eq!(lead.post_staff("/staff/services", &[("name", "Another")]).status, 403);
    // An admin adding a service lead from the staff accounts page is sent to the service.
    let users = admin.get("/staff/users");
    let refused =
        admin.submit(&users.form_ending("/staff/users").with("email", "x@health.example").with("role", "service-lead"));
    assert_eq!(refused.status, 400, "{}", refused.html);

    let (southend, _) = sign_in(&app, "analyst@southend.example", PASSWORD);
    assert_eq!(southend.get(&added.path()).status, 404);
    let other = southend.post_staff(&format!("{}/leads", added.path()), &[("email", "y@s.example")]);
    assert_eq!(other.status, 403, "analysts give no sign-ins, and not to another partnership's service");
    assert!(!southend.get("/staff/services").html.contains("Health visiting"));
}
both!(pledge_services);
