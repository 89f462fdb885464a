//! How big a change the samples could find: the smallest difference in shares that a
//! two-sided test at 5% would detect 80% of the time (shown on the methods page, so staff know
//! when "no clear change" means "too few answers to tell").

use super::special::Z_95;

/// The 80% power normal quantile, for the smallest detectable change.
const Z_80: f64 = 0.841_621_233_572_914_3;

/// The smallest change (in percentage points) that a two-sided test at 5% would find 80% of
/// the time, for these sample sizes and the pooled share.
pub fn detectable_change(n_a: u64, n_b: u64, pooled: f64) -> Option<f64> {
    if n_a == 0 || n_b == 0 {
        return None;
    }
    let p = pooled.clamp(0.0, 1.0);
    let p = if p == 0.0 || p == 1.0 { 0.5 } else { p };
    Some((Z_95 + Z_80) * (p * (1.0 - p) * (1.0 / n_a as f64 + 1.0 / n_b as f64)).sqrt())
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn detectable_change_shrinks_with_bigger_samples() {
        let small = detectable_change(40, 40, 0.5).unwrap();
        let large = detectable_change(300, 300, 0.5).unwrap();
        assert!((small - 0.3131).abs() < 0.001, "{small}");
        assert!(large < small && (large - 0.1144).abs() < 0.001, "{large}");
        assert_eq!(detectable_change(0, 10, 0.5), None);
    }
}
