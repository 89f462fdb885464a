//! Co-design review of a draft wave: a join code for one audience's version, what reviewers
//! said about each question ("Is this easy to understand?" yes, not sure or no, and better
//! words), and what happens to it when the wave opens (deleted, or kept as anonymous counts).
//! Feedback is never a response and is never counted as one. Never sees HTTP.

use diesel::prelude::*;
use serde::Serialize;

use super::StoreResult;
use crate::db::schema::{review_counts, review_feedback, reviews};
use crate::db::{DbConnection, WaveId, new_id, now};
use crate::domain::codes::JoinCode;

/// A reviewer's answer to "Is this easy to understand?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Verdict {
    Yes,
    NotSure,
    No,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Yes => "yes",
            Verdict::NotSure => "not-sure",
            Verdict::No => "no",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "yes" => Some(Self::Yes),
            "not-sure" => Some(Self::NotSure),
            "no" => Some(Self::No),
            _ => None,
        }
    }
}

/// A review as staff see it.
#[derive(Debug, Clone, Serialize)]
pub struct Review {
    pub id: String,
    pub wave_id: WaveId,
    pub audience: String,
    /// As stored (`K7QM4P`).
    pub code: String,
    pub keep_counts: bool,
    pub created_by: String,
    pub ended: bool,
    pub feedback: i64,
}

type Row = (String, String, String, String, bool, String, Option<chrono::NaiveDateTime>);

fn review(conn: &mut DbConnection, row: Row) -> StoreResult<Review> {
    let (id, wave_id, audience, code, keep_counts, created_by, ended_at) = row;
    let feedback = review_feedback::table.filter(review_feedback::review_id.eq(&id)).count().get_result(conn)?;
    Ok(Review {
        id,
        wave_id: WaveId::from_stored(wave_id),
        audience,
        code,
        keep_counts,
        created_by,
        ended: ended_at.is_some(),
        feedback,
    })
}

const COLUMNS: (
    reviews::id,
    reviews::wave_id,
    reviews::audience,
    reviews::code,
    reviews::keep_counts,
    reviews::created_by,
    reviews::ended_at,
) = (
    reviews::id,
    reviews::wave_id,
    reviews::audience,
    reviews::code,
    reviews::keep_counts,
    reviews::created_by,
    reviews::ended_at,
);

/// Starts a review of `audience`'s version with a fresh join code. Joins the caller's
/// transaction.
pub fn start(
    conn: &mut DbConnection,
    wave: &WaveId,
    audience: &str,
    keep_counts: bool,
    by: &str,
) -> StoreResult<Review> {
    conn.write(|c| -> StoreResult<Review> {
        let id = new_id();
        let mut code = JoinCode::generate();
        // A code is never reused while its review exists (the column is unique).
        while reviews::table.filter(reviews::code.eq(code.as_str())).count().get_result::<i64>(c)? > 0 {
            code = JoinCode::generate();
        }
        diesel::insert_into(reviews::table)
            .values((
                reviews::id.eq(&id),
                reviews::wave_id.eq(wave),
                reviews::audience.eq(audience),
                reviews::code.eq(code.as_str()),
                reviews::keep_counts.eq(keep_counts),
                reviews::created_by.eq(by),
                reviews::created_at.eq(now()),
            ))
            .execute(c)?;
        let row = reviews::table.filter(reviews::id.eq(&id)).select(COLUMNS).first(c)?;
        review(c, row)
    })
}

/// A wave's reviews, newest first.
pub fn for_wave(conn: &mut DbConnection, wave: &WaveId) -> StoreResult<Vec<Review>> {
    let rows: Vec<Row> = reviews::table
        .filter(reviews::wave_id.eq(wave))
        .order(reviews::created_at.desc())
        .select(COLUMNS)
        .load(conn)?;
    rows.into_iter().map(|r| review(conn, r)).collect()
}

/// A review still taking feedback, by its join code.
pub fn open_by_code(conn: &mut DbConnection, code: &JoinCode) -> StoreResult<Option<Review>> {
    let row: Option<Row> = reviews::table
        .filter(reviews::code.eq(code.as_str()))
        .filter(reviews::ended_at.is_null())
        .select(COLUMNS)
        .first(conn)
        .optional()?;
    row.map(|r| review(conn, r)).transpose()
}

/// Ends a review of this wave (no more feedback; what was said stays until the wave opens).
/// `false` when there is no such review.
pub fn end(conn: &mut DbConnection, wave: &WaveId, id: &str) -> StoreResult<bool> {
    let n = diesel::update(reviews::table.filter(reviews::id.eq(id)).filter(reviews::wave_id.eq(wave)))
        .set(reviews::ended_at.eq(now()))
        .execute(conn)?;
    Ok(n > 0)
}

/// Stores one reviewer's word on one question.
pub fn add_feedback(
    conn: &mut DbConnection,
    review_id: &str,
    question: &str,
    verdict: Verdict,
    suggestion: Option<&str>,
) -> StoreResult<()> {
    diesel::insert_into(review_feedback::table)
        .values((
            review_feedback::id.eq(new_id()),
            review_feedback::review_id.eq(review_id),
            review_feedback::question_key.eq(question),
            review_feedback::verdict.eq(verdict.as_str()),
            review_feedback::suggestion.eq(suggestion),
            review_feedback::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// What reviewers said about one question of one audience's version.
#[derive(Debug, Clone, Default, Serialize)]
pub struct QuestionFeedback {
    pub yes: i64,
    pub not_sure: i64,
    pub no: i64,
    /// (feedback id, the better words suggested).
    pub suggestions: Vec<Suggestion>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Suggestion {
    pub id: String,
    pub words: String,
}

/// The feedback of every review of `wave` on `question`, for `audience`, with the counts kept
/// from earlier openings added.
pub fn on_question(
    conn: &mut DbConnection,
    wave: &WaveId,
    audience: &str,
    question: &str,
) -> StoreResult<QuestionFeedback> {
    let rows: Vec<(String, String, Option<String>)> = review_feedback::table
        .inner_join(reviews::table)
        .filter(reviews::wave_id.eq(wave))
        .filter(reviews::audience.eq(audience))
        .filter(review_feedback::question_key.eq(question))
        .order(review_feedback::created_at.asc())
        .select((review_feedback::id, review_feedback::verdict, review_feedback::suggestion))
        .load(conn)?;
    let mut out = QuestionFeedback::default();
    for (id, verdict, suggestion) in rows {
        match Verdict::parse(&verdict) {
            Some(Verdict::Yes) => out.yes += 1,
            Some(Verdict::NotSure) => out.not_sure += 1,
            Some(Verdict::No) => out.no += 1,
            None => {}
        }
        if let Some(words) = suggestion.filter(|s| !s.is_empty()) {
            out.suggestions.push(Suggestion { id, words });
        }
    }
    let kept: Option<(i64, i64, i64)> = review_counts::table
        .filter(review_counts::wave_id.eq(wave))
        .filter(review_counts::audience.eq(audience))
        .filter(review_counts::question_key.eq(question))
        .select((review_counts::yes, review_counts::not_sure, review_counts::no))
        .first(conn)
        .optional()?;
    if let Some((y, n, no)) = kept {
        out.yes += y;
        out.not_sure += n;
        out.no += no;
    }
    Ok(out)
}

/// One suggestion of this wave, for "use these words": (audience, question key, words).
pub fn suggestion(conn: &mut DbConnection, wave: &WaveId, id: &str) -> StoreResult<Option<(String, String, String)>> {
    let row: Option<(String, String, Option<String>)> = review_feedback::table
        .inner_join(reviews::table)
        .filter(reviews::wave_id.eq(wave))
        .filter(review_feedback::id.eq(id))
        .select((reviews::audience, review_feedback::question_key, review_feedback::suggestion))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(a, k, s)| s.map(|s| (a, k, s))))
}

/// When a wave opens: every review ends; reviews that keep counts add theirs to
/// `review_counts` (no words, no times); then all feedback and reviews of the wave are
/// deleted. Joins the caller's transaction. Returns how many pieces of feedback were removed.
pub fn close_for_opening(conn: &mut DbConnection, wave: &WaveId) -> StoreResult<usize> {
    conn.write(|c| -> StoreResult<usize> {
        let rows: Vec<(String, String, String, bool)> = review_feedback::table
            .inner_join(reviews::table)
            .filter(reviews::wave_id.eq(wave))
            .select((reviews::audience, review_feedback::question_key, review_feedback::verdict, reviews::keep_counts))
            .load(c)?;
        let mut counts: std::collections::BTreeMap<(String, String), (i64, i64, i64)> = Default::default();
        for (audience, key, verdict, keep) in &rows {
            if !keep {
                continue;
            }
            let e = counts.entry((audience.clone(), key.clone())).or_default();
            match Verdict::parse(verdict) {
                Some(Verdict::Yes) => e.0 += 1,
                Some(Verdict::NotSure) => e.1 += 1,
                Some(Verdict::No) => e.2 += 1,
                None => {}
            }
        }
        for ((audience, key), (y, n, no)) in counts {
            let existing: Option<(i64, i64, i64)> = review_counts::table
                .filter(review_counts::wave_id.eq(wave))
                .filter(review_counts::audience.eq(&audience))
                .filter(review_counts::question_key.eq(&key))
                .select((review_counts::yes, review_counts::not_sure, review_counts::no))
                .first(c)
                .optional()?;
            match existing {
                Some((y0, n0, no0)) => {
                    diesel::update(
                        review_counts::table
                            .filter(review_counts::wave_id.eq(wave))
                            .filter(review_counts::audience.eq(&audience))
                            .filter(review_counts::question_key.eq(&key)),
                    )
                    .set((
                        review_counts::yes.eq(y0 + y),
                        review_counts::not_sure.eq(n0 + n),
                        review_counts::no.eq(no0 + no),
                    ))
                    .execute(c)?;
                }
                None => {
                    diesel::insert_into(review_counts::table)
                        .values((
                            review_counts::wave_id.eq(wave),
                            review_counts::audience.eq(&audience),
                            review_counts::question_key.eq(&key),
                            review_counts::yes.eq(y),
                            review_counts::not_sure.eq(n),
                            review_counts::no.eq(no),
                        ))
                        .execute(c)?;
                }
            }
        }
        let ids: Vec<String> = reviews::table.filter(reviews::wave_id.eq(wave)).select(reviews::id).load(c)?;
        diesel::delete(review_feedback::table.filter(review_feedback::review_id.eq_any(&ids))).execute(c)?;
        diesel::delete(reviews::table.filter(reviews::wave_id.eq(wave))).execute(c)?;
        Ok(rows.len())
    })
}
