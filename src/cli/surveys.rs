//! Framework and survey definition files: `heard import` and `heard check` (with the
//! easy-read checker's report).

use std::path::Path;

use super::{CliError, connect, fail};
use crate::config::Settings;
use crate::db;
use crate::domain::SurveyDefinition;
use crate::domain::framework::{DefinitionKind, FrameworkDefinition, detect_kind};
use crate::models;

/// `heard import`.
pub(super) fn import(settings: &Settings, file: &Path) -> Result<(), CliError> {
    let (name, source) = read_file(file)?;
    let mut conn = connect(settings)?;
    match detect_kind(&name, &source).map_err(fail)? {
        DefinitionKind::Framework => {
            let def = FrameworkDefinition::parse(&name, &source).map_err(fail)?;
            let s = models::framework::import(&mut conn, &def).map_err(fail)?;
            println!(
                "{} framework for {}: {} priorities, {} values, {} outcome statements{}.",
                if s.created { "Created" } else { "Updated" },
                def.slug,
                s.priorities,
                s.values,
                s.outcomes,
                if s.archived > 0 { format!(", {} archived", s.archived) } else { String::new() }
            );
        }
        DefinitionKind::Survey => {
            let def = SurveyDefinition::parse(&name, &source, settings.max_text_graphemes).map_err(fail)?;
            let s = models::survey::import(&mut conn, &name, &source, &def).map_err(fail)?;
            println!("Wave {} {}: {} questions.", s.wave, s.outcome, s.questions);
        }
    }
    Ok(())
}

/// `heard check`.
pub(super) fn check(settings: &Settings, file: &Path, strict: bool) -> Result<(), CliError> {
    let (name, source) = read_file(file)?;
    match detect_kind(&name, &source).map_err(fail)? {
        DefinitionKind::Framework => {
            let def = FrameworkDefinition::parse(&name, &source).map_err(fail)?;
            println!(
                "{name}: a valid framework for {} ({} priorities, {} values).",
                def.slug,
                def.priorities.len(),
                def.values.len()
            );
        }
        DefinitionKind::Survey => {
            let def = SurveyDefinition::parse(&name, &source, settings.max_text_graphemes).map_err(fail)?;
            // Check tags too when the framework is in an existing database already;
            // `check` never creates or migrates a database.
            if let Some(codes) = existing_framework_codes(settings, def.partnership.as_str()) {
                def.check_tags(&name, &codes).map_err(fail)?;
            }
            println!(
                "{name}: a valid survey for wave {} ({} audiences, {} questions).",
                def.wave.slug,
                def.audiences.len(),
                def.questions.len()
            );
            for advice in def.advice() {
                println!("Warning: {advice}");
            }
            let reports = crate::domain::easyread::check_survey(&def);
            print!("{}", easy_read_report(&reports));
            let to_fix: usize = reports
                .iter()
                .map(|r| {
                    r.count(crate::domain::easyread::Level::Error) + r.count(crate::domain::easyread::Level::Warning)
                })
                .sum();
            if strict && to_fix > 0 {
                return Err(CliError(format!("the easy-read checker found {to_fix} things to fix (--strict)")));
            }
        }
    }
    Ok(())
}

/// The partnership's framework codes, if a database already exists and holds it.
fn existing_framework_codes(settings: &Settings, partnership: &str) -> Option<crate::domain::survey::FrameworkCodes> {
    let url = settings.database().ok()?;
    if url.backend == db::Backend::Sqlite && !Path::new(&url.target).exists() {
        return None;
    }
    let mut conn = db::establish(&url).ok()?;
    let p = models::framework::find_by_slug(&mut conn, partnership).ok()??;
    models::framework::codes(&mut conn, &p.id).ok()
}

fn read_file(path: &Path) -> Result<(String, String), CliError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| CliError(format!("could not read {name}: {e}")))?;
    let mut source = String::from_utf8(bytes)
        .map_err(|_| CliError(format!("{name} is not UTF-8 text: save it as UTF-8 and try again")))?;
    // A byte-order mark, as Windows programs save UTF-8, is not part of the text.
    if source.starts_with('\u{feff}') {
        source.drain(..'\u{feff}'.len_utf8());
    }
    Ok((name, source))
}

/// The easy-read checker's findings as text for the terminal.
fn easy_read_report(reports: &[crate::domain::easyread::VersionReport]) -> String {
    use crate::domain::easyread::{Level, Reader};
    let mut out = String::from("Easy-read check (advice: testing with young people and families decides):\n");
    for r in reports {
        let style = match r.reader {
            Reader::YoungPeople => "easy read",
            Reader::Parents => "plain English",
        };
        let age = r.reading_age.map(|a| format!(", reading age about {a:.0}")).unwrap_or_default();
        let (e, w, i) = (r.count(Level::Error), r.count(Level::Warning), r.count(Level::Info));
        let summary = if e + w + i == 0 {
            "nothing to change".to_owned()
        } else {
            format!("{e} must fix, {w} should fix, {i} to look at")
        };
        out.push_str(&format!("  {} ({}, {style}{age}): {summary}.\n", r.audience, r.language));
        if let Some(skipped) = r.skipped {
            out.push_str(&format!("    ({skipped}.)\n"));
        }
        let mut findings = r.findings.clone();
        findings.sort_by_key(|f| f.level);
        for f in findings {
            out.push_str(&format!("    {} {}: {}: {}\n", f.level.letter(), f.field, f.rule, f.message));
        }
    }
    out
}
