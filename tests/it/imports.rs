//! Importing past waves: all or nothing, with row, column and reason; on both databases.

use heard::db::Backend;
use serde_json::Value;

use crate::both;
use crate::helpers::TestDb;

fn heard(db: &TestDb, args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(crate::helpers::heard_bin())
        .args(args)
        .env("DATABASE_URL", &db.url)
        .output()
        .expect("run");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The demo plus a closed 2022 wave (same questions) to import into.
fn with_2022(backend: Backend) -> (TestDb, tempfile::TempDir) {
    let db = TestDb::new(backend);
    let dir = tempfile::tempdir().expect("dir");
    assert!(heard(&db, &["demo"]).0);
    let def = dir.path().join("2022.toml");
    std::fs::write(&def, heard::demo::survey_source("torbay-participation-2022", "2022", "closed", "2022-10-03"))
        .expect("write");
    let (ok, _, err) = heard(&db, &["import", def.to_str().expect("path")]);
    assert!(ok, "{err}");
    (db, dir)
}

fn count(db: &TestDb, sql: &str) -> i64 {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut c = db.connect();
    diesel::sql_query(sql).load::<N>(&mut c).expect("query").first().map(|r| r.n).unwrap_or(0)
}

fn responses_2022(db: &TestDb) -> i64 {
    count(
        db,
        "SELECT COUNT(*) AS n FROM responses r JOIN waves w ON w.id = r.wave_id WHERE w.slug = 'torbay-participation-2022'",
    )
}

fn import_responses_all_or_nothing(backend: Backend) {
    let (db, dir) = with_2022(backend);
    let file = dir.path().join("past.csv");
    // Row 4 has an answer that is not an option; row 5 a bad date.
    std::fs::write(
        &file,
        "audience,submitted_on,consent_to_quote,listened-to,help-from,age,what-to-change\n\
         young-people,2022-10-10,yes,yes,school;family,12,More quiet rooms\n\
         parents-carers,2022-10-11,no,sometimes,health,7,\n\
         parents-carers,2022-10-12,no,perhaps,,9,\n\
         young-people,12/10/2022,no,no,,15,\n",
    )
    .expect("write");
    let (ok, _, err) =
        heard(&db, &["import-responses", "--wave", "torbay-participation-2022", file.to_str().expect("path")]);
    assert!(!ok);
    assert!(err.contains("nothing has been stored"), "{err}");
    assert!(err.contains("row 4, column \"listened-to\": \"perhaps\": That answer is not one of the choices"), "{err}");
    assert!(err.contains("row 5, column \"submitted_on\""), "{err}");
    assert_eq!(responses_2022(&db), 0, "nothing stored");

    // Unknown columns are caught in the header.
    std::fs::write(&file, "audience,listened_to\nyoung-people,yes\n").expect("write");
    let (ok, _, err) =
        heard(&db, &["import-responses", "--wave", "torbay-participation-2022", file.to_str().expect("path")]);
    assert!(!ok && err.contains("row 1, column \"listened_to\": not a question key"), "{err}");

    // A clean file imports whole.
    std::fs::write(
        &file,
        "\u{feff}audience,submitted_on,consent_to_quote,listened-to,help-from,age,what-to-change\n\
         young-people,2022-10-10,yes,yes,school;family,12,More quiet rooms 🙂\n\
         parents-carers,2022-10-11,no,sometimes,health,7,\n",
    )
    .expect("write");
    let (ok, out, err) =
        heard(&db, &["import-responses", "--wave", "torbay-participation-2022", file.to_str().expect("path")]);
    assert!(ok, "{err}");
    assert!(out.contains("Imported 2 responses"), "{out}");
    assert_eq!(responses_2022(&db), 2);
    let (_, json, _) = heard(&db, &["export", "responses", "--wave", "torbay-participation-2022", "--format", "json"]);
    let records: Vec<Value> = serde_json::from_str(&json).expect("json");
    assert_eq!(records[0]["answers"]["help-from"], serde_json::json!(["school", "family"]));
    assert_eq!(records[0]["answers"]["what-to-change"], "More quiet rooms 🙂");
    assert_eq!(records[0]["channel"], "import");
    assert_eq!(records[0]["submitted_on"], "2022-10-10");
    assert_eq!(records[0]["consent_to_quote"], true);
}
both!(import_responses_all_or_nothing);

fn import_counts_and_compare(backend: Backend) {
    let (db, dir) = with_2022(backend);
    let file = dir.path().join("counts.csv");
    std::fs::write(&file, "audience,question,option,count\nparents-carers,listened-to,yes,40\nparents-carers,listened-to,maybe,10\nparents-carers,what-to-change,yes,3\n").expect("write");
    let (ok, _, err) =
        heard(&db, &["import-counts", "--wave", "torbay-participation-2022", file.to_str().expect("path")]);
    assert!(!ok);
    assert!(err.contains("row 3, column \"option\": \"maybe\" is not an answer"), "{err}");
    assert!(err.contains("row 4, column \"question\": \"what-to-change\" is a long-text question"), "{err}");
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM imported_counts"), 0, "nothing stored");

    std::fs::write(&file, "audience,question,option,count\nparents-carers,listened-to,yes,40\nparents-carers,listened-to,sometimes,35\nparents-carers,listened-to,no,45\n").expect("write");
    let (ok, out, err) =
        heard(&db, &["import-counts", "--wave", "torbay-participation-2022", file.to_str().expect("path")]);
    assert!(ok, "{err}");
    assert!(out.contains("Imported 3 counts (120 answers"), "{out}");
    let (ok, _, err) =
        heard(&db, &["import-counts", "--wave", "torbay-participation-2022", file.to_str().expect("path")]);
    assert!(!ok && err.contains("--replace"), "{err}");
    let (ok, _, err) = heard(
        &db,
        &["import-counts", "--wave", "torbay-participation-2022", "--replace", file.to_str().expect("path")],
    );
    assert!(ok, "{err}");

    let (ok, json, err) = heard(
        &db,
        &[
            "compare",
            "--series",
            "torbay-participation",
            "--from",
            "torbay-participation-2022",
            "--to",
            "torbay-participation-2023",
            "--audience",
            "parents-carers",
        ],
    );
    assert!(ok, "{err}");
    let out: Value = serde_json::from_str(&json).expect("json");
    let q = out["cases"][0]["questions"]
        .as_array()
        .expect("q")
        .iter()
        .find(|q| q["id"] == "listened-to")
        .cloned()
        .expect("listened-to");
    assert_eq!(q["years"]["2022"]["n_valid"], 120);
    assert_eq!(q["years"]["2022"]["positive"], 40);
    assert_eq!(q["input"]["counts"]["2022"], serde_json::json!([40, 35, 45]));
    assert!(q["comparable"].as_bool().unwrap_or(false));
    // Counts have no respondents behind them: the indices say so rather than guess.
    let p2 = out["cases"][0]["composites"]
        .as_array()
        .expect("composites")
        .iter()
        .find(|c| c["id"] == "priority:P2")
        .cloned()
        .expect("P2");
    assert_eq!(p2["years"]["2022"]["n_respondents"], 0);
    assert!(p2["diff"].is_null());
}
both!(import_counts_and_compare);

/// The counts kept at every write equal a rebuild from the raw answers, after web answers,
/// an import and both kinds of deletion.
fn kept_counts_match_a_rebuild(backend: Backend) {
    let (db, dir) = with_2022(backend);
    let snapshot = |db: &TestDb| {
        use diesel::prelude::*;
        use heard::db::schema::{answer_counts, index_counts};
        let mut c = db.connect();
        let mut a: Vec<(String, String, String, String, i64)> = answer_counts::table
            .filter(answer_counts::answers.ne(0))
            .select((
                answer_counts::wave_id,
                answer_counts::audience,
                answer_counts::question_key,
                answer_counts::option_value,
                answer_counts::answers,
            ))
            .load(&mut c)
            .expect("counts");
        let mut i: Vec<(String, String, String, String, i32, i32, i64)> = index_counts::table
            .filter(index_counts::respondents.ne(0))
            .select((
                index_counts::wave_id,
                index_counts::audience,
                index_counts::kind,
                index_counts::code,
                index_counts::positive,
                index_counts::valid,
                index_counts::respondents,
            ))
            .load(&mut c)
            .expect("index");
        a.sort();
        i.sort();
        (a, i)
    };
    // Web answers, on a server over the same database.
    let mut settings = crate::helpers::settings_for(&db);
    settings.workers = 1;
    let (port, _handle) = crate::helpers::start_server(settings);
    let base = format!("http://127.0.0.1:{port}");
    let mut receipts = Vec::new();
    for (i, aud) in ["young-people", "parents-carers", "young-people"].iter().enumerate() {
        let mut plan = crate::helpers::Plan::new();
        plan.insert("has-plan", vec![if i == 0 { "yes" } else { "no" }]);
        receipts.push(
            crate::helpers::complete(
                &crate::helpers::Browser::new(&base),
                "torbay-participation-2025",
                aud,
                &plan,
                "yes",
            )
            .receipt,
        );
    }
    // An import.
    let file = dir.path().join("past.csv");
    std::fs::write(
        &file,
        "audience,listened-to,feel-safe,has-plan\nyoung-people,yes,happy,dont-know\nparents-carers,no,unhappy,yes\n",
    )
    .expect("write");
    assert!(heard(&db, &["import-responses", "--wave", "torbay-participation-2022", file.to_str().expect("path")]).0);
    // A respondent deletes theirs.
    let b = crate::helpers::Browser::new(&base);
    let form = b.get("/s/torbay-participation-2025/delete");
    let sure = b.submit(&form.form().with("code", &receipts[1]));
    assert_eq!(sure.status, 200);
    assert_eq!(b.submit(&sure.form()).status, 200);
    let kept = snapshot(&db);
    assert!(!kept.0.is_empty() && !kept.1.is_empty());
    {
        use diesel::prelude::*;
        let mut c = db.connect();
        let ids: Vec<heard::db::WaveId> =
            heard::db::schema::waves::table.select(heard::db::schema::waves::id).load(&mut c).expect("waves");
        for id in ids {
            heard::models::aggregates::rebuild(&mut c, &id).expect("rebuild");
        }
    }
    assert_eq!(snapshot(&db), kept, "kept counts equal a rebuild from raw answers");
}
both!(kept_counts_match_a_rebuild);

/// The same young people (by member code) in both years get McNemar figures; the codes are
/// never stored as given.
fn linked_answers_get_mcnemar(backend: Backend) {
    let db = TestDb::new(backend);
    let dir = tempfile::tempdir().expect("dir");
    assert!(heard(&db, &["demo", "--no-responses"]).0);
    for (slug, label) in [("torbay-participation-2030", "2030"), ("torbay-participation-2031", "2031")] {
        let def = dir.path().join(format!("{slug}.toml"));
        std::fs::write(&def, heard::demo::survey_source(slug, label, "closed", &format!("{label}-09-01")))
            .expect("write");
        assert!(heard(&db, &["import", def.to_str().expect("path")]).0);
    }
    // 12 linked young people: 3 stay positive, 1 falls, 6 rise, 2 stay not positive; one more
    // says "Don't know" later (left out of the pairs); two unlinked people.
    let before =
        ["yes", "yes", "yes", "yes", "no", "no", "no", "sometimes", "sometimes", "sometimes", "no", "no", "yes"];
    let after = ["yes", "yes", "yes", "no", "yes", "yes", "yes", "yes", "yes", "yes", "no", "sometimes", "yes"];
    let write = |name: &str, answers: &[&str], extra: &str| {
        let mut text = String::from("audience,member_code,listened-to,has-plan\n");
        for (i, a) in answers.iter().enumerate() {
            let plan = if i == 12 && name == "2031" { "dont-know" } else { "yes" };
            text.push_str(&format!("young-people,YP-{i:03},{a},{plan}\n"));
        }
        text.push_str(extra);
        let f = dir.path().join(format!("{name}.csv"));
        std::fs::write(&f, text).expect("write");
        f
    };
    let a = write("2030", &before, "young-people,,yes,no\n");
    let b = write("2031", &after, "young-people,,no,no\n");
    assert!(heard(&db, &["import-responses", "--wave", "torbay-participation-2030", a.to_str().expect("p")]).0);
    assert!(heard(&db, &["import-responses", "--wave", "torbay-participation-2031", b.to_str().expect("p")]).0);
    let (ok, json, err) = heard(
        &db,
        &[
            "compare",
            "--series",
            "torbay-participation",
            "--from",
            "torbay-participation-2030",
            "--to",
            "torbay-participation-2031",
            "--audience",
            "young-people",
        ],
    );
    assert!(ok, "{err}");
    let out: Value = serde_json::from_str(&json).expect("json");
    let q = out["cases"][0]["questions"]
        .as_array()
        .expect("q")
        .iter()
        .find(|q| q["id"] == "listened-to")
        .cloned()
        .expect("q");
    assert_eq!(q["input"]["paired"], serde_json::json!({"pos_pos": 4, "pos_neg": 1, "neg_pos": 6, "neg_neg": 2}));
    assert_eq!(q["paired"]["n_pairs"], 13);
    assert_eq!(q["paired"]["discordant_neg_to_pos"], 6);
    // The exact McNemar p for 1 vs 6 discordant pairs: 2 × P(X ≤ 1), X ~ Bin(7, ½) = 16/128.
    assert!((q["paired"]["mcnemar_exact_p"].as_f64().expect("p") - 0.125).abs() < 1e-12);
    let plan =
        out["cases"][0]["questions"].as_array().expect("q").iter().find(|q| q["id"] == "has-plan").cloned().expect("q");
    assert_eq!(plan["input"]["paired"]["pos_pos"], 12, "the Don't know pair is left out");
    // Codes are hashed, never stored as given.
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM responses WHERE member_hash LIKE '%YP-%'"), 0);
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM responses WHERE member_hash IS NOT NULL"), 26);
    // A bad code is refused whole.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "audience,member_code,listened-to\nyoung-people,Jane Smith,yes\n").expect("write");
    let (ok, _, err) =
        heard(&db, &["import-responses", "--wave", "torbay-participation-2030", bad.to_str().expect("p")]);
    assert!(!ok && err.contains("row 2, column \"member_code\""), "{err}");
}
both!(linked_answers_get_mcnemar);

/// Counts are held to the method's bound where they enter: a count over 100,000,000, one too
/// long for any integer, and counts of a question adding up past the bound are each refused
/// by row and column; a byte-order mark is accepted. A count already stored past the bound
/// (as before the bound existed) makes the comparison refuse with its name, never wrap.
fn import_counts_are_bounded(backend: Backend) {
    let (db, dir) = with_2022(backend);
    let file = dir.path().join("counts.csv");
    let wave = "torbay-participation-2022";
    std::fs::write(
        &file,
        "audience,question,option,count\n\
         parents-carers,listened-to,yes,1000000000\n\
         parents-carers,listened-to,no,18446744073709551616\n\
         young-people,listened-to,yes,60000000\n\
         young-people,listened-to,no,60000000\n",
    )
    .expect("write");
    let started = std::time::Instant::now();
    let (ok, _, err) = heard(&db, &["import-counts", "--wave", wave, file.to_str().expect("path")]);
    assert!(!ok);
    assert!(started.elapsed().as_secs_f64() < 10.0);
    assert!(err.contains("row 2, column \"count\": \"1000000000\" is more than 100000000 answers"), "{err}");
    assert!(err.contains("row 3, column \"count\": \"18446744073709551616\" is more than 100000000"), "{err}");
    assert!(
        err.contains("row 5, column \"count\": the counts for \"listened-to\" add up to more than 100000000"),
        "{err}"
    );
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM imported_counts"), 0, "nothing stored");

    std::fs::write(
        &file,
        "\u{feff}audience,question,option,count\nparents-carers,listened-to,yes,40\nparents-carers,listened-to,no,35\n",
    )
    .expect("write");
    let (ok, out, err) = heard(&db, &["import-counts", "--wave", wave, file.to_str().expect("path")]);
    assert!(ok, "{err}");
    assert!(out.contains("Imported 2 counts (75 answers"), "{out}");

    // A count stored past the bound before it existed: the comparison names it and refuses.
    {
        use diesel::prelude::*;
        let mut c = db.connect();
        diesel::sql_query("UPDATE imported_counts SET answers = 9000000000000000000 WHERE option_value = 'yes'")
            .execute(&mut c)
            .expect("update");
    }
    let (ok, _, err) = heard(
        &db,
        &["compare", "--series", "torbay-participation", "--from", wave, "--to", "torbay-participation-2023"],
    );
    assert!(!ok);
    assert!(err.contains("question \"listened-to\": the count for 2022, \"yes\", is 9000000000000000000"), "{err}");
}
both!(import_counts_are_bounded);
