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
use crate::db::schema::{follow_ups, update_links, updates};
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
    /// The same update in easy-read words ('' when none was written).
    pub easy_read: String,
}

/// A new update, checked by the caller.
pub struct NewUpdate {
    pub partnership_id: PartnershipId,
    pub title: String,
    pub body: String,
    pub easy_read: String,
    pub priorities: Vec<String>,
    pub themes: Vec<String>,
    /// What it answers and serves, chosen from `linkable` (each checked again on publishing).
    pub links: Vec<(LinkKind, String)>,
    pub by: String,
    /// When it was published: now, unless loading history (the demo's two years).
    pub at: Option<NaiveDateTime>,
}

/// What an update can link to: the evidence it answers, or an outcome statement it serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum LinkKind {
    Question,
    Theme,
    Quote,
    Measure,
    Outcome,
}

impl LinkKind {
    pub const ALL: [LinkKind; 5] =
        [LinkKind::Question, LinkKind::Theme, LinkKind::Quote, LinkKind::Measure, LinkKind::Outcome];

    /// As stored, and as the form's field names end.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Question => "question",
            LinkKind::Theme => "theme",
            LinkKind::Quote => "quote",
            LinkKind::Measure => "measure",
            LinkKind::Outcome => "outcome",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One thing an update links to, with the words shown for it when it was published.
#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = update_links)]
pub struct UpdateLink {
    pub update_id: String,
    pub kind: String,
    pub target: String,
    pub label: String,
}

/// How many approved quotes the form offers: the most recently approved (a bank of hundreds
/// would make the form a page of boxes).
pub const QUOTES_OFFERED: i64 = 100;

/// What may be linked, by kind: (id or key, words).
pub type Linkable = Vec<(LinkKind, Vec<(String, String)>)>;

/// Everything of a partnership an update may link to, by kind: (id or key, words), in the
/// order a form lists them. Questions come from `wave` (the one staff work on); quotes are
/// the [`QUOTES_OFFERED`] most recently approved (consented and redacted); archived outcome
/// statements are left out.
pub fn linkable(
    conn: &mut DbConnection,
    partnership_id: &PartnershipId,
    wave: Option<&crate::domain::SurveyDefinition>,
) -> StoreResult<Linkable> {
    use crate::db::schema::{
        measures, outcome_statements, priorities, quotes, responses, survey_series, themes, waves,
    };
    let questions: Vec<(String, String)> = wave
        .map(|def| {
            def.questions
                .iter()
                .filter_map(|q| {
                    let words = q.audiences.iter().find_map(|a| q.wording(a)).map(|w| w.title.clone())?;
                    Some((q.key.to_string(), words))
                })
                .collect()
        })
        .unwrap_or_default();
    let theme_rows: Vec<(String, String)> = themes::table
        .filter(themes::partnership_id.eq(partnership_id))
        .filter(themes::archived_at.is_null())
        .order(themes::position.asc())
        .select((themes::id, themes::name))
        .load(conn)?;
    let quote_rows: Vec<(String, String)> = quotes::table
        .inner_join(responses::table.inner_join(waves::table.inner_join(survey_series::table)))
        .filter(survey_series::partnership_id.eq(partnership_id))
        .filter(quotes::status.eq("approved"))
        .order(quotes::approved_at.desc())
        .select((quotes::id, quotes::redacted))
        .limit(QUOTES_OFFERED)
        .load(conn)?;
    let measure_rows: Vec<(String, String, String)> = measures::table
        .filter(measures::partnership_id.eq(partnership_id))
        .order(measures::reference.asc())
        .select((measures::id, measures::reference, measures::name))
        .load(conn)?;
    let outcome_rows: Vec<(String, String, String)> = outcome_statements::table
        .left_join(priorities::table.on(priorities::id.nullable().eq(outcome_statements::priority_id)))
        .filter(outcome_statements::partnership_id.eq(partnership_id))
        .filter(outcome_statements::archived_at.is_null())
        .order((priorities::position.nullable().asc(), outcome_statements::position.asc()))
        .select((outcome_statements::id, outcome_statements::code, outcome_statements::statement))
        .load(conn)?;
    let named = |rows: Vec<(String, String, String)>| -> Vec<(String, String)> {
        rows.into_iter()
            .map(|(id, code, words)| {
                let label = if code.trim().is_empty() { words } else { format!("{code}: {words}") };
                (id, label)
            })
            .collect()
    };
    Ok(vec![
        (LinkKind::Question, questions),
        (LinkKind::Theme, theme_rows),
        (LinkKind::Quote, quote_rows),
        (LinkKind::Measure, named(measure_rows)),
        (LinkKind::Outcome, named(outcome_rows)),
    ])
}

/// The links of the given updates, in kind order.
pub fn links(conn: &mut DbConnection, update_ids: &[String]) -> StoreResult<Vec<UpdateLink>> {
    Ok(update_links::table
        .filter(update_links::update_id.eq_any(update_ids))
        .order((update_links::update_id.asc(), update_links::kind.asc(), update_links::label.asc()))
        .select(UpdateLink::as_select())
        .load(conn)?)
}

/// Renders the email for an update to one address: (subject, text, HTML).
pub type Render<'a> = dyn Fn(&Update) -> Result<(String, String, String), String> + 'a;

/// Publishes an update and, in the same transaction, queues it to every waiting address and
/// deletes those addresses. Returns the update and how many were told.
/// Every link must be one `linkable` offers for the partnership and `wave`, else nothing is
/// published (`StoreError::NotFound`).
pub fn publish(
    conn: &mut DbConnection,
    new: &NewUpdate,
    wave: Option<&crate::domain::SurveyDefinition>,
    host: &str,
    render: &Render<'_>,
) -> StoreResult<(Update, usize)> {
    conn.write(|c| -> StoreResult<(Update, usize)> {
        let linked = if new.links.is_empty() { Vec::new() } else { linkable(c, &new.partnership_id, wave)? };
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
                updates::published_at.eq(new.at.unwrap_or_else(now)),
                updates::created_by.eq(&new.by),
                updates::easy_read.eq(&new.easy_read),
            ))
            .execute(c)?;
        let rows: Vec<_> = new
            .links
            .iter()
            .map(|(kind, target)| {
                let label = linked
                    .iter()
                    .find(|(k, _)| k == kind)
                    .and_then(|(_, items)| items.iter().find(|(id, _)| id == target))
                    .map(|(_, label)| label.clone())
                    .ok_or_else(|| StoreError::NotFound(format!("{} {target}", kind.as_str())))?;
                Ok((
                    update_links::update_id.eq(id.clone()),
                    update_links::kind.eq(kind.as_str()),
                    update_links::target.eq(target.clone()),
                    update_links::label.eq(label),
                ))
            })
            .collect::<StoreResult<_>>()?;
        if !rows.is_empty() {
            crate::on_backend!(c, |inner| diesel::insert_into(update_links::table).values(&rows).execute(inner))?;
        }
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
