//! The headers every response carries, added only where a handler did not set its own (media
//! set a CSP of their own): a strict Content-Security-Policy without `unsafe-inline`
//! ([`crate::security::CSP`]), no framing, no sniffing, no referrer, no powerful features, and
//! HSTS when Heard is served over TLS. Never overwrites a header a handler chose.

use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::DefaultHeaders;

/// actix's own `DefaultHeaders`, with Heard's set; `secure` adds HSTS.
pub fn default_headers(secure: bool) -> DefaultHeaders {
    let mut h = DefaultHeaders::new()
        .add((header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(crate::security::CSP)))
        .add((header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .add((header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .add((header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .add((header::HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin")))
        .add((
            header::HeaderName::from_static("permissions-policy"),
            // The microphone only for Heard's own pages (the say-it-or-show-it recorder asks
            // first); a phone's camera opens through the file input, which needs no permission.
            HeaderValue::from_static("camera=(), microphone=(self), geolocation=(), interest-cohort=()"),
        ));
    if secure {
        h = h.add((header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains")));
    }
    h
}
