//! Comparing two years of counts: per question (shares, Wilson and Newcombe intervals, the
//! pooled z-test, Fisher's exact test, the shape of answers by chi-square, McNemar for linked
//! answers), across the report's family of questions (adjusted p-values), and per priority or
//! value (the respondent-level index with Welch's t-test). Verdicts and sentences follow.
//!
//! Input is checked before anything is computed (`check_case`): counts are whole numbers from
//! 0 to [`MAX_COUNT`] per option and year, and so is each year's total; both years are given;
//! a composite respondent never has more positive than valid answers. Every sum is then within
//! 2³⁶, so no arithmetic here can overflow, and every count converts to `f64` exactly.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::input::{strict_value, year_counts, year_respondents};
use super::special::{Z_95, binomial_half, chi2_sf, fisher_exact, normal_two_sided_p, t_quantile, t_sf, z_crit};

/// The largest count the method accepts, per option and year, and the largest total of a
/// year (METHOD.md): a larger number is a typing mistake in a survey of people, and must never
/// reach a computation.
pub const MAX_COUNT: u64 = 100_000_000;

/// Why an input cannot be compared, naming the case and question.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

/// How p-values are adjusted across the family of questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Adjust {
    #[serde(rename = "fdr_bh")]
    Bh,
    #[serde(rename = "holm")]
    Holm,
    #[serde(rename = "none")]
    None,
}

/// Report settings, every field optional in input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsInput {
    pub alpha: Option<f64>,
    pub suppress_below: Option<u64>,
    pub caution_below: Option<u64>,
    pub cell_flag_below: Option<u64>,
    pub adjust: Option<Adjust>,
}

/// Report settings, resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Settings {
    pub alpha: f64,
    pub suppress_below: u64,
    pub caution_below: u64,
    pub cell_flag_below: u64,
    pub adjust: Adjust,
}

impl Default for Settings {
    fn default() -> Self {
        Self { alpha: 0.05, suppress_below: 10, caution_below: 30, cell_flag_below: 5, adjust: Adjust::Bh }
    }
}

impl Settings {
    pub fn with(&self, input: &SettingsInput) -> Self {
        Self {
            alpha: input.alpha.unwrap_or(self.alpha),
            suppress_below: input.suppress_below.unwrap_or(self.suppress_below),
            caution_below: input.caution_below.unwrap_or(self.caution_below),
            cell_flag_below: input.cell_flag_below.unwrap_or(self.cell_flag_below),
            adjust: input.adjust.unwrap_or(self.adjust),
        }
    }
}

/// Linked answers of the same people in both years (positive or not).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairedInput {
    pub pos_pos: u64,
    pub pos_neg: u64,
    pub neg_pos: u64,
    pub neg_neg: u64,
}

/// One question's input: its options, how they count, and counts per year. Every key is
/// known (a misspelt `excluded` is refused, never dropped), `positive` is required, and a
/// repeated key anywhere is refused.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionInput {
    pub id: String,
    #[serde(default, deserialize_with = "strict_value")]
    pub text: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "strict_value")]
    pub priority: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "strict_value")]
    pub value: Option<serde_json::Value>,
    pub options: Vec<String>,
    pub positive: Vec<String>,
    #[serde(default)]
    pub negative: Vec<String>,
    #[serde(default)]
    pub excluded: Vec<String>,
    #[serde(default)]
    pub scores: Option<Vec<Option<f64>>>,
    #[serde(deserialize_with = "year_counts")]
    pub counts: BTreeMap<String, Vec<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paired: Option<PairedInput>,
}

/// Respondent-level input for a priority or value index: per year, each respondent's
/// `[positive answers, valid answers]` across the tagged questions.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompositeInput {
    pub id: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub questions: Vec<String>,
    #[serde(deserialize_with = "year_respondents")]
    pub respondents: BTreeMap<String, Vec<[u64; 2]>>,
}

/// One report: two years, one audience, its questions.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseInput {
    pub id: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub audience: Option<String>,
    #[serde(default)]
    pub settings: SettingsInput,
    pub questions: Vec<QuestionInput>,
    pub years: Vec<String>,
    #[serde(default)]
    pub composite: Option<CompositeInput>,
    #[serde(default)]
    pub composites: Option<Vec<CompositeInput>>,
}

/// A whole `cases.json`-style file, read at once (`stats::stream` reads one case at a time).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CasesFile {
    #[serde(default)]
    pub schema_version: Option<u32>,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub defaults: SettingsInput,
    pub cases: Vec<CaseInput>,
}

// ---------------------------------------------------------------------------------------
// Output: the expected.json schema.

#[derive(Debug, Clone, Serialize)]
pub struct YearResult {
    pub n_valid: u64,
    pub n_excluded: u64,
    pub positive: u64,
    pub negative: u64,
    pub share: Option<f64>,
    pub wilson_low: Option<f64>,
    pub wilson_high: Option<f64>,
    pub net_score: Option<f64>,
    pub mean_score: Option<f64>,
    pub display_pct: Option<i64>,
    pub suppressed: bool,
    pub low_base: bool,
    pub small_cells: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PairedResult {
    pub n_pairs: u64,
    pub discordant_pos_to_neg: u64,
    pub discordant_neg_to_pos: u64,
    #[serde(rename = "share_A")]
    pub share_a: Option<f64>,
    #[serde(rename = "share_B")]
    pub share_b: Option<f64>,
    pub diff: Option<f64>,
    pub mcnemar_exact_p: f64,
    pub mcnemar_midp: f64,
    /// Null when there are no discordant pairs: there is nothing to test.
    pub mcnemar_chi2: Option<f64>,
    pub mcnemar_chi2_p: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QuestionResult {
    pub id: String,
    pub text: Option<serde_json::Value>,
    pub priority: Option<serde_json::Value>,
    pub value: Option<serde_json::Value>,
    pub years: BTreeMap<String, YearResult>,
    pub both_answered: bool,
    pub comparable: bool,
    pub diff: Option<f64>,
    pub diff_points_display: Option<i64>,
    pub newcombe_low: Option<f64>,
    pub newcombe_high: Option<f64>,
    pub newcombe_excludes_zero: Option<bool>,
    pub z_stat: Option<f64>,
    pub z_p: Option<f64>,
    pub z_undefined_reason: Option<&'static str>,
    pub fisher_p: Option<f64>,
    pub chi2_stat: Option<f64>,
    pub chi2_dof: Option<u32>,
    pub chi2_p: Option<f64>,
    pub chi2_min_expected: Option<f64>,
    pub chi2_low_expected: Option<bool>,
    pub chi2_options_used: Vec<String>,
    pub in_family: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paired: Option<PairedResult>,
    pub p_holm: Option<f64>,
    pub p_bh: Option<f64>,
    pub verdict: Verdict,
    pub sentence: String,
    /// The input, so anyone can re-run the figures (set by `heard compare`, not by
    /// compare-counts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<QuestionInput>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    NoData,
    TooFew,
    NoChange,
    Improved,
    Declined,
    PossibleIncrease,
    PossibleDecrease,
    NoClearChange,
}

#[derive(Debug, Clone, Serialize)]
pub struct CompositeYear {
    pub n_respondents: u64,
    pub n_skipped_no_valid_answers: u64,
    pub index: Option<f64>,
    pub sd: Option<f64>,
    pub se: Option<f64>,
    pub t_crit: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub pooled_answer_share: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CompositeResult {
    pub id: String,
    pub label: String,
    pub years: BTreeMap<String, CompositeYear>,
    pub diff: Option<f64>,
    pub welch_se: Option<f64>,
    pub welch_df: Option<f64>,
    pub welch_t: Option<f64>,
    pub welch_p: Option<f64>,
    pub welch_t_crit: Option<f64>,
    pub diff_ci_low: Option<f64>,
    pub diff_ci_high: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    pub id: String,
    pub years: Vec<String>,
    pub settings: Settings,
    pub family_size: usize,
    pub questions: Vec<QuestionResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub composite: Option<CompositeResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub composites: Option<Vec<CompositeResult>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ComparisonOutput {
    pub schema_version: u32,
    pub generator: BTreeMap<String, String>,
    pub z_crit_95: f64,
    pub cases: Vec<CaseResult>,
}

// ---------------------------------------------------------------------------------------
// Arithmetic.

/// round(num / den), half away from zero, in integers. The callers' operands are bounded
/// (counts ≤ [`MAX_COUNT`]), so the products fit in i128 many times over; saturating
/// arithmetic keeps even unbounded input from wrapping.
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
fn wilson(pos: u64, n: u64, z: f64) -> (f64, f64) {
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

/// "more than 100,000,000" and what to do about it.
fn too_large(what: &str, n: u64) -> String {
    format!(
        "{what} is {n}, more than the {MAX_COUNT} answers the method takes (check for a typing mistake: no survey of people has that many)"
    )
}

/// The checks of METHOD.md "Input the method refuses" for one question, naming the case,
/// question and field.
pub fn check_question(case: &str, q: &QuestionInput, years: &[String]) -> Result<(), InputError> {
    let at = format!("case {case:?}, question {:?}", q.id);
    if q.options.is_empty() {
        return Err(InputError(format!("{at}: list the answer options")));
    }
    for (name, list) in [("positive", &q.positive), ("negative", &q.negative), ("excluded", &q.excluded)] {
        if let Some(unknown) = list.iter().find(|o| !q.options.contains(o)) {
            return Err(InputError(format!("{at}: {name} names {unknown:?}, which is not one of the options")));
        }
    }
    if let Some(scores) = &q.scores {
        if scores.len() != q.options.len() {
            return Err(InputError(format!(
                "{at}: give one score per option ({} options, {} scores); use null for none",
                q.options.len(),
                scores.len()
            )));
        }
    }
    for (year, counts) in &q.counts {
        if !years.contains(year) {
            return Err(InputError(format!(
                "{at}: counts for {year:?}, which is not one of the case's years ({})",
                years.join(", ")
            )));
        }
        if counts.len() != q.options.len() {
            return Err(InputError(format!(
                "{at}: {year} has {} counts for {} options; give one count per option",
                counts.len(),
                q.options.len()
            )));
        }
        let mut total = 0u64;
        for (option, &n) in q.options.iter().zip(counts) {
            if n > MAX_COUNT {
                return Err(InputError(format!(
                    "{at}: {}",
                    too_large(&format!("the count for {year}, {option:?},"), n)
                )));
            }
            total = total.saturating_add(n);
        }
        if total > MAX_COUNT {
            return Err(InputError(format!(
                "{at}: {}",
                too_large(&format!("the total of the counts for {year}"), total)
            )));
        }
    }
    for year in years {
        if !q.counts.contains_key(year) {
            return Err(InputError(format!(
                "{at}: there are no counts for {year}; give one count per option for each year (zeros if nobody answered)"
            )));
        }
    }
    if let Some(p) = &q.paired {
        for (field, n) in
            [("pos_pos", p.pos_pos), ("pos_neg", p.pos_neg), ("neg_pos", p.neg_pos), ("neg_neg", p.neg_neg)]
        {
            if n > MAX_COUNT {
                return Err(InputError(format!("{at}: {}", too_large(&format!("paired.{field}"), n))));
            }
        }
        let total = p.pos_pos + p.pos_neg + p.neg_pos + p.neg_neg;
        if total > MAX_COUNT {
            return Err(InputError(format!("{at}: {}", too_large("the number of linked pairs", total))));
        }
    }
    Ok(())
}

fn check_composite(case: &str, c: &CompositeInput, years: &[String]) -> Result<(), InputError> {
    let at = format!("case {case:?}, composite {:?}", c.id);
    for year in c.respondents.keys() {
        if !years.contains(year) {
            return Err(InputError(format!(
                "{at}: respondents for {year:?}, which is not one of the case's years ({})",
                years.join(", ")
            )));
        }
    }
    for year in years {
        let Some(list) = c.respondents.get(year) else {
            return Err(InputError(format!(
                "{at}: there are no respondents for {year}; give a list for each year ([] if nobody answered)"
            )));
        };
        if u64::try_from(list.len()).map_or(true, |n| n > MAX_COUNT) {
            return Err(InputError(format!("{at}: {year} lists more than {MAX_COUNT} respondents")));
        }
        for (i, [positive, valid]) in list.iter().enumerate() {
            let who = format!("{year}, respondent {} ([{positive}, {valid}])", i + 1);
            if valid > &MAX_COUNT {
                return Err(InputError(format!("{at}: {}", too_large(&format!("the valid answers of {who}"), *valid))));
            }
            if positive > valid {
                return Err(InputError(format!(
                    "{at}: {who} has {positive} positive answers out of {valid} valid ones; positive answers are some of the valid answers, so they cannot be more"
                )));
            }
        }
    }
    Ok(())
}

/// Every check of a case before anything is computed: its years and settings, each
/// question and each composite. `compare_case` runs it; a file reader can run it first to
/// refuse a file before writing any result.
pub fn check_case(case: &CaseInput, defaults: &Settings) -> Result<Settings, InputError> {
    let s = defaults.with(&case.settings);
    if case.years.len() != 2 || case.years[0] == case.years[1] {
        return Err(InputError(format!("case {:?}: give exactly two different years, earlier first", case.id)));
    }
    if !(s.alpha > 0.0 && s.alpha < 1.0) {
        return Err(InputError(format!("case {:?}: alpha must be between 0 and 1", case.id)));
    }
    for q in &case.questions {
        check_question(&case.id, q, &case.years)?;
    }
    for c in case.composite.iter().chain(case.composites.iter().flatten()) {
        check_composite(&case.id, c, &case.years)?;
    }
    Ok(s)
}

fn sentence(
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
            let few: Vec<&str> =
                [(ya, a), (yb, b)].iter().filter(|(y, _)| y.suppressed).map(|(_, l)| l.as_str()).collect();
            format!(
                "Fewer than {} people answered in {}, so we cannot compare the two years.",
                s.suppress_below,
                few.join(" and ")
            )
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

/// Compares one case with the given defaults.
pub fn compare_case(case: &CaseInput, defaults: &Settings) -> Result<CaseResult, InputError> {
    let s = check_case(case, defaults)?;
    let years = &case.years;
    let mut results: Vec<QuestionResult> = case.questions.iter().map(|q| question_result(q, years, &s)).collect();
    let family = Family::of(results.iter().map(|r| r.z_p));
    for (i, r) in results.iter_mut().enumerate() {
        family.conclude(i, r, years, &s);
    }
    Ok(CaseResult {
        id: case.id.clone(),
        years: years.clone(),
        settings: s.clone(),
        family_size: family.size(),
        questions: results,
        composite: case.composite.as_ref().map(|c| composite(c, years, s.alpha)),
        composites: case.composites.as_ref().map(|list| list.iter().map(|c| composite(c, years, s.alpha)).collect()),
    })
}

/// One question's figures, everything but what depends on the rest of the family (adjusted
/// p-values, the verdict and the sentence, which [`Family::conclude`] adds). The question
/// must have passed `check_case`.
pub fn question_result(q: &QuestionInput, years: &[String], s: &Settings) -> QuestionResult {
    let z = z_crit(s.alpha);
    let zeros = || vec![0u64; q.options.len()];
    let ca = q.counts.get(&years[0]).cloned().unwrap_or_else(zeros);
    let cb = q.counts.get(&years[1]).cloned().unwrap_or_else(zeros);
    let (ya, ta) = year_result(q, &ca, s, z);
    let (yb, tb) = year_result(q, &cb, s, z);
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
        let verdict = if ya.n_valid == 0 || yb.n_valid == 0 {
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

/// Compares every case in a file.
pub fn compare_file(file: &CasesFile) -> Result<ComparisonOutput, InputError> {
    let defaults = Settings::default().with(&file.defaults);
    let cases = file.cases.iter().map(|c| compare_case(c, &defaults)).collect::<Result<Vec<_>, _>>()?;
    let mut generator = BTreeMap::new();
    generator.insert("heard".to_owned(), env!("CARGO_PKG_VERSION").to_owned());
    Ok(ComparisonOutput { schema_version: 1, generator, z_crit_95: Z_95, cases })
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    fn question(counts_a: [u64; 3], counts_b: [u64; 3]) -> QuestionInput {
        QuestionInput {
            id: "q1".into(),
            text: None,
            priority: None,
            value: None,
            options: vec!["Yes".into(), "Sometimes".into(), "No".into()],
            positive: vec!["Yes".into()],
            negative: vec!["No".into()],
            excluded: Vec::new(),
            scores: None,
            counts: [("2023".to_owned(), counts_a.to_vec()), ("2024".to_owned(), counts_b.to_vec())].into(),
            paired: None,
        }
    }

    fn case(questions: Vec<QuestionInput>, alpha: f64) -> CaseInput {
        CaseInput {
            id: "c1".into(),
            description: None,
            audience: None,
            settings: SettingsInput { alpha: Some(alpha), ..SettingsInput::default() },
            questions,
            years: vec!["2023".into(), "2024".into()],
            composite: None,
            composites: None,
        }
    }

    /// Method point 1: no discordant pairs, nothing to test.
    #[test]
    fn mcnemar_without_discordant_pairs_is_null() {
        let mut q = question([40, 30, 30], [50, 30, 20]);
        q.paired = Some(PairedInput { pos_pos: 20, pos_neg: 0, neg_pos: 0, neg_neg: 30 });
        let r = compare_case(&case(vec![q], 0.05), &Settings::default()).unwrap();
        let p = r.questions[0].paired.as_ref().unwrap();
        assert_eq!((p.mcnemar_exact_p, p.mcnemar_midp), (1.0, 1.0));
        assert_eq!((p.mcnemar_chi2, p.mcnemar_chi2_p), (None, None));
        let json = serde_json::to_value(p).unwrap();
        assert!(json["mcnemar_chi2"].is_null() && json["mcnemar_chi2_p"].is_null(), "{json}");
    }

    /// Method point 2: every interval at level 1 − alpha.
    #[test]
    fn every_interval_uses_the_reports_level() {
        let mut c = case(vec![question([40, 30, 30], [55, 25, 20])], 0.01);
        c.composite = Some(CompositeInput {
            id: "i".into(),
            label: "I".into(),
            questions: Vec::new(),
            respondents: [
                ("2023".to_owned(), vec![[1, 2], [0, 2], [2, 2], [1, 1]]),
                ("2024".to_owned(), vec![[2, 2], [1, 2], [2, 2], [0, 1], [1, 1]]),
            ]
            .into(),
        });
        let at99 = compare_case(&c, &Settings::default()).unwrap();
        c.settings.alpha = Some(0.05);
        let at95 = compare_case(&c, &Settings::default()).unwrap();
        let (q99, q95) = (&at99.questions[0], &at95.questions[0]);
        // Wilson at 99% for 40 of 100: z = 2.5758293035489.
        let z = 2.575_829_303_548_9_f64;
        let (p, n) = (0.4_f64, 100.0_f64);
        let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
        let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / (1.0 + z * z / n);
        let y = &q99.years["2023"];
        assert!((y.wilson_low.unwrap() - (centre - half)).abs() < 1e-12);
        assert!((y.wilson_high.unwrap() - (centre + half)).abs() < 1e-12);
        assert!(q99.newcombe_low < q95.newcombe_low && q99.newcombe_high > q95.newcombe_high);
        let (c99, c95) = (at99.composite.unwrap(), at95.composite.unwrap());
        // qt(0.995, 3) = 5.84090930973337; qt(0.975, 3) = 3.18244630528371
        assert!((c99.years["2023"].t_crit.unwrap() - 5.840_909_309_733_37).abs() < 1e-9);
        assert!((c95.years["2023"].t_crit.unwrap() - 3.182_446_305_283_71).abs() < 1e-9);
        assert!(c99.welch_t_crit.unwrap() > c95.welch_t_crit.unwrap());
    }

    /// Method point 3: one point is singular.
    #[test]
    fn one_percentage_point_is_singular() {
        // 500 of 1000 → 510 of 1000: one point, and clearly no change at this size… unless
        // the sample is huge, so test both sentences that carry a number.
        let q = question([500, 250, 250], [510, 245, 245]);
        let r = compare_case(&case(vec![q], 0.05), &Settings::default()).unwrap();
        assert_eq!(r.questions[0].diff_points_display, Some(1));
        let v = &r.questions[0];
        let ya = &v.years["2023"];
        let yb = &v.years["2024"];
        let s = Settings::default();
        let years = ["2023".to_owned(), "2024".to_owned()];
        for verdict in [Verdict::Improved, Verdict::PossibleIncrease] {
            let text = sentence(verdict, ya, yb, &years, Some(1), &s);
            assert!(text.contains("(1 percentage point)"), "{text}");
            let text = sentence(verdict, ya, yb, &years, Some(-1), &s);
            assert!(text.starts_with("Down") && text.contains("(1 percentage point)"), "{text}");
            let text = sentence(verdict, ya, yb, &years, Some(2), &s);
            assert!(text.contains("(2 percentage points)"), "{text}");
        }
        let big = question([50_000_000, 25_000_000, 25_000_000], [51_000_000, 24_500_000, 24_500_000]);
        let r = compare_case(&case(vec![big], 0.05), &Settings::default()).unwrap();
        assert_eq!(r.questions[0].verdict, Verdict::Improved);
        assert!(r.questions[0].sentence.contains("(1 percentage point)."), "{}", r.questions[0].sentence);
    }

    /// The bound is checked where numbers enter the method, for every caller.
    #[test]
    fn counts_past_the_bound_are_refused_by_name() {
        let q = question([MAX_COUNT + 1, 0, 0], [1, 2, 3]);
        let e = compare_case(&case(vec![q], 0.05), &Settings::default()).unwrap_err();
        assert!(e.0.contains("case \"c1\", question \"q1\": the count for 2023, \"Yes\", is 100000001"), "{e}");
        let q = question([u64::MAX, u64::MAX, 5], [1, 2, 3]);
        assert!(compare_case(&case(vec![q], 0.05), &Settings::default()).is_err());
        let mut q = question([1, 2, 3], [1, 2, 3]);
        q.paired = Some(PairedInput { pos_pos: 0, pos_neg: 1_000_000_000_000, neg_pos: 1_000_000_000_000, neg_neg: 0 });
        let started = std::time::Instant::now();
        let e = compare_case(&case(vec![q], 0.05), &Settings::default()).unwrap_err();
        assert!(e.0.contains("paired.pos_neg is 1000000000000"), "{e}");
        assert!(started.elapsed().as_millis() < 100);
        // Below the bound, at it, the largest table is answered quickly.
        let q = question([MAX_COUNT / 2, MAX_COUNT / 2, 0], [MAX_COUNT / 2 + 20_000, MAX_COUNT / 2 - 20_000, 0]);
        let started = std::time::Instant::now();
        let r = compare_case(&case(vec![q], 0.05), &Settings::default()).unwrap();
        assert!(r.questions[0].fisher_p.is_some_and(|p| p > 0.0 && p < 0.1));
        assert!(started.elapsed().as_secs_f64() < 1.0, "{:?}", started.elapsed());
    }
}
