//! Every audited change is written with its audit row, or not at all. For each audited
//! action a database trigger makes the audit insert for that action fail; the action is then
//! done as its user does it (over HTTP, or the command line and retention job for the two
//! system actions), and the change must not have happened: a kind error, no row changed, no
//! file handed out. With the trigger gone the same action succeeds, changes what it should
//! and leaves its audit row, which proves each case really performs the action. Both
//! databases.

use std::collections::BTreeMap;

use diesel::RunQueryDsl;
use heard::db::Backend;
use heard::models::audit::Action;

use crate::both;
use crate::fixtures::{PASSWORD, setup, sign_in};
use crate::helpers::{Browser, Page, TestApp};

const WAVE: &str = "torbay-participation-2025";

/// Makes inserts of audit rows with one action fail until dropped.
struct FailingAudit<'a> {
    app: &'a TestApp,
    backend: Backend,
}

impl<'a> FailingAudit<'a> {
    fn install(app: &'a TestApp, backend: Backend, action: &str) -> Self {
        let action = action.replace('\'', "''");
        let sql: Vec<String> = match backend {
            Backend::Sqlite => vec![format!(
                "CREATE TRIGGER injected_audit_failure BEFORE INSERT ON audit_log WHEN NEW.action = '{action}' \
                 BEGIN SELECT RAISE(ABORT, 'injected audit failure'); END"
            )],
            Backend::Postgres => vec![
                "CREATE OR REPLACE FUNCTION injected_audit_failure() RETURNS trigger AS $$ \
                 BEGIN RAISE EXCEPTION 'injected audit failure'; END $$ LANGUAGE plpgsql"
                    .to_owned(),
                format!(
                    "CREATE TRIGGER injected_audit_failure BEFORE INSERT ON audit_log FOR EACH ROW \
                     WHEN (NEW.action = '{action}') EXECUTE FUNCTION injected_audit_failure()"
                ),
            ],
        };
        let mut c = app.db.connect();
        for s in sql {
            diesel::sql_query(s).execute(&mut c).expect("install trigger");
        }
        FailingAudit { app, backend }
    }
}

impl Drop for FailingAudit<'_> {
    fn drop(&mut self) {
        let sql = match self.backend {
            Backend::Sqlite => "DROP TRIGGER IF EXISTS injected_audit_failure",
            Backend::Postgres => "DROP TRIGGER IF EXISTS injected_audit_failure ON audit_log",
        };
        let mut c = self.app.db.connect();
        let _ = diesel::sql_query(sql).execute(&mut c);
    }
}

/// Row counts of every table: a failed action must leave all of them as they were.
fn table_counts(app: &TestApp, backend: Backend) -> BTreeMap<String, i64> {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let list = match backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name NOT LIKE '__diesel%'"
        }
        Backend::Postgres => {
            "SELECT tablename::text AS name FROM pg_tables WHERE schemaname = 'public' \
             AND tablename NOT LIKE '__diesel%'"
        }
    };
    let mut c = app.db.connect();
    let names: Vec<Name> = diesel::sql_query(list).load(&mut c).expect("tables");
    names.into_iter().map(|n| (n.name.clone(), app.count(&format!("SELECT COUNT(*) AS n FROM {}", n.name)))).collect()
}

/// A multipart post with one file part; returns the status.
fn multipart(b: &Browser, path: &str, fields: &[(&str, &str)], part: &str, file: (&str, Vec<u8>)) -> u16 {
    let mut form = reqwest::blocking::multipart::Form::new().text("csrf", b.staff_token());
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    form = form.part(part.to_owned(), reqwest::blocking::multipart::Part::bytes(file.1).file_name(file.0.to_owned()));
    let client = reqwest::blocking::Client::builder().cookie_provider(b.jar.clone()).build().expect("client");
    client.post(format!("{}{path}", b.base)).multipart(form).send().expect("post").status().as_u16()
}

/// A download: its status and whether a file (not an HTML page) came back.
fn download(b: &Browser, path: &str) -> (u16, bool) {
    let res = b.raw().get(format!("{}{path}", b.base)).send().expect("get");
    let status = res.status().as_u16();
    let file =
        !res.headers().get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("text/html"));
    (status, file)
}

/// What one attempt gave: the status of the decisive request, and whether it handed out a
/// file (exports) or wrote one (the command line).
struct Outcome {
    status: u16,
    file: bool,
}

impl From<u16> for Outcome {
    fn from(status: u16) -> Self {
        Outcome { status, file: false }
    }
}

/// What an action leaves behind besides its audit row.
enum Effect {
    /// A count the action changes.
    Rows(&'static str),
    /// A stored value the action changes (selected as `s`).
    Value(String),
    /// A file handed out (exports): not handed out when the audit row cannot be written.
    File,
    /// Nothing but the audit row (a refusal that is recorded).
    AuditOnly,
}

/// One audited action: how to get ready for it (once), and how to do it.
struct Case<'a> {
    action: Action,
    effect: Effect,
    prepare: Box<dyn Fn() + 'a>,
    run: Box<dyn Fn() -> Outcome + 'a>,
}

fn case<'a>(action: Action, effect: Effect, run: impl Fn() -> Outcome + 'a) -> Case<'a> {
    Case { action, effect, prepare: Box::new(|| {}), run: Box::new(run) }
}

impl<'a> Case<'a> {
    fn after(mut self, prepare: impl Fn() + 'a) -> Self {
        self.prepare = Box::new(prepare);
        self
    }
}

fn check(app: &TestApp, backend: Backend, c: &Case) {
    let name = c.action.as_str();
    (c.prepare)();
    let audits = format!("SELECT COUNT(*) AS n FROM audit_log WHERE action = '{name}'");
    let before_audits = app.count(&audits);
    let probe = || match &c.effect {
        Effect::Rows(sql) => Some(app.count(sql).to_string()),
        Effect::Value(sql) => Some(app.count_str(sql)),
        Effect::File | Effect::AuditOnly => None,
    };
    let before = probe();
    let tables = table_counts(app, backend);
    {
        let _failing = FailingAudit::install(app, backend, name);
        let failed = (c.run)();
        assert_eq!(failed.status, 500, "{name}: the failed audit row fails the request");
        assert!(!failed.file, "{name}: nothing is handed out when its audit row cannot be written");
        assert_eq!(probe(), before, "{name}: the change did not happen");
        assert_eq!(table_counts(app, backend), tables, "{name}: no table changed");
        assert_eq!(app.count(&audits), before_audits);
    }
    let done = (c.run)();
    assert!(done.status < 400, "{name}: without the failure it works ({})", done.status);
    match c.effect {
        Effect::Rows(_) | Effect::Value(_) => assert_ne!(probe(), before, "{name}: the case really does the action"),
        Effect::File => assert!(done.file, "{name}: the file is handed out"),
        Effect::AuditOnly => {}
    }
    assert!(app.count(&audits) > before_audits, "{name}: and its audit row is written");
}

/// The form that takes a shared answer off the panel screen.
fn hide_form(page: &Page) -> crate::helpers::Form {
    let doc = page.doc();
    let forms = scraper::Selector::parse("form[action$='/reveal']").expect("selector");
    let hidden = scraper::Selector::parse("input[type=hidden]").expect("selector");
    let form = doc
        .select(&forms)
        .find(|f| {
            f.select(&hidden).any(|i| i.value().attr("name") == Some("show") && i.value().attr("value") == Some("0"))
        })
        .expect("a shown answer to hide");
    crate::helpers::Form {
        action: form.value().attr("action").unwrap_or("").to_owned(),
        fields: form
            .select(&hidden)
            .map(|i| {
                (i.value().attr("name").unwrap_or("").to_owned(), i.value().attr("value").unwrap_or("").to_owned())
            })
            .collect(),
    }
}

const SURVEY: &str = r#"format = "heard-survey/1"
partnership = "torbay"
[series]
slug = "torbay-short-breaks"
title = "Short breaks"
[wave]
slug = "torbay-short-breaks-2025"
label = "2025"
status = "draft"
[[audiences]]
key = "parents-carers"
name = "A parent or carer"
[[questions]]
key = "enough-breaks"
type = "yes-sometimes-no"
[questions.text.parents-carers]
title = "Do you get enough short breaks?"
"#;

const SVG: &[u8] =
    br#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4" fill="green"/></svg>"#;

fn fake_ogg() -> Vec<u8> {
    let mut v = b"OggS\x00\x02".to_vec();
    v.extend((0..5000).map(|i| (i % 251) as u8));
    v
}

fn every_audited_change_is_written_with_its_audit_row(backend: Backend) {
    let (app, torbay_response, _) = setup(backend);
    let app = &app;
    let (admin, _) = sign_in(app, "admin@torbay.example", PASSWORD);
    let (analyst, _) = sign_in(app, "analyst@torbay.example", PASSWORD);
    let (facilitator, _) = sign_in(app, "facilitator@torbay.example", PASSWORD);
    let (admin, analyst, facilitator) = (&admin, &analyst, &facilitator);

    // A panel session with five members who shared a written answer (for reveal and hide),
    // and a second session to end.
    let (panel, code) =
        crate::panels::start_session(app, &[("audience", "young-people"), ("minutes", "60"), ("idle", "3")]);
    for n in 0..5 {
        let (b, _) = crate::panels::join(app, &code, None);
        crate::panels::walk(&b, "yes", &format!("Shared answer {n}"));
    }
    let (to_end, _) =
        crate::panels::start_session(app, &[("audience", "young-people"), ("minutes", "60"), ("idle", "3")]);
    // A paper form typed once, waiting for a second person.
    let entry = analyst.get(&format!("/staff/waves/{WAVE}/paper-entry?audience=young-people"));
    let held = analyst.submit(
        &entry
            .form_ending("audience=young-people")
            .with("form_ref", "P-900")
            .with("q-listened-to", "1")
            .with("double", "1"),
    );
    assert_eq!(held.status, 200, "{}", held.html);
    // The demo quote bank, for the exports.
    let out = std::process::Command::new(crate::helpers::heard_bin())
        .args(["demo"])
        .env("DATABASE_URL", &app.db.url)
        .output()
        .expect("demo");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let viewer_id = app.count_str("SELECT id AS s FROM accounts WHERE email = 'viewer@torbay.example'");
    let p1 = app.count_str(
        "SELECT t.id AS s FROM priorities t JOIN partnerships p ON p.id = t.partnership_id \
         WHERE p.slug = 'torbay' AND t.code = 'P1'",
    );
    let dir = tempfile::tempdir().expect("temp dir");

    // A signed-in person to sign out; a reset link to use (kept between the two attempts:
    // the failed one leaves it unused).
    let (leaving, _) = sign_in(app, "viewer@torbay.example", PASSWORD);
    let link = std::cell::RefCell::new(String::new());
    // Two sessions of the viewer's: one ends the other's.
    let (viewer_here, _) = sign_in(app, "viewer@torbay.example", PASSWORD);
    let (_viewer_there, _) = sign_in(app, "viewer@torbay.example", PASSWORD);
    // The analyst sets up two-factor sign-in, makes new codes and turns it off again.
    let enrol = || {
        let page = analyst.get("/staff/two-factor");
        let key = crate::identity::key_of(&page.text_of("code.otpauth")[0]);
        let code = crate::identity::code_at(&key, crate::identity::step_now());
        analyst.submit(&page.form_ending("/staff/two-factor").with("code", &code)).status.into()
    };
    let rows = |sql: &'static str| Effect::Rows(sql);
    let cases: Vec<Case> = vec![
        case(Action::SignIn, rows("SELECT COUNT(*) AS n FROM staff_sessions"), || {
            sign_in(app, "viewer@torbay.example", PASSWORD).1.status.into()
        }),
        case(Action::SignOut, rows("SELECT COUNT(*) AS n FROM staff_sessions"), || {
            leaving.submit(&leaving.get("/staff").form_ending("/sign-out")).status.into()
        }),
        case(Action::SessionsEnded, rows("SELECT COUNT(*) AS n FROM staff_sessions"), || {
            viewer_here.post_staff("/staff/sessions/end-others", &[]).status.into()
        }),
        case(Action::TwoFactorEnrolled, rows("SELECT COUNT(*) AS n FROM accounts WHERE totp_secret IS NOT NULL"), enrol),
        case(
            Action::RecoveryCodesRenewed,
            Effect::Value("SELECT MIN(code_hash) AS s FROM recovery_codes".into()),
            || analyst.post_staff("/staff/two-factor/recovery-codes", &[]).status.into(),
        ),
        case(Action::TwoFactorTurnedOff, rows("SELECT COUNT(*) AS n FROM accounts WHERE totp_secret IS NOT NULL"), || {
            analyst.post_staff("/staff/two-factor/off", &[]).status.into()
        }),
        case(Action::SsoConfigured, rows("SELECT COUNT(*) AS n FROM sso_configs"), || {
            let fields = [
                ("issuer", "https://login.example.com/tenant/v2.0"),
                ("client_id", "heard"),
                ("client_secret", "a secret"),
                ("allowed_domains", "torbay.gov.uk"),
                ("default_role", "viewer"),
            ];
            admin.post_staff("/staff/sso", &fields).status.into()
        }),
        case(Action::SsoRefused, Effect::AuditOnly, || {
            let b = crate::helpers::Browser::new(&app.address);
            let res = b
                .raw()
                .get(format!("{}/staff/sso/callback?code=x&state=not-a-state", app.address))
                .send()
                .expect("callback");
            // The refusal (400) is the action: counted as done once recorded, or failed.
            match res.status().as_u16() {
                400 => 200.into(),
                other => other.into(),
            }
        }),
        case(
            Action::UserApproved,
            rows("SELECT COUNT(*) AS n FROM accounts WHERE email = 'waiting@torbay.gov.uk' AND approved"),
            || admin.post_staff("/staff/users/approve", &[("email", "waiting@torbay.gov.uk"), ("role", "viewer")]).status.into(),
        )
        .after(|| {
            use diesel::RunQueryDsl;
            let sql = "INSERT INTO accounts (id, partnership_id, email, password_hash, role, failed_attempts, created_at, approved) \
                 SELECT '0b7f7a10-6f3a-4c55-9d0e-5a1f2f3a4b5c', id, 'waiting@torbay.gov.uk', '!single-sign-on', 'viewer', 0, created_at, FALSE \
                 FROM partnerships WHERE slug = 'torbay'";
            diesel::sql_query(sql).execute(&mut app.db.connect()).expect("a waiting account");
        }),
        case(Action::TwoFactorReset, rows("SELECT COUNT(*) AS n FROM accounts WHERE totp_secret IS NOT NULL"), || {
            admin.post_staff("/staff/users/two-factor-reset", &[("email", "viewer@torbay.example")]).status.into()
        })
        .after(|| {
            use diesel::RunQueryDsl;
            diesel::sql_query(
                "UPDATE accounts SET totp_secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' WHERE email = 'viewer@torbay.example'",
            )
            .execute(&mut app.db.connect())
            .expect("give the viewer a key");
        }),
        case(
            Action::AccountLocked,
            rows(
                "SELECT COUNT(*) AS n FROM accounts WHERE email = 'analyst@southend.example' AND locked_until IS NOT NULL",
            ),
            || {
                // Wrong passwords until the lock: the decisive try is the one that locks (a
                // refusal, counted here as done once the lock is stored), or fails.
                let locked = || {
                    app.count("SELECT COUNT(*) AS n FROM accounts WHERE email = 'analyst@southend.example' AND locked_until IS NOT NULL") > 0
                };
                for _ in 0..=heard::models::account::LOCK_AFTER {
                    let status = sign_in(app, "analyst@southend.example", "not the password").1.status;
                    if status != 401 {
                        return status.into();
                    }
                    if locked() {
                        return 200.into();
                    }
                }
                401.into()
            },
        ),
        case(Action::PasswordResetRequested, rows("SELECT COUNT(*) AS n FROM account_tokens"), || {
            let b = app.browser();
            b.submit(&b.get("/staff/forgot").form().with("email", "analyst@torbay.example")).status.into()
        }),
        case(Action::PasswordResetRefused, Effect::AuditOnly, || {
            let b = app.browser();
            b.submit(&b.get("/staff/forgot").form().with("email", "analyst@torbay.example")).status.into()
        })
        .after(|| {
            // Use up the resets allowed in an hour, so the next request is refused.
            let mut c = app.db.connect();
            let id = app.count_str("SELECT id AS s FROM accounts WHERE email = 'analyst@torbay.example'");
            let reset = heard::models::account_tokens::Purpose::Reset;
            let id = heard::db::AccountId::from_stored(id);
            while heard::models::account_tokens::issue(&mut c, &id, reset).expect("issue").is_some() {}
        }),
        case(
            Action::PasswordSetByLink,
            rows("SELECT COUNT(*) AS n FROM account_tokens WHERE used_at IS NOT NULL"),
            || {
                let b = app.browser();
                let path = format!("/staff/reset/{}", link.borrow());
                let form = b.get(&path);
                b.submit(&form.form().with("password", PASSWORD).with("again", PASSWORD)).status.into()
            },
        )
        .after(|| {
            let mut c = app.db.connect();
            let invite = heard::models::account_tokens::Purpose::Invite;
            let token = heard::models::account_tokens::issue(
                &mut c,
                &heard::db::AccountId::from_stored(viewer_id.clone()),
                invite,
            )
            .expect("issue");
            *link.borrow_mut() = token.expect("a link");
        }),
        case(Action::UserAdded, rows("SELECT COUNT(*) AS n FROM accounts"), || {
            admin
                .post_staff(
                    "/staff/users",
                    &[("email", "new@torbay.example"), ("role", "viewer"), ("password", PASSWORD)],
                )
                .status
                .into()
        }),
        case(Action::UserRemoved, rows("SELECT COUNT(*) AS n FROM accounts"), || {
            admin.post_staff("/staff/users/remove", &[("email", "new@torbay.example")]).status.into()
        }),
        case(
            Action::FrameworkChanged,
            rows("SELECT COUNT(*) AS n FROM priorities WHERE short_title = 'Changed'"),
            || {
                let fields = [("text", "SEND is everyone's business"), ("detail", "Changed")];
                admin.post_staff(&format!("/staff/framework/priority/{p1}"), &fields).status.into()
            },
        ),
        case(Action::FrameworkAdded, rows("SELECT COUNT(*) AS n FROM priorities"), || {
            let fields = [("code", "P9"), ("text", "Health"), ("detail", "Feeling well")];
            admin.post_staff("/staff/framework/priority", &fields).status.into()
        }),
        case(Action::SurveyImported, rows("SELECT COUNT(*) AS n FROM waves"), || {
            multipart(admin, "/staff/surveys/upload", &[("text", "")], "definition", ("breaks.toml", SURVEY.into()))
                .into()
        }),
        case(
            Action::WaveStatus,
            rows("SELECT COUNT(*) AS n FROM waves WHERE slug = 'torbay-short-breaks-2025' AND status = 'open'"),
            || admin.post_staff("/staff/waves/torbay-short-breaks-2025/status", &[("status", "open")]).status.into(),
        ),
        case(Action::WaveStarted, rows("SELECT COUNT(*) AS n FROM waves"), || {
            let fields = [("slug", "torbay-short-breaks-2026"), ("label", "2026")];
            admin.post_staff("/staff/waves/torbay-short-breaks-2025/next", &fields).status.into()
        }),
        case(Action::PanelCreated, rows("SELECT COUNT(*) AS n FROM panel_sessions"), || {
            let page = facilitator.get(&format!("/staff/waves/{WAVE}/panels"));
            let form =
                page.form_ending("/panels").with("audience", "young-people").with("minutes", "30").with("idle", "3");
            facilitator.submit(&form).status.into()
        }),
        case(
            Action::PanelEnded,
            Effect::Value(format!("SELECT CAST(closes_at AS TEXT) AS s FROM panel_sessions WHERE id = '{to_end}'")),
            || {
                let page = facilitator.get(&format!("/staff/panels/{to_end}"));
                facilitator.submit(&page.form_ending("/end")).status.into()
            },
        ),
        case(Action::PanelRevealed, rows("SELECT COUNT(*) AS n FROM panel_reveals"), || {
            let page = facilitator.get(&format!("/staff/panels/{panel}"));
            facilitator.submit(&page.form_ending("/reveal")).status.into()
        }),
        case(Action::PanelHidden, rows("SELECT COUNT(*) AS n FROM panel_reveals"), || {
            let page = facilitator.get(&format!("/staff/panels/{panel}"));
            facilitator.submit(&hide_form(&page)).status.into()
        }),
        case(Action::PaperStored, rows("SELECT COUNT(*) AS n FROM responses"), || {
            let page = facilitator.get(&format!("/staff/waves/{WAVE}/paper-entry?audience=young-people"));
            let form = page.form_ending("audience=young-people").with("form_ref", "P-901").with("q-listened-to", "2");
            facilitator.submit(&form).status.into()
        }),
        case(Action::PaperHeld, rows("SELECT COUNT(*) AS n FROM paper_entries"), || {
            let page = facilitator.get(&format!("/staff/waves/{WAVE}/paper-entry?audience=young-people"));
            let form = page
                .form_ending("audience=young-people")
                .with("form_ref", "P-902")
                .with("q-listened-to", "3")
                .with("double", "1");
            facilitator.submit(&form).status.into()
        }),
        case(Action::PaperChecked, rows("SELECT COUNT(*) AS n FROM responses"), || {
            // The analyst's form P-900, checked by someone else.
            let list = facilitator.get(&format!("/staff/waves/{WAVE}/paper-check"));
            let link = list
                .doc()
                .select(&scraper::Selector::parse("td a").expect("selector"))
                .filter_map(|a| a.value().attr("href").map(str::to_owned))
                .next()
                .expect("a form to check");
            let page = facilitator.get(&link);
            facilitator.submit(&page.form_ending(&link).with("q-listened-to", "1")).status.into()
        }),
        case(Action::BragSet, rows("SELECT COUNT(*) AS n FROM brag_overrides"), || {
            let q = "from=torbay-participation-2023&to=torbay-participation-2024";
            let page = analyst.get(&format!("/staff/series/torbay-participation/evidence?{q}"));
            let mut form = page.form_ending("all-audiences");
            form.fields.retain(|(k, _)| k != "priority");
            let form = form.with("priority", "P5").with("rating", "Amber").with("note", "Wait for the next wave.");
            analyst.submit(&form).status.into()
        }),
        case(Action::ThemeAdded, rows("SELECT COUNT(*) AS n FROM themes"), || {
            analyst.post_staff("/staff/themes", &[("name", "Short breaks"), ("keywords", "respite")]).status.into()
        }),
        case(Action::ThemeArchived, rows("SELECT COUNT(*) AS n FROM themes WHERE archived_at IS NOT NULL"), || {
            let id = app.count_str("SELECT id AS s FROM themes WHERE name = 'Short breaks'");
            analyst.post_staff(&format!("/staff/themes/{id}/archive"), &[("archive", "yes")]).status.into()
        }),
        case(Action::ThemeRestored, rows("SELECT COUNT(*) AS n FROM themes WHERE archived_at IS NOT NULL"), || {
            let id = app.count_str("SELECT id AS s FROM themes WHERE name = 'Short breaks'");
            analyst.post_staff(&format!("/staff/themes/{id}/archive"), &[("archive", "no")]).status.into()
        }),
        case(
            Action::RedactionNamesChanged,
            rows("SELECT COUNT(*) AS n FROM redaction_names WHERE name = 'Zebedee'"),
            || analyst.post_staff("/staff/redaction-names", &[("names", "Zebedee\nMrs Patel")]).status.into(),
        ),
        case(Action::ResponsesDownloaded, Effect::File, || {
            let (status, file) = download(analyst, &format!("/staff/waves/{WAVE}/download?format=csv"));
            Outcome { status, file }
        }),
        case(Action::TablesDownloaded, Effect::File, || {
            let (status, file) = download(analyst, &format!("/staff/waves/{WAVE}/tables?format=xlsx"));
            Outcome { status, file }
        }),
        // Imports in the browser: the file is uploaded and its columns checked first (not
        // audited); the import itself is.
        case(Action::ResponsesImported, rows("SELECT COUNT(*) AS n FROM responses"), || {
            let id = app.count_str("SELECT id AS s FROM import_drafts WHERE kind = 'responses'");
            analyst.post_staff(&format!("/staff/imports/{id}/import"), &[]).status.into()
        })
        .after(|| {
            let csv = b"audience,listened-to\nparents-carers,yes\nparents-carers,no\n".to_vec();
            let path = format!("/staff/waves/{WAVE}/import");
            assert_eq!(multipart(analyst, &path, &[("kind", "responses")], "file", ("past.csv", csv)), 200);
            let id = app.count_str("SELECT id AS s FROM import_drafts WHERE kind = 'responses'");
            let fields = [("col-0", "meta:audience"), ("col-1", "q:listened-to")];
            assert_eq!(analyst.post_staff(&format!("/staff/imports/{id}/check"), &fields).status, 200);
        }),
        case(Action::CountsImported, rows("SELECT COUNT(*) AS n FROM imported_counts"), || {
            let id = app.count_str("SELECT id AS s FROM import_drafts WHERE kind = 'counts'");
            analyst.post_staff(&format!("/staff/imports/{id}/import"), &[]).status.into()
        })
        .after(|| {
            let csv = b"audience,question,option,count\nparents-carers,listened-to,yes,30\n".to_vec();
            let path = format!("/staff/waves/{WAVE}/import");
            assert_eq!(multipart(analyst, &path, &[("kind", "counts")], "file", ("published.csv", csv)), 200);
            let id = app.count_str("SELECT id AS s FROM import_drafts WHERE kind = 'counts'");
            let fields = [
                ("col-0", "meta:audience"),
                ("col-1", "meta:question"),
                ("col-2", "meta:option"),
                ("col-3", "meta:count"),
            ];
            assert_eq!(analyst.post_staff(&format!("/staff/imports/{id}/check"), &fields).status, 200);
        }),
        case(Action::PopulationSet, rows("SELECT COUNT(*) AS n FROM wave_populations"), || {
            let fields = [("by", "listened-to"), ("pop-yes", "1200"), ("pop-no", "4800")];
            analyst.post_staff(&format!("/staff/waves/{WAVE}/reach"), &fields).status.into()
        }),
        case(Action::ScaleSaved, rows("SELECT COUNT(*) AS n FROM rating_scales"), || {
            let fields = [
                ("name", "Audit scale"),
                ("name-0", "Not yet"),
                ("meaning-0", "Nothing seen"),
                ("colour-0", "#d4351c"),
                ("name-1", "Seen"),
                ("meaning-1", "Families see it"),
                ("colour-1", "#00703c"),
            ];
            admin.post_staff("/staff/scales/new", &fields).status.into()
        }),
        case(Action::BoardReviewStarted, rows("SELECT COUNT(*) AS n FROM board_reviews"), || {
            let scale = app.count_str("SELECT id AS s FROM rating_scales WHERE name = 'BRAG'");
            analyst.post_staff("/staff/reviews", &[("held_on", "2031-01-15"), ("scale", &scale)]).status.into()
        }),
        case(Action::BoardReviewRated, rows("SELECT COUNT(*) AS n FROM review_ratings"), || {
            let review = app.count_str("SELECT id AS s FROM board_reviews WHERE agreed_at IS NULL");
            let outcome = app.count_str(
                "SELECT o.id AS s FROM outcome_statements o JOIN partnerships p ON p.id = o.partnership_id \
                 WHERE p.slug = 'torbay' AND o.code = 'P1.1'",
            );
            let level = app.count_str(
                "SELECT l.id AS s FROM rating_levels l JOIN rating_scales s ON s.id = l.scale_id \
                 WHERE s.name = 'BRAG' AND l.name = 'Green'",
            );
            let fields = [(format!("level-{outcome}"), level), (format!("note-{outcome}"), "Survey up".to_owned())];
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            analyst.post_staff(&format!("/staff/reviews/{review}"), &fields).status.into()
        }),
        case(
            Action::BoardReviewAgreed,
            rows("SELECT COUNT(*) AS n FROM board_reviews WHERE agreed_at IS NULL"),
            || {
                let review = app.count_str("SELECT id AS s FROM board_reviews WHERE agreed_at IS NULL");
                admin.post_staff(&format!("/staff/reviews/{review}/agree"), &[]).status.into()
            },
        ),
        case(Action::MeasureAdded, rows("SELECT COUNT(*) AS n FROM measures"), || {
            let fields =
                [("reference", "AU1"), ("name", "Audit measure"), ("direction", "lower"), ("frequency", "monthly")];
            analyst.post_staff("/staff/measures/new", &fields).status.into()
        }),
        case(Action::MeasureValueAdded, rows("SELECT COUNT(*) AS n FROM measure_values"), || {
            let id = app.count_str("SELECT id AS s FROM measures WHERE name = 'Audit measure'");
            analyst.post_staff(&format!("/staff/measures/{id}"), &[("period", "Sep-23"), ("value", "5")]).status.into()
        }),
        case(Action::MeasuresImported, rows("SELECT COUNT(*) AS n FROM measures"), || {
            let csv = "WSOA Reference,Description,Current Performance,Target,Current indicator,Last Data Set,Frequency\n\
                       AU2,Imported audit measure,12%,10%,0,Aug-23,Monthly\n";
            multipart(analyst, "/staff/measures", &[], "file", ("m.csv", csv.as_bytes().to_vec())).into()
        }),
        case(Action::MeasureTagged, rows("SELECT COUNT(*) AS n FROM measure_outcomes"), || {
            let id = app.count_str("SELECT id AS s FROM measures WHERE name = 'Audit measure'");
            let outcome = app.count_str(
                "SELECT o.id AS s FROM outcome_statements o JOIN partnerships p ON p.id = o.partnership_id \
                 WHERE p.slug = 'torbay' AND o.code = 'P1.2'",
            );
            analyst.post_staff(&format!("/staff/measures/{id}/outcomes"), &[("outcome", &outcome)]).status.into()
        }),
        case(Action::NoteAdded, rows("SELECT COUNT(*) AS n FROM evidence_notes"), || {
            let outcome = app.count_str(
                "SELECT o.id AS s FROM outcome_statements o JOIN partnerships p ON p.id = o.partnership_id \
                 WHERE p.slug = 'torbay' AND o.code = 'P1.2'",
            );
            let fields =
                [("noted_on", "2026-11-02"), ("source", "Forum"), ("body", "Said so"), ("outcome", outcome.as_str())];
            analyst.post_staff("/staff/notes", &fields).status.into()
        }),
        case(Action::ServiceAdded, rows("SELECT COUNT(*) AS n FROM pledge_services"), || {
            admin.post_staff("/staff/services", &[("name", "Audit short breaks")]).status.into()
        }),
        case(Action::QuotesExported, Effect::File, || {
            let (status, file) = download(admin, "/staff/quotes/export?format=csv");
            Outcome { status, file }
        }),
        case(Action::SurveyCreated, rows("SELECT COUNT(*) AS n FROM survey_series"), || {
            let page = analyst.get("/staff/surveys/new");
            let form = page
                .form_ending("/staff/surveys/new")
                .with("title", "Audit survey")
                .with("label", "2026")
                .with("audience", "parents-carers");
            analyst.submit(&form).status.into()
        }),
        case(Action::SurveyEdited, rows("SELECT COUNT(*) AS n FROM questions"), || {
            let page = analyst.get("/staff/waves/audit-survey-2026/build/new?type=yes-sometimes-no");
            let form = page
                .form_ending("/build/new")
                .with("ask", "parents-carers")
                .with("title-parents-carers", "Do you get enough short breaks?")
                .with("action", "save");
            analyst.submit(&form).status.into()
        }),
        case(
            Action::AnswerTranscribed,
            Effect::Value("SELECT COALESCE(MAX(transcript), '') AS s FROM answer_files".into()),
            || {
                let id = app.count_str("SELECT id AS s FROM answer_files LIMIT 1");
                let wave =
                    app.count_str("SELECT w.slug AS s FROM answer_files f JOIN waves w ON w.id = f.wave_id LIMIT 1");
                let fields = [("transcript", "I like the quiet room.")];
                analyst.post_staff(&format!("/staff/waves/{wave}/transcripts/{id}"), &fields).status.into()
            },
        )
        .after(|| {
            let wave = crate::say_or_show::built(analyst);
            crate::say_or_show::send_recording(app, &wave);
        }),
        case(Action::ReviewStarted, rows("SELECT COUNT(*) AS n FROM reviews"), || {
            let fields = [("audience", "parents-carers"), ("keep", "counts")];
            analyst.post_staff("/staff/waves/audit-survey-2026/review", &fields).status.into()
        }),
        case(Action::ReviewEnded, rows("SELECT COUNT(*) AS n FROM reviews WHERE ended_at IS NOT NULL"), || {
            let id = app.count_str("SELECT id AS s FROM reviews ORDER BY created_at LIMIT 1");
            analyst.post_staff(&format!("/staff/waves/audit-survey-2026/review/{id}/end"), &[]).status.into()
        }),
        case(Action::WaveOpenedDespiteAdvice, rows("SELECT COUNT(*) AS n FROM waves WHERE status = 'open'"), || {
            let fields = [("status", "open"), ("override_reason", "The young people's panel chose these words.")];
            admin.post_staff("/staff/waves/audit-jargon-2026/status", &fields).status.into()
        })
        .after(|| {
            let page = analyst.get("/staff/surveys/new");
            let form = page
                .form_ending("/staff/surveys/new")
                .with("title", "Audit jargon")
                .with("label", "2026")
                .with("audience", "young-people");
            assert_eq!(analyst.submit(&form).status, 200);
            let page = analyst.get("/staff/waves/audit-jargon-2026/build/new?type=yes-sometimes-no");
            let form = page
                .form_ending("/build/new")
                .with("ask", "young-people")
                .with("title-young-people", "Were 75% of the outcomes in your EHCP met?")
                .with("action", "save");
            assert_eq!(analyst.submit(&form).status, 200);
        }),
        case(Action::SelectionSaved, rows("SELECT COUNT(*) AS n FROM quote_selections"), || {
            let quote = app.count_str("SELECT id AS s FROM quotes WHERE status = 'approved' ORDER BY id LIMIT 1");
            let page = analyst.get(&format!("/staff/quotes/selections/new?quote={quote}"));
            analyst
                .submit(&page.form_ending("/staff/quotes/selections").with("name", "Newsletter, March"))
                .status
                .into()
        }),
        case(Action::SelectionDeleted, rows("SELECT COUNT(*) AS n FROM quote_selections"), || {
            let id = app.count_str("SELECT id AS s FROM quote_selections WHERE name = 'Newsletter, March'");
            analyst.post_staff(&format!("/staff/quotes/selections/{id}/delete"), &[]).status.into()
        }),
        case(Action::UpdatePublished, rows("SELECT COUNT(*) AS n FROM updates"), || {
            let page = admin.get("/staff/updates");
            let form = page
                .form_ending("/staff/updates")
                .with("title", "Buses to college")
                .with("body", "You told us the buses were late, so the times changed in January.");
            admin.submit(&form).status.into()
        }),
        case(Action::ImageAdded, rows("SELECT COUNT(*) AS n FROM images"), || {
            let fields = [("name", "green-circle"), ("alt", "A green circle")];
            multipart(analyst, "/staff/images", &fields, "file", ("c.svg", SVG.into())).into()
        }),
        case(Action::ImageDeleted, rows("SELECT COUNT(*) AS n FROM images"), || {
            let id = app.count_str("SELECT id AS s FROM images WHERE name = 'green-circle'");
            analyst.post_staff(&format!("/staff/images/{id}/delete"), &[]).status.into()
        }),
        case(Action::BrandingSet, rows("SELECT COUNT(*) AS n FROM branding WHERE colour = '#1d4d7a'"), || {
            let page = admin.get("/staff/images");
            admin.submit(&page.form_ending("/staff/branding").with("colour", "#1d4d7a").with("logo", "")).status.into()
        }),
        case(Action::RecordingAdded, rows("SELECT COUNT(*) AS n FROM recordings"), || {
            let fields = [("version", "young-people|en-GB"), ("question", "listened-to")];
            multipart(facilitator, &format!("/staff/waves/{WAVE}/recordings"), &fields, "file", ("q.ogg", fake_ogg()))
                .into()
        }),
        case(Action::RecordingDeleted, rows("SELECT COUNT(*) AS n FROM recordings"), || {
            let list = facilitator.get(&format!("/staff/waves/{WAVE}/recordings"));
            facilitator.submit(&list.form_ending("/delete")).status.into()
        }),
        case(Action::InvitationsSent, rows("SELECT COUNT(*) AS n FROM outbox"), || {
            let csv = b"email,first_name,audience\na@example.org,Ana,young-people\n".to_vec();
            multipart(analyst, &format!("/staff/waves/{WAVE}/invitations"), &[], "contacts", ("c.csv", csv)).into()
        }),
        case(Action::InvitationsReminded, rows("SELECT COUNT(*) AS n FROM outbox"), || {
            let page = analyst.get(&format!("/staff/waves/{WAVE}/invitations"));
            analyst.submit(&page.form_ending("/remind")).status.into()
        }),
        case(Action::OutboxRetried, rows("SELECT COUNT(*) AS n FROM outbox WHERE status = 'failed'"), || {
            let page = admin.get("/staff/outbox");
            admin.submit(&page.form_ending("/staff/outbox/retry")).status.into()
        })
        .after(|| {
            let mut c = app.db.connect();
            diesel::sql_query("UPDATE outbox SET status = 'failed', attempts = 8 WHERE kind = 'invitation'")
                .execute(&mut c)
                .expect("fail the invitations");
        }),
        case(Action::ResponseDeleted, rows("SELECT COUNT(*) AS n FROM responses"), || {
            let fields = [("reason", "Asked by the family")];
            admin.post_staff(&format!("/staff/responses/{torbay_response}/delete"), &fields).status.into()
        }),
        // The command line's export: no file is written when its audit row cannot be.
        case(Action::QuotesExported, Effect::File, || {
            let file = dir.path().join("quotes.csv");
            let _ = std::fs::remove_file(&file);
            let out = std::process::Command::new(crate::helpers::heard_bin())
                .args(["export", "quotes", "--partnership", "torbay", "--format", "csv", "--output"])
                .arg(&file)
                .env("DATABASE_URL", &app.db.url)
                .output()
                .expect("heard export quotes");
            Outcome { status: if out.status.success() { 200 } else { 500 }, file: file.exists() }
        }),
        // Retention, run by the scheduler: free text past its time is deleted with its audit
        // row, or kept.
        case(Action::FreeTextDeleted, rows("SELECT COUNT(*) AS n FROM answers WHERE text_value IS NOT NULL"), || {
            let mut c = app.db.connect();
            match heard::models::retention::run(&mut c, 0, 2000) {
                Ok(_) => 200,
                Err(_) => 500,
            }
            .into()
        }),
    ];
    for c in &cases {
        check(app, backend, c);
    }
    // Every action Heard audits has a case above.
    let covered: std::collections::BTreeSet<&str> = cases.iter().map(|c| c.action.as_str()).collect();
    for action in Action::ALL {
        assert!(covered.contains(action.as_str()), "{} is audited but has no case here", action.as_str());
    }
}
both!(every_audited_change_is_written_with_its_audit_row);
