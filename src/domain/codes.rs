//! Identifiers people see or type: slugs and keys in URLs and files, and the short codes a
//! respondent writes down (resume codes and receipt codes).
//!
//! Codes use an alphabet without look-alike characters (no 0/O, 1/I/L). Resume and receipt
//! codes are 12 characters (59 bits: guessing one among half a million responses at a
//! thousand tries a second would take centuries), shown in three groups of four
//! (`K7QM-4PX2-9HTW`), and stored only as keyed hashes ([`CodeKey`]): HMAC-SHA256 under a key
//! kept outside the database, so a copy of the database alone cannot be used to test
//! guesses. Codes of 8 characters handed out before still work (their old unkeyed hashes are
//! checked as well).

use std::fmt;

use rand::Rng;
use sha2::{Digest, Sha256};

/// Letters and digits that cannot be mistaken for one another.
pub const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const CODE_LEN: usize = 12;
/// The length of codes handed out before December 2026, still accepted.
const LEGACY_CODE_LEN: usize = 8;

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
    /// accepted. Returns `None` when it cannot be one of our codes (12 characters, or 8 for
    /// a code handed out before).
    pub fn parse(typed: &str) -> Option<Self> {
        if typed.len() > 64 {
            return None;
        }
        let cleaned: String =
            typed.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect();
        if !matches!(cleaned.len(), CODE_LEN | LEGACY_CODE_LEN) || !cleaned.bytes().all(|b| CODE_ALPHABET.contains(&b))
        {
            return None;
        }
        Some(Self(cleaned))
    }

    /// The code as shown: `K7QM-4PX2-9HTW` (an old code: `K7QM-4PX2`).
    pub fn display(&self) -> String {
        let groups: Vec<&str> = (0..self.0.len()).step_by(4).map(|i| &self.0[i..(i + 4).min(self.0.len())]).collect();
        groups.join("-")
    }

    /// What is stored for a new code: a keyed hash, with a purpose so a resume code can never
    /// act as a receipt.
    pub fn hash(&self, key: &CodeKey, purpose: &str) -> String {
        key.hash(purpose, &self.0)
    }

    /// Every hash this code may be stored under: the keyed one, and for a code from before
    /// keyed hashes (8 characters) the old unkeyed SHA-256 as well.
    pub fn hashes(&self, key: &CodeKey, purpose: &str) -> Vec<String> {
        let mut out = vec![self.hash(key, purpose)];
        if self.0.len() == LEGACY_CODE_LEN {
            out.push(hash_token(&format!("{purpose}:{}", self.0)));
        }
        out
    }

    /// The code's characters, for sealing (see [`CodeKey::seal`]).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The key for hashing codes people keep (resume and receipt codes). Made from a secret that
/// lives outside the database (`HEARD_CODE_KEY`, or a key file beside an SQLite database; see
/// `startup::code_key`).
#[derive(Clone)]
pub struct CodeKey {
    keyed: hmac::Hmac<Sha256>,
}

impl fmt::Debug for CodeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CodeKey(…)")
    }
}

impl CodeKey {
    /// A key from secret bytes (at least 16).
    pub fn new(secret: &[u8]) -> Option<Self> {
        use hmac::Mac;
        if secret.len() < 16 {
            return None;
        }
        hmac::Hmac::<Sha256>::new_from_slice(secret).ok().map(|keyed| Self { keyed })
    }

    fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        use hmac::Mac;
        let mut mac = self.keyed.clone();
        for p in parts {
            mac.update(p);
            mac.update(b"\x1f");
        }
        mac.finalize().into_bytes().into()
    }

    /// The keyed hash of `code` for `purpose`, hex.
    pub fn hash(&self, purpose: &str, code: &str) -> String {
        self.mac(&[b"code", purpose.as_bytes(), code.as_bytes()]).iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Seals a receipt code for keeping with its draft until the browser that sent it comes
    /// back: XOR with a pad made from the key, the browser's draft token (which the database
    /// holds only as a hash) and the draft's id. Neither a copy of the database nor the key
    /// alone can open it.
    pub fn seal(&self, token: &str, draft_id: &str, code: &ShortCode) -> String {
        let pad = self.mac(&[b"seal", token.as_bytes(), draft_id.as_bytes()]);
        let sealed: String = code.0.bytes().zip(pad.iter()).map(|(c, p)| format!("{:02x}", c ^ p)).collect();
        format!("sealed:{sealed}")
    }

    /// Opens a [`CodeKey::seal`]ed receipt code; `None` for the wrong token or anything else.
    pub fn open(&self, token: &str, draft_id: &str, sealed: &str) -> Option<ShortCode> {
        let hex = sealed.strip_prefix("sealed:")?;
        let pad = self.mac(&[b"seal", token.as_bytes(), draft_id.as_bytes()]);
        let bytes: Option<Vec<u8>> = (0..hex.len())
            .step_by(2)
            .zip(pad.iter())
            .map(|(i, p)| hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()).map(|b| b ^ p))
            .collect();
        ShortCode::parse(std::str::from_utf8(&bytes?).ok()?)
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
/// the same alphabet, shown `K7QM-4PX2`. It links, it opens nothing (no draft, no deletion),
/// so it stays short enough to remember. Stored only as a hash
/// ([`crate::models::import::member_hash`]).
pub fn new_member_code() -> String {
    let mut rng = rand::rng();
    let code: String =
        (0..LEGACY_CODE_LEN).map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char).collect();
    format!("{}-{}", &code[..4], &code[4..])
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
        let key = CodeKey::new(b"a test key of enough bytes").unwrap();
        let code = ShortCode::generate();
        let shown = code.display();
        assert_eq!(shown.len(), 14, "three groups of four: {shown}");
        assert_eq!(ShortCode::parse(&shown), Some(code.clone()));
        assert_eq!(ShortCode::parse(&shown.to_lowercase().replace('-', " ")), Some(code.clone()));
        assert_eq!(ShortCode::parse("O0I1L234"), None);
        assert_eq!(ShortCode::parse("K7QM4PX29"), None, "neither 8 nor 12");
        assert_ne!(code.hash(&key, "resume"), code.hash(&key, "receipt"));
        let other = CodeKey::new(b"another key of enough bytes").unwrap();
        assert_ne!(code.hash(&key, "receipt"), code.hash(&other, "receipt"), "keyed");
        assert_ne!(code.hash(&key, "receipt"), hash_token(&format!("receipt:{}", code.as_str())), "not the old hash");
        // An old 8-character code is still found by its old hash.
        let old = ShortCode::parse("K7QM-4PX2").unwrap();
        assert_eq!(old.display(), "K7QM-4PX2");
        assert!(old.hashes(&key, "receipt").contains(&hash_token("receipt:K7QM4PX2")));
        assert_eq!(code.hashes(&key, "receipt").len(), 1);
        assert!(CodeKey::new(b"short").is_none());
    }

    #[test]
    fn sealed_receipts_open_only_with_their_token() {
        let key = CodeKey::new(b"a test key of enough bytes").unwrap();
        let code = ShortCode::generate();
        let sealed = key.seal("browser-token", "draft-1", &code);
        assert!(!sealed.contains(code.as_str()));
        assert_eq!(key.open("browser-token", "draft-1", &sealed), Some(code.clone()));
        assert_eq!(key.open("another-token", "draft-1", &sealed), None);
        assert_eq!(key.open("browser-token", "draft-2", &sealed), None);
        assert_eq!(key.open("browser-token", "draft-1", "K7QM-4PX2"), None);
    }
}
