//! Demo data for the six-weekly review (made up, plausible), and three services signed up
//! to the pledge with standing feedback: Torbay's rating scales (BRAG,
//! the Written Statement of Action's four levels, plain Red/Amber/Green), the Appendix 1
//! measures with two years of values up to last month, and two years of agreed six-weekly
//! reviews whose ratings move the way such trails do (mostly forward, now and then back).
//! Dates are counted back from today, so the dashboard is current on first start. Loaded
//! through the same model functions as the pages (so every change is audited as the demo).

use chrono::{Datelike, Days, Months, NaiveDate};

use crate::db::{DbConnection, PartnershipId};
use crate::domain::review::{Colour, Direction, Frequency, Level, MeasureRow, Unit};
use crate::models::audit::Actor;
use crate::models::{StoreError, StoreResult, board, measures, scales};

type ScaleSpec = (&'static str, &'static [(&'static str, &'static str, &'static str)]);

/// Scales, levels from the least progress to the most.
const SCALES: [ScaleSpec; 3] = [
    (
        "BRAG",
        &[
            ("Red", "Little or no change that families would notice yet.", "#d4351c"),
            ("Amber", "Some change: families see it in some places, not yet most.", "#ffdd00"),
            ("Green", "On track: families see it in most places.", "#00703c"),
            ("Embedded", "Part of how the partnership works everywhere, and kept up.", "#1d70b8"),
        ],
    ),
    (
        "Written Statement of Action",
        &[
            ("Little or no progress or delayed", "Actions not started, or behind their timescale.", "#d4351c"),
            ("Progressing to timescale", "Actions under way and on time.", "#f47738"),
            ("Completed", "Actions done; the difference is still to be shown.", "#00703c"),
            ("Complete and Embedded", "Done, and the difference is seen and lasting.", "#1d70b8"),
        ],
    ),
    (
        "Red, Amber, Green",
        &[
            ("Red", "Off track.", "#d4351c"),
            ("Amber", "Some risk to delivery.", "#ffdd00"),
            ("Green", "On track.", "#00703c"),
        ],
    ),
];

/// Appendix 1: reference, description, unit, better, target, frequency, value two years
/// ago, value now.
type MeasureSpec = (&'static str, &'static str, Unit, Direction, f64, Frequency, f64, f64);

const MEASURES: [MeasureSpec; 12] = [
    ("4B & 11C & 18A", "RSA and per school", Unit::Number, Direction::Lower, 15.0, Frequency::Monthly, 31.0, 19.0),
    ("4B", "Absence rates", Unit::Percentage, Direction::Lower, 12.1, Frequency::Annually, 13.9, 12.6),
    ("4C & 13", "Reduction of suspension", Unit::Percentage, Direction::Lower, 5.91, Frequency::Termly, 10.17, 7.4),
    ("4C & 13", "Reduction in exclusions", Unit::Percentage, Direction::Lower, 0.04, Frequency::Termly, 0.17, 0.09),
    ("11C", "K numbers", Unit::Percentage, Direction::Higher, 13.0, Frequency::Annually, 12.3, 12.9),
    ("11C", "EHCP Numbers", Unit::Percentage, Direction::Lower, 4.3, Frequency::Annually, 6.2, 5.6),
    ("14A", "NEET Numbers", Unit::Number, Direction::Lower, 5.0, Frequency::Monthly, 9.0, 6.0),
    (
        "14B & 17B",
        "19yr old Qualifications L2 & L3",
        Unit::Percentage,
        Direction::Higher,
        17.3,
        Frequency::Annually,
        12.0,
        15.1,
    ),
    ("14D & 17A", "Apprenticeship numbers 16-19", Unit::Number, Direction::Higher, 10.0, Frequency::Monthly, 3.0, 7.0),
    ("14D & 17A", "Apprenticeship numbers 20-25", Unit::Number, Direction::Higher, 9.0, Frequency::Monthly, 4.0, 6.0),
    (
        "15A.1",
        "Annual Reviews Completed Annually",
        Unit::Percentage,
        Direction::Higher,
        100.0,
        Frequency::Termly,
        61.0,
        83.0,
    ),
    ("15C", "Timeliness", Unit::Percentage, Direction::Higher, 100.0, Frequency::Monthly, 42.0, 71.0),
];

/// Measures the dashboard lists without values yet, with the words in their place.
const WAITING: [(&str, &str, &str); 2] = [
    (
        "11E",
        "Developing Pathways",
        "Awaiting discussion with health colleagues on how to translate their information into a snapshot.",
    ),
    ("11G", "Annual Health Checks", ""),
];

/// Which outcome statements (codes) each measure is evidence for.
const MEASURE_OUTCOMES: [(&str, &[&str]); 12] = [
    ("RSA and per school", &["P4.3"]),
    ("Absence rates", &["P4.3"]),
    ("Reduction of suspension", &["P4.4"]),
    ("Reduction in exclusions", &["P4.4"]),
    ("K numbers", &["P2.5", "P4.5"]),
    ("EHCP Numbers", &["P3.2", "P3.5"]),
    ("NEET Numbers", &["P5.1"]),
    ("19yr old Qualifications L2 & L3", &["P5.1"]),
    ("Apprenticeship numbers 16-19", &["P5.3"]),
    ("Apprenticeship numbers 20-25", &["P5.3"]),
    ("Annual Reviews Completed Annually", &["P2.4", "P5.4"]),
    ("Timeliness", &["P2.4"]),
];

/// Notes from other sources: days before today, source, what it showed, outcome codes.
const DEMO_NOTES: [(u64, &str, &str, &[&str]); 8] = [
    (
        640,
        "Parent Carer Forum meeting",
        "Twelve parents said they still do not know where to start when they first worry about their child.",
        &["P1.4", "P2.3"],
    ),
    (
        560,
        "SEND roadshow, Paignton",
        "Families liked meeting the SENDIASS team in person; several had not heard of the Local Offer.",
        &["P1.3", "P1.4"],
    ),
    (
        470,
        "Newsletter analytics",
        "The Local Offer page on short breaks was opened 1,240 times in the month after the newsletter, twice the month before.",
        &["P1.3"],
    ),
    (
        380,
        "Children and Young People's Panel",
        "Panel members said teachers explained more about their plans this year; two felt nobody asked them.",
        &["P2.1", "P4.1"],
    ),
    (
        290,
        "Parent Carer Forum meeting",
        "Parents reported annual reviews arriving on time more often, and being asked for their views first.",
        &["P2.4"],
    ),
    (
        200,
        "Online event: preparing for adulthood",
        "Young people asked for more about travel training and supported internships.",
        &["P5.1", "P5.2"],
    ),
    (
        110,
        "SEND roadshow, Brixham",
        "Fewer families described having to tell their story again; more knew their key worker by name.",
        &["P2.1", "P3.2"],
    ),
    (
        30,
        "Children and Young People's Panel",
        "Members said the new quiet rooms at two secondary schools helped them stay in lessons.",
        &["P4.1", "P4.3"],
    ),
];

/// Evidence notes by level (from the least progress to the most), a few of each.
const NOTES: [&[&str]; 4] = [
    &[
        "Parent Carer Forum: families still describe the same problems; survey share unchanged.",
        "No new evidence since the last review; actions behind their timescale.",
        "Panel session: young people said nothing had changed for them yet.",
    ],
    &[
        "Participation survey up on last year; forum feedback mixed across settings.",
        "Roadshow feedback positive in two localities, not yet the others.",
        "Measure moving the right way but short of target.",
    ],
    &[
        "Survey shows a clear rise; forum and panel report the change in most places.",
        "Measure at or near target for two periods; newsletter feedback positive.",
        "Young people's panel described the change in their own words.",
    ],
    &[
        "Seen in every locality for a year; now part of induction and supervision.",
        "Sustained at target and families describe it as normal practice.",
    ],
];

/// Small deterministic wobble for values and ratings.
fn wobble(i: usize, j: usize) -> f64 {
    let x = ((i * 7919 + j * 104_729) % 97) as f64 / 97.0;
    x - 0.5
}

fn period_label(d: NaiveDate, f: Frequency) -> String {
    match f {
        Frequency::Annually => {
            let start = d.year() - 1;
            format!("{start}/{:02}", (start + 1) % 100)
        }
        Frequency::Termly => {
            let (start, term) = match d.month() {
                12 => (d.year(), "Autumn term"),
                3 => (d.year() - 1, "Spring term"),
                _ => (d.year() - 1, "Summer term"),
            };
            format!("{start}/{:02} {term}", (start + 1) % 100)
        }
        _ => d.format("%b-%y").to_string(),
    }
}

/// The period ends of a frequency, oldest first, over the two years before `today`.
fn period_ends(f: Frequency, today: NaiveDate) -> Vec<NaiveDate> {
    let first_of_month = today.with_day(1).unwrap_or(today);
    let last_month_end = first_of_month.pred_opt().unwrap_or(today);
    let mut out: Vec<NaiveDate> = match f {
        Frequency::Monthly | Frequency::Quarterly => (0..24u32)
            .filter_map(|k| {
                let start = first_of_month.checked_sub_months(Months::new(k + 1))?;
                start.checked_add_months(Months::new(1))?.pred_opt()
            })
            .collect(),
        Frequency::Termly => (0..3)
            .flat_map(|back| {
                let y = today.year() - back;
                [
                    NaiveDate::from_ymd_opt(y - 1, 12, 31),
                    NaiveDate::from_ymd_opt(y, 3, 31),
                    NaiveDate::from_ymd_opt(y, 8, 31),
                ]
            })
            .flatten()
            .filter(|d| *d <= last_month_end)
            .collect(),
        Frequency::Annually => (0..3).filter_map(|back| NaiveDate::from_ymd_opt(today.year() - back, 8, 31)).collect(),
    };
    out.retain(|d| *d <= last_month_end);
    out.sort();
    if f == Frequency::Termly {
        let keep = out.len().saturating_sub(6);
        out.drain(..keep);
    }
    out
}

/// Loads the review cycle's demo for `partnership` unless it has scales already. Returns how
/// many feedback responses the pledge services were given.
pub fn load(conn: &mut DbConnection, partnership: &PartnershipId, today: NaiveDate) -> StoreResult<usize> {
    if !scales::list(conn, partnership)?.is_empty() {
        return Ok(0);
    }
    let mut feedback = 0;
    let actor = Actor::system("SEND Project Board (demo)");
    let mut first_scale = None;
    for (name, levels) in SCALES {
        let levels: Vec<Level> = levels
            .iter()
            .map(|(n, m, c)| {
                let colour = Colour::parse(c).ok_or_else(|| StoreError::Conflict(format!("demo colour {c}")))?;
                Ok(Level { id: None, name: (*n).into(), meaning: (*m).into(), colour })
            })
            .collect::<StoreResult<_>>()?;
        let id = scales::save(conn, partnership, &actor, None, name, &levels)?
            .map_err(|e| StoreError::Conflict(format!("demo scale {name}: {e:?}")))?;
        first_scale.get_or_insert(id);
    }
    // Measures: one import per period end, oldest first, as the dashboard would be kept.
    let mut by_date: std::collections::BTreeMap<NaiveDate, Vec<MeasureRow>> = Default::default();
    for (i, (reference, name, unit, direction, target, frequency, from, to)) in MEASURES.iter().enumerate() {
        let ends = period_ends(*frequency, today);
        let n = ends.len().max(2) - 1;
        for (j, end) in ends.iter().enumerate() {
            let step = from + (to - from) * j as f64 / n as f64;
            let spread = (to - from).abs().max(1.0) * 0.08;
            let raw = step + spread * wobble(i, j);
            let value = if *unit == Unit::Number { raw.round().max(0.0) } else { (raw * 100.0).round() / 100.0 };
            by_date.entry(*end).or_default().push(MeasureRow {
                row: i + 2,
                reference: (*reference).into(),
                name: (*name).into(),
                unit: *unit,
                direction: *direction,
                direction_given: true,
                target: Some(*target),
                frequency: Some(*frequency),
                value: Some((value, *end, period_label(*end, *frequency))),
                note: String::new(),
            });
        }
    }
    let waiting: Vec<MeasureRow> = WAITING
        .iter()
        .enumerate()
        .map(|(i, (reference, name, note))| MeasureRow {
            row: i + 2,
            reference: (*reference).into(),
            name: (*name).into(),
            unit: Unit::Number,
            direction: Direction::Higher,
            direction_given: false,
            target: None,
            frequency: None,
            value: None,
            note: (*note).into(),
        })
        .collect();
    let mut first = true;
    for (_, mut rows) in by_date {
        if first {
            rows.extend(waiting.iter().cloned());
            first = false;
        }
        measures::import(conn, partnership, &actor, "appendix-1.csv", &rows)?;
    }
    // What each measure is evidence for, and notes from other sources.
    let framework = crate::models::framework::framework(conn, partnership)?;
    let id_of = |code: &str| framework.outcomes.iter().find(|o| o.code == code).map(|o| o.id.clone());
    let all = measures::list(conn, partnership)?;
    for (name, codes) in MEASURE_OUTCOMES {
        let Some(m) = all.iter().find(|m| m.name == name) else { continue };
        let ids: Vec<String> = codes.iter().filter_map(|c| id_of(c)).collect();
        measures::set_outcomes(conn, partnership, &actor, &m.id, &ids)?;
    }
    for (days, source, body, codes) in DEMO_NOTES {
        let ids: Vec<String> = codes.iter().filter_map(|c| id_of(c)).collect();
        let on = today.checked_sub_days(Days::new(days)).unwrap_or(today);
        crate::models::notes::add(
            conn,
            partnership,
            &Actor::system("Participation lead (demo)"),
            on,
            source,
            body,
            &ids,
        )?;
    }
    // Three services signed up to the pledge, with standing feedback over the last four
    // months (the third too new to show figures yet).
    for (name, slug, per_audience) in [
        ("Health visiting", "health-visiting", 24),
        ("SENDIASS", "sendiass", 15),
        ("Bayside short breaks", "bayside-short-breaks", 3),
    ] {
        let opens = today.checked_sub_days(Days::new(120)).unwrap_or(today);
        let new = crate::models::services::NewService { partnership_slug: "torbay", name, slug, opens };
        let added = crate::models::services::add(conn, partnership, &actor, &new, 2000)?;
        if added.is_err() {
            continue;
        }
        let wave = crate::models::survey::get(conn, &format!("torbay-pledge-{slug}"), 2000)?;
        feedback += super::synthesise(conn, &wave.row.id, &wave.definition, "Standing", opens, per_audience)?;
    }
    // Reviews: every six weeks for two years, the last at least a week ago, all agreed.
    let Some(scale) = first_scale else { return Ok(feedback) };
    let levels = scales::get(conn, partnership, &scale)?.map(|s| s.levels).unwrap_or_default();
    let outcomes = framework.outcomes;
    let last = today.checked_sub_days(Days::new(7)).unwrap_or(today);
    let dates: Vec<NaiveDate> = (0..17u64).rev().filter_map(|k| last.checked_sub_days(Days::new(42 * k))).collect();
    for (r, held_on) in dates.iter().enumerate() {
        let id = board::start(conn, partnership, &actor, *held_on, &scale)?
            .map_err(|e| StoreError::Conflict(format!("demo review {held_on}: {e:?}")))?;
        let given: Vec<board::Given> = outcomes
            .iter()
            .filter(|o| !o.archived)
            .enumerate()
            .filter_map(|(i, o)| {
                // Start Red or Amber; move up one level every few reviews; slip back now and then.
                let pace = 5 + (i % 4);
                let mut level = (i % 2) + r / pace;
                if (r + i) % 11 == 10 && level > 0 {
                    level -= 1;
                }
                let level = level.min(levels.len().saturating_sub(1)).min(2 + usize::from(i % 5 == 0));
                let l = levels.get(level)?;
                let notes = NOTES[level.min(NOTES.len() - 1)];
                Some(board::Given {
                    outcome_id: o.id.clone(),
                    level_id: l.id.clone(),
                    note: notes[(i + r) % notes.len()].to_owned(),
                })
            })
            .collect();
        board::rate(conn, partnership, &actor, &id, &given)?
            .map_err(|e| StoreError::Conflict(format!("demo ratings {held_on}: {e:?}")))?;
        board::agree(conn, partnership, &actor, &id)?
            .map_err(|e| StoreError::Conflict(format!("demo agreement {held_on}: {e:?}")))?;
    }
    Ok(feedback)
}

/// One "you said, we did" decision of the demo's two years.
struct DecisionSpec {
    days_ago: u64,
    title: &'static str,
    body: &'static str,
    easy: &'static str,
    /// Outcome statement codes it serves.
    serves: &'static [&'static str],
    /// What it answers: a measure by name, a theme by name, a question key, and an approved
    /// quote holding these words (each when the demo has it).
    measure: Option<&'static str>,
    theme: &'static str,
    question: &'static str,
    quote_words: &'static str,
}

const DECISIONS: [DecisionSpec; 6] = [
    DecisionSpec {
        days_ago: 600,
        title: "You said the Local Offer was hard to find your way round",
        body: "Parents told us they could not find short breaks or who to call first. We rebuilt the Local Offer's front page around the questions you asked most, with one number to call.",
        easy: "You told us the Local Offer website was hard to use. We made the first page simpler. There is now one phone number to call.",
        serves: &["P1.3", "P1.4"],
        measure: None,
        theme: "Communication",
        question: "know-who-to-ask",
        quote_words: "easier to search",
    },
    DecisionSpec {
        days_ago: 470,
        title: "You said annual reviews were late",
        body: "Families told us reviews arrived late and without their views. Every review now starts with a call to the family two weeks before, and we report timeliness to the board each month.",
        easy: "You said reviews came late. Now someone calls you two weeks before your review. We check every month that reviews are on time.",
        serves: &["P2.4"],
        measure: Some("Annual Reviews Completed Annually"),
        theme: "Honesty and waiting",
        question: "plan-involved",
        quote_words: "eleven weeks for a reply about the annual review",
    },
    DecisionSpec {
        days_ago: 380,
        title: "You said you had to tell your story again and again",
        body: "Families told us they repeated their child's story to every new worker. Each family now has a named key worker, and new workers read the family's own words first.",
        easy: "You said you had to tell your story many times. Now you have one key worker. New workers read what you told us first.",
        serves: &["P2.1", "P3.2"],
        measure: None,
        theme: "Telling our story again",
        question: "tell-story-once",
        quote_words: "story",
    },
    DecisionSpec {
        days_ago: 260,
        title: "You said young people were not asked about their own plans",
        body: "Young people on the panel said nobody asked them what should be in their plan. Plans now have a page written with the young person, and teachers were trained to ask.",
        easy: "Young people said nobody asked them about their plan. Now your plan has a page you help to write.",
        serves: &["P2.1", "P4.1"],
        measure: None,
        theme: "Being listened to",
        question: "plan-involved",
        quote_words: "teachers should read my plan",
    },
    DecisionSpec {
        days_ago: 150,
        title: "You said preparing for adulthood started too late",
        body: "Young people asked for travel training and supported internships earlier. Both now start from Year 9, and the roadshow has a session on them.",
        easy: "You asked to learn about travel and jobs sooner. Now this starts in Year 9.",
        serves: &["P5.1", "P5.2"],
        measure: Some("Apprenticeship numbers 16-19"),
        theme: "Getting ready for adult life",
        question: "future-ready",
        quote_words: "college",
    },
    DecisionSpec {
        days_ago: 40,
        title: "You said school was too loud to stay in lessons",
        body: "Panel members told us noise and crowds made them leave lessons. Two secondary schools opened quiet rooms this term, and more are planned.",
        easy: "You said school was too loud. Two schools now have quiet rooms.",
        serves: &["P4.1", "P4.3"],
        measure: None,
        theme: "Help in school",
        question: "feel-about-school",
        quote_words: "quiet",
    },
];

/// Publishes the demo's decision log: each update linked to the outcome statements it serves
/// and to the evidence it answers (a measure, a theme, a question, a quote), dated over two
/// years so the reviews list them since the review before. Run after the quotes exist.
pub fn decisions(conn: &mut DbConnection, partnership: &PartnershipId, today: NaiveDate) -> StoreResult<()> {
    use crate::models::updates::{self, LinkKind, NewUpdate};
    if !updates::list(conn, partnership)?.is_empty() {
        return Ok(());
    }
    let wave = match crate::models::account::current_wave(conn, partnership)? {
        Some(w) => Some(crate::models::survey::get(conn, &w.slug, 2000)?.definition),
        None => None,
    };
    let linkable = updates::linkable(conn, partnership, wave.as_deref())?;
    let of = |kind: LinkKind| -> &[(String, String)] {
        linkable.iter().find(|(k, _)| *k == kind).map_or(&[], |(_, items)| items.as_slice())
    };
    let framework = crate::models::framework::framework(conn, partnership)?;
    let measures = measures::list(conn, partnership)?;
    for d in &DECISIONS {
        let mut links: Vec<(LinkKind, String)> = d
            .serves
            .iter()
            .filter_map(|c| framework.outcomes.iter().find(|o| o.code == *c))
            .map(|o| (LinkKind::Outcome, o.id.clone()))
            .collect();
        if let Some(m) = d.measure.and_then(|name| measures.iter().find(|m| m.name == name)) {
            links.push((LinkKind::Measure, m.id.clone()));
        }
        let pick = |kind: LinkKind, wanted: &dyn Fn(&str, &str) -> bool| {
            of(kind).iter().find(|(id, label)| wanted(id, label)).map(|(id, _)| (kind, id.clone()))
        };
        links.extend(pick(LinkKind::Theme, &|_, label| label == d.theme));
        links.extend(pick(LinkKind::Question, &|key, _| key == d.question));
        links.extend(pick(LinkKind::Quote, &|_, label| label.to_lowercase().contains(d.quote_words)));
        let at = today.checked_sub_days(Days::new(d.days_ago)).and_then(|day| day.and_hms_opt(10, 0, 0));
        let new = NewUpdate {
            partnership_id: partnership.clone(),
            title: d.title.into(),
            body: d.body.into(),
            easy_read: d.easy.into(),
            priorities: Vec::new(),
            themes: Vec::new(),
            links,
            by: "participation.lead@torbay.example".into(),
            at,
        };
        let nothing = |_: &updates::Update| Ok((String::new(), String::new(), String::new()));
        updates::publish(conn, &new, wave.as_deref(), "demo.invalid", &nothing)?;
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn periods_read_back_as_they_are_labelled() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        for f in Frequency::ALL {
            let ends = period_ends(f, today);
            assert!(!ends.is_empty(), "{f:?}");
            assert!(ends.windows(2).all(|w| w[0] < w[1]));
            assert!(ends.iter().all(|d| *d < today));
            for d in ends {
                assert_eq!(crate::domain::review::period_end(&period_label(d, f)), Some(d), "{f:?} {d}");
            }
        }
        assert_eq!(period_ends(Frequency::Monthly, today).len(), 24);
    }
}
