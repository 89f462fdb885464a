//! Settings: one struct, layered from built-in defaults, then an optional TOML file, then
//! environment variables (environment wins). Nothing else in Heard reads the environment.
//! The file is named by `--config PATH` or `HEARD_CONFIG`.
//!
//! Each setting is declared once, in the [`settings!`] list below: its name (which is also its
//! key in the file), its Rust type, how it is read (its [`Kind`]), its default, its environment
//! variable, the hint shown when a value is refused, and its one-line doc. From that list the
//! macro makes
//! - the [`Settings`] struct (the doc becomes each field's doc) and its [`Default`];
//! - the file's shape (every key optional, unknown keys refused) and how each key is applied;
//! - how each environment variable is applied (an empty or blank variable counts as unset);
//! - [`markdown_table`], the settings table in README.md. A unit test fails when README.md's
//!   table differs from it, so the documentation cannot drift from the code.
//!
//! Only the checks that span settings or ranges (`Settings::check`) are written by hand, in
//! the order they have always run; they name settings through `ENV`, made from the same list.
//!
//! `database_url`, `smtp_url`, `metrics_token` and `code_key` are [`Secret`]s: `Debug` of
//! [`Settings`] (and so any log line) prints `[hidden]` for them, and callers ask for the value
//! with [`Secret::expose`].
//!
//! The layering is hand-made rather than done with the `figment` crate: `figment`'s `Env`
//! provider reads only the process environment (Heard layers an explicit map, which the tests
//! use), its `Toml::file` quietly skips a missing file (Heard refuses it), it turns
//! numeric-looking environment values into numbers (a token or key of digits would fail as a
//! string), and its error messages are its own, where Heard's name the variable and the fix.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use serde::de::DeserializeOwned;

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

/// Compares in constant time, like every comparison with a secret.
impl PartialEq<str> for Secret {
    fn eq(&self, other: &str) -> bool {
        crate::security::constant_time_eq(self.0.as_bytes(), other.as_bytes())
    }
}

impl PartialEq<&str> for Secret {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Who must use two-factor sign-in (a code from an authenticator app) with a local password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TwoFactor {
    /// Required of admins and superadmins; offered to everyone else (the default).
    Admins,
    /// Required of every local account.
    Everyone,
    /// Offered to everyone, required of nobody: for trial and test instances only (Heard
    /// warns at start).
    Optional,
}

/// How one kind of setting is read from the environment and from the file, and how its
/// default is shown in the documentation.
trait Kind {
    /// The type the setting has in [`Settings`].
    type Value;
    /// The type its key has in the TOML file.
    type File: DeserializeOwned;
    /// From an environment variable's value, as set (never empty or blank).
    fn from_env(name: &'static str, raw: &str, hint: &'static str) -> Result<Self::Value, ConfigError>;
    /// From the file's value; `None` leaves the setting as it was.
    fn from_file(key: &'static str, value: Self::File) -> Result<Option<Self::Value>, ConfigError>;
    /// The default, for the documentation table.
    fn show(value: &Self::Value) -> String;
}

/// Text, taken as written in the file and trimmed in the environment.
struct Text;

impl Kind for Text {
    type Value = String;
    type File = String;
    fn from_env(_: &'static str, raw: &str, _: &'static str) -> Result<String, ConfigError> {
        Ok(raw.trim().to_owned())
    }
    fn from_file(_: &'static str, value: String) -> Result<Option<String>, ConfigError> {
        Ok(Some(value))
    }
    fn show(value: &String) -> String {
        format!("`{value}`")
    }
}

/// A whole number; the environment's value is refused with the setting's hint.
struct Number<T>(std::marker::PhantomData<T>);

impl<T: std::str::FromStr + DeserializeOwned + std::fmt::Display> Kind for Number<T> {
    type Value = T;
    type File = T;
    fn from_env(name: &'static str, raw: &str, hint: &'static str) -> Result<T, ConfigError> {
        raw.trim().parse().map_err(|_| ConfigError::Invalid { name, value: raw.to_owned(), hint })
    }
    fn from_file(_: &'static str, value: T) -> Result<Option<T>, ConfigError> {
        Ok(Some(value))
    }
    fn show(value: &T) -> String {
        format!("`{value}`")
    }
}

/// `true` or `false` (the environment also takes `1`/`0`, `yes`/`no`, `on`/`off`).
struct Flag;

impl Kind for Flag {
    type Value = bool;
    type File = bool;
    fn from_env(name: &'static str, raw: &str, _: &'static str) -> Result<bool, ConfigError> {
        parse_bool(name, raw.trim())
    }
    fn from_file(_: &'static str, value: bool) -> Result<Option<bool>, ConfigError> {
        Ok(Some(value))
    }
    fn show(value: &bool) -> String {
        format!("`{value}`")
    }
}

/// `text` or `json`.
struct Format;

impl Kind for Format {
    type Value = LogFormat;
    type File = String;
    fn from_env(name: &'static str, raw: &str, _: &'static str) -> Result<LogFormat, ConfigError> {
        parse_log_format(name, raw.trim())
    }
    fn from_file(key: &'static str, value: String) -> Result<Option<LogFormat>, ConfigError> {
        parse_log_format(key, &value).map(Some)
    }
    fn show(value: &LogFormat) -> String {
        match value {
            LogFormat::Text => "`text`".into(),
            LogFormat::Json => "`json`".into(),
        }
    }
}

/// Secret text, taken as written in the file and trimmed in the environment.
struct SecretText;

impl Kind for SecretText {
    type Value = Secret;
    type File = String;
    fn from_env(_: &'static str, raw: &str, _: &'static str) -> Result<Secret, ConfigError> {
        Ok(Secret(raw.trim().to_owned()))
    }
    fn from_file(_: &'static str, value: String) -> Result<Option<Secret>, ConfigError> {
        Ok(Some(Secret(value)))
    }
    fn show(value: &Secret) -> String {
        format!("`{}`", value.expose())
    }
}

/// An optional secret, taken as written in the file (even empty) and trimmed in the environment.
struct OptionalSecret;

impl Kind for OptionalSecret {
    type Value = Option<Secret>;
    type File = String;
    fn from_env(_: &'static str, raw: &str, _: &'static str) -> Result<Option<Secret>, ConfigError> {
        Ok(Some(Secret(raw.trim().to_owned())))
    }
    fn from_file(_: &'static str, value: String) -> Result<Option<Option<Secret>>, ConfigError> {
        Ok(Some(Some(Secret(value))))
    }
    fn show(value: &Option<Secret>) -> String {
        value.as_ref().map_or_else(|| "none".into(), |v| format!("`{}`", v.expose()))
    }
}

/// An optional secret token: a blank value in the file means none.
struct Token;

impl Kind for Token {
    type Value = Option<Secret>;
    type File = String;
    fn from_env(name: &'static str, raw: &str, hint: &'static str) -> Result<Option<Secret>, ConfigError> {
        OptionalSecret::from_env(name, raw, hint)
    }
    fn from_file(_: &'static str, value: String) -> Result<Option<Option<Secret>>, ConfigError> {
        Ok(Some(Some(Secret(value)).filter(|t| !t.expose().trim().is_empty())))
    }
    fn show(value: &Option<Secret>) -> String {
        OptionalSecret::show(value)
    }
}

/// An optional secret key, trimmed in the file too; a blank value in the file is ignored.
struct Key;

impl Kind for Key {
    type Value = Option<Secret>;
    type File = String;
    fn from_env(name: &'static str, raw: &str, hint: &'static str) -> Result<Option<Secret>, ConfigError> {
        OptionalSecret::from_env(name, raw, hint)
    }
    fn from_file(_: &'static str, value: String) -> Result<Option<Option<Secret>>, ConfigError> {
        Ok(Some(value).filter(|t| !t.trim().is_empty()).map(|v| Some(Secret(v.trim().to_owned()))))
    }
    fn show(value: &Option<Secret>) -> String {
        OptionalSecret::show(value)
    }
}

fn parse_bool(name: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::Invalid { name, value: value.into(), hint: "use true or false" }),
    }
}

struct TwoFactorKind;

impl Kind for TwoFactorKind {
    type Value = TwoFactor;
    type File = String;
    fn from_env(name: &'static str, raw: &str, _: &'static str) -> Result<TwoFactor, ConfigError> {
        parse_two_factor(name, raw.trim())
    }
    fn from_file(key: &'static str, value: String) -> Result<Option<TwoFactor>, ConfigError> {
        parse_two_factor(key, &value).map(Some)
    }
    fn show(value: &TwoFactor) -> String {
        match value {
            TwoFactor::Admins => "`admins`".into(),
            TwoFactor::Everyone => "`everyone`".into(),
            TwoFactor::Optional => "`optional`".into(),
        }
    }
}

fn parse_two_factor(name: &'static str, value: &str) -> Result<TwoFactor, ConfigError> {
    match value.trim() {
        "admins" => Ok(TwoFactor::Admins),
        "everyone" => Ok(TwoFactor::Everyone),
        "optional" => Ok(TwoFactor::Optional),
        _ => Err(ConfigError::Invalid { name, value: value.into(), hint: "use admins, everyone or optional" }),
    }
}

fn parse_log_format(name: &'static str, value: &str) -> Result<LogFormat, ConfigError> {
    match value.trim() {
        "text" => Ok(LogFormat::Text),
        "json" => Ok(LogFormat::Json),
        _ => Err(ConfigError::Invalid { name, value: value.into(), hint: "use text or json" }),
    }
}

/// The number of cores, which two defaults follow.
fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)
}

/// `|` inside a Markdown table cell must be escaped, even inside a code span.
fn markdown_cell(text: &str) -> String {
    text.trim().replace('|', "\\|")
}

/// The first of the given literals, else the default (for the optional parts of a declaration).
macro_rules! first_or {
    ($default:expr, $given:expr) => {
        $given
    };
    ($default:expr) => {
        $default
    };
}

/// Declares every setting once; see the module documentation. Each entry is
/// `/// doc` then `name: Type as Kind = default, env "VARIABLE"`, optionally followed by
/// `, hint "..."` (shown when the environment's value is refused) and `, shown "..."` (the
/// default as the documentation table says it, when it is worked out rather than fixed).
macro_rules! settings {
    ($(
        $(#[doc = $doc:literal])+
        $name:ident: $ty:ty as $kind:ty = $default:expr, env $env:literal
            $(, hint $hint:literal)? $(, shown $shown:literal)?;
    )+) => {
        /// Every setting Heard has, already checked.
        #[derive(Debug, Clone)]
        pub struct Settings {
            $(
                $(#[doc = $doc])+
                pub $name: $ty,
            )+
        }

        impl Default for Settings {
            fn default() -> Self {
                Self { $($name: $default,)+ }
            }
        }

        /// One value for each setting, under the setting's name. (Which settings were given is
        /// read only for those whose default follows another setting, hence the `allow`.)
        #[allow(dead_code)]
        #[derive(Default)]
        struct PerSetting<T> {
            $($name: T,)+
        }

        /// Each setting's environment variable.
        const ENV: PerSetting<&'static str> = PerSetting { $($name: $env,)+ };

        /// The optional file, every key optional.
        #[derive(Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct FileSettings {
            $($name: Option<<$kind as Kind>::File>,)+
        }

        impl Settings {
            /// Applies the file's keys, noting which settings it gave.
            fn apply_file(&mut self, f: FileSettings, given: &mut PerSetting<bool>) -> Result<(), ConfigError> {
                $(
                    if let Some(v) = f.$name {
                        given.$name = true;
                        if let Some(v) = <$kind as Kind>::from_file(stringify!($name), v)? {
                            self.$name = v;
                        }
                    }
                )+
                Ok(())
            }

            /// Applies the environment's variables (blank ones count as unset), noting which
            /// settings they gave.
            fn apply_env(&mut self, env: &HashMap<String, String>, given: &mut PerSetting<bool>) -> Result<(), ConfigError> {
                $(
                    if let Some(raw) = env.get(ENV.$name).filter(|v| !v.trim().is_empty()) {
                        self.$name = <$kind as Kind>::from_env(ENV.$name, raw, first_or!("" $(, $hint)?))?;
                        given.$name = true;
                    }
                )+
                Ok(())
            }
        }

        /// The settings table of README.md (environment variable, file key, default, meaning),
        /// made from the declarations.
        pub fn markdown_table() -> String {
            let defaults = Settings::default();
            let mut table = String::from("| environment | file key | default | meaning |\n|---|---|---|---|\n");
            $(
                table.push_str(&format!(
                    "| `{}` | `{}` | {} | {} |\n",
                    $env,
                    stringify!($name),
                    first_or!(<$kind as Kind>::show(&defaults.$name) $(, String::from($shown))?),
                    markdown_cell(&[$($doc),+].map(str::trim).join(" ")),
                ));
            )+
            table
        }
    };
}

settings! {
    /// `sqlite://PATH` or `postgres://USER:PASSWORD@HOST/NAME`
    database_url: Secret as SecretText = Secret::new("sqlite://heard.db"), env "DATABASE_URL";
    /// address to listen on
    bind: String as Text = "127.0.0.1:8080".into(), env "HEARD_BIND";
    /// the address people use: every link Heard gives out starts with it (`heard serve` warns when it is unset or local)
    public_url: String as Text = String::new(), env "HEARD_PUBLIC_URL", shown "`http://` + bind";
    /// cookies get `Secure`, responses get HSTS
    secure_cookies: bool as Flag = false, env "HEARD_SECURE_COOKIES",
        shown "`true` if the public URL is `https://`";
    /// largest form accepted
    max_body_bytes: usize as Number<usize> = 64 * 1024, env "HEARD_MAX_BODY_BYTES",
        hint "a whole number of bytes, e.g. 65536";
    /// longest free-text answer, in characters as people see them (grapheme clusters)
    max_text_graphemes: usize as Number<usize> = 2000, env "HEARD_MAX_TEXT_GRAPHEMES",
        hint "a whole number of characters, e.g. 2000";
    /// how long unsent answers are kept for "save and come back"
    draft_days: i64 as Number<i64> = 30, env "HEARD_DRAFT_DAYS", hint "a whole number of days, e.g. 30";
    /// how long a receipt code can delete a response
    deletion_days: i64 as Number<i64> = 28, env "HEARD_DELETION_DAYS", hint "a whole number of days, e.g. 28";
    /// database connections for blocking work (on SQLite each HTTP worker has one more of its own); with several
    /// instances on one PostgreSQL, keep instances × pool under its `max_connections`
    // Measured (README "Performance"): on 2 cores a pool of 4 served as many responses per second
    // as 8 on PostgreSQL, in 58 instead of 76 MiB at 256 respondents.
    pool_size: u32 as Number<u32> = u32::try_from(cores() * 2).unwrap_or(8).max(4), env "HEARD_POOL_SIZE",
        hint "a whole number of connections, e.g. 8", shown "twice the cores, at least 4";
    /// HTTP worker threads
    workers: usize as Number<usize> = cores(), env "HEARD_WORKERS", hint "a whole number of threads, e.g. 2",
        shown "number of cores";
    /// `json` for structured logs; levels from `RUST_LOG`
    log_format: LogFormat as Format = LogFormat::Text, env "HEARD_LOG_FORMAT";
    /// mail server: `smtp://user:pass@mail.example:587?tls=starttls`, `smtps://mail.example`,
    /// `smtp://127.0.0.1:2525` (`tls=none|starttls|tls`; 465 means TLS and 587 STARTTLS when not given).
    /// Without it, messages are written as `.eml` files
    smtp_url: Option<Secret> as OptionalSecret = None, env "SMTP_URL";
    /// folder for `.eml` files when there is no `SMTP_URL`
    mail_dir: String as Text = "mail".into(), env "HEARD_MAIL_DIR";
    /// the sender
    mail_from: String as Text = "Heard <heard@localhost>".into(), env "HEARD_MAIL_FROM";
    /// most messages sent in any minute
    mail_per_minute: u32 as Number<u32> = 120, env "HEARD_MAIL_PER_MINUTE",
        hint "a whole number of messages, e.g. 120";
    /// staff sign-in, forgot-password and reset posts per minute per client address (`0`: no limit)
    sign_in_per_minute: u32 as Number<u32> = 10, env "HEARD_SIGN_IN_PER_MINUTE",
        hint "a whole number, e.g. 10 (0 turns the limit off)";
    /// other public form posts per minute per client address, in bursts of a fifth of that (a school answering
    /// from one address passes); `0`: no limit
    public_posts_per_minute: u32 as Number<u32> = 3000, env "HEARD_PUBLIC_POSTS_PER_MINUTE",
        hint "a whole number, e.g. 3000 (0 turns the limit off)";
    /// take the client address from the last `X-Forwarded-For` entry (only behind your own load balancer)
    trust_proxy: bool as Flag = false, env "HEARD_TRUST_PROXY";
    /// when set, `/metrics` needs `Authorization: Bearer TOKEN`; unset, `/metrics` answers only requests from
    /// this machine that no proxy passed on
    metrics_token: Option<Secret> as Token = None, env "HEARD_METRICS_TOKEN";
    /// the key (at least 16 characters, best 32 random ones, the same on every instance) resume and receipt
    /// codes are hashed with, kept out of the database so a copy of the database alone cannot be used to test
    /// codes. Set it with PostgreSQL; without it Heard warns and uses a secret in the database. Back the key up
    /// with the database: without it, codes already given stop working (see `startup::code_key`)
    code_key: Option<Secret> as Key = None, env "HEARD_CODE_KEY",
        shown "a key file beside an SQLite database (`heard.db.key`)";
    /// days free-text answers are kept after sending, for waves that do not set `[wave] keep_free_text_days`
    keep_free_text_days: i64 as Number<i64> = 1095, env "HEARD_KEEP_FREE_TEXT_DAYS",
        hint "a whole number of days, e.g. 1095";
    /// who must sign in with a code from an authenticator app as well as their password: `admins` (admins and
    /// superadmins; everyone else may choose to), `everyone`, or `optional` (nobody must: for trial and test
    /// instances only)
    two_factor: TwoFactor as TwoFactorKind = TwoFactor::Admins, env "HEARD_TWO_FACTOR";
    /// a staff session ends after this many minutes without use
    session_idle_minutes: i64 as Number<i64> = 120, env "HEARD_SESSION_IDLE_MINUTES",
        hint "a whole number of minutes, e.g. 120";
    /// a staff session ends this many hours after signing in, however much it is used
    session_absolute_hours: i64 as Number<i64> = 12, env "HEARD_SESSION_ABSOLUTE_HOURS",
        hint "a whole number of hours, e.g. 12";
    /// how far apart Heard's clock and a single sign-on provider's may be when an ID token's times are checked
    sso_clock_skew_seconds: i64 as Number<i64> = 120, env "HEARD_SSO_CLOCK_SKEW_SECONDS",
        hint "a whole number of seconds, e.g. 120";
    /// on SIGTERM/SIGINT, how long requests in flight may take to finish
    shutdown_seconds: u64 as Number<u64> = 30, env "HEARD_SHUTDOWN_SECONDS",
        hint "a whole number of seconds, e.g. 30";
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
        let mut given = PerSetting::default();
        let file_path = config_file
            .map(|p| p.to_string_lossy().into_owned())
            .or_else(|| env.get("HEARD_CONFIG").filter(|v| !v.trim().is_empty()).cloned());
        if let Some(path) = file_path {
            let text =
                std::fs::read_to_string(&path).map_err(|source| ConfigError::Read { path: path.clone(), source })?;
            let file: FileSettings =
                toml::from_str(&text).map_err(|e| ConfigError::Parse { path: path.clone(), message: e.to_string() })?;
            s.apply_file(file, &mut given)?;
        }
        s.apply_env(env, &mut given)?;
        s.check(&given)?;
        Ok(s)
    }

    /// The checks of ranges and between settings, in the order they have always run.
    fn check(&mut self, given: &PerSetting<bool>) -> Result<(), ConfigError> {
        crate::db::DatabaseUrl::parse(self.database_url.expose()).map_err(|_| ConfigError::Invalid {
            name: ENV.database_url,
            value: self.database_url.expose().to_owned(),
            hint: "use sqlite://PATH (for example sqlite://heard.db) or postgres://USER:PASSWORD@HOST/NAME",
        })?;
        if self.bind.parse::<std::net::SocketAddr>().is_err() && !self.bind.contains(':') {
            return Err(ConfigError::Invalid {
                name: ENV.bind,
                value: self.bind.clone(),
                hint: "use HOST:PORT, e.g. 127.0.0.1:8080",
            });
        }
        if !(1024..=16 * 1024 * 1024).contains(&self.max_body_bytes) {
            return Err(ConfigError::Invalid {
                name: ENV.max_body_bytes,
                value: self.max_body_bytes.to_string(),
                hint: "between 1024 and 16777216",
            });
        }
        if !(1..=36_500).contains(&self.keep_free_text_days) {
            return Err(ConfigError::Invalid {
                name: ENV.keep_free_text_days,
                value: self.keep_free_text_days.to_string(),
                hint: "between 1 and 36500 days",
            });
        }
        if !(10..=100_000).contains(&self.max_text_graphemes) {
            return Err(ConfigError::Invalid {
                name: ENV.max_text_graphemes,
                value: self.max_text_graphemes.to_string(),
                hint: "between 10 and 100000",
            });
        }
        if !(1..=365).contains(&self.draft_days) {
            return Err(ConfigError::Invalid {
                name: ENV.draft_days,
                value: self.draft_days.to_string(),
                hint: "between 1 and 365",
            });
        }
        if !(0..=365).contains(&self.deletion_days) {
            return Err(ConfigError::Invalid {
                name: ENV.deletion_days,
                value: self.deletion_days.to_string(),
                hint: "between 0 and 365",
            });
        }
        if !(5..=1440).contains(&self.session_idle_minutes) {
            return Err(ConfigError::Invalid {
                name: ENV.session_idle_minutes,
                value: self.session_idle_minutes.to_string(),
                hint: "between 5 and 1440 minutes",
            });
        }
        if !(1..=720).contains(&self.session_absolute_hours) {
            return Err(ConfigError::Invalid {
                name: ENV.session_absolute_hours,
                value: self.session_absolute_hours.to_string(),
                hint: "between 1 and 720 hours",
            });
        }
        if self.session_idle_minutes > self.session_absolute_hours * 60 {
            return Err(ConfigError::Invalid {
                name: ENV.session_idle_minutes,
                value: self.session_idle_minutes.to_string(),
                hint: "no longer than HEARD_SESSION_ABSOLUTE_HOURS",
            });
        }
        if !(0..=600).contains(&self.sso_clock_skew_seconds) {
            return Err(ConfigError::Invalid {
                name: ENV.sso_clock_skew_seconds,
                value: self.sso_clock_skew_seconds.to_string(),
                hint: "between 0 and 600 seconds",
            });
        }
        if !(1..=256).contains(&self.pool_size) {
            return Err(ConfigError::Invalid {
                name: ENV.pool_size,
                value: self.pool_size.to_string(),
                hint: "between 1 and 256",
            });
        }
        if !(1..=256).contains(&self.workers) {
            return Err(ConfigError::Invalid {
                name: ENV.workers,
                value: self.workers.to_string(),
                hint: "between 1 and 256",
            });
        }
        if self.public_url.trim().is_empty() {
            self.public_url = format!("http://{}", self.bind);
        }
        if !(self.public_url.starts_with("http://") || self.public_url.starts_with("https://")) {
            return Err(ConfigError::Invalid {
                name: ENV.public_url,
                value: self.public_url.clone(),
                hint: "start with http:// or https://",
            });
        }
        self.public_url = self.public_url.trim_end_matches('/').to_owned();
        if !given.secure_cookies {
            self.secure_cookies = self.public_url.starts_with("https://");
        }
        Ok(())
    }

    /// Why the public address will not work for people on their own phones, if it will not:
    /// it is unset (and so made from the bind address) or names this machine or a private
    /// network. Every link Heard gives out (the "saved" page, emails, QR codes) starts with it.
    pub fn public_url_warning(&self) -> Option<String> {
        let rest = self.public_url.split_once("://").map_or(self.public_url.as_str(), |(_, r)| r);
        let authority = rest.split('/').next().unwrap_or(rest);
        let host = match authority.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(v6),
            None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
        };
        let local = host.eq_ignore_ascii_case("localhost")
            || host.to_ascii_lowercase().ends_with(".localhost")
            || match host.parse::<std::net::IpAddr>() {
                Ok(std::net::IpAddr::V4(ip)) => {
                    ip.is_loopback() || ip.is_unspecified() || ip.is_private() || ip.is_link_local()
                }
                Ok(std::net::IpAddr::V6(ip)) => {
                    ip.is_loopback()
                        || ip.is_unspecified()
                        || (ip.segments()[0] & 0xfe00) == 0xfc00
                        || (ip.segments()[0] & 0xffc0) == 0xfe80
                }
                Err(_) => false,
            };
        local.then(|| {
            format!(
                "the public address is {}, which people's phones cannot open: the links Heard gives out (the \"saved\" page, emails, QR codes) will not work for them. Set {} to the address people use, like https://heard.example.org",
                self.public_url, ENV.public_url
            )
        })
    }

    pub fn database(&self) -> Result<crate::db::DatabaseUrl, crate::db::DbError> {
        crate::db::DatabaseUrl::parse(self.database_url.expose())
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn warns_when_the_public_address_is_unset_or_local() {
        let with = |url: &str| {
            let mut pairs = vec![("HEARD_BIND", "0.0.0.0:8080")];
            if !url.is_empty() {
                pairs.push(("HEARD_PUBLIC_URL", url));
            }
            Settings::from_sources(None, &env(&pairs)).expect("settings").public_url_warning()
        };
        for local in [
            "",
            "http://localhost:8080",
            "http://127.0.0.1:8080/",
            "http://192.168.1.20",
            "http://10.1.2.3:80",
            "http://[::1]:8080",
            "http://heard.localhost",
        ] {
            let w = with(local);
            assert!(w.as_deref().is_some_and(|w| w.contains("HEARD_PUBLIC_URL")), "{local:?}: {w:?}");
        }
        for public in [
            "https://heard.example.org",
            "https://heard.torbay.gov.uk/",
            "http://81.2.69.160:8080",
            "https://[2001:db8::1]",
        ] {
            assert_eq!(with(public), None, "{public}");
        }
    }

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

    #[test]
    fn debug_hides_secrets() {
        let secrets = [
            ("DATABASE_URL", "postgres://heard:pg-pass-7f3a@127.0.0.1/heard"),
            ("SMTP_URL", "smtp://mailer:smtp-pass-91c2@mail.example:587"),
            ("HEARD_METRICS_TOKEN", "metrics-token-5d8e"),
            ("HEARD_CODE_KEY", "code-key-0b4f-long-enough"),
        ];
        let s = Settings::from_sources(None, &env(&secrets)).expect("valid");
        assert_eq!(s.database_url, secrets[0].1);
        assert_eq!(s.smtp_url.as_ref().map(Secret::expose), Some(secrets[1].1));
        assert_eq!(s.metrics_token.as_ref().map(Secret::expose), Some(secrets[2].1));
        assert_eq!(s.code_key.as_ref().map(Secret::expose), Some(secrets[3].1));
        let debug = format!("{s:?}");
        for (name, value) in secrets {
            assert!(!debug.contains(value), "{name}'s value is in {debug}");
        }
        for secret in ["pg-pass-7f3a", "smtp-pass-91c2", "metrics-token-5d8e", "code-key-0b4f"] {
            assert!(!debug.contains(secret), "{secret} is in {debug}");
        }
        assert_eq!(debug.matches("[hidden]").count(), 4, "{debug}");

        // The same from the file.
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("heard.toml");
        let keys = ["database_url", "smtp_url", "metrics_token", "code_key"];
        let toml: String = keys.iter().zip(secrets).map(|(key, (_, value))| format!("{key} = {value:?}\n")).collect();
        std::fs::write(&file, toml).expect("write");
        let s = Settings::from_sources(Some(&file), &env(&[])).expect("valid");
        assert_eq!(s.database_url, secrets[0].1);
        assert_eq!(s.code_key.as_ref().map(Secret::expose), Some(secrets[3].1));
        let debug = format!("{s:?}");
        for (name, value) in secrets {
            assert!(!debug.contains(value), "{name}'s value is in {debug}");
        }
    }

    #[test]
    fn readme_settings_table_is_the_generated_one() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
        let readme = std::fs::read_to_string(path).expect("README.md");
        let generated = markdown_table();
        let header = generated.lines().next().expect("header");
        let table: String = readme
            .lines()
            .skip_while(|l| *l != header)
            .take_while(|l| l.starts_with('|'))
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(!table.is_empty(), "README.md has no settings table starting with {header}");
        assert!(
            table == generated,
            "README.md's settings table differs from config::markdown_table(); replace it with:\n\n{generated}"
        );
    }

    #[test]
    fn the_table_lists_every_setting_once() {
        let table = markdown_table();
        let rows: Vec<&str> = table.lines().skip(2).collect();
        assert_eq!(rows.len(), 26, "{table}");
        let mut names: Vec<&str> = rows.iter().filter_map(|r| r.split('`').nth(1)).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), rows.len(), "each environment variable once: {table}");
        assert!(table.contains("| `HEARD_MAX_BODY_BYTES` | `max_body_bytes` | `65536` | largest form accepted |"));
        assert!(table.contains("(`tls=none\\|starttls\\|tls`;"), "pipes are escaped: {table}");
    }
}
