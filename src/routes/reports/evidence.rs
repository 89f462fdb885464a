//! The evidence pack: per priority, its outcome statements, index, questions, top themes,
//! quotes and a suggested rating staff can overrule with a note; as a page, JSON, CSV or Word.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::{Report, ReportQuery, build_report};
use crate::error::AppError;
use crate::exports::evidence::{evidence_csv, evidence_docx};
use crate::models::account::Role;
use crate::models::{framework, survey};
use crate::report::{EvidenceData, EvidencePriority, ThemeCount, board_row, index_row, question_row, summary, tagged};
use crate::routes::pages::{Link, PageMeta, render};
use crate::routes::staff::SignedIn;
use crate::state::AppState;
use crate::stats::compare::QuestionResult;

async fn evidence_data(state: &AppState, r: &Report, with_charts: bool) -> Result<EvidenceData, AppError> {
    use crate::models::{evidence, voices};
    let pid = r.series.partnership_id.clone();
    let (series_id, from, to, audience) = (r.series.id.clone(), r.from.clone(), r.to.clone(), r.audience.clone());
    let to_slug = r.to.clone();
    let (labels, fw, partnership_name, themes, counts, overrides, quotes) = state
        .db
        .run(move |c| -> Result<_, AppError> {
            let name = framework::partnership_name(c, &pid)?;
            let later = survey::wave_owner(c, &to_slug)?;
            let filter = voices::QuoteFilter {
                wave: Some(to_slug.clone()),
                audience: (audience != "all-audiences").then(|| audience.clone()),
                ..Default::default()
            };
            Ok((
                framework::labels(c, &pid)?,
                framework::framework(c, &pid)?,
                name,
                voices::themes_for(c, &pid, true)?,
                match later {
                    Some(w) => voices::theme_counts(c, &w.wave)?,
                    None => Vec::new(),
                },
                evidence::overrides(c, &series_id, &from, &to, &audience)?,
                voices::bank(c, &pid, &filter)?,
            ))
        })
        .await?;
    let case = &r.case;
    let later = &case.years[1];
    let priorities: Vec<EvidencePriority> = labels
        .0
        .iter()
        .map(|p| {
            let questions: Vec<&QuestionResult> =
                case.questions.iter().filter(|q| tagged(q, "priority", &p.code)).collect();
            let suggested = evidence::suggest(&questions, later);
            let mut tally: Vec<ThemeCount> = themes
                .iter()
                .filter(|t| t.priorities().contains(&p.code))
                .map(|t| ThemeCount {
                    theme: t.name.clone(),
                    answers: counts
                        .iter()
                        .filter(|(id, _, aud, _)| id == &t.id && (r.audience == "all-audiences" || aud == &r.audience))
                        .map(|(_, _, _, n)| n)
                        .sum(),
                })
                .filter(|t| t.answers > 0)
                .collect();
            tally.sort_by(|a, b| b.answers.cmp(&a.answers).then(a.theme.cmp(&b.theme)));
            tally.truncate(3);
            EvidencePriority {
                code: p.code.clone(),
                title: p.title.clone(),
                outcomes: fw
                    .outcomes
                    .iter()
                    .filter(|o| o.detail == p.code && !o.archived)
                    .map(|o| o.text.clone())
                    .collect(),
                index: case
                    .composites
                    .iter()
                    .flatten()
                    .find(|c| c.id == format!("priority:{}", p.code))
                    .map(|c| index_row(case, c)),
                questions: questions
                    .iter()
                    .map(|q| {
                        let mut row = question_row(case, q);
                        if !with_charts {
                            row.chart = None;
                        }
                        row
                    })
                    .collect(),
                themes: tally,
                quotes: quotes.iter().filter(|q| q.priorities.contains(&p.code)).take(3).cloned().collect(),
                suggested: suggested.as_str(),
                suggested_meaning: suggested.meaning(),
                staff: overrides.iter().find(|o| o.priority_code == p.code).cloned(),
            }
        })
        .collect();
    Ok(EvidenceData {
        partnership: partnership_name,
        series: r.series.title.clone(),
        years: case.years.clone(),
        audience: {
            let who =
                if r.audience == "all-audiences" { "everyone together".into() } else { r.audience.replace('-', " ") };
            // Under a filter the pack says whom it counts ("everyone together (Channel: Paper)").
            let described = r.described();
            if described.is_empty() { who } else { format!("{who} ({})", described.join("; ")) }
        },
        summary: summary(case),
        board: priorities.iter().map(board_row).collect(),
        priorities,
        rule: [
            evidence::Brag::Blue,
            evidence::Brag::Green,
            evidence::Brag::Amber,
            evidence::Brag::Red,
            evidence::Brag::None,
        ]
        .iter()
        .map(|b| (b.as_str().to_owned(), b.meaning().to_owned()))
        .collect(),
    })
}

#[derive(Deserialize)]
pub(super) struct EvidenceQuery {
    from: Option<String>,
    to: Option<String>,
    audience: Option<String>,
    adjust: Option<String>,
    suppress_below: Option<String>,
    caution_below: Option<String>,
    format: Option<String>,
    #[serde(flatten)]
    who: super::WhoQuery,
}

#[derive(Serialize)]
struct EvidenceView {
    page: PageMeta,
    pack: EvidenceData,
    csrf: String,
    can_rate: bool,
    action: String,
    ratings: Vec<&'static str>,
    downloads: Vec<Link>,
}

pub(super) async fn evidence(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<EvidenceQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    use actix_web::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
    let rq = ReportQuery {
        from: q.from.clone(),
        to: q.to.clone(),
        audience: q.audience.clone(),
        adjust: q.adjust.clone(),
        suppress_below: q.suppress_below.clone(),
        caution_below: q.caution_below.clone(),
        who: q.who.clone(),
    };
    let r = build_report(&state, &who, &path, &rq).await?;
    let format = q.format.clone().unwrap_or_else(|| "html".into());
    let pack = evidence_data(&state, &r, format == "html").await?;
    let file = |bytes: Vec<u8>, content_type: &str, ext: &str| {
        HttpResponse::Ok()
            .insert_header((CONTENT_TYPE, content_type.to_owned()))
            .insert_header((
                CONTENT_DISPOSITION,
                crate::exports::attachment(
                    &format!("{}-evidence-{}-{}", r.series.slug, pack.years[0], pack.years[1]),
                    ext,
                ),
            ))
            .insert_header((CACHE_CONTROL, "no-store"))
            .body(bytes)
    };
    match format.as_str() {
        "json" => Ok(HttpResponse::Ok().insert_header((CACHE_CONTROL, "no-store")).json(&pack)),
        "csv" => Ok(file(evidence_csv(&pack).map_err(AppError::internal)?, "text/csv; charset=utf-8", "csv")),
        "docx" => Ok(file(
            evidence_docx(&pack).map_err(AppError::internal)?,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
        )),
        "html" => {
            let query = r.query();
            let view = EvidenceView {
                page: who
                    .page(
                        &req,
                        &state,
                        format!("Evidence pack: {} {} to {}", pack.series, pack.years[0], pack.years[1]),
                    )
                    .back(format!("/staff/series/{}/compare?{query}", r.series.slug)),
                csrf: crate::routes::form::token(&state, &req),
                can_rate: who.require(&[Role::Admin, Role::Analyst]).is_ok(),
                action: format!("/staff/series/{}/evidence/brag?{query}", r.series.slug),
                ratings: vec!["Blue", "Green", "Amber", "Red"],
                downloads: [("docx", "Word (DOCX)"), ("csv", "Numbers (CSV)"), ("json", "JSON")]
                    .iter()
                    .map(|(f, t)| Link {
                        href: format!("/staff/series/{}/evidence?{query}&format={f}", r.series.slug),
                        text: (*t).into(),
                    })
                    .collect(),
                pack,
            };
            render(&state, StatusCode::OK, "staff/evidence", &view)
        }
        other => {
            Err(AppError::BadRequest(format!("{other:?} is not a format: choose html, docx, csv or json.").into()))
        }
    }
}

pub(super) async fn set_brag(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<ReportQuery>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    use crate::models::evidence::{self, Brag};
    let f = crate::routes::form::read_checked(&state, &req, body).await?;
    who.require(&[Role::Admin, Role::Analyst])?;
    let r = build_report(&state, &who, &path, &q).await?;
    let code = f.get("priority").unwrap_or("").to_owned();
    let pid = r.series.partnership_id.clone();
    let codes = state.db.run(move |c| framework::codes(c, &pid).map_err(AppError::from)).await?;
    if !codes.priorities.contains(&code) {
        return Err(AppError::BadRequest("Choose one of the framework's priorities.".into()));
    }
    let rating = match f.get("rating").unwrap_or("") {
        "suggested" => None,
        other => Some(Brag::parse(other).ok_or_else(|| {
            AppError::BadRequest("Choose Blue, Green, Amber or Red, or the suggested rating.".into())
        })?),
    };
    let note = crate::domain::text::UserText::parse(f.get("note").unwrap_or(""), 1000, true)
        .map_err(|e| AppError::BadRequest(e.to_string().into()))?
        .into_string();
    if rating.is_some() && note.is_empty() {
        return Err(AppError::BadRequest(
            "Say why you are changing the rating: the note is shown in the evidence pack.".into(),
        ));
    }
    let (sid, from, to, aud, staff, partnership) = (
        r.series.id.clone(),
        r.from.clone(),
        r.to.clone(),
        r.audience.clone(),
        who.staff.clone(),
        r.series.partnership_id.clone(),
    );
    state
        .db
        .write(move |c| -> Result<(), AppError> {
            evidence::set_override(c, &sid, &from, &to, &aud, &code, rating, &note, &staff.email)?;
            crate::models::audit::record(
                c,
                &staff.actor(),
                Some(&partnership),
                crate::models::audit::Action::BragSet,
                &serde_json::json!({"priority": code, "rating": rating.map(Brag::as_str), "from": from, "to": to}),
            )?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/staff/series/{}/evidence?{}", r.series.slug, r.query()),
        ))
        .finish())
}
