//! Tests of the comparison: the method's points on McNemar, interval levels and singular
//! percentage points, and the bound on counts.

use super::family::sentence;
use super::*;

fn question(counts_a: [u64; 3], counts_b: [u64; 3]) -> QuestionInput {
    QuestionInput {
        id: "q1".into(),
        text: None,
        priority: None,
        value: None,
        options: vec!["Yes".into(), "Sometimes".into(), "No".into()],
        positive: vec!["Yes".into()],
        negative: vec!["No".into()],
        excluded: Vec::new(),
        scores: None,
        counts: [("2023".to_owned(), counts_a.to_vec()), ("2024".to_owned(), counts_b.to_vec())].into(),
        paired: None,
        withheld: Vec::new(),
    }
}

fn case(questions: Vec<QuestionInput>, alpha: f64) -> CaseInput {
    CaseInput {
        id: "c1".into(),
        description: None,
        audience: None,
        settings: SettingsInput { alpha: Some(alpha), ..SettingsInput::default() },
        questions,
        years: vec!["2023".into(), "2024".into()],
        composite: None,
        composites: None,
    }
}

/// Method point 1: no discordant pairs, nothing to test.
#[test]
fn mcnemar_without_discordant_pairs_is_null() {
    let mut q = question([40, 30, 30], [50, 30, 20]);
    q.paired = Some(PairedInput { pos_pos: 20, pos_neg: 0, neg_pos: 0, neg_neg: 30 });
    let r = compare_case(&case(vec![q], 0.05), &Settings::default()).unwrap();
    let p = r.questions[0].paired.as_ref().unwrap();
    assert_eq!((p.mcnemar_exact_p, p.mcnemar_midp), (1.0, 1.0));
    assert_eq!((p.mcnemar_chi2, p.mcnemar_chi2_p), (None, None));
    let json = serde_json::to_value(p).unwrap();
    assert!(json["mcnemar_chi2"].is_null() && json["mcnemar_chi2_p"].is_null(), "{json}");
}

/// Method point 2: every interval at level 1 − alpha.
#[test]
fn every_interval_uses_the_reports_level() {
    let mut c = case(vec![question([40, 30, 30], [55, 25, 20])], 0.01);
    c.composite = Some(CompositeInput {
        id: "i".into(),
        label: "I".into(),
        questions: Vec::new(),
        respondents: [
            ("2023".to_owned(), vec![[1, 2], [0, 2], [2, 2], [1, 1]]),
            ("2024".to_owned(), vec![[2, 2], [1, 2], [2, 2], [0, 1], [1, 1]]),
        ]
        .into(),
    });
    let at99 = compare_case(&c, &Settings::default()).unwrap();
    c.settings.alpha = Some(0.05);
    let at95 = compare_case(&c, &Settings::default()).unwrap();
    let (q99, q95) = (&at99.questions[0], &at95.questions[0]);
    // Wilson at 99% for 40 of 100: z = 2.5758293035489.
    let z = 2.575_829_303_548_9_f64;
    let (p, n) = (0.4_f64, 100.0_f64);
    let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / (1.0 + z * z / n);
    let y = &q99.years["2023"];
    assert!((y.wilson_low.unwrap() - (centre - half)).abs() < 1e-12);
    assert!((y.wilson_high.unwrap() - (centre + half)).abs() < 1e-12);
    assert!(q99.newcombe_low < q95.newcombe_low && q99.newcombe_high > q95.newcombe_high);
    let (c99, c95) = (at99.composite.unwrap(), at95.composite.unwrap());
    // qt(0.995, 3) = 5.84090930973337; qt(0.975, 3) = 3.18244630528371
    assert!((c99.years["2023"].t_crit.unwrap() - 5.840_909_309_733_37).abs() < 1e-9);
    assert!((c95.years["2023"].t_crit.unwrap() - 3.182_446_305_283_71).abs() < 1e-9);
    assert!(c99.welch_t_crit.unwrap() > c95.welch_t_crit.unwrap());
}

/// Method point 3: one point is singular.
#[test]
fn one_percentage_point_is_singular() {
    // 500 of 1000 → 510 of 1000: one point, and clearly no change at this size… unless
    // the sample is huge, so test both sentences that carry a number.
    let q = question([500, 250, 250], [510, 245, 245]);
    let r = compare_case(&case(vec![q], 0.05), &Settings::default()).unwrap();
    assert_eq!(r.questions[0].diff_points_display, Some(1));
    let v = &r.questions[0];
    let ya = &v.years["2023"];
    let yb = &v.years["2024"];
    let s = Settings::default();
    let years = ["2023".to_owned(), "2024".to_owned()];
    for verdict in [Verdict::Improved, Verdict::PossibleIncrease] {
        let text = sentence(verdict, ya, yb, &years, Some(1), &s);
        assert!(text.contains("(1 percentage point)"), "{text}");
        let text = sentence(verdict, ya, yb, &years, Some(-1), &s);
        assert!(text.starts_with("Down") && text.contains("(1 percentage point)"), "{text}");
        let text = sentence(verdict, ya, yb, &years, Some(2), &s);
        assert!(text.contains("(2 percentage points)"), "{text}");
    }
    let big = question([50_000_000, 25_000_000, 25_000_000], [51_000_000, 24_500_000, 24_500_000]);
    let r = compare_case(&case(vec![big], 0.05), &Settings::default()).unwrap();
    assert_eq!(r.questions[0].verdict, Verdict::Improved);
    assert!(r.questions[0].sentence.contains("(1 percentage point)."), "{}", r.questions[0].sentence);
}

/// The bound is checked where numbers enter the method, for every caller.
#[test]
fn counts_past_the_bound_are_refused_by_name() {
    let q = question([MAX_COUNT + 1, 0, 0], [1, 2, 3]);
    let e = compare_case(&case(vec![q], 0.05), &Settings::default()).unwrap_err();
    assert!(e.0.contains("case \"c1\", question \"q1\": the count for 2023, \"Yes\", is 100000001"), "{e}");
    let q = question([u64::MAX, u64::MAX, 5], [1, 2, 3]);
    assert!(compare_case(&case(vec![q], 0.05), &Settings::default()).is_err());
    let mut q = question([1, 2, 3], [1, 2, 3]);
    q.paired = Some(PairedInput { pos_pos: 0, pos_neg: 1_000_000_000_000, neg_pos: 1_000_000_000_000, neg_neg: 0 });
    let started = std::time::Instant::now();
    let e = compare_case(&case(vec![q], 0.05), &Settings::default()).unwrap_err();
    assert!(e.0.contains("paired.pos_neg is 1000000000000"), "{e}");
    assert!(started.elapsed().as_millis() < 100);
    // Below the bound, at it, the largest table is answered quickly.
    let q = question([MAX_COUNT / 2, MAX_COUNT / 2, 0], [MAX_COUNT / 2 + 20_000, MAX_COUNT / 2 - 20_000, 0]);
    let started = std::time::Instant::now();
    let r = compare_case(&case(vec![q], 0.05), &Settings::default()).unwrap();
    assert!(r.questions[0].fisher_p.is_some_and(|p| p > 0.0 && p < 0.1));
    assert!(started.elapsed().as_secs_f64() < 1.0, "{:?}", started.elapsed());
}
