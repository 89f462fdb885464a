//! Domain types that can only be built valid ("parse, don't validate"): slugs and keys,
//! user text counted in grapheme clusters, receipt and resume codes, survey and framework
//! definitions, and answers checked against their question.
//!
//! Nothing here touches the database or HTTP.

pub mod answer;
pub mod browser;
pub mod codes;
pub mod datamap;
pub mod dpia;
pub mod easyread;
pub mod filter;
pub mod framework;
pub mod mapping;
pub mod media;
pub mod panel;
pub mod pledge;
pub mod redact;
pub mod review;
pub mod survey;
pub mod text;

pub use answer::{AnswerError, AnswerValue, Answers};
pub use codes::{Slug, SlugError};
pub use survey::{Audience, Question, QuestionKind, SurveyDefinition};
pub use text::{TextError, UserText};
