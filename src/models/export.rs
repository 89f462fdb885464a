//! `heard export responses`: one record per response with its answers by question key, its
//! audience and channel, and the day it was sent (never the exact time, never anything that
//! could single a respondent out).

use std::collections::BTreeMap;

use diesel::prelude::*;
use serde::Serialize;

use super::{StoreError, StoreResult};
use crate::db::schema::{answers, responses};
use crate::db::{DbConnection, WaveId};
use crate::domain::SurveyDefinition;

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

/// Reads every response of a wave, oldest first.
pub fn responses_for_wave(
    conn: &mut DbConnection,
    wave_id: &WaveId,
    wave_slug: &str,
    def: &SurveyDefinition,
) -> StoreResult<Vec<ExportRecord>> {
    type AnswerRow = (String, String, i32, Option<String>, Option<String>, Option<f64>);
    type Row = (String, String, String, chrono::NaiveDateTime, bool);
    let rows: Vec<Row> = responses::table
        .filter(responses::wave_id.eq(wave_id))
        .order((responses::submitted_at.asc(), responses::id.asc()))
        .select((
            responses::id,
            responses::audience,
            responses::channel,
            responses::submitted_at,
            responses::consent_to_quote,
        ))
        .load(conn)?;
    let given: Vec<AnswerRow> = answers::table
        .inner_join(responses::table)
        .filter(responses::wave_id.eq(wave_id))
        .order((answers::response_id.asc(), answers::question_key.asc(), answers::ordinal.asc()))
        .select((
            answers::response_id,
            answers::question_key,
            answers::ordinal,
            answers::option_value,
            answers::text_value,
            answers::number_value,
        ))
        .load(conn)?;
    let mut by_response: BTreeMap<String, BTreeMap<String, ExportValue>> = BTreeMap::new();
    for (rid, key, _ordinal, option, text, number) in given {
        let multi = def.question(&key).is_some_and(|q| q.kind == crate::domain::QuestionKind::MultipleChoice);
        let entry = by_response.entry(rid).or_default();
        let value = match (option, text, number) {
            (Some(o), _, _) => o,
            (_, Some(t), _) => t,
            (_, _, Some(n)) => {
                entry.insert(key, ExportValue::Number(n));
                continue;
            }
            _ => continue,
        };
        if multi {
            match entry.entry(key).or_insert_with(|| ExportValue::Many(Vec::new())) {
                ExportValue::Many(v) => v.push(value),
                other => *other = ExportValue::Many(vec![value]),
            }
        } else {
            entry.insert(key, ExportValue::One(value));
        }
    }
    Ok(rows
        .into_iter()
        .map(|(id, audience, channel, submitted, consent)| ExportRecord {
            wave: wave_slug.to_owned(),
            audience,
            channel,
            submitted_on: submitted.date().format("%Y-%m-%d").to_string(),
            consent_to_quote: consent,
            answers: by_response.remove(&id).unwrap_or_default(),
        })
        .collect())
}

/// A cell that a spreadsheet would run as a formula is made inert with a leading quote.
pub fn neutralise_cell(value: &str) -> String {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_owned(),
    }
}

/// Writes records as CSV (UTF-8 with a byte-order mark, so Excel reads it right): fixed
/// columns, then one column per question key in the survey's order.
pub fn to_csv(records: &[ExportRecord], def: &SurveyDefinition) -> StoreResult<Vec<u8>> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let keys: Vec<&str> = def.questions.iter().map(|q| q.key.as_str()).collect();
        let mut header = vec!["wave", "audience", "channel", "submitted_on", "consent_to_quote"];
        header.extend(keys.iter().copied());
        w.write_record(&header).map_err(csv_error)?;
        for r in records {
            let mut row = vec![
                r.wave.clone(),
                r.audience.clone(),
                r.channel.clone(),
                r.submitted_on.clone(),
                if r.consent_to_quote { "yes".into() } else { "no".into() },
            ];
            for k in &keys {
                row.push(match r.answers.get(*k) {
                    None => String::new(),
                    Some(ExportValue::One(v)) => neutralise_cell(v),
                    Some(ExportValue::Many(vs)) => neutralise_cell(&vs.join("; ")),
                    Some(ExportValue::Number(n)) => n.to_string(),
                });
            }
            w.write_record(&row).map_err(csv_error)?;
        }
        w.flush().map_err(|e| StoreError::Conflict(e.to_string()))?;
    }
    Ok(out)
}

fn csv_error(e: csv::Error) -> StoreError {
    StoreError::Conflict(format!("could not write CSV: {e}"))
}
