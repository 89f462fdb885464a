//! A partnership's branding for email: a colour for the header band (checked dark enough for
//! white text, WCAG 4.5:1) and optionally one of its pictures as a logo.

use diesel::prelude::*;
use serde::Serialize;

use super::{StoreError, StoreResult};
use crate::db::schema::{branding, images};
use crate::db::{DbConnection, PartnershipId, now};

/// Heard's own colour, used until a partnership sets one.
pub const DEFAULT_COLOUR: &str = "#1f3b57";

/// What emails need: the colour and the logo picture's id (if any).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Brand {
    pub colour: String,
    pub logo_image: Option<String>,
    pub logo_id: Option<String>,
}

impl Default for Brand {
    fn default() -> Self {
        Self { colour: DEFAULT_COLOUR.into(), logo_image: None, logo_id: None }
    }
}

fn channel(hex: &str) -> Option<f64> {
    let v = f64::from(u8::from_str_radix(hex, 16).ok()?) / 255.0;
    Some(if v <= 0.03928 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) })
}

/// Contrast of white text on `#rrggbb`, or `None` when it is not such a colour.
pub fn contrast_with_white(colour: &str) -> Option<f64> {
    let hex = colour.strip_prefix('#')?;
    if hex.len() != 6 {
        return None;
    }
    let l = 0.2126 * channel(&hex[0..2])? + 0.7152 * channel(&hex[2..4])? + 0.0722 * channel(&hex[4..6])?;
    Some(1.05 / (l + 0.05))
}

pub fn get(conn: &mut DbConnection, partnership_id: &PartnershipId) -> StoreResult<Brand> {
    let row: Option<(String, Option<String>)> = branding::table
        .filter(branding::partnership_id.eq(partnership_id))
        .select((branding::colour, branding::logo_image))
        .first(conn)
        .optional()?;
    let Some((colour, logo_image)) = row else { return Ok(Brand::default()) };
    let logo_id = match &logo_image {
        Some(name) => images::table
            .filter(images::partnership_id.eq(partnership_id))
            .filter(images::name.eq(name))
            .select(images::id)
            .first(conn)
            .optional()?,
        None => None,
    };
    Ok(Brand { colour, logo_image, logo_id })
}

/// Sets the colour (and logo, by picture name; empty for none). Refuses a colour white text
/// cannot be read on, and a picture the partnership does not have.
pub fn set(
    conn: &mut DbConnection,
    partnership_id: &PartnershipId,
    colour: &str,
    logo: Option<&str>,
) -> StoreResult<()> {
    let colour = colour.trim().to_lowercase();
    match contrast_with_white(&colour) {
        None => return Err(StoreError::Conflict("Give the colour as # and six hex digits, like #1f3b57.".into())),
        Some(c) if c < 4.5 => {
            return Err(StoreError::Conflict(format!(
                "White words on {colour} would be hard to read (contrast {c:.1}:1; at least 4.5:1 is needed). Choose a darker colour."
            )));
        }
        Some(_) => {}
    }
    let logo = logo.map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned);
    if let Some(name) = &logo {
        let found: i64 = images::table
            .filter(images::partnership_id.eq(partnership_id))
            .filter(images::name.eq(name))
            .count()
            .get_result(conn)?;
        if found == 0 {
            return Err(StoreError::Conflict(format!("There is no picture called {name:?}: upload it first.")));
        }
    }
    conn.write(|c| -> StoreResult<()> {
        diesel::delete(branding::table.filter(branding::partnership_id.eq(partnership_id))).execute(c)?;
        diesel::insert_into(branding::table)
            .values((
                branding::partnership_id.eq(partnership_id),
                branding::colour.eq(&colour),
                branding::logo_image.eq(&logo),
                branding::updated_at.eq(now()),
            ))
            .execute(c)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_must_carry_white_text() {
        assert!(contrast_with_white("#1f3b57").is_some_and(|c| c > 10.0));
        assert!(contrast_with_white("#ffdd00").is_some_and(|c| c < 2.0));
        assert!(contrast_with_white("#00703c").is_some_and(|c| c >= 4.5));
        assert_eq!(contrast_with_white("blue"), None);
        assert_eq!(contrast_with_white("#12345"), None);
    }
}
