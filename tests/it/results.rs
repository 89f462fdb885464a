//! One wave's results page: counts and shares per audience and for everyone, the comparison
//! method's suppression (a base under 10 shows nothing; 1–4 shows "fewer than 5" without a
//! share), numbers' median and quartiles as a spreadsheet gives them, and written answers
//! counted with a link to coding. Figures are checked against what was answered. Both
//! databases.

use heard::db::Backend;

use crate::both;
use crate::builder::{add, start};
use crate::fixtures::{PASSWORD, setup, sign_in};
use crate::helpers::{Plan, complete};

fn results_of_one_wave(backend: Backend) {
    let (app, _, _) = setup(backend);
    let (b, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    let (_, wave) = start(&b, "Results Check", &["young-people", "parents-carers"], &[]);
    let s = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    for (kind, fields) in [
        (
            "yes-sometimes-no",
            vec![
                s("ask", "young-people"),
                s("ask", "parents-carers"),
                s("key", "enough-help"),
                s("title-young-people", "Do you get enough help?"),
                s("title-parents-carers", "Does your child get enough help?"),
            ],
        ),
        (
            "number",
            vec![
                s("ask", "parents-carers"),
                s("key", "weeks-waited"),
                s("title-parents-carers", "How many weeks did you wait?"),
            ],
        ),
        (
            "long-text",
            vec![
                s("ask", "young-people"),
                s("ask", "parents-carers"),
                s("key", "what-helps"),
                s("title-young-people", "What helps you?"),
                s("title-parents-carers", "What helps your child?"),
            ],
        ),
    ] {
        let saved = add(&b, &wave, kind, &fields);
        assert_eq!(saved.status, 200, "{}", saved.html);
    }
    let wave_page = b.get(&format!("/staff/waves/{wave}"));
    let open = b.submit(&wave_page.form_ending("/status").with("status", "open").with("opens", "").with("closes", ""));
    assert!(open.status < 400, "{}", open.html);
    // Twelve parents: ten yes, two sometimes; waits of 1 to 12 weeks. Three young people.
    let weeks: Vec<String> = (1..=12).map(|w| w.to_string()).collect();
    for (i, w) in weeks.iter().enumerate() {
        let answer: &'static str = if i < 10 { "yes" } else { "sometimes" };
        let leaked: &'static str = Box::leak(w.clone().into_boxed_str());
        let plan = Plan::from([("enough-help", vec![answer]), ("weeks-waited", vec![leaked])]);
        complete(&app.browser(), &wave, "parents-carers", &plan, "yes");
    }
    for _ in 0..3 {
        complete(&app.browser(), &wave, "young-people", &Plan::from([("enough-help", vec!["no"])]), "no");
    }

    let page = b.get(&format!("/staff/waves/{wave}/results"));
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(page.html.contains("<strong>15</strong> responses"), "{}", page.html);
    let heads = page.text_of("#r-enough-help + .table-scroll thead th");
    assert_eq!(heads.len(), 4, "answer, two audiences and everyone: {heads:?}");
    assert!(heads[1].contains("fewer than 10 answered: not shown"), "three young people: {heads:?}");
    assert!(heads[2].contains("12 answered") && heads[3].contains("15 answered"), "{heads:?}");
    let cells = page.text_of("#r-enough-help + .table-scroll tbody td");
    // Rows yes, sometimes, no; columns young people, parents, everyone.
    assert_eq!(
        cells,
        [
            "not shown",
            "10 (83%)",
            "10 (67%)",
            "not shown",
            "fewer than 5",
            "fewer than 5",
            "not shown",
            "0",
            "fewer than 5"
        ],
        "{}",
        page.html
    );
    // Weeks 1..12: QUARTILE.INC gives 3.75, 6.5, 9.25.
    assert_eq!(page.text_of("#r-weeks-waited + .table-scroll tbody td"), ["6.5", "3.75", "9.25"]);
    let written = page.text_of("#r-what-helps + .table-scroll tbody td");
    assert_eq!(written, ["not shown", "12", "15"], "everyone wrote (the walk writes words)");
    assert!(page.has("a[href$='/coding?question=what-helps']"));
    // The responses as a file: one row per response, a column per question key; audited.
    let res = b.raw().get(format!("{}/staff/waves/{wave}/download?format=csv", b.base)).send().expect("get");
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.headers()["content-type"].to_str().expect("ct").starts_with("text/csv"));
    assert!(res.headers()["content-disposition"].to_str().expect("cd").contains("attachment"));
    let csv = res.text().expect("csv");
    let mut lines = csv.lines();
    let header = lines.next().expect("header");
    for key in ["enough-help", "weeks-waited", "what-helps"] {
        assert!(header.contains(key), "{header}");
    }
    assert_eq!(lines.count(), 15, "{csv}");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'responses.downloaded'"), 1);
    let json = b.raw().get(format!("{}/staff/waves/{wave}/download?format=json", b.base)).send().expect("get");
    let records: serde_json::Value = serde_json::from_str(&json.text().expect("text")).expect("json");
    assert_eq!(records.as_array().map(Vec::len), Some(15));
    assert_eq!(b.get(&format!("/staff/waves/{wave}/download?format=exe")).status, 400);
    // A viewer reads results but is not sent to coding; another partnership gets nothing.
    let (viewer, _) = sign_in(&app, "viewer@torbay.example", PASSWORD);
    let seen = viewer.get(&format!("/staff/waves/{wave}/results"));
    assert_eq!(seen.status, 200);
    assert!(!seen.has("a[href*='/coding']"));
    let (other, _) = sign_in(&app, "analyst@southend.example", PASSWORD);
    assert_eq!(other.get(&format!("/staff/waves/{wave}/results")).status, 404);
    assert_eq!(other.get(&format!("/staff/waves/{wave}/download?format=csv")).status, 404);
    assert_eq!(
        viewer.get(&format!("/staff/waves/{wave}/download?format=csv")).status,
        403,
        "the file holds written words"
    );
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'responses.downloaded'"), 2);
}
both!(results_of_one_wave);
