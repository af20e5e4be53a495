//! The enums of xieshang, one per lookup table `enum_<name>(value TEXT PRIMARY KEY)`.
//!
//! Each is stored as `TEXT` holding the SCREAMING_SNAKE_CASE value (exactly the GraphQL value);
//! serde uses the same strings. [`ALL`](RegionLevel::ALL) lists the values in the order of
//! `docs/data-model.md`, and `LOOKUP_TABLE` names the table that holds them.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Declares a `TEXT`-backed enum with its lookup table, `ALL` and `as_str`.
macro_rules! db_enum {
    (
        $(#[$meta:meta])*
        $name:ident in $table:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $value:tt, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize,
            Deserialize,
        )]
        #[sea_orm(rs_type = "String", db_type = "Text")]
        pub enum $name {
            $(
                $(#[$vmeta])*
                #[sea_orm(string_value = $value)]
                #[serde(rename = $value)]
                $variant,
            )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &[Self] = &[$(Self::$variant),+];

            /// The lookup table whose rows are the allowed values.
            pub const LOOKUP_TABLE: &'static str = $table;

            /// The stored (and GraphQL) value, e.g. `"PROVINCE"`.
            pub fn as_str(&self) -> &'static str {
                match self {
                    $(Self::$variant => $value,)+
                }
            }
        }
    };
}

db_enum! {
    /// Tier of an administrative division (GB/T 2260).
    RegionLevel in "enum_region_level" {
        /// Province (省).
        Province = "PROVINCE",
        /// Prefecture-level city (市).
        City = "CITY",
        /// County-level unit (县、县级市、区).
        County = "COUNTY",
    }
}

db_enum! {
    /// A member's gender.
    Gender in "enum_gender" {
        /// Male.
        Male = "MALE",
        /// Female.
        Female = "FEMALE",
    }
}

db_enum! {
    /// Whether a member currently serves.
    MemberStatus in "enum_member_status" {
        /// Serving.
        Active = "ACTIVE",
        /// No longer serving.
        Inactive = "INACTIVE",
    }
}

db_enum! {
    /// Status of a members' lounge.
    LoungeStatus in "enum_lounge_status" {
        /// Running.
        Active = "ACTIVE",
        /// Temporarily not running.
        Suspended = "SUSPENDED",
        /// Closed for good (`closed_on` is set).
        Closed = "CLOSED",
    }
}

db_enum! {
    /// A member's role in a lounge.
    LoungeRole in "enum_lounge_role" {
        /// Lead member (牵头委员).
        Lead = "LEAD",
        /// Team member (团队成员).
        Team = "TEAM",
    }
}

db_enum! {
    /// Whether a lounge activity is one of the "4" or the "X" of "4+X".
    ActivityKind in "enum_activity_kind" {
        /// One of the four designed activities of the year.
        Planned = "PLANNED",
        /// A flexible, smaller activity.
        Flexible = "FLEXIBLE",
    }
}

db_enum! {
    /// Format of a lounge activity.
    ActivityFormat in "enum_activity_format" {
        /// Lecture (委员讲堂).
        Lecture = "LECTURE",
        /// Propaganda group (宣讲团).
        Propaganda = "PROPAGANDA",
        /// Forum, e.g. a livelihood forum.
        Forum = "FORUM",
        /// Online deliberation (网络议政).
        OnlineDeliberation = "ONLINE_DELIBERATION",
        /// Remote consultation.
        RemoteConsultation = "REMOTE_CONSULTATION",
        /// Research.
        Research = "RESEARCH",
        /// Reading salon.
        Salon = "SALON",
        /// Anything else.
        Other = "OTHER",
    }
}

db_enum! {
    /// Where a lounge activity takes place.
    ActivityChannel in "enum_activity_channel" {
        /// In person.
        Offline = "OFFLINE",
        /// Online (see the platform).
        Online = "ONLINE",
    }
}

db_enum! {
    /// Platform of an online lounge activity.
    OnlinePlatform in "enum_online_platform" {
        /// DingTalk.
        Dingtalk = "DINGTALK",
        /// WeChat.
        Wechat = "WECHAT",
        /// A video conference.
        Video = "VIDEO",
        /// Anything else.
        Other = "OTHER",
    }
}

db_enum! {
    /// Where a consultation topic came from.
    TopicSource in "enum_topic_source" {
        /// Proposed by the party committee and government (党政点题).
        PartyGovernment = "PARTY_GOVERNMENT",
        /// Recommended by members (委员荐题).
        Member = "MEMBER",
        /// Solicited from the public (社会征题).
        Public = "PUBLIC",
    }
}

db_enum! {
    /// Main consultation (one of the "6") or micro-consultation (the "X").
    ConsultationKind in "enum_consultation_kind" {
        /// Main consultation.
        Main = "MAIN",
        /// Micro-consultation.
        Micro = "MICRO",
    }
}

db_enum! {
    /// Lifecycle state of a consultation.
    ConsultationStatus in "enum_consultation_status" {
        /// Topic proposed.
        Proposed = "PROPOSED",
        /// Topic approved.
        Approved = "APPROVED",
        /// Research under way.
        Researching = "RESEARCHING",
        /// Date and venue set.
        Scheduled = "SCHEDULED",
        /// Session held.
        Held = "HELD",
        /// Outcomes being followed up.
        FollowUp = "FOLLOW_UP",
        /// Done.
        Closed = "CLOSED",
        /// Cancelled before it was held.
        Cancelled = "CANCELLED",
        /// A public topic (社会征题) waiting in the moderation queue; only staff in scope see it.
        Submitted = "SUBMITTED",
        /// A public topic that staff turned down in moderation (terminal); only staff in scope
        /// see it.
        Rejected = "REJECTED",
    }
}

db_enum! {
    /// The kind of unit that organizes a consultation.
    OrganizerKind in "enum_organizer_kind" {
        /// The committee itself.
        Committee = "COMMITTEE",
        /// A special committee (专委会).
        SpecialCommittee = "SPECIAL_COMMITTEE",
        /// A sector (界别).
        Sector = "SECTOR",
        /// A participating unit (参加单位).
        ParticipatingUnit = "PARTICIPATING_UNIT",
    }
}

db_enum! {
    /// A participant's role in a consultation.
    ParticipantRole in "enum_participant_role" {
        /// The presiding CPPCC chair.
        PresidingChair = "PRESIDING_CHAIR",
        /// A party or government leader.
        PartyGovernmentLeader = "PARTY_GOVERNMENT_LEADER",
        /// A government department.
        Department = "DEPARTMENT",
        /// A CPPCC member.
        Member = "MEMBER",
        /// An expert.
        Expert = "EXPERT",
        /// A representative of the public.
        PublicRepresentative = "PUBLIC_REPRESENTATIVE",
    }
}

db_enum! {
    /// Status of a suggestion.
    SuggestionStatus in "enum_suggestion_status" {
        /// Made, not yet decided.
        Submitted = "SUBMITTED",
        /// Accepted by the responsible department.
        Accepted = "ACCEPTED",
        /// Rejected.
        Rejected = "REJECTED",
        /// Being implemented.
        InProgress = "IN_PROGRESS",
        /// Implemented.
        Implemented = "IMPLEMENTED",
    }
}

db_enum! {
    /// Quality grade of a suggestion.
    SuggestionGrade in "enum_suggestion_grade" {
        /// Grade A.
        A = "A",
        /// Grade B.
        B = "B",
        /// Grade C.
        C = "C",
    }
}

db_enum! {
    /// Status of a department's request for a consultation slot (挂号).
    SlotRequestStatus in "enum_slot_request_status" {
        /// Waiting in the queue.
        Queued = "QUEUED",
        /// Accepted; became a consultation.
        Accepted = "ACCEPTED",
        /// Declined.
        Declined = "DECLINED",
    }
}

db_enum! {
    /// Status of a social-sentiment report.
    SentimentReportStatus in "enum_sentiment_report_status" {
        /// Being written.
        Draft = "DRAFT",
        /// Sent to the recipient.
        Submitted = "SUBMITTED",
        /// Acknowledged by a leader (批示).
        Acknowledged = "ACKNOWLEDGED",
    }
}

db_enum! {
    /// Type of an outbox event.
    EventType in "enum_event_type" {
        /// A consultation was created.
        ConsultationCreated = "CONSULTATION_CREATED",
        /// A consultation's details changed.
        ConsultationUpdated = "CONSULTATION_UPDATED",
        /// A consultation moved to another status.
        ConsultationStatusChanged = "CONSULTATION_STATUS_CHANGED",
        /// A suggestion was made.
        SuggestionCreated = "SUGGESTION_CREATED",
        /// A suggestion moved to another status.
        SuggestionStatusChanged = "SUGGESTION_STATUS_CHANGED",
        /// A follow-up was recorded for a suggestion.
        SuggestionFollowedUp = "SUGGESTION_FOLLOWED_UP",
        /// A department requested a consultation slot.
        SlotRequested = "SLOT_REQUESTED",
        /// A slot request was accepted or declined.
        SlotRequestDecided = "SLOT_REQUEST_DECIDED",
        /// A lounge was created.
        LoungeCreated = "LOUNGE_CREATED",
        /// A lounge's details changed.
        LoungeUpdated = "LOUNGE_UPDATED",
        /// A lounge moved to another status.
        LoungeStatusChanged = "LOUNGE_STATUS_CHANGED",
        /// A lounge membership began, changed or ended.
        LoungeMembershipChanged = "LOUNGE_MEMBERSHIP_CHANGED",
        /// A lounge activity was recorded.
        LoungeActivityRecorded = "LOUNGE_ACTIVITY_RECORDED",
        /// A member was created.
        MemberCreated = "MEMBER_CREATED",
        /// A member's details changed.
        MemberUpdated = "MEMBER_UPDATED",
        /// A sentiment report was drafted.
        SentimentReportDrafted = "SENTIMENT_REPORT_DRAFTED",
        /// A sentiment report was submitted.
        SentimentReportSubmitted = "SENTIMENT_REPORT_SUBMITTED",
        /// A sentiment report was acknowledged.
        SentimentReportAcknowledged = "SENTIMENT_REPORT_ACKNOWLEDGED",
        /// A test notification requested by an integrator.
        NotificationTest = "NOTIFICATION_TEST",
        /// A host lounge confirmed that it hosts a joint activity.
        LoungeActivityHostingConfirmed = "LOUNGE_ACTIVITY_HOSTING_CONFIRMED",
        /// A host lounge declined to host a joint activity.
        LoungeActivityHostingDeclined = "LOUNGE_ACTIVITY_HOSTING_DECLINED",
    }
}

db_enum! {
    /// How notifications reach a target.
    NotificationAdapter in "enum_notification_adapter" {
        /// A signed HTTP webhook.
        Webhook = "WEBHOOK",
        /// A DingTalk group robot.
        Dingtalk = "DINGTALK",
        /// A WeCom (企业微信) group robot.
        Wecom = "WECOM",
    }
}

db_enum! {
    /// Whether a notification target receives deliveries.
    NotificationTargetStatus in "enum_notification_target_status" {
        /// Receiving.
        Active = "ACTIVE",
        /// Paused by its owner.
        Paused = "PAUSED",
    }
}

db_enum! {
    /// State of one delivery of an event to a target.
    DeliveryStatus in "enum_delivery_status" {
        /// Not attempted yet.
        Pending = "PENDING",
        /// Delivered.
        Succeeded = "SUCCEEDED",
        /// Failed; another attempt is scheduled.
        Retrying = "RETRYING",
        /// Given up.
        Dead = "DEAD",
        /// Not delivered within the event retention (the target stayed paused or failing):
        /// settled so that pruning goes on; cannot be redelivered.
        Expired = "EXPIRED",
    }
}

db_enum! {
    /// Whether a lounge named as a host of an activity has agreed to host it. Only CONFIRMED
    /// hosts count in statistics.
    ActivityHostStatus in "enum_activity_host_status" {
        /// Named by the recorder; the lounge has not answered yet.
        Invited = "INVITED",
        /// The lounge hosts the activity.
        Confirmed = "CONFIRMED",
        /// The lounge declined.
        Declined = "DECLINED",
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ActiveEnum, Iterable};

    use super::*;

    /// `as_str`, the stored value (sea-orm) and the serde form are one and the same string, in
    /// SCREAMING_SNAKE_CASE, and `ALL` lists every variant once.
    macro_rules! check {
        ($($enum:ident),+ $(,)?) => {$(
            assert_eq!($enum::iter().count(), $enum::ALL.len(), stringify!($enum));
            assert!($enum::LOOKUP_TABLE.starts_with("enum_"), stringify!($enum));
            for value in $enum::ALL {
                let text = value.as_str();
                assert!(
                    text.chars().all(|c| c.is_ascii_uppercase() || c == '_'),
                    "{text} is not SCREAMING_SNAKE_CASE"
                );
                assert_eq!(value.to_value(), text);
                assert_eq!($enum::try_from_value(&text.to_owned()).expect(text), *value);
                let json = serde_json::to_string(value).expect(text);
                assert_eq!(json, format!("\"{text}\""));
                assert_eq!(serde_json::from_str::<$enum>(&json).expect(text), *value);
            }
        )+};
    }

    #[test]
    fn stored_serde_and_as_str_agree() {
        check!(
            RegionLevel,
            Gender,
            MemberStatus,
            LoungeStatus,
            LoungeRole,
            ActivityKind,
            ActivityFormat,
            ActivityChannel,
            OnlinePlatform,
            TopicSource,
            ConsultationKind,
            ConsultationStatus,
            OrganizerKind,
            ParticipantRole,
            SuggestionStatus,
            SuggestionGrade,
            SlotRequestStatus,
            SentimentReportStatus,
            EventType,
            NotificationAdapter,
            NotificationTargetStatus,
            DeliveryStatus,
            ActivityHostStatus,
        );
    }
}
