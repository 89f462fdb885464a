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
