//! The comparison page, main points first: the summary (naming what declined), a table of
//! every question once with both years, the change and the verdict; then each priority and
//! value with its average and the questions it counts; then each question in full once (the
//! likely range, a sentence, a chart and what it counts towards). The method's options are
//! folded away under the wave pickers.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::{ReportQuery, build_report};
use crate::error::AppError;
use crate::models::framework;
use crate::report::{IndexRow, QuestionRow, index_row, question_row, summary, tagged};
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
    let r = build_report(&state, &who, &path, &q).await?;
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
    let (from, to, max_text) = (r.from.clone(), r.to.clone(), state.settings.max_text_graphemes);
    let mix = state
        .db
        .run(move |c| crate::models::reach::compare_mix(c, &from, &to, max_text).map_err(AppError::from))
        .await?
        .map(|m| mix_view(&m, case, &r.to));
    let choose = |value: &str, text: String, current: &str| Choice::new(value, text, current);
    let query = format!(
        "from={}&to={}&audience={}&suppress_below={}&caution_below={}",
        r.from, r.to, r.audience, r.suppress_below, r.caution_below
    );
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
        audiences: r
            .audiences
            .iter()
            .map(|a| {
                choose(
                    a,
                    if a == "all-audiences" { "Everyone together".into() } else { a.replace('-', " ") },
                    &r.audience,
                )
            })
            .collect(),
        adjusts: [("fdr_bh", "Benjamini–Hochberg (recommended)"), ("holm", "Holm (stricter)"), ("none", "None")]
            .iter()
            .map(|(v, t)| {
                choose(
                    v,
                    (*t).into(),
                    match r.adjust {
                        Adjust::Bh => "fdr_bh",
                        Adjust::Holm => "holm",
                        Adjust::None => "none",
                    },
                )
            })
            .collect(),
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
    };
    render(&state, StatusCode::OK, "staff/compare", &view)
}
