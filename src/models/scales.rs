//! The partnership's own rating scales (`rating_scales`, `rating_levels`): a name and levels
//! in order, each with a name, a meaning and a colour (`domain::review` checks them). Saving
//! replaces a scale's levels in one transaction with its audit row; a level some review used
//! cannot be taken away (its words can change: ratings keep the name they were given).

use diesel::prelude::*;
use serde::Serialize;

use super::StoreResult;
use super::audit::{self, Action, Actor};
use crate::db::schema::{rating_levels, rating_scales, review_ratings};
use crate::db::{DbConnection, PartnershipId, new_id, now};
use crate::domain::review::{Colour, Level};

/// A stored level.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LevelRow {
    pub id: String,
    pub name: String,
    pub meaning: String,
    pub colour: String,
    /// The colour its words are written in on `colour`.
    pub text_colour: String,
}

/// A stored scale.
#[derive(Debug, Clone, Serialize)]
pub struct Scale {
    pub id: String,
    pub name: String,
    pub levels: Vec<LevelRow>,
}

fn levels_of(conn: &mut DbConnection, scale_id: &str) -> StoreResult<Vec<LevelRow>> {
    let rows: Vec<(String, String, String, String)> = rating_levels::table
        .filter(rating_levels::scale_id.eq(scale_id))
        .order(rating_levels::position)
        .select((rating_levels::id, rating_levels::name, rating_levels::meaning, rating_levels::colour))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, meaning, colour)| {
            let text_colour =
                Colour::parse(&colour).map_or_else(|| "#0b0c0c".to_owned(), |c| c.text().as_str().to_owned());
            LevelRow { id, name, meaning, colour, text_colour }
        })
        .collect())
}

/// A partnership's scales in order.
pub fn list(conn: &mut DbConnection, partnership: &PartnershipId) -> StoreResult<Vec<Scale>> {
    let rows: Vec<(String, String)> = rating_scales::table
        .filter(rating_scales::partnership_id.eq(partnership))
        .order((rating_scales::position, rating_scales::name))
        .select((rating_scales::id, rating_scales::name))
        .load(conn)?;
    rows.into_iter().map(|(id, name)| Ok(Scale { levels: levels_of(conn, &id)?, id, name })).collect()
}

/// One of a partnership's scales.
pub fn get(conn: &mut DbConnection, partnership: &PartnershipId, id: &str) -> StoreResult<Option<Scale>> {
    let row: Option<String> = rating_scales::table
        .filter(rating_scales::partnership_id.eq(partnership))
        .filter(rating_scales::id.eq(id))
        .select(rating_scales::name)
        .first(conn)
        .optional()?;
    match row {
        Some(name) => Ok(Some(Scale { id: id.to_owned(), name, levels: levels_of(conn, id)? })),
        None => Ok(None),
    }
}

/// Why a save was refused, in words for the person.
#[derive(Debug, Clone, PartialEq)]
pub enum Refused {
    /// Another scale of the partnership has the name.
    NameTaken,
    /// A level to be taken away was used by a review (its name).
    LevelUsed(String),
    /// A level id that is not this scale's.
    NotFound,
}

/// Creates (`id` None) or replaces a scale with `levels` in order, audited. Levels with an
/// id keep it (and the ratings that use it); levels left out are removed unless used.
pub fn save(
    conn: &mut DbConnection,
    partnership: &PartnershipId,
    actor: &Actor,
    id: Option<&str>,
    name: &str,
    levels: &[Level],
) -> StoreResult<Result<String, Refused>> {
    conn.write(|tx| -> StoreResult<Result<String, Refused>> {
        let taken: i64 = rating_scales::table
            .filter(rating_scales::partnership_id.eq(partnership))
            .filter(rating_scales::name.eq(name))
            .filter(rating_scales::id.ne(id.unwrap_or("")))
            .count()
            .get_result(tx)?;
        if taken > 0 {
            return Ok(Err(Refused::NameTaken));
        }
        let scale_id = match id {
            Some(id) => {
                let n = diesel::update(
                    rating_scales::table
                        .filter(rating_scales::id.eq(id))
                        .filter(rating_scales::partnership_id.eq(partnership)),
                )
                .set(rating_scales::name.eq(name))
                .execute(tx)?;
                if n != 1 {
                    return Ok(Err(Refused::NotFound));
                }
                id.to_owned()
            }
            None => {
                let position: Option<i32> = rating_scales::table
                    .filter(rating_scales::partnership_id.eq(partnership))
                    .select(diesel::dsl::max(rating_scales::position))
                    .first(tx)?;
                let new = new_id();
                diesel::insert_into(rating_scales::table)
                    .values((
                        rating_scales::id.eq(&new),
                        rating_scales::partnership_id.eq(partnership),
                        rating_scales::name.eq(name),
                        rating_scales::position.eq(position.unwrap_or(0) + 1),
                        rating_scales::created_at.eq(now()),
                    ))
                    .execute(tx)?;
                new
            }
        };
        let existing: Vec<(String, String)> = rating_levels::table
            .filter(rating_levels::scale_id.eq(&scale_id))
            .select((rating_levels::id, rating_levels::name))
            .load(tx)?;
        if levels.iter().filter_map(|l| l.id.as_ref()).any(|lid| !existing.iter().any(|(e, _)| e == lid)) {
            return Ok(Err(Refused::NotFound));
        }
        for (gone, gone_name) in existing.iter().filter(|(e, _)| !levels.iter().any(|l| l.id.as_ref() == Some(e))) {
            let used: i64 = review_ratings::table.filter(review_ratings::level_id.eq(gone)).count().get_result(tx)?;
            if used > 0 {
                return Ok(Err(Refused::LevelUsed(gone_name.clone())));
            }
            diesel::delete(rating_levels::table.filter(rating_levels::id.eq(gone))).execute(tx)?;
        }
        for (i, l) in levels.iter().enumerate() {
            let position = i32::try_from(i).unwrap_or(0) + 1;
            match &l.id {
                Some(lid) => {
                    diesel::update(rating_levels::table.filter(rating_levels::id.eq(lid)))
                        .set((
                            rating_levels::position.eq(position),
                            rating_levels::name.eq(&l.name),
                            rating_levels::meaning.eq(&l.meaning),
                            rating_levels::colour.eq(l.colour.as_str()),
                        ))
                        .execute(tx)?;
                }
                None => {
                    diesel::insert_into(rating_levels::table)
                        .values((
                            rating_levels::id.eq(new_id()),
                            rating_levels::scale_id.eq(&scale_id),
                            rating_levels::position.eq(position),
                            rating_levels::name.eq(&l.name),
                            rating_levels::meaning.eq(&l.meaning),
                            rating_levels::colour.eq(l.colour.as_str()),
                        ))
                        .execute(tx)?;
                }
            }
        }
        audit::record(
            tx,
            actor,
            Some(partnership),
            Action::ScaleSaved,
            &serde_json::json!({
                "scale": name,
                "levels": levels.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(),
                "new": id.is_none(),
            }),
        )?;
        Ok(Ok(scale_id))
    })
}
