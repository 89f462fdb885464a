//! Voices in the staff workspace: the codebook, the coding screen, quotes and the quote bank
//! with its search, ticks, saved selections and exports. Everything is scoped to the signed-in person's partnership.
//!
//! | route | roles |
//! |---|---|
//! | `GET /staff/themes`, `POST /staff/themes`, `POST /staff/themes/{id}/archive`, `POST /staff/redaction-names` | admin, analyst |
//! | `GET,POST /staff/waves/{slug}/coding` | admin, analyst |
//! | `GET /staff/waves/{slug}/transcripts`, `POST /staff/waves/{slug}/transcripts/{id}`, `GET /staff/answer-files/{id}` (recordings and pictures given as answers, and their transcripts) | admin, analyst |
//! | `POST /staff/waves/{slug}/quotes` (start a quote) | admin, analyst |
//! | `GET,POST /staff/quotes/{id}` | admin, analyst |
//! | `GET /staff/quotes`, `/staff/quotes/export`, `/staff/quotes/print` | admin, analyst, viewer |
//! | `GET /staff/quotes/selections/new`, `POST /staff/quotes/selections`, `POST /staff/quotes/selections/{id}/delete` | admin, analyst, viewer |

mod codebook;
mod coding;
mod quotes;
mod saved;
mod transcripts;

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::domain::text::UserText;
use crate::error::AppError;
use crate::models::account::Role;
use crate::models::voices::{self, QuoteFilter, Theme, ThemeInput};
use crate::models::{audit, framework, selections, survey};
use crate::routes::form::{read_checked as read_form, token as csrf};
use crate::routes::pages::see_other;
use crate::routes::pages::{Link, PageMeta, render};
use crate::routes::staff::{SignedIn, not_found, owned_wave, partnership_for as partnership_of};
use crate::state::AppState;
use crate::views::Choice;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/themes", web::get().to(codebook::themes_page))
        .route("/staff/themes", web::post().to(codebook::add_theme))
        .route("/staff/themes/{id}/archive", web::post().to(codebook::archive_theme))
        .route("/staff/redaction-names", web::post().to(codebook::save_names))
        .route("/staff/waves/{slug}/coding", web::get().to(coding::coding_page))
        .route("/staff/waves/{slug}/coding", web::post().to(coding::save_coding))
        .route("/staff/waves/{slug}/transcripts", web::get().to(transcripts::transcripts_page))
        .route("/staff/waves/{slug}/transcripts/{id}", web::post().to(transcripts::save_transcript))
        .route("/staff/answer-files/{id}", web::get().to(transcripts::answer_file))
        .route("/staff/waves/{slug}/quotes", web::post().to(quotes::start_quote))
        .route("/staff/quotes", web::get().to(quotes::bank_page))
        .route("/staff/quotes/export", web::get().to(quotes::export))
        .route("/staff/quotes/print", web::get().to(quotes::print))
        .route("/staff/quotes/selections/new", web::get().to(saved::new_page))
        .route("/staff/quotes/selections", web::post().to(saved::save))
        .route("/staff/quotes/selections/{id}/delete", web::post().to(saved::delete))
        .route("/staff/quotes/{id}", web::get().to(quotes::quote_page))
        .route("/staff/quotes/{id}", web::post().to(quotes::save_quote));
}

const EDITORS: [Role; 2] = [Role::Admin, Role::Analyst];
const READERS: [Role; 3] = [Role::Admin, Role::Analyst, Role::Viewer];
