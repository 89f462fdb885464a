//! The web layer's one error type, and its single mapping to HTTP and to a page.
//!
//! An [`AppError`] names what went wrong (its variant gives the status and the heading) and
//! says it in [`Words`]: a key into the interface-word catalogues with its arguments — so a
//! respondent who chose Polish or Arabic reads it in Polish or Arabic, right to left where
//! it should be — or, on staff pages (which are in English), an English sentence. The page
//! is rendered once, here, in the request's language ([`crate::prefs`]). Server faults keep
//! their cause ([`Cause`], any error with its `source()` chain): the whole chain goes to the
//! log, and the page says only that something went wrong and that answers are saved.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpResponse, ResponseError};

use crate::db::DbError;
use crate::models::StoreError;
use crate::templates::TemplateError;

/// What a person is told: interface words looked up in their language, or staff English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Words {
    /// A key of the catalogues under `templates/i18n/`, with the values of its `{0}`, `{1}`...
    Key { key: &'static str, args: Vec<String> },
    /// An English sentence, for the staff workspace (which is in English only).
    English(String),
}

impl Words {
    /// Interface words without arguments.
    pub fn key(key: &'static str) -> Self {
        Words::Key { key, args: Vec::new() }
    }

    /// Interface words with the values of their placeholders.
    pub fn key_with(key: &'static str, args: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Words::Key { key, args: args.into_iter().map(Into::into).collect() }
    }

    /// The words in `lang` (British English when the catalogue has no such language).
    pub fn in_lang(&self, lang: &str) -> String {
        match self {
            Words::Key { key, args } => {
                let refs: Vec<&dyn fmt::Display> = args.iter().map(|a| a as &dyn fmt::Display).collect();
                crate::i18n::format(lang, key, &refs)
            }
            Words::English(s) => s.clone(),
        }
    }

    fn translated(&self) -> bool {
        matches!(self, Words::Key { .. })
    }
}

impl fmt::Display for Words {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.in_lang(crate::i18n::DEFAULT_LANG))
    }
}

impl From<String> for Words {
    fn from(s: String) -> Self {
        Words::English(s)
    }
}

impl From<&str> for Words {
    fn from(s: &str) -> Self {
        Words::English(s.to_owned())
    }
}

/// The cause of a server fault, kept whole for the log.
#[derive(Debug)]
pub struct Cause(Box<dyn std::error::Error + Send + Sync>);

impl Cause {
    /// The cause and every `source()` below it, outermost first, joined by `: `.
    pub fn chain(&self) -> String {
        let mut out = self.0.to_string();
        let mut next = self.0.source();
        while let Some(e) = next {
            out.push_str(": ");
            out.push_str(&e.to_string());
            next = e.source();
        }
        out
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for Cause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    NotFound(Words),
    #[error("{0}")]
    BadRequest(Words),
    #[error("{0}")]
    Forbidden(Words),
    #[error("{0}")]
    Gone(Words),
    #[error("{0}")]
    Conflict(Words),
    #[error(
        "The form you sent is too large. The most we accept is {limit} bytes. Please shorten your answer and try again."
    )]
    TooLarge { limit: usize },
    #[error("{0}")]
    MethodNotAllowed(Words),
    #[error("Please sign in to see this page.")]
    SignInRequired,
    /// Not a fault: the person belongs on another page of their journey (no answers started
    /// on this device yet, or already sent). Answered with `303 See Other` to that address,
    /// so an extractor can send them there as `SignInRequired` does for staff.
    #[error("Continue at {0}")]
    Elsewhere(String),
    #[error(
        "You are not signed in (or your session has ended), so this was not done. Sign in at /staff/sign-in and try again."
    )]
    SessionEnded,
    #[error("{0}")]
    NotAllowed(Words),
    #[error("{message}")]
    TooManyRequests { message: Words, retry_after: u64 },
    #[error("internal error: {0}")]
    Internal(#[source] Cause),
}

impl AppError {
    /// A server fault caused by `cause` (an error, or a message when there is no error value).
    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        AppError::Internal(Cause(cause.into()))
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => AppError::NotFound(Words::key("error_record_missing")),
            StoreError::Conflict(msg) | StoreError::Stale(msg) => AppError::Conflict(Words::English(msg)),
            StoreError::Invalid(errors) => AppError::BadRequest(Words::English(errors.to_string())),
            StoreError::Rejected(r) => AppError::BadRequest(Words::English(r.to_string())),
            other @ (StoreError::Db(_)
            | StoreError::OutsideTransaction(_)
            | StoreError::Unreadable { .. }
            | StoreError::Corrupt(_)) => AppError::internal(other),
        }
    }
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        AppError::internal(e)
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        AppError::internal(e)
    }
}

impl From<TemplateError> for AppError {
    fn from(e: TemplateError) -> Self {
        AppError::internal(e)
    }
}

impl AppError {
    /// The catalogue key of the page's heading.
    fn heading_key(&self) -> &'static str {
        match self {
            AppError::NotFound(_) => "error_heading_not_found",
            AppError::BadRequest(_) => "error_heading_bad_request",
            AppError::Forbidden(_) => "error_heading_expired",
            AppError::Gone(_) => "error_heading_gone",
            AppError::Conflict(_) => "error_heading_conflict",
            AppError::TooLarge { .. } => "error_heading_too_large",
            AppError::MethodNotAllowed(_) => "error_heading_method",
            AppError::SignInRequired | AppError::Elsewhere(_) => "error_heading_sign_in",
            AppError::SessionEnded => "error_heading_session_ended",
            AppError::NotAllowed(_) => "error_heading_not_allowed",
            AppError::TooManyRequests { .. } => "error_heading_wait",
            AppError::Internal(_) => "error_heading_internal",
        }
    }

    /// What the page says, as words to look up.
    fn words(&self) -> Words {
        match self {
            AppError::NotFound(w)
            | AppError::BadRequest(w)
            | AppError::Forbidden(w)
            | AppError::Gone(w)
            | AppError::Conflict(w)
            | AppError::MethodNotAllowed(w)
            | AppError::NotAllowed(w)
            | AppError::TooManyRequests { message: w, .. } => w.clone(),
            AppError::TooLarge { limit } => Words::key_with("error_too_large", [limit.to_string()]),
            AppError::SignInRequired | AppError::Elsewhere(_) => Words::English(self.to_string()),
            AppError::SessionEnded => Words::English(self.to_string()),
            AppError::Internal(_) => Words::key("error_internal"),
        }
    }

    /// The language the page is shown in: the visitor's when the words are interface words,
    /// English when they are staff English (so heading and message never mix languages).
    fn page_lang(words: &Words) -> String {
        let wanted = crate::prefs::current().lang.filter(|l| crate::i18n::supported(l));
        match (words.translated(), wanted) {
            (true, Some(lang)) => lang,
            _ => crate::i18n::DEFAULT_LANG.to_owned(),
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
            AppError::SignInRequired | AppError::Elsewhere(_) => StatusCode::SEE_OTHER,
            AppError::SessionEnded => StatusCode::UNAUTHORIZED,
            AppError::NotAllowed(_) => StatusCode::FORBIDDEN,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let elsewhere = match self {
            AppError::SignInRequired => Some("/staff/sign-in"),
            AppError::Elsewhere(location) => Some(location.as_str()),
            _ => None,
        };
        if let Some(location) = elsewhere {
            return HttpResponse::SeeOther()
                .insert_header((actix_web::http::header::LOCATION, location))
                .insert_header((CACHE_CONTROL, "no-store"))
                .finish();
        }
        if let AppError::Internal(cause) = self {
            tracing::error!(cause = %cause.chain(), "request failed");
        }
        let words = self.words();
        let lang = Self::page_lang(&words);
        let heading = crate::i18n::text(&lang, self.heading_key());
        let body = crate::views::error_page(heading, &words.in_lang(&lang), &lang);
        let mut res = HttpResponse::build(self.status_code());
        if let AppError::TooManyRequests { retry_after, .. } = self {
            res.insert_header((actix_web::http::header::RETRY_AFTER, retry_after.to_string()));
        }
        res.insert_header((CONTENT_TYPE, "text/html; charset=utf-8"))
            .insert_header((CACHE_CONTROL, "no-store"))
            .body(body)
    }
}

/// Gives a bare 4xx answer (an empty body, or actix's plain-text one) Heard's kind error page,
/// in the visitor's language. Heard's own error pages and deliberate plain-text answers
/// (`/metrics`) pass unchanged.
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
        404 => ("error_heading_not_found", "error_no_page"),
        405 => ("error_heading_method", "error_wrong_method"),
        408 => ("error_heading_slow", "error_slow"),
        411 | 413 | 414 | 431 => ("error_heading_too_big", "error_too_big"),
        415 => ("error_heading_file_kind", "error_file_kind"),
        _ => ("error_heading_bad_request", "error_unexpected"),
    };
    let lang = AppError::page_lang(&Words::key(message));
    let mut out = HttpResponse::build(status);
    for (k, v) in res.headers() {
        if k != CONTENT_TYPE && k != actix_web::http::header::CONTENT_LENGTH {
            out.append_header((k.clone(), v.clone()));
        }
    }
    out.insert_header((CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((CACHE_CONTROL, "no-store"))
        .body(crate::views::error_page(crate::i18n::text(&lang, heading), crate::i18n::text(&lang, message), &lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn the_log_keeps_the_whole_cause_chain() {
        let e = AppError::internal(Outer(std::io::Error::other("disk full")));
        let AppError::Internal(cause) = &e else { panic!("an internal error") };
        assert_eq!(cause.chain(), "outer: disk full");
        assert!(std::error::Error::source(&e).is_some());
    }

    #[test]
    fn every_key_an_error_can_name_is_in_every_catalogue() {
        let all = [
            AppError::NotFound(Words::key("error_no_page")),
            AppError::BadRequest(Words::key("error_unexpected")),
            AppError::Forbidden(Words::key("error_form_expired")),
            AppError::Gone(Words::key("error_no_survey")),
            AppError::Conflict(Words::key("error_unexpected")),
            AppError::TooLarge { limit: 10 },
            AppError::MethodNotAllowed(Words::key("error_wrong_method")),
            AppError::NotAllowed(Words::key("error_unexpected")),
            AppError::TooManyRequests { message: Words::key("error_unexpected"), retry_after: 1 },
            AppError::internal("x"),
        ];
        for c in crate::i18n::catalogues() {
            for e in &all {
                assert!(c.text.contains_key(e.heading_key()), "{} lacks {}", c.language, e.heading_key());
                if let Words::Key { key, .. } = e.words() {
                    assert!(c.text.contains_key(key), "{} lacks {key}", c.language);
                }
            }
        }
    }
}
