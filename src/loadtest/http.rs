//! A deliberately small HTTP/1.1 client for the load generator: one keep-alive connection per
//! simulated respondent, blocking reads, a cookie jar, `Content-Length` and chunked bodies,
//! and gzip or brotli when asked for. It does only what a browser with scripts off does on Heard's
//! respondent pages, so that the generator spends as little of the machine as possible.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// What can go wrong talking to the server.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("connection: {0}")]
    Io(#[from] std::io::Error),
    #[error("malformed response: {0}")]
    Malformed(String),
}

/// One response, body decoded.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
    /// Bytes that crossed the wire for this response (status line, headers and body as sent).
    pub wire_bytes: usize,
}

/// A browser-like client: one connection (reopened when the server closes it) and cookies.
pub struct Client {
    addr: SocketAddr,
    host: String,
    accept_encoding: Option<&'static str>,
    conn: Option<BufReader<TcpStream>>,
    cookies: BTreeMap<String, String>,
}

impl Client {
    pub fn new(addr: SocketAddr, host: String, accept_encoding: Option<&'static str>) -> Self {
        Self { addr, host, accept_encoding, conn: None, cookies: BTreeMap::new() }
    }

    /// Forgets cookies (a new respondent on the same connection).
    pub fn clear_cookies(&mut self) {
        self.cookies.clear();
    }

    /// Drops the connection (after an error, the next request opens a new one).
    pub fn disconnect(&mut self) {
        self.conn = None;
    }

    pub fn get(&mut self, path: &str) -> Result<Response, HttpError> {
        self.request("GET", path, None)
    }

    pub fn post_form(&mut self, path: &str, fields: &[(String, String)]) -> Result<Response, HttpError> {
        let body: Vec<String> =
            fields.iter().map(|(k, v)| format!("{}={}", urlencoding::encode(k), urlencoding::encode(v))).collect();
        self.request("POST", path, Some(body.join("&").into_bytes()))
    }

    fn request(&mut self, method: &str, path: &str, body: Option<Vec<u8>>) -> Result<Response, HttpError> {
        // A kept-alive connection the server has since closed fails on first use: try once more
        // on a fresh connection, as browsers do.
        let reused = self.conn.is_some();
        match self.try_request(method, path, body.as_deref()) {
            Err(HttpError::Io(_)) if reused => {
                self.conn = None;
                self.try_request(method, path, body.as_deref())
            }
            other => other,
        }
    }

    fn try_request(&mut self, method: &str, path: &str, body: Option<&[u8]>) -> Result<Response, HttpError> {
        if self.conn.is_none() {
            let stream = TcpStream::connect_timeout(&self.addr, Duration::from_secs(5))?;
            stream.set_nodelay(true)?;
            stream.set_read_timeout(Some(Duration::from_secs(30)))?;
            self.conn = Some(BufReader::with_capacity(16 * 1024, stream));
        }
        let result = self.exchange(method, path, body);
        if result.is_err() {
            self.conn = None;
        }
        result
    }

    fn exchange(&mut self, method: &str, path: &str, body: Option<&[u8]>) -> Result<Response, HttpError> {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: heard-loadtest\r\n", self.host);
        head.push_str("Accept: text/html\r\n");
        if let Some(a) = self.accept_encoding {
            head.push_str(&format!("Accept-Encoding: {a}\r\n"));
        }
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            head.push_str(&format!("Cookie: {}\r\n", jar.join("; ")));
        }
        if let Some(b) = body {
            head.push_str(&format!(
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
                b.len()
            ));
        }
        head.push_str("\r\n");
        let conn = self.conn.as_mut().ok_or_else(|| HttpError::Malformed("no connection".into()))?;
        let mut out = head.into_bytes();
        if let Some(b) = body {
            out.extend_from_slice(b);
        }
        conn.get_mut().write_all(&out)?;

        let mut wire = 0usize;
        let mut line = String::new();
        wire += read_line(conn, &mut line)?;
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| HttpError::Malformed(format!("status line {line:?}")))?;
        let (mut length, mut chunked, mut coding, mut close, mut location) = (None, false, String::new(), false, None);
        let mut set_cookies = Vec::new();
        loop {
            line.clear();
            wire += read_line(conn, &mut line)?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            let Some((name, value)) = l.split_once(':') else { continue };
            let value = value.trim();
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.parse::<usize>().ok(),
                "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
                "content-encoding" => coding = value.to_ascii_lowercase(),
                "connection" => close = value.eq_ignore_ascii_case("close"),
                "location" => location = Some(value.to_owned()),
                "set-cookie" => set_cookies.push(value.to_owned()),
                _ => {}
            }
        }
        let mut raw = Vec::new();
        if chunked {
            loop {
                line.clear();
                wire += read_line(conn, &mut line)?;
                let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                    .map_err(|_| HttpError::Malformed(format!("chunk size {line:?}")))?;
                let mut chunk = vec![0; size + 2];
                conn.read_exact(&mut chunk)?;
                wire += size + 2;
                chunk.truncate(size);
                raw.extend_from_slice(&chunk);
                if size == 0 {
                    break;
                }
            }
        } else if let Some(n) = length {
            raw.resize(n, 0);
            conn.read_exact(&mut raw)?;
            wire += n;
        } else if method != "HEAD" && status != 204 && status != 304 {
            conn.read_to_end(&mut raw)?;
            wire += raw.len();
            close = true;
        }
        if close {
            self.conn = None;
        }
        for c in set_cookies {
            let pair = c.split(';').next().unwrap_or("");
            if let Some((k, v)) = pair.split_once('=') {
                let expired = c.to_ascii_lowercase().contains("max-age=0");
                if v.is_empty() || expired {
                    self.cookies.remove(k.trim());
                } else {
                    self.cookies.insert(k.trim().to_owned(), v.trim().to_owned());
                }
            }
        }
        let bytes = match coding.as_str() {
            "gzip" => {
                let mut out = Vec::new();
                flate2::read::GzDecoder::new(&raw[..]).read_to_end(&mut out)?;
                out
            }
            "br" => {
                let mut out = Vec::new();
                brotli::Decompressor::new(&raw[..], 4096).read_to_end(&mut out)?;
                out
            }
            "" | "identity" => raw,
            other => return Err(HttpError::Malformed(format!("unasked-for Content-Encoding {other}"))),
        };
        let body = String::from_utf8(bytes).map_err(|_| HttpError::Malformed("body is not UTF-8".into()))?;
        Ok(Response { status, location, body, wire_bytes: wire })
    }
}

fn read_line(conn: &mut BufReader<TcpStream>, line: &mut String) -> Result<usize, HttpError> {
    let n = conn.read_line(line)?;
    if n == 0 {
        return Err(HttpError::Io(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the server closed the connection",
        )));
    }
    Ok(n)
}
