//! The easy-read checker: advice on a survey's words, before anyone reads them.
//!
//! It follows `shared/EASYREAD.md` (rules, thresholds, the reading-age formula and the jargon
//! table from the partnerships' own strategies). Each field is checked alone (question, hint,
//! each answer, each intro line), sentences and words come from unicode-segmentation's
//! boundaries, and every finding says what to change. Findings are advice: **E** should be
//! fixed, **W** should probably be fixed, **I** is for the author to look at. Testing with
//! young people and the Parent Carer Forum decides.
//!
//! Young people's versions (`easy_read = true`) are held to easy read; other audiences to
//! plain English. Translations get the rules that do not depend on English (sentence length,
//! two questions in one, percentages, emphasis, capitals, symbols); the English-only rules
//! (syllables, jargon, negatives, passives, number words, idioms, reading age) are skipped
//! and the report says so.

use std::collections::BTreeSet;

use serde::Serialize;
use unicode_segmentation::UnicodeSegmentation;

use super::survey::{Question, QuestionKind, SurveyDefinition};

mod rules;
mod wordlists;

use wordlists::{EXCEPTIONS, SPOKEN};

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Level {
    /// Must fix.
    Error,
    /// Should fix.
    Warning,
    /// The author should look.
    Info,
}

impl Level {
    pub fn letter(self) -> &'static str {
        match self {
            Level::Error => "E",
            Level::Warning => "W",
            Level::Info => "I",
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Level::Error => "must fix",
            Level::Warning => "should fix",
            Level::Info => "look at",
        }
    }
}

/// Who reads the words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Reader {
    /// Young people 8–25: easy read.
    YoungPeople,
    /// Parents and carers: plain English.
    Parents,
}

/// One piece of advice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub level: Level,
    /// Short rule name, e.g. "Long sentence".
    pub rule: &'static str,
    /// Where: e.g. `questions.has-plan.title`.
    pub field: String,
    /// The question key, when the field belongs to a question.
    pub question: Option<String>,
    /// What to change.
    pub message: String,
}

/// The advice for one audience's version in one language.
#[derive(Debug, Clone, Serialize)]
pub struct VersionReport {
    pub audience: String,
    pub language: String,
    pub reader: Reader,
    /// Flesch–Kincaid reading age (English only): a rough guide, never a gate.
    pub reading_age: Option<f64>,
    pub findings: Vec<Finding>,
    /// Set for translations: the rules that were not run.
    pub skipped: Option<&'static str>,
}

impl VersionReport {
    pub fn count(&self, level: Level) -> usize {
        self.findings.iter().filter(|f| f.level == level).count()
    }

    /// The findings about one question.
    pub fn for_question<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings.iter().filter(move |f| f.question.as_deref() == Some(key))
    }
}

const ENGLISH_ONLY: &str = "syllables, jargon, negatives, passives, number words, idioms and reading age are English rules, so they were not run on this translation";

/// Checks every audience's version of `def`, in every language it has.
pub fn check_survey(def: &SurveyDefinition) -> Vec<VersionReport> {
    let mut out = Vec::new();
    for a in &def.audiences {
        let reader = if a.easy_read { Reader::YoungPeople } else { Reader::Parents };
        for lang in def.languages_for(a.key.as_str()) {
            out.push(check_version(def, a.key.as_str(), &lang, reader));
        }
    }
    out
}

/// The "must fix" findings of every easy-read version (young people's, in every language):
/// a wave with any does not open unless an admin records why.
pub fn must_fix_in_easy_read(def: &SurveyDefinition) -> Vec<(String, String, usize)> {
    check_survey(def)
        .into_iter()
        .filter(|r| r.reader == Reader::YoungPeople)
        .map(|r| {
            let n = r.count(Level::Error);
            (r.audience, r.language, n)
        })
        .filter(|(_, _, n)| *n > 0)
        .collect()
}

/// Checks one audience's version in one language.
pub fn check_version(def: &SurveyDefinition, audience: &str, lang: &str, reader: Reader) -> VersionReport {
    let english = lang == crate::i18n::DEFAULT_LANG;
    let mut c =
        Checker { reader, english, findings: Vec::new(), explained: BTreeSet::new(), spelled_out: BTreeSet::new() };
    let translation = def.translation(audience, lang);
    let intro: Vec<String> = match translation {
        Some(t) if !t.intro.is_empty() => t.intro.clone(),
        _ => def.audience(audience).map(|a| a.intro.clone()).unwrap_or_default(),
    };
    let mut prose = Vec::new();
    for (i, line) in intro.iter().enumerate() {
        c.field(line, &format!("intro[{i}]"), None, Kind::Prose);
        prose.push(line.clone());
    }
    let mut grid: Option<&str> = None;
    for q in def.questions_for(audience) {
        let key = q.key.as_str();
        // A grid's own question, once, before its first statement.
        if let Some(g) = q.grid.as_ref().filter(|g| grid != Some(g.key.as_str())) {
            let gw = def.grid_wording_in(g, audience, lang);
            let gk = g.key.as_str();
            c.field(&gw.title, &format!("questions.{gk}.title"), Some(gk), Kind::Question);
            prose.push(gw.title.clone());
            if !gw.hint.is_empty() {
                c.field(&gw.hint, &format!("questions.{gk}.hint"), Some(gk), Kind::Prose);
                prose.push(gw.hint.clone());
            }
        }
        grid = q.grid_key();
        let w = def.wording_in(q, audience, lang);
        let kind = if is_likert(q) { Kind::Statement } else { Kind::Question };
        c.field(&w.title, &format!("questions.{key}.title"), Some(key), kind);
        prose.push(w.title.clone());
        if !w.hint.is_empty() {
            c.field(&w.hint, &format!("questions.{key}.hint"), Some(key), Kind::Prose);
            prose.push(w.hint.clone());
        }
        for o in &q.options {
            let label = def.label_in(q, o, audience, lang);
            c.field(&label, &format!("questions.{key}.options.{}", o.value), Some(key), Kind::Answer);
        }
        if english && q.face_labels_misfit(audience) {
            c.push(
                Level::Warning,
                "Answers that fit",
                format!("questions.{key}.options"),
                Some(key),
                format!(
                    "The faces say {}, but this question is not about how happy someone is. Give words that fit the question, e.g. scale = [\"Very unsafe\", \"Unsafe\", \"In between\", \"Safe\", \"Very safe\"].",
                    crate::domain::survey::FACE_LABELS.join(", ")
                ),
            );
        }
        if let Some(s) = &q.symbol {
            let alt = def.symbol_alt_in(q, audience, lang).unwrap_or_default();
            c.symbol(&s.image, &alt, &format!("questions.{key}.symbol"), Some(key));
        }
    }
    let reading_age = english.then(|| reading_age(&prose.join("\n"))).flatten();
    if let Some(age) = reading_age {
        let (limit, aim) = match reader {
            Reader::YoungPeople => (4.0 + 5.0, 9),
            Reader::Parents => (6.0 + 5.0, 11),
        };
        if age > limit {
            c.push(
                Level::Warning,
                "Reading age",
                "version".into(),
                None,
                format!("Reading age about {age:.0}; aim for {aim} (a rough guide: shorter sentences and everyday words bring it down)."),
            );
        }
    }
    VersionReport {
        audience: audience.to_owned(),
        language: lang.to_owned(),
        reader,
        reading_age,
        findings: c.findings,
        skipped: (!english).then_some(ENGLISH_ONLY),
    }
}

/// What one piece of text is, for [`check_text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    Question,
    Hint,
    Answer,
    /// A grid's statement.
    Statement,
}

/// The advice on one piece of English text alone, as the builder shows it while someone types
/// (the whole survey is checked again on save: jargon explained elsewhere counts there).
pub fn check_text(text: &str, reader: Reader, kind: TextKind) -> Vec<Finding> {
    let mut c = Checker {
        reader,
        english: true,
        findings: Vec::new(),
        explained: BTreeSet::new(),
        spelled_out: BTreeSet::new(),
    };
    let kind = match kind {
        TextKind::Question => Kind::Question,
        TextKind::Hint => Kind::Prose,
        TextKind::Answer => Kind::Answer,
        TextKind::Statement => Kind::Statement,
    };
    c.field(text, "text", None, kind);
    c.findings
}

/// An agree/disagree-style question: a statement people rate.
fn is_likert(q: &Question) -> bool {
    matches!(q.kind, QuestionKind::FaceScale)
        || q.options
            .iter()
            .any(|o| o.value.contains("agree") || o.labels.values().any(|l| l.to_lowercase().contains("agree")))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A question's title.
    Question,
    /// A statement people agree or disagree with (or rate).
    Statement,
    /// A hint or intro line.
    Prose,
    /// An answer's label.
    Answer,
}

struct Checker {
    reader: Reader,
    english: bool,
    findings: Vec<Finding>,
    /// Jargon terms explained earlier in this version ("The Local Offer is a website.").
    explained: BTreeSet<String>,
    /// Abbreviations spelled out earlier ("Education, Health and Care (EHC) plan").
    spelled_out: BTreeSet<String>,
}

/// Sentences in a field: a line break ends one; only those holding a word count.
pub fn sentences(text: &str) -> Vec<String> {
    text.lines()
        .flat_map(|line| line.unicode_sentences())
        .filter(|s| s.unicode_words().next().is_some())
        .map(|s| s.trim().to_owned())
        .collect()
}

/// Words of a sentence, with ’ read as '.
pub fn words(sentence: &str) -> Vec<String> {
    sentence.replace('’', "'").unicode_words().map(str::to_owned).collect()
}

/// Syllables by the rules of EASYREAD.md §1.1.
pub fn syllables(word: &str) -> usize {
    let upper = word.to_uppercase();
    if let Some((_, n)) = SPOKEN.iter().find(|(a, _)| *a == upper && upper == word) {
        return *n;
    }
    if word.chars().all(|c| c.is_ascii_digit()) {
        return word.len().clamp(1, 4);
    }
    let w: String = word.to_lowercase().chars().filter(char::is_ascii_lowercase).collect();
    if let Some((_, n)) = EXCEPTIONS.iter().find(|(e, _)| *e == w) {
        return *n;
    }
    if w.len() <= 3 {
        return 1;
    }
    let mut w = w.into_bytes();
    let consonant = |c: u8| !b"aeiouy".contains(&c);
    let n = w.len();
    let drop_es = n > 2 && w.ends_with(b"es") && consonant(w[n - 3]) && !b"csxzglh".contains(&w[n - 3]);
    let drop_ed = n > 2 && w.ends_with(b"ed") && !b"td".contains(&w[n - 3]);
    if drop_es || drop_ed {
        w.truncate(n - 2);
    } else if n > 1 && w.ends_with(b"e") && consonant(w[n - 2]) && w[n - 2] != b'l' {
        w.truncate(n - 1);
    }
    if w.first() == Some(&b'y') {
        w.remove(0);
    }
    let mut count = 0;
    let mut in_vowel = false;
    for c in w {
        let v = b"aeiouy".contains(&c);
        if v && !in_vowel {
            count += 1;
        }
        in_vowel = v;
    }
    count.max(1)
}

/// Flesch–Kincaid reading age (grade + 5, never below 5) of some text, or `None` without words.
pub fn reading_age(text: &str) -> Option<f64> {
    let sents = sentences(text);
    let ws: Vec<String> = sents.iter().flat_map(|s| words(s)).collect();
    if ws.is_empty() {
        return None;
    }
    let syl: usize = ws.iter().map(|w| syllables(w)).sum();
    let grade = 0.39 * ws.len() as f64 / sents.len() as f64 + 11.8 * syl as f64 / ws.len() as f64 - 15.59;
    Some(grade.max(0.0) + 5.0)
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests;
