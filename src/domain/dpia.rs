//! The data-protection pack an information-governance officer asks for before the first
//! survey goes out, written from what Heard knows of itself: the data map (`datamap`), the
//! retention schedule with the running settings' figures, a privacy notice per survey in plain
//! and in easy-read words (from that survey's own settings), the records of processing
//! (UK GDPR Article 30) and a DPIA draft under the headings of the ICO's template. What only
//! the council can say (who the controller is, the lawful basis, the DPO's advice, sign-off)
//! is marked **[Council to write]**, never guessed.
//!
//! One structure (`Section`s of `Part`s) feeds both the admin page and the Word file, so the
//! two cannot say different things. Pure: the caller gathers the facts (`PackFacts`).

use serde::Serialize;

use super::datamap::{MAP, Personal, Retention};

/// What the council must write where Heard cannot know.
pub const COUNCIL: &str = "[Council to write]";

/// One piece of a section.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Part {
    Heading {
        text: String,
    },
    Para {
        text: String,
    },
    /// Something only the council can write: shown marked.
    Todo {
        text: String,
    },
    List {
        items: Vec<String>,
    },
    Table {
        caption: String,
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

/// One section of the pack (a heading with an anchor on the page).
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub id: String,
    pub heading: String,
    pub parts: Vec<Part>,
}

/// What one survey's privacy notice is made from: its newest wave's settings.
#[derive(Debug, Clone)]
pub struct SurveyFacts {
    /// The survey's (series') address name.
    pub slug: String,
    pub title: String,
    pub wave: String,
    pub audiences: Vec<String>,
    /// It asks for words in the person's own words (short or long text).
    pub free_text: bool,
    /// It offers a voice recording or a picture instead of words.
    pub say_or_show: bool,
    /// Days written answers are kept after sending.
    pub keep_days: i64,
    /// People were invited by email.
    pub invitations: bool,
    /// Young people answered in panel sessions.
    pub panels: bool,
}

/// Everything the pack is written from.
#[derive(Debug, Clone)]
pub struct PackFacts {
    pub partnership: String,
    pub engine: String,
    pub retention: Retention,
    /// Who must use two-factor sign-in, in words.
    pub two_factor: String,
    /// The public address starts with https://.
    pub https: bool,
    pub surveys: Vec<SurveyFacts>,
    pub responses: i64,
    pub staff_accounts: i64,
}

fn para(text: impl Into<String>) -> Part {
    Part::Para { text: text.into() }
}

fn todo(text: impl Into<String>) -> Part {
    Part::Todo { text: format!("{COUNCIL} {}", text.into()) }
}

fn heading(text: impl Into<String>) -> Part {
    Part::Heading { text: text.into() }
}

fn list(items: &[&str]) -> Part {
    Part::List { items: items.iter().map(|s| (*s).to_owned()).collect() }
}

/// A number of days as people say it: "3 years", "6 months" (30-day months), "45 days".
pub fn days_in_words(days: i64) -> String {
    let plural = |n: i64, one: &str| if n == 1 { format!("1 {one}") } else { format!("{n} {one}s") };
    if days > 0 && days % 365 == 0 {
        plural(days / 365, "year")
    } else if days > 0 && days % 30 == 0 {
        plural(days / 30, "month")
    } else {
        plural(days, "day")
    }
}

/// The retention schedule: each kind of data and when it goes, with the running figures.
pub fn schedule(r: &Retention) -> Vec<String> {
    vec![
        format!(
            "Written answers, recordings, pictures and typed paper copies: each survey's own period (set in the survey), else {} days after sending; then deleted every night. Choices and counts stay.",
            r.keep_free_text_days
        ),
        format!("A response not yet sent: {} days after it was last saved.", r.draft_days),
        format!(
            "A respondent can delete their own response with its receipt code for {} days after sending.",
            r.deletion_days
        ),
        "Addresses left to hear what happened: until the next update is sent to them, at most 365 days; unconfirmed ones after 7 days.".into(),
        "Invitation and password links: 7 days, or until used.".into(),
        format!(
            "Staff sessions: {} minutes without use, or {} hours after signing in. Sign-in steps (between the password and the code): {} minutes.",
            r.idle_minutes, r.absolute_hours, super::datamap::SIGN_IN_STEP_MINUTES
        ),
        format!(
            "The audit log, invitation contacts and the email outbox: not deleted automatically. {COUNCIL} the period."
        ),
    ]
}

/// The data map as a table (every table Heard keeps).
pub fn map_table(r: &Retention) -> Part {
    Part::Table {
        caption: "Each table: personal data, what it holds, why, who can see it, how long it is kept".into(),
        header: ["Table", "Personal data", "What it holds", "Why", "Who can see it", "How long it is kept"]
            .map(str::to_owned)
            .to_vec(),
        rows: MAP
            .iter()
            .map(|e| {
                vec![
                    e.table.to_owned(),
                    e.personal.words().to_owned(),
                    e.holds.to_owned(),
                    e.why.to_owned(),
                    e.who.to_owned(),
                    e.kept.words(r),
                ]
            })
            .collect(),
    }
}

/// A survey's privacy notice in plain words, for the people who answer it.
pub fn notice_plain(f: &PackFacts, s: &SurveyFacts) -> Vec<Part> {
    let mut out = vec![
        heading("Who we are"),
        para(format!(
            "This survey is run by the {} SEND partnership: the council, the NHS and the Parent Carer Forum working together for children and young people with special educational needs and disabilities.",
            f.partnership
        )),
        todo("The name and contact details of the data controller, and of its Data Protection Officer."),
        heading("What we collect and why"),
        para(format!(
            "Your answers to \"{}\" ({}). We use them to hear what children, young people and families think of the help they get, to report what changed, and to show it in the partnership's reports. We do not ask your name.",
            s.title, s.wave
        )),
        todo(
            "The lawful basis (for example public task, UK GDPR Article 6(1)(e)) and, for health or disability information, the Article 9 condition (for example 9(2)(g) with the Data Protection Act 2018, Schedule 1).",
        ),
    ];
    let mut kept = vec![
        "Your answers are not linked to your name. Each response has a random number, nothing else.".to_owned(),
        "We never publish a figure about fewer than 10 people, and we show small counts as \"fewer than 5\", so nobody can be picked out.".to_owned(),
    ];
    if s.free_text {
        kept.push(format!(
            "If you write in your own words, we keep your words for {} after you send them, then delete them. The counts of answers stay.",
            days_in_words(s.keep_days)
        ));
        kept.push("Please do not write anyone's name. If you do, we take names out before we quote anything.".into());
    }
    if s.say_or_show {
        kept.push(format!(
            "If you send a voice recording or a picture instead of writing, we keep it for {} as well, and staff type what it says.",
            days_in_words(s.keep_days)
        ));
    }
    if s.invitations {
        kept.push("If we emailed you an invitation, we keep your email address and first name to send it and up to two reminders; we record whether you answered, never which answers are yours.".into());
    }
    if s.panels {
        kept.push(
            "If you answered in a group session, the session is recorded with your response, not your name.".into(),
        );
    }
    out.push(heading("How your answers are kept"));
    out.push(Part::List { items: kept });
    out.push(heading("Quoting your words"));
    out.push(para(
        "At the end we ask if we may quote your words in reports. We only quote you if you say yes, and we take out names and details that could identify you first.",
    ));
    out.push(heading("Changing your mind"));
    out.push(para(format!(
        "When you send your answers you get a receipt code. With it you can delete your answers yourself for {} days.",
        f.retention.deletion_days
    )));
    out.push(heading("Who can see your answers"));
    out.push(para(format!(
        "Only named staff of the partnership who analyse the survey. Reports show totals and the quotes people agreed to. Your answers are kept in one {} database on the server the partnership chose.",
        f.engine
    )));
    out.push(todo("Where the server is (it should be in the UK) and who runs it."));
    out.push(heading("Your rights"));
    out.push(para(
        "You can ask to see, correct or delete information about you, and you can complain to the Information Commissioner's Office (ico.org.uk, 0303 123 1113).",
    ));
    out.push(todo("How to contact the council about your rights."));
    out
}

/// The same notice in easy-read words: one idea per short sentence.
pub fn notice_easy(f: &PackFacts, s: &SurveyFacts) -> Vec<Part> {
    let mut items = vec![
        format!("This survey is from the {} SEND partnership.", f.partnership),
        "We want to know what you think.".to_owned(),
        "We do not ask your name.".to_owned(),
        "Your answers have a number, not your name.".to_owned(),
    ];
    if s.free_text {
        items.push(format!("We keep the words you write for {}. Then we delete them.", days_in_words(s.keep_days)));
        items.push("Please do not write anyone's name.".into());
    }
    if s.say_or_show {
        items.push(format!("We keep recordings and pictures for {} too.", days_in_words(s.keep_days)));
    }
    items.push("We only use your words in a report if you say yes.".into());
    items.push("We take out names first.".into());
    items.push(format!(
        "You get a code at the end. With the code you can delete your answers for {} days.",
        f.retention.deletion_days
    ));
    items.push("Only a few staff can read your answers.".into());
    items.push("You can ask us what we keep about you.".into());
    items.push("You can complain to the Information Commissioner's Office.".into());
    vec![Part::List { items }, todo("Who to contact, in easy words, with a phone number.")]
}

/// The kinds of personal data the map holds, in words, once each.
fn personal_kinds() -> Vec<String> {
    let mut seen: Vec<Personal> = Vec::new();
    for e in MAP {
        if e.personal != Personal::No && !seen.contains(&e.personal) {
            seen.push(e.personal);
        }
    }
    seen.into_iter()
        .map(|p| {
            let tables: Vec<&str> = MAP.iter().filter(|e| e.personal == p).map(|e| e.table).collect();
            format!("{} (tables: {})", p.words(), tables.join(", "))
        })
        .collect()
}

/// The security measures Heard itself takes, as the settings have them.
fn security(f: &PackFacts) -> Vec<String> {
    vec![
        "Staff passwords stored only as argon2id hashes; five wrong passwords or codes in a row lock an account for 15 minutes; sign-in attempts rate-limited per address.".into(),
        format!("Two-factor sign-in (a code from an authenticator app): {}", f.two_factor),
        format!(
            "Staff sessions end after {} minutes without use and {} hours after signing in; each person can see and end their sessions, and an admin can end everyone's.",
            f.retention.idle_minutes, f.retention.absolute_hours
        ),
        "Roles: each page and download is limited by role (admin, analyst, facilitator, viewer, service lead), and every query to the staff's own partnership.".into(),
        "An audit log of every change, export and download, written in the same transaction as the change.".into(),
        if f.https {
            "Served over HTTPS; cookies marked Secure and HttpOnly; a strict content security policy.".into()
        } else {
            format!("{COUNCIL} the public address does not start with https:// yet: serve Heard over HTTPS before the first survey.")
        },
        "Resume and receipt codes stored only as keyed hashes; recovery codes as hashes.".into(),
        "Free text past its period deleted every night; counts kept without the words.".into(),
        "Figures about fewer than 10 people never shown; counts of 1 to 4 shown as \"fewer than 5\", with secondary suppression.".into(),
    ]
}

/// Records of processing activities (UK GDPR Article 30(1)).
pub fn records(f: &PackFacts) -> Vec<Part> {
    let row = |a: &str, b: String| vec![a.to_owned(), b];
    let surveys: Vec<String> = f.surveys.iter().map(|s| s.title.clone()).collect();
    vec![Part::Table {
        caption: "Records of processing activities".into(),
        header: vec!["Article 30(1)".into(), "What Heard records".into()],
        rows: vec![
            row("Name and contact details of the controller, joint controllers and the DPO", COUNCIL.to_owned()),
            row(
                "Purposes of the processing",
                format!(
                    "Hearing children, young people and families about SEND services in the {} partnership's area; coding what they said into themes; reporting year-on-year change against the strategy's priorities and pledge; telling people what changed (\"you said, we did\"). Surveys: {}.",
                    f.partnership,
                    if surveys.is_empty() { "none yet".into() } else { surveys.join("; ") }
                ),
            ),
            row(
                "Categories of data subjects",
                "Children and young people with special educational needs and disabilities; their parents and carers; people invited by email; people who asked to hear what happened; staff of the partnership.".into(),
            ),
            row("Categories of personal data", personal_kinds().join("; ")),
            row(
                "Categories of recipients",
                "Staff of the partnership by role (see the data map). Reports carry only suppressed figures and quotes people agreed to. No other recipients through Heard.".into(),
            ),
            row(
                "Transfers to third countries",
                format!("None by Heard. {COUNCIL} where the server and its backups are, and who runs them."),
            ),
            row("Time limits for erasure", schedule(&f.retention).join(" ")),
            row("Technical and organisational security measures", security(f).join(" ")),
        ],
    }]
}

/// The DPIA draft, under the seven steps of the ICO's template.
pub fn dpia(f: &PackFacts) -> Vec<Part> {
    let channels = {
        let mut c = vec!["online on people's own phones and computers", "on paper, typed in by staff"];
        if f.surveys.iter().any(|s| s.panels) {
            c.push("in group sessions on shared tablets");
        }
        if f.surveys.iter().any(|s| s.invitations) {
            c.push("through emailed invitations");
        }
        c.join(", ")
    };
    let risk = |r: &str, l: &str, s: &str, m: &str| vec![r.to_owned(), l.to_owned(), s.to_owned(), m.to_owned()];
    vec![
        heading("Step 1: Identify the need for a DPIA"),
        para(
            "Heard collects the views of children and of parents about special educational needs and disability services. Children are vulnerable data subjects, and what people write may include health and disability information (special category data). The ICO lists both as reasons a DPIA is required.",
        ),
        todo("Any other reasons particular to the partnership."),
        heading("Step 2: Describe the processing"),
        para(format!(
            "Nature: answers are collected {channels}; stored in one {} database; read by staff by role; counted into figures; written answers coded into themes and, where people agreed, redacted and quoted in reports. Nothing is shared with other organisations by Heard.",
            f.engine
        )),
        para(format!(
            "Scope: {} responses are held now, from {} surveys; {} staff accounts. No names are asked. Written answers are kept for each survey's period (by default {} days) and then deleted; counts stay.",
            f.responses,
            f.surveys.len(),
            f.staff_accounts,
            f.retention.keep_free_text_days
        )),
        para(
            "Context: the partnership has a statutory duty to involve children, young people and families in SEND services; people expect to be heard and to be told what changed, and not to be identified. Easy-read versions are offered for children and for people with learning disabilities.",
        ),
        para(
            "Purposes: to hear from people, to show year-on-year change against the strategy's priorities and pledge, and to tell people what was done (\"you said, we did\").",
        ),
        heading("Step 3: Consultation process"),
        para(
            "Heard's co-design review lets a group of young people or parents try each question before a survey opens and say whether it is easy to understand.",
        ),
        todo("Who was consulted (the Parent Carer Forum, young people's groups, the DPO, information security) and what they said."),
        heading("Step 4: Assess necessity and proportionality"),
        list(&[
            "Data minimisation: no names are asked; each response has a random number; figures about fewer than 10 people are never shown.",
            "Information to people: a privacy notice per survey, in plain and easy-read words (below).",
            "Rights: people delete their own response with its receipt code; staff can delete any response, with a reason, audited.",
            "Accuracy: answers are kept as given; paper forms can be typed twice and checked by a second person.",
        ]),
        todo("The lawful basis and Article 9 condition; the processors (hosting, email) and their contracts; international transfers."),
        heading("Step 5: Identify and assess risks"),
        Part::Table {
            caption: "Risks, with Heard's suggested likelihood and severity before measures".into(),
            header: vec!["Risk to individuals".into(), "Likelihood".into(), "Severity".into(), "Overall".into()],
            rows: vec![
                risk("A person is identified from a small group's figures", "Possible", "Significant", "Medium"),
                risk("Someone writes a name, or details that identify a child, in their words", "Probable", "Significant", "High"),
                risk("A quote identifies the person who wrote it", "Possible", "Significant", "Medium"),
                risk("A staff account is taken over (a stolen password)", "Possible", "Severe", "High"),
                risk("Staff see more than their role needs", "Possible", "Significant", "Medium"),
                risk("Written answers are kept longer than needed", "Probable", "Minimal", "Low"),
                risk("The database or a backup is lost or stolen", "Remote", "Severe", "Medium"),
            ],
        },
        todo("Confirm or change each assessment."),
        heading("Step 6: Identify measures to reduce risk"),
        Part::Table {
            caption: "Measures Heard takes for each risk".into(),
            header: vec!["Risk".into(), "Measures".into(), "Residual risk".into()],
            rows: vec![
                vec!["Small groups".into(), "No figure for a base under 10; counts of 1 to 4 shown as \"fewer than 5\"; secondary suppression so no hidden figure can be worked out by subtraction; the GSS symbols in downloads.".into(), "Low".into()],
                vec!["Names in words".into(), "Names are taken out before quoting (a list of names kept per partnership, and patterns for phone numbers and emails); only approved, consented quotes leave Heard; words deleted after the survey's period.".into(), "Medium".into()],
                vec!["Identifying quotes".into(), "Quotes only with consent, redacted, approved by a second step; the original answer never changed.".into(), "Low".into()],
                vec!["Account takeover".into(), security(f)[1].clone(), "Low".into()],
                vec!["Role creep".into(), "Roles checked on every page and download; service leads see only their own service; every export audited.".into(), "Low".into()],
                vec!["Kept too long".into(), schedule(&f.retention)[0].clone(), "Low".into()],
                vec!["Loss or theft".into(), format!("Resume and receipt codes hashed with a key kept out of the database; backups with `heard backup`. {COUNCIL} where backups are kept and that disks are encrypted."), "Medium".into()],
            ],
        },
        heading("Step 7: Sign off and record outcomes"),
        Part::Table {
            caption: "Sign-off".into(),
            header: vec!["Item".into(), "Name, date and notes".into()],
            rows: [
                "Measures approved by",
                "Residual risks approved by",
                "DPO advice provided",
                "Summary of DPO advice",
                "DPO advice accepted or overruled by",
                "Consultation responses reviewed by",
                "This DPIA will be kept under review by",
            ]
            .iter()
            .map(|i| vec![(*i).to_owned(), COUNCIL.to_owned()])
            .collect(),
        },
    ]
}

/// The whole pack, in order.
pub fn pack(f: &PackFacts) -> Vec<Section> {
    let r = &f.retention;
    let mut sections = vec![
        Section {
            id: "schedule".into(),
            heading: "Retention schedule".into(),
            parts: vec![Part::List { items: schedule(r) }],
        },
        Section {
            id: "map".into(),
            heading: "Data map".into(),
            parts: vec![
                para(format!(
                    "Every table Heard keeps: {} tables, {} of them with personal data. Everything lives in one {} database on the server the council chose, and in its backups.",
                    MAP.len(),
                    MAP.iter().filter(|e| e.personal != Personal::No).count(),
                    f.engine
                )),
                map_table(r),
            ],
        },
    ];
    for s in &f.surveys {
        let mut parts = vec![
            para(format!("For {} ({}), for: {}.", s.title, s.wave, s.audiences.join(", "))),
            heading("In plain words"),
        ];
        parts.extend(notice_plain(f, s));
        parts.push(heading("In easy read"));
        parts.extend(notice_easy(f, s));
        sections.push(Section {
            id: format!("notice-{}", s.slug),
            heading: format!("Privacy notice: {}", s.title),
            parts,
        });
    }
    sections.push(Section { id: "records".into(), heading: "Records of processing".into(), parts: records(f) });
    sections.push(Section {
        id: "dpia".into(),
        heading: "Data protection impact assessment (draft)".into(),
        parts: dpia(f),
    });
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> PackFacts {
        PackFacts {
            partnership: "Torbay".into(),
            engine: "SQLite".into(),
            retention: Retention {
                keep_free_text_days: 1095,
                draft_days: 30,
                deletion_days: 28,
                idle_minutes: 120,
                absolute_hours: 12,
            },
            two_factor: "required of admins".into(),
            https: false,
            surveys: vec![SurveyFacts {
                slug: "s".into(),
                title: "Our survey".into(),
                wave: "2025".into(),
                audiences: vec!["Young people".into()],
                free_text: true,
                say_or_show: false,
                keep_days: 730,
                invitations: false,
                panels: true,
            }],
            responses: 12,
            staff_accounts: 3,
        }
    }

    #[test]
    fn notices_follow_the_survey_and_the_council_is_marked() {
        let f = facts();
        let text = serde_json::to_string(&pack(&f)).unwrap_or_default();
        assert!(text.contains("2 years"), "the survey's own period, in words");
        assert!(!text.contains("voice recording or a picture instead"), "no say-or-show question");
        assert!(text.contains("group session"));
        assert!(text.contains(COUNCIL));
        assert!(text.contains("Step 7: Sign off and record outcomes"));
        assert!(text.contains("https://"), "not HTTPS yet is said");
        assert_eq!(days_in_words(1095), "3 years");
        assert_eq!(days_in_words(90), "3 months");
        assert_eq!(days_in_words(1), "1 day");
    }
}
