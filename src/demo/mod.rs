//! Demo data: the three partnerships' frameworks taken from the seed strategies, and the
//! Torbay Participation Survey with closed 2023 and 2024 waves full of deterministic synthetic
//! responses (some questions clearly improve, some don't change, one falls) and an open 2025
//! wave. Running it twice changes nothing.

pub mod review_cycle;
mod words;

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeDelta};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::responses;
use crate::db::{DbConnection, PartnershipId, WaveId};
use crate::domain::framework::FrameworkDefinition;
use crate::domain::survey::QuestionKind;
use crate::domain::{AnswerValue, Answers, SurveyDefinition};
use crate::models::{StoreError, StoreResult, draft, framework, survey, voices};

pub const FRAMEWORKS: [(&str, &str); 3] = [
    ("torbay.framework.toml", include_str!("torbay.framework.toml")),
    ("stockton-on-tees.framework.toml", include_str!("stockton-on-tees.framework.toml")),
    ("southend.framework.toml", include_str!("southend.framework.toml")),
];

const SURVEY_TEMPLATE: &str = include_str!("torbay-participation.survey.toml");

/// The demo's waves: slug, label, status, opening date, and how many responses per audience.
pub const WAVES: [(&str, &str, &str, &str, usize); 3] = [
    ("torbay-participation-2023", "2023", "closed", "2023-10-02", 320),
    ("torbay-participation-2024", "2024", "closed", "2024-10-01", 340),
    ("torbay-participation-2025", "2025", "open", "2025-09-01", 0),
];

/// The survey definition text for one demo wave.
pub fn survey_source(slug: &str, label: &str, status: &str, opens: &str) -> String {
    SURVEY_TEMPLATE
        .replace("@WAVE_SLUG@", slug)
        .replace("@WAVE_LABEL@", label)
        .replace("@WAVE_STATUS@", status)
        .replace("@WAVE_OPENS@", opens)
}

#[derive(Debug, Default, Serialize)]
pub struct DemoSummary {
    pub partnerships: Vec<String>,
    pub waves: Vec<String>,
    pub responses_added: usize,
    pub quotes_added: usize,
}

/// Loads the demo. With `responses` false only frameworks and surveys are loaded (the tests
/// use this for speed).
pub fn load(conn: &mut DbConnection, max_text: usize, with_responses: bool) -> StoreResult<DemoSummary> {
    let mut summary = DemoSummary::default();
    for (file, source) in FRAMEWORKS {
        let def = FrameworkDefinition::parse(file, source)?;
        framework::import(conn, &def)?;
        summary.partnerships.push(def.slug.to_string());
    }
    for (slug, label, status, opens, per_audience) in WAVES {
        let source = survey_source(slug, label, status, opens);
        let file = format!("{slug}.toml");
        let def = SurveyDefinition::parse(&file, &source, max_text)?;
        let imported = survey::import(conn, &file, &source, &def)?;
        summary.waves.push(format!("{} ({})", imported.wave, imported.outcome));
        if with_responses && per_audience > 0 {
            let wave = survey::find_wave(conn, slug)?.ok_or_else(|| StoreError::NotFound(slug.into()))?;
            if survey::response_count(conn, &wave.id)? == 0 {
                let start =
                    NaiveDate::parse_from_str(opens, "%Y-%m-%d").map_err(|e| StoreError::Conflict(e.to_string()))?;
                summary.responses_added += synthesise(conn, &wave.id, &def, label, start, per_audience)?;
            }
        }
    }
    let torbay =
        crate::models::framework::find_by_slug(conn, "torbay")?.ok_or_else(|| StoreError::NotFound("torbay".into()))?;
    if voices::themes_for(conn, &torbay.id, true)?.is_empty() {
        for (name, description, keywords, priorities, values) in CODEBOOK {
            let split = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
            voices::add_theme(
                conn,
                &torbay.id,
                &voices::ThemeInput {
                    name: name.into(),
                    description: description.into(),
                    keywords: voices::split_list(keywords),
                    priorities: split(priorities),
                    values: split(values),
                },
            )?;
        }
        voices::set_redaction_list(conn, &torbay.id, &["Oldway Primary".to_owned(), "Bayside Centre".to_owned()])?;
    }
    if with_responses {
        summary.responses_added += review_cycle::load(conn, &torbay.id, chrono::Utc::now().date_naive())?;
        summary.quotes_added += code_and_quote(conn, &torbay.id)?;
        review_cycle::decisions(conn, &torbay.id, chrono::Utc::now().date_naive())?;
        // Who took part: illustrative populations (children with and without an EHC plan)
        // for the closed waves, so the reach page and the comparison's mix check have data.
        for (slug, _, status, _, _) in WAVES {
            let Some(wave) = survey::find_wave(conn, slug)?.filter(|_| status == "closed") else { continue };
            if crate::models::reach::populations(conn, &wave.id)?.is_none() {
                let p = crate::models::reach::Populations {
                    question_key: "has-plan".into(),
                    sizes: [("yes".to_owned(), 1850), ("no".to_owned(), 3400)].into_iter().collect(),
                };
                let actor = crate::models::audit::Actor::system("demo");
                crate::models::reach::set_populations(conn, &wave.id, &torbay.id, &actor, &p)?;
            }
        }
    }
    Ok(summary)
}

/// The Torbay demo codebook: name, description, keywords, priority codes, value codes.
const CODEBOOK: [(&str, &str, &str, &str, &str); 8] = [
    (
        "Being listened to",
        "Being asked, heard and taken seriously.",
        "listen, listens, listened, heard, asked, ask me",
        "P2",
        "show-you-we-care be-kind",
    ),
    (
        "Honesty and waiting",
        "Being told the truth, including about waiting lists and promises.",
        "truth, honest, waiting, waited, promises",
        "P1",
        "be-honest",
    ),
    (
        "Telling our story again",
        "Having to repeat the same story to every new person.",
        "story, again, repeat, same worker, start again",
        "P3",
        "be-thoughtful",
    ),
    (
        "Understanding needs",
        "Staff who understand autism, ADHD and other needs.",
        "autism, ADHD, understand, understood, gets my",
        "P4",
        "be-thoughtful",
    ),
    (
        "Help in school",
        "Support, quiet spaces and adjustments in school or college.",
        "quiet, laptop, lessons, teacher, school, SENCo",
        "P4",
        "be-fair",
    ),
    (
        "Getting ready for adult life",
        "Work, college, travel and life after school.",
        "college, job, older, travel, after college",
        "P5",
        "be-honest",
    ),
    (
        "Communication",
        "Replies, letters, jargon and being kept informed.",
        "jargon, letters, emails, rings back, called back, reply",
        "P1",
        "be-honest",
    ),
    (
        "Support for families",
        "Short breaks, key workers, meetings and the parent carer forum.",
        "short breaks, parent carer forum, meetings, key worker, weekends",
        "P2",
        "be-friendly show-you-we-care",
    ),
];

/// Codes the closed waves' free text by the codebook's keywords, and makes one approved quote
/// for each distinct consented answer per wave and audience. Returns quotes added.
fn code_and_quote(conn: &mut DbConnection, partnership_id: &PartnershipId) -> StoreResult<usize> {
    let themes = voices::themes_for(conn, partnership_id, false)?;
    let mut added = 0;
    for (slug, _, status, _, _) in WAVES {
        if status != "closed" {
            continue;
        }
        let Some(wave) = survey::find_wave(conn, slug)? else { continue };
        let (answers, _, _) = voices::text_answers(conn, &wave.id, None, false, i64::MAX, 0)?;
        if answers.iter().any(|a| !a.theme_ids.is_empty() || a.quote_id.is_some()) {
            continue;
        }
        let mut quoted = std::collections::HashSet::new();
        for a in &answers {
            let ids: Vec<String> = themes.iter().filter(|t| t.suggested_for(&a.text)).map(|t| t.id.clone()).collect();
            if !ids.is_empty() {
                voices::set_codes(conn, &wave.id, partnership_id, &a.response_id, &a.question_key, &ids, "demo")?;
            }
            if a.consent_to_quote && quoted.insert((a.audience.clone(), a.text.clone())) {
                let id = voices::start_quote(conn, &a.response_id, &a.question_key, partnership_id)?;
                if let Some(q) = voices::quote(conn, &id)? {
                    voices::save_quote(conn, &id, &q.redacted, true, "demo")?;
                    added += 1;
                }
            }
        }
    }
    Ok(added)
}

/// splitmix64: a tiny, stable, seedable generator, so the demo is the same on every machine
/// and every version (a crate's generator may change its stream between releases).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize
    }
}

/// Chance of the positive answer per question and year: the shape the demo shows.
fn positive_share(key: &str, year: &str, audience: &str) -> f64 {
    let later = year != "2023";
    let yp = audience == "young-people";
    match key {
        // Clear improvements.
        "listened-to" => {
            if later {
                0.62
            } else {
                0.43
            }
        }
        "future-ready" => {
            if later {
                0.47
            } else {
                0.27
            }
        }
        "adults-honest" => {
            if later {
                0.55
            } else {
                0.41
            }
        }
        // The one that falls.
        "know-who-to-ask" => {
            if later {
                0.46
            } else {
                0.62
            }
        }
        // A possible, smaller change.
        "plan-involved" => {
            if later {
                0.58
            } else {
                0.51
            }
        }
        // No real change.
        "tell-story-once" => {
            if yp {
                0.33
            } else {
                0.29
            }
        }
        "treated-fairly" => {
            if later {
                0.57
            } else {
                0.56
            }
        }
        "feel-about-school" => {
            if later {
                0.50
            } else {
                0.49
            }
        }
        "feel-safe" => {
            if later {
                0.61
            } else {
                0.62
            }
        }
        _ => 0.5,
    }
}

fn choose_ysn(rng: &mut Rng, positive: f64) -> &'static str {
    let r = rng.unit();
    if r < positive {
        "yes"
    } else if r < positive + (1.0 - positive) * 0.55 {
        "sometimes"
    } else {
        "no"
    }
}

fn choose_face(rng: &mut Rng, positive: f64) -> &'static str {
    let r = rng.unit();
    if r < positive * 0.45 {
        "very-happy"
    } else if r < positive {
        "happy"
    } else if r < positive + (1.0 - positive) * 0.45 {
        "in-between"
    } else if r < positive + (1.0 - positive) * 0.8 {
        "unhappy"
    } else {
        "very-unhappy"
    }
}

fn synthesise(
    conn: &mut DbConnection,
    wave_id: &WaveId,
    def: &SurveyDefinition,
    year: &str,
    start: NaiveDate,
    per_audience: usize,
) -> StoreResult<usize> {
    let seed = year.bytes().fold(0x4845_4152_4400_0000u64, |h, b| h.wrapping_mul(131).wrapping_add(u64::from(b)));
    let mut rng = Rng(seed);
    let mut words = words::Words::new(seed);
    let mut made = 0;
    conn.write(|c| -> StoreResult<()> {
        for audience in &def.audiences {
            let aud = audience.key.as_str();
            for _ in 0..per_audience {
                let mut answers: Answers = BTreeMap::new();
                for q in def.questions_for(aud) {
                    if !def.is_shown(q, &answers) || rng.unit() < 0.04 {
                        continue;
                    }
                    let key = q.key.as_str();
                    let p = positive_share(key, year, aud);
                    let value = match (q.kind, key) {
                        (QuestionKind::YesSometimesNo, _) => Some(AnswerValue::Choice(choose_ysn(&mut rng, p).into())),
                        (QuestionKind::FaceScale, _) => Some(AnswerValue::Choice(choose_face(&mut rng, p).into())),
                        (QuestionKind::SingleChoice, _) => {
                            let r = rng.unit();
                            let v = if r < 0.47 {
                                "yes"
                            } else if r < 0.85 {
                                "no"
                            } else {
                                "dont-know"
                            };
                            Some(AnswerValue::Choice(v.into()))
                        }
                        (QuestionKind::MultipleChoice, _) => {
                            let mut chosen: Vec<String> = ["school", "health", "social-care", "family"]
                                .iter()
                                .zip([0.7, 0.45, 0.2, 0.6])
                                .filter(|(_, chance)| rng.unit() < *chance)
                                .map(|(v, _)| (*v).to_owned())
                                .collect();
                            if chosen.is_empty() {
                                chosen.push("nobody".into());
                            }
                            Some(AnswerValue::Choices(chosen))
                        }
                        (QuestionKind::Number, _) => {
                            let (lo, span) = if aud == "young-people" { (8, 18) } else { (2, 22) };
                            Some(AnswerValue::Number((lo + rng.below(span)) as f64))
                        }
                        // The words come from their own generator; the draws here stay as they
                        // were, so the demo's figures do not move.
                        (QuestionKind::ShortText, _) => (rng.unit() < 0.4).then(|| {
                            rng.below(13);
                            AnswerValue::Text(words.good_thing(aud))
                        }),
                        (QuestionKind::LongText | QuestionKind::SayOrShow, _) => (rng.unit() < 0.5).then(|| {
                            rng.below(15);
                            AnswerValue::Text(words.change(aud))
                        }),
                    };
                    if let Some(v) = value {
                        answers.insert(key.to_owned(), v);
                    }
                }
                let consent = rng.unit() < 0.6;
                let day = start + TimeDelta::days(rng.below(56) as i64);
                let started =
                    day.and_hms_opt(9, 0, 0).unwrap_or_default() + TimeDelta::seconds(rng.below(10 * 3600) as i64);
                let submitted = started + TimeDelta::seconds(240 + rng.below(900) as i64);
                let id = crate::db::ResponseId::random();
                diesel::insert_into(responses::table)
                    .values((
                        responses::id.eq(&id),
                        responses::wave_id.eq(wave_id),
                        responses::audience.eq(aud),
                        responses::channel.eq(words.channel(aud)),
                        responses::started_at.eq(started),
                        responses::submitted_at.eq(submitted),
                        responses::consent_to_quote.eq(consent),
                        responses::receipt_hash.eq(None::<String>),
                    ))
                    .execute(c)?;
                draft::insert_answers(c, &id, &answers)?;
                made += 1;
            }
        }
        crate::models::aggregates::rebuild(c, wave_id)?;
        Ok(())
    })?;
    Ok(made)
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn demo_definitions_parse() {
        for (file, source) in FRAMEWORKS {
            let parsed = FrameworkDefinition::parse(file, source);
            assert!(parsed.is_ok(), "{file}: {parsed:?}");
        }
        for (slug, label, status, opens, _) in WAVES {
            let parsed = SurveyDefinition::parse(slug, &survey_source(slug, label, status, opens), 2000);
            assert!(parsed.is_ok(), "{slug}: {parsed:?}");
        }
    }

    #[test]
    fn the_young_peoples_versions_pass_the_easy_read_checker() {
        let (slug, label, status, opens, _) = WAVES[WAVES.len() - 1];
        let def = SurveyDefinition::parse(slug, &survey_source(slug, label, status, opens), 2000).expect("demo");
        let reports = crate::domain::easyread::check_survey(&def);
        let young: Vec<_> = reports.iter().filter(|r| r.audience == "young-people").collect();
        let languages: Vec<&str> = young.iter().map(|r| r.language.as_str()).collect();
        assert_eq!(languages, vec!["en-GB", "pl", "ar"]);
        for r in young {
            assert!(r.findings.is_empty(), "{} {}: {:#?}", r.audience, r.language, r.findings);
        }
        let parents = reports.iter().find(|r| r.audience == "parents-carers").expect("parents");
        assert_eq!(parents.count(crate::domain::easyread::Level::Error), 0, "{:#?}", parents.findings);
        assert_eq!(parents.count(crate::domain::easyread::Level::Warning), 0, "{:#?}", parents.findings);
    }

    #[test]
    fn frameworks_are_faithful_to_the_seeds() {
        let count = |i: usize| {
            FrameworkDefinition::parse("f", FRAMEWORKS[i].1)
                .map(|d| (d.priorities.len(), d.values.len(), d.outcomes.len()))
        };
        assert_eq!(count(0).map(|c| (c.0, c.1)), Ok((5, 6)));
        assert_eq!(count(1).map(|c| (c.0, c.2)), Ok((6, 8)));
        assert_eq!(count(2).map(|c| (c.0, c.1)), Ok((5, 10)));
    }
}
