//! The staff workspace. Everyone signs in at `/staff/sign-in`; sessions live in the database
//! (several instances share them) behind an HttpOnly cookie scoped to `/staff`. Every query is
//! scoped to the signed-in person's partnership: an id from another partnership answers 404,
//! exactly like an id that does not exist, so nothing can be guessed.
//!
//! | route | roles |
//! |---|---|
//! | `GET /staff` | every role |
//! | `GET,POST /staff/sign-in`, `POST /staff/sign-out` | anyone / the signed-in person |
//! | `GET /staff/waves/{slug}` | every role |
//! | `GET /staff/waves/{slug}/responses` | admin, analyst |
//! | `GET /staff/responses/{id}` | admin, analyst |
//! | `POST /staff/responses/{id}/delete` | admin, analyst |
//! | `GET /staff/audit` | admin |
//!
//! A superadmin may do everything, for every partnership.

mod audit_log;
mod own_sessions;
mod responses;
mod session;
mod two_factor;
mod waves;

pub(crate) use session::{browser_of as browser_name, signed_in as signed_in_response};
pub(crate) use waves::{FindingView, OwnedWave, finding_views, owned_wave};

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::db::PartnershipId;
use crate::domain::SurveyDefinition;
use crate::domain::text::UserText;
use crate::error::AppError;
use crate::models::account::{self, Role, SignIn, Staff};
use crate::models::{audit, response, survey};
use crate::routes::form::token as csrf;
use crate::routes::pages::{Link, NavLink, PageMeta, StaffNav, render};
use crate::state::AppState;

pub const STAFF_COOKIE: &str = "heard_staff";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/staff")
            .route("", web::get().to(waves::home))
            .route("/sign-in", web::get().to(session::sign_in_page))
            .route("/sign-in", web::post().to(session::sign_in))
            .route("/sign-out", web::post().to(session::sign_out))
            .route("/sign-in/code", web::get().to(two_factor::code_page))
            .route("/sign-in/code", web::post().to(two_factor::code))
            .route("/sign-in/set-up", web::get().to(two_factor::set_up_page))
            .route("/sign-in/set-up", web::post().to(two_factor::set_up))
            .route("/two-factor", web::get().to(two_factor::own_page))
            .route("/two-factor", web::post().to(two_factor::own_confirm))
            .route("/two-factor/recovery-codes", web::post().to(two_factor::renew_codes))
            .route("/two-factor/off", web::post().to(two_factor::turn_off))
            .route("/users/two-factor-reset", web::post().to(two_factor::reset))
            .route("/sessions", web::get().to(own_sessions::page))
            .route("/sessions/name", web::post().to(own_sessions::name))
            .route("/sessions/end", web::post().to(own_sessions::end))
            .route("/sessions/end-others", web::post().to(own_sessions::end_others))
            .route("/sessions/end-everyone", web::post().to(own_sessions::end_everyone))
            .route("/waves/{slug}", web::get().to(waves::wave))
            .route("/waves/{slug}/responses", web::get().to(responses::responses))
            .route("/waves/{slug}/answers", web::get().to(responses::answers_page))
            .route("/waves/{slug}/easy-read", web::get().to(waves::easy_read))
            .route("/responses/{id}", web::get().to(responses::response_page))
            .route("/responses/{id}/delete", web::post().to(responses::delete_response))
            .route("/audit", web::get().to(audit_log::audit_page)),
    );
}

/// The signed-in staff member, taken from the session cookie. Without a live session the
/// request is sent to the sign-in page.
pub struct SignedIn {
    pub staff: Staff,
    pub token: String,
}

impl FromRequest for SignedIn {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = req.cookie(STAFF_COOKIE).map(|c| c.value().to_owned()).filter(|t| t.len() <= 100);
        // Looking at a page without a session leads to sign-in; an action (a POST) without
        // one is refused with a page that says it was not done.
        let refusal = if req.method() == actix_web::http::Method::GET || req.method() == actix_web::http::Method::HEAD {
            AppError::SignInRequired
        } else {
            AppError::SessionEnded
        };
        let path = req.path().to_owned();
        Box::pin(async move {
            let (Some(state), Some(token)) = (state, token) else { return Err(refusal) };
            let t = token.clone();
            let rules = account::SessionRules::from_settings(&state.settings);
            let staff = state.db.run(move |c| account::session(c, &t, &rules).map_err(AppError::from)).await?;
            let signed_in = staff.map(|staff| SignedIn { staff, token }).ok_or(refusal)?;
            if !signed_in.may_visit(&path) {
                return Err(AppError::NotAllowed(
                    "Your sign-in is for your service's feedback only. Ask an admin of the partnership if you need more."
                        .into(),
                ));
            }
            Ok(signed_in)
        })
    }
}

impl SignedIn {
    /// Whether this person may reach `path` at all. A service lead's sign-in reaches only
    /// their own service's page, the staff home (which sends them there), their own sign-in
    /// (two-factor, sessions) and signing out; checked here, once, so no page can forget it.
    /// Everyone else is checked by each page's roles (`require`).
    fn may_visit(&self, path: &str) -> bool {
        if self.staff.role() != Some(Role::ServiceLead) {
            return true;
        }
        let own = self.staff.service_id.as_deref().map(|id| format!("/staff/services/{id}"));
        let yours = ["/staff", "/staff/sign-out", "/staff/sessions", "/staff/two-factor"];
        yours.contains(&path)
            || ["/staff/sessions/", "/staff/two-factor/"].iter().any(|p| path.starts_with(p))
            || own.is_some_and(|own| path == own)
    }
}

impl SignedIn {
    /// Refuses unless the person has one of `roles` (a superadmin always may).
    pub fn require(&self, roles: &[Role]) -> Result<(), AppError> {
        match self.staff.role() {
            Some(Role::Superadmin) => Ok(()),
            Some(r) if roles.contains(&r) => Ok(()),
            _ => Err(AppError::NotAllowed(
                "Your role does not include this page. Ask an admin of your partnership if you need it.".into(),
            )),
        }
    }

    /// What to add to a partnership page's address so a superadmin stays on `p`.
    pub fn partnership_suffix(&self, p: &crate::models::framework::Partnership) -> String {
        if self.staff.is_superadmin() { format!("?partnership={}", p.slug) } else { String::new() }
    }

    /// The partnership filter for queries: `None` means every partnership (superadmin).
    pub fn scope(&self) -> Option<PartnershipId> {
        if self.staff.is_superadmin() { None } else { self.staff.partnership_id.clone() }
    }

    pub fn page(&self, req: &HttpRequest, state: &AppState, title: impl Into<String>) -> PageMeta {
        use Role::{Admin, Analyst, Facilitator, Viewer};
        let here = req.path();
        let link = |href: String, text: &str| NavLink {
            current: here == href.split('?').next().unwrap_or(&href),
            href,
            text: text.to_owned(),
        };
        let role = self.staff.role();
        let any = |roles: &[Role]| role.is_some_and(|r| roles.contains(&r));
        // What people come for, on the wave they most likely work on; a service lead comes
        // for their service's scorecard only.
        let lead = role == Some(Role::ServiceLead);
        let mut work = match (&self.staff.service_id, lead) {
            (Some(id), true) => vec![link(format!("/staff/services/{id}"), "Your service")],
            _ => vec![link("/staff".into(), "Surveys")],
        };
        let wave = self.staff.current_wave.as_ref().filter(|_| !lead);
        if let Some(w) = wave {
            if any(&[Admin, Analyst]) {
                work.push(link(format!("/staff/waves/{}/responses", w.slug), "Results"));
                work.push(link(format!("/staff/waves/{}/coding", w.slug), "Coding"));
            }
            if any(&[Admin, Analyst, Viewer]) {
                work.push(link(format!("/staff/series/{}/compare", w.series_slug), "Comparisons"));
                work.push(link(format!("/staff/series/{}/evidence", w.series_slug), "Evidence"));
            }
            if any(&[Admin, Analyst, Viewer, Facilitator]) {
                work.push(link(format!("/staff/waves/{}/panels", w.slug), "Panels"));
            }
        }
        if any(&[Admin, Analyst, Viewer]) {
            work.push(link("/staff/quotes".into(), "Quotes"));
        }
        let mut links = Vec::new();
        if any(&[Admin, Analyst]) {
            links.push(link("/staff/themes".into(), "Codebook"));
        }
        if any(&[Admin, Analyst, Viewer]) {
            links.push(link("/staff/updates".into(), "You said, we did"));
            links.push(link("/staff/reviews".into(), "Six-weekly reviews"));
            links.push(link("/staff/measures".into(), "Measures"));
            links.push(link("/staff/notes".into(), "Evidence notes"));
            links.push(link("/staff/services".into(), "Pledge services"));
        }
        if any(&[Admin, Analyst, Facilitator]) {
            links.push(link("/staff/images".into(), "Pictures"));
        }
        if any(&[Admin]) && !self.staff.is_superadmin() {
            links.push(link("/staff/framework".into(), "Framework"));
            links.push(link("/staff/scales".into(), "Rating scales"));
            links.push(link("/staff/users".into(), "Staff accounts"));
            links.push(link("/staff/sso".into(), "Single sign-on"));
            links.push(link("/staff/privacy".into(), "Data-protection pack"));
        }
        if matches!(role, Some(Role::Admin | Role::Superadmin)) {
            links.push(link("/staff/outbox".into(), "Email outbox"));
            links.push(link("/staff/audit".into(), "Audit log"));
        }
        links.push(link("/staff/two-factor".into(), "Two-factor sign-in"));
        links.push(link("/staff/sessions".into(), "Your sessions"));
        let mut page = PageMeta::new(title);
        page.partnership = self.staff.partnership_name.clone();
        page.staff_stylesheet = Some(state.templates.staff_stylesheet.url.clone());
        page.staff = Some(StaffNav {
            email: self.staff.email.clone(),
            role: self.staff.role.clone(),
            partnership: self.staff.partnership_name.clone().unwrap_or_else(|| "All partnerships".into()),
            wave: wave.map(|w| format!("{} {}", w.series_title, w.label)),
            work,
            links,
            csrf: csrf(state, req),
        });
        page
    }
}

/// What staff get for an id that does not exist or belongs to another partnership: the same
/// answer, so nothing can be guessed.
pub fn not_found() -> AppError {
    AppError::NotFound("There is nothing at this address, or it belongs to another partnership.".into())
}

/// The partnership a page works on: the person's own, or for a superadmin the one named by
/// `?partnership=SLUG`.
pub async fn partnership_for(
    state: &AppState,
    who: &SignedIn,
    wanted: Option<&str>,
) -> Result<crate::models::framework::Partnership, AppError> {
    let slug = match (&who.staff.partnership_slug, wanted) {
        (Some(own), _) => own.clone(),
        (None, Some(w)) => w.to_owned(),
        (None, None) => {
            return Err(AppError::BadRequest("Choose a partnership: add ?partnership=SLUG to the address.".into()));
        }
    };
    state
        .db
        .run(move |c| crate::models::framework::find_by_slug(c, &slug).map_err(AppError::from))
        .await?
        .ok_or_else(not_found)
}

/// The cookie of a sign-in step (between the password and the code), for the sign-in pages
/// only.
pub const STEP_COOKIE: &str = "heard_step";

fn step_cookie(state: &AppState, value: &str, max_age: actix_web::cookie::time::Duration) -> Cookie<'static> {
    Cookie::build(STEP_COOKIE, value.to_owned())
        .path("/staff/sign-in")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.settings.secure_cookies)
        .max_age(max_age)
        .finish()
}

fn staff_cookie(state: &AppState, value: &str, max_age: actix_web::cookie::time::Duration) -> Cookie<'static> {
    Cookie::build(STAFF_COOKIE, value.to_owned())
        .path("/staff")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.settings.secure_cookies)
        .max_age(max_age)
        .finish()
}
