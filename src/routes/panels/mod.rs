//! Panel sessions in a room: young people join by code (`/join`, or the QR code's
//! `/join/CODE`), a shared tablet runs in kiosk mode (`/s/WAVE/next` between people,
//! `/kiosk/leave` with the
//! facilitator's PIN), and facilitators create sessions, show the join code and QR code, see
//! a live tally on a projector and reveal consented answers one by one (`/staff/...`).
//!
//! The tally shows a question's numbers only once at least [`TALLY_MINIMUM`] people have
//! answered it, so nobody's answer can be picked out in a small room; free text appears only
//! when a facilitator reveals an answer whose writer agreed to share it.

mod joining;
mod kiosk;
mod sessions;

use std::time::Duration;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use crate::domain::codes::JoinCode;
use crate::error::AppError;
use crate::models::account::{self, Role};
use crate::models::audit;
use crate::models::panel::{self, NewSession, Pin, SessionRow};
use crate::prefs::{KIOSK_COOKIE, Kiosk};
use crate::routes::form::{read_checked, token as csrf};
use crate::routes::pages::see_other;
use crate::routes::pages::{Link, PageMeta, message, render};
use crate::routes::respond::PANEL_COOKIE;
use crate::routes::staff::{OwnedWave, SignedIn, not_found, owned_wave};
use crate::state::AppState;
use crate::views::Choice;

/// The fewest answers to a question before the tally shows its numbers.
pub const TALLY_MINIMUM: i64 = 5;

const RUNNERS: [Role; 3] = [Role::Admin, Role::Analyst, Role::Facilitator];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/join", web::get().to(joining::join_page))
        .route("/join", web::post().to(joining::join_post))
        .route("/join/{code}", web::get().to(joining::join_link))
        .route("/kiosk/leave", web::get().to(kiosk::kiosk_leave_page))
        .route("/kiosk/leave", web::post().to(kiosk::kiosk_leave))
        .route("/staff/waves/{slug}/panels", web::get().to(sessions::sessions_page))
        .route("/staff/waves/{slug}/panels", web::post().to(sessions::create))
        .route("/staff/panels/{id}", web::get().to(sessions::session_page))
        .route("/staff/panels/{id}/tally", web::get().to(sessions::tally_page))
        .route("/staff/panels/{id}/present", web::get().to(sessions::present_page))
        .route("/staff/panels/{id}/events", web::get().to(sessions::events))
        .route("/staff/panels/{id}/reveal", web::post().to(sessions::reveal))
        .route("/staff/panels/{id}/end", web::post().to(sessions::end));
}

fn lang() -> String {
    crate::prefs::current().lang.unwrap_or_else(|| crate::i18n::DEFAULT_LANG.to_owned())
}

fn t(key: &str) -> String {
    crate::i18n::text(&lang(), key).to_owned()
}

/// The join link people type or scan.
pub fn join_url(state: &AppState, code: &str) -> String {
    format!("{}/join/{code}", state.settings.public_url.trim_end_matches('/'))
}

/// A QR code for `text` as inline SVG (made here, never from user input).
pub fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(240, 240)
                .dark_color(qrcode::render::svg::Color("#000000"))
                .light_color(qrcode::render::svg::Color("#ffffff"))
                .quiet_zone(true)
                .build();
            let body = svg.find("<svg").map(|i| &svg[i..]).unwrap_or(&svg);
            body.replacen("<svg ", "<svg class=\"qr\" aria-hidden=\"true\" focusable=\"false\" ", 1)
        }
        Err(_) => String::new(),
    }
}
