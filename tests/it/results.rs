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
    assert!(heads[2].contains("12 answered"), "{heads:?}");
    // Everyone less the parents would give the three young people's answers: withheld.
    assert!(heads[3].contains("withheld"), "{heads:?}");
    let cells = page.text_of("#r-enough-help + .table-scroll tbody td");
    // Rows yes, sometimes, no; columns young people, parents, everyone. The parents' two
    // "sometimes" are fewer than 5; their ten "yes" would give it back (12 − 10 − 0), so the
    // ten are withheld too.
    assert_eq!(
        cells,
        ["not shown", "withheld", "not shown", "not shown", "fewer than 5", "not shown", "not shown", "0", "not shown"],
        "{}",
        page.html
    );
    // Weeks 1..12: QUARTILE.INC gives 3.75, 6.5, 9.25.
    assert_eq!(page.text_of("#r-weeks-waited + .table-scroll tbody td"), ["6.5", "3.75", "9.25"]);
    let written = page.text_of("#r-what-helps + .table-scroll tbody td");
    assert_eq!(written, ["not shown", "12", "not shown"], "everyone wrote (the walk writes words)");
    assert!(page.has("a[href$='/coding?question=what-helps']"));
    // The counts kept at write time (no filter) and a count of the stored answers (a filter
    // of days that holds every response) give the same figures.
    let counted = b.get(&format!("/staff/waves/{wave}/results?from=2000-01-01"));
    assert_eq!(counted.status, 200, "{}", counted.html);
    for q in ["enough-help", "weeks-waited", "what-helps"] {
        let cells = |p: &crate::helpers::Page| p.text_of(&format!("#r-{q} + .table-scroll tbody td"));
        assert_eq!(cells(&page), cells(&counted), "{q}");
    }
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
    // Read a few at a time (as a large wave is), every response comes once, oldest first.
    {
        let mut conn = app.db.connect();
        let w = heard::models::survey::get(&mut conn, &wave, 2000).expect("wave");
        let mut seen = Vec::new();
        let all = heard::domain::filter::Filter::default();
        let read = heard::models::export::each_response(
            &mut conn,
            &heard::models::export::Reading {
                wave_id: &w.row.id,
                wave_slug: &wave,
                def: &w.definition,
                filter: &all,
                words: true,
                batch: 4,
            },
            |batch| {
                assert!(batch.len() <= 4);
                seen.extend(batch.into_iter().map(|r| (r.submitted_on, r.audience)));
                true
            },
        )
        .expect("read");
        assert_eq!((read, seen.len()), (15, 15));
        assert!(seen.windows(2).all(|p| p[0].0 <= p[1].0));
    }
    let json = b.raw().get(format!("{}/staff/waves/{wave}/download?format=json", b.base)).send().expect("get");
    let records: serde_json::Value = serde_json::from_str(&json.text().expect("text")).expect("json");
    assert_eq!(records.as_array().map(Vec::len), Some(15));
    assert_eq!(b.get(&format!("/staff/waves/{wave}/download?format=exe")).status, 400);
    // XLSX: read back by calamine and by LibreOffice; answers as labels; the dictionary sheet.
    let fetch = |who: &crate::helpers::Browser, q: &str| -> (u16, Vec<u8>) {
        let res = who.raw().get(format!("{}/staff/waves/{wave}/{q}", who.base)).send().expect("get");
        (res.status().as_u16(), res.bytes().expect("bytes").to_vec())
    };
    let (status, xlsx) = fetch(&b, "download?format=xlsx&answers=labels&audience=parents-carers");
    assert_eq!(status, 200);
    let sheet = |bytes: &[u8], name: &str| -> Vec<Vec<String>> {
        use calamine::Reader;
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("xlsx opens");
        let range = book.worksheet_range(name).expect("sheet");
        range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
    };
    let rows = sheet(&xlsx, "Responses");
    assert_eq!(rows.len(), 13, "heading and the twelve parents: {rows:?}");
    let col = |k: &str| rows[0].iter().position(|h| h == k).expect("column");
    assert_eq!(rows.iter().skip(1).filter(|r| r[col("enough-help")] == "Yes").count(), 10, "labels: {rows:?}");
    assert_eq!(rows[1][col("weeks-waited")], "1");
    let dictionary = sheet(&xlsx, "Dictionary");
    assert!(dictionary.iter().any(|r| r[0] == "enough-help" && r[5].contains("yes = Yes")), "{dictionary:?}");
    if let Some(text) = crate::helpers::office_reads(&xlsx, "xlsx", "csv") {
        assert!(text.contains("enough-help") && text.contains("parents-carers"), "{text}");
    }
    // The results as a published table: symbols, never blanks.
    let (status, table) = fetch(&b, "tables?format=csv");
    assert_eq!(status, 200);
    let table = String::from_utf8(table).expect("utf-8");
    assert!(table.contains("[low]") && table.contains("[c]"), "{table}");
    assert!(!table.lines().any(|l| l.contains(",,")), "no blank cell: {table}");
    let (status, tables_xlsx) = fetch(&b, "tables?format=xlsx&channel=online");
    assert_eq!(status, 200);
    assert!(sheet(&tables_xlsx, "Notes").iter().flatten().any(|c| c.contains("Channel: Online")));
    // A viewer reads results and may download, but not written words; not sent to coding;
    // another partnership gets nothing.
    let (viewer, _) = sign_in(&app, "viewer@torbay.example", PASSWORD);
    let seen = viewer.get(&format!("/staff/waves/{wave}/results"));
    assert_eq!(seen.status, 200);
    assert!(!seen.has("a[href*='/coding']"));
    let (other, _) = sign_in(&app, "analyst@southend.example", PASSWORD);
    assert_eq!(other.get(&format!("/staff/waves/{wave}/results")).status, 404);
    assert_eq!(other.get(&format!("/staff/waves/{wave}/download?format=csv")).status, 404);
    assert_eq!(other.get(&format!("/staff/waves/{wave}/tables?format=csv")).status, 404);
    let (status, plain) = fetch(&viewer, "download?format=csv");
    assert_eq!(status, 200);
    let plain = String::from_utf8(plain).expect("utf-8");
    let head = plain.lines().next().expect("header");
    assert!(head.contains("enough-help") && !head.contains("what-helps"), "no written answers: {head}");
    let (status, dict) = fetch(&viewer, "download?part=dictionary");
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&dict).contains("not in this file"));
    assert_eq!(b.get(&format!("/staff/waves/{wave}/download?format=csv&channel=pigeon")).status, 400);
    assert_eq!(b.get(&format!("/staff/waves/{wave}/download?answers=both")).status, 400);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'responses.downloaded'"), 5);
    // The viewer's JSON holds no written answers either (they are never read for the role).
    let (status, json) = fetch(&viewer, "download?format=json");
    assert_eq!(status, 200);
    let records: serde_json::Value = serde_json::from_slice(&json).expect("json");
    let records = records.as_array().expect("array");
    assert_eq!(records.len(), 15);
    assert!(records.iter().all(|r| r["answers"].get("what-helps").is_none()), "{records:?}");
    assert!(records.iter().any(|r| r["answers"].get("enough-help").is_some()), "{records:?}");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'tables.downloaded'"), 2);
}
both!(results_of_one_wave);

/// An open wave for parents with a one-answer `plan` question (`plans`: value, words) and a
/// yes/sometimes/no `enough-help` question.
fn plan_wave(b: &crate::helpers::Browser, title: &str, plans: &[(&str, &str)]) -> String {
    let (_, wave) = start(b, title, &["parents-carers"], &[]);
    let s = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    let mut fields = vec![
        s("ask", "parents-carers"),
        s("key", "plan"),
        s("title-parents-carers", "What support does your child have?"),
    ];
    for (i, (value, words)) in plans.iter().enumerate() {
        fields.push(s(&format!("opt-{i}-value"), value));
        fields.push(s(&format!("opt-{i}-label-parents-carers"), words));
        fields.push(s(&format!("opt-{i}-polarity"), "neutral"));
    }
    let plan = add(b, &wave, "single-choice", &fields);
    assert_eq!(plan.status, 200, "{}", plan.html);
    let help = add(
        b,
        &wave,
        "yes-sometimes-no",
        &[
            s("ask", "parents-carers"),
            s("key", "enough-help"),
            s("title-parents-carers", "Does your child get enough help?"),
        ],
    );
    assert_eq!(help.status, 200, "{}", help.html);
    let wave_page = b.get(&format!("/staff/waves/{wave}"));
    let open = b.submit(&wave_page.form_ending("/status").with("status", "open").with("opens", "").with("closes", ""));
    assert!(open.status < 400, "{}", open.html);
    wave
}

/// Filters pick respondents; every filtered table is protected against subtraction. The
/// case is built to leak: three parents without a plan are under any base, so the other
/// two plans' figures and the whole would give them back unless one more is withheld.
fn filters_and_a_case_built_to_leak(backend: Backend) {
    let (app, _, _) = setup(backend);
    let (b, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    let wave = plan_wave(
        &b,
        "Filter Check",
        &[("ehcp", "An EHC plan"), ("sen-support", "SEN support"), ("none-yet", "Nothing yet")],
    );
    // (plan, yes, no): 20 with a plan, 15 on SEN support, 3 with nothing yet.
    let people: [(&'static str, usize, usize); 3] = [("ehcp", 12, 8), ("sen-support", 10, 5), ("none-yet", 3, 0)];
    for (p, yes, no) in people {
        for i in 0..yes + no {
            let answer = if i < yes { "yes" } else { "no" };
            complete(
                &app.browser(),
                &wave,
                "parents-carers",
                &Plan::from([("plan", vec![p]), ("enough-help", vec![answer])]),
                "no",
            );
        }
    }
    let cells = |q: &str| {
        let page = b.get(&format!("/staff/waves/{wave}/results{q}"));
        assert_eq!(page.status, 200, "{q}: {}", page.html);
        (
            page.text_of("#r-enough-help + .table-scroll thead th").get(1).cloned().unwrap_or_default(),
            page.text_of("#r-enough-help + .table-scroll tbody td"),
        )
    };
    let (base, all) = cells("");
    assert!(base.contains("38 answered"), "{base}");
    assert_eq!(all, ["25 (66%)", "0", "13 (34%)"]);
    // Each plan on its own: the three are too few; SEN support is withheld to protect them
    // (38 − 20 would otherwise give 15 + 3 apart); the plan holders are shown.
    let (none_base, _) = cells("?answer=plan:none-yet");
    assert!(none_base.contains("fewer than 10"), "{none_base}");
    let (sen_base, sen) = cells("?answer=plan:sen-support");
    assert!(sen_base.contains("withheld"), "{sen_base}");
    assert_eq!(sen, ["not shown", "not shown", "not shown"]);
    let (ehcp_base, ehcp) = cells("?question=plan&answer=ehcp");
    assert!(ehcp_base.contains("20 answered"), "{ehcp_base}");
    assert_eq!(ehcp, ["12 (60%)", "0", "8 (40%)"]);
    // Nothing leaks: of the plans with people, none or at least two are hidden, and the
    // whole less what is shown is never a single hidden group.
    let shown: Vec<u64> = ["ehcp", "sen-support", "none-yet"]
        .iter()
        .filter_map(|p| {
            let (b, _) = cells(&format!("?answer=plan:{p}"));
            b.split(' ').next().and_then(|n| n.parse().ok())
        })
        .collect();
    let hidden = 3 - shown.len();
    assert!(hidden == 0 || hidden >= 2, "{shown:?}");
    // Channel and days: everyone came online today.
    let (web_base, web) = cells("?audience=parents-carers&channel=online");
    assert!(web_base.contains("38 answered"), "{web_base}");
    assert_eq!(web, all);
    let (paper_base, _) = cells("?channel=paper");
    assert!(paper_base.contains("fewer than 10"), "{paper_base}");
    let today = chrono::Utc::now().date_naive();
    let (day_base, _) = cells(&format!("?from={today}&to={today}"));
    assert!(day_base.contains("38 answered"), "{day_base}");
    let yesterday = today.pred_opt().expect("a day");
    let page = b.get(&format!("/staff/waves/{wave}/results?to={yesterday}"));
    assert!(page.html.contains("<strong>0</strong> responses"), "{}", page.html);
    // Bad filters: 400, the problem beside its field, nothing counted.
    let bad = b.get(&format!("/staff/waves/{wave}/results?channel=pigeon&from=2026-02-30&answer=enough-help:maybe"));
    assert_eq!(bad.status, 400);
    assert_eq!(bad.text_of(".error-summary li").len(), 3, "{}", bad.html);
    assert!(bad.has("#f-channel-error") && bad.has("#f-from-error") && bad.has("#f-answer-error"));
    assert!(!bad.has("#r-enough-help"));
    assert_eq!(bad.attr_of("#f-from", "value"), ["2026-02-30"], "what was typed stays");
    let (other, _) = sign_in(&app, "analyst@southend.example", PASSWORD);
    assert_eq!(other.get(&format!("/staff/waves/{wave}/results?channel=paper")).status, 404);
}
both!(filters_and_a_case_built_to_leak);

/// Who took part: populations typed and pasted, response rates, the mix test and the
/// standardised shares, against the methods page's worked case (20% and 80% of the
/// population; 40% and 70% positive, so 64% standardised) with 20 and 10 answering.
fn who_took_part(backend: Backend) {
    let (app, _, _) = setup(backend);
    let (b, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    let wave = plan_wave(&b, "Reach Check", &[("ehcp", "An EHC plan"), ("sen-support", "SEN support")]);
    // 20 with a plan, 8 yes (40%); 10 on SEN support, 7 yes (70%).
    for (p, yes, all) in [("ehcp", 8, 20), ("sen-support", 7, 10)] {
        for i in 0..all {
            let answer = if i < yes { "yes" } else { "no" };
            complete(
                &app.browser(),
                &wave,
                "parents-carers",
                &Plan::from([("plan", vec![p]), ("enough-help", vec![answer])]),
                "no",
            );
        }
    }
    let page = b.get(&format!("/staff/waves/{wave}/reach?by=plan"));
    assert_eq!(page.status, 200, "{}", page.html);
    // A bad population is named beside its field, what was typed stays, nothing is stored.
    let bad = b.submit(&page.form_ending("/reach").with("pop-ehcp", "lots").with("pop-sen-support", "4800"));
    assert_eq!(bad.status, 400);
    assert!(bad.has("#pop-ehcp-error") && bad.attr_of("#pop-ehcp", "value") == ["lots"], "{}", bad.html);
    assert_eq!(bad.attr_of("#pop-sen-support", "value"), ["4800"]);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM wave_populations"), 0);
    // Pasted as CSV (with a heading row, groups by their words).
    let saved =
        b.submit(&page.form_ending("/reach").with("csv", "group,population\nAn EHC plan,1200\nSEN support,\"4,800\""));
    assert_eq!(saved.status, 200, "{}", saved.html);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'reach.population_set'"), 1);
    let rows = saved.text_of("table tbody tr");
    assert!(
        rows[0].contains("1200") && rows[0].contains("20.0%") && rows[0].contains("66.7%") && rows[0].contains("1.7%"),
        "{rows:?}"
    );
    assert!(rows[1].contains("4800") && rows[1].contains("0.2%"), "{rows:?}");
    // Expected 6 and 24 of 30: (20 − 6)²/6 + (10 − 24)²/24 = 32.67 + 8.17 = 40.8.
    let mix = saved.text_of("#mix").join("");
    assert!(mix.contains("not mixed like the population") && mix.contains("40.8"), "{mix}");
    // As answered (8 + 7) / 30 = 50%; standardised 0.2 × 40% + 0.8 × 70% = 64%.
    let standard = saved.text_of("table").last().cloned().unwrap_or_default();
    assert!(standard.contains("50.0%") && standard.contains("64.0%"), "{standard}");
    let (viewer, _) = sign_in(&app, "viewer@torbay.example", PASSWORD);
    let seen = viewer.get(&format!("/staff/waves/{wave}/reach"));
    assert_eq!(seen.status, 200);
    assert!(!seen.has("form[method=post][action$='/reach']"), "viewers read, do not set");
    let (other, _) = sign_in(&app, "analyst@southend.example", PASSWORD);
    assert_eq!(other.get(&format!("/staff/waves/{wave}/reach")).status, 404);
    assert_eq!(b.get(&format!("/staff/waves/{wave}/reach?by=nothing")).status, 400);
}
both!(who_took_part);

/// Every figure a filtered result needs, as `heard::models::results` reads it, by group.
fn figures(t: &heard::stats::results::Tally) -> Vec<String> {
    t.groups
        .iter()
        .map(|(sig, g)| {
            let sorted = |m: &dyn Fn() -> Vec<String>| {
                let mut v = m();
                v.sort();
                v
            };
            let options = sorted(&|| g.options.iter().map(|(k, n)| format!("{k:?}={n}")).collect());
            let answered = sorted(&|| g.answered.iter().map(|(k, n)| format!("{k}={n}")).collect());
            let written = sorted(&|| g.written.iter().map(|(k, n)| format!("{k}={n}")).collect());
            let numbers = sorted(&|| {
                g.numbers.iter().flat_map(|(k, xs)| xs.iter().map(move |(x, n)| format!("{k}:{x}={n}"))).collect()
            });
            format!("{sig:?} {} {options:?} {answered:?} {written:?} {numbers:?}", g.responses)
        })
        .collect()
}

/// A result filtered by channel or days reads the counts kept by channel and day; they give
/// what a count of the stored answers gives, after sends, a deletion, and responses moved to
/// other days and channels (then recounted, as an import does). `heard verify`'s check sees a
/// kept figure that no longer matches its response.
fn kept_slices_match_a_count(backend: Backend) {
    use heard::domain::filter::RawFilter;
    let (app, _, _) = setup(backend);
    let (b, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    let (_, wave) = start(&b, "Slice Check", &["parents-carers"], &[]);
    let s = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    let ask =
        |key: &str, title: &str| vec![s("ask", "parents-carers"), s("key", key), s("title-parents-carers", title)];
    let mut multi = ask("helped-by", "Who helped?");
    for (i, v) in ["school", "health", "forum"].iter().enumerate() {
        multi.push(s(&format!("opt-{i}-value"), v));
        multi.push(s(&format!("opt-{i}-label-parents-carers"), v));
        multi.push(s(&format!("opt-{i}-polarity"), "neutral"));
    }
    let mut plan = ask("plan", "What support does your child have?");
    for (i, v) in ["ehcp", "sen-support", "none-yet"].iter().enumerate() {
        plan.push(s(&format!("opt-{i}-value"), v));
        plan.push(s(&format!("opt-{i}-label-parents-carers"), v));
        plan.push(s(&format!("opt-{i}-polarity"), "neutral"));
    }
    for (kind, fields) in [
        ("single-choice", plan),
        ("yes-sometimes-no", ask("enough-help", "Does your child get enough help?")),
        ("number", ask("weeks-waited", "How many weeks did you wait?")),
        ("long-text", ask("what-helps", "What helps your child?")),
        ("multiple-choice", multi),
    ] {
        let saved = add(&b, &wave, kind, &fields);
        assert_eq!(saved.status, 200, "{kind}: {}", saved.html);
    }
    let wave_page = b.get(&format!("/staff/waves/{wave}"));
    let open = b.submit(&wave_page.form_ending("/status").with("status", "open").with("opens", "").with("closes", ""));
    assert!(open.status < 400, "{}", open.html);
    let answers = ["yes", "sometimes", "no"];
    let weeks = ["2", "5", "5", "9", "12"];
    let helped = ["school", "health", "forum"];
    let plans = ["ehcp", "sen-support", "none-yet", "ehcp"];
    for i in 0..24 {
        let plan = Plan::from([
            ("plan", vec![plans[i % 4]]),
            ("enough-help", vec![answers[i % 3]]),
            ("weeks-waited", vec![weeks[i % 5]]),
            ("helped-by", vec![helped[i % 3], helped[(i + 1) % 3]]),
        ]);
        complete(&app.browser(), &wave, "parents-carers", &plan, "no");
    }
    let mut conn = app.db.connect();
    let w = heard::models::survey::get(&mut conn, &wave, 2000).expect("wave");
    let key = heard::domain::codes::CodeKey::new(b"slice check secret key of enough length").expect("key");
    let check = |conn: &mut heard::db::DbConnection| {
        heard::models::integrity::wave_check(conn, &key, &w.row.id, &[]).expect("check").count_mismatches
    };
    assert_eq!(check(&mut conn), Vec::<String>::new(), "kept at each send");
    assert!(app.count("SELECT COUNT(*) AS n FROM slice_counts WHERE kind = 'wrote'") > 0, "the walk writes words");
    // A staff deletion takes its response out of every slice.
    let first: String = app.count_str(&format!(
        "SELECT r.id AS s FROM responses r JOIN waves w ON w.id = r.wave_id WHERE w.slug = '{wave}' ORDER BY r.id LIMIT 1"
    ));
    let (admin, _) = sign_in(&app, "admin@torbay.example", PASSWORD);
    let gone = admin.post_staff(&format!("/staff/responses/{first}/delete"), &[("reason", "Asked by the family")]);
    assert!(gone.status < 400, "{}", gone.html);
    assert_eq!(check(&mut conn), Vec::<String>::new(), "after a deletion");
    // Eight move to paper on 2 March, six to a kiosk late on 5 March: the kept figures are
    // then wrong (the check says so) until the wave is recounted.
    let wave_id = w.row.id.as_str().to_owned();
    for (channel, at, n) in [("paper", "2026-03-02 10:00:00", 8), ("kiosk", "2026-03-05 23:59:59", 6)] {
        let sql = format!(
            "UPDATE responses SET channel = '{channel}', submitted_at = '{at}' WHERE id IN \
             (SELECT id FROM responses WHERE wave_id = '{wave_id}' AND channel = 'web' ORDER BY id LIMIT {n})"
        );
        diesel::RunQueryDsl::execute(diesel::sql_query(sql), &mut conn).expect("move");
    }
    assert!(!check(&mut conn).is_empty(), "moved responses no longer match their kept figures");
    heard::models::aggregates::rebuild(&mut conn, &w.row.id).expect("rebuild");
    assert_eq!(check(&mut conn), Vec::<String>::new(), "recounted");
    let today = chrono::Utc::now().date_naive();
    let mut shown = 0;
    let today = today.to_string();
    for (channel, from, to, answer) in [
        (Some("online"), None, None, None),
        (Some("paper"), None, None, None),
        (Some("kiosk"), None, None, None),
        (None, Some("2026-03-02"), Some("2026-03-02"), None),
        (None, Some("2026-03-03"), Some("2026-03-05"), None),
        (Some("paper"), None, Some("2026-03-05"), None),
        (None, Some("2026-03-06"), None, None),
        (None, None, Some(today.as_str()), None),
        // Under an answer to a single-choice question: kept; to another question: counted.
        (None, None, None, Some("plan:ehcp")),
        (None, None, None, Some("plan:none-yet")),
        (Some("web"), None, None, Some("plan:sen-support")),
        (None, Some("2026-03-02"), Some("2026-03-05"), Some("plan:ehcp")),
        (None, None, None, Some("enough-help:yes")),
    ] {
        let raw = RawFilter {
            channel: channel.map(Into::into),
            from: from.map(Into::into),
            to: to.map(Into::into),
            answer: answer.map(Into::into),
            ..RawFilter::default()
        };
        let filter = raw.check(&w.definition).expect("a good filter");
        assert!(filter.needs_answers());
        let kept = heard::models::results::tally(&mut conn, &w.row.id, &w.definition, &filter).expect("kept");
        let counted = heard::models::results::counted(&mut conn, &w.row.id, &w.definition, &filter).expect("counted");
        assert_eq!(figures(&kept), figures(&counted), "{channel:?} {from:?} {to:?} {answer:?}");
        let picked = heard::models::results::responses_by_audience(&kept, &filter).values().sum::<u64>();
        if answer.is_none() {
            shown += picked;
        } else if channel.is_none() && from.is_none() {
            let (q, v) = answer.and_then(|a| a.split_once(':')).expect("q:v");
            let given = app.count(&format!(
                "SELECT COUNT(*) AS n FROM answers a JOIN responses r ON r.id = a.response_id \
                 WHERE r.wave_id = '{wave_id}' AND a.question_key = '{q}' AND a.option_value = '{v}'"
            ));
            assert_eq!(picked, u64::try_from(given).expect("count"), "{q}:{v}");
        }
    }
    // 23 left: 9 online + 8 paper + 6 kiosk, then 8, 6, 8 on paper by 5 March, 9 since 6 March, 23 by today.
    assert_eq!(shown, 9 + 8 + 6 + 8 + 6 + 8 + 9 + 23);
}
both!(kept_slices_match_a_count);

/// The responses download reads each response's answer sheet (`models::sheets`) and its
/// written answers: every row of the CSV is what a reading of the stored answers gives
/// (a question with several answers in the order given, numbers, words), for the demo's
/// responses made every way (sent, on paper, at panels, imported). A sheet edited by hand is
/// found by the integrity check, and a rebuild mends it.
fn the_download_is_the_stored_answers(backend: Backend) {
    use diesel::prelude::*;
    use heard::db::schema::{answers, responses};
    use std::collections::BTreeMap;
    type Resp = (String, String, String, chrono::NaiveDateTime, bool);
    type Given = (String, String, i32, Option<String>, Option<String>, Option<f64>);
    let (app, _, _) = setup(backend);
    let mut conn = app.db.connect();
    heard::demo::load(&mut conn, 2000, true).expect("demo");
    let slug = "torbay-participation-2024";
    let w = heard::models::survey::get(&mut conn, slug, 2000).expect("wave");
    for wave in heard::demo::WAVES.map(|w| w.0) {
        let id = heard::models::survey::get(&mut conn, wave, 2000).expect("wave").row.id;
        assert_eq!(heard::models::sheets::mismatched(&mut conn, &id).expect("check"), 0, "{wave}");
    }
    let (b, _) = sign_in(&app, "admin@torbay.example", PASSWORD);
    let res = b.raw().get(format!("{}/staff/waves/{slug}/download?format=csv", b.base)).send().expect("get");
    assert_eq!(res.status().as_u16(), 200);
    let body = res.text().expect("csv");
    let mut reader = csv::Reader::from_reader(body.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader.headers().expect("header").iter().map(str::to_owned).collect();
    let mut got: Vec<Vec<String>> =
        reader.records().map(|r| r.expect("row").iter().map(str::to_owned).collect()).collect();
    // The same rows from the stored answers.
    let people: Vec<Resp> = responses::table
        .filter(responses::wave_id.eq(&w.row.id))
        .select((
            responses::id,
            responses::audience,
            responses::channel,
            responses::submitted_at,
            responses::consent_to_quote,
        ))
        .load(&mut conn)
        .expect("responses");
    let given: Vec<Given> = answers::table
        .inner_join(responses::table)
        .filter(responses::wave_id.eq(&w.row.id))
        .order((answers::response_id, answers::question_key, answers::ordinal))
        .select((
            answers::response_id,
            answers::question_key,
            answers::ordinal,
            answers::option_value,
            answers::text_value,
            answers::number_value,
        ))
        .load(&mut conn)
        .expect("answers");
    let mut by: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for (rid, key, _, option, text, number) in given {
        let v = option.or(number.map(|n| n.to_string())).or(text).expect("a value");
        by.entry((rid, key)).or_default().push(v);
    }
    let mut want: Vec<Vec<String>> = people
        .into_iter()
        .map(|(id, audience, channel, at, consent)| {
            let mut row = vec![
                slug.to_owned(),
                audience,
                channel,
                at.date().format("%Y-%m-%d").to_string(),
                if consent { "yes" } else { "no" }.to_owned(),
            ];
            for key in &header[5..] {
                let v = by.get(&(id.clone(), key.clone())).map(|vs| vs.join("; ")).unwrap_or_default();
                row.push(heard::models::export::neutralise_cell(&v).into_owned());
            }
            row
        })
        .collect();
    assert!(want.len() >= 300, "{}", want.len());
    assert!(header.iter().any(|h| w.definition.question(h).is_some_and(|q| q.kind.is_text())), "{header:?}");
    assert!(want.iter().any(|r| r.iter().any(|c| c.contains("; "))), "some rows hold several answers to one question");
    got.sort();
    want.sort();
    assert_eq!(got.len(), want.len());
    for (g, x) in got.iter().zip(&want) {
        assert_eq!(g, x);
    }
    // A sheet edited by hand: the integrity check says so; a rebuild mends it.
    let edited: String = responses::table
        .filter(responses::wave_id.eq(&w.row.id))
        .filter(responses::answer_sheet.ne("{}"))
        .select(responses::id)
        .first(&mut conn)
        .expect("a response with a sheet");
    diesel::update(responses::table.filter(responses::id.eq(&edited)))
        .set(responses::answer_sheet.eq("{}"))
        .execute(&mut conn)
        .expect("edit");
    let key = heard::domain::codes::CodeKey::new(b"sheet check secret key of enough length").expect("key");
    let check = heard::models::integrity::wave_check(&mut conn, &key, &w.row.id, &[]).expect("check");
    assert!(check.count_mismatches.iter().any(|m| m.starts_with("answer sheets: 1 ")), "{check:?}");
    heard::models::sheets::rebuild(&mut conn, &w.row.id).expect("rebuild");
    assert_eq!(heard::models::sheets::mismatched(&mut conn, &w.row.id).expect("check"), 0);
}
both!(the_download_is_the_stored_answers);
