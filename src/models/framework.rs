//! Partnerships and their frameworks: priorities, values and outcome statements. Importing
//! a framework again updates it in place and archives what the file no longer lists, so
//! old waves keep their tags.

use diesel::prelude::*;
use serde::Serialize;

use super::{StoreError, StoreResult};
use crate::db::schema::{outcome_statements, partnerships, pledge_values, priorities};
use crate::db::{DbConnection, PartnershipId, new_id, now};
use crate::domain::framework::FrameworkDefinition;
use crate::domain::survey::FrameworkCodes;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = partnerships)]
pub struct Partnership {
    pub id: PartnershipId,
    pub slug: String,
    pub name: String,
    pub values_kind: String,
    pub values_name: String,
}

/// What an import changed, for the CLI to report.
#[derive(Debug, Default, Clone, Serialize)]
pub struct ImportSummary {
    pub created: bool,
    pub priorities: usize,
    pub values: usize,
    pub outcomes: usize,
    pub archived: usize,
}

pub fn find_by_slug(conn: &mut DbConnection, slug: &str) -> StoreResult<Option<Partnership>> {
    Ok(partnerships::table
        .filter(partnerships::slug.eq(slug))
        .select(Partnership::as_select())
        .first(conn)
        .optional()?)
}

/// A partnership's name, by its id.
pub fn partnership_name(conn: &mut DbConnection, id: &PartnershipId) -> StoreResult<String> {
    Ok(partnerships::table.filter(partnerships::id.eq(id)).select(partnerships::name).first(conn)?)
}

pub fn list(conn: &mut DbConnection) -> StoreResult<Vec<Partnership>> {
    Ok(partnerships::table.order(partnerships::name.asc()).select(Partnership::as_select()).load(conn)?)
}

/// The live (not archived) codes of a partnership, for checking survey tags.
pub fn codes(conn: &mut DbConnection, partnership_id: &PartnershipId) -> StoreResult<FrameworkCodes> {
    let p: Vec<String> = priorities::table
        .filter(priorities::partnership_id.eq(partnership_id))
        .filter(priorities::archived_at.is_null())
        .select(priorities::code)
        .load(conn)?;
    let v: Vec<String> = pledge_values::table
        .filter(pledge_values::partnership_id.eq(partnership_id))
        .filter(pledge_values::archived_at.is_null())
        .select(pledge_values::code)
        .load(conn)?;
    let o: Vec<String> = outcome_statements::table
        .filter(outcome_statements::partnership_id.eq(partnership_id))
        .filter(outcome_statements::archived_at.is_null())
        .select(outcome_statements::code)
        .load(conn)?;
    Ok(FrameworkCodes {
        priorities: p.into_iter().collect(),
        values: v.into_iter().collect(),
        outcomes: o.into_iter().collect(),
    })
}

/// Creates or updates a partnership's framework, all or nothing.
pub fn import(conn: &mut DbConnection, def: &FrameworkDefinition) -> StoreResult<ImportSummary> {
    conn.write(|c| import_in_tx(c, def))
}

fn import_in_tx(c: &mut DbConnection, def: &FrameworkDefinition) -> StoreResult<ImportSummary> {
    let mut summary = ImportSummary::default();
    let stamp = now();
    let existing = find_by_slug(c, def.slug.as_str())?;
    let partnership_id = match existing {
        Some(p) => {
            diesel::update(partnerships::table.filter(partnerships::id.eq(&p.id)))
                .set((
                    partnerships::name.eq(&def.name),
                    partnerships::values_kind.eq(&def.values_kind),
                    partnerships::values_name.eq(&def.values_name),
                ))
                .execute(c)?;
            p.id
        }
        None => {
            let id = PartnershipId::random();
            diesel::insert_into(partnerships::table)
                .values((
                    partnerships::id.eq(&id),
                    partnerships::slug.eq(def.slug.as_str()),
                    partnerships::name.eq(&def.name),
                    partnerships::values_kind.eq(&def.values_kind),
                    partnerships::values_name.eq(&def.values_name),
                    partnerships::created_at.eq(stamp),
                ))
                .execute(c)?;
            summary.created = true;
            id
        }
    };

    // Priorities.
    for (pos, pr) in def.priorities.iter().enumerate() {
        let found: Option<String> = priorities::table
            .filter(priorities::partnership_id.eq(&partnership_id))
            .filter(priorities::code.eq(&pr.code))
            .select(priorities::id)
            .first(c)
            .optional()?;
        let priority_id = match found {
            Some(id) => {
                diesel::update(priorities::table.filter(priorities::id.eq(&id)))
                    .set((
                        priorities::title.eq(&pr.title),
                        priorities::short_title.eq(&pr.short_title),
                        priorities::position.eq(pos as i32),
                        priorities::archived_at.eq(None::<chrono::NaiveDateTime>),
                    ))
                    .execute(c)?;
                id
            }
            None => {
                let id = new_id();
                diesel::insert_into(priorities::table)
                    .values((
                        priorities::id.eq(&id),
                        priorities::partnership_id.eq(&partnership_id),
                        priorities::code.eq(&pr.code),
                        priorities::title.eq(&pr.title),
                        priorities::short_title.eq(&pr.short_title),
                        priorities::position.eq(pos as i32),
                    ))
                    .execute(c)?;
                id
            }
        };
        summary.priorities += 1;
        for (opos, o) in pr.outcomes.iter().enumerate() {
            upsert_outcome(c, &partnership_id, Some(&priority_id), &o.code, &o.statement, (pos * 100 + opos) as i32)?;
            summary.outcomes += 1;
        }
    }
    for (opos, o) in def.outcomes.iter().enumerate() {
        upsert_outcome(c, &partnership_id, None, &o.code, &o.statement, (10_000 + opos) as i32)?;
        summary.outcomes += 1;
    }

    // Values.
    for (pos, v) in def.values.iter().enumerate() {
        let found: Option<String> = pledge_values::table
            .filter(pledge_values::partnership_id.eq(&partnership_id))
            .filter(pledge_values::code.eq(&v.code))
            .select(pledge_values::id)
            .first(c)
            .optional()?;
        match found {
            Some(id) => {
                diesel::update(pledge_values::table.filter(pledge_values::id.eq(&id)))
                    .set((
                        pledge_values::title.eq(&v.title),
                        pledge_values::meaning.eq(&v.meaning),
                        pledge_values::position.eq(pos as i32),
                        pledge_values::archived_at.eq(None::<chrono::NaiveDateTime>),
                    ))
                    .execute(c)?;
            }
            None => {
                diesel::insert_into(pledge_values::table)
                    .values((
                        pledge_values::id.eq(new_id()),
                        pledge_values::partnership_id.eq(&partnership_id),
                        pledge_values::code.eq(&v.code),
                        pledge_values::title.eq(&v.title),
                        pledge_values::meaning.eq(&v.meaning),
                        pledge_values::position.eq(pos as i32),
                    ))
                    .execute(c)?;
            }
        }
        summary.values += 1;
    }

    // Archive what the file no longer lists (never delete: old waves keep their tags).
    let listed_p: Vec<&str> = def.priorities.iter().map(|p| p.code.as_str()).collect();
    summary.archived += diesel::update(
        priorities::table
            .filter(priorities::partnership_id.eq(&partnership_id))
            .filter(priorities::code.ne_all(&listed_p))
            .filter(priorities::archived_at.is_null()),
    )
    .set(priorities::archived_at.eq(Some(stamp)))
    .execute(c)?;
    let listed_v: Vec<&str> = def.values.iter().map(|v| v.code.as_str()).collect();
    summary.archived += diesel::update(
        pledge_values::table
            .filter(pledge_values::partnership_id.eq(&partnership_id))
            .filter(pledge_values::code.ne_all(&listed_v))
            .filter(pledge_values::archived_at.is_null()),
    )
    .set(pledge_values::archived_at.eq(Some(stamp)))
    .execute(c)?;
    let listed_o: Vec<&str> = def
        .priorities
        .iter()
        .flat_map(|p| p.outcomes.iter())
        .chain(def.outcomes.iter())
        .map(|o| o.code.as_str())
        .collect();
    summary.archived += diesel::update(
        outcome_statements::table
            .filter(outcome_statements::partnership_id.eq(&partnership_id))
            .filter(outcome_statements::code.ne_all(&listed_o))
            .filter(outcome_statements::archived_at.is_null()),
    )
    .set(outcome_statements::archived_at.eq(Some(stamp)))
    .execute(c)?;
    Ok(summary)
}

fn upsert_outcome(
    c: &mut DbConnection,
    partnership_id: &PartnershipId,
    priority_id: Option<&str>,
    code: &str,
    statement: &str,
    position: i32,
) -> StoreResult<()> {
    let found: Option<String> = outcome_statements::table
        .filter(outcome_statements::partnership_id.eq(partnership_id))
        .filter(outcome_statements::code.eq(code))
        .select(outcome_statements::id)
        .first(c)
        .optional()?;
    match found {
        Some(id) => {
            diesel::update(outcome_statements::table.filter(outcome_statements::id.eq(&id)))
                .set((
                    outcome_statements::priority_id.eq(priority_id),
                    outcome_statements::statement.eq(statement),
                    outcome_statements::position.eq(position),
                    outcome_statements::archived_at.eq(None::<chrono::NaiveDateTime>),
                ))
                .execute(c)?;
        }
        None => {
            diesel::insert_into(outcome_statements::table)
                .values((
                    outcome_statements::id.eq(new_id()),
                    outcome_statements::partnership_id.eq(partnership_id),
                    outcome_statements::priority_id.eq(priority_id),
                    outcome_statements::code.eq(code),
                    outcome_statements::statement.eq(statement),
                    outcome_statements::position.eq(position),
                ))
                .execute(c)?;
        }
    }
    Ok(())
}

/// Counts, for `heard demo` and the tests.
pub fn counts(conn: &mut DbConnection, partnership_id: &PartnershipId) -> StoreResult<(i64, i64, i64)> {
    let p = priorities::table
        .filter(priorities::partnership_id.eq(partnership_id))
        .filter(priorities::archived_at.is_null())
        .count()
        .get_result(conn)?;
    let v = pledge_values::table
        .filter(pledge_values::partnership_id.eq(partnership_id))
        .filter(pledge_values::archived_at.is_null())
        .count()
        .get_result(conn)?;
    let o = outcome_statements::table
        .filter(outcome_statements::partnership_id.eq(partnership_id))
        .filter(outcome_statements::archived_at.is_null())
        .count()
        .get_result(conn)?;
    Ok((p, v, o))
}

/// A live priority or value: code and the words to show.
#[derive(Debug, Clone, Serialize)]
pub struct Labelled {
    pub code: String,
    pub title: String,
}

/// Live priorities (code, short title) and values (code, title), in the framework's order.
pub fn labels(conn: &mut DbConnection, partnership_id: &PartnershipId) -> StoreResult<(Vec<Labelled>, Vec<Labelled>)> {
    let p: Vec<(String, String)> = priorities::table
        .filter(priorities::partnership_id.eq(partnership_id))
        .filter(priorities::archived_at.is_null())
        .order(priorities::position.asc())
        .select((priorities::code, priorities::short_title))
        .load(conn)?;
    let v: Vec<(String, String)> = pledge_values::table
        .filter(pledge_values::partnership_id.eq(partnership_id))
        .filter(pledge_values::archived_at.is_null())
        .order(pledge_values::position.asc())
        .select((pledge_values::code, pledge_values::title))
        .load(conn)?;
    let to = |rows: Vec<(String, String)>| rows.into_iter().map(|(code, title)| Labelled { code, title }).collect();
    Ok((to(p), to(v)))
}

/// One editable item of a framework, for the staff screens.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub id: String,
    pub code: String,
    /// Priority: title; value: title; outcome: the statement.
    pub text: String,
    /// Priority: short easy-read title; value: what it means; outcome: its priority's code.
    pub detail: String,
    pub archived: bool,
}

/// A partnership's whole framework, archived items included.
#[derive(Debug, Clone, Serialize)]
pub struct Framework {
    pub priorities: Vec<Item>,
    pub values: Vec<Item>,
    pub outcomes: Vec<Item>,
}

pub fn framework(conn: &mut DbConnection, partnership_id: &PartnershipId) -> StoreResult<Framework> {
    type OutcomeRow = (String, String, String, Option<String>, Option<chrono::NaiveDateTime>);
    type Row = (String, String, String, String, Option<chrono::NaiveDateTime>);
    let to = |rows: Vec<Row>| -> Vec<Item> {
        rows.into_iter()
            .map(|(id, code, text, detail, archived)| Item { id, code, text, detail, archived: archived.is_some() })
            .collect()
    };
    let p: Vec<Row> = priorities::table
        .filter(priorities::partnership_id.eq(partnership_id))
        .order(priorities::position.asc())
        .select((priorities::id, priorities::code, priorities::title, priorities::short_title, priorities::archived_at))
        .load(conn)?;
    let v: Vec<Row> = pledge_values::table
        .filter(pledge_values::partnership_id.eq(partnership_id))
        .order(pledge_values::position.asc())
        .select((
            pledge_values::id,
            pledge_values::code,
            pledge_values::title,
            pledge_values::meaning,
            pledge_values::archived_at,
        ))
        .load(conn)?;
    let o: Vec<OutcomeRow> = outcome_statements::table
        .filter(outcome_statements::partnership_id.eq(partnership_id))
        .order(outcome_statements::position.asc())
        .select((
            outcome_statements::id,
            outcome_statements::code,
            outcome_statements::statement,
            outcome_statements::priority_id,
            outcome_statements::archived_at,
        ))
        .load(conn)?;
    let priorities = to(p);
    let code_of = |id: &Option<String>| {
        id.as_ref().and_then(|id| priorities.iter().find(|p| &p.id == id)).map(|p| p.code.clone()).unwrap_or_default()
    };
    let outcomes = o
        .into_iter()
        .map(|(id, code, text, pid, archived)| Item {
            id,
            code,
            text,
            detail: code_of(&pid),
            archived: archived.is_some(),
        })
        .collect();
    Ok(Framework { priorities, values: to(v), outcomes })
}

/// Which kind of framework item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Priority,
    Value,
    Outcome,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "priority" => Some(Self::Priority),
            "value" => Some(Self::Value),
            "outcome" => Some(Self::Outcome),
            _ => None,
        }
    }
}

/// The partnership an item belongs to.
pub fn item_owner(conn: &mut DbConnection, kind: Kind, id: &str) -> StoreResult<Option<String>> {
    Ok(match kind {
        Kind::Priority => {
            priorities::table.filter(priorities::id.eq(id)).select(priorities::partnership_id).first(conn).optional()?
        }
        Kind::Value => pledge_values::table
            .filter(pledge_values::id.eq(id))
            .select(pledge_values::partnership_id)
            .first(conn)
            .optional()?,
        Kind::Outcome => outcome_statements::table
            .filter(outcome_statements::id.eq(id))
            .select(outcome_statements::partnership_id)
            .first(conn)
            .optional()?,
    })
}

/// Changes an item's words and whether it is archived (its code never changes: tags use it).
pub fn update_item(
    conn: &mut DbConnection,
    kind: Kind,
    id: &str,
    text: &str,
    detail: &str,
    archived: bool,
) -> StoreResult<()> {
    let at = if archived { Some(now()) } else { None };
    match kind {
        Kind::Priority => diesel::update(priorities::table.filter(priorities::id.eq(id)))
            .set((priorities::title.eq(text), priorities::short_title.eq(detail), priorities::archived_at.eq(at)))
            .execute(conn)?,
        Kind::Value => diesel::update(pledge_values::table.filter(pledge_values::id.eq(id)))
            .set((pledge_values::title.eq(text), pledge_values::meaning.eq(detail), pledge_values::archived_at.eq(at)))
            .execute(conn)?,
        Kind::Outcome => diesel::update(outcome_statements::table.filter(outcome_statements::id.eq(id)))
            .set((outcome_statements::statement.eq(text), outcome_statements::archived_at.eq(at)))
            .execute(conn)?,
    };
    Ok(())
}

/// Adds an item. Codes are unique within the partnership across all three kinds.
pub fn add_item(
    conn: &mut DbConnection,
    partnership_id: &PartnershipId,
    kind: Kind,
    code: &str,
    text: &str,
    detail: &str,
) -> StoreResult<()> {
    conn.write(|c| -> StoreResult<()> {
        let taken = priorities::table
            .filter(priorities::partnership_id.eq(partnership_id))
            .filter(priorities::code.eq(code))
            .count()
            .get_result::<i64>(c)?
            + pledge_values::table
                .filter(pledge_values::partnership_id.eq(partnership_id))
                .filter(pledge_values::code.eq(code))
                .count()
                .get_result::<i64>(c)?
            + outcome_statements::table
                .filter(outcome_statements::partnership_id.eq(partnership_id))
                .filter(outcome_statements::code.eq(code))
                .count()
                .get_result::<i64>(c)?;
        if taken > 0 {
            return Err(StoreError::Conflict(format!("The code {code:?} is already used. Choose another code.")));
        }
        let position = 100_000;
        match kind {
            Kind::Priority => diesel::insert_into(priorities::table)
                .values((
                    priorities::id.eq(new_id()),
                    priorities::partnership_id.eq(partnership_id),
                    priorities::code.eq(code),
                    priorities::title.eq(text),
                    priorities::short_title.eq(detail),
                    priorities::position.eq(position),
                ))
                .execute(c)?,
            Kind::Value => diesel::insert_into(pledge_values::table)
                .values((
                    pledge_values::id.eq(new_id()),
                    pledge_values::partnership_id.eq(partnership_id),
                    pledge_values::code.eq(code),
                    pledge_values::title.eq(text),
                    pledge_values::meaning.eq(detail),
                    pledge_values::position.eq(position),
                ))
                .execute(c)?,
            Kind::Outcome => {
                let priority_id: Option<String> = if detail.is_empty() {
                    None
                } else {
                    Some(
                        priorities::table
                            .filter(priorities::partnership_id.eq(partnership_id))
                            .filter(priorities::code.eq(detail))
                            .select(priorities::id)
                            .first(c)
                            .optional()?
                            .ok_or_else(|| {
                                StoreError::Conflict(format!("There is no priority with the code {detail:?}."))
                            })?,
                    )
                };
                diesel::insert_into(outcome_statements::table)
                    .values((
                        outcome_statements::id.eq(new_id()),
                        outcome_statements::partnership_id.eq(partnership_id),
                        outcome_statements::priority_id.eq(priority_id),
                        outcome_statements::code.eq(code),
                        outcome_statements::statement.eq(text),
                        outcome_statements::position.eq(position),
                    ))
                    .execute(c)?
            }
        };
        Ok(())
    })
}
