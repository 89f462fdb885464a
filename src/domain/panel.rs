//! A panel session's settings as staff ask for them, checked once, for the workspace form and
//! `heard panel start` alike.

use unicode_segmentation::UnicodeSegmentation;

use super::SurveyDefinition;

/// The longest session title, in grapheme clusters.
pub const TITLE_GRAPHEMES: usize = 120;

/// Checked settings for a new panel session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSettings {
    /// The title shown to staff ("Panel session" when none was given).
    pub title: String,
    /// How long the session stays open, 5 to 1440 minutes.
    pub minutes: i64,
    /// Minutes without use before a shared tablet goes back to the start, 1 to 30.
    pub idle_minutes: i32,
}

impl SessionSettings {
    /// Checks what was typed. The error is a sentence for the person who typed it.
    pub fn parse(
        audience: &str,
        def: &SurveyDefinition,
        title: &str,
        minutes: &str,
        idle: &str,
        kiosk: bool,
        pin: Option<&str>,
    ) -> Result<Self, String> {
        if def.audience(audience).is_none() {
            let keys: Vec<&str> = def.audiences.iter().map(|a| a.key.as_str()).collect();
            return Err(format!("{audience:?} is not one of this survey's audiences ({}).", keys.join(", ")));
        }
        let title = title.trim();
        let title = if title.is_empty() {
            "Panel session".to_owned()
        } else {
            title.graphemes(true).take(TITLE_GRAPHEMES).collect()
        };
        let minutes: i64 =
            minutes.trim().parse().ok().filter(|m| (5..=1440).contains(m)).ok_or(
                "Give how long the session stays open in minutes, from 5 to 1440 (a day), like 90.".to_owned(),
            )?;
        let idle_minutes: i32 = idle.trim().parse().ok().filter(|m| (1..=30).contains(m)).ok_or(
            "Give the minutes without use before a shared tablet goes back to the start, from 1 to 30.".to_owned(),
        )?;
        if kiosk {
            let pin = pin.unwrap_or("").trim();
            if pin.len() < 4 || pin.len() > 8 || !pin.bytes().all(|b| b.is_ascii_digit()) {
                return Err(
                    "A shared tablet needs a PIN of 4 to 8 digits, so only facilitators can leave kiosk mode.".into()
                );
            }
        }
        Ok(SessionSettings { title, minutes, idle_minutes })
    }
}
