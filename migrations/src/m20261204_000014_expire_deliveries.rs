//! The delivery status EXPIRED: a delivery not made within the event retention (its target
//! stayed paused or failing) is settled as EXPIRED so that pruning of the log goes on.

use sea_orm_migration::prelude::*;

/// Adds `EXPIRED` to `enum_delivery_status`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut insert = Query::insert();
        insert
            .into_table("enum_delivery_status")
            .columns(["value"])
            .values([Expr::val("EXPIRED")])
            .map_err(|e| DbErr::Migration(format!("enum_delivery_status: {e}")))?;
        manager.execute(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Expired deliveries become dead letters, the nearest older status.
        manager
            .execute(
                Query::update()
                    .table("deliveries")
                    .value("status", "DEAD")
                    .and_where(Expr::col("status").eq("EXPIRED"))
                    .take(),
            )
            .await?;
        manager
            .execute(
                Query::delete()
                    .from_table("enum_delivery_status")
                    .and_where(Expr::col("value").eq("EXPIRED"))
                    .take(),
            )
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
