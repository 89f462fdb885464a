//! The partnership's six-weekly review, as checked values: a rating scale's levels (name,
//! meaning, colour that carries readable text), and measures, the Appendix 1 dashboard of
//! the Torbay KPI report: unit, direction, frequency, a dated series of values, when the
//! next one is due, and the dashboard's own layout read as CSV.
//!
//! Nothing here touches the database or HTTP. Every refusal names the field (or the row and
//! column of a file) and says what would be accepted.

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

use super::text::UserText;

/// The longest name of a level, a scale or a measure, in grapheme clusters.
pub const MAX_NAME: usize = 120;
/// The longest meaning of a level or note on a rating, in grapheme clusters.
pub const MAX_NOTE: usize = 2000;
/// The most levels in one scale.
pub const MAX_LEVELS: usize = 8;

/// A colour as `#rrggbb`, lower case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Colour(String);

impl Colour {
    /// Reads `#rrggbb` (any case, surrounding spaces ignored).
    pub fn parse(raw: &str) -> Option<Colour> {
        let t = raw.trim().to_ascii_lowercase();
        let hex = t.strip_prefix('#')?;
        (hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some(Colour(t))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// WCAG 2 relative luminance.
    pub fn luminance(&self) -> f64 {
        let channel = |i: usize| {
            let v = f64::from(u8::from_str_radix(&self.0[1 + 2 * i..3 + 2 * i], 16).unwrap_or(0)) / 255.0;
            if v <= 0.039_28 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
        };
        0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2)
    }

    /// The WCAG contrast ratio of two colours (1 to 21).
    pub fn contrast(&self, other: &Colour) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        let (hi, lo) = if a > b { (a, b) } else { (b, a) };
        (hi + 0.05) / (lo + 0.05)
    }

    /// The text colour written on this colour: near-black or white, whichever reads better.
    pub fn text(&self) -> Colour {
        let (dark, light) = (Colour("#0b0c0c".into()), Colour("#ffffff".into()));
        if self.contrast(&dark) >= self.contrast(&light) { dark } else { light }
    }
}

/// The contrast text must have on a level's colour (WCAG 2.2 AA, normal text).
pub const TEXT_CONTRAST: f64 = 4.5;

/// One level of a scale as typed, before checking.
#[derive(Debug, Clone, Default)]
pub struct RawLevel {
    pub id: Option<String>,
    pub name: String,
    pub meaning: String,
    pub colour: String,
}

/// One checked level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Level {
    /// The stored level this replaces, if any.
    pub id: Option<String>,
    pub name: String,
    pub meaning: String,
    pub colour: Colour,
}

/// What is wrong with a scale as typed: the scale's name, or a level's field (index, field).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScaleProblems {
    pub name: Option<String>,
    pub levels: Vec<(usize, &'static str, String)>,
    pub whole: Option<String>,
}

impl ScaleProblems {
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.levels.is_empty() && self.whole.is_none()
    }
}

/// A scale's name and levels in order, checked: a name; two to [`MAX_LEVELS`] levels, each
/// with a distinct name, a meaning and a colour that carries text at [`TEXT_CONTRAST`]. Rows
/// left wholly blank are skipped.
pub fn check_scale(name: &str, raw: &[RawLevel]) -> Result<(String, Vec<Level>), ScaleProblems> {
    let mut p = ScaleProblems::default();
    let name = UserText::required(name, MAX_NAME, false, "The name", "Give the scale a name, for example “BRAG”.")
        .unwrap_or_else(|e| {
            p.name = Some(e);
            String::new()
        });
    let mut levels = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        if r.name.trim().is_empty() && r.meaning.trim().is_empty() && r.id.is_none() {
            continue;
        }
        let mut field = |f: &'static str, e: String| p.levels.push((i, f, e));
        let level_name =
            UserText::required(&r.name, MAX_NAME, false, "The name", "Give the level a name, for example “Green”.")
                .unwrap_or_else(|e| {
                    field("name", e);
                    String::new()
                });
        let meaning = UserText::required(
            &r.meaning,
            MAX_NOTE,
            true,
            "The meaning",
            "Say what this level means, so every reviewer rates alike.",
        )
        .unwrap_or_else(|e| {
            field("meaning", e);
            String::new()
        });
        let colour = match Colour::parse(&r.colour) {
            Some(c) if c.contrast(&c.text()) >= TEXT_CONTRAST => c,
            Some(c) => {
                p.levels.push((
                    i,
                    "colour",
                    format!(
                        "Text on {} would be hard to read (contrast {:.1} to 1; it must be at least 4.5 to 1). Choose a darker or lighter colour.",
                        c.as_str(),
                        c.contrast(&c.text())
                    ),
                ));
                Colour("#000000".into())
            }
            None => {
                p.levels.push((i, "colour", "Give a colour as # and six hex digits, like #00703c.".into()));
                Colour("#000000".into())
            }
        };
        if !level_name.is_empty() && levels.iter().any(|l: &Level| l.name.to_lowercase() == level_name.to_lowercase()) {
            p.levels.push((i, "name", format!("Another level is already called “{level_name}”.")));
        }
        levels.push(Level { id: r.id.clone(), name: level_name, meaning, colour });
    }
    if levels.len() < 2 {
        p.whole = Some("A scale needs at least two levels.".into());
    } else if levels.len() > MAX_LEVELS {
        p.whole = Some(format!("A scale can have at most {MAX_LEVELS} levels."));
    }
    if p.is_empty() { Ok((name, levels)) } else { Err(p) }
}

/// What a measure counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    Number,
    Percentage,
    Rate,
}

impl Unit {
    pub const ALL: [Unit; 3] = [Unit::Number, Unit::Percentage, Unit::Rate];
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Number => "number",
            Unit::Percentage => "percentage",
            Unit::Rate => "rate",
        }
    }
    pub fn parse(s: &str) -> Option<Unit> {
        Unit::ALL.into_iter().find(|u| u.as_str() == s.trim().to_ascii_lowercase())
    }
    /// A value in this unit, as the dashboard writes it.
    pub fn show(self, v: f64) -> String {
        let n = if (v - v.round()).abs() < 1e-9 { format!("{v:.0}") } else { format!("{v:.2}") };
        let n = if n.contains('.') { n.trim_end_matches('0').trim_end_matches('.').to_owned() } else { n };
        match self {
            Unit::Percentage => format!("{n}%"),
            Unit::Rate => format!("{n} per 1,000"),
            Unit::Number => n,
        }
    }
}

/// Which way is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Higher,
    Lower,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Higher => "higher",
            Direction::Lower => "lower",
        }
    }
    pub fn parse(s: &str) -> Option<Direction> {
        match s.trim().to_ascii_lowercase().as_str() {
            "higher" | "up" | "higher is better" | "increase" => Some(Direction::Higher),
            "lower" | "down" | "lower is better" | "decrease" | "reduce" => Some(Direction::Lower),
            _ => None,
        }
    }
    /// A guess for a measure without a stated direction: lower is better for what is to be
    /// reduced (absence, suspensions, exclusions, NEET, waits), or when the target is below the
    /// current value; otherwise higher.
    pub fn guess(name: &str, value: Option<f64>, target: Option<f64>) -> Direction {
        let n = name.to_lowercase();
        let lower_words = ["reduc", "absence", "suspension", "exclusion", "neet", "wait", "complaint", "spend"];
        if lower_words.iter().any(|w| n.contains(w)) {
            return Direction::Lower;
        }
        match (value, target) {
            (Some(v), Some(t)) if t < v => Direction::Lower,
            _ => Direction::Higher,
        }
    }
}

/// How often a measure is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Frequency {
    Monthly,
    Quarterly,
    Termly,
    Annually,
}

impl Frequency {
    pub const ALL: [Frequency; 4] = [Frequency::Monthly, Frequency::Quarterly, Frequency::Termly, Frequency::Annually];
    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Monthly => "monthly",
            Frequency::Quarterly => "quarterly",
            Frequency::Termly => "termly",
            Frequency::Annually => "annually",
        }
    }
    pub fn parse(s: &str) -> Option<Frequency> {
        match s.trim().to_ascii_lowercase().as_str() {
            "monthly" | "month" => Some(Frequency::Monthly),
            "quarterly" | "quarter" => Some(Frequency::Quarterly),
            "termly" | "term" | "each term" => Some(Frequency::Termly),
            "annually" | "annual" | "yearly" | "year" => Some(Frequency::Annually),
            _ => None,
        }
    }
    fn months(self) -> u32 {
        match self {
            Frequency::Monthly => 1,
            Frequency::Quarterly => 3,
            Frequency::Termly => 4,
            Frequency::Annually => 12,
        }
    }
    /// When the value after one for a period ending `last` is due: the end of the next period
    /// and a month for its figures to come in.
    pub fn due_after(self, last: NaiveDate) -> NaiveDate {
        last.checked_add_months(Months::new(self.months() + 1)).unwrap_or(last)
    }
}

/// The last day of `month` in `year`.
fn month_end(year: i32, month: u32) -> Option<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    first.checked_add_months(Months::new(1))?.pred_opt()
}

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/// The last day of the period a dashboard names: a month (`Aug-23`, `August 2023`), an
/// academic year (`2021/2022`, `2021/22`, ending 31 August), an academic year's term
/// (`2021/22 Spring term`: autumn ends 31 December, spring 31 March, summer 31 August; with
/// several terms named, the last), or a date (`2023-08-31`, `31/08/2023`).
pub fn period_end(raw: &str) -> Option<NaiveDate> {
    let t = raw.trim().to_lowercase();
    if t.is_empty() {
        return None;
    }
    if let Ok(d) = NaiveDate::parse_from_str(&t, "%Y-%m-%d") {
        return Some(d);
    }
    if let Ok(d) = NaiveDate::parse_from_str(&t, "%d/%m/%Y") {
        return Some(d);
    }
    // Academic year, perhaps with terms.
    let words: Vec<&str> = t.split_whitespace().collect();
    if let Some((a, b)) = words.first().and_then(|w| w.split_once('/')) {
        let start: i32 = a.parse().ok().filter(|y: &i32| (1900..=2200).contains(y))?;
        let end: i32 = match b.len() {
            2 => (start / 100) * 100 + b.parse::<i32>().ok()?,
            4 => b.parse().ok()?,
            _ => return None,
        };
        if end != start + 1 {
            return None;
        }
        let rest = words[1..].join(" ");
        let last_term = ["autumn", "spring", "summer"]
            .iter()
            .filter_map(|term| rest.rfind(term).map(|at| (at, *term)))
            .max_by_key(|(at, _)| *at)
            .map(|(_, term)| term);
        return match last_term {
            Some("autumn") => NaiveDate::from_ymd_opt(start, 12, 31),
            Some("spring") => NaiveDate::from_ymd_opt(end, 3, 31),
            _ if rest.is_empty() || last_term.is_some() => NaiveDate::from_ymd_opt(end, 8, 31),
            _ => None,
        };
    }
    // A month and a year: "aug-23", "aug 2023", "august 2023".
    let cleaned = t.replace(['-', '/', '.'], " ");
    let parts: Vec<&str> = cleaned.split_whitespace().collect();
    if let [m, y] = parts.as_slice() {
        let month = MONTHS.iter().position(|name| m.starts_with(name) && m.len() >= 3)? as u32 + 1;
        let year: i32 = match y.len() {
            2 => 2000 + y.parse::<i32>().ok()?,
            4 => y.parse().ok()?,
            _ => return None,
        };
        return month_end(year, month);
    }
    None
}

/// A value as a dashboard writes it: `26`, `13.4%`, `1,234`. Whether it had a `%`.
pub fn value(raw: &str) -> Option<(f64, bool)> {
    let t = raw.trim().replace(',', "");
    let (num, pct) = match t.strip_suffix('%') {
        Some(n) => (n.trim().to_owned(), true),
        None => (t, false),
    };
    let v: f64 = num.parse().ok()?;
    v.is_finite().then_some((v, pct))
}

/// The period a date ends, as people say it (`Aug 2023`).
pub fn period_words(d: NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

/// One row of a measures file, checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeasureRow {
    pub row: usize,
    pub reference: String,
    pub name: String,
    pub unit: Unit,
    pub direction: Direction,
    /// Whether the file said the direction (else it was guessed).
    pub direction_given: bool,
    pub target: Option<f64>,
    pub frequency: Option<Frequency>,
    /// The value and the period it ends, when the row has one.
    pub value: Option<(f64, NaiveDate, String)>,
    /// Words in place of a value ("Awaiting discussion with health colleagues ...").
    pub note: String,
}

/// A problem in a measures file, by row (1 = the heading row) and column heading.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileProblem {
    pub row: usize,
    pub column: String,
    pub problem: String,
}

/// The columns a measures file may have, by the headings Heard reads (any case). The
/// Appendix 1 layout's own headings are the first of each.
const COLUMNS: [(&str, &[&str]); 9] = [
    ("reference", &["wsoa reference", "reference", "ref"]),
    ("name", &["description", "measure", "name"]),
    ("value", &["current performance", "value", "current value"]),
    ("target", &["target"]),
    ("indicator", &["current indicator", "indicator"]),
    ("period", &["last data set", "period", "date"]),
    ("frequency", &["frequency"]),
    ("direction", &["direction", "better"]),
    ("unit", &["unit"]),
];

/// Reads a measures file in the Appendix 1 layout (`WSOA Reference, Description, Current
/// Performance, Target, Current indicator, Last Data Set, Frequency`; `Direction` and `Unit`
/// may be added). Rows with only a reference and a description are measures without values
/// yet; words in place of a value with nothing after them are kept as the measure's note.
/// Every problem is listed by row and column; nothing is returned unless there are none.
pub fn read_measures(bytes: &[u8]) -> Result<Vec<MeasureRow>, Vec<FileProblem>> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new().flexible(true).has_headers(false).from_reader(text.as_bytes());
    let mut records = reader.records();
    let problem = |row: usize, column: &str, p: String| FileProblem { row, column: column.to_owned(), problem: p };
    let Some(Ok(head)) = records.next() else {
        return Err(vec![problem(
            1,
            "",
            "The file is empty or is not CSV. Save the dashboard as CSV and try again.".into(),
        )]);
    };
    let headings: Vec<String> = head.iter().map(|h| h.trim().to_owned()).collect();
    let find = |what: &str| -> Option<usize> {
        let names = COLUMNS.iter().find(|(k, _)| *k == what).map_or(&[][..], |(_, n)| *n);
        headings.iter().position(|h| names.contains(&h.to_lowercase().as_str()))
    };
    let (Some(c_name), c_ref) = (find("name"), find("reference")) else {
        return Err(vec![problem(
            1,
            "",
            format!(
                "No “Description” column. The first row should hold the headings: WSOA Reference, Description, Current Performance, Target, Current indicator, Last Data Set, Frequency (found: {}).",
                headings.join(", ")
            ),
        )]);
    };
    let heading =
        |i: Option<usize>, fallback: &str| i.and_then(|i| headings.get(i).cloned()).unwrap_or(fallback.into());
    let (c_value, c_target, c_period, c_freq, c_dir, c_unit) =
        (find("value"), find("target"), find("period"), find("frequency"), find("direction"), find("unit"));
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, rec) in records.enumerate() {
        let row = i + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                problems.push(problem(row, "", format!("This row cannot be read as CSV ({e}).")));
                continue;
            }
        };
        let cell = |c: Option<usize>| c.and_then(|c| rec.get(c)).unwrap_or("").trim().to_owned();
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut bad =
            |c: Option<usize>, fallback: &str, p: String| problems.push(problem(row, &heading(c, fallback), p));
        let name = match UserText::required(
            &cell(Some(c_name)),
            MAX_NAME,
            false,
            "Description",
            "Each measure needs a description.",
        ) {
            Ok(n) => n,
            Err(e) => {
                bad(Some(c_name), "Description", e);
                continue;
            }
        };
        let reference = match UserText::parse(&cell(c_ref), 40, false) {
            Ok(t) => t.into_string(),
            Err(e) => {
                bad(c_ref, "WSOA Reference", format!("{e}"));
                String::new()
            }
        };
        let (raw_value, raw_target, raw_period, raw_freq) =
            (cell(c_value), cell(c_target), cell(c_period), cell(c_freq));
        let mut note = String::new();
        let mut val = None;
        let mut pct = false;
        if !raw_value.is_empty() {
            match value(&raw_value) {
                Some((v, p)) => {
                    val = Some(v);
                    pct = p;
                }
                None if raw_target.is_empty() && raw_period.is_empty() && raw_freq.is_empty() => {
                    note = UserText::parse(&raw_value, MAX_NOTE, true).map(UserText::into_string).unwrap_or_default();
                }
                None => bad(
                    c_value,
                    "Current Performance",
                    format!("“{raw_value}” is not a number. Write it like 26 or 13.4%."),
                ),
            }
        }
        let target = if raw_target.is_empty() {
            None
        } else {
            match value(&raw_target) {
                Some((t, p)) => {
                    pct |= p;
                    Some(t)
                }
                None => {
                    bad(
                        c_target,
                        "Target",
                        format!("“{raw_target}” is not a number. Write it like 15 or 12.1%, or leave it empty."),
                    );
                    None
                }
            }
        };
        let frequency = if raw_freq.is_empty() {
            None
        } else {
            let f = Frequency::parse(&raw_freq);
            if f.is_none() {
                bad(
                    c_freq,
                    "Frequency",
                    format!("“{raw_freq}” is not a frequency. Write Monthly, Quarterly, Termly or Annually."),
                );
            }
            f
        };
        let period = if raw_period.is_empty() {
            if val.is_some() {
                bad(c_period, "Last Data Set", "Say which period the value is for, like Aug-23 or 2021/22.".into());
            }
            None
        } else {
            let p = period_end(&raw_period);
            if p.is_none() {
                bad(
                    c_period,
                    "Last Data Set",
                    format!(
                        "“{raw_period}” is not a period Heard can read. Write a month like Aug-23, an academic year like 2021/22 (with a term if you like), or a date like 2023-08-31."
                    ),
                );
            }
            p
        };
        let direction_cell = cell(c_dir);
        let direction = if direction_cell.is_empty() {
            None
        } else {
            let d = Direction::parse(&direction_cell);
            if d.is_none() {
                bad(
                    c_dir,
                    "Direction",
                    format!("“{direction_cell}” is not a direction. Write higher or lower (which is better)."),
                );
            }
            d
        };
        let unit_cell = cell(c_unit);
        let unit = if unit_cell.is_empty() {
            if pct { Unit::Percentage } else { Unit::Number }
        } else {
            Unit::parse(&unit_cell).unwrap_or_else(|| {
                bad(c_unit, "Unit", format!("“{unit_cell}” is not a unit. Write number, percentage or rate."));
                Unit::Number
            })
        };
        out.push(MeasureRow {
            row,
            reference,
            direction: direction.unwrap_or_else(|| Direction::guess(&name, val, target)),
            direction_given: direction.is_some(),
            name,
            unit,
            target,
            frequency,
            value: val.zip(period).map(|(v, p)| (v, p, raw_period.clone())),
            note,
        });
    }
    if out.is_empty() && problems.is_empty() {
        problems.push(problem(2, "", "The file has headings but no measures.".into()));
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

/// Whether a value moved the better way, from `before` to `after`, for `direction`.
pub fn travel(direction: Direction, before: f64, after: f64) -> &'static str {
    let eps = 1e-9;
    match (direction, after - before) {
        (_, d) if d.abs() < eps => "no change",
        (Direction::Higher, d) | (Direction::Lower, d) if (d > 0.0) == (direction == Direction::Higher) => "better",
        _ => "worse",
    }
}

/// The date six weeks after `last` (the next review, suggested), or `today` when none.
pub fn next_review(last: Option<NaiveDate>, today: NaiveDate) -> NaiveDate {
    last.and_then(|d| d.checked_add_days(chrono::Days::new(42))).unwrap_or(today)
}

/// The academic year a date falls in, as `2023/24`.
pub fn academic_year(d: NaiveDate) -> String {
    let start = if d.month() >= 9 { d.year() } else { d.year() - 1 };
    format!("{start}/{:02}", (start + 1) % 100)
}

/// Where a measure stands: its latest value against the one before and its target, and when
/// the next is due.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Standing {
    /// "better", "worse" or "no change" since the value before; None with fewer than two.
    pub travel: Option<&'static str>,
    /// Whether the latest value meets the target (in the better direction); None without one.
    pub on_target: Option<bool>,
    /// When the next value is due; None without a frequency or any value.
    pub due: Option<NaiveDate>,
    /// The due date has passed with no newer value.
    pub overdue: bool,
}

/// The standing of a measure whose values (period end, value) are `values`, oldest first.
pub fn standing(
    direction: Direction,
    target: Option<f64>,
    frequency: Option<Frequency>,
    values: &[(NaiveDate, f64)],
    today: NaiveDate,
) -> Standing {
    let last = values.last();
    let before = values.len().checked_sub(2).and_then(|i| values.get(i));
    let due = frequency.zip(last).map(|(f, (d, _))| f.due_after(*d));
    Standing {
        travel: last.zip(before).map(|((_, b), (_, a))| travel(direction, *a, *b)),
        on_target: last.zip(target).map(|((_, v), t)| match direction {
            Direction::Higher => *v >= t,
            Direction::Lower => *v <= t,
        }),
        due,
        overdue: due.is_some_and(|d| d < today),
    }
}

/// What a rating can be suggested from: each measure tagged to the outcome statement (its
/// direction of travel since the value before, whether it meets its target) and how many
/// notes from other sources were added since the review before.
#[derive(Debug, Clone, Default)]
pub struct Signals {
    /// (travel: "better", "worse", "no change" or none yet; meets its target).
    pub measures: Vec<(Option<&'static str>, Option<bool>)>,
    pub notes: usize,
    /// Each survey question tagged to the outcome statement and compared with the wave
    /// before: "better" (improved), "worse" (declined) or "no change" (anything else the
    /// method could compare).
    pub survey: Vec<&'static str>,
}

/// A suggested level (its place in the scale, 0 = the least progress) and why, in one
/// sentence; `None` when there is no evidence at all. The rule, which staff then overrule
/// as they judge: from the level at the review before, one up when more tagged measures
/// and survey questions moved the better way than the worse, one down when more moved the
/// worse way, else the same; with no rating before, the share of tagged measures meeting
/// their target placed on the scale. Notes are counted in the sentence (their words are for
/// people to weigh).
pub fn suggest(previous: Option<usize>, levels: usize, s: &Signals) -> Option<(usize, String)> {
    if levels == 0 || (s.measures.is_empty() && s.notes == 0 && s.survey.is_empty()) {
        return None;
    }
    let moved = |way: &str| {
        s.measures.iter().filter(|m| m.0 == Some(way)).count() + s.survey.iter().filter(|v| **v == way).count()
    };
    let (better, worse) = (moved("better"), moved("worse"));
    let targets: Vec<bool> = s.measures.iter().filter_map(|m| m.1).collect();
    let met = targets.iter().filter(|t| **t).count();
    let top = levels - 1;
    let level = match previous {
        Some(p) if better > worse => (p + 1).min(top),
        Some(p) if worse > better => p.saturating_sub(1),
        Some(p) => p.min(top),
        None if !targets.is_empty() => ((met as f64 / targets.len() as f64) * top as f64).round() as usize,
        None => return None,
    };
    let n = s.measures.len();
    let mut why = Vec::new();
    if n > 0 {
        let (b, w) = (
            s.measures.iter().filter(|m| m.0 == Some("better")).count(),
            s.measures.iter().filter(|m| m.0 == Some("worse")).count(),
        );
        why.push(format!(
            "{b} of {n} measure{} moved the better way and {w} the worse way since the value before",
            if n == 1 { "" } else { "s" }
        ));
        if !targets.is_empty() {
            why.push(format!(
                "{met} of {} meet{} the target",
                targets.len(),
                if targets.len() == 1 { "s" } else { "" }
            ));
        }
    }
    if !s.survey.is_empty() {
        let n = s.survey.len();
        let (b, w) =
            (s.survey.iter().filter(|v| **v == "better").count(), s.survey.iter().filter(|v| **v == "worse").count());
        why.push(format!(
            "{b} of {n} survey question{} improved on the year before and {w} declined",
            if n == 1 { "" } else { "s" }
        ));
    }
    if s.notes > 0 {
        why.push(format!("{} note{} from other sources to weigh", s.notes, if s.notes == 1 { "" } else { "s" }));
    }
    let from = match previous {
        Some(_) => "from the last rating, ",
        None => "",
    };
    Some((level, format!("{from}{}.", why.join("; "))))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn contrast_is_wcags() {
        let black = Colour::parse("#000000").unwrap();
        let white = Colour::parse("#FFFFFF").unwrap();
        assert!((black.contrast(&white) - 21.0).abs() < 1e-9);
        // GOV.UK green carries white text; yellow carries black.
        let green = Colour::parse("#00703c").unwrap();
        assert_eq!(green.text().as_str(), "#ffffff");
        assert!(green.contrast(&green.text()) >= TEXT_CONTRAST);
        assert_eq!(Colour::parse("#ffdd00").unwrap().text().as_str(), "#0b0c0c");
        assert_eq!(Colour::parse("00703c"), None);
        assert_eq!(Colour::parse("#00703"), None);
        assert_eq!(Colour::parse("#gg703c"), None);
    }

    #[test]
    fn a_scale_is_checked_field_by_field() {
        let level =
            |n: &str, m: &str, c: &str| RawLevel { id: None, name: n.into(), meaning: m.into(), colour: c.into() };
        let (name, levels) = check_scale(
            " BRAG ",
            &[level("Red", "Not started", "#d4351c"), level("", "", ""), level("Green", "On track", "#00703C")],
        )
        .unwrap();
        assert_eq!((name.as_str(), levels.len()), ("BRAG", 2));
        assert_eq!(levels[1].colour.as_str(), "#00703c");
        let p = check_scale(
            "",
            &[level("Red", "", "#d4351c"), level("red", "Again", "blue"), level("Amber", "Some", "#ffbf47")],
        )
        .unwrap_err();
        assert!(p.name.is_some());
        assert!(p.levels.contains(&(0, "meaning", "Say what this level means, so every reviewer rates alike.".into())));
        assert!(p.levels.iter().any(|(i, f, _)| *i == 1 && *f == "colour"));
        assert!(p.levels.iter().any(|(i, f, m)| *i == 1 && *f == "name" && m.contains("already")));
        assert!(check_scale("One", &[level("Only", "One", "#00703c")]).unwrap_err().whole.is_some());
    }

    #[test]
    fn periods_as_the_dashboard_writes_them() {
        assert_eq!(period_end("Aug-23"), Some(d(2023, 8, 31)));
        assert_eq!(period_end("Feb-24"), Some(d(2024, 2, 29)));
        assert_eq!(period_end("August 2023"), Some(d(2023, 8, 31)));
        assert_eq!(period_end("2021/2022"), Some(d(2022, 8, 31)));
        assert_eq!(period_end("2021/22"), Some(d(2022, 8, 31)));
        assert_eq!(period_end("2021/22 Autumn and spring term"), Some(d(2022, 3, 31)));
        assert_eq!(period_end("2021/22 Spring term"), Some(d(2022, 3, 31)));
        assert_eq!(period_end("2021/22 Autumn term"), Some(d(2021, 12, 31)));
        assert_eq!(period_end("2023-08-31"), Some(d(2023, 8, 31)));
        assert_eq!(period_end("31/08/2023"), Some(d(2023, 8, 31)));
        assert_eq!(period_end("2021/24"), None);
        assert_eq!(period_end("soon"), None);
        assert_eq!(period_end("Smarch-23"), None);
        assert_eq!(period_end(""), None);
    }

    #[test]
    fn values_due_dates_and_travel() {
        assert_eq!(value("13.4%"), Some((13.4, true)));
        assert_eq!(value(" 1,234 "), Some((1234.0, false)));
        assert_eq!(value("n/a"), None);
        assert_eq!(Frequency::Monthly.due_after(d(2023, 8, 31)), d(2023, 10, 31));
        assert_eq!(Frequency::Annually.due_after(d(2022, 8, 31)), d(2023, 9, 30));
        assert_eq!(travel(Direction::Lower, 13.4, 12.0), "better");
        assert_eq!(travel(Direction::Higher, 13.4, 12.0), "worse");
        assert_eq!(travel(Direction::Higher, 3.0, 3.0), "no change");
        assert_eq!(Direction::guess("Reduction in exclusions", Some(0.17), Some(0.04)), Direction::Lower);
        assert_eq!(Direction::guess("K numbers", Some(12.3), Some(13.0)), Direction::Higher);
        assert_eq!(Direction::guess("EHCP Numbers", Some(6.2), Some(4.3)), Direction::Lower);
        assert_eq!(next_review(Some(d(2024, 1, 10)), d(2025, 1, 1)), d(2024, 2, 21));
        assert_eq!(academic_year(d(2023, 9, 1)), "2023/24");
        assert_eq!(Unit::Percentage.show(13.4), "13.4%");
        assert_eq!(Unit::Number.show(26.0), "26");
    }

    #[test]
    fn a_suggestion_follows_the_measures() {
        let up = Signals {
            measures: vec![(Some("better"), Some(false)), (Some("better"), Some(true))],
            notes: 1,
            ..Signals::default()
        };
        let (level, why) = suggest(Some(1), 4, &up).unwrap();
        assert_eq!(level, 2);
        assert!(why.contains("2 of 2 measures moved the better way") && why.contains("1 note"), "{why}");
        let down = Signals { measures: vec![(Some("worse"), None)], ..Signals::default() };
        assert_eq!(suggest(Some(0), 4, &down).map(|s| s.0), Some(0), "never below the first level");
        assert_eq!(suggest(Some(3), 4, &up).map(|s| s.0), Some(3), "never above the last");
        let first = Signals { measures: vec![(None, Some(true)), (None, Some(false))], ..Signals::default() };
        assert_eq!(suggest(None, 3, &first).map(|s| s.0), Some(1), "half on target: the middle");
        assert_eq!(suggest(Some(1), 4, &Signals::default()), None, "no evidence, no suggestion");
        assert_eq!(suggest(None, 4, &Signals { notes: 2, ..Signals::default() }), None);
        // Survey questions count with the measures: one measure better, two questions worse.
        let mixed = Signals {
            measures: vec![(Some("better"), None)],
            survey: vec!["worse", "worse", "no change"],
            ..Signals::default()
        };
        let (level, why) = suggest(Some(2), 4, &mixed).unwrap();
        assert_eq!(level, 1, "{why}");
        assert!(why.contains("0 of 3 survey questions improved on the year before and 2 declined"), "{why}");
        let survey_only = Signals { survey: vec!["better"], ..Signals::default() };
        assert_eq!(suggest(Some(0), 4, &survey_only).map(|s| s.0), Some(1));
    }

    #[test]
    fn a_measures_standing() {
        let v = [(d(2023, 7, 31), 30.0), (d(2023, 8, 31), 26.0)];
        let s = standing(Direction::Lower, Some(15.0), Some(Frequency::Monthly), &v, d(2023, 10, 1));
        assert_eq!(
            s,
            Standing { travel: Some("better"), on_target: Some(false), due: Some(d(2023, 10, 31)), overdue: false }
        );
        let late = standing(Direction::Lower, Some(15.0), Some(Frequency::Monthly), &v, d(2023, 11, 1));
        assert!(late.overdue);
        let one = standing(Direction::Higher, None, None, &v[..1], d(2030, 1, 1));
        assert_eq!(one, Standing { travel: None, on_target: None, due: None, overdue: false });
    }

    #[test]
    fn the_appendix_1_layout_reads_as_it_is() {
        let file = "WSOA Reference,Description,Current Performance,Target,Current indicator,Last Data Set,Frequency\n\
4B & 11C & 18A,RSA and per school,26,15,0,Aug-23,Monthly\n\
4B,Absence rates,13.4%,12.1%,0,2021/2022,Annually\n\
4C & 13,Reduction of suspension,10.17%,5.91%,0,2021/22 Autumn and spring term,Annually\n\
11E,Developing Pathways,Awaiting discussion with health colleagues on how to translate their information into a snapshot,,,,\n\
11G,Annual Health Checks,,,,,\n";
        let rows = read_measures(file.as_bytes()).unwrap();
        assert_eq!(rows.len(), 5);
        assert_eq!(rows[0].value, Some((26.0, d(2023, 8, 31), "Aug-23".into())));
        assert_eq!(
            (rows[0].unit, rows[0].direction, rows[0].frequency),
            (Unit::Number, Direction::Lower, Some(Frequency::Monthly))
        );
        assert_eq!((rows[1].unit, rows[1].target), (Unit::Percentage, Some(12.1)));
        assert_eq!(rows[2].value.as_ref().map(|v| v.1), Some(d(2022, 3, 31)));
        assert!(rows[3].note.starts_with("Awaiting discussion"));
        assert_eq!(rows[3].value, None);
        assert_eq!((rows[4].name.as_str(), rows[4].value.is_none()), ("Annual Health Checks", true));
    }

    #[test]
    fn every_bad_cell_is_named_by_row_and_column() {
        let file = "WSOA Reference,Description,Current Performance,Target,Current indicator,Last Data Set,Frequency\n\
4B,Absence rates,13.4%,12.1%,0,2021/2022,Annually\n\
14A,NEET Numbers,six,15,0,Aug-23,Monthly\n\
15C,Timeliness,42%,100%,0,Smarch-23,Fortnightly\n\
,,5,,,,\n";
        let problems = read_measures(file.as_bytes()).unwrap_err();
        let at = |r: usize, c: &str| problems.iter().any(|p| p.row == r && p.column == c);
        assert!(at(3, "Current Performance"), "{problems:?}");
        assert!(at(4, "Last Data Set"), "{problems:?}");
        assert!(at(4, "Frequency"), "{problems:?}");
        assert!(at(5, "Description"), "{problems:?}");
        assert!(!problems.iter().any(|p| p.row == 2), "{problems:?}");
        assert!(read_measures(b"Name,Colour\nx,y\n").is_ok(), "a Name column is a description");
        assert!(read_measures(b"Foo,Bar\nx,y\n").unwrap_err()[0].problem.contains("Description"));
    }
}
