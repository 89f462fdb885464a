//! The partnership's six-weekly review, for staff: its rating scales, the reviews that rate
//! every outcome statement, the measures dashboard, notes from other sources, and the pledge
//! services with their standing feedback surveys and scorecards. Reading is for admins, analysts and
//! viewers; rating and measures for admins and analysts; scales and agreeing a review for
//! admins. A superadmin names the partnership with `?partnership=SLUG`.
//!
//! | route | roles |
//! |---|---|
//! | `GET /staff/scales`, `GET,POST /staff/scales/new`, `GET,POST /staff/scales/{id}` | admin |
//! | `GET /staff/reviews`, `GET /staff/reviews/{id}` | admin, analyst, viewer |
//! | `POST /staff/reviews`, `POST /staff/reviews/{id}` (ratings) | admin, analyst |
//! | `POST /staff/reviews/{id}/agree` | admin |
//! | `GET /staff/measures`, `GET /staff/measures/{id}` | admin, analyst, viewer |
//! | `GET /staff/notes` | admin, analyst, viewer |
//! | `GET /staff/services`, `GET /staff/services/{id}` (the scorecard) | admin, analyst, viewer |
//! | `GET /staff/services/{id}` (their own service only) | its service lead |
//! | `POST /staff/services` (a service and its standing feedback survey) | admin |
//! | `POST /staff/services/{id}/leads` (a sign-in for the service's lead) | admin |
//! | `POST /staff/notes`, `POST /staff/measures/{id}/outcomes` | admin, analyst |
//! | `POST /staff/measures` (a dashboard CSV, multipart), `POST /staff/measures/new`, `POST /staff/measures/{id}` (a value) | admin, analyst |

mod measures;
mod notes;
mod reviews;
mod scales;
mod services;

use actix_web::web;
use serde::Deserialize;

use crate::error::AppError;
use crate::models::account::Role;
use crate::models::framework::Partnership;
use crate::routes::staff::SignedIn;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/scales", web::get().to(scales::list))
        .route("/staff/scales/new", web::get().to(scales::new_page))
        .route("/staff/scales/new", web::post().to(scales::save_new))
        .route("/staff/scales/{id}", web::get().to(scales::edit_page))
        .route("/staff/scales/{id}", web::post().to(scales::save))
        .route("/staff/reviews", web::get().to(reviews::list))
        .route("/staff/reviews", web::post().to(reviews::start))
        .route("/staff/reviews/{id}", web::get().to(reviews::show))
        .route("/staff/reviews/{id}", web::post().to(reviews::rate))
        .route("/staff/reviews/{id}/agree", web::post().to(reviews::agree))
        .route("/staff/measures", web::get().to(measures::list))
        .route("/staff/measures", web::post().to(measures::import))
        .route("/staff/measures/new", web::post().to(measures::add))
        .route("/staff/measures/{id}", web::get().to(measures::show))
        .route("/staff/measures/{id}", web::post().to(measures::add_value))
        .route("/staff/measures/{id}/outcomes", web::post().to(measures::set_outcomes))
        .route("/staff/notes", web::get().to(notes::list))
        .route("/staff/notes", web::post().to(notes::add))
        .route("/staff/services", web::get().to(services::list))
        .route("/staff/services", web::post().to(services::add))
        .route("/staff/services/{id}", web::get().to(services::show))
        .route("/staff/services/{id}/leads", web::post().to(services::add_lead));
}

const READERS: [Role; 3] = [Role::Admin, Role::Analyst, Role::Viewer];
const WRITERS: [Role; 2] = [Role::Admin, Role::Analyst];
const ADMINS: [Role; 1] = [Role::Admin];

#[derive(Deserialize)]
pub(super) struct PartnershipQuery {
    partnership: Option<String>,
}

/// The partnership the page works on, after checking the person's role.
async fn partnership(
    state: &AppState,
    who: &SignedIn,
    q: &PartnershipQuery,
    roles: &[Role],
) -> Result<Partnership, AppError> {
    who.require(roles)?;
    crate::routes::staff::partnership_for(state, who, q.partnership.as_deref()).await
}

/// A date typed as `YYYY-MM-DD` (what a date field sends), or the problem in words.
fn date(raw: &str, what: &str) -> Result<chrono::NaiveDate, String> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(format!("Enter {what}."));
    }
    chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .filter(|d| (1990..=2200).contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| format!("Enter {what} as a real date, like 2024-03-15."))
}

/// A date as people read it: "15 March 2024".
fn long_date(d: chrono::NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}
