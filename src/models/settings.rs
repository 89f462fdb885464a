//! Instance-wide settings kept in the database, so that several Heard processes sharing one
//! database agree on them (the secret that signs form tokens, above all).

use diesel::prelude::*;

use super::StoreResult;
use crate::db::DbConnection;
use crate::db::schema::instance_settings;

/// Returns the instance secret, creating it on first use. Safe when several processes start
/// at once: the insert ignores a conflict and everyone reads back the one stored value.
pub fn instance_secret(conn: &mut DbConnection) -> StoreResult<String> {
    let candidate = crate::domain::codes::random_token();
    conn.write(|c| -> StoreResult<String> {
        let existing: Option<String> = instance_settings::table
            .filter(instance_settings::name.eq("form_secret"))
            .select(instance_settings::value)
            .first(c)
            .optional()?;
        if let Some(v) = existing {
            return Ok(v);
        }
        diesel::insert_into(instance_settings::table)
            .values((instance_settings::name.eq("form_secret"), instance_settings::value.eq(&candidate)))
            .execute(c)?;
        Ok(candidate.clone())
    })
}
