//! Parsing and checking a survey file into a [`SurveyDefinition`]: `SurveyDefinition::parse`,
//! the `[[translations]]` checks and the small helpers they share.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use toml::Spanned;

use super::raw::{RawLabel, RawSurvey, RawTranslation};
use super::{
    AnswerOption, Audience, DefinitionErrors, Polarity, Problems, Question, QuestionKind, RESERVED_AUDIENCE_KEYS,
    SHORT_TEXT_DEFAULT, SURVEY_FORMAT, SeriesInfo, ShowIf, SurveyDefinition, Symbol, TranslatedQuestion, Translation,
    WaveInfo, WaveStatus, Wording,
};
use crate::domain::codes::Slug;

pub(super) fn default_face_options() -> Vec<(String, &'static str, Polarity, f64, &'static str)> {
    let [l1, l2, l3, l4, l5] = super::FACE_LABELS;
    vec![
        ("very-unhappy".into(), l1, Polarity::Negative, 1.0, "face-1"),
        ("unhappy".into(), l2, Polarity::Negative, 2.0, "face-2"),
        ("in-between".into(), l3, Polarity::Neutral, 3.0, "face-3"),
        ("happy".into(), l4, Polarity::Positive, 4.0, "face-4"),
        ("very-happy".into(), l5, Polarity::Positive, 5.0, "face-5"),
    ]
}

pub(super) fn default_ysn_options() -> Vec<(String, &'static str, Polarity, f64, &'static str)> {
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

/// Whether a definition is read as a file someone wrote or as one Heard stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    File,
    Stored,
}

impl SurveyDefinition {
    /// Parses and checks a survey file. `file` names it in problems; `max_text` is the
    /// deployment's longest free-text answer.
    pub fn parse(file: &str, source: &str, max_text: usize) -> Result<Self, DefinitionErrors> {
        Self::read(file, source, max_text, Reading::File)
    }

    /// Reads back a definition Heard stored (checked by [`Self::parse`] when it was stored).
    /// The one difference: a `max_length` over today's `max_text` is lowered to it rather than
    /// refused, so a wave keeps working when a deployment lowers its limit, and its answers
    /// keep to the new one.
    pub fn stored(file: &str, source: &str, max_text: usize) -> Result<Self, DefinitionErrors> {
        Self::read(file, source, max_text, Reading::Stored)
    }

    fn read(file: &str, source: &str, max_text: usize, reading: Reading) -> Result<Self, DefinitionErrors> {
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
        if let (Some(o), Some(c)) = (opens, closes)
            && c <= o
        {
            let at = raw.wave.closes.as_ref().map(|s| s.span().start).unwrap_or(0);
            p.at(at, "wave.closes", "the wave closes before it opens: make `closes` later than `opens`.");
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
        // A draft may have no questions yet (the builder starts a survey that way); a wave
        // that takes answers needs at least one.
        if raw.questions.is_empty() && status != WaveStatus::Draft {
            p.at_line(
                p.line_of(source.len()),
                "questions",
                "a survey needs at least one [[questions]] table before it opens.",
            );
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
            if let Some(k) = &key
                && !seen_keys.insert(k.as_str().to_owned())
            {
                p.at(
                    rq.key.span().start,
                    format!("{label}.key"),
                    format!(
                        "the key {:?} is used twice: each question needs its own key, and keeps it across waves.",
                        k.as_str()
                    ),
                );
            }
            // A grid reads its scale like a single-choice question's answers; its statements
            // become single-choice questions below.
            let is_grid = rq.kind.get_ref() == super::GRID_TYPE;
            let kind = if is_grid { Some(QuestionKind::SingleChoice) } else { QuestionKind::parse(rq.kind.get_ref()) };
            if kind.is_none() {
                let mut all: Vec<&str> = QuestionKind::ALL.iter().map(|k| k.as_str()).collect();
                all.push(super::GRID_TYPE);
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
            let mut scales: BTreeMap<String, Vec<String>> = BTreeMap::new();
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
                        if let Some(scale) = &w.scale {
                            scales.insert(aud.clone(), scale.iter().map(|l| l.trim().to_owned()).collect());
                        }
                    }
                    for aud in &asked {
                        if !text.contains_key(aud) {
                            p.at(start, format!("{label}.text"), format!("there are no words for the audience {aud:?}: add [questions.text.{aud}] with a title."));
                        }
                    }
                }
            }
            if is_grid && let Some(s) = &rq.symbol {
                p.at(
                    s.span().start,
                    format!("{label}.symbol"),
                    "a grid has no picture of its own: give each statement its picture (symbol = { image = \"...\", alt = \"...\" } in [[questions.statements]]).",
                );
            }
            if !is_grid && let Some(list) = &rq.statements {
                let at = list.first().map_or(start, |s| s.span().start);
                p.at(
                    at,
                    format!("{label}.statements"),
                    "only a grid has statements: set type = \"grid\", or remove them.",
                );
            }
            let symbol = rq.symbol.as_ref().filter(|_| !is_grid).map(|s| {
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
                            if let Some(score) = ro.score
                                && !score.is_finite()
                            {
                                p.at(ro.value.span().start, format!("{of}.score"), "the score must be a number.");
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
                        let wanted: Vec<&str> = defaults.iter().map(|d| d.1).collect();
                        for (aud, scale) in &scales {
                            if scale.len() != defaults.len() {
                                p.at(
                                    start,
                                    format!("{label}.text.{aud}.scale"),
                                    format!(
                                        "give {} labels, one for each answer in order ({}); this gives {}.",
                                        defaults.len(),
                                        wanted.join(", "),
                                        scale.len()
                                    ),
                                );
                            } else if scale.iter().any(String::is_empty) {
                                p.at(
                                    start,
                                    format!("{label}.text.{aud}.scale"),
                                    "a label in `scale` is empty: write the words people will choose.",
                                );
                            }
                        }
                        for (i, (value, label_text, polarity, score, image)) in defaults.into_iter().enumerate() {
                            let label_for = |a: &String| {
                                scales.get(a).and_then(|s| s.get(i)).cloned().unwrap_or_else(|| label_text.to_owned())
                            };
                            options.push(AnswerOption {
                                value,
                                labels: asked.iter().map(|a| (a.clone(), label_for(a))).collect(),
                                polarity,
                                score: Some(score),
                                symbol: Some(Symbol { image: image.into(), alt: String::new() }),
                                // Labels of its own: translations then give theirs.
                                builtin: scales.is_empty(),
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
                let scaled = matches!(kind, QuestionKind::FaceScale | QuestionKind::YesSometimesNo);
                if let Some(aud) = scales.keys().next().filter(|_| !scaled || rq.options.is_some()) {
                    p.at(
                        start,
                        format!("{label}.text.{aud}.scale"),
                        "`scale` gives words for a face scale's or yes/sometimes/no question's own answers; this question's answers are its options: write their labels there.",
                    );
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
                    if reading == Reading::Stored && usize::try_from(v).is_ok_and(|v| v > max_text) {
                        max_text
                    } else if v < 1 || v as usize > max_text {
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
            if let (Some(lo), Some(hi)) = (rq.min, rq.max)
                && lo > hi
            {
                p.at(start, format!("{label}.min"), "min is larger than max: swap them.");
            }
            if (rq.min.is_some() || rq.max.is_some() || rq.whole_number) && kind != Some(QuestionKind::Number) {
                p.at(start, format!("{label}.min"), "only number questions have min, max and whole_number.");
            }

            // Routing.
            let show_if = rq.show_if.as_ref().and_then(|s| {
                let rs = s.get_ref();
                if let Some(statement) = questions.iter().find(|e| e.grid_key() == Some(rs.question.as_str())) {
                    p.at(s.span().start, format!("{label}.show_if.question"), format!("{:?} is a grid: route on one of its statements, e.g. question = {:?}.", rs.question, statement.key.as_str()));
                    return None;
                }
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
            let statements =
                if is_grid { read_statements(&mut p, rq, &label, start, &asked, &mut seen_keys) } else { Vec::new() };
            if let (Some(key), Some(kind)) = (key, kind) {
                if is_grid {
                    let grid = super::GridRef { key, wording };
                    for st in statements {
                        questions.push(Question {
                            key: st.key,
                            kind,
                            audiences: asked.clone(),
                            wording: st
                                .words
                                .into_iter()
                                .map(|(a, t)| (a, Wording { title: t, hint: String::new() }))
                                .collect(),
                            options: options.clone(),
                            symbol: st.symbol,
                            required: rq.required,
                            priorities: codes(&rq.priorities),
                            values: codes(&rq.values),
                            outcomes: codes(&rq.outcomes),
                            show_if: show_if.clone(),
                            max_length,
                            min: None,
                            max: None,
                            whole_number: false,
                            grid: Some(grid.clone()),
                            line,
                        });
                    }
                    continue;
                }
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
                    grid: None,
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
            // A grid's own words (its question and scale) go under the grid's key; its
            // statements' words under theirs, taking the scale from the grid.
            let grid = questions.iter().find(|q| q.grid_key() == Some(key.as_str()));
            let statement = questions.iter().find(|q| q.key.as_str() == key && q.grid.is_some()).is_some();
            let Some(q) = questions.iter().find(|q| q.key.as_str() == key).or(grid) else {
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
            for o in q.options.iter().filter(|o| !o.builtin && !statement) {
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
            if grid.is_none()
                && q.symbol.as_ref().is_some_and(|s| !s.alt.is_empty())
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
            if let Some(g) = q.grid_key() {
                if let Some(scale) = translated.get(g).map(|tq| tq.options.clone())
                    && let Some(tq) = translated.get_mut(q.key.as_str())
                {
                    for (value, words) in scale {
                        tq.options.entry(value).or_insert(words);
                    }
                }
                let first = questions.iter().find(|x| x.grid_key() == Some(g)).is_some_and(|x| x.key == q.key);
                if first && !translated.contains_key(g) {
                    p.at(
                        at,
                        format!("{field}.questions"),
                        format!("the grid {g:?} has no {language} words: add [translations.questions.{g}] with its title and its answers (options)."),
                    );
                }
            }
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

/// One statement of a grid, read.
struct Statement {
    key: Slug,
    words: BTreeMap<String, String>,
    symbol: Option<Symbol>,
}

/// Reads a grid's `[[questions.statements]]`: each needs its own key (unique among all the
/// survey's keys) and words for every audience asked.
fn read_statements(
    p: &mut Problems<'_>,
    rq: &super::raw::RawQuestion,
    label: &str,
    start: usize,
    asked: &[String],
    seen_keys: &mut HashSet<String>,
) -> Vec<Statement> {
    let Some(list) = rq.statements.as_ref().filter(|l| !l.is_empty()) else {
        p.at(
            start,
            format!("{label}.statements"),
            "a grid needs statements to answer, e.g. [[questions.statements]] with key = \"feel-safe\" and text = \"I feel safe at school\".",
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (j, st) in list.iter().enumerate() {
        let rs = st.get_ref();
        let field = format!("{label}.statements[{j}]");
        let Some(key) = slug_or(p, &rs.key, &format!("{field}.key"), "statement key") else { continue };
        if !seen_keys.insert(key.as_str().to_owned()) {
            p.at(
                rs.key.span().start,
                format!("{field}.key"),
                format!(
                    "the key {:?} is used twice: each statement needs its own key, and keeps it across waves.",
                    key.as_str()
                ),
            );
            continue;
        }
        let words: BTreeMap<String, String> = match &rs.text {
            RawLabel::Same(t) => asked.iter().map(|a| (a.clone(), t.trim().to_owned())).collect(),
            RawLabel::PerAudience(m) => {
                for a in m.keys().filter(|a| !asked.contains(a)) {
                    p.at(
                        st.span().start,
                        format!("{field}.text"),
                        format!("{a:?} is not an audience asked this grid."),
                    );
                }
                asked.iter().map(|a| (a.clone(), m.get(a).map(|t| t.trim().to_owned()).unwrap_or_default())).collect()
            }
        };
        for (a, t) in &words {
            if t.is_empty() {
                p.at(
                    st.span().start,
                    format!("{field}.text"),
                    format!(
                        "the statement has no words for the audience {a:?}: write it, e.g. text = {{ {a} = \"...\" }}."
                    ),
                );
            }
        }
        let symbol = rs.symbol.as_ref().map(|s| {
            let raw = s.get_ref();
            if raw.alt.trim().is_empty() {
                p.at(
                    s.span().start,
                    format!("{field}.symbol.alt"),
                    "a statement's symbol needs alt text that says what it shows.",
                );
            }
            Symbol { image: raw.image.trim().to_owned(), alt: raw.alt.trim().to_owned() }
        });
        out.push(Statement { key, words, symbol });
    }
    out
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
