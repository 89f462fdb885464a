//! Evidence packs: the suggested BRAG rating for a priority, staff overrides with their
//! notes, and each priority's top themes.
//!
//! The suggested rating, from the verdicts of the priority's questions (one audience or all
//! together, one pair of waves):
//! - **No rating**: no question could be compared (too few answers, or none asked).
//! - **Red**: at least one question declined and none improved.
//! - **Blue**: at least one improved, none declined or possibly fell, and every compared
//!   question is at 80% positive or more in the later year (embedded).
//! - **Green**: at least one improved, and none declined or possibly fell.
//! - **Amber**: anything else: mixed results, only possible changes, or no clear change.
//!
//! Staff may set their own rating with a note; the pack shows both.

use diesel::prelude::*;
use serde::Serialize;

use super::StoreResult;
use crate::db::schema::brag_overrides;
use crate::db::{DbConnection, now};
use crate::stats::compare::{QuestionResult, Verdict};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Brag {
    Blue,
    Red,
    Amber,
    Green,
    None,
}

impl Brag {
    pub fn as_str(self) -> &'static str {
        match self {
            Brag::Blue => "Blue",
            Brag::Red => "Red",
            Brag::Amber => "Amber",
            Brag::Green => "Green",
            Brag::None => "No rating",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "blue" => Some(Brag::Blue),
            "red" => Some(Brag::Red),
            "amber" => Some(Brag::Amber),
            "green" => Some(Brag::Green),
            _ => None,
        }
    }

    pub fn meaning(self) -> &'static str {
        match self {
            Brag::Blue => "Done and embedded: improved, and 80% or more positive on every question.",
            Brag::Green => "On track: at least one clear improvement and no fall.",
            Brag::Amber => "Some progress or mixed: no clear improvement yet, or rises and falls together.",
            Brag::Red => "Off track: at least one clear fall and no clear improvement.",
            Brag::None => "Not enough answers to compare.",
        }
    }
}

/// The rule above, applied to a priority's questions.
pub fn suggest(questions: &[&QuestionResult], later_year: &str) -> Brag {
    let compared: Vec<&&QuestionResult> = questions.iter().filter(|q| q.comparable).collect();
    if compared.is_empty() {
        return Brag::None;
    }
    let has = |v: Verdict| compared.iter().any(|q| q.verdict == v);
    let improved = has(Verdict::Improved);
    let declined = has(Verdict::Declined);
    let possibly_fell = has(Verdict::PossibleDecrease);
    if declined && !improved {
        return Brag::Red;
    }
    if improved && !declined && !possibly_fell {
        let embedded = compared.iter().all(|q| q.years.get(later_year).and_then(|y| y.share).is_some_and(|s| s >= 0.8));
        return if embedded { Brag::Blue } else { Brag::Green };
    }
    Brag::Amber
}

/// A staff rating.
#[derive(Debug, Clone, Serialize)]
pub struct Override {
    pub priority_code: String,
    pub rating: String,
    pub note: String,
    pub set_by: String,
    pub set_at: String,
}

pub fn overrides(
    conn: &mut DbConnection,
    series_id: &str,
    from: &str,
    to: &str,
    audience: &str,
) -> StoreResult<Vec<Override>> {
    let rows: Vec<(String, String, String, String, chrono::NaiveDateTime)> = brag_overrides::table
        .filter(brag_overrides::series_id.eq(series_id))
        .filter(brag_overrides::from_wave.eq(from))
        .filter(brag_overrides::to_wave.eq(to))
        .filter(brag_overrides::audience.eq(audience))
        .select((
            brag_overrides::priority_code,
            brag_overrides::rating,
            brag_overrides::note,
            brag_overrides::set_by,
            brag_overrides::set_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(priority_code, rating, note, set_by, at)| Override {
            priority_code,
            rating,
            note,
            set_by,
            set_at: at.format("%Y-%m-%d").to_string(),
        })
        .collect())
}

/// Sets (or, with `rating` None, removes) a staff rating.
#[allow(clippy::too_many_arguments)]
pub fn set_override(
    conn: &mut DbConnection,
    series_id: &str,
    from: &str,
    to: &str,
    audience: &str,
    priority_code: &str,
    rating: Option<Brag>,
    note: &str,
    by: &str,
) -> StoreResult<()> {
    conn.write(|c| -> StoreResult<()> {
        diesel::delete(
            brag_overrides::table
                .filter(brag_overrides::series_id.eq(series_id))
                .filter(brag_overrides::from_wave.eq(from))
                .filter(brag_overrides::to_wave.eq(to))
                .filter(brag_overrides::audience.eq(audience))
                .filter(brag_overrides::priority_code.eq(priority_code)),
        )
        .execute(c)?;
        if let Some(r) = rating {
            diesel::insert_into(brag_overrides::table)
                .values((
                    brag_overrides::series_id.eq(series_id),
                    brag_overrides::from_wave.eq(from),
                    brag_overrides::to_wave.eq(to),
                    brag_overrides::audience.eq(audience),
                    brag_overrides::priority_code.eq(priority_code),
                    brag_overrides::rating.eq(r.as_str()),
                    brag_overrides::note.eq(note),
                    brag_overrides::set_by.eq(by),
                    brag_overrides::set_at.eq(now()),
                ))
                .execute(c)?;
        }
        Ok(())
    })
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::stats::compare::{QuestionResult, YearResult};
    use std::collections::BTreeMap;

    fn q(verdict: Verdict, later_share: f64) -> QuestionResult {
        let year = |s: f64| YearResult {
            n_valid: 100,
            n_excluded: 0,
            positive: (s * 100.0) as u64,
            negative: 0,
            share: Some(s),
            wilson_low: None,
            wilson_high: None,
            net_score: None,
            mean_score: None,
            display_pct: None,
            suppressed: false,
            low_base: false,
            small_cells: vec![],
            withheld: false,
        };
        let mut years = BTreeMap::new();
        years.insert("2023".to_owned(), year(0.5));
        years.insert("2024".to_owned(), year(later_share));
        QuestionResult {
            id: "q".into(),
            text: None,
            priority: None,
            value: None,
            years,
            both_answered: true,
            comparable: !matches!(verdict, Verdict::TooFew | Verdict::NoData),
            diff: None,
            diff_points_display: None,
            newcombe_low: None,
            newcombe_high: None,
            newcombe_excludes_zero: None,
            z_stat: None,
            z_p: None,
            z_undefined_reason: None,
            fisher_p: None,
            chi2_stat: None,
            chi2_dof: None,
            chi2_p: None,
            chi2_min_expected: None,
            chi2_low_expected: None,
            chi2_options_used: vec![],
            in_family: true,
            paired: None,
            p_holm: None,
            p_bh: None,
            verdict,
            sentence: String::new(),
            input: None,
        }
    }

    #[test]
    fn the_rule() {
        use Verdict::*;
        let rate = |qs: &[QuestionResult]| suggest(&qs.iter().collect::<Vec<_>>(), "2024");
        assert_eq!(rate(&[]), Brag::None);
        assert_eq!(rate(&[q(TooFew, 0.5)]), Brag::None);
        assert_eq!(rate(&[q(Declined, 0.4), q(NoClearChange, 0.5)]), Brag::Red);
        assert_eq!(rate(&[q(Improved, 0.6), q(NoClearChange, 0.5)]), Brag::Green);
        assert_eq!(rate(&[q(Improved, 0.85), q(NoChange, 0.9)]), Brag::Blue);
        assert_eq!(rate(&[q(Improved, 0.85), q(NoClearChange, 0.7)]), Brag::Green);
        assert_eq!(rate(&[q(Improved, 0.6), q(Declined, 0.4)]), Brag::Amber);
        assert_eq!(rate(&[q(Improved, 0.6), q(PossibleDecrease, 0.4)]), Brag::Amber);
        assert_eq!(rate(&[q(PossibleIncrease, 0.6)]), Brag::Amber);
        assert_eq!(rate(&[q(NoClearChange, 0.6)]), Brag::Amber);
    }
}

/// What the partnership's own survey says about one outcome statement, for a review.
#[derive(Debug, Clone, Default)]
pub struct OutcomeSurvey {
    /// The two waves compared (earlier, later).
    pub years: (String, String),
    /// Each question tagged to the outcome statement: the method's verdict and its sentence.
    pub questions: Vec<(Verdict, String)>,
    /// Up to two approved quotes (consented, redacted) answering those questions.
    pub quotes: Vec<String>,
}

/// The survey evidence for every outcome statement, by its code, as it stood on `on` (a
/// review's day): the series staff work on, its two latest closed waves with responses by
/// then (a wave counts once its first response came in) compared for everyone together (the comparison
/// method, as on the comparison page), each compared question placed under the outcome
/// statements it is tagged with in the later wave; and the approved quotes of the later wave
/// answering those questions. Empty when the series has fewer than two waves with answers.
pub fn survey_by_outcome(
    conn: &mut DbConnection,
    partnership: &crate::db::PartnershipId,
    settings: &crate::stats::Settings,
    max_text: usize,
    on: chrono::NaiveDate,
) -> StoreResult<std::collections::BTreeMap<String, OutcomeSurvey>> {
    use crate::db::schema::{quotes, responses, waves};
    let mut out: std::collections::BTreeMap<String, OutcomeSurvey> = std::collections::BTreeMap::new();
    let Some(current) = super::account::current_wave(conn, partnership)? else { return Ok(out) };
    let Some(series) = super::survey::series_waves(conn, &current.series_slug)? else { return Ok(out) };
    let mut answered: Vec<&super::survey::WaveListing> = Vec::new();
    // Closed waves only: an open one is still collecting, and its few first answers would
    // say nothing yet.
    for w in series.waves.iter().filter(|w| w.responses > 0 && w.status == "closed") {
        // The first response, by the (wave, day sent) index: one row read per wave.
        let first: Option<chrono::NaiveDateTime> = responses::table
            .inner_join(waves::table)
            .filter(waves::slug.eq(&w.slug))
            .select(responses::submitted_at)
            .order(responses::submitted_at.asc())
            .first(conn)
            .optional()?;
        if first.is_some_and(|t| t.date() <= on) {
            answered.push(w);
        }
    }
    let [.., from, to] = answered.as_slice() else { return Ok(out) };
    let req = super::comparison::CompareRequest {
        series: series.slug.clone(),
        from: from.slug.clone(),
        to: to.slug.clone(),
        audience: None,
        settings: settings.clone(),
        max_text,
        filter: crate::domain::filter::Filter::default(),
    };
    let result = super::comparison::compare_waves(conn, &req)?;
    let def = super::survey::get(conn, &to.slug, max_text)?.definition;
    let years = (from.label.clone(), to.label.clone());
    let codes_of = |key: &str| def.question(key).map(|q| q.outcomes.clone()).unwrap_or_default();
    if let Some(case) = result.cases.iter().find(|c| c.id == "all-audiences") {
        for q in &case.questions {
            for code in codes_of(&q.id) {
                let e = out.entry(code).or_insert_with(|| OutcomeSurvey { years: years.clone(), ..Default::default() });
                e.questions.push((q.verdict, q.sentence.clone()));
            }
        }
    }
    let approved: Vec<(String, String)> = quotes::table
        .inner_join(responses::table.inner_join(waves::table))
        .filter(waves::slug.eq(&to.slug))
        .filter(quotes::status.eq("approved"))
        .order(quotes::approved_at.desc())
        .select((quotes::question_key, quotes::redacted))
        .load(conn)?;
    for (key, words) in approved {
        for code in codes_of(&key) {
            let e = out.entry(code).or_insert_with(|| OutcomeSurvey { years: years.clone(), ..Default::default() });
            if e.quotes.len() < 2 {
                e.quotes.push(words.clone());
            }
        }
    }
    Ok(out)
}
