//! The distributions the comparison method needs, built on statrs' special functions:
//! normal and chi-square tail areas, Student's t (tail and quantile for any real degrees of
//! freedom), Fisher's exact test on a 2×2 table, and the exact binomial tail for McNemar.

use statrs::function::beta::beta_reg;
use statrs::function::erf::erfc;
use statrs::function::gamma::{gamma_ur, ln_gamma};

/// The 97.5% normal quantile, exactly as the method requires (never 1.96).
pub const Z_95: f64 = 1.959_963_984_540_054;

/// Two-sided p-value of a standard normal statistic.
pub fn normal_two_sided_p(z: f64) -> f64 {
    erfc(z.abs() / std::f64::consts::SQRT_2)
}

/// Upper tail of chi-square with `dof` degrees of freedom. `dof` 0 gives 1.
pub fn chi2_sf(stat: f64, dof: u32) -> f64 {
    if dof == 0 || stat <= 0.0 {
        return 1.0;
    }
    gamma_ur(f64::from(dof) / 2.0, stat / 2.0)
}

/// Upper tail P(T > t) of Student's t with `df` (real) degrees of freedom.
pub fn t_sf(t: f64, df: f64) -> f64 {
    let tail = 0.5 * beta_reg(df / 2.0, 0.5, df / (df + t * t));
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
/// safeguarded by bisection, to full double precision.
pub fn t_quantile(p: f64, df: f64) -> f64 {
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

/// Fisher's exact test on `[[a, b], [c, d]]`, two-sided, with scipy's convention: the sum of
/// the probabilities of all tables (same margins) no more likely than the observed one, with
/// a relative tolerance of 1e-7. Probabilities are built by ratios from the observed table, so
/// tiny p-values keep their precision.
pub fn fisher_exact(a: u64, b: u64, c: u64, d: u64) -> f64 {
    let row1 = a + b;
    let row2 = c + d;
    let col1 = a + c;
    let lo = col1.saturating_sub(row2);
    let hi = col1.min(row1);
    if lo == hi {
        return 1.0;
    }
    // Relative probabilities p(x)/p(a) for every x in the support.
    let ratio_up = |x: u64| -> f64 {
        // p(x+1)/p(x)
        ((row1 - x) as f64 * (col1 - x) as f64) / ((x + 1) as f64 * (row2 + x + 1 - col1) as f64)
    };
    let mut rel = vec![0.0_f64; (hi - lo + 1) as usize];
    let at = (a - lo) as usize;
    rel[at] = 1.0;
    for x in a..hi {
        let i = (x - lo) as usize;
        rel[i + 1] = rel[i] * ratio_up(x);
    }
    for x in (lo..a).rev() {
        let i = (x - lo) as usize;
        rel[i] = rel[i + 1] / ratio_up(x);
    }
    let total: f64 = rel.iter().sum();
    let threshold = 1.0 + 1e-7;
    let tail: f64 = rel.iter().filter(|r| **r <= threshold).sum();
    (tail / total).min(1.0)
}

/// P(X = k) and P(X ≤ k) for X ~ Binomial(n, ½).
pub fn binomial_half(k: u64, n: u64) -> (f64, f64) {
    let ln_choose = |i: u64| ln_gamma((n + 1) as f64) - ln_gamma((i + 1) as f64) - ln_gamma((n - i + 1) as f64);
    let ln_half_n = -(n as f64) * std::f64::consts::LN_2;
    let pmf = |i: u64| (ln_choose(i) + ln_half_n).exp();
    let cdf: f64 = (0..=k).map(pmf).sum();
    (pmf(k), cdf.min(1.0))
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
    }

    #[test]
    fn fisher_matches_scipy() {
        // scipy.stats.fisher_exact([[8, 2], [1, 5]]) -> 0.03496503496503495
        assert!((fisher_exact(8, 2, 1, 5) - 0.034_965_034_965_034_95).abs() < 1e-12);
        assert_eq!(fisher_exact(40, 0, 45, 0), 1.0);
    }

    #[test]
    fn mcnemar_binomial() {
        let (pmf, cdf) = binomial_half(4, 17);
        assert!((pmf - 2380.0 / 131_072.0).abs() < 1e-13);
        assert!((2.0 * cdf - 0.049_041_748_046_875).abs() < 1e-13);
    }
}
