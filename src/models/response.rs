//! Stored responses: deletion by the respondent's receipt code, and counts.

use chrono::TimeDelta;
use diesel::prelude::*;

use super::StoreResult;
use crate::db::schema::{drafts, responses};
use crate::db::{DbConnection, ResponseId, WaveId, now};
use crate::domain::codes::{CodeKey, ShortCode};

/// What happened when someone asked to delete a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deletion {
    Deleted,
    /// No response in this wave has that receipt (or it was deleted already).
    NotFound,
    /// The response is older than the deletion period.
    TooLate,
}

/// The response with this receipt code in this wave, if it may still be deleted: `Ok(id)`,
/// or why not.
fn deletable(
    c: &mut DbConnection,
    key: &CodeKey,
    wave_id: &WaveId,
    code: &ShortCode,
    within_days: i64,
) -> StoreResult<Result<ResponseId, Deletion>> {
    let hashes = code.hashes(key, "receipt");
    let found: Option<(ResponseId, chrono::NaiveDateTime)> = responses::table
        .filter(responses::receipt_hash.eq_any(&hashes))
        .filter(responses::wave_id.eq(wave_id))
        .select((responses::id, responses::submitted_at))
        .first(c)
        .optional()?;
    Ok(match found {
        None => Err(Deletion::NotFound),
        Some((_, submitted)) if submitted + TimeDelta::days(within_days) < now() => Err(Deletion::TooLate),
        Some((id, _)) => Ok(id),
    })
}

/// Whether a response with this receipt code could be deleted now, without deleting it (the
/// question before "Are you sure?"): `None` when it could, or why not.
pub fn check_receipt(
    conn: &mut DbConnection,
    key: &CodeKey,
    wave_id: &WaveId,
    code: &ShortCode,
    within_days: i64,
) -> StoreResult<Option<Deletion>> {
    Ok(deletable(conn, key, wave_id, code, within_days)?.err())
}

/// Deletes the response with this receipt code in this wave, with its answers, if it was sent
/// within `within_days`.
pub fn delete_by_receipt(
    conn: &mut DbConnection,
    key: &CodeKey,
    wave_id: &WaveId,
    code: &ShortCode,
    within_days: i64,
) -> StoreResult<Deletion> {
    conn.write(|c| -> StoreResult<Deletion> {
        let id = match deletable(c, key, wave_id, code, within_days)? {
            Ok(id) => id,
            Err(why) => return Ok(why),
        };
        // Take it out of the counts first; answers go with the response (ON DELETE CASCADE);
        // the draft that produced it no longer points at anything.
        super::aggregates::apply(c, &id, -1)?;
        let gone = diesel::delete(responses::table.filter(responses::id.eq(&id))).execute(c)?;
        if gone != 1 {
            // A second request racing the first: the first did the deleting.
            return Ok(Deletion::NotFound);
        }
        diesel::delete(drafts::table.filter(drafts::response_id.eq(&id))).execute(c)?;
        Ok(Deletion::Deleted)
    })
}

/// The database's gauges for `/metrics`.
pub fn gauges(conn: &mut DbConnection) -> StoreResult<crate::metrics::Gauges> {
    use crate::db::schema::outbox;
    let status = |c: &mut DbConnection, s: &str| -> StoreResult<i64> {
        Ok(outbox::table.filter(outbox::status.eq(s)).count().get_result(c)?)
    };
    Ok(crate::metrics::Gauges {
        responses: responses::table.count().get_result(conn)?,
        drafts_open: drafts::table.filter(drafts::response_id.is_null()).count().get_result(conn)?,
        outbox_pending: status(conn, "pending")? + status(conn, "sending")?,
        outbox_failed: status(conn, "failed")?,
    })
}

pub fn count_for_wave(conn: &mut DbConnection, wave_id: &WaveId) -> StoreResult<i64> {
    Ok(responses::table.filter(responses::wave_id.eq(wave_id)).count().get_result(conn)?)
}

/// Filters for the staff list of responses.
#[derive(Debug, Clone, Default)]
pub struct ResponseFilter {
    pub audience: Option<String>,
    pub channel: Option<String>,
    /// Words that must appear in a free-text answer (any case).
    pub words: Option<String>,
    /// Only responses that answered this question.
    pub question: Option<String>,
    /// Only responses that answered a question tagged with this priority code.
    pub priority: Option<String>,
    /// Only responses that answered a question tagged with this value code.
    pub value: Option<String>,
}

/// A response as listed for staff.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ResponseListing {
    pub id: ResponseId,
    pub audience: String,
    pub channel: String,
    pub submitted_on: String,
    pub consent_to_quote: bool,
    /// The start of the first written answer (by `text_order`), for the list.
    pub excerpt: Option<String>,
}

/// The longest excerpt the list shows, in grapheme clusters.
pub const EXCERPT_GRAPHEMES: usize = 120;

/// `text` cut to `max` grapheme clusters at a word boundary where it can be, with "…".
pub fn excerpt(text: &str, max: usize) -> String {
    use unicode_segmentation::UnicodeSegmentation;
    let text = text.trim();
    if text.graphemes(true).count() <= max {
        return text.to_owned();
    }
    let cut: String = text.graphemes(true).take(max).collect();
    let at_word = cut.rfind(char::is_whitespace).filter(|&i| i > cut.len() / 2).map_or(cut.as_str(), |i| &cut[..i]);
    format!("{}…", at_word.trim_end())
}

/// One answer to one question, for reading every answer to it as one list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct QuestionAnswer {
    pub response_id: ResponseId,
    pub audience: String,
    pub submitted_on: String,
    pub option_value: Option<String>,
    pub text: Option<String>,
    pub number: Option<f64>,
}

type AnswerRow = (ResponseId, String, chrono::NaiveDateTime, Option<String>, Option<String>, Option<f64>);

/// Every answer to `question_key` in a wave, newest response first, a page at a time, with
/// how many responses answered it.
pub fn answers_to(
    conn: &mut DbConnection,
    wave_id: &WaveId,
    question_key: &str,
    page: i64,
    per_page: i64,
) -> StoreResult<(Vec<QuestionAnswer>, i64)> {
    use crate::db::schema::answers;
    let base = || {
        answers::table
            .inner_join(responses::table)
            .filter(responses::wave_id.eq(wave_id.to_owned()))
            .filter(answers::question_key.eq(question_key.to_owned()))
    };
    let total: i64 = responses::table
        .filter(responses::wave_id.eq(wave_id.to_owned()))
        .filter(responses::id.eq_any(
            answers::table.filter(answers::question_key.eq(question_key.to_owned())).select(answers::response_id),
        ))
        .count()
        .get_result(conn)?;
    let rows: Vec<AnswerRow> = base()
        .order((responses::submitted_at.desc(), responses::id.asc(), answers::ordinal.asc()))
        .limit(per_page)
        .offset(page.max(0) * per_page)
        .select((
            responses::id,
            responses::audience,
            responses::submitted_at,
            answers::option_value,
            answers::text_value,
            answers::number_value,
        ))
        .load(conn)?;
    Ok((
        rows.into_iter()
            .map(|(response_id, audience, at, option_value, text, number)| QuestionAnswer {
                response_id,
                audience,
                submitted_on: at.date().format("%Y-%m-%d").to_string(),
                option_value,
                text,
                number,
            })
            .collect(),
        total,
    ))
}

/// The responses either side of `id` in its wave's list (newest first): (newer, older).
pub fn neighbours(
    conn: &mut DbConnection,
    wave_id: &WaveId,
    id: &ResponseId,
) -> StoreResult<(Option<ResponseId>, Option<ResponseId>)> {
    let Some(at) = responses::table
        .filter(responses::id.eq(id))
        .select(responses::submitted_at)
        .first::<chrono::NaiveDateTime>(conn)
        .optional()?
    else {
        return Ok((None, None));
    };
    let in_wave = || responses::table.filter(responses::wave_id.eq(wave_id.to_owned())).into_boxed();
    // The list's order is (submitted_at desc, id asc): newer comes before, older after.
    let newer = in_wave()
        .filter(responses::submitted_at.gt(at).or(responses::submitted_at.eq(at).and(responses::id.lt(id))))
        .order((responses::submitted_at.asc(), responses::id.desc()))
        .select(responses::id)
        .first(conn)
        .optional()?;
    let older = in_wave()
        .filter(responses::submitted_at.lt(at).or(responses::submitted_at.eq(at).and(responses::id.gt(id))))
        .order((responses::submitted_at.desc(), responses::id.asc()))
        .select(responses::id)
        .first(conn)
        .optional()?;
    Ok((newer, older))
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// One page of a wave's responses, newest first, and how many match in all.
/// `text_order` is the wave's question keys in order: each row's excerpt is the first of its
/// written answers by it.
pub fn list(
    conn: &mut DbConnection,
    wave_id: &WaveId,
    f: &ResponseFilter,
    page: i64,
    per_page: i64,
    text_order: &[String],
) -> StoreResult<(Vec<ResponseListing>, i64)> {
    use crate::db::schema::answers;
    let build = || {
        let mut q = responses::table.filter(responses::wave_id.eq(wave_id.to_owned())).into_boxed();
        if let Some(a) = &f.audience {
            q = q.filter(responses::audience.eq(a.clone()));
        }
        if let Some(c) = &f.channel {
            q = q.filter(responses::channel.eq(c.clone()));
        }
        if let Some(key) = &f.question {
            q = q.filter(
                responses::id
                    .eq_any(answers::table.filter(answers::question_key.eq(key.clone())).select(answers::response_id)),
            );
        }
        for (kind, code) in [("priority", &f.priority), ("value", &f.value)] {
            if let Some(code) = code {
                use crate::db::schema::{question_tags, questions};
                let keys = questions::table
                    .inner_join(question_tags::table)
                    .filter(questions::wave_id.eq(wave_id.to_owned()))
                    .filter(question_tags::kind.eq(kind))
                    .filter(question_tags::code.eq(code.clone()))
                    .select(questions::question_key);
                q = q
                    .filter(responses::id.eq_any(
                        answers::table.filter(answers::question_key.eq_any(keys)).select(answers::response_id),
                    ));
            }
        }
        if let Some(words) = f.words.as_ref().filter(|w| !w.trim().is_empty()) {
            let escaped = words.trim().to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            let pattern = format!("%{escaped}%");
            q = q.filter(
                responses::id.eq_any(
                    answers::table
                        .filter(lower(answers::text_value.assume_not_null()).like(pattern).escape('\\'))
                        .select(answers::response_id),
                ),
            );
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows: Vec<(ResponseId, String, String, chrono::NaiveDateTime, bool)> = build()
        .order((responses::submitted_at.desc(), responses::id.asc()))
        .limit(per_page)
        .offset(page.max(0) * per_page)
        .select((
            responses::id,
            responses::audience,
            responses::channel,
            responses::submitted_at,
            responses::consent_to_quote,
        ))
        .load(conn)?;
    let ids: Vec<&ResponseId> = rows.iter().map(|r| &r.0).collect();
    let texts: Vec<(ResponseId, String, Option<String>)> = answers::table
        .filter(answers::response_id.eq_any(ids))
        .filter(answers::text_value.is_not_null())
        .select((answers::response_id, answers::question_key, answers::text_value))
        .load(conn)?;
    let first_text = |id: &ResponseId| {
        texts
            .iter()
            .filter(|(r, _, t)| r == id && t.as_deref().is_some_and(|t| !t.trim().is_empty()))
            .min_by_key(|(_, k, _)| text_order.iter().position(|o| o == k).unwrap_or(usize::MAX))
            .and_then(|(_, _, t)| t.as_deref().map(|t| excerpt(t, EXCERPT_GRAPHEMES)))
    };
    Ok((
        rows.iter()
            .map(|(id, audience, channel, at, consent)| ResponseListing {
                id: id.clone(),
                audience: audience.clone(),
                channel: channel.clone(),
                submitted_on: at.date().format("%Y-%m-%d").to_string(),
                consent_to_quote: *consent,
                excerpt: first_text(id),
            })
            .collect(),
        total,
    ))
}

/// One response with its answers, if it belongs to `wave_id`... or to any wave of the
/// partnership (checked by the caller through [`owner`]).
pub fn get(conn: &mut DbConnection, id: &ResponseId) -> StoreResult<Option<StoredResponse>> {
    type AnswerRow = (String, i32, Option<String>, Option<String>, Option<f64>);
    use crate::db::schema::answers;
    let row: Option<(ResponseId, String, String, chrono::NaiveDateTime, bool, WaveId)> = responses::table
        .filter(responses::id.eq(id))
        .select((
            responses::id,
            responses::audience,
            responses::channel,
            responses::submitted_at,
            responses::consent_to_quote,
            responses::wave_id,
        ))
        .first(conn)
        .optional()?;
    let Some((rid, audience, channel, at, consent, wave_id)) = row else { return Ok(None) };
    let rows: Vec<AnswerRow> = answers::table
        .filter(answers::response_id.eq(&rid))
        .order((answers::question_key.asc(), answers::ordinal.asc()))
        .select((
            answers::question_key,
            answers::ordinal,
            answers::option_value,
            answers::text_value,
            answers::number_value,
        ))
        .load(conn)?;
    let mut given = crate::domain::Answers::new();
    for (key, _, option, text, number) in rows {
        use crate::domain::AnswerValue;
        let next = match (given.remove(&key), option, text, number) {
            (Some(AnswerValue::Choice(first)), Some(o), _, _) => AnswerValue::Choices(vec![first, o]),
            (Some(AnswerValue::Choices(mut all)), Some(o), _, _) => {
                all.push(o);
                AnswerValue::Choices(all)
            }
            (_, Some(o), _, _) => AnswerValue::Choice(o),
            (_, _, Some(t), _) => AnswerValue::Text(t),
            (_, _, _, Some(n)) => AnswerValue::Number(n),
            (previous, None, None, None) => match previous {
                Some(p) => p,
                None => continue,
            },
        };
        given.insert(key, next);
    }
    let listing = ResponseListing {
        id: rid,
        audience,
        channel,
        submitted_on: at.date().format("%Y-%m-%d").to_string(),
        consent_to_quote: consent,
        excerpt: None,
    };
    Ok(Some(StoredResponse { listing, wave_id, answers: given }))
}

/// One sent response, as staff read it.
#[derive(Debug, Clone)]
pub struct StoredResponse {
    pub listing: ResponseListing,
    pub wave_id: WaveId,
    pub answers: crate::domain::Answers,
}

/// The wave and partnership a response belongs to.
fn owner(conn: &mut DbConnection, id: &ResponseId) -> StoreResult<Option<super::survey::WaveOwner>> {
    use crate::db::schema::{survey_series, waves};
    Ok(responses::table
        .inner_join(waves::table.inner_join(survey_series::table))
        .filter(responses::id.eq(id))
        .select((waves::id, survey_series::partnership_id))
        .first(conn)
        .optional()?)
}

/// Deletes a response on a staff member's request, recording who, when and why.
pub fn delete_by_staff(
    conn: &mut DbConnection,
    id: &ResponseId,
    staff: &super::account::Staff,
    reason: &str,
) -> StoreResult<bool> {
    conn.write(|c| -> StoreResult<bool> {
        let Some(super::survey::WaveOwner { wave: wave_id, partnership: partnership_id }) = owner(c, id)? else {
            return Ok(false);
        };
        let wave_slug: String = crate::db::schema::waves::table
            .filter(crate::db::schema::waves::id.eq(&wave_id))
            .select(crate::db::schema::waves::slug)
            .first(c)?;
        super::aggregates::apply(c, id, -1)?;
        let gone = diesel::delete(responses::table.filter(responses::id.eq(id))).execute(c)?;
        diesel::delete(drafts::table.filter(drafts::response_id.eq(id))).execute(c)?;
        super::audit::record(
            c,
            &staff.actor(),
            Some(&partnership_id),
            super::audit::Action::ResponseDeleted,
            &serde_json::json!({"wave": wave_slug, "reason": reason}),
        )?;
        Ok(gone == 1)
    })
}
