//! The words of each email, from handlebars templates under `templates/email/`: a plain-text
//! and an HTML part from the same data, and an easy-read version for audiences marked
//! `easy_read` (young people).

use serde::Serialize;

use crate::domain::SurveyDefinition;
use crate::models::invitations::Letter;
use crate::templates::Templates;

/// How a partnership's emails look: its colour and logo (see [`crate::models::branding`]).
#[derive(Debug, Clone)]
pub struct Look {
    pub colour: String,
    /// Full URL of the logo picture.
    pub logo: Option<String>,
}

impl Look {
    pub fn new(brand: &crate::models::branding::Brand, public_url: &str) -> Self {
        Self {
            colour: brand.colour.clone(),
            logo: brand.logo_id.as_ref().map(|id| format!("{}/media/images/{id}", public_url.trim_end_matches('/'))),
        }
    }
}

impl Default for Look {
    fn default() -> Self {
        Self { colour: BRAND.into(), logo: None }
    }
}

#[derive(Serialize)]
struct InvitationData<'a> {
    subject: String,
    logo: Option<&'a str>,
    reminder: bool,
    first_name: &'a str,
    partnership: &'a str,
    brand: &'a str,
    audience: String,
    survey: String,
    minutes: u32,
    link: &'a str,
    unsubscribe: &'a str,
}

/// Heard's colour for the header band of HTML email, until a partnership sets its own.
pub const BRAND: &str = crate::models::branding::DEFAULT_COLOUR;

/// Subject, text and HTML of an invitation or reminder.
pub fn invitation(
    templates: &Templates,
    def: &SurveyDefinition,
    partnership: &str,
    look: &Look,
    letter: &Letter<'_>,
) -> Result<(String, String, String), String> {
    let easy = def.audience(&letter.contact.audience).is_some_and(|a| a.easy_read);
    let subject = match (easy, letter.reminder) {
        (true, false) => "Tell us about the help you get".to_owned(),
        (true, true) => "A reminder: tell us about the help you get".to_owned(),
        (false, false) => format!("{partnership} would like to hear from you"),
        (false, true) => format!("A reminder: {partnership} would like to hear from you"),
    };
    let data = InvitationData {
        subject: subject.clone(),
        reminder: letter.reminder,
        first_name: &letter.contact.first_name,
        partnership,
        brand: &look.colour,
        logo: look.logo.as_deref(),
        audience: match def.audience(&letter.contact.audience) {
            Some(a) if a.key.as_str().contains("parent") => "parents and carers".to_owned(),
            Some(a) => a.name.to_lowercase(),
            None => "families".to_owned(),
        },
        survey: def.series.title.clone(),
        minutes: def.wave.minutes,
        link: &letter.link,
        unsubscribe: &letter.unsubscribe,
    };
    let name = if easy { "email/invitation_easy" } else { "email/invitation" };
    let text = templates.render(&format!("{name}.txt"), &data).map_err(|e| e.to_string())?;
    let html = templates.render(&format!("{name}.html"), &data).map_err(|e| e.to_string())?;
    Ok((subject, text, html))
}

#[derive(Serialize)]
struct UpdateData<'a> {
    subject: String,
    logo: Option<&'a str>,
    title: &'a str,
    body: &'a str,
    paragraphs: Vec<&'a str>,
    partnership: &'a str,
    brand: &'a str,
    public: &'a str,
}

/// Subject, text and HTML of a "you said, we did" update.
pub fn update(
    templates: &Templates,
    partnership: &str,
    look: &Look,
    public: &str,
    u: &crate::models::updates::Update,
) -> Result<(String, String, String), String> {
    let subject = format!("You said, we did: {}", u.title);
    let data = UpdateData {
        subject: subject.clone(),
        title: &u.title,
        body: &u.body,
        paragraphs: u.body.lines().map(str::trim).filter(|l| !l.is_empty()).collect(),
        partnership,
        brand: &look.colour,
        logo: look.logo.as_deref(),
        public,
    };
    let text = templates.render("email/update.txt", &data).map_err(|e| e.to_string())?;
    let html = templates.render("email/update.html", &data).map_err(|e| e.to_string())?;
    Ok((subject, text, html))
}

#[derive(Serialize)]
struct StaffLinkData<'a> {
    heading: &'a str,
    intro: String,
    button: &'a str,
    link: &'a str,
    lifetime: &'a str,
}

/// Subject, text and HTML of a password reset (`invite = false`) or a new account's
/// invitation to choose a password.
pub fn staff_link(
    templates: &Templates,
    invite: bool,
    partnership: &str,
    link: &str,
) -> Result<(String, String, String), String> {
    let (heading, intro, button, lifetime) = if invite {
        (
            "Your Heard account",
            format!("You have a staff account on Heard for {partnership}. Choose your password to sign in:"),
            "Choose my password",
            "7 days",
        )
    } else {
        (
            "Reset your Heard password",
            "Someone (we hope you) asked to reset your password. Choose a new one here:".to_owned(),
            "Choose a new password",
            "1 hour",
        )
    };
    let data = StaffLinkData { heading, intro, button, link, lifetime };
    let text = templates.render("email/staff_link.txt", &data).map_err(|e| e.to_string())?;
    let html = templates.render("email/staff_link.html", &data).map_err(|e| e.to_string())?;
    Ok((heading.to_owned(), text, html))
}

#[derive(Serialize)]
struct ConfirmData<'a> {
    lang: &'a str,
    dir: &'a str,
    partnership: &'a str,
    heading: &'a str,
    intro: String,
    button: &'a str,
    link: &'a str,
    ignore: &'a str,
}

/// The email that asks someone to confirm they want to hear "you said, we did", in the
/// language they answered in: (subject, text, HTML).
pub fn follow_up_confirm(
    templates: &Templates,
    lang: &str,
    partnership: &str,
    link: &str,
) -> Result<(String, String, String), String> {
    let t = |k: &str| crate::i18n::text(lang, k);
    let data = ConfirmData {
        lang,
        dir: crate::i18n::dir(lang),
        partnership,
        heading: t("confirm_email_heading"),
        intro: crate::i18n::format(lang, "confirm_email_intro", &[&partnership]),
        button: t("confirm_button"),
        link,
        ignore: t("confirm_email_ignore"),
    };
    let text = templates.render("email/follow_up_confirm.txt", &data).map_err(|e| e.to_string())?;
    let html = templates.render("email/follow_up_confirm.html", &data).map_err(|e| e.to_string())?;
    Ok((data.heading.to_owned(), text, html))
}
