//! GraphQL object types, one file per type.

pub mod activity;
pub mod audit_entry;
pub mod common;
pub mod consultation;
pub mod delivery;
pub mod event;
pub mod import_job;
pub mod lounge;
pub mod member;
pub mod node;
pub mod notification;
pub mod region;
pub mod region_lists;
pub mod role_assignment;
pub mod sentiment_report;
pub mod slot_request;
pub mod statistics;
pub mod status_change;
pub mod suggestion;
pub mod viewer;
