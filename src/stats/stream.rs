//! `heard compare-counts` as a library function: a counts file (the `cases.json` format) in,
//! the results (the `expected.json` format, pretty-printed) written case by case as they are
//! computed, so the output is never held whole in memory.
//!
//! The file is read strictly and checked whole before the first result is written: a byte-order
//! mark at the start is accepted; unknown or repeated keys, missing fields and counts out of
//! bounds are refused with one line naming the line, case, question and field and saying what
//! to fix. What it must never do: write part of a result for a file it then refuses.

use std::io::Write;

use serde::{Deserialize, Serialize};
use serde_json::ser::{Formatter, PrettyFormatter};
use serde_json::value::RawValue;

use super::compare::{
    CaseInput, ComparisonOutput, CompositeInput, CompositeResult, Family, InputError, QuestionInput, Settings,
    SettingsInput, check_case, check_question, composite, question_result,
};
use super::input::did_you_mean;
use super::special::Z_95;

/// Why a comparison of a counts file did not finish.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// The file is refused; nothing was written.
    #[error("{0}")]
    Input(#[from] InputError),
    /// The results could not be written.
    #[error("could not write the results: {0}")]
    Write(#[from] std::io::Error),
}

/// The file around its cases, each case kept as its text until it is read.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope<'a> {
    #[serde(default)]
    schema_version: Option<u32>,
    #[serde(default)]
    #[allow(dead_code)]
    notes: Option<String>,
    #[serde(default)]
    defaults: SettingsInput,
    #[serde(borrow)]
    cases: Vec<&'a RawValue>,
}

/// A case with its questions (and composites) kept as text, so a report of any size is read
/// one question at a time.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseParts<'a> {
    id: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    audience: Option<String>,
    #[serde(default)]
    settings: SettingsInput,
    #[serde(borrow)]
    questions: Vec<&'a RawValue>,
    years: Vec<String>,
    #[serde(default, borrow)]
    composite: Option<&'a RawValue>,
    #[serde(default, borrow)]
    composites: Option<Vec<&'a RawValue>>,
}

/// A case read but for its questions: `header` has no questions, `questions` their text.
struct Case<'a> {
    header: CaseInput,
    questions: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
struct Named {
    #[serde(default)]
    id: Option<serde_json::Value>,
}

/// The refusal on one line whatever the file holds: control characters (a newline in a key or
/// a year, say) are written as escapes.
fn one_line(e: InputError) -> InputError {
    if !e.0.chars().any(char::is_control) {
        return e;
    }
    InputError(
        e.0.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect(),
    )
}

/// The 1-based line of `text` on which `part` (a slice of it) starts.
fn line_of(text: &str, part: &str) -> usize {
    let offset = (part.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
    text.get(..offset).map_or(0, |before| before.bytes().filter(|b| *b == b'\n').count()) + 1
}

/// serde's message without its position, plus what to do about it.
fn explain(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
    let hint = if let Some(rest) = message.strip_prefix("unknown field `") {
        let (given, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        match did_you_mean(given, &known) {
            Some(k) => format!(" (did you mean `{k}`?)"),
            None => " (remove it, or correct its name)".to_owned(),
        }
    } else if message == "missing field `positive`" {
        " (list the options that count as positive, like \"positive\": [\"Yes\"])".to_owned()
    } else if message.starts_with("missing field") {
        " (add it)".to_owned()
    } else if message.starts_with("duplicate field") {
        " (give it once: a repeated key would silently replace the first)".to_owned()
    } else {
        String::new()
    };
    format!("{message}{hint}")
}

/// A problem at line `base + e.line() - 1` of the file, within `place`.
fn located(text: &str, part: &str, place: &str, e: &serde_json::Error) -> InputError {
    let line = line_of(text, part) + e.line().saturating_sub(1);
    InputError(format!("line {line}: {place}{}", explain(e)))
}

/// The name of a part, or its position.
fn name_of(raw: &RawValue, position: usize, what: &str) -> String {
    match serde_json::from_str::<Named>(raw.get()).ok().and_then(|n| n.id) {
        Some(serde_json::Value::String(s)) => format!("{what} {s:?}"),
        Some(other) => format!("{what} {other}"),
        None => format!("{what} {position}"),
    }
}

/// Reads case number `index` strictly but for its questions; a problem names the case (and
/// the composite) and the field.
fn read_case<'a>(text: &str, raw: &'a RawValue, index: usize) -> Result<Case<'a>, InputError> {
    let parts: CaseParts<'a> = serde_json::from_str(raw.get())
        .map_err(|e| located(text, raw.get(), &format!("{}: ", name_of(raw, index + 1, "case")), &e))?;
    let case = format!("case {:?}", parts.id);
    let composite_at = |c: &RawValue, i: usize| -> Result<CompositeInput, InputError> {
        serde_json::from_str(c.get())
            .map_err(|e| located(text, c.get(), &format!("{case}, {}: ", name_of(c, i + 1, "composite")), &e))
    };
    let composite = parts.composite.filter(|c| c.get() != "null").map(|c| composite_at(c, 0)).transpose()?;
    let composites = parts
        .composites
        .map(|list| list.iter().enumerate().map(|(i, c)| composite_at(c, i)).collect::<Result<Vec<_>, _>>())
        .transpose()?;
    let header = CaseInput {
        id: parts.id,
        description: parts.description,
        audience: parts.audience,
        settings: parts.settings,
        questions: Vec::new(),
        years: parts.years,
        composite,
        composites,
    };
    Ok(Case { header, questions: parts.questions })
}

/// Reads question number `index` of a case strictly; a problem names case, question and field.
fn read_question(text: &str, case: &str, raw: &RawValue, index: usize) -> Result<QuestionInput, InputError> {
    serde_json::from_str(raw.get())
        .map_err(|e| located(text, raw.get(), &format!("case {case:?}, {}: ", name_of(raw, index + 1, "question")), &e))
}

/// A case's results as `CaseResult` serializes them, field for field, with its questions
/// computed one at a time as they are written.
#[derive(Serialize)]
struct StreamedCase<'a> {
    id: &'a str,
    years: &'a [String],
    settings: &'a Settings,
    family_size: usize,
    questions: StreamedQuestions<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    composite: Option<CompositeResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    composites: Option<Vec<CompositeResult>>,
}

struct StreamedQuestions<'a> {
    text: &'a str,
    case: &'a CaseInput,
    raws: &'a [&'a RawValue],
    settings: &'a Settings,
    family: &'a Family,
}

impl Serialize for StreamedQuestions<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let mut seq = serializer.serialize_seq(Some(self.raws.len()))?;
        for (i, raw) in self.raws.iter().enumerate() {
            let q = read_question(self.text, &self.case.id, raw, i).map_err(S::Error::custom)?;
            let mut r = question_result(&q, &self.case.years, self.settings);
            self.family.conclude(i, &mut r, &self.case.years, self.settings);
            seq.serialize_element(&r)?;
        }
        seq.end()
    }
}

/// Compares every case of a counts file and writes the results to `out` as they are
/// computed. The whole file is checked first, so a refused file writes nothing.
pub fn compare_counts(bytes: &[u8], out: &mut impl Write) -> Result<(), CompareError> {
    compare_counts_inner(bytes, out).map_err(|e| match e {
        CompareError::Input(e) => CompareError::Input(one_line(e)),
        other => other,
    })
}

fn compare_counts_inner(bytes: &[u8], out: &mut impl Write) -> Result<(), CompareError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        InputError(format!(
            "this is not UTF-8 text (the first bad byte is byte {}): save it as UTF-8 and try again",
            e.valid_up_to() + 1
        ))
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let envelope: Envelope<'_> = serde_json::from_str(text).map_err(|e| located(text, text, "", &e))?;
    if let Some(v) = envelope.schema_version.filter(|v| *v != 1) {
        return Err(InputError(format!("schema_version is {v}; this version of Heard reads schema_version 1")).into());
    }
    let defaults = Settings::default().with(&envelope.defaults);
    // Everything is checked before anything is written, one question at a time.
    for (i, raw) in envelope.cases.iter().enumerate() {
        let case = read_case(text, raw, i)?;
        check_case(&case.header, &defaults)?;
        for (j, q) in case.questions.iter().enumerate() {
            check_question(&case.header.id, &read_question(text, &case.header.id, q, j)?, &case.header.years)?;
        }
    }

    let mut generator = std::collections::BTreeMap::new();
    generator.insert("heard".to_owned(), env!("CARGO_PKG_VERSION").to_owned());
    let head = ComparisonOutput { schema_version: 1, generator, z_crit_95: Z_95, cases: Vec::new() };
    let head = serde_json::to_string_pretty(&head).map_err(std::io::Error::other)?;
    let head = head.strip_suffix("[]\n}").ok_or_else(|| std::io::Error::other("unexpected JSON layout"))?;
    out.write_all(head.as_bytes())?;
    out.write_all(b"[")?;
    for (i, raw) in envelope.cases.iter().enumerate() {
        let case = read_case(text, raw, i)?;
        let s = check_case(&case.header, &defaults)?;
        let (years, alpha) = (&case.header.years, s.alpha);
        // The family needs every question's raw p-value before any verdict: a first pass
        // keeps only those, the second computes each question again and writes it.
        let mut raw_p = Vec::with_capacity(case.questions.len());
        for (j, q) in case.questions.iter().enumerate() {
            raw_p.push(question_result(&read_question(text, &case.header.id, q, j)?, years, &s).z_p);
        }
        let family = Family::of(raw_p);
        let result = StreamedCase {
            id: &case.header.id,
            years,
            settings: &s,
            family_size: family.size(),
            questions: StreamedQuestions {
                text,
                case: &case.header,
                raws: &case.questions,
                settings: &s,
                family: &family,
            },
            composite: case.header.composite.as_ref().map(|c| composite(c, years, alpha)),
            composites: case.header.composites.as_ref().map(|l| l.iter().map(|c| composite(c, years, alpha)).collect()),
        };
        out.write_all(if i == 0 { b"\n    " } else { b",\n    " })?;
        // A pretty formatter already two levels deep (inside the file's object and its
        // `cases` array), so each case is laid out exactly as in the whole file.
        let mut formatter = PrettyFormatter::with_indent(b"  ");
        formatter.begin_object(&mut std::io::sink())?;
        formatter.begin_array(&mut std::io::sink())?;
        let mut serializer = serde_json::Serializer::with_formatter(&mut *out, formatter);
        result.serialize(&mut serializer).map_err(std::io::Error::other)?;
    }
    out.write_all(if envelope.cases.is_empty() { b"]\n}\n" } else { b"\n  ]\n}\n" })?;
    out.flush()?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    const CASES: &str = include_str!("../../tests/data/stats/cases.json");

    fn run(input: &str) -> Result<String, String> {
        let mut out = Vec::new();
        compare_counts(input.as_bytes(), &mut out).map_err(|e| e.to_string())?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn streamed_output_is_the_whole_output_byte_for_byte() {
        let file: super::super::CasesFile = serde_json::from_str(CASES).unwrap();
        let whole = super::super::compare_file(&file).unwrap();
        let mut want = serde_json::to_string_pretty(&whole).unwrap();
        want.push('\n');
        assert_eq!(run(CASES).unwrap(), want);
        let empty = run(r#"{"cases": []}"#).unwrap();
        assert!(empty.ends_with("\"cases\": []\n}\n"), "{empty}");
        let parsed: serde_json::Value = serde_json::from_str(&empty).unwrap();
        assert_eq!(parsed["cases"], serde_json::json!([]));
    }

    #[test]
    fn a_byte_order_mark_is_accepted() {
        assert_eq!(run(&format!("\u{feff}{CASES}")).unwrap(), run(CASES).unwrap());
    }

    fn one_question(question: &str) -> String {
        format!(
            "{{\"cases\": [{{\"id\": \"c1\", \"years\": [\"2023\", \"2024\"],\n \"questions\": [\n{{\"id\": \"q0\", \"options\": [\"Yes\", \"No\"], \"positive\": [\"Yes\"], \"counts\": {{\"2023\": [1, 2], \"2024\": [3, 4]}}}},\n{question}]}}]}}"
        )
    }

    const GOOD: &str = r#"{"id": "q1", "options": ["Yes", "No", "Don't know"], "positive": ["Yes"], "excluded": ["Don't know"], "counts": {"2023": [30, 40, 300], "2024": [50, 30, 3]}}"#;

    #[test]
    fn every_refusal_is_one_line_naming_case_question_and_field() {
        assert!(run(&one_question(GOOD)).is_ok());
        let cases: Vec<(String, &str)> = vec![
            (GOOD.replace("\"excluded\"", "\"exluded\""), "line 4: case \"c1\", question \"q1\": unknown field `exluded`"),
            (GOOD.replace("\"positive\": [\"Yes\"], ", ""), "question \"q1\": missing field `positive` (list the options"),
            (GOOD.replace("\"2023\": [30, 40, 300], ", ""), "question \"q1\": there are no counts for 2023"),
            (
                GOOD.replace("\"positive\": [\"Yes\"]", "\"positive\": [\"Yes\"], \"positive\": [\"No\"]"),
                "question \"q1\": duplicate field `positive`",
            ),
            (GOOD.replace("\"2024\": [50", "\"2023\": [1, 1, 1], \"2024\": [50"), "counts for \"2023\" are given twice"),
            (GOOD.replace("[30, 40, 300]", "[1000000000, 40, 300]"), "the count for 2023, \"Yes\", is 1000000000, more than"),
            (
                GOOD.replace("[30, 40, 300]", "[18446744073709551615, 40, 300]"),
                "the count for 2023, \"Yes\", is 18446744073709551615",
            ),
            (
                GOOD.replace("[30, 40, 300]", "[9223372036854775808, 9223372036854775808, 5]"),
                "the count for 2023, \"Yes\", is 9223372036854775808",
            ),
            (GOOD.replace("[30, 40, 300]", "[60000000, 60000000, 0]"), "the total of the counts for 2023 is 120000000"),
            (GOOD.replace("[30, 40, 300]", "[30.5, 40, 300]"), "question \"q1\": 30.5 is not a count"),
            (GOOD.replace("[30, 40, 300]", "[-3, 40, 300]"), "-3 is not a count: a count cannot be negative"),
            (
                GOOD.replace("}}", "}, \"paired\": {\"pos_pos\": 1, \"pos_neg\": 1000000000000, \"neg_pos\": 1000000000000, \"neg_neg\": 1}}"),
                "question \"q1\": paired.pos_neg is 1000000000000, more than",
            ),
        ];
        for (question, want) in cases {
            let started = std::time::Instant::now();
            let err = run(&one_question(&question)).expect_err(want);
            assert!(err.contains(want), "want {want:?}\n got {err:?}");
            assert!(!err.contains('\n'), "one line: {err}");
            assert!(started.elapsed().as_millis() < 500, "{want}: {:?}", started.elapsed());
        }
    }

    #[test]
    fn composites_and_the_file_itself_are_checked() {
        let composite = |respondents: &str| {
            format!(
                "{{\"cases\": [{{\"id\": \"c1\", \"years\": [\"2023\", \"2024\"], \"questions\": [], \"composite\": {{\"id\": \"p1\", \"respondents\": {respondents}}}}}]}}"
            )
        };
        assert!(run(&composite(r#"{"2023": [[1, 2]], "2024": [[2, 2]]}"#)).is_ok());
        let err = run(&composite(r#"{"2023": [[5, 2]], "2024": [[2, 2]]}"#)).unwrap_err();
        assert!(
            err.contains(
                "case \"c1\", composite \"p1\": 2023, respondent 1 ([5, 2]) has 5 positive answers out of 2 valid"
            ),
            "{err}"
        );
        let err = run(&composite(r#"{"2023": [[1, 2]]}"#)).unwrap_err();
        assert!(err.contains("there are no respondents for 2024"), "{err}");
        let err = run(&composite(r#"{"2023": [[1, 2]], "2024": [], "2024": []}"#)).unwrap_err();
        assert!(err.contains("respondents for \"2024\" are given twice"), "{err}");
        let err = run(&composite(r#"{"2023": [[1, 2]], "2024": [[1, 2]]}, "lable": "x""#)).unwrap_err();
        assert!(
            err.contains("composite \"p1\": unknown field `lable`") && err.contains("did you mean `label`?"),
            "{err}"
        );
        let err = run(r#"{"case": []}"#).unwrap_err();
        assert!(err.contains("line 1: unknown field `case`") && err.contains("did you mean `cases`?"), "{err}");
        let err = run("{\"cases\": [], \"wib\\nble\": 1}").unwrap_err();
        assert!(err.contains("unknown field `wib\\nble`") && !err.contains('\n'), "{err}");
        let err = run(r#"{"cases": [], "cases": []}"#).unwrap_err();
        assert!(err.contains("duplicate field `cases`"), "{err}");
        let err = run(r#"{"defaults": {"alpha": 0.05, "alpha": 0.5}, "cases": []}"#).unwrap_err();
        assert!(err.contains("duplicate field `alpha`"), "{err}");
        let err = run("{ not json").unwrap_err();
        assert!(err.starts_with("line 1: "), "{err}");
        let mut out = Vec::new();
        let err = compare_counts(b"{\"cases\": [\xff]}", &mut out).unwrap_err().to_string();
        assert!(err.contains("not UTF-8 text"), "{err}");
        assert!(out.is_empty());
    }

    #[test]
    fn a_refused_file_writes_nothing() {
        let bad = CASES.replacen("\"excluded\"", "\"exluded\"", 1);
        let i = CASES.rfind("\"excluded\"").unwrap();
        let late = format!("{}\"exluded\"{}", &CASES[..i], &CASES[i + "\"excluded\"".len()..]);
        for input in [bad, late] {
            let mut out = Vec::new();
            assert!(compare_counts(input.as_bytes(), &mut out).is_err());
            assert!(out.is_empty(), "nothing written for a refused file");
        }
    }
}
