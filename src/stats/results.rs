//! One wave's results as they may be published: the count and share of each answer, the
//! median and quartiles of numbers, and how many wrote or sent a recording or picture, per
//! audience and for everyone, under any filter. Pure functions over counts; no database, no
//! HTTP (`models::results` does the counting into a [`Tally`]).
//!
//! Suppression is the comparison method's (`Settings::default()`): a base under
//! `suppress_below` (10) shows no figures at all, only that there were too few; a count from
//! 1 to `cell_flag_below − 1` (1–4) is shown as "fewer than 5" and its share is not shown
//! (the share would give the count back). Secondary suppression (`stats::suppress`) then
//! hides what would let a hidden figure be worked out by subtraction. In files the
//! Government Statistical Service symbols stand for what is not shown: `[low]` a low base,
//! `[c]` a confidential cell (small, or hidden to protect one), `[x]` not available, `[z]` not
//! applicable.
//!
//! Quartiles use linear interpolation between order statistics (Hyndman and Fan's type 7,
//! the default of R and of spreadsheets' QUARTILE.INC), so a spreadsheet gives the same.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use super::Settings;
use super::suppress::{Cube, Dim, Margin, Shown};
use crate::domain::filter::Filter;
use crate::domain::survey::{QuestionKind, SurveyDefinition};

/// The channel published counts imported for a wave are counted under: they cannot be split
/// by channel, day or answer, so a filtered view never includes them.
pub const PUBLISHED: &str = "published counts";

/// A group of respondents the filters can tell apart.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sig {
    pub audience: String,
    /// The channel, or `"*"` when counted without splitting by channel.
    pub channel: String,
    /// Their answer to the filtering question (`None`: no answer, or no such filter).
    pub answer: Option<String>,
    /// Whether they answered inside the filter's days (always, without a date filter).
    pub in_range: bool,
}

impl Sig {
    /// Whether this group is inside `filter` (and of `audience`, when given).
    pub fn inside(&self, filter: &Filter, audience: Option<&str>) -> bool {
        audience.is_none_or(|a| self.audience == a)
            && filter.audience.as_ref().is_none_or(|a| self.audience == *a)
            && filter.channel.as_ref().is_none_or(|c| self.channel == *c)
            && filter.answer.as_ref().is_none_or(|(_, v)| self.answer.as_deref() == Some(v.as_str()))
            && (filter.from.is_none() && filter.to.is_none() || self.in_range)
    }
}

/// What one group gave.
#[derive(Debug, Clone, Default)]
pub struct GroupCounts {
    pub responses: u64,
    /// Answers per (question, option).
    pub options: HashMap<(String, String), u64>,
    /// People who answered, per question.
    pub answered: HashMap<String, u64>,
    /// People who wrote words, per question.
    pub written: HashMap<String, u64>,
    /// People who sent a recording or picture, per question.
    pub files: HashMap<String, u64>,
    /// Every number given and how many gave it, per question.
    pub numbers: HashMap<String, Vec<(f64, u64)>>,
}

impl GroupCounts {
    /// Takes a part of this group's people out of it (every figure is a count of people or
    /// answers, so a part is taken away figure by figure); figures that reach 0 go.
    pub fn take(&mut self, part: &GroupCounts) {
        fn minus<K: std::hash::Hash + Eq + Clone>(from: &mut HashMap<K, u64>, part: &HashMap<K, u64>) {
            for (k, n) in part {
                if let Some(have) = from.get_mut(k) {
                    *have = have.saturating_sub(*n);
                    if *have == 0 {
                        from.remove(k);
                    }
                }
            }
        }
        self.responses = self.responses.saturating_sub(part.responses);
        minus(&mut self.options, &part.options);
        minus(&mut self.answered, &part.answered);
        minus(&mut self.written, &part.written);
        minus(&mut self.files, &part.files);
        for (k, given) in &part.numbers {
            if let Some(have) = self.numbers.get_mut(k) {
                for (x, n) in given {
                    if let Some(h) = have.iter_mut().find(|(y, _)| y.total_cmp(x).is_eq()) {
                        h.1 = h.1.saturating_sub(*n);
                    }
                }
                have.retain(|(_, n)| *n > 0);
                if have.is_empty() {
                    self.numbers.remove(k);
                }
            }
        }
    }
}

/// A wave's counts by group.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub groups: BTreeMap<Sig, GroupCounts>,
}

/// One answer's figure as published.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "shown", rename_all = "snake_case")]
pub enum Cell {
    /// The count and its share of the base (0–1).
    Count { count: u64, share: f64 },
    /// Zero: safe to show.
    Zero,
    /// 1 to 4 (with the default settings): shown as "fewer than 5", no share.
    FewerThan { limit: u64 },
    /// Hidden so that a small figure elsewhere cannot be worked out by subtraction.
    Withheld,
}

impl Cell {
    /// The Government Statistical Service symbol or the number, for files.
    pub fn symbol(&self) -> String {
        match self {
            Cell::Count { count, .. } => count.to_string(),
            Cell::Zero => "0".into(),
            Cell::FewerThan { .. } | Cell::Withheld => "[c]".into(),
        }
    }

    /// In words, for pages.
    pub fn words(&self, with_share: bool) -> String {
        match self {
            Cell::Count { count, share } if with_share => format!("{count} ({:.0}%)", share * 100.0),
            Cell::Count { count, .. } => count.to_string(),
            Cell::Zero => "0".into(),
            Cell::FewerThan { limit } => format!("fewer than {limit}"),
            Cell::Withheld => "withheld".into(),
        }
    }
}

/// A question's figures for one group of respondents.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Figures {
    /// Fewer people answered than may be shown.
    LowBase { limit: u64 },
    /// Hidden whole so that a small group elsewhere cannot be worked out by subtraction.
    Withheld,
    /// Answers chosen: each option's cell, in the definition's order. `n` is how many
    /// answered (for a multiple-choice question, shares can add up to more than 100%).
    Choice { n: u64, options: Vec<(String, Cell)> },
    /// A number question: how many answered, the median and the quartiles.
    Number { n: u64, median: f64, lower: f64, upper: f64 },
    /// Words: how many wrote, and how many sent a recording or picture instead.
    Words { n: u64, written: Cell, files: Cell },
}

impl Figures {
    /// How many answered, when it may be shown.
    pub fn base(&self) -> Option<u64> {
        match self {
            Figures::Choice { n, .. } | Figures::Number { n, .. } | Figures::Words { n, .. } => Some(*n),
            Figures::LowBase { .. } | Figures::Withheld => None,
        }
    }
}

/// One question's figures: for each group shown, in order.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionFigures {
    pub key: String,
    /// The grid this statement belongs to.
    pub grid: Option<String>,
    /// (audience key or `"everyone"`, figures).
    pub groups: Vec<(String, Figures)>,
}

/// The `p` quantile of sorted `v` by linear interpolation (type 7).
pub fn quantile(v: &[f64], p: f64) -> f64 {
    match v.len() {
        0 => f64::NAN,
        1 => v[0],
        n => {
            let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            v[lo] + (h - lo as f64) * (v[hi] - v[lo])
        }
    }
}

/// The `p` quantile (type 7, as a spreadsheet's QUARTILE.INC) of the numbers `v` lists as
/// (value, how many times), sorted by value: the same figure as over the numbers written out.
pub fn weighted_quantile(v: &[(f64, u64)], p: f64) -> f64 {
    let n: u64 = v.iter().map(|(_, w)| w).sum();
    if n == 0 {
        return f64::NAN;
    }
    let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as u64;
    let hi = (lo + 1).min(n - 1);
    // The value at 0-based rank `r` of the numbers written out in order.
    let at = |r: u64| {
        let mut seen = 0;
        for (x, w) in v {
            seen += w;
            if r < seen {
                return *x;
            }
        }
        v.last().map_or(f64::NAN, |(x, _)| *x)
    };
    let (a, b) = (at(lo), at(hi));
    a + (h - lo as f64) * (b - a)
}

/// The cube's dimensions for `filter`, and where each group of the tally sits in it.
struct Layout {
    audiences: Vec<String>,
    channels: Option<Vec<String>>,
    answers: Option<Vec<String>>,
    dates: bool,
}

impl Layout {
    fn new<'a>(def: &SurveyDefinition, sigs: impl Iterator<Item = &'a Sig>, filter: &Filter) -> Self {
        let audiences: Vec<String> = def.audiences.iter().map(|a| a.key.to_string()).collect();
        let channels = filter.channel.as_ref().map(|want| {
            let mut set: BTreeSet<String> = sigs.map(|s| s.channel.clone()).collect();
            set.insert(want.clone());
            set.into_iter().collect()
        });
        let answers = filter.answer.as_ref().and_then(|(q, _)| def.question(q)).map(|q| {
            let mut v: Vec<String> = q.options.iter().map(|o| o.value.clone()).collect();
            v.push(String::new()); // did not answer
            v
        });
        Layout { audiences, channels, answers, dates: filter.from.is_some() || filter.to.is_some() }
    }

    fn dims(&self) -> Vec<Dim> {
        let mut d = vec![Dim { groups: self.audiences.len(), margin: Margin::First }];
        if let Some(c) = &self.channels {
            d.push(Dim { groups: c.len(), margin: Margin::Never });
        }
        if let Some(a) = &self.answers {
            d.push(Dim { groups: a.len(), margin: Margin::Never });
        }
        if self.dates {
            d.push(Dim { groups: 2, margin: Margin::Never });
        }
        d
    }

    /// Where a group of the tally sits (`None`: an audience no longer in the survey).
    fn place(&self, sig: &Sig) -> Option<Vec<usize>> {
        let mut c = vec![self.audiences.iter().position(|a| *a == sig.audience)?];
        if let Some(ch) = &self.channels {
            c.push(ch.iter().position(|x| *x == sig.channel)?);
        }
        if let Some(a) = &self.answers {
            let given = sig.answer.clone().unwrap_or_default();
            c.push(a.iter().position(|x| *x == given).unwrap_or(a.len() - 1));
        }
        if self.dates {
            c.push(usize::from(!sig.in_range));
        }
        Some(c)
    }

    /// The cell a view column shows: `audience` (`None`: everyone) under the filter.
    fn view(&self, audience: Option<usize>, filter: &Filter) -> Vec<usize> {
        let mut c = vec![audience.unwrap_or(self.audiences.len())];
        if let (Some(ch), Some(want)) = (&self.channels, &filter.channel) {
            c.push(ch.iter().position(|x| x == want).unwrap_or(ch.len()));
        }
        if let (Some(a), Some((_, v))) = (&self.answers, &filter.answer) {
            c.push(a.iter().position(|x| x == v).unwrap_or(a.len()));
        }
        if self.dates {
            c.push(0);
        }
        c
    }
}

fn cell_of(cube: &Cube, at: &[usize], row: usize, base: u64) -> Cell {
    match cube.shown(at, row) {
        Shown::Small => Cell::FewerThan { limit: Settings::default().cell_flag_below },
        Shown::Protecting => Cell::Withheld,
        Shown::Yes => match cube.count(at, row) {
            0 => Cell::Zero,
            n => Cell::Count { count: n, share: if base == 0 { 0.0 } else { n as f64 / base as f64 } },
        },
    }
}

/// Every question's figures (those the tag filter shows) for the groups `filter` picks, with
/// primary and secondary suppression. Columns: the filter's audience, or each audience asked
/// and then everyone together when more than one was asked.
pub fn figures(def: &SurveyDefinition, tally: &Tally, filter: &Filter, s: &Settings) -> Vec<QuestionFigures> {
    let layout = Layout::new(def, tally.groups.keys(), filter);
    let placed: Vec<(&Sig, &GroupCounts, Vec<usize>)> =
        tally.groups.iter().filter_map(|(sig, g)| Some((sig, g, layout.place(sig)?))).collect();
    let mut out = Vec::new();
    for q in def.questions.iter().filter(|q| filter.shows(q)) {
        let key = q.key.as_str();
        let (rows, additive) = if q.kind.has_options() {
            (q.options.len() + 1, q.kind != QuestionKind::MultipleChoice)
        } else if q.kind == QuestionKind::Number {
            (1, false)
        } else {
            (3, true)
        };
        let mut cube = Cube::new(layout.dims(), rows, additive);
        for (_, g, at) in &placed {
            let get = |m: &HashMap<String, u64>| m.get(key).copied().unwrap_or(0);
            if q.kind.has_options() {
                let mut sum = 0;
                for (i, o) in q.options.iter().enumerate() {
                    let n = g.options.get(&(key.to_owned(), o.value.clone())).copied().unwrap_or(0);
                    sum += n;
                    cube.add(at, i + 1, n);
                }
                // One answer each: the base is the sum (published counts included); several
                // answers each: the people who answered.
                cube.add(at, 0, if additive { sum } else { get(&g.answered) });
            } else if q.kind == QuestionKind::Number {
                cube.add(at, 0, g.numbers.get(key).map_or(0, |v| v.iter().map(|(_, w)| w).sum()));
            } else {
                let (w, f) = (get(&g.written), get(&g.files));
                cube.add(at, 0, w + f);
                cube.add(at, 1, w);
                cube.add(at, 2, f);
            }
        }
        cube.settle(s);
        let asked: Vec<usize> = (0..layout.audiences.len())
            .filter(|i| q.is_for(&layout.audiences[*i]))
            .filter(|i| filter.audience.as_ref().is_none_or(|a| *a == layout.audiences[*i]))
            .collect();
        let mut columns: Vec<Option<usize>> = asked.iter().copied().map(Some).collect();
        if filter.audience.is_none() && asked.len() > 1 {
            columns.push(None);
        }
        let groups = columns
            .into_iter()
            .map(|col| {
                let at = layout.view(col, filter);
                let name = col.map_or_else(|| "everyone".to_owned(), |i| layout.audiences[i].clone());
                let base = cube.count(&at, 0);
                let fig = match cube.shown(&at, 0) {
                    Shown::Small => Figures::LowBase { limit: s.suppress_below },
                    Shown::Protecting => Figures::Withheld,
                    Shown::Yes if base == 0 && !q.kind.is_text() => Figures::LowBase { limit: s.suppress_below },
                    Shown::Yes if q.kind.has_options() => Figures::Choice {
                        n: base,
                        options: q
                            .options
                            .iter()
                            .enumerate()
                            .map(|(i, o)| (o.value.clone(), cell_of(&cube, &at, i + 1, base)))
                            .collect(),
                    },
                    Shown::Yes if q.kind == QuestionKind::Number => {
                        let aud = col.map(|i| layout.audiences[i].as_str());
                        let mut v: Vec<(f64, u64)> = placed
                            .iter()
                            .filter(|(sig, _, _)| sig.inside(filter, aud))
                            .flat_map(|(_, g, _)| g.numbers.get(key).cloned().unwrap_or_default())
                            .collect();
                        v.sort_by(|a, b| a.0.total_cmp(&b.0));
                        Figures::Number {
                            n: base,
                            median: weighted_quantile(&v, 0.5),
                            lower: weighted_quantile(&v, 0.25),
                            upper: weighted_quantile(&v, 0.75),
                        }
                    }
                    Shown::Yes => Figures::Words {
                        n: base,
                        written: cell_of(&cube, &at, 1, base),
                        files: cell_of(&cube, &at, 2, base),
                    },
                };
                (name, fig)
            })
            .collect();
        out.push(QuestionFigures { key: key.to_owned(), grid: q.grid_key().map(str::to_owned), groups });
    }
    out
}

/// Whether one base may be shown for each column a comparison shows (each audience of
/// `def`, then everyone: `None`) under `filter`, given every group's base (`groups`): the
/// same cube, primary and secondary rules as a wave's results, with one row, the base. A
/// filtered comparison withholds a year's figures for a column whose base this hides, so a
/// group too small to show cannot be had by subtracting a filtered comparison from the
/// unfiltered one (or from its neighbours along any filter). Published counts (channel
/// [`PUBLISHED`]) are inside no filter and sit in their own group, as on the results page.
pub fn bases_shown(
    def: &SurveyDefinition,
    groups: &[(Sig, u64)],
    filter: &Filter,
    s: &Settings,
) -> BTreeMap<Option<String>, bool> {
    let layout = Layout::new(def, groups.iter().map(|(sig, _)| sig), filter);
    let mut cube = Cube::new(layout.dims(), 1, false);
    for (sig, n) in groups {
        if let Some(at) = layout.place(sig) {
            cube.add(&at, 0, *n);
        }
    }
    cube.settle(s);
    let mut out = BTreeMap::new();
    for col in (0..layout.audiences.len()).map(Some).chain(std::iter::once(None)) {
        let at = layout.view(col, filter);
        out.insert(col.map(|i| layout.audiences[i].clone()), cube.shown(&at, 0) == Shown::Yes);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn quartiles_are_those_a_spreadsheet_gives() {
        // QUARTILE.INC({1,2,3,4,5,6,7,8,9,10}, 1..3) = 3.25, 5.5, 7.75
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(quantile(&v, 0.25), 3.25);
        assert_eq!(quantile(&v, 0.5), 5.5);
        assert_eq!(quantile(&v, 0.75), 7.75);
        assert_eq!(quantile(&[4.0], 0.5), 4.0);
    }

    #[test]
    fn weighted_quartiles_are_those_of_the_numbers_written_out() {
        // {1, 1, 1, 2, 5, 5, 9}: as (value, times) and written out.
        let pairs = [(1.0, 3), (2.0, 1), (5.0, 2), (9.0, 1)];
        let flat = [1.0, 1.0, 1.0, 2.0, 5.0, 5.0, 9.0];
        for p in [0.0, 0.1, 0.25, 0.5, 0.6, 0.75, 0.9, 1.0] {
            assert_eq!(weighted_quantile(&pairs, p), quantile(&flat, p), "p = {p}");
        }
        assert!(weighted_quantile(&[], 0.5).is_nan());
        assert!(weighted_quantile(&[(3.0, 0)], 0.5).is_nan());
    }

    #[test]
    fn symbols_are_the_statistical_services() {
        assert_eq!(Cell::FewerThan { limit: 5 }.symbol(), "[c]");
        assert_eq!(Cell::Withheld.symbol(), "[c]");
        assert_eq!(Cell::Zero.symbol(), "0");
        assert_eq!(Cell::Count { count: 12, share: 0.5 }.words(true), "12 (50%)");
    }
}
