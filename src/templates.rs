//! Templates: the handlebars registry, in strict mode, with every template and asset embedded
//! in the binary. HTML escaping is always on; the only unescaped output is Heard's own SVG
//! symbols (`{{{symbol "name"}}}`), which come from the binary, never from users.
//!
//! Layout is a partial (`layouts/base`) that pages fill with inline partials.

use std::borrow::Cow;
use std::collections::HashMap;

use handlebars::{Context, Handlebars, Helper, HelperResult, Output, RenderContext, RenderErrorReason};
use rust_embed::RustEmbed;
use serde::Serialize;

static GLOBAL: std::sync::OnceLock<Result<Templates, String>> = std::sync::OnceLock::new();

/// The one registry, loaded on first use. Templates are embedded and immutable, so every part
/// of the process (including error pages rendered outside any handler) shares it.
pub fn global() -> Result<&'static Templates, TemplateError> {
    GLOBAL
        .get_or_init(|| Templates::load().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|message| TemplateError::Load { name: "templates".into(), message: message.clone() })
}

/// Every file under `templates/` but the word catalogues (embedded by [`crate::i18n`]).
#[derive(RustEmbed)]
#[folder = "templates/"]
#[exclude = "i18n/*"]
pub struct Embedded;

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("template {name} failed to load: {message}")]
    Load { name: String, message: String },
    #[error("page failed to render: {0}")]
    Render(#[from] handlebars::RenderError),
}

/// A static file served from the binary with a content hash in its URL.
#[derive(Debug, Clone)]
pub struct Asset {
    pub url: String,
    pub content_type: &'static str,
    pub body: Cow<'static, [u8]>,
}

/// The registry plus the hashed assets.
pub struct Templates {
    hbs: Handlebars<'static>,
    pub stylesheet: Asset,
    /// Extra styles for staff pages only.
    pub staff_stylesheet: Asset,
    assets: HashMap<String, Asset>,
    scripts: HashMap<String, String>,
}

fn short_hash(bytes: &[u8]) -> String {
    crate::domain::codes::hash_token(&String::from_utf8_lossy(bytes))[..12].to_owned()
}

fn symbol_svg(name: &str) -> Option<String> {
    let file = Embedded::get(&format!("symbols/{name}.svg"))?;
    Some(String::from_utf8_lossy(&file.data).trim().to_owned())
}

/// `{{{symbol name class}}}`: a built-in pictogram as inline SVG, hidden from assistive
/// technology (its words are always beside it). Unknown names render nothing.
fn symbol_helper(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let name =
        h.param(0).and_then(|v| v.value().as_str()).ok_or(RenderErrorReason::ParamNotFoundForIndex("symbol", 0))?;
    let class = h.param(1).and_then(|v| v.value().as_str()).unwrap_or("symbol");
    let safe = name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if let Some(svg) = safe.then(|| symbol_svg(name)).flatten() {
        let svg =
            svg.replacen("<svg ", &format!("<svg class=\"{class}\" aria-hidden=\"true\" focusable=\"false\" "), 1);
        out.write(&svg)?;
    }
    Ok(())
}

/// `{{plural n "answer" "answers"}}`
fn plural_helper(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let n = h.param(0).and_then(|v| v.value().as_i64()).unwrap_or(0);
    let one = h.param(1).and_then(|v| v.value().as_str()).unwrap_or("");
    let many = h.param(2).and_then(|v| v.value().as_str()).unwrap_or(one);
    out.write(&handlebars::html_escape(if n == 1 { one } else { many }))?;
    Ok(())
}

/// `{{t "key" arg0 arg1}}`: Heard's interface words in the page's language (`page.lang` at
/// the root of the data), escaped like any other output. See [`crate::i18n`].
fn t_helper(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    ctx: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let key = h.param(0).and_then(|v| v.value().as_str()).ok_or(RenderErrorReason::ParamNotFoundForIndex("t", 0))?;
    let lang = ctx.data().get("page").and_then(|p| p.get("lang")).and_then(|l| l.as_str()).unwrap_or("en-GB");
    if crate::i18n::catalogue(crate::i18n::DEFAULT_LANG).is_some_and(|c| !c.text.contains_key(key)) {
        return Err(RenderErrorReason::Other(format!("no interface words for {key:?}")).into());
    }
    let args: Vec<String> = h
        .params()
        .iter()
        .skip(1)
        .map(|p| match p.value() {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect();
    let refs: Vec<&dyn std::fmt::Display> = args.iter().map(|a| a as &dyn std::fmt::Display).collect();
    out.write(&handlebars::html_escape(&crate::i18n::format(lang, key, &refs)))?;
    Ok(())
}

impl Templates {
    pub fn load() -> Result<Self, TemplateError> {
        let mut hbs = Handlebars::new();
        hbs.set_strict_mode(true);
        hbs.set_dev_mode(false);
        hbs.register_escape_fn(handlebars::html_escape);
        for path in Embedded::iter() {
            let Some(name) = path.strip_suffix(".hbs") else { continue };
            let file = Embedded::get(&path)
                .ok_or_else(|| TemplateError::Load { name: name.to_owned(), message: "missing".into() })?;
            let text = String::from_utf8_lossy(&file.data).into_owned();
            hbs.register_template_string(name, text)
                .map_err(|e| TemplateError::Load { name: name.to_owned(), message: e.to_string() })?;
        }
        hbs.register_helper("symbol", Box::new(symbol_helper));
        hbs.register_helper("plural", Box::new(plural_helper));
        hbs.register_helper("t", Box::new(t_helper));

        let css = |name: &str| -> Result<Asset, TemplateError> {
            let file = Embedded::get(&format!("assets/{name}.css"))
                .ok_or_else(|| TemplateError::Load { name: format!("assets/{name}.css"), message: "missing".into() })?;
            Ok(Asset {
                url: format!("/assets/{name}.{}.css", short_hash(&file.data)),
                content_type: "text/css; charset=utf-8",
                body: file.data.clone(),
            })
        };
        let stylesheet = css("heard")?;
        let staff_stylesheet = css("staff")?;
        let mut assets = HashMap::new();
        assets.insert(stylesheet.url.clone(), stylesheet.clone());
        assets.insert(staff_stylesheet.url.clone(), staff_stylesheet.clone());
        let mut scripts = HashMap::new();
        for path in Embedded::iter() {
            let Some(name) = path.strip_prefix("assets/").and_then(|p| p.strip_suffix(".js")) else { continue };
            let Some(file) = Embedded::get(&path) else { continue };
            let url = format!("/assets/{name}.{}.js", short_hash(&file.data));
            scripts.insert(name.to_owned(), url.clone());
            assets.insert(
                url.clone(),
                Asset { url, content_type: "text/javascript; charset=utf-8", body: file.data.clone() },
            );
        }
        Ok(Self { hbs, stylesheet, staff_stylesheet, assets, scripts })
    }

    /// The hashed URL of a script under `templates/assets/NAME.js` (empty if there is none).
    pub fn script_url(&self, name: &str) -> String {
        self.scripts.get(name).cloned().unwrap_or_default()
    }

    /// A hashed asset by its URL path.
    pub fn asset(&self, path: &str) -> Option<&Asset> {
        self.assets.get(path)
    }

    pub fn render<T: Serialize>(&self, name: &str, data: &T) -> Result<String, TemplateError> {
        Ok(self.hbs.render(name, data)?)
    }

    /// The built-in symbols' names, sorted.
    pub fn symbol_names() -> Vec<String> {
        let mut v: Vec<String> = Embedded::iter()
            .filter_map(|p| p.strip_prefix("symbols/").and_then(|n| n.strip_suffix(".svg")).map(str::to_owned))
            .collect();
        v.sort();
        v
    }

    /// A built-in symbol's alt text: what the picture shows (`templates/symbols/alt.toml`).
    pub fn symbol_alt(name: &str) -> Option<String> {
        let file = Embedded::get("symbols/alt.toml")?;
        let table: std::collections::BTreeMap<String, String> =
            toml::from_str(&String::from_utf8_lossy(&file.data)).ok()?;
        table.get(name).cloned()
    }

    pub fn has_symbol(name: &str) -> bool {
        Embedded::get(&format!("symbols/{name}.svg")).is_some()
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_symbol_set_is_whole_small_and_described() {
        let wanted = [
            "face-1",
            "face-2",
            "face-3",
            "face-4",
            "face-5",
            "yes",
            "sometimes",
            "no",
            "school",
            "health",
            "home",
            "family",
            "friends",
            "listening",
            "talking",
            "help",
            "work",
            "travel",
            "safe",
            "money",
            "time",
        ];
        let names = Templates::symbol_names();
        for w in wanted {
            assert!(names.iter().any(|n| n == w), "missing symbol {w}");
        }
        for name in &names {
            let file = Embedded::get(&format!("symbols/{name}.svg")).expect("symbol");
            assert!(file.data.len() < 1024, "{name} is {} bytes", file.data.len());
            let svg = String::from_utf8_lossy(&file.data);
            assert!(svg.starts_with("<svg ") && svg.contains("viewBox=\"0 0 64 64\""), "{name}: one grid for all");
            assert!(!svg.contains("<script") && !svg.contains("href"), "{name}");
            let alt = Templates::symbol_alt(name).unwrap_or_default();
            assert!(alt.len() > 3, "{name} needs alt text in symbols/alt.toml");
        }
    }
}
