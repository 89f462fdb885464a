//! The services signed up to the partnership's pledge (`pledge_services`), each with its
//! standing feedback survey: adding a service imports the survey made by
//! `domain::pledge::feedback_definition` as an ordinary open wave and records the service,
//! in one transaction with its audit row. The scorecard's counts come from the counts kept
//! at write time for that wave.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use super::audit::{self, Action, Actor};
use super::{StoreError, StoreResult};
use crate::db::schema::{pledge_services, pledge_values, waves};
use crate::db::{DbConnection, PartnershipId, WaveId, new_id, now};
use crate::domain::SurveyDefinition;
use crate::domain::pledge::{self, Value};

/// A service and its feedback survey.
#[derive(Debug, Clone, Serialize)]
pub struct Service {
    pub id: String,
    pub name: String,
    pub wave_id: WaveId,
    pub wave_slug: String,
    pub responses: i64,
}

fn load(conn: &mut DbConnection, partnership: &PartnershipId, one: Option<&str>) -> StoreResult<Vec<Service>> {
    let mut q = pledge_services::table
        .inner_join(waves::table)
        .filter(pledge_services::partnership_id.eq(partnership))
        .order(pledge_services::name)
        .select((pledge_services::id, pledge_services::name, waves::id, waves::slug))
        .into_boxed();
    if let Some(id) = one {
        q = q.filter(pledge_services::id.eq(id.to_owned()));
    }
    let rows: Vec<(String, String, WaveId, String)> = q.load(conn)?;
    let mut out = Vec::new();
    for (id, name, wave_id, wave_slug) in rows {
        let responses = super::aggregates::response_counts(conn, &wave_id)?.iter().map(|(_, n)| n).sum();
        out.push(Service { id, name, wave_id, wave_slug, responses });
    }
    Ok(out)
}

/// A partnership's services, by name.
pub fn list(conn: &mut DbConnection, partnership: &PartnershipId) -> StoreResult<Vec<Service>> {
    load(conn, partnership, None)
}

/// One of a partnership's services.
pub fn get(conn: &mut DbConnection, partnership: &PartnershipId, id: &str) -> StoreResult<Option<Service>> {
    Ok(load(conn, partnership, Some(id))?.into_iter().next())
}

/// The partnership's live pledge values, in order.
pub fn values(conn: &mut DbConnection, partnership: &PartnershipId) -> StoreResult<Vec<Value>> {
    let rows: Vec<(String, String, String)> = pledge_values::table
        .filter(pledge_values::partnership_id.eq(partnership))
        .filter(pledge_values::archived_at.is_null())
        .order(pledge_values::position)
        .select((pledge_values::code, pledge_values::title, pledge_values::meaning))
        .load(conn)?;
    Ok(rows.into_iter().map(|(code, title, meaning)| Value { code, title, meaning }).collect())
}

/// Why a service was not added.
#[derive(Debug, Clone, PartialEq)]
pub enum Refused {
    /// The partnership has a service by that name, or a survey at that address.
    Taken,
    /// The partnership has no pledge values to ask about.
    NoValues,
}

/// A service to add: the partnership's address, the service's name and the address part
/// made from it, and the day its survey opens.
#[derive(Debug, Clone)]
pub struct NewService<'a> {
    pub partnership_slug: &'a str,
    pub name: &'a str,
    pub slug: &'a str,
    pub opens: NaiveDate,
}

/// Adds a service with its standing feedback survey, audited.
pub fn add(
    conn: &mut DbConnection,
    partnership: &PartnershipId,
    actor: &Actor,
    new: &NewService<'_>,
    max_text: usize,
) -> StoreResult<Result<String, Refused>> {
    let NewService { partnership_slug, name, slug, opens } = *new;
    conn.write(|tx| -> StoreResult<Result<String, Refused>> {
        let values = values(tx, partnership)?;
        if values.is_empty() {
            return Ok(Err(Refused::NoValues));
        }
        let named: i64 = pledge_services::table
            .filter(pledge_services::partnership_id.eq(partnership))
            .filter(pledge_services::name.eq(name))
            .count()
            .get_result(tx)?;
        let text = pledge::feedback_definition(partnership_slug, slug, name, &values, opens);
        let file = format!("{partnership_slug}-pledge-{slug}.toml");
        let def = SurveyDefinition::parse(&file, &text, max_text)?;
        if named > 0 || super::survey::find_wave(tx, def.wave.slug.as_str())?.is_some() {
            return Ok(Err(Refused::Taken));
        }
        super::survey::import(tx, &file, &text, &def)?;
        let wave = super::survey::find_wave(tx, def.wave.slug.as_str())?
            .ok_or_else(|| StoreError::NotFound(def.wave.slug.to_string()))?;
        let id = new_id();
        diesel::insert_into(pledge_services::table)
            .values((
                pledge_services::id.eq(&id),
                pledge_services::partnership_id.eq(partnership),
                pledge_services::name.eq(name),
                pledge_services::wave_id.eq(&wave.id),
                pledge_services::created_by.eq(&actor.name),
                pledge_services::created_at.eq(now()),
            ))
            .execute(tx)?;
        audit::record(
            tx,
            actor,
            Some(partnership),
            Action::ServiceAdded,
            &serde_json::json!({"service": name, "survey": def.wave.slug.as_str()}),
        )?;
        Ok(Ok(id))
    })
}

/// For each pledge value: (code, title, positive answers, answers) to the service's survey,
/// every audience together, from the kept counts.
pub fn value_counts(
    conn: &mut DbConnection,
    partnership: &PartnershipId,
    wave_id: &WaveId,
) -> StoreResult<Vec<(String, String, u64, u64)>> {
    let counts = super::aggregates::option_counts(conn, wave_id)?;
    Ok(values(conn, partnership)?
        .into_iter()
        .map(|v| {
            let key = pledge::value_key(&v.code);
            let of = |option: &str| -> u64 {
                counts.iter().filter(|((_, k, o), _)| *k == key && o == option).map(|(_, n)| *n).sum()
            };
            let (yes, sometimes, no) = (of("yes"), of("sometimes"), of("no"));
            (v.code, v.title, yes, yes + sometimes + no)
        })
        .collect())
}

/// The partnership-wide pledge index by calendar month: (first day of the month, positive
/// answers, answers) to every value over every service's feedback survey, each month from
/// the first with an answer to the last (a month without any is (0, 0): a gap, not a line).
/// Read from the counts kept by day (`slice_counts`), so it costs the same however many
/// answered.
pub fn index_by_month(conn: &mut DbConnection, partnership: &PartnershipId) -> StoreResult<Vec<(NaiveDate, u64, u64)>> {
    use crate::db::schema::slice_counts;
    use chrono::{Datelike, Months};
    let surveys: Vec<String> = pledge_services::table
        .filter(pledge_services::partnership_id.eq(partnership))
        .select(pledge_services::wave_id)
        .load(conn)?;
    let keys: Vec<String> = values(conn, partnership)?.iter().map(|v| pledge::value_key(&v.code)).collect();
    let rows: Vec<(NaiveDate, String, i64)> = slice_counts::table
        .filter(slice_counts::wave_id.eq_any(&surveys))
        .filter(slice_counts::filter_key.eq(""))
        .filter(slice_counts::kind.eq("option"))
        .filter(slice_counts::question_key.eq_any(&keys))
        .filter(slice_counts::option_value.eq_any(["yes", "sometimes", "no"]))
        .select((slice_counts::day, slice_counts::option_value, slice_counts::n))
        .load(conn)?;
    let mut months: std::collections::BTreeMap<NaiveDate, (u64, u64)> = std::collections::BTreeMap::new();
    for (day, option, n) in rows {
        let n = u64::try_from(n).unwrap_or(0);
        let month = day.with_day(1).unwrap_or(day);
        let e = months.entry(month).or_insert((0, 0));
        e.1 += n;
        if option == "yes" {
            e.0 += n;
        }
    }
    let (Some(first), Some(last)) = (months.keys().next().copied(), months.keys().last().copied()) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let mut m = first;
    while m <= last {
        let (p, n) = months.get(&m).copied().unwrap_or((0, 0));
        out.push((m, p, n));
        m = m.checked_add_months(Months::new(1)).unwrap_or(NaiveDate::MAX);
    }
    Ok(out)
}

/// The sign-ins of a service's leads: their email addresses, in order.
pub fn leads(conn: &mut DbConnection, partnership: &PartnershipId, service_id: &str) -> StoreResult<Vec<String>> {
    use crate::db::schema::accounts;
    Ok(accounts::table
        .filter(accounts::partnership_id.eq(partnership))
        .filter(accounts::service_id.eq(service_id))
        .order(accounts::email.asc())
        .select(accounts::email)
        .load(conn)?)
}

/// Up to `limit` approved quotes (consented, redacted) from a service's feedback, newest
/// approved first: what the scorecard shows beside its figures.
pub fn quotes(conn: &mut DbConnection, wave_id: &WaveId, limit: i64) -> StoreResult<Vec<String>> {
    use crate::db::schema::{quotes, responses};
    Ok(quotes::table
        .inner_join(responses::table)
        .filter(responses::wave_id.eq(wave_id))
        .filter(quotes::status.eq("approved"))
        .order(quotes::approved_at.desc())
        .select(quotes::redacted)
        .limit(limit)
        .load(conn)?)
}
