//! Retention: free text is not kept for ever. Each wave keeps what people wrote in their own
//! words for `[wave] keep_free_text_days` after the response was sent (the deployment's
//! `HEARD_KEEP_FREE_TEXT_DAYS` when the wave does not say); after that a daily job deletes
//! it, in one transaction per wave, and records how much in the audit log.
//!
//! What goes: recordings and pictures given as answers, free-text answers (a text written beside a chosen option loses only the text),
//! quotes taken from those responses (redacted or not, approved or not), and paper forms'
//! typed copies. What stays: every chosen option, number and count, theme codings (so theme
//! counts and year-on-year comparisons are unchanged), and the response itself.

use diesel::prelude::*;

use super::StoreResult;
use crate::db::schema::{answers, paper_entries, quotes, responses, survey_series, waves};
use crate::db::{DbConnection, PartnershipId, WaveId, now};
use crate::domain::SurveyDefinition;

/// What one wave's pass deleted.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Deleted {
    pub wave: String,
    pub keep_days: i64,
    pub answers_deleted: usize,
    pub texts_cleared: usize,
    pub quotes_deleted: usize,
    pub paper_copies_deleted: usize,
    /// Recordings and pictures given as answers (say it or show it).
    pub files_deleted: usize,
}

/// Runs retention for every wave. `default_days` applies to waves that do not set their own.
pub fn run(conn: &mut DbConnection, default_days: i64, max_graphemes: usize) -> StoreResult<Vec<Deleted>> {
    let all: Vec<(WaveId, String, String, PartnershipId)> = waves::table
        .inner_join(survey_series::table)
        .select((waves::id, waves::slug, waves::definition, survey_series::partnership_id))
        .load(conn)?;
    let mut out = Vec::new();
    for (id, slug, text, partnership) in all {
        let days = SurveyDefinition::stored(&slug, &text, max_graphemes)
            .ok()
            .and_then(|d| d.wave.keep_free_text_days)
            .map_or(default_days, i64::from);
        let cutoff = now() - chrono::TimeDelta::days(days);
        let done = conn.write(|c| -> StoreResult<Deleted> {
            let old = responses::table
                .filter(responses::wave_id.eq(&id))
                .filter(responses::submitted_at.lt(cutoff))
                .select(responses::id);
            let answers_deleted = diesel::delete(
                answers::table
                    .filter(answers::response_id.eq_any(old))
                    .filter(answers::text_value.is_not_null())
                    .filter(answers::option_value.is_null())
                    .filter(answers::number_value.is_null()),
            )
            .execute(c)?;
            let texts_cleared = diesel::update(
                answers::table.filter(answers::response_id.eq_any(old)).filter(answers::text_value.is_not_null()),
            )
            .set(answers::text_value.eq(None::<String>))
            .execute(c)?;
            if answers_deleted + texts_cleared > 0 {
                super::aggregates::recount_questions(c, &id)?;
            }
            let quotes_deleted = diesel::delete(quotes::table.filter(quotes::response_id.eq_any(old))).execute(c)?;
            let paper_copies_deleted = diesel::delete(
                paper_entries::table
                    .filter(paper_entries::wave_id.eq(&id))
                    .filter(paper_entries::entered_at.lt(cutoff)),
            )
            .execute(c)?;
            let files_deleted = super::answer_files::delete_older(c, &id, cutoff)?;
            let d = Deleted {
                wave: slug.clone(),
                keep_days: days,
                answers_deleted,
                texts_cleared,
                quotes_deleted,
                paper_copies_deleted,
                files_deleted,
            };
            if answers_deleted + texts_cleared + quotes_deleted + paper_copies_deleted + files_deleted > 0 {
                super::audit::record(
                    c,
                    &super::audit::Actor::system("retention"),
                    Some(&partnership),
                    super::audit::Action::FreeTextDeleted,
                    &serde_json::json!({
                        "wave": slug,
                        "older_than_days": days,
                        "answers": answers_deleted,
                        "texts_beside_options": texts_cleared,
                        "quotes": quotes_deleted,
                        "paper_copies": paper_copies_deleted,
                        "recordings_and_pictures": files_deleted,
                    }),
                )?;
            }
            Ok(d)
        })?;
        out.push(done);
    }
    Ok(out)
}
