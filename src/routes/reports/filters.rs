//! The filter form shared by results, trends and downloads (the comparison page lays the same
//! choices out in its own form, beside its two waves): the query parameters read into a
//! checked `domain::filter::Filter`, and the form's view (choices from the survey, the
//! values as typed, each problem beside its field and in the error summary).

use std::collections::HashMap;

use serde::Serialize;

use crate::domain::SurveyDefinition;
use crate::domain::filter::{CHANNELS, Filter, FilterProblem, RawFilter, is_one_answer};
use crate::domain::survey::QuestionKind;
use crate::routes::pages::Link;
use crate::views::Choice;

/// A group of answers under one question, for the answer filter's `<optgroup>`.
#[derive(Serialize)]
pub struct AnswerGroup {
    label: String,
    options: Vec<Choice>,
}

/// The filter form.
#[derive(Serialize)]
pub struct FilterForm {
    action: String,
    audiences: Vec<Choice>,
    channels: Vec<Choice>,
    from: String,
    to: String,
    /// On trends (every wave): the answer list holds single-choice questions only, and a
    /// hint says the days and the answer choose people in every wave.
    across: bool,
    tags: Vec<Choice>,
    answers: Vec<AnswerGroup>,
    errors: Vec<Link>,
    error: HashMap<&'static str, String>,
    /// The filters in words, when any is on.
    described: Vec<String>,
    /// The address without filters.
    pub clear: Option<String>,
}

fn text(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

/// The form for `def` at `action`, showing `raw` as typed and `problems` beside their fields.
pub fn form(
    def: &SurveyDefinition,
    action: &str,
    raw: &RawFilter,
    checked: Option<&Filter>,
    problems: &[FilterProblem],
    across: bool,
) -> FilterForm {
    let current = |v: &Option<String>| text(v);
    let audiences =
        def.audiences.iter().map(|a| Choice::new(a.key.as_str(), a.name.clone(), &current(&raw.audience))).collect();
    let chosen_channel = checked.and_then(|f| f.channel.clone()).unwrap_or_else(|| current(&raw.channel));
    let channels = CHANNELS.iter().map(|(k, n)| Choice::new(*k, *n, &chosen_channel)).collect();
    let chosen_tag = checked.and_then(|f| f.tag.as_ref()).map(|t| format!("{}:{}", t.kind, t.code)).unwrap_or_default();
    let mut tags: Vec<Choice> = Vec::new();
    for q in &def.questions {
        for (kind, codes) in [("priority", &q.priorities), ("value", &q.values), ("outcome", &q.outcomes)] {
            for c in codes {
                let value = format!("{kind}:{c}");
                if !tags.iter().any(|t| t.value == value) {
                    let word = match kind {
                        "priority" => "Priority",
                        "value" => "Value",
                        _ => "Outcome",
                    };
                    tags.push(Choice::new(value.clone(), format!("{word} {c}"), &chosen_tag));
                }
            }
        }
    }
    let chosen_answer = checked.and_then(|f| f.answer.as_ref()).map(|(q, v)| format!("{q}:{v}")).unwrap_or_default();
    let answers = def
        .questions
        .iter()
        .filter(|q| if across { q.kind == QuestionKind::SingleChoice } else { is_one_answer(q.kind) })
        .map(|q| {
            let first = q.audiences.first().map_or("", String::as_str);
            let title = q.wording(first).map_or_else(|| q.key.to_string(), |w| w.title.clone());
            AnswerGroup {
                label: format!("{} ({})", title, q.key),
                options: q
                    .options
                    .iter()
                    .map(|o| Choice::new(format!("{}:{}", q.key, o.value), o.label(first).to_owned(), &chosen_answer))
                    .collect(),
            }
        })
        .collect();
    let errors =
        problems.iter().map(|p| Link { href: format!("#filter-{}", p.field), text: p.message.clone() }).collect();
    let error = problems.iter().map(|p| (p.field, p.message.clone())).collect();
    let described = checked.map(|f| f.describe(def)).unwrap_or_default();
    let any = checked.is_some_and(|f| *f != Filter::default()) || !problems.is_empty();
    FilterForm {
        action: action.to_owned(),
        audiences,
        channels,
        from: text(&raw.from),
        to: text(&raw.to),
        across,
        tags,
        answers,
        errors,
        error,
        described,
        clear: any.then(|| action.to_owned()),
    }
}
