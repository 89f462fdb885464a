//! Who took part: response rates against the population staff give, a test of whether the
//! mix of people who answered differs from the population, and results directly
//! standardised to the population's mix. Pure functions; no database, no HTTP.
//!
//! ## The method
//!
//! Staff give the size of the population in each group (for example children with an EHC
//! plan and children on SEN support, from their own SEN2 return or the school census) and
//! pick the one-answer question that places a respondent in a group.
//!
//! - **Response rate** of group *g*: rₙ = nₙ / Nₙ, responses over population.
//! - **Mix test** (Pearson's chi-square goodness of fit): with n = Σ nₙ people placed in a
//!   group that has a population (an answer such as "Not sure" has none and is left out)
//!   and population shares πₙ = Nₙ / Σ N, the expected count is Eₙ = n·πₙ and
//!   X² = Σ (nₙ − Eₙ)² / Eₙ on k − 1 degrees of freedom. A p-value under 0.05 says the
//!   people who answered are not mixed like the population. With any Eₙ under 5 the test
//!   is flagged as rough (the chi-square approximation is poor there).
//! - **Direct standardisation** of a question's share positive: pₙ is the share positive
//!   among group *g*'s valid answers; the crude share is Σ nₙpₙ / Σ nₙ (what the results
//!   show); the standardised share is Σ πₙ pₙ, the share the population would give if each
//!   group answered as its respondents did. It is given only when every group with
//!   population has at least 10 valid answers (the method's minimum base); otherwise the
//!   groups that are too small are named.
//! - **Mix change between two years**: the same chi-square as a 2 × k test of homogeneity
//!   on the two years' group counts. When it says the mix changed (p < 0.05), a change in a
//!   question could come from who answered rather than from what changed; comparing one
//!   group, or the standardised shares, answers that.
//!
//! **What it cannot fix**: standardising only reweights the groups staff name. People who
//! answer within a group may still differ from those who do not (parents who are unhappy
//! may be more likely to answer); groups with no respondents cannot be reweighted at all;
//! and the population figures must describe the same people as the grouping question.

use super::special::chi2_sf;

/// One group's reach.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GroupReach {
    pub value: String,
    pub population: Option<u64>,
    pub responses: u64,
    /// Responses over population.
    pub rate: Option<f64>,
    /// The group's share of the population given.
    pub population_share: Option<f64>,
    /// The group's share of the people placed in a group.
    pub sample_share: f64,
}

/// The mix test.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct MixTest {
    pub statistic: f64,
    pub dof: u32,
    pub p: f64,
    /// p < 0.05.
    pub differs: bool,
    /// An expected count under 5: the p-value is rough.
    pub rough: bool,
}

/// Each group's reach and the mix test. `groups`: (value, population, responses).
pub fn reach(groups: &[(String, Option<u64>, u64)]) -> (Vec<GroupReach>, Option<MixTest>) {
    let placed: u64 = groups.iter().map(|g| g.2).sum();
    let population: u64 = groups.iter().filter_map(|g| g.1).sum();
    let rows = groups
        .iter()
        .map(|(v, pop, n)| GroupReach {
            value: v.clone(),
            population: *pop,
            responses: *n,
            rate: pop.filter(|p| *p > 0).map(|p| *n as f64 / p as f64),
            population_share: pop.filter(|_| population > 0).map(|p| p as f64 / population as f64),
            sample_share: if placed == 0 { 0.0 } else { *n as f64 / placed as f64 },
        })
        .collect();
    // The test is over the groups with a population (an answer like "Not sure" has none),
    // and needs at least two of them and someone in them.
    let with_pop: Vec<(u64, u64)> = groups.iter().filter_map(|g| g.1.filter(|p| *p > 0).map(|p| (p, g.2))).collect();
    let in_pop: u64 = with_pop.iter().map(|g| g.1).sum();
    if with_pop.len() < 2 || in_pop == 0 {
        return (rows, None);
    }
    let mut stat = 0.0;
    let mut rough = false;
    for (pop, n) in &with_pop {
        let expected = in_pop as f64 * *pop as f64 / population as f64;
        rough |= expected < 5.0;
        stat += (*n as f64 - expected).powi(2) / expected;
    }
    let dof = u32::try_from(with_pop.len() - 1).unwrap_or(u32::MAX);
    let p = chi2_sf(stat, dof);
    (rows, Some(MixTest { statistic: stat, dof, p, differs: p < 0.05, rough }))
}

/// A question's crude and directly standardised share positive.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum Standardised {
    Shares {
        crude: f64,
        standardised: f64,
    },
    /// Groups (by value) with fewer valid answers than the minimum base.
    TooFew(Vec<String>),
}

/// `groups`: (value, population share, positive answers, valid answers), one per group
/// with population; `min_base`: the method's minimum base.
pub fn standardise(groups: &[(String, f64, u64, u64)], min_base: u64) -> Standardised {
    let small: Vec<String> = groups.iter().filter(|g| g.3 < min_base).map(|g| g.0.clone()).collect();
    if !small.is_empty() || groups.is_empty() {
        return Standardised::TooFew(small);
    }
    let (pos, valid): (u64, u64) = groups.iter().fold((0, 0), |(p, v), g| (p + g.2, v + g.3));
    let weight: f64 = groups.iter().map(|g| g.1).sum();
    let standardised = groups.iter().map(|g| g.1 / weight * g.2 as f64 / g.3 as f64).sum();
    Standardised::Shares { crude: pos as f64 / valid as f64, standardised }
}

/// The mix change between two years: a 2 × k chi-square test of homogeneity on the
/// groups' counts (`a[g]`, `b[g]`). `None` when there are fewer than two groups with
/// people.
pub fn mix_change(a: &[u64], b: &[u64]) -> Option<MixTest> {
    let cols: Vec<(u64, u64)> = a.iter().zip(b).map(|(x, y)| (*x, *y)).filter(|(x, y)| x + y > 0).collect();
    let (na, nb): (u64, u64) = cols.iter().fold((0, 0), |(s, t), (x, y)| (s + x, t + y));
    if cols.len() < 2 || na == 0 || nb == 0 {
        return None;
    }
    let total = (na + nb) as f64;
    let mut stat = 0.0;
    let mut rough = false;
    for (x, y) in &cols {
        let col = (x + y) as f64;
        for (obs, row) in [(*x, na), (*y, nb)] {
            let e = col * row as f64 / total;
            rough |= e < 5.0;
            stat += (obs as f64 - e).powi(2) / e;
        }
    }
    let dof = u32::try_from(cols.len() - 1).unwrap_or(u32::MAX);
    let p = chi2_sf(stat, dof);
    Some(MixTest { statistic: stat, dof, p, differs: p < 0.05, rough })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The worked case of the methods page: 1,200 children with an EHC plan and 4,800 on
    /// SEN support (20% and 80%); 90 and 60 answered.
    #[test]
    fn the_worked_case() {
        let (rows, test) = reach(&[("ehcp".into(), Some(1200), 90), ("sen-support".into(), Some(4800), 60)]);
        assert_eq!(rows[0].rate, Some(0.075));
        assert_eq!(rows[1].rate, Some(0.0125));
        assert_eq!(rows[0].sample_share, 0.6);
        let t = test.unwrap();
        // E = 30 and 120: (90 − 30)²/30 + (60 − 120)²/120 = 120 + 30.
        assert!((t.statistic - 150.0).abs() < 1e-9, "{t:?}");
        assert_eq!(t.dof, 1);
        assert!(t.differs && t.p < 1e-30 && !t.rough);
        // 40% of the plan holders and 70% of those on SEN support positive: crude
        // (36 + 42) / 150 = 52%, standardised 0.2 × 40% + 0.8 × 70% = 64%.
        let s = standardise(&[("ehcp".into(), 0.2, 36, 90), ("sen-support".into(), 0.8, 42, 60)], 10);
        let Standardised::Shares { crude, standardised } = s else { panic!("{s:?}") };
        assert!((crude - 0.52).abs() < 1e-12 && (standardised - 0.64).abs() < 1e-12);
        assert_eq!(
            standardise(&[("ehcp".into(), 0.2, 3, 8), ("sen-support".into(), 0.8, 42, 60)], 10),
            Standardised::TooFew(vec!["ehcp".into()])
        );
    }

    #[test]
    fn a_group_without_population_is_left_out_of_the_test() {
        let (rows, t) = reach(&[
            ("ehcp".into(), Some(1200), 90),
            ("sen-support".into(), Some(4800), 60),
            ("not-sure".into(), None, 50),
        ]);
        assert!((t.unwrap().statistic - 150.0).abs() < 1e-9);
        assert_eq!(rows[2].rate, None);
        assert_eq!(rows[2].sample_share, 0.25);
    }

    #[test]
    fn a_mix_like_the_population_does_not_differ() {
        let (_, t) = reach(&[("a".into(), Some(1000), 20), ("b".into(), Some(3000), 60)]);
        let t = t.unwrap();
        assert!(t.statistic.abs() < 1e-12 && !t.differs);
        // The same mix in two years, and a changed one.
        assert!(!mix_change(&[20, 60], &[25, 75]).unwrap().differs);
        // 50/50 then 20/80 with 100 each: expected 35 and 65 a year, so
        // X² = 2 × (15²/35 + 15²/65) ≈ 19.78.
        let c = mix_change(&[50, 50], &[20, 80]).unwrap();
        assert!((c.statistic - 19.780_219_78).abs() < 1e-6, "{c:?}");
        assert!(c.differs);
    }
}
