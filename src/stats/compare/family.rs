//! Across the report's family of questions: the adjusted p-values (Benjamini–Hochberg and
//! Holm), then each question's verdict and the sentence that says it.

use super::{Adjust, QuestionResult, Settings, Verdict, YearResult};

/// Benjamini–Hochberg adjusted p-values, in the input order.
pub fn adjust_bh(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut out = vec![0.0; m];
    let mut running = f64::INFINITY;
    for rank in (0..m).rev() {
        let i = order[rank];
        let raw = p[i] * m as f64 / (rank + 1) as f64;
        running = running.min(raw);
        // Never below the raw p-value (mathematically it is not; this keeps rounding honest).
        out[i] = running.min(1.0).max(p[i]);
    }
    out
}

/// Holm step-down adjusted p-values, in the input order.
pub fn adjust_holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut out = vec![0.0; m];
    let mut running = 0.0_f64;
    for (rank, &i) in order.iter().enumerate() {
        let raw = p[i] * (m - rank) as f64;
        running = running.max(raw);
        out[i] = running.min(1.0);
    }
    out
}

pub(super) fn sentence(
    v: Verdict,
    ya: &YearResult,
    yb: &YearResult,
    years: &[String],
    points: Option<i64>,
    s: &Settings,
) -> String {
    let (a, b) = (&years[0], &years[1]);
    let pct = |y: &YearResult| y.display_pct.unwrap_or(0);
    let dir = if points.unwrap_or(0) < 0 || (points == Some(0) && yb.share < ya.share) { "Down" } else { "Up" };
    let pts = points.unwrap_or(0).unsigned_abs();
    let unit = if pts == 1 { "percentage point" } else { "percentage points" };
    let mut text = match v {
        Verdict::NoData => {
            let missing: Vec<&str> =
                [(ya, a), (yb, b)].iter().filter(|(y, _)| y.n_valid == 0).map(|(_, l)| l.as_str()).collect();
            format!("Nobody answered this question in {}, so we cannot compare the two years.", missing.join(" or "))
        }
        Verdict::TooFew => {
            let pick = |want: &dyn Fn(&YearResult) -> bool| -> Vec<&str> {
                [(ya, a), (yb, b)].iter().filter(|(y, _)| want(y)).map(|(_, l)| l.as_str()).collect()
            };
            let (withheld, few) = (pick(&|y| y.withheld), pick(&|y| y.suppressed && !y.withheld));
            if withheld.is_empty() {
                format!(
                    "Fewer than {} people answered in {}, so we cannot compare the two years.",
                    s.suppress_below,
                    few.join(" and ")
                )
            } else {
                format!(
                    "The figures for {} are withheld under this filter, so that a smaller group's answers cannot be worked out by subtraction; we cannot compare the two years.",
                    withheld.join(" and ")
                )
            }
        }
        Verdict::NoChange => format!("{}% in both {a} and {b}.", pct(ya)),
        Verdict::Improved | Verdict::Declined => format!(
            "{dir} from {}% in {a} to {}% in {b} ({pts} {unit}). This change is bigger than chance would usually produce.",
            pct(ya),
            pct(yb)
        ),
        Verdict::PossibleIncrease | Verdict::PossibleDecrease => format!(
            "{dir} from {}% in {a} to {}% in {b} ({pts} {unit}), but because several questions were compared, a change of this size could still be down to chance.",
            pct(ya),
            pct(yb)
        ),
        Verdict::NoClearChange => format!(
            "{}% in {a} and {}% in {b}. The difference is small enough that it could be down to chance, so we cannot say this has changed.",
            pct(ya),
            pct(yb)
        ),
    };
    let compared = !matches!(v, Verdict::NoData | Verdict::TooFew);
    if compared && (ya.low_base || yb.low_base) {
        text.push_str(&format!(
            " Based on small numbers ({} in {a}, {} in {b}), so treat with caution.",
            ya.n_valid, yb.n_valid
        ));
    }
    text
}

/// The report's family of questions (those with both years shown and z defined, in report
/// order) and their adjusted p-values: all a question needs from the others.
#[derive(Debug, Clone, Default)]
pub struct Family {
    /// Per question of the report: its (Benjamini–Hochberg, Holm) adjusted p-values, if it is
    /// in the family.
    adjusted: Vec<Option<(f64, f64)>>,
    size: usize,
}

impl Family {
    /// From each question's raw z-test p-value (`None`: not in the family), in report order.
    pub fn of(raw: impl IntoIterator<Item = Option<f64>>) -> Self {
        let raw: Vec<Option<f64>> = raw.into_iter().collect();
        let ps: Vec<f64> = raw.iter().flatten().copied().collect();
        let (bh, holm) = (adjust_bh(&ps), adjust_holm(&ps));
        let mut k = 0;
        let adjusted = raw
            .iter()
            .map(|p| {
                p.map(|_| {
                    let pair = (bh[k], holm[k]);
                    k += 1;
                    pair
                })
            })
            .collect();
        Self { adjusted, size: ps.len() }
    }

    /// How many questions are in the family.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Question `i`'s adjusted p-values, verdict (in the order of METHOD.md) and sentence.
    pub fn conclude(&self, i: usize, r: &mut QuestionResult, years: &[String], s: &Settings) {
        if let Some(Some((bh, holm))) = self.adjusted.get(i) {
            r.p_bh = Some(*bh);
            r.p_holm = Some(*holm);
        }
        let ya = &r.years[&years[0]];
        let yb = &r.years[&years[1]];
        // A withheld year had answers, hidden to protect a smaller group: too few to compare,
        // not "no data".
        let verdict = if ya.withheld || yb.withheld {
            Verdict::TooFew
        } else if ya.n_valid == 0 || yb.n_valid == 0 {
            Verdict::NoData
        } else if ya.suppressed || yb.suppressed {
            Verdict::TooFew
        } else if r.z_p.is_none() {
            Verdict::NoChange
        } else {
            let raw = r.z_p.unwrap_or(1.0);
            let adjusted = match s.adjust {
                Adjust::Bh => r.p_bh.unwrap_or(1.0),
                Adjust::Holm => r.p_holm.unwrap_or(1.0),
                Adjust::None => raw,
            };
            let up = r.diff.unwrap_or(0.0) > 0.0;
            if adjusted < s.alpha {
                if up { Verdict::Improved } else { Verdict::Declined }
            } else if raw < s.alpha {
                if up { Verdict::PossibleIncrease } else { Verdict::PossibleDecrease }
            } else {
                Verdict::NoClearChange
            }
        };
        r.sentence = sentence(verdict, ya, yb, years, r.diff_points_display, s);
        r.verdict = verdict;
    }
}
