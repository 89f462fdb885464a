//! Drafts: answers in progress, kept on the server so nothing is lost when a phone sleeps and
//! so a respondent can carry on on another device with a resume code. The browser holds only
//! a random token (in a cookie scoped to the wave's path); the database holds its hash.
//!
//! Sending a draft is exactly-once: the first send claims the draft by setting its
//! `response_id` in the same transaction that stores the response, so a double tap, a refresh
//! or a replayed POST finds the draft already claimed and gets the same receipt back.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use super::{StoreError, StoreResult};
use crate::db::schema::{answers, drafts, responses};
use crate::db::{DbConnection, ResponseId, WaveId, new_id, now};
use crate::domain::codes::{CodeKey, ShortCode, hash_token};
use crate::domain::{AnswerValue, Answers};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = drafts)]
pub struct DraftRow {
    pub id: String,
    pub wave_id: WaveId,
    pub audience: String,
    pub answers: String,
    pub consent_to_quote: Option<bool>,
    pub started_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub response_id: Option<ResponseId>,
    pub receipt_code: Option<String>,
    pub resume_hash: Option<String>,
    /// The panel session this draft was started in, if any.
    pub session_id: Option<String>,
    /// A member code's hash, when the young person gave or was given one.
    pub member_hash: Option<String>,
    /// The invitation this draft came from; forgotten when it is sent (the contact only
    /// learns "has responded").
    pub contact_id: Option<String>,
}

impl DraftRow {
    /// The answers so far. A draft whose stored answers cannot be read (it should not happen)
    /// is treated as empty rather than failing the page.
    pub fn answers(&self) -> Answers {
        serde_json::from_str(&self.answers).unwrap_or_default()
    }

    pub fn is_sent(&self) -> bool {
        self.response_id.is_some()
    }
}

/// Starts a draft for a browser holding `token`.
pub fn create(
    conn: &mut DbConnection,
    wave_id: &WaveId,
    audience: &str,
    token: &str,
    keep_days: i64,
) -> StoreResult<DraftRow> {
    let stamp = now();
    let id = new_id();
    diesel::insert_into(drafts::table)
        .values((
            drafts::id.eq(&id),
            drafts::wave_id.eq(wave_id),
            drafts::audience.eq(audience),
            drafts::token_hash.eq(hash_token(token)),
            drafts::answers.eq("{}"),
            drafts::started_at.eq(stamp),
            drafts::updated_at.eq(stamp),
            drafts::expires_at.eq(stamp + TimeDelta::days(keep_days)),
        ))
        .execute(conn)?;
    find_by_id(conn, &id)?.ok_or_else(|| StoreError::NotFound("the new draft".into()))
}

fn find_by_id(conn: &mut DbConnection, id: &str) -> StoreResult<Option<DraftRow>> {
    Ok(drafts::table.filter(drafts::id.eq(id)).select(DraftRow::as_select()).first(conn).optional()?)
}

/// The draft this browser's token points at in this wave, unless it has expired.
pub fn find(conn: &mut DbConnection, wave_id: &WaveId, token: &str) -> StoreResult<Option<DraftRow>> {
    Ok(drafts::table
        .filter(drafts::token_hash.eq(hash_token(token)))
        .filter(drafts::wave_id.eq(wave_id))
        .filter(drafts::expires_at.gt(now()))
        .select(DraftRow::as_select())
        .first(conn)
        .optional()?)
}

/// Saves answers (and the consent choice) to an unsent draft, keeping it for another
/// `keep_days`. Returns false if the draft was already sent.
pub fn save(
    conn: &mut DbConnection,
    draft_id: &str,
    answers_so_far: &Answers,
    consent: Option<bool>,
    keep_days: i64,
) -> StoreResult<bool> {
    let json = serde_json::to_string(answers_so_far).map_err(|e| StoreError::Conflict(e.to_string()))?;
    let stamp = now();
    let n = diesel::update(drafts::table.filter(drafts::id.eq(draft_id)).filter(drafts::response_id.is_null()))
        .set((
            drafts::answers.eq(json),
            drafts::consent_to_quote.eq(consent),
            drafts::updated_at.eq(stamp),
            drafts::expires_at.eq(stamp + TimeDelta::days(keep_days)),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Gives an unsent draft a resume code (a new one each time it is asked for, so an old
/// code written down somewhere stops working). Returns the code to show.
pub fn issue_resume_code(conn: &mut DbConnection, key: &CodeKey, draft_id: &str) -> StoreResult<Option<ShortCode>> {
    for _ in 0..5 {
        let code = ShortCode::generate();
        let result =
            diesel::update(drafts::table.filter(drafts::id.eq(draft_id)).filter(drafts::response_id.is_null()))
                .set(drafts::resume_hash.eq(code.hash(key, "resume")))
                .execute(conn);
        match result {
            Ok(1) => return Ok(Some(code)),
            Ok(_) => return Ok(None),
            // A clash with another draft's code (vanishingly rare): try another.
            Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {
                continue;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::Conflict("could not make a unique resume code".into()))
}

/// Moves a draft to a new browser: the draft's old token stops working and `new_token` opens
/// it from now on. The code keeps working (on any device, as often as needed) until the
/// answers are sent or expire, so a code written down is never used up by carrying on once.
/// Returns the draft, or None if the code is unknown, expired, for another wave, or already
/// sent.
pub fn resume(
    conn: &mut DbConnection,
    key: &CodeKey,
    wave_id: &WaveId,
    code: &ShortCode,
    new_token: &str,
    keep_days: i64,
) -> StoreResult<Option<DraftRow>> {
    let hashes = code.hashes(key, "resume");
    conn.write(|c| -> StoreResult<Option<DraftRow>> {
        let found: Option<DraftRow> = drafts::table
            .filter(drafts::resume_hash.eq_any(&hashes))
            .filter(drafts::wave_id.eq(wave_id))
            .filter(drafts::response_id.is_null())
            .filter(drafts::expires_at.gt(now()))
            .select(DraftRow::as_select())
            .first(c)
            .optional()?;
        let Some(draft) = found else { return Ok(None) };
        let stamp = now();
        // Conditional on the draft still being unsent: a device racing the one sending it
        // gets nothing. Two devices racing with one code: the later one holds the draft.
        let moved = diesel::update(
            drafts::table
                .filter(drafts::id.eq(&draft.id))
                .filter(drafts::resume_hash.eq_any(&hashes))
                .filter(drafts::response_id.is_null()),
        )
        .set((
            drafts::token_hash.eq(hash_token(new_token)),
            drafts::updated_at.eq(stamp),
            drafts::expires_at.eq(stamp + TimeDelta::days(keep_days)),
        ))
        .execute(c)?;
        if moved != 1 {
            return Ok(None);
        }
        find_by_id(c, &draft.id)
    })
}

/// Whether `code` is the resume code of an unsent, unexpired draft in this wave (to tell
/// someone who typed it where a receipt was asked for what it is).
pub fn is_resume_code(conn: &mut DbConnection, key: &CodeKey, wave_id: &WaveId, code: &ShortCode) -> StoreResult<bool> {
    let hashes = code.hashes(key, "resume");
    let n: i64 = drafts::table
        .filter(drafts::resume_hash.eq_any(&hashes))
        .filter(drafts::wave_id.eq(wave_id))
        .filter(drafts::response_id.is_null())
        .filter(drafts::expires_at.gt(now()))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The receipt for a sent draft.
#[derive(Debug, Clone)]
pub struct Receipt {
    pub response_id: ResponseId,
    /// The code to show; `None` for a response sent without one (a shared tablet's), or when
    /// the browser asking is not the one that sent it.
    pub code: Option<String>,
    /// True when this call stored the response; false when it had been stored before.
    pub stored_now: bool,
}

/// How a draft is sent.
pub struct Sending<'a> {
    pub channel: &'a str,
    pub key: &'a CodeKey,
    /// The browser's draft token: the receipt code kept with the draft is sealed with it.
    pub token: &'a str,
    /// False on a shared tablet: the response gets no receipt code at all, so nobody who
    /// saw the screen can delete it later.
    pub with_receipt: bool,
}

/// The receipt code kept with a sent draft, opened with the browser's token.
pub fn receipt_code(draft: &DraftRow, key: &CodeKey, token: &str) -> Option<String> {
    draft.receipt_code.as_deref().and_then(|sealed| key.open(token, &draft.id, sealed)).map(|c| c.display())
}

/// Sends a draft: stores it as a response with its answers, exactly once.
///
/// The receipt code is stored with the response only as a keyed hash, and with the draft
/// (so a refresh or a second tap shows it again) only sealed with the browser's token.
pub fn send(conn: &mut DbConnection, draft_id: &str, how: &Sending<'_>) -> StoreResult<Receipt> {
    conn.write(|c| -> StoreResult<Receipt> {
        let draft = find_by_id(c, draft_id)?.ok_or_else(|| StoreError::NotFound("your answers".into()))?;
        if let Some(response_id) = &draft.response_id {
            let code = receipt_code(&draft, how.key, how.token);
            return Ok(Receipt { response_id: response_id.clone(), code, stored_now: false });
        }
        let response_id = ResponseId::random();
        let code = how.with_receipt.then(ShortCode::generate);
        // Claim the draft first: only one sender can move response_id from NULL.
        let claimed =
            diesel::update(drafts::table.filter(drafts::id.eq(draft_id)).filter(drafts::response_id.is_null()))
                .set((
                    drafts::response_id.eq(&response_id),
                    drafts::receipt_code.eq(code.as_ref().map(|code| how.key.seal(how.token, draft_id, code))),
                    drafts::answers.eq("{}"),
                    drafts::resume_hash.eq(None::<String>),
                ))
                .execute(c)?;
        if claimed != 1 {
            // Another send won the race (on PostgreSQL it waited for that transaction to
            // commit): answer with its receipt, as a second tap should.
            let winner = find_by_id(c, draft_id)?.ok_or_else(|| StoreError::NotFound("your answers".into()))?;
            let code = receipt_code(&winner, how.key, how.token);
            return match winner.response_id {
                Some(response_id) => Ok(Receipt { response_id, code, stored_now: false }),
                None => Err(StoreError::Conflict("these answers were sent already".into())),
            };
        }
        let given = draft.answers();
        diesel::insert_into(responses::table)
            .values((
                responses::id.eq(&response_id),
                responses::wave_id.eq(&draft.wave_id),
                responses::audience.eq(&draft.audience),
                responses::channel.eq(how.channel),
                responses::started_at.eq(draft.started_at),
                responses::submitted_at.eq(now()),
                responses::consent_to_quote.eq(draft.consent_to_quote.unwrap_or(false)),
                responses::receipt_hash.eq(code.as_ref().map(|code| code.hash(how.key, "receipt"))),
                responses::session_id.eq(&draft.session_id),
                responses::member_hash.eq(&draft.member_hash),
            ))
            .execute(c)?;
        insert_answers(c, &response_id, &given)?;
        super::answer_files::attach(c, draft_id, &response_id, &given)?;
        super::aggregates::apply(c, &response_id, 1)?;
        if let Some(contact) = &draft.contact_id {
            // The invitation learns only that its person answered; the draft forgets it.
            super::invitations::mark_responded(c, contact)?;
            diesel::update(drafts::table.filter(drafts::id.eq(draft_id)))
                .set(drafts::contact_id.eq(None::<String>))
                .execute(c)?;
        }
        Ok(Receipt { response_id, code: code.map(|c| c.display()), stored_now: true })
    })
}

/// Links a new draft to the panel session it was started in.
pub fn set_session(conn: &mut DbConnection, draft_id: &str, session_id: &str) -> StoreResult<()> {
    diesel::update(drafts::table.filter(drafts::id.eq(draft_id)).filter(drafts::response_id.is_null()))
        .set(drafts::session_id.eq(session_id))
        .execute(conn)?;
    Ok(())
}

/// Links a new draft to the invitation it came from (until it is sent).
pub fn set_contact(conn: &mut DbConnection, draft_id: &str, contact_id: &str) -> StoreResult<()> {
    diesel::update(drafts::table.filter(drafts::id.eq(draft_id)).filter(drafts::response_id.is_null()))
        .set(drafts::contact_id.eq(contact_id))
        .execute(conn)?;
    Ok(())
}

/// Keeps a member code's hash with an unsent draft (`None` takes it off).
pub fn set_member(conn: &mut DbConnection, draft_id: &str, hash: Option<&str>) -> StoreResult<()> {
    diesel::update(drafts::table.filter(drafts::id.eq(draft_id)).filter(drafts::response_id.is_null()))
        .set(drafts::member_hash.eq(hash))
        .execute(conn)?;
    Ok(())
}

/// Throws away the unsent draft this token points at (a shared tablet going back to the
/// start). A sent draft is left alone: it still answers for its receipt.
pub fn discard_unsent(conn: &mut DbConnection, wave_id: &WaveId, token: &str) -> StoreResult<()> {
    diesel::delete(
        drafts::table
            .filter(drafts::token_hash.eq(hash_token(token)))
            .filter(drafts::wave_id.eq(wave_id))
            .filter(drafts::response_id.is_null()),
    )
    .execute(conn)?;
    Ok(())
}

/// Writes a response's answers: one row per answer, or per chosen option, and its answer
/// sheet (`sheets`).
pub fn insert_answers(c: &mut DbConnection, response_id: &ResponseId, given: &Answers) -> StoreResult<()> {
    let mut rows = Vec::new();
    for (key, value) in given {
        match value {
            AnswerValue::Choice(v) => rows.push((key.clone(), 0, Some(v.clone()), None, None)),
            AnswerValue::Choices(vs) => {
                for (i, v) in vs.iter().enumerate() {
                    rows.push((key.clone(), i as i32, Some(v.clone()), None, None));
                }
            }
            // A recording or picture with no words beside it: its text comes with the transcript.
            AnswerValue::Text(t) if t.is_empty() => {}
            AnswerValue::Text(t) => rows.push((key.clone(), 0, None, Some(t.clone()), None)),
            AnswerValue::Number(n) => rows.push((key.clone(), 0, None, None, Some(*n))),
        }
    }
    for chunk in rows.chunks(100) {
        let values: Vec<_> = chunk
            .iter()
            .map(|(key, ordinal, option, text, number)| {
                (
                    answers::response_id.eq(response_id),
                    answers::question_key.eq(key),
                    answers::ordinal.eq(*ordinal),
                    answers::option_value.eq(option),
                    answers::text_value.eq(text),
                    answers::number_value.eq(number),
                )
            })
            .collect();
        crate::on_backend!(c, |inner| diesel::insert_into(answers::table).values(&values).execute(inner))?;
    }
    // Options and numbers also go on the response's answer sheet (written answers do not).
    if rows.iter().any(|(_, _, option, _, number)| option.is_some() || number.is_some()) {
        super::sheets::keep(c, response_id)?;
    }
    Ok(())
}

/// Forgets the browser's link to a sent draft (used when someone starts again).
pub fn discard(conn: &mut DbConnection, draft_id: &str) -> StoreResult<()> {
    diesel::delete(drafts::table.filter(drafts::id.eq(draft_id))).execute(conn)?;
    Ok(())
}

/// Removes drafts past their expiry. Returns how many.
pub fn purge_expired(conn: &mut DbConnection) -> StoreResult<usize> {
    Ok(diesel::delete(drafts::table.filter(drafts::expires_at.le(now()))).execute(conn)?)
}
