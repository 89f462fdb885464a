//! Interface words for respondents, from catalogues under `templates/i18n/` (one TOML file per
//! language, embedded in the binary). British English is the source; every other catalogue
//! must hold exactly its keys and placeholders, which a test checks.
//!
//! Survey content (questions, answers, intros) is translated in the survey definition itself
//! (see [`crate::domain::survey::Translation`]); this module holds only Heard's own words.
//! Staff pages stay in English.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::OnceLock;

use serde::Deserialize;

/// The catalogues, `templates/i18n/*.toml`, embedded here (not through the templates
/// module, which uses this one for its `t` helper: words come before pages).
#[derive(rust_embed::RustEmbed)]
#[folder = "templates/i18n/"]
#[include = "*.toml"]
struct Embedded;

/// The source language, used whenever nothing else is chosen or available.
pub const DEFAULT_LANG: &str = "en-GB";

/// One catalogue.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    /// BCP 47 tag, used in `lang`.
    pub language: String,
    /// The language's own name for itself (shown in the switcher).
    pub name: String,
    /// `ltr` or `rtl`.
    pub dir: String,
    /// Drafted by a machine and waiting for a fluent reviewer.
    pub machine_drafted: bool,
    pub text: HashMap<String, String>,
}

static CATALOGUES: OnceLock<Vec<Catalogue>> = OnceLock::new();

/// Every catalogue, British English first. A catalogue that fails to parse is left out (and a
/// unit test fails), so a bad file can never take pages down.
pub fn catalogues() -> &'static [Catalogue] {
    CATALOGUES.get_or_init(|| {
        let mut all: Vec<Catalogue> = Embedded::iter()
            .filter(|p| p.ends_with(".toml"))
            .filter_map(|p| Embedded::get(&p))
            .filter_map(|f| toml::from_str::<Catalogue>(&String::from_utf8_lossy(&f.data)).ok())
            .collect();
        all.sort_by_key(|c| (c.language != DEFAULT_LANG, c.language.clone()));
        all
    })
}

/// The catalogue for `lang`, if Heard has one.
pub fn catalogue(lang: &str) -> Option<&'static Catalogue> {
    catalogues().iter().find(|c| c.language.eq_ignore_ascii_case(lang))
}

/// Whether Heard has interface words in `lang`.
pub fn supported(lang: &str) -> bool {
    catalogue(lang).is_some()
}

/// Text direction of `lang`: `rtl` or `ltr`.
pub fn dir(lang: &str) -> &'static str {
    match catalogue(lang) {
        Some(c) if c.dir == "rtl" => "rtl",
        _ => "ltr",
    }
}

/// The words for `key` in `lang`, falling back to British English, then to the key itself.
pub fn text(lang: &str, key: &str) -> &'static str {
    catalogue(lang)
        .and_then(|c| c.text.get(key))
        .or_else(|| catalogue(DEFAULT_LANG).and_then(|c| c.text.get(key)))
        .map(String::as_str)
        .unwrap_or("")
}

/// [`text`] with `{0}`, `{1}`, ... replaced by `args`.
pub fn format(lang: &str, key: &str, args: &[&dyn Display]) -> String {
    let mut s = text(lang, key).to_owned();
    for (i, a) in args.iter().enumerate() {
        s = s.replace(&format!("{{{i}}}"), &a.to_string());
    }
    s
}

/// A kind message for a wrong answer, in `lang`.
pub fn answer_error(lang: &str, e: &crate::domain::AnswerError) -> String {
    use crate::domain::AnswerError as A;
    use crate::domain::TextError as T;
    match e {
        A::Missing => text(lang, "answer_missing").into(),
        A::Required => text(lang, "answer_required").into(),
        A::UnknownOption => text(lang, "answer_unknown").into(),
        A::OnlyOne => text(lang, "answer_only_one").into(),
        A::NotANumber => text(lang, "answer_not_number").into(),
        A::NotWhole => text(lang, "answer_not_whole").into(),
        A::OutOfRange { min, max } if max == "any" => format(lang, "answer_at_least", &[min]),
        A::OutOfRange { min, max } if min == "any" => format(lang, "answer_at_most", &[max]),
        A::OutOfRange { min, max } => format(lang, "answer_range", &[min, max]),
        A::Text(T::TooLong { count, max }) => format(lang, "text_too_long", &[count, max]),
        A::Text(T::ControlCharacter) => text(lang, "text_control").into(),
        A::Text(T::MultipleLines) => text(lang, "text_one_line").into(),
    }
}

/// Why a recording or picture given as an answer was refused, in the respondent's language.
pub fn file_error(lang: &str, e: &crate::domain::media::MediaError) -> String {
    use crate::domain::media::MediaError as M;
    match e {
        M::Empty => text(lang, "file_empty").into(),
        M::TooLarge { size, max } => format(lang, "file_too_large", &[size, max]),
        M::NotAudio => text(lang, "file_not_audio").into(),
        M::NotImage | M::BadSvg(_) => text(lang, "file_not_picture").into(),
        M::BadImage(_) | M::TooManyPixels { .. } => text(lang, "file_bad_picture").into(),
        M::TooLong { seconds, max } => format(lang, "file_too_long", &[seconds, max]),
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    fn placeholders(s: &str) -> Vec<usize> {
        (0..10).filter(|i| s.contains(&format!("{{{i}}}"))).collect()
    }

    #[test]
    fn every_catalogue_parses_and_matches_the_source() {
        let files = Embedded::iter().count();
        assert!(files >= 3, "expected en-GB, pl and ar");
        assert_eq!(catalogues().len(), files, "a catalogue failed to parse");
        let source = catalogue(DEFAULT_LANG).expect("en-GB");
        for c in catalogues() {
            assert!(c.dir == "ltr" || c.dir == "rtl", "{}", c.language);
            for (k, v) in &source.text {
                let t = c.text.get(k).unwrap_or_else(|| panic!("{} lacks {k}", c.language));
                assert!(!t.trim().is_empty(), "{} {k} is empty", c.language);
                assert_eq!(placeholders(v), placeholders(t), "{} {k} placeholders differ", c.language);
            }
            for k in c.text.keys() {
                assert!(source.text.contains_key(k), "{} has {k}, which en-GB lacks", c.language);
            }
        }
    }

    #[test]
    fn arabic_is_right_to_left_and_falls_back_to_english() {
        assert_eq!(dir("ar"), "rtl");
        assert_eq!(dir("pl"), "ltr");
        assert_eq!(dir("xx"), "ltr");
        assert_eq!(text("xx", "continue"), "Continue");
        assert_eq!(format("pl", "progress", &[&2, &9]), "Pytanie 2 z 9");
    }

    #[test]
    fn answer_errors_read_the_same_in_english_as_before() {
        use crate::domain::AnswerError;
        for e in [AnswerError::Missing, AnswerError::Required, AnswerError::NotWhole] {
            assert_eq!(answer_error(DEFAULT_LANG, &e), e.to_string());
        }
    }
}
