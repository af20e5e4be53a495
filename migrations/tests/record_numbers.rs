//! `m20261207_000022_record_numbers` numbers the consultations and lounge activities that exist
//! before it per committee, in id order (`<code>-XS-NNNN`, `<code>-HD-NNNN`); an activity
//! belongs to the committee of its host lounge with the lowest id. Afterwards a committee
//! cannot give one number twice. On SQLite and (with `XIESHANG_TEST_PG_URL`) PostgreSQL.

mod common;

use common::{on_postgres, on_sqlite, query, string};
use migrations::Migrator;
use sea_orm_migration::{
    MigratorTrait,
    sea_orm::{ConnectionTrait, DatabaseConnection},
};

const MIGRATION: &str = "m20261207_000022_record_numbers";

#[tokio::test(flavor = "multi_thread")]
async fn existing_records_are_numbered_per_committee_on_sqlite() {
    on_sqlite(existing_records_are_numbered_per_committee).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn existing_records_are_numbered_per_committee_on_postgres() {
    on_postgres(
        "record_numbers",
        existing_records_are_numbered_per_committee,
    )
    .await;
}

async fn execute(db: &DatabaseConnection, sql: &str) -> Result<(), String> {
    db.execute_unprepared(sql)
        .await
        .map(drop)
        .map_err(|error| format!("{error}\n{sql}"))
}

async fn numbers(db: &DatabaseConnection, sql: &str) -> Vec<(String, String, String)> {
    query(db, sql, [])
        .await
        .iter()
        .map(|row| {
            (
                string(row, "id"),
                string(row, "region_id"),
                string(row, "record_number"),
            )
        })
        .collect()
}

fn owned(rows: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    rows.iter()
        .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
        .collect()
}

async fn existing_records_are_numbered_per_committee(db: DatabaseConnection) {
    let before = Migrator::migrations()
        .iter()
        .position(|migration| migration.name() == MIGRATION)
        .expect("the migration is registered");
    Migrator::up(&db, Some(u32::try_from(before).expect("a small number")))
        .await
        .expect("migrate up to before");
    execute(
        &db,
        "INSERT INTO regions (id, code, name, level) VALUES \
         (1, '330200', '宁波市', 'CITY'), (2, '330212', '鄞州区', 'COUNTY')",
    )
    .await
    .expect("regions");
    // Ids interleave the committees: numbering follows id order within each.
    for (id, region) in [(4, 2), (6, 1), (8, 2), (9, 2)] {
        execute(
            &db,
            &format!(
                "INSERT INTO consultations (id, region_id, title, topic, topic_source, kind, \
                 status, organizer_kind, organizer_name, version, created_at, updated_at) VALUES \
                 ({id}, {region}, '协商{id}', '议题', 'MEMBER', 'MAIN', 'PROPOSED', 'COMMITTEE', \
                 '政协', 0, '2020-01-01T08:00:00+00:00', '2020-01-01T08:00:00+00:00')"
            ),
        )
        .await
        .expect("a consultation");
    }
    // Lounge 3 (county) has a lower id than lounge 5 (city).
    for (id, region) in [(3, 2), (5, 1)] {
        execute(
            &db,
            &format!(
                "INSERT INTO lounges (id, region_id, name, theme, venue, address, status, \
                 established_on, version, created_at, updated_at) VALUES ({id}, {region}, \
                 '客厅{id}', '主题', '场地', '地址', 'ACTIVE', '2020-01-01', 0, \
                 '2020-01-01T08:00:00+00:00', '2020-01-01T08:00:00+00:00')"
            ),
        )
        .await
        .expect("a lounge");
    }
    for (id, hosts) in [
        (1, "(1, 5, 'CONFIRMED')"),
        (2, "(2, 5, 'CONFIRMED'), (2, 3, 'CONFIRMED')"),
        (7, "(7, 3, 'CONFIRMED')"),
    ] {
        execute(
            &db,
            &format!(
                "INSERT INTO lounge_activities (id, title, kind, format, channel, starts_at, \
                 ends_at, public_attendance, summary, created_at) VALUES ({id}, '活动{id}', \
                 'PLANNED', 'FORUM', 'OFFLINE', '2020-05-01T01:00:00+00:00', \
                 '2020-05-01T03:00:00+00:00', 0, '', '2020-05-01T04:00:00+00:00')"
            ),
        )
        .await
        .expect("an activity");
        execute(
            &db,
            &format!(
                "INSERT INTO lounge_activity_hosts (activity_id, lounge_id, status) VALUES {hosts}"
            ),
        )
        .await
        .expect("hosts");
    }

    Migrator::up(&db, None).await.expect("migrate up");
    let consultations = numbers(
        &db,
        "SELECT CAST(id AS TEXT) AS id, CAST(region_id AS TEXT) AS region_id, record_number \
         FROM consultations ORDER BY id",
    )
    .await;
    assert_eq!(
        consultations,
        owned(&[
            ("4", "2", "330212-XS-0001"),
            ("6", "1", "330200-XS-0001"),
            ("8", "2", "330212-XS-0002"),
            ("9", "2", "330212-XS-0003"),
        ])
    );
    let activities = numbers(
        &db,
        "SELECT CAST(id AS TEXT) AS id, CAST(region_id AS TEXT) AS region_id, record_number \
         FROM lounge_activities ORDER BY id",
    )
    .await;
    assert_eq!(
        activities,
        owned(&[
            ("1", "1", "330200-HD-0001"),
            ("2", "2", "330212-HD-0001"),
            ("7", "2", "330212-HD-0002"),
        ])
    );
    assert!(
        execute(
            &db,
            "UPDATE consultations SET record_number = '330212-XS-0001' WHERE id = 8",
        )
        .await
        .is_err(),
        "two consultations of one committee share a number"
    );
    execute(
        &db,
        "UPDATE consultations SET record_number = '330212-XS-0001' WHERE id = 6",
    )
    .await
    .expect("the same number in another committee");
    assert!(
        execute(
            &db,
            "UPDATE lounge_activities SET record_number = '330212-HD-0001' WHERE id = 7",
        )
        .await
        .is_err(),
        "two activities of one committee share a number"
    );
}
