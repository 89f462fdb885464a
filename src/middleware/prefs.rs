//! The visitor's display settings and language, for every page this request renders
//! ([`crate::prefs`], a task-local read by `PageMeta::new`); and a shared tablet's kiosk mode,
//! which keeps it to its survey: any other address is answered here with a redirect to the
//! session's start. Reads cookies only; never touches the database.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, web};

use crate::prefs::{DISPLAY_COOKIE, Display, KIOSK_COOKIE, Kiosk, LANG_COOKIE, Prefs};
use crate::state::AppState;

/// Reads the display, language and kiosk cookies into [`crate::prefs::scope`] for the rest of
/// the request.
pub async fn visitor_prefs(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    // The kiosk cookie is signed: only one this instance's secret signed counts.
    let kiosk = req
        .cookie(KIOSK_COOKIE)
        .and_then(|c| req.app_data::<web::Data<AppState>>().and_then(|s| s.forms.verify("kiosk", c.value())))
        .and_then(|p| Kiosk::from_payload(&p))
        .filter(|k| k.until > chrono::Utc::now().timestamp());
    if let Some(k) = kiosk.as_ref().filter(|k| !k.allows(req.path())) {
        let to = k.start();
        return Ok(
            req.into_response(HttpResponse::SeeOther().insert_header((actix_web::http::header::LOCATION, to)).finish())
        );
    }
    let prefs = Prefs {
        display: req.cookie(DISPLAY_COOKIE).map(|c| Display::from_cookie(c.value())).unwrap_or_default(),
        lang: req.cookie(LANG_COOKIE).map(|c| c.value().to_owned()).filter(|l| crate::i18n::supported(l)),
        here: crate::prefs::safe_back(req.uri().path_and_query().map(|p| p.as_str())),
        kiosk,
    };
    crate::prefs::scope(prefs, next.call(req)).await.map(ServiceResponse::map_into_boxed_body)
}
