//! One wave's results as they may be published: the count and share of each answer, the
//! median and quartiles of numbers, and how many wrote or sent a recording or picture. Pure
//! functions over counts; no database, no HTTP.
//!
//! Suppression is the comparison method's (`Settings::default()`): a base under
//! `suppress_below` (10) shows no figures at all, only that there were too few; a count from
//! 1 to `cell_flag_below − 1` (1–4) is shown as "fewer than 5" and its share is not shown
//! (the share would give the count back). In files the Government Statistical Service symbols
//! stand for what is not shown: `[low]` a low base, `[c]` a confidential cell, `[x]` not
//! available, `[z]` not applicable.
//!
//! Quartiles use linear interpolation between order statistics (Hyndman and Fan's type 7,
//! the default of R and of spreadsheets' QUARTILE.INC), so a spreadsheet gives the same.

use serde::Serialize;

use super::Settings;

/// One answer's figure as published.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "shown", rename_all = "snake_case")]
pub enum Cell {
    /// The count and its share of the base (0–1).
    Count { count: u64, share: f64 },
    /// Zero: safe to show.
    Zero,
    /// 1 to 4 (with the default settings): shown as "fewer than 5", no share.
    FewerThan { limit: u64 },
}

impl Cell {
    /// The Government Statistical Service symbol or the number, for files.
    pub fn symbol(&self) -> String {
        match self {
            Cell::Count { count, .. } => count.to_string(),
            Cell::Zero => "0".into(),
            Cell::FewerThan { .. } => "[c]".into(),
        }
    }
}

/// A question's figures for one group of respondents.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Figures {
    /// Fewer people answered than may be shown.
    LowBase { limit: u64 },
    /// Answers chosen: each option's cell, in the definition's order. `n` is how many
    /// answered (for a multiple-choice question, shares can add up to more than 100%).
    Choice { n: u64, options: Vec<(String, Cell)> },
    /// A number question: how many answered, the median and the quartiles.
    Number { n: u64, median: f64, lower: f64, upper: f64 },
    /// Words: how many wrote, and how many sent a recording or picture instead.
    Words { written: u64, files: u64 },
}

/// A choice question's figures from its counts (`counts` in the definition's order) and how
/// many answered it.
pub fn choice(n: u64, counts: &[(String, u64)], s: &Settings) -> Figures {
    if n < s.suppress_below {
        return Figures::LowBase { limit: s.suppress_below };
    }
    let options = counts
        .iter()
        .map(|(value, count)| {
            let cell = match *count {
                0 => Cell::Zero,
                c if c < s.cell_flag_below => Cell::FewerThan { limit: s.cell_flag_below },
                c => Cell::Count { count: c, share: c as f64 / n as f64 },
            };
            (value.clone(), cell)
        })
        .collect();
    Figures::Choice { n, options }
}

/// A number question's figures from every answer given (the order does not matter).
pub fn numbers(values: &mut [f64], s: &Settings) -> Figures {
    let n = values.len() as u64;
    if n < s.suppress_below || values.is_empty() {
        return Figures::LowBase { limit: s.suppress_below };
    }
    values.sort_by(f64::total_cmp);
    Figures::Number { n, median: quantile(values, 0.5), lower: quantile(values, 0.25), upper: quantile(values, 0.75) }
}

/// Words written and files sent: counts of people, shown unless the group is too small.
pub fn words(written: u64, files: u64, s: &Settings) -> Figures {
    if written + files > 0 && written + files < s.suppress_below {
        return Figures::LowBase { limit: s.suppress_below };
    }
    Figures::Words { written, files }
}

/// The `p` quantile of sorted `v` by linear interpolation (type 7).
pub fn quantile(v: &[f64], p: f64) -> f64 {
    match v.len() {
        0 => f64::NAN,
        1 => v[0],
        n => {
            let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            v[lo] + (h - lo as f64) * (v[hi] - v[lo])
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn small_bases_show_nothing_and_small_counts_show_no_share() {
        let s = Settings::default();
        assert_eq!(choice(9, &[("yes".into(), 9)], &s), Figures::LowBase { limit: 10 });
        let f = choice(20, &[("yes".into(), 16), ("no".into(), 4), ("dk".into(), 0)], &s);
        let Figures::Choice { n, options } = f else { panic!("{f:?}") };
        assert_eq!(n, 20);
        assert_eq!(options[0].1, Cell::Count { count: 16, share: 0.8 });
        assert_eq!(options[1].1, Cell::FewerThan { limit: 5 });
        assert_eq!(options[1].1.symbol(), "[c]");
        assert_eq!(options[2].1, Cell::Zero);
    }

    #[test]
    fn quartiles_are_those_a_spreadsheet_gives() {
        // QUARTILE.INC({1,2,3,4,5,6,7,8,9,10}, 1..3) = 3.25, 5.5, 7.75
        let mut v: Vec<f64> = (1..=10).map(f64::from).collect();
        let f = numbers(&mut v, &Settings::default());
        assert_eq!(f, Figures::Number { n: 10, median: 5.5, lower: 3.25, upper: 7.75 });
        let mut few = vec![1.0, 2.0];
        assert_eq!(numbers(&mut few, &Settings::default()), Figures::LowBase { limit: 10 });
        assert_eq!(quantile(&[4.0], 0.5), 4.0);
    }

    #[test]
    fn a_few_words_are_not_counted_out_loud() {
        let s = Settings::default();
        assert_eq!(words(3, 1, &s), Figures::LowBase { limit: 10 });
        assert_eq!(words(0, 0, &s), Figures::Words { written: 0, files: 0 });
        assert_eq!(words(12, 2, &s), Figures::Words { written: 12, files: 2 });
    }
}
