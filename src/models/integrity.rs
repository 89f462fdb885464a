//! Checks that the stored data is whole: the engine's own integrity check, and for a wave that
//! every acknowledged receipt is stored exactly once, no response is an empty shell, and the
//! kept counts (the index counts by channel, day and answer included) and answer sheets equal
//! a recount of the raw answers. The load generator (`--check`), `heard
//! verify` and the crash-safety script use these.

use std::collections::{BTreeMap, HashMap};

use diesel::connection::SimpleConnection;
use diesel::dsl::{exists, not};
use diesel::prelude::*;

use super::StoreResult;
use crate::db::schema::{answer_counts, answers, responses};
use crate::db::{Backend, DbConnection, WaveId};
use crate::domain::codes::ShortCode;

/// What the engine's own check found; empty when the database is sound.
#[derive(Debug, Default, serde::Serialize)]
pub struct EngineCheck {
    /// What was run (`PRAGMA integrity_check`, `amcheck bt_index_check on N indexes`, ...).
    pub ran: Vec<String>,
    pub problems: Vec<String>,
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = diesel::sql_types::Text)]
    line: String,
}

/// SQLite: `PRAGMA integrity_check` and `PRAGMA foreign_key_check`. PostgreSQL: amcheck's
/// `bt_index_check` on every B-tree index of Heard's schema (the extension is created if the
/// server has it), plus a check that no foreign key points nowhere is left to the engine,
/// which enforces them.
pub fn engine_check(conn: &mut DbConnection) -> StoreResult<EngineCheck> {
    let mut out = EngineCheck::default();
    match conn.backend() {
        Backend::Sqlite => {
            let rows: Vec<Line> =
                diesel::sql_query("SELECT integrity_check AS line FROM pragma_integrity_check").load(conn)?;
            out.ran.push("PRAGMA integrity_check".into());
            out.problems.extend(rows.into_iter().map(|r| r.line).filter(|l| l != "ok"));
            let fk: Vec<Line> = diesel::sql_query(
                "SELECT \"table\" || ' row ' || COALESCE(rowid, '?') || ' points at a missing ' || parent AS line \
                 FROM pragma_foreign_key_check",
            )
            .load(conn)?;
            out.ran.push("PRAGMA foreign_key_check".into());
            out.problems.extend(fk.into_iter().map(|r| r.line));
        }
        Backend::Postgres => {
            if conn.batch_execute("CREATE EXTENSION IF NOT EXISTS amcheck").is_err() {
                out.ran.push("amcheck is not installed on this server: index check skipped".into());
                return Ok(out);
            }
            let indexes: Vec<Line> = diesel::sql_query(
                "SELECT c.relname::text AS line FROM pg_index i \
                 JOIN pg_class c ON c.oid = i.indexrelid \
                 JOIN pg_am a ON a.oid = c.relam \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE a.amname = 'btree' AND n.nspname = current_schema()",
            )
            .load(conn)?;
            for ix in &indexes {
                let q =
                    format!("SELECT bt_index_check('{}'::regclass, true)::text AS line", ix.line.replace('\'', "''"));
                if let Err(e) = diesel::sql_query(q).load::<Line>(conn) {
                    out.problems.push(format!("index {}: {e}", ix.line));
                }
            }
            out.ran.push(format!("amcheck bt_index_check (with heap check) on {} indexes", indexes.len()));
        }
    }
    Ok(out)
}

/// What a wave's stored responses look like against the receipts a client was given.
#[derive(Debug, Default, serde::Serialize)]
pub struct WaveCheck {
    pub stored: i64,
    pub acknowledged: usize,
    /// Acknowledged receipts with no stored response.
    pub missing: Vec<String>,
    /// Receipts stored more than once.
    pub duplicated: Vec<String>,
    /// Receipts given twice to clients (the same response acknowledged again, as a retried
    /// send should be: not a fault, reported for information).
    pub acknowledged_twice: usize,
    /// Stored responses with no answers at all.
    pub empty: i64,
    /// (audience, question, option) whose kept count differs from a recount.
    pub count_mismatches: Vec<String>,
}

impl WaveCheck {
    pub fn is_sound(&self) -> bool {
        self.missing.is_empty() && self.duplicated.is_empty() && self.empty == 0 && self.count_mismatches.is_empty()
    }
}

/// Checks a wave (by id) against the receipt codes a client was given.
pub fn wave_check(
    conn: &mut DbConnection,
    key: &crate::domain::codes::CodeKey,
    wave_id: &WaveId,
    receipts: &[String],
) -> StoreResult<WaveCheck> {
    let mut out = WaveCheck {
        stored: super::response::count_for_wave(conn, wave_id)?,
        acknowledged: receipts.len(),
        ..WaveCheck::default()
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    for r in receipts {
        *seen.entry(r.trim().to_owned()).or_default() += 1;
    }
    out.acknowledged_twice = seen.values().filter(|n| **n > 1).count();
    for code in seen.keys() {
        let Some(parsed) = ShortCode::parse(code) else {
            out.missing.push(format!("{code} (not a receipt code)"));
            continue;
        };
        let n: i64 = responses::table
            .filter(responses::wave_id.eq(wave_id))
            .filter(responses::receipt_hash.eq_any(parsed.hashes(key, "receipt")))
            .count()
            .get_result(conn)?;
        match n {
            0 => out.missing.push(code.clone()),
            1 => {}
            _ => out.duplicated.push(code.clone()),
        }
    }
    out.empty = responses::table
        .filter(responses::wave_id.eq(wave_id))
        .filter(not(exists(answers::table.filter(answers::response_id.eq(responses::id)))))
        .count()
        .get_result(conn)?;
    let kept: BTreeMap<(String, String, String), i64> = answer_counts::table
        .filter(answer_counts::wave_id.eq(wave_id))
        .select((
            answer_counts::audience,
            answer_counts::question_key,
            answer_counts::option_value,
            answer_counts::answers,
        ))
        .load::<(String, String, String, i64)>(conn)?
        .into_iter()
        .filter(|r| r.3 != 0)
        .map(|(a, q, o, n)| ((a, q, o), n))
        .collect();
    let recount: BTreeMap<(String, String, String), i64> = answers::table
        .inner_join(responses::table)
        .filter(responses::wave_id.eq(wave_id))
        .filter(answers::option_value.is_not_null())
        .group_by((responses::audience, answers::question_key, answers::option_value))
        .select((responses::audience, answers::question_key, answers::option_value, diesel::dsl::count_star()))
        .load::<(String, String, Option<String>, i64)>(conn)?
        .into_iter()
        .filter_map(|(a, q, o, n)| Some(((a, q, o?), n)))
        .collect();
    for key in kept.keys().chain(recount.keys()) {
        let (k, r) = (kept.get(key).copied().unwrap_or(0), recount.get(key).copied().unwrap_or(0));
        if k != r && !out.count_mismatches.iter().any(|m| m.starts_with(&format!("{}/{}/{}:", key.0, key.1, key.2))) {
            out.count_mismatches.push(format!("{}/{}/{}: kept {k}, recounted {r}", key.0, key.1, key.2));
        }
    }
    let sheets = super::sheets::mismatched(conn, wave_id)?;
    if sheets > 0 {
        out.count_mismatches.push(format!("answer sheets: {sheets} responses' sheets differ from their answers"));
    }
    let (mut kept, mut recount) = (kept_beside(conn, wave_id)?, recount_beside(conn, wave_id)?);
    kept.append(&mut super::aggregates::slice_rows(conn, wave_id)?);
    recount.append(&mut recount_slices(conn, wave_id)?);
    kept.append(&mut super::aggregates::index_slice_rows(conn, wave_id)?);
    recount.append(&mut recount_index_slices(conn, wave_id)?);
    for key in kept.keys().chain(recount.keys()) {
        let (k, r) = (kept.get(key).copied().unwrap_or(0), recount.get(key).copied().unwrap_or(0));
        let line = format!("{key}: kept {k}, recounted {r}");
        if k != r && !out.count_mismatches.contains(&line) {
            out.count_mismatches.push(line);
        }
    }
    Ok(out)
}

/// The other kept counts of a wave (responses, people who answered or wrote, numbers), by a
/// readable name of each figure; zeros left out.
fn kept_beside(conn: &mut DbConnection, wave_id: &WaveId) -> StoreResult<BTreeMap<String, i64>> {
    use super::aggregates as kept;
    let mut out = BTreeMap::new();
    for (a, n) in kept::response_counts(conn, wave_id)? {
        out.insert(format!("{a}: responses"), n);
    }
    for (a, k, answered, wrote) in kept::question_counts(conn, wave_id)? {
        out.insert(format!("{a}/{k}: answered"), answered);
        out.insert(format!("{a}/{k}: wrote"), wrote);
    }
    for (a, k, x, n) in kept::number_counts(conn, wave_id)? {
        out.insert(format!("{a}/{k}: gave {x}"), n);
    }
    out.retain(|_, n| *n != 0);
    Ok(out)
}

/// The same figures as `kept_beside`, counted from the raw rows.
fn recount_beside(conn: &mut DbConnection, wave_id: &WaveId) -> StoreResult<BTreeMap<String, i64>> {
    use crate::db::schema::questions;
    let mut out = BTreeMap::new();
    let people: Vec<(String, i64)> = responses::table
        .filter(responses::wave_id.eq(wave_id))
        .group_by(responses::audience)
        .select((responses::audience, diesel::dsl::count_star()))
        .load(conn)?;
    for (a, n) in people {
        out.insert(format!("{a}: responses"), n);
    }
    let multi: Vec<String> = questions::table
        .filter(questions::wave_id.eq(wave_id))
        .filter(questions::kind.eq("multiple-choice"))
        .select(questions::question_key)
        .load(conn)?;
    let rows: Vec<(String, String, super::aggregates::AnswerRow)> = answers::table
        .inner_join(responses::table)
        .filter(responses::wave_id.eq(wave_id))
        .select((
            responses::audience,
            responses::id,
            (answers::question_key, answers::option_value, answers::text_value.is_not_null(), answers::number_value),
        ))
        .load(conn)?;
    let mut answered: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    let mut wrote: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    for (a, id, (k, option, words, number)) in rows {
        if multi.contains(&k) {
            answered.entry(format!("{a}/{k}: answered")).or_default().insert(id.clone());
        }
        if words && option.is_none() {
            wrote.entry(format!("{a}/{k}: wrote")).or_default().insert(id);
        }
        if let Some(x) = number {
            *out.entry(format!("{a}/{k}: gave {x}")).or_insert(0) += 1;
        }
    }
    for (name, ids) in answered.into_iter().chain(wrote) {
        out.insert(name, i64::try_from(ids.len()).unwrap_or(i64::MAX));
    }
    Ok(out)
}

/// The figures kept by channel and day (`aggregates::slice_rows`), counted from the raw rows.
fn recount_slices(conn: &mut DbConnection, wave_id: &WaveId) -> StoreResult<BTreeMap<String, i64>> {
    use super::aggregates::SliceKey;
    use crate::db::schema::questions;
    let mut out: BTreeMap<String, i64> = BTreeMap::new();
    let people: Vec<(String, String, chrono::NaiveDateTime, String)> = responses::table
        .filter(responses::wave_id.eq(wave_id))
        .select((responses::audience, responses::channel, responses::submitted_at, responses::id))
        .load(conn)?;
    for (audience, channel, sent, _) in &people {
        let day = sent.date();
        let name =
            SliceKey { audience, channel, day, filter: ("", ""), kind: "responses", key: "", option: "", number: 0.0 };
        *out.entry(name.to_string()).or_insert(0) += 1;
    }
    let of_kind = |conn: &mut DbConnection, kind: &str| -> StoreResult<Vec<String>> {
        Ok(questions::table
            .filter(questions::wave_id.eq(wave_id))
            .filter(questions::kind.eq(kind))
            .select(questions::question_key)
            .load(conn)?)
    };
    let (multi, single) = (of_kind(conn, "multiple-choice")?, of_kind(conn, "single-choice")?);
    let rows: Vec<(String, String, chrono::NaiveDateTime, String, super::aggregates::AnswerRow)> = answers::table
        .inner_join(responses::table)
        .filter(responses::wave_id.eq(wave_id))
        .select((
            responses::audience,
            responses::channel,
            responses::submitted_at,
            responses::id,
            (answers::question_key, answers::option_value, answers::text_value.is_not_null(), answers::number_value),
        ))
        .load(conn)?;
    // Each response's single-choice answers: its figures are kept under each of them too.
    let mut under: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
    for (_, _, _, id, (key, option, _, _)) in &rows {
        if let (true, Some(v)) = (single.contains(key), option) {
            under.entry(id.as_str()).or_default().push((key.as_str(), v.as_str()));
        }
    }
    for (audience, channel, sent, id) in &people {
        for filter in under.get(id.as_str()).into_iter().flatten().copied() {
            let day = sent.date();
            let name = SliceKey { audience, channel, day, filter, kind: "responses", key: "", option: "", number: 0.0 };
            *out.entry(name.to_string()).or_insert(0) += 1;
        }
    }
    let mut people_per: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    for (audience, channel, sent, id, (key, option, words, number)) in &rows {
        let day = sent.date();
        let mut filters = vec![("", "")];
        filters.extend(under.get(id.as_str()).into_iter().flatten().copied());
        for filter in filters {
            let at = |kind: &'static str, option: &str, number: f64| {
                SliceKey { audience, channel, day, filter, kind, key, option, number }.to_string()
            };
            if let Some(v) = option {
                *out.entry(at("option", v, 0.0)).or_insert(0) += 1;
            }
            if multi.contains(key) {
                people_per.entry(at("answered", "", 0.0)).or_default().insert(id.clone());
            }
            if *words && option.is_none() {
                people_per.entry(at("wrote", "", 0.0)).or_default().insert(id.clone());
            }
            if let Some(x) = number {
                *out.entry(at("number", "", *x)).or_insert(0) += 1;
            }
        }
    }
    for (name, ids) in people_per {
        out.insert(name, i64::try_from(ids.len()).unwrap_or(i64::MAX));
    }
    Ok(out)
}

/// The index counts kept by channel and day (`aggregates::index_slice_rows`), counted from
/// the raw answers in Rust: each response's positive and valid answers per priority and value
/// (single-answer questions, by each option's polarity), for everyone and under each of its
/// single-choice answers.
fn recount_index_slices(conn: &mut DbConnection, wave_id: &WaveId) -> StoreResult<BTreeMap<String, i64>> {
    use super::aggregates::IndexSliceKey;
    use crate::db::schema::{question_options, question_tags, questions};
    const ONE_ANSWER: [&str; 3] = ["single-choice", "face-scale", "yes-sometimes-no"];
    let people: Vec<(String, String, String, chrono::NaiveDateTime)> = responses::table
        .filter(responses::wave_id.eq(wave_id))
        .select((responses::id, responses::audience, responses::channel, responses::submitted_at))
        .load(conn)?;
    let single: Vec<String> = questions::table
        .filter(questions::wave_id.eq(wave_id))
        .filter(questions::kind.eq("single-choice"))
        .select(questions::question_key)
        .load(conn)?;
    let polarity: HashMap<(String, String), String> = questions::table
        .inner_join(question_options::table)
        .filter(questions::wave_id.eq(wave_id))
        .filter(questions::kind.eq_any(ONE_ANSWER))
        .select((questions::question_key, question_options::value, question_options::polarity))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(k, v, p)| ((k, v), p))
        .collect();
    let tags: Vec<(String, String, String)> = questions::table
        .inner_join(question_tags::table)
        .filter(questions::wave_id.eq(wave_id))
        .filter(questions::kind.eq_any(ONE_ANSWER))
        .filter(question_tags::kind.eq_any(["priority", "value"]))
        .select((questions::question_key, question_tags::kind, question_tags::code))
        .load(conn)?;
    let given: Vec<(String, String, Option<String>)> = answers::table
        .inner_join(responses::table)
        .filter(responses::wave_id.eq(wave_id))
        .filter(answers::option_value.is_not_null())
        .select((answers::response_id, answers::question_key, answers::option_value))
        .load(conn)?;
    let mut by_response: HashMap<&str, Vec<(&str, &str)>> = HashMap::new();
    for (id, key, option) in &given {
        if let Some(v) = option {
            by_response.entry(id.as_str()).or_default().push((key.as_str(), v.as_str()));
        }
    }
    let mut out: BTreeMap<String, i64> = BTreeMap::new();
    for (id, audience, channel, sent) in &people {
        let Some(mine) = by_response.get(id.as_str()) else { continue };
        let mut per_code: BTreeMap<(&str, &str), (i32, i32)> = BTreeMap::new();
        for (key, value) in mine {
            let Some(p) = polarity.get(&((*key).to_owned(), (*value).to_owned())) else { continue };
            for (_, kind, code) in tags.iter().filter(|(k, _, _)| k == key) {
                let e = per_code.entry((kind.as_str(), code.as_str())).or_insert((0, 0));
                if p != "excluded" {
                    e.1 += 1;
                    if p == "positive" {
                        e.0 += 1;
                    }
                }
            }
        }
        let mut filters = vec![("", "")];
        filters.extend(mine.iter().filter(|(k, _)| single.iter().any(|s| s == k)).copied());
        for filter in filters {
            for ((kind, code), (positive, valid)) in per_code.iter().filter(|(_, (_, v))| *v > 0) {
                let day = sent.date();
                let (positive, valid) = (*positive, *valid);
                let name = IndexSliceKey { audience, channel, day, filter, kind, code, positive, valid };
                *out.entry(name.to_string()).or_insert(0) += 1;
            }
        }
    }
    Ok(out)
}
