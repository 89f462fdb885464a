//! Saved selections of quotes: a name a partnership's staff give to the quotes they ticked
//! ("Newsletter, March"), so the same set can be opened, exported and printed again later.
//! A selection holds quote ids only; what each quote says, and whether it may still be
//! shared, is read from the quote bank every time (a quote withdrawn or deleted since simply
//! drops out). Never sees HTTP.

use diesel::prelude::*;
use serde::Serialize;

use super::{StoreError, StoreResult};
use crate::db::schema::{quote_selection_items, quote_selections, quotes, responses, survey_series, waves};
use crate::db::{DbConnection, PartnershipId, QuoteId, SelectionId, now};

/// A saved selection as the bank lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Selection {
    pub id: SelectionId,
    pub name: String,
    pub created_by: String,
    /// How many quotes it holds now.
    pub count: i64,
}

/// Every saved selection of a partnership, by name.
pub fn list(conn: &mut DbConnection, partnership: &PartnershipId) -> StoreResult<Vec<Selection>> {
    let rows: Vec<(String, String, String)> = quote_selections::table
        .filter(quote_selections::partnership_id.eq(partnership))
        .order(quote_selections::name.asc())
        .select((quote_selections::id, quote_selections::name, quote_selections::created_by))
        .load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, name, created_by) in rows {
        let count: i64 = quote_selection_items::table
            .filter(quote_selection_items::selection_id.eq(&id))
            .count()
            .get_result(conn)?;
        out.push(Selection { id: SelectionId::from_stored(id), name, created_by, count });
    }
    Ok(out)
}

/// One selection of this partnership and its quotes in the order they were saved; `None` for
/// an id that is not this partnership's.
pub fn get(
    conn: &mut DbConnection,
    partnership: &PartnershipId,
    id: &SelectionId,
) -> StoreResult<Option<(Selection, Vec<QuoteId>)>> {
    let row: Option<(String, String)> = quote_selections::table
        .filter(quote_selections::id.eq(id))
        .filter(quote_selections::partnership_id.eq(partnership))
        .select((quote_selections::name, quote_selections::created_by))
        .first(conn)
        .optional()?;
    let Some((name, created_by)) = row else { return Ok(None) };
    let ids: Vec<QuoteId> = quote_selection_items::table
        .filter(quote_selection_items::selection_id.eq(id))
        .order(quote_selection_items::position.asc())
        .select(quote_selection_items::quote_id)
        .load::<String>(conn)?
        .into_iter()
        .map(QuoteId::from_stored)
        .collect();
    let count = i64::try_from(ids.len()).unwrap_or(i64::MAX);
    Ok(Some((Selection { id: id.clone(), name, created_by, count }, ids)))
}

/// What saving did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub id: SelectionId,
    /// A selection of that name existed and now holds these quotes instead.
    pub replaced: bool,
    pub count: usize,
}

/// Saves `quote_ids` (in order, each once) as the selection `name`, replacing what a
/// selection of the same name held. Every id must be a quote of this partnership
/// (`NotFound` otherwise, and nothing is saved). Joins the caller's transaction.
pub fn save(
    conn: &mut DbConnection,
    partnership: &PartnershipId,
    name: &str,
    quote_ids: &[QuoteId],
    by: &str,
) -> StoreResult<Saved> {
    let mut ids: Vec<&QuoteId> = Vec::with_capacity(quote_ids.len());
    for q in quote_ids {
        if !ids.contains(&q) {
            ids.push(q);
        }
    }
    if ids.is_empty() {
        return Err(StoreError::Conflict("a selection needs at least one quote".into()));
    }
    let owned: i64 = quotes::table
        .inner_join(responses::table.inner_join(waves::table.inner_join(survey_series::table)))
        .filter(survey_series::partnership_id.eq(partnership))
        .filter(quotes::id.eq_any(ids.iter().map(|q| q.as_str())))
        .count()
        .get_result(conn)?;
    if usize::try_from(owned).ok() != Some(ids.len()) {
        return Err(StoreError::NotFound("one of those quotes".into()));
    }
    conn.write(|c| -> StoreResult<Saved> {
        let existing: Option<String> = quote_selections::table
            .filter(quote_selections::partnership_id.eq(partnership))
            .filter(quote_selections::name.eq(name))
            .select(quote_selections::id)
            .first(c)
            .optional()?;
        let replaced = existing.is_some();
        let id = match existing {
            Some(id) => {
                diesel::delete(quote_selection_items::table.filter(quote_selection_items::selection_id.eq(&id)))
                    .execute(c)?;
                diesel::update(quote_selections::table.filter(quote_selections::id.eq(&id)))
                    .set((quote_selections::updated_at.eq(now()), quote_selections::created_by.eq(by)))
                    .execute(c)?;
                SelectionId::from_stored(id)
            }
            None => {
                let id = SelectionId::random();
                diesel::insert_into(quote_selections::table)
                    .values((
                        quote_selections::id.eq(&id),
                        quote_selections::partnership_id.eq(partnership),
                        quote_selections::name.eq(name),
                        quote_selections::created_by.eq(by),
                        quote_selections::updated_at.eq(now()),
                    ))
                    .execute(c)?;
                id
            }
        };
        for (position, q) in ids.iter().enumerate() {
            diesel::insert_into(quote_selection_items::table)
                .values((
                    quote_selection_items::selection_id.eq(&id),
                    quote_selection_items::quote_id.eq(*q),
                    quote_selection_items::position.eq(i32::try_from(position).unwrap_or(i32::MAX)),
                ))
                .execute(c)?;
        }
        Ok(Saved { id, replaced, count: ids.len() })
    })
}

/// Deletes a selection of this partnership (its quotes stay in the bank); `false` when there
/// is none with that id. Joins the caller's transaction.
pub fn delete(conn: &mut DbConnection, partnership: &PartnershipId, id: &SelectionId) -> StoreResult<bool> {
    conn.write(|c| -> StoreResult<bool> {
        let n = diesel::delete(
            quote_selections::table
                .filter(quote_selections::id.eq(id))
                .filter(quote_selections::partnership_id.eq(partnership)),
        )
        .execute(c)?;
        Ok(n > 0)
    })
}
