//! The audit log: sign-ins, lock-outs, exports (who, when, which filter, how many rows),
//! deletions and setting changes. Entries are only ever added.
//!
//! An entry is written inside the transaction of the change it records, never after it:
//! [`record`] refuses to run outside a transaction, so a route wraps the model call and the
//! entry in one [`crate::db::Db::write`] (model writes join it as savepoints), and a crash or
//! an error between the two can no longer keep the change and lose its entry.

use diesel::prelude::*;
use serde::Serialize;

use super::{StoreError, StoreResult};
use crate::db::schema::audit_log;
use crate::db::{DbConnection, new_id, now};

/// Who did something: a staff account (its id and email), or a named part of Heard itself
/// (`retention`, a CLI command) with no account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub account_id: Option<String>,
    pub name: String,
}

impl Actor {
    /// A signed-in person.
    pub fn account(id: &str, email: &str) -> Self {
        Self { account_id: Some(id.to_owned()), name: email.to_owned() }
    }

    /// Heard itself, or a command run on the server.
    pub fn system(name: &str) -> Self {
        Self { account_id: None, name: name.to_owned() }
    }
}

/// Adds an entry, inside the caller's transaction (see the module docs). Outside a
/// transaction it writes nothing and fails, so a change can never be kept without its entry.
pub fn record(
    conn: &mut DbConnection,
    actor: &Actor,
    partnership_id: Option<&str>,
    action: &str,
    detail: &serde_json::Value,
) -> StoreResult<()> {
    if !conn.in_transaction() {
        return Err(StoreError::OutsideTransaction(action.to_owned()));
    }
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::id.eq(new_id()),
            audit_log::at.eq(now()),
            audit_log::account_id.eq(actor.account_id.as_deref()),
            audit_log::actor.eq(&actor.name),
            audit_log::partnership_id.eq(partnership_id),
            audit_log::action.eq(action),
            audit_log::detail.eq(detail.to_string()),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, Queryable)]
pub struct Entry {
    pub at: chrono::NaiveDateTime,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

/// The newest entries for a partnership (all partnerships when `None`), newest first.
pub fn recent(conn: &mut DbConnection, partnership_id: Option<&str>, limit: i64) -> StoreResult<Vec<Entry>> {
    let mut q = audit_log::table.into_boxed();
    if let Some(p) = partnership_id {
        q = q.filter(audit_log::partnership_id.eq(p.to_owned()));
    }
    Ok(q.order(audit_log::at.desc())
        .limit(limit)
        .select((audit_log::at, audit_log::actor, audit_log::action, audit_log::detail))
        .load(conn)?)
}

/// One page of a partnership's entries (every partnership's when `None`), newest first, and
/// how many there are in all.
#[derive(Debug, Clone)]
pub struct Page {
    pub entries: Vec<Entry>,
    pub total: i64,
}

/// Entries `offset..offset + limit`, newest first.
pub fn page(conn: &mut DbConnection, partnership_id: Option<&str>, offset: i64, limit: i64) -> StoreResult<Page> {
    let scoped = || {
        let mut q = audit_log::table.into_boxed();
        if let Some(p) = partnership_id {
            q = q.filter(audit_log::partnership_id.eq(p.to_owned()));
        }
        q
    };
    let total = scoped().count().get_result(conn)?;
    let entries = scoped()
        .order((audit_log::at.desc(), audit_log::id.desc()))
        .offset(offset)
        .limit(limit)
        .select((audit_log::at, audit_log::actor, audit_log::action, audit_log::detail))
        .load(conn)?;
    Ok(Page { entries, total })
}
