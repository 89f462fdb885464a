//! Invitations by email. Contacts are kept apart from responses: a contact row holds the
//! address, a hashed single-use link token, a hashed unsubscribe token and whether the person
//! has responded; nothing links a contact to a response, an answer or a draft once it is
//! sent. Each message goes to the outbox in the same transaction that changes the contact.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use validator::ValidateEmail;

use super::{StoreError, StoreResult};
use crate::db::schema::contacts;
use crate::db::{DbConnection, PartnershipId, WaveId, new_id, now};
use crate::domain::codes::{hash_token, random_token};
use crate::email::outbox::{self, NewMessage};

/// Reminders after the invitation, at most.
pub const MAX_REMINDERS: i32 = 2;

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = contacts)]
pub struct Contact {
    pub id: String,
    pub wave_id: WaveId,
    pub email: String,
    pub first_name: String,
    pub audience: String,
    #[serde(skip)]
    pub token_hash: String,
    pub token_used_at: Option<NaiveDateTime>,
    #[serde(skip)]
    pub unsubscribe_hash: String,
    pub unsubscribed_at: Option<NaiveDateTime>,
    pub responded: bool,
    pub reminders: i32,
    pub created_at: NaiveDateTime,
}

/// One row of a contacts file, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRow {
    pub email: String,
    pub first_name: String,
    pub audience: String,
}

/// Reads `email,first_name,audience` (first name may be empty). Every problem is reported
/// with its line; addresses are trimmed and lower-cased, and repeats are dropped.
pub fn parse_contacts(bytes: &[u8], audiences: &[String]) -> Result<Vec<ContactRow>, Vec<String>> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(bytes);
    let mut problems = Vec::new();
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.to_lowercase()).collect(),
        Err(e) => return Err(vec![format!("the file could not be read as CSV: {e}")]),
    };
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(ei), fi, Some(ai)) = (col("email"), col("first_name"), col("audience")) else {
        return Err(vec![format!(
            "line 1: the first row must name the columns email,first_name,audience (it has {}).",
            headers.join(",")
        )]);
    };
    let mut out: Vec<ContactRow> = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("line {line}: could not be read ({e})."));
                continue;
            }
        };
        let email = record.get(ei).unwrap_or("").trim().to_lowercase();
        let first_name: String = fi.and_then(|f| record.get(f)).unwrap_or("").trim().chars().take(60).collect();
        let audience = record.get(ai).unwrap_or("").trim().to_owned();
        if email.is_empty() && audience.is_empty() {
            continue;
        }
        if !email.validate_email() {
            problems.push(format!("line {line}: {email:?} is not an email address."));
            continue;
        }
        if !audiences.contains(&audience) {
            problems.push(format!(
                "line {line}: {audience:?} is not one of this survey's audiences ({}).",
                audiences.join(", ")
            ));
            continue;
        }
        if first_name.chars().any(char::is_control) {
            problems.push(format!("line {line}: the first name has characters that cannot be used."));
            continue;
        }
        if !out.iter().any(|c| c.email == email) {
            out.push(ContactRow { email, first_name, audience });
        }
    }
    if out.is_empty() && problems.is_empty() {
        problems.push("the file has no contacts: add a row for each person under the header row.".into());
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

/// What goes into one message: the contact, their link and their unsubscribe link.
pub struct Letter<'a> {
    pub contact: &'a Contact,
    pub link: String,
    pub unsubscribe: String,
    pub reminder: bool,
}

/// Renders a message (subject, text, HTML) for a letter.
pub type Render<'a> = dyn Fn(&Letter<'_>) -> Result<(String, String, String), String> + 'a;

/// Where links point: the public URL.
#[derive(Debug, Clone)]
pub struct Links {
    pub public_url: String,
    pub partnership_id: PartnershipId,
}

impl Links {
    fn link(&self, token: &str) -> String {
        format!("{}/i/{token}", self.public_url.trim_end_matches('/'))
    }
    fn unsubscribe(&self, token: &str) -> String {
        format!("{}/u/{token}", self.public_url.trim_end_matches('/'))
    }
}

fn queue(c: &mut DbConnection, links: &Links, letter: &Letter<'_>, render: &Render<'_>) -> StoreResult<()> {
    let (subject, text, html) = render(letter).map_err(StoreError::Conflict)?;
    let m = NewMessage {
        kind: if letter.reminder { "reminder" } else { "invitation" },
        partnership_id: Some(links.partnership_id.clone()),
        to: letter.contact.email.clone(),
        subject,
        text,
        html,
        unsubscribe_url: Some(letter.unsubscribe.clone()),
    };
    outbox::enqueue(c, &m, &outbox::message_host(&links.public_url))?;
    Ok(())
}

/// What an invitation run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Invited {
    pub invited: usize,
    pub already: usize,
}

/// Adds contacts to a wave and queues an invitation for each new one, all or nothing.
pub fn invite(
    conn: &mut DbConnection,
    wave_id: &WaveId,
    rows: &[ContactRow],
    links: &Links,
    render: &Render<'_>,
) -> StoreResult<Invited> {
    conn.write(|c| -> StoreResult<Invited> {
        let mut report = Invited::default();
        for r in rows {
            let exists: i64 = contacts::table
                .filter(contacts::wave_id.eq(wave_id))
                .filter(contacts::email.eq(&r.email))
                .count()
                .get_result(c)?;
            if exists > 0 {
                report.already += 1;
                continue;
            }
            let (token, unsub) = (random_token(), random_token());
            let id = new_id();
            diesel::insert_into(contacts::table)
                .values((
                    contacts::id.eq(&id),
                    contacts::wave_id.eq(wave_id),
                    contacts::email.eq(&r.email),
                    contacts::first_name.eq(&r.first_name),
                    contacts::audience.eq(&r.audience),
                    contacts::token_hash.eq(hash_token(&format!("invite:{token}"))),
                    contacts::unsubscribe_hash.eq(hash_token(&format!("unsubscribe:{unsub}"))),
                    contacts::responded.eq(false),
                    contacts::reminders.eq(0),
                    contacts::created_at.eq(now()),
                ))
                .execute(c)?;
            let contact = find(c, &id)?.ok_or_else(|| StoreError::NotFound("the new contact".into()))?;
            let letter = Letter {
                contact: &contact,
                link: links.link(&token),
                unsubscribe: links.unsubscribe(&unsub),
                reminder: false,
            };
            queue(c, links, &letter, render)?;
            report.invited += 1;
        }
        Ok(report)
    })
}

/// Queues a reminder, with a fresh single-use link, for everyone in the wave who has not
/// responded, has not unsubscribed and has had fewer than [`MAX_REMINDERS`] reminders.
pub fn remind(conn: &mut DbConnection, wave_id: &WaveId, links: &Links, render: &Render<'_>) -> StoreResult<usize> {
    conn.write(|c| -> StoreResult<usize> {
        let due: Vec<Contact> = contacts::table
            .filter(contacts::wave_id.eq(wave_id))
            .filter(contacts::responded.eq(false))
            .filter(contacts::unsubscribed_at.is_null())
            .filter(contacts::reminders.lt(MAX_REMINDERS))
            .select(Contact::as_select())
            .load(c)?;
        for contact in &due {
            let (token, unsub) = (random_token(), random_token());
            diesel::update(contacts::table.filter(contacts::id.eq(&contact.id)))
                .set((
                    contacts::token_hash.eq(hash_token(&format!("invite:{token}"))),
                    contacts::token_used_at.eq(None::<NaiveDateTime>),
                    contacts::unsubscribe_hash.eq(hash_token(&format!("unsubscribe:{unsub}"))),
                    contacts::reminders.eq(contact.reminders + 1),
                ))
                .execute(c)?;
            let letter =
                Letter { contact, link: links.link(&token), unsubscribe: links.unsubscribe(&unsub), reminder: true };
            queue(c, links, &letter, render)?;
        }
        Ok(due.len())
    })
}

pub fn find(conn: &mut DbConnection, id: &str) -> StoreResult<Option<Contact>> {
    Ok(contacts::table.filter(contacts::id.eq(id)).select(Contact::as_select()).first(conn).optional()?)
}

/// What an invitation link found.
#[derive(Debug, Clone)]
pub enum Link {
    /// First use: the contact (now marked used).
    Fresh(Box<Contact>),
    /// Used before.
    Used,
    Unknown,
}

/// Uses an invitation link once.
pub fn use_link(conn: &mut DbConnection, token: &str) -> StoreResult<Link> {
    let hash = hash_token(&format!("invite:{token}"));
    conn.write(|c| -> StoreResult<Link> {
        let Some(contact) =
            contacts::table.filter(contacts::token_hash.eq(&hash)).select(Contact::as_select()).first(c).optional()?
        else {
            return Ok(Link::Unknown);
        };
        let claimed = diesel::update(
            contacts::table.filter(contacts::id.eq(&contact.id)).filter(contacts::token_used_at.is_null()),
        )
        // The day only: an exact time here would sit microseconds from the response's
        // `started_at` and join a named contact to their answers.
        .set(contacts::token_used_at.eq(crate::db::today()))
        .execute(c)?;
        Ok(if claimed == 1 { Link::Fresh(Box::new(contact)) } else { Link::Used })
    })
}

/// Unsubscribes (or, with `again`, subscribes again) by the token in a message. Returns
/// whether the token was known.
pub fn set_unsubscribed(conn: &mut DbConnection, token: &str, unsubscribed: bool) -> StoreResult<bool> {
    let hash = hash_token(&format!("unsubscribe:{token}"));
    let value = unsubscribed.then(now);
    let n = diesel::update(contacts::table.filter(contacts::unsubscribe_hash.eq(&hash)))
        .set(contacts::unsubscribed_at.eq(value))
        .execute(conn)?;
    Ok(n > 0)
}

/// Marks a contact as having responded (and nothing more).
pub fn mark_responded(c: &mut DbConnection, contact_id: &str) -> StoreResult<()> {
    diesel::update(contacts::table.filter(contacts::id.eq(contact_id))).set(contacts::responded.eq(true)).execute(c)?;
    Ok(())
}

/// The slug of a contact's wave.
pub fn wave_slug(conn: &mut DbConnection, wave_id: &WaveId) -> StoreResult<String> {
    use crate::db::schema::waves;
    Ok(waves::table.filter(waves::id.eq(wave_id)).select(waves::slug).first(conn)?)
}

/// A wave's invitation counts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub contacts: i64,
    pub responded: i64,
    pub unsubscribed: i64,
    pub reminded: i64,
}

pub fn counts(conn: &mut DbConnection, wave_id: &WaveId) -> StoreResult<Counts> {
    let base = || contacts::table.filter(contacts::wave_id.eq(wave_id));
    Ok(Counts {
        contacts: base().count().get_result(conn)?,
        responded: base().filter(contacts::responded.eq(true)).count().get_result(conn)?,
        unsubscribed: base().filter(contacts::unsubscribed_at.is_not_null()).count().get_result(conn)?,
        reminded: base().filter(contacts::reminders.gt(0)).count().get_result(conn)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_files_are_checked_line_by_line() {
        let aud = vec!["young-people".to_owned(), "parents-carers".to_owned()];
        let ok = parse_contacts(b"email,first_name,audience\nA@Example.org,Ana,young-people\nb@example.org,,parents-carers\na@example.org,Ana,young-people\n", &aud);
        assert_eq!(ok.as_ref().map(Vec::len), Ok(2));
        let bad =
            parse_contacts(b"email,first_name,audience\nnot-an-email,,young-people\nc@example.org,,grown-ups\n", &aud);
        let problems = bad.err().unwrap_or_default();
        assert!(problems[0].starts_with("line 2:") && problems[0].contains("not an email address"));
        assert!(problems[1].starts_with("line 3:") && problems[1].contains("not one of this survey's audiences"));
        assert!(parse_contacts(b"name,mail\nx,y\n", &aud).is_err());
        assert!(parse_contacts(b"email,first_name,audience\n", &aud).is_err());
    }
}
