//! Rate limits before any routing or handler runs, then metrics and the access log for every
//! answer, refusals included. (Outside it: the security headers, the visitor's language and
//! display settings, and the last touches, error pages and compression: see [`super`].)
//!
//! A refused request is answered here with a 429 page, in the visitor's language, and a
//! `Retry-After` ([`crate::ratelimit`] decides), so it costs no routing or handler work, and is
//! still counted by
//! `heard_rate_limited_total`, `heard_http_requests_total` and the access log. Labels are route
//! patterns (`/s/{wave}/q/{key}`), never the path a person typed.

use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, web};

use crate::error::{AppError, Words};
use crate::ratelimit::{Limit, Limiter, Refused};
use crate::state::AppState;

/// Refuses a request over its client's limit; records every answer in the metrics and the log.
pub async fn limit_and_record(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let started = Instant::now();
    let method = req.method().as_str().to_owned();
    let limit = Limiter::classify(&method, req.path());
    let client = crate::ratelimit::client_address(
        req.peer_addr().map(|a| a.ip()),
        req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok()),
        state.settings.trust_proxy,
    );
    let refused = match (limit, client) {
        (Some(l), Some(ip)) => state.limiter.check(l, ip).err().map(|r| (l, r)),
        _ => None,
    };
    let res = match refused {
        Some((l, r)) => {
            state.metrics.rate_limited(l);
            Ok(req.error_response(refusal(l, r)))
        }
        None => next.call(req).await.map(ServiceResponse::map_into_boxed_body),
    };
    if let Ok(r) = &res {
        record(&state, &method, r, started.elapsed());
    }
    res
}

/// The 429 a limit answers: staff English for sign-in, the visitor's words for public posts.
fn refusal(limit: Limit, r: Refused) -> AppError {
    let message = match limit {
        Limit::SignIn => Words::English(format!(
            "There have been too many sign-in attempts from this connection. Please wait {} seconds and try again.",
            r.retry_after
        )),
        Limit::PublicPost => Words::key_with("error_too_many_posts", [r.retry_after.to_string()]),
    };
    AppError::TooManyRequests { message, retry_after: r.retry_after }
}

/// One answered request: the metrics by route pattern, and the access log (errors as errors,
/// refusals as information, the rest at debug).
fn record(state: &AppState, method: &str, r: &ServiceResponse<BoxBody>, took: Duration) {
    let route = r.request().match_pattern().unwrap_or_else(|| "(unmatched)".to_owned());
    let status = r.status().as_u16();
    state.metrics.observe(method, &route, status, took);
    let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
    if status >= 500 {
        tracing::error!(target: "heard::access", %method, %route, status, micros, "request");
    } else if status >= 400 {
        tracing::info!(target: "heard::access", %method, %route, status, micros, "request");
    } else {
        tracing::debug!(target: "heard::access", %method, %route, status, micros, "request");
    }
}
