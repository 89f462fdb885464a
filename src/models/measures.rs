//! Measures, the Appendix 1 dashboard (`measures`, `measure_values`): what each counts, which
//! way is better, its target and frequency, and a dated series of values. Added one at a
//! time, given values one at a time, or imported from a dashboard file
//! (`domain::review::read_measures`), all or nothing; each write one transaction with its
//! audit row. A value for a period that has one replaces it.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use super::StoreResult;
use super::audit::{self, Action, Actor};
use crate::db::schema::{measure_outcomes, measure_values, measures, outcome_statements};
use crate::db::{DbConnection, PartnershipId, new_id, now};
use crate::domain::review::{Direction, Frequency, MeasureRow, Unit};

/// One value of a measure.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Value {
    pub period_end: NaiveDate,
    /// As the dashboard wrote the period ("Aug-23").
    pub period: String,
    pub value: f64,
}

/// A measure with its values, oldest first.
#[derive(Debug, Clone, Serialize)]
pub struct Measure {
    pub id: String,
    pub reference: String,
    pub name: String,
    pub unit: Unit,
    pub direction: Direction,
    pub target: Option<f64>,
    pub frequency: Option<Frequency>,
    pub note: String,
    pub values: Vec<Value>,
}

type Row = (String, String, String, String, String, Option<f64>, Option<String>, String);

fn load(conn: &mut DbConnection, partnership: &PartnershipId, one: Option<&str>) -> StoreResult<Vec<Measure>> {
    let mut q = measures::table
        .filter(measures::partnership_id.eq(partnership))
        .order((measures::position, measures::reference, measures::name))
        .select((
            measures::id,
            measures::reference,
            measures::name,
            measures::unit,
            measures::direction,
            measures::target,
            measures::frequency,
            measures::note,
        ))
        .into_boxed();
    if let Some(id) = one {
        q = q.filter(measures::id.eq(id.to_owned()));
    }
    let rows: Vec<Row> = q.load(conn)?;
    let ids: Vec<&String> = rows.iter().map(|r| &r.0).collect();
    let mut values: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let stored: Vec<(String, NaiveDate, String, f64)> = measure_values::table
        .filter(measure_values::measure_id.eq_any(ids))
        .order(measure_values::period_end)
        .select((measure_values::measure_id, measure_values::period_end, measure_values::period, measure_values::value))
        .load(conn)?;
    for (id, period_end, period, value) in stored {
        values.entry(id).or_default().push(Value { period_end, period, value });
    }
    Ok(rows
        .into_iter()
        .map(|(id, reference, name, unit, direction, target, frequency, note)| Measure {
            values: values.remove(&id).unwrap_or_default(),
            id,
            reference,
            name,
            unit: Unit::parse(&unit).unwrap_or(Unit::Number),
            direction: Direction::parse(&direction).unwrap_or(Direction::Higher),
            target,
            frequency: frequency.as_deref().and_then(Frequency::parse),
            note,
        })
        .collect())
}

/// A partnership's measures in the dashboard's order.
pub fn list(conn: &mut DbConnection, partnership: &PartnershipId) -> StoreResult<Vec<Measure>> {
    load(conn, partnership, None)
}

/// One of a partnership's measures.
pub fn get(conn: &mut DbConnection, partnership: &PartnershipId, id: &str) -> StoreResult<Option<Measure>> {
    Ok(load(conn, partnership, Some(id))?.into_iter().next())
}

/// A measure as typed on the page, checked.
#[derive(Debug, Clone)]
pub struct NewMeasure {
    pub reference: String,
    pub name: String,
    pub unit: Unit,
    pub direction: Direction,
    pub target: Option<f64>,
    pub frequency: Option<Frequency>,
}

fn find(
    tx: &mut DbConnection,
    partnership: &PartnershipId,
    reference: &str,
    name: &str,
) -> StoreResult<Option<String>> {
    Ok(measures::table
        .filter(measures::partnership_id.eq(partnership))
        .filter(measures::reference.eq(reference))
        .filter(measures::name.eq(name))
        .select(measures::id)
        .first(tx)
        .optional()?)
}

fn next_position(tx: &mut DbConnection, partnership: &PartnershipId) -> StoreResult<i32> {
    let max: Option<i32> = measures::table
        .filter(measures::partnership_id.eq(partnership))
        .select(diesel::dsl::max(measures::position))
        .first(tx)?;
    Ok(max.unwrap_or(0) + 1)
}

fn insert(tx: &mut DbConnection, partnership: &PartnershipId, m: &NewMeasure, note: &str) -> StoreResult<String> {
    let id = new_id();
    let position = next_position(tx, partnership)?;
    diesel::insert_into(measures::table)
        .values((
            measures::id.eq(&id),
            measures::partnership_id.eq(partnership),
            measures::reference.eq(&m.reference),
            measures::name.eq(&m.name),
            measures::unit.eq(m.unit.as_str()),
            measures::direction.eq(m.direction.as_str()),
            measures::target.eq(m.target),
            measures::frequency.eq(m.frequency.map(Frequency::as_str)),
            measures::note.eq(note),
            measures::position.eq(position),
            measures::created_at.eq(now()),
        ))
        .execute(tx)?;
    Ok(id)
}

fn put_value(tx: &mut DbConnection, id: &str, actor: &Actor, v: &Value) -> StoreResult<()> {
    diesel::delete(
        measure_values::table
            .filter(measure_values::measure_id.eq(id))
            .filter(measure_values::period_end.eq(v.period_end)),
    )
    .execute(tx)?;
    diesel::insert_into(measure_values::table)
        .values((
            measure_values::measure_id.eq(id),
            measure_values::period_end.eq(v.period_end),
            measure_values::period.eq(&v.period),
            measure_values::value.eq(v.value),
            measure_values::entered_by.eq(&actor.name),
            measure_values::entered_at.eq(now()),
        ))
        .execute(tx)?;
    Ok(())
}

/// Adds a measure, audited. `None` when one with the same reference and name exists.
pub fn add(
    conn: &mut DbConnection,
    partnership: &PartnershipId,
    actor: &Actor,
    m: &NewMeasure,
) -> StoreResult<Option<String>> {
    conn.write(|tx| -> StoreResult<Option<String>> {
        if find(tx, partnership, &m.reference, &m.name)?.is_some() {
            return Ok(None);
        }
        let id = insert(tx, partnership, m, "")?;
        audit::record(
            tx,
            actor,
            Some(partnership),
            Action::MeasureAdded,
            &serde_json::json!({"measure": m.name, "reference": m.reference}),
        )?;
        Ok(Some(id))
    })
}

/// Gives a measure its value for a period (replacing one for the same period), audited.
/// `false` when the measure is not the partnership's.
pub fn add_value(
    conn: &mut DbConnection,
    partnership: &PartnershipId,
    actor: &Actor,
    id: &str,
    v: &Value,
) -> StoreResult<bool> {
    conn.write(|tx| -> StoreResult<bool> {
        let name: Option<String> = measures::table
            .filter(measures::partnership_id.eq(partnership))
            .filter(measures::id.eq(id))
            .select(measures::name)
            .first(tx)
            .optional()?;
        let Some(name) = name else { return Ok(false) };
        put_value(tx, id, actor, v)?;
        audit::record(
            tx,
            actor,
            Some(partnership),
            Action::MeasureValueAdded,
            &serde_json::json!({"measure": name, "period": v.period, "value": v.value}),
        )?;
        Ok(true)
    })
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Imported {
    pub added: usize,
    pub updated: usize,
    pub values: usize,
}

/// Imports a dashboard file's measures, all in one transaction with its audit row: a row
/// whose reference and description match a measure updates its unit, target, frequency,
/// note and (when the file says it) direction; others are added; each value is put for
/// its period.
pub fn import(
    conn: &mut DbConnection,
    partnership: &PartnershipId,
    actor: &Actor,
    file_name: &str,
    rows: &[MeasureRow],
) -> StoreResult<Imported> {
    conn.write(|tx| -> StoreResult<Imported> {
        let mut done = Imported::default();
        for r in rows {
            let m = NewMeasure {
                reference: r.reference.clone(),
                name: r.name.clone(),
                unit: r.unit,
                direction: r.direction,
                target: r.target,
                frequency: r.frequency,
            };
            let id = match find(tx, partnership, &r.reference, &r.name)? {
                Some(id) => {
                    diesel::update(measures::table.filter(measures::id.eq(&id)))
                        .set((
                            measures::unit.eq(r.unit.as_str()),
                            measures::target.eq(r.target),
                            measures::frequency.eq(r.frequency.map(Frequency::as_str)),
                            measures::note.eq(&r.note),
                        ))
                        .execute(tx)?;
                    if r.direction_given {
                        diesel::update(measures::table.filter(measures::id.eq(&id)))
                            .set(measures::direction.eq(r.direction.as_str()))
                            .execute(tx)?;
                    }
                    done.updated += 1;
                    id
                }
                None => {
                    done.added += 1;
                    insert(tx, partnership, &m, &r.note)?
                }
            };
            if let Some((value, period_end, period)) = &r.value {
                put_value(tx, &id, actor, &Value { period_end: *period_end, period: period.clone(), value: *value })?;
                done.values += 1;
            }
        }
        audit::record(
            tx,
            actor,
            Some(partnership),
            Action::MeasuresImported,
            &serde_json::json!({"file": file_name, "added": done.added, "updated": done.updated, "values": done.values}),
        )?;
        Ok(done)
    })
}

/// The outcome statements (ids) each of a partnership's measures is evidence for.
pub fn outcomes(conn: &mut DbConnection, partnership: &PartnershipId) -> StoreResult<BTreeMap<String, Vec<String>>> {
    let rows: Vec<(String, String)> = measure_outcomes::table
        .inner_join(measures::table)
        .filter(measures::partnership_id.eq(partnership))
        .select((measure_outcomes::measure_id, measure_outcomes::outcome_id))
        .load(conn)?;
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (m, o) in rows {
        out.entry(m).or_default().push(o);
    }
    Ok(out)
}

/// Sets which outcome statements a measure is evidence for, audited. `false` when the
/// measure or an outcome statement is not the partnership's.
pub fn set_outcomes(
    conn: &mut DbConnection,
    partnership: &PartnershipId,
    actor: &Actor,
    id: &str,
    outcomes: &[String],
) -> StoreResult<bool> {
    conn.write(|tx| -> StoreResult<bool> {
        let name: Option<String> = measures::table
            .filter(measures::partnership_id.eq(partnership))
            .filter(measures::id.eq(id))
            .select(measures::name)
            .first(tx)
            .optional()?;
        let Some(name) = name else { return Ok(false) };
        let known: i64 = outcome_statements::table
            .filter(outcome_statements::partnership_id.eq(partnership))
            .filter(outcome_statements::id.eq_any(outcomes))
            .count()
            .get_result(tx)?;
        if usize::try_from(known).unwrap_or(0) != outcomes.len() {
            return Ok(false);
        }
        diesel::delete(measure_outcomes::table.filter(measure_outcomes::measure_id.eq(id))).execute(tx)?;
        for o in outcomes {
            diesel::insert_into(measure_outcomes::table)
                .values((measure_outcomes::measure_id.eq(id), measure_outcomes::outcome_id.eq(o)))
                .execute(tx)?;
        }
        audit::record(
            tx,
            actor,
            Some(partnership),
            Action::MeasureTagged,
            &serde_json::json!({"measure": name, "outcomes": outcomes.len()}),
        )?;
        Ok(true)
    })
}
