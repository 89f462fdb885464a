//! Year-on-year pages for staff: the comparison per series and the methods page, on both
//! databases, with the demo's closed waves.

use heard::db::Backend;

use crate::both;
use crate::fixtures::{PASSWORD, setup, sign_in, status};

/// A server whose database holds the whole demo (its closed waves with responses), loaded
/// with `heard demo` as an administrator would.
fn with_demo(backend: Backend) -> crate::helpers::TestApp {
    let (app, _, _) = setup(backend);
    let out = std::process::Command::new(crate::helpers::heard_bin())
        .args(["demo"])
        .env("DATABASE_URL", &app.db.url)
        .output()
        .expect("demo");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    app
}

fn comparison_pages(backend: Backend) {
    let app = with_demo(backend);
    let (b, _) = sign_in(&app, "viewer@torbay.example", PASSWORD);
    let base = "/staff/series/torbay-participation/compare?from=torbay-participation-2023&to=torbay-participation-2024";
    let page = b.get(base);
    assert_eq!(page.status, 200, "{}", page.html);
    let summary = page.text_of("p.lede").join("");
    assert!(
        summary.contains("improved") && summary.contains("declined") && summary.contains("no clear change"),
        "{summary}"
    );
    assert!(
        page.html.contains("P5: Getting ready for adult life")
            && page.html.contains("Our young people will tell us they have choice")
    );
    assert!(page.has("svg.chart[role=img] title"), "charts have a text alternative");
    assert!(page.has("table caption"), "and a data table");
    assert!(page.html.contains("Up from 27% in 2023 to 48% in 2024"), "the sentence for future-ready");
    assert!(page.html.contains("Priority P5: Getting ready for adult life: the average across its questions"));
    // The page's numbers are the command's numbers.
    let json = std::process::Command::new(crate::helpers::heard_bin())
        .args([
            "compare",
            "--series",
            "torbay-participation",
            "--from",
            "torbay-participation-2023",
            "--to",
            "torbay-participation-2024",
            "--audience",
            "young-people",
        ])
        .env("DATABASE_URL", &app.db.url)
        .output()
        .expect("compare");
    let out: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    let yp = b.get(&format!("{base}&audience=young-people&adjust=holm"));
    for q in out["cases"][0]["questions"].as_array().expect("questions") {
        let sentence = q["sentence"].as_str().expect("sentence");
        if q["verdict"] == "improved" || q["verdict"] == "no_clear_change" {
            let first = sentence.split('.').next().unwrap_or("");
            assert!(yp.html.contains(first), "{first}");
        }
    }
    let methods =
        b.get("/staff/series/torbay-participation/methods?from=torbay-participation-2023&to=torbay-participation-2024");
    assert_eq!(methods.status, 200);
    assert!(methods.html.contains("The smallest change these numbers could detect"));
    assert!(methods.text_of("td.num").iter().any(|t| t.ends_with(" points")));
    // Roles and partnerships.
    let (f, _) = sign_in(&app, "facilitator@torbay.example", PASSWORD);
    assert_eq!(status(&f, base), 403);
    let (s, _) = sign_in(&app, "analyst@southend.example", PASSWORD);
    assert_eq!(status(&s, base), 404);
    assert_eq!(status(&b, "/staff/series/no-such-series/compare"), 404);
    let same =
        b.get("/staff/series/torbay-participation/compare?from=torbay-participation-2023&to=torbay-participation-2023");
    assert_eq!(same.status, 400);
    // Report settings: a high suppression base turns every question into "too few".
    let strict = b.get(&format!("{base}&suppress_below=700&caution_below=800"));
    assert!(strict.text_of("p.lede").join("").contains("10 too few"), "{}", strict.text_of("p.lede").join(""));
    assert!(strict.html.contains("Fewer than 700 people answered"));
    let bad = b.get(&format!("{base}&suppress_below=lots"));
    assert_eq!(bad.status, 400);
    assert!(bad.html.contains("must be a whole number of answers"));
    // Nobody may lower the base below the method's minimum (it showed groups of one before).
    for tiny in ["1", "9", "0"] {
        let small = b.get(&format!("{base}&suppress_below={tiny}"));
        assert_eq!(small.status, 400, "{tiny}");
        assert!(small.html.contains("could be picked out"), "{}", small.html);
    }
}
both!(comparison_pages);

/// The comparison opens with the main points: the summary names what declined, a table has
/// every question once (both years, the change, the verdict with an arrow and a colour), the
/// method's options are folded away, each question is in full once with what it counts
/// towards; no "−0" anywhere, and a footnote wherever the rounded years seem to disagree with
/// the rounded change. Checked against `heard compare`'s own numbers.
fn the_comparison_opens_with_the_main_points(backend: Backend) {
    let app = with_demo(backend);
    let (b, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    // Each audience, then everyone together: the command's cases, by id.
    let json = std::process::Command::new(crate::helpers::heard_bin())
        .args([
            "compare",
            "--series",
            "torbay-participation",
            "--from",
            "torbay-participation-2023",
            "--to",
            "torbay-participation-2024",
        ])
        .env("DATABASE_URL", &app.db.url)
        .output()
        .expect("compare");
    let out: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    for audience in ["all-audiences", "young-people", "parents-carers"] {
        let page = b.get(&format!(
            "/staff/series/torbay-participation/compare?from=torbay-participation-2023&to=torbay-participation-2024&audience={audience}"
        ));
        assert_eq!(page.status, 200);
        let case = out["cases"].as_array().expect("cases").iter().find(|c| c["id"] == audience).expect("case");
        let questions = case["questions"].as_array().expect("questions").clone();
        assert!(!questions.is_empty());
        // Every question once in the table, and once in full.
        assert_eq!(page.text_of("table.overview tbody tr").len(), questions.len());
        assert_eq!(page.text_of("section.question-full").len(), questions.len());
        assert!(page.has("details.method-options select#adjust"), "the method's options are folded away");
        assert!(!page.has("form.compare-form > .filters select#adjust"));
        assert!(page.has("form.compare-form > .filters select#from"), "the waves stay in view");
        let summary = page.text_of("p.lede").join("");
        for q in &questions {
            let id = q["id"].as_str().expect("id");
            let text = q["text"].as_str().unwrap_or(id);
            let verdict = q["verdict"].as_str().expect("verdict");
            if verdict == "declined" || verdict == "possible_decrease" {
                assert!(summary.contains(text), "{audience}: the summary names {text:?}: {summary}");
            }
            let class = match verdict {
                "improved" => "up",
                "declined" => "down",
                "possible_increase" => "maybe-up",
                "possible_decrease" => "maybe-down",
                "no_clear_change" | "no_change" => "same",
                _ => "none",
            };
            assert!(page.has(&format!("section#q-{id} .verdict.{class} .verdict-arrow")), "{audience} {id}: {verdict}");
            // The footnote appears exactly when the rounded years disagree with the change.
            let (a, bb, d) = (
                q["years"]["2023"]["display_pct"].as_i64(),
                q["years"]["2024"]["display_pct"].as_i64(),
                q["diff_points_display"].as_i64(),
            );
            let disagree = matches!((a, bb, d), (Some(a), Some(bb), Some(d)) if bb - a != d);
            assert_eq!(page.has(&format!("p.footnote#note-{id}")), disagree, "{audience} {id}: {a:?} {bb:?} {d:?}");
        }
        for cell in page.text_of("td.num") {
            assert!(!cell.starts_with("-0") && !cell.starts_with("−0"), "{audience}: a cell says {cell:?}");
        }
        assert!(page.text_of(".counts-towards").iter().any(|t| t.contains("P")), "what each question counts towards");
    }
}
both!(the_comparison_opens_with_the_main_points);

fn evidence_pack(backend: Backend) {
    use std::io::Read;
    let app = with_demo(backend);
    let q = "from=torbay-participation-2023&to=torbay-participation-2024";
    let (v, _) = sign_in(&app, "viewer@torbay.example", PASSWORD);
    let page = v.get(&format!("/staff/series/torbay-participation/evidence?{q}"));
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(page.html.contains("Torbay SEND Partnership: evidence pack"));
    assert!(
        page.html.contains("P5: Getting ready for adult life")
            && page.html.contains("Young people will talk confidently about the future")
    );
    assert!(page.html.contains("Suggested rating: Green"), "P5 improved with no fall");
    assert!(
        page.html.contains("Suggested rating: Red") || page.html.contains("Suggested rating: Amber"),
        "P1 has the fall"
    );
    assert!(page.html.contains("In their words") && page.html.contains("What people wrote about most"));
    assert!(!page.html.contains("Your rating for"), "viewers cannot rate");
    // The JSON API.
    let api = v
        .raw()
        .get(format!("{}/staff/series/torbay-participation/evidence?{q}&format=json", app.address))
        .send()
        .expect("api");
    assert_eq!(api.status().as_u16(), 200);
    let pack: serde_json::Value = serde_json::from_slice(&api.bytes().expect("json")).expect("json");
    let p5 =
        pack["priorities"].as_array().expect("priorities").iter().find(|p| p["code"] == "P5").cloned().expect("P5");
    assert_eq!(p5["suggested"], "Green");
    assert!(p5["questions"][0].get("chart").is_none(), "no SVG in JSON");
    assert!(p5["index"]["years"][1]["n"].as_u64().unwrap_or(0) > 300);
    let anon = app
        .browser()
        .raw()
        .get(format!("{}/staff/series/torbay-participation/evidence?{q}&format=json", app.address))
        .send()
        .expect("api");
    assert_eq!(anon.status().as_u16(), 303, "the API needs staff sign-in");
    // CSV and Word.
    let csv = v
        .raw()
        .get(format!("{}/staff/series/torbay-participation/evidence?{q}&format=csv", app.address))
        .send()
        .expect("csv")
        .bytes()
        .expect("b")
        .to_vec();
    let text = String::from_utf8(csv[3..].to_vec()).expect("utf-8");
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.expect("row")).collect();
    assert!(
        rows.iter().any(|r| &r[0] == "P5" && &r[1] == "index")
            && rows.iter().any(|r| &r[0] == "P1" && &r[9] == "Declined")
    );
    // A wave label that looks like a formula stays text in the header, and the file name stays plain.
    {
        use diesel::prelude::*;
        let mut c = app.db.connect();
        diesel::sql_query(
            "UPDATE waves SET label = '=HYPERLINK(\"http://evil.example\",\"2023\")' WHERE slug = 'torbay-participation-2023'",
        )
        .execute(&mut c)
        .unwrap();
    }
    let res = v
        .raw()
        .get(format!("{}/staff/series/torbay-participation/evidence?{q}&format=csv", app.address))
        .send()
        .expect("csv");
    let disposition = res.headers()["content-disposition"].to_str().expect("ascii").to_owned();
    let plain = disposition.split("filename=\"").nth(1).and_then(|r| r.split('"').next()).expect("a file name");
    assert!(plain.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'), "{disposition}");
    let body = res.bytes().expect("b").to_vec();
    let text = String::from_utf8(body[3..].to_vec()).expect("utf-8");
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let headers = rdr.headers().expect("headers").clone();
    assert!(headers.iter().all(|h| !h.starts_with('=')), "{headers:?}");
    assert!(headers.iter().any(|h| h.starts_with("'=HYPERLINK")), "{headers:?}");
    let docx = v
        .raw()
        .get(format!("{}/staff/series/torbay-participation/evidence?{q}&format=docx", app.address))
        .send()
        .expect("docx")
        .bytes()
        .expect("b")
        .to_vec();
    let docx_bytes = docx.clone();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("zip");
    let mut xml = String::new();
    zip.by_name("word/document.xml").expect("doc").read_to_string(&mut xml).expect("read");
    let doc = roxmltree::Document::parse(&xml).expect("xml");
    let words: String =
        doc.descendants().filter(|n| n.is_text()).filter_map(|n| n.text()).collect::<Vec<_>>().join("\n");
    assert!(words.contains("P5: Getting ready for adult life") && words.contains("Suggested rating: Green"));
    // The Word file opens with the board's summary: every priority's rating before the details.
    let summary_at = words.find("Summary for the board").expect("a summary");
    let details_at = words.find("What the survey shows").expect("details");
    assert!(summary_at < details_at);
    // It is a table: a header, then a row per priority with its rating in words on its colour.
    let table = doc.descendants().find(|n| n.has_tag_name("tbl")).expect("the summary is a Word table");
    let cell_text = |n: roxmltree::Node| -> String {
        n.descendants().filter(|t| t.is_text()).filter_map(|t| t.text()).collect::<String>()
    };
    let table_rows: Vec<Vec<(String, Option<String>)>> = table
        .children()
        .filter(|n| n.has_tag_name("tr"))
        .map(|tr| {
            tr.children()
                .filter(|n| n.has_tag_name("tc"))
                .map(|tc| {
                    let fill = tc
                        .descendants()
                        .find(|n| n.has_tag_name("shd"))
                        .and_then(|s| s.attributes().find(|a| a.name() == "fill").map(|a| a.value().to_owned()));
                    (cell_text(tc), fill)
                })
                .collect()
        })
        .collect();
    assert_eq!(table_rows[0].iter().map(|c| c.0.as_str()).collect::<Vec<_>>(), ["Priority", "Rating", "Main changes"]);
    let p5 = table_rows.iter().find(|r| r[0].0 == "P5: Getting ready for adult life").expect("P5's row");
    assert_eq!(p5[1], ("Green (suggested)".to_owned(), Some("00703C".to_owned())), "the word on its colour");
    assert!(words[summary_at..details_at].contains("Green (suggested)"));
    if let Some(text) = crate::helpers::office_reads(&docx_bytes, "docx", "txt:Text") {
        assert!(text.contains("Summary for the board") && text.contains("Green (suggested)"), "{text}");
    }
    // So does the page: one row per priority, its rating in words on its colour, its changes.
    let page = v.get(&format!("/staff/series/torbay-participation/evidence?{q}"));
    let rows = page.text_of(".board-summary tbody tr");
    let sections = page.text_of("section.result[id^='priority-'] > h2");
    assert_eq!(rows.len(), sections.len(), "{rows:?}");
    for brag in page.text_of(".board-summary .brag") {
        assert!(["Blue", "Green", "Amber", "Red", "No rating"].contains(&brag.as_str()), "{brag}");
    }
    assert!(page.has(".board-summary .brag.brag-green"));
    assert!(
        rows.iter().any(|r| r.contains("Improved: ") || r.contains("Declined: ")),
        "the main changes are named: {rows:?}"
    );
    // Staff set their own rating with a note.
    let (a, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    let page = a.get(&format!("/staff/series/torbay-participation/evidence?{q}"));
    let mut form = page.form_ending("all-audiences");
    form.fields.retain(|(k, _)| k != "priority");
    let no_note = a.submit(&form.clone().with("priority", "P5").with("rating", "Amber"));
    assert_eq!(no_note.status, 400);
    assert!(no_note.html.contains("Say why"));
    let set = a.submit(
        &form
            .clone()
            .with("priority", "P5")
            .with("rating", "Amber")
            .with("note", "Only one question so far; wait for 2025."),
    );
    assert_eq!(set.status, 200);
    assert!(
        set.html.contains("Rating: Amber")
            && set.html.contains("Only one question so far")
            && set.html.contains("suggested: Green")
    );
    let bad = a.submit(&form.with("priority", "P9").with("rating", "Red").with("note", "x"));
    assert_eq!(bad.status, 400);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'brag.set'"), 1);
    // Roles and partnerships.
    let (f, _) = sign_in(&app, "facilitator@torbay.example", PASSWORD);
    assert_eq!(status(&f, &format!("/staff/series/torbay-participation/evidence?{q}")), 403);
    let (s, _) = sign_in(&app, "analyst@southend.example", PASSWORD);
    assert_eq!(status(&s, &format!("/staff/series/torbay-participation/evidence?{q}&format=json")), 404);
}
both!(evidence_pack);

/// Trends across every wave: each question and index over the waves with answers, with the
/// verdicts between neighbours and first to last, matching the two-year comparison.
fn trends_across_every_wave(backend: Backend) {
    let app = with_demo(backend);
    let (b, _) = sign_in(&app, "viewer@torbay.example", PASSWORD);
    let page = b.get("/staff/series/torbay-participation/trends");
    assert_eq!(page.status, 200, "{}", page.html);
    let heads = page.text_of("#t-future-ready ~ .table-scroll thead th");
    assert!(heads.len() >= 3 && heads[1] == "2023" && heads[2] == "2024", "{heads:?}");
    let cells = page.text_of("#t-future-ready ~ .table-scroll tbody td");
    assert!(cells[0].starts_with("27%") && cells[1].starts_with("48%"), "the comparison's figures: {cells:?}");
    assert!(page.has("section[aria-labelledby='t-future-ready'] svg.chart[role=img] title"));
    let verdicts = page.text_of("section[aria-labelledby='t-future-ready'] .verdicts li");
    assert!(verdicts[0].starts_with("2023 to 2024") && verdicts[0].contains("Improved"), "{verdicts:?}");
    assert!(page.has("section[aria-labelledby='t-priority-P5']"), "indices too");
    // The two-year page says the same.
    let compare =
        b.get("/staff/series/torbay-participation/compare?from=torbay-participation-2023&to=torbay-participation-2024");
    assert!(compare.html.contains("Up from 27% in 2023 to 48% in 2024"));
    // Filters: an audience, a tag (channel, days and answers: see the filtered test below).
    let young = b.get("/staff/series/torbay-participation/trends?audience=young-people&tag=priority:P5");
    assert_eq!(young.status, 200, "{}", young.html);
    assert!(young.has("#t-future-ready") && !young.has("#t-priority-P1"), "only P5's rows");
    // The trends as a published table: each row per wave, symbols where a figure is missing.
    let res =
        b.raw().get(format!("{}/staff/series/torbay-participation/trends?format=csv", b.base)).send().expect("get");
    assert_eq!(res.status().as_u16(), 200);
    let csv = res.text().expect("csv");
    assert!(
        csv.lines().any(|l| l.starts_with("future-ready,") && l.contains(",2024,") && l.contains("Improved")),
        "{csv}"
    );
    assert!(!csv.lines().any(|l| l.contains(",,")), "no blank cell");
    assert_eq!(b.get("/staff/series/torbay-participation/trends?format=pdf").status, 400);
    let refused = b.get("/staff/series/torbay-participation/trends?channel=pigeon");
    assert_eq!(refused.status, 400);
    assert!(refused.has("#f-channel-error"));
    assert_eq!(b.get("/staff/series/torbay-participation/trends?audience=martians").status, 400);
    let (other, _) = sign_in(&app, "analyst@southend.example", PASSWORD);
    assert_eq!(other.get("/staff/series/torbay-participation/trends").status, 404);
    let methods = b.get("/staff/series/torbay-participation/methods");
    assert!(methods.has("#trends") && methods.has("#suppression") && methods.has("#reach"));
    // The demo gives populations by EHC plan: the comparison says who took part each year,
    // with the shares standardised to the population.
    let who = compare.text_of("#who-took-part ~ .table-scroll tbody tr");
    assert!(who.len() >= 3, "groups, then questions: {who:?}");
    assert!(
        compare.has("#who-took-part")
            && (compare.has("#mix-warning") || compare.html.contains("did not clearly change"))
    );
    let reach = b.get("/staff/waves/torbay-participation-2024/reach");
    assert_eq!(reach.status, 200);
    assert!(reach.text_of("#mix").join("").contains("chi-square"), "{}", reach.html);
}
both!(trends_across_every_wave);

#[derive(diesel::QueryableByName)]
struct Recount {
    #[diesel(sql_type = diesel::sql_types::Text)]
    a: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    k: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    v: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[derive(diesel::QueryableByName)]
struct IndexRecount {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Double>)]
    s: Option<f64>,
}

/// Comparisons and trends filtered by channel, days and a single-choice answer: every
/// figure shown is a recount of the stored answers of the people chosen (in both waves),
/// every index too; across all channels no year's figure can be had by subtraction (of the
/// groups with answers, none or at least two are withheld, along channels and along
/// audiences); the pages show the filter, say what "withheld" means, and refuse bad filters
/// beside their fields.
fn filtered_comparisons_count_the_people_chosen(backend: Backend) {
    use heard::domain::filter::RawFilter;
    use heard::models::comparison::{CompareRequest, compare_waves};
    use std::collections::{BTreeMap, BTreeSet};
    // (question, report, year) → channel → (withheld, base)
    type Line = BTreeMap<(String, String, String), BTreeMap<String, (bool, u64)>>;
    let app = with_demo(backend);
    let mut conn = app.db.connect();
    let (a23, a24) = ("torbay-participation-2023", "torbay-participation-2024");
    let later = heard::models::survey::get(&mut conn, a24, 2000).expect("wave");
    // The kept index counts by channel, day and answer equal a recount (in Rust) of every
    // demo wave's answers.
    let key = heard::domain::codes::CodeKey::new(b"filtered comparison secret key, long").expect("key");
    for slug in [a23, a24] {
        let w = heard::models::survey::get(&mut conn, slug, 2000).expect("wave");
        let check = heard::models::integrity::wave_check(&mut conn, &key, &w.row.id, &[]).expect("check");
        assert_eq!(check.count_mismatches, Vec::<String>::new(), "{slug}");
    }
    assert!(app.count("SELECT COUNT(*) AS n FROM index_slices WHERE filter_key <> ''") > 0);
    let wave_id = |slug: &str| app.count_str(&format!("SELECT id AS s FROM waves WHERE slug = '{slug}'"));
    let recount = |conn: &mut heard::db::DbConnection,
                   slug: &str,
                   cond: &str|
     -> BTreeMap<(String, String, String), u64> {
        let sql = format!(
            "SELECT r.audience AS a, x.question_key AS k, x.option_value AS v, CAST(COUNT(*) AS BIGINT) AS n \
             FROM answers x JOIN responses r ON r.id = x.response_id \
             WHERE r.wave_id = '{}' AND x.option_value IS NOT NULL{cond} GROUP BY r.audience, x.question_key, x.option_value",
            wave_id(slug)
        );
        diesel::RunQueryDsl::load::<Recount>(diesel::sql_query(sql), conn)
            .expect("recount")
            .into_iter()
            .map(|r| ((r.a, r.k, r.v), u64::try_from(r.n).expect("count")))
            .collect()
    };
    let mut channels: Vec<String> = Vec::new();
    for c in ["web", "invitation", "panel", "kiosk", "paper", "phone"] {
        if app.count(&format!("SELECT COUNT(*) AS n FROM responses WHERE channel = '{c}'")) > 0 {
            channels.push(c.to_owned());
        }
    }
    assert!(channels.len() >= 4, "the demo answers several ways: {channels:?}");
    let answered = "EXISTS (SELECT 1 FROM answers f WHERE f.response_id = r.id AND f.question_key = 'has-plan' AND f.option_value = 'yes')";
    let mut filters: Vec<(RawFilter, String)> = channels
        .iter()
        .map(|c| (RawFilter { channel: Some(c.clone()), ..RawFilter::default() }, format!(" AND r.channel = '{c}'")))
        .collect();
    filters
        .push((RawFilter { answer: Some("has-plan:yes".into()), ..RawFilter::default() }, format!(" AND {answered}")));
    filters.push((
        RawFilter { channel: Some("web".into()), answer: Some("has-plan:yes".into()), ..RawFilter::default() },
        format!(" AND r.channel = 'web' AND {answered}"),
    ));
    let mut by_channel: Line = BTreeMap::new();
    let (mut shown, mut withheld) = (0, 0);
    for (raw, cond) in &filters {
        let filter = raw.check(&later.definition).expect("a good filter");
        let req = CompareRequest {
            series: "torbay-participation".into(),
            from: a23.into(),
            to: a24.into(),
            audience: None,
            settings: heard::stats::Settings::default(),
            max_text: 2000,
            filter,
        };
        let out = compare_waves(&mut conn, &req).expect("compare");
        let counted = [recount(&mut conn, a23, cond), recount(&mut conn, a24, cond)];
        for case in &out.cases {
            let in_report = |aud: &str| case.id == "all-audiences" || case.id == aud;
            for q in &case.questions {
                let input = q.input.as_ref().expect("input");
                for (i, year) in case.years.iter().enumerate() {
                    let truth: Vec<u64> = input
                        .options
                        .iter()
                        .map(|v| {
                            counted[i]
                                .iter()
                                .filter(|((a, k, o), _)| in_report(a) && *k == q.id && o == v)
                                .map(|(_, n)| n)
                                .sum()
                        })
                        .collect();
                    let base: u64 = input
                        .options
                        .iter()
                        .zip(&truth)
                        .filter(|(v, _)| !input.excluded.contains(v))
                        .map(|(_, n)| n)
                        .sum();
                    let hidden = input.withheld.contains(year);
                    if hidden {
                        withheld += 1;
                        assert!(q.years[year].withheld && q.years[year].suppressed);
                        assert!(input.counts[year].iter().all(|n| *n == 0), "a withheld year carries no counts");
                        assert!(input.paired.is_none());
                    } else if input.counts[year].iter().any(|n| *n > 0) {
                        shown += 1;
                        assert_eq!(input.counts[year], truth, "{cond} {} {} {year}", case.id, q.id);
                    }
                    if let Some(c) = &raw.channel
                        && raw.answer.is_none()
                    {
                        by_channel
                            .entry((q.id.clone(), case.id.clone(), year.clone()))
                            .or_default()
                            .insert(c.clone(), (hidden, base));
                    }
                }
            }
            // An index: its respondents and average are those of a recount, or withheld.
            if raw.answer.is_some() && raw.channel.is_none() && case.id == "all-audiences" {
                let p1 = case.composites.iter().flatten().find(|c| c.id == "priority:P1").expect("P1");
                for (i, slug) in [a23, a24].iter().enumerate() {
                    let y = &p1.years[&case.years[i]];
                    let sql = format!(
                        "SELECT CAST(COUNT(*) AS BIGINT) AS n, CAST(SUM(pos * 1.0 / valid) AS DOUBLE PRECISION) AS s FROM ( \
                           SELECT r.id, SUM(CASE WHEN o.polarity = 'positive' THEN 1 ELSE 0 END) AS pos, COUNT(*) AS valid \
                           FROM responses r JOIN answers x ON x.response_id = r.id \
                           JOIN questions q ON q.wave_id = r.wave_id AND q.question_key = x.question_key \
                             AND q.kind IN ('single-choice', 'face-scale', 'yes-sometimes-no') \
                           JOIN question_options o ON o.question_id = q.id AND o.value = x.option_value AND o.polarity <> 'excluded' \
                           JOIN question_tags t ON t.question_id = q.id AND t.kind = 'priority' AND t.code = 'P1' \
                           WHERE r.wave_id = '{}'{cond} GROUP BY r.id) per",
                        wave_id(slug)
                    );
                    let truth = diesel::RunQueryDsl::get_result::<IndexRecount>(diesel::sql_query(sql), &mut conn)
                        .expect("index recount");
                    assert!(!y.withheld, "{} people with a plan answered P1's questions", truth.n);
                    assert_eq!(y.n_respondents, u64::try_from(truth.n).expect("n"));
                    let mean = truth.s.expect("sum") / truth.n as f64;
                    assert!((y.index.expect("index") - mean).abs() < 1e-9, "{:?} {mean}", y.index);
                }
            }
        }
    }
    assert!(shown > 50 && withheld > 0, "shown {shown}, withheld {withheld}");
    // No figure can be had by subtraction: along the channels of one report and year, and
    // along the reports (each audience and everyone) of one channel and year, the groups
    // with answers that are withheld are none or at least two.
    for ((q, report, year), per) in &by_channel {
        let hidden: Vec<&String> = per.iter().filter(|(_, (h, n))| *h && *n > 0).map(|(c, _)| c).collect();
        let total: u64 = per.values().map(|(_, n)| n).sum();
        assert!(hidden.len() != 1 || total < 10, "{q} {report} {year}: only {hidden:?} withheld of {per:?}");
    }
    let reports: BTreeSet<&String> = by_channel.keys().map(|(_, r, _)| r).collect();
    for ((q, report, year), per) in by_channel.iter().filter(|((_, r, _), _)| r == "all-audiences") {
        for c in per.keys() {
            let hidden: Vec<&&String> = reports
                .iter()
                .filter(|r| {
                    by_channel
                        .get(&(q.clone(), (**r).clone(), year.clone()))
                        .and_then(|p| p.get(c))
                        .is_some_and(|(h, n)| *h && *n > 0)
                })
                .collect();
            assert!(hidden.len() != 1, "{q} {report} {year} {c}: only {hidden:?} withheld");
        }
    }
    // The pages: the filter in words, "withheld" explained, the same figures in trends.
    let (b, _) = sign_in(&app, "viewer@torbay.example", PASSWORD);
    let base = format!("/staff/series/torbay-participation/compare?from={a23}&to={a24}");
    let paper = b.get(&format!("{base}&channel=paper"));
    assert_eq!(paper.status, 200, "{}", paper.html);
    assert!(paper.html.contains("Channel: Paper"), "the filter in words");
    assert_eq!(paper.attr_of("#f-channel option[selected]", "value"), ["paper"]);
    assert!(!paper.has("#who-took-part"), "the whole waves' mix is not shown under a filter");
    let planned = b.get(&format!("{base}&answer=has-plan:yes&audience=young-people"));
    assert_eq!(planned.status, 200, "{}", planned.html);
    assert!(planned.html.contains("People who answered"), "{}", planned.html);
    let trends = b.get("/staff/series/torbay-participation/trends?answer=has-plan:yes&channel=web");
    assert_eq!(trends.status, 200, "{}", trends.html);
    assert!(!trends.has("#f-answer-error") && trends.has("#t-future-ready"));
    let withheld_page = filters.iter().filter_map(|(raw, _)| raw.channel.clone()).any(|c| {
        let p = b.get(&format!("{base}&channel={c}"));
        p.html.contains("withheld") && p.html.contains("cannot be worked out by subtracting")
    });
    assert!(withheld_page, "some channel's page withholds a figure and says why");
    let tagged = b.get(&format!("{base}&tag=priority:P5"));
    assert!(tagged.has("#q-future-ready") && !tagged.has("#q-listened-to"), "a tag chooses the questions");
    // Bad filters: 400, each problem beside its field, what was typed kept, nothing compared.
    let bad = b.get(&format!(
        "{base}&channel=pigeon&sent_from=2024-02-30&answer=listened-to:yes&adjust=holm&suppress_below=20"
    ));
    assert_eq!(bad.status, 400);
    assert!(bad.has("#f-channel-error") && bad.has("#f-from-error"), "{}", bad.html);
    assert_eq!(bad.attr_of("#f-from", "value"), ["2024-02-30"]);
    assert_eq!(bad.attr_of("#adjust option[selected]", "value"), ["holm"], "the method's options stay as chosen");
    assert_eq!(bad.attr_of("#suppress_below", "value"), ["20"]);
    assert!(!bad.has("#every-question"));
    let scale = b.get(&format!("{base}&answer=listened-to:yes"));
    assert_eq!(scale.status, 400, "a scale's answer does not choose people across waves");
    assert!(scale.has("#f-answer-error"));
    assert_eq!(b.get("/staff/series/torbay-participation/trends?answer=listened-to:yes").status, 400);
    let (other, _) = sign_in(&app, "analyst@southend.example", PASSWORD);
    assert_eq!(other.get(&format!("{base}&channel=paper")).status, 404);
}
both!(filtered_comparisons_count_the_people_chosen);
