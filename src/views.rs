//! What every page shares, below the routes: the layout's data ([`PageMeta`]), links, the
//! message view and the error page. Depends only on the templates, the visitor's display
//! settings and language ([`crate::prefs`]) and the interface words ([`crate::i18n`]), so the
//! error type can render a page without reaching up into the routes or the app state.

use serde::Serialize;

use crate::templates;

/// The layout's data.
#[derive(Debug, Clone, Serialize)]
pub struct PageMeta {
    pub title: String,
    pub service: &'static str,
    pub partnership: Option<String>,
    pub stylesheet: String,
    pub back: Option<String>,
    pub error: bool,
    /// BCP 47 tag of the page's language, and its direction.
    pub lang: String,
    pub dir: &'static str,
    /// Classes for the display settings the visitor chose (see [`crate::prefs`]).
    pub display: String,
    /// `/settings?back=HERE`.
    pub settings_link: String,
    /// The language switcher: other languages this page can be read in.
    pub languages: Vec<LangLink>,
    /// Shown under the header when the page's translation is machine-drafted.
    pub notice: Option<String>,
    /// Scripts this page is better with (never needed: pages work without scripts).
    pub scripts: Vec<String>,
    /// Set on a shared tablet in kiosk mode.
    pub kiosk: Option<KioskMeta>,
    /// Seconds after which the page reloads itself when scripts are off (a live projector).
    pub noscript_refresh: Option<u32>,
    /// The staff navigation, on staff pages.
    pub staff: Option<StaffNav>,
    /// The staff stylesheet, on staff pages.
    pub staff_stylesheet: Option<String>,
    /// A projector's full-screen page: no header, navigation, account or footer.
    pub presenter: bool,
}

/// What staff pages show in their header.
#[derive(Debug, Clone, Serialize)]
pub struct StaffNav {
    pub email: String,
    pub role: String,
    pub partnership: String,
    /// The wave the work links are for ("2025 wave"), when the partnership has one.
    pub wave: Option<String>,
    /// What people come for: results, coding, quotes, comparisons, evidence, panels.
    pub work: Vec<NavLink>,
    /// Everything else: set-up and administration.
    pub links: Vec<NavLink>,
    pub csrf: String,
}

/// A navigation link; `current` when it is the page being shown.
#[derive(Debug, Clone, Serialize)]
pub struct NavLink {
    pub href: String,
    pub text: String,
    pub current: bool,
}

/// What a kiosk page needs: when to go back to the start, and the way out for facilitators.
#[derive(Debug, Clone, Serialize)]
pub struct KioskMeta {
    pub idle_seconds: i64,
    pub idle_minutes: i64,
    pub reset: String,
    pub leave: String,
}

fn kiosk_script() -> String {
    templates::global().map(|t| t.script_url("kiosk")).unwrap_or_default()
}

/// One entry in the language switcher.
#[derive(Debug, Clone, Serialize)]
pub struct LangLink {
    pub href: String,
    pub lang: String,
    pub name: String,
    pub current: bool,
}

impl PageMeta {
    pub fn new(title: impl Into<String>) -> Self {
        let stylesheet = templates::global().map(|t| t.stylesheet.url.clone()).unwrap_or_default();
        let prefs = crate::prefs::current();
        Self {
            title: title.into(),
            service: "Heard",
            partnership: None,
            stylesheet,
            back: None,
            error: false,
            lang: crate::i18n::DEFAULT_LANG.to_owned(),
            dir: "ltr",
            display: prefs.display.classes(),
            settings_link: format!("/settings?back={}", urlencoding::encode(&prefs.here)),
            languages: Vec::new(),
            notice: None,
            scripts: prefs.kiosk.iter().map(|_| kiosk_script()).filter(|u| !u.is_empty()).collect(),
            noscript_refresh: None,
            kiosk: prefs.kiosk.as_ref().map(|k| KioskMeta {
                idle_seconds: k.idle_minutes * 60,
                idle_minutes: k.idle_minutes,
                reset: format!("/s/{}/next", k.wave),
                leave: "/kiosk/leave".into(),
            }),
            staff: None,
            staff_stylesheet: None,
            presenter: false,
        }
    }

    /// Sets the page's language (interface words, `lang` and `dir`).
    pub fn lang(mut self, lang: &str) -> Self {
        let lang = crate::i18n::catalogue(lang).map(|c| c.language.as_str()).unwrap_or(crate::i18n::DEFAULT_LANG);
        self.lang = lang.to_owned();
        self.dir = crate::i18n::dir(lang);
        self
    }

    /// Offers a switcher between `available` languages (nothing when there is only one).
    pub fn languages(mut self, available: &[String]) -> Self {
        if available.len() < 2 {
            return self;
        }
        let here = crate::prefs::current().here;
        self.languages = available
            .iter()
            .filter_map(|l| crate::i18n::catalogue(l))
            .map(|c| LangLink {
                href: format!("/language?to={}&back={}", urlencoding::encode(&c.language), urlencoding::encode(&here)),
                lang: c.language.clone(),
                name: c.name.clone(),
                current: c.language == self.lang,
            })
            .collect();
        self
    }

    /// A notice under the header (e.g. that a translation is machine-drafted).
    pub fn notice(mut self, notice: Option<String>) -> Self {
        self.notice = notice;
        self
    }

    pub fn partnership(mut self, name: &str) -> Self {
        self.partnership = Some(name.to_owned());
        self
    }

    pub fn back(mut self, href: impl Into<String>) -> Self {
        self.back = Some(href.into());
        self
    }

    pub fn with_error(mut self, error: bool) -> Self {
        self.error = error;
        self
    }
}

#[derive(Serialize)]
pub struct MessageView<'a> {
    pub page: PageMeta,
    pub heading: &'a str,
    pub lines: Vec<String>,
    pub link: Option<Link>,
}

#[derive(Serialize, Clone, Debug)]
pub struct Link {
    pub href: String,
    pub text: String,
}

/// The error summary's link to the field in error, when there is an error.
pub fn error_links(error: &Option<String>, href: &str) -> Vec<Link> {
    error.iter().map(|e| Link { href: href.to_owned(), text: e.clone() }).collect()
}

/// The body of an error page in `lang` (the interface words' language: `lang` and `dir` on
/// the page follow it). Falls back to plain HTML if templates cannot render.
pub fn error_page(heading: &str, message: &str, lang: &str) -> String {
    let view = MessageView {
        page: PageMeta::new(heading).lang(lang),
        heading,
        lines: message.lines().map(str::to_owned).filter(|l| !l.trim().is_empty()).collect(),
        link: Some(Link { href: "/".into(), text: crate::i18n::text(lang, "error_go_to_start").to_owned() }),
    };
    templates::global().and_then(|t| t.render("respond/message", &view)).unwrap_or_else(|_| {
        format!(
            "<!DOCTYPE html><html lang=\"{2}\"><title>{0}</title><h1>{0}</h1><p>{1}</p>",
            handlebars::html_escape(heading),
            handlebars::html_escape(message),
            handlebars::html_escape(lang)
        )
    })
}

/// One option of a select, radio group or list of links, with whether it is the current one.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    pub value: String,
    pub text: String,
    pub selected: bool,
}

impl Choice {
    /// `value` shown as `text`, selected when it is `current`.
    pub fn new(value: impl Into<String>, text: impl Into<String>, current: &str) -> Self {
        let value = value.into();
        Self { selected: value == current, value, text: text.into() }
    }
}
