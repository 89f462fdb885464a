//! Email with lettre: one transport chosen by `SMTP_URL` (SMTP with STARTTLS or TLS and
//! authentication), or, when none is set, `.eml` files written to a folder so a fresh install
//! works with nothing else running. Messages never leave from a request: they are written to
//! the [`outbox`] in the same transaction as what caused them, and a worker sends them.

pub mod messages;
pub mod outbox;

use std::path::PathBuf;

use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport as _};

/// What can go wrong with mail. Messages say what to change.
#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    #[error("SMTP_URL {0:?} is not usable: {1}")]
    BadUrl(String, String),
    #[error("the sender {0:?} is not an email address: set HEARD_MAIL_FROM, e.g. \"Heard <heard@example.org>\"")]
    BadFrom(String),
    #[error("the message to {to} could not be built: {message}")]
    Build { to: String, message: String },
    #[error("sending failed: {0}")]
    Send(String),
    #[error("could not write the message to {path}: {message}")]
    File { path: String, message: String },
}

/// Where messages go.
#[derive(Clone)]
pub enum Transport {
    Smtp(SmtpTransport),
    /// No mail server: each message is written as a `.eml` file here.
    Files(PathBuf),
}

impl Transport {
    /// From settings: `SMTP_URL` when set, else the mail folder.
    pub fn from_settings(settings: &crate::config::Settings) -> Result<Self, EmailError> {
        match &settings.smtp_url {
            Some(url) => parse_smtp_url(url.expose()).map(Transport::Smtp),
            None => Ok(Transport::Files(PathBuf::from(&settings.mail_dir))),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp(_) => "SMTP".into(),
            Transport::Files(dir) => format!(".eml files in {}", dir.display()),
        }
    }

    /// Sends one message (blocking: call from the outbox worker, never an async worker).
    pub fn send(&self, message: &Message, file_stem: &str) -> Result<(), EmailError> {
        match self {
            Transport::Smtp(t) => t.send(message).map(|_| ()).map_err(|e| EmailError::Send(e.to_string())),
            Transport::Files(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| EmailError::File { path: dir.display().to_string(), message: e.to_string() })?;
                let path = dir.join(format!("{file_stem}.eml"));
                std::fs::write(&path, message.formatted())
                    .map_err(|e| EmailError::File { path: path.display().to_string(), message: e.to_string() })
            }
        }
    }
}

/// `smtp://[user:pass@]host[:port][?tls=none|starttls|tls]` or `smtps://host[:port]`. Without
/// `tls`, port 465 means TLS, 587 STARTTLS, and anything else (such as a local catcher on
/// 1025) plain SMTP.
pub fn parse_smtp_url(url: &str) -> Result<SmtpTransport, EmailError> {
    let bad = |why: &str| EmailError::BadUrl(redact(url), why.to_owned());
    let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("start it with smtp:// or smtps://"))?;
    let (authority, query) = rest.split_once('?').unwrap_or((rest, ""));
    let authority = authority.trim_end_matches('/');
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (h, Some(p.parse::<u16>().map_err(|_| bad("the port must be a number, e.g. :587"))?)),
        None => (hostport, None),
    };
    if host.is_empty() {
        return Err(bad("name the mail server, e.g. smtp://mail.example.org:587"));
    }
    let tls = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "tls")
        .map(|(_, v)| v.to_ascii_lowercase());
    let mode = match (scheme, tls.as_deref(), port) {
        ("smtps", _, _) => "tls",
        ("smtp", Some("tls" | "wrapper" | "implicit"), _) => "tls",
        ("smtp", Some("starttls" | "required"), _) => "starttls",
        ("smtp", Some("none" | "off"), _) => "none",
        ("smtp", None, Some(465)) => "tls",
        ("smtp", None, Some(587)) => "starttls",
        ("smtp", None, _) => "none",
        ("smtp", Some(_), _) => return Err(bad("tls= takes none, starttls or tls")),
        _ => return Err(bad("start it with smtp:// or smtps://")),
    };
    let builder = match mode {
        "tls" => SmtpTransport::relay(host).map_err(|e| bad(&e.to_string()))?,
        "starttls" => SmtpTransport::starttls_relay(host).map_err(|e| bad(&e.to_string()))?,
        _ => SmtpTransport::builder_dangerous(host),
    };
    let mut builder = builder.timeout(Some(std::time::Duration::from_secs(20)));
    if let Some(p) = port {
        builder = builder.port(p);
    }
    if let Some(u) = userinfo {
        let (user, pass) = u.split_once(':').unwrap_or((u, ""));
        let decode = |s: &str| urlencoding::decode(s).map(|c| c.into_owned()).unwrap_or_else(|_| s.to_owned());
        builder = builder.credentials(Credentials::new(decode(user), decode(pass)));
    }
    Ok(builder.build())
}

/// The URL with any password hidden, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{}:***{}", &url[..s + 3], user, &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// `List-Unsubscribe: <URL>` (RFC 2369).
#[derive(Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.trim_matches(['<', '>']).to_owned()))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
#[derive(Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_owned())
    }
}

/// Builds the message for an outbox row: plain text and HTML from the same data, the stored
/// Message-ID, and the unsubscribe headers when there is an unsubscribe link.
pub fn build(row: &outbox::OutboxRow, from: &str) -> Result<Message, EmailError> {
    let from: Mailbox = from.parse().map_err(|_| EmailError::BadFrom(from.to_owned()))?;
    let to: Mailbox = row.to_address.parse().map_err(|e: lettre::address::AddressError| EmailError::Build {
        to: row.to_address.clone(),
        message: e.to_string(),
    })?;
    let mut b = Message::builder().from(from).to(to).subject(&row.subject).message_id(Some(row.message_id.clone()));
    if let Some(url) = &row.unsubscribe_url {
        b = b.header(ListUnsubscribe(url.clone())).header(ListUnsubscribePost);
    }
    b.multipart(
        MultiPart::alternative()
            .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(row.body_text.clone()))
            .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(row.body_html.clone())),
    )
    .map_err(|e| EmailError::Build { to: row.to_address.clone(), message: e.to_string() })
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_are_read_kindly() {
        for ok in [
            "smtp://127.0.0.1:2525",
            "smtp://user:p%40ss@mail.example.org:587?tls=starttls",
            "smtps://mail.example.org",
            "smtp://mail.example.org:465",
            "smtp://mailpit:1025?tls=none",
        ] {
            assert!(parse_smtp_url(ok).is_ok(), "{ok}");
        }
        for bad in ["mail.example.org", "http://x", "smtp://:25", "smtp://host:port", "smtp://h?tls=maybe"] {
            assert!(parse_smtp_url(bad).is_err(), "{bad}");
        }
        assert_eq!(redact("smtp://me:secret@mail.example.org:587"), "smtp://me:***@mail.example.org:587");
    }
}
