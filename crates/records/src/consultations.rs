//! 协商 records: past sessions with their participants, suggestions and follow-ups, one sheet
//! each (协商, 参与人员, 建议, 跟踪; a CSV file holds the sessions only).
//!
//! * A session is keyed by (committee, 协商编号): a row whose committee has a session with that
//!   number updates it, any other row creates one with that number. The committee is the
//!   row's 委员会代码, or the import's region.
//! * A linked row finds its session by (委员会代码 or the import's region, 协商编号) among the
//!   session sheet's rows; a follow-up finds its suggestion by (session, 建议序号) among the
//!   stored suggestions and the file's suggestion rows.
//! * 序号 keys a child within its parent: the 1-based position of the stored children in id
//!   order, as exports write it. A 序号 up to the stored count updates that child; larger ones
//!   create children and must continue the sequence without a gap. Imports never delete.
//! * Rows are checked with the mutations' field checks plus the rules a history must keep (a
//!   held session has its time, only a cancelled one a reason, only a public topic a
//!   submitter); lounges (承办客厅) and members (委员编号) must exist: import them first.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use domain::{
    Actor, Db,
    limits::MAX_CONSULTATION_PARTICIPANTS,
    regions::Region,
    write::consultations::default_organizer,
    write::consultations_import::{
        self as write, ConsultationFields, ConsultationImport, FollowUpFields,
        ImportedConsultation, ImportedFollowUp, ImportedParticipant, ImportedSuggestion,
        ParticipantFields, RecordKey, SuggestionFields,
    },
};
use entity::{
    consultation, consultation_participant,
    enums::{
        ConsultationKind, ConsultationStatus, OrganizerKind, ParticipantRole, SuggestionGrade,
        SuggestionStatus, TopicSource,
    },
    suggestion, suggestion_follow_up,
};

use crate::{
    ErrorCode, FileError, ImportOptions, Phase, Progress, Report, RowError, cell,
    columns::Column,
    members::label,
    scope::{ImportScope, unknown_lounge, unknown_member},
    source::{Row, Source},
    table::{self, SheetOf, Table},
    workbook::{self, SheetSpec},
};

/// The sessions sheet's name.
pub const SHEET: &str = "协商";
/// The participants sheet's name.
pub const PARTICIPANTS_SHEET: &str = "参与人员";
/// The suggestions sheet's name.
pub const SUGGESTIONS_SHEET: &str = "建议";
/// The follow-ups sheet's name.
pub const FOLLOW_UPS_SHEET: &str = "跟踪";

const NUMBER: usize = 0;
const TITLE: usize = 1;
const TOPIC: usize = 2;
const SOURCE: usize = 3;
const KIND: usize = 4;
const STATUS: usize = 5;
const ORGANIZER_KIND: usize = 6;
const ORGANIZER_NAME: usize = 7;
const LOUNGE: usize = 8;
const LOUNGE_REGION: usize = 9;
const SCHEDULED: usize = 10;
const HELD: usize = 11;
const VENUE: usize = 12;
const CANCEL: usize = 13;
const SUBMITTER: usize = 14;
const CONTACT: usize = 15;
const REGION: usize = 16;

static COLUMNS: [Column; 17] = [
    Column {
        chinese: "协商编号",
        english: "recordNumber",
        required: true,
        personal: false,
        help: "每个政协内唯一，如 330212-XS-0001；导入按 委员会代码+协商编号 更新已有协商，否则以此编号新增。",
    },
    Column {
        chinese: "标题",
        english: "title",
        required: true,
        personal: false,
        help: "1–200 个字符。",
    },
    Column {
        chinese: "议题",
        english: "topic",
        required: true,
        personal: false,
        help: "协商的问题，1–2000 个字符。",
    },
    Column {
        chinese: "选题来源",
        english: "topicSource",
        required: true,
        personal: false,
        help: "党政点题、委员荐题 或 社会征题（也可填 PARTY_GOVERNMENT / MEMBER / PUBLIC）。",
    },
    Column {
        chinese: "类型",
        english: "kind",
        required: true,
        personal: false,
        help: "专题协商 或 微协商（也可填 MAIN / MICRO）。",
    },
    Column {
        chinese: "状态",
        english: "status",
        required: true,
        personal: false,
        help: "协商所处的状态（也可填 PROPOSED、HELD 等英文代码）。",
    },
    Column {
        chinese: "组织单位类型",
        english: "organizerKind",
        required: false,
        personal: false,
        help: "政协、专委会、界别 或 参加单位；留空为政协。",
    },
    Column {
        chinese: "组织单位名称",
        english: "organizerName",
        required: false,
        personal: false,
        help: "留空为“<政协名称>政协”，如 鄞州区政协。",
    },
    Column {
        chinese: "承办客厅",
        english: "lounge",
        required: false,
        personal: false,
        help: "已有委员会客厅的名称（先导入客厅）；无则留空。",
    },
    Column {
        chinese: "客厅委员会代码",
        english: "loungeRegionCode",
        required: false,
        personal: false,
        help: "承办客厅所属政协的代码；留空则与协商相同。",
    },
    Column {
        chinese: "计划时间",
        english: "scheduledAt",
        required: false,
        personal: false,
        help: "北京时间，如 2020-06-01 14:30；已排期的协商必填。",
    },
    Column {
        chinese: "召开时间",
        english: "heldAt",
        required: false,
        personal: false,
        help: "北京时间，如 2020-06-01 14:30；已召开、跟踪落实、已办结的协商必填，其他状态不填。",
    },
    Column {
        chinese: "地点",
        english: "venue",
        required: false,
        personal: false,
        help: "1–200 个字符。",
    },
    Column {
        chinese: "取消原因",
        english: "cancelReason",
        required: false,
        personal: false,
        help: "仅状态为 已取消 时填写，且必填。",
    },
    Column {
        chinese: "征题人",
        english: "submitterName",
        required: false,
        personal: true,
        help: "个人信息。仅 社会征题 填写，且必填。",
    },
    Column {
        chinese: "征题人联系方式",
        english: "submitterContact",
        required: false,
        personal: true,
        help: "个人信息。仅 社会征题 填写，且必填。",
    },
    Column {
        chinese: "委员会代码",
        english: "regionCode",
        required: false,
        personal: false,
        help: "协商所属政协的六位行政区划代码；留空则为导入时指定的区域。",
    },
];

const P_NUMBER: usize = 0;
const P_POSITION: usize = 1;
const P_ROLE: usize = 2;
const P_NAME: usize = 3;
const P_ORGANIZATION: usize = 4;
const P_MEMBER: usize = 5;
const P_MEMBER_REGION: usize = 6;
const P_REGION: usize = 7;

static PARTICIPANT_COLUMNS: [Column; 8] = [
    Column {
        chinese: "协商编号",
        english: "recordNumber",
        required: true,
        personal: false,
        help: "工作表“协商”中的协商编号。",
    },
    Column {
        chinese: "序号",
        english: "position",
        required: true,
        personal: false,
        help: "在该协商中的序号（1、2、3…）：已有的序号更新该人员，新序号须接着已有的连续编号。",
    },
    Column {
        chinese: "角色",
        english: "role",
        required: true,
        personal: false,
        help: "参与协商的身份。",
    },
    Column {
        chinese: "姓名",
        english: "name",
        required: true,
        personal: false,
        help: "1–100 个字符。",
    },
    Column {
        chinese: "单位",
        english: "organization",
        required: false,
        personal: false,
        help: "所代表的单位。",
    },
    Column {
        chinese: "委员编号",
        english: "memberNumber",
        required: false,
        personal: false,
        help: "参与人是委员时填写已有委员的委员编号（先导入委员）。",
    },
    Column {
        chinese: "委员委员会代码",
        english: "memberRegionCode",
        required: false,
        personal: false,
        help: "委员所在政协的代码；留空则与协商相同。",
    },
    Column {
        chinese: "委员会代码",
        english: "regionCode",
        required: false,
        personal: false,
        help: "协商所属政协的代码；留空则为导入时指定的区域。",
    },
];

const S_NUMBER: usize = 0;
const S_POSITION: usize = 1;
const S_CONTENT: usize = 2;
const S_STATUS: usize = 3;
const S_GRADE: usize = 4;
const S_DEPARTMENT: usize = 5;
const S_PROPOSER: usize = 6;
const S_PROPOSER_NUMBER: usize = 7;
const S_PROPOSER_REGION: usize = 8;
const S_CREATED: usize = 9;
const S_REGION: usize = 10;

static SUGGESTION_COLUMNS: [Column; 11] = [
    Column {
        chinese: "协商编号",
        english: "recordNumber",
        required: true,
        personal: false,
        help: "工作表“协商”中的协商编号；只有已召开、跟踪落实、已办结的协商有建议。",
    },
    Column {
        chinese: "序号",
        english: "position",
        required: true,
        personal: false,
        help: "在该协商中的序号（1、2、3…）：已有的序号更新该建议，新序号须接着已有的连续编号。",
    },
    Column {
        chinese: "内容",
        english: "content",
        required: true,
        personal: false,
        help: "1–5000 个字符。",
    },
    Column {
        chinese: "状态",
        english: "status",
        required: true,
        personal: false,
        help: "建议的办理状态。",
    },
    Column {
        chinese: "等级",
        english: "grade",
        required: false,
        personal: false,
        help: "已落实 的建议填 A 或 B；未采纳 的为 C（可留空）；其他状态不填。",
    },
    Column {
        chinese: "责任单位",
        english: "responsibleDepartment",
        required: true,
        personal: false,
        help: "负责办理的部门，1–200 个字符。",
    },
    Column {
        chinese: "提出人",
        english: "proposer",
        required: true,
        personal: false,
        help: "1–100 个字符。",
    },
    Column {
        chinese: "提出人委员编号",
        english: "proposerMemberNumber",
        required: false,
        personal: false,
        help: "提出人是委员时填写已有委员的委员编号。",
    },
    Column {
        chinese: "提出人委员会代码",
        english: "proposerRegionCode",
        required: false,
        personal: false,
        help: "提出人所在政协的代码；留空则与协商相同。",
    },
    Column {
        chinese: "提出时间",
        english: "createdAt",
        required: true,
        personal: false,
        help: "北京时间，如 2020-06-01 16:00；统计按此时间计入年度。",
    },
    Column {
        chinese: "委员会代码",
        english: "regionCode",
        required: false,
        personal: false,
        help: "协商所属政协的代码；留空则为导入时指定的区域。",
    },
];

const F_NUMBER: usize = 0;
const F_SUGGESTION: usize = 1;
const F_POSITION: usize = 2;
const F_DATE: usize = 3;
const F_NOTE: usize = 4;
const F_PROGRESS: usize = 5;
const F_ACTOR: usize = 6;
const F_REGION: usize = 7;

static FOLLOW_UP_COLUMNS: [Column; 8] = [
    Column {
        chinese: "协商编号",
        english: "recordNumber",
        required: true,
        personal: false,
        help: "工作表“协商”中的协商编号。",
    },
    Column {
        chinese: "建议序号",
        english: "suggestion",
        required: true,
        personal: false,
        help: "该协商中建议的序号（已有的，或工作表“建议”中的）；已采纳、落实中、已落实的建议才有跟踪。",
    },
    Column {
        chinese: "序号",
        english: "position",
        required: true,
        personal: false,
        help: "在该建议中的序号（1、2、3…）：已有的序号更新该跟踪，新序号须接着已有的连续编号。",
    },
    Column {
        chinese: "日期",
        english: "followedOn",
        required: true,
        personal: false,
        help: "如 2020-07-01；不早于建议提出之日，不晚于今天。",
    },
    Column {
        chinese: "情况",
        english: "note",
        required: true,
        personal: false,
        help: "跟踪了解到的情况，1–2000 个字符。",
    },
    Column {
        chinese: "进度",
        english: "progress",
        required: true,
        personal: false,
        help: "0–100 的整数（百分比）。",
    },
    Column {
        chinese: "跟踪人",
        english: "actor",
        required: false,
        personal: false,
        help: "留空则为导入人。",
    },
    Column {
        chinese: "委员会代码",
        english: "regionCode",
        required: false,
        personal: false,
        help: "协商所属政协的代码；留空则为导入时指定的区域。",
    },
];

const MAIN: SheetOf = SheetOf {
    names: &[SHEET, "consultations", "Consultations"],
    columns: &COLUMNS,
};

static LINKED: [SheetOf; 3] = [
    SheetOf {
        names: &[PARTICIPANTS_SHEET, "participants", "Participants"],
        columns: &PARTICIPANT_COLUMNS,
    },
    SheetOf {
        names: &[SUGGESTIONS_SHEET, "suggestions", "Suggestions"],
        columns: &SUGGESTION_COLUMNS,
    },
    SheetOf {
        names: &[FOLLOW_UPS_SHEET, "followUps", "FollowUps"],
        columns: &FOLLOW_UP_COLUMNS,
    },
];

const SOURCES: &[(TopicSource, &str, &[&str])] = &[
    (
        TopicSource::PartyGovernment,
        "PARTY_GOVERNMENT",
        &["党政点题"],
    ),
    (TopicSource::Member, "MEMBER", &["委员荐题"]),
    (TopicSource::Public, "PUBLIC", &["社会征题"]),
];

const KINDS: &[(ConsultationKind, &str, &[&str])] = &[
    (ConsultationKind::Main, "MAIN", &["专题协商"]),
    (ConsultationKind::Micro, "MICRO", &["微协商"]),
];

const STATUSES: &[(ConsultationStatus, &str, &[&str])] = &[
    (ConsultationStatus::Proposed, "PROPOSED", &["已提出"]),
    (ConsultationStatus::Approved, "APPROVED", &["已立项"]),
    (ConsultationStatus::Researching, "RESEARCHING", &["调研中"]),
    (ConsultationStatus::Scheduled, "SCHEDULED", &["已排期"]),
    (ConsultationStatus::Held, "HELD", &["已召开"]),
    (ConsultationStatus::FollowUp, "FOLLOW_UP", &["跟踪落实"]),
    (ConsultationStatus::Closed, "CLOSED", &["已办结"]),
    (ConsultationStatus::Cancelled, "CANCELLED", &["已取消"]),
    (ConsultationStatus::Submitted, "SUBMITTED", &["待审核"]),
    (ConsultationStatus::Rejected, "REJECTED", &["未采纳"]),
];

const ORGANIZER_KINDS: &[(OrganizerKind, &str, &[&str])] = &[
    (OrganizerKind::Committee, "COMMITTEE", &["政协"]),
    (
        OrganizerKind::SpecialCommittee,
        "SPECIAL_COMMITTEE",
        &["专委会"],
    ),
    (OrganizerKind::Sector, "SECTOR", &["界别"]),
    (
        OrganizerKind::ParticipatingUnit,
        "PARTICIPATING_UNIT",
        &["参加单位"],
    ),
];

const ROLES: &[(ParticipantRole, &str, &[&str])] = &[
    (
        ParticipantRole::PresidingChair,
        "PRESIDING_CHAIR",
        &["主持人"],
    ),
    (
        ParticipantRole::PartyGovernmentLeader,
        "PARTY_GOVERNMENT_LEADER",
        &["党政领导"],
    ),
    (ParticipantRole::Department, "DEPARTMENT", &["部门代表"]),
    (ParticipantRole::Member, "MEMBER", &["委员"]),
    (ParticipantRole::Expert, "EXPERT", &["专家"]),
    (
        ParticipantRole::PublicRepresentative,
        "PUBLIC_REPRESENTATIVE",
        &["群众代表"],
    ),
];

const SUGGESTION_STATUSES: &[(SuggestionStatus, &str, &[&str])] = &[
    (SuggestionStatus::Submitted, "SUBMITTED", &["已提出"]),
    (SuggestionStatus::Accepted, "ACCEPTED", &["已采纳"]),
    (SuggestionStatus::Rejected, "REJECTED", &["未采纳"]),
    (SuggestionStatus::InProgress, "IN_PROGRESS", &["落实中"]),
    (SuggestionStatus::Implemented, "IMPLEMENTED", &["已落实"]),
];

const GRADES: &[(SuggestionGrade, &str, &[&str])] = &[
    (SuggestionGrade::A, "A", &["A"]),
    (SuggestionGrade::B, "B", &["B"]),
    (SuggestionGrade::C, "C", &["C"]),
];

/// The session column each of [`ConsultationFields::checked`]'s fields names.
fn column_of_field(field: &str) -> usize {
    match field {
        "recordNumber" => NUMBER,
        "title" => TITLE,
        "topic" => TOPIC,
        "topicSource" => SOURCE,
        "status" => STATUS,
        "organizerName" => ORGANIZER_NAME,
        "venue" => VENUE,
        "scheduledAt" => SCHEDULED,
        "heldAt" => HELD,
        "reason" => CANCEL,
        "submitterName" => SUBMITTER,
        "submitterContact" => CONTACT,
        _ => REGION,
    }
}

/// The participant column each of [`ParticipantFields::checked`]'s fields names.
fn participant_column_of_field(field: &str) -> usize {
    match field {
        "participants.organization" => P_ORGANIZATION,
        _ => P_NAME,
    }
}

/// The suggestion column each of [`SuggestionFields::checked`]'s fields names.
fn suggestion_column_of_field(field: &str) -> usize {
    match field {
        "content" => S_CONTENT,
        "status" => S_STATUS,
        "grade" => S_GRADE,
        "responsibleDepartment" => S_DEPARTMENT,
        "proposerName" => S_PROPOSER,
        "createdAt" => S_CREATED,
        _ => S_NUMBER,
    }
}

/// The follow-up column each of [`FollowUpFields::checked`]'s fields names.
fn follow_up_column_of_field(field: &str) -> usize {
    match field {
        "note" => F_NOTE,
        "progress" => F_PROGRESS,
        "actor" => F_ACTOR,
        "suggestion" => F_SUGGESTION,
        _ => F_DATE,
    }
}

/// One row's cells read by their columns' types; every cell that is not of its type is
/// remembered (and the value read as a default), for the caller to report together.
struct Cells<'a> {
    columns: &'static [Column],
    row: &'a Row,
    errors: Vec<(usize, ErrorCode, String)>,
}

impl<'a> Cells<'a> {
    fn new(columns: &'static [Column], row: &'a Row) -> Self {
        Self {
            columns,
            row,
            errors: Vec::new(),
        }
    }

    fn raw(&self, index: usize) -> &'a str {
        self.row.cells.get(index).map_or("", String::as_str)
    }

    fn header(&self, index: usize) -> &'static str {
        self.columns[index].chinese
    }

    fn fail(&mut self, index: usize, code: ErrorCode, message: String) {
        self.errors.push((index, code, message));
    }

    /// A text cell; `Required` when blank.
    fn text(&mut self, index: usize) -> String {
        let value = cell::text(self.raw(index));
        if value.is_empty() {
            self.required(index);
        }
        value
    }

    fn required(&mut self, index: usize) {
        let message = format!("{} 不能为空", self.header(index));
        self.fail(index, ErrorCode::Required, message);
    }

    /// An optional text cell.
    fn optional(&self, index: usize) -> Option<String> {
        let value = cell::text(self.raw(index));
        (!value.is_empty()).then_some(value)
    }

    /// A code cell (normalised); blank when empty.
    fn code(&self, index: usize) -> String {
        cell::normalized(self.raw(index))
    }

    /// An enumeration cell: blank gives `default`, or `Required` without one.
    fn choice<T: Copy>(
        &mut self,
        index: usize,
        options: &[(T, &str, &[&str])],
        default: Option<T>,
    ) -> Option<T> {
        let value = cell::text(self.raw(index));
        if value.is_empty() {
            if default.is_none() {
                self.required(index);
            }
            return default;
        }
        let chosen = cell::choice(&value, options);
        if chosen.is_none() {
            let message = format!(
                "{} '{value}' 不是 {} 之一",
                self.header(index),
                cell::labels(options)
            );
            self.fail(index, ErrorCode::InvalidEnum, message);
        }
        chosen
    }

    /// A moment cell (China time); `None` when blank (`Required` if `needed`) or unreadable.
    fn moment(&mut self, index: usize, needed: bool) -> Option<DateTime<Utc>> {
        let value = cell::text(self.raw(index));
        if value.is_empty() {
            if needed {
                self.required(index);
            }
            return None;
        }
        let at = cell::datetime(&value);
        if at.is_none() {
            let message = format!(
                "{} '{value}' 不是时间（如 2020-06-01 14:30）",
                self.header(index)
            );
            self.fail(index, ErrorCode::InvalidDate, message);
        }
        at
    }

    /// A required date cell.
    fn date(&mut self, index: usize) -> Option<NaiveDate> {
        let value = cell::text(self.raw(index));
        if value.is_empty() {
            self.required(index);
            return None;
        }
        let day = cell::date(&value);
        if day.is_none() {
            let message = format!("{} '{value}' 不是日期（如 2020-06-01）", self.header(index));
            self.fail(index, ErrorCode::InvalidDate, message);
        }
        day
    }

    /// A required whole number.
    fn integer(&mut self, index: usize) -> Option<i64> {
        let value = cell::text(self.raw(index));
        if value.is_empty() {
            self.required(index);
            return None;
        }
        let number = cell::integer(&value);
        if number.is_none() {
            let message = format!("{} '{value}' 不是整数", self.header(index));
            self.fail(index, ErrorCode::InvalidNumber, message);
        }
        number
    }

    /// A required 序号: a whole number from 1.
    fn position(&mut self, index: usize) -> Option<usize> {
        let number = self.integer(index)?;
        let position = usize::try_from(number)
            .ok()
            .filter(|position| *position >= 1);
        if position.is_none() {
            let message = format!("{} '{number}' 须为从 1 起的整数", self.header(index));
            self.fail(index, ErrorCode::InvalidNumber, message);
        }
        position
    }
}

/// A sheet's errors, collected and then reported in row order.
struct Errors<'a> {
    table: &'a Table,
    columns: &'static [Column],
    found: Vec<RowError>,
}

impl<'a> Errors<'a> {
    fn new(table: &'a Table, columns: &'static [Column]) -> Self {
        Self {
            table,
            columns,
            found: Vec::new(),
        }
    }

    fn add(&mut self, row: &Row, column: usize, code: ErrorCode, message: String) {
        self.found
            .push(self.table.error(self.columns, row, column, code, message));
    }

    /// Reports a row's cell errors; whether there were none.
    fn cells(&mut self, cells: Cells<'_>) -> bool {
        let clean = cells.errors.is_empty();
        for (column, code, message) in cells.errors {
            self.add(cells.row, column, code, message);
        }
        clean
    }

    /// Reports a field check's errors, each on its column.
    fn fields(&mut self, row: &Row, errors: Vec<domain::DomainError>, column: fn(&str) -> usize) {
        for (field, message) in table::invalid_fields(errors) {
            let index = column(&field);
            let message = format!("{}：{message}", self.columns[index].chinese);
            self.add(row, index, ErrorCode::InvalidValue, message);
        }
    }

    fn into_report(mut self, report: &mut Report) {
        self.found.sort_by_key(|error| error.row);
        for error in self.found {
            report.error(error);
        }
    }
}

/// What the database holds for the committees a file names.
struct Stored {
    sessions: HashMap<RecordKey, consultation::Model>,
    participants: HashMap<i64, Vec<consultation_participant::Model>>,
    suggestions: HashMap<i64, Vec<suggestion::Model>>,
    follow_ups: HashMap<i64, Vec<suggestion_follow_up::Model>>,
    lounges: HashMap<(i64, String), i64>,
    members: HashMap<(i64, String), i64>,
}

impl Stored {
    async fn load(db: &Db, region_ids: &[i64]) -> Result<Self, FileError> {
        let sessions = domain::read::consultations::of_regions(db, region_ids).await?;
        let ids: Vec<i64> = sessions.iter().map(|session| session.id).collect();
        let participants = domain::read::consultations::participants(db, &ids).await?;
        let suggestions = domain::read::suggestions::of_consultations(db, &ids).await?;
        let suggestion_ids: Vec<i64> = suggestions.values().flatten().map(|row| row.id).collect();
        let follow_ups =
            domain::read::suggestions::follow_ups_in_id_order(db, &suggestion_ids).await?;
        let lounges = domain::read::lounges::of_regions(db, region_ids)
            .await?
            .into_iter()
            .map(|lounge| ((lounge.region_id, lounge.name), lounge.id))
            .collect();
        let members = domain::read::members::roster(db, region_ids)
            .await?
            .into_iter()
            .map(|member| ((member.region_id, member.member_number), member.id))
            .collect();
        let sessions = sessions
            .into_iter()
            .map(|session| {
                let key = RecordKey {
                    region_id: session.region_id,
                    record_number: session.record_number.clone(),
                };
                (key, session)
            })
            .collect();
        Ok(Self {
            sessions,
            participants,
            suggestions,
            follow_ups,
            lounges,
            members,
        })
    }
}

/// A session of the file's session sheet, as linked rows see it.
struct Session<'a> {
    region: Region,
    /// Its state, when its row passed its checks.
    status: Option<ConsultationStatus>,
    stored: Option<&'a consultation::Model>,
}

/// A suggestion of the file's suggestion sheet, as follow-ups see it: its (state, made at),
/// when its row passed its checks.
type FileSuggestion = Option<(SuggestionStatus, DateTime<Utc>)>;

/// A new child waiting for the sequence check: its 序号, its row, what it writes.
struct NewChild<'r, T> {
    position: usize,
    row: &'r Row,
    planned: T,
}

/// Of a parent's new children, those that continue its sequence (`stored` + 1, + 2, …) in
/// 序号 order; each other one is an error naming the next number expected.
fn continuing<'r, T>(
    stored: usize,
    mut children: Vec<NewChild<'r, T>>,
    column: usize,
    errors: &mut Errors<'_>,
) -> Vec<T> {
    children.sort_by_key(|child| child.position);
    let mut next = stored + 1;
    let mut kept = Vec::new();
    for child in children {
        if child.position == next {
            next += 1;
            kept.push(child.planned);
        } else {
            let message = format!(
                "序号 {} 不连续：已有 {stored} 条，下一个新序号应为 {next}",
                child.position
            );
            errors.add(child.row, column, ErrorCode::InvalidValue, message);
        }
    }
    kept
}

/// Seconds since the epoch: moments are compared as files carry them, to the second.
fn seconds(at: Option<DateTime<Utc>>) -> Option<i64> {
    at.map(|at| at.timestamp())
}

/// The committee a linked row names (`委员会代码`, blank = the import's region), or the error.
fn committee_of(
    scope: &ImportScope,
    actor: &Actor,
    cells: &Cells<'_>,
    index: usize,
    regions: &HashMap<String, Region>,
) -> Result<Region, (ErrorCode, String)> {
    let code = cells.code(index);
    scope.committee(actor, &code, regions, cells.header(index))
}

/// The committee of a lounge or member an optional code cell names (`default` when blank),
/// which must lie in the caller's scope ([`ImportScope::linked`]); `None` after reporting why
/// not.
fn region_or(
    cells: &mut Cells<'_>,
    index: usize,
    regions: &HashMap<String, Region>,
    default: &Region,
    (scope, actor): (&ImportScope, &Actor),
) -> Option<Region> {
    let code = cells.code(index);
    match scope.linked(actor, &code, regions, default) {
        Ok(region) => Some(region),
        Err((code, message)) => {
            cells.fail(index, code, message);
            None
        }
    }
}

/// The member a 委员编号 cell names within `region`; `None` when blank (or unknown, reported).
fn member_of(
    cells: &mut Cells<'_>,
    index: usize,
    region: Option<&Region>,
    stored: &Stored,
) -> Option<i64> {
    let number = cells.code(index);
    let region = region?;
    if number.is_empty() {
        return None;
    }
    let found = stored.members.get(&(region.id, number.clone())).copied();
    if found.is_none() {
        let (code, message) = unknown_member(region, &number);
        cells.fail(index, code, message);
    }
    found
}

/// Imports 协商 records: see the module doc.
pub(crate) async fn import(
    db: &Db,
    actor: &Actor,
    source: Source,
    options: &ImportOptions,
    progress: &Arc<Progress>,
) -> Result<Report, FileError> {
    let scope = ImportScope::resolve(db, actor, options).await?;
    let (main, linked) = table::read_workbook(source, MAIN, &LINKED, Arc::clone(progress)).await?;
    let [people, proposals, follow_ups]: [Table; 3] = linked
        .try_into()
        .map_err(|_| FileError::Unreadable("the workbook's linked sheets".to_owned()))?;
    let mut report = Report::of_rows(
        main.rows.len() + people.rows.len() + proposals.rows.len() + follow_ups.rows.len(),
    );
    let codes = main
        .rows
        .iter()
        .flat_map(|row| [&row.cells[REGION], &row.cells[LOUNGE_REGION]])
        .chain(
            people
                .rows
                .iter()
                .flat_map(|row| [&row.cells[P_REGION], &row.cells[P_MEMBER_REGION]]),
        )
        .chain(
            proposals
                .rows
                .iter()
                .flat_map(|row| [&row.cells[S_REGION], &row.cells[S_PROPOSER_REGION]]),
        )
        .chain(follow_ups.rows.iter().map(|row| &row.cells[F_REGION]));
    let (regions, region_ids) = scope.committees(db, codes).await?;
    let stored = Stored::load(db, &region_ids).await?;
    let planner = Planner {
        actor,
        scope: &scope,
        regions: &regions,
        stored: &stored,
    };
    let mut plan = ConsultationImport::default();
    let sessions = planner.sessions(&main, &mut plan, &mut report);
    planner.participants(&people, &sessions, &mut plan, &mut report);
    let file_suggestions = planner.suggestions(&proposals, &sessions, &mut plan, &mut report);
    planner.follow_ups(
        &follow_ups,
        &sessions,
        &file_suggestions,
        &mut plan,
        &mut report,
    );
    let planned = plan.consultations.len()
        + plan.participants.len()
        + plan.suggestions.len()
        + plan.follow_ups.len();
    if report.error_count > 0 || options.dry_run || planned == 0 {
        return Ok(report);
    }
    progress.enter(Phase::Writing);
    write::import_consultations(db, actor, plan).await?;
    report.written = true;
    Ok(report)
}

/// Checks each sheet's rows against their columns' types, the mutations' rules, the sessions
/// of the file and what is stored; plans what to write.
struct Planner<'a> {
    actor: &'a Actor,
    scope: &'a ImportScope,
    regions: &'a HashMap<String, Region>,
    stored: &'a Stored,
}

impl<'a> Planner<'a> {
    /// The session sheet: every session row's key (also of rows with errors, so that linked
    /// rows find them), each valid row planned or counted unchanged.
    fn sessions(
        &self,
        table: &Table,
        plan: &mut ConsultationImport,
        report: &mut Report,
    ) -> HashMap<RecordKey, Session<'a>> {
        let mut errors = Errors::new(table, &COLUMNS);
        let mut sessions: HashMap<RecordKey, Session<'a>> = HashMap::new();
        for row in &table.rows {
            let mut cells = Cells::new(&COLUMNS, row);
            let region = match committee_of(self.scope, self.actor, &cells, REGION, self.regions) {
                Ok(region) => region,
                Err((code, message)) => {
                    errors.add(row, REGION, code, message);
                    continue;
                }
            };
            let number = cells.code(NUMBER);
            if number.is_empty() {
                cells.required(NUMBER);
                errors.cells(cells);
                continue;
            }
            let key = RecordKey {
                region_id: region.id,
                record_number: number.clone(),
            };
            if sessions.contains_key(&key) {
                let message = format!("协商编号 '{number}' 在文件中出现了两次");
                errors.add(row, NUMBER, ErrorCode::DuplicateKey, message);
                continue;
            }
            let stored = self.stored.sessions.get(&key);
            sessions.insert(
                key.clone(),
                Session {
                    region: region.clone(),
                    status: None,
                    stored,
                },
            );
            let title = cells.text(TITLE);
            let topic = cells.text(TOPIC);
            let topic_source = cells.choice(SOURCE, SOURCES, None);
            let kind = cells.choice(KIND, KINDS, None);
            let status = cells.choice(STATUS, STATUSES, None);
            let organizer_kind = cells.choice(
                ORGANIZER_KIND,
                ORGANIZER_KINDS,
                Some(OrganizerKind::Committee),
            );
            let organizer_name = cells
                .optional(ORGANIZER_NAME)
                .unwrap_or_else(|| default_organizer(&region.name));
            let scheduled_at = cells.moment(SCHEDULED, false);
            let held_at = cells.moment(HELD, false);
            let lounge_id = self.lounge(&mut cells, &region);
            let (Some(topic_source), Some(kind), Some(status), Some(organizer_kind)) =
                (topic_source, kind, status, organizer_kind)
            else {
                errors.cells(cells);
                continue;
            };
            let fields = ConsultationFields {
                record_number: number,
                title,
                topic,
                topic_source,
                kind,
                status,
                organizer_kind,
                organizer_name,
                venue: cells.optional(VENUE),
                scheduled_at,
                held_at,
                cancel_reason: cells.optional(CANCEL),
                submitter_name: cells.optional(SUBMITTER),
                submitter_contact: cells.optional(CONTACT),
            };
            if !errors.cells(cells) {
                continue;
            }
            let fields = match fields.checked() {
                Ok(fields) => fields,
                Err(found) => {
                    errors.fields(row, found, column_of_field);
                    continue;
                }
            };
            if let Some(session) = sessions.get_mut(&key) {
                session.status = Some(fields.status);
            }
            match stored {
                Some(stored) if same_session(stored, lounge_id, &fields) => report.unchanged += 1,
                _ => {
                    if stored.is_some() {
                        report.updated += 1;
                    } else {
                        report.created += 1;
                    }
                    plan.consultations.push(ImportedConsultation {
                        id: stored.map(|stored| stored.id),
                        version: stored.map_or(0, |stored| stored.version),
                        region_id: region.id,
                        lounge_id,
                        fields,
                    });
                }
            }
        }
        errors.into_report(report);
        sessions
    }

    /// The host lounge a session row names (承办客厅 in 客厅委员会代码's committee, blank = the
    /// session's); `None` when blank or unknown (with an error).
    fn lounge(&self, cells: &mut Cells<'_>, region: &Region) -> Option<i64> {
        let name = cells.optional(LOUNGE)?;
        let lounge_region = region_or(
            cells,
            LOUNGE_REGION,
            self.regions,
            region,
            (self.scope, self.actor),
        )?;
        let found = self
            .stored
            .lounges
            .get(&(lounge_region.id, name.clone()))
            .copied();
        if found.is_none() {
            let (code, message) = unknown_lounge(&lounge_region, &name);
            cells.fail(LOUNGE, code, message);
        }
        found
    }

    /// The session a linked row names: its committee and 协商编号 among the session sheet's
    /// rows; `None` after reporting why not.
    fn session_of<'s>(
        &self,
        cells: &mut Cells<'_>,
        number_column: usize,
        region_column: usize,
        sessions: &'s HashMap<RecordKey, Session<'a>>,
    ) -> Option<(RecordKey, &'s Session<'a>)> {
        let region = match committee_of(self.scope, self.actor, cells, region_column, self.regions)
        {
            Ok(region) => region,
            Err((code, message)) => {
                cells.fail(region_column, code, message);
                return None;
            }
        };
        let number = cells.code(number_column);
        if number.is_empty() {
            cells.required(number_column);
            return None;
        }
        let key = RecordKey {
            region_id: region.id,
            record_number: number,
        };
        match sessions.get(&key) {
            Some(session) => Some((key, session)),
            None => {
                let message = format!(
                    "工作表“{SHEET}”中没有 {}（{}）的协商编号 '{}'",
                    region.name, region.code, key.record_number
                );
                cells.fail(number_column, ErrorCode::UnknownRecord, message);
                None
            }
        }
    }

    /// The participant sheet.
    fn participants(
        &self,
        table: &Table,
        sessions: &HashMap<RecordKey, Session<'a>>,
        plan: &mut ConsultationImport,
        report: &mut Report,
    ) {
        let mut errors = Errors::new(table, &PARTICIPANT_COLUMNS);
        let mut seen: HashSet<(RecordKey, usize)> = HashSet::new();
        let mut new: HashMap<RecordKey, Vec<NewChild<'_, ImportedParticipant>>> = HashMap::new();
        for row in &table.rows {
            let mut cells = Cells::new(&PARTICIPANT_COLUMNS, row);
            let found = self.session_of(&mut cells, P_NUMBER, P_REGION, sessions);
            let position = cells.position(P_POSITION);
            let role = cells.choice(P_ROLE, ROLES, None);
            let name = cells.text(P_NAME);
            let organization = cells.optional(P_ORGANIZATION);
            let (Some((key, session)), Some(position), Some(role)) = (found, position, role) else {
                errors.cells(cells);
                continue;
            };
            let member_region = region_or(
                &mut cells,
                P_MEMBER_REGION,
                self.regions,
                &session.region,
                (self.scope, self.actor),
            );
            let member_id = member_of(&mut cells, P_MEMBER, member_region.as_ref(), self.stored);
            if !errors.cells(cells) {
                continue;
            }
            if !seen.insert((key.clone(), position)) {
                let message = format!(
                    "协商 '{}' 的序号 {position} 在文件中出现了两次",
                    key.record_number
                );
                errors.add(row, P_POSITION, ErrorCode::DuplicateKey, message);
                continue;
            }
            // As `recordConsultationHeld` bounds its list (序号 run on without gaps).
            if position > MAX_CONSULTATION_PARTICIPANTS {
                let message = format!(
                    "一次协商最多 {MAX_CONSULTATION_PARTICIPANTS} 名参与人员（序号 {position}）"
                );
                errors.add(row, P_POSITION, ErrorCode::InvalidValue, message);
                continue;
            }
            let fields = ParticipantFields {
                role,
                name,
                organization,
            };
            let fields = match fields.checked() {
                Ok(fields) => fields,
                Err(found) => {
                    errors.fields(row, found, participant_column_of_field);
                    continue;
                }
            };
            let existing = session
                .stored
                .and_then(|stored| self.stored.participants.get(&stored.id))
                .map_or(&[][..], Vec::as_slice);
            let planned = ImportedParticipant {
                id: None,
                consultation: key.clone(),
                position,
                member_id,
                fields,
            };
            match existing.get(position - 1) {
                Some(stored) if same_participant(stored, &planned) => report.unchanged += 1,
                Some(stored) => {
                    report.updated += 1;
                    plan.participants.push(ImportedParticipant {
                        id: Some(stored.id),
                        ..planned
                    });
                }
                None => new.entry(key).or_default().push(NewChild {
                    position,
                    row,
                    planned,
                }),
            }
        }
        for (key, children) in new {
            let count = sessions
                .get(&key)
                .and_then(|session| session.stored)
                .and_then(|stored| self.stored.participants.get(&stored.id))
                .map_or(0, Vec::len);
            let kept = continuing(count, children, P_POSITION, &mut errors);
            report.created += kept.len();
            plan.participants.extend(kept);
        }
        errors.into_report(report);
    }

    /// The suggestion sheet; returns each file suggestion's (state, made at) for the follow-ups.
    fn suggestions(
        &self,
        table: &Table,
        sessions: &HashMap<RecordKey, Session<'a>>,
        plan: &mut ConsultationImport,
        report: &mut Report,
    ) -> HashMap<(RecordKey, usize), FileSuggestion> {
        let mut errors = Errors::new(table, &SUGGESTION_COLUMNS);
        let mut seen: HashMap<(RecordKey, usize), FileSuggestion> = HashMap::new();
        let mut new: HashMap<RecordKey, Vec<NewChild<'_, ImportedSuggestion>>> = HashMap::new();
        for row in &table.rows {
            let mut cells = Cells::new(&SUGGESTION_COLUMNS, row);
            let found = self.session_of(&mut cells, S_NUMBER, S_REGION, sessions);
            let position = cells.position(S_POSITION);
            let content = cells.text(S_CONTENT);
            let status = cells.choice(S_STATUS, SUGGESTION_STATUSES, None);
            let grade = match cells.optional(S_GRADE) {
                Some(_) => cells.choice(S_GRADE, GRADES, None).map(Some),
                None => Some(None),
            };
            let department = cells.text(S_DEPARTMENT);
            let proposer = cells.text(S_PROPOSER);
            let created_at = cells.moment(S_CREATED, true);
            let (Some((key, session)), Some(position)) = (found, position) else {
                errors.cells(cells);
                continue;
            };
            if seen.contains_key(&(key.clone(), position)) {
                let message = format!(
                    "协商 '{}' 的序号 {position} 在文件中出现了两次",
                    key.record_number
                );
                errors.add(row, S_POSITION, ErrorCode::DuplicateKey, message);
                continue;
            }
            seen.insert((key.clone(), position), None);
            let proposer_region = region_or(
                &mut cells,
                S_PROPOSER_REGION,
                self.regions,
                &session.region,
                (self.scope, self.actor),
            );
            let proposer_member_id = member_of(
                &mut cells,
                S_PROPOSER_NUMBER,
                proposer_region.as_ref(),
                self.stored,
            );
            let (Some(status), Some(grade), Some(created_at)) = (status, grade, created_at) else {
                errors.cells(cells);
                continue;
            };
            if !errors.cells(cells) {
                continue;
            }
            let fields = SuggestionFields {
                content,
                status,
                grade,
                responsible_department: department,
                proposer_name: proposer,
                created_at,
            };
            let fields = match fields.checked(session.status) {
                Ok(fields) => fields,
                Err(found) => {
                    errors.fields(row, found, suggestion_column_of_field);
                    continue;
                }
            };
            seen.insert(
                (key.clone(), position),
                Some((fields.status, fields.created_at)),
            );
            let existing = session
                .stored
                .and_then(|stored| self.stored.suggestions.get(&stored.id))
                .map_or(&[][..], Vec::as_slice);
            let planned = ImportedSuggestion {
                id: None,
                version: 0,
                consultation: key.clone(),
                position,
                proposer_member_id,
                fields,
            };
            match existing.get(position - 1) {
                Some(stored) if same_suggestion(stored, &planned) => report.unchanged += 1,
                Some(stored) => {
                    report.updated += 1;
                    plan.suggestions.push(ImportedSuggestion {
                        id: Some(stored.id),
                        version: stored.version,
                        ..planned
                    });
                }
                None => new.entry(key).or_default().push(NewChild {
                    position,
                    row,
                    planned,
                }),
            }
        }
        for (key, children) in new {
            let count = sessions
                .get(&key)
                .and_then(|session| session.stored)
                .and_then(|stored| self.stored.suggestions.get(&stored.id))
                .map_or(0, Vec::len);
            let kept = continuing(count, children, S_POSITION, &mut errors);
            report.created += kept.len();
            plan.suggestions.extend(kept);
        }
        errors.into_report(report);
        seen
    }

    /// The follow-up sheet.
    fn follow_ups(
        &self,
        table: &Table,
        sessions: &HashMap<RecordKey, Session<'a>>,
        file_suggestions: &HashMap<(RecordKey, usize), FileSuggestion>,
        plan: &mut ConsultationImport,
        report: &mut Report,
    ) {
        let mut errors = Errors::new(table, &FOLLOW_UP_COLUMNS);
        let mut seen: HashSet<(RecordKey, usize, usize)> = HashSet::new();
        type Parent = (RecordKey, usize);
        let mut new: HashMap<Parent, Vec<NewChild<'_, ImportedFollowUp>>> = HashMap::new();
        let mut stored_counts: HashMap<Parent, usize> = HashMap::new();
        for row in &table.rows {
            let mut cells = Cells::new(&FOLLOW_UP_COLUMNS, row);
            let found = self.session_of(&mut cells, F_NUMBER, F_REGION, sessions);
            let suggestion = cells.position(F_SUGGESTION);
            let position = cells.position(F_POSITION);
            let date = cells.date(F_DATE);
            let note = cells.text(F_NOTE);
            let progress = cells.integer(F_PROGRESS);
            let typed_actor = cells.optional(F_ACTOR);
            let (Some((key, session)), Some(suggestion), Some(position)) =
                (found, suggestion, position)
            else {
                errors.cells(cells);
                continue;
            };
            let stored_suggestion = session
                .stored
                .and_then(|stored| self.stored.suggestions.get(&stored.id))
                .and_then(|list| list.get(suggestion - 1));
            let in_file = file_suggestions.get(&(key.clone(), suggestion));
            let made = match (in_file, stored_suggestion) {
                (Some(in_file), _) => *in_file,
                (None, Some(stored)) => Some((stored.status, stored.created_at)),
                (None, None) => {
                    let message = format!(
                        "协商 '{}' 没有序号为 {suggestion} 的建议（已有的或工作表“{SUGGESTIONS_SHEET}”中的）",
                        key.record_number
                    );
                    cells.fail(F_SUGGESTION, ErrorCode::UnknownRecord, message);
                    errors.cells(cells);
                    continue;
                }
            };
            let (Some(date), Some(progress)) = (date, progress) else {
                errors.cells(cells);
                continue;
            };
            if !errors.cells(cells) {
                continue;
            }
            if !seen.insert((key.clone(), suggestion, position)) {
                let message = format!(
                    "协商 '{}' 建议 {suggestion} 的序号 {position} 在文件中出现了两次",
                    key.record_number
                );
                errors.add(row, F_POSITION, ErrorCode::DuplicateKey, message);
                continue;
            }
            let existing = stored_suggestion
                .and_then(|stored| self.stored.follow_ups.get(&stored.id))
                .map_or(&[][..], Vec::as_slice);
            // A blank 跟踪人 keeps the stored one (so that anyone's re-import changes nothing);
            // a new follow-up's is the importer.
            let actor = typed_actor
                .or_else(|| {
                    existing
                        .get(position - 1)
                        .map(|stored| stored.actor.clone())
                })
                .unwrap_or_else(|| self.actor.name());
            let fields = FollowUpFields {
                followed_on: date,
                note,
                progress: i32::try_from(progress).unwrap_or(i32::MAX),
                actor,
            };
            let fields = match fields.checked(made) {
                Ok(fields) => fields,
                Err(found) => {
                    errors.fields(row, found, follow_up_column_of_field);
                    continue;
                }
            };
            stored_counts.insert((key.clone(), suggestion), existing.len());
            let planned = ImportedFollowUp {
                id: None,
                consultation: key.clone(),
                suggestion,
                position,
                fields,
            };
            match existing.get(position - 1) {
                Some(stored) if same_follow_up(stored, &planned) => report.unchanged += 1,
                Some(stored) => {
                    report.updated += 1;
                    plan.follow_ups.push(ImportedFollowUp {
                        id: Some(stored.id),
                        ..planned
                    });
                }
                None => new.entry((key, suggestion)).or_default().push(NewChild {
                    position,
                    row,
                    planned,
                }),
            }
        }
        for (parent, children) in new {
            let count = stored_counts.get(&parent).copied().unwrap_or(0);
            let kept = continuing(count, children, F_POSITION, &mut errors);
            report.created += kept.len();
            plan.follow_ups.extend(kept);
        }
        errors.into_report(report);
    }
}

/// Whether the stored session already has these values.
fn same_session(
    stored: &consultation::Model,
    lounge_id: Option<i64>,
    fields: &ConsultationFields,
) -> bool {
    stored.title == fields.title
        && stored.topic == fields.topic
        && stored.topic_source == fields.topic_source
        && stored.kind == fields.kind
        && stored.status == fields.status
        && stored.organizer_kind == fields.organizer_kind
        && stored.organizer_name == fields.organizer_name
        && stored.lounge_id == lounge_id
        && stored.venue == fields.venue
        && seconds(stored.scheduled_at) == seconds(fields.scheduled_at)
        && seconds(stored.held_at) == seconds(fields.held_at)
        && stored.cancel_reason == fields.cancel_reason
        && stored.submitter_name == fields.submitter_name
        && stored.submitter_contact == fields.submitter_contact
}

/// Whether the stored participant already has these values.
fn same_participant(stored: &consultation_participant::Model, row: &ImportedParticipant) -> bool {
    stored.role == row.fields.role
        && stored.member_id == row.member_id
        && stored.name == row.fields.name
        && stored.organization == row.fields.organization
}

/// Whether the stored suggestion already has these values (made at: to the second).
fn same_suggestion(stored: &suggestion::Model, row: &ImportedSuggestion) -> bool {
    let fields = &row.fields;
    stored.content == fields.content
        && stored.status == fields.status
        && stored.grade == fields.grade
        && stored.responsible_department == fields.responsible_department
        && stored.proposer_name == fields.proposer_name
        && stored.proposer_member_id == row.proposer_member_id
        && seconds(Some(stored.created_at)) == seconds(Some(fields.created_at))
}

/// Whether the stored follow-up already has these values.
fn same_follow_up(stored: &suggestion_follow_up::Model, row: &ImportedFollowUp) -> bool {
    stored.followed_on == row.fields.followed_on
        && stored.note == row.fields.note
        && stored.progress == row.fields.progress
        && stored.actor == row.fields.actor
}

/// The sessions of the subtree of `region_code` in every state, with their participants,
/// suggestions and follow-ups, for staff covering it (submitters' details included: only staff
/// in scope may see them anyway).
pub(crate) async fn export(
    db: &Db,
    actor: &Actor,
    region_code: &str,
) -> Result<Vec<u8>, FileError> {
    let (ids, mut regions) = crate::members::subtree(db, actor, region_code).await?;
    let mut sessions = domain::read::consultations::of_regions(db, &ids).await?;
    let session_ids: Vec<i64> = sessions.iter().map(|session| session.id).collect();
    let participants = domain::read::consultations::participants(db, &session_ids).await?;
    let proposals = domain::read::suggestions::of_consultations(db, &session_ids).await?;
    let suggestion_ids: Vec<i64> = proposals.values().flatten().map(|row| row.id).collect();
    let follow_ups = domain::read::suggestions::follow_ups_in_id_order(db, &suggestion_ids).await?;
    let mut member_ids: Vec<i64> = participants
        .values()
        .flatten()
        .filter_map(|row| row.member_id)
        .chain(
            proposals
                .values()
                .flatten()
                .filter_map(|row| row.proposer_member_id),
        )
        .collect();
    member_ids.sort_unstable();
    member_ids.dedup();
    let mut members = HashMap::new();
    for chunk in member_ids.chunks(500) {
        members.extend(domain::read::members::by_ids(db, chunk).await?);
    }
    let mut lounge_ids: Vec<i64> = sessions.iter().filter_map(|row| row.lounge_id).collect();
    lounge_ids.sort_unstable();
    lounge_ids.dedup();
    let mut lounges = HashMap::new();
    for chunk in lounge_ids.chunks(500) {
        lounges.extend(domain::read::lounges::by_ids(db, chunk).await?);
    }
    let mut elsewhere: Vec<i64> = members
        .values()
        .map(|member| member.region_id)
        .chain(lounges.values().map(|lounge| lounge.region_id))
        .filter(|id| !regions.contains_key(id))
        .collect();
    elsewhere.sort_unstable();
    elsewhere.dedup();
    for chunk in elsewhere.chunks(500) {
        regions.extend(domain::regions::by_ids(db, chunk).await?);
    }
    let code = |region_id: i64| {
        regions
            .get(&region_id)
            .map(|region| region.code.clone())
            .unwrap_or_default()
    };
    sessions.sort_by(|a, b| {
        (code(a.region_id), &a.record_number).cmp(&(code(b.region_id), &b.record_number))
    });
    let moment = |at: Option<DateTime<Utc>>| at.map(cell::format_datetime).unwrap_or_default();
    let member = |id: Option<i64>| {
        id.and_then(|id| members.get(&id))
            .map(|member| {
                (
                    crate::members::visible_number(actor, member),
                    code(member.region_id),
                )
            })
            .unwrap_or_default()
    };
    let mut session_rows = Vec::with_capacity(sessions.len());
    let mut participant_rows = Vec::new();
    let mut suggestion_rows = Vec::new();
    let mut follow_up_rows = Vec::new();
    for session in &sessions {
        let committee = code(session.region_id);
        let lounge = session.lounge_id.and_then(|id| lounges.get(&id));
        let mut row = vec![String::new(); COLUMNS.len()];
        row[NUMBER] = session.record_number.clone();
        row[TITLE] = session.title.clone();
        row[TOPIC] = session.topic.clone();
        row[SOURCE] = label(SOURCES, session.topic_source);
        row[KIND] = label(KINDS, session.kind);
        row[STATUS] = label(STATUSES, session.status);
        row[ORGANIZER_KIND] = label(ORGANIZER_KINDS, session.organizer_kind);
        row[ORGANIZER_NAME] = session.organizer_name.clone();
        row[LOUNGE] = lounge.map(|lounge| lounge.name.clone()).unwrap_or_default();
        row[LOUNGE_REGION] = lounge
            .map(|lounge| code(lounge.region_id))
            .unwrap_or_default();
        row[SCHEDULED] = moment(session.scheduled_at);
        row[HELD] = moment(session.held_at);
        row[VENUE] = session.venue.clone().unwrap_or_default();
        row[CANCEL] = session.cancel_reason.clone().unwrap_or_default();
        row[SUBMITTER] = session.submitter_name.clone().unwrap_or_default();
        row[CONTACT] = session.submitter_contact.clone().unwrap_or_default();
        row[REGION] = committee.clone();
        session_rows.push(row);
        for (index, person) in participants
            .get(&session.id)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let (number, member_region) = member(person.member_id);
            let mut row = vec![String::new(); PARTICIPANT_COLUMNS.len()];
            row[P_NUMBER] = session.record_number.clone();
            row[P_POSITION] = (index + 1).to_string();
            row[P_ROLE] = label(ROLES, person.role);
            row[P_NAME] = person.name.clone();
            row[P_ORGANIZATION] = person.organization.clone().unwrap_or_default();
            row[P_MEMBER] = number;
            row[P_MEMBER_REGION] = member_region;
            row[P_REGION] = committee.clone();
            participant_rows.push(row);
        }
        for (index, made) in proposals.get(&session.id).into_iter().flatten().enumerate() {
            let (number, member_region) = member(made.proposer_member_id);
            let mut row = vec![String::new(); SUGGESTION_COLUMNS.len()];
            row[S_NUMBER] = session.record_number.clone();
            row[S_POSITION] = (index + 1).to_string();
            row[S_CONTENT] = made.content.clone();
            row[S_STATUS] = label(SUGGESTION_STATUSES, made.status);
            row[S_GRADE] = made
                .grade
                .map(|grade| label(GRADES, grade))
                .unwrap_or_default();
            row[S_DEPARTMENT] = made.responsible_department.clone();
            row[S_PROPOSER] = made.proposer_name.clone();
            row[S_PROPOSER_NUMBER] = number;
            row[S_PROPOSER_REGION] = member_region;
            row[S_CREATED] = cell::format_datetime(made.created_at);
            row[S_REGION] = committee.clone();
            suggestion_rows.push(row);
            for (position, follow_up) in follow_ups.get(&made.id).into_iter().flatten().enumerate()
            {
                let mut row = vec![String::new(); FOLLOW_UP_COLUMNS.len()];
                row[F_NUMBER] = session.record_number.clone();
                row[F_SUGGESTION] = (index + 1).to_string();
                row[F_POSITION] = (position + 1).to_string();
                row[F_DATE] = follow_up.followed_on.to_string();
                row[F_NOTE] = follow_up.note.clone();
                row[F_PROGRESS] = follow_up.progress.to_string();
                row[F_ACTOR] = follow_up.actor.clone();
                row[F_REGION] = committee.clone();
                follow_up_rows.push(row);
            }
        }
    }
    workbook::write_sheets(&specs([
        &session_rows,
        &participant_rows,
        &suggestion_rows,
        &follow_up_rows,
    ]))
}

/// The empty template, with one example row on each sheet.
pub(crate) fn template() -> Result<Vec<u8>, FileError> {
    let owned = |cells: &[&str]| cells.iter().map(|cell| (*cell).to_owned()).collect();
    let session: Vec<String> = owned(&[
        "330212-XS-0001",
        "乡村公交如何通到家门口",
        "偏远村庄的公交线路与班次",
        "党政点题",
        "专题协商",
        "已办结",
        "专委会",
        "宁波市鄞州区政协社会和法制委员会",
        "法润鄞州委员会客厅",
        "",
        "2020-06-01 14:30",
        "2020-06-01 14:30",
        "鄞州区政协三楼会议室",
        "",
        "",
        "",
        "330212",
    ]);
    let participant: Vec<String> = owned(&[
        "330212-XS-0001",
        "1",
        "委员",
        "王晓红",
        "宁波市鄞州区某中学",
        "330212-0001",
        "",
        "330212",
    ]);
    let suggestion: Vec<String> = owned(&[
        "330212-XS-0001",
        "1",
        "增开早晚高峰班次",
        "已落实",
        "A",
        "鄞州区交通运输局",
        "王晓红",
        "330212-0001",
        "",
        "2020-06-01 16:00",
        "330212",
    ]);
    let follow_up: Vec<String> = owned(&[
        "330212-XS-0001",
        "1",
        "1",
        "2020-07-01",
        "已新增两条线路",
        "60",
        "",
        "330212",
    ]);
    workbook::write_sheets(&specs([
        &[session],
        &[participant],
        &[suggestion],
        &[follow_up],
    ]))
}

/// The four sheets with `rows` (sessions, participants, suggestions, follow-ups).
fn specs<'a>(rows: [&'a [Vec<String>]; 4]) -> [SheetSpec<'a>; 4] {
    type Choices = Vec<(usize, Vec<&'static str>)>;
    fn firsts<T>(options: &[(T, &str, &[&'static str])]) -> Vec<&'static str> {
        options
            .iter()
            .filter_map(|(_, _, labels)| labels.first().copied())
            .collect()
    }
    static CHOICES: std::sync::OnceLock<[Choices; 4]> = std::sync::OnceLock::new();
    let choices = CHOICES.get_or_init(|| {
        [
            vec![
                (SOURCE, firsts(SOURCES)),
                (KIND, firsts(KINDS)),
                (STATUS, firsts(STATUSES)),
                (ORGANIZER_KIND, firsts(ORGANIZER_KINDS)),
            ],
            vec![(P_ROLE, firsts(ROLES))],
            vec![
                (S_STATUS, firsts(SUGGESTION_STATUSES)),
                (S_GRADE, firsts(GRADES)),
            ],
            Vec::new(),
        ]
    });
    let [sessions, people, proposals, follow_ups] = rows;
    [
        SheetSpec {
            name: SHEET,
            columns: &COLUMNS,
            choices: &choices[0],
            rows: sessions,
            about: "协商记录导入模板：第一行为表头（中文或英文均可），每行一次协商；参与人员、建议、跟踪\
                    三个工作表按 委员会代码+协商编号 关联到本表的协商（CSV 文件只含本表）。带 * 的列为必填列。\
                    任何一格有误则整个文件不写入。导入只新增和更新，不删除。",
        },
        SheetSpec {
            name: PARTICIPANTS_SHEET,
            columns: &PARTICIPANT_COLUMNS,
            choices: &choices[1],
            rows: people,
            about: "每行一名参与人员；序号 为该协商中的第几名（与导出一致）。",
        },
        SheetSpec {
            name: SUGGESTIONS_SHEET,
            columns: &SUGGESTION_COLUMNS,
            choices: &choices[2],
            rows: proposals,
            about: "每行一条建议；序号 为该协商中的第几条（与导出一致）。",
        },
        SheetSpec {
            name: FOLLOW_UPS_SHEET,
            columns: &FOLLOW_UP_COLUMNS,
            choices: &choices[3],
            rows: follow_ups,
            about: "每行一次跟踪督查；建议序号 指该协商中的第几条建议，序号 为该建议的第几次跟踪。",
        },
    ]
}
