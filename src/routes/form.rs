//! Reading a posted form ourselves, so every bad body gets a clear answer: too large (413),
//! not a form, or not valid UTF-8 (400). Repeated fields (checkboxes) are kept in order.

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, web};
use futures_util::StreamExt;

use crate::error::AppError;

/// A decoded `application/x-www-form-urlencoded` body.
#[derive(Debug, Default, Clone)]
pub struct Form {
    fields: Vec<(String, String)>,
}

impl Form {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Every field as sent, in order.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.fields.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }

    /// A form from fields already read (the text fields of an upload).
    pub fn from_pairs(fields: Vec<(String, String)>) -> Self {
        Self { fields }
    }

    /// Decodes a body. Invalid percent-encoding or UTF-8 is refused, never guessed at.
    pub fn parse(body: &[u8]) -> Result<Self, AppError> {
        let unreadable = || AppError::BadRequest(crate::error::Words::key("error_not_utf8"));
        let text = std::str::from_utf8(body).map_err(|_| unreadable())?;
        let mut fields = Vec::new();
        for pair in text.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| -> Result<String, AppError> {
                let plus = s.replace('+', " ");
                let bytes = urlencoding::decode_binary(plus.as_bytes());
                if plus.contains('%') && !valid_percent_escapes(&plus) {
                    return Err(unreadable());
                }
                String::from_utf8(bytes.into_owned()).map_err(|_| unreadable())
            };
            fields.push((decode(k)?, decode(v)?));
        }
        Ok(Self { fields })
    }
}

fn valid_percent_escapes(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            match (b.get(i + 1), b.get(i + 2)) {
                (Some(h), Some(l)) if h.is_ascii_hexdigit() && l.is_ascii_hexdigit() => i += 3,
                _ => return false,
            }
        } else {
            i += 1;
        }
    }
    true
}

/// The form token for the browser making this request (see `crate::security`).
pub fn token(state: &crate::state::AppState, req: &HttpRequest) -> String {
    use actix_web::HttpMessage;
    let key = req.extensions().get::<crate::security::BrowserKey>().map(|k| k.value.clone()).unwrap_or_default();
    state.forms.token_for(&key)
}

/// Reads a posted form and checks its token and origin before anything else looks at it.
pub async fn read_checked(
    state: &crate::state::AppState,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<Form, AppError> {
    let form = read(req, payload, state.settings.max_body_bytes).await?;
    state.forms.check(req, form.get("csrf"))?;
    Ok(form)
}

/// Reads and decodes the request body, refusing more than `limit` bytes.
pub async fn read(req: &HttpRequest, mut payload: web::Payload, limit: usize) -> Result<Form, AppError> {
    let content_type = req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !content_type.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded") {
        return Err(AppError::BadRequest(crate::error::Words::key("error_not_a_form")));
    }
    if let Some(len) =
        req.headers().get(actix_web::http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
        && len > limit
    {
        return Err(AppError::TooLarge { limit });
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| AppError::BadRequest(crate::error::Words::key("error_form_incomplete")))?;
        if body.len() + chunk.len() > limit {
            return Err(AppError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Form::parse(&body)
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn decodes_repeats_and_plus() {
        let f = Form::parse(b"answer=a&answer=b&text=hello+there%21").map_err(|e| e.to_string());
        let f = f.unwrap_or_default();
        assert_eq!(f.all("answer"), vec!["a", "b"]);
        assert_eq!(f.get("text"), Some("hello there!"));
    }

    #[test]
    fn refuses_bad_bytes() {
        assert!(Form::parse(b"a=%ff").is_err());
        assert!(Form::parse(b"a=%zz").is_err());
        assert!(Form::parse(b"a=%f").is_err());
        assert!(Form::parse(&[b'a', b'=', 0xff]).is_err());
        assert!(Form::parse("a=%E2%9C%93".as_bytes()).is_ok());
    }
}
