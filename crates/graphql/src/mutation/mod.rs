//! The root mutation, merged from one object per domain area. Every mutation takes one
//! `input: <Name>Input!` and returns a `<Name>Payload` with the changed object(s) and
//! `userErrors`.

mod consultations;
mod imports;
mod lounges;
mod members;
mod notifications;
mod payload;
mod public_topics;
mod roles;
mod sentiment_reports;
mod service_tokens;
mod slot_requests;
mod suggestions;
mod user_error;

mod activity_hosts;

use async_graphql::MergedObject;

pub(crate) use consultations::database_id;
pub use public_topics::PublicSubmissionGate;

/// The root of every write.
#[derive(MergedObject, Default)]
pub struct Mutation(
    consultations::ConsultationMutation,
    lounges::LoungeMutation,
    members::MemberMutation,
    notifications::NotificationMutation,
    public_topics::PublicTopicMutation,
    sentiment_reports::SentimentReportMutation,
    slot_requests::SlotRequestMutation,
    suggestions::SuggestionMutation,
    activity_hosts::ActivityHostingMutation,
    roles::RoleMutation,
    service_tokens::ServiceTokenMutation,
    imports::ImportMutation,
);
