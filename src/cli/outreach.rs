//! Reaching people: `invite` and `remind` (email to a wave's contacts), `outbox status` and
//! `outbox flush`, and `panel create` (a young people's panel session).

use std::path::Path;

use super::{CliError, connect, fail};
use crate::config::Settings;
use crate::db::DbConnection;
use crate::models;

/// `heard invite`.
pub(super) fn invite(settings: &Settings, wave: &str, contacts: &Path) -> Result<(), CliError> {
    let bytes = std::fs::read(contacts).map_err(|e| CliError(format!("could not read {}: {e}", contacts.display())))?;
    let mut conn = connect(settings)?;
    let InvitationSetup { wave: found, links, look } = invitation_setup(&mut conn, settings, wave)?;
    let (def, partnership) = (&found.definition, &found.partnership.name);
    let audiences: Vec<String> = def.audiences.iter().map(|a| a.key.to_string()).collect();
    let rows = models::invitations::parse_contacts(&bytes, &audiences).map_err(|problems| {
        CliError(format!("{} has problems; nothing was sent:\n  {}", contacts.display(), problems.join("\n  ")))
    })?;
    let templates = crate::templates::global().map_err(fail)?;
    let render =
        |l: &models::invitations::Letter<'_>| crate::email::messages::invitation(templates, def, partnership, &look, l);
    let done = models::invitations::invite(&mut conn, found.id(), &rows, &links, &render).map_err(fail)?;
    println!(
        "Invited {} contacts to {wave} ({} were invited before). The outbox sends them: heard serve, or heard outbox flush.",
        done.invited, done.already
    );
    Ok(())
}

/// `heard remind`.
pub(super) fn remind(settings: &Settings, wave: &str) -> Result<(), CliError> {
    let mut conn = connect(settings)?;
    let InvitationSetup { wave: found, links, look } = invitation_setup(&mut conn, settings, wave)?;
    let templates = crate::templates::global().map_err(fail)?;
    let render = |l: &models::invitations::Letter<'_>| {
        crate::email::messages::invitation(templates, &found.definition, &found.partnership.name, &look, l)
    };
    let n = models::invitations::remind(&mut conn, found.id(), &links, &render).map_err(fail)?;
    println!("Queued {n} reminders for {wave} (only to people who have not answered or unsubscribed).");
    Ok(())
}

/// What sending a wave's invitations needs: the wave, its link builder and its emails' look.
struct InvitationSetup {
    wave: models::survey::Wave,
    links: models::invitations::Links,
    look: crate::email::messages::Look,
}

fn invitation_setup(conn: &mut DbConnection, settings: &Settings, wave: &str) -> Result<InvitationSetup, CliError> {
    let found = models::survey::find(conn, wave, settings.max_text_graphemes)
        .map_err(fail)?
        .ok_or_else(|| CliError(format!("there is no wave {wave:?}")))?;
    let owner = found.partnership.id.clone();
    let brand = models::branding::get(conn, &owner).map_err(fail)?;
    let look = crate::email::messages::Look::new(&brand, &settings.public_url);
    let links = models::invitations::Links { public_url: settings.public_url.clone(), partnership_id: owner };
    Ok(InvitationSetup { wave: found, links, look })
}

/// `heard outbox status`.
pub(super) fn outbox_status(settings: &Settings) -> Result<(), CliError> {
    let mut conn = connect(settings)?;
    let d = crate::email::outbox::depth(&mut conn, None).map_err(fail)?;
    println!("Outbox: {} waiting, {} failed, {} sent.", d.pending, d.failed, d.sent);
    Ok(())
}

/// `heard outbox flush`.
pub(super) fn outbox_flush(settings: &Settings, retry: bool) -> Result<(), CliError> {
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
pub(super) fn panel_create(
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
    let found = models::survey::find(&mut conn, wave, settings.max_text_graphemes)
        .map_err(fail)?
        .ok_or_else(|| CliError(format!("there is no wave {wave:?}")))?;
    let def = &found.definition;
    let pin = match (kiosk, pin) {
        (true, None) => Some(format!("{:06}", rand::random_range(0..1_000_000u32))),
        (_, p) => p,
    };
    let crate::domain::panel::SessionSettings { title, minutes, idle_minutes: idle } =
        crate::domain::panel::SessionSettings::parse(
            &audience,
            def,
            &title,
            &minutes.to_string(),
            &idle.to_string(),
            kiosk,
            pin.as_deref(),
        )
        .map_err(CliError)?;
    let new = models::panel::NewSession {
        wave_id: found.id().clone(),
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
