//! Recordings of questions read aloud and a partnership's own pictures. The bytes were checked
//! and cleaned by [`crate::domain::media`] before they reach here. Listing queries never load
//! the bytes; only the serving queries do.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Serialize;

use super::StoreResult;
use crate::db::schema::{images, recordings};
use crate::db::{DbConnection, PartnershipId, WaveId, new_id, now};

/// Which recording: a question, for one audience, in one language, in one wave.
#[derive(Debug, Clone)]
pub struct RecordingSlot {
    pub wave_id: WaveId,
    pub audience: String,
    pub language: String,
    pub question_key: String,
}

#[derive(Debug, Clone, Serialize, Queryable)]
pub struct RecordingMeta {
    pub id: String,
    pub audience: String,
    pub language: String,
    pub question_key: String,
    pub content_type: String,
    pub size_bytes: i32,
    pub created_by: String,
    pub created_at: chrono::NaiveDateTime,
}

/// Stores a recording, replacing the slot's old one. Returns the new id.
pub fn put_recording(
    conn: &mut DbConnection,
    slot: &RecordingSlot,
    content_type: &str,
    body: &[u8],
    by: &str,
) -> StoreResult<String> {
    conn.write(|c| -> StoreResult<String> {
        diesel::delete(
            recordings::table
                .filter(recordings::wave_id.eq(&slot.wave_id))
                .filter(recordings::audience.eq(&slot.audience))
                .filter(recordings::language.eq(&slot.language))
                .filter(recordings::question_key.eq(&slot.question_key)),
        )
        .execute(c)?;
        let id = new_id();
        diesel::insert_into(recordings::table)
            .values((
                recordings::id.eq(&id),
                recordings::wave_id.eq(&slot.wave_id),
                recordings::audience.eq(&slot.audience),
                recordings::language.eq(&slot.language),
                recordings::question_key.eq(&slot.question_key),
                recordings::content_type.eq(content_type),
                recordings::body.eq(body),
                recordings::size_bytes.eq(i32::try_from(body.len()).unwrap_or(i32::MAX)),
                recordings::created_by.eq(by),
                recordings::created_at.eq(now()),
            ))
            .execute(c)?;
        Ok(id)
    })
}

/// The recording for a slot, if any: its id and type.
pub fn recording_for(conn: &mut DbConnection, slot: &RecordingSlot) -> StoreResult<Option<(String, String)>> {
    Ok(recordings::table
        .filter(recordings::wave_id.eq(&slot.wave_id))
        .filter(recordings::audience.eq(&slot.audience))
        .filter(recordings::language.eq(&slot.language))
        .filter(recordings::question_key.eq(&slot.question_key))
        .select((recordings::id, recordings::content_type))
        .first(conn)
        .optional()?)
}

/// A wave's recordings, without their bytes.
pub fn list_recordings(conn: &mut DbConnection, wave_id: &WaveId) -> StoreResult<Vec<RecordingMeta>> {
    Ok(recordings::table
        .filter(recordings::wave_id.eq(wave_id))
        .order((recordings::audience, recordings::language, recordings::question_key))
        .select((
            recordings::id,
            recordings::audience,
            recordings::language,
            recordings::question_key,
            recordings::content_type,
            recordings::size_bytes,
            recordings::created_by,
            recordings::created_at,
        ))
        .load(conn)?)
}

/// A recording's type and bytes.
pub fn recording_body(conn: &mut DbConnection, id: &str) -> StoreResult<Option<(String, Vec<u8>)>> {
    Ok(recordings::table
        .filter(recordings::id.eq(id))
        .select((recordings::content_type, recordings::body))
        .first(conn)
        .optional()?)
}

/// Deletes one of a wave's recordings. False when there was none. (Call inside the
/// caller's transaction, with its audit entry.)
pub fn delete_recording(conn: &mut DbConnection, wave_id: &WaveId, id: &str) -> StoreResult<bool> {
    let n = diesel::delete(recordings::table.filter(recordings::wave_id.eq(wave_id)).filter(recordings::id.eq(id)))
        .execute(conn)?;
    Ok(n > 0)
}

#[derive(Debug, Clone, Serialize, Queryable)]
pub struct ImageMeta {
    pub id: String,
    pub name: String,
    pub alt: String,
    pub content_type: String,
    pub size_bytes: i32,
    pub created_by: String,
    pub created_at: chrono::NaiveDateTime,
}

/// Stores a picture under `name`, replacing one of the same name. Returns its id.
pub fn put_image(
    conn: &mut DbConnection,
    partnership_id: &PartnershipId,
    name: &str,
    alt: &str,
    content_type: &str,
    body: &[u8],
    by: &str,
) -> StoreResult<String> {
    conn.write(|c| -> StoreResult<String> {
        diesel::delete(images::table.filter(images::partnership_id.eq(partnership_id)).filter(images::name.eq(name)))
            .execute(c)?;
        let id = new_id();
        diesel::insert_into(images::table)
            .values((
                images::id.eq(&id),
                images::partnership_id.eq(partnership_id),
                images::name.eq(name),
                images::alt.eq(alt),
                images::content_type.eq(content_type),
                images::body.eq(body),
                images::size_bytes.eq(i32::try_from(body.len()).unwrap_or(i32::MAX)),
                images::created_by.eq(by),
                images::created_at.eq(now()),
            ))
            .execute(c)?;
        Ok(id)
    })
}

/// A partnership's pictures, without their bytes.
pub fn list_images(conn: &mut DbConnection, partnership_id: &PartnershipId) -> StoreResult<Vec<ImageMeta>> {
    Ok(images::table
        .filter(images::partnership_id.eq(partnership_id))
        .order(images::name)
        .select((
            images::id,
            images::name,
            images::alt,
            images::content_type,
            images::size_bytes,
            images::created_by,
            images::created_at,
        ))
        .load(conn)?)
}

/// Ids of a partnership's pictures by name, for the names asked about.
pub fn image_ids(
    conn: &mut DbConnection,
    partnership_id: &PartnershipId,
    names: &[String],
) -> StoreResult<HashMap<String, String>> {
    if names.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(String, String)> = images::table
        .filter(images::partnership_id.eq(partnership_id))
        .filter(images::name.eq_any(names))
        .select((images::name, images::id))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// A question's recording (id and type), and picture ids by name.
pub type QuestionMedia = (Option<(String, String)>, HashMap<String, String>);

/// What a question page needs: the recording for its slot (id and type) and the ids of the
/// wave's partnership's pictures named in `names`. One trip to the database.
pub fn for_question(conn: &mut DbConnection, slot: &RecordingSlot, names: &[String]) -> StoreResult<QuestionMedia> {
    use crate::db::schema::{survey_series, waves};
    let recording = recording_for(conn, slot)?;
    let images = if names.is_empty() {
        HashMap::new()
    } else {
        let partnership: PartnershipId = waves::table
            .inner_join(survey_series::table)
            .filter(waves::id.eq(&slot.wave_id))
            .select(survey_series::partnership_id)
            .first(conn)?;
        image_ids(conn, &partnership, names)?
    };
    Ok((recording, images))
}

/// A picture's type and bytes.
pub fn image_body(conn: &mut DbConnection, id: &str) -> StoreResult<Option<(String, Vec<u8>)>> {
    Ok(images::table.filter(images::id.eq(id)).select((images::content_type, images::body)).first(conn).optional()?)
}

/// Deletes one of a partnership's pictures. False when there was none. (Call inside the
/// caller's transaction, with its audit entry.)
pub fn delete_image(conn: &mut DbConnection, partnership_id: &PartnershipId, id: &str) -> StoreResult<bool> {
    let n = diesel::delete(images::table.filter(images::partnership_id.eq(partnership_id)).filter(images::id.eq(id)))
        .execute(conn)?;
    Ok(n > 0)
}
