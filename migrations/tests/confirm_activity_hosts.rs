//! `m20261204_000012_confirm_activity_hosts` marks every host link that exists before it
//! CONFIRMED (so no figure changes), and its `down` keeps only confirmed links. On SQLite and
//! (with `XIESHANG_TEST_PG_URL`) PostgreSQL.

mod common;

use common::{on_postgres, on_sqlite, query, string};
use migrations::Migrator;
use sea_orm_migration::{
    MigratorTrait,
    sea_orm::{ConnectionTrait, DatabaseConnection},
};

const MIGRATION: &str = "m20261204_000012_confirm_activity_hosts";

#[tokio::test(flavor = "multi_thread")]
async fn existing_hosts_become_confirmed_on_sqlite() {
    on_sqlite(existing_hosts_become_confirmed).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn existing_hosts_become_confirmed_on_postgres() {
    on_postgres("confirm_activity_hosts", existing_hosts_become_confirmed).await;
}

/// How many migrations run before this one.
fn earlier_migrations() -> u32 {
    let position = Migrator::migrations()
        .iter()
        .position(|migration| migration.name() == MIGRATION)
        .expect("the migration is registered");
    u32::try_from(position).expect("a small number")
}

async fn execute(db: &DatabaseConnection, sql: &str) {
    db.execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{sql}"));
}

/// (activity id, lounge id, status) of every host link, ordered.
async fn host_links(db: &DatabaseConnection) -> Vec<(String, String, String)> {
    query(
        db,
        "SELECT CAST(activity_id AS TEXT) AS a, CAST(lounge_id AS TEXT) AS l, status \
         FROM lounge_activity_hosts ORDER BY activity_id, lounge_id",
        [],
    )
    .await
    .iter()
    .map(|row| (string(row, "a"), string(row, "l"), string(row, "status")))
    .collect()
}

async fn existing_hosts_become_confirmed(db: DatabaseConnection) {
    let before = earlier_migrations();
    Migrator::up(&db, Some(before))
        .await
        .expect("migrate up to before");
    execute(
        &db,
        "INSERT INTO regions (id, code, name, level) VALUES (1, '330000', '浙江省', 'PROVINCE')",
    )
    .await;
    for id in [1, 2] {
        execute(
            &db,
            &format!(
                "INSERT INTO lounges (id, region_id, name, theme, venue, address, status, \
                 established_on, version, created_at, updated_at) VALUES ({id}, 1, '客厅{id}', \
                 '主题', '场地', '地址', 'ACTIVE', '2020-01-01', 0, \
                 '2020-01-01T08:00:00+00:00', '2020-01-01T08:00:00+00:00')"
            ),
        )
        .await;
    }
    execute(
        &db,
        "INSERT INTO lounge_activities (id, title, kind, format, channel, starts_at, ends_at, \
         public_attendance, summary, created_at) VALUES (1, '联合活动', 'PLANNED', 'FORUM', \
         'OFFLINE', '2020-05-01T01:00:00+00:00', '2020-05-01T03:00:00+00:00', 0, '', \
         '2020-05-01T04:00:00+00:00')",
    )
    .await;
    execute(
        &db,
        "INSERT INTO lounge_activity_hosts (activity_id, lounge_id) VALUES (1, 1), (1, 2)",
    )
    .await;

    Migrator::up(&db, None).await.expect("migrate up");
    let confirmed = vec![
        ("1".to_owned(), "1".to_owned(), "CONFIRMED".to_owned()),
        ("1".to_owned(), "2".to_owned(), "CONFIRMED".to_owned()),
    ];
    assert_eq!(host_links(&db).await, confirmed);

    // An invitation nobody answered does not survive a downgrade, where it would count.
    execute(
        &db,
        "UPDATE lounge_activity_hosts SET status = 'INVITED' WHERE lounge_id = 2",
    )
    .await;
    let applied = Migrator::get_applied_migrations(&db)
        .await
        .expect("applied migrations")
        .len();
    let since = u32::try_from(applied).expect("a small number") - before;
    Migrator::down(&db, Some(since))
        .await
        .expect("migrate down");
    let left = query(
        &db,
        "SELECT CAST(activity_id AS TEXT) AS a, CAST(lounge_id AS TEXT) AS l \
         FROM lounge_activity_hosts ORDER BY lounge_id",
        [],
    )
    .await;
    let left: Vec<(String, String)> = left
        .iter()
        .map(|row| (string(row, "a"), string(row, "l")))
        .collect();
    assert_eq!(left, vec![("1".to_owned(), "1".to_owned())]);
}
