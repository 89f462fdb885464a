//! The year-on-year comparison method of `shared/stats/METHOD.md`, as pure functions: no
//! database, no HTTP. Input is counts per answer option per year (the `cases.json` schema);
//! output is the `expected.json` schema, field for field.
//!
//! What it must never do: claim more than the data supports. Years with too few answers are
//! not compared; many questions are adjusted for (Benjamini–Hochberg by default); sentences
//! say "could be down to chance" when that is the honest answer.

pub mod compare;
pub mod input;
pub mod pledge;
pub mod power;
pub mod reach;
pub mod results;
pub mod special;
pub mod stream;
pub mod suppress;

#[cfg(test)]
mod properties;

pub use compare::{
    CaseInput, CaseResult, CasesFile, ComparisonOutput, CompositeSample, MAX_COUNT, Settings, check_case, compare_case,
    compare_file, composite_from_samples,
};
