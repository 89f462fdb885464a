//! User text: NFC-normalised, free of NUL and control characters, limited and counted in
//! grapheme clusters (what a person sees as one character), never bytes or `char`s. Any
//! script and any emoji are welcome.

use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

/// Why text was refused, in words a respondent can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("Your answer is {count} characters long. The most you can write here is {max}. Please make it shorter.")]
    TooLong { count: usize, max: usize },
    #[error(
        "Your answer has a hidden control character in it (for example from copying and pasting). Please type it again."
    )]
    ControlCharacter,
    #[error("This answer can only be one line.")]
    MultipleLines,
}

/// Text a person wrote, cleaned and within its limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserText(String);

/// Counts grapheme clusters.
pub fn grapheme_count(text: &str) -> usize {
    text.graphemes(true).count()
}

/// Cuts text to at most `max` grapheme clusters (never splitting one).
pub fn truncate_graphemes(text: &str, max: usize) -> &str {
    match text.grapheme_indices(true).nth(max) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

impl UserText {
    /// Cleans and checks `raw`. Line endings become `\n`; leading and trailing white space is
    /// trimmed; the rest is stored as given, NFC-normalised.
    pub fn parse(raw: &str, max_graphemes: usize, multiline: bool) -> Result<Self, TextError> {
        let unified = raw.replace("\r\n", "\n").replace('\r', "\n");
        let trimmed = unified.trim();
        for c in trimmed.chars() {
            if c == '\n' {
                if !multiline {
                    return Err(TextError::MultipleLines);
                }
            } else if c == '\t' {
                continue;
            } else if c.is_control() || is_invisible_format(c) {
                return Err(TextError::ControlCharacter);
            }
        }
        let normalised: String = trimmed.nfc().collect();
        let count = grapheme_count(&normalised);
        if count > max_graphemes {
            return Err(TextError::TooLong { count, max: max_graphemes });
        }
        Ok(Self(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Text a field must have: the words, or the problem in words (`empty` when nothing
    /// was typed; otherwise "`what`: " and the reason).
    pub fn required(
        raw: &str,
        max_graphemes: usize,
        multiline: bool,
        what: &str,
        empty: &str,
    ) -> Result<String, String> {
        match Self::parse(raw, max_graphemes, multiline) {
            Ok(t) if t.is_empty() => Err(empty.to_owned()),
            Ok(t) => Ok(t.into_string()),
            Err(e) => Err(format!("{what}: {e}")),
        }
    }
}

/// Format characters that only make trouble in stored answers (bidi overrides can disguise
/// text in exports). Joiners (ZWJ/ZWNJ) and variation selectors are kept: emoji and many
/// scripts need them.
fn is_invisible_format(c: char) -> bool {
    // Bidi overrides and isolates, the byte-order mark, interlinear annotation marks, and
    // Unicode's noncharacters (U+FDD0–U+FDEF and the last two of every plane), which XML
    // documents cannot hold.
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}' | '\u{FDD0}'..='\u{FDEF}')
        || (u32::from(c) & 0xFFFE) == 0xFFFE
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn counts_graphemes_not_bytes() {
        let family = "👨‍👩‍👧‍👦";
        assert_eq!(grapheme_count(family), 1);
        assert!(UserText::parse(&family.repeat(10), 10, false).is_ok());
        assert_eq!(UserText::parse(&family.repeat(11), 10, false), Err(TextError::TooLong { count: 11, max: 10 }));
    }

    #[test]
    fn normalises_to_nfc() {
        let decomposed = "e\u{301}cole";
        let t = UserText::parse(decomposed, 100, false).map(UserText::into_string);
        assert_eq!(t.as_deref(), Ok("\u{e9}cole"));
    }

    #[test]
    fn refuses_nul_and_controls_but_keeps_scripts() {
        assert_eq!(UserText::parse("a\u{0}b", 10, true), Err(TextError::ControlCharacter));
        assert_eq!(UserText::parse("a\u{7}b", 10, true), Err(TextError::ControlCharacter));
        assert_eq!(UserText::parse("a\u{202E}b", 10, true), Err(TextError::ControlCharacter));
        for ok in ["مرحبا", "Cześć", "你好", "नमस्ते", "🏳️‍🌈"] {
            assert!(UserText::parse(ok, 10, false).is_ok(), "{ok}");
        }
    }

    #[test]
    fn lines() {
        assert_eq!(UserText::parse("a\r\nb", 10, true).map(UserText::into_string).as_deref(), Ok("a\nb"));
        assert_eq!(UserText::parse("a\nb", 10, false), Err(TextError::MultipleLines));
    }

    #[test]
    fn truncates_on_grapheme_boundaries() {
        assert_eq!(truncate_graphemes("ab👍🏽c", 3), "ab👍🏽");
        assert_eq!(truncate_graphemes("ab", 3), "ab");
    }
}
