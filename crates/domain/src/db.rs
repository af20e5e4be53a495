//! Database handles for both engines.
//!
//! SQLite allows one writer at a time. Rather than letting concurrent writers collide and fail
//! with `SQLITE_BUSY`, the embedded default keeps **one writer connection** whose transactions
//! begin `IMMEDIATE` (they take the write lock up front, so a transaction never has to upgrade a
//! read lock half-way) and a **separate read-only pool** that WAL lets read while the writer
//! writes. Waiting writers queue on the single connection; only a wait longer than the busy
//! timeout becomes an error, and that error is [`DomainError::Busy`](crate::DomainError::Busy),
//! never an internal one. PostgreSQL needs none of this: one pool serves both roles.

use std::{path::Path, str::FromStr, sync::Arc, time::Duration};

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
    sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous},
};

use migrations::{Migrator, MigratorTrait};

use crate::DomainError;

/// The two database engines xieshang runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// The embedded default: one SQLite file.
    Sqlite,
    /// PostgreSQL, for scale.
    Postgres,
}

/// Pool sizes and waits; the defaults suit a 2-core server.
#[derive(Clone, Copy, Debug)]
pub struct DbOptions {
    /// Connections in the read pool (SQLite) or in the one pool (PostgreSQL).
    pub readers: u32,
    /// How long a SQLite statement waits for a lock held by another connection or process.
    pub busy_timeout: Duration,
    /// How long a caller waits for a pooled connection before it is told the service is busy.
    pub acquire_timeout: Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            readers: 8,
            busy_timeout: Duration::from_secs(5),
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

/// A connected database: a read handle and a write handle, which are the same pool on
/// PostgreSQL. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    url: String,
    reader: DatabaseConnection,
    writer: DatabaseConnection,
    /// Counts write transactions committed through [`Db::commit`] in this process; the event
    /// feed watches it to read new outbox events at once instead of on its next timer tick.
    commits: tokio::sync::watch::Sender<u64>,
}

/// By hand: the URL may carry the database password, which `Debug` output (logs, panics) must
/// never show.
impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("engine", &self.engine)
            .field("url", &redact_url(&self.url))
            .field("reader", &self.reader)
            .field("writer", &self.writer)
            .finish_non_exhaustive()
    }
}

/// `url` with its password replaced by `***`: the user-info password and any `password` query
/// parameter (PostgreSQL accepts both). For `Debug` output and error messages; a URL that does
/// not parse is not shown at all.
pub fn redact_url(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return "<unparseable URL>".to_owned();
    };
    if parsed.password().is_some() {
        // Only fails for URLs that cannot have user info, which then have no password.
        let _ = parsed.set_password(Some("***"));
    }
    if parsed
        .query_pairs()
        .any(|(key, _)| key.eq_ignore_ascii_case("password"))
    {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(key, value)| {
                let value = if key.eq_ignore_ascii_case("password") {
                    "***".to_owned()
                } else {
                    value.into_owned()
                };
                (key.into_owned(), value)
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.to_string()
}

impl Db {
    /// Connects to `url` (`sqlite://path?mode=rwc` or `postgres://…`).
    pub async fn connect(url: &str, options: DbOptions) -> Result<Self, DomainError> {
        Self::connect_with(url, options, |_| {}).await
    }

    /// Like [`Db::connect`], letting the caller adjust both connections before use (tests
    /// attach a statement counter here).
    pub async fn connect_with(
        url: &str,
        options: DbOptions,
        adjust: impl Fn(&mut DatabaseConnection),
    ) -> Result<Self, DomainError> {
        let engine = engine_of(url)?;
        let (mut reader, mut writer) = match engine {
            Engine::Sqlite => {
                let writer = connect_sqlite(url, 1, false, &options).await?;
                let reader = connect_sqlite(url, options.readers, true, &options).await?;
                (reader, writer)
            }
            Engine::Postgres => {
                let mut connect = ConnectOptions::new(url);
                connect
                    .max_connections(options.readers.max(2))
                    .acquire_timeout(options.acquire_timeout)
                    .sqlx_logging(false);
                let pool = Database::connect(connect).await?;
                (pool.clone(), pool)
            }
        };
        // Statements per request and statement spans (`observe`); tests may replace it with
        // their own log.
        let system = match engine {
            Engine::Postgres => "postgresql",
            Engine::Sqlite => "sqlite",
        };
        reader.set_metric_callback(move |info| crate::observe::statement(system, info));
        writer.set_metric_callback(move |info| crate::observe::statement(system, info));
        adjust(&mut reader);
        if engine == Engine::Sqlite {
            adjust(&mut writer);
        } else {
            writer = reader.clone();
        }
        Ok(Self {
            inner: Arc::new(Inner {
                engine,
                url: url.to_owned(),
                reader,
                writer,
                commits: tokio::sync::watch::Sender::new(0),
            }),
        })
    }

    /// The engine behind this handle.
    pub fn engine(&self) -> Engine {
        self.inner.engine
    }

    /// The URL this handle was opened with.
    pub fn url(&self) -> &str {
        &self.inner.url
    }

    /// The connection for queries that only read.
    pub fn reader(&self) -> &DatabaseConnection {
        &self.inner.reader
    }

    /// The connection that writes; on SQLite its transactions must come from
    /// [`Db::begin_write`].
    pub fn writer(&self) -> &DatabaseConnection {
        &self.inner.writer
    }

    /// Starts a write transaction: `BEGIN IMMEDIATE` on SQLite, a plain `BEGIN` on PostgreSQL.
    pub async fn begin_write(&self) -> Result<DatabaseTransaction, DomainError> {
        let options = TransactionOptions {
            sqlite_transaction_mode: (self.engine() == Engine::Sqlite)
                .then_some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        let waiting = std::time::Instant::now();
        let transaction = self.writer().begin_with_options(options).await?;
        crate::observe::write_waited(self, waiting.elapsed());
        Ok(transaction)
    }

    /// Commits a write transaction and wakes whoever watches [`Db::commits`]. Every write that
    /// may have appended outbox events commits through here. Inside an audit scope (a
    /// mutation, see [`crate::audit`]) the operation's audit row is appended to the transaction
    /// first, so the change and its record commit together or not at all.
    pub async fn commit(&self, transaction: DatabaseTransaction) -> Result<(), DomainError> {
        let scope = crate::audit::commit_hook(&transaction).await?;
        transaction.commit().await?;
        if let Some(scope) = scope {
            scope.mark_recorded();
        }
        self.inner.commits.send_modify(|count| *count += 1);
        Ok(())
    }

    /// A receiver that changes after each [`Db::commit`] in this process (other processes are
    /// heard through PostgreSQL's `NOTIFY`, see `feed`).
    pub fn commits(&self) -> tokio::sync::watch::Receiver<u64> {
        self.inner.commits.subscribe()
    }

    /// Applies every pending schema migration. With none pending it writes nothing, so that a
    /// service role without DDL rights (see README, Audit log) can start on a database the
    /// owner role has migrated.
    pub async fn migrate(&self) -> Result<(), DomainError> {
        if crate::health::pending_migrations(self).await.ok() == Some(0) {
            return Ok(());
        }
        Migrator::up(self.writer(), None).await?;
        Ok(())
    }

    /// Drops every table and migrates again: an empty, current schema.
    pub async fn reset(&self) -> Result<(), DomainError> {
        Migrator::fresh(self.writer()).await?;
        Ok(())
    }

    /// The sea-orm backend, for building engine-specific statements.
    pub fn backend(&self) -> DbBackend {
        self.writer().get_database_backend()
    }

    /// Closes both pools, waiting for connections in use to come back.
    pub async fn close(&self) {
        let _ = self.inner.reader.clone().close().await;
        if self.engine() == Engine::Sqlite {
            let _ = self.inner.writer.clone().close().await;
        }
    }
}

/// The SQLite URL of a database file, created when missing.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

fn engine_of(url: &str) -> Result<Engine, DomainError> {
    if url.starts_with("sqlite:") {
        Ok(Engine::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Engine::Postgres)
    } else {
        Err(DomainError::Config(format!(
            "DATABASE_URL must start with sqlite:, postgres:// or postgresql:// (got {:?})",
            redact_url(url)
        )))
    }
}

async fn connect_sqlite(
    url: &str,
    max_connections: u32,
    read_only: bool,
    db_options: &DbOptions,
) -> Result<DatabaseConnection, DomainError> {
    let busy_timeout = db_options.busy_timeout;
    // Parse here so a bad URL names itself rather than failing inside the pool.
    SqliteConnectOptions::from_str(url)
        .map_err(|error| DomainError::Config(format!("invalid SQLite URL {url:?}: {error}")))?;
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(max_connections)
        .min_connections(if read_only { 0 } else { 1 })
        .acquire_timeout(db_options.acquire_timeout)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(move |opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(busy_timeout)
                .foreign_keys(true)
                .read_only(read_only)
                .create_if_missing(!read_only)
        });
    let connection = Database::connect(options).await?;
    // WAL is a property of the file; make sure the writer set it before readers arrive.
    if !read_only {
        connection
            .execute_unprepared("PRAGMA journal_mode = WAL")
            .await?;
    }
    Ok(connection)
}

impl From<DbErr> for DomainError {
    fn from(error: DbErr) -> Self {
        if is_busy(&error) {
            DomainError::Busy
        } else {
            DomainError::Database(error)
        }
    }
}

/// True when the error means "try again shortly": a pool that had no free connection in time,
/// or a SQLite lock that outlasted the busy timeout.
fn is_busy(error: &DbErr) -> bool {
    match error {
        DbErr::ConnectionAcquire(_) => true,
        other => {
            let text = other.to_string();
            text.contains("database is locked") || text.contains("SQLITE_BUSY")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show_in_redacted_urls() {
        for url in [
            "postgres://xieshang:s3cr3t-pw@db.internal:5432/xieshang",
            "postgresql://xieshang@db.internal/xieshang?sslmode=require&password=s3cr3t-pw",
            "postgres://xieshang:s3cr3t-pw@db.internal/x?PASSWORD=s3cr3t-pw",
        ] {
            let shown = redact_url(url);
            assert!(!shown.contains("s3cr3t-pw"), "{shown}");
            assert!(
                shown.contains("db.internal") && shown.contains("***"),
                "{shown}"
            );
        }
        assert_eq!(
            redact_url("sqlite://./xieshang.db?mode=rwc"),
            "sqlite://./xieshang.db?mode=rwc"
        );
        assert!(!redact_url("garbage s3cr3t-pw").contains("s3cr3t-pw"));
    }

    #[tokio::test]
    async fn a_refused_url_is_named_without_its_password() {
        let error = Db::connect("mysql://root:s3cr3t-pw@db/x", DbOptions::default())
            .await
            .expect_err("mysql is refused");
        let text = error.to_string();
        assert!(
            !text.contains("s3cr3t-pw") && text.contains("***"),
            "{text}"
        );
    }
}
