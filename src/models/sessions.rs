//! The sessions page's data: each person's own sessions (browser, the name they gave the
//! device, started, last used), ending one or all of their others, and an admin ending
//! every session of the partnership. A session is named on the page by a short reference
//! (the first 16 characters of the hash its row is stored under), which is useless without
//! the account that owns it: every query is also filtered by that account.

use diesel::prelude::*;

use super::StoreResult;
use super::account::{SessionRules, Staff};
use super::audit::{self, Action};
use crate::db::schema::{accounts, staff_sessions};
use crate::db::{DbConnection, now};
use crate::domain::codes::hash_token;

/// How long a device name may be (characters as people see them).
pub const DEVICE_MAX: usize = 60;

/// One session as its owner sees it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Listed {
    pub reference: String,
    pub browser: String,
    pub device: Option<String>,
    pub started: chrono::NaiveDateTime,
    pub last_used: chrono::NaiveDateTime,
    pub ends: chrono::NaiveDateTime,
    /// The session this page was asked for from.
    pub this_one: bool,
}

fn reference(hash: &str) -> String {
    hash.chars().take(16).collect()
}

/// The live sessions of `staff`, newest use first; `token` is the one asking.
pub fn list(conn: &mut DbConnection, staff: &Staff, token: &str, rules: &SessionRules) -> StoreResult<Vec<Listed>> {
    type Row = (String, String, Option<String>, chrono::NaiveDateTime, chrono::NaiveDateTime, chrono::NaiveDateTime);
    let stamp = now();
    let rows: Vec<Row> = staff_sessions::table
        .filter(staff_sessions::account_id.eq(&staff.id))
        .filter(staff_sessions::expires_at.gt(stamp))
        .filter(staff_sessions::last_seen_at.gt(stamp - chrono::TimeDelta::minutes(rules.idle_minutes)))
        .order((staff_sessions::last_seen_at.desc(), staff_sessions::id.asc()))
        .select((
            staff_sessions::id,
            staff_sessions::browser,
            staff_sessions::device,
            staff_sessions::created_at,
            staff_sessions::last_seen_at,
            staff_sessions::expires_at,
        ))
        .load(conn)?;
    let mine = hash_token(token);
    Ok(rows
        .into_iter()
        .map(|(id, browser, device, started, last_used, expires)| Listed {
            reference: reference(&id),
            this_one: id == mine,
            browser: if browser.is_empty() { "An unknown browser".into() } else { browser },
            device,
            started,
            last_used,
            ends: expires.min(last_used + chrono::TimeDelta::minutes(rules.idle_minutes)),
        })
        .collect())
}

/// The stored id of `staff`'s session with this reference, if there is one.
fn find(c: &mut DbConnection, staff: &Staff, reference: &str) -> StoreResult<Option<String>> {
    if reference.len() != 16 || !reference.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let pattern = format!("{reference}%");
    Ok(staff_sessions::table
        .filter(staff_sessions::account_id.eq(&staff.id))
        .filter(staff_sessions::id.like(pattern))
        .select(staff_sessions::id)
        .first(c)
        .optional()?)
}

/// Names one of `staff`'s sessions (blank clears the name). False when there is no such
/// session of theirs.
pub fn name(conn: &mut DbConnection, staff: &Staff, reference: &str, device: Option<&str>) -> StoreResult<bool> {
    conn.write(|c| -> StoreResult<bool> {
        let Some(id) = find(c, staff, reference)? else { return Ok(false) };
        diesel::update(staff_sessions::table.filter(staff_sessions::id.eq(&id)))
            .set(staff_sessions::device.eq(device))
            .execute(c)?;
        Ok(true)
    })
}

/// Ends one of `staff`'s sessions. False when there is no such session of theirs. Audited.
pub fn end(conn: &mut DbConnection, staff: &Staff, reference: &str) -> StoreResult<bool> {
    conn.write(|c| -> StoreResult<bool> {
        let Some(id) = find(c, staff, reference)? else { return Ok(false) };
        diesel::delete(staff_sessions::table.filter(staff_sessions::id.eq(&id))).execute(c)?;
        audit::record(
            c,
            &staff.actor(),
            staff.partnership_id.as_ref(),
            Action::SessionsEnded,
            &serde_json::json!({"whose": "own", "ended": 1}),
        )?;
        Ok(true)
    })
}

/// Ends every session of `staff` but the one asking (`token`). How many ended. Audited.
pub fn end_others(conn: &mut DbConnection, staff: &Staff, token: &str) -> StoreResult<usize> {
    let mine = hash_token(token);
    conn.write(|c| -> StoreResult<usize> {
        let ended = diesel::delete(
            staff_sessions::table.filter(staff_sessions::account_id.eq(&staff.id)).filter(staff_sessions::id.ne(&mine)),
        )
        .execute(c)?;
        audit::record(
            c,
            &staff.actor(),
            staff.partnership_id.as_ref(),
            Action::SessionsEnded,
            &serde_json::json!({"whose": "own others", "ended": ended}),
        )?;
        Ok(ended)
    })
}

/// Ends every session of every account of the admin's partnership but the admin's own
/// (`token`): after a suspected breach, or when a shared computer was left signed in. How
/// many ended. Audited.
pub fn end_partnership(conn: &mut DbConnection, admin: &Staff, token: &str) -> StoreResult<usize> {
    let mine = hash_token(token);
    let Some(pid) = admin.partnership_id.clone() else { return Ok(0) };
    conn.write(|c| -> StoreResult<usize> {
        let theirs = accounts::table.filter(accounts::partnership_id.eq(&pid)).select(accounts::id);
        let ended = diesel::delete(
            staff_sessions::table
                .filter(staff_sessions::account_id.eq_any(theirs))
                .filter(staff_sessions::id.ne(&mine)),
        )
        .execute(c)?;
        audit::record(
            c,
            &admin.actor(),
            Some(&pid),
            Action::SessionsEnded,
            &serde_json::json!({"whose": "everyone in the partnership", "ended": ended}),
        )?;
        Ok(ended)
    })
}

/// Deletes sessions past their absolute end or the idle time-out (the hourly job).
pub fn purge_ended(conn: &mut DbConnection, rules: &SessionRules) -> StoreResult<usize> {
    let stamp = now();
    Ok(diesel::delete(
        staff_sessions::table.filter(
            staff_sessions::expires_at
                .le(stamp)
                .or(staff_sessions::last_seen_at.le(stamp - chrono::TimeDelta::minutes(rules.idle_minutes))),
        ),
    )
    .execute(conn)?)
}
