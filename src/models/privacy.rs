//! The facts the data-protection pack (`domain::dpia`) is written from: each survey's newest
//! wave and its settings (open waves first), whether people were invited by email or answered
//! in panel sessions, and how many responses and staff accounts the partnership holds.

use diesel::prelude::*;

use super::StoreResult;
use crate::db::schema::{accounts, contacts, panel_sessions, response_counts, survey_series, waves};
use crate::db::{DbConnection, PartnershipId, WaveId};
use crate::domain::SurveyDefinition;
use crate::domain::dpia::SurveyFacts;

/// Each survey of `partnership` (its newest wave: the open one if any), with
/// `default_keep_days` for waves that set no period of their own. A wave whose stored
/// definition no longer reads is left out.
pub fn surveys(
    conn: &mut DbConnection,
    partnership: &PartnershipId,
    default_keep_days: i64,
    max_graphemes: usize,
) -> StoreResult<Vec<SurveyFacts>> {
    type Row = (String, String, WaveId, String, String, String, String);
    let rows: Vec<Row> = waves::table
        .inner_join(survey_series::table)
        .filter(survey_series::partnership_id.eq(partnership))
        .order((survey_series::title.asc(), survey_series::id.asc(), waves::created_at.desc(), waves::slug.desc()))
        .select((
            survey_series::id,
            survey_series::title,
            waves::id,
            waves::slug,
            waves::status,
            waves::definition,
            survey_series::slug,
        ))
        .load(conn)?;
    let mut out = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        let series = &rows[i].0;
        let end = rows[i..].iter().position(|r| &r.0 != series).map_or(rows.len(), |n| i + n);
        let group = &rows[i..end];
        i = end;
        let Some((_, title, wave_id, slug, _, text, series_slug)) =
            group.iter().find(|r| r.4 == "open").or_else(|| group.first())
        else {
            continue;
        };
        let Ok(def) = SurveyDefinition::stored(slug, text, max_graphemes) else { continue };
        let invited: i64 = contacts::table.filter(contacts::wave_id.eq(wave_id)).count().get_result(conn)?;
        let panels: i64 = panel_sessions::table.filter(panel_sessions::wave_id.eq(wave_id)).count().get_result(conn)?;
        out.push(SurveyFacts {
            slug: series_slug.clone(),
            title: title.clone(),
            wave: def.wave.label.clone(),
            audiences: def.audiences.iter().map(|a| a.name.clone()).collect(),
            free_text: def.questions.iter().any(|q| q.kind.is_text()),
            say_or_show: def.questions.iter().any(|q| q.kind == crate::domain::survey::QuestionKind::SayOrShow),
            keep_days: def.wave.keep_free_text_days.map_or(default_keep_days, i64::from),
            invitations: invited > 0,
            panels: panels > 0,
        });
    }
    Ok(out)
}

/// How many responses and staff accounts the partnership holds.
pub fn sizes(conn: &mut DbConnection, partnership: &PartnershipId) -> StoreResult<(i64, i64)> {
    let theirs = waves::table
        .inner_join(survey_series::table)
        .filter(survey_series::partnership_id.eq(partnership))
        .select(waves::id);
    let per_audience: Vec<i64> = response_counts::table
        .filter(response_counts::wave_id.eq_any(theirs))
        .select(response_counts::responses)
        .load(conn)?;
    let staff: i64 = accounts::table.filter(accounts::partnership_id.eq(partnership)).count().get_result(conn)?;
    Ok((per_audience.iter().sum(), staff))
}
