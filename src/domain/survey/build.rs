//! The survey builder's edits, as pure functions on a [`SurveyDefinition`]: start a survey,
//! put a question (add or replace), move, duplicate and delete one. Each edit returns the
//! changed definition or a [`BuildError`] that says, in words for the person at the form,
//! what to change. Whatever an edit gives is then checked whole by [`checked`], which writes
//! the file and reads it back with the same reader as an upload: the builder can never save
//! what an upload would refuse, and the two are the same thing. Never touches storage or HTTP.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{
    AnswerOption, Audience, DefinitionErrors, Polarity, Question, QuestionKind, SeriesInfo, ShowIf, SurveyDefinition,
    Symbol, WaveInfo, WaveStatus, Wording,
};
use crate::domain::codes::Slug;
use crate::domain::text::UserText;

/// Why an edit cannot be made, said for the person who asked for it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error("There is no question {0:?} in this wave.")]
    NoSuchQuestion(String),
    #[error("{0}")]
    Refused(String),
}

/// The audience versions Heard offers when a survey starts: key, name, easy read.
pub const PRESET_AUDIENCES: [(&str, &str, bool); 3] = [
    ("young-people", "A young person", true),
    ("parents-carers", "A parent or carer", false),
    ("professionals", "A professional", false),
];

/// A slug suggested from a title: lower case, words joined by hyphens, letters and digits
/// only (accents dropped where they decompose), at most 60 characters.
pub fn suggest_slug(title: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut out = String::new();
    for c in title.nfd() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if (c.is_whitespace() || c == '-' || c == '_' || c == '/' || c == '&')
            && !out.ends_with('-')
            && !out.is_empty()
        {
            out.push('-');
        }
    }
    let mut out: String = out.trim_end_matches('-').chars().take(60).collect();
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// What a new survey needs: its partnership, series and first wave, and its audiences.
#[derive(Debug, Clone)]
pub struct NewSurvey {
    pub partnership: Slug,
    pub series_slug: Slug,
    pub title: String,
    pub wave_slug: Slug,
    pub label: String,
    pub audiences: Vec<Audience>,
}

/// A new survey: a draft first wave with its audiences and no questions yet.
pub fn new_survey(n: NewSurvey) -> SurveyDefinition {
    SurveyDefinition {
        partnership: n.partnership,
        series: SeriesInfo { slug: n.series_slug, title: n.title },
        wave: WaveInfo {
            slug: n.wave_slug,
            label: n.label,
            status: WaveStatus::Draft,
            opens: None,
            closes: None,
            minutes: 10,
            keep_free_text_days: None,
        },
        audiences: n.audiences,
        questions: Vec::new(),
        translations: Vec::new(),
    }
}

/// Checks a definition whole, as an upload would be: written out and read back.
pub fn checked(def: &SurveyDefinition, max_text: usize) -> Result<(String, SurveyDefinition), DefinitionErrors> {
    let text = def.to_toml(max_text);
    let read = SurveyDefinition::parse("the survey", &text, max_text)?;
    Ok((text, read))
}

/// Where the question or grid `key` sits: one question, or all of a grid's statements (named
/// by the grid's key or any statement's).
pub fn span(def: &SurveyDefinition, key: &str) -> Result<std::ops::Range<usize>, BuildError> {
    let grid = def.question(key).map_or(Some(key), |q| q.grid_key());
    if let Some(g) = grid {
        let first = def.questions.iter().position(|q| q.grid_key() == Some(g));
        if let Some(first) = first {
            let n = def.questions[first..].iter().take_while(|q| q.grid_key() == Some(g)).count();
            return Ok(first..first + n);
        }
    }
    let at = def
        .questions
        .iter()
        .position(|q| q.key.as_str() == key)
        .ok_or_else(|| BuildError::NoSuchQuestion(key.to_owned()))?;
    Ok(at..at + 1)
}

/// Every key a question or grid in `range` answers to: its own, and a grid's.
fn keys_in(def: &SurveyDefinition, range: std::ops::Range<usize>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for q in &def.questions[range] {
        out.push(q.key.as_str().to_owned());
        if let Some(g) = q.grid_key().filter(|g| !out.iter().any(|k| k == g)) {
            out.push(g.to_owned());
        }
    }
    out
}

/// Adds `q` at the end (`replacing` is `None`) or in place of the question `replacing`
/// (whose key it may change: later questions routed on it follow the new key).
pub fn put_question(
    def: &SurveyDefinition,
    replacing: Option<&str>,
    q: Question,
) -> Result<SurveyDefinition, BuildError> {
    put_questions(def, replacing, vec![q])
}

/// [`put_question`] for a question or a grid's statements (`qs`), in place of the question or
/// grid `replacing`. Keys that change carry routing and translations along: a question's or a
/// grid's own, and a grid's statements by their place in it.
pub fn put_questions(
    def: &SurveyDefinition,
    replacing: Option<&str>,
    qs: Vec<Question>,
) -> Result<SurveyDefinition, BuildError> {
    let mut out = def.clone();
    let range = match replacing {
        Some(old) => span(def, old)?,
        None => def.questions.len()..def.questions.len(),
    };
    let old_keys = keys_in(def, range.clone());
    let mut new_keys: Vec<String> = Vec::new();
    for q in &qs {
        new_keys.push(q.key.as_str().to_owned());
        if let Some(g) = q.grid_key().filter(|g| !new_keys.iter().any(|k| k == g)) {
            new_keys.push(g.to_owned());
        }
    }
    let others = [&def.questions[..range.start], &def.questions[range.end..]].concat();
    for k in &new_keys {
        if others.iter().any(|e| e.key.as_str() == k || e.grid_key() == Some(k.as_str())) {
            return Err(BuildError::Refused(format!(
                "There is already a question with the key {k:?} in this wave: give this one its own key."
            )));
        }
    }
    // Renamed: the question or grid itself, then a grid's statements place by place.
    let mut renames: Vec<(String, String)> = Vec::new();
    let old_head = def.questions.get(range.start).filter(|_| replacing.is_some());
    if let (Some(o), Some(n)) = (old_head, qs.first()) {
        let (ok, nk) = (o.grid_key().unwrap_or(o.key.as_str()), n.grid_key().unwrap_or(n.key.as_str()));
        if ok != nk {
            renames.push((ok.to_owned(), nk.to_owned()));
        }
        if o.grid.is_some() && n.grid.is_some() {
            for (o, n) in def.questions[range.clone()].iter().zip(&qs) {
                if o.key != n.key && !new_keys.contains(&o.key.to_string()) {
                    renames.push((o.key.to_string(), n.key.to_string()));
                }
            }
        }
    }
    for (old, new_key) in &renames {
        for later in &mut out.questions {
            if let Some(s) = later.show_if.as_mut().filter(|s| &s.question == old) {
                s.question.clone_from(new_key);
            }
        }
        for t in &mut out.translations {
            if let Some(tq) = t.questions.remove(old) {
                t.questions.insert(new_key.clone(), tq);
            }
        }
    }
    // Translations of keys no longer here go with them.
    for k in old_keys.iter().filter(|k| !new_keys.contains(k) && !renames.iter().any(|(o, _)| o == *k)) {
        for t in &mut out.translations {
            t.questions.remove(k);
        }
    }
    out.questions.splice(range, qs);
    Ok(out)
}

/// Moves a question (or a whole grid) one place up (`up`) or down, past the question or grid
/// beside it. Nothing moves above the question its routing depends on, nor below one that
/// depends on it.
pub fn move_question(def: &SurveyDefinition, key: &str, up: bool) -> Result<SurveyDefinition, BuildError> {
    let this = span(def, key)?;
    let other = if up {
        this.start.checked_sub(1).map(|i| span(def, def.questions[i].key.as_str())).transpose()?
    } else {
        (this.end < def.questions.len()).then(|| span(def, def.questions[this.end].key.as_str())).transpose()?
    };
    let Some(other) = other else {
        return Err(BuildError::Refused(format!(
            "{key:?} is already the {} question.",
            if up { "first" } else { "last" }
        )));
    };
    let (first, second) = if up { (other, this) } else { (this, other) };
    let first_keys = keys_in(def, first.clone());
    if let Some(q) = def.questions[second.clone()]
        .iter()
        .find(|q| q.show_if.as_ref().is_some_and(|s| first_keys.contains(&s.question)))
    {
        let on = q.show_if.as_ref().map_or("", |s| s.question.as_str());
        return Err(BuildError::Refused(format!(
            "{:?} is shown only after an answer to {on:?}, so it must stay after it. Change its routing first.",
            q.grid_key().unwrap_or(q.key.as_str()),
        )));
    }
    let mut out = def.clone();
    let moved: Vec<Question> =
        def.questions[second.clone()].iter().chain(&def.questions[first.clone()]).cloned().collect();
    out.questions.splice(first.start..second.end, moved);
    Ok(out)
}

/// Where the question or grid `key` is in the list as people see it (a grid is one place),
/// counting from 1.
pub fn place(def: &SurveyDefinition, key: &str) -> Result<usize, BuildError> {
    let at = span(def, key)?.start;
    let starts = def.questions[..at]
        .iter()
        .enumerate()
        .filter(|(i, q)| *i == 0 || q.grid.is_none() || def.questions[i - 1].grid_key() != q.grid_key())
        .count();
    Ok(starts + 1)
}

/// Moves a question (or grid) to place `to` in the list (counting from 1), one place at a
/// time, so each step keeps routing in order; refused with the reason when a step cannot be
/// made.
pub fn move_to(def: &SurveyDefinition, key: &str, to: usize) -> Result<SurveyDefinition, BuildError> {
    let mut out = def.clone();
    for _ in 0..def.questions.len() {
        let now = place(&out, key)?;
        if now == to || to == 0 {
            return Ok(out);
        }
        match move_question(&out, key, to < now) {
            Ok(moved) => out = moved,
            // Past the end or the start: as far as it goes.
            Err(BuildError::Refused(m)) if m.contains("already the") => return Ok(out),
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// The first of `base`, `base-2`, `base-3`, … that `taken` does not hold.
fn free_key(base: &str, taken: impl Fn(&str) -> bool) -> String {
    let base: String = base.chars().take(56).collect();
    let mut key = base.clone();
    let mut n = 2;
    while taken(&key) {
        key = format!("{base}-{n}");
        n += 1;
    }
    key
}

/// A copy of a question (or a whole grid) straight after it, with new keys (`KEY-copy`,
/// `KEY-copy-2`, …) and its translations.
pub fn duplicate_question(def: &SurveyDefinition, key: &str) -> Result<SurveyDefinition, BuildError> {
    let range = span(def, key)?;
    let mut taken: Vec<String> = def
        .questions
        .iter()
        .flat_map(|q| [Some(q.key.to_string()), q.grid_key().map(str::to_owned)])
        .flatten()
        .collect();
    let mut fresh = |old: &str| -> Result<Slug, BuildError> {
        let k = free_key(&format!("{old}-copy"), |k| taken.iter().any(|t| t == k));
        taken.push(k.clone());
        Slug::parse(&k, "question key").map_err(|e| BuildError::Refused(e.to_string()))
    };
    let grid_key = def.questions[range.start].grid.as_ref().map(|g| fresh(g.key.as_str())).transpose()?;
    let mut out = def.clone();
    let mut copies = Vec::new();
    let mut names: Vec<(String, String)> = Vec::new();
    if let (Some(g), Some(old)) = (&grid_key, def.questions[range.start].grid_key()) {
        names.push((old.to_owned(), g.to_string()));
    }
    for q in &def.questions[range.clone()] {
        let mut copy = q.clone();
        copy.key = fresh(q.key.as_str())?;
        if let (Some(g), Some(grid)) = (&grid_key, copy.grid.as_mut()) {
            grid.key = g.clone();
        }
        names.push((q.key.to_string(), copy.key.to_string()));
        copies.push(copy);
    }
    for t in &mut out.translations {
        for (old, new_key) in &names {
            if let Some(tq) = t.questions.get(old).cloned() {
                t.questions.insert(new_key.clone(), tq);
            }
        }
    }
    out.questions.splice(range.end..range.end, copies);
    Ok(out)
}

/// Deletes a question or a whole grid (and its translations). Refused while another
/// question's routing depends on it.
pub fn delete_question(def: &SurveyDefinition, key: &str) -> Result<SurveyDefinition, BuildError> {
    let range = span(def, key)?;
    let keys = keys_in(def, range.clone());
    let dependents: Vec<&str> = def
        .questions
        .iter()
        .enumerate()
        .filter(|(i, q)| !range.contains(i) && q.show_if.as_ref().is_some_and(|s| keys.contains(&s.question)))
        .map(|(_, q)| q.key.as_str())
        .collect();
    if !dependents.is_empty() {
        return Err(BuildError::Refused(format!(
            "{} shown only after an answer to {key:?}. Change {} routing first, then delete this question.",
            dependents.iter().map(|k| format!("{k:?}")).collect::<Vec<_>>().join(" and ")
                + if dependents.len() == 1 { " is" } else { " are" },
            if dependents.len() == 1 { "its" } else { "their" }
        )));
    }
    let mut out = def.clone();
    out.questions.drain(range);
    for t in &mut out.translations {
        for k in &keys {
            t.questions.remove(k);
        }
    }
    Ok(out)
}

/// One field's problem, for the message next to it: `field` is the form field's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

fn field_error(field: impl Into<String>, message: impl Into<String>) -> FieldError {
    FieldError { field: field.into(), message: message.into() }
}

/// One audience's words as the form holds them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DraftWording {
    pub title: String,
    pub hint: String,
    /// Words for a face scale's or yes/sometimes/no question's own answers, in order.
    pub scale: Vec<String>,
}

/// One answer as the form holds it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DraftOption {
    pub value: String,
    pub labels: BTreeMap<String, String>,
    pub polarity: String,
    pub score: String,
    pub symbol: String,
}

impl DraftOption {
    fn is_blank(&self) -> bool {
        self.value.trim().is_empty()
            && self.labels.values().all(|l| l.trim().is_empty())
            && self.score.trim().is_empty()
            && self.symbol.trim().is_empty()
    }
}

/// A question as the builder's form holds it: every field as typed, so a refused save can
/// show everything back, and [`QuestionDraft::to_question`] turns it into a [`Question`] or
/// says, field by field, what to change.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QuestionDraft {
    pub key: String,
    pub kind: String,
    /// The audiences asked (their keys).
    pub asked: Vec<String>,
    pub wording: BTreeMap<String, DraftWording>,
    pub options: Vec<DraftOption>,
    pub required: bool,
    pub max_length: String,
    pub min: String,
    pub max: String,
    pub whole_number: bool,
    /// Routing: the answers (`question=value`) that show this question.
    pub show_if: Vec<String>,
    pub priorities: Vec<String>,
    pub values: Vec<String>,
    pub outcomes: Vec<String>,
    pub symbol: String,
    pub symbol_alt: String,
    /// A grid's statements (`kind` is `grid`): the answers above are its scale.
    pub statements: Vec<DraftStatement>,
}

/// One statement of a grid as the form holds it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DraftStatement {
    pub key: String,
    /// The statement per audience key.
    pub words: BTreeMap<String, String>,
    pub symbol: String,
    pub symbol_alt: String,
}

impl DraftStatement {
    fn is_blank(&self) -> bool {
        self.key.trim().is_empty() && self.words.values().all(|w| w.trim().is_empty()) && self.symbol.trim().is_empty()
    }
}

/// The scale a new grid starts with: how much someone agrees, five steps.
pub const AGREE_SCALE: [(&str, &str, &str, f64); 5] = [
    ("strongly-agree", "Strongly agree", "positive", 5.0),
    ("agree", "Agree", "positive", 4.0),
    ("not-sure", "Not sure", "neutral", 3.0),
    ("disagree", "Disagree", "negative", 2.0),
    ("strongly-disagree", "Strongly disagree", "negative", 1.0),
];

/// The longest question title or hint, in characters as people see them.
pub const WORDING_GRAPHEMES: usize = 500;

fn number(text: &str) -> Option<Result<f64, ()>> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or(()))
}

fn default_set(kind: QuestionKind) -> Vec<(String, &'static str, Polarity, f64, &'static str)> {
    match kind {
        QuestionKind::FaceScale => super::parse::default_face_options(),
        QuestionKind::YesSometimesNo => super::parse::default_ysn_options(),
        _ => Vec::new(),
    }
}

impl QuestionDraft {
    /// A new question of `kind` asked of every audience, with empty rows for its answers.
    pub fn blank(kind: QuestionKind, audiences: &[Audience]) -> Self {
        let asked: Vec<String> = audiences.iter().map(|a| a.key.as_str().to_owned()).collect();
        let defaults = default_set(kind);
        Self {
            kind: kind.as_str().to_owned(),
            wording: asked
                .iter()
                .map(|a| {
                    let scale = defaults.iter().map(|d| d.1.to_owned()).collect();
                    (a.clone(), DraftWording { scale, ..DraftWording::default() })
                })
                .collect(),
            options: if matches!(kind, QuestionKind::SingleChoice | QuestionKind::MultipleChoice) {
                vec![DraftOption { polarity: "neutral".into(), ..DraftOption::default() }; 4]
            } else {
                Vec::new()
            },
            asked,
            ..Self::default()
        }
    }

    /// A new grid asked of every audience: the agree scale and three empty statements.
    pub fn blank_grid(audiences: &[Audience]) -> Self {
        let asked: Vec<String> = audiences.iter().map(|a| a.key.as_str().to_owned()).collect();
        Self {
            kind: super::GRID_TYPE.to_owned(),
            wording: asked.iter().map(|a| (a.clone(), DraftWording::default())).collect(),
            options: AGREE_SCALE
                .iter()
                .map(|(value, label, polarity, score)| DraftOption {
                    value: (*value).to_owned(),
                    labels: asked.iter().map(|a| (a.clone(), (*label).to_owned())).collect(),
                    polarity: (*polarity).to_owned(),
                    score: score.to_string(),
                    symbol: String::new(),
                })
                .collect(),
            statements: vec![DraftStatement::default(); 3],
            required: false,
            asked,
            ..Self::default()
        }
    }

    /// The form for the grid `key` of `def` (its statements together).
    pub fn from_grid(def: &SurveyDefinition, key: &str) -> Option<Self> {
        let mut statements = def.grid_statements(key).peekable();
        let first = statements.peek()?;
        let grid = first.grid.clone()?;
        let mut draft = Self::from_question(first);
        draft.key = key.to_owned();
        draft.kind = super::GRID_TYPE.to_owned();
        draft.symbol.clear();
        draft.symbol_alt.clear();
        draft.wording = grid
            .wording
            .iter()
            .map(|(a, w)| (a.clone(), DraftWording { title: w.title.clone(), hint: w.hint.clone(), scale: vec![] }))
            .collect();
        draft.statements = statements
            .map(|st| DraftStatement {
                key: st.key.to_string(),
                words: st.wording.iter().map(|(a, w)| (a.clone(), w.title.clone())).collect(),
                symbol: st.symbol.as_ref().map(|s| s.image.clone()).unwrap_or_default(),
                symbol_alt: st.symbol.as_ref().map(|s| s.alt.clone()).unwrap_or_default(),
            })
            .collect();
        Some(draft)
    }

    /// Whether the form is a grid's.
    pub fn is_grid(&self) -> bool {
        self.kind.trim() == super::GRID_TYPE
    }

    /// The questions the form describes: the question, or a grid's statements (each a
    /// single-choice question on the grid's scale); or every field's problem at once.
    pub fn to_questions(&self, audiences: &[Audience], max_text: usize) -> Result<Vec<Question>, Vec<FieldError>> {
        if !self.is_grid() {
            return self.to_question(audiences, max_text).map(|q| vec![q]);
        }
        let mut scale = self.clone();
        scale.kind = QuestionKind::SingleChoice.as_str().to_owned();
        scale.symbol.clear();
        let head = scale.to_question(audiences, max_text);
        let mut errors = head.as_ref().err().cloned().unwrap_or_default();
        let asked: Vec<String> =
            audiences.iter().map(|a| a.key.as_str().to_owned()).filter(|a| self.asked.contains(a)).collect();
        let name_of = |a: &str| audiences.iter().find(|x| x.key.as_str() == a).map_or(a.to_owned(), |x| x.name.clone());
        let grid_key = head.as_ref().ok().map(|h| h.key.to_string()).unwrap_or_default();
        let mut read: Vec<(Slug, BTreeMap<String, Wording>, Option<Symbol>)> = Vec::new();
        let mut seen: Vec<String> = vec![grid_key.clone()];
        for (j, st) in self.statements.iter().enumerate().filter(|(_, st)| !st.is_blank()) {
            let mut words = BTreeMap::new();
            for a in &asked {
                let field = format!("st-{j}-text-{a}");
                let raw = st.words.get(a).map_or("", String::as_str);
                let text = match UserText::parse(raw, WORDING_GRAPHEMES, false) {
                    Ok(t) => t.into_string(),
                    Err(e) => {
                        errors.push(field_error(&field, format!("The statement {e}.")));
                        raw.trim().to_owned()
                    }
                };
                if text.is_empty() {
                    errors.push(field_error(&field, format!("Write this statement as {} will read it.", name_of(a))));
                }
                words.insert(a.clone(), Wording { title: text, hint: String::new() });
            }
            let typed = st.key.trim().to_lowercase();
            let key_text = if typed.is_empty() {
                asked.first().and_then(|a| words.get(a)).map(|w| suggest_slug(&w.title)).unwrap_or_default()
            } else {
                typed
            };
            let key = match Slug::parse(&key_text, "statement key") {
                Ok(k) if seen.contains(&key_text) => {
                    errors.push(field_error(
                        format!("st-{j}-key"),
                        format!("The key {:?} is used twice in this grid: give each statement its own.", k.as_str()),
                    ));
                    None
                }
                Ok(k) => Some(k),
                Err(_) => {
                    errors.push(field_error(
                        format!("st-{j}-key"),
                        "Give the statement a key of lower-case letters, digits and hyphens, like agree-safe. It stays the same every year.",
                    ));
                    None
                }
            };
            seen.push(key_text);
            let symbol = if st.symbol.trim().is_empty() {
                None
            } else {
                let alt = st.symbol_alt.trim().to_owned();
                if alt.is_empty() {
                    errors.push(field_error(
                        format!("st-{j}-alt"),
                        "Say what the statement's picture shows, for people who cannot see it.",
                    ));
                }
                Some(Symbol { image: st.symbol.trim().to_owned(), alt })
            };
            if let Some(key) = key {
                read.push((key, words, symbol));
            }
        }
        if self.statements.iter().all(DraftStatement::is_blank) {
            errors.push(field_error(
                format!("st-0-text-{}", asked.first().map_or("", String::as_str)),
                "Write at least one statement for people to answer.",
            ));
        }
        match head {
            Ok(head) if errors.is_empty() => {
                let grid = super::GridRef { key: head.key.clone(), wording: head.wording.clone() };
                Ok(read
                    .into_iter()
                    .map(|(key, wording, symbol)| Question {
                        key,
                        wording,
                        symbol,
                        grid: Some(grid.clone()),
                        ..head.clone()
                    })
                    .collect())
            }
            _ => Err(errors),
        }
    }

    /// The form for an existing question.
    pub fn from_question(q: &Question) -> Self {
        let builtin = !default_set(q.kind).is_empty()
            && q.options.len() == default_set(q.kind).len()
            && q.options.iter().zip(default_set(q.kind)).all(|(o, d)| o.value == d.0);
        Self {
            key: q.key.as_str().to_owned(),
            kind: q.kind.as_str().to_owned(),
            asked: q.audiences.clone(),
            wording: q
                .wording
                .iter()
                .map(|(a, w)| {
                    let scale = if builtin {
                        q.options.iter().map(|o| o.labels.get(a).cloned().unwrap_or_default()).collect()
                    } else {
                        Vec::new()
                    };
                    (a.clone(), DraftWording { title: w.title.clone(), hint: w.hint.clone(), scale })
                })
                .collect(),
            options: if builtin {
                Vec::new()
            } else {
                q.options
                    .iter()
                    .map(|o| DraftOption {
                        value: o.value.clone(),
                        labels: o.labels.clone(),
                        polarity: o.polarity.as_str().to_owned(),
                        score: o.score.map(|s| s.to_string()).unwrap_or_default(),
                        symbol: o.symbol.as_ref().map(|s| s.image.clone()).unwrap_or_default(),
                    })
                    .collect()
            },
            required: q.required,
            max_length: if q.kind.is_text() { q.max_length.to_string() } else { String::new() },
            min: q.min.map(|v| v.to_string()).unwrap_or_default(),
            max: q.max.map(|v| v.to_string()).unwrap_or_default(),
            whole_number: q.whole_number,
            show_if: q
                .show_if
                .as_ref()
                .map(|s| s.any_of.iter().map(|v| format!("{}={v}", s.question)).collect())
                .unwrap_or_default(),
            priorities: q.priorities.clone(),
            values: q.values.clone(),
            outcomes: q.outcomes.clone(),
            symbol: q.symbol.as_ref().map(|s| s.image.clone()).unwrap_or_default(),
            symbol_alt: q.symbol.as_ref().map(|s| s.alt.clone()).unwrap_or_default(),
            statements: Vec::new(),
        }
    }

    /// The question the form describes, or every field's problem at once.
    pub fn to_question(&self, audiences: &[Audience], max_text: usize) -> Result<Question, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name_of = |a: &str| audiences.iter().find(|x| x.key.as_str() == a).map_or(a.to_owned(), |x| x.name.clone());
        let kind = QuestionKind::parse(self.kind.trim());
        if kind.is_none() {
            errors.push(field_error("type", "Choose what kind of question this is."));
        }
        let kind = kind.unwrap_or(QuestionKind::ShortText);
        // Who is asked, in the survey's order.
        let asked: Vec<String> =
            audiences.iter().map(|a| a.key.as_str().to_owned()).filter(|a| self.asked.contains(a)).collect();
        if asked.is_empty() {
            errors.push(field_error("ask", "Tick at least one group of people to ask this question."));
        }
        let text = |raw: &str, field: &str, what: &str, errors: &mut Vec<FieldError>| -> String {
            match UserText::parse(raw, WORDING_GRAPHEMES, false) {
                Ok(t) => t.into_string(),
                Err(e) => {
                    errors.push(field_error(field, format!("The {what} {e}.")));
                    raw.trim().to_owned()
                }
            }
        };
        let mut wording = BTreeMap::new();
        for a in &asked {
            let w = self.wording.get(a).cloned().unwrap_or_default();
            let title = text(&w.title, &format!("title-{a}"), "question", &mut errors);
            if title.is_empty() {
                errors.push(field_error(
                    format!("title-{a}"),
                    format!("Write the question as {} will read it.", name_of(a)),
                ));
            }
            let hint = text(&w.hint, &format!("hint-{a}"), "hint", &mut errors);
            wording.insert(a.clone(), Wording { title, hint });
        }
        // The key: as typed, or made from the question's words.
        let typed_key = self.key.trim().to_lowercase();
        let key_text = if typed_key.is_empty() {
            asked.first().and_then(|a| wording.get(a)).map(|w| suggest_slug(&w.title)).unwrap_or_default()
        } else {
            typed_key
        };
        let key = match Slug::parse(&key_text, "question key") {
            Ok(k) => Some(k),
            Err(_) => {
                errors.push(field_error(
                    "key",
                    "Give the question a key of lower-case letters, digits and hyphens, like feel-safe. It stays the same every year, so the years can be compared.",
                ));
                None
            }
        };
        // Answers.
        let mut options = Vec::new();
        let defaults = default_set(kind);
        if !defaults.is_empty() {
            let mut custom = false;
            let mut scales: BTreeMap<&str, Vec<String>> = BTreeMap::new();
            for a in &asked {
                let scale: Vec<String> = self
                    .wording
                    .get(a)
                    .map(|w| w.scale.iter().map(|l| l.trim().to_owned()).collect())
                    .unwrap_or_default();
                let given = scale.iter().any(|l| !l.is_empty());
                if given {
                    for (i, _) in defaults.iter().enumerate() {
                        if scale.get(i).is_none_or(String::is_empty) {
                            errors.push(field_error(
                                format!("scale-{a}-{i}"),
                                "Write the words for this answer, or clear them all to use Heard's own.",
                            ));
                        }
                    }
                    if scale.iter().zip(&defaults).any(|(l, d)| l != d.1) {
                        custom = true;
                    }
                }
                scales.insert(a, scale);
            }
            for (i, (value, label, polarity, score, image)) in defaults.iter().enumerate() {
                let labels = asked
                    .iter()
                    .map(|a| {
                        let l = scales.get(a.as_str()).and_then(|s| s.get(i)).filter(|l| !l.is_empty());
                        (a.clone(), l.cloned().unwrap_or_else(|| (*label).to_owned()))
                    })
                    .collect();
                options.push(AnswerOption {
                    value: value.clone(),
                    labels,
                    polarity: *polarity,
                    score: Some(*score),
                    symbol: Some(Symbol { image: (*image).to_owned(), alt: String::new() }),
                    builtin: !custom,
                });
            }
        } else if matches!(kind, QuestionKind::SingleChoice | QuestionKind::MultipleChoice) {
            let mut seen = Vec::new();
            for (i, o) in self.options.iter().enumerate().filter(|(_, o)| !o.is_blank()) {
                let mut labels = BTreeMap::new();
                for a in &asked {
                    let l = text(
                        o.labels.get(a).map_or("", String::as_str),
                        &format!("opt-{i}-label-{a}"),
                        "answer",
                        &mut errors,
                    );
                    if l.is_empty() {
                        errors.push(field_error(
                            format!("opt-{i}-label-{a}"),
                            format!("Write this answer as {} will read it.", name_of(a)),
                        ));
                    }
                    labels.insert(a.clone(), l);
                }
                let typed = o.value.trim().to_lowercase();
                let value = if typed.is_empty() {
                    asked.first().and_then(|a| labels.get(a)).map(|l| suggest_slug(l)).unwrap_or_default()
                } else {
                    typed
                };
                if Slug::parse(&value, "answer value").is_err() {
                    errors.push(field_error(
                        format!("opt-{i}-value"),
                        "Give the answer a value of lower-case letters, digits and hyphens, like very-safe.",
                    ));
                } else if seen.contains(&value) {
                    errors.push(field_error(
                        format!("opt-{i}-value"),
                        format!("The value {value:?} is used by another answer: give each answer its own."),
                    ));
                }
                seen.push(value.clone());
                let polarity = Polarity::parse(o.polarity.trim()).unwrap_or_else(|| {
                    errors.push(field_error(
                        format!("opt-{i}-polarity"),
                        "Choose whether this answer counts as positive, negative, neutral or left out.",
                    ));
                    Polarity::Neutral
                });
                let score = match number(&o.score) {
                    None => None,
                    Some(Ok(v)) => Some(v),
                    Some(Err(())) => {
                        errors.push(field_error(
                            format!("opt-{i}-score"),
                            "The score must be a number, like 3 or 2.5, or left empty.",
                        ));
                        None
                    }
                };
                let symbol = (!o.symbol.trim().is_empty())
                    .then(|| Symbol { image: o.symbol.trim().to_owned(), alt: String::new() });
                options.push(AnswerOption { value, labels, polarity, score, symbol, builtin: false });
            }
            if options.len() < 2 {
                errors.push(field_error("opt-0-value", "Give at least 2 answers to choose from."));
            }
        }
        // Limits.
        let max_length = if kind.is_text() {
            let default =
                if kind == QuestionKind::ShortText { super::SHORT_TEXT_DEFAULT.min(max_text) } else { max_text };
            match self.max_length.trim() {
                "" => default,
                t => match t.parse::<usize>() {
                    Ok(n) if (1..=max_text).contains(&n) => n,
                    _ => {
                        errors.push(field_error(
                            "max_length",
                            format!("Give the longest answer as a number of characters from 1 to {max_text}."),
                        ));
                        default
                    }
                },
            }
        } else {
            max_text
        };
        let (mut min, mut max) = (None, None);
        if kind == QuestionKind::Number {
            for (field, raw, slot) in [("min", &self.min, &mut min), ("max", &self.max, &mut max)] {
                match number(raw) {
                    None => {}
                    Some(Ok(v)) => *slot = Some(v),
                    Some(Err(())) => {
                        errors.push(field_error(field, "Write a number, like 0 or 25, or leave it empty."))
                    }
                }
            }
            if let (Some(lo), Some(hi)) = (min, max)
                && lo > hi
            {
                errors.push(field_error("min", "The smallest answer is larger than the largest: swap them."));
            }
        }
        // Routing: answers of one earlier question.
        let mut show_if: Option<ShowIf> = None;
        for pick in &self.show_if {
            let Some((q, v)) = pick.split_once('=') else { continue };
            match &mut show_if {
                None => show_if = Some(ShowIf { question: q.to_owned(), any_of: vec![v.to_owned()] }),
                Some(s) if s.question == q => s.any_of.push(v.to_owned()),
                Some(_) => {
                    errors.push(field_error("show_if", "A question can depend on the answers to one earlier question: tick answers of one question only."));
                    break;
                }
            }
        }
        // Picture.
        let symbol = if self.symbol.trim().is_empty() {
            None
        } else {
            let alt = text(&self.symbol_alt, "symbol_alt", "picture's description", &mut errors);
            if alt.is_empty() {
                errors.push(field_error("symbol_alt", "Say what the picture shows, for people who cannot see it."));
            }
            Some(Symbol { image: self.symbol.trim().to_owned(), alt })
        };
        let codes = |list: &[String]| -> Vec<String> {
            let mut v: Vec<String> = Vec::new();
            for c in list.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
                if !v.iter().any(|x| x == c) {
                    v.push(c.to_owned());
                }
            }
            v
        };
        match key {
            Some(key) if errors.is_empty() => Ok(Question {
                key,
                kind,
                audiences: asked,
                wording,
                options,
                symbol,
                required: self.required,
                priorities: codes(&self.priorities),
                values: codes(&self.values),
                outcomes: codes(&self.outcomes),
                show_if,
                max_length,
                min,
                max,
                whole_number: kind == QuestionKind::Number && self.whole_number,
                grid: None,
                line: 0,
            }),
            _ => Err(errors),
        }
    }
}

/// A translation as its side-by-side form sends it: `get(field)` reads a field (`series_title`,
/// `audience_name`, `audience_description`, `intro-N`, and per question `t-KEY-title`,
/// `t-KEY-hint`, `t-KEY-alt`, `t-KEY-opt-VALUE`). Every question the audience is asked needs
/// its words, and every answer of its own (Heard's faces and yes/sometimes/no come in every
/// language Heard speaks); all the empty ones are named at once.
pub fn translation_from_form(
    def: &SurveyDefinition,
    audience: &str,
    language: &str,
    machine_drafted: bool,
    get: impl Fn(&str) -> String,
) -> Result<super::Translation, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut text = |field: &str, required: bool, multiline: bool| -> String {
        let raw = get(field);
        match UserText::parse(&raw, WORDING_GRAPHEMES, multiline) {
            Ok(t) if t.is_empty() && required => {
                errors.push(field_error(field, "Write the words in this language."));
                String::new()
            }
            Ok(t) => t.into_string(),
            Err(e) => {
                errors.push(field_error(field, format!("These words {e}.")));
                raw
            }
        }
    };
    let optional = |s: String| (!s.is_empty()).then_some(s);
    let series_title = optional(text("series_title", false, false));
    let audience_name = optional(text("audience_name", false, false));
    let audience_description = optional(text("audience_description", false, false));
    let intro_lines = def.audience(audience).map_or(0, |a| a.intro.len());
    let intro: Vec<String> =
        (0..intro_lines).map(|i| text(&format!("intro-{i}"), false, true)).filter(|l| !l.is_empty()).collect();
    let mut questions = BTreeMap::new();
    for unit in def.translatables(audience) {
        let k = unit.key;
        let title = text(&format!("t-{k}-title"), true, false);
        let hint = if unit.statement { String::new() } else { text(&format!("t-{k}-hint"), false, false) };
        let symbol_alt =
            if unit.symbol_alt.is_some() { optional(text(&format!("t-{k}-alt"), false, false)) } else { None };
        let mut options = BTreeMap::new();
        for o in &unit.options {
            options.insert(o.value.clone(), text(&format!("t-{k}-opt-{}", o.value), true, false));
        }
        questions.insert(k.to_owned(), super::TranslatedQuestion { title, hint, symbol_alt, options });
    }
    if errors.is_empty() {
        Ok(super::Translation {
            audience: audience.to_owned(),
            language: language.to_owned(),
            machine_drafted,
            series_title,
            audience_name,
            audience_description,
            intro,
            questions,
        })
    } else {
        Err(errors)
    }
}

/// `def` with `t` in place of the translation of the same audience and language (or added).
pub fn put_translation(def: &SurveyDefinition, t: super::Translation) -> SurveyDefinition {
    let mut out = def.clone();
    match out.translations.iter_mut().find(|x| x.audience == t.audience && x.language == t.language) {
        Some(x) => *x = t,
        None => out.translations.push(t),
    }
    out
}

/// The form field a problem of the whole-survey check belongs to (the reader names fields as
/// a file has them: `questions[3] (feel-safe).show_if.question`, `….text.young-people.title`).
pub fn field_of(problem_field: &str) -> String {
    let rest = problem_field.split_once(").").map_or(problem_field, |(_, r)| r);
    if let Some(t) = rest.strip_prefix("text.") {
        let mut parts = t.split('.');
        let aud = parts.next().unwrap_or("");
        return match parts.next() {
            Some("scale") => format!("scale-{aud}-0"),
            Some("hint") => format!("hint-{aud}"),
            _ => format!("title-{aud}"),
        };
    }
    if let Some(o) = rest.strip_prefix("statements[") {
        let j = o.split(']').next().unwrap_or("0");
        return format!("st-{j}-key");
    }
    if let Some(o) = rest.strip_prefix("options[") {
        let i = o.split(']').next().unwrap_or("0");
        return format!("opt-{i}-value");
    }
    match rest.split('.').next().unwrap_or("") {
        "show_if" => "show_if".into(),
        "max_length" => "max_length".into(),
        "min" | "max" => "min".into(),
        "symbol" => "symbol".into(),
        "audiences" => "ask".into(),
        "type" => "type".into(),
        _ => "key".into(),
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    fn demo() -> SurveyDefinition {
        let (slug, label, status, opens, _) = crate::demo::WAVES[2];
        SurveyDefinition::parse("demo", &crate::demo::survey_source(slug, label, status, opens), 2000).unwrap()
    }

    #[test]
    fn every_question_of_the_demo_goes_through_the_form_unchanged() {
        let def = demo();
        for q in &def.questions {
            let draft = QuestionDraft::from_question(q);
            let mut back = draft.to_question(&def.audiences, 2000).unwrap_or_else(|e| panic!("{}: {e:?}", q.key));
            back.line = q.line;
            assert_eq!(&back, q, "{}", q.key);
        }
    }

    #[test]
    fn a_form_with_problems_says_which_field_and_why() {
        let def = demo();
        let mut d = QuestionDraft::blank(QuestionKind::SingleChoice, &def.audiences);
        d.options[0].labels.insert("young-people".into(), "Yes".into());
        d.min = "oops".into();
        d.show_if = vec!["a=x".into(), "b=y".into()];
        d.symbol = "school".into();
        let errors = d.to_question(&def.audiences, 2000).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert!(fields.contains(&"title-young-people"), "{fields:?}");
        assert!(fields.contains(&"opt-0-label-parents-carers"), "{fields:?}");
        assert!(fields.contains(&"opt-0-value"), "fewer than 2 answers: {fields:?}");
        assert!(fields.contains(&"show_if") && fields.contains(&"symbol_alt"), "{fields:?}");
        assert!(!fields.contains(&"min"), "min only matters for numbers: {fields:?}");
        assert_eq!(field_of("questions[3] (feel-safe).show_if.question"), "show_if");
        assert_eq!(field_of("questions[3] (feel-safe).text.young-people.title"), "title-young-people");
        assert_eq!(field_of("questions[3] (feel-safe).options[2].label"), "opt-2-value");
    }

    #[test]
    fn keys_and_values_are_made_from_the_words_when_left_empty() {
        let def = demo();
        let mut d = QuestionDraft::blank(QuestionKind::SingleChoice, &def.audiences[..1]);
        let a = def.audiences[0].key.to_string();
        d.wording.get_mut(&a).unwrap().title = "Who helps you most?".into();
        d.options[0].labels.insert(a.clone(), "My mum".into());
        d.options[1].labels.insert(a.clone(), "A teacher".into());
        let q = d.to_question(&def.audiences[..1], 2000).unwrap();
        assert_eq!(q.key.as_str(), "who-helps-you-most");
        assert_eq!(q.options.iter().map(|o| o.value.as_str()).collect::<Vec<_>>(), ["my-mum", "a-teacher"]);
    }

    #[test]
    fn slugs_are_suggested_from_titles() {
        assert_eq!(suggest_slug("Participation Survey 2026"), "participation-survey-2026");
        assert_eq!(suggest_slug("  Café & Short Breaks!  "), "cafe-short-breaks");
        assert_eq!(suggest_slug("Łódź"), "odz");
        assert_eq!(suggest_slug("???"), "");
    }

    #[test]
    fn a_new_survey_is_a_draft_with_no_questions_that_reads_back() {
        let s = |t: &str| Slug::parse(t, "x").unwrap();
        let def = new_survey(NewSurvey {
            partnership: s("torbay"),
            series_slug: s("short-breaks"),
            title: "Short breaks".into(),
            wave_slug: s("short-breaks-2026"),
            label: "2026".into(),
            audiences: vec![Audience {
                key: s("parents-carers"),
                name: "A parent or carer".into(),
                description: String::new(),
                easy_read: false,
                intro: vec![],
            }],
        });
        let (_, read) = checked(&def, 2000).expect("a draft may have no questions yet");
        assert!(read.questions.is_empty());
        let mut open = def;
        open.wave.status = WaveStatus::Open;
        assert!(checked(&open, 2000).is_err(), "an open wave needs questions");
    }

    #[test]
    fn moving_keeps_routing_in_order_and_says_why_not() {
        let def = demo();
        let routed = def.questions.iter().find(|q| q.show_if.is_some()).expect("the demo routes a question");
        let on = routed.show_if.as_ref().unwrap().question.clone();
        // Directly after the question it depends on? Then moving it up is refused.
        let at = def.questions.iter().position(|q| q.key == routed.key).unwrap();
        if def.questions[at - 1].key.as_str() == on {
            let e = move_question(&def, routed.key.as_str(), true).unwrap_err();
            assert!(e.to_string().contains("must stay after it"), "{e}");
        }
        let e = delete_question(&def, &on).unwrap_err();
        assert!(e.to_string().contains("routing first"), "{e}");
        let first = def.questions[0].key.to_string();
        assert!(move_question(&def, &first, true).unwrap_err().to_string().contains("already the first"));
        let moved = move_question(&def, &first, false).unwrap();
        assert_eq!(moved.questions[1].key.as_str(), first);
        checked(&moved, 2000).expect("still reads");
    }

    #[test]
    fn moving_to_a_place_goes_step_by_step_and_keeps_routing() {
        let def = demo();
        let first = def.questions[0].key.to_string();
        let third = def.questions[2].key.to_string();
        assert_eq!(place(&def, &first).unwrap(), 1);
        let moved = move_to(&def, &third, 1).unwrap();
        assert_eq!(moved.questions[0].key.as_str(), third);
        assert_eq!(place(&moved, &first).unwrap(), 2);
        let far = move_to(&def, &first, 10_000).unwrap();
        assert_eq!(far.questions.last().map(|q| q.key.to_string()), Some(first.clone()), "as far as it goes");
        let routed = def.questions.iter().find(|q| q.show_if.is_some()).expect("routed");
        let e = move_to(&def, routed.key.as_str(), 1).unwrap_err();
        assert!(e.to_string().contains("must stay after it"), "{e}");
        assert!(move_to(&def, "nope", 1).is_err());
    }

    #[test]
    fn duplicating_gives_a_new_key_with_its_translations() {
        let def = demo();
        let key = def.questions[0].key.to_string();
        let once = duplicate_question(&def, &key).unwrap();
        let twice = duplicate_question(&once, &key).unwrap();
        assert_eq!(twice.questions[1].key.as_str(), format!("{key}-copy-2"));
        assert_eq!(twice.questions[2].key.as_str(), format!("{key}-copy"));
        let (_, read) = checked(&twice, 2000).expect("reads, translations and all");
        assert_eq!(read.questions.len(), def.questions.len() + 2);
    }

    #[test]
    fn renaming_a_key_carries_routing_and_translations_along() {
        let def = demo();
        let routed = def.questions.iter().find(|q| q.show_if.is_some()).unwrap().clone();
        let on = routed.show_if.as_ref().unwrap().question.clone();
        let mut q = def.question(&on).unwrap().clone();
        q.key = Slug::parse("renamed-question", "key").unwrap();
        let out = put_question(&def, Some(&on), q).unwrap();
        let (_, read) = checked(&out, 2000).expect("reads");
        assert_eq!(read.question(routed.key.as_str()).unwrap().show_if.as_ref().unwrap().question, "renamed-question");
        let dup = put_question(&def, None, def.questions[0].clone()).unwrap_err();
        assert!(dup.to_string().contains("already a question with the key"));
    }
}
