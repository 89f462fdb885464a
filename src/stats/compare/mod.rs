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
use super::special::Z_95;

mod check;
mod composite;
mod family;
mod question;

pub use check::{check_case, check_question};
pub use composite::{CompositeSample, composite, composite_from_samples};
pub use family::{Family, adjust_bh, adjust_holm};
pub use question::question_result;

/// The Wilson score interval for `pos` out of `n` with critical value `z` (the method's
/// interval for one share; the pledge scorecard uses it too).
pub fn wilson_interval(pos: u64, n: u64, z: f64) -> (f64, f64) {
    question::wilson(pos, n, z)
}

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
    /// Years whose figures are withheld (their counts given as zeros): in a filtered
    /// comparison, a group whose base would let a smaller, hidden group be worked out by
    /// subtraction (`stats::results::bases_shown`). A withheld year is suppressed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub withheld: Vec<String>,
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
    /// Withheld to protect a smaller group (see `QuestionInput::withheld`); said only when so.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub withheld: bool,
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
    /// Withheld in a filtered comparison: too few respondents, or a base that would let a
    /// smaller group be worked out (`stats::results::bases_shown`). Nothing else is given.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub withheld: bool,
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
mod tests;
