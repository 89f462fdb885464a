//! The survey file as written (the `Raw*` serde shapes), before checking: what `toml`
//! reads, with spans kept so problems can name their line.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSurvey {
    pub(super) format: Spanned<String>,
    pub(super) partnership: Spanned<String>,
    pub(super) series: RawSeries,
    pub(super) wave: RawWave,
    #[serde(default)]
    pub(super) audiences: Vec<Spanned<RawAudience>>,
    #[serde(default)]
    pub(super) questions: Vec<Spanned<RawQuestion>>,
    #[serde(default)]
    pub(super) translations: Vec<Spanned<RawTranslation>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTranslation {
    pub(super) audience: String,
    pub(super) language: String,
    #[serde(default)]
    pub(super) machine_drafted: bool,
    pub(super) title: Option<String>,
    pub(super) name: Option<String>,
    pub(super) description: Option<String>,
    #[serde(default)]
    pub(super) intro: Vec<String>,
    #[serde(default)]
    pub(super) questions: BTreeMap<String, RawTranslatedQuestion>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTranslatedQuestion {
    pub(super) title: String,
    #[serde(default)]
    pub(super) hint: String,
    pub(super) symbol_alt: Option<String>,
    #[serde(default)]
    pub(super) options: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSeries {
    pub(super) slug: Spanned<String>,
    pub(super) title: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWave {
    pub(super) slug: Spanned<String>,
    pub(super) label: Spanned<String>,
    pub(super) status: Option<Spanned<String>>,
    pub(super) opens: Option<Spanned<toml::value::Datetime>>,
    pub(super) closes: Option<Spanned<toml::value::Datetime>>,
    pub(super) minutes: Option<Spanned<i64>>,
    pub(super) keep_free_text_days: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAudience {
    pub(super) key: Spanned<String>,
    pub(super) name: Spanned<String>,
    #[serde(default)]
    pub(super) description: String,
    #[serde(default)]
    pub(super) easy_read: bool,
    #[serde(default)]
    pub(super) intro: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawQuestion {
    pub(super) key: Spanned<String>,
    #[serde(rename = "type")]
    pub(super) kind: Spanned<String>,
    pub(super) audiences: Option<Spanned<Vec<String>>>,
    pub(super) text: Option<BTreeMap<String, RawWording>>,
    pub(super) options: Option<Vec<Spanned<RawOption>>>,
    pub(super) symbol: Option<Spanned<RawSymbol>>,
    #[serde(default)]
    pub(super) required: bool,
    #[serde(default = "empty_codes")]
    pub(super) priorities: Spanned<Vec<String>>,
    #[serde(default = "empty_codes")]
    pub(super) values: Spanned<Vec<String>>,
    #[serde(default = "empty_codes")]
    pub(super) outcomes: Spanned<Vec<String>>,
    pub(super) show_if: Option<Spanned<RawShowIf>>,
    pub(super) max_length: Option<Spanned<i64>>,
    pub(super) min: Option<f64>,
    pub(super) max: Option<f64>,
    #[serde(default)]
    pub(super) whole_number: bool,
    /// A grid's statements, each answered on the grid's scale.
    pub(super) statements: Option<Vec<Spanned<RawStatement>>>,
}

/// One statement of a grid: its own key and words (one for everyone, or per audience).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStatement {
    pub(super) key: Spanned<String>,
    pub(super) text: RawLabel,
    pub(super) symbol: Option<Spanned<RawSymbol>>,
}

fn empty_codes() -> Spanned<Vec<String>> {
    Spanned::new(0..0, Vec::new())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWording {
    pub(super) title: String,
    #[serde(default)]
    pub(super) hint: String,
    /// For a face scale or yes/sometimes/no question: this audience's words for Heard's own
    /// answers, in order (the stored values stay the same, so years still compare).
    pub(super) scale: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOption {
    pub(super) value: Spanned<String>,
    pub(super) label: RawLabel,
    pub(super) polarity: Option<Spanned<String>>,
    pub(super) score: Option<f64>,
    pub(super) symbol: Option<Spanned<RawSymbol>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum RawLabel {
    Same(String),
    PerAudience(BTreeMap<String, String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSymbol {
    pub(super) image: String,
    #[serde(default)]
    pub(super) alt: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawShowIf {
    pub(super) question: String,
    pub(super) any_of: Vec<String>,
}
