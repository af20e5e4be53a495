#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

use sea_orm_migration::prelude::*;

pub use sea_orm_migration::MigratorTrait;

mod util;

mod m20261128_000001_create_enums;
mod m20261128_000002_create_regions;
mod m20261128_000003_create_members_and_lounges;
mod m20261128_000004_create_lounge_activities;
mod m20261128_000005_create_consultations;
mod m20261128_000006_create_slot_requests_and_sentiment_reports;
mod m20261128_000007_create_outbox_and_notifications;
mod m20261128_000009_statistics_indexes;
mod m20261128_000010_delivery_indexes;
mod m20261204_000011_moderate_public_topics;
mod m20261204_000012_confirm_activity_hosts;
mod m20261204_000013_record_status_change_committee;
mod m20261204_000014_expire_deliveries;
mod m20261205_000015_page_order_indexes;
mod m20261205_000016_create_role_assignments;
mod m20261205_000017_create_revoked_service_tokens;
mod m20261205_000018_create_audit_log;
mod m20261206_000019_event_traceparent;
mod m20261206_000020_member_numbers;
mod m20261206_000021_create_import_jobs;
mod m20261207_000022_record_numbers;

/// Every migration of xieshang, in the order they run.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_create_enums::Migration),
            Box::new(m20261128_000002_create_regions::Migration),
            Box::new(m20261128_000003_create_members_and_lounges::Migration),
            Box::new(m20261128_000004_create_lounge_activities::Migration),
            Box::new(m20261128_000005_create_consultations::Migration),
            Box::new(m20261128_000006_create_slot_requests_and_sentiment_reports::Migration),
            Box::new(m20261128_000007_create_outbox_and_notifications::Migration),
            Box::new(m20261128_000009_statistics_indexes::Migration),
            Box::new(m20261128_000010_delivery_indexes::Migration),
            Box::new(m20261204_000011_moderate_public_topics::Migration),
            Box::new(m20261204_000012_confirm_activity_hosts::Migration),
            Box::new(m20261204_000013_record_status_change_committee::Migration),
            Box::new(m20261204_000014_expire_deliveries::Migration),
            Box::new(m20261205_000015_page_order_indexes::Migration),
            Box::new(m20261205_000016_create_role_assignments::Migration),
            Box::new(m20261205_000017_create_revoked_service_tokens::Migration),
            Box::new(m20261205_000018_create_audit_log::Migration),
            Box::new(m20261206_000019_event_traceparent::Migration),
            Box::new(m20261206_000020_member_numbers::Migration),
            Box::new(m20261206_000021_create_import_jobs::Migration),
            Box::new(m20261207_000022_record_numbers::Migration),
        ]
    }
}
