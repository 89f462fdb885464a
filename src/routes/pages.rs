//! Rendering a page to a response, message pages and the front page. The layout's data and
//! the error page live in [`crate::views`] (re-exported here for the routes).

use actix_web::HttpResponse;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::web;
use serde::Serialize;

use crate::error::AppError;
use crate::state::AppState;
pub use crate::views::{KioskMeta, LangLink, Link, MessageView, NavLink, PageMeta, StaffNav, error_links};

/// Renders `template` with `data` as an HTML response with `status`. Pages are never stored
/// by browsers or proxies: a shared device must not show one person's answers to the next.
pub fn render<T: Serialize>(
    state: &AppState,
    status: actix_web::http::StatusCode,
    template: &str,
    data: &T,
) -> Result<HttpResponse, AppError> {
    let body = state.templates.render(template, data)?;
    Ok(HttpResponse::build(status)
        .insert_header((CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((CACHE_CONTROL, "no-store"))
        .body(body))
}

/// A message page with a heading, some lines and an optional link.
pub fn message(
    state: &AppState,
    status: actix_web::http::StatusCode,
    page: PageMeta,
    heading: &str,
    lines: Vec<String>,
    link: Option<Link>,
) -> Result<HttpResponse, AppError> {
    render(state, status, "respond/message", &MessageView { page, heading, lines, link })
}

#[derive(Serialize)]
struct HomeView {
    page: PageMeta,
    waves: Vec<Link>,
}

/// The front page: the surveys open now.
pub async fn home(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let open = state.db.run(|c| crate::models::survey::open_waves(c).map_err(AppError::from)).await?;
    let waves = open.into_iter().map(|(slug, title)| Link { href: format!("/s/{slug}"), text: title }).collect();
    render(
        &state,
        actix_web::http::StatusCode::OK,
        "home",
        &HomeView { page: PageMeta::new("Surveys open now"), waves },
    )
}

/// `303 See Other` to `location`: where every form post that worked sends the browser next.
pub fn see_other(location: impl Into<String>) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((actix_web::http::header::LOCATION, location.into())).finish()
}
