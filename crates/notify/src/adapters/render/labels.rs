//! Chinese words for event types and for the enum values snapshots carry. Matches are
//! exhaustive, so a new event type or status does not compile until it has a name here.

use entity::enums::{
    ActivityFormat, ConsultationKind, ConsultationStatus, EventType, LoungeRole, LoungeStatus,
    MemberStatus, SentimentReportStatus, SlotRequestStatus, SuggestionStatus,
};
use serde_json::Value;

use super::plain;

/// The Chinese name of an event type; unknown types (from a newer server) show as they are.
pub(super) fn event_label(event_type: &str) -> String {
    let Ok(known) = serde_json::from_value::<EventType>(Value::String(event_type.to_owned()))
    else {
        return plain(event_type);
    };
    match known {
        EventType::ConsultationCreated => "新建协商活动",
        EventType::ConsultationUpdated => "协商活动信息更新",
        EventType::ConsultationStatusChanged => "协商活动状态变更",
        EventType::SuggestionCreated => "新增协商建议",
        EventType::SuggestionStatusChanged => "协商建议状态变更",
        EventType::SuggestionFollowedUp => "协商建议办理跟踪",
        EventType::SlotRequested => "部门协商申请（挂号）",
        EventType::SlotRequestDecided => "协商申请已处理",
        EventType::LoungeCreated => "新建委员会客厅",
        EventType::LoungeUpdated => "委员会客厅信息更新",
        EventType::LoungeStatusChanged => "委员会客厅状态变更",
        EventType::LoungeMembershipChanged => "委员会客厅成员变动",
        EventType::LoungeActivityRecorded => "委员会客厅活动记录",
        EventType::MemberCreated => "新增委员",
        EventType::MemberUpdated => "委员信息更新",
        EventType::SentimentReportDrafted => "社情民意信息起草",
        EventType::SentimentReportSubmitted => "社情民意信息报送",
        EventType::SentimentReportAcknowledged => "社情民意信息获领导批示",
        EventType::NotificationTest => "测试通知",
        EventType::LoungeActivityHostingConfirmed => "委员会客厅确认联合举办活动",
        EventType::LoungeActivityHostingDeclined => "委员会客厅谢绝联合举办活动",
    }
    .to_owned()
}

pub(super) fn consultation_status(status: ConsultationStatus) -> &'static str {
    match status {
        ConsultationStatus::Proposed => "已提出选题",
        ConsultationStatus::Approved => "选题已确定",
        ConsultationStatus::Researching => "调研中",
        ConsultationStatus::Scheduled => "已排期",
        ConsultationStatus::Held => "已举行",
        ConsultationStatus::FollowUp => "成果跟踪中",
        ConsultationStatus::Closed => "已办结",
        ConsultationStatus::Cancelled => "已取消",
        // Robots never receive these (see `domain::visibility`); labelled for completeness.
        ConsultationStatus::Submitted => "待审核",
        ConsultationStatus::Rejected => "未采纳",
    }
}

pub(super) fn consultation_kind(kind: ConsultationKind) -> &'static str {
    match kind {
        ConsultationKind::Main => "重点协商",
        ConsultationKind::Micro => "微协商",
    }
}

pub(super) fn suggestion_status(status: SuggestionStatus) -> &'static str {
    match status {
        SuggestionStatus::Submitted => "已提出",
        SuggestionStatus::Accepted => "已采纳",
        SuggestionStatus::Rejected => "未采纳",
        SuggestionStatus::InProgress => "办理中",
        SuggestionStatus::Implemented => "已落实",
    }
}

pub(super) fn slot_request_status(status: SlotRequestStatus) -> &'static str {
    match status {
        SlotRequestStatus::Queued => "排队中",
        SlotRequestStatus::Accepted => "已受理",
        SlotRequestStatus::Declined => "未受理",
    }
}

pub(super) fn lounge_status(status: LoungeStatus) -> &'static str {
    match status {
        LoungeStatus::Active => "运行中",
        LoungeStatus::Suspended => "暂停运行",
        LoungeStatus::Closed => "已关闭",
    }
}

pub(super) fn lounge_role(role: LoungeRole) -> &'static str {
    match role {
        LoungeRole::Lead => "牵头委员",
        LoungeRole::Team => "团队成员",
    }
}

pub(super) fn activity_format(format: ActivityFormat) -> &'static str {
    match format {
        ActivityFormat::Lecture => "委员讲堂",
        ActivityFormat::Propaganda => "宣讲团",
        ActivityFormat::Forum => "论坛",
        ActivityFormat::OnlineDeliberation => "网络议政",
        ActivityFormat::RemoteConsultation => "远程协商",
        ActivityFormat::Research => "调研",
        ActivityFormat::Salon => "读书沙龙",
        ActivityFormat::Other => "其他",
    }
}

pub(super) fn member_status(status: MemberStatus) -> &'static str {
    match status {
        MemberStatus::Active => "在任",
        MemberStatus::Inactive => "已离任",
    }
}

pub(super) fn sentiment_report_status(status: SentimentReportStatus) -> &'static str {
    match status {
        SentimentReportStatus::Draft => "起草中",
        SentimentReportStatus::Submitted => "已报送",
        SentimentReportStatus::Acknowledged => "已获批示",
    }
}
