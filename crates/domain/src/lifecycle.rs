//! The state machines of DESIGN.md: one table of allowed transitions per aggregate.
//!
//! Consultations: `PROPOSED → APPROVED → RESEARCHING → SCHEDULED → HELD → FOLLOW_UP → CLOSED`,
//! with `CANCELLED` reachable before `HELD`; a public topic enters moderation as `SUBMITTED` and
//! moves to `PROPOSED` (accepted) or the terminal `REJECTED`; no research is skipped, nothing is
//! held without a schedule, and a scheduled session may be rescheduled. Suggestions: `SUBMITTED →
//! ACCEPTED/REJECTED`, `ACCEPTED → IN_PROGRESS → IMPLEMENTED`. Slot requests (挂号): `QUEUED →
//! ACCEPTED/DECLINED`. Sentiment reports (社情民意信息): `DRAFT → SUBMITTED → ACKNOWLEDGED`.
//! Host lounges of a joint activity: `INVITED → CONFIRMED/DECLINED`.

use entity::enums::{
    ActivityHostStatus, ConsultationStatus, SentimentReportStatus, SlotRequestStatus,
    SuggestionStatus,
};

use crate::DomainError;

/// A status with a table of allowed next states.
pub trait Lifecycle: Copy + PartialEq + 'static {
    /// The states reachable in one step.
    fn next_states(self) -> &'static [Self];
    /// The stored (and GraphQL) name of the state.
    fn name(self) -> &'static str;
}

impl Lifecycle for ConsultationStatus {
    fn next_states(self) -> &'static [Self] {
        use ConsultationStatus::*;
        match self {
            Proposed => &[Approved, Cancelled],
            Approved => &[Researching, Cancelled],
            Researching => &[Scheduled, Cancelled],
            Scheduled => &[Scheduled, Held, Cancelled],
            Held => &[FollowUp],
            FollowUp => &[Closed],
            Submitted => &[Proposed, Rejected],
            Closed | Cancelled | Rejected => &[],
        }
    }

    fn name(self) -> &'static str {
        self.as_str()
    }
}

impl Lifecycle for SuggestionStatus {
    fn next_states(self) -> &'static [Self] {
        use SuggestionStatus::*;
        match self {
            Submitted => &[Accepted, Rejected],
            Accepted => &[InProgress],
            InProgress => &[Implemented],
            Rejected | Implemented => &[],
        }
    }

    fn name(self) -> &'static str {
        self.as_str()
    }
}

impl Lifecycle for SlotRequestStatus {
    fn next_states(self) -> &'static [Self] {
        use SlotRequestStatus::*;
        match self {
            Queued => &[Accepted, Declined],
            Accepted | Declined => &[],
        }
    }

    fn name(self) -> &'static str {
        self.as_str()
    }
}

impl Lifecycle for SentimentReportStatus {
    fn next_states(self) -> &'static [Self] {
        use SentimentReportStatus::*;
        match self {
            Draft => &[Submitted],
            Submitted => &[Acknowledged],
            Acknowledged => &[],
        }
    }

    fn name(self) -> &'static str {
        self.as_str()
    }
}

impl Lifecycle for ActivityHostStatus {
    fn next_states(self) -> &'static [Self] {
        use ActivityHostStatus::*;
        match self {
            Invited => &[Confirmed, Declined],
            Confirmed | Declined => &[],
        }
    }

    fn name(self) -> &'static str {
        self.as_str()
    }
}

/// `Ok` when `from → to` is allowed, else `INVALID_TRANSITION` naming the allowed next states.
pub fn check<S: Lifecycle>(from: S, to: S) -> Result<(), DomainError> {
    let allowed = from.next_states();
    if allowed.contains(&to) {
        return Ok(());
    }
    let names: Vec<&str> = allowed.iter().map(|state| state.name()).collect();
    Err(DomainError::InvalidTransition {
        current: from.name().to_owned(),
        requested: to.name().to_owned(),
        allowed: if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConsultationStatus::{
        Approved, Cancelled, Closed, FollowUp, Held, Proposed, Researching, Scheduled,
    };

    #[test]
    fn the_happy_path_is_allowed_step_by_step() {
        let path = [
            Proposed,
            Approved,
            Researching,
            Scheduled,
            Held,
            FollowUp,
            Closed,
        ];
        for pair in path.windows(2) {
            assert!(check(pair[0], pair[1]).is_ok(), "{pair:?}");
        }
        let suggestion = [
            SuggestionStatus::Submitted,
            SuggestionStatus::Accepted,
            SuggestionStatus::InProgress,
            SuggestionStatus::Implemented,
        ];
        for pair in suggestion.windows(2) {
            assert!(check(pair[0], pair[1]).is_ok(), "{pair:?}");
        }
    }

    #[test]
    fn skipping_steps_is_refused() {
        let error = check(Approved, Scheduled).expect_err("research first");
        assert_eq!(
            error.to_string(),
            "cannot go from APPROVED to SCHEDULED; allowed next: RESEARCHING, CANCELLED"
        );
        assert!(check(Researching, Held).is_err());
        assert!(check(Held, Cancelled).is_err());
        assert!(check(Closed, Proposed).is_err());
        assert!(check(Cancelled, Approved).is_err());
        assert!(check(SuggestionStatus::Submitted, SuggestionStatus::Implemented).is_err());
        assert!(check(SuggestionStatus::Rejected, SuggestionStatus::Accepted).is_err());
    }

    #[test]
    fn slot_requests_are_decided_once() {
        use SlotRequestStatus::{Accepted, Declined, Queued};
        assert!(check(Queued, Accepted).is_ok());
        assert!(check(Queued, Declined).is_ok());
        let error = check(Declined, Accepted).expect_err("decided already");
        assert_eq!(
            error.to_string(),
            "cannot go from DECLINED to ACCEPTED; allowed next: none"
        );
        assert!(check(Accepted, Declined).is_err());
        assert!(check(Accepted, Accepted).is_err());
    }

    #[test]
    fn sentiment_reports_are_submitted_before_they_are_acknowledged() {
        use SentimentReportStatus::{Acknowledged, Draft, Submitted};
        assert!(check(Draft, Submitted).is_ok());
        assert!(check(Submitted, Acknowledged).is_ok());
        let error = check(Draft, Acknowledged).expect_err("submit first");
        assert_eq!(
            error.to_string(),
            "cannot go from DRAFT to ACKNOWLEDGED; allowed next: SUBMITTED"
        );
        assert!(check(Acknowledged, Submitted).is_err());
        assert!(check(Submitted, Draft).is_err());
    }

    #[test]
    fn a_host_lounge_answers_an_invitation_once() {
        use ActivityHostStatus::{Confirmed, Declined, Invited};
        assert!(check(Invited, Confirmed).is_ok());
        assert!(check(Invited, Declined).is_ok());
        assert!(check(Confirmed, Declined).is_err());
        assert!(check(Declined, Confirmed).is_err());
        assert!(check(Confirmed, Invited).is_err());
    }
}
