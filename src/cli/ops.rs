//! Running and looking after the service: `serve`, `migrate`, `demo`, `backup`, `restore`,
//! `retention`, `verify` and `loadtest`.

use std::path::{Path, PathBuf};

use super::{CliError, EncodingArg, connect, fail, init_logging};
use crate::config::Settings;
use crate::db::{self, DbConnection};
use crate::models;

/// `heard serve` (and `heard demo --serve`): `bind`, when given, replaces the configured address.
pub(super) fn serve(mut settings: Settings, bind: Option<String>) -> Result<(), CliError> {
    if let Some(b) = bind {
        settings.bind = b;
    }
    init_logging(settings.log_format);
    if let Some(warning) = settings.public_url_warning() {
        tracing::warn!("{warning}");
        eprintln!("Warning: {warning}.");
    }
    if settings.two_factor == crate::config::TwoFactor::Optional {
        let warning = "HEARD_TWO_FACTOR is optional: admins can sign in with a password alone (for trial and test instances only)";
        tracing::warn!("{warning}");
        eprintln!("Warning: {warning}.");
    }
    let bind = settings.bind.clone();
    let public = settings.public_url.clone();
    actix_web::rt::System::new().block_on(async move {
        let app = crate::startup::Application::build(settings).map_err(fail)?;
        let host = bind.rsplit_once(':').map(|(h, _)| h.to_owned()).unwrap_or(bind);
        let address = format!("http://{host}:{}", app.port());
        tracing::info!(%address, %public, "Heard is listening");
        println!("Heard is listening on {address} (public address {public}). Press Ctrl+C to stop.");
        app.run_until_stopped().await.map_err(fail)
    })
}

/// `heard migrate`.
pub(super) fn migrate(settings: &Settings, revert_all: bool) -> Result<(), CliError> {
    let url = settings.database().map_err(fail)?;
    let mut conn = db::establish(&url).map_err(fail)?;
    if revert_all {
        let n = conn.revert_all_migrations().map_err(fail)?;
        println!("Reverted {n} migration(s) on {}.", url.backend.name());
    } else {
        let n = conn.run_pending_migrations_counted().map_err(fail)?;
        println!("Applied {n} migration(s) on {}; the schema is up to date.", url.backend.name());
    }
    Ok(())
}

/// `heard demo`.
pub(super) fn demo(settings: Settings, then_serve: bool, no_responses: bool) -> Result<(), CliError> {
    let mut conn = connect(&settings)?;
    let summary = crate::demo::load(&mut conn, settings.max_text_graphemes, !no_responses).map_err(fail)?;
    println!("Demo loaded: partnerships {}.", summary.partnerships.join(", "));
    for w in &summary.waves {
        println!("  wave {w}");
    }
    println!("  {} synthetic responses added.", summary.responses_added);
    println!("  {} approved quotes added to the Torbay quote bank.", summary.quotes_added);
    drop(conn);
    if then_serve {
        serve(settings, None)
    } else {
        println!("Start the service with: heard serve");
        Ok(())
    }
}

/// `heard backup`.
pub(super) fn backup(settings: &Settings, path: &Path) -> Result<(), CliError> {
    let url = settings.database().map_err(fail)?;
    let bytes = crate::backup::backup(&url, path).map_err(fail)?;
    println!(
        "Backed up to {} ({:.1} MB). Restore with: heard restore {}",
        path.display(),
        bytes as f64 / 1e6,
        path.display()
    );
    Ok(())
}

/// `heard restore`.
pub(super) fn restore(settings: &Settings, path: &Path) -> Result<(), CliError> {
    let url = settings.database().map_err(fail)?;
    let kept = crate::backup::restore(&url, path).map_err(fail)?;
    println!(
        "Restored {} into {}. The database it replaced is kept as {}.",
        path.display(),
        url.target,
        kept.display()
    );
    Ok(())
}

/// `heard retention`.
pub(super) fn retention(settings: &Settings) -> Result<(), CliError> {
    let mut conn = connect(settings)?;
    let done =
        models::retention::run(&mut conn, settings.keep_free_text_days, settings.max_text_graphemes).map_err(fail)?;
    for d in &done {
        println!(
            "{}: free text kept {} days; deleted {} answers, cleared {} texts beside options, {} quotes, {} paper copies",
            d.wave, d.keep_days, d.answers_deleted, d.texts_cleared, d.quotes_deleted, d.paper_copies_deleted
        );
    }
    Ok(())
}

/// `heard verify`.
pub(super) fn verify(settings: &Settings, wave: Option<&str>, receipts: Option<&Path>) -> Result<(), CliError> {
    let mut conn = connect(settings)?;
    let engine = models::integrity::engine_check(&mut conn).map_err(fail)?;
    println!("engine: {}", engine.ran.join("; "));
    let mut sound = engine.problems.is_empty();
    for p in &engine.problems {
        println!("  problem: {p}");
    }
    if let Some(slug) = wave {
        let id = wave_id(&mut conn, slug)?;
        let codes: Vec<String> = match receipts {
            Some(p) => std::fs::read_to_string(p)
                .map_err(|e| CliError(format!("could not read {}: {e}", p.display())))?
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
            None => Vec::new(),
        };
        let key = crate::startup::code_key(settings, &mut conn).map_err(fail)?;
        let c = models::integrity::wave_check(&mut conn, &key, &id, &codes).map_err(fail)?;
        println!(
            "wave {slug}: {} responses stored; {} receipts acknowledged ({} acknowledged twice, as retried sends are); {} missing, {} stored more than once, {} empty responses, {} count mismatches",
            c.stored,
            codes.len(),
            c.acknowledged_twice,
            c.missing.len(),
            c.duplicated.len(),
            c.empty,
            c.count_mismatches.len()
        );
        for m in c.missing.iter().take(20) {
            println!("  missing: {m}");
        }
        for m in c.duplicated.iter().take(20) {
            println!("  stored twice: {m}");
        }
        for m in c.count_mismatches.iter().take(20) {
            println!("  count: {m}");
        }
        sound &= c.is_sound();
    }
    if sound {
        println!("sound");
        Ok(())
    } else {
        Err(CliError("the database is not sound (see above)".into()))
    }
}

fn wave_id(conn: &mut DbConnection, slug: &str) -> Result<crate::db::WaveId, CliError> {
    models::survey::find_wave(conn, slug)
        .map_err(fail)?
        .map(|w| w.id)
        .ok_or_else(|| CliError(format!("there is no wave {slug:?} in this database")))
}

/// `heard loadtest`.
#[allow(clippy::too_many_arguments)] // one parameter per flag
pub(super) fn loadtest(
    settings: &Settings,
    url: String,
    wave: String,
    clients: usize,
    seconds: u64,
    encoding: EncodingArg,
    retry: bool,
    receipts: Option<PathBuf>,
    server_pid: Option<u32>,
    check: bool,
    json: bool,
) -> Result<(), CliError> {
    let plan = crate::loadtest::Plan {
        url,
        wave: wave.clone(),
        clients: clients.max(1),
        duration: std::time::Duration::from_secs(seconds),
        accept_encoding: match encoding {
            EncodingArg::Br => Some("gzip, deflate, br"),
            EncodingArg::Gzip => Some("gzip"),
            EncodingArg::Identity => None,
        },
        retry,
        receipts,
        server_pid,
    };
    let before = if check {
        let mut conn = connect(settings)?;
        let id = wave_id(&mut conn, &plan.wave)?;
        Some((id.clone(), models::response::count_for_wave(&mut conn, &id).map_err(fail)?))
    } else {
        None
    };
    let report = crate::loadtest::run(&plan).map_err(fail)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report).map_err(fail)?);
    } else {
        print!("{}", report.text());
    }
    let mut sound = report.errors.is_empty();
    if let Some((id, before)) = before {
        let mut conn = connect(settings)?;
        let key = crate::startup::code_key(settings, &mut conn).map_err(fail)?;
        let c = models::integrity::wave_check(&mut conn, &key, &id, &report.receipts).map_err(fail)?;
        let added = c.stored - before;
        let exact = usize::try_from(added).is_ok_and(|a| a == report.receipts.len());
        println!(
            "check: {} responses acknowledged, {added} stored during the run ({}); {} missing, {} stored twice, {} empty, {} count mismatches",
            report.receipts.len(),
            if exact { "equal" } else { "NOT EQUAL" },
            c.missing.len(),
            c.duplicated.len(),
            c.empty,
            c.count_mismatches.len()
        );
        sound &= exact && c.is_sound();
    }
    if sound { Ok(()) } else { Err(CliError("the load test saw errors (listed above)".into())) }
}
