//! Response compression, done inline on the async worker (for [`super::finish`]).
//!
//! actix-web's `Compress` middleware hands every body chunk over 1 KiB to a blocking thread
//! and back, and streams the result chunked; on a 2-core machine that roughly halved the
//! pages served per second. Heard's pages are small (a question page is about 5 KB of HTML),
//! so compressing one whole body in place (brotli quality 1 with a 64 KiB window, or fast
//! gzip) costs tens of microseconds, less than the hop. Only complete bodies of text types
//! over [`MIN_BYTES`] are compressed; streams (the live tally's events) pass untouched, as do
//! responses that already carry a `Content-Encoding`.

use std::io::Write;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::http::header::{self, HeaderValue};

/// Smaller bodies are sent as they are: the saving would not fill a packet.
pub const MIN_BYTES: usize = 512;

/// A coding the client accepts and Heard can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Brotli,
    Gzip,
}

impl Coding {
    fn name(self) -> &'static str {
        match self {
            Coding::Brotli => "br",
            Coding::Gzip => "gzip",
        }
    }
}

/// Picks brotli over gzip from an `Accept-Encoding` header; respects `q=0`.
pub fn negotiate(accept: &str) -> Option<Coding> {
    let mut best = None;
    for part in accept.split(',') {
        let mut bits = part.split(';');
        let name = bits.next().unwrap_or("").trim().to_ascii_lowercase();
        let refused = bits.any(|p| {
            let p = p.trim();
            p.strip_prefix("q=").is_some_and(|q| q.trim().parse::<f32>().is_ok_and(|q| q <= 0.0))
        });
        if refused {
            continue;
        }
        match name.as_str() {
            "br" => return Some(Coding::Brotli),
            "gzip" | "x-gzip" => best = Some(Coding::Gzip),
            _ => {}
        }
    }
    best
}

/// Compresses `bytes`; `None` when it would not get smaller.
pub fn encode(coding: Coding, bytes: &[u8]) -> Option<Vec<u8>> {
    let out = match coding {
        Coding::Brotli => {
            let mut w = brotli::CompressorWriter::new(Vec::with_capacity(bytes.len() / 3), 4096, 1, 16);
            w.write_all(bytes).ok()?;
            w.into_inner()
        }
        Coding::Gzip => {
            let mut w = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 3), flate2::Compression::fast());
            w.write_all(bytes).ok()?;
            w.finish().ok()?
        }
    };
    (out.len() < bytes.len()).then_some(out)
}

fn compressible(content_type: Option<&HeaderValue>) -> bool {
    let Some(ct) = content_type.and_then(|v| v.to_str().ok()) else { return false };
    let ct = ct.to_ascii_lowercase();
    ct.starts_with("text/") && !ct.starts_with("text/event-stream")
        || ct.starts_with("application/json")
        || ct.starts_with("application/javascript")
        || ct.starts_with("image/svg+xml")
        || ct.starts_with("application/xml")
}

/// Compresses a finished response in place when the client accepts it and it is worth it.
pub fn apply(coding: Option<Coding>, mut res: actix_web::HttpResponse<BoxBody>) -> actix_web::HttpResponse<BoxBody> {
    let headers = res.headers_mut();
    headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    let Some(coding) = coding else { return res };
    if res.headers().contains_key(header::CONTENT_ENCODING) || !compressible(res.headers().get(header::CONTENT_TYPE)) {
        return res;
    }
    if res.body().size() == actix_web::body::BodySize::Stream {
        return res;
    }
    let (res, body) = res.into_parts();
    let bytes = match body.try_into_bytes() {
        Ok(b) => b,
        Err(body) => return res.set_body(body),
    };
    if bytes.len() < MIN_BYTES {
        return res.set_body(BoxBody::new(bytes));
    }
    match encode(coding, &bytes) {
        Some(small) => {
            let mut res = res.set_body(BoxBody::new(small));
            res.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding.name()));
            res
        }
        None => res.set_body(BoxBody::new(bytes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefers_brotli_and_respects_refusals() {
        assert_eq!(negotiate("gzip, deflate, br, zstd"), Some(Coding::Brotli));
        assert_eq!(negotiate("gzip"), Some(Coding::Gzip));
        assert_eq!(negotiate("br;q=0, gzip;q=0.5"), Some(Coding::Gzip));
        assert_eq!(negotiate("identity"), None);
        assert_eq!(negotiate(""), None);
    }

    #[test]
    fn round_trips_and_shrinks_pages() -> std::io::Result<()> {
        use std::io::Read;
        let page = "<p>Do adults listen to you?</p>\n".repeat(100);
        let gz = encode(Coding::Gzip, page.as_bytes()).ok_or(std::io::ErrorKind::InvalidData)?;
        let mut back = String::new();
        flate2::read::GzDecoder::new(&gz[..]).read_to_string(&mut back)?;
        assert_eq!(back, page);
        let br = encode(Coding::Brotli, page.as_bytes()).ok_or(std::io::ErrorKind::InvalidData)?;
        let mut back = String::new();
        brotli::Decompressor::new(&br[..], 4096).read_to_string(&mut back)?;
        assert_eq!(back, page);
        assert!(br.len() < page.len() / 10);
        Ok(())
    }
}
