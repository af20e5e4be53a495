//! Public topics (社会征题) go through a moderation queue, and events remember whether the state
//! they record is public.
//!
//! * `enum_consultation_status` gains `SUBMITTED` (a public topic waiting for staff) and
//!   `REJECTED` (turned down by staff; terminal).
//! * `consultations` gains `receipt_hash` (SHA-256 of the submitter's receipt code, hex; the code
//!   itself is never stored), `decided_at` (when staff accepted or rejected the topic) and
//!   `rejection_reason`.
//! * `events` gains `restricted`: true when the record, in the state the event records, is not
//!   public (a draft sentiment report, a topic awaiting moderation or rejected), so that the log
//!   can be filtered in SQL. Existing `SENTIMENT_REPORT_DRAFTED` events are drafts and are marked;
//!   no earlier event records a SUBMITTED or REJECTED topic. Their deliveries that have not
//!   succeeded are deleted, so that no target receives a draft after the upgrade (the down
//!   migration does not bring them back).
//!
//! Existing topics keep their status: the demo's public topics count as accepted.

use sea_orm_migration::prelude::*;

use crate::util::{Idx, boolean_default, create_all, drop_all, text_null, timestamp_null};

const NEW_STATUSES: &[&str] = &["SUBMITTED", "REJECTED"];

const RECEIPT_INDEX: Idx = Idx::unique("consultations", &["receipt_hash"]);

/// Adds the moderation queue's statuses and columns and the events' `restricted` flag.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut insert = Query::insert();
        insert
            .into_table("enum_consultation_status")
            .columns(["value"]);
        for &value in NEW_STATUSES {
            insert
                .values([Expr::val(value)])
                .map_err(|e| DbErr::Migration(format!("enum_consultation_status: {e}")))?;
        }
        manager.execute(insert).await?;
        // SQLite alters one column per statement.
        for column in [
            text_null("receipt_hash"),
            timestamp_null("decided_at"),
            text_null("rejection_reason"),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table("consultations")
                        .add_column(column)
                        .take(),
                )
                .await?;
        }
        create_all(manager, Vec::new(), &[RECEIPT_INDEX]).await?;
        manager
            .alter_table(
                Table::alter()
                    .table("events")
                    .add_column(boolean_default("restricted", false))
                    .take(),
            )
            .await?;
        manager
            .execute(
                Query::update()
                    .table("events")
                    .value("restricted", true)
                    .and_where(Expr::col("type").eq("SENTIMENT_REPORT_DRAFTED"))
                    .take(),
            )
            .await?;
        // Drafts that no target has received yet never will: their pending, retrying and dead
        // deliveries go (a dead one could otherwise be redelivered).
        manager
            .execute(
                Query::delete()
                    .from_table("deliveries")
                    .and_where(Expr::col("status").ne("SUCCEEDED"))
                    .and_where(
                        Expr::col("event_sequence").in_subquery(
                            Query::select()
                                .column("sequence")
                                .from("events")
                                .and_where(Expr::col("restricted").eq(true))
                                .take(),
                        ),
                    )
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("events")
                    .drop_column("restricted")
                    .take(),
            )
            .await?;
        drop_all(manager, Vec::new(), &[RECEIPT_INDEX]).await?;
        for column in ["rejection_reason", "decided_at", "receipt_hash"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("consultations")
                        .drop_column(column)
                        .take(),
                )
                .await?;
        }
        // Rows in the new states fall back to the nearest old ones before the values go.
        for (table, column) in [
            ("consultations", "status"),
            ("consultation_status_changes", "to_status"),
            ("consultation_status_changes", "from_status"),
        ] {
            for (from, to) in [("SUBMITTED", "PROPOSED"), ("REJECTED", "CANCELLED")] {
                manager
                    .execute(
                        Query::update()
                            .table(table)
                            .value(column, to)
                            .and_where(Expr::col(column).eq(from))
                            .take(),
                    )
                    .await?;
            }
        }
        manager
            .execute(
                Query::delete()
                    .from_table("enum_consultation_status")
                    .and_where(Expr::col("value").is_in(NEW_STATUSES.iter().copied()))
                    .take(),
            )
            .await?;
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
