//! Host consent for joint activities: `lounge_activity_hosts.status` (INVITED, CONFIRMED or
//! DECLINED, lookup table `enum_activity_host_status`) and the event types
//! `LOUNGE_ACTIVITY_HOSTING_CONFIRMED` / `_DECLINED`.
//!
//! Every existing host link becomes CONFIRMED, so no figure computed before changes. The column
//! has no default: every writer states the status. SQLite cannot add a `REFERENCES` column with
//! a non-null default, so there the table is rebuilt (create, copy, drop, rename); PostgreSQL
//! adds the column in place.
//!
//! `down` deletes the links that were never confirmed (INVITED, DECLINED) before dropping the
//! column, so the older schema does not count hosts that did not consent, and deletes the
//! events of the two new types with their deliveries.

use sea_orm_migration::{
    prelude::*,
    sea_orm::{ConnectionTrait, DbBackend},
};

use crate::util::{Idx, big_int, create_all, drop_all, enum_fk, fk, text};

const ENUM_TABLE: &str = "enum_activity_host_status";
const STATUSES: &[&str] = &["INVITED", "CONFIRMED", "DECLINED"];
const EVENT_TYPES: &[&str] = &[
    "LOUNGE_ACTIVITY_HOSTING_CONFIRMED",
    "LOUNGE_ACTIVITY_HOSTING_DECLINED",
];

/// The indexes of `lounge_activity_hosts` before this migration (SQLite drops them with the
/// table it rebuilds).
const EARLIER_INDEXES: &[Idx] = &[
    Idx::on("lounge_activity_hosts", &["lounge_id"]),
    Idx::on("lounge_activity_hosts", &["lounge_id", "activity_id"]),
];

/// The new foreign key's index, and the statistics' path from a lounge to its confirmed
/// activities without reading the host rows.
const INDEXES: &[Idx] = &[
    Idx::on("lounge_activity_hosts", &["status"]),
    Idx::on(
        "lounge_activity_hosts",
        &["lounge_id", "status", "activity_id"],
    ),
];

/// `lounge_activity_hosts` under the given name, with or without `status`.
fn hosts_table(name: &'static str, with_status: bool) -> TableCreateStatement {
    let mut table = Table::create()
        .table(name)
        .col(big_int("activity_id"))
        .col(big_int("lounge_id"))
        .primary_key(Index::create().col("activity_id").col("lounge_id"))
        .foreign_key(&mut fk(
            "lounge_activity_hosts",
            "activity_id",
            "lounge_activities",
            "id",
        ))
        .foreign_key(&mut fk(
            "lounge_activity_hosts",
            "lounge_id",
            "lounges",
            "id",
        ))
        .take();
    if with_status {
        table.col(text("status")).foreign_key(&mut enum_fk(
            "lounge_activity_hosts",
            "status",
            ENUM_TABLE,
        ));
    }
    table
}

/// SQLite: replaces `lounge_activity_hosts` by a copy with (or without) `status`, filled by
/// `copy` (an `INSERT INTO lounge_activity_hosts_rebuilt …`), and restores the earlier indexes.
async fn rebuild_on_sqlite(
    manager: &SchemaManager<'_>,
    with_status: bool,
    copy: &str,
) -> Result<(), DbErr> {
    manager
        .create_table(hosts_table("lounge_activity_hosts_rebuilt", with_status))
        .await?;
    manager.get_connection().execute_unprepared(copy).await?;
    manager
        .drop_table(Table::drop().table("lounge_activity_hosts").take())
        .await?;
    manager
        .rename_table(
            Table::rename()
                .table("lounge_activity_hosts_rebuilt", "lounge_activity_hosts")
                .take(),
        )
        .await?;
    create_all(manager, Vec::new(), EARLIER_INDEXES).await
}

/// Adds `status` to `lounge_activity_hosts`, every existing row CONFIRMED.
async fn add_status(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    if db.get_database_backend() != DbBackend::Postgres {
        return rebuild_on_sqlite(
            manager,
            true,
            "INSERT INTO lounge_activity_hosts_rebuilt (activity_id, lounge_id, status) \
             SELECT activity_id, lounge_id, 'CONFIRMED' FROM lounge_activity_hosts",
        )
        .await;
    }
    db.execute_unprepared(
        "ALTER TABLE lounge_activity_hosts ADD COLUMN status TEXT NOT NULL \
         DEFAULT 'CONFIRMED' CONSTRAINT fk_lounge_activity_hosts_status \
         REFERENCES enum_activity_host_status (value)",
    )
    .await?;
    db.execute_unprepared("ALTER TABLE lounge_activity_hosts ALTER COLUMN status DROP DEFAULT")
        .await?;
    Ok(())
}

/// Removes `status` and the links that were never confirmed.
async fn drop_status(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    if db.get_database_backend() != DbBackend::Postgres {
        return rebuild_on_sqlite(
            manager,
            false,
            "INSERT INTO lounge_activity_hosts_rebuilt (activity_id, lounge_id) \
             SELECT activity_id, lounge_id FROM lounge_activity_hosts \
             WHERE status = 'CONFIRMED'",
        )
        .await;
    }
    db.execute_unprepared("DELETE FROM lounge_activity_hosts WHERE status <> 'CONFIRMED'")
        .await?;
    db.execute_unprepared("ALTER TABLE lounge_activity_hosts DROP COLUMN status")
        .await?;
    Ok(())
}

/// Adds the host statuses, the status column and the event types.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ENUM_TABLE)
                    .col(ColumnDef::new("value").text().not_null().primary_key())
                    .take(),
            )
            .await?;
        insert_values(manager, ENUM_TABLE, STATUSES).await?;
        insert_values(manager, "enum_event_type", EVENT_TYPES).await?;
        add_status(manager).await?;
        // The statistics index without the status is superseded by the one with it.
        drop_all(manager, Vec::new(), &EARLIER_INDEXES[1..]).await?;
        create_all(manager, Vec::new(), INDEXES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_all(manager, Vec::new(), INDEXES).await?;
        create_all(manager, Vec::new(), &EARLIER_INDEXES[1..]).await?;
        drop_status(manager).await?;
        let db = manager.get_connection();
        let types = "('LOUNGE_ACTIVITY_HOSTING_CONFIRMED', 'LOUNGE_ACTIVITY_HOSTING_DECLINED')";
        for table in ["deliveries", "event_regions"] {
            db.execute_unprepared(&format!(
                "DELETE FROM {table} WHERE event_sequence IN \
                 (SELECT sequence FROM events WHERE type IN {types})"
            ))
            .await?;
        }
        db.execute_unprepared(&format!("DELETE FROM events WHERE type IN {types}"))
            .await?;
        db.execute_unprepared(&format!(
            "DELETE FROM enum_event_type WHERE value IN {types}"
        ))
        .await?;
        manager
            .drop_table(Table::drop().table(ENUM_TABLE).take())
            .await?;
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

/// Inserts one row per value into the lookup table `table`.
async fn insert_values(
    manager: &SchemaManager<'_>,
    table: &'static str,
    values: &[&str],
) -> Result<(), DbErr> {
    let mut insert = Query::insert();
    insert.into_table(table).columns(["value"]);
    for &value in values {
        insert
            .values([Expr::val(value)])
            .map_err(|e| DbErr::Migration(format!("{table}: {e}")))?;
    }
    manager.execute(insert).await
}
