//! The survey definition format, `heard-survey/1`: a TOML file that co-production groups can
//! read and edit. See `docs` in the README ("Survey definition format") for the whole
//! reference; this module parses such a file into a [`SurveyDefinition`] that can only exist
//! valid. Every problem is reported with the file, the line and the field, and says how to
//! fix it; all problems are reported at once, not just the first.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::codes::Slug;

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
// The file as written (raw), before checking.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSurvey {
    format: Spanned<String>,
    partnership: Spanned<String>,
    series: RawSeries,
    wave: RawWave,
    #[serde(default)]
    audiences: Vec<Spanned<RawAudience>>,
    #[serde(default)]
    questions: Vec<Spanned<RawQuestion>>,
    #[serde(default)]
    translations: Vec<Spanned<RawTranslation>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTranslation {
    audience: String,
    language: String,
    #[serde(default)]
    machine_drafted: bool,
    title: Option<String>,
    name: Option<String>,
    description: Option<String>,
    #[serde(default)]
    intro: Vec<String>,
    #[serde(default)]
    questions: BTreeMap<String, RawTranslatedQuestion>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTranslatedQuestion {
    title: String,
    #[serde(default)]
    hint: String,
    symbol_alt: Option<String>,
    #[serde(default)]
    options: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSeries {
    slug: Spanned<String>,
    title: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWave {
    slug: Spanned<String>,
    label: Spanned<String>,
    status: Option<Spanned<String>>,
    opens: Option<Spanned<toml::value::Datetime>>,
    closes: Option<Spanned<toml::value::Datetime>>,
    minutes: Option<Spanned<i64>>,
    keep_free_text_days: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAudience {
    key: Spanned<String>,
    name: Spanned<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    easy_read: bool,
    #[serde(default)]
    intro: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    key: Spanned<String>,
    #[serde(rename = "type")]
    kind: Spanned<String>,
    audiences: Option<Spanned<Vec<String>>>,
    text: Option<BTreeMap<String, RawWording>>,
    options: Option<Vec<Spanned<RawOption>>>,
    symbol: Option<Spanned<RawSymbol>>,
    #[serde(default)]
    required: bool,
    #[serde(default = "empty_codes")]
    priorities: Spanned<Vec<String>>,
    #[serde(default = "empty_codes")]
    values: Spanned<Vec<String>>,
    #[serde(default = "empty_codes")]
    outcomes: Spanned<Vec<String>>,
    show_if: Option<Spanned<RawShowIf>>,
    max_length: Option<Spanned<i64>>,
    min: Option<f64>,
    max: Option<f64>,
    #[serde(default)]
    whole_number: bool,
}

fn empty_codes() -> Spanned<Vec<String>> {
    Spanned::new(0..0, Vec::new())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWording {
    title: String,
    #[serde(default)]
    hint: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOption {
    value: Spanned<String>,
    label: RawLabel,
    polarity: Option<Spanned<String>>,
    score: Option<f64>,
    symbol: Option<Spanned<RawSymbol>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawLabel {
    Same(String),
    PerAudience(BTreeMap<String, String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSymbol {
    image: String,
    #[serde(default)]
    alt: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawShowIf {
    question: String,
    any_of: Vec<String>,
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
}

impl QuestionKind {
    pub const ALL: [QuestionKind; 7] = [
        QuestionKind::SingleChoice,
        QuestionKind::MultipleChoice,
        QuestionKind::FaceScale,
        QuestionKind::YesSometimesNo,
        QuestionKind::ShortText,
        QuestionKind::LongText,
        QuestionKind::Number,
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
        matches!(self, QuestionKind::ShortText | QuestionKind::LongText)
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
    /// Where the question starts in its file (for later checks against the framework).
    #[serde(skip)]
    pub line: usize,
}

impl Question {
    pub fn is_for(&self, audience: &str) -> bool {
        self.audiences.iter().any(|a| a == audience)
    }

    pub fn wording(&self, audience: &str) -> Option<&Wording> {
        self.wording.get(audience)
    }

    pub fn option(&self, value: &str) -> Option<&AnswerOption> {
        self.options.iter().find(|o| o.value == value)
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

fn default_face_options() -> Vec<(String, &'static str, Polarity, f64, &'static str)> {
    vec![
        ("very-unhappy".into(), "Very unhappy", Polarity::Negative, 1.0, "face-1"),
        ("unhappy".into(), "Unhappy", Polarity::Negative, 2.0, "face-2"),
        ("in-between".into(), "In between", Polarity::Neutral, 3.0, "face-3"),
        ("happy".into(), "Happy", Polarity::Positive, 4.0, "face-4"),
        ("very-happy".into(), "Very happy", Polarity::Positive, 5.0, "face-5"),
    ]
}

fn default_ysn_options() -> Vec<(String, &'static str, Polarity, f64, &'static str)> {
    vec![
        ("yes".into(), "Yes", Polarity::Positive, 3.0, "yes"),
        ("sometimes".into(), "Sometimes", Polarity::Neutral, 2.0, "sometimes"),
        ("no".into(), "No", Polarity::Negative, 1.0, "no"),
    ]
}

fn date_to_naive(d: &toml::value::Datetime) -> Option<chrono::NaiveDateTime> {
    let date = d.date?;
    let day = chrono::NaiveDate::from_ymd_opt(i32::from(date.year), u32::from(date.month), u32::from(date.day))?;
    let time = match d.time {
        Some(t) => chrono::NaiveTime::from_hms_opt(u32::from(t.hour), u32::from(t.minute), u32::from(t.second))?,
        None => chrono::NaiveTime::MIN,
    };
    Some(day.and_time(time))
}

impl SurveyDefinition {
    /// Parses and checks a survey file. `file` names it in problems; `max_text` is the
    /// deployment's longest free-text answer.
    pub fn parse(file: &str, source: &str, max_text: usize) -> Result<Self, DefinitionErrors> {
        let raw: RawSurvey = toml::from_str(source).map_err(|e| Problems::from_toml(file, source, &e))?;
        let mut p = Problems::new(file, source);

        if raw.format.get_ref() != SURVEY_FORMAT {
            p.at(
                raw.format.span().start,
                "format",
                format!(
                    "this file says format = {:?}; Heard reads {SURVEY_FORMAT:?}. Set format = \"{SURVEY_FORMAT}\".",
                    raw.format.get_ref()
                ),
            );
        }
        let partnership = slug_or(&mut p, &raw.partnership, "partnership", "partnership");
        let series_slug = slug_or(&mut p, &raw.series.slug, "series.slug", "series slug");
        let series_title = nonempty(&mut p, &raw.series.title, "series.title");
        let wave_slug = slug_or(&mut p, &raw.wave.slug, "wave.slug", "wave slug");
        let wave_label = nonempty(&mut p, &raw.wave.label, "wave.label");
        let status = match &raw.wave.status {
            None => WaveStatus::Draft,
            Some(s) => WaveStatus::parse(s.get_ref()).unwrap_or_else(|| {
                p.at(
                    s.span().start,
                    "wave.status",
                    format!("{:?} is not a status: use \"draft\", \"open\" or \"closed\".", s.get_ref()),
                );
                WaveStatus::Draft
            }),
        };
        let mut when = |d: &Option<Spanned<toml::value::Datetime>>, field: &str| {
            d.as_ref().and_then(|d| {
                let v = date_to_naive(d.get_ref());
                if v.is_none() {
                    p.at(
                        d.span().start,
                        field,
                        "give a date like 2025-09-01 (or a date and time like 2025-09-01T09:00:00).",
                    );
                }
                v
            })
        };
        let opens = when(&raw.wave.opens, "wave.opens");
        let closes = when(&raw.wave.closes, "wave.closes");
        if let (Some(o), Some(c)) = (opens, closes) {
            if c <= o {
                let at = raw.wave.closes.as_ref().map(|s| s.span().start).unwrap_or(0);
                p.at(at, "wave.closes", "the wave closes before it opens: make `closes` later than `opens`.");
            }
        }
        let keep_free_text_days = match &raw.wave.keep_free_text_days {
            None => None,
            Some(d) if (1..=36_500).contains(d.get_ref()) => Some(*d.get_ref() as u32),
            Some(d) => {
                p.at(
                    d.span().start,
                    "wave.keep_free_text_days",
                    "give how many days free-text answers are kept, from 1 to 36500 (for example 730 for two years).",
                );
                None
            }
        };
        let minutes = match &raw.wave.minutes {
            None => 10,
            Some(m) if (1..=120).contains(m.get_ref()) => *m.get_ref() as u32,
            Some(m) => {
                p.at(m.span().start, "wave.minutes", "give about how many minutes it takes, from 1 to 120.");
                10
            }
        };

        // Audiences.
        let mut audiences = Vec::new();
        let mut audience_keys: Vec<String> = Vec::new();
        if raw.audiences.is_empty() {
            p.at_line(
                p.line_of(source.len()),
                "audiences",
                "a survey needs at least one [[audiences]] table, e.g. key = \"parents-carers\".",
            );
        }
        for (i, a) in raw.audiences.iter().enumerate() {
            let field = format!("audiences[{i}]");
            let Some(key) = slug_or(&mut p, &a.get_ref().key, &format!("{field}.key"), "audience key") else {
                continue;
            };
            if RESERVED_AUDIENCE_KEYS.contains(&key.as_str()) {
                p.at(a.get_ref().key.span().start, format!("{field}.key"), format!("{:?} is a word Heard uses in its web addresses: choose another audience key, e.g. \"{}-group\".", key.as_str(), key.as_str()));
                continue;
            }
            if audience_keys.contains(&key.as_str().to_owned()) {
                p.at(
                    a.get_ref().key.span().start,
                    format!("{field}.key"),
                    format!("the audience {:?} is listed twice: give each audience its own key.", key.as_str()),
                );
                continue;
            }
            let name = nonempty(&mut p, &a.get_ref().name, &format!("{field}.name")).unwrap_or_default();
            audience_keys.push(key.as_str().to_owned());
            let ar = a.get_ref();
            audiences.push(Audience {
                key,
                name,
                description: ar.description.trim().to_owned(),
                easy_read: ar.easy_read,
                intro: ar.intro.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect(),
            });
        }

        // Questions.
        let mut questions: Vec<Question> = Vec::new();
        let mut seen_keys: HashSet<String> = HashSet::new();
        if raw.questions.is_empty() {
            p.at_line(p.line_of(source.len()), "questions", "a survey needs at least one [[questions]] table.");
        }
        for (i, q) in raw.questions.iter().enumerate() {
            let start = q.span().start;
            let line = p.line_of(start);
            let rq = q.get_ref();
            let key = slug_or(&mut p, &rq.key, &format!("questions[{i}].key"), "question key");
            let label = key
                .as_ref()
                .map(|k| format!("questions[{i}] ({})", k.as_str()))
                .unwrap_or_else(|| format!("questions[{i}]"));
            if let Some(k) = &key {
                if !seen_keys.insert(k.as_str().to_owned()) {
                    p.at(
                        rq.key.span().start,
                        format!("{label}.key"),
                        format!(
                            "the key {:?} is used twice: each question needs its own key, and keeps it across waves.",
                            k.as_str()
                        ),
                    );
                }
            }
            let kind = QuestionKind::parse(rq.kind.get_ref());
            if kind.is_none() {
                let all: Vec<&str> = QuestionKind::ALL.iter().map(|k| k.as_str()).collect();
                p.at(
                    rq.kind.span().start,
                    format!("{label}.type"),
                    format!("{:?} is not a question type: use one of {}.", rq.kind.get_ref(), all.join(", ")),
                );
            }
            // Who is asked.
            let asked: Vec<String> = match &rq.audiences {
                None => audience_keys.clone(),
                Some(list) => {
                    let mut v = Vec::new();
                    for a in list.get_ref() {
                        if audience_keys.contains(a) {
                            v.push(a.clone());
                        } else {
                            p.at(
                                list.span().start,
                                format!("{label}.audiences"),
                                format!("{a:?} is not one of this survey's audiences ({}).", audience_keys.join(", ")),
                            );
                        }
                    }
                    if v.is_empty() && !list.get_ref().is_empty() {
                        v
                    } else if list.get_ref().is_empty() {
                        p.at(
                            list.span().start,
                            format!("{label}.audiences"),
                            "list at least one audience, or leave `audiences` out to ask everyone.",
                        );
                        v
                    } else {
                        v
                    }
                }
            };
            // Wording for each audience asked.
            let mut wording = BTreeMap::new();
            match &rq.text {
                None => p.at(
                    start,
                    format!("{label}.text"),
                    format!(
                        "add the question's words for each audience, e.g. [questions.text.{}] with title = \"...\".",
                        asked.first().map(String::as_str).unwrap_or("young-people")
                    ),
                ),
                Some(text) => {
                    for (aud, w) in text {
                        if !asked.contains(aud) {
                            p.at(
                                start,
                                format!("{label}.text.{aud}"),
                                format!("{aud:?} is not an audience asked this question ({}).", asked.join(", ")),
                            );
                            continue;
                        }
                        let title = w.title.trim();
                        if title.is_empty() {
                            p.at(
                                start,
                                format!("{label}.text.{aud}.title"),
                                "the question's words are empty: write the question.",
                            );
                        }
                        wording
                            .insert(aud.clone(), Wording { title: title.to_owned(), hint: w.hint.trim().to_owned() });
                    }
                    for aud in &asked {
                        if !text.contains_key(aud) {
                            p.at(start, format!("{label}.text"), format!("there are no words for the audience {aud:?}: add [questions.text.{aud}] with a title."));
                        }
                    }
                }
            }
            let symbol = rq.symbol.as_ref().map(|s| {
                let raw = s.get_ref();
                if raw.alt.trim().is_empty() {
                    p.at(
                        s.span().start,
                        format!("{label}.symbol.alt"),
                        "a question's symbol needs alt text that says what it shows, for people who cannot see it.",
                    );
                }
                if raw.image.trim().is_empty() {
                    p.at(s.span().start, format!("{label}.symbol.image"), "name the picture, e.g. image = \"school\".");
                }
                Symbol { image: raw.image.trim().to_owned(), alt: raw.alt.trim().to_owned() }
            });

            // Options.
            let mut options = Vec::new();
            if let Some(kind) = kind {
                match (&rq.options, kind) {
                    (Some(list), k) if k.has_options() => {
                        let mut values = HashSet::new();
                        for (j, o) in list.iter().enumerate() {
                            let ro = o.get_ref();
                            let of = format!("{label}.options[{j}]");
                            let value = ro.value.get_ref().trim().to_owned();
                            if Slug::parse(&value, "option value").is_err() {
                                p.at(ro.value.span().start, format!("{of}.value"), format!("{value:?} is not a usable value: use lower-case letters, digits and hyphens, e.g. \"very-happy\"."));
                            }
                            if !values.insert(value.clone()) {
                                p.at(
                                    ro.value.span().start,
                                    format!("{of}.value"),
                                    format!("the value {value:?} is used twice in this question."),
                                );
                            }
                            let labels = match &ro.label {
                                RawLabel::Same(s) => asked.iter().map(|a| (a.clone(), s.trim().to_owned())).collect(),
                                RawLabel::PerAudience(m) => {
                                    for a in &asked {
                                        if !m.contains_key(a) {
                                            p.at(o.span().start, format!("{of}.label"), format!("there is no label for the audience {a:?}: add {a} = \"...\" or give one label for everyone."));
                                        }
                                    }
                                    for a in m.keys() {
                                        if !asked.contains(a) {
                                            p.at(
                                                o.span().start,
                                                format!("{of}.label"),
                                                format!("{a:?} is not an audience asked this question."),
                                            );
                                        }
                                    }
                                    m.iter().map(|(k, v)| (k.clone(), v.trim().to_owned())).collect::<BTreeMap<_, _>>()
                                }
                            };
                            if labels.values().any(|l: &String| l.is_empty()) {
                                p.at(
                                    o.span().start,
                                    format!("{of}.label"),
                                    "an answer's label is empty: write the words people will choose.",
                                );
                            }
                            let polarity = match &ro.polarity {
                                None => Polarity::Neutral,
                                Some(s) => Polarity::parse(s.get_ref()).unwrap_or_else(|| {
                                    p.at(s.span().start, format!("{of}.polarity"), format!("{:?} is not a polarity: use positive, negative, neutral or excluded (for \"Don't know\").", s.get_ref()));
                                    Polarity::Neutral
                                }),
                            };
                            if let Some(score) = ro.score {
                                if !score.is_finite() {
                                    p.at(ro.value.span().start, format!("{of}.score"), "the score must be a number.");
                                }
                            }
                            let symbol = ro.symbol.as_ref().map(|s| Symbol {
                                image: s.get_ref().image.trim().to_owned(),
                                alt: s.get_ref().alt.trim().to_owned(),
                            });
                            options.push(AnswerOption {
                                value,
                                labels,
                                polarity,
                                score: ro.score,
                                symbol,
                                builtin: false,
                            });
                        }
                        if options.len() < 2 {
                            p.at(
                                start,
                                format!("{label}.options"),
                                "a choice question needs at least 2 answers to choose from.",
                            );
                        }
                    }
                    (None, QuestionKind::FaceScale) | (None, QuestionKind::YesSometimesNo) => {
                        let defaults = if kind == QuestionKind::FaceScale {
                            default_face_options()
                        } else {
                            default_ysn_options()
                        };
                        for (value, label_text, polarity, score, image) in defaults {
                            options.push(AnswerOption {
                                value,
                                labels: asked.iter().map(|a| (a.clone(), label_text.to_owned())).collect(),
                                polarity,
                                score: Some(score),
                                symbol: Some(Symbol { image: image.into(), alt: String::new() }),
                                builtin: true,
                            });
                        }
                    }
                    (None, QuestionKind::SingleChoice) | (None, QuestionKind::MultipleChoice) => {
                        p.at(
                            start,
                            format!("{label}.options"),
                            "a choice question needs [[questions.options]] with a value and a label for each answer.",
                        );
                    }
                    (Some(_), _) => {
                        p.at(
                            start,
                            format!("{label}.options"),
                            format!("a {} question has no options: remove them, or change the type.", kind.as_str()),
                        );
                    }
                    (None, _) => {}
                }
            }

            // Text and number limits.
            let default_len =
                if kind == Some(QuestionKind::ShortText) { SHORT_TEXT_DEFAULT.min(max_text) } else { max_text };
            let max_length = match &rq.max_length {
                None => default_len,
                Some(m) => {
                    let v = *m.get_ref();
                    if kind.is_some_and(|k| !k.is_text()) {
                        p.at(m.span().start, format!("{label}.max_length"), "only text questions have a max_length.");
                    }
                    if v < 1 || v as usize > max_text {
                        p.at(
                            m.span().start,
                            format!("{label}.max_length"),
                            format!("give a length from 1 to {max_text} characters."),
                        );
                        default_len
                    } else {
                        v as usize
                    }
                }
            };
            if let (Some(lo), Some(hi)) = (rq.min, rq.max) {
                if lo > hi {
                    p.at(start, format!("{label}.min"), "min is larger than max: swap them.");
                }
            }
            if (rq.min.is_some() || rq.max.is_some() || rq.whole_number) && kind != Some(QuestionKind::Number) {
                p.at(start, format!("{label}.min"), "only number questions have min, max and whole_number.");
            }

            // Routing.
            let show_if = rq.show_if.as_ref().and_then(|s| {
                let rs = s.get_ref();
                let Some(earlier) = questions.iter().find(|e| e.key.as_str() == rs.question) else {
                    p.at(s.span().start, format!("{label}.show_if.question"), format!("{:?} is not an earlier question: routing can only depend on a question asked before this one.", rs.question));
                    return None;
                };
                if !earlier.kind.has_options() {
                    p.at(s.span().start, format!("{label}.show_if.question"), format!("{:?} is a {} question: routing needs a choice question.", rs.question, earlier.kind.as_str()));
                    return None;
                }
                if rs.any_of.is_empty() {
                    p.at(s.span().start, format!("{label}.show_if.any_of"), "list the answers that show this question, e.g. any_of = [\"no\"].");
                }
                for v in &rs.any_of {
                    if earlier.option(v).is_none() {
                        let known: Vec<&str> = earlier.options.iter().map(|o| o.value.as_str()).collect();
                        p.at(s.span().start, format!("{label}.show_if.any_of"), format!("{v:?} is not an answer to {:?}; its answers are {}.", rs.question, known.join(", ")));
                    }
                }
                Some(ShowIf { question: rs.question.clone(), any_of: rs.any_of.clone() })
            });

            let codes = |list: &Spanned<Vec<String>>| -> Vec<String> {
                let mut set = BTreeSet::new();
                list.get_ref().iter().map(|c| c.trim().to_owned()).filter(|c| set.insert(c.clone())).collect()
            };
            if let (Some(key), Some(kind)) = (key, kind) {
                questions.push(Question {
                    key,
                    kind,
                    audiences: asked,
                    wording,
                    options,
                    symbol,
                    required: rq.required,
                    priorities: codes(&rq.priorities),
                    values: codes(&rq.values),
                    outcomes: codes(&rq.outcomes),
                    show_if,
                    max_length,
                    min: rq.min,
                    max: rq.max,
                    whole_number: rq.whole_number,
                    line,
                });
            }
        }
        let translations = parse_translations(&mut p, &raw.translations, &audiences, &questions);
        p.finish()?;
        let (Some(partnership), Some(series_slug), Some(series_title), Some(wave_slug), Some(wave_label)) =
            (partnership, series_slug, series_title, wave_slug, wave_label)
        else {
            return Err(DefinitionErrors(vec![]));
        };
        Ok(SurveyDefinition {
            partnership,
            series: SeriesInfo { slug: series_slug, title: series_title },
            wave: WaveInfo { slug: wave_slug, label: wave_label, status, opens, closes, minutes, keep_free_text_days },
            audiences,
            questions,
            translations,
        })
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

    /// The questions asked of `audience`, in order (before routing).
    pub fn questions_for<'a>(&'a self, audience: &'a str) -> impl Iterator<Item = &'a Question> + 'a {
        self.questions.iter().filter(move |q| q.is_for(audience))
    }
}

/// Checks each `[[translations]]` table: a language Heard has interface words for, an audience
/// of this survey, and words for every question and answer that audience sees.
fn parse_translations(
    p: &mut Problems<'_>,
    raw: &[Spanned<RawTranslation>],
    audiences: &[Audience],
    questions: &[Question],
) -> Vec<Translation> {
    let mut out: Vec<Translation> = Vec::new();
    for (i, t) in raw.iter().enumerate() {
        let at = t.span().start;
        let rt = t.get_ref();
        let field = format!("translations[{i}]");
        let Some(catalogue) = crate::i18n::catalogue(rt.language.trim()) else {
            let known: Vec<String> = crate::i18n::catalogues()
                .iter()
                .filter(|c| c.language != crate::i18n::DEFAULT_LANG)
                .map(|c| format!("{} ({})", c.language, c.name))
                .collect();
            p.at(
                at,
                format!("{field}.language"),
                format!(
                    "Heard has no interface words in {:?} yet, so the buttons would be in English. Languages it has: {}.",
                    rt.language,
                    known.join(", ")
                ),
            );
            continue;
        };
        let language = catalogue.language.clone();
        if language == crate::i18n::DEFAULT_LANG {
            p.at(at, format!("{field}.language"), "the survey is already in English: translate into another language.");
            continue;
        }
        if !audiences.iter().any(|a| a.key.as_str() == rt.audience) {
            let keys: Vec<&str> = audiences.iter().map(|a| a.key.as_str()).collect();
            p.at(
                at,
                format!("{field}.audience"),
                format!("{:?} is not one of this survey's audiences ({}).", rt.audience, keys.join(", ")),
            );
            continue;
        }
        if out.iter().any(|o| o.audience == rt.audience && o.language == language) {
            p.at(at, field.clone(), format!("there are two {language} translations for {:?}: keep one.", rt.audience));
            continue;
        }
        let mut translated = BTreeMap::new();
        for (key, tq) in &rt.questions {
            let Some(q) = questions.iter().find(|q| q.key.as_str() == key) else {
                p.at(at, format!("{field}.questions.{key}"), format!("there is no question with the key {key:?}."));
                continue;
            };
            if !q.is_for(&rt.audience) {
                p.at(
                    at,
                    format!("{field}.questions.{key}"),
                    format!("{key:?} is not asked of {:?}, so it needs no translation for them.", rt.audience),
                );
            }
            if tq.title.trim().is_empty() {
                p.at(at, format!("{field}.questions.{key}.title"), "the translated question is empty: write it.");
            }
            for value in tq.options.keys() {
                if q.option(value).is_none() {
                    p.at(
                        at,
                        format!("{field}.questions.{key}.options"),
                        format!("{value:?} is not an answer to {key:?}."),
                    );
                }
            }
            for o in q.options.iter().filter(|o| !o.builtin) {
                if !tq.options.contains_key(&o.value) {
                    p.at(
                        at,
                        format!("{field}.questions.{key}.options"),
                        format!(
                            "add the words for the answer {:?}, e.g. options = {{ {} = \"...\" }}.",
                            o.value, o.value
                        ),
                    );
                }
            }
            if q.symbol.as_ref().is_some_and(|s| !s.alt.is_empty())
                && tq.symbol_alt.as_ref().is_none_or(|a| a.trim().is_empty())
            {
                p.at(
                    at,
                    format!("{field}.questions.{key}.symbol_alt"),
                    "the question's picture has alt text: translate it too (symbol_alt = \"...\").",
                );
            }
            translated.insert(
                key.clone(),
                TranslatedQuestion {
                    title: tq.title.trim().to_owned(),
                    hint: tq.hint.trim().to_owned(),
                    symbol_alt: tq.symbol_alt.as_ref().map(|a| a.trim().to_owned()),
                    options: tq.options.iter().map(|(k, v)| (k.clone(), v.trim().to_owned())).collect(),
                },
            );
        }
        for q in questions.iter().filter(|q| q.is_for(&rt.audience)) {
            if !translated.contains_key(q.key.as_str()) {
                p.at(
                    at,
                    format!("{field}.questions"),
                    format!(
                        "the question {:?} has no {language} words: add [translations.questions.{}] with a title.",
                        q.key.as_str(),
                        q.key.as_str()
                    ),
                );
            }
        }
        let trimmed = |s: &Option<String>| s.as_ref().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        out.push(Translation {
            audience: rt.audience.clone(),
            language,
            machine_drafted: rt.machine_drafted,
            series_title: trimmed(&rt.title),
            audience_name: trimmed(&rt.name),
            audience_description: trimmed(&rt.description),
            intro: rt.intro.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect(),
            questions: translated,
        });
    }
    out
}

/// The codes a partnership's framework defines, for checking a survey's tags.
#[derive(Debug, Clone, Default)]
pub struct FrameworkCodes {
    pub priorities: BTreeSet<String>,
    pub values: BTreeSet<String>,
    pub outcomes: BTreeSet<String>,
}

fn slug_or(p: &mut Problems<'_>, value: &Spanned<String>, field: &str, what: &'static str) -> Option<Slug> {
    match Slug::parse(value.get_ref().trim(), what) {
        Ok(s) => Some(s),
        Err(e) => {
            p.at(value.span().start, field, format!("{e}."));
            None
        }
    }
}

fn nonempty(p: &mut Problems<'_>, value: &Spanned<String>, field: &str) -> Option<String> {
    let v = value.get_ref().trim();
    if v.is_empty() {
        p.at(value.span().start, field, "this must not be empty.");
        None
    } else {
        Some(v.to_owned())
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    const BASE: &str = r#"
format = "heard-survey/1"
partnership = "p"
[series]
slug = "s"
title = "S"
[wave]
slug = "s-1"
label = "1"
[[audiences]]
key = "young-people"
name = "A young person"
[[questions]]
key = "happy"
type = "yes-sometimes-no"
symbol = { image = "school", alt = "A school" }
[questions.text.young-people]
title = "Are you happy at school?"
[[questions]]
key = "who"
type = "single-choice"
[questions.text.young-people]
title = "Who helps?"
[[questions.options]]
value = "mum"
label = "Mum"
[[questions.options]]
value = "dad"
label = "Dad"
"#;

    fn problems(extra: &str) -> Vec<String> {
        match SurveyDefinition::parse("t.toml", &format!("{BASE}{extra}"), 1000) {
            Ok(_) => vec![],
            Err(e) => e.0.into_iter().map(|p| format!("{}: {}", p.field, p.message)).collect(),
        }
    }

    #[test]
    fn a_whole_translation_parses_and_falls_back_per_word() {
        let extra = r#"
[[translations]]
audience = "young-people"
language = "pl"
machine_drafted = true
[translations.questions.happy]
title = "Czy jesteś szczęśliwy w szkole?"
symbol_alt = "Szkoła"
[translations.questions.who]
title = "Kto pomaga?"
options = { mum = "Mama", dad = "Tata" }
"#;
        let def = SurveyDefinition::parse("t.toml", &format!("{BASE}{extra}"), 1000).expect("valid");
        assert_eq!(def.languages_for("young-people"), vec!["en-GB", "pl"]);
        let q = def.question("happy").expect("q");
        assert_eq!(def.wording_in(q, "young-people", "pl").title, "Czy jesteś szczęśliwy w szkole?");
        assert_eq!(def.wording_in(q, "young-people", "ar").title, "Are you happy at school?");
        assert_eq!(def.label_in(q, &q.options[0], "young-people", "pl"), "Tak", "built-in answers from the catalogue");
        let who = def.question("who").expect("q");
        assert_eq!(def.label_in(who, &who.options[1], "young-people", "pl"), "Tata");
        assert_eq!(def.symbol_alt_in(q, "young-people", "pl").as_deref(), Some("Szkoła"));
    }

    #[test]
    fn incomplete_or_wrong_translations_are_explained() {
        let found = problems(
            r#"
[[translations]]
audience = "young-people"
language = "tlh"
[[translations]]
audience = "grown-ups"
language = "pl"
[[translations]]
audience = "young-people"
language = "ar"
[translations.questions.who]
title = "من يساعد؟"
options = { mum = "أمي", uncle = "عمي" }
[translations.questions.nope]
title = "?"
"#,
        );
        let all = found.join("\n");
        assert!(all.contains("no interface words in \"tlh\""), "{all}");
        assert!(all.contains("\"grown-ups\" is not one of this survey's audiences"), "{all}");
        assert!(all.contains("\"uncle\" is not an answer to \"who\""), "{all}");
        assert!(all.contains("add the words for the answer \"dad\""), "{all}");
        assert!(all.contains("there is no question with the key \"nope\""), "{all}");
        assert!(all.contains("the question \"happy\" has no ar words"), "{all}");
    }
}
