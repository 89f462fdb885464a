//! Reading a `multipart/form-data` upload (survey files, recordings, pictures, contact
//! lists) so that nobody can make the server hold more than the upload's limit.
//!
//! Callers check the person's role first; then [`read_checked`]:
//! - refuses a declared `Content-Length` above the limit before reading anything;
//! - counts **every byte of the body** (boundaries, part headers, names and data), not only
//!   field data, and stops at the limit with a 413;
//! - reads only small text fields (at most [`BEFORE_TOKEN`] bytes in all) until it meets the
//!   form token, and checks it before reading any file: Heard's own forms send the token
//!   first, so a forged or missing token costs the server a few kilobytes, never the upload;
//! - allows at most [`MAX_PARTS`] parts, names of at most [`MAX_NAME`] bytes and file names of
//!   at most [`MAX_FILE_NAME`] bytes.
//!
//! It never looks at what a file holds: `domain::media` and the importers do that.

use std::cell::Cell;
use std::rc::Rc;

use actix_multipart::Multipart;
use actix_web::error::PayloadError;
use actix_web::http::header::CONTENT_LENGTH;
use actix_web::{HttpRequest, web};
use futures_util::StreamExt;

use crate::error::AppError;
use crate::state::AppState;

/// The most parts an upload form may have (Heard's have at most six).
pub const MAX_PARTS: usize = 16;
/// The longest field name, in bytes.
pub const MAX_NAME: usize = 64;
/// The longest file name, in bytes.
pub const MAX_FILE_NAME: usize = 255;
/// How much may arrive before the form token, in bytes (small text fields only).
pub const BEFORE_TOKEN: usize = 8 * 1024;

/// One part of an upload: its field name, the file name the browser gave (if a file), and
/// its bytes.
#[derive(Debug, Clone)]
pub struct Part {
    pub name: String,
    pub file_name: Option<String>,
    pub bytes: Vec<u8>,
}

/// A whole upload, read and token-checked.
#[derive(Debug, Clone, Default)]
pub struct Upload {
    parts: Vec<Part>,
}

impl Upload {
    /// The first part called `name`.
    pub fn part(&self, name: &str) -> Option<&Part> {
        self.parts.iter().find(|p| p.name == name)
    }

    /// The bytes of the first part called `name` (empty when there is none).
    pub fn bytes(&self, name: &str) -> &[u8] {
        self.part(name).map_or(&[], |p| p.bytes.as_slice())
    }

    /// The text fields (not files) as a form; a field that is not UTF-8 is refused.
    pub fn form(&self) -> Result<super::form::Form, AppError> {
        let mut fields = Vec::new();
        for p in self.parts.iter().filter(|p| p.file_name.is_none()) {
            let text = String::from_utf8(p.bytes.clone())
                .map_err(|_| AppError::BadRequest(crate::error::Words::key("error_not_utf8")))?;
            fields.push((p.name.clone(), text));
        }
        Ok(super::form::Form::from_pairs(fields))
    }

    /// The first file chosen in the field `name` (a file input left empty sends no bytes).
    pub fn file(&self, name: &str) -> Option<&Part> {
        self.parts.iter().find(|p| p.name == name && p.file_name.is_some() && !p.bytes.is_empty())
    }

    /// A text field, trimmed (invalid UTF-8 is replaced, never trusted).
    pub fn text(&self, name: &str) -> String {
        String::from_utf8_lossy(self.bytes(name)).trim().to_owned()
    }
}

fn unreadable(e: impl std::fmt::Display) -> AppError {
    AppError::BadRequest(format!(
        "The upload could not be read ({e}). Nothing was changed: choose the file again and send the form once more."
    ).into())
}

fn too_many() -> AppError {
    AppError::BadRequest(format!(
        "The upload had more than {MAX_PARTS} parts or a field name that is too long, which Heard's forms never send. Nothing was changed: go back, refresh the page and try again."
    ).into())
}

/// Reads an upload of at most `limit` bytes in all, checking the form token (and origin)
/// before any file is read. Check the person's role before calling this.
pub async fn read_checked(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<Upload, AppError> {
    let declared = req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(AppError::TooLarge { limit });
    }
    let overflowed = Rc::new(Cell::new(false));
    let flag = Rc::clone(&overflowed);
    let mut seen = 0usize;
    let counted = payload.map(move |chunk| {
        let chunk = chunk?;
        seen = seen.saturating_add(chunk.len());
        if seen > limit {
            flag.set(true);
            return Err(PayloadError::Overflow);
        }
        Ok(chunk)
    });
    let mut multipart = Multipart::new(req.headers(), counted);
    let too_large = |e: actix_multipart::MultipartError| {
        if overflowed.get() { AppError::TooLarge { limit } } else { unreadable(e) }
    };
    let mut upload = Upload::default();
    let mut checked = false;
    let mut before_token = 0usize;
    while let Some(item) = multipart.next().await {
        let mut field = item.map_err(too_large)?;
        if upload.parts.len() >= MAX_PARTS {
            return Err(too_many());
        }
        let name = field.name().unwrap_or("").to_owned();
        if name.len() > MAX_NAME {
            return Err(too_many());
        }
        let file_name = field.content_disposition().and_then(|d| d.get_filename()).map(str::to_owned);
        if file_name.as_ref().is_some_and(|f| f.len() > MAX_FILE_NAME) {
            return Err(AppError::BadRequest(
                format!(
                    "The file's name is longer than {MAX_FILE_NAME} characters. Rename the file and choose it again."
                )
                .into(),
            ));
        }
        if !checked && file_name.is_some() {
            // A file before the token: refuse without reading it.
            state.forms.check(req, None)?;
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(too_large)?;
            if !checked {
                before_token += chunk.len();
                if before_token > BEFORE_TOKEN {
                    state.forms.check(req, None)?;
                }
            }
            bytes.extend_from_slice(&chunk);
        }
        if !checked && name == "csrf" {
            state.forms.check(req, std::str::from_utf8(&bytes).ok())?;
            checked = true;
            continue;
        }
        upload.parts.push(Part { name, file_name, bytes });
    }
    if !checked {
        state.forms.check(req, None)?;
    }
    Ok(upload)
}
