//! Exact counts kept beside the raw answers so comparisons never scan every answer:
//! `answer_counts` (answers per option) and `index_counts` (respondents by positive and valid
//! answers per priority and value). Every write of a response applies +1 in the same
//! transaction; every deletion applies −1 before the rows go. Both tables are integers and
//! additive, so they stay exact. `rebuild` recomputes a wave from the raw rows (imports,
//! demo data, and the consistency test use it).

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;
use diesel::sql_types::Text;

use super::StoreResult;
use crate::db::schema::{answer_counts, answers, index_counts, question_options, question_tags, questions, responses};
use crate::db::{Backend, DbConnection, ResponseId, WaveId};

const SINGLE_ANSWER: [&str; 3] = ["single-choice", "face-scale", "yes-sometimes-no"];

/// Adds (`sign` = 1) or removes (`sign` = −1) one response's answers from the counts.
pub fn apply(c: &mut DbConnection, response_id: &ResponseId, sign: i64) -> StoreResult<()> {
    let Some((wave_id, audience)) = responses::table
        .filter(responses::id.eq(response_id))
        .select((responses::wave_id, responses::audience))
        .first::<(String, String)>(c)
        .optional()?
    else {
        return Ok(());
    };
    let given: Vec<(String, Option<String>)> = answers::table
        .filter(answers::response_id.eq(response_id))
        .filter(answers::option_value.is_not_null())
        .select((answers::question_key, answers::option_value))
        // Counter rows are always locked in the same order, so two responses sent at the same
        // moment on PostgreSQL wait for each other instead of deadlocking.
        .order((answers::question_key, answers::option_value))
        .load(c)?;
    if given.is_empty() {
        return Ok(());
    }
    // Polarity of every single-answer option, and the tags of those questions, in this wave.
    let polarity: HashMap<(String, String), String> = questions::table
        .inner_join(question_options::table)
        .filter(questions::wave_id.eq(&wave_id))
        .filter(questions::kind.eq_any(SINGLE_ANSWER))
        .select((questions::question_key, question_options::value, question_options::polarity))
        .load::<(String, String, String)>(c)?
        .into_iter()
        .map(|(k, v, p)| ((k, v), p))
        .collect();
    let tags: Vec<(String, String, String)> = questions::table
        .inner_join(question_tags::table)
        .filter(questions::wave_id.eq(&wave_id))
        .filter(questions::kind.eq_any(SINGLE_ANSWER))
        .filter(question_tags::kind.eq_any(["priority", "value"]))
        .select((questions::question_key, question_tags::kind, question_tags::code))
        .load(c)?;
    let mut per_code: BTreeMap<(String, String), (i32, i32)> = BTreeMap::new();
    for (key, value) in &given {
        let Some(value) = value else { continue };
        crate::on_backend!(c, |inner| diesel::insert_into(answer_counts::table)
            .values((
                answer_counts::wave_id.eq(&wave_id),
                answer_counts::audience.eq(&audience),
                answer_counts::question_key.eq(key),
                answer_counts::option_value.eq(value),
                answer_counts::answers.eq(sign),
            ))
            .on_conflict((
                answer_counts::wave_id,
                answer_counts::audience,
                answer_counts::question_key,
                answer_counts::option_value
            ))
            .do_update()
            .set(answer_counts::answers.eq(answer_counts::answers + sign))
            .execute(inner))?;
        if let Some(p) = polarity.get(&(key.clone(), value.clone())) {
            for (_, kind, code) in tags.iter().filter(|(k, _, _)| k == key) {
                let e = per_code.entry((kind.clone(), code.clone())).or_insert((0, 0));
                if p != "excluded" {
                    e.1 += 1;
                    if p == "positive" {
                        e.0 += 1;
                    }
                }
            }
        }
    }
    for ((kind, code), (pos, valid)) in per_code {
        if valid == 0 {
            continue;
        }
        crate::on_backend!(c, |inner| diesel::insert_into(index_counts::table)
            .values((
                index_counts::wave_id.eq(&wave_id),
                index_counts::audience.eq(&audience),
                index_counts::kind.eq(&kind),
                index_counts::code.eq(&code),
                index_counts::positive.eq(pos),
                index_counts::valid.eq(valid),
                index_counts::respondents.eq(sign),
            ))
            .on_conflict((
                index_counts::wave_id,
                index_counts::audience,
                index_counts::kind,
                index_counts::code,
                index_counts::positive,
                index_counts::valid,
            ))
            .do_update()
            .set(index_counts::respondents.eq(index_counts::respondents + sign))
            .execute(inner))?;
    }
    Ok(())
}

/// Answers per (audience, question, option) in a wave: the counts kept at write time, with
/// any published counts imported for it added (what comparisons and results count).
pub fn option_counts(conn: &mut DbConnection, wave_id: &WaveId) -> StoreResult<HashMap<(String, String, String), u64>> {
    use crate::db::schema::imported_counts;
    let kept: Vec<(String, String, String, i64)> = answer_counts::table
        .filter(answer_counts::wave_id.eq(wave_id))
        .select((
            answer_counts::audience,
            answer_counts::question_key,
            answer_counts::option_value,
            answer_counts::answers,
        ))
        .load(conn)?;
    let imported: Vec<(String, String, String, i64)> = imported_counts::table
        .filter(imported_counts::wave_id.eq(wave_id))
        .select((
            imported_counts::audience,
            imported_counts::question_key,
            imported_counts::option_value,
            imported_counts::answers,
        ))
        .load(conn)?;
    let mut out: HashMap<(String, String, String), u64> = HashMap::new();
    // A kept count that fell to zero (deletions) is no answer; an imported zero is a figure.
    for (a, k, v, n) in kept.into_iter().filter(|r| r.3 > 0).chain(imported) {
        let e = out.entry((a, k, v)).or_insert(0);
        *e = e.saturating_add(u64::try_from(n).unwrap_or(u64::MAX));
    }
    Ok(out)
}

/// Recomputes a wave's counts from its raw answers.
pub fn rebuild(c: &mut DbConnection, wave_id: &WaveId) -> StoreResult<()> {
    diesel::delete(answer_counts::table.filter(answer_counts::wave_id.eq(wave_id))).execute(c)?;
    diesel::delete(index_counts::table.filter(index_counts::wave_id.eq(wave_id))).execute(c)?;
    let p = if c.backend() == Backend::Postgres { "$1" } else { "?" };
    let counts = format!(
        "INSERT INTO answer_counts (wave_id, audience, question_key, option_value, answers) \
         SELECT r.wave_id, r.audience, a.question_key, a.option_value, COUNT(*) \
         FROM answers a JOIN responses r ON r.id = a.response_id \
         WHERE r.wave_id = {p} AND a.option_value IS NOT NULL \
         GROUP BY r.wave_id, r.audience, a.question_key, a.option_value"
    );
    let index = format!(
        "INSERT INTO index_counts (wave_id, audience, kind, code, positive, valid, respondents) \
         SELECT s.wave_id, s.audience, s.kind, s.code, s.pos, s.valid, COUNT(*) FROM ( \
           SELECT r.wave_id AS wave_id, r.audience AS audience, r.id AS rid, t.kind AS kind, t.code AS code, \
             SUM(CASE WHEN o.polarity = 'positive' THEN 1 ELSE 0 END) AS pos, \
             SUM(CASE WHEN o.polarity <> 'excluded' THEN 1 ELSE 0 END) AS valid \
           FROM answers a \
           JOIN responses r ON r.id = a.response_id \
           JOIN questions q ON q.wave_id = r.wave_id AND q.question_key = a.question_key \
           JOIN question_options o ON o.question_id = q.id AND o.value = a.option_value \
           JOIN question_tags t ON t.question_id = q.id AND t.kind IN ('priority', 'value') \
           WHERE r.wave_id = {p} AND q.kind IN ('single-choice', 'face-scale', 'yes-sometimes-no') \
           GROUP BY r.wave_id, r.audience, r.id, t.kind, t.code \
         ) s WHERE s.valid > 0 GROUP BY s.wave_id, s.audience, s.kind, s.code, s.pos, s.valid"
    );
    crate::on_backend!(c, |inner| diesel::sql_query(&counts).bind::<Text, _>(wave_id).execute(inner))?;
    crate::on_backend!(c, |inner| diesel::sql_query(&index).bind::<Text, _>(wave_id).execute(inner))?;
    Ok(())
}
