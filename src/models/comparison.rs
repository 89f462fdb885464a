//! Comparing two waves of a series from the database. It reads the exact counts kept at every
//! write (`models::aggregates`): answers per option per audience and question key, and for
//! each priority and value the histogram of respondents by positive and valid answers, from
//! which the respondent-level index is computed exactly — no answer is read one by one. The numbers then go through `crate::stats`, exactly as
//! `heard compare-counts` would take them, and every question carries its input in the
//! cases.json form so anyone can re-run the figures.

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;

use super::{StoreError, StoreResult};
use crate::db::{DbConnection, WaveId};
use crate::domain::SurveyDefinition;
use crate::domain::survey::{Polarity, QuestionKind};
use crate::stats::compare::{CaseInput, PairedInput, QuestionInput, SettingsInput, compare_case};
use crate::stats::{ComparisonOutput, CompositeSample, Settings, composite_from_samples};

/// What to compare.
#[derive(Debug, Clone)]
pub struct CompareRequest {
    pub series: String,
    pub from: String,
    pub to: String,
    pub audience: Option<String>,
    pub settings: Settings,
    /// The deployment's text limit, for reading the waves' definitions (see `survey::Wave`).
    pub max_text: usize,
}

struct WaveData {
    id: WaveId,
    slug: String,
    label: String,
    def: std::sync::Arc<SurveyDefinition>,
    /// (audience, question key, option value) → answers.
    counts: HashMap<(String, String, String), u64>,
    /// (kind, code, audience) → sufficient statistics.
    composites: HashMap<(String, String, String), CompositeSample>,
    /// audience → responses.
    responses: HashMap<String, u64>,
}

#[derive(diesel::QueryableByName)]
struct PairRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    audience: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    question_key: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    option_a: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    option_b: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pairs: i64,
}

/// Answers of the same people in both waves (same member code, same audience), counted by
/// (audience, question key, earlier option, later option).
fn linked_pairs(conn: &mut DbConnection, wave_a: &WaveId, wave_b: &WaveId) -> StoreResult<Vec<PairRow>> {
    use diesel::sql_types::Text;
    let (p1, p2) = if conn.backend() == crate::db::Backend::Postgres { ("$1", "$2") } else { ("?", "?") };
    let sql = format!(
        "SELECT rb.audience AS audience, a1.question_key AS question_key, a1.option_value AS option_a, \
           a2.option_value AS option_b, CAST(COUNT(*) AS BIGINT) AS pairs \
         FROM responses ra \
         JOIN responses rb ON rb.member_hash = ra.member_hash AND rb.audience = ra.audience \
         JOIN answers a1 ON a1.response_id = ra.id \
         JOIN answers a2 ON a2.response_id = rb.id AND a2.question_key = a1.question_key \
         WHERE ra.wave_id = {p1} AND rb.wave_id = {p2} AND ra.member_hash IS NOT NULL \
           AND a1.option_value IS NOT NULL AND a2.option_value IS NOT NULL \
         GROUP BY rb.audience, a1.question_key, a1.option_value, a2.option_value"
    );
    Ok(crate::on_backend!(conn, |c| diesel::sql_query(&sql)
        .bind::<Text, _>(wave_a.as_str())
        .bind::<Text, _>(wave_b.as_str())
        .load::<PairRow>(c))?)
}

/// Question kinds with exactly one answer option per respondent: the ones the method compares.
fn single_answer(kind: QuestionKind) -> bool {
    matches!(kind, QuestionKind::SingleChoice | QuestionKind::FaceScale | QuestionKind::YesSometimesNo)
}

/// A stored count as the method takes it. Stored counts are never negative (imports and
/// the kept counts check that); one that is, or one past the method's bound, is passed on
/// saturated so `stats` refuses it by name rather than wrapping.
fn stored_count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

fn load_wave(conn: &mut DbConnection, slug: &str, series_id: &str, max_text: usize) -> StoreResult<WaveData> {
    // (kind, code, audience) → (respondents, Σshare, Σshare², positive answers, valid answers)
    type Sums = (u64, f64, f64, u64, u64);
    // Exact counts kept up to date at every write (see `models::aggregates`); published
    // counts of past waves add to the option counts (they have no respondents, so they never
    // enter the respondent-level indices).
    use crate::db::schema::index_counts;
    let loaded = super::survey::get(conn, slug, max_text)?;
    if loaded.row.series_id != series_id {
        return Err(StoreError::Conflict(format!("the wave {slug:?} is not part of this series")));
    }
    let (wave, def) = (loaded.row, loaded.definition);
    let counts = super::aggregates::option_counts(conn, &wave.id)?;
    // Responses per audience, as kept at write time (not a count of the wave's responses,
    // which at 500,000 was most of the time a trend took).
    let per_audience = super::aggregates::response_counts(conn, &wave.id)?;
    // The respondent-level index from the histogram of (positive, valid) per respondent.
    let hist: Vec<(String, String, String, i32, i32, i64)> = index_counts::table
        .filter(index_counts::wave_id.eq(&wave.id))
        .filter(index_counts::respondents.gt(0))
        .select((
            index_counts::audience,
            index_counts::kind,
            index_counts::code,
            index_counts::positive,
            index_counts::valid,
            index_counts::respondents,
        ))
        .load(conn)?;
    let mut sums: HashMap<(String, String, String), Sums> = HashMap::new();
    for (aud, kind, code, pos, valid, n) in hist {
        if valid <= 0 {
            continue;
        }
        let share = f64::from(pos) / f64::from(valid);
        let e = sums.entry((kind, code, aud)).or_insert((0, 0.0, 0.0, 0, 0));
        let (n, pos, valid) = (stored_count(n), stored_count(pos.into()), stored_count(valid.into()));
        e.0 = e.0.saturating_add(n);
        e.1 += n as f64 * share;
        e.2 += n as f64 * share * share;
        e.3 = e.3.saturating_add(n.saturating_mul(pos));
        e.4 = e.4.saturating_add(n.saturating_mul(valid));
    }
    let composites = sums
        .into_iter()
        .map(|(k, (n, sum, sum_sq, pos, valid))| (k, CompositeSample::from_sums(n, sum, sum_sq, 0, pos, valid)))
        .collect();
    Ok(WaveData {
        id: wave.id.clone(),
        slug: wave.slug,
        label: wave.label,
        def,
        counts,
        composites,
        responses: per_audience.into_iter().map(|(a, n)| (a, stored_count(n))).collect(),
    })
}

/// The McNemar input for one question: linked people positive or not in each year. Pairs
/// where either answer is excluded ("Don't know") are left out.
fn paired_for(
    pairs: &[PairRow],
    key: &str,
    qa: Option<&crate::domain::Question>,
    qb: Option<&crate::domain::Question>,
    in_report: &dyn Fn(&str) -> bool,
) -> Option<PairedInput> {
    let (qa, qb) = (qa?, qb?);
    let class = |q: &crate::domain::Question, v: &str| q.option(v).map(|o| o.polarity);
    let mut p = PairedInput { pos_pos: 0, pos_neg: 0, neg_pos: 0, neg_neg: 0 };
    let mut any = false;
    for r in pairs.iter().filter(|r| r.question_key == key && in_report(&r.audience)) {
        let (Some(a), Some(b)) = (class(qa, &r.option_a), class(qb, &r.option_b)) else { continue };
        if a == Polarity::Excluded || b == Polarity::Excluded {
            continue;
        }
        let n = stored_count(r.pairs);
        any = true;
        let cell = match (a == Polarity::Positive, b == Polarity::Positive) {
            (true, true) => &mut p.pos_pos,
            (true, false) => &mut p.pos_neg,
            (false, true) => &mut p.neg_pos,
            (false, false) => &mut p.neg_neg,
        };
        *cell = cell.saturating_add(n);
    }
    any.then_some(p)
}

/// Compares two waves of a series.
pub fn compare_waves(conn: &mut DbConnection, req: &CompareRequest) -> StoreResult<ComparisonOutput> {
    use crate::db::schema::survey_series;
    let (series_id, partnership_id): (String, crate::db::PartnershipId) = survey_series::table
        .filter(survey_series::slug.eq(&req.series))
        .select((survey_series::id, survey_series::partnership_id))
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("the series {:?}", req.series)))?;
    if req.from == req.to {
        return Err(StoreError::Conflict("choose two different waves to compare".into()));
    }
    let a = load_wave(conn, &req.from, &series_id, req.max_text)?;
    let b = load_wave(conn, &req.to, &series_id, req.max_text)?;
    // Keys compared: single-answer questions present in both waves (for the indices), and
    // every single-answer key of either wave for the questions.
    let (def_a, def_b) = (&a.def, &b.def);
    let common: Vec<String> = def_b
        .questions
        .iter()
        .filter(|q| single_answer(q.kind) && def_a.question(q.key.as_str()).is_some_and(|p| single_answer(p.kind)))
        .map(|q| q.key.to_string())
        .collect();
    let pairs = linked_pairs(conn, &a.id, &b.id)?;
    let years =
        if a.label != b.label { vec![a.label.clone(), b.label.clone()] } else { vec![a.slug.clone(), b.slug.clone()] };
    let (priorities, values) = super::framework::labels(conn, &partnership_id)?;

    let mut audiences: Vec<String> = b.def.audiences.iter().map(|x| x.key.to_string()).collect();
    for x in &a.def.audiences {
        if !audiences.contains(&x.key.to_string()) {
            audiences.push(x.key.to_string());
        }
    }
    let reports: Vec<Option<String>> = match &req.audience {
        Some(one) if audiences.contains(one) => vec![Some(one.clone())],
        Some(one) => {
            return Err(StoreError::NotFound(format!(
                "the audience {one:?} in these waves (they have {})",
                audiences.join(", ")
            )));
        }
        None => audiences.iter().cloned().map(Some).chain(std::iter::once(None)).collect(),
    };

    // Question keys in report order: the later wave's, then any only the earlier wave had.
    let mut keys: Vec<String> =
        b.def.questions.iter().filter(|q| single_answer(q.kind)).map(|q| q.key.to_string()).collect();
    for q in a.def.questions.iter().filter(|q| single_answer(q.kind)) {
        if !keys.contains(&q.key.to_string()) {
            keys.push(q.key.to_string());
        }
    }

    let mut cases = Vec::new();
    for audience in &reports {
        let in_report = |aud: &str| audience.as_deref().is_none_or(|x| x == aud);
        let mut questions = Vec::new();
        for key in &keys {
            let qa = a.def.question(key);
            let qb = b.def.question(key);
            let Some(main) = qb.or(qa) else { continue };
            // Options: the later wave's values, then any only the earlier wave had.
            let mut options: Vec<(String, Polarity, Option<f64>)> =
                main.options.iter().map(|o| (o.value.clone(), o.polarity, o.score)).collect();
            if let Some(qa) = qa {
                for o in &qa.options {
                    if !options.iter().any(|(v, _, _)| v == &o.value) {
                        options.push((o.value.clone(), o.polarity, o.score));
                    }
                }
            }
            let pick =
                |p: Polarity| options.iter().filter(|(_, x, _)| *x == p).map(|(v, _, _)| v.clone()).collect::<Vec<_>>();
            let mut counts = BTreeMap::new();
            for (wave, q, year) in [(&a, qa, &years[0]), (&b, qb, &years[1])] {
                // A question this wave did not ask has no answers that year: zeros, said
                // explicitly, so the input carried with the result reads back as it was used.
                let asked = q.is_some_and(|q| single_answer(q.kind) && q.audiences.iter().any(|x| in_report(x)));
                if !asked {
                    counts.insert(year.clone(), vec![0; options.len()]);
                    continue;
                }
                let row: Vec<u64> = options
                    .iter()
                    .map(|(v, _, _)| {
                        wave.counts
                            .iter()
                            .filter(|((aud, k, val), _)| in_report(aud) && k == key && val == v)
                            .fold(0u64, |sum, (_, n)| sum.saturating_add(*n))
                    })
                    .collect();
                counts.insert(year.clone(), row);
            }
            let wording_audience = audience.clone().or_else(|| main.audiences.first().cloned()).unwrap_or_default();
            let text =
                main.wording(&wording_audience).or_else(|| main.wording.values().next()).map(|w| w.title.clone());
            questions.push(QuestionInput {
                id: key.clone(),
                text: text.map(serde_json::Value::String),
                priority: Some(serde_json::json!(main.priorities)),
                value: Some(serde_json::json!(main.values)),
                options: options.iter().map(|(v, _, _)| v.clone()).collect(),
                positive: pick(Polarity::Positive),
                negative: pick(Polarity::Negative),
                excluded: pick(Polarity::Excluded),
                scores: Some(options.iter().map(|(_, _, s)| *s).collect()),
                counts,
                paired: paired_for(&pairs, key, qa, qb, &in_report),
            });
        }
        let case = CaseInput {
            id: audience.clone().unwrap_or_else(|| "all-audiences".into()),
            description: Some(format!(
                "{} {} and {}, {}",
                b.def.series.title,
                years[0],
                years[1],
                audience.as_deref().unwrap_or("all audiences together")
            )),
            audience: audience.clone(),
            settings: SettingsInput::default(),
            questions: questions.clone(),
            years: years.clone(),
            composite: None,
            composites: None,
        };
        let mut result = compare_case(&case, &req.settings).map_err(|e| StoreError::Conflict(e.to_string()))?;
        for (r, input) in result.questions.iter_mut().zip(questions) {
            r.input = Some(input);
        }
        // Indices per priority and per value.
        let mut composites = Vec::new();
        for (kind, list, prefix) in [("priority", &priorities, "Priority"), ("value", &values, "Value")] {
            for item in list.iter() {
                let tagged = common.iter().any(|k| {
                    b.def.question(k).is_some_and(|q| {
                        if kind == "priority" {
                            q.priorities.contains(&item.code)
                        } else {
                            q.values.contains(&item.code)
                        }
                    })
                });
                if !tagged {
                    continue;
                }
                let samples: Vec<CompositeSample> = [&a, &b]
                    .iter()
                    .map(|w| {
                        let mut total = CompositeSample::default();
                        let (mut n, mut sum, mut sum_sq, mut pos, mut valid) = (0u64, 0.0, 0.0, 0u64, 0u64);
                        for ((k, code, aud), s) in &w.composites {
                            if k == kind && code == &item.code && in_report(aud) {
                                n = n.saturating_add(s.n);
                                sum += s.mean * s.n as f64;
                                sum_sq += s.m2 + s.mean * s.mean * s.n as f64;
                                pos = pos.saturating_add(s.positive);
                                valid = valid.saturating_add(s.valid);
                            }
                        }
                        let responded = w
                            .responses
                            .iter()
                            .filter(|(aud, _)| in_report(aud))
                            .fold(0u64, |sum, (_, n)| sum.saturating_add(*n));
                        if n > 0 || responded > 0 {
                            total = CompositeSample::from_sums(n, sum, sum_sq, responded.saturating_sub(n), pos, valid);
                        }
                        total
                    })
                    .collect();
                let label = format!("{prefix} {}: {}", item.code, item.title);
                composites.push(composite_from_samples(
                    &format!("{kind}:{}", item.code),
                    &label,
                    &years,
                    &samples,
                    req.settings.alpha,
                ));
            }
        }
        result.composites = Some(composites);
        cases.push(result);
    }
    let mut generator = BTreeMap::new();
    generator.insert("heard".to_owned(), env!("CARGO_PKG_VERSION").to_owned());
    generator.insert("series".to_owned(), req.series.clone());
    Ok(ComparisonOutput { schema_version: 1, generator, z_crit_95: crate::stats::special::Z_95, cases })
}

/// The comparison as CSV: one row per question and report, then one per index.
pub fn to_csv(out: &ComparisonOutput) -> StoreResult<Vec<u8>> {
    let mut bytes = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = csv::Writer::from_writer(&mut bytes);
        let err = |e: csv::Error| StoreError::Conflict(format!("could not write CSV: {e}"));
        w.write_record([
            "report",
            "kind",
            "id",
            "year_a",
            "year_b",
            "n_a",
            "n_b",
            "pct_a",
            "pct_b",
            "change_points",
            "range_low",
            "range_high",
            "p",
            "p_adjusted",
            "verdict",
            "sentence",
        ])
        .map_err(err)?;
        let f = |v: Option<f64>| v.map(|x| format!("{x}")).unwrap_or_default();
        for case in &out.cases {
            let (ya, yb) = (&case.years[0], &case.years[1]);
            for q in &case.questions {
                let (a, b) = (&q.years[ya], &q.years[yb]);
                let adjusted = match case.settings.adjust {
                    crate::stats::compare::Adjust::Bh => q.p_bh,
                    crate::stats::compare::Adjust::Holm => q.p_holm,
                    crate::stats::compare::Adjust::None => q.z_p,
                };
                w.write_record([
                    case.id.clone(),
                    "question".into(),
                    q.id.clone(),
                    ya.clone(),
                    yb.clone(),
                    a.n_valid.to_string(),
                    b.n_valid.to_string(),
                    a.display_pct.map(|x| x.to_string()).unwrap_or_default(),
                    b.display_pct.map(|x| x.to_string()).unwrap_or_default(),
                    q.diff_points_display.map(|x| x.to_string()).unwrap_or_default(),
                    f(q.newcombe_low),
                    f(q.newcombe_high),
                    f(q.z_p),
                    f(adjusted),
                    serde_json::to_value(q.verdict)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    q.sentence.clone(),
                ])
                .map_err(err)?;
            }
            for c in case.composites.iter().flatten() {
                let (a, b) = (&c.years[ya], &c.years[yb]);
                w.write_record([
                    case.id.clone(),
                    "index".into(),
                    c.id.clone(),
                    ya.clone(),
                    yb.clone(),
                    a.n_respondents.to_string(),
                    b.n_respondents.to_string(),
                    f(a.index),
                    f(b.index),
                    f(c.diff),
                    f(c.diff_ci_low),
                    f(c.diff_ci_high),
                    f(c.welch_p),
                    String::new(),
                    String::new(),
                    c.label.clone(),
                ])
                .map_err(err)?;
            }
        }
        w.flush().map_err(|e| StoreError::Conflict(e.to_string()))?;
    }
    Ok(bytes)
}
