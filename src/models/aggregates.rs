//! Exact counts kept beside the raw answers so comparisons and results never scan every
//! answer: `answer_counts` (answers per option), `index_counts` (respondents by positive and
//! valid answers per priority and value), `response_counts` (responses per audience),
//! `question_counts` (people who answered a question with several answers each, and who wrote
//! words) and `number_counts` (each number given, and how often: medians and quartiles are
//! exact from them). Every write of a response applies +1 in the same transaction, in one
//! statement per table; every deletion applies −1 before the rows go; a transcription takes
//! its response out and puts it back; retention recounts who wrote. All are integers and
//! additive, so they stay exact. `rebuild` recomputes a wave from the raw rows (imports, demo
//! data, and the consistency test use it); `integrity::wave_check` compares them all with a
//! recount.

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;
use diesel::sql_types::Text;

use super::StoreResult;
use diesel::upsert::excluded;

use crate::db::schema::{
    answer_counts, answers, index_counts, index_slices, number_counts, question_counts, question_options,
    question_tags, questions, response_counts, responses, slice_counts,
};
use crate::db::{Backend, DbConnection, ResponseId, WaveId};

const SINGLE_ANSWER: [&str; 3] = ["single-choice", "face-scale", "yes-sometimes-no"];

/// A question's key and kind.
type KeyKind = (String, String);

/// One stored answer as the counts see it: question, option, whether it has words, number.
pub(super) type AnswerRow = (String, Option<String>, bool, Option<f64>);

/// A number as a key: ordered by its value (`f64::total_cmp`).
#[derive(Debug, Clone, Copy)]
struct Num(f64);

impl PartialEq for Num {
    fn eq(&self, other: &Self) -> bool {
        self.0.total_cmp(&other.0).is_eq()
    }
}
impl Eq for Num {}
impl PartialOrd for Num {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Num {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// What one response adds to the kept counts, each in the order its rows are locked.
struct Kept {
    /// Answers per (question, option).
    options: BTreeMap<(String, String), i64>,
    /// Per question: answered (a question with several answers each), wrote words (0 or 1).
    questions: BTreeMap<String, (i64, i64)>,
    /// Numbers given per (question, value).
    numbers: BTreeMap<(String, Num), i64>,
}

impl Kept {
    fn of(rows: &[AnswerRow], multi: &[String]) -> Self {
        let mut k = Kept { options: BTreeMap::new(), questions: BTreeMap::new(), numbers: BTreeMap::new() };
        for (key, option, words, number) in rows {
            if let Some(v) = option {
                *k.options.entry((key.clone(), v.clone())).or_insert(0) += 1;
            }
            if multi.contains(key) {
                k.questions.entry(key.clone()).or_insert((0, 0)).0 = 1;
            }
            if *words && option.is_none() {
                k.questions.entry(key.clone()).or_insert((0, 0)).1 = 1;
            }
            if let Some(x) = number {
                *k.numbers.entry((key.clone(), Num(*x))).or_insert(0) += 1;
            }
        }
        k
    }

    /// The same figures keyed as `slice_counts` keeps them (kind, question, option, number),
    /// the response itself included, in key order (the order their rows are locked).
    fn slices(&self) -> BTreeMap<(&'static str, String, String, Num), i64> {
        let mut out = BTreeMap::new();
        out.insert(("responses", String::new(), String::new(), Num(0.0)), 1);
        for ((key, value), n) in &self.options {
            out.insert(("option", key.clone(), value.clone(), Num(0.0)), *n);
        }
        for (key, (answered, wrote)) in &self.questions {
            if *answered > 0 {
                out.insert(("answered", key.clone(), String::new(), Num(0.0)), *answered);
            }
            if *wrote > 0 {
                out.insert(("wrote", key.clone(), String::new(), Num(0.0)), *wrote);
            }
        }
        for ((key, x), n) in &self.numbers {
            out.insert(("number", key.clone(), String::new(), *x), *n);
        }
        out
    }
}

/// Adds (`sign` = 1) or removes (`sign` = −1) one response's answers from the counts.
pub fn apply(c: &mut DbConnection, response_id: &ResponseId, sign: i64) -> StoreResult<()> {
    let Some((wave_id, audience, channel, sent)) = responses::table
        .filter(responses::id.eq(response_id))
        .select((responses::wave_id, responses::audience, responses::channel, responses::submitted_at))
        .first::<(String, String, String, chrono::NaiveDateTime)>(c)
        .optional()?
    else {
        return Ok(());
    };
    let rows: Vec<AnswerRow> = answers::table
        .filter(answers::response_id.eq(response_id))
        .select((
            answers::question_key,
            answers::option_value,
            answers::text_value.is_not_null(),
            answers::number_value,
        ))
        // Counter rows are always locked in the same order, so two responses sent at the same
        // moment on PostgreSQL wait for each other instead of deadlocking.
        .order((answers::question_key, answers::ordinal))
        .load(c)?;
    let (multi, single): (Vec<KeyKind>, Vec<KeyKind>) = questions::table
        .filter(questions::wave_id.eq(&wave_id))
        .filter(questions::kind.eq_any(["multiple-choice", "single-choice"]))
        .select((questions::question_key, questions::kind))
        .load::<(String, String)>(c)?
        .into_iter()
        .partition(|(_, kind)| kind == "multiple-choice");
    let multi: Vec<String> = multi.into_iter().map(|(k, _)| k).collect();
    let kept = Kept::of(&rows, &multi);
    // Everyone, then the same figures under each single-choice answer this response gave.
    let mut filters = vec![(String::new(), String::new())];
    filters.extend(
        rows.iter()
            .filter(|(key, option, _, _)| option.is_some() && single.iter().any(|(k, _)| k == key))
            .filter_map(|(key, option, _, _)| Some((key.clone(), option.clone()?))),
    );
    crate::on_backend!(c, |inner| diesel::insert_into(response_counts::table)
        .values((
            response_counts::wave_id.eq(&wave_id),
            response_counts::audience.eq(&audience),
            response_counts::responses.eq(sign),
        ))
        .on_conflict((response_counts::wave_id, response_counts::audience))
        .do_update()
        .set(response_counts::responses.eq(response_counts::responses + sign))
        .execute(inner))?;
    let figures = kept.slices();
    let (w, a, ch) = (&wave_id, &audience, &channel);
    let slices: Vec<_> = filters
        .iter()
        .flat_map(|(fk, fv)| {
            figures.iter().map(move |((kind, key, option, number), n)| {
                (
                    slice_counts::wave_id.eq(w),
                    slice_counts::audience.eq(a),
                    slice_counts::channel.eq(ch),
                    slice_counts::day.eq(sent.date()),
                    slice_counts::filter_key.eq(fk),
                    slice_counts::filter_value.eq(fv),
                    slice_counts::kind.eq(*kind),
                    slice_counts::question_key.eq(key),
                    slice_counts::option_value.eq(option),
                    slice_counts::number_value.eq(number.0),
                    slice_counts::n.eq(n * sign),
                )
            })
        })
        .collect();
    crate::on_backend!(c, |inner| diesel::insert_into(slice_counts::table)
        .values(&slices)
        .on_conflict((
            slice_counts::wave_id,
            slice_counts::audience,
            slice_counts::channel,
            slice_counts::day,
            slice_counts::filter_key,
            slice_counts::filter_value,
            slice_counts::kind,
            slice_counts::question_key,
            slice_counts::option_value,
            slice_counts::number_value,
        ))
        .do_update()
        .set(slice_counts::n.eq(slice_counts::n + excluded(slice_counts::n)))
        .execute(inner))?;
    if !kept.questions.is_empty() {
        let values: Vec<_> = kept
            .questions
            .iter()
            .map(|(key, (answered, wrote))| {
                (
                    question_counts::wave_id.eq(&wave_id),
                    question_counts::audience.eq(&audience),
                    question_counts::question_key.eq(key),
                    question_counts::answered.eq(answered * sign),
                    question_counts::wrote.eq(wrote * sign),
                )
            })
            .collect();
        crate::on_backend!(c, |inner| diesel::insert_into(question_counts::table)
            .values(&values)
            .on_conflict((question_counts::wave_id, question_counts::audience, question_counts::question_key))
            .do_update()
            .set((
                question_counts::answered.eq(question_counts::answered + excluded(question_counts::answered)),
                question_counts::wrote.eq(question_counts::wrote + excluded(question_counts::wrote)),
            ))
            .execute(inner))?;
    }
    if !kept.numbers.is_empty() {
        let values: Vec<_> = kept
            .numbers
            .iter()
            .map(|((key, value), n)| {
                (
                    number_counts::wave_id.eq(&wave_id),
                    number_counts::audience.eq(&audience),
                    number_counts::question_key.eq(key),
                    number_counts::value.eq(value.0),
                    number_counts::answers.eq(n * sign),
                )
            })
            .collect();
        crate::on_backend!(c, |inner| diesel::insert_into(number_counts::table)
            .values(&values)
            .on_conflict((
                number_counts::wave_id,
                number_counts::audience,
                number_counts::question_key,
                number_counts::value,
            ))
            .do_update()
            .set(number_counts::answers.eq(number_counts::answers + excluded(number_counts::answers)))
            .execute(inner))?;
    }
    let given = kept.options;
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
    let values: Vec<_> = given
        .iter()
        .map(|((key, value), n)| {
            (
                answer_counts::wave_id.eq(&wave_id),
                answer_counts::audience.eq(&audience),
                answer_counts::question_key.eq(key),
                answer_counts::option_value.eq(value),
                answer_counts::answers.eq(n * sign),
            )
        })
        .collect();
    crate::on_backend!(c, |inner| diesel::insert_into(answer_counts::table)
        .values(&values)
        .on_conflict((
            answer_counts::wave_id,
            answer_counts::audience,
            answer_counts::question_key,
            answer_counts::option_value
        ))
        .do_update()
        .set(answer_counts::answers.eq(answer_counts::answers + excluded(answer_counts::answers)))
        .execute(inner))?;
    let mut per_code: BTreeMap<(String, String), (i32, i32)> = BTreeMap::new();
    for ((key, value), n) in &given {
        let n = i32::try_from(*n).unwrap_or(i32::MAX);
        if let Some(p) = polarity.get(&(key.clone(), value.clone())) {
            for (_, kind, code) in tags.iter().filter(|(k, _, _)| k == key) {
                let e = per_code.entry((kind.clone(), code.clone())).or_insert((0, 0));
                if p != "excluded" {
                    e.1 += n;
                    if p == "positive" {
                        e.0 += n;
                    }
                }
            }
        }
    }
    // The same under each group the filters tell apart (`index_slices`), in one statement.
    let index_rows: Vec<_> = filters
        .iter()
        .flat_map(|(fk, fv)| {
            per_code.iter().filter(|(_, (_, valid))| *valid > 0).map(move |((kind, code), (pos, valid))| {
                (
                    index_slices::wave_id.eq(w),
                    index_slices::audience.eq(a),
                    index_slices::channel.eq(ch),
                    index_slices::day.eq(sent.date()),
                    index_slices::filter_key.eq(fk),
                    index_slices::filter_value.eq(fv),
                    index_slices::kind.eq(kind),
                    index_slices::code.eq(code),
                    index_slices::positive.eq(*pos),
                    index_slices::valid.eq(*valid),
                    index_slices::respondents.eq(sign),
                )
            })
        })
        .collect();
    if !index_rows.is_empty() {
        crate::on_backend!(c, |inner| diesel::insert_into(index_slices::table)
            .values(&index_rows)
            .on_conflict((
                index_slices::wave_id,
                index_slices::audience,
                index_slices::channel,
                index_slices::day,
                index_slices::filter_key,
                index_slices::filter_value,
                index_slices::kind,
                index_slices::code,
                index_slices::positive,
                index_slices::valid,
            ))
            .do_update()
            .set(index_slices::respondents.eq(index_slices::respondents + excluded(index_slices::respondents)))
            .execute(inner))?;
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
    diesel::delete(response_counts::table.filter(response_counts::wave_id.eq(wave_id))).execute(c)?;
    diesel::delete(number_counts::table.filter(number_counts::wave_id.eq(wave_id))).execute(c)?;
    diesel::delete(slice_counts::table.filter(slice_counts::wave_id.eq(wave_id))).execute(c)?;
    diesel::delete(index_slices::table.filter(index_slices::wave_id.eq(wave_id))).execute(c)?;
    recount_questions(c, wave_id)?;
    let p = if c.backend() == Backend::Postgres { "$1" } else { "?" };
    let people = format!(
        "INSERT INTO response_counts (wave_id, audience, responses) \
         SELECT wave_id, audience, COUNT(*) FROM responses WHERE wave_id = {p} GROUP BY wave_id, audience"
    );
    let numbers = format!(
        "INSERT INTO number_counts (wave_id, audience, question_key, value, answers) \
         SELECT r.wave_id, r.audience, a.question_key, a.number_value, COUNT(*) \
         FROM answers a JOIN responses r ON r.id = a.response_id \
         WHERE r.wave_id = {p} AND a.number_value IS NOT NULL \
         GROUP BY r.wave_id, r.audience, a.question_key, a.number_value"
    );
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
    crate::on_backend!(c, |inner| diesel::sql_query(&people).bind::<Text, _>(wave_id).execute(inner))?;
    crate::on_backend!(c, |inner| diesel::sql_query(&numbers).bind::<Text, _>(wave_id).execute(inner))?;
    // Who wrote was refilled by `recount_questions` above.
    for kind in SLICE_KINDS.into_iter().filter(|k| *k != "wrote") {
        refill_slices(c, wave_id, kind)?;
    }
    refill_index_slices(c, wave_id)
}

/// Counts a wave's respondents by positive and valid answers per priority and value, by
/// channel and day, for everyone and under each single-choice answer, into `index_slices`
/// (whose rows for the wave must be gone). The same statements fill the table in its
/// migration.
fn refill_index_slices(c: &mut DbConnection, wave_id: &WaveId) -> StoreResult<()> {
    let pg = c.backend() == Backend::Postgres;
    let (p, day) = if pg { ("$1", "CAST(r.submitted_at AS DATE)") } else { ("?", "date(r.submitted_at)") };
    for crossed in [false, true] {
        let (fk, fv, cross) = if crossed {
            (
                "fa.question_key",
                "fa.option_value",
                " JOIN answers fa ON fa.response_id = r.id AND fa.option_value IS NOT NULL \
                 JOIN questions fq ON fq.wave_id = r.wave_id AND fq.question_key = fa.question_key \
                 AND fq.kind = 'single-choice'",
            )
        } else {
            ("''", "''", "")
        };
        let sql = format!(
            "INSERT INTO index_slices (wave_id, audience, channel, day, filter_key, filter_value, kind, code, \
             positive, valid, respondents) \
             SELECT s.wave_id, s.audience, s.channel, s.day, s.fk, s.fv, s.kind, s.code, s.pos, s.valid, COUNT(*) FROM ( \
               SELECT r.wave_id AS wave_id, r.audience AS audience, r.channel AS channel, {day} AS day, \
                 {fk} AS fk, {fv} AS fv, r.id AS rid, t.kind AS kind, t.code AS code, \
                 SUM(CASE WHEN o.polarity = 'positive' THEN 1 ELSE 0 END) AS pos, \
                 SUM(CASE WHEN o.polarity <> 'excluded' THEN 1 ELSE 0 END) AS valid \
               FROM answers a JOIN responses r ON r.id = a.response_id{cross} \
               JOIN questions q ON q.wave_id = r.wave_id AND q.question_key = a.question_key \
               JOIN question_options o ON o.question_id = q.id AND o.value = a.option_value \
               JOIN question_tags t ON t.question_id = q.id AND t.kind IN ('priority', 'value') \
               WHERE r.wave_id = {p} AND q.kind IN ('single-choice', 'face-scale', 'yes-sometimes-no') \
               GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9 \
             ) s WHERE s.valid > 0 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10"
        );
        crate::on_backend!(c, |inner| diesel::sql_query(&sql).bind::<Text, _>(wave_id).execute(inner))?;
    }
    Ok(())
}

/// Every kind of figure `slice_counts` keeps.
const SLICE_KINDS: [&str; 5] = ["responses", "option", "answered", "wrote", "number"];

/// Counts one kind of a wave's sliced figures from its raw rows into `slice_counts` (whose
/// rows of that kind must be gone): for everyone, and crossed with each single-choice answer.
/// The same statements fill the table in its migration.
fn refill_slices(c: &mut DbConnection, wave_id: &WaveId, kind: &str) -> StoreResult<()> {
    let pg = c.backend() == Backend::Postgres;
    let (p, day) = if pg { ("$1", "CAST(r.submitted_at AS DATE)") } else { ("?", "date(r.submitted_at)") };
    for crossed in [false, true] {
        let (filter, cross, by) = if crossed {
            (
                "fa.question_key, fa.option_value",
                " JOIN answers fa ON fa.response_id = r.id AND fa.option_value IS NOT NULL \
                 JOIN questions fq ON fq.wave_id = r.wave_id AND fq.question_key = fa.question_key \
                 AND fq.kind = 'single-choice'",
                "1, 2, 3, 4, 5, 6",
            )
        } else {
            ("'', ''", "", "1, 2, 3, 4")
        };
        let head = format!(
            "INSERT INTO slice_counts (wave_id, audience, channel, day, filter_key, filter_value, kind, \
             question_key, option_value, number_value, n) \
             SELECT r.wave_id, r.audience, r.channel, {day}, {filter}, '{kind}', "
        );
        let answers = format!("FROM answers a JOIN responses r ON r.id = a.response_id{cross}");
        let sql = match kind {
            "responses" => {
                format!("{head}'', '', 0, COUNT(*) FROM responses r{cross} WHERE r.wave_id = {p} GROUP BY {by}")
            }
            "option" => format!(
                "{head}a.question_key, a.option_value, 0, COUNT(*) {answers} \
                 WHERE r.wave_id = {p} AND a.option_value IS NOT NULL GROUP BY {by}, 8, 9"
            ),
            "answered" => format!(
                "{head}a.question_key, '', 0, COUNT(DISTINCT a.response_id) {answers} \
                 JOIN questions q ON q.wave_id = r.wave_id AND q.question_key = a.question_key \
                 WHERE r.wave_id = {p} AND q.kind = 'multiple-choice' GROUP BY {by}, 8"
            ),
            "wrote" => format!(
                "{head}a.question_key, '', 0, COUNT(DISTINCT a.response_id) {answers} \
                 WHERE r.wave_id = {p} AND a.text_value IS NOT NULL AND a.option_value IS NULL GROUP BY {by}, 8"
            ),
            _ => format!(
                "{head}a.question_key, '', a.number_value, COUNT(*) {answers} \
                 WHERE r.wave_id = {p} AND a.number_value IS NOT NULL GROUP BY {by}, 8, 10"
            ),
        };
        crate::on_backend!(c, |inner| diesel::sql_query(&sql).bind::<Text, _>(wave_id).execute(inner))?;
    }
    Ok(())
}

/// Recounts a wave's people who answered a question with several answers each and who wrote
/// words, from its raw answers (after retention deletes words, and in `rebuild`).
pub fn recount_questions(c: &mut DbConnection, wave_id: &WaveId) -> StoreResult<()> {
    diesel::delete(question_counts::table.filter(question_counts::wave_id.eq(wave_id))).execute(c)?;
    let p = if c.backend() == Backend::Postgres { "$1" } else { "?" };
    let sql = format!(
        "INSERT INTO question_counts (wave_id, audience, question_key, answered, wrote) \
         SELECT r.wave_id, r.audience, a.question_key, \
           COUNT(DISTINCT CASE WHEN q.kind = 'multiple-choice' THEN a.response_id END), \
           COUNT(DISTINCT CASE WHEN a.text_value IS NOT NULL AND a.option_value IS NULL THEN a.response_id END) \
         FROM answers a \
         JOIN responses r ON r.id = a.response_id \
         JOIN questions q ON q.wave_id = r.wave_id AND q.question_key = a.question_key \
         WHERE r.wave_id = {p} AND (q.kind = 'multiple-choice' OR (a.text_value IS NOT NULL AND a.option_value IS NULL)) \
         GROUP BY r.wave_id, r.audience, a.question_key"
    );
    crate::on_backend!(c, |inner| diesel::sql_query(&sql).bind::<Text, _>(wave_id).execute(inner))?;
    diesel::delete(
        slice_counts::table.filter(slice_counts::wave_id.eq(wave_id)).filter(slice_counts::kind.eq("wrote")),
    )
    .execute(c)?;
    refill_slices(c, wave_id, "wrote")
}

/// Responses per audience in a wave.
pub fn response_counts(conn: &mut DbConnection, wave_id: &WaveId) -> StoreResult<Vec<(String, i64)>> {
    Ok(response_counts::table
        .filter(response_counts::wave_id.eq(wave_id))
        .filter(response_counts::responses.gt(0))
        .select((response_counts::audience, response_counts::responses))
        .load(conn)?)
}

/// Per (audience, question): people who answered a question with several answers each, and
/// people who wrote words.
pub fn question_counts(conn: &mut DbConnection, wave_id: &WaveId) -> StoreResult<Vec<(String, String, i64, i64)>> {
    Ok(question_counts::table
        .filter(question_counts::wave_id.eq(wave_id))
        .select((
            question_counts::audience,
            question_counts::question_key,
            question_counts::answered,
            question_counts::wrote,
        ))
        .load(conn)?)
}

/// Per (audience, question): each number given and how many gave it.
pub fn number_counts(conn: &mut DbConnection, wave_id: &WaveId) -> StoreResult<Vec<(String, String, f64, i64)>> {
    Ok(number_counts::table
        .filter(number_counts::wave_id.eq(wave_id))
        .filter(number_counts::answers.gt(0))
        .select((number_counts::audience, number_counts::question_key, number_counts::value, number_counts::answers))
        .load(conn)?)
}

/// One group of a wave's sliced figures: by audience, channel and whether sent inside the
/// days asked for, summed over the days.
#[derive(QueryableByName, Debug)]
pub struct Slice {
    #[diesel(sql_type = Text)]
    pub audience: String,
    #[diesel(sql_type = Text)]
    pub channel: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub in_range: i32,
    /// '' for everyone, else the single-choice question whose answer the figure is under.
    #[diesel(sql_type = Text)]
    pub filter_key: String,
    #[diesel(sql_type = Text)]
    pub filter_value: String,
    /// `responses`, `option`, `answered`, `wrote` or `number`.
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub question_key: String,
    #[diesel(sql_type = Text)]
    pub option_value: String,
    #[diesel(sql_type = diesel::sql_types::Double)]
    pub number_value: f64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub n: i64,
}

/// A wave's figures kept by channel and day, summed into groups by audience, channel and
/// whether sent from `from` to `to` (both days included): everyone's, and when `crossed` names
/// a single-choice question, the same figures under each answer to it. A few thousand kept
/// rows read, however many answered.
/// `kinds`: which figures to read (`None`: every kind; comparisons need only responses and
/// options).
pub fn slices(
    conn: &mut DbConnection,
    wave_id: &WaveId,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    crossed: Option<&str>,
    kinds: Option<&[&str]>,
) -> StoreResult<Vec<Slice>> {
    // Kinds are this module's own constants, never input.
    let only = kinds.map_or_else(String::new, |k| {
        let listed: Vec<String> = k.iter().filter(|k| SLICE_KINDS.contains(k)).map(|k| format!("'{k}'")).collect();
        format!(" AND kind IN ({})", listed.join(", "))
    });
    let figure = "kind, question_key, option_value, number_value";
    summed_by_group(conn, "slice_counts", figure, "n", &only, (wave_id, from, to, crossed))
}

/// Sums a kept-by-day table (`slice_counts`, `index_slices`) into groups by audience,
/// channel, whether sent from `from` to `to`, the filtering answer and the figure (its
/// `figure` columns, six in all with the first three), for everyone and under each answer
/// to `crossed`: the one read both kinds of kept rows share. `count` is the summed column;
/// `only` narrows the rows (this module's own SQL, never input).
fn summed_by_group<T>(
    conn: &mut DbConnection,
    table: &str,
    figure: &str,
    count: &str,
    only: &str,
    (wave_id, from, to, crossed): (&WaveId, chrono::NaiveDate, chrono::NaiveDate, Option<&str>),
) -> StoreResult<Vec<T>>
where
    T: QueryableByName<diesel::sqlite::Sqlite> + QueryableByName<diesel::pg::Pg> + 'static,
{
    use diesel::sql_types::Date;
    let pg = conn.backend() == Backend::Postgres;
    let p = |i: u8| if pg { format!("${i}") } else { format!("?{i}") };
    let sql = format!(
        "SELECT audience, channel, CASE WHEN day >= {} AND day <= {} THEN 1 ELSE 0 END AS in_range, \
         filter_key, filter_value, {figure}, CAST(SUM({count}) AS BIGINT) AS {count} \
         FROM {table} WHERE wave_id = {} AND filter_key IN ('', {}){only} \
         GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9 HAVING SUM({count}) <> 0",
        p(2),
        p(3),
        p(1),
        p(4)
    );
    Ok(crate::on_backend!(conn, |c| diesel::sql_query(&sql)
        .bind::<Text, _>(wave_id.as_str())
        .bind::<Date, _>(from)
        .bind::<Date, _>(to)
        .bind::<Text, _>(crossed.unwrap_or(""))
        .load::<T>(c))?)
}

/// Where one sliced figure is kept: its group, day, and which figure.
pub struct SliceKey<'a> {
    pub audience: &'a str,
    pub channel: &'a str,
    pub day: chrono::NaiveDate,
    /// The single-choice question and answer the figure is under ('' for everyone).
    pub filter: (&'a str, &'a str),
    pub kind: &'a str,
    pub key: &'a str,
    pub option: &'a str,
    pub number: f64,
}

impl std::fmt::Display for SliceKey<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let SliceKey { audience, channel, day, filter: (fk, fv), kind, key, option, number } = self;
        write!(f, "{audience}/{channel}/{day}/{fk}={fv}: {kind} {key} {option} {number}")
    }
}

/// Every sliced figure of a wave by its readable name (`SliceKey`), zeros left out (for
/// `integrity::wave_check`).
pub fn slice_rows(conn: &mut DbConnection, wave_id: &WaveId) -> StoreResult<BTreeMap<String, i64>> {
    type Row = (String, String, chrono::NaiveDate, (String, String), String, String, String, f64, i64);
    let rows: Vec<Row> = slice_counts::table
        .filter(slice_counts::wave_id.eq(wave_id))
        .filter(slice_counts::n.ne(0))
        .select((
            slice_counts::audience,
            slice_counts::channel,
            slice_counts::day,
            (slice_counts::filter_key, slice_counts::filter_value),
            slice_counts::kind,
            slice_counts::question_key,
            slice_counts::option_value,
            slice_counts::number_value,
            slice_counts::n,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(audience, channel, day, (fk, fv), kind, key, option, number, n)| {
            let (audience, channel, filter) = (&audience, &channel, (fk.as_str(), fv.as_str()));
            let name = SliceKey { audience, channel, day, filter, kind: &kind, key: &key, option: &option, number };
            (name.to_string(), n)
        })
        .collect())
}

/// One group of a wave's kept index counts: respondents with `positive` of `valid` answers
/// to the questions of one priority or value, by audience, channel and whether sent inside
/// the days asked for, summed over the days.
#[derive(QueryableByName, Debug)]
pub struct IndexSlice {
    #[diesel(sql_type = Text)]
    pub audience: String,
    #[diesel(sql_type = Text)]
    pub channel: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub in_range: i32,
    /// '' for everyone, else the single-choice question whose answer the figure is under.
    #[diesel(sql_type = Text)]
    pub filter_key: String,
    #[diesel(sql_type = Text)]
    pub filter_value: String,
    /// `priority` or `value`.
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub code: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub positive: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub valid: i32,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub respondents: i64,
}

/// A wave's index counts kept by channel and day (`index_slices`), summed into groups as
/// [`slices`] sums the other figures: everyone's, and under each answer to `crossed`.
pub fn index_slices(
    conn: &mut DbConnection,
    wave_id: &WaveId,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    crossed: Option<&str>,
) -> StoreResult<Vec<IndexSlice>> {
    let figure = "kind, code, positive, valid";
    summed_by_group(conn, "index_slices", figure, "respondents", "", (wave_id, from, to, crossed))
}

/// Where one kept index count is: its group, day, and which priority or value with how many
/// positive of how many valid answers.
pub struct IndexSliceKey<'a> {
    pub audience: &'a str,
    pub channel: &'a str,
    pub day: chrono::NaiveDate,
    /// The single-choice question and answer the figure is under ('' for everyone).
    pub filter: (&'a str, &'a str),
    pub kind: &'a str,
    pub code: &'a str,
    pub positive: i32,
    pub valid: i32,
}

impl std::fmt::Display for IndexSliceKey<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let IndexSliceKey { audience, channel, day, filter: (fk, fv), kind, code, positive, valid } = self;
        write!(f, "{audience}/{channel}/{day}/{fk}={fv}: {kind} {code} {positive} of {valid}")
    }
}

/// Every kept index count of a wave by its readable name (`IndexSliceKey`), zeros left out
/// (for `integrity::wave_check`).
pub fn index_slice_rows(conn: &mut DbConnection, wave_id: &WaveId) -> StoreResult<BTreeMap<String, i64>> {
    type Row = (String, String, chrono::NaiveDate, (String, String), String, String, i32, i32, i64);
    let rows: Vec<Row> = index_slices::table
        .filter(index_slices::wave_id.eq(wave_id))
        .filter(index_slices::respondents.ne(0))
        .select((
            index_slices::audience,
            index_slices::channel,
            index_slices::day,
            (index_slices::filter_key, index_slices::filter_value),
            index_slices::kind,
            index_slices::code,
            index_slices::positive,
            index_slices::valid,
            index_slices::respondents,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(audience, channel, day, (fk, fv), kind, code, positive, valid, n)| {
            let name = IndexSliceKey {
                audience: &audience,
                channel: &channel,
                day,
                filter: (&fk, &fv),
                kind: &kind,
                code: &code,
                positive,
                valid,
            };
            (name.to_string(), n)
        })
        .collect())
}
