//! Test databases for both engines, used by every crate's tests (not by the service).
//!
//! Every crate lists this one under `[dev-dependencies]` only, never as a normal dependency
//! (`tests/architecture.rs` checks it), so `tempfile` and the fixtures stay out of production
//! builds. It depends on `domain`, so `domain`'s own unit tests (`#[cfg(test)]` inside the
//! crate) cannot use it: they would see a second, incompatible `domain`; tests that need a
//! database live in `crates/domain/tests/` instead.
//!
//! Each test gets its own database, created from a template that is migrated (and, for
//! [`Template::Demo`], seeded) once: on SQLite a template file copied per test, on PostgreSQL
//! `CREATE DATABASE … TEMPLATE …`. The engine comes from `XIESHANG_TEST_ENGINE`
//! (`sqlite`, the default, or `postgres`, which needs `XIESHANG_TEST_PG_URL`, a server URL such
//! as `postgres://xieshang@127.0.0.1:5433/postgres`). Template names carry the newest
//! migration's name and [`seed::DEMO_VERSION`], so a changed schema never meets a stale
//! template.

use std::{
    path::PathBuf,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

use domain::{
    Actor, Db, DomainError, Engine, Role, auth,
    db::{DbOptions, sqlite_url},
    regions,
    write::consultations::Propose,
};
use entity::enums::{ConsultationKind, TopicSource};
use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use seed::{DivisionSet, NoProgress};

/// What a fresh test database starts with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Template {
    /// No tables at all (for migration tests).
    Empty,
    /// Every migration applied, no rows besides the enum lookup tables.
    Migrated,
    /// Migrated, with the Zhejiang divisions and the demo data set.
    Demo,
}

/// SQL statements seen by a connection, for tests that assert statement counts.
#[derive(Clone, Debug, Default)]
pub struct StatementLog {
    statements: Arc<Mutex<Vec<String>>>,
}

impl StatementLog {
    /// Statements recorded so far.
    pub fn len(&self) -> usize {
        self.statements.lock().map(|log| log.len()).unwrap_or(0)
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets what was recorded.
    pub fn clear(&self) {
        if let Ok(mut log) = self.statements.lock() {
            log.clear();
        }
    }

    /// A copy of the recorded SQL texts.
    pub fn statements(&self) -> Vec<String> {
        self.statements
            .lock()
            .map(|log| log.clone())
            .unwrap_or_default()
    }

    fn attach(&self, connection: &mut DatabaseConnection) {
        let statements = Arc::clone(&self.statements);
        connection.set_metric_callback(move |info| {
            if let Ok(mut log) = statements.lock() {
                log.push(info.statement.sql.clone());
            }
        });
    }
}

/// A database of its own for one test.
pub struct TestDb {
    /// The handle under test.
    pub db: Db,
    /// Every statement the handle executed.
    pub log: StatementLog,
    /// The URL, for code that opens its own connection (e.g. the server under test).
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A new database from `template` on the engine chosen by the environment.
    pub async fn new(template: Template) -> Result<Self, DomainError> {
        let (url, dir) = match engine_from_env()? {
            Engine::Sqlite => {
                let dir = tempfile::tempdir().map_err(io_error)?;
                let path = dir.path().join("test.db");
                if template != Template::Empty {
                    let source = sqlite_template(template).await?;
                    std::fs::copy(&source, &path).map_err(io_error)?;
                }
                (sqlite_url(&path), Some(dir))
            }
            Engine::Postgres => (postgres_database(template).await?, None),
        };
        let log = StatementLog::default();
        let db = Db::connect_with(&url, DbOptions::default(), |connection| {
            log.attach(connection)
        })
        .await?;
        Ok(Self {
            db,
            log,
            url,
            _dir: dir,
        })
    }
}

/// The caller a token for `role` at the committee `code` describes, resolved through
/// [`auth::principal`] so tests act with the same scope the service would give. The subject is
/// `{role}-{code}` in lower case (e.g. `county_staff-330212`), which is what changes record.
pub async fn actor(
    db: &Db,
    role: Role,
    code: &str,
    member_id: Option<i64>,
) -> Result<Actor, DomainError> {
    let subject = format!("{}-{code}", role.as_str().to_lowercase());
    let principal = auth::principal(db, &subject, role, code, member_id).await?;
    Ok(Actor::Authenticated(principal))
}

/// A caller of `role` at the committee `code` who is not a member (staff or an integrator).
pub async fn staff(db: &Db, role: Role, code: &str) -> Result<Actor, DomainError> {
    actor(db, role, code, None).await
}

/// The id of the committee `code`, for fixtures that write rows directly.
pub async fn region_id(db: &Db, code: &str) -> Result<i64, DomainError> {
    regions::by_code(db, code)
        .await?
        .map(|region| region.id)
        .ok_or_else(|| DomainError::NotFound(format!("region {code}")))
}

/// A main consultation proposed by the committee `code` on a party-and-government topic, the
/// usual starting point of tests that need a consultation or its events.
pub fn proposal(code: &str) -> Propose {
    Propose {
        region_code: code.to_owned(),
        title: "乡村公交如何通到家门口".to_owned(),
        topic: "偏远村庄的公交线路".to_owned(),
        topic_source: TopicSource::PartyGovernment,
        kind: ConsultationKind::Main,
        organizer_kind: None,
        organizer_name: None,
    }
}

/// The engine the test run targets.
pub fn engine_from_env() -> Result<Engine, DomainError> {
    match std::env::var("XIESHANG_TEST_ENGINE").as_deref() {
        Err(_) | Ok("") | Ok("sqlite") => Ok(Engine::Sqlite),
        Ok("postgres") => Ok(Engine::Postgres),
        Ok(other) => Err(DomainError::Config(format!(
            "XIESHANG_TEST_ENGINE must be sqlite or postgres, not {other:?}"
        ))),
    }
}

fn template_key(template: Template) -> String {
    let newest = Migrator::migrations()
        .last()
        .map(|migration| migration.name().to_owned())
        .unwrap_or_default();
    let digest = newest
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
    let kind = match template {
        Template::Empty => "empty",
        Template::Migrated => "migrated",
        Template::Demo => "demo",
    };
    format!("xt_{kind}_{digest:016x}_v{}", seed::DEMO_VERSION)
}

async fn fill(db: &Db, template: Template) -> Result<(), DomainError> {
    if template == Template::Empty {
        return Ok(());
    }
    db.migrate().await?;
    if template == Template::Demo {
        seed::load_divisions(db, DivisionSet::Zhejiang, &mut NoProgress).await?;
        seed::load_demo(db, &mut NoProgress).await?;
    }
    Ok(())
}

/// The template file for `template`, built on first use. Concurrent builders each write a file
/// of their own and rename it into place, so a reader never sees a half-built template.
async fn sqlite_template(template: Template) -> Result<PathBuf, DomainError> {
    let dir = std::env::temp_dir().join("xieshang-test-templates");
    std::fs::create_dir_all(&dir).map_err(io_error)?;
    let path = dir.join(format!("{}.db", template_key(template)));
    if path.exists() {
        return Ok(path);
    }
    let building = dir.join(format!("{}.{}.building", template_key(template), unique()));
    {
        let db = Db::connect(&sqlite_url(&building), DbOptions::default()).await?;
        fill(&db, template).await?;
        db.writer()
            .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await?;
        db.close().await;
    }
    std::fs::rename(&building, &path).map_err(io_error)?;
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", building.display()));
    }
    Ok(path)
}

/// A fresh database on the PostgreSQL server, copied from the template (built on first use).
async fn postgres_database(template: Template) -> Result<String, DomainError> {
    let server = std::env::var("XIESHANG_TEST_PG_URL").map_err(|_| {
        DomainError::Config("XIESHANG_TEST_ENGINE=postgres needs XIESHANG_TEST_PG_URL".into())
    })?;
    let admin = Database::connect(server.as_str()).await?;
    let name = format!("t_{}", unique());
    let source = if template == Template::Empty {
        "template0".to_owned()
    } else {
        let key = template_key(template);
        ensure_pg_template(&admin, &server, &key, template).await?;
        key
    };
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name} TEMPLATE {source}"))
        .await?;
    let _ = admin.close().await;
    Ok(database_url(&server, &name))
}

async fn ensure_pg_template(
    admin: &DatabaseConnection,
    server: &str,
    key: &str,
    template: Template,
) -> Result<(), DomainError> {
    let exists = |admin: &DatabaseConnection| {
        let sql = format!("SELECT 1 FROM pg_database WHERE datname = '{key}'");
        let admin = admin.clone();
        async move {
            Ok::<_, DomainError>(
                admin
                    .query_one_raw(sql_statement(&admin, &sql))
                    .await?
                    .is_some(),
            )
        }
    };
    if exists(admin).await? {
        return Ok(());
    }
    let building = format!("{key}_b{}", unique());
    admin
        .execute_unprepared(&format!("CREATE DATABASE {building} TEMPLATE template0"))
        .await?;
    let db = Db::connect(&database_url(server, &building), DbOptions::default()).await?;
    fill(&db, template).await?;
    db.close().await;
    let renamed = admin
        .execute_unprepared(&format!("ALTER DATABASE {building} RENAME TO {key}"))
        .await;
    if renamed.is_err() {
        // Another test built it first; keep theirs.
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {building}"))
            .await?;
        if !exists(admin).await? {
            renamed?;
        }
    }
    Ok(())
}

fn sql_statement(connection: &DatabaseConnection, sql: &str) -> sea_orm::Statement {
    sea_orm::Statement::from_string(connection.get_database_backend(), sql.to_owned())
}

/// Replaces the database name (the last path segment) of a PostgreSQL URL.
fn database_url(server: &str, database: &str) -> String {
    let (base, query) = match server.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (server, None),
    };
    let base = match base.rfind('/') {
        Some(slash) if slash > "postgres://".len() => &base[..slash],
        _ => base,
    };
    match query {
        Some(query) => format!("{base}/{database}?{query}"),
        None => format!("{base}/{database}"),
    }
}

/// A name part unique across the processes and threads of a test run.
fn unique() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

fn io_error(error: std::io::Error) -> DomainError {
    DomainError::Config(format!("test database set-up: {error}"))
}

#[cfg(test)]
mod tests {
    use super::database_url;

    #[test]
    fn replaces_the_database_of_a_server_url() {
        assert_eq!(
            database_url("postgres://u@127.0.0.1:5433/postgres", "t_1"),
            "postgres://u@127.0.0.1:5433/t_1"
        );
        assert_eq!(
            database_url(
                "postgres://u@127.0.0.1:5433/postgres?sslmode=disable",
                "t_1"
            ),
            "postgres://u@127.0.0.1:5433/t_1?sslmode=disable"
        );
    }
}
