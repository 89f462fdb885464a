//! The framework format, `heard-framework/1`: a partnership's priorities, its values (a
//! pledge or a charter) and its outcome statements ("what will children, young people and
//! families see?"), as data. Partnerships use different frameworks, so nothing about any
//! one of them is in code.

use std::collections::HashSet;

use serde::Deserialize;
use toml::Spanned;

use super::codes::Slug;
use super::survey::{DefinitionErrors, Problems};

/// The format name a framework file must declare.
pub const FRAMEWORK_FORMAT: &str = "heard-framework/1";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFramework {
    format: Spanned<String>,
    partnership: RawPartnership,
    #[serde(default)]
    priorities: Vec<Spanned<RawPriority>>,
    #[serde(default)]
    values: Vec<Spanned<RawValue>>,
    #[serde(default)]
    outcomes: Vec<Spanned<RawOutcome>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPartnership {
    slug: Spanned<String>,
    name: Spanned<String>,
    #[serde(default = "default_values_kind")]
    values_kind: Spanned<String>,
    #[serde(default)]
    values_name: String,
}

fn default_values_kind() -> Spanned<String> {
    Spanned::new(0..0, "pledge".to_owned())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPriority {
    code: Spanned<String>,
    title: Spanned<String>,
    short_title: Spanned<String>,
    #[serde(default)]
    outcomes: Vec<Spanned<RawOutcome>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawValue {
    code: Spanned<String>,
    title: Spanned<String>,
    #[serde(default)]
    meaning: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutcome {
    code: Spanned<String>,
    statement: Spanned<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeDef {
    pub code: String,
    pub statement: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorityDef {
    pub code: String,
    pub title: String,
    pub short_title: String,
    pub outcomes: Vec<OutcomeDef>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueDef {
    pub code: String,
    pub title: String,
    pub meaning: String,
}

/// A whole, checked framework.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameworkDefinition {
    pub slug: Slug,
    pub name: String,
    /// "pledge" or "charter".
    pub values_kind: String,
    /// What the partnership calls its values, e.g. "Our Pledge".
    pub values_name: String,
    pub priorities: Vec<PriorityDef>,
    pub values: Vec<ValueDef>,
    /// Outcome statements that belong to the partnership as a whole, not one priority.
    pub outcomes: Vec<OutcomeDef>,
}

fn code_ok(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 32
        && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
}

impl FrameworkDefinition {
    pub fn parse(file: &str, source: &str) -> Result<Self, DefinitionErrors> {
        let raw: RawFramework = toml::from_str(source).map_err(|e| Problems::from_toml(file, source, &e))?;
        let mut p = Problems::new(file, source);
        if raw.format.get_ref() != FRAMEWORK_FORMAT {
            p.at(
                raw.format.span().start,
                "format",
                format!("this file says format = {:?}; set format = \"{FRAMEWORK_FORMAT}\".", raw.format.get_ref()),
            );
        }
        let slug = match Slug::parse(raw.partnership.slug.get_ref().trim(), "partnership slug") {
            Ok(s) => Some(s),
            Err(e) => {
                p.at(raw.partnership.slug.span().start, "partnership.slug", format!("{e}."));
                None
            }
        };
        let name = raw.partnership.name.get_ref().trim().to_owned();
        if name.is_empty() {
            p.at(raw.partnership.name.span().start, "partnership.name", "give the partnership's name.");
        }
        let values_kind = raw.partnership.values_kind.get_ref().trim().to_owned();
        if values_kind != "pledge" && values_kind != "charter" {
            p.at(raw.partnership.values_kind.span().start, "partnership.values_kind", "use \"pledge\" or \"charter\".");
        }
        let mut codes = HashSet::new();
        let mut check_code = |p: &mut Problems<'_>, code: &Spanned<String>, field: &str| -> String {
            let c = code.get_ref().trim().to_owned();
            if !code_ok(&c) {
                p.at(
                    code.span().start,
                    field,
                    format!("{c:?} is not a usable code: use up to 32 letters, digits, hyphens or dots, e.g. \"P1\"."),
                );
            } else if !codes.insert(c.clone()) {
                p.at(
                    code.span().start,
                    field,
                    format!("the code {c:?} is used twice: every priority, value and outcome needs its own code."),
                );
            }
            c
        };
        let text = |p: &mut Problems<'_>, t: &Spanned<String>, field: &str| -> String {
            let v = t.get_ref().trim().to_owned();
            if v.is_empty() {
                p.at(t.span().start, field, "this must not be empty.");
            }
            v
        };
        let mut priorities = Vec::new();
        for (i, pr) in raw.priorities.iter().enumerate() {
            let r = pr.get_ref();
            let f = format!("priorities[{i}]");
            let code = check_code(&mut p, &r.code, &format!("{f}.code"));
            let title = text(&mut p, &r.title, &format!("{f}.title"));
            let short_title = text(&mut p, &r.short_title, &format!("{f}.short_title"));
            let mut outcomes = Vec::new();
            for (j, o) in r.outcomes.iter().enumerate() {
                let o = o.get_ref();
                outcomes.push(OutcomeDef {
                    code: check_code(&mut p, &o.code, &format!("{f}.outcomes[{j}].code")),
                    statement: text(&mut p, &o.statement, &format!("{f}.outcomes[{j}].statement")),
                });
            }
            priorities.push(PriorityDef { code, title, short_title, outcomes });
        }
        let mut values = Vec::new();
        for (i, v) in raw.values.iter().enumerate() {
            let r = v.get_ref();
            values.push(ValueDef {
                code: check_code(&mut p, &r.code, &format!("values[{i}].code")),
                title: text(&mut p, &r.title, &format!("values[{i}].title")),
                meaning: r.meaning.trim().to_owned(),
            });
        }
        let mut outcomes = Vec::new();
        for (i, o) in raw.outcomes.iter().enumerate() {
            let r = o.get_ref();
            outcomes.push(OutcomeDef {
                code: check_code(&mut p, &r.code, &format!("outcomes[{i}].code")),
                statement: text(&mut p, &r.statement, &format!("outcomes[{i}].statement")),
            });
        }
        if priorities.is_empty() {
            p.at_line(1, "priorities", "a framework needs at least one [[priorities]] table.");
        }
        p.finish()?;
        let Some(slug) = slug else { return Err(DefinitionErrors(vec![])) };
        let values_name = if raw.partnership.values_name.trim().is_empty() {
            if values_kind == "charter" { "Our charter".to_owned() } else { "Our pledge".to_owned() }
        } else {
            raw.partnership.values_name.trim().to_owned()
        };
        Ok(Self { slug, name, values_kind, values_name, priorities, values, outcomes })
    }
}

/// Which kind of definition a file holds, read from its `format` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefinitionKind {
    Framework,
    Survey,
}

/// Looks at a file's `format = "..."` to decide how to read it.
pub fn detect_kind(file: &str, source: &str) -> Result<DefinitionKind, DefinitionErrors> {
    let table = toml::from_str::<toml::Table>(source).map_err(|e| Problems::from_toml(file, source, &e))?;
    let format = table.get("format").and_then(|v| v.as_str()).map(str::to_owned);
    match format.as_deref() {
        Some(super::survey::SURVEY_FORMAT) => Ok(DefinitionKind::Survey),
        Some(FRAMEWORK_FORMAT) => Ok(DefinitionKind::Framework),
        other => {
            let mut p = Problems::new(file, source);
            p.at_line(
                1,
                "format",
                format!(
                    "{} Put format = \"{}\" (a survey) or format = \"{}\" (a framework) at the top of the file.",
                    match other {
                        Some(f) => format!("{f:?} is not a format Heard reads."),
                        None => "the file does not say what it is.".into(),
                    },
                    super::survey::SURVEY_FORMAT,
                    FRAMEWORK_FORMAT
                ),
            );
            Err(DefinitionErrors(p.found_vec()))
        }
    }
}
