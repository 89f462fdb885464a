//! The year-on-year comparison as people read it: one row per question and per index with
//! both years' figures, the change, its likely range and a plain sentence; the summary line;
//! and the evidence pack's content per priority. Built from `stats::compare` results, with no
//! database and no HTTP, and shared by the staff pages (`routes::reports`) and the files
//! (`exports::evidence`), so a page and its download cannot disagree.

use serde::Serialize;

use crate::charts::{Bar, share_bars};
use crate::stats::compare::{CaseResult, CompositeResult, QuestionResult, Verdict};

/// How a verdict looks beside its word: an arrow and a colour (`class`), never instead of it.
pub fn verdict_mark(v: Verdict) -> (&'static str, &'static str) {
    match v {
        Verdict::Improved => ("▲", "up"),
        Verdict::PossibleIncrease => ("△", "maybe-up"),
        Verdict::Declined => ("▼", "down"),
        Verdict::PossibleDecrease => ("▽", "maybe-down"),
        Verdict::NoClearChange | Verdict::NoChange => ("=", "same"),
        Verdict::TooFew | Verdict::NoData => ("–", "none"),
    }
}

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

/// What a year's figure says when a filtered comparison withholds it (see
/// `models::comparison`): hidden so a smaller group cannot be worked out by subtraction.
pub const WITHHELD: &str = "withheld";

/// Whether any year of the comparison is withheld (the page then says what that means).
pub fn any_withheld(case: &CaseResult) -> bool {
    case.questions.iter().any(|q| q.years.values().any(|y| y.withheld))
        || case.composites.iter().flatten().any(|c| c.years.values().any(|y| y.withheld))
}

#[derive(Serialize, Clone)]
pub struct YearCell {
    pub label: String,
    pub pct: String,
    /// The base (0 when the year's figures are withheld).
    pub n: u64,
    pub range: String,
    /// Withheld under a filter (see [`WITHHELD`]): the base is not shown either.
    pub withheld: bool,
}

#[derive(Serialize, Clone)]
pub struct QuestionRow {
    pub id: String,
    pub text: String,
    pub years: Vec<YearCell>,
    pub change: String,
    pub range: String,
    pub verdict: &'static str,
    /// The verdict's arrow and colour class (see [`verdict_mark`]).
    pub verdict_arrow: &'static str,
    pub verdict_class: &'static str,
    pub sentence: String,
    /// Said when the rounded years seem to disagree with the rounded change (40% to 54%, a
    /// change of 13 points): the change is worked out before rounding, as official statistics
    /// say in a footnote.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub footnote: Option<String>,
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

/// A share or change in whole percentage points, rounded half away from zero, never "−0".
fn whole(x: f64) -> i64 {
    // `as` saturates and maps −0.0 to 0, so a change that rounds to nothing reads "0".
    (x * 100.0).round() as i64
}

fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{}%", whole(x))).unwrap_or_else(|| "–".into())
}

/// A signed change in points: "+3", "−2" (a true minus sign) or "0".
fn signed(p: i64) -> String {
    match p {
        p if p > 0 => format!("+{p}"),
        p if p < 0 => format!("−{}", p.unsigned_abs()),
        _ => "0".into(),
    }
}

fn points(v: Option<f64>) -> String {
    v.map(|x| signed(whole(x))).unwrap_or_else(|| "–".into())
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
                pct: if r.withheld {
                    WITHHELD.into()
                } else if r.suppressed {
                    "too few".into()
                } else {
                    r.display_pct.map(|p| format!("{p}%")).unwrap_or_else(|| pct(r.share))
                },
                n: r.n_valid,
                withheld: r.withheld,
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
    let shown: Vec<Option<i64>> = case.years.iter().map(|y| q.years[y].display_pct).collect();
    let footnote = match (shown.first().copied().flatten(), shown.last().copied().flatten(), q.diff_points_display) {
        (Some(a), Some(b), Some(d)) if b - a != d => Some(format!(
            "The change ({} points) is worked out from the figures before rounding, so it can differ by a point from {b}% less {a}%.",
            signed(d)
        )),
        _ => None,
    };
    let (verdict_arrow, verdict_class) = verdict_mark(q.verdict);
    QuestionRow {
        id: q.id.clone(),
        text,
        years,
        change: q.diff_points_display.map(|d| format!("{} points", signed(d))).unwrap_or_else(|| "–".into()),
        range: match (q.newcombe_low, q.newcombe_high) {
            (Some(l), Some(h)) => format!("{} to {} points", points(Some(l)), points(Some(h))),
            _ => String::new(),
        },
        verdict: verdict_words(q.verdict),
        verdict_arrow,
        verdict_class,
        sentence: q.sentence.clone(),
        footnote,
        chart,
    }
}

/// An index's verdict, as its sentence on the comparison page says it: a change bigger than
/// chance would usually produce (Welch's test, p < 0.05) or not.
pub fn index_verdict(c: &CompositeResult) -> Verdict {
    match (c.diff, c.welch_p) {
        (Some(d), Some(p)) if p < 0.05 && d > 0.0 => Verdict::Improved,
        (Some(d), Some(p)) if p < 0.05 && d < 0.0 => Verdict::Declined,
        (Some(_), Some(_)) => Verdict::NoClearChange,
        _ => Verdict::TooFew,
    }
}

/// A priority or value index's row, with its sentence.
pub fn index_row(case: &CaseResult, c: &CompositeResult) -> IndexRow {
    let years = case
        .years
        .iter()
        .map(|y| {
            let r = &c.years[y];
            if r.withheld {
                return YearCell { label: y.clone(), pct: WITHHELD.into(), n: 0, range: String::new(), withheld: true };
            }
            YearCell {
                label: y.clone(),
                pct: pct(r.index),
                n: r.n_respondents,
                range: format!("{} to {}", pct(r.ci_low), pct(r.ci_high)),
                withheld: false,
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

/// "3 improved, 1 possible increase, 8 no clear change, 1 declined (Do adults listen to
/// you?), 2 too few": what declined (or may have) is named.
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
            let these: Vec<&QuestionResult> = case.questions.iter().filter(|q| q.verdict == *v).collect();
            let n = these.len();
            // What got worse is named, so a board does not have to hunt for it.
            let named = matches!(v, Verdict::Declined | Verdict::PossibleDecrease).then(|| {
                let names: Vec<&str> =
                    these.iter().map(|q| q.text.as_ref().and_then(|t| t.as_str()).unwrap_or(&q.id)).collect();
                format!(" ({})", names.join("; "))
            });
            (n > 0).then(|| format!("{n} {words}{}", named.unwrap_or_default()))
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

/// One line of the board's one-page summary: a priority, its rating (in words, and as a
/// colour class beside them), and what changed most in its questions.
#[derive(Serialize)]
pub struct BoardRow {
    pub code: String,
    pub title: String,
    pub rating: String,
    pub rating_class: String,
    /// The rating was set by staff (with a note), not suggested.
    pub by_staff: bool,
    /// Declines first, then improvements, then the possible ones, each with its change.
    pub changes: Vec<String>,
}

/// The summary line of one priority.
pub fn board_row(p: &EvidencePriority) -> BoardRow {
    let rating = p.staff.as_ref().map_or(p.suggested, |s| s.rating.as_str()).to_owned();
    let mut changes = Vec::new();
    for wanted in ["Declined", "Improved", "Possible decrease", "Possible increase"] {
        for q in p.questions.iter().filter(|q| q.verdict == wanted) {
            changes.push(format!("{}: {} ({})", q.verdict, q.text, q.change));
        }
    }
    BoardRow {
        code: p.code.clone(),
        title: p.title.clone(),
        rating_class: format!("brag-{}", rating.to_lowercase().replace(|c: char| !c.is_ascii_alphanumeric(), "-")),
        rating,
        by_staff: p.staff.is_some(),
        changes,
    }
}

/// The evidence pack: the same content on the page, in the JSON API and in the Word and CSV files.
#[derive(Serialize)]
pub struct EvidenceData {
    pub partnership: String,
    pub series: String,
    pub years: Vec<String>,
    pub audience: String,
    pub summary: String,
    /// The one-page summary for a board, first in the page and the Word file.
    pub board: Vec<BoardRow>,
    pub priorities: Vec<EvidencePriority>,
    pub rule: Vec<(String, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_never_read_minus_zero() {
        assert_eq!(points(Some(-0.004)), "0");
        assert_eq!(points(Some(0.004)), "0");
        assert_eq!(points(Some(-0.0)), "0");
        assert_eq!(points(Some(-0.026)), "−3");
        assert_eq!(points(Some(0.135)), "+14");
        assert_eq!(pct(Some(0.4049)), "40%");
        assert_eq!(signed(0), "0");
        assert_eq!(signed(-1), "−1");
    }

    #[test]
    fn every_verdict_has_an_arrow_and_a_colour() {
        for v in [
            Verdict::Improved,
            Verdict::Declined,
            Verdict::PossibleIncrease,
            Verdict::PossibleDecrease,
            Verdict::NoClearChange,
            Verdict::NoChange,
            Verdict::TooFew,
            Verdict::NoData,
        ] {
            let (arrow, class) = verdict_mark(v);
            assert!(!arrow.is_empty() && !class.is_empty());
        }
        assert_ne!(verdict_mark(Verdict::Improved), verdict_mark(Verdict::Declined));
        assert_ne!(verdict_mark(Verdict::Improved), verdict_mark(Verdict::PossibleIncrease));
    }
}
