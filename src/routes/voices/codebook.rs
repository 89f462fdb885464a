//! The codebook: themes (added, archived) and the names redaction always hides.

#[allow(clippy::wildcard_imports)]
use super::*;

#[derive(Serialize)]
pub(super) struct ThemesView {
    page: PageMeta,
    csrf: String,
    themes: Vec<Theme>,
    names: String,
    error: Option<String>,
    errors: Vec<Link>,
}

#[derive(Deserialize)]
pub(super) struct PartnershipQuery {
    partnership: Option<String>,
}

pub(super) async fn themes_view(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    p: &framework::Partnership,
    error: Option<String>,
) -> Result<ThemesView, AppError> {
    let pid = p.id.clone();
    let (themes, names) = state
        .db
        .run(move |c| -> Result<_, AppError> {
            Ok((voices::themes_for(c, &pid, true)?, voices::redaction_list(c, &pid)?))
        })
        .await?;
    Ok(ThemesView {
        page: who.page(req, state, "Codebook").with_error(error.is_some()),
        csrf: csrf(state, req),
        themes,
        names: names.join("\n"),
        errors: crate::routes::pages::error_links(&error, "#name"),
        error,
    })
}

pub(super) async fn themes_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<PartnershipQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&EDITORS)?;
    let p = partnership_of(&state, &who, q.partnership.as_deref()).await?;
    let view = themes_view(&state, &req, &who, &p, None).await?;
    render(&state, StatusCode::OK, "staff/themes", &view)
}

pub(super) fn short_text(raw: &str, max: usize, what: &str) -> Result<String, String> {
    UserText::parse(raw, max, false).map(UserText::into_string).map_err(|e| format!("{what}: {e}"))
}

pub(super) async fn add_theme(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<PartnershipQuery>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = read_form(&state, &req, body).await?;
    who.require(&EDITORS)?;
    let p = partnership_of(&state, &who, q.partnership.as_deref()).await?;
    let parsed = (|| -> Result<ThemeInput, String> {
        let name = short_text(f.get("name").unwrap_or(""), 80, "Name")?;
        if name.is_empty() {
            return Err("Give the theme a name.".into());
        }
        Ok(ThemeInput {
            name,
            description: short_text(f.get("description").unwrap_or(""), 500, "Description")?,
            keywords: voices::split_list(&short_text(f.get("keywords").unwrap_or(""), 500, "Keywords")?),
            priorities: f.get("priorities").unwrap_or("").split_whitespace().map(str::to_owned).collect(),
            values: f.get("values").unwrap_or("").split_whitespace().map(str::to_owned).collect(),
        })
    })();
    let input = match parsed {
        Ok(i) => i,
        Err(message) => {
            let view = themes_view(&state, &req, &who, &p, Some(message)).await?;
            return render(&state, StatusCode::BAD_REQUEST, "staff/themes", &view);
        }
    };
    let pid = p.id.clone();
    let codes = state.db.run(move |c| framework::codes(c, &pid).map_err(AppError::from)).await?;
    if let Some(bad) = input
        .priorities
        .iter()
        .find(|c| !codes.priorities.contains(*c))
        .or_else(|| input.values.iter().find(|c| !codes.values.contains(*c)))
    {
        let view = themes_view(
            &state,
            &req,
            &who,
            &p,
            Some(format!("{bad:?} is not a priority or value code of {}.", p.name)),
        )
        .await?;
        return render(&state, StatusCode::BAD_REQUEST, "staff/themes", &view);
    }
    let (pid, staff) = (p.id.clone(), who.staff.clone());
    let added = state
        .db
        .write(move |c| -> Result<String, AppError> {
            let id = voices::add_theme(c, &pid, &input)?;
            audit::record(
                c,
                &staff.actor(),
                Some(&pid),
                audit::Action::ThemeAdded,
                &serde_json::json!({"name": input.name}),
            )?;
            Ok(id)
        })
        .await;
    match added {
        Ok(_) => Ok(see_other(format!("/staff/themes{}", who.partnership_suffix(&p)))),
        Err(AppError::Conflict(message)) => {
            let view = themes_view(&state, &req, &who, &p, Some(message.to_string())).await?;
            render(&state, StatusCode::CONFLICT, "staff/themes", &view)
        }
        Err(e) => Err(e),
    }
}

pub(super) async fn archive_theme(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = read_form(&state, &req, body).await?;
    who.require(&EDITORS)?;
    let id = path.into_inner();
    let t = {
        let id = id.clone();
        state.db.run(move |c| voices::theme(c, &id).map_err(AppError::from)).await?.ok_or_else(not_found)?
    };
    if !who.staff.can_see(&t.partnership_id) {
        return Err(not_found());
    }
    let archive = f.get("archive") != Some("no");
    let staff = who.staff.clone();
    let pid = t.partnership_id.clone();
    state
        .db
        .write(move |c| -> Result<(), AppError> {
            voices::set_theme_archived(c, &id, archive)?;
            audit::record(
                c,
                &staff.actor(),
                Some(&pid),
                if archive { audit::Action::ThemeArchived } else { audit::Action::ThemeRestored },
                &serde_json::json!({"name": t.name}),
            )?;
            Ok(())
        })
        .await?;
    Ok(see_other("/staff/themes"))
}

pub(super) async fn save_names(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<PartnershipQuery>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = read_form(&state, &req, body).await?;
    who.require(&EDITORS)?;
    let p = partnership_of(&state, &who, q.partnership.as_deref()).await?;
    let raw = f.get("names").unwrap_or("");
    let names: Vec<String> = match UserText::parse(raw, 20_000, true) {
        Ok(t) => t.as_str().lines().map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()).collect(),
        Err(e) => {
            let view = themes_view(&state, &req, &who, &p, Some(format!("Names: {e}"))).await?;
            return render(&state, StatusCode::BAD_REQUEST, "staff/themes", &view);
        }
    };
    let (pid, staff) = (p.id.clone(), who.staff.clone());
    state
        .db
        .write(move |c| -> Result<(), AppError> {
            voices::set_redaction_list(c, &pid, &names)?;
            audit::record(
                c,
                &staff.actor(),
                Some(&pid),
                audit::Action::RedactionNamesChanged,
                &serde_json::json!({"count": names.len()}),
            )?;
            Ok(())
        })
        .await?;
    Ok(see_other(format!("/staff/themes{}", who.partnership_suffix(&p))))
}
