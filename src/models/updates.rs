//! "You said, we did": addresses people leave to hear what happened, and the updates a
//! partnership publishes. An address is kept in its own table with the day only (not the
//! time, so it cannot be matched to a response by when it was sent), is never joined to
//! answers, and is deleted when an update is sent to it or after [`KEEP_DAYS`].
//!
//! An address is used only once its owner has confirmed it from an email ("double opt-in"):
//! anyone could type anyone's address at the end of a survey. An unconfirmed address gets
//! that one email and nothing else, and is deleted after [`CONFIRM_DAYS`].

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use serde::Serialize;
use validator::ValidateEmail;

use super::{StoreError, StoreResult};
use crate::db::schema::{follow_ups, updates};
use crate::db::{DbConnection, PartnershipId, new_id, now};
use crate::email::outbox::{self, NewMessage};

/// Days an address waits for an update before it is deleted unused.
pub const KEEP_DAYS: i64 = 365;

/// Days an unconfirmed address waits for its owner to confirm it.
pub const CONFIRM_DAYS: i64 = 7;

/// Renders the confirmation email for a link: (subject, text, HTML).
pub type RenderConfirm<'a> = dyn Fn(&str) -> Result<(String, String, String), String> + 'a;

/// Keeps an address to tell about what happened, unconfirmed, and queues the email that asks
/// its owner to confirm it (`link_for` makes the link from the token). An address already
/// kept is left as it is and gets no second email, so the answer says nothing about who is on
/// the list.
pub fn leave_address(
    conn: &mut DbConnection,
    partnership_id: &PartnershipId,
    email: &str,
    host: &str,
    link_for: &dyn Fn(&str) -> String,
    render: &RenderConfirm<'_>,
) -> StoreResult<()> {
    let email = email.trim().to_lowercase();
    if !email.validate_email() {
        return Err(StoreError::Conflict("Enter an email address, like name@example.com.".into()));
    }
    let day = crate::db::today();
    conn.write(|c| -> StoreResult<()> {
        let exists: i64 = follow_ups::table
            .filter(follow_ups::partnership_id.eq(partnership_id))
            .filter(follow_ups::email.eq(&email))
            .count()
            .get_result(c)?;
        if exists > 0 {
            return Ok(());
        }
        let token = crate::domain::codes::random_token();
        diesel::insert_into(follow_ups::table)
            .values((
                follow_ups::id.eq(new_id()),
                follow_ups::partnership_id.eq(partnership_id),
                follow_ups::email.eq(&email),
                follow_ups::created_on.eq(day),
                follow_ups::confirmed.eq(false),
                follow_ups::confirm_hash.eq(confirm_hash(&token)),
            ))
            .execute(c)?;
        let (subject, text, html) = render(&link_for(&token)).map_err(StoreError::Conflict)?;
        let m = NewMessage {
            kind: "follow-up-confirm",
            partnership_id: Some(partnership_id.to_owned()),
            to: email.clone(),
            subject,
            text,
            html,
            unsubscribe_url: None,
        };
        outbox::enqueue(c, &m, host)?;
        Ok(())
    })
}

fn confirm_hash(token: &str) -> String {
    crate::domain::codes::hash_token(&format!("follow-up:{token}"))
}

/// Whether a confirmation link is one we sent and has not been used.
pub fn confirmable(conn: &mut DbConnection, token: &str) -> StoreResult<bool> {
    let n: i64 = follow_ups::table.filter(follow_ups::confirm_hash.eq(confirm_hash(token))).count().get_result(conn)?;
    Ok(n > 0)
}

/// Confirms the address a link was sent to. False when the link is unknown or used.
pub fn confirm(conn: &mut DbConnection, token: &str) -> StoreResult<bool> {
    let n = diesel::update(follow_ups::table.filter(follow_ups::confirm_hash.eq(confirm_hash(token))))
        .set((follow_ups::confirmed.eq(true), follow_ups::confirm_hash.eq(None::<String>)))
        .execute(conn)?;
    Ok(n > 0)
}

/// How many confirmed addresses wait for the next update.
pub fn waiting(conn: &mut DbConnection, partnership_id: &PartnershipId) -> StoreResult<i64> {
    Ok(follow_ups::table
        .filter(follow_ups::partnership_id.eq(partnership_id))
        .filter(follow_ups::confirmed.eq(true))
        .count()
        .get_result(conn)?)
}

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = updates)]
pub struct Update {
    pub id: String,
    pub partnership_id: PartnershipId,
    pub title: String,
    pub body: String,
    pub priorities: String,
    pub themes: String,
    pub recipients: i32,
    pub published_at: NaiveDateTime,
    pub created_by: String,
}

/// A new update, checked by the caller.
pub struct NewUpdate {
    pub partnership_id: PartnershipId,
    pub title: String,
    pub body: String,
    pub priorities: Vec<String>,
    pub themes: Vec<String>,
    pub by: String,
}

/// Renders the email for an update to one address: (subject, text, HTML).
pub type Render<'a> = dyn Fn(&Update) -> Result<(String, String, String), String> + 'a;

/// Publishes an update and, in the same transaction, queues it to every waiting address and
/// deletes those addresses. Returns the update and how many were told.
pub fn publish(
    conn: &mut DbConnection,
    new: &NewUpdate,
    host: &str,
    render: &Render<'_>,
) -> StoreResult<(Update, usize)> {
    conn.write(|c| -> StoreResult<(Update, usize)> {
        let addresses: Vec<String> = follow_ups::table
            .filter(follow_ups::partnership_id.eq(&new.partnership_id))
            .filter(follow_ups::confirmed.eq(true))
            .select(follow_ups::email)
            .load(c)?;
        let id = new_id();
        diesel::insert_into(updates::table)
            .values((
                updates::id.eq(&id),
                updates::partnership_id.eq(&new.partnership_id),
                updates::title.eq(&new.title),
                updates::body.eq(&new.body),
                updates::priorities.eq(new.priorities.join(",")),
                updates::themes.eq(new.themes.join(",")),
                updates::recipients.eq(i32::try_from(addresses.len()).unwrap_or(i32::MAX)),
                updates::published_at.eq(now()),
                updates::created_by.eq(&new.by),
            ))
            .execute(c)?;
        let update: Update = updates::table.filter(updates::id.eq(&id)).select(Update::as_select()).first(c)?;
        let (subject, text, html) = render(&update).map_err(StoreError::Conflict)?;
        for to in &addresses {
            let m = NewMessage {
                kind: "update",
                partnership_id: Some(new.partnership_id.clone()),
                to: to.clone(),
                subject: subject.clone(),
                text: text.clone(),
                html: html.clone(),
                unsubscribe_url: None,
            };
            outbox::enqueue(c, &m, host)?;
        }
        diesel::delete(
            follow_ups::table
                .filter(follow_ups::partnership_id.eq(&new.partnership_id))
                .filter(follow_ups::confirmed.eq(true)),
        )
        .execute(c)?;
        Ok((update, addresses.len()))
    })
}

/// A partnership's updates, newest first.
pub fn list(conn: &mut DbConnection, partnership_id: &PartnershipId) -> StoreResult<Vec<Update>> {
    Ok(updates::table
        .filter(updates::partnership_id.eq(partnership_id))
        .order(updates::published_at.desc())
        .select(Update::as_select())
        .load(conn)?)
}

/// Deletes addresses that have waited longer than [`KEEP_DAYS`], and unconfirmed ones older
/// than [`CONFIRM_DAYS`]. Returns how many.
pub fn purge_old(conn: &mut DbConnection) -> StoreResult<usize> {
    let cutoff = now() - TimeDelta::days(KEEP_DAYS);
    let unconfirmed = now() - TimeDelta::days(CONFIRM_DAYS);
    let old = diesel::delete(follow_ups::table.filter(follow_ups::created_on.lt(cutoff))).execute(conn)?;
    let stale = diesel::delete(
        follow_ups::table.filter(follow_ups::confirmed.eq(false)).filter(follow_ups::created_on.lt(unconfirmed)),
    )
    .execute(conn)?;
    Ok(old + stale)
}
