//! Importing past waves so comparison works from the first year with Heard:
//! `import-responses` (one row per respondent, one column per question key) and
//! `import-counts` (counts per option, when only a published table survives).
//!
//! Both are all or nothing: every row is checked first, and one bad row rejects the whole
//! file with its row, column and reason; only a clean file is written, in one transaction.
//! Numbers are held to the comparison method's bound where they enter (METHOD.md): a count is
//! at most [`MAX_COUNT`], and so are a question's counts added up over the wave and a wave's
//! responses, so nothing imported can later make a report refuse or wrap. A UTF-8 byte-order
//! mark at the start of a file is accepted.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use super::{StoreError, StoreResult};
use crate::db::schema::{imported_counts, responses};
use crate::db::{DbConnection, ResponseId, WaveId, now};
use crate::domain::survey::QuestionKind;
use crate::domain::{AnswerValue, Answers, SurveyDefinition};
use crate::stats::MAX_COUNT;

/// One reason a file was rejected.
#[derive(Debug, Clone, Serialize)]
pub struct RowProblem {
    pub row: u64,
    pub column: String,
    pub reason: String,
}

/// Why an import was refused: every problem found (up to a limit), nothing stored.
#[derive(Debug, Clone, thiserror::Error)]
pub struct ImportRejected {
    pub file: String,
    pub problems: Vec<RowProblem>,
}

impl std::fmt::Display for ImportRejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} was not imported: nothing has been stored. Fix these and import the whole file again:",
            self.file
        )?;
        for p in &self.problems {
            writeln!(f, "  row {}, column {:?}: {}", p.row, p.column, p.reason)?;
        }
        Ok(())
    }
}

const MAX_PROBLEMS: usize = 50;

struct Collector {
    file: String,
    problems: Vec<RowProblem>,
}

impl Collector {
    fn add(&mut self, row: u64, column: &str, reason: impl Into<String>) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(RowProblem { row, column: column.to_owned(), reason: reason.into() });
        }
    }

    fn finish(&mut self) -> Result<(), StoreError> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            let problems = std::mem::take(&mut self.problems);
            Err(StoreError::Rejected(ImportRejected { file: self.file.clone(), problems }))
        }
    }
}

fn reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    csv::ReaderBuilder::new().flexible(false).trim(csv::Trim::All).from_reader(bytes)
}

fn wave_and_definition(
    conn: &mut DbConnection,
    slug: &str,
    max_text: usize,
) -> StoreResult<(WaveId, std::sync::Arc<SurveyDefinition>)> {
    let wave = super::survey::find(conn, slug, max_text)?.ok_or_else(|| {
        StoreError::NotFound(format!("the wave {slug:?} (import its survey definition first with heard import)"))
    })?;
    Ok((wave.row.id, wave.definition))
}

/// A member code as stored: a hash of its normalised form, so codes can be matched across
/// years without being kept.
pub fn member_hash(code: &str) -> String {
    let normal: String = code.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_lowercase();
    crate::domain::codes::hash_token(&format!("member:{normal}"))
}

/// Work done inside an import's transaction (its audit row), or `None` for a dry run.
pub type Also<'a> = &'a dyn Fn(&mut DbConnection) -> StoreResult<()>;

/// What an import stored.
#[derive(Debug, Clone, Serialize)]
pub struct Imported {
    pub rows: usize,
    pub answers: usize,
}

/// `import-responses`: columns are `audience` (needed when the survey has several),
/// optional `channel`, `submitted_on` (YYYY-MM-DD) and `consent_to_quote` (yes/no), and one
/// column per question key. Multiple-choice cells list values separated by `;`.
pub fn import_responses(
    conn: &mut DbConnection,
    file: &str,
    wave_slug: &str,
    bytes: &[u8],
    max_text: usize,
) -> StoreResult<Imported> {
    responses_file(conn, file, wave_slug, bytes, max_text, Some(&|_| Ok(())))
}

/// [`import_responses`] with `also` run inside its transaction (the audit row of a browser
/// import), so both are stored or neither.
pub fn import_responses_with(
    conn: &mut DbConnection,
    file: &str,
    wave_slug: &str,
    bytes: &[u8],
    max_text: usize,
    also: Also<'_>,
) -> StoreResult<Imported> {
    responses_file(conn, file, wave_slug, bytes, max_text, Some(also))
}

/// What [`import_responses`] would store, checked the same way; nothing is written.
pub fn check_responses(
    conn: &mut DbConnection,
    file: &str,
    wave_slug: &str,
    bytes: &[u8],
    max_text: usize,
) -> StoreResult<Imported> {
    responses_file(conn, file, wave_slug, bytes, max_text, None)
}

fn responses_file(
    conn: &mut DbConnection,
    file: &str,
    wave_slug: &str,
    bytes: &[u8],
    max_text: usize,
    store: Option<Also<'_>>,
) -> StoreResult<Imported> {
    struct Row {
        member: Option<String>,
        audience: String,
        channel: String,
        submitted: chrono::NaiveDateTime,
        consent: bool,
        answers: Answers,
    }
    const META: [&str; 5] = ["audience", "channel", "submitted_on", "consent_to_quote", "member_code"];
    let (wave_id, def) = wave_and_definition(conn, wave_slug, max_text)?;
    let mut c = Collector { file: file.to_owned(), problems: Vec::new() };
    let mut rdr = reader(bytes);
    let headers: Vec<String> = match rdr.headers() {
        Ok(h) => h.iter().map(str::to_owned).collect(),
        Err(e) => return Err(StoreError::Conflict(format!("{file}: the first row must be column names: {e}"))),
    };
    let mut seen = HashSet::new();
    for h in &headers {
        if !seen.insert(h.clone()) {
            c.add(1, h, "this column appears twice");
        } else if !META.contains(&h.as_str()) && def.question(h).is_none() {
            let keys: Vec<&str> = def.questions.iter().map(|q| q.key.as_str()).collect();
            c.add(
                1,
                h,
                format!(
                    "not a question key of {wave_slug} (its keys are {}) nor one of {}",
                    keys.join(", "),
                    META.join(", ")
                ),
            );
        }
    }
    if def.audiences.len() > 1 && !headers.iter().any(|h| h == "audience") {
        c.add(1, "audience", "this survey has several audiences, so add an audience column");
    }
    if !c.problems.is_empty() {
        c.finish()?;
    }
    let default_day = def.wave.opens.unwrap_or_else(now);
    let already = super::response::count_for_wave(conn, &wave_id)?;
    let room = MAX_COUNT.saturating_sub(u64::try_from(already).unwrap_or(0));
    let mut rows = Vec::new();
    for (i, record) in rdr.records().enumerate() {
        let row = i as u64 + 2;
        if row - 1 > room {
            c.add(
                row,
                "",
                format!(
                    "a wave holds at most {MAX_COUNT} responses ({already} are stored already), so this file has too many rows: check it is the right file"
                ),
            );
            break;
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                c.add(row, "", format!("this row cannot be read: {e}"));
                continue;
            }
        };
        let cell = |name: &str| headers.iter().position(|h| h == name).and_then(|i| record.get(i)).unwrap_or("");
        let audience = if def.audiences.len() == 1 && cell("audience").is_empty() {
            def.audiences[0].key.to_string()
        } else {
            cell("audience").to_owned()
        };
        if def.audience(&audience).is_none() {
            let known: Vec<&str> = def.audiences.iter().map(|a| a.key.as_str()).collect();
            c.add(row, "audience", format!("{audience:?} is not an audience of this survey ({})", known.join(", ")));
            continue;
        }
        let channel = match cell("channel") {
            "" => "import".to_owned(),
            ch if crate::domain::filter::CHANNELS.iter().any(|(k, _)| *k == ch) => ch.to_owned(),
            other => {
                let known: Vec<&str> = crate::domain::filter::CHANNELS.iter().map(|(k, _)| *k).collect();
                c.add(row, "channel", format!("{other:?} is not a channel: use one of {}", known.join(", ")));
                continue;
            }
        };
        let submitted = match cell("submitted_on") {
            "" => default_day,
            d => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                Ok(day) => day.and_hms_opt(12, 0, 0).unwrap_or(default_day),
                Err(_) => {
                    c.add(row, "submitted_on", format!("{d:?} is not a date: write it like 2023-10-31"));
                    continue;
                }
            },
        };
        let consent = match cell("consent_to_quote").to_ascii_lowercase().as_str() {
            "" | "no" | "n" | "false" | "0" => false,
            "yes" | "y" | "true" | "1" => true,
            other => {
                c.add(row, "consent_to_quote", format!("{other:?}: use yes or no"));
                continue;
            }
        };
        let member = match cell("member_code").trim() {
            "" => None,
            code if code.len() <= 40 && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => {
                Some(member_hash(code))
            }
            _ => {
                c.add(
                    row,
                    "member_code",
                    "use up to 40 letters, digits or hyphens (a pseudonymous code, never a name)",
                );
                continue;
            }
        };
        let mut answers = BTreeMap::new();
        for (col, value) in headers.iter().zip(record.iter()) {
            let Some(q) = def.question(col) else { continue };
            if value.is_empty() {
                continue;
            }
            if !q.is_for(&audience) {
                c.add(row, col, format!("this question is not asked of {audience}"));
                continue;
            }
            let parts: Vec<&str> = if q.kind == QuestionKind::MultipleChoice {
                value.split(';').map(str::trim).collect()
            } else {
                vec![value]
            };
            let mut optional = q.clone();
            optional.required = false;
            match AnswerValue::from_form(&optional, &parts) {
                Ok(Some(v)) => {
                    answers.insert(col.clone(), v);
                }
                Ok(None) => {}
                Err(e) => {
                    let known: Vec<&str> = q.options.iter().map(|o| o.value.as_str()).collect();
                    let hint = if q.kind.has_options() {
                        format!(" (its values are {})", known.join(", "))
                    } else {
                        String::new()
                    };
                    c.add(row, col, format!("{value:?}: {e}{hint}"));
                }
            }
        }
        rows.push(Row { member, audience, channel, submitted, consent, answers });
    }
    if rows.is_empty() && c.problems.is_empty() {
        c.add(2, "", "the file has no rows of answers");
    }
    c.finish()?;
    let answers_total: usize = rows.iter().map(|r| r.answers.len()).sum();
    let count = rows.len();
    let Some(also) = store else {
        return Ok(Imported { rows: count, answers: answers_total });
    };
    conn.write(|tx| -> StoreResult<()> {
        for r in &rows {
            let id = ResponseId::random();
            diesel::insert_into(responses::table)
                .values((
                    responses::id.eq(&id),
                    responses::wave_id.eq(&wave_id),
                    responses::audience.eq(&r.audience),
                    responses::channel.eq(&r.channel),
                    responses::started_at.eq(r.submitted),
                    responses::submitted_at.eq(r.submitted),
                    responses::consent_to_quote.eq(r.consent),
                    responses::receipt_hash.eq(None::<String>),
                    responses::member_hash.eq(&r.member),
                ))
                .execute(tx)?;
            super::draft::insert_answers(tx, &id, &r.answers)?;
        }
        super::aggregates::rebuild(tx, &wave_id)?;
        also(tx)
    })?;
    Ok(Imported { rows: count, answers: answers_total })
}

/// `import-counts`: columns `audience,question,option,count` (audience may be left out when
/// the survey has one). Only single-answer choice questions can be counted this way.
pub fn import_counts(
    conn: &mut DbConnection,
    file: &str,
    wave_slug: &str,
    bytes: &[u8],
    replace: bool,
    max_text: usize,
) -> StoreResult<Imported> {
    counts_file(conn, file, wave_slug, bytes, replace, max_text, Some(&|_| Ok(())))
}

/// [`import_counts`] with `also` run inside its transaction.
pub fn import_counts_with(
    conn: &mut DbConnection,
    file: &str,
    wave_slug: &str,
    bytes: &[u8],
    replace: bool,
    max_text: usize,
    also: Also<'_>,
) -> StoreResult<Imported> {
    counts_file(conn, file, wave_slug, bytes, replace, max_text, Some(also))
}

/// What [`import_counts`] would store, checked the same way; nothing is written.
pub fn check_counts(
    conn: &mut DbConnection,
    file: &str,
    wave_slug: &str,
    bytes: &[u8],
    replace: bool,
    max_text: usize,
) -> StoreResult<Imported> {
    counts_file(conn, file, wave_slug, bytes, replace, max_text, None)
}

fn counts_file(
    conn: &mut DbConnection,
    file: &str,
    wave_slug: &str,
    bytes: &[u8],
    replace: bool,
    max_text: usize,
    store: Option<Also<'_>>,
) -> StoreResult<Imported> {
    let (wave_id, def) = wave_and_definition(conn, wave_slug, max_text)?;
    let mut c = Collector { file: file.to_owned(), problems: Vec::new() };
    let mut rdr = reader(bytes);
    let headers: Vec<String> = rdr.headers().map(|h| h.iter().map(str::to_owned).collect()).unwrap_or_default();
    for needed in ["question", "option", "count"] {
        if !headers.iter().any(|h| h == needed) {
            c.add(1, needed, "this column is missing: the columns are audience, question, option, count");
        }
    }
    for h in &headers {
        if !["audience", "question", "option", "count"].contains(&h.as_str()) {
            c.add(1, h, "not a column of a counts file: the columns are audience, question, option, count");
        }
    }
    if !c.problems.is_empty() {
        c.finish()?;
    }
    let mut rows: Vec<(String, String, String, i64)> = Vec::new();
    let mut seen = HashSet::new();
    // Answers per question over the whole wave (every audience), which reports add up.
    let mut totals: BTreeMap<String, i64> = BTreeMap::new();
    for (i, record) in rdr.records().enumerate() {
        let row = i as u64 + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                c.add(row, "", format!("this row cannot be read: {e}"));
                continue;
            }
        };
        let cell = |name: &str| headers.iter().position(|h| h == name).and_then(|i| record.get(i)).unwrap_or("");
        let audience = if cell("audience").is_empty() && def.audiences.len() == 1 {
            def.audiences[0].key.to_string()
        } else {
            cell("audience").to_owned()
        };
        if def.audience(&audience).is_none() {
            let known: Vec<&str> = def.audiences.iter().map(|a| a.key.as_str()).collect();
            c.add(row, "audience", format!("{audience:?} is not an audience of this survey ({})", known.join(", ")));
            continue;
        }
        let key = cell("question");
        let Some(q) = def.question(key) else {
            c.add(row, "question", format!("{key:?} is not a question key of {wave_slug}"));
            continue;
        };
        if !matches!(q.kind, QuestionKind::SingleChoice | QuestionKind::FaceScale | QuestionKind::YesSometimesNo) {
            c.add(
                row,
                "question",
                format!(
                    "{key:?} is a {} question: only single-answer choice questions can be imported as counts",
                    q.kind.as_str()
                ),
            );
            continue;
        }
        let option = cell("option");
        if q.option(option).is_none() {
            let known: Vec<&str> = q.options.iter().map(|o| o.value.as_str()).collect();
            c.add(
                row,
                "option",
                format!("{option:?} is not an answer to {key:?} (its values are {})", known.join(", ")),
            );
            continue;
        }
        let written = cell("count").replace(',', "");
        let count = match written.parse::<i64>() {
            Ok(n) if (0..=MAX_COUNT as i64).contains(&n) => n,
            _ if !written.is_empty() && written.bytes().all(|b| b.is_ascii_digit()) => {
                c.add(
                    row,
                    "count",
                    format!(
                        "{:?} is more than {MAX_COUNT} answers: check for a typing mistake (no survey of people has that many)",
                        cell("count")
                    ),
                );
                continue;
            }
            _ => {
                c.add(row, "count", format!("{:?} is not a whole number of answers (0 or more)", cell("count")));
                continue;
            }
        };
        if !seen.insert((audience.clone(), key.to_owned(), option.to_owned())) {
            c.add(row, "option", format!("{audience}, {key}, {option} is listed twice"));
            continue;
        }
        let total = totals.entry(key.to_owned()).or_insert(0i64);
        *total = total.saturating_add(count);
        if *total > MAX_COUNT as i64 {
            c.add(
                row,
                "count",
                format!(
                    "the counts for {key:?} add up to more than {MAX_COUNT} answers in this wave by this row: check for a typing mistake"
                ),
            );
            continue;
        }
        rows.push((audience, key.to_owned(), option.to_owned(), count));
    }
    if rows.is_empty() && c.problems.is_empty() {
        c.add(2, "", "the file has no rows of counts");
    }
    c.finish()?;
    let stamp = now();
    let total = rows.len();
    let Some(also) = store else {
        let existing: i64 =
            imported_counts::table.filter(imported_counts::wave_id.eq(&wave_id)).count().get_result(conn)?;
        if existing > 0 && !replace {
            return Err(StoreError::Conflict(
                "this wave already has published counts: choose to replace them, or leave this file".into(),
            ));
        }
        let answers = rows.iter().map(|r| usize::try_from(r.3).unwrap_or(0)).sum();
        return Ok(Imported { rows: total, answers });
    };
    conn.write(|tx| -> StoreResult<()> {
        let existing: i64 = imported_counts::table.filter(imported_counts::wave_id.eq(&wave_id)).count().get_result(tx)?;
        if existing > 0 && !replace {
            return Err(StoreError::Conflict(format!(
                "{file}: {wave_slug} already has imported counts. Nothing was changed. To replace them with this file, add --replace."
            )));
        }
        diesel::delete(imported_counts::table.filter(imported_counts::wave_id.eq(&wave_id))).execute(tx)?;
        for (audience, key, option, n) in &rows {
            diesel::insert_into(imported_counts::table)
                .values((
                    imported_counts::wave_id.eq(&wave_id),
                    imported_counts::audience.eq(audience),
                    imported_counts::question_key.eq(key),
                    imported_counts::option_value.eq(option),
                    imported_counts::answers.eq(n),
                    imported_counts::imported_at.eq(stamp),
                ))
                .execute(tx)?;
        }
        also(tx)
    })?;
    let answers = rows.iter().fold(0usize, |sum, r| sum.saturating_add(usize::try_from(r.3).unwrap_or(0)));
    Ok(Imported { rows: total, answers })
}
