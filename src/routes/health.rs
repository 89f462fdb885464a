//! Liveness (`/healthz`: the process answers), readiness (`/readyz`: the database answers) and
//! Prometheus metrics (`/metrics`, see [`crate::metrics`]; behind a bearer token when
//! `HEARD_METRICS_TOKEN` is set).

use actix_web::{HttpResponse, web};

use crate::error::AppError;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").route(web::get().to(healthz)))
        .service(web::resource("/readyz").route(web::get().to(readyz)))
        .service(web::resource("/metrics").route(web::get().to(metrics)));
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ok")
}

async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    state.db.run(|c| c.ping().map_err(|e| AppError::internal(format!("database not ready: {e}")))).await?;
    Ok(HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ready"))
}

async fn metrics(state: web::Data<AppState>, req: actix_web::HttpRequest) -> Result<HttpResponse, AppError> {
    if state.settings.metrics_token.is_none() {
        // No token set: only a scraper on this machine, talking to Heard directly (not
        // through a proxy), may read the metrics. They show sign-in failures and deletions.
        let local = req.peer_addr().is_some_and(|a| a.ip().is_loopback());
        let proxied = req.headers().contains_key("x-forwarded-for") || req.headers().contains_key("forwarded");
        if !local || proxied {
            return Err(AppError::NotFound(
                "There is nothing at this address. (Metrics are read from the same machine, or with the token set in HEARD_METRICS_TOKEN.)"
                    .into(),
            ));
        }
    }
    if let Some(token) = &state.settings.metrics_token {
        let given = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let matches =
            given.is_some_and(|g| crate::security::constant_time_eq(g.trim().as_bytes(), token.expose().as_bytes()));
        if !matches {
            return Ok(HttpResponse::Unauthorized()
                .insert_header((actix_web::http::header::WWW_AUTHENTICATE, "Bearer"))
                .content_type("text/plain; charset=utf-8")
                .body("The metrics need the bearer token set in HEARD_METRICS_TOKEN.\n"));
        }
    }
    let gauges = state.db.run(crate::models::response::gauges).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(state.metrics.render(&gauges).map_err(AppError::internal)?))
}
