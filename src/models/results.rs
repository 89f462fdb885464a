//! What one wave's results page counts: answers per option (the counts kept at write time,
//! with any published counts imported for the wave), how many answered each question, the
//! numbers given, how many wrote and how many sent a recording or picture, per audience.
//! Counting only; the figures and their suppression are `crate::stats::results`.

use std::collections::HashMap;

use diesel::prelude::*;

use super::StoreResult;
use crate::db::schema::{answer_files, answers, responses};
use crate::db::{DbConnection, WaveId};

/// (audience, question key).
pub type Slot = (String, String);

/// A wave's counts, per audience.
#[derive(Debug, Clone, Default)]
pub struct WaveCounts {
    /// Responses per audience.
    pub responses: HashMap<String, u64>,
    /// Answers per (audience, question, option).
    pub options: HashMap<(String, String, String), u64>,
    /// People who answered, per (audience, question), from the stored answers.
    pub answered: HashMap<Slot, u64>,
    /// Every number given, per (audience, question).
    pub numbers: HashMap<Slot, Vec<f64>>,
    /// People who wrote words, per (audience, question).
    pub written: HashMap<Slot, u64>,
    /// People who sent a recording or picture, per (audience, question).
    pub files: HashMap<Slot, u64>,
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// People who answered each question, per audience (`words`: only those who wrote words).
fn respondents(conn: &mut DbConnection, wave_id: &WaveId, words: bool) -> StoreResult<HashMap<Slot, u64>> {
    let base = answers::table.inner_join(responses::table).filter(responses::wave_id.eq(wave_id));
    let people = || diesel::dsl::count(answers::response_id).aggregate_distinct();
    let rows: Vec<(String, String, i64)> = if words {
        base.filter(answers::text_value.is_not_null())
            .filter(answers::option_value.is_null())
            .group_by((responses::audience, answers::question_key))
            .select((responses::audience, answers::question_key, people()))
            .load(conn)?
    } else {
        base.group_by((responses::audience, answers::question_key))
            .select((responses::audience, answers::question_key, people()))
            .load(conn)?
    };
    Ok(rows.into_iter().map(|(a, k, n)| ((a, k), count(n))).collect())
}

/// Counts `wave_id`'s answers for its results page.
pub fn wave_counts(conn: &mut DbConnection, wave_id: &WaveId) -> StoreResult<WaveCounts> {
    let mut out = WaveCounts::default();
    let per_audience: Vec<(String, i64)> = responses::table
        .filter(responses::wave_id.eq(wave_id))
        .group_by(responses::audience)
        .select((responses::audience, diesel::dsl::count_star()))
        .load(conn)?;
    out.responses = per_audience.into_iter().map(|(a, n)| (a, count(n))).collect();
    out.options = super::aggregates::option_counts(conn, wave_id)?;
    out.answered = respondents(conn, wave_id, false)?;
    out.written = respondents(conn, wave_id, true)?;
    let numbers: Vec<(String, String, Option<f64>)> = answers::table
        .inner_join(responses::table)
        .filter(responses::wave_id.eq(wave_id))
        .filter(answers::number_value.is_not_null())
        .select((responses::audience, answers::question_key, answers::number_value))
        .load(conn)?;
    for (a, k, v) in numbers {
        if let Some(v) = v {
            out.numbers.entry((a, k)).or_default().push(v);
        }
    }
    // Few: one row each, counted here.
    let files: Vec<(String, String)> = answer_files::table
        .inner_join(responses::table.on(answer_files::response_id.eq(responses::id.nullable())))
        .filter(answer_files::wave_id.eq(wave_id))
        .select((responses::audience, answer_files::question_key))
        .load(conn)?;
    for slot in files {
        *out.files.entry(slot).or_insert(0) += 1;
    }
    Ok(out)
}

/// One question's figures: for each audience asked, and for everyone together.
#[derive(Debug, Clone, serde::Serialize)]
pub struct QuestionFigures {
    pub key: String,
    /// The grid this statement belongs to.
    pub grid: Option<String>,
    /// Per audience key asked, in the survey's order, then `("everyone", …)` when more than one.
    pub groups: Vec<(String, crate::stats::results::Figures)>,
}

/// Every question's figures from `counts`, with the comparison method's suppression.
pub fn figures(
    def: &crate::domain::SurveyDefinition,
    counts: &WaveCounts,
    s: &crate::stats::Settings,
) -> Vec<QuestionFigures> {
    use crate::domain::survey::QuestionKind;
    use crate::stats::results as r;
    let mut out = Vec::new();
    for q in &def.questions {
        let key = q.key.as_str();
        let audiences: Vec<String> =
            def.audiences.iter().map(|a| a.key.as_str().to_owned()).filter(|a| q.is_for(a)).collect();
        let together = audiences.len() > 1;
        let figure = |auds: &[String]| {
            let slot = |a: &String| (a.clone(), key.to_owned());
            let sum = |m: &HashMap<Slot, u64>| auds.iter().map(|a| m.get(&slot(a)).copied().unwrap_or(0)).sum::<u64>();
            if q.kind.has_options() {
                let per_option: Vec<(String, u64)> = q
                    .options
                    .iter()
                    .map(|o| {
                        let n = auds
                            .iter()
                            .map(|a| {
                                counts.options.get(&(a.clone(), key.to_owned(), o.value.clone())).copied().unwrap_or(0)
                            })
                            .sum();
                        (o.value.clone(), n)
                    })
                    .collect();
                // One answer each: the base is the sum (imported counts included); several
                // answers each: the people who answered.
                let n = if q.kind == QuestionKind::MultipleChoice {
                    sum(&counts.answered)
                } else {
                    per_option.iter().map(|(_, n)| n).sum()
                };
                r::choice(n, &per_option, s)
            } else if q.kind == QuestionKind::Number {
                let mut all: Vec<f64> =
                    auds.iter().flat_map(|a| counts.numbers.get(&slot(a)).cloned().unwrap_or_default()).collect();
                r::numbers(&mut all, s)
            } else {
                r::words(sum(&counts.written), sum(&counts.files), s)
            }
        };
        let mut groups: Vec<(String, r::Figures)> =
            audiences.iter().map(|a| (a.clone(), figure(std::slice::from_ref(a)))).collect();
        if together {
            groups.push(("everyone".to_owned(), figure(&audiences)));
        }
        out.push(QuestionFigures { key: key.to_owned(), grid: q.grid_key().map(str::to_owned), groups });
    }
    out
}
