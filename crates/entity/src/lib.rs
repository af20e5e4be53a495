//! The sea-orm entities and enums of xieshang: one module per table of `docs/data-model.md`,
//! named like the table in the singular (`regions` → [`region`], `deliveries` → [`delivery`]),
//! and one Rust enum per enum lookup table in [`enums`]. Tables only, no logic.
//!
//! The lookup tables `enum_<name>` have no entity of their own: the enum in [`enums`] is their
//! Rust face (its `LOOKUP_TABLE` names the table, its `ALL` lists the rows).

#![warn(missing_docs)]

pub mod enums;

pub mod audit_log;
pub mod consultation;
pub mod consultation_participant;
pub mod consultation_status_change;
pub mod delivery;
pub mod event;
pub mod event_region;
pub mod import_job;
pub mod lounge;
pub mod lounge_activity;
pub mod lounge_activity_host;
pub mod lounge_activity_participant;
pub mod lounge_membership;
pub mod member;
pub mod notification_target;
pub mod region;
pub mod region_closure;
pub mod revoked_service_token;
pub mod role_assignment;
pub mod sentiment_report;
pub mod sentiment_report_author;
pub mod sentiment_report_source_lounge;
pub mod slot_request;
pub mod suggestion;
pub mod suggestion_follow_up;
pub mod suggestion_status_change;

/// Every entity under a short name (`Region` = `region::Entity`), as sea-orm-cli would generate.
pub mod prelude {
    pub use super::consultation::Entity as Consultation;
    pub use super::consultation_participant::Entity as ConsultationParticipant;
    pub use super::consultation_status_change::Entity as ConsultationStatusChange;
    pub use super::delivery::Entity as Delivery;
    pub use super::event::Entity as Event;
    pub use super::event_region::Entity as EventRegion;
    pub use super::import_job::Entity as ImportJob;
    pub use super::lounge::Entity as Lounge;
    pub use super::lounge_activity::Entity as LoungeActivity;
    pub use super::lounge_activity_host::Entity as LoungeActivityHost;
    pub use super::lounge_activity_participant::Entity as LoungeActivityParticipant;
    pub use super::lounge_membership::Entity as LoungeMembership;
    pub use super::member::Entity as Member;
    pub use super::notification_target::Entity as NotificationTarget;
    pub use super::region::Entity as Region;
    pub use super::region_closure::Entity as RegionClosure;
    pub use super::revoked_service_token::Entity as RevokedServiceToken;
    pub use super::role_assignment::Entity as RoleAssignment;
    pub use super::sentiment_report::Entity as SentimentReport;
    pub use super::sentiment_report_author::Entity as SentimentReportAuthor;
    pub use super::sentiment_report_source_lounge::Entity as SentimentReportSourceLounge;
    pub use super::slot_request::Entity as SlotRequest;
    pub use super::suggestion::Entity as Suggestion;
    pub use super::suggestion_follow_up::Entity as SuggestionFollowUp;
    pub use super::suggestion_status_change::Entity as SuggestionStatusChange;
}
