//! Answers: what a respondent gave for one question, checked against that question, and
//! the routing rules that decide which questions a respondent sees.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::survey::{Question, QuestionKind, SurveyDefinition};
use super::text::{TextError, UserText};

/// One answer, already checked against its question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", content = "v", rename_all = "lowercase")]
pub enum AnswerValue {
    Choice(String),
    Choices(Vec<String>),
    Text(String),
    Number(f64),
}

/// A respondent's answers by question key.
pub type Answers = BTreeMap<String, AnswerValue>;

/// Why an answer was not accepted, in words for the respondent.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnswerError {
    #[error("Choose an answer, or press \"Skip this question\".")]
    Missing,
    #[error("Choose an answer.")]
    Required,
    #[error("That answer is not one of the choices. Choose one of the answers shown.")]
    UnknownOption,
    #[error("Choose only one answer.")]
    OnlyOne,
    #[error("{0}")]
    Text(#[from] TextError),
    #[error("Enter a number using digits, like 3.")]
    NotANumber,
    #[error("Enter a whole number, like 3.")]
    NotWhole,
    #[error("Enter a number from {min} to {max}.")]
    OutOfRange { min: String, max: String },
}

fn show_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{v}") }
}

impl AnswerValue {
    /// Reads the submitted form values for `question`. `Ok(None)` means no answer was given
    /// (allowed only when the question is optional).
    pub fn from_form(question: &Question, submitted: &[&str]) -> Result<Option<Self>, AnswerError> {
        let given: Vec<&str> = submitted.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).collect();
        let value = match question.kind {
            QuestionKind::SingleChoice | QuestionKind::FaceScale | QuestionKind::YesSometimesNo => {
                match given.as_slice() {
                    [] => None,
                    [one] => {
                        if question.option(one).is_none() {
                            return Err(AnswerError::UnknownOption);
                        }
                        Some(AnswerValue::Choice((*one).to_owned()))
                    }
                    _ => return Err(AnswerError::OnlyOne),
                }
            }
            QuestionKind::MultipleChoice => {
                if given.is_empty() {
                    None
                } else {
                    let mut chosen = Vec::new();
                    // Keep the definition's order and drop repeats.
                    for o in &question.options {
                        if given.contains(&o.value.as_str()) {
                            chosen.push(o.value.clone());
                        }
                    }
                    if given.iter().any(|g| question.option(g).is_none()) {
                        return Err(AnswerError::UnknownOption);
                    }
                    Some(AnswerValue::Choices(chosen))
                }
            }
            QuestionKind::ShortText | QuestionKind::LongText | QuestionKind::SayOrShow => {
                let raw = submitted.first().copied().unwrap_or("");
                if submitted.len() > 1 {
                    return Err(AnswerError::OnlyOne);
                }
                let text = UserText::parse(raw, question.max_length, question.kind.is_long())?;
                if text.is_empty() { None } else { Some(AnswerValue::Text(text.into_string())) }
            }
            QuestionKind::Number => match given.as_slice() {
                [] => None,
                [one] => {
                    let cleaned: String = one.chars().filter(|c| *c != ',' && *c != ' ').collect();
                    let n: f64 = cleaned.parse().map_err(|_| AnswerError::NotANumber)?;
                    if !n.is_finite() || n.abs() > 1e12 {
                        return Err(AnswerError::NotANumber);
                    }
                    if question.whole_number && n.fract() != 0.0 {
                        return Err(AnswerError::NotWhole);
                    }
                    let lo = question.min.unwrap_or(f64::MIN);
                    let hi = question.max.unwrap_or(f64::MAX);
                    if n < lo || n > hi {
                        return Err(AnswerError::OutOfRange {
                            min: question.min.map(show_number).unwrap_or_else(|| "any".into()),
                            max: question.max.map(show_number).unwrap_or_else(|| "any".into()),
                        });
                    }
                    Some(AnswerValue::Number(n))
                }
                _ => return Err(AnswerError::OnlyOne),
            },
        };
        if value.is_none() && question.required {
            return Err(AnswerError::Required);
        }
        Ok(value)
    }

    /// The answer as words for a check-your-answers page.
    pub fn describe(&self, question: &Question, audience: &str) -> String {
        match self {
            AnswerValue::Choice(v) => {
                question.option(v).map(|o| o.label(audience).to_owned()).unwrap_or_else(|| v.clone())
            }
            AnswerValue::Choices(vs) => vs
                .iter()
                .map(|v| question.option(v).map(|o| o.label(audience).to_owned()).unwrap_or_else(|| v.clone()))
                .collect::<Vec<_>>()
                .join(", "),
            AnswerValue::Text(t) => t.clone(),
            AnswerValue::Number(n) => show_number(*n),
        }
    }

    /// The answer's values as stored (one row per chosen option).
    pub fn option_values(&self) -> Vec<&str> {
        match self {
            AnswerValue::Choice(v) => vec![v.as_str()],
            AnswerValue::Choices(vs) => vs.iter().map(String::as_str).collect(),
            _ => vec![],
        }
    }

    /// Whether this answer still fits `question` (a definition may change under a draft).
    pub fn fits(&self, question: &Question) -> bool {
        match (self, question.kind) {
            (AnswerValue::Choice(v), k) if k.has_options() && k != QuestionKind::MultipleChoice => {
                question.option(v).is_some()
            }
            (AnswerValue::Choices(vs), QuestionKind::MultipleChoice) => vs.iter().all(|v| question.option(v).is_some()),
            (AnswerValue::Text(_), k) => k.is_text(),
            (AnswerValue::Number(_), QuestionKind::Number) => true,
            _ => false,
        }
    }
}

impl SurveyDefinition {
    /// Whether `question` is shown to someone who has given `answers` so far.
    pub fn is_shown(&self, question: &Question, answers: &Answers) -> bool {
        match &question.show_if {
            None => true,
            Some(rule) => {
                // A question routed on an answer that is itself hidden is hidden too.
                let Some(earlier) = self.question(&rule.question) else { return false };
                if !self.is_shown(earlier, answers) {
                    return false;
                }
                match answers.get(&rule.question) {
                    Some(a) => a.option_values().iter().any(|v| rule.any_of.iter().any(|w| w == v)),
                    None => false,
                }
            }
        }
    }

    /// The questions `audience` sees given `answers`, in order.
    pub fn journey(&self, audience: &str, answers: &Answers) -> Vec<&Question> {
        self.questions.iter().filter(|q| q.is_for(audience) && self.is_shown(q, answers)).collect()
    }

    /// The pages `audience` sees given `answers`: one question per page, except that a grid's
    /// statements share one page (one fieldset each) for audiences that do not read an
    /// easy-read version; easy-read versions show one statement per page.
    pub fn pages(&self, audience: &str, answers: &Answers) -> Vec<Vec<&Question>> {
        self.group_pages(audience, self.journey(audience, answers))
    }

    /// Every page `audience` could see, routing ignored (for staff previews).
    pub fn all_pages<'a>(&'a self, audience: &'a str) -> Vec<Vec<&'a Question>> {
        self.group_pages(audience, self.questions_for(audience).collect())
    }

    fn group_pages<'a>(&'a self, audience: &str, questions: Vec<&'a Question>) -> Vec<Vec<&'a Question>> {
        let together = !self.audience(audience).is_some_and(|a| a.easy_read);
        let mut out: Vec<Vec<&Question>> = Vec::new();
        for q in questions {
            match out.last_mut() {
                Some(page) if together && q.grid.is_some() && page[0].grid_key() == q.grid_key() => page.push(q),
                _ => out.push(vec![q]),
            }
        }
        out
    }

    /// Drops answers to questions the respondent no longer sees (after a change of answer),
    /// and answers that no longer fit their question.
    pub fn prune(&self, audience: &str, answers: &mut Answers) {
        let snapshot = answers.clone();
        let visible: Vec<String> =
            self.journey(audience, &snapshot).iter().map(|q| q.key.as_str().to_owned()).collect();
        answers.retain(|k, v| visible.contains(k) && self.question(k).is_some_and(|q| v.fits(q)));
    }
}
