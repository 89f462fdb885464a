//! Staff identity (issue 20): two-factor sign-in (enrolment forced on admins, codes never
//! taken twice, recovery codes, lock-out after wrong codes, an admin's reset) and each
//! person's sessions (browser names, naming a device, ending one, the others, or everyone's;
//! the configurable time-outs). Both databases, over HTTP, with the requirement on as in
//! every real deployment.

use diesel::RunQueryDsl;
use heard::config::TwoFactor;
use heard::db::Backend;
use heard::models::account::Role;

use crate::both;
use crate::fixtures::{PASSWORD, add_account, sign_in, status};
use crate::helpers::{Browser, Page, TestApp, spawn_app_with};

const FIREFOX: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

fn app_with_two_factor(backend: Backend) -> TestApp {
    let app = spawn_app_with(backend, |s| {
        s.two_factor = TwoFactor::Admins;
        s.session_idle_minutes = 30;
    });
    add_account(&app, "admin@torbay.example", Role::Admin, Some("torbay"));
    add_account(&app, "second-admin@torbay.example", Role::Admin, Some("torbay"));
    add_account(&app, "analyst@torbay.example", Role::Analyst, Some("torbay"));
    app
}

/// The key in an `otpauth://` address.
pub(crate) fn key_of(otpauth: &str) -> String {
    let query = otpauth.split_once('?').map(|(_, q)| q).unwrap_or_else(|| panic!("no query in {otpauth}"));
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("secret="))
        .unwrap_or_else(|| panic!("no secret in {otpauth}"))
        .to_owned()
}

/// The code an authenticator app shows for `key` in time step `step` (30 seconds each).
pub(crate) fn code_at(key: &str, step: u64) -> String {
    let secret = totp_rs::Secret::try_from_base32(key).unwrap_or_else(|_| panic!("key {key} reads"));
    let Ok(totp) = totp_rs::Builder::new().with_secret(secret).build() else { panic!("a TOTP from {key}") };
    totp.generate(step * 30).to_string()
}

pub(crate) fn step_now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0) / 30
}

/// The text fields (anything a person types into, hidden fields aside) of a page's main.
fn text_fields(page: &Page) -> Vec<String> {
    page.attr_of("main input:not([type=hidden]):not([type=radio]):not([type=checkbox]), main textarea", "name")
}

/// The last time step the account's code was taken at.
fn last_step(app: &TestApp, email: &str) -> u64 {
    let n = app.count(&format!("SELECT totp_last_step AS n FROM accounts WHERE email = '{email}'"));
    u64::try_from(n).unwrap_or(0)
}

/// Signs `email` in as far as the code page, in a browser of its own.
fn password_step(app: &TestApp, email: &str) -> (Browser, Page) {
    let (b, page) = sign_in(app, email, PASSWORD);
    assert_eq!(page.status, 200, "{}", page.html);
    (b, page)
}

fn admins_set_up_two_factor_and_codes_are_taken_once(backend: Backend) {
    let app = app_with_two_factor(backend);
    let email = "admin@torbay.example";

    // The password alone opens no session: the admin is taken through set-up.
    let (b, setup) = password_step(&app, email);
    assert_eq!(setup.path(), "/staff/sign-in/set-up");
    assert_eq!(status(&b, "/staff"), 303, "no session before the code");
    let shown = setup.text_of("code.otpauth");
    let otpauth = shown.first().unwrap_or_else(|| panic!("the otpauth address as text:\n{}", setup.html)).clone();
    assert!(otpauth.starts_with("otpauth://totp/"), "{otpauth}");
    assert!(setup.has(".qr-box svg"), "a QR code too");
    assert_eq!(text_fields(&setup), ["code"], "the code is the only field");
    let key = key_of(&otpauth);
    // Reloading keeps the same key (a scan is not undone).
    let again = b.get("/staff/sign-in/set-up");
    assert_eq!(again.text_of("code.otpauth").first(), Some(&otpauth));

    // A wrong code: said beside the field, nothing set up, still no session.
    let wrong = b.submit(&setup.form_ending("/staff/sign-in/set-up").with("code", "000000"));
    assert_eq!(wrong.status, 400);
    assert!(wrong.has("#code-error"), "{}", wrong.html);
    assert!(wrong.has(".error-summary a[href='#code']") || wrong.has("a[href='#code']"));
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM accounts WHERE totp_secret IS NOT NULL"), 0);
    assert_eq!(status(&b, "/staff"), 303);

    // The right code: ten recovery codes shown once, stored only as hashes, and signed in.
    let done = b.submit(&setup.form_ending("/staff/sign-in/set-up").with("code", &code_at(&key, step_now())));
    assert_eq!(done.status, 200, "{}", done.html);
    let codes = done.text_of("ol.recovery-codes code");
    assert_eq!(codes.len(), 10, "{}", done.html);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM recovery_codes"), 10);
    for c in &codes {
        let stored = app.count(&format!("SELECT COUNT(*) AS n FROM recovery_codes WHERE code_hash = '{c}'"));
        assert_eq!(stored, 0, "a recovery code is stored as typed");
    }
    assert_eq!(status(&b, "/staff"), 200, "signed in after set-up");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'two_factor.enrolled'"), 1);
    let taken = last_step(&app, email);
    assert!(taken > 0);

    // Next sign-in: the code step, whose only field is the code.
    let (b2, code_page) = password_step(&app, email);
    assert_eq!(code_page.path(), "/staff/sign-in/code");
    assert_eq!(text_fields(&code_page), ["code"]);
    assert_eq!(status(&b2, "/staff"), 303);
    // The code already taken is refused (replay within its window)...
    let replay = b2.submit(&code_page.form_ending("/staff/sign-in/code").with("code", &code_at(&key, taken)));
    assert_eq!(replay.status, 401, "{}", replay.html);
    assert!(replay.text_of("#code-error").join(" ").contains("used already"));
    assert_eq!(status(&b2, "/staff"), 303);
    // ...and the next one is taken, once.
    let next = code_at(&key, taken + 1);
    let ok = b2.submit(&code_page.form_ending("/staff/sign-in/code").with("code", &next));
    assert_eq!(ok.path(), "/staff", "{}", ok.html);
    assert_eq!(status(&b2, "/staff"), 200);
    let (b3, third) = password_step(&app, email);
    let twice = b3.submit(&third.form_ending("/staff/sign-in/code").with("code", &next));
    assert_eq!(twice.status, 401, "a code is never taken twice");

    // A recovery code (typed in capitals with a space) works once.
    let recovery = codes[0].to_uppercase().replace('-', " ");
    let by_recovery = b3.submit(&third.form_ending("/staff/sign-in/code").with("code", &recovery));
    assert_eq!(by_recovery.path(), "/staff", "{}", by_recovery.html);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM recovery_codes WHERE used_at IS NOT NULL"), 1);
    let (b4, fourth) = password_step(&app, email);
    let reused = b4.submit(&fourth.form_ending("/staff/sign-in/code").with("code", &codes[0]));
    assert_eq!(reused.status, 401);
    assert_eq!(status(&b4, "/staff"), 303);
    let signed_in =
        app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'sign_in' AND detail LIKE '%recovery code%'");
    assert_eq!(signed_in, 1, "the sign-in says it used a recovery code");

    // The person's own page: on, nine codes left, new codes replace the old.
    let own = b.get("/staff/two-factor");
    assert!(own.text_of("main").join(" ").contains("9"), "{}", own.html);
    assert!(!own.has("form[action='/staff/two-factor/off']"), "an admin cannot turn it off");
    let renewed = b.post_staff("/staff/two-factor/recovery-codes", &[]);
    let fresh = renewed.text_of("ol.recovery-codes code");
    assert_eq!(fresh.len(), 10);
    assert!(fresh.iter().all(|c| !codes.contains(c)));
    let (b5, fifth) = password_step(&app, email);
    let old = b5.submit(&fifth.form_ending("/staff/sign-in/code").with("code", &codes[1]));
    assert_eq!(old.status, 401, "old recovery codes stop working");
}
both!(admins_set_up_two_factor_and_codes_are_taken_once);

fn wrong_codes_lock_and_an_admin_resets_a_lost_device(backend: Backend) {
    let app = app_with_two_factor(backend);
    let email = "admin@torbay.example";
    let (b, setup) = password_step(&app, email);
    let key = key_of(&setup.text_of("code.otpauth")[0]);
    b.submit(&setup.form_ending("/staff/sign-in/set-up").with("code", &code_at(&key, step_now())));
    assert_eq!(status(&b, "/staff"), 200);

    // Five wrong codes lock the account (audited) and end the step.
    let (b2, page) = password_step(&app, email);
    let form = page.form_ending("/staff/sign-in/code");
    let mut last = page;
    for _ in 0..5 {
        last = b2.submit(&form.clone().with("code", "123456"));
    }
    assert_eq!(last.status, 401);
    assert!(last.text_of(".error-message").join(" ").contains("Sign in again"), "{}", last.html);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'account.locked'"), 1);
    let right = b2.submit(&form.with("code", &code_at(&key, step_now() + 1)));
    assert_ne!(right.path(), "/staff", "the step is over");
    assert_eq!(status(&b2, "/staff"), 303);
    let (_, locked) = sign_in(&app, email, PASSWORD);
    assert_eq!(locked.status, 401, "locked: the password alone is refused");

    // Another admin resets it: the first admin's sessions end, set-up comes again.
    let (admin2, set2) = password_step(&app, "second-admin@torbay.example");
    let key2 = key_of(&set2.text_of("code.otpauth")[0]);
    admin2.submit(&set2.form_ending("/staff/sign-in/set-up").with("code", &code_at(&key2, step_now())));
    let users = admin2.get("/staff/users");
    assert!(users.has("form[action='/staff/users/two-factor-reset'] input[value='admin@torbay.example']"));
    assert!(
        !users.has("form[action='/staff/users/two-factor-reset'] input[value='second-admin@torbay.example']"),
        "nobody resets their own"
    );
    let reset = admin2.post_staff("/staff/users/two-factor-reset", &[("email", email)]);
    assert_eq!(reset.status, 200);
    assert!(reset.html.contains("was reset"), "{}", reset.html);
    assert_eq!(status(&b, "/staff"), 303, "the reset ended the first admin's session");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'two_factor.reset'"), 1);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM recovery_codes r JOIN accounts a ON a.id = r.account_id WHERE a.email = 'admin@torbay.example'"),
        0
    );
    // An analyst may not reset anyone; another partnership's account is not found.
    let (analyst, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    assert_eq!(
        analyst.post_staff("/staff/users/two-factor-reset", &[("email", "second-admin@torbay.example")]).status,
        403
    );
    add_account(&app, "admin@southend.example", Role::Admin, Some("southend"));
    assert_eq!(admin2.post_staff("/staff/users/two-factor-reset", &[("email", "admin@southend.example")]).status, 404);
}
both!(wrong_codes_lock_and_an_admin_resets_a_lost_device);

fn others_may_choose_two_factor(backend: Backend) {
    let app = app_with_two_factor(backend);
    // An analyst need not: the password signs them in.
    let (b, home) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    assert_eq!(home.path(), "/staff");
    let enrol = b.get("/staff/two-factor");
    let key = key_of(&enrol.text_of("code.otpauth")[0]);
    let wrong = b.submit(&enrol.form_ending("/staff/two-factor").with("code", "999999"));
    assert_eq!(wrong.status, 400);
    assert!(wrong.has("#code-error"));
    let done = b.submit(&enrol.form_ending("/staff/two-factor").with("code", &code_at(&key, step_now())));
    assert_eq!(done.text_of("ol.recovery-codes code").len(), 10);
    let (_, next) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    assert_eq!(next.path(), "/staff/sign-in/code", "chosen, it is asked for");
    let own = b.get("/staff/two-factor");
    assert!(own.has("form[action='/staff/two-factor/off']"));
    b.post_staff("/staff/two-factor/off", &[]);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'two_factor.turned_off'"), 1);
    let (_, plain) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    assert_eq!(plain.path(), "/staff");
}
both!(others_may_choose_two_factor);

fn people_see_and_end_their_sessions(backend: Backend) {
    let app = app_with_two_factor(backend);
    let analyst = "analyst@torbay.example";
    let sign_in_as = |ua: &str| {
        let b = Browser::with_user_agent(&app.address, ua);
        let form = b.get("/staff/sign-in").form();
        let page = b.submit(&form.with("email", analyst).with("password", PASSWORD));
        assert_eq!(page.path(), "/staff");
        b
    };
    let laptop = sign_in_as(FIREFOX);
    let phone = sign_in_as(IPHONE);
    let page = laptop.get("/staff/sessions");
    let browsers = page.text_of("table.sessions tbody th");
    assert_eq!(browsers.len(), 2, "{}", page.html);
    assert!(browsers.iter().any(|b| b.contains("Firefox") && b.contains("This session")), "{browsers:?}");
    assert!(browsers.iter().any(|b| b.contains("Safari") && !b.contains("This session")), "{browsers:?}");

    // Naming a device; a name too long is refused beside its field, what was typed kept.
    let refs = page.attr_of("form[action='/staff/sessions/name'] input[name=session]", "value");
    let long = "👍🏽".repeat(61);
    let refused = laptop.post_staff("/staff/sessions/name", &[("session", &refs[0]), ("device", &long)]);
    assert_eq!(refused.status, 400);
    assert!(refused.text_of("#device-error").join(" ").contains("61"), "{}", refused.html);
    assert_eq!(refused.attr_of(&format!("#device-{}", refs[0]), "value"), std::slice::from_ref(&long));
    let fits = "👍🏽".repeat(60);
    laptop.post_staff("/staff/sessions/name", &[("session", &refs[0]), ("device", &fits)]);
    assert_eq!(app.count_str("SELECT device AS s FROM staff_sessions WHERE device IS NOT NULL"), fits);

    // Ending the phone's session from the laptop.
    let phone_ref = laptop
        .get("/staff/sessions")
        .doc()
        .select(&scraper::Selector::parse("table.sessions tbody tr").expect("selector"))
        .find(|tr| tr.text().collect::<String>().contains("Safari"))
        .and_then(|tr| {
            tr.select(&scraper::Selector::parse("form[action='/staff/sessions/end'] input[name=session]").expect("sel"))
                .next()
                .and_then(|i| i.value().attr("value").map(str::to_owned))
        })
        .unwrap_or_else(|| panic!("the phone's session has an End button"));
    laptop.post_staff("/staff/sessions/end", &[("session", &phone_ref)]);
    assert_eq!(status(&phone, "/staff"), 303, "the phone is signed out");
    assert_eq!(status(&laptop, "/staff"), 200, "the laptop is not");
    assert_eq!(laptop.post_staff("/staff/sessions/end", &[("session", "0123456789abcdef")]).status, 404);

    // Someone else's session cannot be ended by its reference.
    let (admin, set) = password_step(&app, "admin@torbay.example");
    let key = key_of(&set.text_of("code.otpauth")[0]);
    admin.submit(&set.form_ending("/staff/sign-in/set-up").with("code", &code_at(&key, step_now())));
    let admin_ref = admin.get("/staff/sessions").attr_of("input[name=session]", "value")[0].clone();
    assert_eq!(laptop.post_staff("/staff/sessions/end", &[("session", &admin_ref)]).status, 404);
    assert_eq!(status(&admin, "/staff"), 200);

    // End the others; then an admin ends everyone's but their own.
    let second = sign_in_as(IPHONE);
    laptop.post_staff("/staff/sessions/end-others", &[]);
    assert_eq!(status(&second, "/staff"), 303);
    assert_eq!(status(&laptop, "/staff"), 200);
    assert_eq!(laptop.post_staff("/staff/sessions/end-everyone", &[]).status, 403, "analysts may not");
    let everyone = admin.post_staff("/staff/sessions/end-everyone", &[]);
    assert_eq!(everyone.path(), "/staff/sessions");
    assert_eq!(status(&laptop, "/staff"), 303, "the analyst is signed out");
    assert_eq!(status(&admin, "/staff"), 200, "the admin stays");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'sessions.ended'"), 3);

    // The idle time-out (30 minutes here) and the absolute one.
    let later = sign_in_as(FIREFOX);
    let sql_idle = match backend {
        Backend::Sqlite => "UPDATE staff_sessions SET last_seen_at = datetime('now', '-31 minutes')",
        Backend::Postgres => {
            "UPDATE staff_sessions SET last_seen_at = now() at time zone 'utc' - interval '31 minutes'"
        }
    };
    diesel::sql_query(sql_idle).execute(&mut app.db.connect()).expect("age the sessions");
    assert_eq!(status(&later, "/staff"), 303, "idle for longer than the setting");
    let fresh = sign_in_as(FIREFOX);
    let sql_end = match backend {
        Backend::Sqlite => "UPDATE staff_sessions SET expires_at = datetime('now', '-1 minutes')",
        Backend::Postgres => "UPDATE staff_sessions SET expires_at = now() at time zone 'utc' - interval '1 minute'",
    };
    diesel::sql_query(sql_end).execute(&mut app.db.connect()).expect("end the sessions");
    assert_eq!(status(&fresh, "/staff"), 303, "past the absolute end");
}
both!(people_see_and_end_their_sessions);
