//! Storage: one diesel connection type over SQLite and PostgreSQL, its pool, the SQLite
//! pragmas, embedded migrations for both engines, and the one way to run a write
//! transaction (`IMMEDIATE` on SQLite so writers queue at `BEGIN` instead of failing
//! half-way).
//!
//! Nothing here knows about HTTP or templates. Queries live in `crate::models`; this module
//! only hands out connections and runs closures against them off the async workers.

pub mod ids;
pub mod schema;

pub use ids::{AccountId, PartnershipId, QuoteId, ResponseId, SelectionId, WaveId};

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

/// Migrations for each engine. The two folders hold the same version names.
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
/// See [`SQLITE_MIGRATIONS`].
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to whichever engine the deployment uses.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// PostgreSQL, for deployments that outgrow one machine.
    Postgres(diesel::PgConnection),
    /// SQLite, the embedded default.
    Sqlite(diesel::SqliteConnection),
}

/// Runs one query body against the inner connection of whichever engine is in use. For the
/// few statements diesel's multi-backend layer cannot express (batch inserts), the body is
/// compiled once per engine.
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite($c) => $body,
            $crate::db::DbConnection::Postgres($c) => $body,
        }
    };
}

/// Which engine a database URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("the database URL {0:?} is not understood: use sqlite://PATH or postgres://USER@HOST/NAME")]
    BadUrl(String),
    #[error("could not connect to the database: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("no database connection was free: {0}")]
    Pool(#[from] r2d2::PoolError),
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("migrations failed: {0}")]
    Migration(String),
    #[error("the database worker stopped before finishing")]
    Canceled,
}

/// The parsed `DATABASE_URL`.
#[derive(Debug, Clone)]
pub struct DatabaseUrl {
    pub backend: Backend,
    /// What the inner diesel connection is given: a file path for SQLite, the URL itself for
    /// PostgreSQL.
    pub target: String,
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, DbError> {
        let url = url.trim();
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(DbError::BadUrl(url.to_owned()));
            }
            return Ok(Self { backend: Backend::Sqlite, target: path.to_owned() });
        }
        if let Some(path) = url.strip_prefix("sqlite:") {
            if path.is_empty() {
                return Err(DbError::BadUrl(url.to_owned()));
            }
            return Ok(Self { backend: Backend::Sqlite, target: path.to_owned() });
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self { backend: Backend::Postgres, target: url.to_owned() });
        }
        Err(DbError::BadUrl(url.to_owned()))
    }
}

/// The SQLite settings every pooled connection gets. WAL lets readers run beside the one
/// writer; `busy_timeout` makes a second writer wait instead of failing; `synchronous=NORMAL`
/// is durable across application crashes in WAL mode (a power cut can lose only the last
/// transactions, never corrupt the file).
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL;\
     PRAGMA busy_timeout = 10000;\
     PRAGMA foreign_keys = ON;\
     PRAGMA synchronous = NORMAL;";

/// Opens connections of the right kind for the pool, with the pragmas applied.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl ConnectionManager {
    pub fn new(url: DatabaseUrl) -> Self {
        Self { url }
    }
}

/// Opens one connection, outside any pool (CLI commands and tests use this).
pub fn establish(url: &DatabaseUrl) -> Result<DbConnection, DbError> {
    match url.backend {
        Backend::Sqlite => {
            let mut conn = diesel::SqliteConnection::establish(&url.target)?;
            conn.batch_execute(SQLITE_PRAGMAS)?;
            Ok(DbConnection::Sqlite(conn))
        }
        Backend::Postgres => {
            let mut conn = diesel::PgConnection::establish(&url.target)?;
            conn.batch_execute("SET TIME ZONE 'UTC'")?;
            Ok(DbConnection::Postgres(conn))
        }
    }
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = DbError;

    fn connect(&self) -> Result<DbConnection, DbError> {
        establish(&self.url)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), DbError> {
        conn.batch_execute("SELECT 1").map_err(DbError::from)
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

pub type Pool = r2d2::Pool<ConnectionManager>;
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

impl DbConnection {
    pub fn backend(&self) -> Backend {
        match self {
            DbConnection::Sqlite(_) => Backend::Sqlite,
            DbConnection::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs every migration not yet applied.
    pub fn run_migrations(&mut self) -> Result<usize, DbError> {
        let applied = match self {
            DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
            DbConnection::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len()),
        };
        applied.map_err(|e| DbError::Migration(e.to_string()))
    }

    /// Same as [`Self::run_migrations`], named for the CLI.
    pub fn run_pending_migrations_counted(&mut self) -> Result<usize, DbError> {
        self.run_migrations()
    }

    /// Reverts every applied migration (used by `heard migrate --revert-all` and the migration tests).
    pub fn revert_all_migrations(&mut self) -> Result<usize, DbError> {
        let reverted = match self {
            DbConnection::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
            DbConnection::Postgres(c) => c.revert_all_migrations(POSTGRES_MIGRATIONS).map(|v| v.len()),
        };
        reverted.map_err(|e| DbError::Migration(e.to_string()))
    }

    /// Checks the database answers (for the readiness probe).
    pub fn ping(&mut self) -> diesel::QueryResult<()> {
        use diesel::connection::SimpleConnection;
        self.batch_execute("SELECT 1")
    }

    /// Whether a transaction is open on this connection (so a write joins it).
    pub fn in_transaction(&mut self) -> bool {
        let depth = match self {
            DbConnection::Sqlite(c) => AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth(),
            DbConnection::Postgres(c) => AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth(),
        };
        matches!(depth, Ok(Some(_)))
    }

    /// Runs `f` in a write transaction, all or nothing.
    ///
    /// Writes compose: called outside a transaction it opens one (on SQLite `BEGIN
    /// IMMEDIATE`, taking the write lock at `BEGIN`, so two writers never deadlock on an
    /// upgrade from a read lock); called inside one — a route's [`Db::write`] that also
    /// writes the audit row, or another model write — it joins it as a savepoint, so an
    /// error anywhere undoes every part, and the outer commit makes them all durable at once.
    pub fn write<T, E>(&mut self, f: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<diesel::result::Error>,
    {
        if self.in_transaction() {
            // A savepoint inside the caller's transaction.
            <DbConnection as Connection>::TransactionManager::begin_transaction(self)?;
        } else {
            match self {
                DbConnection::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
                DbConnection::Postgres(c) => AnsiTransactionManager::begin_transaction(c)?,
            }
        }
        match f(self) {
            Ok(value) => {
                <DbConnection as Connection>::TransactionManager::commit_transaction(self)?;
                Ok(value)
            }
            Err(error) => {
                // The caller's error is what matters; a failed rollback leaves the
                // connection marked broken and the pool discards it.
                if let Err(e) = <DbConnection as Connection>::TransactionManager::rollback_transaction(self) {
                    tracing::warn!(error = %e, "a rollback failed; the pool will discard this connection");
                }
                Err(error)
            }
        }
    }
}

/// Builds the pool. SQLite gets a small pool (one writer at a time in any case).
pub fn build_pool(url: &DatabaseUrl, max_size: u32) -> Result<Pool, DbError> {
    r2d2::Pool::builder()
        .max_size(max_size)
        // A SQLite connection is a file handle and cannot go stale, so checking each one with
        // a query on every checkout only costs time. PostgreSQL connections can (a server
        // restart), so they are still checked.
        .test_on_check_out(url.backend == Backend::Postgres)
        .connection_timeout(Duration::from_secs(10))
        .build(ConnectionManager::new(url.clone()))
        .map_err(DbError::from)
}

/// The shared handle that request handlers use. Blocking database work runs on actix's
/// blocking thread pool, never on the async workers.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    backend: Backend,
    /// SQLite's one writer at a time, taken by [`Db::quick`].
    write_turn: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl Db {
    pub fn new(pool: Pool, backend: Backend) -> Self {
        Self { pool, backend, write_turn: std::sync::Arc::new(tokio::sync::Mutex::new(())) }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Runs a read (or a self-contained write) off the async workers.
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            let mut conn = pool.get().map_err(DbError::from)?;
            f(&mut conn)
        })
        .await
        .map_err(|_| E::from(DbError::Canceled))?
    }

    /// Runs a short read. On SQLite it runs right here on the async worker: a read of a few
    /// rows from the page cache takes microseconds, less than the hop to a blocking thread and
    /// back (measured: see README "Performance"), and in WAL mode readers never wait for the
    /// writer. On PostgreSQL, where every query is a network round trip, it goes to the
    /// blocking pool like [`Self::run`]. Never use it for writes.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        self.in_place(f).await
    }

    /// On SQLite, `f` right here on the async worker; on PostgreSQL, on the blocking pool.
    /// Shared by [`Self::read`] and [`Self::quick`] (which first takes the write turn).
    async fn in_place<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        match self.backend {
            Backend::Sqlite => {
                let mut conn = self.pool.get().map_err(DbError::from)?;
                f(&mut conn)
            }
            Backend::Postgres => self.run(f).await,
        }
    }

    /// Runs a respondent's small write (save a page's answers, start, send). On SQLite it runs
    /// here on the async worker while holding this process's write turn (an async lock, so
    /// waiting writers yield instead of sleeping in SQLite's busy handler): there is only ever
    /// one SQLite writer, and skipping the hop to a blocking thread and back was the largest
    /// single saving measured (README "Performance"). On PostgreSQL, which takes writers in
    /// parallel, it goes to the blocking pool like [`Self::run`]. `f` manages its own
    /// transaction if it needs one.
    pub async fn quick<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let _turn = match self.backend {
            Backend::Sqlite => Some(self.write_turn.lock().await),
            Backend::Postgres => None,
        };
        self.in_place(f).await
    }

    /// Runs `f` inside a write transaction (see [`DbConnection::write`]).
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + From<diesel::result::Error> + Send + 'static,
    {
        self.run(move |conn| conn.write(f)).await
    }
}

/// Now, in UTC, cut to whole microseconds so both engines store exactly the same value.
pub fn now() -> chrono::NaiveDateTime {
    use chrono::{DurationRound, TimeDelta};
    let now = chrono::Utc::now().naive_utc();
    now.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(now)
}

/// The start of today (00:00 UTC): for columns that must not hold a time that could be
/// matched with another table's (see `models::invitations`).
pub fn today() -> chrono::NaiveDateTime {
    now().date().and_time(chrono::NaiveTime::MIN)
}

/// A new text UUID.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(diesel::QueryableByName)]
    struct CompileOption {
        #[diesel(sql_type = diesel::sql_types::Text)]
        compile_options: String,
    }

    /// `.cargo/config.toml` builds the bundled SQLite with the query-planner stability
    /// guarantee, without which every `.first()` is re-parsed on each run (see that file).
    #[test]
    fn sqlite_is_built_with_the_planner_stability_guarantee() -> Result<(), Box<dyn std::error::Error>> {
        let mut conn = establish(&DatabaseUrl::parse("sqlite://:memory:")?)?;
        let DbConnection::Sqlite(c) = &mut conn else { return Err("not SQLite".into()) };
        let options: Vec<CompileOption> =
            diesel::sql_query("SELECT compile_options FROM pragma_compile_options").load(c)?;
        assert!(
            options.iter().any(|o| o.compile_options == "ENABLE_QPSG"),
            "ENABLE_QPSG missing from {:?}",
            options.iter().map(|o| o.compile_options.as_str()).collect::<Vec<_>>()
        );
        Ok(())
    }
}
