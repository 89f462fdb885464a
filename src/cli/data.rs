//! A wave's data in and out: `import-responses` and `import-counts` (past waves),
//! `compare-counts` and `compare` (year on year), `export quotes` and `export responses`.

use std::path::{Path, PathBuf};

use super::{AdjustArg, CliError, Format, QuoteFormat, connect, fail};
use crate::config::Settings;
use crate::models::{self, export};

/// `heard import-responses`.
pub(super) fn import_responses(settings: &Settings, wave: &str, file: &Path) -> Result<(), CliError> {
    let name = file.display().to_string();
    let bytes = std::fs::read(file).map_err(|e| CliError(format!("could not read {name}: {e}")))?;
    let mut conn = connect(settings)?;
    let done =
        models::import::import_responses(&mut conn, &name, wave, &bytes, settings.max_text_graphemes).map_err(fail)?;
    println!("Imported {} responses ({} answers) into {wave}.", done.rows, done.answers);
    Ok(())
}

/// `heard import-counts`.
pub(super) fn import_counts(settings: &Settings, wave: &str, file: &Path, replace: bool) -> Result<(), CliError> {
    let name = file.display().to_string();
    let bytes = std::fs::read(file).map_err(|e| CliError(format!("could not read {name}: {e}")))?;
    let mut conn = connect(settings)?;
    let done = models::import::import_counts(&mut conn, &name, wave, &bytes, replace, settings.max_text_graphemes)
        .map_err(fail)?;
    println!("Imported {} counts ({} answers in all) into {wave}.", done.rows, done.answers);
    Ok(())
}

/// `heard compare-counts`: the file is checked whole, then each case's results are written to
/// standard output as they are computed (never the whole output in memory).
pub(super) fn compare_counts(path: &Path) -> Result<(), CliError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| CliError(format!("could not read {name}: {e}")))?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    crate::stats::stream::compare_counts(&bytes, &mut out).map_err(|e| match e {
        crate::stats::stream::CompareError::Input(e) => CliError(format!("{name}: {e}")),
        e @ crate::stats::stream::CompareError::Write(_) => fail(e),
    })
}

/// The method's two thresholds given on the command line.
pub(super) struct Limits {
    pub suppress_below: u64,
    pub caution_below: u64,
}

/// `heard compare`: the filter is checked against the later wave's survey, each problem named
/// by its flag.
#[allow(clippy::too_many_arguments)] // one parameter per flag
pub(super) fn compare(
    settings: &Settings,
    series: String,
    from: String,
    to: String,
    audience: Option<String>,
    format: Format,
    adjust: AdjustArg,
    limits: Limits,
    who: &super::WhoArgs,
    output: Option<PathBuf>,
) -> Result<(), CliError> {
    use crate::stats::compare::Adjust;
    let Limits { suppress_below, caution_below } = limits;
    if suppress_below > caution_below {
        return Err(CliError("--suppress-below must not be larger than --caution-below".into()));
    }
    let floor = crate::stats::Settings::default().suppress_below;
    if suppress_below < floor {
        return Err(CliError(format!(
            "--suppress-below must be at least {floor}, the method's minimum base: smaller groups could pick people out"
        )));
    }
    let stats_settings = crate::stats::Settings {
        adjust: match adjust {
            AdjustArg::FdrBh => Adjust::Bh,
            AdjustArg::Holm => Adjust::Holm,
            AdjustArg::None => Adjust::None,
        },
        suppress_below,
        caution_below,
        ..crate::stats::Settings::default()
    };
    let mut conn = connect(settings)?;
    let raw = crate::domain::filter::RawFilter {
        channel: who.channel.clone(),
        from: who.sent_from.clone(),
        to: who.sent_to.clone(),
        answer: who.answer.clone(),
        ..Default::default()
    };
    // Checked against the later wave's survey, when there is a filter to check.
    let asked = [&who.channel, &who.sent_from, &who.sent_to, &who.answer].iter().any(|v| v.is_some());
    let later = if asked {
        Some(models::survey::get(&mut conn, &to, settings.max_text_graphemes).map_err(fail)?.definition)
    } else {
        None
    };
    let filter = later
        .as_ref()
        .map_or(Ok(crate::domain::filter::Filter::default()), |def| {
            raw.check(def).and_then(|f| {
                let problems = f.across_waves(def);
                if problems.is_empty() { Ok(f) } else { Err(problems) }
            })
        })
        .map_err(|problems| {
            let flag = |field: &str| match field {
                "from" => "--sent-from",
                "to" => "--sent-to",
                "channel" => "--channel",
                _ => "--answer",
            };
            CliError(
                problems.iter().map(|p| format!("{}: {}", flag(p.field), p.message)).collect::<Vec<_>>().join("\n"),
            )
        })?;
    let request = models::comparison::CompareRequest {
        series,
        from,
        to,
        audience,
        settings: stats_settings,
        max_text: settings.max_text_graphemes,
        filter,
    };
    let out = models::comparison::compare_waves(&mut conn, &request).map_err(fail)?;
    let bytes = match format {
        Format::Json => {
            let mut v = serde_json::to_vec_pretty(&out).map_err(fail)?;
            v.push(b'\n');
            v
        }
        Format::Csv => models::comparison::to_csv(&out).map_err(fail)?,
    };
    write_output(output, &bytes)
}

/// `heard export quotes`.
pub(super) fn export_quotes(
    settings: &Settings,
    partnership: &str,
    format: QuoteFormat,
    wave: Option<String>,
    output: Option<PathBuf>,
) -> Result<(), CliError> {
    let mut conn = connect(settings)?;
    let p = models::framework::find_by_slug(&mut conn, partnership)
        .map_err(fail)?
        .ok_or_else(|| CliError(format!("there is no partnership {partnership:?}")))?;
    let filter = models::voices::QuoteFilter { wave: wave.clone(), ..Default::default() };
    let quotes = models::voices::bank(&mut conn, &p.id, &filter).map_err(fail)?;
    let bytes = match format {
        QuoteFormat::Csv => crate::exports::quotes_csv(&quotes).map_err(fail)?,
        QuoteFormat::Xlsx => crate::exports::quotes_xlsx(&quotes).map_err(fail)?,
        QuoteFormat::Json => crate::exports::quotes_json(&quotes).map_err(fail)?,
        QuoteFormat::Docx => {
            let (priorities, _) = models::framework::labels(&mut conn, &p.id).map_err(fail)?;
            let order: Vec<(String, String)> = priorities.into_iter().map(|l| (l.code, l.title)).collect();
            let sections = models::voices::grouped(&quotes, &order);
            crate::exports::quotes_docx(
                &format!("What you told us: {}", p.name),
                "Words from children, young people and families who agreed to share them. Names and contact details have been taken out.",
                &sections,
            )
            .map_err(fail)?
        }
    };
    let detail =
        serde_json::json!({"format": format!("{format:?}").to_lowercase(), "wave": wave, "rows": quotes.len()});
    conn.write(|c| {
        models::audit::record(
            c,
            &models::audit::Actor::system("command line"),
            Some(&p.id),
            models::audit::Action::QuotesExported,
            &detail,
        )
    })
    .map_err(fail)?;
    write_output(output, &bytes)
}

/// `heard export responses`.
pub(super) fn export_responses(
    settings: &Settings,
    wave: &str,
    format: Format,
    output: Option<PathBuf>,
) -> Result<(), CliError> {
    let mut conn = connect(settings)?;
    let found = models::survey::find(&mut conn, wave, settings.max_text_graphemes)
        .map_err(fail)?
        .ok_or_else(|| CliError(format!("there is no wave {wave:?}")))?;
    let (row, def) = (&found.row, &found.definition);
    if let Format::Json = format {
        let records = export::responses_for_wave(&mut conn, &row.id, &row.slug, def).map_err(fail)?;
        let mut v = serde_json::to_vec_pretty(&records).map_err(fail)?;
        v.push(b'\n');
        return write_output(output, &v);
    }
    // CSV: the same rows as the browser's download, a batch at a time straight to the file.
    let rows = crate::exports::responses::ResponseRows::new(def, false, true);
    let mut out: Box<dyn std::io::Write + Send> = match &output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).map_err(|e| CliError(format!("could not write {}: {e}", path.display())))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    let wrote = |e: std::io::Error| CliError(format!("could not write the responses: {e}"));
    out.write_all(&rows.csv_start().map_err(fail)?).map_err(wrote)?;
    let mut problem: Option<CliError> = None;
    let all = crate::domain::filter::Filter::default();
    let reading = export::Reading {
        wave_id: &row.id,
        wave_slug: &row.slug,
        def,
        filter: &all,
        words: true,
        batch: export::BATCH,
    };
    export::each_response_overlapped(&mut conn, &reading, |batch| {
        match rows.csv_batch(&batch).map_err(fail).and_then(|b| out.write_all(&b).map_err(wrote)) {
            Ok(()) => true,
            Err(e) => {
                problem = Some(e);
                false
            }
        }
    })
    .map_err(fail)?;
    if let Some(e) = problem {
        return Err(e);
    }
    out.flush().map_err(wrote)
}

/// Writes a command's file to `output`, or to standard output when there is none.
fn write_output(output: Option<PathBuf>, bytes: &[u8]) -> Result<(), CliError> {
    match output {
        Some(path) => {
            std::fs::write(&path, bytes).map_err(|e| CliError(format!("could not write {}: {e}", path.display())))
        }
        None => {
            use std::io::Write;
            std::io::stdout().write_all(bytes).map_err(fail)
        }
    }
}
