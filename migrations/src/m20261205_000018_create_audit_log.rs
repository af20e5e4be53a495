//! The append-only audit log: one row per mutation (and per refused attempt), chained by
//! SHA-256 hashes (`domain::audit`), and triggers that refuse to change or remove rows.
//!
//! Tables:
//! * `audit_log`: the rows themselves; `hash` = SHA-256 over `prev_hash` and the row's canonical
//!   fields, so a removed or altered row breaks the chain (`xieshang audit verify`);
//! * `audit_log_regions`: the committees each row concerns (the actor's and the targets'), for
//!   scoped reads; as append-only as `audit_log`;
//! * `audit_chain_head`: one row with the newest row's id and hash, updated by each append under
//!   the chain lock, so that removing the newest rows is detected too;
//! * `audit_refusal_counts`: anonymous refused attempts per client address and minute (only the
//!   first of a minute gets an `audit_log` row; later ones are counted here);
//! * `audit_prune_allowance` (SQLite only): one row naming the highest id pruning may remove,
//!   present only inside `domain::audit::prune`'s transaction.
//!
//! The exception for pruning: on PostgreSQL the triggers let a DELETE through only for rows whose
//! id is at most the transaction-local setting `xieshang.audit_prune_through`, which only
//! `domain::audit::prune` sets (`set_config(…, true)`, gone at commit); on SQLite the DELETE
//! trigger's `WHEN` consults `audit_prune_allowance` in the same way. UPDATE (and TRUNCATE on
//! PostgreSQL) are refused always.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// Creates the audit tables and their triggers.
#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES_UP: &[&str] = &[
    "CREATE TABLE audit_log (
        id BIGINT NOT NULL PRIMARY KEY,
        occurred_at TIMESTAMPTZ NOT NULL,
        actor_issuer TEXT NULL,
        actor_subject TEXT NULL,
        actor_role TEXT NULL,
        actor_region TEXT NULL,
        operation TEXT NOT NULL,
        target_ids TEXT NOT NULL,
        region_ids TEXT NOT NULL,
        input_summary TEXT NOT NULL,
        outcome TEXT NOT NULL,
        request_id TEXT NULL,
        client_address TEXT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    )",
    "CREATE INDEX idx_audit_log_occurred_at ON audit_log (occurred_at)",
    "CREATE INDEX idx_audit_log_actor_subject ON audit_log (actor_subject)",
    "CREATE INDEX idx_audit_log_operation ON audit_log (operation)",
    "CREATE TABLE audit_log_regions (
        audit_id BIGINT NOT NULL REFERENCES audit_log (id),
        region_id BIGINT NOT NULL,
        PRIMARY KEY (audit_id, region_id)
    )",
    "CREATE INDEX idx_audit_log_regions_region_id ON audit_log_regions (region_id)",
    "CREATE TABLE audit_chain_head (
        id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
        last_id BIGINT NOT NULL,
        last_hash TEXT NOT NULL
    )",
    "CREATE TABLE audit_refusal_counts (
        client_address TEXT NOT NULL,
        minute TIMESTAMPTZ NOT NULL,
        count BIGINT NOT NULL,
        PRIMARY KEY (client_address, minute)
    )",
    "CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE'
           AND COALESCE(current_setting('xieshang.audit_prune_through', true), '') <> ''
           AND OLD.id <= current_setting('xieshang.audit_prune_through', true)::bigint THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
    END $$",
    "CREATE OR REPLACE FUNCTION audit_log_regions_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE'
           AND COALESCE(current_setting('xieshang.audit_prune_through', true), '') <> ''
           AND OLD.audit_id <= current_setting('xieshang.audit_prune_through', true)::bigint THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit_log_regions is append-only: % refused', TG_OP;
    END $$",
    "CREATE OR REPLACE FUNCTION audit_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '% is append-only: TRUNCATE refused', TG_TABLE_NAME;
    END $$",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate()",
    "CREATE TRIGGER audit_log_regions_append_only BEFORE UPDATE OR DELETE ON audit_log_regions
        FOR EACH ROW EXECUTE FUNCTION audit_log_regions_refuse_change()",
    "CREATE TRIGGER audit_log_regions_no_truncate BEFORE TRUNCATE ON audit_log_regions
        FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate()",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TABLE IF EXISTS audit_refusal_counts",
    "DROP TABLE IF EXISTS audit_chain_head",
    "DROP TABLE IF EXISTS audit_log_regions",
    "DROP TABLE IF EXISTS audit_log",
    "DROP FUNCTION IF EXISTS audit_refuse_truncate()",
    "DROP FUNCTION IF EXISTS audit_log_regions_refuse_change()",
    "DROP FUNCTION IF EXISTS audit_log_refuse_change()",
];

const SQLITE_UP: &[&str] = &[
    "CREATE TABLE audit_log (
        id INTEGER NOT NULL PRIMARY KEY,
        occurred_at timestamp_with_timezone_text NOT NULL,
        actor_issuer TEXT NULL,
        actor_subject TEXT NULL,
        actor_role TEXT NULL,
        actor_region TEXT NULL,
        operation TEXT NOT NULL,
        target_ids TEXT NOT NULL,
        region_ids TEXT NOT NULL,
        input_summary TEXT NOT NULL,
        outcome TEXT NOT NULL,
        request_id TEXT NULL,
        client_address TEXT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    )",
    "CREATE INDEX idx_audit_log_occurred_at ON audit_log (occurred_at)",
    "CREATE INDEX idx_audit_log_actor_subject ON audit_log (actor_subject)",
    "CREATE INDEX idx_audit_log_operation ON audit_log (operation)",
    "CREATE TABLE audit_log_regions (
        audit_id INTEGER NOT NULL REFERENCES audit_log (id),
        region_id INTEGER NOT NULL,
        PRIMARY KEY (audit_id, region_id)
    )",
    "CREATE INDEX idx_audit_log_regions_region_id ON audit_log_regions (region_id)",
    "CREATE TABLE audit_chain_head (
        id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
        last_id INTEGER NOT NULL,
        last_hash TEXT NOT NULL
    )",
    "CREATE TABLE audit_refusal_counts (
        client_address TEXT NOT NULL,
        minute timestamp_with_timezone_text NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (client_address, minute)
    )",
    "CREATE TABLE audit_prune_allowance (
        id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
        through_id INTEGER NOT NULL
    )",
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
     WHEN NOT EXISTS (SELECT 1 FROM audit_prune_allowance WHERE OLD.id <= through_id)
     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END",
    "CREATE TRIGGER audit_log_regions_no_update BEFORE UPDATE ON audit_log_regions
     BEGIN SELECT RAISE(ABORT, 'audit_log_regions is append-only: UPDATE refused'); END",
    "CREATE TRIGGER audit_log_regions_no_delete BEFORE DELETE ON audit_log_regions
     WHEN NOT EXISTS (SELECT 1 FROM audit_prune_allowance WHERE OLD.audit_id <= through_id)
     BEGIN SELECT RAISE(ABORT, 'audit_log_regions is append-only: DELETE refused'); END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TABLE IF EXISTS audit_prune_allowance",
    "DROP TABLE IF EXISTS audit_refusal_counts",
    "DROP TABLE IF EXISTS audit_chain_head",
    "DROP TABLE IF EXISTS audit_log_regions",
    "DROP TABLE IF EXISTS audit_log",
];

async fn run(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    let connection = manager.get_connection();
    for statement in statements {
        connection.execute_unprepared(statement).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Postgres => run(manager, POSTGRES_UP).await,
            _ => run(manager, SQLITE_UP).await,
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Postgres => run(manager, POSTGRES_DOWN).await,
            _ => run(manager, SQLITE_DOWN).await,
        }
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
