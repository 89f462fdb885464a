//! `heard backup` and `heard restore` for the SQLite engine.
//!
//! A backup is SQLite's `VACUUM INTO`: a consistent copy of the database as of one moment,
//! taken while the service keeps running and answering (readers and the writer carry on; the
//! copy sees one committed state). It is a plain SQLite file, compact, with nothing from the
//! write-ahead log left out.
//!
//! A restore needs the service stopped: it checks that no other process has the database
//! open (it must get SQLite's exclusive lock at once), checks the backup (`integrity_check`,
//! and that it is a Heard database), keeps the current database beside it as
//! `NAME.before-restore-STAMP` (so nothing is lost by restoring the wrong file), puts the
//! backup in place and brings its schema up to date.
//!
//! PostgreSQL has its own tools for this, which Heard does not wrap: `pg_dump` and
//! `pg_restore` (see the README).

use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::db::{Backend, DatabaseUrl};

/// What went wrong, said so the person at the terminal can act.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "this deployment uses PostgreSQL: back it up with pg_dump (pg_dump --format=custom --file=heard.dump \"$DATABASE_URL\") and restore with pg_restore (pg_restore --clean --if-exists --dbname=\"$DATABASE_URL\" heard.dump)"
    )]
    Postgres,
    #[error("{0} already exists: choose a new file name so no earlier backup is overwritten")]
    Exists(String),
    #[error("{0} does not exist")]
    Missing(String),
    #[error(
        "the database is in use by another process (is `heard serve` running?): stop the service first, then restore"
    )]
    InUse,
    #[error("{path} is not a usable Heard backup: {why}")]
    NotABackup { path: String, why: String },
    #[error("could not {what}: {source}")]
    Io { what: String, source: std::io::Error },
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> BackupError {
    let what = what.into();
    move |source| BackupError::Io { what, source }
}

fn sql_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Writes a consistent copy of the live SQLite database to `to` (which must not exist).
/// Returns the copy's size in bytes.
pub fn backup(url: &DatabaseUrl, to: &Path) -> Result<u64, BackupError> {
    if url.backend == Backend::Postgres {
        return Err(BackupError::Postgres);
    }
    if to.exists() {
        return Err(BackupError::Exists(to.display().to_string()));
    }
    let mut conn = crate::db::establish(url)?;
    let target = to.to_str().ok_or_else(|| BackupError::Exists(format!("{} (not UTF-8)", to.display())))?;
    conn.batch_execute(&format!("VACUUM INTO {}", sql_string(target))).map_err(crate::db::DbError::from)?;
    Ok(std::fs::metadata(to).map_err(io(format!("read {}", to.display())))?.len())
}

/// Checks that `path` is a sound Heard SQLite database.
fn check_backup(path: &Path) -> Result<(), BackupError> {
    #[derive(QueryableByName)]
    struct Line {
        #[diesel(sql_type = diesel::sql_types::Text)]
        line: String,
    }
    let bad = |why: String| BackupError::NotABackup { path: path.display().to_string(), why };
    let text = path.to_str().ok_or_else(|| bad("its name is not UTF-8".into()))?;
    let mut c = diesel::SqliteConnection::establish(&format!("file:{text}?mode=ro"))
        .map_err(|e| bad(format!("it does not open as SQLite ({e})")))?;
    let check: Vec<Line> = diesel::sql_query("SELECT integrity_check AS line FROM pragma_integrity_check")
        .load(&mut c)
        .map_err(|e| bad(format!("it is not a SQLite database ({e})")))?;
    if check.iter().any(|l| l.line != "ok") {
        return Err(bad(format!("its integrity check failed: {}", check.first().map_or("", |l| l.line.as_str()))));
    }
    let tables: Vec<Line> = diesel::sql_query(
        "SELECT name AS line FROM sqlite_master WHERE type = 'table' AND name IN ('__diesel_schema_migrations', 'waves', 'responses')",
    )
    .load(&mut c)
    .map_err(|e| bad(e.to_string()))?;
    if tables.len() != 3 {
        return Err(bad("it has no Heard tables".into()));
    }
    Ok(())
}

/// Replaces the (stopped) SQLite database with the backup at `from`. Returns where the
/// previous database was kept.
pub fn restore(url: &DatabaseUrl, from: &Path) -> Result<PathBuf, BackupError> {
    if url.backend == Backend::Postgres {
        return Err(BackupError::Postgres);
    }
    if !from.exists() {
        return Err(BackupError::Missing(from.display().to_string()));
    }
    check_backup(from)?;
    let live = PathBuf::from(&url.target);
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let kept = PathBuf::from(format!("{}.before-restore-{stamp}", live.display()));
    if live.exists() {
        // Nobody else may have it open: take the exclusive lock at once or give up.
        let mut c = diesel::SqliteConnection::establish(&url.target).map_err(crate::db::DbError::from)?;
        c.batch_execute("PRAGMA busy_timeout = 0; PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT;")
            .map_err(|_| BackupError::InUse)?;
        // Keep what was there: a consistent copy, WAL included.
        let kept_text = kept.to_str().ok_or_else(|| BackupError::Exists(kept.display().to_string()))?;
        c.batch_execute(&format!("VACUUM INTO {}", sql_string(kept_text))).map_err(crate::db::DbError::from)?;
        drop(c);
    }
    let staging = PathBuf::from(format!("{}.restoring", live.display()));
    std::fs::copy(from, &staging).map_err(io(format!("copy {} beside the database", from.display())))?;
    for side in ["-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{side}", live.display()));
        if p.exists() {
            std::fs::remove_file(&p).map_err(io(format!("remove {}", p.display())))?;
        }
    }
    std::fs::rename(&staging, &live).map_err(io(format!("put the backup in place at {}", live.display())))?;
    let mut conn = crate::db::establish(url)?;
    conn.run_migrations()?;
    Ok(kept)
}
