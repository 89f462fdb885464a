//! Identifiers people see or type: slugs and keys in URLs and files, and the short codes a
//! respondent writes down (resume codes and receipt codes).
//!
//! Codes use an alphabet without look-alike characters (no 0/O, 1/I/L), are shown in two
//! groups of four (`K7QM-4PX2`), and are stored only as SHA-256 hashes.

use std::fmt;

use rand::Rng;
use sha2::{Digest, Sha256};

/// Letters and digits that cannot be mistaken for one another.
pub const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const CODE_LEN: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    #[error("{what} must not be empty")]
    Empty { what: &'static str },
    #[error("{what} {value:?} is too long: use at most 64 characters")]
    TooLong { what: &'static str, value: String },
    #[error(
        "{what} {value:?} can only use lower-case letters a-z, digits and single hyphens, and must start with a letter or digit (for example \"young-people\")"
    )]
    Invalid { what: &'static str, value: String },
}

/// A URL-safe name: lower-case ASCII letters, digits and single hyphens.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Slug(String);

impl Slug {
    /// Parses `value`, naming it `what` in the error.
    pub fn parse(value: &str, what: &'static str) -> Result<Self, SlugError> {
        if value.is_empty() {
            return Err(SlugError::Empty { what });
        }
        if value.len() > 64 {
            return Err(SlugError::TooLong { what, value: value.into() });
        }
        let bytes = value.as_bytes();
        let ok_chars = bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-');
        let ok_ends = bytes[0] != b'-' && bytes[bytes.len() - 1] != b'-';
        if !ok_chars || !ok_ends || value.contains("--") {
            return Err(SlugError::Invalid { what, value: value.into() });
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A short code to write down: a resume code or a receipt code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShortCode(String);

impl ShortCode {
    /// A fresh random code.
    pub fn generate() -> Self {
        let mut rng = rand::rng();
        let code: String =
            (0..CODE_LEN).map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char).collect();
        Self(code)
    }

    /// Reads a code as a person typed it: spaces and hyphens are ignored and lower case is
    /// accepted. Returns `None` when it cannot be one of our codes.
    pub fn parse(typed: &str) -> Option<Self> {
        let cleaned: String =
            typed.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect();
        if cleaned.len() != CODE_LEN || !cleaned.bytes().all(|b| CODE_ALPHABET.contains(&b)) {
            return None;
        }
        Some(Self(cleaned))
    }

    /// The code as shown: `K7QM-4PX2`.
    pub fn display(&self) -> String {
        format!("{}-{}", &self.0[..4], &self.0[4..])
    }

    /// What is stored: a hash, with a purpose prefix so a resume code can never act as a
    /// receipt.
    pub fn hash(&self, purpose: &str) -> String {
        hash_token(&format!("{purpose}:{}", self.0))
    }
}

/// A panel session's join code: 6 characters from the same look-alike-free alphabet, shown
/// as `K7Q-M4P` and typed however the person likes (case, spaces and hyphens are forgiven).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinCode(String);

impl JoinCode {
    pub const LEN: usize = 6;

    pub fn generate() -> Self {
        let mut rng = rand::rng();
        Self((0..Self::LEN).map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char).collect())
    }

    /// Reads a typed code; `None` when it cannot be a join code.
    pub fn parse(typed: &str) -> Option<Self> {
        let cleaned: String =
            typed.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect();
        (cleaned.len() == Self::LEN && cleaned.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(Self(cleaned))
    }

    /// As stored and in links: `K7QM4P`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// As shown: `K7Q-M4P`.
    pub fn display(&self) -> String {
        format!("{}-{}", &self.0[..3], &self.0[3..])
    }
}

/// A member code a young person keeps to link their answers across years: 8 characters from
/// the same alphabet, like a receipt code. Stored only as a hash
/// ([`crate::models::import::member_hash`]).
pub fn new_member_code() -> String {
    ShortCode::generate().display()
}

/// SHA-256, hex.
pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A random URL-safe token of 32 bytes (for cookies).
pub fn random_token() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(Slug::parse("torbay-participation-2025", "wave").is_ok());
        for bad in ["", "Torbay", "a--b", "-a", "a-", "a b", "ä", "a_b"] {
            assert!(Slug::parse(bad, "wave").is_err(), "{bad}");
        }
    }

    #[test]
    fn join_codes_have_no_look_alikes() {
        for _ in 0..200 {
            let c = JoinCode::generate();
            assert!(!c.as_str().contains(['0', 'O', '1', 'I', 'L']), "{c:?}");
            assert_eq!(JoinCode::parse(&c.display().to_lowercase()), Some(c.clone()));
        }
        assert_eq!(JoinCode::parse("k7q m4p").map(|c| c.display()), Some("K7Q-M4P".into()));
        for bad in ["", "K7QM4", "K7QM4PX", "K7QM4O", "K7QM41", "K7QM4L", "K7QM4I"] {
            assert_eq!(JoinCode::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn codes_round_trip_and_forgive_typing() {
        let code = ShortCode::generate();
        let shown = code.display();
        assert_eq!(ShortCode::parse(&shown), Some(code.clone()));
        assert_eq!(ShortCode::parse(&shown.to_lowercase().replace('-', " ")), Some(code.clone()));
        assert_eq!(ShortCode::parse("O0I1L234"), None);
        assert_ne!(code.hash("resume"), code.hash("receipt"));
    }
}
