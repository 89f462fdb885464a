//! What every page shares: the layout's data, rendering to a response, and the error page.

use actix_web::HttpResponse;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::web;
use serde::Serialize;

use crate::error::AppError;
use crate::state::AppState;
use crate::templates;

/// The layout's data.
#[derive(Debug, Clone, Serialize)]
pub struct PageMeta {
    pub title: String,
    pub service: &'static str,
    pub partnership: Option<String>,
    pub stylesheet: String,
    pub back: Option<String>,
    pub error: bool,
    pub footer: &'static str,
    /// The staff navigation, on staff pages.
    pub staff: Option<StaffNav>,
    /// The staff stylesheet, on staff pages.
    pub staff_stylesheet: Option<String>,
}

/// What staff pages show in their header.
#[derive(Debug, Clone, Serialize)]
pub struct StaffNav {
    pub email: String,
    pub role: String,
    pub partnership: String,
    pub links: Vec<Link>,
    pub csrf: String,
}

pub const FOOTER: &str = "Heard: your answers help make things better for children and young people with SEND.";

impl PageMeta {
    pub fn new(title: impl Into<String>) -> Self {
        let stylesheet = templates::global().map(|t| t.stylesheet.url.clone()).unwrap_or_default();
        Self {
            title: title.into(),
            service: "Heard",
            partnership: None,
            stylesheet,
            back: None,
            error: false,
            footer: FOOTER,
            staff: None,
            staff_stylesheet: None,
        }
    }

    pub fn partnership(mut self, name: &str) -> Self {
        self.partnership = Some(name.to_owned());
        self
    }

    pub fn back(mut self, href: impl Into<String>) -> Self {
        self.back = Some(href.into());
        self
    }

    pub fn with_error(mut self, error: bool) -> Self {
        self.error = error;
        self
    }
}

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

#[derive(Serialize)]
struct MessageView<'a> {
    page: PageMeta,
    heading: &'a str,
    lines: Vec<String>,
    link: Option<Link>,
}

#[derive(Serialize, Clone, Debug)]
pub struct Link {
    pub href: String,
    pub text: String,
}

/// The error summary's link to the field in error, when there is an error.
pub fn error_links(error: &Option<String>, href: &str) -> Vec<Link> {
    error.iter().map(|e| Link { href: href.to_owned(), text: e.clone() }).collect()
}

/// The body of an error page. Falls back to plain HTML if templates cannot render.
pub fn error_page(heading: &str, message: &str) -> String {
    let view = MessageView {
        page: PageMeta::new(heading),
        heading,
        lines: message.lines().map(str::to_owned).filter(|l| !l.trim().is_empty()).collect(),
        link: Some(Link { href: "/".into(), text: "Go to the start".into() }),
    };
    templates::global().and_then(|t| t.render("respond/message", &view)).unwrap_or_else(|_| {
        format!(
            "<!DOCTYPE html><html lang=\"en-GB\"><title>{0}</title><h1>{0}</h1><p>{1}</p>",
            handlebars::html_escape(heading),
            handlebars::html_escape(message)
        )
    })
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
