//! The comparison method reproduces every number in the shared reference results to 1e-9
//! (relative, or absolute below 1), through the library and through `heard compare-counts`.

use serde_json::Value;

const CASES: &str = include_str!("../data/stats/cases.json");
const EXPECTED: &str = include_str!("../data/stats/expected.json");

/// Every field of `expected` is in `actual` with the same value; numbers to 1e-9.
fn same(path: &str, expected: &Value, actual: &Value, problems: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Number(e), Value::Number(a)) => {
            let (e, a) = (e.as_f64().unwrap_or(f64::NAN), a.as_f64().unwrap_or(f64::NAN));
            if (e - a).abs() > 1e-9 * e.abs().max(1.0) {
                problems.push(format!("{path}: expected {e}, got {a}"));
            }
        }
        (Value::Object(e), Value::Object(a)) => {
            for (k, v) in e {
                match a.get(k) {
                    Some(av) => same(&format!("{path}.{k}"), v, av, problems),
                    None => problems.push(format!("{path}.{k}: missing")),
                }
            }
            for k in a.keys() {
                if !e.contains_key(k) {
                    problems.push(format!("{path}.{k}: not in the reference schema"));
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                problems.push(format!("{path}: expected {} items, got {}", e.len(), a.len()));
            }
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                same(&format!("{path}[{i}]"), ev, av, problems);
            }
        }
        (e, a) if e == a => {}
        (e, a) => problems.push(format!("{path}: expected {e}, got {a}")),
    }
}

fn check(actual: &Value) {
    let expected: Value = serde_json::from_str(EXPECTED).expect("expected.json");
    let mut problems = Vec::new();
    same("z_crit_95", &expected["z_crit_95"], &actual["z_crit_95"], &mut problems);
    same("schema_version", &expected["schema_version"], &actual["schema_version"], &mut problems);
    same("cases", &expected["cases"], &actual["cases"], &mut problems);
    assert!(problems.is_empty(), "{} differences:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn library_reproduces_the_reference_results() {
    let file: heard::stats::CasesFile = serde_json::from_str(CASES).expect("cases.json");
    let out = heard::stats::compare_file(&file).expect("compare");
    check(&serde_json::to_value(&out).expect("json"));
}

#[test]
fn compare_counts_command_reproduces_the_reference_results() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("cases.json");
    std::fs::write(&path, CASES).expect("write");
    let out = std::process::Command::new(crate::helpers::heard_bin())
        .args(["compare-counts", path.to_str().expect("path")])
        .env("DATABASE_URL", format!("sqlite://{}", dir.path().join("unused.db").display()))
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let actual: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    check(&actual);
    assert!(!dir.path().join("unused.db").exists(), "compare-counts needs no database");
}

#[test]
fn compare_counts_explains_bad_input() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("bad.json");
    let mut cases: Value = serde_json::from_str(CASES).expect("cases");
    cases["cases"][0]["questions"][1]["counts"]["2023"] = serde_json::json!([1, 2]);
    std::fs::write(&path, cases.to_string()).expect("write");
    let out = std::process::Command::new(crate::helpers::heard_bin())
        .args(["compare-counts", path.to_str().expect("path")])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("case \"typical_parents\", question \"q2\": 2023 has 2 counts for 3 options"), "{err}");
    std::fs::write(&path, "{ not json").expect("write");
    let out = std::process::Command::new(crate::helpers::heard_bin())
        .args(["compare-counts", path.to_str().expect("path")])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1"), "says where");
}

fn run_heard(db: &crate::helpers::TestDb, args: &[&str]) -> Vec<u8> {
    let out = std::process::Command::new(crate::helpers::heard_bin())
        .args(args)
        .env("DATABASE_URL", &db.url)
        .output()
        .expect("run heard");
    assert!(out.status.success(), "heard {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn strip_inputs(v: &mut Value) {
    if let Some(cases) = v["cases"].as_array_mut() {
        for case in cases {
            if let Some(qs) = case["questions"].as_array_mut() {
                for q in qs {
                    if let Some(o) = q.as_object_mut() {
                        o.remove("input");
                    }
                }
            }
        }
    }
}

/// `heard compare` over the demo's closed waves agrees with `heard compare-counts` run on
/// counts rebuilt from `heard export responses` (questions and priority/value indices).
fn compare_agrees_with_counts_from_the_export(backend: heard::db::Backend) {
    let db = crate::helpers::TestDb::new(backend);
    run_heard(&db, &["demo"]);
    let (from, to) = ("torbay-participation-2023", "torbay-participation-2024");
    let compared: Value = serde_json::from_slice(&run_heard(
        &db,
        &["compare", "--series", "torbay-participation", "--from", from, "--to", to, "--format", "json"],
    ))
    .expect("json");
    let exported: Vec<Vec<Value>> = [from, to]
        .iter()
        .map(|w| {
            serde_json::from_slice(&run_heard(&db, &["export", "responses", "--wave", w, "--format", "json"]))
                .expect("json")
        })
        .collect();
    let years = ["2023", "2024"];
    let mut cases = Vec::new();
    for case in compared["cases"].as_array().expect("cases") {
        let audience = case["id"].as_str().expect("id");
        let in_case = |r: &&Value| audience == "all-audiences" || r["audience"] == audience;
        let mut questions = Vec::new();
        for q in case["questions"].as_array().expect("questions") {
            let mut input = q["input"].clone();
            let key = input["id"].as_str().expect("key").to_owned();
            let options: Vec<String> = input["options"]
                .as_array()
                .expect("options")
                .iter()
                .map(|o| o.as_str().unwrap_or("").to_owned())
                .collect();
            let mut counts = serde_json::Map::new();
            for (y, records) in years.iter().zip(&exported) {
                let row: Vec<u64> = options
                    .iter()
                    .map(|o| {
                        records
                            .iter()
                            .filter(in_case)
                            .filter(|r| r["answers"][&key] == Value::String(o.clone()))
                            .count() as u64
                    })
                    .collect();
                counts.insert((*y).to_owned(), serde_json::json!(row));
            }
            input["counts"] = Value::Object(counts);
            questions.push(input);
        }
        // Respondent-level lists for each index, from the export and the questions' tags.
        let mut composites = Vec::new();
        for c in case["composites"].as_array().expect("composites") {
            let id = c["id"].as_str().expect("id");
            let (kind, code) = id.split_once(':').expect("kind:code");
            let field = if kind == "priority" { "priority" } else { "value" };
            let tagged: Vec<&Value> =
                questions.iter().filter(|q| q[field].as_array().is_some_and(|l| l.iter().any(|x| x == code))).collect();
            let mut respondents = serde_json::Map::new();
            for (y, records) in years.iter().zip(&exported) {
                let list: Vec<[u64; 2]> = records
                    .iter()
                    .filter(in_case)
                    .map(|r| {
                        let mut pv = [0u64, 0u64];
                        for q in &tagged {
                            let Some(given) = r["answers"][q["id"].as_str().unwrap_or("")].as_str() else { continue };
                            let has = |list: &str| q[list].as_array().is_some_and(|l| l.iter().any(|x| x == given));
                            if !has("excluded") {
                                pv[1] += 1;
                                if has("positive") {
                                    pv[0] += 1;
                                }
                            }
                        }
                        pv
                    })
                    .collect();
                respondents.insert((*y).to_owned(), serde_json::json!(list));
            }
            composites.push(serde_json::json!({"id": id, "label": c["label"], "respondents": respondents}));
        }
        cases.push(
            serde_json::json!({"id": audience, "years": years, "questions": questions, "composites": composites}),
        );
    }
    assert_eq!(cases.len(), 3, "two audiences and all together");
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("from-export.json");
    std::fs::write(&file, serde_json::json!({"schema_version": 1, "cases": cases}).to_string()).expect("write");
    let mut from_counts: Value =
        serde_json::from_slice(&run_heard(&db, &["compare-counts", file.to_str().expect("path")])).expect("json");
    let mut from_db = compared.clone();
    strip_inputs(&mut from_db);
    strip_inputs(&mut from_counts);
    let mut problems = Vec::new();
    same("cases", &from_counts["cases"], &from_db["cases"], &mut problems);
    assert!(problems.is_empty(), "{} differences:\n{}", problems.len(), problems.join("\n"));
    // The demo's shape: some questions clearly improve, one falls, some do not change.
    let verdicts: Vec<&str> =
        compared["cases"][2]["questions"].as_array().expect("q").iter().filter_map(|q| q["verdict"].as_str()).collect();
    assert!(verdicts.iter().filter(|v| **v == "improved").count() >= 2, "{verdicts:?}");
    assert!(verdicts.contains(&"declined"), "{verdicts:?}");
    assert!(verdicts.contains(&"no_clear_change"), "{verdicts:?}");
}
crate::both!(compare_agrees_with_counts_from_the_export);

#[test]
fn compare_explains_bad_requests() {
    let db = crate::helpers::TestDb::new(heard::db::Backend::Sqlite);
    run_heard(&db, &["demo", "--no-responses"]);
    let fail = |args: &[&str]| {
        let out = std::process::Command::new(crate::helpers::heard_bin())
            .args(args)
            .env("DATABASE_URL", &db.url)
            .output()
            .expect("run");
        assert!(!out.status.success(), "{args:?} should fail");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let base = ["compare", "--series", "torbay-participation", "--from", "torbay-participation-2023", "--to"];
    assert!(fail(&[&base[..], &["torbay-participation-2099"]].concat()).contains("torbay-participation-2099"));
    assert!(fail(&[&base[..], &["torbay-participation-2023"]].concat()).contains("two different waves"));
    assert!(
        fail(&[&base[..], &["torbay-participation-2024", "--audience", "robots"]].concat())
            .contains("they have young-people, parents-carers")
    );
    assert!(fail(&["compare", "--series", "nope", "--from", "a", "--to", "b"]).contains("the series \"nope\""));
}
