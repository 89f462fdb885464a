//! Evidence from other sources (`evidence_notes`, `note_outcomes`): a dated note of what a
//! Parent Carer Forum meeting, a roadshow or the newsletter's analytics showed, with its
//! source and who wrote it, tagged to the outcome statements it bears on. Added in one
//! transaction with its audit row; read by the reviews beside each outcome statement.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use super::StoreResult;
use super::audit::{self, Action, Actor};
use crate::db::schema::{evidence_notes, note_outcomes, outcome_statements};
use crate::db::{DbConnection, PartnershipId, new_id, now};

/// A note with the codes of the outcome statements it is tagged to.
#[derive(Debug, Clone, Serialize)]
pub struct Note {
    pub id: String,
    pub noted_on: NaiveDate,
    pub source: String,
    pub body: String,
    pub written_by: String,
    pub outcome_ids: Vec<String>,
    pub outcome_codes: Vec<String>,
}

/// A partnership's notes, newest first.
pub fn list(conn: &mut DbConnection, partnership: &PartnershipId) -> StoreResult<Vec<Note>> {
    let rows: Vec<(String, NaiveDate, String, String, String)> = evidence_notes::table
        .filter(evidence_notes::partnership_id.eq(partnership))
        .order((evidence_notes::noted_on.desc(), evidence_notes::created_at.desc()))
        .select((
            evidence_notes::id,
            evidence_notes::noted_on,
            evidence_notes::source,
            evidence_notes::body,
            evidence_notes::written_by,
        ))
        .load(conn)?;
    let tags: Vec<(String, String, String)> = note_outcomes::table
        .inner_join(outcome_statements::table)
        .filter(outcome_statements::partnership_id.eq(partnership))
        .order(outcome_statements::position)
        .select((note_outcomes::note_id, note_outcomes::outcome_id, outcome_statements::code))
        .load(conn)?;
    let mut by_note: BTreeMap<String, (Vec<String>, Vec<String>)> = BTreeMap::new();
    for (note, outcome, code) in tags {
        let e = by_note.entry(note).or_default();
        e.0.push(outcome);
        e.1.push(code);
    }
    Ok(rows
        .into_iter()
        .map(|(id, noted_on, source, body, written_by)| {
            let (outcome_ids, outcome_codes) = by_note.remove(&id).unwrap_or_default();
            Note { id, noted_on, source, body, written_by, outcome_ids, outcome_codes }
        })
        .collect())
}

/// Adds a note tagged to `outcomes` (ids of the partnership's outcome statements), audited.
/// `None` when an outcome statement is not the partnership's.
pub fn add(
    conn: &mut DbConnection,
    partnership: &PartnershipId,
    actor: &Actor,
    noted_on: NaiveDate,
    source: &str,
    body: &str,
    outcomes: &[String],
) -> StoreResult<Option<String>> {
    conn.write(|tx| -> StoreResult<Option<String>> {
        let known: i64 = outcome_statements::table
            .filter(outcome_statements::partnership_id.eq(partnership))
            .filter(outcome_statements::id.eq_any(outcomes))
            .count()
            .get_result(tx)?;
        if usize::try_from(known).unwrap_or(0) != outcomes.len() {
            return Ok(None);
        }
        let id = new_id();
        diesel::insert_into(evidence_notes::table)
            .values((
                evidence_notes::id.eq(&id),
                evidence_notes::partnership_id.eq(partnership),
                evidence_notes::noted_on.eq(noted_on),
                evidence_notes::source.eq(source),
                evidence_notes::body.eq(body),
                evidence_notes::written_by.eq(&actor.name),
                evidence_notes::created_at.eq(now()),
            ))
            .execute(tx)?;
        for o in outcomes {
            diesel::insert_into(note_outcomes::table)
                .values((note_outcomes::note_id.eq(&id), note_outcomes::outcome_id.eq(o)))
                .execute(tx)?;
        }
        audit::record(
            tx,
            actor,
            Some(partnership),
            Action::NoteAdded,
            &serde_json::json!({"source": source, "noted_on": noted_on.to_string(), "outcomes": outcomes.len()}),
        )?;
        Ok(Some(id))
    })
}
