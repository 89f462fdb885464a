//! Writing a checked [`SurveyDefinition`] back out as a `heard-survey/1` file: what the
//! survey builder saves and what `definition.toml` downloads. The rule it keeps is the round
//! trip: reading what it writes gives the same definition (`parse(to_toml(d)) == d`, apart
//! from where each question sits in the file), so a wave built in the browser and one
//! uploaded are the same thing. Defaults are left out, as a person writing the file would.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{AnswerOption, Polarity, Question, QuestionKind, SURVEY_FORMAT, SurveyDefinition, Symbol};

#[derive(Serialize)]
struct OutSurvey<'a> {
    format: &'static str,
    partnership: &'a str,
    series: OutSeries<'a>,
    wave: OutWave<'a>,
    audiences: Vec<OutAudience<'a>>,
    questions: Vec<OutQuestion<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    translations: Vec<OutTranslation<'a>>,
}

#[derive(Serialize)]
struct OutSeries<'a> {
    slug: &'a str,
    title: &'a str,
}

#[derive(Serialize)]
struct OutWave<'a> {
    slug: &'a str,
    label: &'a str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    opens: Option<toml::value::Datetime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    closes: Option<toml::value::Datetime>,
    minutes: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    keep_free_text_days: Option<u32>,
}

#[derive(Serialize)]
struct OutAudience<'a> {
    key: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    description: &'a str,
    #[serde(skip_serializing_if = "is_false")]
    easy_read: bool,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    intro: &'a [String],
}

#[derive(Serialize)]
struct OutQuestion<'a> {
    key: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    audiences: Option<&'a [String]>,
    #[serde(skip_serializing_if = "is_false")]
    required: bool,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    priorities: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    values: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    outcomes: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    max_length: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max: Option<f64>,
    #[serde(skip_serializing_if = "is_false")]
    whole_number: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    symbol: Option<OutSymbol<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    show_if: Option<OutShowIf<'a>>,
    text: BTreeMap<&'a str, OutWording<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    options: Vec<OutOption<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    statements: Vec<OutStatement<'a>>,
}

#[derive(Serialize)]
struct OutStatement<'a> {
    key: &'a str,
    text: OutLabel<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    symbol: Option<OutSymbol<'a>>,
}

#[derive(Serialize)]
struct OutSymbol<'a> {
    image: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    alt: &'a str,
}

#[derive(Serialize)]
struct OutShowIf<'a> {
    question: &'a str,
    any_of: &'a [String],
}

#[derive(Serialize)]
struct OutWording<'a> {
    title: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    hint: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    scale: Option<Vec<&'a str>>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum OutLabel<'a> {
    Same(&'a str),
    PerAudience(BTreeMap<&'a str, &'a str>),
}

#[derive(Serialize)]
struct OutOption<'a> {
    value: &'a str,
    label: OutLabel<'a>,
    polarity: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    symbol: Option<OutSymbol<'a>>,
}

#[derive(Serialize)]
struct OutTranslation<'a> {
    audience: &'a str,
    language: &'a str,
    #[serde(skip_serializing_if = "is_false")]
    machine_drafted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    intro: &'a [String],
    questions: BTreeMap<&'a str, OutTranslatedQuestion<'a>>,
}

#[derive(Serialize)]
struct OutTranslatedQuestion<'a> {
    title: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    hint: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    symbol_alt: Option<&'a str>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    options: BTreeMap<&'a str, &'a str>,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_false(b: &bool) -> bool {
    !*b
}

fn datetime(d: chrono::NaiveDateTime) -> Option<toml::value::Datetime> {
    use chrono::{Datelike, Timelike};
    let date = toml::value::Date {
        year: u16::try_from(d.year()).ok()?,
        month: u8::try_from(d.month()).ok()?,
        day: u8::try_from(d.day()).ok()?,
    };
    let time = (d.time() != chrono::NaiveTime::MIN).then(|| toml::value::Time {
        hour: u8::try_from(d.hour()).unwrap_or(0),
        minute: u8::try_from(d.minute()).unwrap_or(0),
        second: u8::try_from(d.second()).unwrap_or(0),
        nanosecond: 0,
    });
    Some(toml::value::Datetime { date: Some(date), time, offset: None })
}

fn symbol(s: &Symbol) -> OutSymbol<'_> {
    OutSymbol { image: &s.image, alt: &s.alt }
}

/// Whether a face scale's or yes/sometimes/no question's options are Heard's own set (so the
/// file leaves them out and gives only a `scale` of labels, if any).
fn builtin_set(q: &Question) -> bool {
    let defaults: Vec<(&str, Polarity, f64, &str)> = match q.kind {
        QuestionKind::FaceScale => vec![
            ("very-unhappy", Polarity::Negative, 1.0, "face-1"),
            ("unhappy", Polarity::Negative, 2.0, "face-2"),
            ("in-between", Polarity::Neutral, 3.0, "face-3"),
            ("happy", Polarity::Positive, 4.0, "face-4"),
            ("very-happy", Polarity::Positive, 5.0, "face-5"),
        ],
        QuestionKind::YesSometimesNo => vec![
            ("yes", Polarity::Positive, 3.0, "yes"),
            ("sometimes", Polarity::Neutral, 2.0, "sometimes"),
            ("no", Polarity::Negative, 1.0, "no"),
        ],
        _ => return false,
    };
    q.options.len() == defaults.len()
        && q.options.iter().zip(&defaults).all(|(o, (value, polarity, score, image))| {
            o.value == *value
                && o.polarity == *polarity
                && o.score == Some(*score)
                && o.symbol.as_ref().is_some_and(|s| s.image == *image && s.alt.is_empty())
        })
}

fn label<'a>(o: &'a AnswerOption, asked: &[String]) -> OutLabel<'a> {
    same_or_each(o.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())), asked)
}

/// One set of words for everyone when every audience asked has the same, else each's own.
fn same_or_each<'a>(words: impl Iterator<Item = (&'a str, &'a str)>, asked: &[String]) -> OutLabel<'a> {
    let words: BTreeMap<&str, &str> = words.collect();
    let first = asked.first().and_then(|a| words.get(a.as_str()));
    match first {
        Some(l) if asked.iter().all(|a| words.get(a.as_str()) == Some(l)) => OutLabel::Same(l),
        _ => OutLabel::PerAudience(words),
    }
}

impl SurveyDefinition {
    /// The definition as a `heard-survey/1` file. `max_text` is the deployment's longest
    /// free-text answer (a text question at its default length leaves `max_length` out).
    pub fn to_toml(&self, max_text: usize) -> String {
        let all: Vec<String> = self.audiences.iter().map(|a| a.key.as_str().to_owned()).collect();
        // A grid's statements sit together: the first stands for the grid, the rest join it.
        let mut grouped: Vec<(&Question, Vec<&Question>)> = Vec::new();
        for q in &self.questions {
            match grouped.last_mut() {
                Some((first, rest)) if q.grid.is_some() && first.grid_key() == q.grid_key() => rest.push(q),
                _ => grouped.push((q, Vec::new())),
            }
        }
        let questions = grouped
            .into_iter()
            .map(|(q, rest)| {
                let builtin = builtin_set(q);
                let default_len = match q.kind {
                    QuestionKind::ShortText => Some(super::SHORT_TEXT_DEFAULT.min(max_text)),
                    QuestionKind::LongText | QuestionKind::SayOrShow => Some(max_text),
                    _ => None,
                };
                let wording = q.head_wording();
                let text = wording
                    .iter()
                    .map(|(aud, w)| {
                        // Heard's own answers with this audience's words for them.
                        let scale = (builtin && q.options.iter().any(|o| !o.builtin)).then(|| {
                            q.options
                                .iter()
                                .map(|o| o.labels.get(aud).map_or(o.value.as_str(), String::as_str))
                                .collect()
                        });
                        (aud.as_str(), OutWording { title: &w.title, hint: &w.hint, scale })
                    })
                    .collect();
                let statements: Vec<OutStatement<'_>> = if q.grid.is_some() {
                    std::iter::once(q)
                        .chain(rest)
                        .map(|st| OutStatement {
                            key: st.key.as_str(),
                            text: same_or_each(
                                st.wording.iter().map(|(a, w)| (a.as_str(), w.title.as_str())),
                                &q.audiences,
                            ),
                            symbol: st.symbol.as_ref().map(symbol),
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                OutQuestion {
                    key: q.grid_key().unwrap_or(q.key.as_str()),
                    kind: if q.grid.is_some() { super::GRID_TYPE } else { q.kind.as_str() },
                    audiences: (q.audiences != all).then_some(q.audiences.as_slice()),
                    required: q.required,
                    priorities: &q.priorities,
                    values: &q.values,
                    outcomes: &q.outcomes,
                    max_length: default_len.filter(|d| *d != q.max_length).map(|_| q.max_length),
                    min: q.min,
                    max: q.max,
                    whole_number: q.whole_number,
                    symbol: q.symbol.as_ref().filter(|_| q.grid.is_none()).map(symbol),
                    show_if: q.show_if.as_ref().map(|s| OutShowIf { question: &s.question, any_of: &s.any_of }),
                    text,
                    options: if builtin {
                        Vec::new()
                    } else {
                        q.options
                            .iter()
                            .map(|o| OutOption {
                                value: &o.value,
                                label: label(o, &q.audiences),
                                polarity: o.polarity.as_str(),
                                score: o.score,
                                symbol: o.symbol.as_ref().map(symbol),
                            })
                            .collect()
                    },
                    statements,
                }
            })
            .collect();
        let out = OutSurvey {
            format: SURVEY_FORMAT,
            partnership: self.partnership.as_str(),
            series: OutSeries { slug: self.series.slug.as_str(), title: &self.series.title },
            wave: OutWave {
                slug: self.wave.slug.as_str(),
                label: &self.wave.label,
                status: self.wave.status.as_str(),
                opens: self.wave.opens.and_then(datetime),
                closes: self.wave.closes.and_then(datetime),
                minutes: self.wave.minutes,
                keep_free_text_days: self.wave.keep_free_text_days,
            },
            audiences: self
                .audiences
                .iter()
                .map(|a| OutAudience {
                    key: a.key.as_str(),
                    name: &a.name,
                    description: &a.description,
                    easy_read: a.easy_read,
                    intro: &a.intro,
                })
                .collect(),
            questions,
            translations: self
                .translations
                .iter()
                .map(|t| OutTranslation {
                    audience: &t.audience,
                    language: &t.language,
                    machine_drafted: t.machine_drafted,
                    title: t.series_title.as_deref(),
                    name: t.audience_name.as_deref(),
                    description: t.audience_description.as_deref(),
                    intro: &t.intro,
                    questions: t
                        .questions
                        .iter()
                        .map(|(k, tq)| {
                            // A statement's answers come from its grid's words unless they differ.
                            let scale = self
                                .question(k)
                                .and_then(Question::grid_key)
                                .and_then(|g| t.questions.get(g))
                                .map(|g| &g.options);
                            (
                                k.as_str(),
                                OutTranslatedQuestion {
                                    title: &tq.title,
                                    hint: &tq.hint,
                                    symbol_alt: tq.symbol_alt.as_deref(),
                                    options: tq
                                        .options
                                        .iter()
                                        .filter(|(v, l)| scale.is_none_or(|s| s.get(*v) != Some(*l)))
                                        .map(|(v, l)| (v.as_str(), l.as_str()))
                                        .collect(),
                                },
                            )
                        })
                        .collect(),
                })
                .collect(),
        };
        // Every field is a string, number, boolean, date or table of them: this cannot fail,
        // but an empty file would be refused by the reader rather than lose a survey quietly.
        let body = toml::to_string(&out).unwrap_or_default();
        format!("# A Heard survey definition ({SURVEY_FORMAT}). Written by Heard's survey builder.\n{body}")
    }
}
