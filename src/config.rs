//! Settings: one struct, layered from built-in defaults, then an optional TOML file, then
//! environment variables (environment wins). Nothing else in Heard reads the environment.
//!
//! | setting | environment | file key | default |
//! |---|---|---|---|
//! | database | `DATABASE_URL` | `database_url` | `sqlite://heard.db` |
//! | bind address | `HEARD_BIND` | `bind` | `127.0.0.1:8080` |
//! | public base URL | `HEARD_PUBLIC_URL` | `public_url` | `http://<bind>` |
//! | secure cookies + HSTS | `HEARD_SECURE_COOKIES` | `secure_cookies` | `true` when the public URL is `https://`, else `false` |
//! | largest request body | `HEARD_MAX_BODY_BYTES` | `max_body_bytes` | `65536` |
//! | longest free-text answer | `HEARD_MAX_TEXT_GRAPHEMES` | `max_text_graphemes` | `2000` |
//! | days a saved draft is kept | `HEARD_DRAFT_DAYS` | `draft_days` | `30` |
//! | days a response can be deleted by receipt | `HEARD_DELETION_DAYS` | `deletion_days` | `28` |
//! | database pool size | `HEARD_POOL_SIZE` | `pool_size` | twice the cores, at least 4 |
//! | HTTP worker threads | `HEARD_WORKERS` | `workers` | number of cores |
//! | log format | `HEARD_LOG_FORMAT` | `log_format` | `text` (`json` for structured logs) |
//! | mail server | `SMTP_URL` | `smtp_url` | none: messages are written as `.eml` files |
//! | folder for `.eml` files | `HEARD_MAIL_DIR` | `mail_dir` | `mail` |
//! | sender | `HEARD_MAIL_FROM` | `mail_from` | `Heard <heard@localhost>` |
//! | messages sent per minute at most | `HEARD_MAIL_PER_MINUTE` | `mail_per_minute` | `120` |
//! | staff sign-in attempts per minute per client (0: off) | `HEARD_SIGN_IN_PER_MINUTE` | `sign_in_per_minute` | `10` |
//! | public form posts per minute per client (0: off) | `HEARD_PUBLIC_POSTS_PER_MINUTE` | `public_posts_per_minute` | `3000` |
//! | trust the load balancer's `X-Forwarded-For` | `HEARD_TRUST_PROXY` | `trust_proxy` | `false` |
//! | bearer token `/metrics` asks for (unset: only this machine may read it) | `HEARD_METRICS_TOKEN` | `metrics_token` | none |
//! | key for resume and receipt codes (at least 16 characters; unset: a key file beside an SQLite database) | `HEARD_CODE_KEY` | `code_key` | none |
//! | days free-text answers are kept, unless a wave says | `HEARD_KEEP_FREE_TEXT_DAYS` | `keep_free_text_days` | `1095` |
//! | seconds to finish requests in flight when stopping | `HEARD_SHUTDOWN_SECONDS` | `shutdown_seconds` | `30` |
//!
//! The file is named by `--config PATH` or `HEARD_CONFIG`.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

/// What went wrong reading settings. Each message says which setting and how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("could not read the settings file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("the settings file {path} is not valid TOML: {message}")]
    Parse { path: String, message: String },
    #[error("setting {name} = {value:?} is not valid: {hint}")]
    Invalid { name: &'static str, value: String, hint: &'static str },
}

/// A setting that must never reach a log or a page: `Debug` prints `[hidden]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for the one place that uses it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[hidden]")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Every setting Heard has, already checked.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub bind: String,
    pub public_url: String,
    pub secure_cookies: bool,
    pub max_body_bytes: usize,
    pub max_text_graphemes: usize,
    pub draft_days: i64,
    pub deletion_days: i64,
    pub pool_size: u32,
    pub workers: usize,
    pub log_format: LogFormat,
    /// `smtp://user:pass@host:587?tls=starttls`, `smtps://host:465`, or `smtp://127.0.0.1:2525`.
    pub smtp_url: Option<String>,
    pub mail_dir: String,
    pub mail_from: String,
    pub mail_per_minute: u32,
    pub sign_in_per_minute: u32,
    pub public_posts_per_minute: u32,
    pub trust_proxy: bool,
    pub metrics_token: Option<String>,
    /// The key resume and receipt codes are hashed with (see `startup::code_key`).
    pub code_key: Option<Secret>,
    pub keep_free_text_days: i64,
    pub shutdown_seconds: u64,
    /// Whether `secure_cookies` was set explicitly (otherwise it follows the public URL).
    secure_cookies_set: bool,
}

/// The optional file, every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    database_url: Option<String>,
    bind: Option<String>,
    public_url: Option<String>,
    secure_cookies: Option<bool>,
    max_body_bytes: Option<usize>,
    max_text_graphemes: Option<usize>,
    draft_days: Option<i64>,
    deletion_days: Option<i64>,
    pool_size: Option<u32>,
    workers: Option<usize>,
    log_format: Option<String>,
    smtp_url: Option<String>,
    mail_dir: Option<String>,
    mail_from: Option<String>,
    mail_per_minute: Option<u32>,
    sign_in_per_minute: Option<u32>,
    public_posts_per_minute: Option<u32>,
    trust_proxy: Option<bool>,
    metrics_token: Option<String>,
    code_key: Option<String>,
    keep_free_text_days: Option<i64>,
    shutdown_seconds: Option<u64>,
}

impl Default for Settings {
    fn default() -> Self {
        let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        Self {
            database_url: "sqlite://heard.db".into(),
            bind: "127.0.0.1:8080".into(),
            public_url: String::new(),
            secure_cookies: false,
            max_body_bytes: 64 * 1024,
            max_text_graphemes: 2000,
            draft_days: 30,
            deletion_days: 28,
            // Measured (README "Performance"): on 2 cores a pool of 4 served as many responses
            // per second as 8 on PostgreSQL, in 58 instead of 76 MiB at 256 respondents.
            pool_size: u32::try_from(workers * 2).unwrap_or(8).max(4),
            workers,
            log_format: LogFormat::Text,
            smtp_url: None,
            mail_dir: "mail".into(),
            mail_from: "Heard <heard@localhost>".into(),
            mail_per_minute: 120,
            sign_in_per_minute: 10,
            public_posts_per_minute: 3000,
            trust_proxy: false,
            metrics_token: None,
            code_key: None,
            keep_free_text_days: 1095,
            shutdown_seconds: 30,
            secure_cookies_set: false,
        }
    }
}

fn parse_env<T: std::str::FromStr>(
    env: &HashMap<String, String>,
    name: &'static str,
    hint: &'static str,
) -> Result<Option<T>, ConfigError> {
    match env.get(name) {
        None => Ok(None),
        Some(v) if v.trim().is_empty() => Ok(None),
        Some(v) => v.trim().parse().map(Some).map_err(|_| ConfigError::Invalid { name, value: v.clone(), hint }),
    }
}

fn parse_bool(name: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::Invalid { name, value: value.into(), hint: "use true or false" }),
    }
}

fn parse_log_format(name: &'static str, value: &str) -> Result<LogFormat, ConfigError> {
    match value.trim() {
        "text" => Ok(LogFormat::Text),
        "json" => Ok(LogFormat::Json),
        _ => Err(ConfigError::Invalid { name, value: value.into(), hint: "use text or json" }),
    }
}

impl Settings {
    /// Loads settings from the process environment and the optional file.
    pub fn load(config_file: Option<&Path>) -> Result<Self, ConfigError> {
        let env: HashMap<String, String> = std::env::vars().collect();
        Self::from_sources(config_file, &env)
    }

    /// Loads settings from an explicit environment map (tests use this).
    pub fn from_sources(config_file: Option<&Path>, env: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let mut s = Settings::default();
        let file_path = config_file
            .map(|p| p.to_string_lossy().into_owned())
            .or_else(|| env.get("HEARD_CONFIG").filter(|v| !v.trim().is_empty()).cloned());
        if let Some(path) = file_path {
            let text =
                std::fs::read_to_string(&path).map_err(|source| ConfigError::Read { path: path.clone(), source })?;
            let file: FileSettings =
                toml::from_str(&text).map_err(|e| ConfigError::Parse { path: path.clone(), message: e.to_string() })?;
            s.apply_file(file)?;
        }
        s.apply_env(env)?;
        s.check()?;
        Ok(s)
    }

    fn apply_file(&mut self, f: FileSettings) -> Result<(), ConfigError> {
        if let Some(v) = f.database_url {
            self.database_url = v;
        }
        if let Some(v) = f.bind {
            self.bind = v;
        }
        if let Some(v) = f.public_url {
            self.public_url = v;
        }
        if let Some(v) = f.secure_cookies {
            self.secure_cookies = v;
            self.secure_cookies_set = true;
        }
        if let Some(v) = f.max_body_bytes {
            self.max_body_bytes = v;
        }
        if let Some(v) = f.max_text_graphemes {
            self.max_text_graphemes = v;
        }
        if let Some(v) = f.draft_days {
            self.draft_days = v;
        }
        if let Some(v) = f.deletion_days {
            self.deletion_days = v;
        }
        if let Some(v) = f.pool_size {
            self.pool_size = v;
        }
        if let Some(v) = f.workers {
            self.workers = v;
        }
        if let Some(v) = f.log_format {
            self.log_format = parse_log_format("log_format", &v)?;
        }
        if let Some(v) = f.smtp_url {
            self.smtp_url = Some(v);
        }
        if let Some(v) = f.mail_dir {
            self.mail_dir = v;
        }
        if let Some(v) = f.mail_from {
            self.mail_from = v;
        }
        if let Some(v) = f.mail_per_minute {
            self.mail_per_minute = v;
        }
        if let Some(v) = f.sign_in_per_minute {
            self.sign_in_per_minute = v;
        }
        if let Some(v) = f.public_posts_per_minute {
            self.public_posts_per_minute = v;
        }
        if let Some(v) = f.trust_proxy {
            self.trust_proxy = v;
        }
        if let Some(v) = f.metrics_token {
            self.metrics_token = Some(v).filter(|t| !t.trim().is_empty());
        }
        if let Some(v) = f.code_key.filter(|t| !t.trim().is_empty()) {
            self.code_key = Some(Secret(v.trim().to_owned()));
        }
        if let Some(v) = f.keep_free_text_days {
            self.keep_free_text_days = v;
        }
        if let Some(v) = f.shutdown_seconds {
            self.shutdown_seconds = v;
        }
        Ok(())
    }

    fn apply_env(&mut self, env: &HashMap<String, String>) -> Result<(), ConfigError> {
        let text = |name: &str| env.get(name).filter(|v| !v.trim().is_empty()).map(|v| v.trim().to_owned());
        if let Some(v) = text("DATABASE_URL") {
            self.database_url = v;
        }
        if let Some(v) = text("HEARD_BIND") {
            self.bind = v;
        }
        if let Some(v) = text("HEARD_PUBLIC_URL") {
            self.public_url = v;
        }
        if let Some(v) = text("HEARD_SECURE_COOKIES") {
            self.secure_cookies = parse_bool("HEARD_SECURE_COOKIES", &v)?;
            self.secure_cookies_set = true;
        }
        if let Some(v) = parse_env(env, "HEARD_MAX_BODY_BYTES", "a whole number of bytes, e.g. 65536")? {
            self.max_body_bytes = v;
        }
        if let Some(v) = parse_env(env, "HEARD_MAX_TEXT_GRAPHEMES", "a whole number of characters, e.g. 2000")? {
            self.max_text_graphemes = v;
        }
        if let Some(v) = parse_env(env, "HEARD_DRAFT_DAYS", "a whole number of days, e.g. 30")? {
            self.draft_days = v;
        }
        if let Some(v) = parse_env(env, "HEARD_DELETION_DAYS", "a whole number of days, e.g. 28")? {
            self.deletion_days = v;
        }
        if let Some(v) = parse_env(env, "HEARD_POOL_SIZE", "a whole number of connections, e.g. 8")? {
            self.pool_size = v;
        }
        if let Some(v) = parse_env(env, "HEARD_WORKERS", "a whole number of threads, e.g. 2")? {
            self.workers = v;
        }
        if let Some(v) = text("HEARD_LOG_FORMAT") {
            self.log_format = parse_log_format("HEARD_LOG_FORMAT", &v)?;
        }
        if let Some(v) = text("SMTP_URL") {
            self.smtp_url = Some(v);
        }
        if let Some(v) = text("HEARD_MAIL_DIR") {
            self.mail_dir = v;
        }
        if let Some(v) = text("HEARD_MAIL_FROM") {
            self.mail_from = v;
        }
        if let Some(v) = parse_env(env, "HEARD_SIGN_IN_PER_MINUTE", "a whole number, e.g. 10 (0 turns the limit off)")?
        {
            self.sign_in_per_minute = v;
        }
        if let Some(v) =
            parse_env(env, "HEARD_PUBLIC_POSTS_PER_MINUTE", "a whole number, e.g. 3000 (0 turns the limit off)")?
        {
            self.public_posts_per_minute = v;
        }
        if let Some(v) = text("HEARD_TRUST_PROXY") {
            self.trust_proxy = parse_bool("HEARD_TRUST_PROXY", &v)?;
        }
        if let Some(v) = text("HEARD_METRICS_TOKEN") {
            self.metrics_token = Some(v);
        }
        if let Some(v) = text("HEARD_CODE_KEY") {
            self.code_key = Some(Secret(v));
        }
        if let Some(v) = parse_env(env, "HEARD_KEEP_FREE_TEXT_DAYS", "a whole number of days, e.g. 1095")? {
            self.keep_free_text_days = v;
        }
        if let Some(v) = parse_env(env, "HEARD_SHUTDOWN_SECONDS", "a whole number of seconds, e.g. 30")? {
            self.shutdown_seconds = v;
        }
        if let Some(v) = parse_env(env, "HEARD_MAIL_PER_MINUTE", "a whole number of messages, e.g. 120")? {
            self.mail_per_minute = v;
        }
        Ok(())
    }

    fn check(&mut self) -> Result<(), ConfigError> {
        crate::db::DatabaseUrl::parse(&self.database_url).map_err(|_| ConfigError::Invalid {
            name: "DATABASE_URL",
            value: self.database_url.clone(),
            hint: "use sqlite://PATH (for example sqlite://heard.db) or postgres://USER:PASSWORD@HOST/NAME",
        })?;
        if self.bind.parse::<std::net::SocketAddr>().is_err() && !self.bind.contains(':') {
            return Err(ConfigError::Invalid {
                name: "HEARD_BIND",
                value: self.bind.clone(),
                hint: "use HOST:PORT, e.g. 127.0.0.1:8080",
            });
        }
        if !(1024..=16 * 1024 * 1024).contains(&self.max_body_bytes) {
            return Err(ConfigError::Invalid {
                name: "HEARD_MAX_BODY_BYTES",
                value: self.max_body_bytes.to_string(),
                hint: "between 1024 and 16777216",
            });
        }
        if !(1..=36_500).contains(&self.keep_free_text_days) {
            return Err(ConfigError::Invalid {
                name: "HEARD_KEEP_FREE_TEXT_DAYS",
                value: self.keep_free_text_days.to_string(),
                hint: "between 1 and 36500 days",
            });
        }
        if !(10..=100_000).contains(&self.max_text_graphemes) {
            return Err(ConfigError::Invalid {
                name: "HEARD_MAX_TEXT_GRAPHEMES",
                value: self.max_text_graphemes.to_string(),
                hint: "between 10 and 100000",
            });
        }
        if !(1..=365).contains(&self.draft_days) {
            return Err(ConfigError::Invalid {
                name: "HEARD_DRAFT_DAYS",
                value: self.draft_days.to_string(),
                hint: "between 1 and 365",
            });
        }
        if !(0..=365).contains(&self.deletion_days) {
            return Err(ConfigError::Invalid {
                name: "HEARD_DELETION_DAYS",
                value: self.deletion_days.to_string(),
                hint: "between 0 and 365",
            });
        }
        if !(1..=256).contains(&self.pool_size) {
            return Err(ConfigError::Invalid {
                name: "HEARD_POOL_SIZE",
                value: self.pool_size.to_string(),
                hint: "between 1 and 256",
            });
        }
        if !(1..=256).contains(&self.workers) {
            return Err(ConfigError::Invalid {
                name: "HEARD_WORKERS",
                value: self.workers.to_string(),
                hint: "between 1 and 256",
            });
        }
        if self.public_url.trim().is_empty() {
            self.public_url = format!("http://{}", self.bind);
        }
        if !(self.public_url.starts_with("http://") || self.public_url.starts_with("https://")) {
            return Err(ConfigError::Invalid {
                name: "HEARD_PUBLIC_URL",
                value: self.public_url.clone(),
                hint: "start with http:// or https://",
            });
        }
        self.public_url = self.public_url.trim_end_matches('/').to_owned();
        if !self.secure_cookies_set {
            self.secure_cookies = self.public_url.starts_with("https://");
        }
        Ok(())
    }

    pub fn database(&self) -> Result<crate::db::DatabaseUrl, crate::db::DbError> {
        crate::db::DatabaseUrl::parse(&self.database_url)
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn defaults() {
        let s = Settings::from_sources(None, &env(&[])).expect("defaults are valid");
        assert_eq!(s.database_url, "sqlite://heard.db");
        assert_eq!(s.bind, "127.0.0.1:8080");
        assert_eq!(s.public_url, "http://127.0.0.1:8080");
        assert_eq!(s.max_text_graphemes, 2000);
        assert!(!s.secure_cookies);
    }

    #[test]
    fn file_then_environment() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("heard.toml");
        std::fs::write(
            &file,
            "bind = \"0.0.0.0:9000\"\nmax_text_graphemes = 500\npublic_url = \"https://heard.example/\"\n",
        )
        .expect("write");
        let s = Settings::from_sources(
            Some(&file),
            &env(&[("HEARD_MAX_TEXT_GRAPHEMES", "700"), ("HEARD_SECURE_COOKIES", "true")]),
        )
        .expect("valid");
        assert_eq!(s.bind, "0.0.0.0:9000");
        assert_eq!(s.max_text_graphemes, 700, "environment wins over the file");
        assert_eq!(s.public_url, "https://heard.example");
        assert!(s.secure_cookies);
        let https =
            Settings::from_sources(None, &env(&[("HEARD_PUBLIC_URL", "https://heard.example")])).expect("valid");
        assert!(https.secure_cookies, "an https public URL means secure cookies by default");
        let off = Settings::from_sources(
            None,
            &env(&[("HEARD_PUBLIC_URL", "https://x.example"), ("HEARD_SECURE_COOKIES", "false")]),
        )
        .expect("valid");
        assert!(!off.secure_cookies, "unless turned off explicitly");
    }

    #[test]
    fn clear_errors() {
        let e = Settings::from_sources(None, &env(&[("DATABASE_URL", "mysql://x")])).expect_err("refused");
        assert!(e.to_string().contains("sqlite://PATH"), "{e}");
        let e = Settings::from_sources(None, &env(&[("HEARD_MAX_TEXT_GRAPHEMES", "lots")])).expect_err("refused");
        assert!(e.to_string().contains("HEARD_MAX_TEXT_GRAPHEMES"), "{e}");
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, "bnid = \"x\"\n").expect("write");
        let e = Settings::from_sources(Some(&file), &env(&[])).expect_err("refused");
        assert!(e.to_string().contains("unknown field"), "{e}");
    }
}
