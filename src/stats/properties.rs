//! Property tests of the method: thousands of random reports (a seeded generator, so a
//! failure can be replayed) go through `compare_case`, and every result must keep the method's
//! invariants: shares and p-values in [0, 1], intervals containing their estimate, adjusted p
//! never below raw p, the verdict order of METHOD.md, suppression never showing a base under the
//! threshold, and symmetry when the two years swap. `HEARD_PROPERTY_SEED` chooses another seed;
//! `HEARD_PROPERTY_CASES` another number of reports.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::compare::{
    Adjust, CaseInput, CaseResult, CompositeInput, MAX_COUNT, PairedInput, QuestionInput, Settings, SettingsInput,
    Verdict, compare_case,
};

const YEARS: [&str; 2] = ["2023", "2024"];

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A count at one of several scales, so small cells, zeros, typical councils and the bound
/// itself all turn up.
fn count(rng: &mut StdRng, scale: u32) -> u64 {
    match scale {
        0 => rng.random_range(0..=5),
        1 => rng.random_range(0..=60),
        2 => rng.random_range(0..=400),
        3 => rng.random_range(0..=100_000),
        _ => rng.random_range(0..=MAX_COUNT / 8),
    }
}

fn question(rng: &mut StdRng, i: usize) -> QuestionInput {
    let k = rng.random_range(2..=6);
    let options: Vec<String> = (0..k).map(|o| format!("option {o}")).collect();
    let mut positive = Vec::new();
    let mut negative = Vec::new();
    let mut excluded = Vec::new();
    for o in &options {
        match rng.random_range(0..10) {
            0..=3 => positive.push(o.clone()),
            4..=6 => negative.push(o.clone()),
            7 => excluded.push(o.clone()),
            _ => {}
        }
    }
    if positive.is_empty() {
        positive.push(options[0].clone());
        negative.retain(|o| o != &options[0]);
        excluded.retain(|o| o != &options[0]);
    }
    let scale = if rng.random_bool(0.03) { 4 } else { rng.random_range(0..4) };
    let mut counts = BTreeMap::new();
    for y in YEARS {
        let all_zero = rng.random_bool(0.03);
        let row: Vec<u64> = (0..k).map(|_| if all_zero { 0 } else { count(rng, scale) }).collect();
        counts.insert(y.to_owned(), row);
    }
    // Now and then every valid answer positive (or none), for undefined z.
    if rng.random_bool(0.05) {
        for row in counts.values_mut() {
            for (o, c) in options.iter().zip(row.iter_mut()) {
                if !positive.contains(o) && !excluded.contains(o) {
                    *c = 0;
                }
            }
        }
    }
    let paired = rng.random_bool(0.3).then(|| {
        let s = if rng.random_bool(0.05) { 4 } else { rng.random_range(0..3) };
        let discordant = !rng.random_bool(0.1);
        PairedInput {
            pos_pos: count(rng, s),
            pos_neg: if discordant { count(rng, s) } else { 0 },
            neg_pos: if discordant { count(rng, s) } else { 0 },
            neg_neg: count(rng, s),
        }
    });
    let scores = rng.random_bool(0.5).then(|| (0..k).map(|s| (s % 3 != 2).then_some(s as f64)).collect());
    QuestionInput {
        id: format!("q{i}"),
        text: None,
        priority: None,
        value: None,
        options,
        positive,
        negative,
        excluded,
        scores,
        counts,
        paired,
        withheld: Vec::new(),
    }
}

fn composite(rng: &mut StdRng) -> CompositeInput {
    let mut respondents = BTreeMap::new();
    for y in YEARS {
        let n = rng.random_range(0..40);
        let list: Vec<[u64; 2]> = (0..n)
            .map(|_| {
                let valid = rng.random_range(0..=4);
                [rng.random_range(0..=valid), valid]
            })
            .collect();
        respondents.insert(y.to_owned(), list);
    }
    CompositeInput { id: "index".into(), label: "Index".into(), questions: Vec::new(), respondents }
}

fn case(rng: &mut StdRng, i: u64) -> CaseInput {
    let alpha = [0.05, 0.05, 0.01, 0.1, 0.2][rng.random_range(0..5)];
    let adjust = [Adjust::Bh, Adjust::Holm, Adjust::None][rng.random_range(0..3)];
    let suppress_below = rng.random_range(1..=30);
    let settings = SettingsInput {
        alpha: Some(alpha),
        suppress_below: Some(suppress_below),
        caution_below: Some(suppress_below + rng.random_range(0..=40)),
        cell_flag_below: Some(rng.random_range(0..=6)),
        adjust: Some(adjust),
    };
    let n = rng.random_range(1..=8);
    CaseInput {
        id: format!("case {i}"),
        description: None,
        audience: None,
        settings,
        questions: (0..n).map(|q| question(rng, q)).collect(),
        years: YEARS.iter().map(|y| (*y).to_owned()).collect(),
        composite: rng.random_bool(0.3).then(|| composite(rng)),
        composites: None,
    }
}

fn unit(v: Option<f64>) -> bool {
    v.is_none_or(|x| (0.0..=1.0).contains(&x))
}

fn within(low: Option<f64>, x: Option<f64>, high: Option<f64>) -> bool {
    match (low, x, high) {
        (Some(l), Some(x), Some(h)) => l <= x + 1e-12 && x <= h + 1e-12,
        (None, _, None) => true,
        _ => false,
    }
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-300) || (a - b).abs() < 1e-12,
        (None, None) => true,
        _ => false,
    }
}

fn negated(v: Option<f64>) -> Option<f64> {
    v.map(|x| -x)
}

/// The invariants of one result, as messages for those that fail.
fn check(input: &CaseInput, r: &CaseResult, s: &Settings) -> Vec<String> {
    let mut bad = Vec::new();
    let mut fail = |q: &str, what: &str| bad.push(format!("{}, {q}: {what}", input.id));
    for q in &r.questions {
        let ya = &q.years[YEARS[0]];
        let yb = &q.years[YEARS[1]];
        for y in [ya, yb] {
            if !unit(y.share) || !unit(y.wilson_low) || !unit(y.wilson_high) {
                fail(&q.id, "a share or its range outside [0, 1]");
            }
            if !within(y.wilson_low, y.share, y.wilson_high) {
                fail(&q.id, "the Wilson range does not contain the share");
            }
            if y.net_score.is_some_and(|x| !(-1.0..=1.0).contains(&x)) {
                fail(&q.id, "a net score outside [-1, 1]");
            }
            if y.display_pct.is_some_and(|p| !(0..=100).contains(&p)) {
                fail(&q.id, "a percentage outside 0 to 100");
            }
            if y.positive > y.n_valid {
                fail(&q.id, "more positive answers than valid ones");
            }
            if y.suppressed != (y.n_valid < s.suppress_below) {
                fail(&q.id, "suppressed does not follow the threshold");
            }
        }
        for p in [q.z_p, q.fisher_p, q.chi2_p, q.p_bh, q.p_holm] {
            if !unit(p) {
                fail(&q.id, "a p-value outside [0, 1]");
            }
        }
        if !within(q.newcombe_low, q.diff, q.newcombe_high) {
            fail(&q.id, "the Newcombe range does not contain the change");
        }
        if let (Some(raw), Some(bh), Some(holm)) = (q.z_p, q.p_bh, q.p_holm)
            && (bh < raw || holm < raw || holm < bh - 1e-15)
        {
            fail(&q.id, "an adjusted p-value below the raw one (or Holm below BH)");
        }
        if q.in_family != q.z_p.is_some() || q.p_bh.is_some() != q.in_family {
            fail(&q.id, "the family is not the questions with z defined");
        }
        // The verdict, in the order of METHOD.md.
        let want = if ya.n_valid == 0 || yb.n_valid == 0 {
            Verdict::NoData
        } else if ya.suppressed || yb.suppressed {
            Verdict::TooFew
        } else if let Some(raw) = q.z_p {
            let adjusted = match s.adjust {
                Adjust::Bh => q.p_bh.unwrap(),
                Adjust::Holm => q.p_holm.unwrap(),
                Adjust::None => raw,
            };
            let up = q.diff.unwrap() > 0.0;
            match (adjusted < s.alpha, raw < s.alpha, up) {
                (true, _, true) => Verdict::Improved,
                (true, _, false) => Verdict::Declined,
                (false, true, true) => Verdict::PossibleIncrease,
                (false, true, false) => Verdict::PossibleDecrease,
                (false, false, _) => Verdict::NoClearChange,
            }
        } else {
            Verdict::NoChange
        };
        if q.verdict != want {
            fail(&q.id, &format!("verdict {:?}, METHOD.md's order gives {want:?}", q.verdict));
        }
        // Suppression never shows a base under the threshold.
        if matches!(q.verdict, Verdict::NoData | Verdict::TooFew) {
            if q.diff.is_some() || q.z_p.is_some() || q.sentence.contains('%') || q.sentence.contains("Based on") {
                fail(&q.id, "a suppressed comparison shows figures");
            }
        } else if ya.suppressed || yb.suppressed {
            fail(&q.id, "a suppressed year was compared");
        }
        if q.sentence.contains("(1 percentage points)") {
            fail(&q.id, "one point is not \"points\"");
        }
        if let Some(p) = &q.paired {
            if p.mcnemar_midp > p.mcnemar_exact_p + 1e-15
                || !unit(Some(p.mcnemar_exact_p))
                || !unit(Some(p.mcnemar_midp))
            {
                fail(&q.id, "McNemar p-values out of order or range");
            }
            let discordant = p.discordant_neg_to_pos + p.discordant_pos_to_neg;
            if (discordant == 0) != p.mcnemar_chi2.is_none() || !unit(p.mcnemar_chi2_p) {
                fail(&q.id, "the McNemar statistic is not null exactly when nothing is discordant");
            }
        }
    }
    for c in r.composite.iter() {
        for y in c.years.values() {
            if !within(y.ci_low, y.index, y.ci_high) || !unit(y.index) {
                fail(&c.id, "an index outside [0, 1] or its t range");
            }
        }
        if !within(c.diff_ci_low, c.diff, c.diff_ci_high) && c.diff_ci_low.is_some() {
            fail(&c.id, "the Welch range does not contain the change");
        }
        if !unit(c.welch_p) {
            fail(&c.id, "a Welch p-value outside [0, 1]");
        }
    }
    bad
}

/// The same report with the two years' counts exchanged.
fn swapped(input: &CaseInput) -> CaseInput {
    let mut out = input.clone();
    for q in &mut out.questions {
        let a = q.counts.remove(YEARS[0]).unwrap();
        let b = q.counts.remove(YEARS[1]).unwrap();
        q.counts.insert(YEARS[0].to_owned(), b);
        q.counts.insert(YEARS[1].to_owned(), a);
        if let Some(p) = &mut q.paired {
            std::mem::swap(&mut p.pos_neg, &mut p.neg_pos);
        }
    }
    if let Some(c) = &mut out.composite {
        let a = c.respondents.remove(YEARS[0]).unwrap();
        let b = c.respondents.remove(YEARS[1]).unwrap();
        c.respondents.insert(YEARS[0].to_owned(), b);
        c.respondents.insert(YEARS[1].to_owned(), a);
    }
    out
}

fn mirror(v: Verdict) -> Verdict {
    match v {
        Verdict::Improved => Verdict::Declined,
        Verdict::Declined => Verdict::Improved,
        Verdict::PossibleIncrease => Verdict::PossibleDecrease,
        Verdict::PossibleDecrease => Verdict::PossibleIncrease,
        other => other,
    }
}

fn symmetric(input: &CaseInput, r: &CaseResult, back: &CaseResult) -> Vec<String> {
    let mut bad = Vec::new();
    for (q, w) in r.questions.iter().zip(&back.questions) {
        let mut fail = |what: &str| bad.push(format!("{}, {}: swapping the years {what}", input.id, q.id));
        let (a, b) = (&q.years[YEARS[0]], &q.years[YEARS[1]]);
        let (wa, wb) = (&w.years[YEARS[0]], &w.years[YEARS[1]]);
        if a.share != wb.share || b.share != wa.share || a.wilson_low != wb.wilson_low {
            fail("does not swap the shares");
        }
        if !close(q.diff, negated(w.diff)) || !close(q.z_stat, negated(w.z_stat)) {
            fail("does not negate the change");
        }
        if !close(q.newcombe_low, negated(w.newcombe_high)) || !close(q.newcombe_high, negated(w.newcombe_low)) {
            fail("does not mirror the Newcombe range");
        }
        if !close(q.z_p, w.z_p) || !close(q.fisher_p, w.fisher_p) || !close(q.chi2_p, w.chi2_p) {
            fail("changes a p-value");
        }
        if q.diff_points_display.map(|p| -p) != w.diff_points_display {
            fail("does not negate the points of change");
        }
        // A p-value within rounding of alpha may fall either side; anything else mirrors.
        let near = |p: Option<f64>| p.is_some_and(|p| (p - r.settings.alpha).abs() < 1e-9);
        if mirror(q.verdict) != w.verdict && !near(q.z_p) && !near(q.p_bh) && !near(q.p_holm) {
            fail(&format!("turns {:?} into {:?}", q.verdict, w.verdict));
        }
        if let (Some(p), Some(v)) = (&q.paired, &w.paired)
            && (!close(Some(p.mcnemar_exact_p), Some(v.mcnemar_exact_p)) || !close(p.mcnemar_chi2, v.mcnemar_chi2))
        {
            fail("changes McNemar's test");
        }
    }
    if let (Some(c), Some(d)) = (&r.composite, &back.composite)
        && (!close(c.diff, negated(d.diff)) || !close(c.welch_p, d.welch_p))
    {
        bad.push(format!("{}: swapping the years does not mirror the index", input.id));
    }
    bad
}

#[test]
fn the_method_keeps_its_invariants_on_random_reports() {
    let seed = env_number("HEARD_PROPERTY_SEED", 15);
    let cases = env_number("HEARD_PROPERTY_CASES", 2500);
    let mut rng = StdRng::seed_from_u64(seed);
    let defaults = Settings::default();
    let (mut questions, mut problems) = (0usize, Vec::new());
    for i in 0..cases {
        let input = case(&mut rng, i);
        let s = defaults.with(&input.settings);
        let r = compare_case(&input, &defaults).expect("random input within the bounds is accepted");
        let back = compare_case(&swapped(&input), &defaults).expect("swapped");
        questions += r.questions.len();
        problems.extend(check(&input, &r, &s));
        problems.extend(symmetric(&input, &r, &back));
        if problems.len() > 20 {
            break;
        }
    }
    assert!(
        problems.is_empty(),
        "seed {seed}: {} problems (replay with HEARD_PROPERTY_SEED={seed}):\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(questions > 5 * cases as usize / 2, "{questions} questions");
}

/// A lower alpha widens every interval: each 95% range sits inside the 99% one.
#[test]
fn a_stricter_level_widens_every_interval() {
    let mut rng = StdRng::seed_from_u64(env_number("HEARD_PROPERTY_SEED", 15) + 1);
    let defaults = Settings::default();
    for i in 0..300 {
        let mut input = case(&mut rng, i);
        input.settings.alpha = Some(0.05);
        let wide = {
            let mut strict = input.clone();
            strict.settings.alpha = Some(0.01);
            compare_case(&strict, &defaults).unwrap()
        };
        let narrow = compare_case(&input, &defaults).unwrap();
        for (n, w) in narrow.questions.iter().zip(&wide.questions) {
            let inside = |nl: Option<f64>, nh: Option<f64>, wl: Option<f64>, wh: Option<f64>| match (nl, nh, wl, wh) {
                (Some(nl), Some(nh), Some(wl), Some(wh)) => wl <= nl + 1e-12 && nh <= wh + 1e-12,
                (None, None, None, None) => true,
                _ => false,
            };
            assert!(inside(n.newcombe_low, n.newcombe_high, w.newcombe_low, w.newcombe_high), "{} {}", input.id, n.id);
            for y in YEARS {
                let (a, b) = (&n.years[y], &w.years[y]);
                assert!(inside(a.wilson_low, a.wilson_high, b.wilson_low, b.wilson_high), "{} {}", input.id, n.id);
            }
        }
        if let (Some(n), Some(w)) = (&narrow.composite, &wide.composite) {
            for y in YEARS {
                let (a, b) = (&n.years[y], &w.years[y]);
                assert!(a.t_crit.zip(b.t_crit).is_none_or(|(a, b)| a < b), "{}", input.id);
            }
        }
    }
}
