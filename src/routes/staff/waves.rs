//! Surveys on the staff home: the list of series and waves, one wave's page (status,
//! versions, the next year's wave) and its easy-read report.

use super::*;
use crate::db::PartnershipId;
#[allow(clippy::wildcard_imports)]
#[derive(Serialize)]
struct HomeView {
    page: PageMeta,
    waves: Vec<survey::WaveListing>,
    partnership: Option<String>,
    all_partnerships: bool,
    can_upload: bool,
}

pub(super) async fn home(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    // A service lead's home is their service's page.
    if let (Some(Role::ServiceLead), Some(id)) = (who.staff.role(), &who.staff.service_id) {
        return Ok(crate::routes::pages::see_other(format!("/staff/services/{id}")));
    }
    let scope = who.scope();
    let waves = state.db.run(move |c| survey::waves_for(c, scope.as_ref()).map_err(AppError::from)).await?;
    let view = HomeView {
        page: who.page(&req, &state, "Surveys"),
        waves,
        partnership: who.staff.partnership_name.clone(),
        all_partnerships: who.staff.is_superadmin(),
        can_upload: who.require(&[Role::Admin, Role::Analyst]).is_ok(),
    };
    render(&state, StatusCode::OK, "staff/home", &view)
}

/// A wave the signed-in person may see, with its definition.
pub(crate) struct OwnedWave {
    pub(crate) partnership_id: PartnershipId,
    pub(crate) row: survey::WaveRow,
    pub(crate) def: std::sync::Arc<SurveyDefinition>,
}

/// A wave the signed-in person may see (see [`AppState::wave`]); any other is not found, so
/// staff of one partnership cannot learn which slugs another uses.
pub(crate) async fn owned_wave(state: &AppState, who: &SignedIn, slug: &str) -> Result<OwnedWave, AppError> {
    let wave = state.wave(slug).await?.ok_or_else(not_found)?;
    if !who.staff.can_see(&wave.partnership.id) {
        return Err(not_found());
    }
    Ok(OwnedWave { partnership_id: wave.partnership.id, row: wave.row, def: wave.definition })
}

#[derive(Serialize)]
struct WaveView {
    page: PageMeta,
    slug: String,
    label: String,
    status: String,
    series_title: String,
    counts: survey::WaveCounts,
    can_read: bool,
    can_edit: bool,
    csrf: String,
    opens: String,
    closes: String,
    statuses: Vec<StatusChoice>,
    previews: Vec<Link>,
    papers: Vec<Link>,
    next_slug: String,
    next_label: String,
    compare: String,
    trends: String,
    evidence: String,
}

#[derive(Serialize)]
struct StatusChoice {
    value: &'static str,
    text: &'static str,
    selected: bool,
}

pub(super) async fn wave(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&[Role::Admin, Role::Analyst, Role::Viewer, Role::Facilitator])?;
    let w = owned_wave(&state, &who, &path).await?;
    let id = w.row.id.clone();
    let counts = state.db.run(move |c| survey::wave_counts(c, &id).map_err(AppError::from)).await?;
    let view = WaveView {
        page: who.page(&req, &state, format!("{} {}", w.def.series.title, w.row.label)).back("/staff"),
        slug: w.row.slug.clone(),
        label: w.row.label.clone(),
        status: w.row.status.clone(),
        series_title: w.def.series.title.clone(),
        counts,
        can_read: who.require(&[Role::Admin, Role::Analyst]).is_ok(),
        can_edit: who.require(&[Role::Admin, Role::Analyst]).is_ok(),
        csrf: csrf(&state, &req),
        opens: w.row.opens_at.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
        closes: w.row.closes_at.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
        statuses: [
            ("draft", "Draft: not open to anyone"),
            ("open", "Open: taking answers"),
            ("closed", "Closed: no more answers"),
        ]
        .into_iter()
        .map(|(value, text)| StatusChoice { value, text, selected: w.row.status == value })
        .collect(),
        previews: w
            .def
            .audiences
            .iter()
            .map(|a| Link {
                href: format!("/staff/waves/{}/preview/{}/1", w.row.slug, a.key),
                text: format!("Preview as {}", a.name.to_lowercase()),
            })
            .collect(),
        papers: w
            .def
            .audiences
            .iter()
            .map(|a| Link {
                href: format!("/staff/waves/{}/paper/{}", w.row.slug, a.key),
                text: format!("Paper version for {}", a.name.to_lowercase()),
            })
            .collect(),
        next_slug: next_slug(&w.row.slug, &w.row.label).0,
        next_label: next_slug(&w.row.slug, &w.row.label).1,
        compare: format!("/staff/series/{}/compare", w.def.series.slug),
        trends: format!("/staff/series/{}/trends", w.def.series.slug),
        evidence: format!("/staff/series/{}/evidence", w.def.series.slug),
    };
    render(&state, StatusCode::OK, "staff/wave", &view)
}

#[derive(Serialize)]
pub(crate) struct FindingView {
    level: &'static str,
    rule: &'static str,
    field: String,
    message: String,
    preview: Option<String>,
}

#[derive(Serialize)]
struct VersionView {
    heading: String,
    summary: String,
    skipped: Option<&'static str>,
    findings: Vec<FindingView>,
}

#[derive(Serialize)]
struct EasyReadView {
    page: PageMeta,
    versions: Vec<VersionView>,
}

/// The easy-read checker's advice for findings, as the page and the preview show it.
pub(crate) fn finding_views(
    def: &SurveyDefinition,
    slug: &str,
    r: &crate::domain::easyread::VersionReport,
) -> Vec<FindingView> {
    let pages = def.all_pages(&r.audience);
    let mut findings = r.findings.clone();
    findings.sort_by_key(|f| f.level);
    findings
        .into_iter()
        .map(|f| FindingView {
            level: f.level.word(),
            rule: f.rule,
            preview: f
                .question
                .as_ref()
                .and_then(|k| pages.iter().position(|p| p.iter().any(|q| q.key.as_str() == k)))
                .map(|i| format!("/staff/waves/{slug}/preview/{}/{}", r.audience, i + 1)),
            field: f.field,
            message: f.message,
        })
        .collect()
}

/// `GET /staff/waves/{slug}/easy-read`: the easy-read checker over every audience's version
/// in every language.
pub(super) async fn easy_read(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    use crate::domain::easyread::{Level, Reader, check_survey};
    who.require(&[Role::Admin, Role::Analyst, Role::Viewer, Role::Facilitator])?;
    let w = owned_wave(&state, &who, &path).await?;
    let versions = check_survey(&w.def)
        .iter()
        .map(|r| {
            let audience = w.def.audience(&r.audience).map(|a| a.name.clone()).unwrap_or_else(|| r.audience.clone());
            let language = crate::i18n::catalogue(&r.language).map(|c| c.name.clone()).unwrap_or(r.language.clone());
            let style = if r.reader == Reader::YoungPeople { "easy read" } else { "plain English" };
            let (e, wn, i) = (r.count(Level::Error), r.count(Level::Warning), r.count(Level::Info));
            VersionView {
                heading: format!("{audience}, {language} ({style})"),
                summary: format!(
                    "{}{}",
                    r.reading_age.map(|a| format!("Reading age about {a:.0} (a rough guide). ")).unwrap_or_default(),
                    if e + wn + i == 0 {
                        "Nothing to change.".to_owned()
                    } else {
                        format!("{e} must fix, {wn} should fix, {i} to look at.")
                    }
                ),
                skipped: r.skipped,
                findings: finding_views(&w.def, &w.row.slug, r),
            }
        })
        .collect();
    let view = EasyReadView {
        page: who
            .page(&req, &state, format!("Easy-read check: {} {}", w.def.series.title, w.row.label))
            .back(format!("/staff/waves/{}", w.row.slug)),
        versions,
    };
    render(&state, StatusCode::OK, "staff/easy_read", &view)
}

/// A guess at next year's slug and label: the label's year plus one, when there is one.
fn next_slug(slug: &str, label: &str) -> (String, String) {
    match label.trim().parse::<i32>() {
        Ok(year) => {
            let next = (year + 1).to_string();
            let s = if slug.ends_with(label.trim()) {
                format!("{}{next}", &slug[..slug.len() - label.trim().len()])
            } else {
                format!("{slug}-{next}")
            };
            (s, next)
        }
        Err(_) => (format!("{slug}-next"), String::new()),
    }
}
