//! The data map: every table Heard stores, whether it holds personal data, what it holds,
//! why, who can see it (by role) and how long it is kept. It is the first part of the
//! data-protection pack an information-governance officer asks for (issue 20): the admin
//! page `/staff/privacy` shows it with the retention schedule filled from the running
//! settings. A test fails when a table is added to the schema without an entry here, or an
//! entry names a table that is not there, so the map cannot drift from the database.
//!
//! Where the data lives: in the one database the deployment names (`DATABASE_URL`: an
//! SQLite file on the server, or a PostgreSQL database), and in its backups.

/// Whether a table holds personal data, in the UK GDPR's sense.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Personal {
    /// Nothing about a person.
    No,
    /// About staff: names, email addresses, what they did.
    Staff,
    /// About respondents, without their names: answers linked to each other by a random id,
    /// never to a name or an address (pseudonymous).
    Respondent,
    /// About respondents, and may hold special category data (health, disability) in their
    /// own words, voice or pictures.
    RespondentWords,
    /// Contact details of the public (email addresses).
    Contact,
    /// Names of people other than staff (typed by staff so quotes can hide them).
    Names,
}

impl Personal {
    pub fn words(self) -> &'static str {
        match self {
            Personal::No => "No",
            Personal::Staff => "Yes: staff",
            Personal::Respondent => "Yes: respondents, pseudonymous",
            Personal::RespondentWords => "Yes: respondents' own words; may be special category (health, disability)",
            Personal::Contact => "Yes: contact details",
            Personal::Names => "Yes: names of people (to hide them)",
        }
    }
}

/// How long rows are kept: a rule whose figure comes from the running settings where it has
/// one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    /// As long as the partnership uses Heard (deleted with it).
    WithPartnership,
    /// As long as the response, wave or account it belongs to.
    WithOwner,
    /// Free text, recordings, pictures and typed paper copies: each wave's own period, else the
    /// deployment's default (`keep_free_text_days`).
    FreeTextDays,
    /// An unsent response in progress: `draft_days` after it was last saved.
    DraftDays,
    /// Signed-in sessions: the idle and absolute time-outs.
    Session,
    /// A fixed number of days (set in the code).
    Days(i64),
    /// A fixed number of minutes (set in the code).
    Minutes(i64),
    /// Until an admin removes it.
    UntilRemoved,
    /// Not deleted automatically: the partnership must decide (marked for the council).
    NotAutomatic,
}

/// The settings a retention rule's figure comes from.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    pub keep_free_text_days: i64,
    pub draft_days: i64,
    pub deletion_days: i64,
    pub idle_minutes: i64,
    pub absolute_hours: i64,
}

impl Kept {
    /// The rule in words, with its figure.
    pub fn words(self, r: &Retention) -> String {
        match self {
            Kept::WithPartnership => "As long as the partnership uses Heard.".into(),
            Kept::WithOwner => "As long as what it belongs to (its response, wave or account).".into(),
            Kept::FreeTextDays => format!(
                "Each wave's own period for written answers, else {} days after sending; then deleted (choices and counts stay).",
                r.keep_free_text_days
            ),
            Kept::DraftDays => format!("{} days after it was last saved, unless sent.", r.draft_days),
            Kept::Session => format!(
                "Until signing out (or being signed out by an admin), {} minutes without use, or {} hours after signing in.",
                r.idle_minutes, r.absolute_hours
            ),
            Kept::Days(d) => format!("{d} days, then deleted."),
            Kept::Minutes(m) => format!("{m} minutes, then deleted."),
            Kept::UntilRemoved => "Until an admin removes it.".into(),
            Kept::NotAutomatic => {
                "Not deleted automatically: the partnership must set a period. [Council to decide]".into()
            }
        }
    }
}

/// How long a sign-in half done (the password right, the code still to come) lasts. The
/// rule lives here so the data map and the pack say what the code does.
pub const SIGN_IN_STEP_MINUTES: i64 = 10;
/// How long a single sign-on may take at the organisation's provider.
pub const SSO_FLOW_MINUTES: i64 = 10;

/// One table's entry.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub table: &'static str,
    pub personal: Personal,
    pub holds: &'static str,
    pub why: &'static str,
    pub who: &'static str,
    pub kept: Kept,
}

const ALL_STAFF: &str = "Every staff role of the partnership";
const READERS: &str = "Admins, analysts and viewers of the partnership";
const ANALYSTS: &str = "Admins and analysts of the partnership";
const ADMINS: &str = "Admins of the partnership";
const NOBODY: &str = "Nobody through Heard's pages (the service uses it)";

use Kept::*;
use Personal::*;

/// Every table, in the order of the schema's areas.
pub const MAP: &[Entry] = &[
    // The partnership and its framework.
    e(
        "partnerships",
        No,
        "Each partnership's name and address slug.",
        "To keep each partnership's work apart.",
        ALL_STAFF,
        WithPartnership,
    ),
    e(
        "priorities",
        No,
        "The strategy's priorities.",
        "To tag questions and evidence to the strategy.",
        ALL_STAFF,
        WithPartnership,
    ),
    e(
        "pledge_values",
        No,
        "The pledge's or charter's values.",
        "To ask services about each promise.",
        ALL_STAFF,
        WithPartnership,
    ),
    e(
        "outcome_statements",
        No,
        "What children, young people and families will see, by priority.",
        "To rate progress on each.",
        ALL_STAFF,
        WithPartnership,
    ),
    e(
        "branding",
        No,
        "Logo, colours and words for the partnership's pages.",
        "To show the partnership's own look.",
        ADMINS,
        WithPartnership,
    ),
    e("instance_settings", No, "Settings of this installation.", "To run the service.", "Superadmins", WithPartnership),
    // Staff.
    e(
        "accounts",
        Staff,
        "Staff email addresses, a hash of their password (never the password), role, failed sign-ins, and the key of their authenticator app for two-factor sign-in (stored as given to the app, so that codes can be checked; never shown again after enrolment).",
        "To let staff sign in and limit what each role sees.",
        ADMINS,
        UntilRemoved,
    ),
    e(
        "account_tokens",
        Staff,
        "A hash of each invitation or password-reset link, the account and when it expires.",
        "To let a person choose their own password.",
        NOBODY,
        Days(7),
    ),
    e(
        "staff_sessions",
        Staff,
        "Which account is signed in, a hash of the session cookie, when it started and was last used, a short browser name (such as \"Chrome on Windows\") and a device name the person may give.",
        "To keep a signed-in person signed in, and no longer; to let each person see and end their own sessions.",
        "The person themselves (their own sessions); admins can end every session of the partnership",
        Session,
    ),
    e(
        "recovery_codes",
        Staff,
        "A hash of each of an account's ten single-use recovery codes for two-factor sign-in, and when each was used.",
        "To let a person sign in when they have lost the device with their authenticator app.",
        NOBODY,
        WithOwner,
    ),
    e(
        "sign_in_steps",
        Staff,
        "A sign-in half done (the password was right, the code is still to come): the account, a hash of the step's cookie, and a short browser name.",
        "To ask for the second factor without opening a session first, and to stop guessing of codes.",
        NOBODY,
        Minutes(SIGN_IN_STEP_MINUTES),
    ),
    e(
        "sso_configs",
        No,
        "Each partnership's single sign-on settings: the provider's address, the client id and secret (never shown again), allowed email domains and how people get a role.",
        "To let staff sign in with their organisation's own account.",
        ADMINS,
        WithPartnership,
    ),
    e(
        "sso_flows",
        No,
        "A sign-in sent to the organisation's provider and not yet back: hashes of its state and of the browser's cookie, and the values that prove the answer belongs to it.",
        "To accept only the answer to a sign-in this browser started, once.",
        NOBODY,
        Minutes(SSO_FLOW_MINUTES),
    ),
    e(
        "removed_accounts",
        Staff,
        "The email addresses of staff an admin removed, and when.",
        "So that single sign-on does not let a removed person back in on its own.",
        ADMINS,
        UntilRemoved,
    ),
    e(
        "audit_log",
        Staff,
        "Who did what and when: each change, export and download, with the staff member's email.",
        "Accountability: to show who saw or changed what.",
        "Admins of the partnership",
        NotAutomatic,
    ),
    // Surveys.
    e(
        "survey_series",
        No,
        "Each survey and its title.",
        "To follow a survey year on year.",
        ALL_STAFF,
        WithPartnership,
    ),
    e(
        "waves",
        No,
        "Each year's wave: its definition, status, dates and retention period.",
        "To run each survey year.",
        ALL_STAFF,
        WithPartnership,
    ),
    e(
        "questions",
        No,
        "Each wave's questions by key and type.",
        "To count answers per question.",
        ALL_STAFF,
        WithPartnership,
    ),
    e(
        "question_options",
        No,
        "Each question's answers with their polarity and score.",
        "To count and compare answers.",
        ALL_STAFF,
        WithPartnership,
    ),
    e(
        "question_tags",
        No,
        "Each question's priorities, values and outcome statements.",
        "To gather evidence by the strategy.",
        ALL_STAFF,
        WithPartnership,
    ),
    e(
        "responses",
        Respondent,
        "Each sent response: audience, channel, day sent, consent to be quoted, a hash of its receipt code, a hash of a panel member's code, and a copy of its chosen options and numbers (its answer sheet, which downloads read; never its written words).",
        "To count what people said, let them delete it by their receipt code, and follow panel members across years without knowing who they are.",
        ANALYSTS,
        WithPartnership,
    ),
    e(
        "answers",
        RespondentWords,
        "Each answer: the option chosen, a number, or the person's own words.",
        "The survey's purpose: to hear and count what children, young people and families say.",
        "Admins and analysts (words); viewers see only counts",
        FreeTextDays,
    ),
    e(
        "drafts",
        RespondentWords,
        "Answers of a response not yet sent, and a hash of its resume code.",
        "To let a person stop and carry on later.",
        NOBODY,
        DraftDays,
    ),
    e(
        "answer_files",
        RespondentWords,
        "Recordings and pictures given as answers, and their transcripts.",
        "To hear people who say or show rather than write.",
        ANALYSTS,
        FreeTextDays,
    ),
    e(
        "paper_entries",
        RespondentWords,
        "Paper forms as typed in, to check the typing.",
        "To include people who answer on paper.",
        ANALYSTS,
        FreeTextDays,
    ),
    e(
        "imported_counts",
        No,
        "Published counts of past years.",
        "To compare with years before Heard.",
        READERS,
        WithPartnership,
    ),
    e(
        "import_drafts",
        Respondent,
        "An uploaded file of past responses, until it is imported or abandoned.",
        "To check a file before anything is stored.",
        ANALYSTS,
        Days(1),
    ),
    e(
        "import_mappings",
        No,
        "How a file's columns map to question keys.",
        "To import next year's file the same way.",
        ANALYSTS,
        WithPartnership,
    ),
    e(
        "wave_populations",
        No,
        "How many children are in each group (from the council's own figures).",
        "To show who took part against who could have.",
        READERS,
        WithPartnership,
    ),
    // Counts kept at write time.
    e(
        "answer_counts",
        No,
        "Answers per option, per audience.",
        "To show results without reading every answer.",
        READERS,
        WithOwner,
    ),
    e(
        "index_counts",
        No,
        "Respondents by positive and valid answers per priority and value.",
        "To compare indices without reading every answer.",
        READERS,
        WithOwner,
    ),
    e(
        "response_counts",
        No,
        "Responses per audience.",
        "To show results without reading every answer.",
        READERS,
        WithOwner,
    ),
    e(
        "question_counts",
        No,
        "People who answered or wrote, per question.",
        "To show results without reading every answer.",
        READERS,
        WithOwner,
    ),
    e(
        "number_counts",
        No,
        "Each number given and how often.",
        "Medians and quartiles without reading every answer.",
        READERS,
        WithOwner,
    ),
    e(
        "slice_counts",
        No,
        "The same counts by channel, day and single-choice answer.",
        "Filtered results without reading every answer.",
        READERS,
        WithOwner,
    ),
    e(
        "index_slices",
        No,
        "Respondents by positive and valid answers per priority and value, by channel, day and single-choice answer.",
        "Filtered comparisons and trends without reading every answer.",
        READERS,
        WithOwner,
    ),
    // Voices.
    e("themes", No, "The codebook: themes and their keywords.", "To code what people wrote.", READERS, WithPartnership),
    e("codings", Respondent, "Which themes each written answer was coded to.", "To count themes.", ANALYSTS, WithOwner),
    e(
        "quotes",
        RespondentWords,
        "Redacted words of answers whose writers agreed to be quoted, and who approved them.",
        "To quote people in reports, with consent.",
        READERS,
        WithOwner,
    ),
    e(
        "quote_selections",
        Staff,
        "Saved selections of quotes, with who saved them.",
        "To build reports.",
        READERS,
        UntilRemoved,
    ),
    e("quote_selection_items", No, "The quotes in each selection.", "To build reports.", READERS, WithOwner),
    e(
        "redaction_names",
        Names,
        "Names of people and places to hide in quotes (typed by staff).",
        "To redact quotes.",
        ANALYSTS,
        UntilRemoved,
    ),
    e(
        "brag_overrides",
        Staff,
        "A rating staff set for a priority, their note and who set it.",
        "To record staff judgement beside the suggestion.",
        READERS,
        WithPartnership,
    ),
    e(
        "recordings",
        No,
        "Questions read aloud (recorded by staff).",
        "So people can listen to questions.",
        ALL_STAFF,
        WithPartnership,
    ),
    e(
        "images",
        No,
        "The partnership's own pictures for questions and answers.",
        "Easy read.",
        ALL_STAFF,
        WithPartnership,
    ),
    // Panels and co-design.
    e(
        "panel_sessions",
        No,
        "Young people's panel sessions: their join code and state.",
        "To run panel sessions.",
        "Admins, analysts and facilitators",
        WithOwner,
    ),
    e(
        "panel_reveals",
        No,
        "Which questions' tallies were shown in a session.",
        "To run panel sessions.",
        "Admins, analysts and facilitators",
        WithOwner,
    ),
    e(
        "reviews",
        No,
        "Co-design reviews of a draft wave: their join code.",
        "To test a survey's words with young people before it opens.",
        ANALYSTS,
        WithOwner,
    ),
    e(
        "review_feedback",
        Respondent,
        "What each reviewer said about each question, without their name.",
        "To improve the words.",
        ANALYSTS,
        WithOwner,
    ),
    e(
        "review_counts",
        No,
        "Co-design feedback kept as counts once the wave opens.",
        "To show the words were tested.",
        ANALYSTS,
        WithOwner,
    ),
    // Email.
    e(
        "contacts",
        Contact,
        "Invitation email addresses and first names, hashes of their links, whether they answered (never which response).",
        "To invite people and remind them once or twice.",
        ANALYSTS,
        NotAutomatic,
    ),
    e(
        "outbox",
        Contact,
        "Emails to send or sent: the address, subject and text.",
        "To send each email exactly once.",
        "Admins (the Email outbox page)",
        NotAutomatic,
    ),
    e(
        "follow_ups",
        Contact,
        "Addresses of people who asked to hear what happened, until they are told.",
        "To tell them (\"you said, we did\").",
        NOBODY,
        Days(365),
    ),
    e(
        "updates",
        Staff,
        "Published \"you said, we did\" updates, with who published them.",
        "To tell families what happened to what they said.",
        "Everyone (public page)",
        WithPartnership,
    ),
    e(
        "update_links",
        No,
        "What each update answers and serves.",
        "The decision log.",
        "Everyone (public page)",
        WithOwner,
    ),
    // The six-weekly review.
    e("rating_scales", No, "The partnership's rating scales.", "To rate outcome statements.", READERS, WithPartnership),
    e(
        "rating_levels",
        No,
        "Each scale's levels, meanings and colours.",
        "To rate outcome statements.",
        READERS,
        WithPartnership,
    ),
    e(
        "board_reviews",
        Staff,
        "Each six-weekly review: its date, and who agreed it.",
        "The board's record.",
        READERS,
        WithPartnership,
    ),
    e(
        "review_ratings",
        Staff,
        "Each outcome statement's rating and evidence note, and who rated it.",
        "The board's record.",
        READERS,
        WithPartnership,
    ),
    e(
        "measures",
        No,
        "The dashboard's measures, targets and frequency.",
        "Evidence for the board.",
        READERS,
        WithPartnership,
    ),
    e("measure_values", No, "Each measure's values by period.", "Evidence for the board.", READERS, WithPartnership),
    e(
        "measure_outcomes",
        No,
        "Which outcome statements a measure is evidence for.",
        "Evidence for the board.",
        READERS,
        WithPartnership,
    ),
    e(
        "evidence_notes",
        Staff,
        "Notes from forums, roadshows and other sources, with who wrote them.",
        "Evidence for the board.",
        READERS,
        WithPartnership,
    ),
    e(
        "note_outcomes",
        No,
        "Which outcome statements a note is evidence for.",
        "Evidence for the board.",
        READERS,
        WithPartnership,
    ),
    e("pledge_services", No, "The services signed up to the pledge.", "The pledge check.", READERS, WithPartnership),
];

const fn e(
    table: &'static str,
    personal: Personal,
    holds: &'static str,
    why: &'static str,
    who: &'static str,
    kept: Kept,
) -> Entry {
    Entry { table, personal, holds, why, who, kept }
}

/// The entry for `table`.
pub fn entry(table: &str) -> Option<&'static Entry> {
    MAP.iter().find(|e| e.table == table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_table_once_and_every_rule_in_words() {
        let mut names: Vec<&str> = MAP.iter().map(|e| e.table).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before, "a table is in the map twice");
        let r = Retention {
            keep_free_text_days: 1095,
            draft_days: 30,
            deletion_days: 28,
            idle_minutes: 120,
            absolute_hours: 12,
        };
        assert!(Kept::FreeTextDays.words(&r).contains("1095 days"));
        assert!(MAP.iter().all(|e| !e.holds.is_empty() && !e.why.is_empty() && !e.who.is_empty()));
        assert_eq!(entry("answers").map(|e| e.personal), Some(Personal::RespondentWords));
    }
}
