//! Voices: codebook, coding, consent-gated quotes with redaction and approval, the quote
//! bank and its exports read back by real parsers, on both databases.

use std::io::Read;

use heard::db::Backend;

use crate::both;
use crate::fixtures::{PASSWORD, setup, sign_in, status};
use crate::helpers::{Plan, TestApp, complete};

const WAVE: &str = "torbay-participation-2025";

/// Two Torbay responses with free text: one consented (with a name and a phone number in it),
/// one not.
fn with_words(app: &TestApp) {
    let mut plan = Plan::new();
    plan.insert("what-to-change", vec!["=HYPERLINK(\"x\") Mrs Patel never rang back, call me on 07700 900123"]);
    complete(&app.browser(), WAVE, "young-people", &plan, "yes");
    let mut plan = Plan::new();
    plan.insert("what-to-change", vec!["Please keep this private: the waiting list is too long"]);
    complete(&app.browser(), WAVE, "parents-carers", &plan, "no");
}

fn theme_id(app: &TestApp, name: &str) -> String {
    use diesel::prelude::*;
    use heard::db::schema::themes;
    let mut c = app.db.connect();
    themes::table.filter(themes::name.eq(name)).select(themes::id).first(&mut c).expect("theme")
}

fn codebook_coding_and_counts(backend: Backend) {
    let (app, _, _) = setup(backend);
    with_words(&app);
    let (b, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    let page = b.get("/staff/themes");
    assert_eq!(page.status, 200);
    assert!(page.html.contains("Being listened to"), "the demo codebook");
    let dup = b.post_staff("/staff/themes", &[("name", "Being listened to")]);
    assert_eq!(dup.status, 409);
    assert!(dup.html.contains("There is already a theme called"));
    let bad = b.post_staff("/staff/themes", &[("name", "Transport"), ("priorities", "P9")]);
    assert_eq!(bad.status, 400);
    assert!(bad.html.contains("P9") && bad.html.contains("is not a priority or value code"), "{}", bad.html);
    let ok = b.post_staff(
        "/staff/themes",
        &[("name", "Transport"), ("keywords", "bus, taxi, transport"), ("priorities", "P5"), ("values", "be-fair")],
    );
    assert!(ok.html.contains("Transport"), "{}", ok.status);

    let coding = b.get(&format!("/staff/waves/{WAVE}/coding?question=what-to-change"));
    assert_eq!(coding.status, 200);
    assert!(coding.html.contains("Mrs Patel never rang back"));
    assert!(coding.html.contains("3 answers"), "every free-text answer to the question is listed");
    // Code the consented answer to two themes, then bulk-apply a third to both.
    let doc = coding.doc();
    let shown: Vec<String> = doc
        .select(&scraper::Selector::parse("input[name=shown]").expect("sel"))
        .filter_map(|i| i.value().attr("value").map(str::to_owned))
        .collect();
    assert_eq!(shown.len(), 3);
    let (t1, t2, t3) =
        (theme_id(&app, "Communication"), theme_id(&app, "Honesty and waiting"), theme_id(&app, "Transport"));
    let mut form = coding.form_ending("coding?page=0&per=25&question=what-to-change");
    for s in &shown {
        form = form.with("shown", s);
    }
    form = form
        .with("code", &format!("{}:{t1}", shown[0]))
        .with("code", &format!("{}:{t2}", shown[0]))
        .with("action", "save");
    let after = b.submit(&form);
    assert_eq!(after.status, 200);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM codings"), 2);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM codings WHERE coded_by = 'analyst@torbay.example'"),
        2,
        "who coded is kept"
    );
    let mut bulk = after.form_ending("question=what-to-change");
    for s in &shown {
        bulk = bulk.with("select", s);
    }
    let after = b.submit(&bulk.with("bulk_theme", &t3).with("action", "bulk"));
    assert_eq!(after.status, 200);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM codings"), 5);
    assert!(
        after.html.contains("<td>Transport</td><td>what-to-change</td>"),
        "counts per theme, question and audience"
    );
    // Unticking everything for an answer clears its codes.
    let mut form = after.form_ending("question=what-to-change");
    form.fields.retain(|(k, _)| k != "shown");
    let form = form.with("shown", &shown[1]).with("action", "save");
    b.submit(&form);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM codings"), 4);
    // Another partnership's theme cannot be applied.
    let foreign = b.post_staff(
        &format!("/staff/waves/{WAVE}/coding"),
        &[("select", &shown[0]), ("bulk_theme", &uuid::Uuid::new_v4().to_string()), ("action", "bulk")],
    );
    assert_eq!(foreign.status, 404);
}
both!(codebook_coding_and_counts);

fn quotes_need_consent_redaction_and_approval(backend: Backend) {
    let (app, _, _) = setup(backend);
    with_words(&app);
    let (b, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    let rid = |consent: bool| {
        use diesel::prelude::*;
        use heard::db::schema::{answers, responses};
        let mut c = app.db.connect();
        let words = if consent { "%Mrs Patel%" } else { "%keep this private%" };
        responses::table
            .inner_join(answers::table)
            .filter(answers::text_value.like(words))
            .filter(responses::consent_to_quote.eq(consent))
            .select(responses::id)
            .first::<String>(&mut c)
            .expect("response")
    };
    let refused = b.post_staff(
        &format!("/staff/waves/{WAVE}/quotes"),
        &[("response", &rid(false)), ("question", "what-to-change")],
    );
    assert_eq!(refused.status, 409);
    assert!(refused.html.contains("did not agree to their words being shared"));
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM quotes"), 0);

    let quote = b.post_staff(
        &format!("/staff/waves/{WAVE}/quotes"),
        &[("response", &rid(true)), ("question", "what-to-change")],
    );
    assert_eq!(quote.status, 200, "{}", quote.html);
    assert!(quote.path().starts_with("/staff/quotes/"));
    assert!(quote.html.contains("[name] never rang back, call me on [phone number]"), "{}", quote.html);
    assert!(quote.html.contains("Mrs Patel"), "the original is shown to staff");
    // Drafts are not in the bank.
    let bank = b.get("/staff/quotes?wave=torbay-participation-2025");
    assert!(bank.html.contains("0 quotes"), "{}", bank.html);
    // Edit and approve.
    let approved = b.submit(
        &quote
            .form_ending(&quote.path())
            .with("redacted", "=HYPERLINK(\"x\") [name] never rang back.")
            .with("action", "approve"),
    );
    assert!(approved.html.contains("approved"));
    let bank = b.get("/staff/quotes?wave=torbay-participation-2025");
    assert!(bank.html.contains("1 quote.") && bank.html.contains("[name] never rang back."), "{}", bank.html);
    assert!(!bank.html.contains("07700"), "contact details never reach the bank");
    // The original answer is kept untouched.
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM answers WHERE text_value LIKE '%Mrs Patel%'"), 1);
}
both!(quotes_need_consent_redaction_and_approval);

fn exports_read_back(backend: Backend) {
    use calamine::Reader;
    let (app, _, _) = setup(backend);
    // The demo's full quote bank (the test app loads frameworks only; add quotes through
    // the CLI demo run on the same database).
    let out = std::process::Command::new(crate::helpers::heard_bin())
        .args(["demo"])
        .env("DATABASE_URL", &app.db.url)
        .output()
        .expect("demo");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (b, _) = sign_in(&app, "viewer@torbay.example", PASSWORD);
    let get = |q: &str| b.raw().get(format!("{}/staff/quotes/export?{q}", app.address)).send().expect("get");
    let ids: Vec<String> = {
        use diesel::prelude::*;
        let mut c = app.db.connect();
        heard::db::schema::responses::table.select(heard::db::schema::responses::id).load(&mut c).expect("ids")
    };
    let leaks =
        |text: &str| ids.iter().any(|id| text.contains(id.as_str())) || text.contains("T0") || text.contains(":00:");

    // CSV.
    let csv_bytes = get("format=csv&wave=torbay-participation-2024").bytes().expect("csv").to_vec();
    assert!(csv_bytes.starts_with("\u{feff}".as_bytes()), "BOM for Excel");
    let text = String::from_utf8(csv_bytes[3..].to_vec()).expect("utf-8");
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        rdr.headers().expect("headers").iter().collect::<Vec<_>>(),
        ["Quote", "Audience", "Wave", "Question", "Themes", "Priorities", "Values"]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.expect("row")).collect();
    assert!(rows.len() >= 20, "a full quote bank: {}", rows.len());
    assert!(rows.iter().all(|r| &r[2] == "2024"));
    assert!(rows.iter().any(|r| r[0].contains("[phone number]")), "redacted");
    assert!(!leaks(&text), "no ids or times in the CSV");

    // XLSX, read with calamine.
    let xlsx = get("format=xlsx").bytes().expect("xlsx").to_vec();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).expect("xlsx opens");
    let range = book.worksheet_range("Quotes").expect("sheet");
    let cells: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(cells[0][0], "Quote");
    assert!(cells.len() > 40, "both years: {}", cells.len());
    assert!(cells.iter().skip(1).any(|r| r[2] == "2023") && cells.iter().skip(1).any(|r| r[2] == "2024"));

    // DOCX: unzip and read the XML.
    let docx = get("format=docx").bytes().expect("docx").to_vec();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("docx is a zip");
    let mut xml = String::new();
    zip.by_name("word/document.xml").expect("document.xml").read_to_string(&mut xml).expect("read");
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let styles: Vec<&str> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "pStyle")
        .filter_map(|n| n.attributes().next().map(|a| a.value()))
        .collect();
    assert!(
        styles.contains(&"Title")
            && styles.contains(&"Heading1")
            && styles.contains(&"Heading2")
            && styles.contains(&"Quote")
    );
    let words: String =
        doc.descendants().filter(|n| n.is_text()).filter_map(|n| n.text()).collect::<Vec<_>>().join("\n");
    assert!(words.contains("P1: Everyone helps children with SEND"), "grouped by priority first");
    assert!(words.contains("Communication"), "then theme");
    assert!(!leaks(&words));
    // Each quote once, however many priorities it counts towards (its others are named).
    let listed: Vec<serde_json::Value> =
        serde_json::from_slice(&get("format=json").bytes().expect("json")).expect("json");
    assert_eq!(styles.iter().filter(|s| **s == "Quote").count(), listed.len(), "one Quote paragraph per quote");
    assert!(
        listed.iter().any(|q| q["priorities"].as_array().is_some_and(|p| p.len() > 1)),
        "the demo has quotes with several priorities"
    );
    assert!(words.contains(". Also about P"), "the other priorities are named");
    let mut styles_xml = String::new();
    zip.by_name("word/styles.xml").expect("styles").read_to_string(&mut styles_xml).expect("read");
    assert!(roxmltree::Document::parse(&styles_xml).is_ok());

    // JSON and print.
    let json: serde_json::Value =
        serde_json::from_slice(&get("format=json&audience=young-people").bytes().expect("json")).expect("json");
    let list = json.as_array().expect("array");
    assert!(!list.is_empty() && list.iter().all(|q| q["audience"] == "young-people"));
    assert!(list.iter().all(|q| q.get("id").is_none() && q.get("response_id").is_none()));
    let print = b.get("/staff/quotes/print");
    assert_eq!(print.status, 200);
    assert!(print.html.contains("What you told us: Torbay SEND Partnership"));
    assert!(print.has("article.print h2") && print.has("article.print h3"));
    assert_eq!(get("format=pdf").status().as_u16(), 400);
    // Every export is audited with who, the filter and how many rows.
    let (admin, _) = sign_in(&app, "admin@torbay.example", PASSWORD);
    let log = admin.get("/staff/audit");
    assert!(log.html.contains("quotes.exported") && log.html.contains("viewer@torbay.example"));
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'quotes.exported' AND detail LIKE '%wave=torbay-participation-2024%' AND detail LIKE '%\"rows\"%'"),
        1,
        "the filter and row count are recorded"
    );
    // A viewer cannot code.
    assert_eq!(status(&b, &format!("/staff/waves/{WAVE}/coding")), 403);
    assert_eq!(status(&b, "/staff/themes"), 403);
}
both!(exports_read_back);

fn voices_are_isolated(backend: Backend) {
    let (app, _, _) = setup(backend);
    with_words(&app);
    let (torbay, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    let coding = torbay.get(&format!("/staff/waves/{WAVE}/coding"));
    let rid = coding
        .doc()
        .select(&scraper::Selector::parse("input[name=response]").expect("sel"))
        .filter_map(|i| i.value().attr("value").map(str::to_owned))
        .next()
        .expect("a consented answer offers Make a quote");
    let quote = torbay
        .post_staff(&format!("/staff/waves/{WAVE}/quotes"), &[("response", &rid), ("question", "what-to-change")]);
    let quote_path = quote.path();
    let (southend, home) = sign_in(&app, "analyst@southend.example", PASSWORD);
    assert!(home.status == 200);
    for path in [quote_path.clone(), format!("/staff/waves/{WAVE}/coding")] {
        assert_eq!(status(&southend, &path), 404, "{path}");
    }
    let r = southend.post_staff(
        "/staff/waves/southend-local-offer-2025/quotes",
        &[("response", &rid), ("question", "what-to-change")],
    );
    assert_eq!(r.status, 404, "a Torbay answer through a Southend wave");
    let r = southend.post_staff(&quote_path, &[("redacted", "hijacked"), ("action", "approve")]);
    assert_eq!(r.status, 404);
    let bank = southend.get("/staff/quotes");
    assert!(bank.html.contains("0 quotes"));
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM quotes WHERE redacted = 'hijacked'"), 0);
}
both!(voices_are_isolated);

#[test]
fn demo_quote_bank_from_the_command_line() {
    let db = crate::helpers::TestDb::new(Backend::Sqlite);
    let run = |args: &[&str]| {
        std::process::Command::new(crate::helpers::heard_bin())
            .args(args)
            .env("DATABASE_URL", &db.url)
            .output()
            .expect("run")
    };
    assert!(run(&["demo"]).status.success());
    let out = run(&["export", "quotes", "--partnership", "torbay", "--format", "json"]);
    assert!(out.status.success());
    let quotes: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("json");
    for year in ["2023", "2024"] {
        let n = quotes
            .iter()
            .filter(|q| q["wave_label"] == year && !q["themes"].as_array().is_none_or(Vec::is_empty))
            .count();
        assert!(n >= 20, "{year}: {n} themed quotes");
    }
    let out = run(&["export", "quotes", "--partnership", "nowhere", "--format", "csv"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("no partnership \"nowhere\""));
}

/// Coding without losing work: a count of what is coded and a link to what is left; "Saved"
/// said after saving; moving on saves first (Save and next), so ticks are never dropped;
/// answers are numbered, and "Make answer N a quote" sits inside answer N.
fn coding_without_losing_work(backend: Backend) {
    let (app, _, _) = setup(backend);
    with_words(&app);
    let (b, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    let base = format!("/staff/waves/{WAVE}/coding?question=what-to-change");
    let page = b.get(&base);
    let answers = app.count("SELECT COUNT(*) AS n FROM answers WHERE question_key = 'what-to-change'");
    let coded_now =
        app.count("SELECT COUNT(DISTINCT response_id) AS n FROM codings WHERE question_key = 'what-to-change'");
    let progress = page.text_of(".coding-progress").join("");
    assert!(progress.starts_with(&format!("{coded_now} of {answers} answers coded")), "{progress}");
    let left = page.attr_of(".coding-progress a", "href");
    assert_eq!(left, [format!("/staff/waves/{WAVE}/coding?uncoded=1&question=what-to-change")]);
    assert!(!page.has(".saved-notice"));
    // Numbered answers; the quote button is inside its answer and names it.
    assert_eq!(page.text_of("fieldset.answer legend")[0].split(':').next(), Some("Answer 1"));
    let quote_buttons = page.attr_of("fieldset.answer button[form^='quote-']", "form");
    assert!(!quote_buttons.is_empty(), "a consented answer can be made a quote from inside it");
    for id in &quote_buttons {
        assert!(page.has(&format!("form#{id}[action$='/quotes']")), "{id} names a form");
    }
    // Ticks a theme on the one answer shown and presses Save and next.
    let theme = theme_id(&app, "Communication");
    let tick_and_next = |page: &crate::helpers::Page, action_ends: &str| {
        let shown = page.attr_of("input[name=shown]", "value");
        assert_eq!(shown.len(), 1);
        let form = page
            .form_ending(action_ends)
            .with("shown", &shown[0])
            .with("code", &format!("{}:{theme}", shown[0]))
            .with("action", "save_next");
        (shown, b.submit(&form))
    };
    // One at a time: answer 1, then Save and next.
    let (shown, next) = tick_and_next(&b.get(&format!("{base}&per=1&page=0")), "per=1&question=what-to-change");
    assert_eq!(next.status, 200);
    assert!(next.url.contains("page=1"), "on to the next answer: {}", next.url);
    assert!(next.text_of(".saved-notice").join("").contains("Saved."), "{}", next.html);
    assert_ne!(next.attr_of("input[name=shown]", "value"), shown, "a different answer");
    let (rid, key) = shown[0].split_once(':').expect("field");
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) AS n FROM codings WHERE response_id = '{rid}' AND question_key = '{key}'")),
        1,
        "the tick made before moving on is kept"
    );
    assert!(next.text_of(".coding-progress").join("").starts_with(&format!("{} of {answers}", coded_now + 1)));
    // Showing only what is left, Save and next stays on the page the next ones move into.
    let (shown, after) = tick_and_next(&b.get(&format!("{}&per=1", left[0])), "uncoded=1");
    assert!(after.url.contains("page=0") && after.url.contains("uncoded=1"), "{}", after.url);
    assert_ne!(after.attr_of("input[name=shown]", "value"), shown);
}
both!(coding_without_losing_work);

/// Picking quotes: a search over the words, tick boxes, "the ticked" to Word, Excel and print,
/// and saved selections ("Newsletter, March"), isolated between partnerships; nothing ticked,
/// no name, an unreadable id or another partnership's quotes get a kind answer and change
/// nothing.
fn picking_quotes(backend: Backend) {
    use calamine::Reader;
    let (app, _, _) = setup(backend);
    let out = std::process::Command::new(crate::helpers::heard_bin())
        .args(["demo"])
        .env("DATABASE_URL", &app.db.url)
        .output()
        .expect("demo");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (b, _) = sign_in(&app, "viewer@torbay.example", PASSWORD);

    // Search: every quote shown holds every word, in any case; fewer than the whole bank.
    let all = b.get("/staff/quotes");
    let total = all.text_of(".bank-quote blockquote").len();
    let shown = b.get("/staff/quotes?words=WAIT");
    let found = shown.text_of(".bank-quote blockquote");
    assert!(!found.is_empty() && found.len() < total, "{} of {total}", found.len());
    assert!(found.iter().all(|q| q.to_lowercase().contains("wait")), "{found:?}");
    assert_eq!(shown.attr_of("#words", "value"), ["WAIT"], "the search keeps what was typed");
    let none = b.get("/staff/quotes?words=zzzqqq");
    assert!(none.text_of(".bank-quote").is_empty() && none.html.contains("No quotes match"));

    // Tick two and take just those to Excel, Word and print.
    let ids = all.attr_of(".bank-quote input[type=checkbox][name=quote]", "value");
    let texts = all.text_of(".bank-quote blockquote");
    assert_eq!(ids.len(), total, "a tick box for every quote");
    let ticked = format!("ticked=1&quote={}&quote={}", ids[0], ids[3]);
    let get = |q: &str| b.raw().get(format!("{}{q}", app.address)).send().expect("get");
    let xlsx = get(&format!("/staff/quotes/export?format=xlsx&{ticked}&theme=nothing-matches")).bytes().expect("x");
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.to_vec())).expect("xlsx");
    let range = book.worksheet_range("Quotes").expect("sheet");
    let cells: Vec<String> = range.rows().skip(1).map(|r| format!("“{}”", r[0])).collect();
    assert_eq!(cells.len(), 2, "exactly the ticked quotes, whatever the filters: {cells:?}");
    assert!(cells.contains(&texts[0]) && cells.contains(&texts[3]), "{cells:?} {:?}", &texts[..4]);
    let docx = get(&format!("/staff/quotes/export?format=docx&{ticked}")).bytes().expect("docx").to_vec();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("zip");
    let mut xml = String::new();
    zip.by_name("word/document.xml").expect("doc").read_to_string(&mut xml).expect("read");
    assert_eq!(xml.matches(r#"<w:pStyle w:val="Quote" />"#).count(), 2, "two quotes in the Word file");
    let print = b.get(&format!("/staff/quotes/print?{ticked}"));
    assert_eq!(print.status, 200);
    assert_eq!(print.text_of("article.print ul.told-us li").len(), 2, "two quotes printed");
    // Filtering keeps the ticks: ticked quotes hidden by a filter stay as hidden fields.
    let filtered = b.get(&format!("/staff/quotes?{ticked}&words=zzzqqq"));
    assert_eq!(filtered.attr_of("input[type=hidden][name=quote]", "value").len(), 2, "{}", filtered.html);
    assert!(filtered.html.contains("2 ticked quotes are hidden by the filters"));
    let back = b.get(&format!("/staff/quotes?{ticked}"));
    assert_eq!(back.attr_of("input[name=quote][checked]", "value").len(), 2, "and shows them ticked");

    // Nothing ticked: back to the bank, which says what to do next to the buttons.
    let res = get("/staff/quotes/export?format=docx&ticked=1&words=wait");
    assert_eq!(res.status().as_u16(), 303);
    let to = res.headers()["location"].to_str().expect("loc").to_owned();
    assert!(to.contains("said=none-ticked") && to.contains("words=wait"), "{to}");
    let told = b.get(&to);
    assert!(told.has(".error-summary") && told.has("#picked .error-message"), "{}", told.html);
    assert!(told.html.contains("Tick the quotes you want first"));
    // An unreadable id is refused.
    assert_eq!(get("/staff/quotes/export?format=csv&quote=not-an-id").status().as_u16(), 400);

    // Save the ticked as a selection: a name is needed, and what was ticked is kept.
    let new = b.get(&format!("/staff/quotes/selections/new?quote={}&quote={}", ids[0], ids[3]));
    assert_eq!(new.status, 200);
    assert_eq!(new.text_of(".selection-preview li").len(), 2);
    let form = new.form_ending("/staff/quotes/selections");
    let selections = "SELECT COUNT(*) AS n FROM quote_selections";
    let empty = b.submit(&form.clone().with("name", "   "));
    assert_eq!(empty.status, 400);
    assert!(empty.has(".error-summary") && empty.html.contains("Enter a name for the selection"));
    assert_eq!(empty.text_of(".selection-preview li").len(), 2, "the ticked quotes are kept");
    assert_eq!(app.count(selections), 0);
    let saved = b.submit(&form.clone().with("name", "Newsletter, March"));
    assert_eq!(saved.status, 200);
    assert!(saved.html.contains("Saved. The selection “Newsletter, March” holds 2 quotes."), "{}", saved.html);
    assert_eq!(saved.text_of("h1"), ["Newsletter, March"]);
    assert_eq!(saved.text_of(".bank-quote blockquote").len(), 2);
    assert_eq!(app.count(selections), 1);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'quotes.selection_saved'"), 1);
    let sid = app.count_str("SELECT id AS s FROM quote_selections");
    // Listed on the bank, and its downloads carry its name.
    assert!(b.get("/staff/quotes").text_of(".selections td a").contains(&"Newsletter, March".to_owned()));
    let res = get(&format!("/staff/quotes/export?format=docx&selection={sid}"));
    let disposition = res.headers()["content-disposition"].to_str().expect("ascii").to_owned();
    assert!(disposition.contains("newsletter-march"), "{disposition}");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(res.bytes().expect("b").to_vec())).expect("zip");
    let mut xml = String::new();
    zip.by_name("word/document.xml").expect("doc").read_to_string(&mut xml).expect("read");
    assert!(xml.contains("Newsletter, March") && xml.matches(r#"<w:pStyle w:val="Quote" />"#).count() == 2);
    // A real office suite opens both files and finds the ticked words.
    let word = get(&format!("/staff/quotes/export?format=docx&selection={sid}")).bytes().expect("b").to_vec();
    if let Some(text) = crate::helpers::office_reads(&word, "docx", "txt:Text") {
        assert!(text.contains("Newsletter, March"), "{text}");
        assert!(text.contains(texts[0].trim_matches(['“', '”'])), "{text}");
    }
    let excel = get(&format!("/staff/quotes/export?format=xlsx&selection={sid}")).bytes().expect("b").to_vec();
    if let Some(text) = crate::helpers::office_reads(&excel, "xlsx", "csv") {
        assert_eq!(csv::Reader::from_reader(text.as_bytes()).records().count(), 2, "{text}");
    }
    // Saving under the same name replaces what it holds.
    let again = b.submit(&form.with("name", "Newsletter, March").with("quote", &ids[5]));
    assert!(again.html.contains("holds 3 quotes"), "{}", again.html);
    assert_eq!(app.count(selections), 1);

    // Another partnership sees none of it, and cannot save Torbay's quotes.
    let (s, _) = sign_in(&app, "analyst@southend.example", PASSWORD);
    assert_eq!(status(&s, &format!("/staff/quotes?selection={sid}")), 404);
    assert_eq!(status(&s, &format!("/staff/quotes/export?format=csv&selection={sid}")), 404);
    let theirs = s.post_staff("/staff/quotes/selections", &[("name", "Stolen"), ("quote", &ids[0])]);
    assert_eq!(theirs.status, 404);
    let gone = s.post_staff(&format!("/staff/quotes/selections/{sid}/delete"), &[]);
    assert_eq!(gone.status, 404);
    assert_eq!(app.count(selections), 1, "nothing changed");
    let theirs_export = s.raw().get(format!("{}/staff/quotes/export?format=json&quote={}", app.address, ids[0])).send();
    let listed: Vec<serde_json::Value> =
        serde_json::from_slice(&theirs_export.expect("get").bytes().expect("b")).expect("json");
    assert!(listed.is_empty(), "another partnership's quote ids match nothing");

    // Deleting a selection keeps its quotes in the bank.
    let bank = b.get("/staff/quotes");
    let deleted = b.submit(&bank.form_ending(&format!("/staff/quotes/selections/{sid}/delete")));
    assert!(deleted.html.contains("Deleted the selection “Newsletter, March”. Its quotes are still in the bank."));
    assert_eq!(app.count(selections), 0);
    assert_eq!(deleted.text_of(".bank-quote blockquote").len(), total);
}
both!(picking_quotes);
