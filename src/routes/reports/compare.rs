//! The comparison page, main points first: the summary (naming what declined), a table of
//! every question once with both years, the change and the verdict; then each priority and
//! value with its average and the questions it counts; then each question in full once (the
//! likely range, a sentence, a chart and what it counts towards). The method's options are
//! folded away under the wave pickers.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::filters::{FilterForm, form};
use super::{Built, Refused, ReportQuery, build};
use crate::domain::filter::Filter;
use crate::error::AppError;
use crate::models::framework;
use crate::report::{IndexRow, QuestionRow, any_withheld, index_row, question_row, summary, tagged};
use crate::routes::pages::{Link, PageMeta, render};
use crate::routes::staff::SignedIn;
use crate::state::AppState;
use crate::stats::compare::Adjust;
use crate::views::Choice;

#[derive(Serialize)]
struct Section {
    heading: String,
    outcomes: Vec<String>,
    index: Option<IndexRow>,
    /// Links to the questions it counts, shown in full once further down.
    questions: Vec<Link>,
}

/// A question, shown once: its row, and the priorities and values it counts towards.
#[derive(Serialize)]
struct QuestionEntry {
    row: QuestionRow,
    counts_towards: Vec<String>,
}

#[derive(Serialize)]
struct CompareView {
    page: PageMeta,
    title: String,
    slug: String,
    summary: String,
    froms: Vec<Choice>,
    tos: Vec<Choice>,
    audiences: Vec<Choice>,
    adjusts: Vec<Choice>,
    suppress_below: u64,
    caution_below: u64,
    earlier: String,
    later: String,
    questions: Vec<QuestionEntry>,
    priorities: Vec<Section>,
    values: Vec<Section>,
    methods: String,
    evidence: String,
    mix: Option<MixView>,
    /// Whether there is a comparison to show (not when the filter was refused).
    shown: bool,
    /// The filter's choices, values as typed and problems beside their fields.
    filters: FilterForm,
    errors: Vec<Link>,
    /// Whether any figure is withheld (the page says what that means).
    withheld: bool,
}

#[derive(Serialize)]
struct MixRow {
    title: String,
    earlier: String,
    later: String,
    earlier_std: String,
    later_std: String,
}

/// Who took part in each year, when the later wave has populations.
#[derive(Serialize)]
struct MixView {
    warning: Option<String>,
    sentence: String,
    groups: Vec<(String, String, u64, u64)>,
    rows: Vec<MixRow>,
    reach: String,
}

fn pct(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

/// Who took part in each year: the mix change test, and each question's share positive as
/// answered and standardised to the later wave's population (`stats::reach`).
fn mix_view(m: &crate::models::reach::MixComparison, case: &crate::stats::compare::CaseResult, later: &str) -> MixView {
    use crate::stats::reach::{Standardised, mix_change, standardise};
    let a: Vec<u64> = m.groups.iter().map(|g| g.2).collect();
    let b: Vec<u64> = m.groups.iter().map(|g| g.3).collect();
    let test = mix_change(&a, &b);
    let (y0, y1) = (case.years[0].clone(), case.years[1].clone());
    let warning = test.filter(|t| t.differs).map(|t| {
        format!(
            "The mix of people who answered changed between {y0} and {y1} (chi-square {:.1} on {} degrees of freedom, p {}). A change below could come from who answered rather than from what changed: look at the standardised shares, or compare one group at a time.",
            t.statistic,
            t.dof,
            if t.p < 0.001 { "< 0.001".to_owned() } else { format!("= {:.3}", t.p) }
        )
    });
    let sentence = match test {
        Some(t) if !t.differs => {
            format!("The mix of people who answered did not clearly change between {y0} and {y1} (p = {:.2}).", t.p)
        }
        Some(_) => String::new(),
        None => "Too few people were placed in groups to test whether the mix changed.".into(),
    };
    let min = crate::stats::Settings::default().suppress_below;
    let shares = |per: &crate::models::reach::ByGroup| -> (String, String) {
        let groups: Vec<(String, f64, u64, u64)> = m
            .groups
            .iter()
            .map(|g| {
                let (p, v) = per.get(&g.0).copied().unwrap_or((0, 0));
                (g.0.clone(), g.1, p, v)
            })
            .collect();
        match standardise(&groups, min) {
            Standardised::Shares { crude, standardised } => (pct(crude), pct(standardised)),
            Standardised::TooFew(_) => ("–".into(), "too few in a group".into()),
        }
    };
    let rows = case
        .questions
        .iter()
        .filter_map(|q| {
            let (pa, pb) = m.positives.get(&q.id)?;
            let ((e, es), (l, ls)) = (shares(pa), shares(pb));
            Some(MixRow {
                title: q.text.as_ref().and_then(|t| t.as_str()).unwrap_or(&q.id).to_owned(),
                earlier: e,
                later: l,
                earlier_std: es,
                later_std: ls,
            })
        })
        .collect();
    MixView {
        warning,
        sentence,
        groups: m.groups.iter().map(|g| (g.0.clone(), pct(g.1), g.2, g.3)).collect(),
        rows,
        reach: format!("/staff/waves/{later}/reach"),
    }
}

pub(super) async fn compare_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<ReportQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let action = format!("/staff/series/{}/compare", path.as_str());
    let r = match build(&state, &who, &path, &q).await? {
        Built::Report(r) => *r,
        Built::Refused(r) => return refused(&state, &req, &who, &action, &r),
    };
    let pid = r.series.partnership_id.clone();
    let (labels, fw) = state
        .db
        .run(move |c| -> Result<_, AppError> { Ok((framework::labels(c, &pid)?, framework::framework(c, &pid)?)) })
        .await?;
    let (priorities, values) = labels;
    let case = &r.case;
    let section = |field: &str, code: &str, heading: String, outcomes: Vec<String>| Section {
        heading,
        outcomes,
        index: case.composites.iter().flatten().find(|c| c.id == format!("{field}:{code}")).map(|c| index_row(case, c)),
        questions: case
            .questions
            .iter()
            .filter(|q| tagged(q, field, code))
            .map(|q| Link {
                href: format!("#q-{}", q.id),
                text: q.text.as_ref().and_then(|t| t.as_str()).unwrap_or(&q.id).to_owned(),
            })
            .collect(),
    };
    let questions: Vec<QuestionEntry> = case
        .questions
        .iter()
        .map(|q| QuestionEntry {
            row: question_row(case, q),
            counts_towards: priorities
                .iter()
                .filter(|p| tagged(q, "priority", &p.code))
                .map(|p| format!("{}: {}", p.code, p.title))
                .chain(values.iter().filter(|v| tagged(q, "value", &v.code)).map(|v| v.title.clone()))
                .collect(),
        })
        .collect();
    let priority_sections: Vec<Section> = priorities
        .iter()
        .map(|p| {
            let outcomes =
                fw.outcomes.iter().filter(|o| o.detail == p.code && !o.archived).map(|o| o.text.clone()).collect();
            section("priority", &p.code, format!("{}: {}", p.code, p.title), outcomes)
        })
        .filter(|s| !s.questions.is_empty())
        .collect();
    let value_sections: Vec<Section> = values
        .iter()
        .map(|v| section("value", &v.code, v.title.clone(), vec![]))
        .filter(|s| !s.questions.is_empty())
        .collect();
    // Who took part is the whole waves' mix: under a filter that chooses people, it would not
    // describe the figures shown, so it is left out.
    let (from, to, max_text) = (r.from.clone(), r.to.clone(), state.settings.max_text_graphemes);
    let mix = if r.filter.needs_answers() {
        None
    } else {
        state
            .db
            .run(move |c| crate::models::reach::compare_mix(c, &from, &to, max_text).map_err(AppError::from))
            .await?
            .map(|m| mix_view(&m, case, &r.to))
    };
    let choose = |value: &str, text: String, current: &str| Choice::new(value, text, current);
    let query = r.query();
    // A tag chooses which questions and sections the page shows.
    let questions: Vec<QuestionEntry> =
        questions.into_iter().filter(|e| r.def.question(&e.row.id).is_none_or(|d| r.filter.shows(d))).collect();
    let shown_ids: Vec<String> = questions.iter().map(|e| format!("#q-{}", e.row.id)).collect();
    let keep = |mut s: Section| {
        s.questions.retain(|l| shown_ids.contains(&l.href));
        (!s.questions.is_empty()).then_some(s)
    };
    let priority_sections: Vec<Section> = priority_sections.into_iter().filter_map(keep).collect();
    let value_sections: Vec<Section> = value_sections.into_iter().filter_map(keep).collect();
    let mut filters = form(&r.def, &action, &r.raw, Some(&r.filter), &[], true);
    filters.clear = (r.filter != Filter::default())
        .then(|| format!("{action}?from={}&to={}&audience={}", r.from, r.to, r.audience));
    let view = CompareView {
        page: who
            .page(&req, &state, format!("{}: {} and {}", r.series.title, case.years[0], case.years[1]))
            .back("/staff"),
        title: format!("{}: {} compared with {}", r.series.title, case.years[1], case.years[0]),
        slug: r.series.slug.clone(),
        summary: summary(case),
        froms: r
            .series
            .waves
            .iter()
            .map(|w| choose(&w.slug, format!("{} ({} responses)", w.label, w.responses), &r.from))
            .collect(),
        tos: r
            .series
            .waves
            .iter()
            .map(|w| choose(&w.slug, format!("{} ({} responses)", w.label, w.responses), &r.to))
            .collect(),
        audiences: audience_choices(&r.audiences, &r.audience),
        adjusts: adjust_choices(r.adjust),
        suppress_below: r.suppress_below,
        caution_below: r.caution_below,
        earlier: case.years[0].clone(),
        later: case.years[1].clone(),
        questions,
        priorities: priority_sections,
        values: value_sections,
        methods: format!("/staff/series/{}/methods?{query}", r.series.slug),
        evidence: format!("/staff/series/{}/evidence?{query}", r.series.slug),
        mix,
        shown: true,
        filters,
        errors: Vec::new(),
        withheld: any_withheld(case),
    };
    render(&state, StatusCode::OK, "staff/compare", &view)
}

/// The report choices: each audience, then everyone together.
fn audience_choices(audiences: &[String], current: &str) -> Vec<Choice> {
    audiences
        .iter()
        .map(|a| {
            let text = if a == "all-audiences" { "Everyone together".into() } else { a.replace('-', " ") };
            Choice::new(a.as_str(), text, current)
        })
        .collect()
}

/// The ways of adjusting for many questions, `adjust` chosen.
fn adjust_choices(adjust: Adjust) -> Vec<Choice> {
    let current = match adjust {
        Adjust::Bh => "fdr_bh",
        Adjust::Holm => "holm",
        Adjust::None => "none",
    };
    [("fdr_bh", "Benjamini–Hochberg (recommended)"), ("holm", "Holm (stricter)"), ("none", "None")]
        .iter()
        .map(|(v, t)| Choice::new(*v, *t, current))
        .collect()
}

/// The comparison page when its filter cannot be used: the form again, as typed, with each
/// problem beside its field and in the summary, and no figures.
fn refused(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    action: &str,
    r: &Refused,
) -> Result<HttpResponse, AppError> {
    let choose = |value: &str, text: String, current: &str| Choice::new(value, text, current);
    let waves = |current: &str| -> Vec<Choice> {
        r.series
            .waves
            .iter()
            .map(|w| choose(&w.slug, format!("{} ({} responses)", w.label, w.responses), current))
            .collect()
    };
    let view = CompareView {
        page: who.page(req, state, format!("{}: compare years", r.series.title)).back("/staff"),
        title: format!("{}: compare years", r.series.title),
        slug: r.series.slug.clone(),
        summary: String::new(),
        froms: waves(&r.from),
        tos: waves(&r.to),
        audiences: audience_choices(&r.audiences, &r.audience),
        adjusts: adjust_choices(r.adjust),
        suppress_below: r.suppress_below,
        caution_below: r.caution_below,
        earlier: String::new(),
        later: String::new(),
        questions: Vec::new(),
        priorities: Vec::new(),
        values: Vec::new(),
        methods: format!("/staff/series/{}/methods", r.series.slug),
        evidence: format!("/staff/series/{}/evidence", r.series.slug),
        mix: None,
        shown: false,
        filters: form(&r.def, action, &r.raw, None, &r.problems, true),
        errors: r.problems.iter().map(|p| Link { href: format!("#f-{}", p.field), text: p.message.clone() }).collect(),
        withheld: false,
    };
    render(state, StatusCode::BAD_REQUEST, "staff/compare", &view)
}
