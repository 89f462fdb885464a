//! A staff change (closing a wave, adding a recording) is seen at once by this instance's
//! respondents: after any staff request that is not a GET or HEAD, the short-lived caches
//! ([`crate::state::Fresh`]) are dropped ([`crate::state::AppState::forget_cached`]). Other
//! instances see the change when their entries go stale. Never reads or changes the answer.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, web};

use crate::state::AppState;

/// Drops the caches once a staff POST (or other change) has been answered, whatever its outcome.
pub async fn forget_after_staff_changes<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, Error> {
    let changes = req.path().starts_with("/staff") && !matches!(req.method().as_str(), "GET" | "HEAD");
    let state = if changes { req.app_data::<web::Data<AppState>>().cloned() } else { None };
    let res = next.call(req).await;
    if let Some(state) = state {
        state.forget_cached();
    }
    res
}
