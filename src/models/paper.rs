//! Paper forms typed in by staff (channel `paper`). A form number keeps each paper form from
//! being typed in twice. With a second-person check, the first typing waits in
//! `paper_entries` until someone else types the same form; when both agree (or the second
//! person has settled the differences) it becomes a response.

use diesel::prelude::*;
use serde::Serialize;

use super::{StoreError, StoreResult};
use crate::db::schema::{paper_entries, responses};
use crate::db::{DbConnection, ResponseId, WaveId, new_id, now};
use crate::domain::Answers;

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = paper_entries)]
pub struct Entry {
    pub id: String,
    pub wave_id: WaveId,
    pub audience: String,
    pub form_ref: String,
    pub answers: String,
    pub consent_to_quote: bool,
    pub entered_by: String,
    pub entered_at: chrono::NaiveDateTime,
    pub stored: bool,
    pub checked_by: Option<String>,
}

impl Entry {
    pub fn answers(&self) -> Answers {
        serde_json::from_str(&self.answers).unwrap_or_default()
    }
}

/// A typed paper form.
#[derive(Debug, Clone)]
pub struct Typed {
    pub wave_id: WaveId,
    pub audience: String,
    pub form_ref: String,
    pub answers: Answers,
    pub consent: bool,
    pub by: String,
}

fn taken(c: &mut DbConnection, wave_id: &WaveId, form_ref: &str) -> StoreResult<Option<Entry>> {
    Ok(paper_entries::table
        .filter(paper_entries::wave_id.eq(wave_id))
        .filter(paper_entries::form_ref.eq(form_ref))
        .select(Entry::as_select())
        .first(c)
        .optional()?)
}

/// Refuses a form number typed in before.
fn ensure_new(c: &mut DbConnection, t: &Typed) -> StoreResult<()> {
    match taken(c, &t.wave_id, &t.form_ref)? {
        Some(_) => Err(StoreError::Conflict(format!(
            "Form {} was typed in already. Check the number written on the form.",
            t.form_ref
        ))),
        None => Ok(()),
    }
}

fn insert_response(c: &mut DbConnection, t: &Typed) -> StoreResult<ResponseId> {
    let id = ResponseId::random();
    let stamp = now();
    diesel::insert_into(responses::table)
        .values((
            responses::id.eq(&id),
            responses::wave_id.eq(&t.wave_id),
            responses::audience.eq(&t.audience),
            responses::channel.eq("paper"),
            responses::started_at.eq(stamp),
            responses::submitted_at.eq(stamp),
            responses::consent_to_quote.eq(t.consent),
        ))
        .execute(c)?;
    super::draft::insert_answers(c, &id, &t.answers)?;
    super::aggregates::apply(c, &id, 1)?;
    Ok(id)
}

/// Stores a form typed once: a response now. Refused when the form number was used before.
pub fn store(conn: &mut DbConnection, t: &Typed) -> StoreResult<ResponseId> {
    conn.write(|c| -> StoreResult<ResponseId> {
        ensure_new(c, t)?;
        let id = insert_response(c, t)?;
        diesel::insert_into(paper_entries::table)
            .values((
                paper_entries::id.eq(new_id()),
                paper_entries::wave_id.eq(&t.wave_id),
                paper_entries::audience.eq(&t.audience),
                paper_entries::form_ref.eq(&t.form_ref),
                paper_entries::answers.eq("{}"),
                paper_entries::consent_to_quote.eq(t.consent),
                paper_entries::entered_by.eq(&t.by),
                paper_entries::entered_at.eq(now()),
                paper_entries::stored.eq(true),
            ))
            .execute(c)?;
        Ok(id)
    })
}

/// Keeps a first typing until a second person types the same form.
pub fn hold(conn: &mut DbConnection, t: &Typed) -> StoreResult<()> {
    let answers = serde_json::to_string(&t.answers).map_err(|e| StoreError::Conflict(e.to_string()))?;
    conn.write(|c| -> StoreResult<()> {
        ensure_new(c, t)?;
        diesel::insert_into(paper_entries::table)
            .values((
                paper_entries::id.eq(new_id()),
                paper_entries::wave_id.eq(&t.wave_id),
                paper_entries::audience.eq(&t.audience),
                paper_entries::form_ref.eq(&t.form_ref),
                paper_entries::answers.eq(answers),
                paper_entries::consent_to_quote.eq(t.consent),
                paper_entries::entered_by.eq(&t.by),
                paper_entries::entered_at.eq(now()),
                paper_entries::stored.eq(false),
            ))
            .execute(c)?;
        Ok(())
    })
}

/// Forms waiting for their second typing.
pub fn pending(conn: &mut DbConnection, wave_id: &WaveId) -> StoreResult<Vec<Entry>> {
    Ok(paper_entries::table
        .filter(paper_entries::wave_id.eq(wave_id))
        .filter(paper_entries::stored.eq(false))
        .order(paper_entries::entered_at)
        .select(Entry::as_select())
        .load(conn)?)
}

pub fn find(conn: &mut DbConnection, wave_id: &WaveId, id: &str) -> StoreResult<Option<Entry>> {
    Ok(paper_entries::table
        .filter(paper_entries::wave_id.eq(wave_id))
        .filter(paper_entries::id.eq(id))
        .select(Entry::as_select())
        .first(conn)
        .optional()?)
}

/// Completes a held form with the second person's (agreed or settled) answers.
pub fn complete(conn: &mut DbConnection, entry_id: &str, t: &Typed) -> StoreResult<ResponseId> {
    conn.write(|c| -> StoreResult<ResponseId> {
        let claimed = diesel::update(
            paper_entries::table.filter(paper_entries::id.eq(entry_id)).filter(paper_entries::stored.eq(false)),
        )
        .set((paper_entries::stored.eq(true), paper_entries::checked_by.eq(&t.by), paper_entries::answers.eq("{}")))
        .execute(c)?;
        if claimed != 1 {
            return Err(StoreError::Conflict(format!("Form {} has been checked and stored already.", t.form_ref)));
        }
        insert_response(c, t)
    })
}
