//! An uploaded file waiting to be imported in the browser (`import_drafts`), with the column
//! mapping staff are choosing, and mappings kept for next year (`import_mappings`, per
//! partnership, keyed by the file's headings). Drafts older than a day are deleted when the
//! next one is made. The import itself is `models::import`, the same code the command line
//! runs.

use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::StoreResult;
use crate::db::schema::{import_drafts, import_mappings, survey_series, waves};
use crate::db::{DbConnection, PartnershipId, WaveId, now};
use crate::domain::mapping::Mapping;

/// A file waiting to be imported.
#[derive(Debug, Clone)]
pub struct ImportDraft {
    pub id: String,
    pub wave_id: String,
    pub wave_slug: String,
    pub partnership_id: PartnershipId,
    /// `responses` or `counts`.
    pub kind: String,
    pub file_name: String,
    pub body: Vec<u8>,
    pub mapping: Option<Mapping>,
}

/// Keeps an uploaded file for its import; returns its id.
pub fn create(
    conn: &mut DbConnection,
    wave_id: &WaveId,
    account_id: &str,
    kind: &str,
    file_name: &str,
    body: &[u8],
) -> StoreResult<String> {
    let id = uuid::Uuid::new_v4().to_string();
    let stamp = now();
    conn.write(|tx| -> StoreResult<()> {
        let old = stamp - chrono::TimeDelta::days(1);
        diesel::delete(import_drafts::table.filter(import_drafts::created_at.lt(old))).execute(tx)?;
        diesel::insert_into(import_drafts::table)
            .values((
                import_drafts::id.eq(&id),
                import_drafts::wave_id.eq(wave_id),
                import_drafts::account_id.eq(account_id),
                import_drafts::kind.eq(kind),
                import_drafts::file_name.eq(file_name),
                import_drafts::body.eq(body),
                import_drafts::mapping.eq(None::<String>),
                import_drafts::created_at.eq(stamp),
            ))
            .execute(tx)?;
        Ok(())
    })?;
    Ok(id)
}

/// A waiting file, with its wave and partnership (`None`: gone, or never was).
pub fn get(conn: &mut DbConnection, id: &str) -> StoreResult<Option<ImportDraft>> {
    type Row = (String, String, String, PartnershipId, String, String, Vec<u8>, Option<String>);
    let row: Option<Row> = import_drafts::table
        .inner_join(waves::table.inner_join(survey_series::table))
        .filter(import_drafts::id.eq(id))
        .select((
            import_drafts::id,
            import_drafts::wave_id,
            waves::slug,
            survey_series::partnership_id,
            import_drafts::kind,
            import_drafts::file_name,
            import_drafts::body,
            import_drafts::mapping,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|(id, wave_id, wave_slug, partnership_id, kind, file_name, body, mapping)| ImportDraft {
        id,
        wave_id,
        wave_slug,
        partnership_id,
        kind,
        file_name,
        body,
        mapping: mapping.and_then(|m| serde_json::from_str(&m).ok()),
    }))
}

/// Keeps the mapping chosen so far.
pub fn set_mapping(conn: &mut DbConnection, id: &str, mapping: &Mapping) -> StoreResult<()> {
    let text = serde_json::to_string(mapping).unwrap_or_default();
    conn.write(|tx| -> StoreResult<()> {
        diesel::update(import_drafts::table.filter(import_drafts::id.eq(id)))
            .set(import_drafts::mapping.eq(text))
            .execute(tx)?;
        Ok(())
    })
}

/// Forgets a waiting file (inside the import's transaction, or when it is left).
pub fn delete(conn: &mut DbConnection, id: &str) -> StoreResult<()> {
    diesel::delete(import_drafts::table.filter(import_drafts::id.eq(id))).execute(conn)?;
    Ok(())
}

/// The key a mapping is kept under: the file's headings, in order.
pub fn signature(headings: &[String]) -> String {
    let mut h = Sha256::new();
    for x in headings {
        h.update(x.trim().as_bytes());
        h.update([0u8]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The mapping this partnership last used for a file with these headings.
pub fn saved_mapping(conn: &mut DbConnection, partnership: &PartnershipId, sig: &str) -> StoreResult<Option<Mapping>> {
    let text: Option<String> = import_mappings::table
        .filter(import_mappings::partnership_id.eq(partnership))
        .filter(import_mappings::signature.eq(sig))
        .select(import_mappings::mapping)
        .first(conn)
        .optional()?;
    Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
}

/// Keeps a mapping that imported cleanly for next time (inside the import's transaction).
pub fn save_mapping(
    conn: &mut DbConnection,
    partnership: &PartnershipId,
    sig: &str,
    mapping: &Mapping,
) -> StoreResult<()> {
    let text = serde_json::to_string(mapping).unwrap_or_default();
    diesel::delete(
        import_mappings::table
            .filter(import_mappings::partnership_id.eq(partnership))
            .filter(import_mappings::signature.eq(sig)),
    )
    .execute(conn)?;
    diesel::insert_into(import_mappings::table)
        .values((
            import_mappings::partnership_id.eq(partnership),
            import_mappings::signature.eq(sig),
            import_mappings::mapping.eq(text),
            import_mappings::saved_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}
