//! Who may see a record in a given state: the read rules, in one place.
//!
//! Most records are public. Two kinds of state are not:
//!
//! * a DRAFT sentiment report (社情民意信息): its authors and staff whose scope covers the
//!   reporting committee;
//! * a public topic (社会征题) waiting in the moderation queue (SUBMITTED) or turned down
//!   (REJECTED): staff whose scope covers the committee only.
//!
//! The read paths ask [`consultation`] / [`sentiment_report`] and [`may_see`] (list queries use
//! [`staff_regions`] and [`public_consultation_statuses`], the same rule as a set), and the event
//! log asks [`of_event`] about the state an event's snapshot records: a caller sees an event, and
//! a notification target receives it, only if the read rules let that caller see the record in
//! that state. Notification targets are judged as an INTEGRATOR of their own region
//! ([`Viewer::notification_target`]), whoever created them.

use entity::enums::{ConsultationStatus, SentimentReportStatus};

use crate::{Actor, Principal, Role};

/// Who may see a record in some state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// Everyone the surface is open to (the event log: every authenticated caller whose scope
    /// touches the event).
    Public,
    /// Staff whose scope covers the record's committee, nobody else.
    Staff,
    /// Staff whose scope covers the record's committee, and the record's authors.
    StaffAndAuthors,
}

/// Who may see a consultation in `status`: topics awaiting moderation and rejected topics are
/// for staff in scope only.
pub fn consultation(status: ConsultationStatus) -> Audience {
    match status {
        ConsultationStatus::Submitted | ConsultationStatus::Rejected => Audience::Staff,
        _ => Audience::Public,
    }
}

/// Who may see a sentiment report in `status`: drafts are for staff in scope and their authors.
pub fn sentiment_report(status: SentimentReportStatus) -> Audience {
    match status {
        SentimentReportStatus::Draft => Audience::StaffAndAuthors,
        _ => Audience::Public,
    }
}

/// The consultation statuses everyone may see, for list queries; agrees with [`consultation`].
pub fn public_consultation_statuses() -> Vec<ConsultationStatus> {
    ConsultationStatus::ALL
        .iter()
        .copied()
        .filter(|status| consultation(*status) == Audience::Public)
        .collect()
}

/// The sentiment report statuses everyone may see, for list queries; agrees with
/// [`sentiment_report`].
pub fn public_sentiment_report_statuses() -> Vec<SentimentReportStatus> {
    SentimentReportStatus::ALL
        .iter()
        .copied()
        .filter(|status| sentiment_report(*status) == Audience::Public)
        .collect()
}

/// Who may see the record an event records, in the state its snapshot records (`status`).
/// Every consultation and sentiment report snapshot this service writes carries its status; a
/// status it does not know is treated as not public (fail closed), and a snapshot without one
/// records no state to hide. Other records are public.
pub fn of_event(entity_type: &str, snapshot: &serde_json::Value) -> Audience {
    let Some(status) = snapshot.get("status") else {
        return Audience::Public;
    };
    let status = status.as_str();
    match entity_type {
        "Consultation" => ConsultationStatus::ALL
            .iter()
            .find(|known| Some(known.as_str()) == status)
            .map_or(Audience::Staff, |status| consultation(*status)),
        "SentimentReport" => SentimentReportStatus::ALL
            .iter()
            .find(|known| Some(known.as_str()) == status)
            .map_or(Audience::Staff, |status| sentiment_report(*status)),
        _ => Audience::Public,
    }
}

/// Whether a caller with `principal` may see a record of `audience` belonging to the committees
/// `region_ids` (a record's own committee; for an event, every committee it touches: staff must
/// cover them all). `is_author` says whether the caller is one of the record's authors.
pub fn may_see(
    principal: Option<&Principal>,
    audience: Audience,
    region_ids: &[i64],
    is_author: bool,
) -> bool {
    let staff_in_scope = || {
        principal.is_some_and(|principal| {
            principal.role.is_staff()
                && !region_ids.is_empty()
                && region_ids.iter().all(|id| principal.covers(*id))
        })
    };
    match audience {
        Audience::Public => true,
        Audience::Staff => staff_in_scope(),
        Audience::StaffAndAuthors => staff_in_scope() || is_author,
    }
}

/// The committees (region ids) whose non-public records the caller may see as staff, for list
/// queries; agrees with [`may_see`]. Empty for everyone but staff.
pub fn staff_regions(actor: &Actor) -> Vec<i64> {
    match actor.principal() {
        Some(principal) if principal.role.is_staff() => {
            let mut ids: Vec<i64> = principal.scope.iter().copied().collect();
            ids.sort_unstable();
            ids
        }
        _ => Vec::new(),
    }
}

/// What the event log's SQL needs to know about a reader: see
/// [`crate::events::visible_condition`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Viewer {
    /// The reader's role.
    pub role: Role,
    /// The committees the reader's scope covers.
    pub reach: Reach,
    /// The member the reader is (MEMBER role only).
    pub member_id: Option<i64>,
}

/// The committees a reader's scope covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reach {
    /// A region and everything below it (a notification target's committee).
    Subtree(i64),
    /// Exactly these region ids (a caller's scope: the union of the subtrees of every
    /// assignment it acts with; see `crate::roles`).
    Regions(Vec<i64>),
}

impl Viewer {
    /// An authenticated caller, over its whole scope.
    pub fn of(principal: &Principal) -> Self {
        let mut scope: Vec<i64> = principal.scope.iter().copied().collect();
        scope.sort_unstable();
        Self {
            role: principal.role,
            reach: Reach::Regions(scope),
            member_id: (principal.role == Role::Member)
                .then_some(principal.member_id)
                .flatten(),
        }
    }

    /// A notification target (webhook, DingTalk or WeCom robot) of the region `region_id`: an
    /// INTEGRATOR of that region, whoever created the target.
    pub fn notification_target(region_id: i64) -> Self {
        Self {
            role: Role::Integrator,
            reach: Reach::Subtree(region_id),
            member_id: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;

    fn principal(role: Role, scope: &[i64]) -> Principal {
        Principal {
            issuer: None,
            token_id: None,
            subject: "t".into(),
            role,
            region_id: scope[0],
            region_code: "330000".into(),
            member_id: (role == Role::Member).then_some(7),
            scope: Arc::new(scope.iter().copied().collect()),
        }
    }

    #[test]
    fn drafts_and_moderation_queue_are_not_public() {
        assert_eq!(
            sentiment_report(SentimentReportStatus::Draft),
            Audience::StaffAndAuthors
        );
        assert_eq!(consultation(ConsultationStatus::Submitted), Audience::Staff);
        assert_eq!(consultation(ConsultationStatus::Rejected), Audience::Staff);
        assert!(!public_consultation_statuses().contains(&ConsultationStatus::Submitted));
        assert!(public_consultation_statuses().contains(&ConsultationStatus::Proposed));
        assert_eq!(
            public_sentiment_report_statuses(),
            vec![
                SentimentReportStatus::Submitted,
                SentimentReportStatus::Acknowledged
            ]
        );
    }

    #[test]
    fn events_are_judged_by_the_state_they_record() {
        let draft = json!({"status": "DRAFT", "title": "t"});
        assert_eq!(
            of_event("SentimentReport", &draft),
            Audience::StaffAndAuthors
        );
        assert_eq!(
            of_event("Consultation", &json!({"status": "SUBMITTED"})),
            Audience::Staff
        );
        assert_eq!(
            of_event("Consultation", &json!({"status": "PROPOSED"})),
            Audience::Public
        );
        assert_eq!(
            of_event("Consultation", &json!({"status": "UNHEARD_OF"})),
            Audience::Staff
        );
        assert_eq!(of_event("Consultation", &json!({})), Audience::Public);
        assert_eq!(
            of_event("Lounge", &json!({"status": "DRAFT"})),
            Audience::Public
        );
    }

    #[test]
    fn staff_must_cover_every_committee() {
        let county = principal(Role::CountyStaff, &[3]);
        let city = principal(Role::CityStaff, &[2, 3]);
        let integrator = principal(Role::Integrator, &[1, 2, 3]);
        assert!(may_see(Some(&city), Audience::Staff, &[2, 3], false));
        assert!(!may_see(Some(&county), Audience::Staff, &[2, 3], false));
        assert!(!may_see(Some(&integrator), Audience::Staff, &[3], false));
        assert!(may_see(Some(&integrator), Audience::Public, &[3], false));
        assert!(!may_see(None, Audience::StaffAndAuthors, &[3], false));
        assert!(may_see(None, Audience::StaffAndAuthors, &[3], true));
        assert!(!may_see(Some(&city), Audience::Staff, &[], false));
    }

    #[test]
    fn only_members_act_as_members() {
        let mut staff = principal(Role::ProvinceStaff, &[1]);
        staff.member_id = Some(7);
        assert_eq!(Viewer::of(&staff).member_id, None);
        assert_eq!(
            Viewer::of(&principal(Role::Member, &[3])).member_id,
            Some(7)
        );
        assert_eq!(Viewer::notification_target(2).role, Role::Integrator);
    }
}
