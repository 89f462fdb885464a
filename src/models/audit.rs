//! The audit log: sign-ins, lock-outs, exports (who, when, which filter, how many rows),
//! deletions and setting changes. Entries are only ever added.
//!
//! An entry is written inside the transaction of the change it records, never after it:
//! [`record`] refuses to run outside a transaction, so a route wraps the model call and the
//! entry in one [`crate::db::Db::write`] (model writes join it as savepoints), and a crash or
//! an error between the two can no longer keep the change and lose its entry.

use diesel::prelude::*;
use serde::Serialize;

use super::{StoreError, StoreResult};
use crate::db::schema::audit_log;
use crate::db::{AccountId, DbConnection, PartnershipId, new_id, now};

/// Declares the audited actions once: the enum, the name stored in `audit_log.action`, and
/// the list of all of them (which the failure-injection test walks).
macro_rules! actions {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)*) => {
        /// Every change Heard audits. A new audited change adds a line here, and the
        /// failure-injection test (`tests/it/audit_atomic.rs`) then needs a case for it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action {
            $($(#[$doc])* $variant,)*
        }

        impl Action {
            /// Every action, in declaration order.
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];

            /// The name stored in the audit log (stable: existing rows use it).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)*
                }
            }
        }
    };
}

actions! {
    /// An account was locked after too many wrong passwords.
    AccountLocked => "account.locked",
    /// Someone signed in.
    SignIn => "sign_in",
    /// Someone signed out.
    SignOut => "sign_out",
    /// Someone set up two-factor sign-in.
    TwoFactorEnrolled => "two_factor.enrolled",
    /// Someone turned their two-factor sign-in off (a role that need not use it).
    TwoFactorTurnedOff => "two_factor.turned_off",
    /// An admin reset someone's two-factor sign-in (a lost device).
    TwoFactorReset => "two_factor.reset",
    /// Someone made new recovery codes (the old ones stopped working).
    RecoveryCodesRenewed => "two_factor.recovery_codes_renewed",
    /// A partnership's single sign-on settings were set (never the secret).
    SsoConfigured => "sso.configured",
    /// A single sign-on was refused (why, and the email the provider gave).
    SsoRefused => "sso.refused",
    /// An admin let in an account whose first single sign-on was waiting, with a role.
    UserApproved => "user.approved",
    /// Sessions were ended from the sessions page (one, all of a person's others, or every
    /// session of the partnership).
    SessionsEnded => "sessions.ended",
    /// A response was deleted by staff, with a reason.
    ResponseDeleted => "response.deleted",
    /// A password was set from an emailed link.
    PasswordSetByLink => "password.set_by_link",
    /// A password reset link was sent.
    PasswordResetRequested => "password.reset_requested",
    /// A password reset was refused: too many in an hour.
    PasswordResetRefused => "password.reset_refused",
    /// A wave's responses were downloaded in the browser (wave, format, rows).
    ResponsesDownloaded => "responses.downloaded",
    /// A wave's results were downloaded as a published table (wave, format, filter).
    TablesDownloaded => "tables.downloaded",
    /// The population of each group of a wave was set (who took part).
    PopulationSet => "reach.population_set",
    /// A past wave's responses imported in the browser (the file, the wave).
    ResponsesImported => "responses.imported",
    /// A past wave's published counts imported in the browser.
    CountsImported => "counts.imported",
    /// Quotes were exported (format, filter, rows).
    QuotesExported => "quotes.exported",
    /// A selection of quotes was saved (its name, how many quotes, whether it replaced one).
    SelectionSaved => "quotes.selection_saved",
    /// A saved selection of quotes was deleted (its quotes stay).
    SelectionDeleted => "quotes.selection_deleted",
    /// A panel session was started.
    PanelCreated => "panel.created",
    /// A shared answer was shown on the panel screen.
    PanelRevealed => "panel.revealed",
    /// A shared answer was taken off the panel screen.
    PanelHidden => "panel.hidden",
    /// A panel session was ended.
    PanelEnded => "panel.ended",
    /// A paper form was typed once and held for a second typing.
    PaperHeld => "paper.held",
    /// A paper form was typed in and stored.
    PaperStored => "paper.stored",
    /// A second person checked a paper form's typing.
    PaperChecked => "paper.checked",
    /// Staff set a BRAG rating with a note.
    BragSet => "brag.set",
    /// A rating scale was added or changed (its name and levels).
    ScaleSaved => "scale.saved",
    /// A six-weekly review was started (its date and scale).
    BoardReviewStarted => "board_review.started",
    /// Ratings of a draft six-weekly review were saved (how many changed).
    BoardReviewRated => "board_review.rated",
    /// A six-weekly review was agreed and locked.
    BoardReviewAgreed => "board_review.agreed",
    /// A measure was added to the dashboard.
    MeasureAdded => "measure.added",
    /// A measure was given a value for a period.
    MeasureValueAdded => "measure.value_added",
    /// Measures were imported from a dashboard file.
    MeasuresImported => "measures.imported",
    /// The outcome statements a measure is evidence for were set.
    MeasureTagged => "measure.tagged",
    /// A note of evidence from another source was added.
    NoteAdded => "evidence_note.added",
    /// A service that signed up to the pledge was added, with its feedback survey.
    ServiceAdded => "pledge_service.added",
    /// A theme was added to the codebook.
    ThemeAdded => "theme.added",
    /// A theme was archived.
    ThemeArchived => "theme.archived",
    /// A theme was restored.
    ThemeRestored => "theme.restored",
    /// The names taken out of quotes were changed.
    RedactionNamesChanged => "redaction_names.changed",
    /// Invitations were queued.
    InvitationsSent => "invitations.sent",
    /// Reminders were queued.
    InvitationsReminded => "invitations.reminded",
    /// Failed emails were queued again.
    OutboxRetried => "outbox.retried",
    /// A survey definition was imported.
    SurveyImported => "survey.imported",
    /// A co-design review of a draft wave was started (its audience, whether counts are kept).
    ReviewStarted => "review.started",
    /// A co-design review was ended.
    ReviewEnded => "review.ended",
    /// A survey was started in the builder (its series, first wave and audiences).
    SurveyCreated => "survey.created",
    /// A wave's questions were changed in the builder (what changed).
    SurveyEdited => "survey.edited",
    /// A wave was opened, closed or re-dated.
    WaveStatus => "wave.status",
    /// An admin opened a wave while an easy-read version still had "must fix" advice, and
    /// said why.
    WaveOpenedDespiteAdvice => "wave.opened_despite_advice",
    /// Next year's wave was started from this one.
    WaveStarted => "wave.started",
    /// A read-aloud recording was uploaded.
    RecordingAdded => "recording.added",
    /// A read-aloud recording was deleted.
    RecordingDeleted => "recording.deleted",
    /// A picture was uploaded.
    ImageAdded => "image.added",
    /// A picture was deleted.
    ImageDeleted => "image.deleted",
    /// The partnership's colour or logo changed.
    BrandingSet => "branding.set",
    /// A "You said, we did" update was published.
    UpdatePublished => "update.published",
    /// A priority, value or outcome statement was edited.
    FrameworkChanged => "framework.changed",
    /// A priority, value or outcome statement was added.
    FrameworkAdded => "framework.added",
    /// A staff account was added.
    UserAdded => "user.added",
    /// A staff account was removed.
    UserRemoved => "user.removed",
    /// Staff typed what a recording or picture given as an answer says or shows (its question,
    /// whether the transcript was cleared).
    AnswerTranscribed => "answer.transcribed",
    /// Retention deleted free text past its time.
    FreeTextDeleted => "free text deleted",
}

/// Who did something: a staff account (its id and email), or a named part of Heard itself
/// (`retention`, a CLI command) with no account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub account_id: Option<AccountId>,
    pub name: String,
}

impl Actor {
    /// A signed-in person.
    pub fn account(id: &AccountId, email: &str) -> Self {
        Self { account_id: Some(id.clone()), name: email.to_owned() }
    }

    /// Heard itself, or a command run on the server.
    pub fn system(name: &str) -> Self {
        Self { account_id: None, name: name.to_owned() }
    }
}

/// Adds an entry, inside the caller's transaction (see the module docs). Outside a
/// transaction it writes nothing and fails, so a change can never be kept without its entry.
pub fn record(
    conn: &mut DbConnection,
    actor: &Actor,
    partnership_id: Option<&PartnershipId>,
    action: Action,
    detail: &serde_json::Value,
) -> StoreResult<()> {
    if !conn.in_transaction() {
        return Err(StoreError::OutsideTransaction(action.as_str()));
    }
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::id.eq(new_id()),
            audit_log::at.eq(now()),
            audit_log::account_id.eq(actor.account_id.as_ref()),
            audit_log::actor.eq(&actor.name),
            audit_log::partnership_id.eq(partnership_id),
            audit_log::action.eq(action.as_str()),
            audit_log::detail.eq(detail.to_string()),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, Queryable)]
pub struct Entry {
    pub at: chrono::NaiveDateTime,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

/// The newest entries for a partnership (all partnerships when `None`), newest first.
pub fn recent(conn: &mut DbConnection, partnership_id: Option<&PartnershipId>, limit: i64) -> StoreResult<Vec<Entry>> {
    let mut q = audit_log::table.into_boxed();
    if let Some(p) = partnership_id {
        q = q.filter(audit_log::partnership_id.eq(p.to_owned()));
    }
    Ok(q.order(audit_log::at.desc())
        .limit(limit)
        .select((audit_log::at, audit_log::actor, audit_log::action, audit_log::detail))
        .load(conn)?)
}

/// One page of a partnership's entries (every partnership's when `None`), newest first, and
/// how many there are in all.
#[derive(Debug, Clone)]
pub struct Page {
    pub entries: Vec<Entry>,
    pub total: i64,
}

/// Entries `offset..offset + limit`, newest first.
pub fn page(
    conn: &mut DbConnection,
    partnership_id: Option<&PartnershipId>,
    offset: i64,
    limit: i64,
) -> StoreResult<Page> {
    let scoped = || {
        let mut q = audit_log::table.into_boxed();
        if let Some(p) = partnership_id {
            q = q.filter(audit_log::partnership_id.eq(p.to_owned()));
        }
        q
    };
    let total = scoped().count().get_result(conn)?;
    let entries = scoped()
        .order((audit_log::at.desc(), audit_log::id.desc()))
        .offset(offset)
        .limit(limit)
        .select((audit_log::at, audit_log::actor, audit_log::action, audit_log::detail))
        .load(conn)?;
    Ok(Page { entries, total })
}
