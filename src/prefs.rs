//! The visitor's display settings and chosen language, for the request in hand.
//!
//! Both live in cookies the visitor sets at `/settings` and with the language switcher, so
//! they work without JavaScript and on shared devices can be changed by anyone. A middleware
//! ([`scope`]) reads them once per request into a task-local, and [`crate::routes::pages::PageMeta`]
//! reads [`current`] when a page is built, so no handler has to pass them along.

use std::future::Future;

use serde::Serialize;

/// Cookie holding display settings: letters from [`Display::LETTERS`].
pub const DISPLAY_COOKIE: &str = "heard_display";
/// Cookie holding the chosen language tag (e.g. `pl`).
pub const LANG_COOKIE: &str = "heard_lang";

/// Display settings. Each is off unless the visitor turns it on; the device's own
/// preferences (contrast, motion, dark mode) apply through CSS media queries either way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Display {
    pub large_text: bool,
    pub high_contrast: bool,
    pub spacing: bool,
    pub reduced_motion: bool,
}

impl Display {
    /// One letter per setting in the cookie: `t`ext, `c`ontrast, `s`pacing, `m`otion.
    pub const LETTERS: [char; 4] = ['t', 'c', 's', 'm'];

    pub fn from_cookie(value: &str) -> Self {
        Self {
            large_text: value.contains('t'),
            high_contrast: value.contains('c'),
            spacing: value.contains('s'),
            reduced_motion: value.contains('m'),
        }
    }

    pub fn to_cookie(self) -> String {
        let mut s = String::new();
        for (on, letter) in
            [self.large_text, self.high_contrast, self.spacing, self.reduced_motion].into_iter().zip(Self::LETTERS)
        {
            if on {
                s.push(letter);
            }
        }
        s
    }

    /// Classes for the `<html>` element (`d-text d-contrast d-spacing d-motion`).
    pub fn classes(self) -> String {
        let mut v = Vec::new();
        if self.large_text {
            v.push("d-text");
        }
        if self.high_contrast {
            v.push("d-contrast");
        }
        if self.spacing {
            v.push("d-spacing");
        }
        if self.reduced_motion {
            v.push("d-motion");
        }
        v.join(" ")
    }

    pub fn is_default(self) -> bool {
        self == Self::default()
    }
}

/// What one request carries: display settings, the language asked for, and where the page is
/// (so the settings link and language switcher can bring the visitor back).
#[derive(Debug, Clone, Default)]
pub struct Prefs {
    pub display: Display,
    /// The language tag from the cookie, when it names one Heard has words for.
    pub lang: Option<String>,
    /// Path and query of the page being shown.
    pub here: String,
    /// Set when this device is a shared tablet in kiosk mode.
    pub kiosk: Option<Kiosk>,
}

/// A shared tablet's kiosk mode, from its signed cookie: which session, wave and audience it
/// is held to, and after how long without use it goes back to the start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kiosk {
    pub session_id: String,
    pub wave: String,
    pub audience: String,
    pub idle_minutes: i64,
    /// Unix seconds after which the cookie no longer counts (the session's end).
    pub until: i64,
}

/// Cookie holding kiosk mode (signed).
pub const KIOSK_COOKIE: &str = "heard_kiosk";

impl Kiosk {
    /// The fields as signed: `session.wave.audience.idle.until`.
    pub fn payload(&self) -> String {
        format!("{}.{}.{}.{}.{}", self.session_id, self.wave, self.audience, self.idle_minutes, self.until)
    }

    pub fn from_payload(p: &str) -> Option<Self> {
        let mut parts = p.split('.');
        let k = Self {
            session_id: parts.next()?.to_owned(),
            wave: parts.next()?.to_owned(),
            audience: parts.next()?.to_owned(),
            idle_minutes: parts.next()?.parse().ok()?,
            until: parts.next()?.parse().ok()?,
        };
        parts.next().is_none().then_some(k)
    }

    /// The start page this tablet always returns to.
    pub fn start(&self) -> String {
        format!("/s/{}/{}", self.wave, self.audience)
    }

    /// Whether a kiosk may show `path`; anything else sends it back to its start.
    pub fn allows(&self, path: &str) -> bool {
        let wave = format!("/s/{}", self.wave);
        path == wave
            || path.starts_with(&format!("{wave}/"))
            || ["/assets/", "/media/", "/kiosk/"].iter().any(|p| path.starts_with(p))
            || ["/settings", "/language", "/healthz", "/readyz"].contains(&path)
    }
}

tokio::task_local! {
    static CURRENT: Prefs;
}

/// The current request's preferences (defaults outside a request, e.g. in the CLI).
pub fn current() -> Prefs {
    CURRENT.try_with(Clone::clone).unwrap_or_default()
}

/// Runs `f` with `prefs` as the current request's preferences.
pub async fn scope<F: Future>(prefs: Prefs, f: F) -> F::Output {
    CURRENT.scope(prefs, f).await
}

/// A return address that stays on this site: a path starting with one `/`, no backslashes or
/// control characters, at most 500 bytes. Anything else becomes `/`.
pub fn safe_back(back: Option<&str>) -> String {
    match back {
        Some(b)
            if b.starts_with('/')
                && !b.starts_with("//")
                && b.len() <= 500
                && !b.contains('\\')
                && !b.chars().any(char::is_control) =>
        {
            b.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn display_round_trips_through_its_cookie() {
        let d = Display { large_text: true, high_contrast: false, spacing: true, reduced_motion: true };
        assert_eq!(d.to_cookie(), "tsm");
        assert_eq!(Display::from_cookie(&d.to_cookie()), d);
        assert_eq!(d.classes(), "d-text d-spacing d-motion");
        assert!(Display::from_cookie("").is_default());
    }

    #[test]
    fn back_addresses_stay_on_the_site() {
        assert_eq!(safe_back(Some("/s/x/q/y?change=1")), "/s/x/q/y?change=1");
        for bad in ["//evil.example", "https://evil.example", "/\\evil", "", "x", "/a\nb"] {
            assert_eq!(safe_back(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_back(None), "/");
    }
}
