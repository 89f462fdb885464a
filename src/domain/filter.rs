//! The filters staff put on a wave's results, comparisons and downloads, read from query
//! parameters and checked against the survey: `audience`, `channel`, `from` and `to` (days,
//! `YYYY-MM-DD`, both included), `tag` (a priority, value or outcome code, optionally
//! `kind:code`) and `answer` (`question:value`, or `question=…&answer=…`: the people who gave
//! that answer to a one-answer question). Every problem is reported against the parameter
//! that caused it, in words, so the filter form can show it beside the field.
//!
//! The audience, channel, date and answer filters choose respondents; the tag filter chooses
//! questions. Nothing here touches the database or HTTP.

use chrono::NaiveDate;

use super::SurveyDefinition;
use super::survey::QuestionKind;

/// Every channel a response can come through, with what staff call it. `web` is the
/// survey's own link ("online"); `import` is a past year's responses brought in from a file.
pub const CHANNELS: [(&str, &str); 7] = [
    ("web", "Online"),
    ("invitation", "Emailed invitation"),
    ("panel", "Panel session"),
    ("kiosk", "Shared tablet (kiosk)"),
    ("paper", "Paper"),
    ("phone", "Phone"),
    ("import", "Imported"),
];

/// What staff call a stored channel.
pub fn channel_name(key: &str) -> &str {
    CHANNELS.iter().find(|(k, _)| *k == key).map_or(key, |(_, n)| n)
}

/// The query parameters as typed (or as an edited address gave them).
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct RawFilter {
    pub audience: Option<String>,
    pub channel: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub tag: Option<String>,
    pub question: Option<String>,
    pub answer: Option<String>,
}

/// A tag chosen: which kind it is and its code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagFilter {
    pub kind: &'static str,
    pub code: String,
}

impl TagFilter {
    /// Whether something tagged with these codes carries this tag.
    pub fn matches(&self, priorities: &[String], values: &[String], outcomes: &[String]) -> bool {
        let codes = match self.kind {
            "priority" => priorities,
            "value" => values,
            _ => outcomes,
        };
        codes.contains(&self.code)
    }
}

/// A checked filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub audience: Option<String>,
    pub channel: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub tag: Option<TagFilter>,
    /// (question key, option value).
    pub answer: Option<(String, String)>,
}

/// One problem with one parameter.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FilterProblem {
    pub field: &'static str,
    pub message: String,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn day(field: &'static str, v: &str, problems: &mut Vec<FilterProblem>) -> Option<NaiveDate> {
    use chrono::Datelike;
    match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        // Four-digit years only: every engine stores them, and they sort as text.
        Ok(d) if (1900..=9999).contains(&d.year()) => Some(d),
        Ok(_) => {
            problems.push(FilterProblem { field, message: "Enter a year from 1900 to 9999.".into() });
            None
        }
        Err(_) => {
            problems.push(FilterProblem {
                field,
                message: "Enter a real date, like 2026-03-31 (year, month, day).".into(),
            });
            None
        }
    }
}

impl RawFilter {
    /// Checks every parameter against `def`.
    pub fn check(&self, def: &SurveyDefinition) -> Result<Filter, Vec<FilterProblem>> {
        let mut problems = Vec::new();
        let mut f = Filter::default();
        if let Some(a) = given(&self.audience) {
            if def.audience(a).is_some() {
                f.audience = Some(a.to_owned());
            } else {
                problems.push(FilterProblem {
                    field: "audience",
                    message: "Choose one of this survey's audiences, or everyone.".into(),
                });
            }
        }
        if let Some(c) = given(&self.channel) {
            let c = if c == "online" { "web" } else { c };
            if CHANNELS.iter().any(|(k, _)| *k == c) {
                f.channel = Some(c.to_owned());
            } else {
                problems.push(FilterProblem { field: "channel", message: "Choose a channel from the list.".into() });
            }
        }
        f.from = given(&self.from).and_then(|v| day("from", v, &mut problems));
        f.to = given(&self.to).and_then(|v| day("to", v, &mut problems));
        if let (Some(a), Some(b)) = (f.from, f.to)
            && b < a
        {
            problems
                .push(FilterProblem { field: "to", message: "The last day must be on or after the first day.".into() });
        }
        if let Some(t) = given(&self.tag) {
            let (kind, code) = match t.split_once(':') {
                Some((k, c)) => (Some(k), c),
                None => (None, t),
            };
            let found = [("priority", 0), ("value", 1), ("outcome", 2)].into_iter().find(|(k, i)| {
                kind.is_none_or(|want| want == *k)
                    && def.questions.iter().any(|q| {
                        let tags = match i {
                            0 => &q.priorities,
                            1 => &q.values,
                            _ => &q.outcomes,
                        };
                        tags.iter().any(|c| c == code)
                    })
            });
            match found {
                Some((k, _)) => f.tag = Some(TagFilter { kind: k, code: code.to_owned() }),
                None => problems.push(FilterProblem {
                    field: "tag",
                    message: "No question in this wave has that tag: choose one from the list.".into(),
                }),
            }
        }
        let answer = match (given(&self.question), given(&self.answer)) {
            (Some(q), Some(a)) => Some((q.to_owned(), a.to_owned())),
            (None, Some(a)) => match a.split_once([':', '=']) {
                Some((q, v)) => Some((q.to_owned(), v.to_owned())),
                None => {
                    problems.push(FilterProblem {
                        field: "answer",
                        message: "Choose an answer from the list (a question and one of its answers).".into(),
                    });
                    None
                }
            },
            (Some(_), None) => {
                problems
                    .push(FilterProblem { field: "answer", message: "Choose which answer to that question.".into() });
                None
            }
            (None, None) => None,
        };
        if let Some((q, v)) = answer {
            match def.question(&q) {
                Some(question) if is_one_answer(question.kind) => {
                    if question.option(&v).is_some() {
                        f.answer = Some((q, v));
                    } else {
                        problems.push(FilterProblem {
                            field: "answer",
                            message: "That question has no such answer: choose one from the list.".into(),
                        });
                    }
                }
                Some(_) => problems.push(FilterProblem {
                    field: "answer",
                    message: "Only a question with one answer each can choose people: choose one from the list.".into(),
                }),
                None => problems.push(FilterProblem {
                    field: "answer",
                    message: "This wave has no such question: choose one from the list.".into(),
                }),
            }
        }
        if problems.is_empty() { Ok(f) } else { Err(problems) }
    }
}

/// Questions whose answer can choose respondents (one answer each).
pub fn is_one_answer(kind: QuestionKind) -> bool {
    kind.has_options() && kind != QuestionKind::MultipleChoice
}

impl Filter {
    /// What keeps this filter from choosing people in every wave of a comparison or trend:
    /// there, people are chosen by the answer to a single-choice question (the counts kept
    /// by answer are kept for those), not by a scale or a yes/sometimes/no.
    pub fn across_waves(&self, def: &SurveyDefinition) -> Vec<FilterProblem> {
        match &self.answer {
            Some((key, _)) if def.question(key).is_some_and(|q| q.kind != QuestionKind::SingleChoice) => {
                vec![FilterProblem {
                    field: "answer",
                    message: "Comparisons and trends choose people by their answer to a single-choice question, such as whether a child has an EHC plan: choose one from the list.".into(),
                }]
            }
            _ => Vec::new(),
        }
    }

    /// The first and last day the filter's dates allow (four-digit years: inside every
    /// engine, and ordered as text on SQLite).
    pub fn days(&self) -> (NaiveDate, NaiveDate) {
        let first = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default();
        let last = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or_default();
        (self.from.unwrap_or(first), self.to.unwrap_or(last))
    }

    /// The instants a response sent inside the filter's days falls in: from the first
    /// instant of the first day, up to (not including) the first instant after the last
    /// day, or the last second of 9999 (year 10000 would sort before every date as text).
    pub fn instants(&self) -> (chrono::NaiveDateTime, chrono::NaiveDateTime) {
        let (from, to) = self.days();
        let start = |d: NaiveDate| d.and_hms_opt(0, 0, 0).unwrap_or_default();
        let after = to
            .succ_opt()
            .filter(|d| chrono::Datelike::year(d) <= 9999)
            .map_or_else(|| to.and_hms_opt(23, 59, 59).unwrap_or_default(), start);
        (start(from), after)
    }

    /// Whether it chooses respondents by anything the kept counts cannot split (channel,
    /// days, an answer): such views are counted from the stored answers.
    pub fn needs_answers(&self) -> bool {
        self.channel.is_some() || self.from.is_some() || self.to.is_some() || self.answer.is_some()
    }

    /// Whether a question is shown under the tag filter.
    pub fn shows(&self, q: &super::Question) -> bool {
        self.tag.as_ref().is_none_or(|t| t.matches(&q.priorities, &q.values, &q.outcomes))
    }

    /// The filter as (parameter, value) pairs, in the form's order.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let mut put = |k: &'static str, v: Option<String>| {
            if let Some(v) = v {
                out.push((k, v));
            }
        };
        put("audience", self.audience.clone());
        put("channel", self.channel.clone());
        put("from", self.from.map(|d| d.to_string()));
        put("to", self.to.map(|d| d.to_string()));
        put("tag", self.tag.as_ref().map(|t| format!("{}:{}", t.kind, t.code)));
        put("answer", self.answer.as_ref().map(|(q, v)| format!("{q}:{v}")));
        out
    }

    /// `base` with the filter's query parameters added after its own (`base` has a `?`).
    pub fn added_to(&self, base: &str) -> String {
        let q = self.query();
        if q.is_empty() { base.to_owned() } else { format!("{base}&{q}") }
    }

    /// The filter as query parameters (empty when there is none), to carry it between pages.
    pub fn query(&self) -> String {
        self.params().iter().map(|(k, v)| format!("{k}={}", urlencoding::encode(v))).collect::<Vec<_>>().join("&")
    }

    /// In words, for a page's heading and a file's notes ("Paper; from 1 March 2026").
    pub fn describe(&self, def: &SurveyDefinition) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(a) = &self.audience {
            out.push(def.audience(a).map_or_else(|| a.clone(), |x| x.name.clone()));
        }
        if let Some(c) = &self.channel {
            out.push(format!("Channel: {}", channel_name(c)));
        }
        match (self.from, self.to) {
            (Some(a), Some(b)) => out.push(format!("Sent {} to {}", a.format("%-d %B %Y"), b.format("%-d %B %Y"))),
            (Some(a), None) => out.push(format!("Sent on or after {}", a.format("%-d %B %Y"))),
            (None, Some(b)) => out.push(format!("Sent on or before {}", b.format("%-d %B %Y"))),
            (None, None) => {}
        }
        if let Some(t) = &self.tag {
            out.push(format!("Questions tagged {} {}", t.kind, t.code));
        }
        if let Some((q, v)) = &self.answer {
            let words = def.question(q).and_then(|question| {
                let first = question.audiences.first().map_or("", String::as_str);
                let o = question.option(v)?;
                Some(format!(
                    "People who answered \u{201c}{}\u{201d} to \u{201c}{}\u{201d}",
                    o.label(first),
                    question.wording(first).map_or(q.as_str(), |w| w.title.as_str())
                ))
            });
            out.push(words.unwrap_or_else(|| format!("{q} = {v}")));
        }
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn def() -> SurveyDefinition {
        let source = crate::demo::survey_source("w-2026", "2026", "open", "2026-01-01T00:00:00Z");
        SurveyDefinition::parse("demo.toml", &source, 2000).unwrap()
    }

    #[test]
    fn good_filters_are_read_and_carried() {
        let d = def();
        let q = d.questions.iter().find(|q| is_one_answer(q.kind)).unwrap();
        let o = &q.options[0].value;
        let raw = RawFilter {
            audience: Some(d.audiences[0].key.to_string()),
            channel: Some("online".into()),
            from: Some("2026-03-01".into()),
            to: Some("2026-03-31".into()),
            answer: Some(format!("{}:{o}", q.key)),
            ..RawFilter::default()
        };
        let f = raw.check(&d).unwrap();
        assert_eq!(f.channel.as_deref(), Some("web"));
        assert!(f.needs_answers());
        assert_eq!(f.answer, Some((q.key.to_string(), o.clone())));
        assert!(f.query().contains("channel=web"));
        assert_eq!(f.describe(&d).len(), 4);
    }

    #[test]
    fn every_bad_parameter_is_named() {
        let raw = RawFilter {
            audience: Some("martians".into()),
            channel: Some("pigeon".into()),
            from: Some("2026-02-30".into()),
            tag: Some("nope".into()),
            answer: Some("missing:yes".into()),
            ..RawFilter::default()
        };
        let problems = raw.check(&def()).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field).collect();
        assert_eq!(fields, ["audience", "channel", "from", "tag", "answer"]);
        for far in ["0999-12-31", "1899-12-31"] {
            let raw = RawFilter { to: Some(far.into()), ..RawFilter::default() };
            let Err(problems) = raw.check(&def()) else { panic!("{far} passed") };
            assert_eq!(problems[0].message, "Enter a year from 1900 to 9999.", "{far}");
        }
        let backwards =
            RawFilter { from: Some("2026-03-02".into()), to: Some("2026-03-01".into()), ..RawFilter::default() };
        assert_eq!(backwards.check(&def()).unwrap_err()[0].field, "to");
    }
}
