//! Per priority or value: the respondent-level index for each year (mean share, t interval)
//! and the difference between the years by Welch's t-test.

use std::collections::BTreeMap;

use super::{CompositeInput, CompositeResult, CompositeYear};
use crate::stats::special::{t_quantile, t_sf};

/// One year's respondent-level sample for an index: enough to compute the mean, the spread
/// and the pooled share without holding every respondent (SQL can produce it).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CompositeSample {
    /// Respondents with at least one valid answer.
    pub n: u64,
    /// Mean of their shares.
    pub mean: f64,
    /// Sum of squared deviations of their shares from the mean.
    pub m2: f64,
    /// Respondents with no valid answer to these questions.
    pub skipped: u64,
    /// Positive and valid answers over everyone (for the pooled answer share).
    pub positive: u64,
    pub valid: u64,
}

impl CompositeSample {
    /// From `[positive, valid]` per respondent (two-pass, as a statistics package does).
    pub fn from_respondents(list: &[[u64; 2]]) -> Self {
        let shares = || list.iter().filter(|r| r[1] > 0).map(|r| r[0] as f64 / r[1] as f64);
        let n = shares().count() as u64;
        let mean = if n > 0 { shares().sum::<f64>() / n as f64 } else { 0.0 };
        let m2 = shares().map(|x| (x - mean).powi(2)).sum();
        let (positive, valid) =
            list.iter().fold((0u64, 0u64), |acc, r| (acc.0.saturating_add(r[0]), acc.1.saturating_add(r[1])));
        Self { n, mean, m2, skipped: (list.len() as u64).saturating_sub(n), positive, valid }
    }

    /// From sums: n, Σshare, Σshare².
    pub fn from_sums(n: u64, sum: f64, sum_sq: f64, skipped: u64, positive: u64, valid: u64) -> Self {
        let mean = if n > 0 { sum / n as f64 } else { 0.0 };
        let m2 = if n > 0 { (sum_sq - sum * sum / n as f64).max(0.0) } else { 0.0 };
        Self { n, mean, m2, skipped, positive, valid }
    }
}

/// A priority or value index for two years, from each year's sample, with t intervals at
/// level 1 − `alpha` (the report's, like every other interval).
pub fn composite_from_samples(
    id: &str,
    label: &str,
    years: &[String],
    samples: &[CompositeSample],
    alpha: f64,
) -> CompositeResult {
    let level = 1.0 - alpha / 2.0;
    let mut per_year = BTreeMap::new();
    let mut stats: Vec<Option<(f64, f64, u64)>> = Vec::new();
    for (y, sample) in years.iter().zip(samples) {
        let n = sample.n;
        let mean = (n > 0).then_some(sample.mean);
        let sd = (n >= 2).then(|| (sample.m2 / (n - 1) as f64).sqrt());
        let se = sd.map(|s| s / (n as f64).sqrt());
        let t_crit = (n >= 2).then(|| t_quantile(level, (n - 1) as f64));
        let ci = mean.zip(se).zip(t_crit).map(|((m, se), t)| (m - t * se, m + t * se));
        per_year.insert(
            y.clone(),
            CompositeYear {
                n_respondents: n,
                n_skipped_no_valid_answers: sample.skipped,
                index: mean,
                sd,
                se,
                t_crit,
                ci_low: ci.map(|c| c.0),
                ci_high: ci.map(|c| c.1),
                pooled_answer_share: (sample.valid > 0).then(|| sample.positive as f64 / sample.valid as f64),
                withheld: false,
            },
        );
        stats.push(mean.zip(sd).map(|(m, s)| (m, s, n)));
    }
    let mut out = CompositeResult {
        id: id.to_owned(),
        label: label.to_owned(),
        years: per_year,
        diff: None,
        welch_se: None,
        welch_df: None,
        welch_t: None,
        welch_p: None,
        welch_t_crit: None,
        diff_ci_low: None,
        diff_ci_high: None,
    };
    if let (Some(Some((ma, sa, na))), Some(Some((mb, sb, nb)))) = (stats.first(), stats.get(1)) {
        let va = sa * sa / *na as f64;
        let vb = sb * sb / *nb as f64;
        let se = (va + vb).sqrt();
        let diff = mb - ma;
        out.diff = Some(diff);
        if se > 0.0 {
            let df = (va + vb).powi(2) / (va * va / (*na - 1) as f64 + vb * vb / (*nb - 1) as f64);
            let t = diff / se;
            let crit = t_quantile(level, df);
            out.welch_se = Some(se);
            out.welch_df = Some(df);
            out.welch_t = Some(t);
            out.welch_p = Some((2.0 * t_sf(t.abs(), df)).min(1.0));
            out.welch_t_crit = Some(crit);
            out.diff_ci_low = Some(diff - crit * se);
            out.diff_ci_high = Some(diff + crit * se);
        }
    }
    out
}

/// A composite's index for the two years.
pub fn composite(c: &CompositeInput, years: &[String], alpha: f64) -> CompositeResult {
    let samples: Vec<CompositeSample> = years
        .iter()
        .map(|y| CompositeSample::from_respondents(c.respondents.get(y).map(Vec::as_slice).unwrap_or(&[])))
        .collect();
    composite_from_samples(&c.id, &c.label, years, &samples, alpha)
}
