//! Protection every response and every form gets: the Content-Security-Policy (a strict CSP
//! without `unsafe-inline`; the other default headers are set by [`crate::middleware::headers`]),
//! and form tokens that defeat cross-site posting.
//!
//! Form tokens are "signed double submit": each browser gets a random `heard_csrf` cookie
//! (HttpOnly, SameSite=Lax); every form carries HMAC-SHA256(instance secret, cookie). A POST
//! whose token does not match its cookie, or whose `Origin` is another site, is refused. The
//! secret is shared through the database, so several Heard instances accept each other's forms.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::AppError;

pub const CSRF_COOKIE: &str = "heard_csrf";

/// The Content-Security-Policy: only our own stylesheet, scripts and media; no inline script;
/// no framing; forms post only to us.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; \
media-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The browser key for this request: the cookie's value, or a fresh one that the response
/// will set.
#[derive(Debug, Clone)]
pub struct BrowserKey {
    pub value: String,
    pub is_new: bool,
}

/// Signs and checks form tokens.
#[derive(Clone)]
pub struct FormTokens {
    keyed: Hmac<Sha256>,
}

impl FormTokens {
    /// Keys the signer once, at start-up.
    pub fn new(secret: &str) -> Result<Self, String> {
        let keyed = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|e| e.to_string())?;
        Ok(Self { keyed })
    }

    fn mac(&self) -> Hmac<Sha256> {
        self.keyed.clone()
    }

    /// The token for forms shown to the browser holding `key`.
    pub fn token_for(&self, key: &str) -> String {
        let mut mac = self.mac();
        mac.update(b"form:");
        mac.update(key.as_bytes());
        mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// `value` with a signature for `purpose`, for a cookie the browser must not forge.
    pub fn sign(&self, purpose: &str, value: &str) -> String {
        let mut mac = self.mac();
        mac.update(purpose.as_bytes());
        mac.update(b":");
        mac.update(value.as_bytes());
        let sig: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        format!("{value}~{sig}")
    }

    /// The value of a [`FormTokens::sign`]ed string, when its signature is right.
    pub fn verify(&self, purpose: &str, signed: &str) -> Option<String> {
        let (value, sig) = signed.rsplit_once('~')?;
        let bytes: Vec<u8> = (0..sig.len())
            .step_by(2)
            .filter_map(|i| sig.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
            .collect();
        let mut mac = self.mac();
        mac.update(purpose.as_bytes());
        mac.update(b":");
        mac.update(value.as_bytes());
        (bytes.len() == 32 && mac.verify_slice(&bytes).is_ok()).then(|| value.to_owned())
    }

    /// Checks a submitted form's token against the request's cookie and origin.
    pub fn check(&self, req: &HttpRequest, submitted: Option<&str>) -> Result<(), AppError> {
        check_origin(req)?;
        let expired = || AppError::Forbidden(crate::error::Words::key("error_form_expired"));
        let cookie = req.cookie(CSRF_COOKIE).ok_or_else(expired)?;
        let given = submitted.ok_or_else(expired)?;
        let given_bytes: Vec<u8> = (0..given.len())
            .step_by(2)
            .filter_map(|i| given.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
            .collect();
        if given_bytes.len() != 32 {
            return Err(expired());
        }
        let mut mac = self.mac();
        mac.update(b"form:");
        mac.update(cookie.value().as_bytes());
        mac.verify_slice(&given_bytes).map_err(|_| expired())
    }
}

/// Refuses a POST that the browser says came from another site: `Sec-Fetch-Site:
/// cross-site`, or an `Origin` naming a different host. `Origin: null` is allowed, because
/// browsers send exactly that on every form post from a page with `Referrer-Policy:
/// no-referrer` (which Heard sets); the signed token is the real defence.
fn check_origin(req: &HttpRequest) -> Result<(), AppError> {
    let cross_site = || AppError::Forbidden(crate::error::Words::key("error_cross_site"));
    let header_str = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    if header_str("sec-fetch-site").is_some_and(|v| v.eq_ignore_ascii_case("cross-site")) {
        return Err(cross_site());
    }
    let Some(origin) = header_str("origin") else { return Ok(()) };
    if origin == "null" {
        return Ok(());
    }
    let origin_host = origin.split("://").nth(1).unwrap_or("");
    let host = req.connection_info().host().to_owned();
    if origin_host.eq_ignore_ascii_case(&host) { Ok(()) } else { Err(cross_site()) }
}

/// Builds the browser-key cookie.
pub fn csrf_cookie(value: &str, secure: bool) -> Cookie<'static> {
    Cookie::build(CSRF_COOKIE, value.to_owned())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .finish()
}

/// Compares two byte strings in time that depends only on their lengths (for tokens).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
