//! The `heard` command: demo twice, import and check with clear errors, user add, export.

use std::io::Write;
use std::process::{Command, Stdio};

use heard::db::Backend;

use crate::both;
use crate::helpers::{TestDb, heard_bin};

pub fn heard(db: &TestDb, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    let mut child = Command::new(heard_bin())
        .args(args)
        .env("DATABASE_URL", &db.url)
        .env_remove("HEARD_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run heard");
    if let Some(input) = stdin {
        child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().expect("wait");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn demo_twice_changes_nothing(backend: Backend) {
    let db = TestDb::new(backend);
    let (ok, out, err) = heard(&db, &["demo"], None);
    assert!(ok, "{err}");
    // 1320 in the participation survey's closed waves, 84 to the three pledge services.
    assert!(out.contains("1404 synthetic responses added"), "{out}");
    let count = |db: &TestDb| {
        use diesel::prelude::*;
        let mut c = db.connect();
        let r: i64 = heard::db::schema::responses::table.count().get_result(&mut c).expect("count");
        let a: i64 = heard::db::schema::answers::table.count().get_result(&mut c).expect("count");
        let p: i64 = heard::db::schema::priorities::table.count().get_result(&mut c).expect("count");
        (r, a, p)
    };
    let first = count(&db);
    assert_eq!(first.0, 1404);
    assert_eq!(first.2, 5 + 6 + 5);
    let (ok, out, _) = heard(&db, &["demo"], None);
    assert!(ok && out.contains("0 synthetic responses added"));
    assert_eq!(count(&db), first);
    // Each closed wave has at least 300 responses per audience.
    let (ok, out, _) =
        heard(&db, &["export", "responses", "--wave", "torbay-participation-2023", "--format", "csv"], None);
    assert!(ok);
    assert!(out.starts_with('\u{feff}'), "CSV starts with a BOM for Excel");
    let mut reader = csv::Reader::from_reader(out.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader.headers().expect("headers").clone();
    assert!(headers.iter().any(|h| h == "listened-to"));
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    for aud in ["young-people", "parents-carers"] {
        assert!(rows.iter().filter(|r| &r[1] == aud).count() >= 300, "{aud}");
    }
}
both!(demo_twice_changes_nothing);

fn import_and_check_report_problems(backend: Backend) {
    let db = TestDb::new(backend);
    let dir = tempfile::tempdir().expect("dir");
    let bad = dir.path().join("bad-survey.toml");
    std::fs::write(
        &bad,
        r#"format = "heard-survey/1"
partnership = "torbay"
[series]
slug = "tp"
title = "T"
[wave]
slug = "tp-2030"
label = "2030"
[[audiences]]
key = "young-people"
name = "Young people"
[[questions]]
key = "q1"
type = "face-scales"
[questions.text.young-people]
title = "How?"
"#,
    )
    .expect("write");
    let (ok, _, err) = heard(&db, &["check", bad.to_str().expect("path")], None);
    assert!(!ok);
    assert!(
        err.contains("bad-survey.toml:14: questions[0] (q1).type: \"face-scales\" is not a question type"),
        "{err}"
    );

    // Tags are checked against the framework on import; nothing is half imported.
    let (ok, _, err) = heard(&db, &["demo", "--no-responses"], None);
    assert!(ok, "{err}");
    let tagged = dir.path().join("tagged.toml");
    let source = heard::demo::survey_source("torbay-participation-2030", "2030", "draft", "2030-09-01")
        .replace("priorities = [\"P5\"]", "priorities = [\"P9\"]");
    std::fs::write(&tagged, source).expect("write");
    let (ok, _, err) = heard(&db, &["import", tagged.to_str().expect("path")], None);
    assert!(!ok);
    assert!(err.contains("\"P9\" is not a priority code of torbay"), "{err}");
    {
        use diesel::prelude::*;
        let mut c = db.connect();
        let n: i64 = heard::db::schema::waves::table
            .filter(heard::db::schema::waves::slug.eq("torbay-participation-2030"))
            .count()
            .get_result(&mut c)
            .expect("count");
        assert_eq!(n, 0, "nothing half imported");
    }
    // A framework file imports and re-imports.
    let fw = dir.path().join("fw.toml");
    std::fs::write(&fw, heard::demo::FRAMEWORKS[2].1).expect("write");
    let (ok, out, err) = heard(&db, &["import", fw.to_str().expect("path")], None);
    assert!(ok, "{err}");
    assert!(out.contains("Updated framework for southend: 5 priorities, 10 values"), "{out}");
    // A file that is neither.
    let junk = dir.path().join("junk.toml");
    std::fs::write(&junk, "hello = 1\n").expect("write");
    let (ok, _, err) = heard(&db, &["check", junk.to_str().expect("path")], None);
    assert!(!ok && err.contains("does not say what it is"), "{err}");
}
both!(import_and_check_report_problems);

fn user_add(backend: Backend) {
    use diesel::prelude::*;
    let db = TestDb::new(backend);
    assert!(heard(&db, &["demo", "--no-responses"], None).0);
    let (ok, out, err) = heard(
        &db,
        &["user", "add", "--email", "Analyst@Torbay.example", "--role", "analyst", "--partnership", "torbay"],
        Some("a long enough password\n"),
    );
    assert!(ok, "{err}");
    assert!(out.contains("analyst@torbay.example"));
    let (ok, _, err) = heard(
        &db,
        &["user", "add", "--email", "analyst@torbay.example", "--role", "analyst", "--partnership", "torbay"],
        Some("another long password"),
    );
    assert!(!ok && err.contains("already an account"), "{err}");
    let (ok, _, err) =
        heard(&db, &["user", "add", "--email", "x@y.example", "--role", "analyst"], Some("a long enough password"));
    assert!(!ok && err.contains("--partnership"), "{err}");
    let (ok, _, err) = heard(
        &db,
        &["user", "add", "--email", "x@y.example", "--role", "analyst", "--partnership", "torbay"],
        Some("short"),
    );
    assert!(!ok && err.contains("at least 12"), "{err}");
    let (ok, _, err) = heard(
        &db,
        &["user", "add", "--email", "x@y.example", "--role", "boss", "--partnership", "torbay"],
        Some("a long enough password"),
    );
    assert!(!ok && err.contains("not a role"), "{err}");
    let mut c = db.connect();
    let hash: String = heard::db::schema::accounts::table
        .select(heard::db::schema::accounts::password_hash)
        .first(&mut c)
        .expect("account");
    assert!(hash.starts_with("$argon2id$"));
}
both!(user_add);

#[test]
fn check_never_creates_a_database() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("survey.toml");
    std::fs::write(&file, heard::demo::survey_source("torbay-participation-2031", "2031", "draft", "2031-09-01"))
        .expect("write");
    let db_path = dir.path().join("nothing-here.db");
    let out = Command::new(heard_bin())
        .args(["check", file.to_str().expect("path")])
        .env("DATABASE_URL", format!("sqlite://{}", db_path.display()))
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("a valid survey for wave torbay-participation-2031 (2 audiences, 14 questions)")
    );
    assert!(!db_path.exists(), "check must not create a database");
}

#[test]
fn check_runs_the_easy_read_checker() {
    let dir = tempfile::tempdir().expect("dir");
    let run = |name: &str, source: &str, strict: bool| {
        let file = dir.path().join(name);
        std::fs::write(&file, source).expect("write");
        let mut args = vec!["check", file.to_str().expect("path")];
        if strict {
            args.push("--strict");
        }
        let out = Command::new(heard_bin())
            .args(&args)
            .env("DATABASE_URL", format!("sqlite://{}", dir.path().join("none.db").display()))
            .output()
            .expect("run");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // The demo's young people's versions pass in every language, even under --strict.
    let demo = heard::demo::survey_source("torbay-participation-2031", "2031", "draft", "2031-09-01");
    let (ok, out, err) = run("demo.toml", &demo, true);
    assert!(ok, "{out}{err}");
    for version in [
        "young-people (en-GB, easy read",
        "young-people (pl, easy read): nothing to change",
        "young-people (ar, easy read): nothing to change",
    ] {
        assert!(out.contains(version), "{version} in {out}");
    }
    assert!(out.contains("reading age about"), "{out}");

    // Jargon, a long sentence and two questions in one are each named with what to change.
    let hard = demo.replace(
        "title = \"Do adults listen to you?\"",
        "title = \"To what extent do you agree that your EHCP outcomes reflect your aspirations and that your annual review was person-centred?\"",
    );
    assert_ne!(hard, demo);
    let (ok, out, _) = run("hard.toml", &hard, false);
    assert!(ok, "advice alone does not fail a check");
    for want in [
        "E questions.listened-to.title: Long sentence: 21 words. One idea, about 15 words",
        "E questions.listened-to.title: Jargon: 'EHCP' is service language. Say 'your plan (says what help you get)'.",
        "E questions.listened-to.title: Jargon: 'aspirations' is service language. Say 'hopes and dreams'.",
        "W questions.listened-to.title: Two questions in one",
    ] {
        assert!(out.contains(want), "{want}\n{out}");
    }
    let (ok, _, err) = run("hard.toml", &hard, true);
    assert!(!ok, "--strict fails on advice to fix");
    assert!(err.contains("things to fix (--strict)"), "{err}");
}

/// `heard compare-counts` on each class of bad input of issue 15: a non-zero exit and one line
/// that names the case, question and field and says what to fix, within a second; a
/// byte-order mark is accepted.
#[test]
fn compare_counts_refuses_bad_input_in_one_line() {
    let dir = tempfile::tempdir().expect("dir");
    let question = r#"{"id": "q1", "options": ["Yes", "No", "Don't know"], "positive": ["Yes"], "excluded": ["Don't know"], "counts": {"2023": [30, 40, 300], "2024": [50, 30, 3]}}"#;
    let file = |q: &str| format!(r#"{{"cases": [{{"id": "c1", "years": ["2023", "2024"], "questions": [{q}]}}]}}"#);
    let run = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        let started = std::time::Instant::now();
        let out = Command::new(heard_bin())
            .args(["compare-counts", path.to_str().expect("path")])
            .env_remove("HEARD_CONFIG")
            .output()
            .expect("run");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            started.elapsed(),
        )
    };
    let (ok, good, err, _) = run("good.json", file(question).as_bytes());
    assert!(ok, "{err}");
    let bad: Vec<(&str, String, &str)> = vec![
        ("large.json", question.replace("[30, 40, 300]", "[1000000000, 1000000000, 300]"), "question \"q1\": the count for 2023, \"Yes\", is 1000000000, more than the 100000000"),
        ("u64max.json", question.replace("[30, 40, 300]", "[18446744073709551615, 40, 300]"), "is 18446744073709551615, more than"),
        ("wrapped.json", question.replace("[30, 40, 300]", "[60000000, 60000000, 3]"), "the total of the counts for 2023 is 120000003"),
        ("past-u64.json", question.replace("[30, 40, 300]", "[18446744073709551616, 40, 300]"), "far more answers than a survey has"),
        ("typo.json", question.replace("\"excluded\"", "\"exluded\""), "question \"q1\": unknown field `exluded`"),
        ("no-positive.json", question.replace("\"positive\": [\"Yes\"], ", ""), "question \"q1\": missing field `positive`"),
        ("no-year.json", question.replace("\"2023\": [30, 40, 300], ", ""), "question \"q1\": there are no counts for 2023"),
        ("duplicate.json", question.replace("\"positive\": [\"Yes\"]", "\"positive\": [\"Yes\"], \"positive\": [\"No\"]"), "question \"q1\": duplicate field `positive`"),
        ("duplicate-year.json", question.replace("\"2024\": [50", "\"2023\": [1, 1, 1], \"2024\": [50"), "counts for \"2023\" are given twice"),
        ("mcnemar.json", question.replace("}}", "}, \"paired\": {\"pos_pos\": 10, \"pos_neg\": 1000000000000, \"neg_pos\": 1000000000000, \"neg_neg\": 10}}"), "paired.pos_neg is 1000000000000"),
    ];
    for (name, q, want) in &bad {
        let (ok, out, err, took) = run(name, file(q).as_bytes());
        assert!(!ok, "{name} must fail");
        assert!(out.is_empty(), "{name}: nothing on standard output");
        assert!(err.contains(want), "{name}: want {want:?}, got {err:?}");
        assert_eq!(err.trim_end().lines().count(), 1, "{name}: one line: {err}");
        assert!(err.starts_with("heard: ") && err.contains(name), "{name}: names the file: {err}");
        assert!(took.as_secs_f64() < 1.0, "{name} took {took:?}");
    }
    // A composite respondent with more positive than valid answers.
    let composite = r#"{"cases": [{"id": "c1", "years": ["2023", "2024"], "questions": [], "composite": {"id": "p1", "respondents": {"2023": [[5, 2]], "2024": [[1, 2]]}}}]}"#;
    let (ok, _, err, _) = run("composite.json", composite.as_bytes());
    assert!(
        !ok && err.contains("composite \"p1\": 2023, respondent 1 ([5, 2]) has 5 positive answers out of 2 valid"),
        "{err}"
    );
    // A byte-order mark, as Notepad saves UTF-8, is accepted: the same results.
    let (ok, with_bom, err, _) = run("bom.json", &[b"\xef\xbb\xbf".as_slice(), file(question).as_bytes()].concat());
    assert!(ok, "{err}");
    assert_eq!(with_bom, good);
}
