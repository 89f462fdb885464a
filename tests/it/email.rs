//! Email against a real SMTP server on 127.0.0.1 (tests/it/smtp.rs): 50 invitations with
//! distinct single-use links, reminders only to people who have not answered or
//! unsubscribed, the server down then back (nothing lost, nothing twice), a message
//! interrupted mid-send, the unsubscribe headers, and no link between an address and an
//! answer anywhere.

use std::process::Command;

use heard::db::Backend;

use crate::both;
use crate::helpers::{Plan, TestApp, complete, heard_bin, spawn_app};
use crate::smtp::SmtpSink;

const WAVE: &str = "torbay-participation-2025";

fn heard(app: &TestApp, smtp: Option<&str>, args: &[&str]) -> (bool, String, String) {
    let mut cmd = Command::new(heard_bin());
    cmd.args(args).env("DATABASE_URL", &app.db.url).env("HEARD_PUBLIC_URL", &app.address);
    match smtp {
        Some(url) => cmd.env("SMTP_URL", url),
        None => cmd.env_remove("SMTP_URL"),
    };
    let out = cmd.output().expect("run heard");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn contacts_file(n: usize) -> tempfile::NamedTempFile {
    let mut text = String::from("email,first_name,audience\n");
    for i in 0..n {
        let audience = if i % 2 == 0 { "young-people" } else { "parents-carers" };
        text.push_str(&format!("person{i}@example.org,Name{i},{audience}\n"));
    }
    let file = tempfile::NamedTempFile::new().expect("file");
    std::fs::write(file.path(), text).expect("write");
    file
}

/// The invitation link in a raw message (quoted-printable soft breaks undone).
fn link_in(raw: &str, prefix: &str) -> String {
    let flat = raw.replace("=\r\n", "").replace("=3D", "=");
    let at = flat.find(prefix).unwrap_or_else(|| panic!("no {prefix} in {flat}"));
    flat[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || "/:._-".contains(*c)).collect()
}

fn header<'a>(raw: &'a str, name: &str) -> Option<&'a str> {
    raw.lines()
        .find(|l| l.to_ascii_lowercase().starts_with(&format!("{}:", name.to_ascii_lowercase())))
        .map(|l| l[name.len() + 1..].trim())
}

fn fifty_invitations_and_reminders(backend: Backend) {
    let app = spawn_app(backend);
    let sink = SmtpSink::start();
    let file = contacts_file(50);
    let (ok, out, err) = heard(&app, None, &["invite", "--wave", WAVE, "--contacts", file.path().to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("Invited 50 contacts"), "{out}");
    let (ok, out, err) = heard(&app, Some(&sink.url()), &["outbox", "flush"]);
    assert!(ok, "{err}");
    assert!(out.contains("Sent 50 message(s)"), "{out}");
    let mail = sink.messages();
    assert_eq!(mail.len(), 50);
    let prefix = format!("{}/i/", app.address);
    let links: std::collections::HashSet<String> = mail.iter().map(|m| link_in(m, &prefix)).collect();
    assert_eq!(links.len(), 50, "50 distinct links");
    let ids: std::collections::HashSet<&str> = mail.iter().filter_map(|m| header(m, "Message-ID")).collect();
    assert_eq!(ids.len(), 50, "50 distinct Message-IDs");
    for m in &mail {
        assert!(header(m, "List-Unsubscribe").is_some_and(|v| v.starts_with(&format!("<{}/u/", app.address))), "{m}");
        assert_eq!(header(m, "List-Unsubscribe-Post"), Some("List-Unsubscribe=One-Click"));
        assert!(m.contains("multipart/alternative") && m.contains("text/plain") && m.contains("text/html"));
    }
    // Young people get the easy-read version.
    let young = mail.iter().find(|m| m.contains("person0@example.org")).unwrap();
    assert!(header(young, "Subject").is_some_and(|s| s.contains("Tell us about the help you get")), "{young}");

    // A link works once and opens the right version; answering marks only "has responded".
    let first = mail.iter().find(|m| m.contains("To: person1@example.org")).expect("person1");
    let link = link_in(first, &prefix);
    let b = app.browser();
    let page = b.get(&link);
    assert!(
        page.path().ends_with("/s/torbay-participation-2025/parents-carers"),
        "{} {} {}",
        page.url,
        page.status,
        page.html
    );
    assert_eq!(app.browser().get(&link).status, 410, "a link works once");
    complete(&b, WAVE, "parents-carers", &Plan::new(), "yes");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM contacts WHERE responded = TRUE"), 1);
    // Nothing on the contact's side can be matched to the response's times: the link's use
    // is kept as the day only (it was written microseconds from the response's start).
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM contacts WHERE token_used_at IS NOT NULL"), 1);
    let timed = match backend {
        Backend::Postgres => {
            "SELECT COUNT(*) AS n FROM contacts WHERE token_used_at <> date_trunc('day', token_used_at)"
        }
        Backend::Sqlite => {
            "SELECT COUNT(*) AS n FROM contacts WHERE token_used_at <> substr(token_used_at, 1, 10) || ' 00:00:00'"
        }
    };
    assert_eq!(app.count(timed), 0, "the day only");
    let near = match backend {
        Backend::Postgres => {
            "SELECT COUNT(*) AS n FROM contacts c, responses r WHERE c.token_used_at IS NOT NULL AND abs(extract(epoch FROM r.started_at - c.token_used_at)) < 60"
        }
        Backend::Sqlite => {
            "SELECT COUNT(*) AS n FROM contacts c, responses r WHERE c.token_used_at IS NOT NULL AND abs(julianday(r.started_at) - julianday(c.token_used_at)) * 86400 < 60"
        }
    };
    assert_eq!(app.count(near), 0, "no contact time within a minute of a response's start");
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM drafts WHERE contact_id IS NOT NULL"),
        0,
        "the draft forgets the invitation"
    );

    // One-click unsubscribe (a mail program's POST, no form token) and the page's GET.
    let second = mail.iter().find(|m| m.contains("To: person2@example.org")).expect("person2");
    let unsub = link_in(second, &format!("{}/u/", app.address));
    let res = app
        .browser()
        .raw()
        .post(&unsub)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let third = mail.iter().find(|m| m.contains("To: person3@example.org")).expect("person3");
    let page = app.browser().get(&link_in(third, &format!("{}/u/", app.address)));
    assert_eq!(page.status, 200);
    assert!(page.html.contains("You are unsubscribed"));
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM contacts WHERE unsubscribed_at IS NOT NULL"), 2);

    // Reminders reach only the 47 who have not answered or unsubscribed, with new links.
    let (ok, out, _) = heard(&app, None, &["remind", "--wave", WAVE]);
    assert!(ok && out.contains("Queued 47 reminders"), "{out}");
    let (ok, out, _) = heard(&app, Some(&sink.url()), &["outbox", "flush"]);
    assert!(ok && out.contains("Sent 47"), "{out}");
    let reminders: Vec<String> = sink.messages().into_iter().skip(50).collect();
    assert_eq!(reminders.len(), 47);
    for who in ["person1@", "person2@", "person3@"] {
        assert!(!reminders.iter().any(|m| m.contains(who)), "{who} got a reminder");
    }
    assert_eq!(app.browser().get(&link_in(&mail[4], &prefix)).status, 404, "a reminder replaces the old link");
    // At most two reminders each.
    heard(&app, None, &["remind", "--wave", WAVE]);
    let (_, out, _) = heard(&app, None, &["remind", "--wave", WAVE]);
    assert!(out.contains("Queued 0 reminders"), "{out}");

    // Nothing joins an address to an answer: no column for it, no export with it.
    for (table, column) in [("responses", "contact_id"), ("answers", "contact_id"), ("contacts", "response_id")] {
        let sql = format!("SELECT COUNT(*) AS n FROM {table} WHERE {column} IS NULL");
        let exists = std::panic::catch_unwind(|| app.count(&sql)).is_ok();
        assert!(!exists, "{table}.{column} must not exist");
    }
    let out = Command::new(heard_bin())
        .args(["export", "responses", "--wave", WAVE, "--format", "csv"])
        .env("DATABASE_URL", &app.db.url)
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("@example.org"));
    sink.stop();
}
both!(fifty_invitations_and_reminders);

fn the_mail_server_down_then_back(backend: Backend) {
    let app = spawn_app(backend);
    let file = contacts_file(3);
    heard(&app, None, &["invite", "--wave", WAVE, "--contacts", file.path().to_str().unwrap()]);
    // Nobody listening on this port.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = dead.local_addr().unwrap().port();
    drop(dead);
    let (ok, out, _) = heard(&app, Some(&format!("smtp://127.0.0.1:{port}")), &["outbox", "flush"]);
    assert!(ok, "a failed send is not a failed command");
    assert!(out.contains("Sent 0 message(s)") && out.contains("3 failed and will be retried"), "{out}");
    assert_eq!(
        app.count(
            "SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending' AND attempts = 1 AND last_error IS NOT NULL"
        ),
        3
    );
    // Waiting for its backoff, a flush sends nothing yet.
    let sink = SmtpSink::on(port);
    let (_, out, _) = heard(&app, Some(&sink.url()), &["outbox", "flush"]);
    assert!(out.contains("Sent 0"), "{out}");
    // An admin's retry (or the backoff passing) sends them, once each.
    let (_, out, _) = heard(&app, Some(&sink.url()), &["outbox", "flush", "--retry"]);
    assert!(out.contains("Sent 3"), "{out}");
    assert_eq!(sink.messages().len(), 3);
    // A message another instance is sending right now (its claim has not run out) is left
    // alone; one claimed by a worker that stopped before recording (its claim ran out) is sent
    // again, with the same Message-ID.
    let claim = |minutes: i64| {
        use diesel::prelude::*;
        let at = (chrono::Utc::now().naive_utc() + chrono::TimeDelta::minutes(minutes)).format("%Y-%m-%d %H:%M:%S%.6f");
        let mut c = app.db.connect();
        diesel::sql_query(format!(
            "UPDATE outbox SET status = 'sending', next_attempt_at = '{at}' WHERE to_address = 'person0@example.org'"
        ))
        .execute(&mut c)
        .unwrap();
    };
    claim(5);
    let (_, out, _) = heard(&app, Some(&sink.url()), &["outbox", "flush"]);
    assert!(out.contains("Sent 0"), "{out}");
    claim(-1);
    let (_, out, _) = heard(&app, Some(&sink.url()), &["outbox", "flush"]);
    assert!(out.contains("Sent 1"), "{out}");
    let to_zero: Vec<String> = sink.messages().into_iter().filter(|m| m.contains("To: person0@example.org")).collect();
    assert_eq!(to_zero.len(), 2);
    assert_eq!(
        header(&to_zero[0], "Message-ID"),
        header(&to_zero[1], "Message-ID"),
        "the same message, recognisable as such"
    );
    let (_, status, _) = heard(&app, None, &["outbox", "status"]);
    assert!(status.contains("0 waiting, 0 failed, 3 sent"), "{status}");
    sink.stop();
}
both!(the_mail_server_down_then_back);

#[test]
fn without_a_mail_server_messages_are_files() {
    let app = spawn_app(Backend::Sqlite);
    let dir = tempfile::tempdir().unwrap();
    let file = contacts_file(2);
    heard(&app, None, &["invite", "--wave", WAVE, "--contacts", file.path().to_str().unwrap()]);
    let out = Command::new(heard_bin())
        .args(["outbox", "flush"])
        .env("DATABASE_URL", &app.db.url)
        .env("HEARD_MAIL_DIR", dir.path())
        .env_remove("SMTP_URL")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("Sent 2 message(s)"));
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().filter_map(Result::ok).collect();
    assert_eq!(files.len(), 2);
    assert!(files.iter().all(|f| f.path().extension().is_some_and(|e| e == "eml")));
    // A bad contacts file is refused whole, line by line.
    let bad = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(bad.path(), "email,first_name,audience\nnope,,young-people\nx@example.org,,aliens\n").unwrap();
    let (ok, _, err) = heard(&app, None, &["invite", "--wave", WAVE, "--contacts", bad.path().to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("line 2: \"nope\" is not an email address") && err.contains("line 3: \"aliens\""), "{err}");
}

fn invitations_from_the_workspace(backend: Backend) {
    let (app, _, _) = crate::fixtures::setup(backend);
    let (b, _) = crate::fixtures::sign_in(&app, "analyst@torbay.example", crate::fixtures::PASSWORD);
    let page = b.get(&format!("/staff/waves/{WAVE}/invitations"));
    assert_eq!(page.status, 200);
    let token = page.form_ending("/invitations").fields.into_iter().find(|(k, _)| k == "csrf").unwrap().1;
    let post = |csv: &str| {
        let form = reqwest::blocking::multipart::Form::new()
            .text("csrf", token.clone())
            .part("contacts", reqwest::blocking::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("c.csv"));
        let client = reqwest::blocking::Client::builder().cookie_provider(b.jar.clone()).build().unwrap();
        let res = client.post(format!("{}/staff/waves/{WAVE}/invitations", b.base)).multipart(form).send().unwrap();
        (res.status().as_u16(), res.text().unwrap_or_default())
    };
    let (code, html) = post("email,first_name,audience\nbad,,young-people\n");
    assert_eq!(code, 400);
    assert!(html.contains("line 2: &quot;bad&quot; is not an email address"), "{html}");
    let (code, html) =
        post("email,first_name,audience\na@example.org,Ana,young-people\nb@example.org,,parents-carers\n");
    assert_eq!(code, 200, "{html}");
    assert!(html.contains("2 invitations queued"), "{html}");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM outbox WHERE kind = 'invitation' AND status = 'pending'"), 2);
    let remind = b.get(&format!("/staff/waves/{WAVE}/invitations"));
    let done = b.submit(&remind.form_ending("/remind"));
    assert!(done.html.contains("2 reminders queued"), "{}", done.html);
    // Viewers see counts but cannot send; the outbox is for admins, with addresses masked.
    let (viewer, _) = crate::fixtures::sign_in(&app, "viewer@torbay.example", crate::fixtures::PASSWORD);
    assert_eq!(viewer.get(&format!("/staff/waves/{WAVE}/invitations")).status, 200);
    assert_eq!(viewer.submit(&remind.form_ending("/remind")).status, 403);
    assert_eq!(crate::fixtures::status(&b, "/staff/outbox"), 403);
    let (admin, _) = crate::fixtures::sign_in(&app, "admin@torbay.example", crate::fixtures::PASSWORD);
    let outbox = admin.get("/staff/outbox");
    assert_eq!(outbox.status, 200);
    assert!(outbox.html.contains("a***@example.org") && !outbox.html.contains("a@example.org"), "{}", outbox.html);
    let retried = admin.submit(&outbox.form_ending("/retry"));
    assert_eq!(retried.status, 200);
    let (other, _) = crate::fixtures::sign_in(&app, "analyst@southend.example", crate::fixtures::PASSWORD);
    assert_eq!(crate::fixtures::status(&other, &format!("/staff/waves/{WAVE}/invitations")), 404);
}
both!(invitations_from_the_workspace);

#[test]
fn heard_serve_sends_the_outbox() {
    let app = spawn_app(Backend::Sqlite);
    let sink = SmtpSink::start();
    let file = contacts_file(5);
    heard(&app, None, &["invite", "--wave", WAVE, "--contacts", file.path().to_str().unwrap()]);
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(heard_bin())
        .args(["serve"])
        .env("DATABASE_URL", &app.db.url)
        .env("HEARD_BIND", format!("127.0.0.1:{port}"))
        .env("SMTP_URL", sink.url())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut delivered = 0;
    for _ in 0..100 {
        delivered = sink.messages().len();
        if delivered == 5 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(delivered, 5, "the worker inside heard serve sent the queue");
    sink.stop();
}

fn you_said_we_did(backend: Backend) {
    let (app, _, _) = crate::fixtures::setup(backend);
    // At the end of a survey someone leaves an address to hear what happened.
    let b = app.browser();
    complete(&b, WAVE, "parents-carers", &Plan::new(), "no");
    let done = b.get(&format!("/s/{WAVE}/done"));
    let form = done.form_ending("/follow-up");
    let bad = b.submit(&form.clone().with("email", "nope"));
    assert_eq!(bad.status, 400);
    assert!(bad.html.contains("Enter an email address"));
    let ok = b.submit(&form.clone().with("email", " Fam@Example.org "));
    assert_eq!(ok.status, 200);
    assert!(ok.html.contains("We have sent you an email"), "{}", ok.html);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM follow_ups WHERE email = 'fam@example.org'"), 1);
    // Someone else's address, typed by a stranger: it gets one email asking to confirm, and
    // nothing else unless its owner confirms.
    let stranger = b.submit(&form.clone().with("email", "someone.else@example.org"));
    assert_eq!(stranger.status, 200);
    let again = b.submit(&form.with("email", "fam@example.org"));
    assert_eq!(again.status, 200, "a repeat gets the same answer");
    let sink = SmtpSink::start();
    let (_, out, _) = heard(&app, Some(&sink.url()), &["outbox", "flush"]);
    assert!(out.contains("Sent 2"), "one confirmation each, none for the repeat: {out}");
    let confirmation =
        sink.messages().into_iter().find(|m| m.contains("To: fam@example.org")).expect("asked to confirm");
    let link = link_in(&confirmation, "/updates/confirm/");
    let owner = app.browser();
    let confirm = owner.get(&link);
    assert_eq!(confirm.status, 200);
    assert!(confirm.html.contains("Yes, email me what happened"), "{}", confirm.html);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM follow_ups WHERE confirmed = TRUE"),
        0,
        "opening the link confirms nothing"
    );
    let confirmed = owner.submit(&confirm.form());
    assert_eq!(confirmed.status, 200, "{}", confirmed.html);
    assert!(confirmed.html.contains("Your address is confirmed"));
    assert_eq!(app.browser().get(&link).status, 404, "the link works once");
    assert_eq!(app.browser().get("/updates/confirm/not-a-real-token").status, 404);
    // Kept apart: no link to a response, and the day only.
    for column in ["response_id", "wave_id", "created_at"] {
        let sql = format!("SELECT COUNT(*) AS n FROM follow_ups WHERE {column} IS NULL");
        assert!(std::panic::catch_unwind(|| app.count(&sql)).is_err(), "follow_ups.{column} must not exist");
    }
    // Staff publish an update: it goes to the waiting address once, which is then deleted.
    let (staff, _) = crate::fixtures::sign_in(&app, "analyst@torbay.example", crate::fixtures::PASSWORD);
    let page = staff.get("/staff/updates");
    assert!(page.html.contains("<strong>1</strong> now"), "{}", page.html);
    let empty = staff.submit(&page.form_ending("/staff/updates").with("title", "").with("body", "x"));
    assert_eq!(empty.status, 400);
    // Text that fails the checks is refused, kept in the form, and never stored.
    for (title, body) in
        [("Two\nlines", "fine"), ("Fine", "Hidden \u{202E}reversed\u{202C} words"), ("Bad \u{FFFE}", "x")]
    {
        let refused = staff.submit(&page.form_ending("/staff/updates").with("title", title).with("body", body));
        assert_eq!(refused.status, 400, "{title:?} {body:?}");
        assert!(refused.html.contains("error-message"), "{}", refused.html);
    }
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM updates"), 0, "nothing stored");
    let published = staff.submit(
        &page
            .form_ending("/staff/updates")
            .with("title", "You said the Local Offer was hard to search")
            .with("body", "We rewrote it with the Parent Carer Forum.\nIt now has a search box.")
            .with("priorities", "P3, P4")
            .with("themes", "Local Offer"),
    );
    assert_eq!(published.status, 200);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM follow_ups WHERE confirmed = TRUE"), 0);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM follow_ups"), 1, "the unconfirmed address waits for its owner");
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM outbox WHERE kind = 'update' AND to_address = 'fam@example.org'"),
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM outbox WHERE kind = 'update' AND to_address = 'someone.else@example.org'"),
        0,
        "never sent to an address nobody confirmed"
    );
    let public = app.browser().get("/updates/torbay");
    assert_eq!(public.status, 200);
    assert_eq!(public.text_of("article.update h2"), vec!["You said the Local Offer was hard to search"]);
    assert!(public.html.contains("Priorities: P3, P4"));
    assert_eq!(app.browser().get("/updates/nowhere").status, 404);
    let (_, out, _) = heard(&app, Some(&sink.url()), &["outbox", "flush"]);
    assert!(out.contains("Sent 1"), "{out}");
    assert!(sink.messages().last().unwrap().contains("You said, we did: You said the Local Offer was hard to search"));
    let (viewer, _) = crate::fixtures::sign_in(&app, "viewer@torbay.example", crate::fixtures::PASSWORD);
    assert_eq!(viewer.get("/staff/updates").status, 200);
    assert_eq!(viewer.submit(&page.form_ending("/staff/updates").with("title", "x").with("body", "y")).status, 403);
    sink.stop();
}
both!(you_said_we_did);

fn staff_links_by_email(backend: Backend) {
    let (app, _, _) = crate::fixtures::setup(backend);
    let sink = SmtpSink::start();
    // Forgot password: the same answer for unknown addresses; a link for real ones.
    let b = app.browser();
    let sign_in = b.get("/staff/sign-in");
    assert!(sign_in.has("a[href='/staff/forgot']"));
    let page = b.get("/staff/forgot");
    for email in ["nobody@example.org", "viewer@torbay.example"] {
        let done = b.submit(&page.form().with("email", email));
        assert_eq!(done.status, 200);
        assert!(done.html.contains("If there is a Heard account for that address"));
    }
    let (_, out, _) = heard(&app, Some(&sink.url()), &["outbox", "flush"]);
    assert!(out.contains("Sent 1"), "only the real account gets mail: {out}");
    let mail = sink.messages();
    let link = link_in(&mail[0], "/staff/reset/");
    // Kind errors, then the new password works and the old one does not.
    let form = b.get(&link);
    assert_eq!(form.status, 200);
    let short = b.submit(&form.form().with("password", "short").with("again", "short"));
    assert_eq!(short.status, 400);
    assert!(short.html.contains("at least 12 characters"));
    let differ =
        b.submit(&form.form().with("password", "a brand new passphrase").with("again", "a brand new passphrose"));
    assert!(differ.html.contains("The two passwords are different"));
    let set = b.submit(&form.form().with("password", "a brand new passphrase").with("again", "a brand new passphrase"));
    assert_eq!(set.status, 200, "{}", set.html);
    assert_eq!(b.get(&link).status, 410, "a link works once");
    assert!(
        app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'password.reset_requested' AND partnership_id IS NOT NULL") >= 1,
        "resets are in the partnership's audit log"
    );
    let (_, after) = crate::fixtures::sign_in(&app, "viewer@torbay.example", "a brand new passphrase");
    assert!(after.path().starts_with("/staff"), "{}", after.url);
    let (_, old) = crate::fixtures::sign_in(&app, "viewer@torbay.example", crate::fixtures::PASSWORD);
    assert!(old.html.contains("error-summary"), "the old password no longer works");
    // Two resets asked for: using one cancels the other.
    let page = b.get("/staff/forgot");
    b.submit(&page.form().with("email", "viewer@torbay.example"));
    b.submit(&page.form().with("email", "viewer@torbay.example"));
    heard(&app, Some(&sink.url()), &["outbox", "flush"]);
    let resets: Vec<String> = sink
        .messages()
        .iter()
        .filter(|m| m.contains("To: viewer@torbay.example"))
        .map(|m| link_in(m, "/staff/reset/"))
        .collect();
    assert_eq!(resets.len(), 3, "the first reset and two more");
    let (one, two) = (&resets[1], &resets[2]);
    let f = b.get(two);
    let set = b.submit(&f.form().with("password", "another new passphrase").with("again", "another new passphrase"));
    assert_eq!(set.status, 200, "{}", set.html);
    assert_eq!(b.get(one).status, 410, "the other link stopped working when one was used");
    // An expired link is refused kindly.
    let page = b.get("/staff/forgot");
    b.submit(&page.form().with("email", "analyst@torbay.example"));
    {
        use diesel::prelude::*;
        let mut c = app.db.connect();
        diesel::sql_query("UPDATE account_tokens SET expires_at = created_at WHERE used_at IS NULL")
            .execute(&mut c)
            .unwrap();
    }
    heard(&app, Some(&sink.url()), &["outbox", "flush"]);
    let expired = link_in(sink.messages().last().unwrap(), "/staff/reset/");
    let gone = b.get(&expired);
    assert_eq!(gone.status, 410);
    assert!(gone.html.contains("This link has expired"));
    // An admin invites a colleague by email: no password is ever shared.
    let (admin, _) = crate::fixtures::sign_in(&app, "admin@torbay.example", crate::fixtures::PASSWORD);
    let users = admin.get("/staff/users");
    let added =
        admin.submit(&users.form_ending("/staff/users").with("email", "new@torbay.example").with("role", "viewer"));
    assert_eq!(added.status, 200, "{}", added.html);
    heard(&app, Some(&sink.url()), &["outbox", "flush"]);
    let invite = sink.messages().into_iter().find(|m| m.contains("To: new@torbay.example")).expect("an invitation");
    assert_eq!(header(&invite, "Subject"), Some("Your Heard account"));
    let link = link_in(&invite, "/staff/reset/");
    let form = app.browser().get(&link);
    assert!(form.html.contains("Choose your password"));
    let fresh = app.browser();
    let f = fresh.get(&link);
    fresh.submit(&f.form().with("password", "my own good passphrase").with("again", "my own good passphrase"));
    let (_, home) = crate::fixtures::sign_in(&app, "new@torbay.example", "my own good passphrase");
    assert!(home.path().starts_with("/staff") && !home.html.contains("error-summary"), "{}", home.url);
    sink.stop();
}
both!(staff_links_by_email);

/// A message as the SMTP server received it, with what changes from run to run masked:
/// dates, Message-IDs, MIME boundaries, link tokens and the test server's port.
fn masked(raw: &str) -> String {
    let re = |p: &str| regex::Regex::new(p).expect("regex");
    let mut s = raw.replace("\r\n", "\n");
    s = re(r"(?m)^Date: .*$").replace_all(&s, "Date: DATE").into_owned();
    s = re(r"(?m)^Message-ID: .*$").replace_all(&s, "Message-ID: <ID>").into_owned();
    s = re(r"boundary=\x22?([A-Za-z0-9'()+_,./:=?-]+)\x22?").replace_all(&s, "boundary=BOUNDARY").into_owned();
    for b in re(r"\n--([A-Za-z0-9'()+_,./:=?-]{10,})").captures_iter(&raw.replace("\r\n", "\n")) {
        s = s.replace(&b[1], "BOUNDARY");
    }
    s = s.replace("=\n", "");
    s = re(r"http://127\.0\.0\.1:\d+").replace_all(&s, "BASE").into_owned();
    s = re(r"/(i|u|staff/reset)/[A-Za-z0-9_-]{20,}").replace_all(&s, "/$1/TOKEN").into_owned();
    s
}

/// Compares with `tests/data/email/NAME.eml`; `UPDATE_SNAPSHOTS=1` writes it instead.
fn snapshot(name: &str, raw: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/email").join(format!("{name}.eml"));
    let actual = masked(raw);
    if std::env::var("UPDATE_SNAPSHOTS").as_deref() == Ok("1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("no snapshot {}: run with UPDATE_SNAPSHOTS=1 and review it", path.display()));
    assert_eq!(expected, actual, "{name} changed: review, then UPDATE_SNAPSHOTS=1");
}

#[test]
fn rendered_messages_match_their_snapshots() {
    let app = spawn_app(Backend::Sqlite);
    let sink = SmtpSink::start();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        file.path(),
        "email,first_name,audience\nyoung@example.org,Sam,young-people\nparent@example.org,,parents-carers\n",
    )
    .unwrap();
    heard(&app, None, &["invite", "--wave", WAVE, "--contacts", file.path().to_str().unwrap()]);
    heard(&app, None, &["remind", "--wave", WAVE]);
    heard(&app, Some(&sink.url()), &["outbox", "flush"]);
    let mail = sink.messages();
    assert_eq!(mail.len(), 4);
    let find = |to: &str, reminder: bool| {
        mail.iter()
            .find(|m| {
                m.contains(&format!("To: {to}"))
                    && header(m, "Subject").is_some_and(|s| s.starts_with("A reminder") == reminder)
            })
            .expect("message")
            .clone()
    };
    snapshot("invitation-young-people", &find("young@example.org", false));
    snapshot("invitation-parents-carers", &find("parent@example.org", false));
    snapshot("reminder-young-people", &find("young@example.org", true));
    // The masking hides exactly what changes: two runs give the same snapshot.
    let raw = find("young@example.org", false);
    let token = link_in(&raw, "/i/").trim_start_matches("/i/").to_owned();
    assert!(token.len() > 20 && !masked(&raw).contains(&token), "tokens never reach a snapshot");
    sink.stop();
}

fn email_previews_in_the_workspace(backend: Backend) {
    let (app, _, _) = crate::fixtures::setup(backend);
    let (b, _) = crate::fixtures::sign_in(&app, "viewer@torbay.example", crate::fixtures::PASSWORD);
    let base = format!("/staff/waves/{WAVE}/invitations/preview");
    let young = b.get(&format!("{base}?audience=young-people"));
    assert_eq!(young.status, 200);
    assert_eq!(young.text_of("main h2")[0], "Subject: Tell us about the help you get");
    assert!(young.text_of("pre.email-text")[0].contains("Hello Sam,"));
    let reminder = b.get(&format!("{base}?audience=parents-carers&reminder=1"));
    assert!(reminder.text_of("main h2")[0].starts_with("Subject: A reminder: Torbay SEND Partnership"));
    let html = b.raw().get(format!("{}{base}?audience=young-people&part=html", b.base)).send().unwrap();
    assert!(html.headers()["content-security-policy"].to_str().unwrap().starts_with("default-src 'none'"));
    assert!(html.text().unwrap().contains("Start here"));
    assert_eq!(b.get(&format!("{base}?audience=aliens")).status, 404);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM outbox"), 0, "a preview sends nothing");
}
both!(email_previews_in_the_workspace);

fn partnership_branding_in_emails(backend: Backend) {
    let (app, _, _) = crate::fixtures::setup(backend);
    let (admin, _) = crate::fixtures::sign_in(&app, "admin@torbay.example", crate::fixtures::PASSWORD);
    let page = admin.get("/staff/images");
    // A colour white words cannot be read on is refused; a picture must exist.
    let pale = admin.submit(&page.form_ending("/staff/branding").with("colour", "#ffdd00").with("logo", ""));
    assert_eq!(pale.status, 400);
    assert!(pale.html.contains("would be hard to read"), "{}", pale.html);
    let missing = admin.submit(&page.form_ending("/staff/branding").with("colour", "#00503a").with("logo", "our-logo"));
    assert_eq!(missing.status, 400);
    assert!(missing.html.contains("There is no picture called"));
    let set = admin.submit(&page.form_ending("/staff/branding").with("colour", "#00503A").with("logo", ""));
    assert_eq!(set.status, 200);
    // Analysts cannot change it.
    let (analyst, _) = crate::fixtures::sign_in(&app, "analyst@torbay.example", crate::fixtures::PASSWORD);
    assert_eq!(
        analyst.submit(&page.form_ending("/staff/branding").with("colour", "#000000").with("logo", "")).status,
        403
    );
    // The preview and the sent message carry the colour.
    let html = admin
        .raw()
        .get(format!("{}/staff/waves/{WAVE}/invitations/preview?audience=parents-carers&part=html", admin.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(html.contains("background:#00503a"), "{html}");
    let sink = SmtpSink::start();
    let file = contacts_file(1);
    heard(&app, None, &["invite", "--wave", WAVE, "--contacts", file.path().to_str().unwrap()]);
    heard(&app, Some(&sink.url()), &["outbox", "flush"]);
    assert!(sink.messages()[0].replace("=\r\n", "").contains("background:#00503a"));
    sink.stop();
}
both!(partnership_branding_in_emails);

/// A partnership's admin sees and retries only their own partnership's messages.
fn the_outbox_is_per_partnership(backend: Backend) {
    use diesel::prelude::*;
    let (app, _, _) = crate::fixtures::setup(backend);
    {
        for slug in ["torbay", "southend"] {
            let pid = app.count_str(&format!("SELECT id AS s FROM partnerships WHERE slug = '{slug}'"));
            let mut c = app.db.connect();
            let m = heard::email::outbox::NewMessage {
                kind: "update",
                partnership_id: Some(heard::db::PartnershipId::from_stored(pid)),
                to: format!("family@{slug}.example"),
                subject: format!("News from {slug}"),
                text: "x".into(),
                html: "<p>x</p>".into(),
                unsubscribe_url: None,
            };
            heard::email::outbox::enqueue(&mut c, &m, "localhost").unwrap();
        }
        let mut c = app.db.connect();
        diesel::sql_query("UPDATE outbox SET status = 'failed', attempts = 8").execute(&mut c).unwrap();
    }
    let (admin, _) = crate::fixtures::sign_in(&app, "admin@torbay.example", crate::fixtures::PASSWORD);
    let page = admin.get("/staff/outbox");
    assert_eq!(page.status, 200);
    assert!(page.html.contains("News from torbay") && !page.html.contains("News from southend"), "{}", page.html);
    assert!(page.html.contains("<strong>1</strong> failed"), "only this partnership's counts: {}", page.html);
    let done = admin.submit(&page.form_ending("/staff/outbox/retry"));
    assert_eq!(done.status, 200);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM outbox WHERE status = 'failed' AND subject = 'News from southend'"),
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending' AND subject = 'News from torbay'"),
        1
    );
}
both!(the_outbox_is_per_partnership);
