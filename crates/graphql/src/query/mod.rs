//! The root query, merged from one object per domain area.

mod activities;
mod audit_log;
mod consultations;
mod events;
mod imports;
mod lounges;
mod node;
mod notifications;
mod public_topics;
mod regions;
mod role_assignments;
mod sentiment_reports;
mod slot_requests;
mod statistics;
mod viewer;

use async_graphql::MergedObject;

/// The root of every read.
#[derive(MergedObject, Default)]
pub struct Query(
    node::NodeQuery,
    regions::RegionQuery,
    lounges::LoungeQuery,
    consultations::ConsultationQuery,
    events::EventQuery,
    activities::ActivityQuery,
    notifications::NotificationQuery,
    sentiment_reports::SentimentReportQuery,
    slot_requests::SlotRequestQuery,
    statistics::StatisticsQuery,
    viewer::ViewerQuery,
    public_topics::PublicTopicQuery,
    role_assignments::RoleAssignmentQuery,
    audit_log::AuditLogQuery,
    imports::ImportQuery,
);
