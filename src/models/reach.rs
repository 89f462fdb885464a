//! Who took part, from the database: the population staff gave for each group of a wave
//! (`wave_populations`), how many respondents each group has (the counts kept at write
//! time, every audience together), and each one-answer question's positive and valid answers
//! per group (counted from the stored answers, split by the grouping question) for direct
//! standardisation. The statistics are `stats::reach`.

use std::collections::BTreeMap;

use diesel::prelude::*;

use super::StoreResult;
use super::audit::{self, Action, Actor};
use crate::db::schema::{answer_counts, wave_populations};
use crate::db::{DbConnection, PartnershipId, WaveId, now};
use crate::domain::SurveyDefinition;
use crate::domain::filter::Filter;
use crate::domain::survey::Polarity;

/// The grouping question and each group's population.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Populations {
    pub question_key: String,
    /// option value → population.
    pub sizes: BTreeMap<String, u64>,
}

/// The populations set for a wave, if any.
pub fn populations(conn: &mut DbConnection, wave_id: &WaveId) -> StoreResult<Option<Populations>> {
    let rows: Vec<(String, String, i64)> = wave_populations::table
        .filter(wave_populations::wave_id.eq(wave_id))
        .select((wave_populations::question_key, wave_populations::group_value, wave_populations::population))
        .load(conn)?;
    let Some(key) = rows.first().map(|r| r.0.clone()) else { return Ok(None) };
    Ok(Some(Populations {
        question_key: key,
        sizes: rows.into_iter().map(|(_, v, n)| (v, u64::try_from(n).unwrap_or(0))).collect(),
    }))
}

/// Replaces a wave's populations, with its audit row, in one transaction.
pub fn set_populations(
    conn: &mut DbConnection,
    wave_id: &WaveId,
    partnership: &PartnershipId,
    actor: &Actor,
    p: &Populations,
) -> StoreResult<()> {
    let stamp = now();
    conn.write(|tx| -> StoreResult<()> {
        diesel::delete(wave_populations::table.filter(wave_populations::wave_id.eq(wave_id))).execute(tx)?;
        for (value, n) in &p.sizes {
            diesel::insert_into(wave_populations::table)
                .values((
                    wave_populations::wave_id.eq(wave_id),
                    wave_populations::question_key.eq(&p.question_key),
                    wave_populations::group_value.eq(value),
                    wave_populations::population.eq(i64::try_from(*n).unwrap_or(i64::MAX)),
                    wave_populations::set_by.eq(&actor.name),
                    wave_populations::set_at.eq(stamp),
                ))
                .execute(tx)?;
        }
        let detail = serde_json::json!({"wave": wave_id.as_str(), "question": p.question_key, "groups": p.sizes});
        audit::record(tx, actor, Some(partnership), Action::PopulationSet, &detail)
    })
}

/// Respondents per answer to `key` (every audience together), from the kept counts.
pub fn group_counts(conn: &mut DbConnection, wave_id: &WaveId, key: &str) -> StoreResult<BTreeMap<String, u64>> {
    let rows: Vec<(String, i64)> = answer_counts::table
        .filter(answer_counts::wave_id.eq(wave_id))
        .filter(answer_counts::question_key.eq(key))
        .select((answer_counts::option_value, answer_counts::answers))
        .load(conn)?;
    let mut out = BTreeMap::new();
    for (v, n) in rows {
        *out.entry(v).or_insert(0) += u64::try_from(n).unwrap_or(0);
    }
    Ok(out)
}

/// (positive, valid) answers per group value.
pub type ByGroup = BTreeMap<String, (u64, u64)>;

/// For every one-answer question with positive answers: (positive, valid) per group of the
/// grouping question `key`.
pub fn positives_by_group(
    conn: &mut DbConnection,
    wave_id: &WaveId,
    def: &SurveyDefinition,
    key: &str,
) -> StoreResult<BTreeMap<String, ByGroup>> {
    let Some(grouping) = def.question(key) else { return Ok(BTreeMap::new()) };
    let Some(first) = grouping.options.first() else { return Ok(BTreeMap::new()) };
    // The split tally counts every group of the grouping question in one read.
    let filter = Filter { answer: Some((key.to_owned(), first.value.clone())), ..Filter::default() };
    let tally = super::results::tally(conn, wave_id, def, &filter)?;
    let mut out: BTreeMap<String, ByGroup> = BTreeMap::new();
    for q in def.questions.iter().filter(|q| crate::domain::filter::is_one_answer(q.kind) && q.key.as_str() != key) {
        if !q.options.iter().any(|o| o.polarity == Polarity::Positive) {
            continue;
        }
        let per = out.entry(q.key.to_string()).or_default();
        for (sig, g) in &tally.groups {
            let Some(group) = &sig.answer else { continue };
            let e = per.entry(group.clone()).or_insert((0, 0));
            for o in q.options.iter().filter(|o| o.polarity != Polarity::Excluded) {
                let n = g.options.get(&(q.key.to_string(), o.value.clone())).copied().unwrap_or(0);
                e.1 += n;
                if o.polarity == Polarity::Positive {
                    e.0 += n;
                }
            }
        }
    }
    Ok(out)
}

/// Who took part in two waves, for the comparison page: the groups of the later wave's
/// grouping question (it must be asked in both), each year's counts, and each question's
/// share positive in both years as answered and standardised to the later wave's population.
#[derive(Debug, Clone)]
pub struct MixComparison {
    pub question_key: String,
    /// (value, population share, earlier count, later count).
    pub groups: Vec<(String, f64, u64, u64)>,
    /// question key → [(positive, valid) per group] for (earlier, later).
    pub positives: BTreeMap<String, (ByGroup, ByGroup)>,
}

/// `None` when the later wave has no populations, or the earlier wave does not ask its
/// grouping question.
pub fn compare_mix(
    conn: &mut DbConnection,
    earlier: &str,
    later: &str,
    max_text: usize,
) -> StoreResult<Option<MixComparison>> {
    let a = super::survey::get(conn, earlier, max_text)?;
    let b = super::survey::get(conn, later, max_text)?;
    let Some(pops) = populations(conn, &b.row.id)? else { return Ok(None) };
    let key = pops.question_key.clone();
    if a.definition.question(&key).is_none() {
        return Ok(None);
    }
    let total: u64 = pops.sizes.values().sum();
    if total == 0 {
        return Ok(None);
    }
    let (ca, cb) = (group_counts(conn, &a.row.id, &key)?, group_counts(conn, &b.row.id, &key)?);
    let groups = pops
        .sizes
        .iter()
        .map(|(v, n)| {
            (v.clone(), *n as f64 / total as f64, ca.get(v).copied().unwrap_or(0), cb.get(v).copied().unwrap_or(0))
        })
        .collect();
    let pa = positives_by_group(conn, &a.row.id, &a.definition, &key)?;
    let mut pb = positives_by_group(conn, &b.row.id, &b.definition, &key)?;
    let positives = pa.into_iter().filter_map(|(q, x)| pb.remove(&q).map(|y| (q, (x, y)))).collect();
    Ok(Some(MixComparison { question_key: key, groups, positives }))
}
