//! Answer sheets: each response's chosen options and numbers kept beside it
//! (`responses.answer_sheet`, migration 000031) as one JSON object, `{"key": value, ...}`,
//! with a key repeated, in the order given, for a question answered with several options.
//!
//! The responses download reads a wave one row per response from these instead of one row
//! per answer (at 500,000 responses × 20 questions that is the difference between reading
//! 500,000 rows and 10 million). `answers` stays the record: the sheet is made from it by
//! the database, with one SQL expression per engine (`SHEET_SQLITE`, `SHEET_POSTGRES`), in
//! the transaction that stores the answers (`draft::insert_answers`), by the migration for
//! responses already stored, and by `rebuild` for a wave; `mismatched` recomputes every
//! sheet of a wave and counts those that differ, for the integrity check.
//!
//! Written answers are not in the sheet: they are read from `answers` only for roles that
//! may see them, and retention clears them there, so no second copy can outlive them.

use std::collections::BTreeMap;
use std::fmt;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};

use super::StoreResult;
use crate::db::{Backend, DbConnection, ResponseId, WaveId};
use crate::models::export::ExportValue;

/// The sheet of the response `responses.id`, on SQLite.
const SHEET_SQLITE: &str = "coalesce((SELECT json_group_object(a.question_key, coalesce(a.option_value, a.number_value) \
     ORDER BY a.question_key, a.ordinal) FROM answers a WHERE a.response_id = responses.id \
     AND (a.option_value IS NOT NULL OR a.number_value IS NOT NULL)), '{}')";

/// The sheet of the response `responses.id`, on PostgreSQL (built as text, so keys may
/// repeat and nothing is reordered).
const SHEET_POSTGRES: &str = "coalesce((SELECT '{' || string_agg(to_json(a.question_key)::text || ':' || \
     coalesce(to_json(a.option_value), to_json(a.number_value))::text, ',' ORDER BY a.question_key, a.ordinal) || '}' \
     FROM answers a WHERE a.response_id = responses.id \
     AND (a.option_value IS NOT NULL OR a.number_value IS NOT NULL)), '{}')";

fn sheet_sql(c: &DbConnection) -> (&'static str, &'static str) {
    match c.backend() {
        Backend::Sqlite => (SHEET_SQLITE, "?"),
        Backend::Postgres => (SHEET_POSTGRES, "$1"),
    }
}

/// Writes one response's sheet from its stored answers (inside the caller's transaction).
pub fn keep(c: &mut DbConnection, response_id: &ResponseId) -> StoreResult<()> {
    write_where(c, "id", response_id.as_str())
}

/// Writes the sheet of every response of a wave again from its answers.
pub fn rebuild(c: &mut DbConnection, wave_id: &WaveId) -> StoreResult<()> {
    write_where(c, "wave_id", wave_id.as_str())
}

/// Writes the sheets of the responses whose `column` (a name from this module) is `value`.
fn write_where(c: &mut DbConnection, column: &'static str, value: &str) -> StoreResult<()> {
    let (sheet, p) = sheet_sql(c);
    diesel::sql_query(format!("UPDATE responses SET answer_sheet = {sheet} WHERE {column} = {p}"))
        .bind::<Text, _>(value)
        .execute(c)?;
    Ok(())
}

/// How many of a wave's responses have a sheet that differs from their answers.
pub fn mismatched(c: &mut DbConnection, wave_id: &WaveId) -> StoreResult<i64> {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let (sheet, p) = sheet_sql(c);
    let rows: Vec<N> = diesel::sql_query(format!(
        "SELECT COUNT(*) AS n FROM responses WHERE wave_id = {p} AND answer_sheet <> {sheet}"
    ))
    .bind::<Text, _>(wave_id.as_str())
    .load(c)?;
    Ok(rows.first().map_or(0, |r| r.n))
}

/// A sheet read back: each key with its answers, in the order given. `multi` says which
/// keys hold several answers (a question with several answers is `Many` even with one).
pub fn read(sheet: &str, multi: impl Fn(&str) -> bool) -> Result<BTreeMap<String, ExportValue>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(sheet);
    let out = serde::Deserializer::deserialize_map(&mut de, SheetVisitor { multi })?;
    de.end()?;
    Ok(out)
}

/// One value of a sheet: an option's value or a number.
enum Given {
    Text(String),
    Number(f64),
}

struct GivenVisitor;

impl<'de> Visitor<'de> for GivenVisitor {
    type Value = Given;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an option's value or a number")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Given, E> {
        Ok(Given::Text(v.to_owned()))
    }
    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Given, E> {
        Ok(Given::Text(v))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Given, E> {
        Ok(Given::Number(v))
    }
    #[allow(clippy::cast_precision_loss)]
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Given, E> {
        Ok(Given::Number(v as f64))
    }
    #[allow(clippy::cast_precision_loss)]
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Given, E> {
        Ok(Given::Number(v as f64))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Given, A::Error> {
        Err(serde::de::Error::custom("a sheet holds single values"))
    }
}

impl<'de> serde::Deserialize<'de> for Given {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(GivenVisitor)
    }
}

struct SheetVisitor<F> {
    multi: F,
}

impl<'de, F: Fn(&str) -> bool> Visitor<'de> for SheetVisitor<F> {
    type Value = BTreeMap<String, ExportValue>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an answer sheet")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        // A key's answers come together (the sheet is ordered by key), so several answers
        // to one question join the entry before them; the map is then built in one pass.
        let mut out: Vec<(String, ExportValue)> = Vec::with_capacity(map.size_hint().unwrap_or(24));
        while let Some((key, given)) = map.next_entry::<String, Given>()? {
            let value = match given {
                Given::Number(n) => {
                    out.push((key, ExportValue::Number(n)));
                    continue;
                }
                Given::Text(v) => v,
            };
            if !(self.multi)(&key) {
                out.push((key, ExportValue::One(value)));
                continue;
            }
            match out.last_mut() {
                Some((last, ExportValue::Many(vs))) if *last == key => vs.push(value),
                _ => out.push((key, ExportValue::Many(vec![value]))),
            }
        }
        Ok(out.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sheet_reads_back_with_repeated_keys_in_order() {
        let sheet = r#"{"colour":"red","colour":"blue","how-many":26.0,"q":"yes","z":3}"#;
        let got = read(sheet, |k| k == "colour").unwrap_or_default();
        assert_eq!(got.get("colour"), Some(&ExportValue::Many(vec!["red".into(), "blue".into()])));
        assert_eq!(got.get("how-many"), Some(&ExportValue::Number(26.0)));
        assert_eq!(got.get("q"), Some(&ExportValue::One("yes".into())));
        assert_eq!(got.get("z"), Some(&ExportValue::Number(3.0)));
        // PostgreSQL's spacing, an escaped quote and an empty sheet.
        let spaced = read(r#"{ "a" : "say \"hi\"" , "b" : 1.5 }"#, |_| false).unwrap_or_default();
        assert_eq!(spaced.get("a"), Some(&ExportValue::One("say \"hi\"".into())));
        assert!(read("{}", |_| false).is_ok_and(|m| m.is_empty()));
        assert!(read("[1]", |_| false).is_err());
        assert!(read(r#"{"a":[1]}"#, |_| false).is_err());
    }
}
