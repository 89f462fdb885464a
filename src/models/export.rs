//! `heard export responses` and the browser's download: one record per response with its answers by question key, its
//! audience and channel, and the day it was sent (never the exact time, never anything that
//! could single a respondent out).

use std::collections::{BTreeMap, HashMap, HashSet};

use diesel::prelude::*;
use serde::Serialize;

use super::StoreResult;
use crate::db::schema::{answers, responses};
use crate::db::{DbConnection, WaveId};
use crate::domain::SurveyDefinition;
use crate::domain::filter::Filter;
use chrono::NaiveDateTime;

/// One exported answer value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ExportValue {
    One(String),
    Many(Vec<String>),
    Number(f64),
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportRecord {
    pub wave: String,
    pub audience: String,
    pub channel: String,
    pub submitted_on: String,
    pub consent_to_quote: bool,
    pub answers: BTreeMap<String, ExportValue>,
}

/// Responses read per batch by a download: a few megabytes of records (a download holds
/// up to three batches: one read, one waiting, one written), and few enough queries that
/// planning them costs little beside reading (at 1,000, PostgreSQL spent a quarter of a
/// 500,000-response download planning).
pub const BATCH: i64 = 2_000;

/// Reads every response of a wave, oldest first.
pub fn responses_for_wave(
    conn: &mut DbConnection,
    wave_id: &WaveId,
    wave_slug: &str,
    def: &SurveyDefinition,
) -> StoreResult<Vec<ExportRecord>> {
    let mut out = Vec::new();
    let all = Filter::default();
    let reading = Reading { wave_id, wave_slug, def, filter: &all, words: true, batch: BATCH };
    each_response(conn, &reading, |batch| {
        out.extend(batch);
        true
    })?;
    Ok(out)
}

/// How many of a wave's responses `filter` picks.
pub fn count_responses(conn: &mut DbConnection, wave_id: &WaveId, filter: &Filter) -> StoreResult<u64> {
    let n: i64 = picked(wave_id, filter, None).count().get_result(conn)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

type Picked<'a> = responses::BoxedQuery<'a, crate::db::MultiBackend>;

/// The responses `filter` picks, sent up to `cutoff`.
fn picked<'a>(wave_id: &'a WaveId, filter: &'a Filter, cutoff: Option<NaiveDateTime>) -> Picked<'a> {
    let mut q = responses::table.filter(responses::wave_id.eq(wave_id)).into_boxed();
    if let Some(a) = &filter.audience {
        q = q.filter(responses::audience.eq(a));
    }
    if let Some(c) = &filter.channel {
        q = q.filter(responses::channel.eq(c));
    }
    if let Some(d) = filter.from.and_then(|d| d.and_hms_opt(0, 0, 0)) {
        q = q.filter(responses::submitted_at.ge(d));
    }
    if let Some(d) = filter.to.and_then(|d| d.succ_opt()).and_then(|d| d.and_hms_opt(0, 0, 0)) {
        q = q.filter(responses::submitted_at.lt(d));
    }
    if let Some(c) = cutoff {
        q = q.filter(responses::submitted_at.le(c));
    }
    if let Some((key, value)) = &filter.answer {
        q = q.filter(
            responses::id.eq_any(
                answers::table
                    .filter(answers::question_key.eq(key))
                    .filter(answers::option_value.eq(value))
                    .select(answers::response_id),
            ),
        );
    }
    q
}

/// What a download reads: the responses of a wave that `filter` picks, `batch` at a time,
/// with their written answers when `words` (for roles that may read them).
#[derive(Clone, Copy)]
pub struct Reading<'a> {
    pub wave_id: &'a WaveId,
    pub wave_slug: &'a str,
    pub def: &'a SurveyDefinition,
    pub filter: &'a Filter,
    pub words: bool,
    pub batch: i64,
}

/// Reads the responses `filter` picks, oldest first, `batch` at a time, handing each batch
/// to `f` (which returns `false` to stop). Options and numbers come from each response's
/// answer sheet (`sheets`), so a batch is one read of `responses`; written answers are read
/// from `answers` only when `words` (for the survey's questions that take words). Memory
/// stays at one batch whatever the wave's size; responses sent after the read began are left
/// for the next download. Returns how many were read.
pub fn each_response(
    conn: &mut DbConnection,
    reading: &Reading<'_>,
    mut f: impl FnMut(Vec<ExportRecord>) -> bool,
) -> StoreResult<u64> {
    type Row = (String, String, String, NaiveDateTime, bool, String);
    let Reading { wave_id, wave_slug, def, filter, words, batch } = *reading;
    let cutoff = crate::db::now();
    let multi: HashSet<&str> = def
        .questions
        .iter()
        .filter(|q| q.kind == crate::domain::QuestionKind::MultipleChoice)
        .map(|q| q.key.as_str())
        .collect();
    let text_keys: Vec<&str> = if words {
        def.questions.iter().filter(|q| q.kind.is_text()).map(|q| q.key.as_str()).collect()
    } else {
        vec![]
    };
    let mut after: Option<(NaiveDateTime, String)> = None;
    let mut read = 0u64;
    loop {
        let mut q = picked(wave_id, filter, Some(cutoff));
        if let Some((at, id)) = &after {
            // The first condition alone is a range on the (wave, day sent, id) index; the
            // second then only looks within it (an OR on its own makes engines scan the wave
            // for every batch).
            q = q
                .filter(responses::submitted_at.ge(*at))
                .filter(responses::submitted_at.gt(*at).or(responses::id.gt(id.clone())));
        }
        let rows: Vec<Row> = q
            .order((responses::submitted_at.asc(), responses::id.asc()))
            .select((
                responses::id,
                responses::audience,
                responses::channel,
                responses::submitted_at,
                responses::consent_to_quote,
                responses::answer_sheet,
            ))
            .limit(batch)
            .load(conn)?;
        let Some(last) = rows.last() else { break };
        after = Some((last.3, last.0.clone()));
        let mut written: HashMap<String, Vec<(String, String)>> = HashMap::new();
        if !text_keys.is_empty() {
            let ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
            let given: Vec<(String, String, String)> = answers::table
                .filter(answers::response_id.eq_any(&ids))
                .filter(answers::question_key.eq_any(&text_keys))
                .filter(answers::option_value.is_null())
                .filter(answers::number_value.is_null())
                .filter(answers::text_value.is_not_null())
                .select((answers::response_id, answers::question_key, answers::text_value.assume_not_null()))
                .load(conn)?;
            for (rid, key, text) in given {
                written.entry(rid).or_default().push((key, text));
            }
        }
        let full = rows.len() as i64 == batch;
        read += rows.len() as u64;
        let mut records = Vec::with_capacity(rows.len());
        let mut day: Option<(chrono::NaiveDate, String)> = None;
        for (id, audience, channel, submitted, consent, sheet) in rows {
            // Responses come in the order sent: one day's date is written once.
            let submitted_on = match &day {
                Some((d, text)) if *d == submitted.date() => text.clone(),
                _ => {
                    let text = submitted.date().format("%Y-%m-%d").to_string();
                    day = Some((submitted.date(), text.clone()));
                    text
                }
            };
            let mut answers = super::sheets::read(&sheet, |k| multi.contains(k))
                .map_err(|e| super::StoreError::Corrupt(format!("response {id}'s answer sheet: {e}")))?;
            for (key, text) in written.remove(&id).unwrap_or_default() {
                answers.insert(key, ExportValue::One(text));
            }
            records.push(ExportRecord {
                wave: wave_slug.to_owned(),
                audience,
                channel,
                submitted_on,
                consent_to_quote: consent,
                answers,
            });
        }
        if !f(records) || !full {
            break;
        }
    }
    Ok(read)
}

/// `each_response` with `f` on a second thread: the next batch is read (and, on PostgreSQL,
/// the server works on it) while `f` writes the last, so a download takes about the longer
/// of the two instead of their sum. One batch waits between them at most, so memory stays
/// at three batches (one read, one waiting, one written). When `f` returns `false` the
/// reading stops at the next batch.
pub fn each_response_overlapped(
    conn: &mut DbConnection,
    reading: &Reading<'_>,
    mut f: impl FnMut(Vec<ExportRecord>) -> bool + Send,
) -> StoreResult<u64> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<ExportRecord>>(1);
    std::thread::scope(|s| {
        s.spawn(move || {
            for records in rx {
                if !f(records) {
                    // Dropping the receiver tells the reader to stop.
                    break;
                }
            }
        });
        let read = each_response(conn, reading, |records| tx.send(records).is_ok());
        drop(tx);
        read
    })
}

/// A cell that a spreadsheet would run as a formula is made inert with a leading quote;
/// any other cell is given back as it is, without a copy.
pub fn neutralise_cell(value: &str) -> std::borrow::Cow<'_, str> {
    match value.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => std::borrow::Cow::Owned(format!("'{value}")),
        _ => std::borrow::Cow::Borrowed(value),
    }
}

/// For every question key asked in a series, the labels of the waves that asked it (oldest
/// first), for the data dictionary.
pub fn waves_asking(
    conn: &mut DbConnection,
    series_slug: &str,
    max_text: usize,
) -> StoreResult<BTreeMap<String, Vec<String>>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let Some(series) = super::survey::series_waves(conn, series_slug)? else { return Ok(out) };
    for w in &series.waves {
        let wave = super::survey::get(conn, &w.slug, max_text)?;
        for q in &wave.definition.questions {
            out.entry(q.key.to_string()).or_default().push(w.label.clone());
        }
    }
    Ok(out)
}
