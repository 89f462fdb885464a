//! The year-on-year comparison as people read it: one row per question and per index with
//! both years' figures, the change, its likely range and a plain sentence; the summary line;
//! and the evidence pack's content per priority. Built from `stats::compare` results, with no
//! database and no HTTP, and shared by the staff pages (`routes::reports`) and the files
//! (`exports::evidence`), so a page and its download cannot disagree.

use serde::Serialize;

use crate::charts::{Bar, share_bars};
use crate::stats::compare::{CaseResult, CompositeResult, QuestionResult, Verdict};

/// The words for a verdict, as the pages and files show it.
pub fn verdict_words(v: Verdict) -> &'static str {
    match v {
        Verdict::Improved => "Improved",
        Verdict::Declined => "Declined",
        Verdict::PossibleIncrease => "Possible increase",
        Verdict::PossibleDecrease => "Possible decrease",
        Verdict::NoClearChange => "No clear change",
        Verdict::NoChange => "No change",
        Verdict::TooFew => "Too few answers",
        Verdict::NoData => "No data",
    }
}

#[derive(Serialize, Clone)]
pub struct YearCell {
    pub label: String,
    pub pct: String,
    pub n: u64,
    pub range: String,
}

#[derive(Serialize, Clone)]
pub struct QuestionRow {
    pub id: String,
    pub text: String,
    pub years: Vec<YearCell>,
    pub change: String,
    pub range: String,
    pub verdict: &'static str,
    pub sentence: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chart: Option<String>,
}

#[derive(Serialize, Clone)]
pub struct IndexRow {
    pub label: String,
    pub years: Vec<YearCell>,
    pub change: String,
    pub range: String,
    pub sentence: String,
}

fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{}%", (x * 100.0).round())).unwrap_or_else(|| "–".into())
}

fn points(v: Option<f64>) -> String {
    v.map(|x| {
        let p = (x * 100.0).round();
        if p > 0.0 { format!("+{p}") } else { format!("{p}") }
    })
    .unwrap_or_else(|| "–".into())
}

/// A question's row: each year's share, base and range, the change and the verdict.
pub fn question_row(case: &CaseResult, q: &QuestionResult) -> QuestionRow {
    let years: Vec<YearCell> = case
        .years
        .iter()
        .map(|y| {
            let r = &q.years[y];
            YearCell {
                label: y.clone(),
                pct: if r.suppressed { "too few".into() } else { pct(r.share) },
                n: r.n_valid,
                range: if r.suppressed {
                    String::new()
                } else {
                    format!("{} to {}", pct(r.wilson_low), pct(r.wilson_high))
                },
            }
        })
        .collect();
    let chart = q.comparable.then(|| {
        let bars: Vec<Bar> = case
            .years
            .iter()
            .map(|y| {
                let r = &q.years[y];
                Bar {
                    label: y.clone(),
                    share: r.share.unwrap_or(0.0),
                    low: r.wilson_low.unwrap_or(0.0),
                    high: r.wilson_high.unwrap_or(0.0),
                }
            })
            .collect();
        share_bars(&format!("chart-{}", q.id), &q.sentence, &bars)
    });
    let text = q.text.as_ref().and_then(|t| t.as_str()).unwrap_or(&q.id).to_owned();
    QuestionRow {
        id: q.id.clone(),
        text,
        years,
        change: q
            .diff_points_display
            .map(|d| if d > 0 { format!("+{d} points") } else { format!("{d} points") })
            .unwrap_or_else(|| "–".into()),
        range: match (q.newcombe_low, q.newcombe_high) {
            (Some(l), Some(h)) => format!("{} to {} points", points(Some(l)), points(Some(h))),
            _ => String::new(),
        },
        verdict: verdict_words(q.verdict),
        sentence: q.sentence.clone(),
        chart,
    }
}

/// A priority or value index's row, with its sentence.
pub fn index_row(case: &CaseResult, c: &CompositeResult) -> IndexRow {
    let years = case
        .years
        .iter()
        .map(|y| {
            let r = &c.years[y];
            YearCell {
                label: y.clone(),
                pct: pct(r.index),
                n: r.n_respondents,
                range: format!("{} to {}", pct(r.ci_low), pct(r.ci_high)),
            }
        })
        .collect();
    let sentence = match (c.diff, c.welch_p) {
        (Some(d), Some(p)) if p < 0.05 => format!(
            "On average, people's answers to these questions were {} points {} positive than in {}. This is bigger than chance would usually produce.",
            (d.abs() * 100.0).round(),
            if d > 0.0 { "more" } else { "less" },
            case.years[0]
        ),
        (Some(_), Some(_)) => "The average across these questions changed by less than chance could explain, so we cannot say it has changed.".into(),
        _ => "Not enough people answered these questions in both years to compare.".into(),
    };
    IndexRow {
        label: c.label.clone(),
        years,
        change: points(c.diff) + if c.diff.is_some() { " points" } else { "" },
        range: match (c.diff_ci_low, c.diff_ci_high) {
            (Some(l), Some(h)) => format!("{} to {} points", points(Some(l)), points(Some(h))),
            _ => String::new(),
        },
        sentence,
    }
}

/// "3 improved, 1 possible increase, 8 no clear change, 2 too few".
pub fn summary(case: &CaseResult) -> String {
    let order = [
        (Verdict::Improved, "improved"),
        (Verdict::PossibleIncrease, "possible increase"),
        (Verdict::NoClearChange, "no clear change"),
        (Verdict::NoChange, "no change"),
        (Verdict::PossibleDecrease, "possible decrease"),
        (Verdict::Declined, "declined"),
        (Verdict::TooFew, "too few"),
        (Verdict::NoData, "no data"),
    ];
    let parts: Vec<String> = order
        .iter()
        .filter_map(|(v, words)| {
            let n = case.questions.iter().filter(|q| q.verdict == *v).count();
            (n > 0).then(|| format!("{n} {words}"))
        })
        .collect();
    if parts.is_empty() { "No questions to compare.".into() } else { parts.join(", ") }
}

/// Whether a question is tagged with this priority (`field` = `"priority"`) or value.
pub fn tagged(q: &QuestionResult, field: &str, code: &str) -> bool {
    let v = if field == "priority" { &q.priority } else { &q.value };
    v.as_ref().and_then(|v| v.as_array()).is_some_and(|l| l.iter().any(|x| x == code))
}

/// A theme and how many coded answers it has.
#[derive(Serialize)]
pub struct ThemeCount {
    pub theme: String,
    pub answers: i64,
}

/// One priority of the evidence pack: its outcomes, index, questions, themes, quotes and rating.
#[derive(Serialize)]
pub struct EvidencePriority {
    pub code: String,
    pub title: String,
    pub outcomes: Vec<String>,
    pub index: Option<IndexRow>,
    pub questions: Vec<QuestionRow>,
    pub themes: Vec<ThemeCount>,
    pub quotes: Vec<crate::models::voices::BankQuote>,
    pub suggested: &'static str,
    pub suggested_meaning: &'static str,
    pub staff: Option<crate::models::evidence::Override>,
}

/// The evidence pack: the same content on the page, in the JSON API and in the Word and CSV files.
#[derive(Serialize)]
pub struct EvidenceData {
    pub partnership: String,
    pub series: String,
    pub years: Vec<String>,
    pub audience: String,
    pub summary: String,
    pub priorities: Vec<EvidencePriority>,
    pub rule: Vec<(String, String)>,
}
