//! Host consent for joint activities: `lounge_activity_hosts.status` (INVITED, CONFIRMED or
//! DECLINED, lookup table `enum_activity_host_status`) and the event types
//! `LOUNGE_ACTIVITY_HOSTING_CONFIRMED` / `_DECLINED`.
//!
//! Every existing host link becomes CONFIRMED, so no figure computed before changes. The column
//! has no default: every writer states the status. PostgreSQL adds the column nullable, fills
//! it and then sets it NOT NULL; SQLite can neither add a `REFERENCES` column with a non-null
//! default nor add NOT NULL later, so there the table is rebuilt (create, copy, drop, rename).
//!
//! `down` keeps only the CONFIRMED links (an invitation nobody accepted must not count under the
//! older schema) and, as for every enum value, fails while events of the new types exist.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

use crate::util::{Idx, big_int, create_all, drop_all, enum_fk, fk, text, text_null};

const TABLE: &str = "lounge_activity_hosts";
const REBUILT: &str = "lounge_activity_hosts_rebuilt";
const ENUM_TABLE: &str = "enum_activity_host_status";
const STATUSES: &[&str] = &["INVITED", "CONFIRMED", "DECLINED"];
const EVENT_TYPES: &[&str] = &[
    "LOUNGE_ACTIVITY_HOSTING_CONFIRMED",
    "LOUNGE_ACTIVITY_HOSTING_DECLINED",
];

/// The indexes of `lounge_activity_hosts` before this migration (SQLite drops them with the
/// table it rebuilds).
const EARLIER_INDEXES: &[Idx] = &[
    Idx::on(TABLE, &["lounge_id"]),
    Idx::on(TABLE, &["lounge_id", "activity_id"]),
];

/// The new foreign key's index, and the statistics' path from a lounge to its confirmed
/// activities without reading the host rows (it supersedes `(lounge_id, activity_id)`).
const INDEXES: &[Idx] = &[
    Idx::on(TABLE, &["status"]),
    Idx::on(TABLE, &["lounge_id", "status", "activity_id"]),
];

/// `lounge_activity_hosts` under the given name, with or without `status`.
fn hosts_table(name: &'static str, with_status: bool) -> TableCreateStatement {
    let mut table = Table::create()
        .table(name)
        .col(big_int("activity_id"))
        .col(big_int("lounge_id"))
        .primary_key(Index::create().col("activity_id").col("lounge_id"))
        .foreign_key(&mut fk(TABLE, "activity_id", "lounge_activities", "id"))
        .foreign_key(&mut fk(TABLE, "lounge_id", "lounges", "id"))
        .take();
    if with_status {
        table
            .col(text("status"))
            .foreign_key(&mut enum_fk(TABLE, "status", ENUM_TABLE));
    }
    table
}

/// SQLite: replaces `lounge_activity_hosts` by a copy with (or without) `status`, filled by
/// `copy` from the old table, and restores the earlier indexes.
async fn rebuild_on_sqlite(
    manager: &SchemaManager<'_>,
    with_status: bool,
    copy: SelectStatement,
) -> Result<(), DbErr> {
    manager
        .create_table(hosts_table(REBUILT, with_status))
        .await?;
    let mut columns = vec!["activity_id", "lounge_id"];
    if with_status {
        columns.push("status");
    }
    let mut insert = Query::insert();
    insert
        .into_table(REBUILT)
        .columns(columns)
        .select_from(copy)
        .map_err(|e| DbErr::Migration(format!("{REBUILT}: {e}")))?;
    manager.execute(insert).await?;
    manager
        .drop_table(Table::drop().table(TABLE).take())
        .await?;
    manager
        .rename_table(Table::rename().table(REBUILT, TABLE).take())
        .await?;
    create_all(manager, Vec::new(), EARLIER_INDEXES).await
}

/// Adds `status` to `lounge_activity_hosts`, every existing row CONFIRMED.
async fn add_status(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Postgres {
        let copy = Query::select()
            .columns(["activity_id", "lounge_id"])
            .expr(Expr::val("CONFIRMED"))
            .from(TABLE)
            .take();
        return rebuild_on_sqlite(manager, true, copy).await;
    }
    manager
        .alter_table(
            Table::alter()
                .table(TABLE)
                .add_column(text_null("status"))
                .add_foreign_key(
                    TableForeignKey::new()
                        .name("fk_lounge_activity_hosts_status")
                        .from_tbl(TABLE)
                        .from_col("status")
                        .to_tbl(ENUM_TABLE)
                        .to_col("value"),
                )
                .take(),
        )
        .await?;
    manager
        .execute(
            Query::update()
                .table(TABLE)
                .value("status", "CONFIRMED")
                .take(),
        )
        .await?;
    manager
        .alter_table(
            Table::alter()
                .table(TABLE)
                .modify_column(ColumnDef::new("status").not_null())
                .take(),
        )
        .await
}

/// Removes `status` and the links that were never confirmed.
async fn drop_status(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Postgres {
        let copy = Query::select()
            .columns(["activity_id", "lounge_id"])
            .from(TABLE)
            .and_where(Expr::col("status").eq("CONFIRMED"))
            .take();
        return rebuild_on_sqlite(manager, false, copy).await;
    }
    manager
        .execute(
            Query::delete()
                .from_table(TABLE)
                .and_where(Expr::col("status").ne("CONFIRMED"))
                .take(),
        )
        .await?;
    manager
        .alter_table(Table::alter().table(TABLE).drop_column("status").take())
        .await
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
        drop_all(manager, Vec::new(), &EARLIER_INDEXES[1..]).await?;
        create_all(manager, Vec::new(), INDEXES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_all(manager, Vec::new(), INDEXES).await?;
        create_all(manager, Vec::new(), &EARLIER_INDEXES[1..]).await?;
        drop_status(manager).await?;
        // Fails while events of these types exist, as removing any enum value does.
        manager
            .execute(
                Query::delete()
                    .from_table("enum_event_type")
                    .and_where(Expr::col("value").is_in(EVENT_TYPES.iter().copied()))
                    .take(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(ENUM_TABLE).take())
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
