//! The partnership's six-weekly reviews (`board_reviews`, `review_ratings`): each rates
//! every outcome statement with a level of the review's scale and a short evidence note,
//! saying who rated and when. A review is a draft until agreed; agreed, it is locked and
//! later changes need a new review. Only one draft at a time, so everyone works on the same
//! one. Each write is one transaction with its audit row.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use super::StoreResult;
use super::audit::{self, Action, Actor};
use crate::db::schema::{board_reviews, outcome_statements, rating_levels, rating_scales, review_ratings};
use crate::db::{DbConnection, PartnershipId, new_id, now};

/// A review as listed.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewRow {
    pub id: String,
    pub held_on: NaiveDate,
    pub scale_id: String,
    pub scale_name: String,
    pub created_by: String,
    pub agreed_by: Option<String>,
    pub agreed_at: Option<chrono::NaiveDateTime>,
    /// Outcome statements rated.
    pub rated: i64,
}

/// One rating as stored.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Rating {
    pub level_id: String,
    pub level_name: String,
    pub note: String,
    pub rated_by: String,
    pub rated_at: chrono::NaiveDateTime,
}

/// A review with its ratings by outcome statement id.
#[derive(Debug, Clone, Serialize)]
pub struct Review {
    pub row: ReviewRow,
    pub ratings: BTreeMap<String, Rating>,
}

/// Why a change was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum Refused {
    /// The review was agreed: it cannot change.
    Locked,
    /// A draft is open already (its date).
    DraftOpen(NaiveDate),
    /// A review on that day exists.
    SameDay,
    /// Nothing is rated yet.
    NothingRated,
    /// A scale, level or outcome statement that is not the partnership's (or the scale's).
    NotFound,
}

type Listed = (String, NaiveDate, String, String, String, Option<String>, Option<chrono::NaiveDateTime>);

fn rows(conn: &mut DbConnection, partnership: &PartnershipId, one: Option<&str>) -> StoreResult<Vec<ReviewRow>> {
    let mut q = board_reviews::table
        .inner_join(rating_scales::table)
        .filter(board_reviews::partnership_id.eq(partnership))
        .select((
            board_reviews::id,
            board_reviews::held_on,
            board_reviews::scale_id,
            rating_scales::name,
            board_reviews::created_by,
            board_reviews::agreed_by,
            board_reviews::agreed_at,
        ))
        .order((board_reviews::held_on.desc(), board_reviews::created_at.desc()))
        .into_boxed();
    if let Some(id) = one {
        q = q.filter(board_reviews::id.eq(id.to_owned()));
    }
    let listed: Vec<Listed> = q.load(conn)?;
    let counts: BTreeMap<String, i64> = review_ratings::table
        .inner_join(board_reviews::table)
        .filter(board_reviews::partnership_id.eq(partnership))
        .group_by(review_ratings::review_id)
        .select((review_ratings::review_id, diesel::dsl::count_star()))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect();
    Ok(listed
        .into_iter()
        .map(|(id, held_on, scale_id, scale_name, created_by, agreed_by, agreed_at)| ReviewRow {
            rated: counts.get(&id).copied().unwrap_or(0),
            id,
            held_on,
            scale_id,
            scale_name,
            created_by,
            agreed_by,
            agreed_at,
        })
        .collect())
}

/// A partnership's reviews, newest first.
pub fn list(conn: &mut DbConnection, partnership: &PartnershipId) -> StoreResult<Vec<ReviewRow>> {
    rows(conn, partnership, None)
}

/// One review with its ratings.
pub fn get(conn: &mut DbConnection, partnership: &PartnershipId, id: &str) -> StoreResult<Option<Review>> {
    let Some(row) = rows(conn, partnership, Some(id))?.into_iter().next() else { return Ok(None) };
    let ratings = review_ratings::table
        .filter(review_ratings::review_id.eq(id))
        .select((
            review_ratings::outcome_id,
            review_ratings::level_id,
            review_ratings::level_name,
            review_ratings::note,
            review_ratings::rated_by,
            review_ratings::rated_at,
        ))
        .load::<(String, String, String, String, String, chrono::NaiveDateTime)>(conn)?
        .into_iter()
        .map(|(o, level_id, level_name, note, rated_by, rated_at)| {
            (o, Rating { level_id, level_name, note, rated_by, rated_at })
        })
        .collect();
    Ok(Some(Review { row, ratings }))
}

/// One step of an outcome statement's trail: a review's date and the level it was given.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Step {
    pub review_id: String,
    pub held_on: NaiveDate,
    pub agreed: bool,
    pub level_id: String,
    pub level_name: String,
    /// The level's place in its scale (1 = first).
    pub position: i32,
    pub colour: String,
}

type TrailRow = (String, String, NaiveDate, Option<chrono::NaiveDateTime>, String, String, i32, String);

/// Every outcome statement's ratings across the partnership's reviews, oldest first.
pub fn trails(conn: &mut DbConnection, partnership: &PartnershipId) -> StoreResult<BTreeMap<String, Vec<Step>>> {
    let rows: Vec<TrailRow> = review_ratings::table
        .inner_join(board_reviews::table)
        .inner_join(rating_levels::table)
        .filter(board_reviews::partnership_id.eq(partnership))
        .order((board_reviews::held_on, board_reviews::created_at))
        .select((
            review_ratings::outcome_id,
            board_reviews::id,
            board_reviews::held_on,
            board_reviews::agreed_at,
            review_ratings::level_id,
            review_ratings::level_name,
            rating_levels::position,
            rating_levels::colour,
        ))
        .load(conn)?;
    let mut out: BTreeMap<String, Vec<Step>> = BTreeMap::new();
    for (outcome, review_id, held_on, agreed_at, level_id, level_name, position, colour) in rows {
        out.entry(outcome).or_default().push(Step {
            review_id,
            held_on,
            agreed: agreed_at.is_some(),
            level_id,
            level_name,
            position,
            colour,
        });
    }
    Ok(out)
}

/// Starts a draft review on `held_on` with `scale_id`, audited.
pub fn start(
    conn: &mut DbConnection,
    partnership: &PartnershipId,
    actor: &Actor,
    held_on: NaiveDate,
    scale_id: &str,
) -> StoreResult<Result<String, Refused>> {
    conn.write(|tx| -> StoreResult<Result<String, Refused>> {
        let scale: Option<String> = rating_scales::table
            .filter(rating_scales::id.eq(scale_id))
            .filter(rating_scales::partnership_id.eq(partnership))
            .select(rating_scales::name)
            .first(tx)
            .optional()?;
        let Some(scale_name) = scale else { return Ok(Err(Refused::NotFound)) };
        let draft: Option<NaiveDate> = board_reviews::table
            .filter(board_reviews::partnership_id.eq(partnership))
            .filter(board_reviews::agreed_at.is_null())
            .select(board_reviews::held_on)
            .first(tx)
            .optional()?;
        if let Some(d) = draft {
            return Ok(Err(Refused::DraftOpen(d)));
        }
        let same: i64 = board_reviews::table
            .filter(board_reviews::partnership_id.eq(partnership))
            .filter(board_reviews::held_on.eq(held_on))
            .count()
            .get_result(tx)?;
        if same > 0 {
            return Ok(Err(Refused::SameDay));
        }
        let id = new_id();
        diesel::insert_into(board_reviews::table)
            .values((
                board_reviews::id.eq(&id),
                board_reviews::partnership_id.eq(partnership),
                board_reviews::scale_id.eq(scale_id),
                board_reviews::held_on.eq(held_on),
                board_reviews::created_by.eq(&actor.name),
                board_reviews::created_at.eq(now()),
            ))
            .execute(tx)?;
        audit::record(
            tx,
            actor,
            Some(partnership),
            Action::BoardReviewStarted,
            &serde_json::json!({"review": id, "held_on": held_on.to_string(), "scale": scale_name}),
        )?;
        Ok(Ok(id))
    })
}

/// A rating as given: outcome statement id, level id, evidence note.
#[derive(Debug, Clone)]
pub struct Given {
    pub outcome_id: String,
    pub level_id: String,
    pub note: String,
}

/// Saves a draft's ratings, audited: each one given replaces the one before (who and when
/// change only when the level or the note did). Refused when the review is agreed.
pub fn rate(
    conn: &mut DbConnection,
    partnership: &PartnershipId,
    actor: &Actor,
    review_id: &str,
    given: &[Given],
) -> StoreResult<Result<usize, Refused>> {
    conn.write(|tx| -> StoreResult<Result<usize, Refused>> {
        let Some(review) = get(tx, partnership, review_id)? else { return Ok(Err(Refused::NotFound)) };
        if !hold_draft(tx, review_id)? {
            return Ok(Err(Refused::Locked));
        }
        let levels: BTreeMap<String, String> = rating_levels::table
            .filter(rating_levels::scale_id.eq(&review.row.scale_id))
            .select((rating_levels::id, rating_levels::name))
            .load::<(String, String)>(tx)?
            .into_iter()
            .collect();
        let outcomes: Vec<String> = outcome_statements::table
            .filter(outcome_statements::partnership_id.eq(partnership))
            .select(outcome_statements::id)
            .load(tx)?;
        let mut changed = 0;
        for g in given {
            let Some(level_name) = levels.get(&g.level_id) else { return Ok(Err(Refused::NotFound)) };
            if !outcomes.contains(&g.outcome_id) {
                return Ok(Err(Refused::NotFound));
            }
            if review.ratings.get(&g.outcome_id).is_some_and(|r| r.level_id == g.level_id && r.note == g.note) {
                continue;
            }
            diesel::delete(
                review_ratings::table
                    .filter(review_ratings::review_id.eq(review_id))
                    .filter(review_ratings::outcome_id.eq(&g.outcome_id)),
            )
            .execute(tx)?;
            diesel::insert_into(review_ratings::table)
                .values((
                    review_ratings::review_id.eq(review_id),
                    review_ratings::outcome_id.eq(&g.outcome_id),
                    review_ratings::level_id.eq(&g.level_id),
                    review_ratings::level_name.eq(level_name),
                    review_ratings::note.eq(&g.note),
                    review_ratings::rated_by.eq(&actor.name),
                    review_ratings::rated_at.eq(now()),
                ))
                .execute(tx)?;
            changed += 1;
        }
        if changed > 0 {
            audit::record(
                tx,
                actor,
                Some(partnership),
                Action::BoardReviewRated,
                &serde_json::json!({"review": review_id, "held_on": review.row.held_on.to_string(), "ratings_changed": changed}),
            )?;
        }
        Ok(Ok(changed))
    })
}

/// Whether the review is still a draft, holding its row until the transaction ends (on
/// PostgreSQL a row lock), so a rating and the agreement cannot pass each other.
fn hold_draft(tx: &mut DbConnection, review_id: &str) -> StoreResult<bool> {
    let n = diesel::update(
        board_reviews::table.filter(board_reviews::id.eq(review_id)).filter(board_reviews::agreed_at.is_null()),
    )
    .set(board_reviews::agreed_at.eq(None::<chrono::NaiveDateTime>))
    .execute(tx)?;
    Ok(n == 1)
}

/// Agrees a draft review: it is locked from now on. Audited.
pub fn agree(
    conn: &mut DbConnection,
    partnership: &PartnershipId,
    actor: &Actor,
    review_id: &str,
) -> StoreResult<Result<(), Refused>> {
    conn.write(|tx| -> StoreResult<Result<(), Refused>> {
        let Some(review) = get(tx, partnership, review_id)? else { return Ok(Err(Refused::NotFound)) };
        if review.row.agreed_at.is_some() {
            return Ok(Err(Refused::Locked));
        }
        if review.ratings.is_empty() {
            return Ok(Err(Refused::NothingRated));
        }
        let agreed = diesel::update(
            board_reviews::table.filter(board_reviews::id.eq(review_id)).filter(board_reviews::agreed_at.is_null()),
        )
        .set((board_reviews::agreed_by.eq(&actor.name), board_reviews::agreed_at.eq(now())))
        .execute(tx)?;
        if agreed != 1 {
            return Ok(Err(Refused::Locked));
        }
        audit::record(
            tx,
            actor,
            Some(partnership),
            Action::BoardReviewAgreed,
            &serde_json::json!({"review": review_id, "held_on": review.row.held_on.to_string(), "ratings": review.ratings.len()}),
        )?;
        Ok(Ok(()))
    })
}
