//! Last touches to every answer, outermost of all. Each refusal is a page that says what
//! happened (actix's own answers to a method a route does not take, a path or query it cannot
//! read, a request that took too long, come as empty or technical bodies:
//! [`crate::error::explain_bare_refusal`]); then compression in place on this worker
//! ([`super::compression`]). Nothing may change a body after this has compressed it.

use actix_web::Error;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use super::compression;

/// Explains bare refusals, then compresses the body for the coding the client accepts.
pub async fn last_touches(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let coding = req
        .headers()
        .get(actix_web::http::header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .and_then(compression::negotiate);
    let (req, res) = next.call(req).await?.map_into_boxed_body().into_parts();
    let res = crate::error::explain_bare_refusal(res);
    Ok(ServiceResponse::new(req, compression::apply(coding, res)))
}
