//! The survey definition format, `heard-survey/1`: a TOML file that co-production groups can
//! read and edit. See `docs` in the README ("Survey definition format") for the whole
//! reference; this module parses such a file into a [`SurveyDefinition`] that can only exist
//! valid. Every problem is reported with the file, the line and the field, and says how to
//! fix it; all problems are reported at once, not just the first.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use super::codes::Slug;

pub mod bank;
pub mod build;
mod parse;
mod raw;
mod write;

/// The `type` of a grid question in a survey file: a question over several statements, each
/// answered on one scale and read back as a single-choice question of its own.
pub const GRID_TYPE: &str = "grid";

/// The format name a survey file must declare.
pub const SURVEY_FORMAT: &str = "heard-survey/1";

/// One problem in a definition file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub field: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}: {}", self.file, self.line, self.field, self.message)
    }
}

/// All the problems found in one file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct DefinitionErrors(pub Vec<Problem>);

impl fmt::Display for DefinitionErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        writeln!(f, "{} problem{} found:", n, if n == 1 { "" } else { "s" })?;
        for p in &self.0 {
            writeln!(f, "  {p}")?;
        }
        Ok(())
    }
}

/// Collects problems against the source text so spans become line numbers.
pub(crate) struct Problems<'a> {
    file: &'a str,
    source: &'a str,
    found: Vec<Problem>,
}

impl<'a> Problems<'a> {
    pub(crate) fn new(file: &'a str, source: &'a str) -> Self {
        Self { file, source, found: Vec::new() }
    }

    pub(crate) fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.source.len());
        self.source.as_bytes()[..end].iter().filter(|b| **b == b'\n').count() + 1
    }

    pub(crate) fn at(&mut self, offset: usize, field: impl Into<String>, message: impl Into<String>) {
        let line = self.line_of(offset);
        self.at_line(line, field, message);
    }

    pub(crate) fn at_line(&mut self, line: usize, field: impl Into<String>, message: impl Into<String>) {
        self.found.push(Problem { file: self.file.to_owned(), line, field: field.into(), message: message.into() });
    }

    pub(crate) fn found_vec(self) -> Vec<Problem> {
        self.found
    }

    pub(crate) fn finish(self) -> Result<(), DefinitionErrors> {
        if self.found.is_empty() { Ok(()) } else { Err(DefinitionErrors(self.found)) }
    }

    /// Turns a TOML syntax or shape error into a problem.
    pub(crate) fn from_toml(file: &str, source: &str, e: &toml::de::Error) -> DefinitionErrors {
        let mut p = Problems::new(file, source);
        let offset = e.span().map(|s| s.start).unwrap_or(0);
        let message = e.message().trim().to_owned();
        let hint = if message.contains("unknown field") {
            " Check the spelling against the format reference in the README."
        } else if message.contains("missing field") {
            " Add it: every survey needs it."
        } else {
            ""
        };
        p.at(offset, "file", format!("{message}.{hint}"));
        DefinitionErrors(p.found)
    }
}

// ---------------------------------------------------------------------------------------
// The checked definition.

/// Whether a wave takes answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WaveStatus {
    Draft,
    Open,
    Closed,
}

impl WaveStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            WaveStatus::Draft => "draft",
            WaveStatus::Open => "open",
            WaveStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(Self::Draft),
            "open" => Some(Self::Open),
            "closed" => Some(Self::Closed),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SeriesInfo {
    pub slug: Slug,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WaveInfo {
    pub slug: Slug,
    pub label: String,
    pub status: WaveStatus,
    pub opens: Option<chrono::NaiveDateTime>,
    pub closes: Option<chrono::NaiveDateTime>,
    /// About how long it takes, in minutes (shown on the start page).
    pub minutes: u32,
    /// Days after a response is sent that its free-text answers are kept (then deleted by the
    /// daily retention job; counts stay). `None`: the deployment's default.
    pub keep_free_text_days: Option<u32>,
}

/// One version of a survey: who it is for and how it speaks to them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Audience {
    pub key: Slug,
    pub name: String,
    pub description: String,
    pub easy_read: bool,
    pub intro: Vec<String>,
}

/// The kinds of question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum QuestionKind {
    SingleChoice,
    MultipleChoice,
    FaceScale,
    YesSometimesNo,
    ShortText,
    LongText,
    Number,
    /// Say it or show it: words, or a voice recording or a picture instead of writing. What
    /// is stored and coded is words: the person's, and the transcript staff type.
    SayOrShow,
}

impl QuestionKind {
    pub const ALL: [QuestionKind; 8] = [
        QuestionKind::SingleChoice,
        QuestionKind::MultipleChoice,
        QuestionKind::FaceScale,
        QuestionKind::YesSometimesNo,
        QuestionKind::ShortText,
        QuestionKind::LongText,
        QuestionKind::Number,
        QuestionKind::SayOrShow,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::SingleChoice => "single-choice",
            QuestionKind::MultipleChoice => "multiple-choice",
            QuestionKind::FaceScale => "face-scale",
            QuestionKind::YesSometimesNo => "yes-sometimes-no",
            QuestionKind::ShortText => "short-text",
            QuestionKind::LongText => "long-text",
            QuestionKind::Number => "number",
            QuestionKind::SayOrShow => "say-or-show",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn has_options(self) -> bool {
        matches!(
            self,
            QuestionKind::SingleChoice
                | QuestionKind::MultipleChoice
                | QuestionKind::FaceScale
                | QuestionKind::YesSometimesNo
        )
    }

    pub fn is_text(self) -> bool {
        matches!(self, QuestionKind::ShortText | QuestionKind::LongText | QuestionKind::SayOrShow)
    }

    /// Whether the answer is long words (a long text, or the words beside a recording or
    /// picture): a text box of several lines, many lines on paper.
    pub fn is_long(self) -> bool {
        matches!(self, QuestionKind::LongText | QuestionKind::SayOrShow)
    }
}

/// How an option counts in the numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Polarity {
    Positive,
    Negative,
    Neutral,
    /// Left out of the base ("Don't know", "Not applicable").
    Excluded,
}

impl Polarity {
    pub fn as_str(self) -> &'static str {
        match self {
            Polarity::Positive => "positive",
            Polarity::Negative => "negative",
            Polarity::Neutral => "neutral",
            Polarity::Excluded => "excluded",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "positive" => Some(Self::Positive),
            "negative" => Some(Self::Negative),
            "neutral" => Some(Self::Neutral),
            "excluded" => Some(Self::Excluded),
            _ => None,
        }
    }
}

/// A picture beside words. `alt` is empty when the picture only repeats its words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Symbol {
    pub image: String,
    pub alt: String,
}

/// The words one audience sees for a question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Wording {
    pub title: String,
    pub hint: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnswerOption {
    pub value: String,
    /// Label per audience key.
    pub labels: BTreeMap<String, String>,
    pub polarity: Polarity,
    pub score: Option<f64>,
    pub symbol: Option<Symbol>,
    /// One of Heard's own answer sets (faces, yes/sometimes/no), whose labels come from the
    /// interface catalogue in other languages.
    #[serde(skip)]
    pub builtin: bool,
}

/// One audience's version of a survey in another language. Everything the respondent reads
/// is here; anything left out would fall back to the source words, so the parser requires
/// every question and answer of the audience.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Translation {
    pub audience: String,
    /// A language Heard has interface words for (see [`crate::i18n`]).
    pub language: String,
    /// Drafted by a machine; the page says so until a person has checked it.
    pub machine_drafted: bool,
    pub series_title: Option<String>,
    pub audience_name: Option<String>,
    pub audience_description: Option<String>,
    pub intro: Vec<String>,
    pub questions: BTreeMap<String, TranslatedQuestion>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TranslatedQuestion {
    pub title: String,
    pub hint: String,
    pub symbol_alt: Option<String>,
    pub options: BTreeMap<String, String>,
}

impl AnswerOption {
    pub fn label(&self, audience: &str) -> &str {
        self.labels.get(audience).or_else(|| self.labels.values().next()).map(String::as_str).unwrap_or(&self.value)
    }
}

/// Show a question only when an earlier answer is one of some values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShowIf {
    pub question: String,
    pub any_of: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Question {
    pub key: Slug,
    pub kind: QuestionKind,
    /// The audiences asked this question (all of the survey's, unless the file narrows it).
    pub audiences: Vec<String>,
    pub wording: BTreeMap<String, Wording>,
    pub options: Vec<AnswerOption>,
    pub symbol: Option<Symbol>,
    pub required: bool,
    pub priorities: Vec<String>,
    pub values: Vec<String>,
    pub outcomes: Vec<String>,
    pub show_if: Option<ShowIf>,
    /// For text questions: the most grapheme clusters accepted.
    pub max_length: usize,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub whole_number: bool,
    /// Set on each statement of a grid ("How much do you agree?" over several statements):
    /// the grid's key and words. A statement is a single-choice question in every other way
    /// (its own key, stored, exported, coded and compared like one); only the pages that show
    /// it and the file that holds it know the grid.
    pub grid: Option<GridRef>,
    /// Where the question starts in its file (for later checks against the framework).
    #[serde(skip)]
    pub line: usize,
}

/// The grid a statement belongs to: its key (unique among the survey's question keys, so a
/// translation can name it) and the question over all its statements, per audience.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GridRef {
    pub key: Slug,
    pub wording: BTreeMap<String, Wording>,
}

/// Heard's own labels for a face scale, from the saddest face to the happiest.
pub const FACE_LABELS: [&str; 5] = ["Very unhappy", "Unhappy", "In between", "Happy", "Very happy"];

/// Whether a question's words ask how happy someone is or how they feel, so that faces
/// labelled Very unhappy … Very happy answer it ("How do you feel about school?" does; "How
/// safe do you feel?" asks about safety, and "Very happy" is no answer to it).
pub fn asks_about_happiness(title: &str) -> bool {
    let t = title.to_lowercase();
    let words: Vec<&str> = t.split(|c: char| !c.is_alphanumeric() && c != '\'').filter(|w| !w.is_empty()).collect();
    let has = |w: &str| words.contains(&w);
    let happiness = ["happy", "unhappy", "happiness", "unhappiness", "happier", "mood"].iter().any(|w| has(w));
    let feel_about = words.windows(2).any(|p| matches!(p[0], "feel" | "feels" | "feeling") && p[1] == "about");
    // "How do you feel …?", "How does your child feel …?", "How are you feeling …?": a how
    // question about feeling, not "How safe/well/often … feel".
    let how_feel = words.first() == Some(&"how")
        && words.get(1).is_some_and(|w| matches!(*w, "do" | "does" | "did" | "are" | "is" | "was" | "were"))
        && words.iter().any(|w| matches!(*w, "feel" | "feels" | "feeling"));
    happiness || feel_about || how_feel
}

impl Question {
    /// A face scale that keeps Heard's labels (Very unhappy … Very happy) for `audience` on
    /// a question not about happiness: the answers do not fit the question. The definition
    /// checker and the easy-read checker both warn about it.
    pub fn face_labels_misfit(&self, audience: &str) -> bool {
        self.kind == QuestionKind::FaceScale
            && self.options.len() == FACE_LABELS.len()
            && self.options.iter().zip(FACE_LABELS).all(|(o, l)| o.labels.get(audience).is_some_and(|x| x == l))
            && self.wording(audience).is_some_and(|w| !asks_about_happiness(&w.title))
    }

    pub fn is_for(&self, audience: &str) -> bool {
        self.audiences.iter().any(|a| a == audience)
    }

    pub fn wording(&self, audience: &str) -> Option<&Wording> {
        self.wording.get(audience)
    }

    pub fn option(&self, value: &str) -> Option<&AnswerOption> {
        self.options.iter().find(|o| o.value == value)
    }

    /// The words that head this question in lists: a statement's grid's, else its own.
    pub fn head_wording(&self) -> &BTreeMap<String, Wording> {
        self.grid.as_ref().map_or(&self.wording, |g| &g.wording)
    }

    /// The key of the grid this statement belongs to.
    pub fn grid_key(&self) -> Option<&str> {
        self.grid.as_ref().map(|g| g.key.as_str())
    }
}

/// A whole, checked survey definition for one wave.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyDefinition {
    pub partnership: Slug,
    pub series: SeriesInfo,
    pub wave: WaveInfo,
    pub audiences: Vec<Audience>,
    pub questions: Vec<Question>,
    pub translations: Vec<Translation>,
}

/// Words the respondent journey uses in its URLs, so no audience may be called them.
pub const RESERVED_AUDIENCE_KEYS: [&str; 12] =
    ["who", "q", "consent", "check", "send", "done", "save", "resume", "delete", "start", "member", "next"];

/// Default longest answers, in grapheme clusters.
pub const SHORT_TEXT_DEFAULT: usize = 200;

impl SurveyDefinition {
    /// What the definition checker advises without refusing the file: today, face scales
    /// whose labels do not fit their question. Each line names the field to change.
    pub fn advice(&self) -> Vec<String> {
        let mut out = Vec::new();
        for q in &self.questions {
            for a in q.audiences.iter().filter(|a| q.face_labels_misfit(a)) {
                out.push(format!(
                    "questions.{key}.text.{a}: the face scale's answers say {labels}, but the question is not about how happy someone is. Give labels that fit, e.g. scale = [\"Very unsafe\", \"Unsafe\", \"In between\", \"Safe\", \"Very safe\"] under [questions.text.{a}] (the stored answers stay the same).",
                    key = q.key,
                    labels = FACE_LABELS.join(", "),
                ));
            }
        }
        out
    }

    /// What people answered, without the words they read: every question with its titles,
    /// hints, answer words kept but picture descriptions dropped, and the audiences by key.
    /// Once a wave has responses this must stay the same; the words around it (titles, hints,
    /// picture descriptions, audience names and introductions, translations) may be fixed.
    pub fn answered_shape(&self) -> (Vec<String>, Vec<Question>) {
        let audiences = self.audiences.iter().map(|a| a.key.as_str().to_owned()).collect();
        let questions = self
            .questions
            .iter()
            .cloned()
            .map(|mut q| {
                q.line = 0;
                for w in q.wording.values_mut() {
                    w.title.clear();
                    w.hint.clear();
                }
                if let Some(g) = q.grid.as_mut() {
                    for w in g.wording.values_mut() {
                        w.title.clear();
                        w.hint.clear();
                    }
                }
                if let Some(s) = q.symbol.as_mut() {
                    s.alt.clear();
                }
                q
            })
            .collect();
        (audiences, questions)
    }

    /// Checks the tags against the partnership's framework codes.
    pub fn check_tags(&self, file: &str, framework: &FrameworkCodes) -> Result<(), DefinitionErrors> {
        let mut p = Problems::new(file, "");
        for q in &self.questions {
            let label = format!("questions ({})", q.key);
            let mut check = |field: &str, codes: &[String], known: &BTreeSet<String>, what: &str| {
                for c in codes {
                    if !known.contains(c) {
                        let list: Vec<&str> = known.iter().map(String::as_str).collect();
                        p.at_line(
                            q.line,
                            format!("{label}.{field}"),
                            format!(
                                "{c:?} is not a {what} code of {}; its codes are {}.",
                                self.partnership,
                                if list.is_empty() { "(none yet)".to_owned() } else { list.join(", ") }
                            ),
                        );
                    }
                }
            };
            check("priorities", &q.priorities, &framework.priorities, "priority");
            check("values", &q.values, &framework.values, "value");
            check("outcomes", &q.outcomes, &framework.outcomes, "outcome statement");
        }
        p.finish()
    }

    pub fn audience(&self, key: &str) -> Option<&Audience> {
        self.audiences.iter().find(|a| a.key.as_str() == key)
    }

    pub fn question(&self, key: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.key.as_str() == key)
    }

    /// The languages `audience` can answer in: the source language first, then translations.
    pub fn languages_for(&self, audience: &str) -> Vec<String> {
        let mut v = vec![crate::i18n::DEFAULT_LANG.to_owned()];
        v.extend(self.translations.iter().filter(|t| t.audience == audience).map(|t| t.language.clone()));
        v
    }

    /// Every language any audience can answer in, source first.
    pub fn languages(&self) -> Vec<String> {
        let mut v = vec![crate::i18n::DEFAULT_LANG.to_owned()];
        for t in &self.translations {
            if !v.contains(&t.language) {
                v.push(t.language.clone());
            }
        }
        v
    }

    /// `audience`'s version in `lang`, if there is one.
    pub fn translation(&self, audience: &str, lang: &str) -> Option<&Translation> {
        self.translations.iter().find(|t| t.audience == audience && t.language.eq_ignore_ascii_case(lang))
    }

    /// The words `audience` sees for `q` in `lang` (the source words without a translation).
    pub fn wording_in(&self, q: &Question, audience: &str, lang: &str) -> Wording {
        match self.translation(audience, lang).and_then(|t| t.questions.get(q.key.as_str())) {
            Some(tq) => Wording { title: tq.title.clone(), hint: tq.hint.clone() },
            None => q
                .wording(audience)
                .cloned()
                .unwrap_or_else(|| Wording { title: q.key.to_string(), hint: String::new() }),
        }
    }

    /// The words `audience` sees in `lang` over a grid's statements ("How much do you agree?").
    pub fn grid_wording_in(&self, grid: &GridRef, audience: &str, lang: &str) -> Wording {
        match self.translation(audience, lang).and_then(|t| t.questions.get(grid.key.as_str())) {
            Some(tq) => Wording { title: tq.title.clone(), hint: tq.hint.clone() },
            None => grid
                .wording
                .get(audience)
                .cloned()
                .unwrap_or_else(|| Wording { title: grid.key.to_string(), hint: String::new() }),
        }
    }

    /// The statements of the grid `key`, in order (empty when `key` is not a grid).
    pub fn grid_statements<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Question> + 'a {
        self.questions.iter().filter(move |q| q.grid_key() == Some(key))
    }

    /// An answer's label for `audience` in `lang`.
    pub fn label_in(&self, q: &Question, o: &AnswerOption, audience: &str, lang: &str) -> String {
        let Some(t) = self.translation(audience, lang) else { return o.label(audience).to_owned() };
        if let Some(l) = t.questions.get(q.key.as_str()).and_then(|tq| tq.options.get(&o.value)) {
            return l.clone();
        }
        if o.builtin {
            return crate::i18n::text(&t.language, &format!("option_{}", o.value)).to_owned();
        }
        o.label(audience).to_owned()
    }

    /// A question's symbol alt text for `audience` in `lang`.
    pub fn symbol_alt_in(&self, q: &Question, audience: &str, lang: &str) -> Option<String> {
        let symbol = q.symbol.as_ref()?;
        let translated = self
            .translation(audience, lang)
            .and_then(|t| t.questions.get(q.key.as_str()))
            .and_then(|tq| tq.symbol_alt.clone());
        Some(translated.unwrap_or_else(|| symbol.alt.clone()))
    }

    /// What a translation for `audience` gives words for, in order: each question, and each
    /// grid before its statements (the grid's question, hint and scale, once; then each
    /// statement's words).
    pub fn translatables<'a>(&'a self, audience: &'a str) -> Vec<Translatable<'a>> {
        let mut out = Vec::new();
        let mut grid: Option<&str> = None;
        for q in self.questions_for(audience) {
            if let Some(g) = &q.grid {
                if grid != Some(g.key.as_str()) {
                    out.push(Translatable {
                        key: g.key.as_str(),
                        wording: g
                            .wording
                            .get(audience)
                            .cloned()
                            .unwrap_or_else(|| Wording { title: String::new(), hint: String::new() }),
                        options: q.options.iter().filter(|o| !o.builtin).collect(),
                        symbol_alt: None,
                        statement: false,
                    });
                }
                grid = Some(g.key.as_str());
            } else {
                grid = None;
            }
            out.push(Translatable {
                key: q.key.as_str(),
                wording: q
                    .wording(audience)
                    .cloned()
                    .unwrap_or_else(|| Wording { title: String::new(), hint: String::new() }),
                options: if q.grid.is_some() { Vec::new() } else { q.options.iter().filter(|o| !o.builtin).collect() },
                symbol_alt: q.symbol.as_ref().map(|s| s.alt.as_str()).filter(|a| !a.is_empty()),
                statement: q.grid.is_some(),
            });
        }
        out
    }

    /// The questions asked of `audience`, in order (before routing).
    pub fn questions_for<'a>(&'a self, audience: &'a str) -> impl Iterator<Item = &'a Question> + 'a {
        self.questions.iter().filter(move |q| q.is_for(audience))
    }
}

/// One thing a translation gives words for: a question, a grid (its question and scale) or
/// a grid's statement.
#[derive(Debug, Clone)]
pub struct Translatable<'a> {
    pub key: &'a str,
    pub wording: Wording,
    /// The answers of its own that need words (Heard's own sets come in every language).
    pub options: Vec<&'a AnswerOption>,
    pub symbol_alt: Option<&'a str>,
    /// A grid's statement: its answers are the grid's.
    pub statement: bool,
}

/// The codes a partnership's framework defines, for checking a survey's tags.
#[derive(Debug, Clone, Default)]
pub struct FrameworkCodes {
    pub priorities: BTreeSet<String>,
    pub values: BTreeSet<String>,
    pub outcomes: BTreeSet<String>,
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests;
