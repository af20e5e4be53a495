//! The enum lookup tables `enum_<name>(value TEXT PRIMARY KEY)`, filled with their values.
//!
//! Enum columns of later tables are `TEXT` with a foreign key to one of these tables. A new enum
//! value is a new migration that inserts one row; never edit this list.

use sea_orm_migration::prelude::*;

/// Every lookup table with its values, in creation order.
const ENUMS: &[(&str, &[&str])] = &[
    ("enum_region_level", &["PROVINCE", "CITY", "COUNTY"]),
    ("enum_gender", &["MALE", "FEMALE"]),
    ("enum_member_status", &["ACTIVE", "INACTIVE"]),
    ("enum_lounge_status", &["ACTIVE", "SUSPENDED", "CLOSED"]),
    ("enum_lounge_role", &["LEAD", "TEAM"]),
    ("enum_activity_kind", &["PLANNED", "FLEXIBLE"]),
    (
        "enum_activity_format",
        &[
            "LECTURE",
            "PROPAGANDA",
            "FORUM",
            "ONLINE_DELIBERATION",
            "REMOTE_CONSULTATION",
            "RESEARCH",
            "SALON",
            "OTHER",
        ],
    ),
    ("enum_activity_channel", &["OFFLINE", "ONLINE"]),
    (
        "enum_online_platform",
        &["DINGTALK", "WECHAT", "VIDEO", "OTHER"],
    ),
    (
        "enum_topic_source",
        &["PARTY_GOVERNMENT", "MEMBER", "PUBLIC"],
    ),
    ("enum_consultation_kind", &["MAIN", "MICRO"]),
    (
        "enum_consultation_status",
        &[
            "PROPOSED",
            "APPROVED",
            "RESEARCHING",
            "SCHEDULED",
            "HELD",
            "FOLLOW_UP",
            "CLOSED",
            "CANCELLED",
        ],
    ),
    (
        "enum_organizer_kind",
        &[
            "COMMITTEE",
            "SPECIAL_COMMITTEE",
            "SECTOR",
            "PARTICIPATING_UNIT",
        ],
    ),
    (
        "enum_participant_role",
        &[
            "PRESIDING_CHAIR",
            "PARTY_GOVERNMENT_LEADER",
            "DEPARTMENT",
            "MEMBER",
            "EXPERT",
            "PUBLIC_REPRESENTATIVE",
        ],
    ),
    (
        "enum_suggestion_status",
        &[
            "SUBMITTED",
            "ACCEPTED",
            "REJECTED",
            "IN_PROGRESS",
            "IMPLEMENTED",
        ],
    ),
    ("enum_suggestion_grade", &["A", "B", "C"]),
    (
        "enum_slot_request_status",
        &["QUEUED", "ACCEPTED", "DECLINED"],
    ),
    (
        "enum_sentiment_report_status",
        &["DRAFT", "SUBMITTED", "ACKNOWLEDGED"],
    ),
    (
        "enum_event_type",
        &[
            "CONSULTATION_CREATED",
            "CONSULTATION_UPDATED",
            "CONSULTATION_STATUS_CHANGED",
            "SUGGESTION_CREATED",
            "SUGGESTION_STATUS_CHANGED",
            "SUGGESTION_FOLLOWED_UP",
            "SLOT_REQUESTED",
            "SLOT_REQUEST_DECIDED",
            "LOUNGE_CREATED",
            "LOUNGE_UPDATED",
            "LOUNGE_STATUS_CHANGED",
            "LOUNGE_MEMBERSHIP_CHANGED",
            "LOUNGE_ACTIVITY_RECORDED",
            "MEMBER_CREATED",
            "MEMBER_UPDATED",
            "SENTIMENT_REPORT_DRAFTED",
            "SENTIMENT_REPORT_SUBMITTED",
            "SENTIMENT_REPORT_ACKNOWLEDGED",
            "NOTIFICATION_TEST",
        ],
    ),
    (
        "enum_notification_adapter",
        &["WEBHOOK", "DINGTALK", "WECOM"],
    ),
    ("enum_notification_target_status", &["ACTIVE", "PAUSED"]),
    (
        "enum_delivery_status",
        &["PENDING", "SUCCEEDED", "RETRYING", "DEAD"],
    ),
];

/// Creates and fills the enum lookup tables.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for &(table, values) in ENUMS {
            manager
                .create_table(
                    Table::create()
                        .table(table)
                        .col(ColumnDef::new("value").text().not_null().primary_key())
                        .take(),
                )
                .await?;
            let mut insert = Query::insert();
            insert.into_table(table).columns(["value"]);
            for &value in values {
                insert
                    .values([Expr::val(value)])
                    .map_err(|e| DbErr::Migration(format!("{table}: {e}")))?;
            }
            manager.execute(insert).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for &(table, _) in ENUMS.iter().rev() {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
