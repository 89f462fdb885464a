//! Display settings (`/settings`) and the language switcher (`/language`). Both only set a
//! cookie on this device and send the visitor back where they were; both work without
//! JavaScript. See [`crate::prefs`].

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::form::{read_checked, token};
use super::pages::{PageMeta, render};
use crate::error::AppError;
use crate::prefs::{self, Display};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/settings").route(web::get().to(show)).route(web::post().to(save)))
        .service(web::resource("/language").route(web::get().to(language)));
}

#[derive(serde::Deserialize)]
struct BackQuery {
    back: Option<String>,
    saved: Option<String>,
}

#[derive(Serialize)]
struct SettingsView {
    page: PageMeta,
    csrf: String,
    back: String,
    saved: bool,
    display: Display,
}

fn page_lang() -> String {
    prefs::current().lang.unwrap_or_else(|| crate::i18n::DEFAULT_LANG.to_owned())
}

async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<BackQuery>,
) -> Result<HttpResponse, AppError> {
    let lang = page_lang();
    let back = prefs::safe_back(query.back.as_deref());
    let view = SettingsView {
        page: PageMeta::new(crate::i18n::text(&lang, "settings_title")).lang(&lang).back(back.clone()),
        csrf: token(&state, &req),
        saved: query.saved.is_some(),
        display: prefs::current().display,
        back,
    };
    render(&state, StatusCode::OK, "settings", &view)
}

fn long_cookie(state: &AppState, name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .same_site(SameSite::Lax)
        .http_only(true)
        .secure(state.settings.secure_cookies)
        .max_age(CookieDuration::days(365))
        .finish()
}

async fn save(state: web::Data<AppState>, req: HttpRequest, body: web::Payload) -> Result<HttpResponse, AppError> {
    let form = read_checked(&state, &req, body).await?;
    let chosen = form.all("display");
    let on = |v: &str| chosen.contains(&v);
    let display = Display {
        large_text: on("text"),
        high_contrast: on("contrast"),
        spacing: on("spacing"),
        reduced_motion: on("motion"),
    };
    let back = prefs::safe_back(form.get("back"));
    let mut res = HttpResponse::SeeOther()
        .insert_header((LOCATION, format!("/settings?saved=1&back={}", urlencoding::encode(&back))))
        .finish();
    let cookie = if display.is_default() {
        let mut c = long_cookie(&state, prefs::DISPLAY_COOKIE, String::new());
        c.make_removal();
        c
    } else {
        long_cookie(&state, prefs::DISPLAY_COOKIE, display.to_cookie())
    };
    res.add_cookie(&cookie).map_err(AppError::internal)?;
    Ok(res)
}

#[derive(serde::Deserialize)]
struct LanguageQuery {
    to: Option<String>,
    back: Option<String>,
}

/// `GET /language?to=pl&back=/s/...`: remembers the language and goes back. A link, not a
/// form, so it works everywhere; it changes nothing but this device's cookie.
async fn language(state: web::Data<AppState>, query: web::Query<LanguageQuery>) -> Result<HttpResponse, AppError> {
    let to = query.to.as_deref().unwrap_or("");
    let Some(catalogue) = crate::i18n::catalogue(to) else {
        let known: Vec<String> =
            crate::i18n::catalogues().iter().map(|c| format!("{} ({})", c.name, c.language)).collect();
        return Err(AppError::BadRequest(crate::error::Words::key_with("error_no_language", [known.join(", ")])));
    };
    let back = prefs::safe_back(query.back.as_deref());
    let mut res = HttpResponse::SeeOther().insert_header((LOCATION, back)).finish();
    res.add_cookie(&long_cookie(&state, prefs::LANG_COOKIE, catalogue.language.clone())).map_err(AppError::internal)?;
    Ok(res)
}
