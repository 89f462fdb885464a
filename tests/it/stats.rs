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
