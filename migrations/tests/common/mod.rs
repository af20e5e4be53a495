//! Fresh databases for the tests: a SQLite file in a temporary directory, and — when
//! `XIESHANG_TEST_PG_URL` names a PostgreSQL server — a database created for the test from
//! `template0` and dropped afterwards, even when the test fails.

#![allow(dead_code)] // each test binary uses a part of this module

use std::{
    future::Future,
    io::Write,
    sync::atomic::{AtomicU32, Ordering},
    time::{SystemTime, UNIX_EPOCH},
};

use sea_orm_migration::sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, DbBackend, QueryResult, Statement, Value,
};

/// The environment variable naming a PostgreSQL server, e.g.
/// `postgres://user@127.0.0.1:5433/postgres`.
pub const PG_URL_VAR: &str = "XIESHANG_TEST_PG_URL";

/// Runs `body` against a fresh SQLite database file.
pub async fn on_sqlite<F, Fut>(body: F)
where
    F: FnOnce(DatabaseConnection) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("xieshang-test.db");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let db = Database::connect(&url).await.expect("open SQLite");
    assert_eq!(db.get_database_backend(), DbBackend::Sqlite);
    body(db.clone()).await;
    db.close().await.expect("close SQLite");
}

/// Runs `body` against a fresh PostgreSQL database on the server named by
/// `XIESHANG_TEST_PG_URL`, or prints a note and returns when the variable is unset.
pub async fn on_postgres<F, Fut>(test: &str, body: F)
where
    F: FnOnce(DatabaseConnection) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Ok(server_url) = std::env::var(PG_URL_VAR) else {
        // Straight to stderr, past the test harness's capture, so the skip is always visible.
        let _ = writeln!(
            std::io::stderr(),
            "note: {PG_URL_VAR} is unset; skipping the PostgreSQL part of `{test}`"
        );
        return;
    };
    let admin = Database::connect(&server_url)
        .await
        .expect("connect to the PostgreSQL server of XIESHANG_TEST_PG_URL");
    let name = unique_database_name(test);
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\" TEMPLATE template0"))
        .await
        .expect("create the test database");

    let db = Database::connect(&with_database(&server_url, &name))
        .await
        .expect("connect to the test database");
    assert_eq!(db.get_database_backend(), DbBackend::Postgres);
    // A panic inside a task comes back as an error, so the database is dropped either way.
    let outcome = tokio::spawn(body(db.clone())).await;
    db.close().await.expect("close the test database");
    admin
        .execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
        .await
        .expect("drop the test database");
    admin.close().await.expect("close the server connection");
    if let Err(error) = outcome {
        match error.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(error) => panic!("PostgreSQL test task failed: {error}"),
        }
    }
}

/// `xieshang_test_<test>_<pid>_<time>_<n>`: unique per run, per process and per call.
fn unique_database_name(test: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let test: String = test
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "xieshang_test_{test}_{}_{}_{n}",
        std::process::id(),
        nanos % 1_000_000_000_000
    )
}

/// `server_url` with its database (the path) replaced by `database`, keeping any query.
fn with_database(server_url: &str, database: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (server_url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let authority_end = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let mut url = format!("{}/{database}", &base[..authority_end]);
    if let Some(query) = query {
        url.push('?');
        url.push_str(query);
    }
    url
}

/// Runs a query whose `?`/`$n` placeholders suit the connection's backend.
pub async fn query(
    db: &DatabaseConnection,
    sql: &str,
    values: impl IntoIterator<Item = Value>,
) -> Vec<QueryResult> {
    db.query_all_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        values,
    ))
    .await
    .unwrap_or_else(|e| panic!("query failed: {e}\n{sql}"))
}

/// Reads column `column` of `row` as a string.
pub fn string(row: &QueryResult, column: &str) -> String {
    row.try_get::<String>("", column)
        .unwrap_or_else(|e| panic!("column {column}: {e}"))
}

/// Every user table (without the engine's own tables), sorted.
pub async fn tables(db: &DatabaseConnection) -> Vec<String> {
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             ORDER BY name"
        }
        _ => {
            "SELECT tablename::text AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY name"
        }
    };
    query(db, sql, [])
        .await
        .iter()
        .map(|row| string(row, "name"))
        .collect()
}

/// Every table of `docs/data-model.md`, sorted.
/// Tables only the SQLite schema has: pruning's allowance (PostgreSQL uses a transaction-local
/// setting instead; see the audit-log migration).
pub const SQLITE_ONLY_TABLES: &[&str] = &["audit_prune_allowance"];

/// The audit log's tables without an entity of their own (written by `domain::audit` in SQL).
pub const AUDIT_HELPER_TABLES: &[&str] = &[
    "audit_chain_head",
    "audit_log_regions",
    "audit_prune_allowance",
    "audit_refusal_counts",
];

pub const EXPECTED_TABLES: &[&str] = &[
    "audit_chain_head",
    "audit_log",
    "audit_log_regions",
    "audit_refusal_counts",
    "consultation_participants",
    "consultation_status_changes",
    "consultations",
    "deliveries",
    "enum_activity_channel",
    "enum_activity_host_status",
    "enum_activity_format",
    "enum_activity_kind",
    "enum_consultation_kind",
    "enum_consultation_status",
    "enum_delivery_status",
    "enum_event_type",
    "enum_gender",
    "enum_lounge_role",
    "enum_lounge_status",
    "enum_member_status",
    "enum_notification_adapter",
    "enum_notification_target_status",
    "enum_online_platform",
    "enum_organizer_kind",
    "enum_participant_role",
    "enum_region_level",
    "enum_sentiment_report_status",
    "enum_slot_request_status",
    "enum_suggestion_grade",
    "enum_suggestion_status",
    "enum_topic_source",
    "event_regions",
    "events",
    "import_jobs",
    "lounge_activities",
    "lounge_activity_hosts",
    "lounge_activity_participants",
    "lounge_memberships",
    "lounges",
    "members",
    "notification_targets",
    "region_closure",
    "regions",
    "revoked_service_tokens",
    "role_assignments",
    "sentiment_report_authors",
    "sentiment_report_source_lounges",
    "sentiment_reports",
    "slot_requests",
    "suggestion_follow_ups",
    "suggestion_status_changes",
    "suggestions",
];

/// The table sea-orm-migration keeps its bookkeeping in.
pub const MIGRATION_TABLE: &str = "seaql_migrations";
