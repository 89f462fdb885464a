//! The `heard` command: clap definitions, each command a few lines that call the library.
//! Errors are printed plainly to stderr with exit code 1 (usage errors: 2, from clap).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::config::{LogFormat, Settings};
use crate::db::{self, DbConnection};
use crate::domain::SurveyDefinition;
use crate::domain::framework::{DefinitionKind, FrameworkDefinition, detect_kind};
use crate::models::{self, account, export};

#[derive(Parser, Debug)]
#[command(name = "heard", version, about = "Heard: hear children, young people and families, and prove it.")]
pub struct Cli {
    /// A TOML settings file (see the README); environment variables override it.
    #[arg(long, global = true, env = "HEARD_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the web app (runs migrations first).
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8080 (default from HEARD_BIND).
        #[arg(long)]
        bind: Option<String>,
    },
    /// Bring the database schema up to date.
    Migrate {
        /// Undo every migration instead (this deletes all data).
        #[arg(long)]
        revert_all: bool,
    },
    /// Load the demo partnerships and the Torbay Participation Survey (safe to run twice).
    Demo {
        /// Then serve, as `heard serve` would.
        #[arg(long)]
        serve: bool,
        /// Skip the synthetic responses of the closed waves.
        #[arg(long)]
        no_responses: bool,
    },
    /// Import a framework or survey definition file (TOML).
    Import { file: PathBuf },
    /// Check a framework or survey definition file without importing it. For a survey, also
    /// run the easy-read checker on every audience's version in every language.
    Check {
        file: PathBuf,
        /// Fail (exit 1) when the easy-read checker finds anything to fix (E or W).
        #[arg(long)]
        strict: bool,
    },
    /// Import past responses: one row per respondent, one column per question key.
    ImportResponses {
        #[arg(long)]
        wave: String,
        file: PathBuf,
    },
    /// Import a past wave's published counts: columns audience, question, option, count.
    ImportCounts {
        #[arg(long)]
        wave: String,
        file: PathBuf,
        /// Replace counts imported before for this wave.
        #[arg(long)]
        replace: bool,
    },
    /// Compare two years of published counts (cases.json format in, expected.json format out).
    CompareCounts { file: PathBuf },
    /// Compare two waves of a series from the database (same output, plus indices per
    /// priority and value, and each question's input counts).
    Compare {
        #[arg(long)]
        series: String,
        /// The earlier wave's slug.
        #[arg(long)]
        from: String,
        /// The later wave's slug.
        #[arg(long)]
        to: String,
        /// Only this audience (default: each audience, then all together).
        #[arg(long)]
        audience: Option<String>,
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
        /// How p-values are adjusted across questions.
        #[arg(long, value_enum, default_value = "fdr-bh")]
        adjust: AdjustArg,
        /// Years with fewer valid answers than this are not compared.
        #[arg(long, default_value_t = 10)]
        suppress_below: u64,
        /// Years with fewer valid answers than this carry a caution.
        #[arg(long, default_value_t = 30)]
        caution_below: u64,
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Export data.
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// Invite a wave's contacts by email: a CSV with the header email,first_name,audience.
    Invite {
        #[arg(long)]
        wave: String,
        #[arg(long)]
        contacts: PathBuf,
    },
    /// Remind the wave's contacts who have not answered (at most twice each).
    Remind {
        #[arg(long)]
        wave: String,
    },
    /// The email outbox.
    Outbox {
        #[command(subcommand)]
        command: OutboxCommand,
    },
    /// Young people's panel sessions.
    Panel {
        #[command(subcommand)]
        command: PanelCommand,
    },
    /// Simulated respondents walk a wave against a running server, like phones with scripts
    /// off, and report responses per second and latency per request type.
    Loadtest {
        /// The running server, e.g. http://127.0.0.1:8080.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        /// The open wave to answer.
        #[arg(long)]
        wave: String,
        /// Respondents at once.
        #[arg(long, default_value_t = 32)]
        clients: usize,
        /// How long to start new responses for (those under way then are finished).
        #[arg(long, default_value_t = 30)]
        seconds: u64,
        /// What the simulated browsers accept: `br` (gzip, deflate, br, like a browser; the
        /// default), `gzip` only, or `identity` (plain).
        #[arg(long, value_enum, default_value = "br")]
        encoding: EncodingArg,
        /// Keep re-sending a request while the server is down (for the crash-safety script).
        #[arg(long)]
        retry: bool,
        /// Append each receipt code to this file as it arrives.
        #[arg(long)]
        receipts: Option<PathBuf>,
        /// The server's process id, to report its memory.
        #[arg(long)]
        server_pid: Option<u32>,
        /// At the end, check the database (DATABASE_URL): the stored count went up by exactly
        /// the responses acknowledged, each receipt stored once, counts consistent.
        #[arg(long)]
        check: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Copy the live SQLite database to a new file while the service runs (PostgreSQL: use
    /// pg_dump; this says how).
    Backup { path: PathBuf },
    /// Replace the SQLite database with a backup (stop the service first; the current
    /// database is kept beside it).
    Restore { path: PathBuf },
    /// Delete free text older than each wave's retention period now (the service does this
    /// daily by itself); counts are kept.
    Retention,
    /// Check the database is whole: the engine's integrity check and, for a wave, that every
    /// receipt in a file is stored exactly once, no response is empty and counts add up.
    Verify {
        #[arg(long)]
        wave: Option<String>,
        /// A file of receipt codes, one per line (as `heard loadtest --receipts` writes).
        #[arg(long, requires = "wave")]
        receipts: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum EncodingArg {
    Br,
    Gzip,
    Identity,
}

#[derive(Subcommand, Debug)]
pub enum OutboxCommand {
    /// Send what is due now and exit (for scripts and cron).
    Flush {
        /// Make failed and waiting messages due first.
        #[arg(long)]
        retry: bool,
    },
    /// How many messages wait, failed and were sent.
    Status,
}

#[derive(Subcommand, Debug)]
pub enum PanelCommand {
    /// Start a session for a wave and audience; prints the join code and link.
    Create {
        #[arg(long)]
        wave: String,
        #[arg(long)]
        audience: String,
        /// How long people can join, in minutes.
        #[arg(long, default_value_t = 90)]
        minutes: i64,
        /// Allow shared tablets in kiosk mode (a PIN is made if --pin is not given).
        #[arg(long)]
        kiosk: bool,
        /// The facilitator's PIN for kiosk mode: 4 to 8 digits.
        #[arg(long)]
        pin: Option<String>,
        /// Offer member codes that link a young person's answers across years.
        #[arg(long)]
        member_codes: bool,
        #[arg(long, default_value = "Panel session")]
        title: String,
        /// Minutes without use before a shared tablet goes back to the start.
        #[arg(long, default_value_t = 3)]
        idle: i32,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add a staff account; the password is read from standard input.
    Add {
        #[arg(long)]
        email: String,
        /// superadmin, admin, analyst, facilitator or viewer.
        #[arg(long)]
        role: String,
        /// The partnership's slug (every role but superadmin belongs to one).
        #[arg(long)]
        partnership: Option<String>,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    Csv,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum AdjustArg {
    /// Benjamini–Hochberg (the default).
    FdrBh,
    Holm,
    None,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum QuoteFormat {
    Csv,
    Xlsx,
    Docx,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// The approved quote bank of a partnership.
    Quotes {
        #[arg(long)]
        partnership: String,
        #[arg(long, value_enum)]
        format: QuoteFormat,
        /// Only this wave.
        #[arg(long)]
        wave: Option<String>,
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// One record per response: answers by question key, audience, channel, day sent.
    Responses {
        #[arg(long)]
        wave: String,
        #[arg(long, value_enum)]
        format: Format,
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

/// An error for the person at the terminal.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CliError(String);

fn fail(e: impl std::fmt::Display) -> CliError {
    CliError(e.to_string())
}

pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,actix_server=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let installed = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
    // Fails only when a global subscriber (or `log` logger) is installed already; that one
    // keeps logging, so say so there and go on.
    if let Err(e) = installed {
        tracing::warn!(error = %e, "logging was set up already");
    }
}

/// Runs the command line; returns the process's exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("heard: {e}");
            ExitCode::FAILURE
        }
    }
}

fn connect(settings: &Settings) -> Result<DbConnection, CliError> {
    let url = settings.database().map_err(fail)?;
    let mut conn = db::establish(&url).map_err(fail)?;
    conn.run_migrations().map_err(fail)?;
    Ok(conn)
}

pub fn run(cli: Cli) -> Result<(), CliError> {
    if let Command::CompareCounts { file } = &cli.command {
        // Needs no settings and no database.
        return compare_counts(file);
    }
    let settings = Settings::load(cli.config.as_deref()).map_err(fail)?;
    match cli.command {
        Command::CompareCounts { .. } => Ok(()),
        Command::ImportResponses { wave, file } => import_responses(&settings, &wave, &file),
        Command::Invite { wave, contacts } => invite(&settings, &wave, &contacts),
        Command::Remind { wave } => remind(&settings, &wave),
        Command::Outbox { command: OutboxCommand::Status } => outbox_status(&settings),
        Command::Outbox { command: OutboxCommand::Flush { retry } } => outbox_flush(&settings, retry),
        Command::Panel {
            command: PanelCommand::Create { wave, audience, minutes, kiosk, pin, member_codes, title, idle },
        } => panel_create(&settings, &wave, audience, minutes, kiosk, pin, member_codes, title, idle),
        Command::ImportCounts { wave, file, replace } => import_counts(&settings, &wave, &file, replace),
        Command::Compare { series, from, to, audience, format, adjust, suppress_below, caution_below, output } => {
            compare(&settings, series, from, to, audience, format, adjust, suppress_below, caution_below, output)
        }
        Command::Loadtest { url, wave, clients, seconds, encoding, retry, receipts, server_pid, check, json } => {
            loadtest(&settings, url, wave, clients, seconds, encoding, retry, receipts, server_pid, check, json)
        }
        Command::Backup { path } => backup(&settings, &path),
        Command::Restore { path } => restore(&settings, &path),
        Command::Retention => retention(&settings),
        Command::Verify { wave, receipts } => verify(&settings, wave.as_deref(), receipts.as_deref()),
        Command::Serve { bind } => serve(settings, bind),
        Command::Migrate { revert_all } => migrate(&settings, revert_all),
        Command::Demo { serve: then_serve, no_responses } => demo(settings, then_serve, no_responses),
        Command::Import { file } => import(&settings, &file),
        Command::Check { file, strict } => check(&settings, &file, strict),
        Command::User { command: UserCommand::Add { email, role, partnership } } => {
            user_add(&settings, email, &role, partnership)
        }
        Command::Export { command: ExportCommand::Quotes { partnership, format, wave, output } } => {
            export_quotes(&settings, &partnership, format, wave, output)
        }
        Command::Export { command: ExportCommand::Responses { wave, format, output } } => {
            export_responses(&settings, &wave, format, output)
        }
    }
}

/// `heard import-responses`.
fn import_responses(settings: &Settings, wave: &str, file: &Path) -> Result<(), CliError> {
    let name = file.display().to_string();
    let bytes = std::fs::read(file).map_err(|e| CliError(format!("could not read {name}: {e}")))?;
    let mut conn = connect(settings)?;
    let done =
        models::import::import_responses(&mut conn, &name, wave, &bytes, settings.max_text_graphemes).map_err(fail)?;
    println!("Imported {} responses ({} answers) into {wave}.", done.rows, done.answers);
    Ok(())
}

/// `heard invite`.
fn invite(settings: &Settings, wave: &str, contacts: &Path) -> Result<(), CliError> {
    let bytes = std::fs::read(contacts).map_err(|e| CliError(format!("could not read {}: {e}", contacts.display())))?;
    let mut conn = connect(settings)?;
    let (wave_id, def, links, partnership, look) = invitation_setup(&mut conn, settings, wave)?;
    let audiences: Vec<String> = def.audiences.iter().map(|a| a.key.to_string()).collect();
    let rows = models::invitations::parse_contacts(&bytes, &audiences).map_err(|problems| {
        CliError(format!("{} has problems; nothing was sent:\n  {}", contacts.display(), problems.join("\n  ")))
    })?;
    let templates = crate::templates::global().map_err(fail)?;
    let render = |l: &models::invitations::Letter<'_>| {
        crate::email::messages::invitation(templates, &def, &partnership, &look, l)
    };
    let done = models::invitations::invite(&mut conn, &wave_id, &rows, &links, &render).map_err(fail)?;
    println!(
        "Invited {} contacts to {wave} ({} were invited before). The outbox sends them: heard serve, or heard outbox flush.",
        done.invited, done.already
    );
    Ok(())
}

/// `heard remind`.
fn remind(settings: &Settings, wave: &str) -> Result<(), CliError> {
    let mut conn = connect(settings)?;
    let (wave_id, def, links, partnership, look) = invitation_setup(&mut conn, settings, wave)?;
    let templates = crate::templates::global().map_err(fail)?;
    let render = |l: &models::invitations::Letter<'_>| {
        crate::email::messages::invitation(templates, &def, &partnership, &look, l)
    };
    let n = models::invitations::remind(&mut conn, &wave_id, &links, &render).map_err(fail)?;
    println!("Queued {n} reminders for {wave} (only to people who have not answered or unsubscribed).");
    Ok(())
}

/// `heard outbox status`.
fn outbox_status(settings: &Settings) -> Result<(), CliError> {
    let mut conn = connect(settings)?;
    let d = crate::email::outbox::depth(&mut conn, None).map_err(fail)?;
    println!("Outbox: {} waiting, {} failed, {} sent.", d.pending, d.failed, d.sent);
    Ok(())
}

/// `heard outbox flush`.
fn outbox_flush(settings: &Settings, retry: bool) -> Result<(), CliError> {
    let mut conn = connect(settings)?;
    if retry {
        crate::email::outbox::retry_now(&mut conn, None).map_err(fail)?;
    }
    crate::email::outbox::requeue_interrupted(&mut conn).map_err(fail)?;
    let transport = crate::email::Transport::from_settings(settings).map_err(fail)?;
    let started = std::time::Instant::now();
    let (mut sent, mut failed) = (0, 0);
    let mut last_error = None;
    loop {
        let r = crate::email::outbox::flush(&mut conn, &transport, &settings.mail_from, settings.mail_per_minute)
            .map_err(fail)?;
        sent += r.sent;
        failed += r.failed;
        last_error = r.last_error.or(last_error);
        if r.held == 0 || failed > 0 {
            break;
        }
        // The per-minute limit: wait for the window to move on.
        std::thread::sleep(std::time::Duration::from_secs(5));
    }
    let secs = started.elapsed().as_secs_f64();
    println!("Sent {sent} message(s) in {secs:.2} s by {}; {failed} failed and will be retried.", transport.describe());
    if let Some(e) = last_error {
        println!("Last error: {e}");
    }
    Ok(())
}

/// `heard panel create`.
#[allow(clippy::too_many_arguments)] // one parameter per flag
fn panel_create(
    settings: &Settings,
    wave: &str,
    audience: String,
    minutes: i64,
    kiosk: bool,
    pin: Option<String>,
    member_codes: bool,
    title: String,
    idle: i32,
) -> Result<(), CliError> {
    let mut conn = connect(settings)?;
    let found = models::survey::find_wave(&mut conn, wave)
        .map_err(fail)?
        .ok_or_else(|| CliError(format!("there is no wave {wave:?}")))?;
    let text = models::survey::wave_definition(&mut conn, &found.id).map_err(fail)?;
    let def = SurveyDefinition::parse(wave, &text, settings.max_text_graphemes).map_err(fail)?;
    let pin = match (kiosk, pin) {
        (true, None) => Some(format!("{:06}", rand::random_range(0..1_000_000u32))),
        (_, p) => p,
    };
    let crate::domain::panel::SessionSettings { title, minutes, idle_minutes: idle } =
        crate::domain::panel::SessionSettings::parse(
            &audience,
            &def,
            &title,
            &minutes.to_string(),
            &idle.to_string(),
            kiosk,
            pin.as_deref(),
        )
        .map_err(CliError)?;
    let new = models::panel::NewSession {
        wave_id: found.id.clone(),
        audience,
        title,
        kiosk,
        pin: pin.clone().filter(|_| kiosk),
        member_codes,
        idle_minutes: idle,
        minutes,
        created_by: "heard panel create".into(),
    };
    let s = conn.write(|c| models::panel::create(c, &new)).map_err(fail)?;
    let link = format!("{}/join/{}", settings.public_url.trim_end_matches('/'), s.code);
    println!("Join code: {}", s.join_code());
    println!("Join link: {link}");
    println!("Open until {} UTC.", s.closes_at.format("%Y-%m-%d %H:%M"));
    if kiosk {
        println!("Kiosk PIN: {}", pin.unwrap_or_default());
    }
    println!("Staff page: {}/staff/panels/{}", settings.public_url.trim_end_matches('/'), s.id);
    Ok(())
}

/// `heard import-counts`.
fn import_counts(settings: &Settings, wave: &str, file: &Path, replace: bool) -> Result<(), CliError> {
    let name = file.display().to_string();
    let bytes = std::fs::read(file).map_err(|e| CliError(format!("could not read {name}: {e}")))?;
    let mut conn = connect(settings)?;
    let done = models::import::import_counts(&mut conn, &name, wave, &bytes, replace).map_err(fail)?;
    println!("Imported {} counts ({} answers in all) into {wave}.", done.rows, done.answers);
    Ok(())
}

/// `heard compare`.
#[allow(clippy::too_many_arguments)] // one parameter per flag
fn compare(
    settings: &Settings,
    series: String,
    from: String,
    to: String,
    audience: Option<String>,
    format: Format,
    adjust: AdjustArg,
    suppress_below: u64,
    caution_below: u64,
    output: Option<PathBuf>,
) -> Result<(), CliError> {
    use crate::stats::compare::Adjust;
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
    let request = models::comparison::CompareRequest { series, from, to, audience, settings: stats_settings };
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

/// `heard loadtest`.
#[allow(clippy::too_many_arguments)] // one parameter per flag
fn loadtest(
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

/// `heard backup`.
fn backup(settings: &Settings, path: &Path) -> Result<(), CliError> {
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
fn restore(settings: &Settings, path: &Path) -> Result<(), CliError> {
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
fn retention(settings: &Settings) -> Result<(), CliError> {
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

/// `heard migrate`.
fn migrate(settings: &Settings, revert_all: bool) -> Result<(), CliError> {
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
fn demo(settings: Settings, then_serve: bool, no_responses: bool) -> Result<(), CliError> {
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

/// `heard import`.
fn import(settings: &Settings, file: &Path) -> Result<(), CliError> {
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
fn check(settings: &Settings, file: &Path, strict: bool) -> Result<(), CliError> {
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

/// `heard user add`: the password is read from standard input.
fn user_add(settings: &Settings, email: String, role: &str, partnership: Option<String>) -> Result<(), CliError> {
    let role = account::Role::parse(role).ok_or_else(|| {
        CliError(format!("{role:?} is not a role: use superadmin, admin, analyst, facilitator or viewer"))
    })?;
    let mut password = String::new();
    std::io::stdin().read_to_string(&mut password).map_err(fail)?;
    let password = password.trim_end_matches(['\n', '\r']).to_owned();
    let mut conn = connect(settings)?;
    let new = account::NewAccount { email, role, partnership, password };
    account::add(&mut conn, &new).map_err(fail)?;
    println!("Added {} as {}.", new.email.trim().to_lowercase(), role.as_str());
    Ok(())
}

/// `heard export quotes`.
fn export_quotes(
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
fn export_responses(settings: &Settings, wave: &str, format: Format, output: Option<PathBuf>) -> Result<(), CliError> {
    let mut conn = connect(settings)?;
    let row = models::survey::find_wave(&mut conn, wave)
        .map_err(fail)?
        .ok_or_else(|| CliError(format!("there is no wave {wave:?}")))?;
    let text = models::survey::wave_definition(&mut conn, &row.id).map_err(fail)?;
    let def = SurveyDefinition::parse(wave, &text, usize::MAX / 2).map_err(fail)?;
    let records = export::responses_for_wave(&mut conn, &row.id, &row.slug, &def).map_err(fail)?;
    let bytes = match format {
        Format::Json => {
            let mut v = serde_json::to_vec_pretty(&records).map_err(fail)?;
            v.push(b'\n');
            v
        }
        Format::Csv => export::to_csv(&records, &def).map_err(fail)?,
    };
    match output {
        Some(path) => {
            std::fs::write(&path, bytes).map_err(|e| CliError(format!("could not write {}: {e}", path.display())))?
        }
        None => {
            use std::io::Write;
            std::io::stdout().write_all(&bytes).map_err(fail)?;
        }
    }
    Ok(())
}

/// The partnership's framework codes, if a database already exists and holds it.
fn existing_framework_codes(settings: &Settings, partnership: &str) -> Option<crate::domain::survey::FrameworkCodes> {
    let url = settings.database().ok()?;
    if url.backend == db::Backend::Sqlite && !std::path::Path::new(&url.target).exists() {
        return None;
    }
    let mut conn = db::establish(&url).ok()?;
    let p = models::framework::find_by_slug(&mut conn, partnership).ok()??;
    models::framework::codes(&mut conn, &p.id).ok()
}

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

/// `heard compare-counts`: the file is checked whole, then each case's results are written to
/// standard output as they are computed (never the whole output in memory).
fn compare_counts(path: &std::path::Path) -> Result<(), CliError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| CliError(format!("could not read {name}: {e}")))?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    crate::stats::stream::compare_counts(&bytes, &mut out).map_err(|e| match e {
        crate::stats::stream::CompareError::Input(e) => CliError(format!("{name}: {e}")),
        e @ crate::stats::stream::CompareError::Write(_) => fail(e),
    })
}

fn read_file(path: &std::path::Path) -> Result<(String, String), CliError> {
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

/// A wave's id, definition, link builder and partnership name, for invitations.
fn invitation_setup(
    conn: &mut DbConnection,
    settings: &Settings,
    wave: &str,
) -> Result<(String, SurveyDefinition, models::invitations::Links, String, crate::email::messages::Look), CliError> {
    let found = models::survey::find_wave(conn, wave)
        .map_err(fail)?
        .ok_or_else(|| CliError(format!("there is no wave {wave:?}")))?;
    let text = models::survey::wave_definition(conn, &found.id).map_err(fail)?;
    let def = SurveyDefinition::parse(wave, &text, settings.max_text_graphemes).map_err(fail)?;
    let (_, partnership) = models::survey::wave_partnership(conn, &found.id).map_err(fail)?;
    let owner = models::survey::wave_owner_by_id(conn, &found.id)
        .map_err(fail)?
        .ok_or_else(|| CliError(format!("the wave {wave:?} has no partnership")))?;
    let brand = models::branding::get(conn, &owner).map_err(fail)?;
    let look = crate::email::messages::Look::new(&brand, &settings.public_url);
    let links = models::invitations::Links { public_url: settings.public_url.clone(), partnership_id: owner };
    Ok((found.id, def, links, partnership, look))
}

fn wave_id(conn: &mut DbConnection, slug: &str) -> Result<String, CliError> {
    models::survey::find_wave(conn, slug)
        .map_err(fail)?
        .map(|w| w.id)
        .ok_or_else(|| CliError(format!("there is no wave {slug:?} in this database")))
}

fn verify(settings: &Settings, wave: Option<&str>, receipts: Option<&std::path::Path>) -> Result<(), CliError> {
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

/// `heard serve` (and `heard demo --serve`): `bind`, when given, replaces the configured address.
fn serve(mut settings: Settings, bind: Option<String>) -> Result<(), CliError> {
    if let Some(b) = bind {
        settings.bind = b;
    }
    init_logging(settings.log_format);
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
