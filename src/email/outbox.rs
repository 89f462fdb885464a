//! The transactional outbox. A message is a row written in the same transaction as the
//! action that causes it, with its Message-ID fixed there and then. The worker claims due
//! rows, sends them and records the outcome; a failure waits 30 s, 1, 2, 4 ... minutes (at
//! most an hour) before the next try, and after [`MAX_ATTEMPTS`] it stops and shows as failed
//! for an admin to retry. A message claimed but not recorded when the process stopped goes
//! back to the queue at the next start with the same Message-ID, so a receiving server or
//! mail program that has it already treats the second copy as the same message.

use chrono::TimeDelta;
use diesel::prelude::*;
use serde::Serialize;

use super::{EmailError, Transport};
use crate::db::schema::outbox;
use crate::db::{Db, DbConnection, PartnershipId, new_id, now};
use crate::models::{StoreError, StoreResult};

pub const MAX_ATTEMPTS: i32 = 8;

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: String,
    pub message_id: String,
    pub kind: String,
    pub partnership_id: Option<PartnershipId>,
    pub to_address: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub unsubscribe_url: Option<String>,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: chrono::NaiveDateTime,
    pub last_error: Option<String>,
    pub created_at: chrono::NaiveDateTime,
    pub sent_at: Option<chrono::NaiveDateTime>,
}

/// A message to send.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub kind: &'static str,
    pub partnership_id: Option<PartnershipId>,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub unsubscribe_url: Option<String>,
}

/// Records a message to send. Call inside the transaction of what causes it.
pub fn enqueue(c: &mut DbConnection, m: &NewMessage, host: &str) -> StoreResult<String> {
    let id = new_id();
    diesel::insert_into(outbox::table)
        .values((
            outbox::id.eq(&id),
            outbox::message_id.eq(format!("<{id}@{host}>")),
            outbox::kind.eq(m.kind),
            outbox::partnership_id.eq(&m.partnership_id),
            outbox::to_address.eq(&m.to),
            outbox::subject.eq(&m.subject),
            outbox::body_text.eq(&m.text),
            outbox::body_html.eq(&m.html),
            outbox::unsubscribe_url.eq(&m.unsubscribe_url),
            outbox::status.eq("pending"),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now()),
            outbox::created_at.eq(now()),
        ))
        .execute(c)?;
    Ok(id)
}

/// The host part of Message-IDs: the public URL's host.
pub fn message_host(public_url: &str) -> String {
    let rest = public_url.split("://").nth(1).unwrap_or(public_url);
    let host = rest.split(['/', ':']).next().unwrap_or("");
    if host.is_empty() { "heard.localhost".into() } else { host.to_owned() }
}

/// How long a claim on a message lasts: a sender that has not recorded the outcome by then
/// (its process stopped) loses it, and any instance's worker puts the message back.
pub const CLAIM_MINUTES: i64 = 10;

/// Messages claimed by a process that stopped (their claim has run out) go back to the queue.
/// Claims of other running instances are left alone, so several instances never send the
/// same message at once. Runs at start-up and before each pass of the worker.
pub fn requeue_interrupted(conn: &mut DbConnection) -> StoreResult<usize> {
    Ok(diesel::update(outbox::table.filter(outbox::status.eq("sending")).filter(outbox::next_attempt_at.le(now())))
        .set((outbox::status.eq("pending"), outbox::next_attempt_at.eq(now())))
        .execute(conn)?)
}

/// Makes failed (and waiting) messages due now: an admin's "retry". `scope` is the admin's
/// partnership (`None`: every partnership, for a superadmin or the command line); a
/// partnership's admin never touches another partnership's messages.
pub fn retry_now(conn: &mut DbConnection, scope: Option<&PartnershipId>) -> StoreResult<usize> {
    let mut base = outbox::table.filter(outbox::status.eq_any(["failed", "pending"])).into_boxed();
    if let Some(p) = scope {
        base = base.filter(outbox::partnership_id.eq(p.to_owned()));
    }
    let ids: Vec<String> = base.select(outbox::id).load(conn)?;
    let set = (outbox::status.eq("pending"), outbox::next_attempt_at.eq(now()), outbox::attempts.eq(0));
    let mut n = 0;
    for chunk in ids.chunks(500) {
        n += diesel::update(
            outbox::table.filter(outbox::id.eq_any(chunk)).filter(outbox::status.eq_any(["failed", "pending"])),
        )
        .set(set)
        .execute(conn)?;
    }
    Ok(n)
}

/// Backoff after `attempts` failures: 30 s doubling, at most an hour.
pub fn backoff(attempts: i32) -> TimeDelta {
    let secs = 30i64.saturating_mul(1i64 << attempts.clamp(0, 20));
    TimeDelta::seconds(secs.min(3600))
}

/// What one flush did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Flush {
    pub sent: usize,
    pub failed: usize,
    /// Still due but held back by the per-minute limit.
    pub held: usize,
    pub last_error: Option<String>,
}

/// How many are queued, by status.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Depth {
    pub pending: i64,
    pub failed: i64,
    pub sent: i64,
}

/// How many messages wait, failed and went, for one partnership (`None`: all).
pub fn depth(conn: &mut DbConnection, scope: Option<&PartnershipId>) -> StoreResult<Depth> {
    let count = |c: &mut DbConnection, s: &str| -> StoreResult<i64> {
        let mut q = outbox::table.filter(outbox::status.eq(s)).into_boxed();
        if let Some(p) = scope {
            q = q.filter(outbox::partnership_id.eq(p.to_owned()));
        }
        Ok(q.count().get_result(c)?)
    };
    Ok(Depth { pending: count(conn, "pending")?, failed: count(conn, "failed")?, sent: count(conn, "sent")? })
}

/// The newest messages of one partnership (`None`: all), for the staff outbox.
pub fn recent(conn: &mut DbConnection, scope: Option<&PartnershipId>, limit: i64) -> StoreResult<Vec<OutboxRow>> {
    let mut q = outbox::table.into_boxed();
    if let Some(p) = scope {
        q = q.filter(outbox::partnership_id.eq(p.to_owned()));
    }
    Ok(q.order(outbox::created_at.desc()).limit(limit).select(OutboxRow::as_select()).load(conn)?)
}

fn claim(conn: &mut DbConnection, id: &str) -> StoreResult<bool> {
    Ok(diesel::update(outbox::table.filter(outbox::id.eq(id)).filter(outbox::status.eq("pending")))
        // While "sending", next_attempt_at is when the claim runs out.
        .set((outbox::status.eq("sending"), outbox::next_attempt_at.eq(now() + TimeDelta::minutes(CLAIM_MINUTES))))
        .execute(conn)?
        == 1)
}

fn record(conn: &mut DbConnection, row: &OutboxRow, outcome: &Result<(), EmailError>) -> StoreResult<()> {
    match outcome {
        Ok(()) => {
            diesel::update(outbox::table.filter(outbox::id.eq(&row.id)))
                .set((outbox::status.eq("sent"), outbox::sent_at.eq(now()), outbox::last_error.eq(None::<String>)))
                .execute(conn)?;
        }
        Err(e) => {
            let attempts = row.attempts + 1;
            let status = if attempts >= MAX_ATTEMPTS { "failed" } else { "pending" };
            diesel::update(outbox::table.filter(outbox::id.eq(&row.id)))
                .set((
                    outbox::status.eq(status),
                    outbox::attempts.eq(attempts),
                    outbox::next_attempt_at.eq(now() + backoff(row.attempts)),
                    outbox::last_error.eq(Some(e.to_string())),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Sends what is due, within `per_minute` messages in any minute. Blocking.
pub fn flush(conn: &mut DbConnection, transport: &Transport, from: &str, per_minute: u32) -> StoreResult<Flush> {
    let mut report = Flush::default();
    let since = now() - TimeDelta::seconds(60);
    let recent: i64 =
        outbox::table.filter(outbox::status.eq("sent")).filter(outbox::sent_at.gt(since)).count().get_result(conn)?;
    let allowance = (i64::from(per_minute) - recent).max(0);
    let due: Vec<OutboxRow> = outbox::table
        .filter(outbox::status.eq("pending"))
        .filter(outbox::next_attempt_at.le(now()))
        .order(outbox::created_at)
        .limit(allowance + 1)
        .select(OutboxRow::as_select())
        .load(conn)?;
    for (i, row) in due.into_iter().enumerate() {
        if i as i64 >= allowance {
            report.held += 1;
            break;
        }
        if !claim(conn, &row.id)? {
            continue;
        }
        let outcome = super::build(&row, from).and_then(|m| {
            let stem = format!("{}-{}", row.created_at.format("%Y%m%dT%H%M%S%6f"), row.id);
            transport.send(&m, &stem)
        });
        if let Err(e) = &outcome {
            report.failed += 1;
            report.last_error = Some(e.to_string());
            // The log names the message, never the person: no address, even inside the
            // mail server's error.
            let error = e.to_string().replace(&row.to_address, "[recipient]");
            tracing::warn!(message = %row.id, kind = %row.kind, %error, "email not sent; will retry");
        } else {
            report.sent += 1;
        }
        record(conn, &row, &outcome)?;
    }
    Ok(report)
}

/// Runs the outbox inside `heard serve`: puts interrupted messages back, then every few
/// seconds sends what is due, on its own thread (sending blocks).
pub fn spawn_worker(db: Db, transport: Transport, from: String, per_minute: u32) {
    let spawned = std::thread::Builder::new().name("heard-outbox".into()).spawn(move || {
        if let Ok(mut c) = db.pool().get()
            && let Err(e) = requeue_interrupted(&mut c)
        {
            tracing::warn!(error = %e, "could not put interrupted messages back in the queue");
        }
        loop {
            match db.pool().get() {
                Ok(mut c) => {
                    match requeue_interrupted(&mut c).and_then(|_| flush(&mut c, &transport, &from, per_minute)) {
                        Ok(r) if r.sent + r.failed > 0 => {
                            tracing::info!(sent = r.sent, failed = r.failed, held = r.held, "outbox flushed")
                        }
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "outbox flush failed"),
                    }
                }
                Err(e) => tracing::warn!(error = %e, "outbox: no database connection"),
            }
            std::thread::sleep(std::time::Duration::from_secs(3));
        }
    });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "could not start the outbox worker");
    }
}

impl From<EmailError> for StoreError {
    fn from(e: EmailError) -> Self {
        StoreError::Conflict(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_stops_at_an_hour() {
        assert_eq!(backoff(0).num_seconds(), 30);
        assert_eq!(backoff(1).num_seconds(), 60);
        assert_eq!(backoff(3).num_seconds(), 240);
        assert_eq!(backoff(10).num_seconds(), 3600);
        assert_eq!(message_host("https://heard.torbay.gov.uk/x"), "heard.torbay.gov.uk");
        assert_eq!(message_host("http://127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(message_host(""), "heard.localhost");
    }
}
