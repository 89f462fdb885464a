//! One question over two years: each year's shares and Wilson interval, the difference with
//! its Newcombe interval, the pooled z-test, Fisher's exact test, the chi-square over the
//! shape of answers and McNemar for linked answers, with the integer arithmetic they share.

use std::collections::BTreeMap;

use super::{PairedInput, PairedResult, QuestionInput, QuestionResult, Settings, Verdict, YearResult};
use crate::stats::special::{binomial_half, chi2_sf, fisher_exact, normal_two_sided_p, z_crit};

/// round(num / den), half away from zero, in integers. The callers' operands are bounded
/// (counts ≤ [`MAX_COUNT`](super::MAX_COUNT)), so the products fit in i128 many times over;
/// saturating arithmetic keeps even unbounded input from wrapping.
fn round_half_away(num: i128, den: i128) -> i64 {
    if den == 0 {
        return 0;
    }
    let (num, den) = if den < 0 { (num.saturating_neg(), den.saturating_neg()) } else { (num, den) };
    let magnitude = num.saturating_abs().saturating_mul(2).saturating_add(den) / den.saturating_mul(2);
    let signed = if num < 0 { -magnitude } else { magnitude };
    i64::try_from(signed).unwrap_or(if signed < 0 { i64::MIN } else { i64::MAX })
}

/// Wilson score interval for `pos` out of `n` with critical value `z`.
pub(super) fn wilson(pos: u64, n: u64, z: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let n = n as f64;
    let q = (pos as f64 / n).clamp(0.0, 1.0);
    let crit2 = z * z;
    let denom = 1.0 + crit2 / n;
    let center = (q + crit2 / (2.0 * n)) / denom;
    let dist = z * (q * (1.0 - q) / n + crit2 / (4.0 * n * n)).sqrt() / denom;
    // Rounding can leave a bound a hair outside [0, 1] (or past the share itself at 0% and
    // 100%); the interval is mathematically inside both.
    ((center - dist).clamp(0.0, q), (center + dist).clamp(q, 1.0))
}

struct Tally {
    counts: Vec<u64>,
    n_valid: u64,
    n_excluded: u64,
    positive: u64,
    negative: u64,
}

fn year_result(q: &QuestionInput, counts: &[u64], s: &Settings, z: f64) -> (YearResult, Tally) {
    let is = |list: &[String], o: &str| list.iter().any(|x| x == o);
    let mut t = Tally { counts: counts.to_vec(), n_valid: 0, n_excluded: 0, positive: 0, negative: 0 };
    let (mut score_sum, mut scored) = (0.0_f64, 0u64);
    let mut small = Vec::new();
    for (i, option) in q.options.iter().enumerate() {
        let c = counts.get(i).copied().unwrap_or(0);
        // Checked input keeps every total within MAX_COUNT; saturating keeps unchecked
        // input from wrapping.
        if is(&q.excluded, option) {
            t.n_excluded = t.n_excluded.saturating_add(c);
            continue;
        }
        t.n_valid = t.n_valid.saturating_add(c);
        if is(&q.positive, option) {
            t.positive = t.positive.saturating_add(c);
        }
        if is(&q.negative, option) {
            t.negative = t.negative.saturating_add(c);
        }
        if let Some(Some(score)) = q.scores.as_ref().and_then(|s| s.get(i)) {
            score_sum += score * c as f64;
            scored = scored.saturating_add(c);
        }
        if c >= 1 && c < s.cell_flag_below {
            small.push(option.clone());
        }
    }
    let n = t.n_valid;
    let suppressed = n < s.suppress_below;
    let shown = n > 0;
    let (wl, wh) = if shown { wilson(t.positive, n, z) } else { (0.0, 0.0) };
    let y = YearResult {
        n_valid: n,
        n_excluded: t.n_excluded,
        positive: t.positive,
        negative: t.negative,
        share: shown.then(|| t.positive as f64 / n as f64),
        wilson_low: shown.then_some(wl),
        wilson_high: shown.then_some(wh),
        net_score: shown.then(|| (t.positive as f64 - t.negative as f64) / n as f64),
        mean_score: (scored > 0).then(|| score_sum / scored as f64),
        display_pct: shown.then(|| round_half_away(100 * i128::from(t.positive), i128::from(n))),
        suppressed,
        low_base: !suppressed && n < s.caution_below,
        small_cells: small,
        withheld: false,
    };
    (y, t)
}

struct Chi2 {
    stat: f64,
    dof: u32,
    p: f64,
    min_expected: f64,
    used: Vec<String>,
}

/// The 2×k Pearson chi-square over valid options, dropping options empty in both years.
fn chi_square(q: &QuestionInput, a: &Tally, b: &Tally) -> Chi2 {
    let mut used = Vec::new();
    let mut cols: Vec<(f64, f64)> = Vec::new();
    for (i, option) in q.options.iter().enumerate() {
        if q.excluded.iter().any(|x| x == option) {
            continue;
        }
        let (ca, cb) = (a.counts.get(i).copied().unwrap_or(0), b.counts.get(i).copied().unwrap_or(0));
        if ca == 0 && cb == 0 {
            continue;
        }
        used.push(option.clone());
        cols.push((ca as f64, cb as f64));
    }
    let row_a: f64 = cols.iter().map(|c| c.0).sum();
    let row_b: f64 = cols.iter().map(|c| c.1).sum();
    let total = row_a + row_b;
    let mut stat = 0.0;
    let mut min_expected = f64::INFINITY;
    for (ca, cb) in &cols {
        let col = ca + cb;
        for (observed, row) in [(*ca, row_a), (*cb, row_b)] {
            let expected = row * col / total;
            min_expected = min_expected.min(expected);
            if expected > 0.0 {
                stat += (observed - expected).powi(2) / expected;
            }
        }
    }
    if cols.len() < 2 {
        return Chi2 { stat: 0.0, dof: 0, p: 1.0, min_expected, used };
    }
    let dof = (cols.len() - 1) as u32;
    Chi2 { stat, dof, p: chi2_sf(stat, dof), min_expected, used }
}

/// McNemar's test for linked answers: exact, mid-p and the uncorrected asymptotic statistic.
/// With no discordant pairs the exact p and mid-p are 1 and the asymptotic statistic and its
/// p are null: there is nothing to test (METHOD.md).
fn paired(p: &PairedInput) -> PairedResult {
    let n = p.pos_pos.saturating_add(p.pos_neg).saturating_add(p.neg_pos).saturating_add(p.neg_neg);
    let (b, c) = (p.pos_neg, p.neg_pos);
    let share = |x: u64| (n > 0).then(|| x as f64 / n as f64);
    let share_a = share(p.pos_pos.saturating_add(p.pos_neg));
    let share_b = share(p.pos_pos.saturating_add(p.neg_pos));
    let discordant = b.saturating_add(c);
    let (exact, midp, chi2, chi2_p) = if discordant == 0 {
        (1.0, 1.0, None, None)
    } else {
        let k = b.min(c);
        let (pmf, cdf) = binomial_half(k, discordant);
        let exact = (2.0 * cdf).min(1.0);
        let midp = (2.0 * cdf - pmf).clamp(0.0, 1.0);
        let chi2 = (b as f64 - c as f64).powi(2) / discordant as f64;
        (exact, midp, Some(chi2), Some(chi2_sf(chi2, 1)))
    };
    PairedResult {
        n_pairs: n,
        discordant_pos_to_neg: b,
        discordant_neg_to_pos: c,
        share_a,
        share_b,
        diff: share_a.zip(share_b).map(|(a, b)| b - a),
        mcnemar_exact_p: exact,
        mcnemar_midp: midp,
        mcnemar_chi2: chi2,
        mcnemar_chi2_p: chi2_p,
    }
}

/// One question's figures, everything but what depends on the rest of the family (adjusted
/// p-values, the verdict and the sentence, which [`Family::conclude`](super::Family::conclude)
/// adds). The question must have passed `check_case`.
pub fn question_result(q: &QuestionInput, years: &[String], s: &Settings) -> QuestionResult {
    let z = z_crit(s.alpha);
    let zeros = || vec![0u64; q.options.len()];
    let ca = q.counts.get(&years[0]).cloned().unwrap_or_else(zeros);
    let cb = q.counts.get(&years[1]).cloned().unwrap_or_else(zeros);
    let (mut ya, ta) = year_result(q, &ca, s, z);
    let (mut yb, tb) = year_result(q, &cb, s, z);
    for (y, label) in [(&mut ya, &years[0]), (&mut yb, &years[1])] {
        if q.withheld.contains(label) {
            y.withheld = true;
            y.suppressed = true;
            y.low_base = false;
        }
    }
    let both = ta.n_valid > 0 && tb.n_valid > 0;
    let comparable = both && !ya.suppressed && !yb.suppressed;
    let chi = chi_square(q, &ta, &tb);
    let mut r = QuestionResult {
        id: q.id.clone(),
        text: q.text.clone(),
        priority: q.priority.clone(),
        value: q.value.clone(),
        years: BTreeMap::new(),
        both_answered: both,
        comparable,
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
        chi2_options_used: chi.used.clone(),
        in_family: false,
        paired: q.paired.as_ref().map(paired),
        p_holm: None,
        p_bh: None,
        verdict: Verdict::NoClearChange,
        sentence: String::new(),
        input: None,
    };
    if comparable {
        let (na, nb) = (ta.n_valid as f64, tb.n_valid as f64);
        let (pa, pb) = (ta.positive as f64 / na, tb.positive as f64 / nb);
        let (la, ua) = wilson(ta.positive, ta.n_valid, z);
        let (lb, ub) = wilson(tb.positive, tb.n_valid, z);
        let diff = pb - pa;
        let low = diff - ((pb - lb).powi(2) + (ua - pa).powi(2)).sqrt();
        let high = diff + ((ub - pb).powi(2) + (pa - la).powi(2)).sqrt();
        r.diff = Some(diff);
        // Counts are at most MAX_COUNT, so these products are below 10¹⁹; saturating
        // keeps unchecked callers from wrapping.
        let cross = |x: u64, y: u64| i128::from(x).saturating_mul(i128::from(y));
        r.diff_points_display = Some(round_half_away(
            (cross(tb.positive, ta.n_valid).saturating_sub(cross(ta.positive, tb.n_valid))).saturating_mul(100),
            cross(ta.n_valid, tb.n_valid),
        ));
        r.newcombe_low = Some(low);
        r.newcombe_high = Some(high);
        r.newcombe_excludes_zero = Some(low > 0.0 || high < 0.0);
        let pooled = (ta.positive as f64 + tb.positive as f64) / (na + nb);
        if pooled <= 0.0 || pooled >= 1.0 {
            r.z_undefined_reason = Some("no variation: both years 0% or both years 100% positive");
        } else {
            let z = diff / (pooled * (1.0 - pooled) * (1.0 / na + 1.0 / nb)).sqrt();
            r.z_stat = Some(z);
            r.z_p = Some(normal_two_sided_p(z));
            r.in_family = true;
        }
        r.fisher_p = fisher_exact(
            ta.positive,
            ta.n_valid.saturating_sub(ta.positive),
            tb.positive,
            tb.n_valid.saturating_sub(tb.positive),
        );
        r.chi2_stat = Some(chi.stat);
        r.chi2_dof = Some(chi.dof);
        r.chi2_p = Some(chi.p);
        r.chi2_min_expected = Some(chi.min_expected);
        r.chi2_low_expected = Some(chi.min_expected < 5.0);
    }
    r.years.insert(years[0].clone(), ya);
    r.years.insert(years[1].clone(), yb);
    r
}
