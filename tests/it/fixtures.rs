//! Shared fixtures for the staff side, and small builders for what a test needs when a
//! whole demo would hide the point: a survey file with just the questions a test asks
//! about, and an account of a given role.
//!
//! `setup` is the usual staff world: the demo, a second partnership's wave (Southend) built
//! with [`SurveyFile`], one response in each, and one account per role (password
//! [`PASSWORD`]).

use heard::db::Backend;
use heard::models::account::{self, NewAccount, Role};

use crate::helpers::{Browser, Page, Plan, TestApp, complete, spawn_app};

/// Every fixture account's password.
pub(crate) const PASSWORD: &str = "correct horse battery staple";

/// A survey definition (`heard-survey/1`) with one audience and the questions a test adds.
pub(crate) struct SurveyFile {
    partnership: String,
    series: (String, String),
    wave: (String, String, String),
    audience: (String, String),
    questions: Vec<String>,
}

impl SurveyFile {
    /// An open wave `slug` of the series `series` ("Title"), labelled `label`, for parents
    /// and carers.
    pub(crate) fn new(partnership: &str, series: &str, series_title: &str, slug: &str, label: &str) -> Self {
        Self {
            partnership: partnership.into(),
            series: (series.into(), series_title.into()),
            wave: (slug.into(), label.into(), "open".into()),
            audience: ("parents-carers".into(), "A parent or carer".into()),
            questions: Vec::new(),
        }
    }

    /// A yes / sometimes / no question, tagged to priorities and values by code.
    pub(crate) fn yes_no(mut self, key: &str, title: &str, priorities: &[&str], values: &[&str]) -> Self {
        let list = |codes: &[&str]| codes.iter().map(|c| format!("{c:?}")).collect::<Vec<_>>().join(", ");
        let mut q = format!("[[questions]]\nkey = {key:?}\ntype = \"yes-sometimes-no\"\n");
        if !priorities.is_empty() {
            q.push_str(&format!("priorities = [{}]\n", list(priorities)));
        }
        if !values.is_empty() {
            q.push_str(&format!("values = [{}]\n", list(values)));
        }
        q.push_str(&format!("[questions.text.{}]\ntitle = {title:?}\n", self.audience.0));
        self.questions.push(q);
        self
    }

    /// A free-text question.
    pub(crate) fn long_text(mut self, key: &str, title: &str) -> Self {
        self.questions.push(format!(
            "[[questions]]\nkey = {key:?}\ntype = \"long-text\"\n[questions.text.{}]\ntitle = {title:?}\n",
            self.audience.0
        ));
        self
    }

    /// Makes the question added last one that must be answered.
    pub(crate) fn required(mut self) -> Self {
        if let Some(q) = self.questions.last_mut()
            && let Some(at) = q.find("\n[questions.text.")
        {
            q.insert_str(at + 1, "required = true\n");
        }
        self
    }

    pub(crate) fn toml(&self) -> String {
        let (p, (s, st), (w, label, status), (ak, an)) = (&self.partnership, &self.series, &self.wave, &self.audience);
        format!(
            "format = \"heard-survey/1\"\npartnership = {p:?}\n[series]\nslug = {s:?}\ntitle = {st:?}\n\
             [wave]\nslug = {w:?}\nlabel = {label:?}\nstatus = {status:?}\n\
             [[audiences]]\nkey = {ak:?}\nname = {an:?}\n{}",
            self.questions.join("")
        )
    }

    /// Checks and stores the file as `heard import` would.
    pub(crate) fn import(&self, app: &TestApp) {
        let (name, text) = (format!("{}.toml", self.wave.0), self.toml());
        let def = heard::domain::SurveyDefinition::parse(&name, &text, 2000).expect("survey file");
        let mut conn = app.db.connect();
        heard::models::survey::import(&mut conn, &name, &text, &def).expect("import");
    }
}

/// Adds a staff account with [`PASSWORD`].
pub(crate) fn add_account(app: &TestApp, email: &str, role: Role, partnership: Option<&str>) {
    let mut conn = app.db.connect();
    account::add(
        &mut conn,
        &NewAccount {
            email: email.into(),
            role,
            partnership: partnership.map(str::to_owned),
            password: PASSWORD.into(),
        },
    )
    .expect("add account");
}

/// The demo plus a Southend wave, one response in each partnership, and one account per role:
/// the app, Torbay's response id and Southend's.
pub(crate) fn setup(backend: Backend) -> (TestApp, String, String) {
    let app = spawn_app(backend);
    SurveyFile::new(
        "southend",
        "southend-local-offer",
        "Southend Local Offer Survey",
        "southend-local-offer-2025",
        "2025",
    )
    .yes_no("easy-to-find", "Is it easy to find information about help?", &["P5"], &["V3"])
    .long_text("comments", "Anything else?")
    .import(&app);
    complete(&app.browser(), "torbay-participation-2025", "parents-carers", &Plan::new(), "yes");
    let mut plan = Plan::new();
    plan.insert("comments", vec!["The Local Offer website is hard to search"]);
    complete(&app.browser(), "southend-local-offer-2025", "parents-carers", &plan, "yes");
    for (email, role, p) in [
        ("admin@torbay.example", Role::Admin, Some("torbay")),
        ("analyst@torbay.example", Role::Analyst, Some("torbay")),
        ("viewer@torbay.example", Role::Viewer, Some("torbay")),
        ("facilitator@torbay.example", Role::Facilitator, Some("torbay")),
        ("analyst@southend.example", Role::Analyst, Some("southend")),
        ("super@heard.example", Role::Superadmin, None),
    ] {
        add_account(&app, email, role, p);
    }
    let id = |wave: &str| {
        use diesel::prelude::*;
        use heard::db::schema::{responses, waves};
        let mut conn = app.db.connect();
        responses::table
            .inner_join(waves::table)
            .filter(waves::slug.eq(wave))
            .select(responses::id)
            .first::<String>(&mut conn)
            .expect("response")
    };
    let (torbay, southend) = (id("torbay-participation-2025"), id("southend-local-offer-2025"));
    (app, torbay, southend)
}

/// Signs in through the sign-in form: the browser and the page it landed on.
pub(crate) fn sign_in(app: &TestApp, email: &str, password: &str) -> (Browser, Page) {
    let b = app.browser();
    let form = b.get("/staff/sign-in");
    assert_eq!(form.status, 200);
    let page = b.submit(&form.form().with("email", email).with("password", password));
    (b, page)
}

/// The status of a GET, without following redirects.
pub(crate) fn status(b: &Browser, path: &str) -> u16 {
    b.raw().get(format!("{}{}", b.base, path)).send().expect("get").status().as_u16()
}

#[test]
fn the_survey_builder_writes_the_file_it_describes() {
    let file =
        SurveyFile::new("p", "s", "S", "s-1", "1").yes_no("happy", "Happy?", &["P1"], &[]).long_text("more", "More?");
    let def = heard::domain::SurveyDefinition::parse("t.toml", &file.toml(), 2000).expect("parses");
    assert_eq!(def.wave.slug.as_str(), "s-1");
    let keys: Vec<&str> = def.questions.iter().map(|q| q.key.as_str()).collect();
    assert_eq!(keys, ["happy", "more"]);
}
