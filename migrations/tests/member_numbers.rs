//! `m20261206_000020_member_numbers` numbers the members that exist before it per committee, in
//! id order (`<code>-NNNN`), and then refuses a second member with the same number in one
//! committee. On SQLite and (with `XIESHANG_TEST_PG_URL`) PostgreSQL.

mod common;

use common::{on_postgres, on_sqlite, query, string};
use migrations::Migrator;
use sea_orm_migration::{
    MigratorTrait,
    sea_orm::{ConnectionTrait, DatabaseConnection},
};

const MIGRATION: &str = "m20261206_000020_member_numbers";

#[tokio::test(flavor = "multi_thread")]
async fn existing_members_are_numbered_per_committee_on_sqlite() {
    on_sqlite(existing_members_are_numbered_per_committee).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn existing_members_are_numbered_per_committee_on_postgres() {
    on_postgres(
        "member_numbers",
        existing_members_are_numbered_per_committee,
    )
    .await;
}

async fn execute(db: &DatabaseConnection, sql: &str) -> Result<(), String> {
    db.execute_unprepared(sql)
        .await
        .map(drop)
        .map_err(|error| format!("{error}\n{sql}"))
}

async fn existing_members_are_numbered_per_committee(db: DatabaseConnection) {
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
         (1, '330000', '浙江省', 'PROVINCE'), (2, '330212', '鄞州区', 'COUNTY')",
    )
    .await
    .expect("regions");
    // Ids interleave the committees: numbering follows id order within each.
    for (id, region) in [(5, 2), (7, 1), (9, 2), (12, 2), (13, 1)] {
        execute(
            &db,
            &format!(
                "INSERT INTO members (id, region_id, name, gender, sector, occupation, term, \
                 status, created_at, updated_at) VALUES ({id}, {region}, '委员{id}', 'FEMALE', \
                 '界别', '职业', 12, 'ACTIVE', '2020-01-01T08:00:00+00:00', \
                 '2020-01-01T08:00:00+00:00')"
            ),
        )
        .await
        .expect("a member");
    }

    Migrator::up(&db, None).await.expect("migrate up");
    let numbers: Vec<(String, String)> = query(
        &db,
        "SELECT CAST(id AS TEXT) AS id, member_number FROM members ORDER BY members.id",
        [],
    )
    .await
    .iter()
    .map(|row| (string(row, "id"), string(row, "member_number")))
    .collect();
    let expected = [
        ("5", "330212-0001"),
        ("7", "330000-0001"),
        ("9", "330212-0002"),
        ("12", "330212-0003"),
        ("13", "330000-0002"),
    ];
    assert_eq!(
        numbers,
        expected.map(|(id, number)| (id.to_owned(), number.to_owned()))
    );
    let duplicate = execute(
        &db,
        "UPDATE members SET member_number = '330212-0001' WHERE id = 9",
    )
    .await;
    assert!(
        duplicate.is_err(),
        "two members of one committee share a number"
    );
    execute(
        &db,
        "UPDATE members SET member_number = '330212-0001' WHERE id = 7",
    )
    .await
    .expect("the same number in another committee");
}
