//! Comparing two waves of a series from the database. It reads the exact counts kept at every
//! write (`models::aggregates`): answers per option per audience and question key, and for
//! each priority and value the histogram of respondents by positive and valid answers, from
//! which the respondent-level index is computed exactly — no answer is read one by one. The
//! numbers then go through `crate::stats`, exactly as `heard compare-counts` would take them,
//! and every question carries its input in the cases.json form so anyone can re-run the
//! figures.
//!
//! **Filtered comparisons.** A channel, days or the answer to a single-choice question choose
//! respondents in both waves. The same figures are then read from the counts kept by
//! channel, day and answer (`slice_counts` through `results::option_tally`, and `index_slices`), in
//! every group the filter tells apart. Suppression comes after filtering: a year's figures
//! for a question or index are withheld when the results page's cube (primary and secondary
//! rules, `stats::results::bases_shown`) would hide its base, so no hidden group can be had
//! by subtracting a filtered comparison from the unfiltered one. A withheld year carries no
//! counts (zeros, marked `withheld` in the input), and linked answers are then left out.
//! Published counts of past waves cannot be split, so a filtered comparison leaves them out.
//! A wave that did not ask the filtering question as a single-choice question has nobody in
//! the filter (the routes check the filter against the later wave's survey).

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;

use super::{StoreError, StoreResult};
use crate::db::{DbConnection, WaveId};
use crate::domain::SurveyDefinition;
use crate::domain::filter::Filter;
use crate::domain::survey::{Polarity, QuestionKind};
use crate::stats::compare::{CaseInput, PairedInput, QuestionInput, SettingsInput, compare_case};
use crate::stats::results::Sig;
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
    /// Who is compared: channel, days and the answer to a single-choice question choose
    /// respondents in both waves (its audience and tag are not read here: `audience` above
    /// chooses the report, and a tag only chooses what a page shows).
    pub filter: Filter,
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
    /// Under a filter that splits respondents beyond their audience: every group it tells
    /// apart, for the suppression cube.
    groups: Option<Groups>,
    /// Which reports may show each base (`q:KEY`, `i:KIND:CODE`), worked out once per wave.
    shown: std::cell::RefCell<HashMap<String, BTreeMap<Option<String>, bool>>>,
}

impl WaveData {
    /// Whether the base `what` (a question's or an index's, `bases` per group) may be shown
    /// for the report of `audience` (`None`: everyone): `stats::results::bases_shown`, worked
    /// out once per wave and base. Without a filter every base is shown (the method's own
    /// rule applies).
    fn base_shown(
        &self,
        what: &str,
        bases: impl FnOnce(&Groups) -> Vec<(Sig, u64)>,
        filter: &Filter,
        audience: &Option<String>,
        settings: &crate::stats::Settings,
    ) -> bool {
        let Some(g) = &self.groups else { return true };
        let mut memo = self.shown.borrow_mut();
        let columns = memo
            .entry(what.to_owned())
            .or_insert_with(|| crate::stats::results::bases_shown(&self.def, &bases(g), filter, settings));
        // An audience the wave does not have shows nothing anyway.
        columns.get(audience).copied().unwrap_or(true)
    }
}

/// Answers per (question, option).
type Options = HashMap<(String, String), u64>;

/// A wave's respondents in every group a filter tells apart (`stats::results::Sig`): each
/// group's answers per (question, option), and its respondents per priority and value by
/// positive and valid answers. The groups part the respondents (those who gave the filtering
/// answer are taken out of everyone's), as on the results page.
struct Groups {
    /// (group, responses, answers per (question, option)).
    answers: Vec<(Sig, u64, Options)>,
    /// (group, kind, code, positive, valid, respondents).
    index: Vec<(Sig, String, String, i32, i32, u64)>,
}

impl Groups {
    /// Each group's base for one question: its valid (not excluded) answers.
    fn question_bases(&self, q: &crate::domain::Question) -> Vec<(Sig, u64)> {
        self.answers
            .iter()
            .map(|(sig, _, options)| {
                let n = q
                    .options
                    .iter()
                    .filter(|o| o.polarity != Polarity::Excluded)
                    .filter_map(|o| options.get(&(q.key.to_string(), o.value.clone())))
                    .fold(0u64, |sum, n| sum.saturating_add(*n));
                (sig.clone(), n)
            })
            .collect()
    }

    /// Each group's base for one index: its respondents with a valid answer.
    fn index_bases(&self, kind: &str, code: &str) -> Vec<(Sig, u64)> {
        let mut per: BTreeMap<Sig, u64> = BTreeMap::new();
        for (sig, k, c, _, _, n) in &self.index {
            if k == kind && c == code {
                let e = per.entry(sig.clone()).or_insert(0);
                *e = e.saturating_add(*n);
            }
        }
        per.into_iter().collect()
    }
}

/// A wave's groups under `filter` (channel, days, a single-choice answer): the answers from
/// the counts kept by channel, day and answer (`results::option_tally`), the index counts from
/// `index_slices`. A few thousand kept rows, however many answered.
fn groups(conn: &mut DbConnection, wave_id: &WaveId, def: &SurveyDefinition, filter: &Filter) -> StoreResult<Groups> {
    // People are chosen by an answer to a single-choice question of this wave; a wave that
    // did not ask it so has nobody in the filter (and its answers are not counted one by one).
    if let Some((key, _)) = &filter.answer
        && !def.question(key).is_some_and(|q| q.kind == QuestionKind::SingleChoice)
    {
        return Ok(Groups { answers: Vec::new(), index: Vec::new() });
    }
    let tally = super::results::option_tally(conn, wave_id, filter)?;
    let answers = tally.groups.into_iter().map(|(sig, g)| (sig, g.responses, g.options)).collect();
    let crossed = filter.answer.as_ref().map(|(k, _)| k.as_str());
    let (from, to) = filter.days();
    let mut whole: BTreeMap<(Sig, String, String, i32, i32), i64> = BTreeMap::new();
    let mut under: Vec<(Sig, String, String, i32, i32, i64)> = Vec::new();
    for r in super::aggregates::index_slices(conn, wave_id, from, to, crossed)? {
        let answer = (!r.filter_key.is_empty()).then_some(r.filter_value);
        let sig = Sig { audience: r.audience, channel: r.channel, answer, in_range: r.in_range != 0 };
        if sig.answer.is_some() {
            under.push((sig, r.kind, r.code, r.positive, r.valid, r.respondents));
        } else {
            *whole.entry((sig, r.kind, r.code, r.positive, r.valid)).or_insert(0) += r.respondents;
        }
    }
    // Everyone's rows hold those who gave each answer too: take them out.
    for (sig, kind, code, pos, valid, n) in &under {
        let rest = Sig { answer: None, ..sig.clone() };
        if let Some(e) = whole.get_mut(&(rest, kind.clone(), code.clone(), *pos, *valid)) {
            *e -= n;
        }
    }
    let index = whole
        .into_iter()
        .map(|((sig, kind, code, pos, valid), n)| (sig, kind, code, pos, valid, n))
        .chain(under)
        .filter(|r| r.5 > 0)
        .map(|(sig, kind, code, pos, valid, n)| (sig, kind, code, pos, valid, stored_count(n)))
        .collect();
    Ok(Groups { answers, index })
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
/// (audience, question key, earlier option, later option). A filter's channel, days and
/// answer choose people in both waves: a pair counts when both its responses are inside.
fn linked_pairs(
    conn: &mut DbConnection,
    wave_a: &WaveId,
    wave_b: &WaveId,
    filter: &Filter,
) -> StoreResult<Vec<PairRow>> {
    use diesel::sql_types::{Text, Timestamp};
    let pg = conn.backend() == crate::db::Backend::Postgres;
    let p = |i: u8| if pg { format!("${i}") } else { format!("?{i}") };
    // Each part of the filter is written so that, when it is not given, it is true without
    // touching a column the planner could pick an index for (a range on the day sent would
    // make SQLite walk every response of the wave instead of the few linked ones).
    let inside = |r: &str| {
        format!(
            " AND ({c} = '' OR {r}.channel = {c}) \
             AND ({days} = 0 OR ({r}.submitted_at >= {from} AND {r}.submitted_at < {to})) \
             AND ({k} = '' OR EXISTS (SELECT 1 FROM answers f WHERE f.response_id = {r}.id \
             AND f.question_key = {k} AND f.option_value = {v}))",
            c = p(3),
            from = p(4),
            to = p(5),
            k = p(6),
            v = p(7),
            days = p(8),
        )
    };
    let sql = format!(
        "SELECT rb.audience AS audience, a1.question_key AS question_key, a1.option_value AS option_a, \
           a2.option_value AS option_b, CAST(COUNT(*) AS BIGINT) AS pairs \
         FROM responses ra \
         JOIN responses rb ON rb.member_hash = ra.member_hash AND rb.audience = ra.audience \
         JOIN answers a1 ON a1.response_id = ra.id \
         JOIN answers a2 ON a2.response_id = rb.id AND a2.question_key = a1.question_key \
         WHERE ra.wave_id = {} AND rb.wave_id = {} AND ra.member_hash IS NOT NULL \
           AND a1.option_value IS NOT NULL AND a2.option_value IS NOT NULL{}{} \
         GROUP BY rb.audience, a1.question_key, a1.option_value, a2.option_value",
        p(1),
        p(2),
        inside("ra"),
        inside("rb")
    );
    let (from, after) = filter.instants();
    let has_days = filter.from.is_some() || filter.to.is_some();
    let (key, value) = filter.answer.clone().unwrap_or_default();
    let channel = filter.channel.clone().unwrap_or_default();
    Ok(crate::on_backend!(conn, |c| diesel::sql_query(&sql)
        .bind::<Text, _>(wave_a.as_str())
        .bind::<Text, _>(wave_b.as_str())
        .bind::<Text, _>(&channel)
        .bind::<Timestamp, _>(from)
        .bind::<Timestamp, _>(after)
        .bind::<Text, _>(&key)
        .bind::<Text, _>(&value)
        .bind::<diesel::sql_types::Integer, _>(i32::from(has_days))
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

fn load_wave(
    conn: &mut DbConnection,
    slug: &str,
    series_id: &str,
    max_text: usize,
    filter: &Filter,
) -> StoreResult<WaveData> {
    // Exact counts kept up to date at every write (see `models::aggregates`); published
    // counts of past waves add to the option counts (they have no respondents, so they never
    // enter the respondent-level indices).
    use crate::db::schema::index_counts;
    let loaded = super::survey::get(conn, slug, max_text)?;
    if loaded.row.series_id != series_id {
        return Err(StoreError::Conflict(format!("the wave {slug:?} is not part of this series")));
    }
    let (wave, def) = (loaded.row, loaded.definition);
    if filter.needs_answers() {
        let g = groups(conn, &wave.id, &def, filter)?;
        let mut counts: HashMap<(String, String, String), u64> = HashMap::new();
        let mut responses: HashMap<String, u64> = HashMap::new();
        for (sig, people, options) in g.answers.iter().filter(|(sig, _, _)| sig.inside(filter, None)) {
            let e = responses.entry(sig.audience.clone()).or_insert(0);
            *e = e.saturating_add(*people);
            for ((k, v), n) in options {
                let e = counts.entry((sig.audience.clone(), k.clone(), v.clone())).or_insert(0);
                *e = e.saturating_add(*n);
            }
        }
        let hist = g.index.iter().filter(|r| r.0.inside(filter, None)).map(|(sig, kind, code, pos, valid, n)| {
            (sig.audience.clone(), kind.clone(), code.clone(), *pos, *valid, *n)
        });
        return Ok(WaveData {
            id: wave.id.clone(),
            slug: wave.slug,
            label: wave.label,
            def,
            counts,
            composites: composites_of(hist),
            responses,
            groups: Some(g),
            shown: Default::default(),
        });
    }
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
    let hist = hist.into_iter().map(|(aud, kind, code, pos, valid, n)| (aud, kind, code, pos, valid, stored_count(n)));
    Ok(WaveData {
        id: wave.id.clone(),
        slug: wave.slug,
        label: wave.label,
        def,
        counts,
        composites: composites_of(hist),
        responses: per_audience.into_iter().map(|(a, n)| (a, stored_count(n))).collect(),
        groups: None,
        shown: Default::default(),
    })
}

/// The respondent-level index's sufficient statistics per (kind, code, audience), from the
/// histogram of respondents by (positive, valid) answers: (audience, kind, code, positive,
/// valid, respondents).
fn composites_of(
    hist: impl Iterator<Item = (String, String, String, i32, i32, u64)>,
) -> HashMap<(String, String, String), CompositeSample> {
    // (kind, code, audience) → (respondents, Σshare, Σshare², positive answers, valid answers)
    type Sums = (u64, f64, f64, u64, u64);
    let mut sums: HashMap<(String, String, String), Sums> = HashMap::new();
    for (aud, kind, code, pos, valid, n) in hist {
        if valid <= 0 {
            continue;
        }
        let share = f64::from(pos) / f64::from(valid);
        let e = sums.entry((kind, code, aud)).or_insert((0, 0.0, 0.0, 0, 0));
        let (pos, valid) = (stored_count(pos.into()), stored_count(valid.into()));
        e.0 = e.0.saturating_add(n);
        e.1 += n as f64 * share;
        e.2 += n as f64 * share * share;
        e.3 = e.3.saturating_add(n.saturating_mul(pos));
        e.4 = e.4.saturating_add(n.saturating_mul(valid));
    }
    sums.into_iter()
        .map(|(k, (n, sum, sum_sq, pos, valid))| (k, CompositeSample::from_sums(n, sum, sum_sq, 0, pos, valid)))
        .collect()
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
    compare_waves_reusing(conn, req, &mut Waves::default())
}

/// The waves a series of comparisons has read, by slug and filter, so each is read once
/// (trends compare every wave with its neighbours and the first with the last).
#[derive(Default)]
pub struct Waves(HashMap<(String, String), std::rc::Rc<WaveData>>);

impl Waves {
    fn get(
        &mut self,
        conn: &mut DbConnection,
        slug: &str,
        series_id: &str,
        max_text: usize,
        filter: &Filter,
    ) -> StoreResult<std::rc::Rc<WaveData>> {
        let key = (slug.to_owned(), format!("{filter:?}"));
        if let Some(w) = self.0.get(&key) {
            return Ok(w.clone());
        }
        let w = std::rc::Rc::new(load_wave(conn, slug, series_id, max_text, filter)?);
        self.0.insert(key, w.clone());
        Ok(w)
    }
}

/// Compares two waves of a series, reading each wave through `waves` (once per filter).
pub fn compare_waves_reusing(
    conn: &mut DbConnection,
    req: &CompareRequest,
    waves: &mut Waves,
) -> StoreResult<ComparisonOutput> {
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
    // Who is compared: the report's audience is chosen below, and a tag chooses only what a
    // page shows.
    let filter = Filter { audience: None, tag: None, ..req.filter.clone() };
    let a = waves.get(conn, &req.from, &series_id, req.max_text, &filter)?;
    let b = waves.get(conn, &req.to, &series_id, req.max_text, &filter)?;
    // Keys compared: single-answer questions present in both waves (for the indices), and
    // every single-answer key of either wave for the questions.
    let (def_a, def_b) = (&a.def, &b.def);
    let common: Vec<String> = def_b
        .questions
        .iter()
        .filter(|q| single_answer(q.kind) && def_a.question(q.key.as_str()).is_some_and(|p| single_answer(p.kind)))
        .map(|q| q.key.to_string())
        .collect();
    let pairs = linked_pairs(conn, &a.id, &b.id, &filter)?;
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
            let mut withheld = Vec::new();
            for (wave, q, year) in [(&a, qa, &years[0]), (&b, qb, &years[1])] {
                // A question this wave did not ask has no answers that year: zeros, said
                // explicitly, so the input carried with the result reads back as it was used.
                let asked = q.is_some_and(|q| single_answer(q.kind) && q.audiences.iter().any(|x| in_report(x)));
                if !asked {
                    counts.insert(year.clone(), vec![0; options.len()]);
                    continue;
                }
                // Under a filter, a base the suppression cube hides is withheld: its counts
                // are not given at all (zeros), so neither the page nor the input shows them.
                if let Some(q) = q
                    && !wave.base_shown(&format!("q:{key}"), |g| g.question_bases(q), &filter, audience, &req.settings)
                {
                    counts.insert(year.clone(), vec![0; options.len()]);
                    withheld.push(year.clone());
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
                paired: if withheld.is_empty() { paired_for(&pairs, key, qa, qb, &in_report) } else { None },
                withheld,
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
                let withheld: Vec<bool> = [&a, &b]
                    .iter()
                    .map(|w| {
                        let what = format!("i:{kind}:{}", item.code);
                        !w.base_shown(&what, |g| g.index_bases(kind, &item.code), &filter, audience, &req.settings)
                    })
                    .collect();
                let samples: Vec<CompositeSample> = [&a, &b]
                    .iter()
                    .zip(&withheld)
                    .map(|(w, hidden)| {
                        let mut total = CompositeSample::default();
                        if *hidden {
                            return total;
                        }
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
                let mut index = composite_from_samples(
                    &format!("{kind}:{}", item.code),
                    &label,
                    &years,
                    &samples,
                    req.settings.alpha,
                );
                for (year, hidden) in years.iter().zip(&withheld) {
                    if let (true, Some(y)) = (*hidden, index.years.get_mut(year)) {
                        y.withheld = true;
                    }
                }
                composites.push(index);
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
        // A year withheld under a filter is confidential (`[c]`), never a zero or a blank.
        let base = |y: &crate::stats::compare::YearResult| {
            if y.withheld { "[c]".to_owned() } else { y.n_valid.to_string() }
        };
        let share = |y: &crate::stats::compare::YearResult| {
            if y.withheld { "[c]".to_owned() } else { y.display_pct.map(|x| x.to_string()).unwrap_or_default() }
        };
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
                    base(a),
                    base(b),
                    share(a),
                    share(b),
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
                    if a.withheld { "[c]".into() } else { a.n_respondents.to_string() },
                    if b.withheld { "[c]".into() } else { b.n_respondents.to_string() },
                    if a.withheld { "[c]".into() } else { f(a.index) },
                    if b.withheld { "[c]".into() } else { f(b.index) },
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
