//! Panel sessions: a join code for one wave and audience within a time window, with an
//! optional shared tablet in kiosk mode (left only with the facilitator's PIN) and optional
//! member codes. The live tally counts the session's responses; free text reaches the
//! projector only when a facilitator reveals a consented answer.

use std::collections::HashMap;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use serde::Serialize;

use super::{StoreError, StoreResult};
use crate::db::schema::{answers, panel_reveals, panel_sessions, responses, waves};
use crate::db::{DbConnection, PartnershipId, ResponseId, WaveId, new_id, now};
use crate::domain::codes::JoinCode;

/// Wrong PINs in a row before a kiosk can only be left by ending the session from the
/// staff workspace.
pub const PIN_TRIES: i32 = 5;

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = panel_sessions)]
pub struct SessionRow {
    pub id: String,
    pub wave_id: WaveId,
    pub audience: String,
    pub code: String,
    pub title: String,
    pub kiosk: bool,
    #[serde(skip)]
    pub pin_hash: Option<String>,
    pub pin_failures: i32,
    pub member_codes: bool,
    pub idle_minutes: i32,
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

impl SessionRow {
    /// Whether young people can join now.
    pub fn is_open(&self, at: NaiveDateTime) -> bool {
        self.opens_at <= at && at < self.closes_at
    }

    pub fn join_code(&self) -> String {
        JoinCode::parse(&self.code).map(|c| c.display()).unwrap_or_else(|| self.code.clone())
    }
}

/// What a facilitator asks for.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub wave_id: WaveId,
    pub audience: String,
    pub title: String,
    pub kiosk: bool,
    /// Needed for kiosk mode: 4 to 8 digits.
    pub pin: Option<String>,
    pub member_codes: bool,
    pub idle_minutes: i32,
    pub minutes: i64,
    pub created_by: String,
}

fn hash_pin(pin: &str) -> StoreResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Conflict(format!("could not keep the PIN: {e}")))
}

/// Creates a session open from now for `minutes`, with a fresh join code.
pub fn create(conn: &mut DbConnection, new: &NewSession) -> StoreResult<SessionRow> {
    let pin_hash = match (&new.pin, new.kiosk) {
        (Some(pin), true) => Some(hash_pin(pin)?),
        (None, true) => return Err(StoreError::Conflict("a kiosk needs a PIN to leave it".into())),
        _ => None,
    };
    let stamp = now();
    for _ in 0..8 {
        let id = new_id();
        let code = JoinCode::generate();
        let taken: i64 =
            panel_sessions::table.filter(panel_sessions::code.eq(code.as_str())).count().get_result(conn)?;
        if taken > 0 {
            continue;
        }
        diesel::insert_into(panel_sessions::table)
            .values((
                panel_sessions::id.eq(&id),
                panel_sessions::wave_id.eq(&new.wave_id),
                panel_sessions::audience.eq(&new.audience),
                panel_sessions::code.eq(code.as_str()),
                panel_sessions::title.eq(&new.title),
                panel_sessions::kiosk.eq(new.kiosk),
                panel_sessions::pin_hash.eq(&pin_hash),
                panel_sessions::pin_failures.eq(0),
                panel_sessions::member_codes.eq(new.member_codes),
                panel_sessions::idle_minutes.eq(new.idle_minutes),
                panel_sessions::opens_at.eq(stamp),
                panel_sessions::closes_at.eq(stamp + TimeDelta::minutes(new.minutes)),
                panel_sessions::created_by.eq(&new.created_by),
                panel_sessions::created_at.eq(stamp),
            ))
            .execute(conn)?;
        return find(conn, &id)?.ok_or_else(|| StoreError::NotFound("the new session".into()));
    }
    Err(StoreError::Conflict("could not find a free join code; try again".into()))
}

pub fn find(conn: &mut DbConnection, id: &str) -> StoreResult<Option<SessionRow>> {
    Ok(panel_sessions::table
        .filter(panel_sessions::id.eq(id))
        .select(SessionRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_code(conn: &mut DbConnection, code: &JoinCode) -> StoreResult<Option<SessionRow>> {
    Ok(panel_sessions::table
        .filter(panel_sessions::code.eq(code.as_str()))
        .select(SessionRow::as_select())
        .first(conn)
        .optional()?)
}

/// A wave's sessions, newest first, with how many responses each has.
pub fn list_for_wave(conn: &mut DbConnection, wave_id: &WaveId) -> StoreResult<Vec<(SessionRow, i64)>> {
    let rows: Vec<SessionRow> = panel_sessions::table
        .filter(panel_sessions::wave_id.eq(wave_id))
        .order(panel_sessions::created_at.desc())
        .select(SessionRow::as_select())
        .load(conn)?;
    let mut out = Vec::new();
    for r in rows {
        let n = responses::table.filter(responses::session_id.eq(&r.id)).count().get_result(conn)?;
        out.push((r, n));
    }
    Ok(out)
}

/// The wave slug of a session's wave.
pub fn wave_slug(conn: &mut DbConnection, session: &SessionRow) -> StoreResult<String> {
    Ok(waves::table.filter(waves::id.eq(&session.wave_id)).select(waves::slug).first(conn)?)
}

/// Ends a session now: nobody can join any more.
pub fn end(conn: &mut DbConnection, id: &str) -> StoreResult<()> {
    let stamp = now();
    conn.write(|c| -> StoreResult<()> {
        diesel::update(
            panel_sessions::table.filter(panel_sessions::id.eq(id)).filter(panel_sessions::closes_at.gt(stamp)),
        )
        .set(panel_sessions::closes_at.eq(stamp))
        .execute(c)?;
        Ok(())
    })
}

/// The outcome of typing a kiosk PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pin {
    Right,
    Wrong { tries_left: i32 },
    Locked,
}

/// Checks a kiosk PIN, counting wrong ones. Runs argon2: call it off the async workers.
pub fn check_pin(conn: &mut DbConnection, id: &str, pin: &str) -> StoreResult<Pin> {
    let Some(s) = find(conn, id)? else { return Ok(Pin::Locked) };
    if s.pin_failures >= PIN_TRIES {
        return Ok(Pin::Locked);
    }
    let right = s
        .pin_hash
        .as_deref()
        .and_then(|h| PasswordHash::new(h).ok())
        .is_some_and(|h| argon2::Argon2::default().verify_password(pin.as_bytes(), &h).is_ok());
    conn.write(|c| -> StoreResult<Pin> {
        if right {
            diesel::update(panel_sessions::table.filter(panel_sessions::id.eq(id)))
                .set(panel_sessions::pin_failures.eq(0))
                .execute(c)?;
            Ok(Pin::Right)
        } else {
            diesel::update(panel_sessions::table.filter(panel_sessions::id.eq(id)))
                .set(panel_sessions::pin_failures.eq(panel_sessions::pin_failures + 1))
                .execute(c)?;
            let left = PIN_TRIES - s.pin_failures - 1;
            Ok(if left <= 0 { Pin::Locked } else { Pin::Wrong { tries_left: left } })
        }
    })
}

/// Counts for the live tally: respondents, answers per question, and answers per option.
///
/// The numbers move in steps of [`TALLY_STEP`] people: they count the session's first
/// `TALLY_STEP × ⌊n / TALLY_STEP⌋` responses (in the order they were sent), so no change on
/// the projector is ever one person's answer that the room could work out by difference.
/// `respondents` is everyone who has sent, which says nothing about what anyone chose.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Tally {
    pub respondents: i64,
    /// How many responses the numbers below count (a multiple of [`TALLY_STEP`]).
    pub counted: i64,
    pub answered: HashMap<String, i64>,
    pub counts: HashMap<(String, String), i64>,
}

/// The size of the steps the tally moves in.
pub const TALLY_STEP: i64 = 5;

pub fn tally(conn: &mut DbConnection, session_id: &str) -> StoreResult<Tally> {
    let sent: Vec<String> = responses::table
        .filter(responses::session_id.eq(session_id))
        .order((responses::submitted_at.asc(), responses::id.asc()))
        .select(responses::id)
        .load(conn)?;
    let respondents = sent.len() as i64;
    let counted = respondents - respondents % TALLY_STEP;
    let included: std::collections::HashSet<&str> =
        sent.iter().take(usize::try_from(counted).unwrap_or(0)).map(String::as_str).collect();
    let rows: Vec<(ResponseId, String, Option<String>)> = answers::table
        .inner_join(responses::table)
        .filter(responses::session_id.eq(session_id))
        .select((answers::response_id, answers::question_key, answers::option_value))
        .load(conn)?;
    let mut people: HashMap<String, std::collections::HashSet<String>> = HashMap::new();
    let mut counts = HashMap::new();
    for (response, key, option) in rows.into_iter().filter(|(r, _, _)| included.contains(r.as_str())) {
        people.entry(key.clone()).or_default().insert(response.into_string());
        if let Some(o) = option {
            *counts.entry((key, o)).or_insert(0) += 1;
        }
    }
    let answered = people.into_iter().map(|(k, v)| (k, v.len() as i64)).collect();
    Ok(Tally { respondents, counted, answered, counts })
}

/// What the live tally's event stream watches: changes whenever the projector would show
/// something new. `None` once the session has ended (or does not exist).
pub fn fingerprint(conn: &mut DbConnection, session_id: &str) -> StoreResult<Option<String>> {
    let Some(s) = find(conn, session_id)? else { return Ok(None) };
    if s.closes_at <= now() {
        return Ok(None);
    }
    let respondents: i64 = responses::table.filter(responses::session_id.eq(session_id)).count().get_result(conn)?;
    let shown: i64 = panel_reveals::table.filter(panel_reveals::session_id.eq(session_id)).count().get_result(conn)?;
    Ok(Some(format!("{}-{shown}", respondents - respondents % TALLY_STEP)))
}

/// A consented free-text answer from a session, and whether it is on the projector.
#[derive(Debug, Clone, Serialize)]
pub struct SharedText {
    pub response_id: ResponseId,
    pub question_key: String,
    pub text: String,
    pub revealed: bool,
}

/// The session's free-text answers whose writers agreed to share them, with names and
/// contact details taken out (the partnership's redaction list and Heard's patterns): the
/// only form staff pages and the projector ever show.
pub fn consented_texts(conn: &mut DbConnection, session_id: &str) -> StoreResult<Vec<SharedText>> {
    let rows: Vec<(String, String, Option<String>)> = answers::table
        .inner_join(responses::table)
        .filter(responses::session_id.eq(session_id))
        .filter(responses::consent_to_quote.eq(true))
        .filter(answers::text_value.is_not_null())
        .order((responses::submitted_at, answers::question_key))
        .select((answers::response_id, answers::question_key, answers::text_value))
        .load(conn)?;
    if rows.is_empty() {
        return Ok(vec![]);
    }
    let shown: Vec<(String, String)> = panel_reveals::table
        .filter(panel_reveals::session_id.eq(session_id))
        .select((panel_reveals::response_id, panel_reveals::question_key))
        .load(conn)?;
    let partnership: Option<PartnershipId> = panel_sessions::table
        .inner_join(waves::table.inner_join(crate::db::schema::survey_series::table))
        .filter(panel_sessions::id.eq(session_id))
        .select(crate::db::schema::survey_series::partnership_id)
        .first(conn)
        .optional()?;
    let names = match &partnership {
        Some(pid) => super::voices::redaction_list(conn, pid)?,
        None => vec![],
    };
    Ok(rows
        .into_iter()
        .filter_map(|(response_id, question_key, text)| {
            let revealed = shown.iter().any(|(r, k)| *r == response_id && *k == question_key);
            text.map(|text| SharedText {
                response_id: ResponseId::from_stored(response_id),
                question_key,
                text: crate::domain::redact::redact(&text, &names).text,
                revealed,
            })
        })
        .collect())
}

/// Puts one consented answer on the projector, or takes it off. False when there is no
/// such consented answer in this session.
pub fn set_revealed(
    conn: &mut DbConnection,
    session_id: &str,
    response_id: &ResponseId,
    question_key: &str,
    show: bool,
) -> StoreResult<bool> {
    let exists = consented_texts(conn, session_id)?
        .iter()
        .any(|t| &t.response_id == response_id && t.question_key == question_key);
    if !exists {
        return Ok(false);
    }
    conn.write(|c| -> StoreResult<()> {
        diesel::delete(
            panel_reveals::table
                .filter(panel_reveals::session_id.eq(session_id))
                .filter(panel_reveals::response_id.eq(response_id))
                .filter(panel_reveals::question_key.eq(question_key)),
        )
        .execute(c)?;
        if show {
            diesel::insert_into(panel_reveals::table)
                .values((
                    panel_reveals::session_id.eq(session_id),
                    panel_reveals::response_id.eq(response_id),
                    panel_reveals::question_key.eq(question_key),
                    panel_reveals::revealed_at.eq(now()),
                ))
                .execute(c)?;
        }
        Ok(())
    })?;
    Ok(true)
}
