//! Bringing another tool's export into Heard's import format: which column of the uploaded
//! CSV holds what (a question's answer, one ticked answer of a multiple-choice question, the
//! audience, the channel, the day sent, consent, a member code, or nothing to keep), and
//! which of a column's values is which answer option. Pure; no database, no HTTP.
//!
//! [`guess`] proposes a mapping from the headings alone, knowing the layouts of the two
//! tools partnerships most often used before Heard:
//!
//! - **LimeSurvey** ("Export results", CSV, "Question code" headings, answer codes): `id`,
//!   `token`, `submitdate`, `lastpage`, `startlanguage`, `seed`, `startdate`, `datestamp`,
//!   `ipaddr`, `refurl`, then one column per question code, and one per sub-question of a
//!   multiple-choice question as `CODE[SQ001]` holding `Y` when ticked.
//! - **SmartSurvey** (CSV export): `UserID`, `Name`, `Email`, `IP Address`, `Unique ID`,
//!   `Started`, `Ended`, `Tracking Link`, `Custom Value`, then one column per question headed
//!   `Q1. The question's words`, answers as the words chosen; a multiple-choice question
//!   has one column per answer headed `Q3. Words: Answer`, holding the answer when ticked.
//!
//! Columns that name or contact a person (name, email, IP address) are never imported.
//! [`Mapping::apply`] writes the upload out in Heard's own import layout so the one importer
//! (`models::import`) checks every row, and keeps which original column each output column
//! came from so problems are reported against the heading the person sees.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::SurveyDefinition;
use super::survey::QuestionKind;

/// The columns Heard's import reads besides question keys.
pub const META: [(&str, &str); 5] = [
    ("audience", "Audience"),
    ("channel", "Channel"),
    ("submitted_on", "Day sent"),
    ("consent_to_quote", "Consent to quote"),
    ("member_code", "Member code (pseudonymous)"),
];

/// What one uploaded column holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t", content = "v")]
pub enum Target {
    /// Not imported.
    Ignore,
    /// One of [`META`].
    Meta(String),
    /// A question's whole answer.
    Question(String),
    /// One answer of a multiple-choice question: ticked when the cell is not empty (and not
    /// "N", "No", "0" or "Not selected").
    Ticked { key: String, option: String },
}

/// A whole mapping: a target per column (by position), and per column the option value each
/// raw value stands for (raw values not listed are passed through as they are).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    pub columns: Vec<Target>,
    pub values: BTreeMap<usize, BTreeMap<String, String>>,
}

/// Where an uploaded file came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Heard,
    LimeSurvey,
    SmartSurvey,
}

/// Headings that identify a person: never imported, whatever the mapping says.
pub fn identifies_someone(heading: &str) -> bool {
    let h = heading.trim().to_lowercase();
    matches!(
        h.as_str(),
        "name"
            | "email"
            | "e-mail"
            | "email address"
            | "ip address"
            | "ipaddr"
            | "ip"
            | "firstname"
            | "lastname"
            | "first name"
            | "last name"
            | "phone"
            | "telephone"
            | "token"
            | "refurl"
    )
}

/// Which tool a file's headings look like.
pub fn source_of(headings: &[String]) -> Source {
    let has = |h: &str| headings.iter().any(|x| x.trim().eq_ignore_ascii_case(h));
    if has("submitdate") && (has("lastpage") || has("startlanguage") || has("seed")) {
        Source::LimeSurvey
    } else if has("UserID") && (has("Ended") || has("Started")) {
        Source::SmartSurvey
    } else {
        Source::Heard
    }
}

fn normal(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).collect::<String>().to_lowercase()
}

/// The question whose key or words (in any audience) match `text`.
fn question_by(def: &SurveyDefinition, text: &str) -> Option<String> {
    let want = normal(text);
    if want.is_empty() {
        return None;
    }
    def.questions
        .iter()
        .find(|q| normal(q.key.as_str()) == want)
        .or_else(|| def.questions.iter().find(|q| q.wording.values().any(|w| normal(&w.title) == want)))
        .map(|q| q.key.to_string())
}

/// The option of `key` whose value or a label matches `text`.
pub fn option_by(def: &SurveyDefinition, key: &str, text: &str) -> Option<String> {
    let q = def.question(key)?;
    let want = normal(text);
    q.options
        .iter()
        .find(|o| normal(&o.value) == want || o.labels.values().any(|l| normal(l) == want))
        .map(|o| o.value.clone())
}

/// A mapping proposed from the headings.
pub fn guess(def: &SurveyDefinition, headings: &[String]) -> Mapping {
    let source = source_of(headings);
    let columns = headings
        .iter()
        .map(|h| {
            let t = h.trim();
            if identifies_someone(t) {
                return Target::Ignore;
            }
            if let Some((m, _)) = META.iter().find(|(m, _)| t.eq_ignore_ascii_case(m)) {
                return Target::Meta((*m).to_owned());
            }
            match source {
                Source::LimeSurvey => {
                    if t.eq_ignore_ascii_case("submitdate") {
                        return Target::Meta("submitted_on".into());
                    }
                    if let Some((code, rest)) = t.split_once('[') {
                        let sub = rest.trim_end_matches(']');
                        if let Some(key) = question_by(def, code)
                            && let Some(option) = option_by(def, &key, sub)
                        {
                            return Target::Ticked { key, option };
                        }
                        return Target::Ignore;
                    }
                    question_by(def, t).map_or(Target::Ignore, Target::Question)
                }
                Source::SmartSurvey => {
                    if t.eq_ignore_ascii_case("Ended") {
                        return Target::Meta("submitted_on".into());
                    }
                    // "Q3. Words" or "Q3. Words: Answer" (one column per ticked answer).
                    let words = t.split_once(". ").map_or(t, |(n, rest)| {
                        if n.trim_start_matches(['Q', 'q']).chars().all(|c| c.is_ascii_digit()) { rest } else { t }
                    });
                    if let Some(key) = question_by(def, words) {
                        return Target::Question(key);
                    }
                    if let Some((q, answer)) = words.rsplit_once(':')
                        && let Some(key) = question_by(def, q)
                        && let Some(option) = option_by(def, &key, answer)
                    {
                        return Target::Ticked { key, option };
                    }
                    Target::Ignore
                }
                Source::Heard => question_by(def, t).map_or(Target::Ignore, Target::Question),
            }
        })
        .collect();
    Mapping { columns, values: BTreeMap::new() }
}

/// A day in any of the layouts tools write, as `YYYY-MM-DD` (UK order for slashes).
pub fn day(text: &str) -> Option<String> {
    let t = text.trim();
    let date_part = t.split([' ', 'T']).next().unwrap_or(t);
    for f in ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%Y/%m/%d"] {
        if let Ok(d) = chrono::NaiveDate::parse_from_str(date_part, f) {
            return Some(d.format("%Y-%m-%d").to_string());
        }
    }
    None
}

fn ticked(cell: &str) -> bool {
    let c = cell.trim().to_lowercase();
    !(c.is_empty() || matches!(c.as_str(), "n" | "no" | "0" | "not selected" | "false"))
}

/// The uploaded file in Heard's import layout.
#[derive(Debug, Clone)]
pub struct Converted {
    /// The CSV Heard's importer reads.
    pub csv: Vec<u8>,
    /// Per output column, the headings of the uploaded columns it came from.
    pub sources: BTreeMap<String, Vec<String>>,
}

impl Mapping {
    /// Whether this mapping fits a file with `n` columns.
    pub fn fits(&self, n: usize) -> bool {
        self.columns.len() == n
    }

    /// Rewrites `rows` (without the heading row) under this mapping: one column per meta
    /// field or question key mapped, values mapped to option values, ticked columns joined
    /// into one multiple-choice answer, days written as `YYYY-MM-DD` (left as they were
    /// when unreadable, so the importer names them).
    pub fn apply(
        &self,
        def: &SurveyDefinition,
        headings: &[String],
        rows: &[Vec<String>],
    ) -> Result<Converted, csv::Error> {
        let mut out_cols: Vec<String> = Vec::new();
        let mut sources: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (i, t) in self.columns.iter().enumerate() {
            let name = match t {
                Target::Ignore => continue,
                Target::Meta(m) => m.clone(),
                Target::Question(k) | Target::Ticked { key: k, .. } => k.clone(),
            };
            if identifies_someone(headings.get(i).map_or("", String::as_str)) {
                continue;
            }
            if !out_cols.contains(&name) {
                out_cols.push(name.clone());
            }
            sources.entry(name).or_default().push(headings.get(i).cloned().unwrap_or_default());
        }
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&out_cols)?;
        for row in rows {
            let mut cells: BTreeMap<&str, Vec<String>> = BTreeMap::new();
            for (i, t) in self.columns.iter().enumerate() {
                let raw = row.get(i).map_or("", String::as_str).trim();
                if identifies_someone(headings.get(i).map_or("", String::as_str)) {
                    continue;
                }
                let mapped =
                    |raw: &str| self.values.get(&i).and_then(|m| m.get(raw)).cloned().unwrap_or_else(|| raw.to_owned());
                match t {
                    Target::Ignore => {}
                    Target::Meta(m) if m == "submitted_on" => {
                        cells.entry(m).or_default().push(day(raw).unwrap_or_else(|| raw.to_owned()));
                    }
                    Target::Meta(m) => cells.entry(m).or_default().push(mapped(raw)),
                    Target::Question(k) => {
                        let multi = def.question(k).is_some_and(|q| q.kind == QuestionKind::MultipleChoice);
                        if multi {
                            for part in raw.split(['|', ';']).map(str::trim).filter(|p| !p.is_empty()) {
                                cells.entry(k).or_default().push(mapped(part));
                            }
                        } else if !raw.is_empty() {
                            cells.entry(k).or_default().push(mapped(raw));
                        }
                    }
                    Target::Ticked { key, option } => {
                        if ticked(raw) {
                            cells.entry(key).or_default().push(option.clone());
                        }
                    }
                }
            }
            let record: Vec<String> =
                out_cols.iter().map(|c| cells.get(c.as_str()).map(|v| v.join(";")).unwrap_or_default()).collect();
            w.write_record(&record)?;
        }
        let csv = w.into_inner().map_err(|e| csv::Error::from(e.into_error()))?;
        Ok(Converted { csv, sources })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn def() -> SurveyDefinition {
        let source = crate::demo::survey_source("w-2023", "2023", "open", "2023-01-01T00:00:00Z");
        SurveyDefinition::parse("demo.toml", &source, 2000).unwrap()
    }

    #[test]
    fn limesurvey_headings_are_recognised() {
        let d = def();
        let h: Vec<String> = ["id", "submitdate", "lastpage", "startlanguage", "seed", "ipaddr", "listened-to"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        assert_eq!(source_of(&h), Source::LimeSurvey);
        let m = guess(&d, &h);
        assert_eq!(m.columns[1], Target::Meta("submitted_on".into()));
        assert_eq!(m.columns[5], Target::Ignore, "an IP address is never imported");
        assert_eq!(m.columns[6], Target::Question("listened-to".into()));
        let rows = vec![
            vec!["1", "2023-10-05 14:33:21", "3", "en", "1", "10.0.0.1", "Y"]
                .into_iter()
                .map(str::to_owned)
                .collect::<Vec<_>>(),
        ];
        let mut m = m;
        m.values.insert(6, BTreeMap::from([("Y".to_owned(), "yes".to_owned())]));
        let out = m.apply(&d, &h, &rows).unwrap();
        let text = String::from_utf8(out.csv).unwrap();
        assert_eq!(text, "submitted_on,listened-to\n2023-10-05,yes\n");
        assert!(!text.contains("10.0.0.1"));
    }

    #[test]
    fn smartsurvey_words_and_ticked_answers_are_recognised() {
        let d = def();
        let q = d.questions.iter().find(|q| q.kind == QuestionKind::YesSometimesNo).unwrap();
        let title = q.wording.values().next().unwrap().title.clone();
        let h: Vec<String> =
            vec!["UserID".into(), "Name".into(), "Email".into(), "Ended".into(), format!("Q1. {title}")];
        assert_eq!(source_of(&h), Source::SmartSurvey);
        let m = guess(&d, &h);
        assert_eq!(m.columns[1], Target::Ignore);
        assert_eq!(m.columns[3], Target::Meta("submitted_on".into()));
        assert_eq!(m.columns[4], Target::Question(q.key.to_string()));
        assert_eq!(day("05/10/2023 14:33"), Some("2023-10-05".into()));
        assert_eq!(option_by(&d, q.key.as_str(), "Sometimes"), Some("sometimes".into()));
    }
}
