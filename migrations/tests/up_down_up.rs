//! All migrations up, down and up again, on SQLite and (with `XIESHANG_TEST_PG_URL`) on
//! PostgreSQL, checking the tables, foreign keys and indexes of `docs/data-model.md`.

mod common;

use std::collections::BTreeSet;

use common::{
    EXPECTED_TABLES, MIGRATION_TABLE, SQLITE_ONLY_TABLES, on_postgres, on_sqlite, query, string,
    tables,
};
use migrations::Migrator;
use sea_orm_migration::{
    MigratorTrait,
    sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, QueryResult},
    sea_query::{Expr, Query},
};

/// Every foreign key: (table, column, referenced table, referenced column).
const EXPECTED_FOREIGN_KEYS: &[(&str, &str, &str, &str)] = &[
    ("regions", "level", "enum_region_level", "value"),
    ("regions", "parent_id", "regions", "id"),
    ("region_closure", "ancestor_id", "regions", "id"),
    ("region_closure", "descendant_id", "regions", "id"),
    ("members", "region_id", "regions", "id"),
    ("members", "gender", "enum_gender", "value"),
    ("members", "status", "enum_member_status", "value"),
    ("lounges", "region_id", "regions", "id"),
    ("lounges", "status", "enum_lounge_status", "value"),
    ("lounge_memberships", "lounge_id", "lounges", "id"),
    ("lounge_memberships", "member_id", "members", "id"),
    ("lounge_memberships", "role", "enum_lounge_role", "value"),
    ("lounge_activities", "kind", "enum_activity_kind", "value"),
    (
        "lounge_activities",
        "format",
        "enum_activity_format",
        "value",
    ),
    (
        "lounge_activities",
        "channel",
        "enum_activity_channel",
        "value",
    ),
    (
        "lounge_activities",
        "platform",
        "enum_online_platform",
        "value",
    ),
    (
        "lounge_activity_hosts",
        "activity_id",
        "lounge_activities",
        "id",
    ),
    ("lounge_activity_hosts", "lounge_id", "lounges", "id"),
    (
        "lounge_activity_participants",
        "activity_id",
        "lounge_activities",
        "id",
    ),
    ("lounge_activity_participants", "member_id", "members", "id"),
    ("consultations", "region_id", "regions", "id"),
    (
        "consultations",
        "topic_source",
        "enum_topic_source",
        "value",
    ),
    ("consultations", "kind", "enum_consultation_kind", "value"),
    (
        "consultations",
        "status",
        "enum_consultation_status",
        "value",
    ),
    (
        "consultations",
        "organizer_kind",
        "enum_organizer_kind",
        "value",
    ),
    ("consultations", "lounge_id", "lounges", "id"),
    (
        "consultation_participants",
        "consultation_id",
        "consultations",
        "id",
    ),
    (
        "consultation_participants",
        "role",
        "enum_participant_role",
        "value",
    ),
    ("consultation_participants", "member_id", "members", "id"),
    (
        "consultation_status_changes",
        "consultation_id",
        "consultations",
        "id",
    ),
    (
        "consultation_status_changes",
        "from_status",
        "enum_consultation_status",
        "value",
    ),
    (
        "consultation_status_changes",
        "to_status",
        "enum_consultation_status",
        "value",
    ),
    ("suggestions", "consultation_id", "consultations", "id"),
    ("suggestions", "proposer_member_id", "members", "id"),
    ("suggestions", "status", "enum_suggestion_status", "value"),
    ("suggestions", "grade", "enum_suggestion_grade", "value"),
    (
        "suggestion_status_changes",
        "suggestion_id",
        "suggestions",
        "id",
    ),
    (
        "suggestion_status_changes",
        "from_status",
        "enum_suggestion_status",
        "value",
    ),
    (
        "suggestion_status_changes",
        "to_status",
        "enum_suggestion_status",
        "value",
    ),
    (
        "suggestion_follow_ups",
        "suggestion_id",
        "suggestions",
        "id",
    ),
    ("slot_requests", "region_id", "regions", "id"),
    (
        "slot_requests",
        "status",
        "enum_slot_request_status",
        "value",
    ),
    ("slot_requests", "consultation_id", "consultations", "id"),
    ("sentiment_reports", "region_id", "regions", "id"),
    (
        "sentiment_reports",
        "status",
        "enum_sentiment_report_status",
        "value",
    ),
    (
        "sentiment_report_source_lounges",
        "report_id",
        "sentiment_reports",
        "id",
    ),
    (
        "sentiment_report_source_lounges",
        "lounge_id",
        "lounges",
        "id",
    ),
    (
        "sentiment_report_authors",
        "report_id",
        "sentiment_reports",
        "id",
    ),
    ("sentiment_report_authors", "member_id", "members", "id"),
    ("events", "type", "enum_event_type", "value"),
    ("event_regions", "event_sequence", "events", "sequence"),
    ("event_regions", "region_id", "regions", "id"),
    (
        "notification_targets",
        "adapter",
        "enum_notification_adapter",
        "value",
    ),
    ("notification_targets", "region_id", "regions", "id"),
    (
        "notification_targets",
        "status",
        "enum_notification_target_status",
        "value",
    ),
    ("deliveries", "target_id", "notification_targets", "id"),
    ("deliveries", "event_sequence", "events", "sequence"),
    ("deliveries", "status", "enum_delivery_status", "value"),
    (
        "lounge_activity_hosts",
        "status",
        "enum_activity_host_status",
        "value",
    ),
    (
        "consultation_status_changes",
        "actor_region_id",
        "regions",
        "id",
    ),
    ("role_assignments", "region_id", "regions", "id"),
    ("audit_log_regions", "audit_id", "audit_log", "id"),
    ("role_assignments", "member_id", "members", "id"),
];

/// Every named index: (table, index, unique). Primary keys come on top.
const EXPECTED_INDEXES: &[(&str, &str, bool)] = &[
    ("regions", "idx_regions_code", true),
    ("regions", "idx_regions_level", false),
    ("regions", "idx_regions_parent_id", false),
    ("region_closure", "idx_region_closure_descendant_id", false),
    ("members", "idx_members_region_id", false),
    ("members", "idx_members_region_id_member_number", true),
    ("members", "idx_members_gender", false),
    ("members", "idx_members_status", false),
    ("lounges", "idx_lounges_region_id", false),
    (
        "lounge_activities",
        "idx_lounge_activities_region_id_record_number",
        true,
    ),
    (
        "consultations",
        "idx_consultations_region_id_record_number",
        true,
    ),
    ("lounges", "idx_lounges_status", false),
    (
        "lounge_memberships",
        "idx_lounge_memberships_lounge_id",
        false,
    ),
    (
        "lounge_memberships",
        "idx_lounge_memberships_member_id",
        false,
    ),
    ("lounge_memberships", "idx_lounge_memberships_role", false),
    ("lounge_activities", "idx_lounge_activities_kind", false),
    ("lounge_activities", "idx_lounge_activities_format", false),
    ("lounge_activities", "idx_lounge_activities_channel", false),
    ("lounge_activities", "idx_lounge_activities_platform", false),
    (
        "lounge_activities",
        "idx_lounge_activities_starts_at",
        false,
    ),
    (
        "lounge_activity_hosts",
        "idx_lounge_activity_hosts_lounge_id",
        false,
    ),
    (
        "lounge_activity_participants",
        "idx_lounge_activity_participants_member_id",
        false,
    ),
    ("consultations", "idx_consultations_region_id", false),
    ("consultations", "idx_consultations_topic_source", false),
    ("consultations", "idx_consultations_kind", false),
    ("consultations", "idx_consultations_status", false),
    ("consultations", "idx_consultations_organizer_kind", false),
    ("consultations", "idx_consultations_lounge_id", false),
    ("consultations", "idx_consultations_held_at", false),
    (
        "consultations",
        "idx_consultations_region_id_held_at",
        false,
    ),
    (
        "consultation_participants",
        "idx_consultation_participants_consultation_id",
        false,
    ),
    (
        "consultation_participants",
        "idx_consultation_participants_role",
        false,
    ),
    (
        "consultation_participants",
        "idx_consultation_participants_member_id",
        false,
    ),
    (
        "consultation_status_changes",
        "idx_consultation_status_changes_consultation_id",
        false,
    ),
    (
        "consultation_status_changes",
        "idx_consultation_status_changes_from_status",
        false,
    ),
    (
        "consultation_status_changes",
        "idx_consultation_status_changes_to_status",
        false,
    ),
    ("suggestions", "idx_suggestions_consultation_id", false),
    ("suggestions", "idx_suggestions_proposer_member_id", false),
    ("suggestions", "idx_suggestions_status", false),
    ("suggestions", "idx_suggestions_grade", false),
    (
        "suggestions",
        "idx_suggestions_consultation_id_created_at_status",
        false,
    ),
    (
        "suggestions",
        "idx_suggestions_consultation_id_created_at_id",
        false,
    ),
    (
        "suggestions",
        "idx_suggestions_created_at_consultation_id_status",
        false,
    ),
    (
        "suggestion_status_changes",
        "idx_suggestion_status_changes_suggestion_id",
        false,
    ),
    (
        "suggestion_status_changes",
        "idx_suggestion_status_changes_from_status",
        false,
    ),
    (
        "suggestion_status_changes",
        "idx_suggestion_status_changes_to_status",
        false,
    ),
    (
        "suggestion_follow_ups",
        "idx_suggestion_follow_ups_suggestion_id",
        false,
    ),
    ("slot_requests", "idx_slot_requests_region_id", false),
    ("slot_requests", "idx_slot_requests_status", false),
    ("slot_requests", "idx_slot_requests_consultation_id", false),
    (
        "sentiment_reports",
        "idx_sentiment_reports_region_id",
        false,
    ),
    ("sentiment_reports", "idx_sentiment_reports_status", false),
    (
        "sentiment_report_source_lounges",
        "idx_sentiment_report_source_lounges_lounge_id",
        false,
    ),
    (
        "sentiment_report_authors",
        "idx_sentiment_report_authors_member_id",
        false,
    ),
    ("events", "idx_events_type", false),
    ("import_jobs", "idx_import_jobs_created_at", false),
    ("events", "idx_events_occurred_at", false),
    ("event_regions", "idx_event_regions_region_id", false),
    (
        "notification_targets",
        "idx_notification_targets_adapter",
        false,
    ),
    (
        "notification_targets",
        "idx_notification_targets_region_id",
        false,
    ),
    (
        "notification_targets",
        "idx_notification_targets_status",
        false,
    ),
    (
        "deliveries",
        "idx_deliveries_target_id_event_sequence",
        true,
    ),
    ("deliveries", "idx_deliveries_event_sequence", false),
    (
        "deliveries",
        "idx_deliveries_target_id_status_event_sequence",
        false,
    ),
    ("deliveries", "idx_deliveries_status_next_attempt_at", false),
    ("consultations", "idx_consultations_receipt_hash", true),
    (
        "lounge_activity_hosts",
        "idx_lounge_activity_hosts_status",
        false,
    ),
    (
        "lounge_activity_hosts",
        "idx_lounge_activity_hosts_lounge_id_status_activity_id",
        false,
    ),
    (
        "consultation_status_changes",
        "idx_consultation_status_changes_actor_region_id",
        false,
    ),
    (
        "role_assignments",
        "idx_role_assignments_issuer_subject_role_region_id",
        true,
    ),
    ("role_assignments", "idx_role_assignments_region_id", false),
    ("role_assignments", "idx_role_assignments_member_id", false),
    ("audit_log", "idx_audit_log_actor_subject", false),
    ("audit_log", "idx_audit_log_occurred_at", false),
    ("audit_log", "idx_audit_log_operation", false),
    (
        "audit_log_regions",
        "idx_audit_log_regions_region_id",
        false,
    ),
    (
        "revoked_service_tokens",
        "idx_revoked_service_tokens_jti",
        true,
    ),
];

/// Tables whose primary key is `id BIGINT` auto-increment.
const AUTO_ID_TABLES: &[&str] = &[
    "regions",
    "members",
    "lounges",
    "lounge_memberships",
    "lounge_activities",
    "consultations",
    "consultation_participants",
    "consultation_status_changes",
    "suggestions",
    "suggestion_status_changes",
    "suggestion_follow_ups",
    "slot_requests",
    "sentiment_reports",
    "notification_targets",
    "deliveries",
];

#[tokio::test(flavor = "multi_thread")]
async fn up_down_up_on_sqlite() {
    on_sqlite(up_down_up).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn up_down_up_on_postgres() {
    on_postgres("up_down_up", up_down_up).await;
}

async fn up_down_up(db: DatabaseConnection) {
    Migrator::up(&db, None).await.expect("migrate up");
    assert_schema(&db).await;
    assert_enum_values_are_enforced(&db).await;

    Migrator::down(&db, None).await.expect("migrate down");
    assert_eq!(
        tables(&db).await,
        [MIGRATION_TABLE],
        "tables left after down"
    );
    assert_eq!(
        indexes(&db).await,
        BTreeSet::new(),
        "indexes left after down"
    );
    let applied = Migrator::get_applied_migrations(&db)
        .await
        .expect("applied migrations");
    assert!(applied.is_empty(), "migrations still recorded as applied");

    Migrator::up(&db, None).await.expect("migrate up again");
    assert_schema(&db).await;
    assert_eq!(
        Migrator::get_pending_migrations(&db)
            .await
            .expect("pending migrations")
            .len(),
        0
    );
}

async fn assert_schema(db: &DatabaseConnection) {
    let mut expected_tables: Vec<&str> = EXPECTED_TABLES.to_vec();
    if db.get_database_backend() == DbBackend::Sqlite {
        expected_tables.extend(SQLITE_ONLY_TABLES);
    }
    expected_tables.push(MIGRATION_TABLE);
    expected_tables.sort_unstable();
    assert_eq!(tables(db).await, expected_tables);

    let expected_fks: BTreeSet<(String, String, String, String)> = EXPECTED_FOREIGN_KEYS
        .iter()
        .map(|(t, c, rt, rc)| (t.to_string(), c.to_string(), rt.to_string(), rc.to_string()))
        .collect();
    assert_eq!(foreign_keys(db).await, expected_fks, "foreign keys");

    let expected_indexes: BTreeSet<(String, String, bool)> = EXPECTED_INDEXES
        .iter()
        .map(|(t, i, u)| (t.to_string(), i.to_string(), *u))
        .collect();
    assert_eq!(indexes(db).await, expected_indexes, "named indexes");

    // Every foreign key column leads some index (a named one or the primary key).
    let leading = leading_index_columns(db).await;
    for (table, column, _, _) in EXPECTED_FOREIGN_KEYS {
        assert!(
            leading.contains(&(table.to_string(), column.to_string())),
            "{table}.{column} is a foreign key without an index"
        );
    }

    assert_auto_increment_ids(db).await;
}

/// Foreign keys as (table, column, referenced table, referenced column).
async fn foreign_keys(db: &DatabaseConnection) -> BTreeSet<(String, String, String, String)> {
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => {
            r#"SELECT m.name AS tbl, f."from" AS col, f."table" AS ref_tbl, f."to" AS ref_col
               FROM sqlite_master m, pragma_foreign_key_list(m.name) f
               WHERE m.type = 'table'"#
        }
        _ => {
            r#"SELECT t.relname::text AS tbl, a.attname::text AS col,
                      r.relname::text AS ref_tbl, ra.attname::text AS ref_col
               FROM pg_constraint c
               JOIN pg_class t ON t.oid = c.conrelid
               JOIN pg_namespace n ON n.oid = t.relnamespace
               JOIN pg_class r ON r.oid = c.confrelid
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
               JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1]
               WHERE c.contype = 'f' AND n.nspname = 'public'
                 AND array_length(c.conkey, 1) = 1"#
        }
    };
    query(db, sql, [])
        .await
        .iter()
        .map(|row| {
            (
                string(row, "tbl"),
                string(row, "col"),
                string(row, "ref_tbl"),
                string(row, "ref_col"),
            )
        })
        .collect()
}

/// Indexes named `idx_…` as (table, index, unique).
async fn indexes(db: &DatabaseConnection) -> BTreeSet<(String, String, bool)> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Sqlite => {
            r#"SELECT m.name AS tbl, il.name AS idx, il."unique" AS is_unique
               FROM sqlite_master m, pragma_index_list(m.name) il
               WHERE m.type = 'table' AND il.name LIKE 'idx\_%' ESCAPE '\'"#
        }
        _ => {
            r#"SELECT t.relname::text AS tbl, c.relname::text AS idx, i.indisunique AS is_unique
               FROM pg_index i
               JOIN pg_class c ON c.oid = i.indexrelid
               JOIN pg_class t ON t.oid = i.indrelid
               JOIN pg_namespace n ON n.oid = t.relnamespace
               WHERE n.nspname = 'public' AND c.relname LIKE 'idx\_%'"#
        }
    };
    query(db, sql, [])
        .await
        .iter()
        .map(|row| {
            (
                string(row, "tbl"),
                string(row, "idx"),
                unique_flag(backend, row),
            )
        })
        .collect()
}

fn unique_flag(backend: DbBackend, row: &QueryResult) -> bool {
    match backend {
        DbBackend::Sqlite => row.try_get::<i32>("", "is_unique").expect("unique flag") != 0,
        _ => row.try_get::<bool>("", "is_unique").expect("unique flag"),
    }
}

/// (table, column) for the first column of every index, primary keys included.
async fn leading_index_columns(db: &DatabaseConnection) -> BTreeSet<(String, String)> {
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => {
            r#"SELECT m.name AS tbl, ii.name AS col
               FROM sqlite_master m, pragma_index_list(m.name) il, pragma_index_info(il.name) ii
               WHERE m.type = 'table' AND ii.seqno = 0"#
        }
        _ => {
            r#"SELECT t.relname::text AS tbl, a.attname::text AS col
               FROM pg_index i
               JOIN pg_class t ON t.oid = i.indrelid
               JOIN pg_namespace n ON n.oid = t.relnamespace
               JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]
               WHERE n.nspname = 'public'"#
        }
    };
    query(db, sql, [])
        .await
        .iter()
        .map(|row| (string(row, "tbl"), string(row, "col")))
        .collect()
}

/// `id` is `INTEGER PRIMARY KEY AUTOINCREMENT` (a rowid alias) on SQLite and a `bigint`
/// identity on PostgreSQL.
async fn assert_auto_increment_ids(db: &DatabaseConnection) {
    for table in AUTO_ID_TABLES {
        match db.get_database_backend() {
            DbBackend::Sqlite => {
                let rows = query(
                    db,
                    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                    [(*table).into()],
                )
                .await;
                let sql = string(&rows[0], "sql").to_lowercase();
                assert!(
                    sql.contains(r#""id" integer not null primary key autoincrement"#),
                    "{table}: {sql}"
                );
            }
            _ => {
                let rows = query(
                    db,
                    "SELECT data_type::text AS data_type, is_identity::text AS is_identity \
                     FROM information_schema.columns \
                     WHERE table_schema = 'public' AND table_name = $1 AND column_name = 'id'",
                    [(*table).into()],
                )
                .await;
                assert_eq!(string(&rows[0], "data_type"), "bigint", "{table}.id");
                assert_eq!(string(&rows[0], "is_identity"), "YES", "{table}.id");
            }
        }
    }
}

/// An enum column accepts the values of its lookup table and nothing else.
async fn assert_enum_values_are_enforced(db: &DatabaseConnection) {
    let insert = |code: &str, level: &str| {
        Query::insert()
            .into_table("regions")
            .columns(["code", "name", "level"])
            .values([Expr::val(code), Expr::val("测试"), Expr::val(level)])
            .expect("three values for three columns")
            .take()
    };
    let error = db
        .execute(&insert("339999", "TOWN"))
        .await
        .expect_err("a region with level TOWN must be rejected");
    let message = error.to_string().to_lowercase();
    assert!(
        message.contains("foreign key"),
        "unexpected error: {message}"
    );

    db.execute(&insert("339999", "COUNTY"))
        .await
        .expect("a region with level COUNTY is accepted");
}
