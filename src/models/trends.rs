//! Trends across every wave of a series: for each question key and each priority and value
//! index, its figure in every wave that asked it (with the likely range), the verdict between
//! each pair of consecutive waves, and between the first wave that asked it and the last.
//!
//! Every verdict is the comparison method's own (`compare_waves`), so a trend and the
//! two-year comparison page can never disagree. **Families**: each comparison of two waves
//! is one family for the multiple-comparison adjustment, exactly as on the comparison page
//! (the questions and indices compared between those two waves); the first-to-last
//! comparison is a family of its own. A question absent from a wave has no point there: the
//! chart leaves a gap and the table says "not asked", and no line is drawn across it.

use crate::domain::filter::Filter;
use std::collections::BTreeMap;

use super::StoreResult;
use super::comparison::{CompareRequest, Waves, compare_waves_reusing};
use crate::db::DbConnection;
use crate::stats::Settings;
use crate::stats::compare::{CaseResult, Verdict};

/// One wave's figure for a row.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Point {
    /// The share positive (questions) or the index (0–1).
    pub value: f64,
    pub low: f64,
    pub high: f64,
    /// Valid answers (questions) or respondents (indices).
    pub n: u64,
}

/// What a row has in one wave.
#[derive(Debug, Clone, serde::Serialize)]
pub enum Slot {
    /// The wave did not ask it.
    NotAsked,
    /// Asked, but too few answered for a figure.
    TooFew {
        n: u64,
    },
    /// Withheld under a filter, so a smaller group cannot be worked out by subtraction.
    Withheld,
    Shown(Point),
}

/// One question key or index over the series.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TrendRow {
    pub id: String,
    pub title: String,
    /// `question`, `priority` or `value`.
    pub kind: &'static str,
    pub priorities: Vec<String>,
    pub values: Vec<String>,
    pub outcomes: Vec<String>,
    /// One per wave, in order.
    pub slots: Vec<Slot>,
    /// Between wave i and i + 1 (`None`: one of them did not ask it).
    pub steps: Vec<Option<Verdict>>,
    /// Between the first and the last wave that asked it, when those are not neighbours.
    pub overall: Option<(usize, usize, Verdict)>,
}

/// A series' trends.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Trends {
    pub title: String,
    /// (slug, label) per wave, oldest first.
    pub waves: Vec<(String, String)>,
    pub rows: Vec<TrendRow>,
}

/// A question's title and tags: (title, priorities, values, outcomes).
type About = (String, Vec<String>, Vec<String>, Vec<String>);

fn case_for<'a>(cases: &'a [CaseResult], audience: Option<&str>) -> Option<&'a CaseResult> {
    let id = audience.unwrap_or("all-audiences");
    cases.iter().find(|c| c.id == id)
}

/// The trends of `series` for one audience (`None`: everyone together), among the people
/// `filter` chooses in every wave (its channel, days and single-choice answer; see
/// `comparison::CompareRequest::filter`). Waves with no responses are left out.
pub fn series_trends(
    conn: &mut DbConnection,
    series: &str,
    audience: Option<&str>,
    filter: &Filter,
    settings: &Settings,
    max_text: usize,
) -> StoreResult<Option<Trends>> {
    let Some(s) = super::survey::series_waves(conn, series)? else { return Ok(None) };
    let waves: Vec<(String, String)> =
        s.waves.iter().filter(|w| w.responses > 0).map(|w| (w.slug.clone(), w.label.clone())).collect();
    let mut out = Trends { title: s.title.clone(), waves: waves.clone(), rows: Vec::new() };
    if waves.len() < 2 {
        return Ok(Some(out));
    }
    // Each wave is read once, though it takes part in two comparisons (three for the first
    // and the last).
    let mut read = Waves::default();
    let mut compare = |conn: &mut DbConnection, i: usize, j: usize| -> StoreResult<Option<CaseResult>> {
        let req = CompareRequest {
            series: series.to_owned(),
            from: waves[i].0.clone(),
            to: waves[j].0.clone(),
            audience: audience.map(str::to_owned),
            settings: settings.clone(),
            max_text,
            filter: filter.clone(),
        };
        let result = compare_waves_reusing(conn, &req, &mut read)?;
        Ok(case_for(&result.cases, audience).cloned())
    };
    let mut steps: Vec<Option<CaseResult>> = Vec::new();
    for i in 0..waves.len() - 1 {
        steps.push(compare(conn, i, i + 1)?);
    }
    // Which waves asked each question key (any one-answer question the method compares).
    let mut asked: BTreeMap<String, Vec<bool>> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    // key → (title, priorities, values, outcomes), from the latest wave that asked it.
    let mut about: BTreeMap<String, About> = BTreeMap::new();
    for (i, (slug, _)) in waves.iter().enumerate() {
        let def = super::survey::get(conn, slug, max_text)?.definition;
        for q in def.questions.iter().filter(|q| crate::domain::filter::is_one_answer(q.kind)) {
            if audience.is_some_and(|a| !q.is_for(a)) {
                continue;
            }
            let key = q.key.to_string();
            if !order.contains(&key) {
                order.push(key.clone());
            }
            asked.entry(key.clone()).or_insert_with(|| vec![false; waves.len()])[i] = true;
            let first = audience.map_or_else(|| q.audiences.first().cloned().unwrap_or_default(), str::to_owned);
            let title = q.wording(&first).map_or_else(|| key.clone(), |w| w.title.clone());
            about.insert(key, (title, q.priorities.clone(), q.values.clone(), q.outcomes.clone()));
        }
    }
    // Each wave's own figures come from a comparison it is part of.
    let year_of = |i: usize| -> Option<(&CaseResult, String)> {
        let case = if i == 0 { steps.first()?.as_ref()? } else { steps.get(i - 1)?.as_ref()? };
        let year = if i == 0 { case.years.first()? } else { case.years.last()? };
        Some((case, year.clone()))
    };
    for key in &order {
        let Some(asked_in) = asked.get(key) else { continue };
        let Some((title, priorities, values, outcomes)) = about.get(key).cloned() else { continue };
        let slots: Vec<Slot> = (0..waves.len())
            .map(|i| {
                if !asked_in[i] {
                    return Slot::NotAsked;
                }
                let found = year_of(i).and_then(|(case, year)| {
                    let q = case.questions.iter().find(|q| q.id == *key)?;
                    q.years.get(&year).cloned()
                });
                match found {
                    Some(y) if y.withheld => Slot::Withheld,
                    Some(y) => match (y.share, y.wilson_low, y.wilson_high) {
                        (Some(v), Some(l), Some(h)) if !y.suppressed && !y.low_base => {
                            Slot::Shown(Point { value: v, low: l, high: h, n: y.n_valid })
                        }
                        _ => Slot::TooFew { n: y.n_valid },
                    },
                    None => Slot::TooFew { n: 0 },
                }
            })
            .collect();
        let step_verdicts = (0..waves.len() - 1)
            .map(|i| {
                if !(asked_in[i] && asked_in[i + 1]) {
                    return None;
                }
                let case = steps[i].as_ref()?;
                case.questions.iter().find(|q| q.id == *key).map(|q| q.verdict)
            })
            .collect();
        out.rows.push(TrendRow {
            id: key.clone(),
            title,
            kind: "question",
            priorities,
            values,
            outcomes,
            slots,
            steps: step_verdicts,
            overall: None,
        });
    }
    // Indices: the composites of each step's comparison.
    let mut index_ids: Vec<(String, String)> = Vec::new();
    for case in steps.iter().flatten() {
        for c in case.composites.iter().flatten() {
            if !index_ids.iter().any(|(id, _)| *id == c.id) {
                index_ids.push((c.id.clone(), c.label.clone()));
            }
        }
    }
    for (id, label) in index_ids {
        let composite_in = |case: &CaseResult| case.composites.iter().flatten().find(|c| c.id == id).cloned();
        let slots = (0..waves.len())
            .map(|i| {
                let Some((case, year)) = year_of(i) else { return Slot::NotAsked };
                let Some(c) = composite_in(case) else { return Slot::NotAsked };
                match c.years.get(&year) {
                    Some(y) if y.withheld => Slot::Withheld,
                    Some(y) => match (y.index, y.ci_low, y.ci_high) {
                        (Some(v), Some(l), Some(h)) => {
                            Slot::Shown(Point { value: v, low: l, high: h, n: y.n_respondents })
                        }
                        _ if y.n_respondents == 0 => Slot::NotAsked,
                        _ => Slot::TooFew { n: y.n_respondents },
                    },
                    None => Slot::NotAsked,
                }
            })
            .collect::<Vec<_>>();
        let steps_v = (0..waves.len() - 1)
            .map(|i| steps[i].as_ref().and_then(composite_in).map(|c| crate::report::index_verdict(&c)))
            .collect();
        let (kind, code) = id.split_once(':').unwrap_or(("priority", id.as_str()));
        out.rows.push(TrendRow {
            id: id.clone(),
            title: label,
            kind: if kind == "value" { "value" } else { "priority" },
            priorities: if kind == "priority" { vec![code.to_owned()] } else { Vec::new() },
            values: if kind == "value" { vec![code.to_owned()] } else { Vec::new() },
            outcomes: Vec::new(),
            slots,
            steps: steps_v,
            overall: None,
        });
    }
    // First to last: one more comparison per pair of ends that are not neighbours.
    let mut ends: BTreeMap<(usize, usize), Option<CaseResult>> = BTreeMap::new();
    for row in &mut out.rows {
        let shown: Vec<usize> =
            row.slots.iter().enumerate().filter(|(_, s)| !matches!(s, Slot::NotAsked)).map(|(i, _)| i).collect();
        let (Some(&first), Some(&last)) = (shown.first(), shown.last()) else { continue };
        if last <= first + 1 {
            continue;
        }
        if let std::collections::btree_map::Entry::Vacant(e) = ends.entry((first, last)) {
            e.insert(compare(conn, first, last)?);
        }
        let Some(Some(case)) = ends.get(&(first, last)) else { continue };
        let verdict = if row.kind == "question" {
            case.questions.iter().find(|q| q.id == row.id).map(|q| q.verdict)
        } else {
            case.composites.iter().flatten().find(|c| c.id == row.id).map(crate::report::index_verdict)
        };
        row.overall = verdict.map(|v| (first, last, v));
    }
    Ok(Some(out))
}
