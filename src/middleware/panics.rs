//! Innermost middleware: a handler that panics answers 500 with the kind error page (its cause
//! logged) instead of dropping the connection and its worker thread. Never let a panic's
//! message reach the visitor: it goes to the log, with the request's path made fit for it.

use std::panic::AssertUnwindSafe;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use futures_util::FutureExt;

/// Calls the handler, turning a panic (while it is called or while its future runs) into
/// [`crate::error::AppError::Internal`].
pub async fn catch_panics<B: MessageBody>(req: ServiceRequest, next: Next<B>) -> Result<ServiceResponse<B>, Error> {
    let path = loggable_path(req.path());
    let fallback = move |cause: Box<dyn std::any::Any + Send>| {
        let what = cause
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| cause.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".into());
        // As an error, which actix answers with its page (the request itself went to the
        // handler, so there is none left to build a response on).
        Err(crate::error::AppError::internal(format!("handler for {path} panicked: {what}")).into())
    };
    match std::panic::catch_unwind(AssertUnwindSafe(|| next.call(req))) {
        Ok(call) => AssertUnwindSafe(call).catch_unwind().await.unwrap_or_else(fallback),
        Err(cause) => fallback(cause),
    }
}

/// A request path fit for the log: the secret part of a link (an invitation, an unsubscribe
/// link, a staff link, a "you said, we did" confirmation) is replaced by `…`.
pub fn loggable_path(path: &str) -> String {
    for secret in ["/i/", "/u/", "/staff/reset/", "/updates/confirm/"] {
        if let Some(rest) = path.strip_prefix(secret) {
            let tail = rest.find('/').map(|i| &rest[i..]).unwrap_or("");
            return format!("{secret}…{tail}");
        }
    }
    path.to_owned()
}

#[cfg(test)]
mod tests {
    #[::core::prelude::v1::test]
    fn secret_links_never_reach_the_log() {
        assert_eq!(super::loggable_path("/i/AbCdEf123"), "/i/…");
        assert_eq!(super::loggable_path("/u/AbCdEf123/again"), "/u/…/again");
        assert_eq!(super::loggable_path("/staff/reset/tok"), "/staff/reset/…");
        assert_eq!(super::loggable_path("/updates/confirm/tok"), "/updates/confirm/…");
        assert_eq!(super::loggable_path("/s/wave/q/key"), "/s/wave/q/key");
    }

    use actix_web::middleware::from_fn;
    use actix_web::{App, HttpResponse, test, web};

    async fn boom() -> HttpResponse {
        let empty: Vec<u8> = Vec::new();
        // Indexing out of bounds: a bug, as a handler might have one.
        HttpResponse::Ok().body(format!("{}", empty[usize::from(empty.is_empty())]))
    }

    #[actix_web::test]
    async fn a_panicking_handler_answers_500_and_the_next_request_is_served() {
        let app = test::init_service(
            App::new()
                .wrap(from_fn(super::catch_panics))
                .route("/boom", web::get().to(boom))
                .route("/fine", web::get().to(|| async { HttpResponse::Ok().body("fine") })),
        )
        .await;
        // The server answers an error with its response: the kind 500 page.
        let err = match test::try_call_service(&app, test::TestRequest::get().uri("/boom").to_request()).await {
            Err(e) => e,
            Ok(res) => panic!("a panic was answered {}", res.status()),
        };
        let res = err.error_response();
        assert_eq!(res.status().as_u16(), 500);
        let body = actix_web::body::to_bytes(res.into_body()).await.unwrap_or_default();
        assert!(String::from_utf8_lossy(&body).contains("Please wait a minute and try again"));
        let res = test::call_service(&app, test::TestRequest::get().uri("/fine").to_request()).await;
        assert_eq!(res.status().as_u16(), 200);
    }
}
