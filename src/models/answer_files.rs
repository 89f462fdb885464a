//! Say it or show it: the recordings and pictures people give instead of writing, held with
//! their unsent answers until Send and with the response after. The bytes were checked and
//! cleaned by [`crate::domain::media`] before they reach here (audio by signature, pictures
//! decoded and re-encoded as PNG, which drops where and when a photo was taken).
//!
//! What Heard codes, redacts and quotes is always words: when staff type what a recording
//! says (or what a picture shows), the transcript becomes the answer's text, after the words
//! the person wrote beside it, if any. A quote is never the voice.
//!
//! The files go with their response (receipt-code deletion and staff deletion cascade), with
//! their draft when it expires unsent, and with the wave's free text when retention runs.

use diesel::prelude::*;
use serde::Serialize;

use super::StoreResult;
use crate::db::schema::{answer_files, answers, responses, survey_series, waves};
use crate::db::{DbConnection, PartnershipId, ResponseId, WaveId, new_id, now};

/// What kind of file an answer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    Recording,
    Picture,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Recording => "recording",
            FileKind::Picture => "picture",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "recording" => Some(Self::Recording),
            "picture" => Some(Self::Picture),
            _ => None,
        }
    }
}

/// A file held with unsent answers: which question, what kind, how large.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Queryable)]
pub struct Held {
    pub question_key: String,
    pub kind: String,
    pub size_bytes: i32,
}

/// Holds a checked file as the answer to `question_key` in a draft, replacing one held before.
pub fn hold(
    conn: &mut DbConnection,
    wave_id: &WaveId,
    draft_id: &str,
    question_key: &str,
    kind: FileKind,
    content_type: &str,
    body: &[u8],
) -> StoreResult<()> {
    conn.write(|c| -> StoreResult<()> {
        diesel::delete(
            answer_files::table
                .filter(answer_files::draft_id.eq(draft_id))
                .filter(answer_files::question_key.eq(question_key)),
        )
        .execute(c)?;
        let size = i32::try_from(body.len()).unwrap_or(i32::MAX);
        let row = (
            answer_files::id.eq(new_id()),
            answer_files::wave_id.eq(wave_id),
            answer_files::draft_id.eq(Some(draft_id)),
            answer_files::question_key.eq(question_key),
            answer_files::kind.eq(kind.as_str()),
            answer_files::content_type.eq(content_type),
            answer_files::body.eq(body),
            answer_files::size_bytes.eq(size),
            answer_files::created_at.eq(now()),
        );
        crate::on_backend!(c, |inner| diesel::insert_into(answer_files::table).values(&row).execute(inner))?;
        Ok(())
    })
}

/// Lets go of the file held as the answer to `question_key` ("Remove it").
pub fn release(conn: &mut DbConnection, draft_id: &str, question_key: &str) -> StoreResult<usize> {
    Ok(diesel::delete(
        answer_files::table
            .filter(answer_files::draft_id.eq(draft_id))
            .filter(answer_files::question_key.eq(question_key)),
    )
    .execute(conn)?)
}

/// The files a draft holds, by question.
pub fn held(conn: &mut DbConnection, draft_id: &str) -> StoreResult<Vec<Held>> {
    Ok(answer_files::table
        .filter(answer_files::draft_id.eq(draft_id))
        .select((answer_files::question_key, answer_files::kind, answer_files::size_bytes))
        .order(answer_files::question_key.asc())
        .load(conn)?)
}

/// At Send (inside its transaction): the draft's files for questions still answered go with
/// the response, each with the words written beside it; the rest are deleted.
pub fn attach(
    c: &mut DbConnection,
    draft_id: &str,
    response_id: &ResponseId,
    given: &crate::domain::Answers,
) -> StoreResult<()> {
    // Most drafts hold no file: one indexed read, and nothing more for them.
    let held: Vec<String> =
        answer_files::table.filter(answer_files::draft_id.eq(draft_id)).select(answer_files::question_key).load(c)?;
    if held.is_empty() {
        return Ok(());
    }
    let kept: Vec<&String> = given.keys().collect();
    diesel::delete(
        answer_files::table
            .filter(answer_files::draft_id.eq(draft_id))
            .filter(answer_files::question_key.ne_all(&kept)),
    )
    .execute(c)?;
    for (key, value) in given.iter().filter(|(k, _)| held.contains(k)) {
        let words = match value {
            crate::domain::AnswerValue::Text(t) if !t.is_empty() => Some(t.clone()),
            _ => None,
        };
        diesel::update(
            answer_files::table.filter(answer_files::draft_id.eq(draft_id)).filter(answer_files::question_key.eq(key)),
        )
        .set((
            answer_files::response_id.eq(Some(response_id)),
            answer_files::draft_id.eq(None::<String>),
            answer_files::words.eq(words),
        ))
        .execute(c)?;
    }
    Ok(())
}

/// A sent file, as the transcription page lists it (never the bytes).
#[derive(Debug, Clone, Serialize, Queryable)]
pub struct Sent {
    pub id: String,
    pub response_id: Option<String>,
    pub question_key: String,
    pub kind: String,
    pub size_bytes: i32,
    pub words: Option<String>,
    pub transcript: Option<String>,
    pub transcribed_at: Option<chrono::NaiveDateTime>,
    pub created_at: chrono::NaiveDateTime,
}

/// Every sent file of a wave, the ones waiting for a transcript first, oldest first.
pub fn sent_in_wave(conn: &mut DbConnection, wave_id: &WaveId) -> StoreResult<Vec<Sent>> {
    let mut all: Vec<Sent> = answer_files::table
        .filter(answer_files::wave_id.eq(wave_id))
        .filter(answer_files::response_id.is_not_null())
        .select((
            answer_files::id,
            answer_files::response_id,
            answer_files::question_key,
            answer_files::kind,
            answer_files::size_bytes,
            answer_files::words,
            answer_files::transcript,
            answer_files::transcribed_at,
            answer_files::created_at,
        ))
        .order((answer_files::created_at.asc(), answer_files::id.asc()))
        .load(conn)?;
    all.sort_by_key(|f| f.transcript.is_some());
    Ok(all)
}

/// A sent file's bytes and type, with the partnership whose wave it belongs to (for the
/// ownership check before serving).
pub fn body(conn: &mut DbConnection, id: &str) -> StoreResult<Option<(PartnershipId, String, Vec<u8>)>> {
    Ok(answer_files::table
        .inner_join(waves::table.inner_join(survey_series::table))
        .filter(answer_files::id.eq(id))
        .filter(answer_files::response_id.is_not_null())
        .select((survey_series::partnership_id, answer_files::content_type, answer_files::body))
        .first(conn)
        .optional()?)
}

/// The answer's text: the transcript after the person's own words.
pub fn answer_text(words: Option<&str>, transcript: &str) -> String {
    match words.map(str::trim).filter(|w| !w.is_empty()) {
        Some(w) if !transcript.is_empty() => format!("{w}\n\n{transcript}"),
        Some(w) => w.to_owned(),
        None => transcript.to_owned(),
    }
}

/// Why a transcript was not saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transcribed {
    Saved,
    /// No such file in this wave (or not sent).
    NotFound,
}

/// Saves what a recording says (or a picture shows) as the answer's text, in one transaction
/// with its audit entry. An empty transcript takes the transcript away again.
pub fn transcribe(
    conn: &mut DbConnection,
    wave_id: &WaveId,
    id: &str,
    transcript: &str,
    staff: &super::account::Staff,
    partnership: &PartnershipId,
) -> StoreResult<Transcribed> {
    conn.write(|c| -> StoreResult<Transcribed> {
        let found: Option<(Option<String>, String, Option<String>)> = answer_files::table
            .filter(answer_files::id.eq(id))
            .filter(answer_files::wave_id.eq(wave_id))
            .filter(answer_files::response_id.is_not_null())
            .select((answer_files::response_id, answer_files::question_key, answer_files::words))
            .first(c)
            .optional()?;
        let Some((Some(response_id), key, words)) = found else { return Ok(Transcribed::NotFound) };
        let empty = transcript.is_empty();
        diesel::update(answer_files::table.filter(answer_files::id.eq(id)))
            .set((
                answer_files::transcript.eq((!empty).then_some(transcript)),
                answer_files::transcribed_by.eq((!empty).then(|| staff.email.clone())),
                answer_files::transcribed_at.eq((!empty).then(now)),
            ))
            .execute(c)?;
        let text = answer_text(words.as_deref(), transcript);
        let response = ResponseId::from_stored(response_id.clone());
        // The words change: out of the kept counts before, back in after.
        super::aggregates::apply(c, &response, -1)?;
        diesel::delete(
            answers::table.filter(answers::response_id.eq(&response_id)).filter(answers::question_key.eq(&key)),
        )
        .execute(c)?;
        if !text.is_empty() {
            let row = (
                answers::response_id.eq(&response_id),
                answers::question_key.eq(&key),
                answers::ordinal.eq(0),
                answers::option_value.eq(None::<String>),
                answers::text_value.eq(Some(text)),
                answers::number_value.eq(None::<f64>),
            );
            crate::on_backend!(c, |inner| diesel::insert_into(answers::table).values(&row).execute(inner))?;
        }
        super::aggregates::apply(c, &response, 1)?;
        let wave_slug: String = waves::table.filter(waves::id.eq(wave_id)).select(waves::slug).first(c)?;
        super::audit::record(
            c,
            &staff.actor(),
            Some(partnership),
            super::audit::Action::AnswerTranscribed,
            &serde_json::json!({"wave": wave_slug, "question": key, "file": id, "cleared": empty}),
        )?;
        Ok(Transcribed::Saved)
    })
}

/// Retention (inside its wave's transaction): deletes the files of responses sent before
/// `cutoff`. Returns how many.
pub fn delete_older(c: &mut DbConnection, wave_id: &WaveId, cutoff: chrono::NaiveDateTime) -> StoreResult<usize> {
    let old: Vec<String> = responses::table
        .filter(responses::wave_id.eq(wave_id))
        .filter(responses::submitted_at.lt(cutoff))
        .inner_join(answer_files::table.on(answer_files::response_id.eq(responses::id.nullable())))
        .select(answer_files::id)
        .load(c)?;
    let mut n = 0;
    for chunk in old.chunks(500) {
        n += diesel::delete(answer_files::table.filter(answer_files::id.eq_any(chunk))).execute(c)?;
    }
    Ok(n)
}
