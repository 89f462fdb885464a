//! Secondary suppression: hiding more figures so that no hidden one can be worked out by
//! adding or subtracting shown ones. Pure; no database, no HTTP.
//!
//! ## The rule (also in the methods page)
//!
//! One question's figures for a wave are a table with a row for "how many answered" and a
//! row per answer, and a column for every group of respondents the filters can pick out:
//! each audience, and, when a filter is on, each channel, each answer to the filtering
//! question (with "did not answer"), and the days inside and outside the date range. Each
//! of those is a **dimension**, and each has a margin, its total ("everyone", "every
//! channel", …), so the table is a cube whose lines add up: the groups along a dimension
//! sum to its margin; for a question with one answer each, the answers sum to how many
//! answered.
//!
//! 1. **Primary**: a group where fewer than 10 answered shows nothing; a count from 1 to 4
//!    is hidden ("fewer than 5").
//! 2. **Secondary**: while any line has exactly one hidden figure, hide one more in that
//!    line: the smallest non-zero figure (then a zero), so the hidden one can no longer be
//!    had by subtraction. Along the audience dimension the margin ("everyone") goes first,
//!    so an audience's own figures stay; along every other dimension the margin is never
//!    hidden (it is the figure without that filter, shown on its own page), one of the
//!    other groups is. When "how many answered" of a group is hidden, the whole group is.
//! 3. The cube is worked out again, whole, for every view: a figure is hidden or shown the
//!    same way whichever page or file shows it, because a margin is never changed by the
//!    dimensions below it.
//!
//! What it does not cover: two different date ranges (say 1–10 March and 1–11 March) are
//! two different cubes, and the people who answered on 11 March are their difference. The
//! methods page says so; publish date-filtered tables only for ranges that do not overlap.

use super::Settings;

/// How a figure is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Yes,
    /// Hidden by the primary rule (a small count or base).
    Small,
    /// Hidden so that a small one cannot be worked out (secondary).
    Protecting,
}

/// Which figure of a line goes first when one more must be hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Margin {
    /// The margin (the audience dimension's "everyone").
    First,
    /// Never the margin: one of the groups (channels, answers, dates).
    Never,
}

/// One dimension: how many groups (its margin is index `groups`).
#[derive(Debug, Clone, Copy)]
pub struct Dim {
    pub groups: usize,
    pub margin: Margin,
}

/// A cube of counts: `rows` figures (row 0 is how many answered) for every cell, a cell
/// being one group (or the margin) per dimension.
#[derive(Debug, Clone)]
pub struct Cube {
    dims: Vec<Dim>,
    rows: usize,
    /// Whether rows 1.. add up to row 0 (one answer each).
    additive_rows: bool,
    counts: Vec<u64>,
    shown: Vec<Shown>,
}

impl Cube {
    /// An empty cube.
    pub fn new(dims: Vec<Dim>, rows: usize, additive_rows: bool) -> Self {
        let cells: usize = dims.iter().map(|d| d.groups + 1).product();
        Cube { dims, rows, additive_rows, counts: vec![0; cells * rows], shown: vec![Shown::Yes; cells * rows] }
    }

    fn cell(&self, coords: &[usize]) -> usize {
        coords.iter().zip(&self.dims).fold(0, |acc, (c, d)| acc * (d.groups + 1) + c)
    }

    fn coords(&self, mut cell: usize) -> Vec<usize> {
        let mut out = vec![0; self.dims.len()];
        for (i, d) in self.dims.iter().enumerate().rev() {
            out[i] = cell % (d.groups + 1);
            cell /= d.groups + 1;
        }
        out
    }

    fn cells(&self) -> usize {
        self.counts.len() / self.rows.max(1)
    }

    /// Adds `n` to one group's row (`coords` without margins); margins are summed by
    /// [`Self::settle`].
    pub fn add(&mut self, coords: &[usize], row: usize, n: u64) {
        let i = self.cell(coords) * self.rows + row;
        self.counts[i] = self.counts[i].saturating_add(n);
    }

    /// A figure (after [`Self::settle`]).
    pub fn count(&self, coords: &[usize], row: usize) -> u64 {
        self.counts[self.cell(coords) * self.rows + row]
    }

    /// How a figure is shown (after [`Self::settle`]).
    pub fn shown(&self, coords: &[usize], row: usize) -> Shown {
        self.shown[self.cell(coords) * self.rows + row]
    }

    /// Sums the margins, then applies the primary and secondary rules.
    pub fn settle(&mut self, s: &Settings) {
        self.sum_margins();
        self.primary(s);
        self.secondary();
    }

    fn sum_margins(&mut self) {
        for d in 0..self.dims.len() {
            let margin = self.dims[d].groups;
            for cell in 0..self.cells() {
                let mut c = self.coords(cell);
                if c[d] != margin {
                    continue;
                }
                for g in 0..margin {
                    c[d] = g;
                    let from = self.cell(&c);
                    for r in 0..self.rows {
                        let v = self.counts[from * self.rows + r];
                        let to = cell * self.rows + r;
                        self.counts[to] = self.counts[to].saturating_add(v);
                    }
                }
            }
        }
    }

    fn primary(&mut self, s: &Settings) {
        for cell in 0..self.cells() {
            let base = self.counts[cell * self.rows];
            if base > 0 && base < s.suppress_below {
                self.hide_cell(cell, Shown::Small);
                continue;
            }
            for r in 1..self.rows {
                let n = self.counts[cell * self.rows + r];
                if n > 0 && n < s.cell_flag_below {
                    self.shown[cell * self.rows + r] = Shown::Small;
                }
            }
        }
    }

    fn hide_cell(&mut self, cell: usize, how: Shown) {
        for r in 0..self.rows {
            let i = cell * self.rows + r;
            if self.shown[i] == Shown::Yes {
                self.shown[i] = how;
            }
        }
    }

    /// Every line: (figure indices, index of its margin if it has one that may be hidden
    /// first, whether the margin may be hidden at all).
    fn lines(&self) -> Vec<(Vec<usize>, Option<usize>, bool)> {
        let mut out = Vec::new();
        for (d, dim) in self.dims.iter().enumerate() {
            if dim.groups < 2 {
                // One group is its own margin: nothing to work out.
                continue;
            }
            for cell in 0..self.cells() {
                let mut c = self.coords(cell);
                if c[d] != 0 {
                    continue;
                }
                for r in 0..self.rows {
                    let members: Vec<usize> = (0..=dim.groups)
                        .map(|g| {
                            c[d] = g;
                            self.cell(&c) * self.rows + r
                        })
                        .collect();
                    let margin = members[dim.groups];
                    out.push((members, Some(margin), dim.margin == Margin::First));
                }
            }
        }
        if self.additive_rows {
            for cell in 0..self.cells() {
                let members: Vec<usize> = (0..self.rows).map(|r| cell * self.rows + r).collect();
                // The base is never picked: hiding it hides the whole group anyway.
                out.push((members, Some(cell * self.rows), false));
            }
        }
        out
    }

    fn secondary(&mut self) {
        let lines = self.lines();
        loop {
            let mut changed = false;
            for (members, margin, margin_first) in &lines {
                let hidden = members.iter().filter(|i| self.shown[**i] != Shown::Yes).count();
                if hidden != 1 {
                    continue;
                }
                let open = |i: &usize| self.shown[*i] == Shown::Yes;
                let pick = if *margin_first && margin.is_some_and(|m| open(&m)) {
                    *margin
                } else {
                    let mut candidates: Vec<usize> =
                        members.iter().copied().filter(|i| open(i) && Some(*i) != *margin).collect();
                    // The smallest non-zero first, then zeros; ties by position.
                    candidates.sort_by_key(|i| (self.counts[*i] == 0, self.counts[*i], *i));
                    candidates.first().copied()
                };
                let Some(i) = pick else { continue };
                if i % self.rows == 0 {
                    self.hide_cell(i / self.rows, Shown::Protecting);
                } else {
                    self.shown[i] = Shown::Protecting;
                }
                changed = true;
            }
            if !changed {
                break;
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Every line of a settled cube has no hidden figure or at least two.
    fn no_line_has_one(cube: &Cube) {
        for (members, _, _) in cube.lines() {
            let hidden = members.iter().filter(|i| cube.shown[**i] != Shown::Yes).count();
            assert_ne!(hidden, 1, "a line with one hidden figure: {members:?}");
        }
    }

    #[test]
    fn a_small_count_in_a_column_takes_a_second_with_it() {
        // One group: 20 answered, 16 yes, 4 no, 0 not sure. 20 − 16 − 0 would give the 4.
        let mut c = Cube::new(vec![Dim { groups: 1, margin: Margin::First }], 4, true);
        for (row, n) in [(0, 20), (1, 16), (2, 4), (3, 0)] {
            c.add(&[0], row, n);
        }
        c.settle(&Settings::default());
        assert_eq!(c.shown(&[0], 2), Shown::Small);
        // The smallest non-zero open figure is the 16: hidden to protect the 4.
        assert_eq!(c.shown(&[0], 1), Shown::Protecting);
        assert_eq!(c.shown(&[0], 0), Shown::Yes);
        no_line_has_one(&c);
    }

    #[test]
    fn a_small_audience_hides_everyone_not_the_other_audience() {
        let mut c = Cube::new(vec![Dim { groups: 2, margin: Margin::First }], 3, true);
        for (g, rows) in [(0, [8, 5, 3]), (1, [200, 120, 80])] {
            for (r, n) in rows.into_iter().enumerate() {
                c.add(&[g], r, n);
            }
        }
        c.settle(&Settings::default());
        assert_eq!(c.shown(&[0], 0), Shown::Small);
        assert_eq!(c.shown(&[1], 0), Shown::Yes);
        assert_eq!(c.shown(&[2], 0), Shown::Protecting);
        assert_eq!(c.count(&[2], 1), 125);
        no_line_has_one(&c);
    }

    #[test]
    fn a_small_channel_takes_another_channel_never_the_total() {
        // audience (1 group) × channel (3 groups): paper is small.
        let dims = vec![Dim { groups: 1, margin: Margin::First }, Dim { groups: 3, margin: Margin::Never }];
        let mut c = Cube::new(dims, 3, true);
        for (ch, rows) in [(0, [60, 40, 20]), (1, [3, 2, 1]), (2, [30, 10, 20])] {
            for (r, n) in rows.into_iter().enumerate() {
                c.add(&[0, ch], r, n);
            }
        }
        c.settle(&Settings::default());
        assert_eq!(c.shown(&[0, 1], 0), Shown::Small);
        assert_eq!(c.shown(&[0, 3], 0), Shown::Yes, "the total without the filter stays");
        assert_eq!(c.shown(&[0, 2], 0), Shown::Protecting, "the smaller other channel goes");
        assert_eq!(c.shown(&[0, 0], 0), Shown::Yes);
        no_line_has_one(&c);
    }

    #[test]
    fn no_settled_cube_has_a_line_with_one_hidden_figure() {
        // Many cubes of small random counts (where suppression bites hardest), 1–3 dimensions.
        let mut seed = 0x1234_5678_u64;
        let mut next = |n: u64| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % n
        };
        for _ in 0..400 {
            let n_dims = 1 + next(3) as usize;
            let dims: Vec<Dim> = (0..n_dims)
                .map(|d| Dim {
                    groups: 1 + next(4) as usize,
                    margin: if d == 0 { Margin::First } else { Margin::Never },
                })
                .collect();
            let options = 2 + next(3) as usize;
            let mut cube = Cube::new(dims.clone(), options + 1, true);
            let mut coords = vec![0; n_dims];
            loop {
                let mut base = 0;
                for r in 1..=options {
                    let n = next(9);
                    base += n;
                    cube.add(&coords, r, n);
                }
                cube.add(&coords, 0, base);
                // Next leaf.
                let mut d = 0;
                while d < n_dims {
                    coords[d] += 1;
                    if coords[d] < dims[d].groups {
                        break;
                    }
                    coords[d] = 0;
                    d += 1;
                }
                if d == n_dims {
                    break;
                }
            }
            cube.settle(&Settings::default());
            no_line_has_one(&cube);
        }
    }
}
