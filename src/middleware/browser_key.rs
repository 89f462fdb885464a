//! Gives every browser a form-token key (see [`crate::security`]): the `heard_csrf` cookie's
//! value, or a fresh random one that the answer sets. Handlers read it from the request's
//! extensions ([`BrowserKey`]) to sign and check forms. Never trusts a cookie longer than 100
//! characters (a fresh key replaces it).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};

use crate::security::{self, BrowserKey};
use crate::state::AppState;

/// Puts this request's [`BrowserKey`] in its extensions; sets the cookie when the key is new.
pub async fn give_browser_key<B: MessageBody>(req: ServiceRequest, next: Next<B>) -> Result<ServiceResponse<B>, Error> {
    // Without the app's state (never in Heard's app) the cookie is marked Secure: it is then
    // not sent over plain HTTP, which fails visibly rather than quietly.
    let secure = req.app_data::<web::Data<AppState>>().is_none_or(|s| s.settings.secure_cookies);
    let existing = req.cookie(security::CSRF_COOKIE).map(|c| c.value().to_owned()).filter(|v| v.len() <= 100);
    let key = match existing {
        Some(value) => BrowserKey { value, is_new: false },
        None => BrowserKey { value: crate::domain::codes::random_token(), is_new: true },
    };
    req.extensions_mut().insert(key.clone());
    let mut res = next.call(req).await?;
    if key.is_new {
        // The cookie is built by Heard (a plain token), so this cannot fail in practice; if it
        // ever did, the next page offers the key again.
        if let Err(e) = res.response_mut().add_cookie(&security::csrf_cookie(&key.value, secure)) {
            tracing::warn!(error = %e, "could not set the form-token key cookie");
        }
    }
    Ok(res)
}
