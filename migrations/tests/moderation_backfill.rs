//! `m20261204_000011_moderate_public_topics` on a database with history: drafts already in the
//! log are marked restricted, and their deliveries that have not succeeded are dropped, so no
//! target receives a draft after the upgrade; other events and deliveries stay as they were.

mod common;

use common::{on_postgres, on_sqlite, query};
use migrations::Migrator;
use sea_orm_migration::{
    MigratorTrait,
    sea_orm::{ConnectionTrait, DatabaseConnection, Statement},
};

/// Migrations before the moderation queue.
const BEFORE: u32 = 9;

async fn exec(db: &DatabaseConnection, sql: &str) {
    db.execute_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|error| panic!("{sql}: {error}"));
}

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let rows = query(db, sql, []).await;
    rows[0].try_get_by_index::<i64>(0).expect("a count")
}

async fn check(db: DatabaseConnection) {
    Migrator::up(&db, Some(BEFORE))
        .await
        .expect("older migrations");
    exec(&db, "INSERT INTO regions (id, code, name, level, parent_id) VALUES (1, '330000', '浙江省', 'PROVINCE', NULL)").await;
    let event = |sequence: i64, kind: &str| {
        format!(
            "INSERT INTO events (sequence, type, entity_type, entity_id, region_codes, snapshot, actor, occurred_at) \
             VALUES ({sequence}, '{kind}', 'SentimentReport', 1, '[\"330000\"]', '{{\"status\":\"DRAFT\"}}', 'x', '2026-01-01T00:00:00+00:00')"
        )
    };
    exec(&db, &event(1, "SENTIMENT_REPORT_DRAFTED")).await;
    exec(&db, &event(2, "SENTIMENT_REPORT_DRAFTED")).await;
    exec(&db, &event(3, "SENTIMENT_REPORT_SUBMITTED")).await;
    exec(&db, "INSERT INTO notification_targets (id, name, adapter, url, event_types, region_id, status, created_by, last_sequence, created_at, updated_at) \
               VALUES (1, 't', 'DINGTALK', 'https://oapi.dingtalk.com/robot/send?access_token=x', '[]', 1, 'ACTIVE', 'PROVINCE_STAFF:a', 3, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')").await;
    for (sequence, status) in [(1, "SUCCEEDED"), (2, "PENDING"), (3, "PENDING")] {
        exec(
            &db,
            &format!(
                "INSERT INTO deliveries (target_id, event_sequence, status, created_at, updated_at) \
                 VALUES (1, {sequence}, '{status}', '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')"
            ),
        )
        .await;
    }

    Migrator::up(&db, None)
        .await
        .expect("the moderation migration");
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM events WHERE restricted = true").await,
        2,
        "both drafts are restricted"
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM events WHERE sequence = 3 AND restricted = false"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM deliveries WHERE event_sequence = 2"
        )
        .await,
        0,
        "the draft not yet sent never will be"
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM deliveries").await, 2);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM enum_consultation_status WHERE value IN ('SUBMITTED', 'REJECTED')"
        )
        .await,
        2
    );
}

#[tokio::test]
async fn drafts_in_the_log_are_restricted_by_the_upgrade_on_sqlite() {
    on_sqlite(check).await;
}

#[tokio::test]
async fn drafts_in_the_log_are_restricted_by_the_upgrade_on_postgres() {
    on_postgres("moderation_backfill", check).await;
}
