//! What one wave's results count, by group of respondents (`stats::results::Tally`).
//!
//! Without a filter that splits respondents beyond their audience, the counts kept at write
//! time are read (answers per option, with any published counts imported for the wave),
//! plus how many answered each question, the numbers given, how many wrote and how many sent
//! a recording or picture. With a channel or date filter, or the answer to a single-choice
//! question, the same figures kept by channel, day and single-choice answer
//! (`super::aggregates::slices`) are summed by audience, channel, answer and whether sent
//! inside the days: a few thousand kept rows, however many answered. An answer to another
//! kind of question (a scale, yes/sometimes/no) is not kept crossed (every send would write
//! a copy of its figures per such answer), so those views count the stored answers in one
//! pass per figure (`counted`), grouped the same way. Either way every group the
//! suppression cube needs comes in the same read. Counting only; figures and suppression
//! are `crate::stats::results`.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Integer, Nullable, Text, Timestamp};

use super::StoreResult;
use crate::db::schema::{answer_files, answers, imported_counts, responses};
use crate::db::{Backend, DbConnection, WaveId};
use crate::domain::SurveyDefinition;
use crate::domain::filter::Filter;
use crate::domain::survey::QuestionKind;
use crate::stats::results::{GroupCounts, PUBLISHED, Sig, Tally};

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn whole(audience: String) -> Sig {
    Sig { audience, channel: "*".into(), answer: None, in_range: true }
}

/// The questions whose figures need more than the counts of options: people who answered a
/// question with several answers each, people who wrote, and the numbers given.
struct Beyond {
    multi: Vec<String>,
    text: Vec<String>,
    number: Vec<String>,
}

impl Beyond {
    fn of(def: &SurveyDefinition) -> Self {
        let keys = |want: &dyn Fn(QuestionKind) -> bool| -> Vec<String> {
            def.questions.iter().filter(|q| want(q.kind)).map(|q| q.key.to_string()).collect()
        };
        Beyond {
            multi: keys(&|k| k == QuestionKind::MultipleChoice),
            text: keys(&|k| k.is_text()),
            number: keys(&|k| k == QuestionKind::Number),
        }
    }
}

/// Counts `wave_id`'s answers for its results, split as `filter` needs.
pub fn tally(conn: &mut DbConnection, wave_id: &WaveId, def: &SurveyDefinition, filter: &Filter) -> StoreResult<Tally> {
    let crossed = filter.answer.as_ref().map(|(k, _)| k.as_str());
    let kept_crossed = crossed.is_none_or(|k| def.question(k).is_some_and(|q| q.kind == QuestionKind::SingleChoice));
    if !filter.needs_answers() {
        kept(conn, wave_id)
    } else if kept_crossed {
        sliced(conn, wave_id, filter, crossed, None)
    } else {
        split(conn, wave_id, def, filter)
    }
}

/// Responses and answers per option only, split as `filter` needs (a channel, days or a
/// single-choice answer, from the counts kept by channel and day): what a filtered
/// comparison counts. Published counts come as their own group.
pub fn option_tally(conn: &mut DbConnection, wave_id: &WaveId, filter: &Filter) -> StoreResult<Tally> {
    let crossed = filter.answer.as_ref().map(|(k, _)| k.as_str());
    sliced(conn, wave_id, filter, crossed, Some(&["responses", "option"]))
}

/// The same tally as `tally` gives, always counted from the stored answers: the reference
/// the kept counts are checked against.
pub fn counted(
    conn: &mut DbConnection,
    wave_id: &WaveId,
    def: &SurveyDefinition,
    filter: &Filter,
) -> StoreResult<Tally> {
    split(conn, wave_id, def, filter)
}

/// By audience, channel and whether sent inside the days, from the counts kept by channel
/// and day (`super::aggregates::slices`): every group the suppression cube needs, from a
/// few thousand kept rows. Recordings and pictures are few, counted from their rows.
fn sliced(
    conn: &mut DbConnection,
    wave_id: &WaveId,
    filter: &Filter,
    crossed: Option<&str>,
    kinds: Option<&[&str]>,
) -> StoreResult<Tally> {
    let (from, to) = filter.days();
    let mut t = Tally::default();
    let mut under: BTreeMap<Sig, GroupCounts> = BTreeMap::new();
    for s in super::aggregates::slices(conn, wave_id, from, to, crossed, kinds)? {
        let answer = (!s.filter_key.is_empty()).then_some(s.filter_value);
        let sig = Sig { audience: s.audience, channel: s.channel, answer, in_range: s.in_range != 0 };
        let g = if sig.answer.is_some() { under.entry(sig).or_default() } else { t.groups.entry(sig).or_default() };
        let n = count(s.n);
        match s.kind.as_str() {
            "responses" => g.responses = n,
            "option" => {
                g.options.insert((s.question_key, s.option_value), n);
            }
            "answered" => {
                g.answered.insert(s.question_key, n);
            }
            "wrote" => {
                g.written.insert(s.question_key, n);
            }
            _ => g.numbers.entry(s.question_key).or_default().push((s.number_value, n)),
        }
    }
    // Everyone's groups so far hold those who gave each answer too: take them out, so the
    // groups part the respondents as a count of the stored answers does.
    for (sig, part) in under {
        let rest = Sig { answer: None, ..sig.clone() };
        if let Some(whole) = t.groups.get_mut(&rest) {
            whole.take(&part);
            if whole.responses == 0 {
                t.groups.remove(&rest);
            }
        }
        t.groups.insert(sig, part);
    }
    if kinds.is_some() {
        // Recordings and pictures are not among the figures asked for.
        published(conn, wave_id, &mut t)?;
        return Ok(t);
    }
    let files: Vec<(String, String, NaiveDateTime, String, Option<String>)> = answer_files::table
        .inner_join(responses::table.on(answer_files::response_id.eq(responses::id.nullable())))
        .left_join(
            answers::table
                .on(answers::response_id.eq(responses::id).and(answers::question_key.eq(crossed.unwrap_or_default()))),
        )
        .filter(answer_files::wave_id.eq(wave_id))
        .select((
            responses::audience,
            responses::channel,
            responses::submitted_at,
            answer_files::question_key,
            answers::option_value.nullable(),
        ))
        .load(conn)?;
    for (audience, channel, sent, k, answer) in files {
        let in_range = (from..=to).contains(&sent.date());
        let sig = Sig { audience, channel, answer, in_range };
        *t.groups.entry(sig).or_default().files.entry(k).or_insert(0) += 1;
    }
    published(conn, wave_id, &mut t)?;
    Ok(t)
}

/// Published counts cannot be split: a group of their own, inside no filter.
fn published(conn: &mut DbConnection, wave_id: &WaveId, t: &mut Tally) -> StoreResult<()> {
    let published: Vec<(String, String, String, i64)> = imported_counts::table
        .filter(imported_counts::wave_id.eq(wave_id))
        .select((
            imported_counts::audience,
            imported_counts::question_key,
            imported_counts::option_value,
            imported_counts::answers,
        ))
        .load(conn)?;
    for (a, k, v, n) in published {
        let sig = Sig { audience: a, channel: PUBLISHED.into(), answer: None, in_range: false };
        let g: &mut GroupCounts = t.groups.entry(sig).or_default();
        *g.options.entry((k, v)).or_insert(0) += count(n);
    }
    Ok(())
}

/// By audience only, from the counts kept at write time (`super::aggregates`): a few
/// hundred rows however many answered. Recordings and pictures are few, one row each.
fn kept(conn: &mut DbConnection, wave_id: &WaveId) -> StoreResult<Tally> {
    use super::aggregates as kept;
    let mut t = Tally::default();
    for (a, n) in kept::response_counts(conn, wave_id)? {
        t.groups.entry(whole(a)).or_default().responses = count(n);
    }
    for ((a, k, v), n) in kept::option_counts(conn, wave_id)? {
        t.groups.entry(whole(a)).or_default().options.insert((k, v), n);
    }
    for (a, k, answered, wrote) in kept::question_counts(conn, wave_id)? {
        let g = t.groups.entry(whole(a)).or_default();
        if answered > 0 {
            g.answered.insert(k.clone(), count(answered));
        }
        if wrote > 0 {
            g.written.insert(k, count(wrote));
        }
    }
    for (a, k, x, n) in kept::number_counts(conn, wave_id)? {
        t.groups.entry(whole(a)).or_default().numbers.entry(k).or_default().push((x, count(n)));
    }
    let files: Vec<(String, String)> = answer_files::table
        .inner_join(responses::table.on(answer_files::response_id.eq(responses::id.nullable())))
        .filter(answer_files::wave_id.eq(wave_id))
        .select((responses::audience, answer_files::question_key))
        .load(conn)?;
    for (a, k) in files {
        *t.groups.entry(whole(a)).or_default().files.entry(k).or_insert(0) += 1;
    }
    Ok(t)
}

#[derive(QueryableByName)]
struct SigRow {
    #[diesel(sql_type = Text)]
    audience: String,
    #[diesel(sql_type = Text)]
    channel: String,
    #[diesel(sql_type = Nullable<Text>)]
    fv: Option<String>,
    #[diesel(sql_type = Integer)]
    in_range: i32,
}

impl SigRow {
    fn sig(&self) -> Sig {
        Sig {
            audience: self.audience.clone(),
            channel: self.channel.clone(),
            answer: self.fv.clone(),
            in_range: self.in_range != 0,
        }
    }
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(embed)]
    sig: SigRow,
    #[diesel(sql_type = Text)]
    k: String,
    #[diesel(sql_type = Text)]
    v: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct NumberRow {
    #[diesel(embed)]
    sig: SigRow,
    #[diesel(sql_type = Text)]
    k: String,
    #[diesel(sql_type = Double)]
    x: f64,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Split by audience, channel, answer to the filtering question and days, from the answers.
fn split(conn: &mut DbConnection, wave_id: &WaveId, def: &SurveyDefinition, filter: &Filter) -> StoreResult<Tally> {
    let pg = conn.backend() == Backend::Postgres;
    let p = |i: u8| if pg { format!("${i}") } else { format!("?{i}") };
    let (from, to) = filter.instants();
    let key = filter.answer.as_ref().map(|(k, _)| k.clone()).unwrap_or_default();
    // ?1 wave, ?2 filtering question, ?3 first instant, ?4 first instant after.
    let sig = format!(
        "r.audience AS audience, r.channel AS channel, fa.option_value AS fv, \
         CASE WHEN r.submitted_at >= {} AND r.submitted_at < {} THEN 1 ELSE 0 END AS in_range",
        p(3),
        p(4)
    );
    let from_responses =
        format!("FROM responses r LEFT JOIN answers fa ON fa.response_id = r.id AND fa.question_key = {}", p(2));
    let wave = format!("r.wave_id = {}", p(1));
    let run_counts = |conn: &mut DbConnection, sql: String| -> StoreResult<Vec<CountRow>> {
        Ok(crate::on_backend!(conn, |c| diesel::sql_query(&sql)
            .bind::<Text, _>(wave_id.as_str())
            .bind::<Text, _>(&key)
            .bind::<Timestamp, _>(from)
            .bind::<Timestamp, _>(to)
            .load::<CountRow>(c))?)
    };
    let mut t = Tally::default();
    let totals = run_counts(
        conn,
        format!(
            "SELECT {sig}, '' AS k, '' AS v, CAST(COUNT(*) AS BIGINT) AS n {from_responses} \
             WHERE {wave} GROUP BY 1, 2, 3, 4"
        ),
    )?;
    for r in totals {
        t.groups.entry(r.sig.sig()).or_default().responses = count(r.n);
    }
    let options = run_counts(
        conn,
        format!(
            "SELECT {sig}, a.question_key AS k, a.option_value AS v, CAST(COUNT(*) AS BIGINT) AS n \
             {from_responses} JOIN answers a ON a.response_id = r.id \
             WHERE {wave} AND a.option_value IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6"
        ),
    )?;
    for r in options {
        t.groups.entry(r.sig.sig()).or_default().options.insert((r.k, r.v), count(r.n));
    }
    // Only what the counts of options cannot give, and only for the questions that need it.
    // Keys are `Slug`s (lower-case letters, digits and hyphens), so quoting them is safe.
    let quoted = |keys: &[String]| -> String {
        if keys.is_empty() {
            "''".to_owned()
        } else {
            keys.iter().map(|k| format!("'{k}'")).collect::<Vec<_>>().join(", ")
        }
    };
    let needs = Beyond::of(def);
    let (multi, text, number) = (quoted(&needs.multi), quoted(&needs.text), quoted(&needs.number));
    for (words, cond) in [
        (false, format!(" AND a.question_key IN ({multi})")),
        (true, format!(" AND a.question_key IN ({text}) AND a.text_value IS NOT NULL AND a.option_value IS NULL")),
    ] {
        let rows = run_counts(
            conn,
            format!(
                "SELECT {sig}, a.question_key AS k, '' AS v, CAST(COUNT(DISTINCT a.response_id) AS BIGINT) AS n \
                 {from_responses} JOIN answers a ON a.response_id = r.id \
                 WHERE {wave}{cond} GROUP BY 1, 2, 3, 4, 5"
            ),
        )?;
        for r in rows {
            let g = t.groups.entry(r.sig.sig()).or_default();
            if words {
                g.written.insert(r.k, count(r.n))
            } else {
                g.answered.insert(r.k, count(r.n))
            };
        }
    }
    let files = run_counts(
        conn,
        format!(
            "SELECT {sig}, f.question_key AS k, '' AS v, CAST(COUNT(*) AS BIGINT) AS n \
             {from_responses} JOIN answer_files f ON f.response_id = r.id \
             WHERE {wave} GROUP BY 1, 2, 3, 4, 5"
        ),
    )?;
    for r in files {
        t.groups.entry(r.sig.sig()).or_default().files.insert(r.k, count(r.n));
    }
    let sql = format!(
        "SELECT {sig}, a.question_key AS k, a.number_value AS x, CAST(COUNT(*) AS BIGINT) AS n \
         {from_responses} JOIN answers a ON a.response_id = r.id \
         WHERE {wave} AND a.question_key IN ({number}) AND a.number_value IS NOT NULL \
         GROUP BY 1, 2, 3, 4, 5, 6"
    );
    let numbers: Vec<NumberRow> = crate::on_backend!(conn, |c| diesel::sql_query(&sql)
        .bind::<Text, _>(wave_id.as_str())
        .bind::<Text, _>(&key)
        .bind::<Timestamp, _>(from)
        .bind::<Timestamp, _>(to)
        .load::<NumberRow>(c))?;
    for r in numbers {
        t.groups.entry(r.sig.sig()).or_default().numbers.entry(r.k).or_default().push((r.x, count(r.n)));
    }
    published(conn, wave_id, &mut t)?;
    Ok(t)
}

/// Responses per audience in a tally's groups inside `filter` (for the page's opening line).
pub fn responses_by_audience(t: &Tally, filter: &Filter) -> HashMap<String, u64> {
    let mut out = HashMap::new();
    for (s, g) in t.groups.iter().filter(|(s, _)| s.inside(filter, None)) {
        *out.entry(s.audience.clone()).or_insert(0) += g.responses;
    }
    out
}
