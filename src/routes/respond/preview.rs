//! Staff preview: every question page as each audience sees it, for any wave status.

use super::*;

/// `GET/POST /staff/waves/{slug}/preview/{audience}/{n}` (every staff role that can see the
/// wave). Continue moves to the next question; nothing is stored.
pub fn configure_preview(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/waves/{slug}/preview/{audience}/{n}", web::get().to(preview))
        .route("/staff/waves/{slug}/preview/{audience}/{n}", web::post().to(preview_next));
}

pub(super) async fn preview_target(
    state: &AppState,
    who: &crate::routes::staff::SignedIn,
    slug: &str,
    audience: &str,
) -> Result<Visit, AppError> {
    let not_found =
        || AppError::NotFound("There is nothing at this address, or it belongs to another partnership.".into());
    let visit = load_any(state, slug).await?;
    let id = visit.wave.id.clone();
    let owner = state.db.run(move |c| survey_model::wave_owner_by_id(c, &id).map_err(AppError::from)).await?;
    if !owner.is_some_and(|p| who.staff.can_see(&p)) || visit.def.audience(audience).is_none() {
        return Err(not_found());
    }
    Ok(visit)
}

pub(super) async fn preview(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String, usize)>,
    who: crate::routes::staff::SignedIn,
) -> Result<HttpResponse, AppError> {
    let (slug, audience, n) = path.into_inner();
    let visit = preview_target(&state, &who, &slug, &audience).await?;
    // Preview every page the audience could be shown, routing ignored.
    let all = visit.def.all_pages(&audience);
    let Some(group) = n.checked_sub(1).and_then(|i| all.get(i)) else {
        return Err(AppError::NotFound(format!("This audience has {} question pages.", all.len()).into()));
    };
    let q = group[0];
    let base = format!("/staff/waves/{slug}/preview/{audience}");
    let shown = Shown {
        question: q,
        group: group.clone(),
        position: n,
        total: all.len(),
        back: if n > 1 { format!("{base}/{}", n - 1) } else { format!("/staff/waves/{slug}") },
    };
    let mut view = question_view(&state, &req, &visit, &shown, &audience, None, None, None, false);
    grid_page(&mut view, &visit, &shown, &audience, &Answers::new(), &GridInput::default());
    view.action = format!("{base}/{n}");
    view.preview = Some(format!(
        "Preview of what {} see{}. Nothing you choose is saved.",
        visit.def.audience(&audience).map(|a| a.name.to_lowercase()).unwrap_or_default(),
        q.show_if
            .as_ref()
            .map(|r| format!(" (only shown when {} is {})", r.question, r.any_of.join(" or ")))
            .unwrap_or_default()
    ));
    view.page.title = format!("Preview: {}", view.page.title);
    attach_media(&state, &visit, &audience, q.key.as_str(), &mut view).await?;
    let lang = visit.lang(Some(&audience));
    let reader = if visit.def.audience(&audience).is_some_and(|a| a.easy_read) {
        crate::domain::easyread::Reader::YoungPeople
    } else {
        crate::domain::easyread::Reader::Parents
    };
    let mut report = crate::domain::easyread::check_version(&visit.def, &audience, &lang, reader);
    report.findings.retain(|f| group.iter().any(|q| f.question.as_deref() == Some(q.key.as_str())));
    let findings = crate::routes::staff::finding_views(&visit.def, &slug, &report);
    view.advice = Some(Advice {
        summary: if findings.is_empty() {
            "The easy-read checker has no advice on this question.".into()
        } else {
            format!(
                "The easy-read checker has {} for this question:",
                if findings.len() == 1 {
                    "1 piece of advice".to_owned()
                } else {
                    format!("{} pieces of advice", findings.len())
                }
            )
        },
        report: format!("/staff/waves/{slug}/easy-read"),
        findings,
    });
    render(&state, StatusCode::OK, "respond/question", &view)
}

pub(super) async fn preview_next(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String, usize)>,
    body: web::Payload,
    who: crate::routes::staff::SignedIn,
) -> Result<HttpResponse, AppError> {
    read_checked_form(&state, &req, body).await?;
    let (slug, audience, n) = path.into_inner();
    let visit = preview_target(&state, &who, &slug, &audience).await?;
    let total = visit.def.all_pages(&audience).len();
    Ok(see_other(if n < total {
        format!("/staff/waves/{slug}/preview/{audience}/{}", n + 1)
    } else {
        format!("/staff/waves/{slug}")
    }))
}
