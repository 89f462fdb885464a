//! The distributions the comparison method needs, built on statrs' special functions:
//! normal and chi-square tail areas, the normal quantile for any confidence level, Student's
//! t (tail and quantile for any real degrees of freedom), Fisher's exact test on a 2×2 table,
//! and the exact binomial tail for McNemar.
//!
//! What these functions must never do: panic, allocate or loop in proportion to a count. The
//! exact tests walk outwards from the most likely table and stop once what is left cannot
//! change the answer, so their time grows with the square root of the counts at most, and
//! their memory not at all. Inputs far beyond the method's bound (which input checks refuse
//! long before) get `None` or an accurate asymptotic form, never a hang.

use statrs::function::beta::checked_beta_reg;
use statrs::function::erf::{erfc, erfc_inv};
use statrs::function::gamma::{checked_gamma_ur, ln_gamma};

/// The 97.5% normal quantile, exactly as the method requires (never 1.96).
pub const Z_95: f64 = 1.959_963_984_540_054;

/// Fisher's exact test is summed exactly up to this many people in the table (2³⁶, far
/// beyond the method's bound of 10⁸ answers a year); larger tables get no p-value.
pub const FISHER_MAX_TOTAL: u64 = 1 << 36;

/// The McNemar binomial tail is summed exactly up to this many discordant pairs; beyond it
/// the normal form with continuity correction is used, whose error for p = ½ is O(1/n)
/// (below 1e-10 there).
pub const BINOMIAL_EXACT_MAX: u64 = 10_000_000_000;

/// Terms left out of a tail sum are below this share of what has been summed.
const NEGLIGIBLE: f64 = 1e-17;

/// Terms below the smallest normal double are left out: below it a product of ratios loses
/// its precision (and can stick at the smallest subnormal instead of reaching 0, which would
/// make a walk run to the end of the support).
const UNDERFLOW: f64 = f64::MIN_POSITIVE;

/// R's relative tolerance for "no more likely than the observed table" (`fisher.test`).
const FISHER_REL_ERR: f64 = 1.0 + 1e-7;

/// Two-sided p-value of a standard normal statistic.
pub fn normal_two_sided_p(z: f64) -> f64 {
    erfc(z.abs() / std::f64::consts::SQRT_2)
}

/// The two-sided critical value of the standard normal for level 1 − `alpha`: the
/// (1 − alpha/2) quantile. Exactly [`Z_95`] for alpha 0.05; `NaN` outside (0, 1).
pub fn z_crit(alpha: f64) -> f64 {
    if !(alpha > 0.0 && alpha < 1.0) {
        return f64::NAN;
    }
    if alpha == 0.05 {
        return Z_95;
    }
    // Φ⁻¹(1 − α/2) = √2 · erfc⁻¹(α). statrs' inverse is accurate to a few ulps (its
    // forward erfc is less so, about 1e-11 relative here, so polishing against it would
    // make the quantile worse).
    std::f64::consts::SQRT_2 * erfc_inv(alpha)
}

/// Upper tail of chi-square with `dof` degrees of freedom. `dof` 0 gives 1.
pub fn chi2_sf(stat: f64, dof: u32) -> f64 {
    if dof == 0 || stat <= 0.0 {
        return 1.0;
    }
    if stat == f64::INFINITY {
        return 0.0;
    }
    checked_gamma_ur(f64::from(dof) / 2.0, stat / 2.0).unwrap_or(f64::NAN)
}

/// Upper tail P(T > t) of Student's t with `df` (real) degrees of freedom (`NaN` when `df`
/// is not positive or either is not a number).
pub fn t_sf(t: f64, df: f64) -> f64 {
    if df.is_nan() || df <= 0.0 || t.is_nan() {
        return f64::NAN;
    }
    if t.is_infinite() {
        return if t > 0.0 { 0.0 } else { 1.0 };
    }
    let x = df / (df + t * t);
    let tail = 0.5 * checked_beta_reg(df / 2.0, 0.5, x.clamp(0.0, 1.0)).unwrap_or(f64::NAN);
    if t >= 0.0 { tail } else { 1.0 - tail }
}

fn t_pdf(t: f64, df: f64) -> f64 {
    let ln = ln_gamma((df + 1.0) / 2.0)
        - ln_gamma(df / 2.0)
        - 0.5 * (df * std::f64::consts::PI).ln()
        - (df + 1.0) / 2.0 * (1.0 + t * t / df).ln();
    ln.exp()
}

/// The `p` quantile of Student's t (for p > 0.5), by Newton's method on the tail area,
/// safeguarded by bisection, to full double precision. `NaN` for p outside (0.5, 1) or df
/// not positive.
pub fn t_quantile(p: f64, df: f64) -> f64 {
    if !(p > 0.5 && p < 1.0) || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    let target = 1.0 - p;
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    while t_sf(hi, df) > target {
        hi *= 2.0;
        if hi > 1e12 {
            break;
        }
    }
    let mut t = Z_95.clamp(lo, hi);
    for _ in 0..200 {
        let f = t_sf(t, df) - target;
        if f > 0.0 {
            lo = t;
        } else {
            hi = t;
        }
        let step = f / t_pdf(t, df);
        let mut next = t + step;
        if !next.is_finite() || next <= lo || next >= hi {
            next = 0.5 * (lo + hi);
        }
        if (next - t).abs() <= 1e-15 * t.abs().max(1.0) {
            return next;
        }
        t = next;
    }
    t
}

/// Whether the rest of a tail whose current term is `term` and whose ratios from here on
/// are at most `ratio` (< 1) is negligible next to `sum`.
fn rest_negligible(term: f64, ratio: f64, sum: f64) -> bool {
    term < UNDERFLOW || (ratio < 1.0 && sum > 0.0 && term * ratio / (1.0 - ratio) <= NEGLIGIBLE * sum)
}

/// Fisher's exact test on `[[a, b], [c, d]]`, two-sided, with R's `fisher.test` convention:
/// the sum of the probabilities of all tables with the same margins whose probability is at
/// most the observed one's × (1 + 1e-7), over the sum of all.
///
/// Probabilities are relative to the most likely table and built by exact ratios from it, as
/// R's `exp(d - max(d))` is; the walk goes outwards from that table in both directions and
/// stops once the terms left cannot change the sums (the hypergeometric distribution is
/// log-concave, so each step's ratio bounds the rest). Time grows with the spread of the
/// distribution (about √n), memory is constant. An observed table less than 1e-308 as likely
/// as the most likely one gives 0, as in R. `None` for tables of more than
/// [`FISHER_MAX_TOTAL`] people.
pub fn fisher_exact(a: u64, b: u64, c: u64, d: u64) -> Option<f64> {
    let total = u128::from(a) + u128::from(b) + u128::from(c) + u128::from(d);
    if total > u128::from(FISHER_MAX_TOTAL) {
        return None;
    }
    // Every sum below is at most 2³⁶: no overflow, and exact as f64.
    let (row1, row2, col1) = (a + b, c + d, a + c);
    let lo = col1.saturating_sub(row2);
    let hi = col1.min(row1);
    if lo == hi {
        return Some(1.0);
    }
    // p(x + 1) / p(x), for lo <= x < hi; positive and decreasing in x.
    let up =
        |x: u64| -> f64 { ((row1 - x) as f64 * (col1 - x) as f64) / ((x + 1) as f64 * ((row2 + x + 1) - col1) as f64) };
    let n = u128::from(row1 + row2);
    let mode = u64::try_from((u128::from(row1) + 1) * (u128::from(col1) + 1) / (n + 2)).unwrap_or(hi).clamp(lo, hi);

    // The observed table's probability relative to the mode's.
    let mut observed = 1.0_f64;
    if a > mode {
        for x in mode..a {
            observed *= up(x);
            if observed < UNDERFLOW {
                break;
            }
        }
    } else {
        for x in (a..mode).rev() {
            observed /= up(x);
            if observed < UNDERFLOW {
                break;
            }
        }
    }
    if observed < UNDERFLOW {
        // Less than 1e-308 of the mode's probability: R's terms underflow the same way (its
        // `exp(d - max(d))`) and its sum of them is 0.
        return Some(0.0);
    }
    let threshold = observed * FISHER_REL_ERR;
    let mut sum = 1.0_f64;
    let mut tail = if 1.0 <= threshold { 1.0 } else { 0.0 };
    // Upwards from the mode.
    let (mut x, mut term) = (mode, 1.0_f64);
    while x < hi {
        let ratio = up(x);
        term *= ratio;
        x += 1;
        sum += term;
        if term <= threshold {
            tail += term;
            if rest_negligible(term, ratio, tail) {
                break;
            }
        }
    }
    // Downwards from the mode.
    let (mut x, mut term) = (mode, 1.0_f64);
    while x > lo {
        let ratio = 1.0 / up(x - 1);
        term *= ratio;
        x -= 1;
        sum += term;
        if term <= threshold {
            tail += term;
            if rest_negligible(term, ratio, tail) {
                break;
            }
        }
    }
    Some((tail / sum).min(1.0))
}

/// ln(n!) − ln(√(2πn) (n/e)ⁿ), the error of Stirling's formula (Loader 2000).
fn stirlerr(n: f64) -> f64 {
    const S0: f64 = 1.0 / 12.0;
    const S1: f64 = 1.0 / 360.0;
    const S2: f64 = 1.0 / 1260.0;
    const S3: f64 = 1.0 / 1680.0;
    const S4: f64 = 1.0 / 1188.0;
    if n < 1.0 {
        return 0.0;
    }
    if n <= 15.0 {
        // n! is exact in a double here, so this difference is accurate in absolute terms,
        // which is what the log-probability needs.
        let mut factorial = 1.0_f64;
        let mut k = 2.0;
        while k <= n {
            factorial *= k;
            k += 1.0;
        }
        return factorial.ln() - (n + 0.5) * n.ln() + n - 0.5 * (2.0 * std::f64::consts::PI).ln();
    }
    let nn = n * n;
    if n > 500.0 {
        (S0 - S1 / nn) / n
    } else if n > 80.0 {
        (S0 - (S1 - S2 / nn) / nn) / n
    } else if n > 35.0 {
        (S0 - (S1 - (S2 - S3 / nn) / nn) / nn) / n
    } else {
        (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n
    }
}

/// x ln(x / np) + np − x, without cancellation when x is close to np (Loader 2000).
fn bd0(x: f64, np: f64) -> f64 {
    if (x - np).abs() < 0.1 * (x + np) {
        let mut v = (x - np) / (x + np);
        let mut s = (x - np) * v;
        let mut ej = 2.0 * x * v;
        v *= v;
        for j in 1..1000 {
            ej *= v;
            let next = s + ej / f64::from(2 * j + 1);
            if next == s {
                return next;
            }
            s = next;
        }
    }
    x * (x / np).ln() + np - x
}

/// P(X = k) for X ~ Binomial(n, ½), with full relative precision for any n (Loader's
/// saddle-point form, as R's `dbinom`).
fn binomial_half_pmf(k: u64, n: u64) -> f64 {
    if k > n {
        return 0.0;
    }
    let (k, n) = (k as f64, n as f64);
    if k == 0.0 || k == n {
        return (-n * std::f64::consts::LN_2).exp();
    }
    let lc = stirlerr(n) - stirlerr(k) - stirlerr(n - k) - bd0(k, n / 2.0) - bd0(n - k, n / 2.0);
    let lf = (2.0 * std::f64::consts::PI).ln() + k.ln() + (-k / n).ln_1p();
    (lc - 0.5 * lf).exp()
}

/// P(X ≤ k) for X ~ Binomial(n, ½), for k < n/2: the terms from k downwards, each from
/// the last by an exact ratio, until the rest is negligible.
fn binomial_half_lower(k: u64, n: u64, pmf_k: f64) -> f64 {
    let (mut sum, mut term) = (pmf_k, pmf_k);
    let mut i = k;
    while i > 0 {
        // P(X = i − 1) / P(X = i) = i / (n − i + 1), decreasing as i falls.
        let ratio = i as f64 / (n - i + 1) as f64;
        term *= ratio;
        sum += term;
        i -= 1;
        if rest_negligible(term, ratio, sum) {
            break;
        }
    }
    sum
}

/// P(X = k) and P(X ≤ k) for X ~ Binomial(n, ½). Exact sums up to [`BINOMIAL_EXACT_MAX`]
/// trials, in time about √n; beyond, the normal form with continuity correction (exact to
/// O(1/n) for p = ½, since the skewness is zero).
pub fn binomial_half(k: u64, n: u64) -> (f64, f64) {
    if k >= n {
        return (binomial_half_pmf(k, n), 1.0);
    }
    let pmf = binomial_half_pmf(k, n);
    if n > BINOMIAL_EXACT_MAX {
        let z = (k as f64 + 0.5 - n as f64 / 2.0) / ((n as f64).sqrt() / 2.0);
        return (pmf, (0.5 * erfc(-z / std::f64::consts::SQRT_2)).clamp(0.0, 1.0));
    }
    // k ≤ n − k − 1 means k is below the middle; otherwise use the mirror:
    // P(X ≤ k) = 1 − P(X ≥ k + 1) = 1 − P(X ≤ n − k − 1).
    let cdf = if k < n - k {
        binomial_half_lower(k, n, pmf)
    } else {
        let m = n - k - 1;
        1.0 - binomial_half_lower(m, n, binomial_half_pmf(m, n))
    };
    (pmf, cdf.clamp(0.0, 1.0))
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1.0)
    }

    #[test]
    fn t_quantiles_match_tables() {
        // scipy.stats.t.ppf(0.975, df)
        assert!(close(t_quantile(0.975, 35.0), 2.030_107_928_250_343));
        assert!(
            close(t_quantile(0.975, 38.0), 2.024_394_164_311_671_6)
                || (t_quantile(0.975, 38.0) - 2.0243941639119694).abs() < 1e-9
        );
        assert!((t_quantile(0.975, 1.0) - 12.706_204_736_174_707).abs() < 1e-9);
        assert!((t_quantile(0.975, 1e7) - Z_95).abs() < 1e-6);
        // qt(0.995, 20) = 2.845339709785
        assert!((t_quantile(0.995, 20.0) - 2.845_339_709_785_3).abs() < 1e-9);
    }

    #[test]
    fn normal_quantiles_for_any_level() {
        assert_eq!(z_crit(0.05), Z_95);
        // qnorm(0.995), qnorm(0.95), qnorm(0.9995)
        assert!((z_crit(0.01) - 2.575_829_303_548_900_4).abs() < 1e-13, "{}", z_crit(0.01));
        assert!((z_crit(0.1) - 1.644_853_626_951_472_2).abs() < 1e-13, "{}", z_crit(0.1));
        assert!((z_crit(0.001) - 3.290_526_731_491_925_5).abs() < 1e-12, "{}", z_crit(0.001));
        assert!(z_crit(0.0).is_nan() && z_crit(1.0).is_nan() && z_crit(f64::NAN).is_nan());
    }

    #[test]
    fn fisher_follows_r() {
        // fisher.test(matrix(c(8, 1, 2, 5), 2))$p.value = 0.03496503496503495
        assert!((fisher_exact(8, 2, 1, 5).unwrap() - 0.034_965_034_965_034_95).abs() < 1e-12);
        assert_eq!(fisher_exact(40, 0, 45, 0), Some(1.0));
        // Symmetric margins: the mirror table ties with the observed one and counts.
        // fisher.test(matrix(c(3, 1, 1, 3), 2))$p.value = 0.4857142857142857
        assert!((fisher_exact(3, 1, 1, 3).unwrap() - 0.485_714_285_714_285_7).abs() < 1e-12);
        assert_eq!(fisher_exact(0, 0, 0, 0), Some(1.0));
    }

    /// The walk against a plain sum over the whole support (small tables, where both are
    /// exact), including observed tables far in either tail.
    #[test]
    fn fisher_walk_equals_the_whole_sum() {
        fn whole(a: u64, b: u64, c: u64, d: u64) -> f64 {
            let ln_choose =
                |n: u64, k: u64| ln_gamma((n + 1) as f64) - ln_gamma((k + 1) as f64) - ln_gamma((n - k + 1) as f64);
            let (row1, row2, col1) = (a + b, c + d, a + c);
            let lo = col1.saturating_sub(row2);
            let hi = col1.min(row1);
            let lp = |x: u64| ln_choose(row1, x) + ln_choose(row2, col1 - x);
            let max = (lo..=hi).map(lp).fold(f64::NEG_INFINITY, f64::max);
            let terms: Vec<f64> = (lo..=hi).map(|x| (lp(x) - max).exp()).collect();
            let obs = terms[(a - lo) as usize];
            let total: f64 = terms.iter().sum();
            terms.iter().filter(|t| **t <= obs * (1.0 + 1e-7)).sum::<f64>() / total
        }
        for (a, b, c, d) in [
            (1, 9, 11, 3),
            (0, 30, 25, 5),
            (30, 0, 0, 30),
            (12, 7, 9, 15),
            (200, 150, 180, 220),
            (5, 0, 0, 0),
            (2, 400, 300, 1),
        ] {
            let (w, f) = (whole(a, b, c, d), fisher_exact(a, b, c, d).unwrap());
            assert!((w - f).abs() <= 1e-10 * w.max(1e-300) || (w - f).abs() < 1e-15, "{a} {b} {c} {d}: {w} vs {f}");
        }
    }

    #[test]
    fn fisher_is_quick_and_bounded_on_huge_tables() {
        let started = std::time::Instant::now();
        // The method's bound: 10⁸ answers a year.
        let p = fisher_exact(50_000_000, 49_999_999, 50_009_000, 49_999_998).unwrap();
        assert!(p > 0.0 && p < 1.0, "{p}");
        assert_eq!(fisher_exact(100_000_000, 0, 0, 100_000_000), Some(0.0));
        assert_eq!(fisher_exact(u64::MAX, u64::MAX, u64::MAX, u64::MAX), None);
        assert_eq!(fisher_exact(u64::MAX, 0, 0, 0), None);
        assert!(fisher_exact(1 << 34, 1 << 34, 1 << 34, (1 << 34) - 1).is_some());
        // Far in the tail of a large table (this once walked a million subnormal terms).
        assert_eq!(fisher_exact(12_489_527, 9_809_814, 41_545_811, 19_036_248), Some(0.0));
        assert!(started.elapsed().as_secs_f64() < 5.0, "{:?}", started.elapsed());
    }

    #[test]
    fn mcnemar_binomial() {
        let (pmf, cdf) = binomial_half(4, 17);
        assert!((pmf - 2380.0 / 131_072.0).abs() < 1e-15);
        assert!((2.0 * cdf - 0.049_041_748_046_875).abs() < 1e-15);
        // Exact small cases against the plain sum of C(n, i) / 2ⁿ.
        for n in 1..60u64 {
            let choose = |i: u64| (1..=i).fold(1.0_f64, |acc, j| acc * (n - i + j) as f64 / j as f64);
            let scale = 0.5_f64.powi(n as i32);
            for k in 0..=n {
                let exact: f64 = (0..=k).map(|i| choose(i) * scale).sum();
                let (pmf, cdf) = binomial_half(k, n);
                assert!((pmf - choose(k) * scale).abs() <= 1e-13 * pmf, "pmf {k} {n}");
                assert!((cdf - exact.min(1.0)).abs() <= 1e-13, "cdf {k} {n}: {cdf} vs {exact}");
            }
        }
    }

    #[test]
    fn mcnemar_binomial_is_quick_for_any_count() {
        let started = std::time::Instant::now();
        let (_, cdf) = binomial_half(100_000_000, 200_000_000);
        assert!((cdf - 0.5).abs() < 1e-4, "{cdf}");
        let (_, cdf) = binomial_half(1_000_000_000_000, 2_000_000_000_000);
        assert!((cdf - 0.5).abs() < 1e-6, "{cdf}");
        let (pmf, cdf) = binomial_half(u64::MAX / 2, u64::MAX);
        assert!(pmf.is_finite() && (0.0..=1.0).contains(&cdf));
        let (_, cdf) = binomial_half(0, u64::MAX);
        assert_eq!(cdf, 0.0);
        assert!(started.elapsed().as_secs_f64() < 2.0, "{:?}", started.elapsed());
    }

    #[test]
    fn tails_never_panic() {
        assert!(t_sf(f64::NAN, 3.0).is_nan());
        assert!(t_sf(1.0, 0.0).is_nan());
        assert_eq!(t_sf(f64::INFINITY, 3.0), 0.0);
        assert!(t_quantile(0.975, f64::NAN).is_nan());
        assert_eq!(chi2_sf(f64::INFINITY, 2), 0.0);
        assert!(chi2_sf(f64::NAN, 2).is_nan() || chi2_sf(f64::NAN, 2) == 1.0);
    }
}
