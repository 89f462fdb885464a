//! Ids of the rows that cross layers: a wave, a partnership, a response, a staff account and
//! a quote. Each is a text UUID behind its own type, so a wave's id cannot be passed where a
//! partnership's is wanted, and a bare `&str` from a form never reaches a query unchecked.
//!
//! They are stored as `TEXT` on both engines. The types bind and load directly (`ToSql` /
//! `FromSql` over any backend whose `str` and `String` do), so row structs hold them and
//! queries filter on them without conversions.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

macro_rules! text_ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(
            Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = Text)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A new, random id. (No `Default`: an id left out must not quietly become a
            /// fresh one.)
            pub fn random() -> Self {
                Self(uuid::Uuid::new_v4().to_string())
            }

            /// An id as a person sent it (a form field, a file, a command-line argument):
            /// a text UUID in its usual lowercase form, else `None`.
            pub fn parse(text: &str) -> Option<Self> {
                let id = uuid::Uuid::try_parse(text.trim()).ok()?;
                Some(Self(id.hyphenated().to_string()))
            }

            /// An id read back from storage, trusted as it is.
            pub fn from_stored(text: String) -> Self {
                Self(text)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl<DB: Backend> ToSql<Text, DB> for $name
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                <str as ToSql<Text, DB>>::to_sql(self.0.as_str(), out)
            }
        }

        impl<DB: Backend> FromSql<Text, DB> for $name
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                String::from_sql(bytes).map(Self)
            }
        }
    )*};
}

text_ids! {
    /// A wave: one year's (or one round's) run of a survey series.
    WaveId;
    /// A partnership: the local area that owns surveys, frameworks and staff.
    PartnershipId;
    /// One person's sent answers to a wave.
    ResponseId;
    /// A staff account.
    AccountId;
    /// A quote in the quote bank.
    QuoteId;
    /// A saved selection of quotes ("Newsletter, March").
    SelectionId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_only_uuids_and_in_one_form() {
        let id = WaveId::random();
        assert_eq!(WaveId::parse(id.as_str()), Some(id.clone()));
        assert_eq!(WaveId::parse(&id.as_str().to_uppercase()), Some(id.clone()));
        assert_eq!(WaveId::parse(&format!(" {id} ")), Some(id));
        assert_eq!(WaveId::parse("not-an-id"), None);
        assert_eq!(WaveId::parse("1; DROP TABLE waves"), None);
        assert_eq!(WaveId::parse(""), None);
    }

    #[test]
    fn ids_serialise_as_plain_text() {
        let id = QuoteId::from_stored("b7d1f0c2-0d5e-4c43-9a6c-0f1e2d3c4b5a".into());
        assert_eq!(serde_json::to_string(&id).ok().as_deref(), Some("\"b7d1f0c2-0d5e-4c43-9a6c-0f1e2d3c4b5a\""));
    }
}
