//! The `heard` command: clap definitions and `run`, which hands each command to one function
//! in the file of its job (`surveys`, `data`, `outreach`, `accounts`, `ops`); each calls the
//! library and prints. Errors are printed plainly to stderr with exit code 1 (usage errors: 2,
//! from clap).

mod accounts;
mod data;
mod ops;
mod outreach;
mod surveys;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::config::{LogFormat, Settings};
use crate::db::{self, DbConnection};

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
        #[command(flatten)]
        who: WhoArgs,
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Single sign-on with the council's own accounts (OpenID Connect).
    Sso {
        #[command(subcommand)]
        command: SsoCommand,
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
    /// Reset an account's two-factor sign-in (a lost phone, and no other admin to do it): its
    /// authenticator key and recovery codes go and its sessions end; the person sets it up
    /// again at their next sign-in. Audited.
    ResetTwoFactor {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum SsoCommand {
    /// Set a partnership's single sign-on (audited; the secret is read from a file so it is
    /// never in the shell's history, and never shown again).
    Set {
        #[arg(long)]
        partnership: String,
        /// The provider's issuer address, e.g. https://login.microsoftonline.com/TENANT/v2.0.
        #[arg(long)]
        issuer: String,
        #[arg(long)]
        client_id: String,
        /// A file holding the client secret (leading and trailing white space is ignored).
        #[arg(long)]
        client_secret_file: PathBuf,
        /// An email domain allowed to sign in (repeat for more).
        #[arg(long = "allowed-domain", required = true)]
        allowed_domains: Vec<String>,
        /// The role of anyone signing in for the first time without a mapped claim value.
        #[arg(long)]
        default_role: Option<String>,
        /// The claim that carries groups or roles, e.g. groups.
        #[arg(long)]
        role_claim: Option<String>,
        /// A claim value and the role it gives, as VALUE=ROLE (repeat for more).
        #[arg(long = "role-map")]
        role_map: Vec<String>,
        /// An admin approves each first sign-in.
        #[arg(long)]
        approve_first: bool,
        /// Require single sign-on: the partnership's passwords no longer sign anyone in.
        #[arg(long)]
        require: bool,
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

/// Runs one command: each is a function in the file of its job.
pub fn run(cli: Cli) -> Result<(), CliError> {
    if let Command::CompareCounts { file } = &cli.command {
        // Needs no settings and no database.
        return data::compare_counts(file);
    }
    let settings = Settings::load(cli.config.as_deref()).map_err(fail)?;
    match cli.command {
        Command::CompareCounts { .. } => Ok(()),
        Command::ImportResponses { wave, file } => data::import_responses(&settings, &wave, &file),
        Command::Invite { wave, contacts } => outreach::invite(&settings, &wave, &contacts),
        Command::Remind { wave } => outreach::remind(&settings, &wave),
        Command::Outbox { command: OutboxCommand::Status } => outreach::outbox_status(&settings),
        Command::Outbox { command: OutboxCommand::Flush { retry } } => outreach::outbox_flush(&settings, retry),
        Command::Panel {
            command: PanelCommand::Create { wave, audience, minutes, kiosk, pin, member_codes, title, idle },
        } => outreach::panel_create(&settings, &wave, audience, minutes, kiosk, pin, member_codes, title, idle),
        Command::ImportCounts { wave, file, replace } => data::import_counts(&settings, &wave, &file, replace),
        Command::Compare { series, from, to, audience, format, adjust, suppress_below, caution_below, who, output } => {
            let limits = data::Limits { suppress_below, caution_below };
            data::compare(&settings, series, from, to, audience, format, adjust, limits, &who, output)
        }
        Command::Loadtest { url, wave, clients, seconds, encoding, retry, receipts, server_pid, check, json } => {
            ops::loadtest(&settings, url, wave, clients, seconds, encoding, retry, receipts, server_pid, check, json)
        }
        Command::Backup { path } => ops::backup(&settings, &path),
        Command::Restore { path } => ops::restore(&settings, &path),
        Command::Retention => ops::retention(&settings),
        Command::Verify { wave, receipts } => ops::verify(&settings, wave.as_deref(), receipts.as_deref()),
        Command::Serve { bind } => ops::serve(settings, bind),
        Command::Migrate { revert_all } => ops::migrate(&settings, revert_all),
        Command::Demo { serve: then_serve, no_responses } => ops::demo(settings, then_serve, no_responses),
        Command::Import { file } => surveys::import(&settings, &file),
        Command::Check { file, strict } => surveys::check(&settings, &file, strict),
        Command::User { command: UserCommand::Add { email, role, partnership } } => {
            accounts::user_add(&settings, email, &role, partnership)
        }
        Command::User { command: UserCommand::ResetTwoFactor { email } } => {
            accounts::reset_two_factor(&settings, &email)
        }
        Command::Sso { command } => accounts::sso(&settings, command),
        Command::Export { command: ExportCommand::Quotes { partnership, format, wave, output } } => {
            data::export_quotes(&settings, &partnership, format, wave, output)
        }
        Command::Export { command: ExportCommand::Responses { wave, format, output } } => {
            data::export_responses(&settings, &wave, format, output)
        }
    }
}

/// Who a comparison counts (the comparison page's filters): the channel, days and answer to a
/// single-choice question choose people in both waves.
#[derive(clap::Args, Debug, Default)]
pub struct WhoArgs {
    /// Only responses that came this way: web (online), invitation, panel, kiosk, paper, phone.
    #[arg(long)]
    pub channel: Option<String>,
    /// Only responses sent on or after this day (YYYY-MM-DD, UTC).
    #[arg(long)]
    pub sent_from: Option<String>,
    /// Only responses sent on or before this day (YYYY-MM-DD, UTC).
    #[arg(long)]
    pub sent_to: Option<String>,
    /// Only people who gave this answer to a single-choice question: QUESTION:VALUE.
    #[arg(long)]
    pub answer: Option<String>,
}
