//! The web layer's one error type, and its single mapping to HTTP. Every error a person can
//! cause gets a 4xx and a kind page that says what to do next; server faults get a 500 whose
//! cause goes to the log, never to the page.

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpResponse, ResponseError};

use crate::db::DbError;
use crate::models::StoreError;
use crate::templates::TemplateError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Gone(String),
    #[error("{0}")]
    Conflict(String),
    #[error(
        "The form you sent is too large. The most we accept is {limit} bytes. Please shorten your answer and try again."
    )]
    TooLarge { limit: usize },
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("Please sign in to see this page.")]
    SignInRequired,
    #[error(
        "You are not signed in (or your session has ended), so this was not done. Sign in at /staff/sign-in and try again."
    )]
    SessionEnded,
    #[error("{0}")]
    NotAllowed(String),
    #[error("{message}")]
    TooManyRequests { message: String, retry_after: u64 },
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => AppError::NotFound(format!("Sorry, {what} could not be found.")),
            StoreError::Conflict(msg) => AppError::Conflict(msg),
            StoreError::Invalid(errors) => AppError::BadRequest(errors.to_string()),
            StoreError::Db(db) => AppError::Internal(db.to_string()),
        }
    }
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<TemplateError> for AppError {
    fn from(e: TemplateError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl AppError {
    fn heading(&self) -> &'static str {
        match self {
            AppError::NotFound(_) => "Page not found",
            AppError::BadRequest(_) => "Sorry, there is a problem with what was sent",
            AppError::Forbidden(_) => "Sorry, this form has expired",
            AppError::Gone(_) => "This survey is not open",
            AppError::Conflict(_) => "Sorry, that could not be done",
            AppError::TooLarge { .. } => "Your answer is too long",
            AppError::MethodNotAllowed(_) => "Sorry, this page cannot do that",
            AppError::SignInRequired => "Please sign in",
            AppError::SessionEnded => "Your session has ended",
            AppError::NotAllowed(_) => "You do not have access to this page",
            AppError::TooManyRequests { .. } => "Please wait a moment",
            AppError::Internal(_) => "Sorry, something went wrong on our side",
        }
    }

    fn public_message(&self) -> String {
        match self {
            AppError::Internal(_) => "Your answers so far are saved. Please wait a minute and try again.".to_owned(),
            other => other.to_string(),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Gone(_) => StatusCode::GONE,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            AppError::SignInRequired => StatusCode::SEE_OTHER,
            AppError::SessionEnded => StatusCode::UNAUTHORIZED,
            AppError::NotAllowed(_) => StatusCode::FORBIDDEN,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::SignInRequired = self {
            return HttpResponse::SeeOther()
                .insert_header((actix_web::http::header::LOCATION, "/staff/sign-in"))
                .insert_header((CACHE_CONTROL, "no-store"))
                .finish();
        }
        if let AppError::Internal(cause) = self {
            tracing::error!(%cause, "request failed");
        }
        let body = crate::routes::pages::error_page(self.heading(), &self.public_message());
        let mut res = HttpResponse::build(self.status_code());
        if let AppError::TooManyRequests { retry_after, .. } = self {
            res.insert_header((actix_web::http::header::RETRY_AFTER, retry_after.to_string()));
        }
        res.insert_header((CONTENT_TYPE, "text/html; charset=utf-8"))
            .insert_header((CACHE_CONTROL, "no-store"))
            .body(body)
    }
}

/// Gives a bare 4xx answer (an empty body, or actix's plain-text one) Heard's kind error page.
/// Heard's own error pages and deliberate plain-text answers (`/metrics`) pass unchanged.
pub fn explain_bare_refusal(res: HttpResponse) -> HttpResponse {
    use actix_web::body::{BodySize, MessageBody};
    let status = res.status();
    if !status.is_client_error() || status == StatusCode::UNAUTHORIZED {
        return res;
    }
    let plain =
        res.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/plain"));
    let empty = matches!(res.body().size(), BodySize::None | BodySize::Sized(0));
    if !(empty || plain) {
        return res;
    }
    let (heading, message) = match status.as_u16() {
        404 => ("Page not found", "There is no page at this address. Check the link you were given."),
        405 => (
            "Sorry, this page cannot do that",
            "This address does not take that kind of request. Use the links and buttons on the page.",
        ),
        408 => ("That took too long", "What you sent took too long to arrive, so it was not used. Please try again."),
        411 | 413 | 414 | 431 => (
            "What was sent is too large",
            "What you sent is larger than Heard accepts. Please shorten it and try again.",
        ),
        415 => ("That kind of file is not accepted here", "Use the form on the page to send this."),
        _ => (
            "Sorry, there is a problem with what was sent",
            "Something in the address or the form was not as expected. Go back and use the links and buttons on the page.",
        ),
    };
    let mut out = HttpResponse::build(status);
    for (k, v) in res.headers() {
        if k != CONTENT_TYPE && k != actix_web::http::header::CONTENT_LENGTH {
            out.append_header((k.clone(), v.clone()));
        }
    }
    out.insert_header((CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((CACHE_CONTROL, "no-store"))
        .body(crate::routes::pages::error_page(heading, message))
}
