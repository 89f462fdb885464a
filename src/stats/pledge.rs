//! The pledge scorecard: for each pledge value, the share of a service's feedback answers
//! that were positive ("yes"), with its 95% Wilson interval, and nothing shown when fewer
//! than the suppression threshold answered (the comparison method's rule: a base under 10
//! is not shown). Counts in, figures out; no storage.

use serde::Serialize;

use super::compare::wilson_interval;
use super::special::Z_95;

/// One value's figure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    pub code: String,
    pub title: String,
    /// How many answered (positive, neutral and negative).
    pub answered: u64,
    /// Share positive, and its interval, when shown.
    pub share: Option<(f64, f64, f64)>,
}

/// Scores from (code, title, positive, answered), shown only from `suppress_below` answers.
pub fn scorecard(counts: &[(String, String, u64, u64)], suppress_below: u64) -> Vec<Score> {
    counts
        .iter()
        .map(|(code, title, positive, answered)| Score {
            code: code.clone(),
            title: title.clone(),
            answered: *answered,
            share: (*answered >= suppress_below && *answered > 0).then(|| {
                let (low, high) = wilson_interval(*positive, *answered, Z_95);
                (*positive as f64 / *answered as f64, low, high)
            }),
        })
        .collect()
}

/// The pledge index: positive answers to every value over all answers, with its interval,
/// when at least `suppress_below` answered.
pub fn index(counts: &[(String, String, u64, u64)], suppress_below: u64) -> Option<(f64, f64, f64)> {
    let (p, n) = counts.iter().fold((0, 0), |(p, n), c| (p + c.2, n + c.3));
    share(p, n, suppress_below)
}

/// `positive` of `answered` with its interval, when at least `suppress_below` answered (one
/// month's pledge index, for instance).
pub fn share(positive: u64, answered: u64, suppress_below: u64) -> Option<(f64, f64, f64)> {
    (answered >= suppress_below && answered > 0).then(|| {
        let (low, high) = wilson_interval(positive, answered, Z_95);
        (positive as f64 / answered as f64, low, high)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn under_the_threshold_nothing_is_shown() {
        let counts = vec![
            ("be-honest".to_owned(), "Be honest".to_owned(), 6, 9),
            ("be-kind".to_owned(), "Be kind".to_owned(), 8, 10),
        ];
        let s = scorecard(&counts, 10);
        assert_eq!(s[0].share, None);
        let (share, low, high) = s[1].share.unwrap_or_default();
        assert!((share - 0.8).abs() < 1e-12 && low < share && share < high && high <= 1.0);
        assert_eq!(index(&counts, 10).map(|i| (i.0 * 19.0).round()), Some(14.0));
        assert_eq!(index(&counts[..1], 10), None);
        assert_eq!(super::share(0, 0, 0), None, "nobody answered: no figure, not 0%");
        assert_eq!(super::share(14, 19, 10), index(&counts, 10));
    }
}
