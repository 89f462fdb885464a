//! Liveness (`/healthz`: the process answers) and readiness (`/readyz`: the database answers).

use actix_web::{HttpResponse, web};
use diesel::connection::SimpleConnection;

use crate::error::AppError;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").route(web::get().to(healthz)))
        .service(web::resource("/readyz").route(web::get().to(readyz)));
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ok")
}

async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    state
        .db
        .run(|c| c.batch_execute("SELECT 1").map_err(|e| AppError::Internal(format!("database not ready: {e}"))))
        .await?;
    Ok(HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ready"))
}
