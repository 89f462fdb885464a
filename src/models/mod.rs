//! Models: the rows Heard stores and the queries that read and write them, one file per
//! aggregate. Models speak domain types and rows; they never see HTTP or templates.
//! Multi-row writes go through [`crate::db::DbConnection::write`] so they are all or nothing.

pub mod account;
pub mod account_tokens;
pub mod aggregates;
pub mod answer_files;
pub mod audit;
pub mod board;
pub mod branding;
pub mod comparison;
pub mod draft;
pub mod evidence;
pub mod export;
pub mod framework;
pub mod import;
pub mod import_drafts;
pub mod integrity;
pub mod invitations;
pub mod measures;
pub mod media;
pub mod notes;
pub mod panel;
pub mod paper;
pub mod privacy;
pub mod reach;
pub mod response;
pub mod results;
pub mod retention;
pub mod review;
pub mod scales;
pub mod selections;
pub mod services;
pub mod sessions;
pub mod settings;
pub mod sheets;
pub mod sso;
pub mod survey;
pub mod trends;
pub mod two_factor;
pub mod updates;
pub mod voices;

use crate::db::DbError;
use crate::domain::survey::DefinitionErrors;

/// Errors of the storage layer as callers see them.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("{0} was not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(#[from] DefinitionErrors),
    /// A definition Heard stored no longer reads (a change to the format, or the row edited
    /// by hand): the wave cannot be shown until it is fixed.
    #[error("the stored definition of the wave {wave:?} no longer reads")]
    Unreadable {
        wave: String,
        #[source]
        source: DefinitionErrors,
    },
    /// Someone else saved the record since the person's form was made from it: nothing was
    /// saved, and what they typed must be shown back to them.
    #[error("{0}")]
    Stale(String),
    /// An import refused: every problem by row and column, nothing stored.
    #[error("{0}")]
    Rejected(#[from] import::ImportRejected),
    /// A programming error: an audit entry for `0` was asked for outside the transaction of
    /// the change it records (see [`audit`]).
    #[error("the audit entry {0:?} must be written inside the transaction of its change")]
    OutsideTransaction(&'static str),
    /// Kept data that no longer reads (a row edited by hand): `heard verify` names it.
    #[error("stored data no longer reads: {0}")]
    Corrupt(String),
}

impl From<diesel::result::Error> for StoreError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => StoreError::NotFound("the record".into()),
            other => StoreError::Db(DbError::Query(other)),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
