//! Outbox events as GraphQL exposes them.

use async_graphql::Enum;

/// Type of an outbox event.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::EventType")]
pub enum EventType {
    /// A consultation was created.
    ConsultationCreated,
    /// A consultation's details changed.
    ConsultationUpdated,
    /// A consultation moved to another status.
    ConsultationStatusChanged,
    /// A suggestion was made.
    SuggestionCreated,
    /// A suggestion moved to another status.
    SuggestionStatusChanged,
    /// A follow-up was recorded for a suggestion.
    SuggestionFollowedUp,
    /// A department requested a consultation slot.
    SlotRequested,
    /// A slot request was accepted or declined.
    SlotRequestDecided,
    /// A lounge was created.
    LoungeCreated,
    /// A lounge's details changed.
    LoungeUpdated,
    /// A lounge moved to another status.
    LoungeStatusChanged,
    /// A lounge membership began, changed or ended.
    LoungeMembershipChanged,
    /// A lounge activity was recorded.
    LoungeActivityRecorded,
    /// A member was created.
    MemberCreated,
    /// A member's details changed.
    MemberUpdated,
    /// A sentiment report was drafted.
    SentimentReportDrafted,
    /// A sentiment report was submitted.
    SentimentReportSubmitted,
    /// A sentiment report was acknowledged.
    SentimentReportAcknowledged,
    /// A test notification requested by an integrator.
    NotificationTest,
}
