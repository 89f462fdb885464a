//! Stored responses: deletion by the respondent's receipt code, and counts.

use chrono::TimeDelta;
use diesel::prelude::*;

use super::StoreResult;
use crate::db::schema::{drafts, responses};
use crate::db::{DbConnection, now};
use crate::domain::codes::ShortCode;

/// What happened when someone asked to delete a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deletion {
    Deleted,
    /// No response in this wave has that receipt (or it was deleted already).
    NotFound,
    /// The response is older than the deletion period.
    TooLate,
}

/// Deletes the response with this receipt code in this wave, with its answers, if it was sent
/// within `within_days`.
pub fn delete_by_receipt(
    conn: &mut DbConnection,
    wave_id: &str,
    code: &ShortCode,
    within_days: i64,
) -> StoreResult<Deletion> {
    let hash = code.hash("receipt");
    conn.write(|c| -> StoreResult<Deletion> {
        let found: Option<(String, chrono::NaiveDateTime)> = responses::table
            .filter(responses::receipt_hash.eq(&hash))
            .filter(responses::wave_id.eq(wave_id))
            .select((responses::id, responses::submitted_at))
            .first(c)
            .optional()?;
        let Some((id, submitted)) = found else { return Ok(Deletion::NotFound) };
        if submitted + TimeDelta::days(within_days) < now() {
            return Ok(Deletion::TooLate);
        }
        // Answers go with the response (ON DELETE CASCADE); the draft that produced it no
        // longer points at anything.
        let gone = diesel::delete(responses::table.filter(responses::id.eq(&id))).execute(c)?;
        if gone != 1 {
            // A second request racing the first: the first did the deleting.
            return Ok(Deletion::NotFound);
        }
        diesel::delete(drafts::table.filter(drafts::response_id.eq(&id))).execute(c)?;
        Ok(Deletion::Deleted)
    })
}

pub fn count_for_wave(conn: &mut DbConnection, wave_id: &str) -> StoreResult<i64> {
    Ok(responses::table.filter(responses::wave_id.eq(wave_id)).count().get_result(conn)?)
}
