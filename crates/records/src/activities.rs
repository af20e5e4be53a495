//! 客厅活动: lounge activities, keyed by (committee, 活动编号), where the committee is the one of
//! the activity's first host lounge — the row's 委员会代码, or the import's region. Three sheets:
//!
//! * 活动: one row per activity;
//! * 主办客厅: its host lounges (活动编号, 客厅名称, 主办状态), keyed by (activity, lounge);
//! * 参与委员: its participating members (活动编号, 委员编号), keyed by (activity, member).
//!
//! Host and participant rows find their activity among the 活动 rows of the same file. An import
//! adds and updates — fields, hosts and their status, participants — and never deletes; a
//! stored activity keeps the hosts and participants the file does not list. A CSV file holds the
//! 活动 sheet only, so it can update stored activities but not create new ones (those need a
//! host).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use domain::{
    Actor, Db,
    read::{activities::Activity, lounges::Lounge},
    regions::Region,
    write::{
        activities_import::{self as write, ActivityFields, ImportedActivity, ImportedHost},
        lounges::{MAX_HOSTS, MAX_PARTICIPANTS},
    },
};
use entity::{
    enums::{ActivityChannel, ActivityFormat, ActivityHostStatus, ActivityKind, OnlinePlatform},
    member,
};

use crate::{
    ErrorCode, FileError, ImportOptions, Phase, Progress, Report, cell,
    columns::Column,
    members::label,
    scope::{ImportScope, unknown_lounge, unknown_member},
    source::{Row, Source},
    table::{self, SheetOf, Table},
    workbook::{self, SheetSpec},
};

/// The main sheet's name.
pub const SHEET: &str = "活动";
/// The hosts sheet's name.
pub const HOSTS_SHEET: &str = "主办客厅";
/// The participants sheet's name.
pub const PARTICIPANTS_SHEET: &str = "参与委员";

const NUMBER: usize = 0;
const TITLE: usize = 1;
const KIND: usize = 2;
const FORMAT: usize = 3;
const CHANNEL: usize = 4;
const PLATFORM: usize = 5;
const STARTS: usize = 6;
const ENDS: usize = 7;
const ATTENDANCE: usize = 8;
const SUMMARY: usize = 9;
const REGION: usize = 10;

static COLUMNS: [Column; 11] = [
    Column {
        chinese: "活动编号",
        english: "recordNumber",
        required: true,
        personal: false,
        help: "活动在第一个主办客厅所属政协内的编号，如 330212-HD-0001；主办客厅、参与委员两表用它关联本表。",
    },
    Column {
        chinese: "标题",
        english: "title",
        required: true,
        personal: false,
        help: "活动标题。",
    },
    Column {
        chinese: "类型",
        english: "kind",
        required: true,
        personal: false,
        help: "4（规定活动）或 X（自选活动），也可填 PLANNED / FLEXIBLE。",
    },
    Column {
        chinese: "形式",
        english: "format",
        required: true,
        personal: false,
        help: "活动形式。",
    },
    Column {
        chinese: "线上/线下",
        english: "channel",
        required: true,
        personal: false,
        help: "线下 或 线上（也可填 OFFLINE / ONLINE）。",
    },
    Column {
        chinese: "平台",
        english: "platform",
        required: false,
        personal: false,
        help: "仅线上活动填写。",
    },
    Column {
        chinese: "开始时间",
        english: "startsAt",
        required: true,
        personal: false,
        help: "北京时间，如 2020-06-01 14:30、2020/6/1 14:30。",
    },
    Column {
        chinese: "结束时间",
        english: "endsAt",
        required: true,
        personal: false,
        help: "北京时间，晚于开始时间。",
    },
    Column {
        chinese: "公众参与人数",
        english: "publicAttendance",
        required: false,
        personal: false,
        help: "整数，留空为 0。",
    },
    Column {
        chinese: "摘要",
        english: "summary",
        required: false,
        personal: false,
        help: "活动情况摘要，可留空。",
    },
    Column {
        chinese: "委员会代码",
        english: "regionCode",
        required: false,
        personal: false,
        help: "第一个主办客厅所属政协的六位代码（活动按它编号）；留空则为导入时指定的区域。",
    },
];

const H_NUMBER: usize = 0;
const H_LOUNGE: usize = 1;
const H_STATUS: usize = 2;
const H_LOUNGE_REGION: usize = 3;
const H_REGION: usize = 4;

static HOST_COLUMNS: [Column; 5] = [
    Column {
        chinese: "活动编号",
        english: "recordNumber",
        required: true,
        personal: false,
        help: "“活动”表中的活动编号。",
    },
    Column {
        chinese: "客厅名称",
        english: "lounge",
        required: true,
        personal: false,
        help: "已有客厅的名称（先导入客厅）。",
    },
    Column {
        chinese: "主办状态",
        english: "status",
        required: false,
        personal: false,
        help: "已确认、已邀请 或 已拒绝（也可填 CONFIRMED / INVITED / DECLINED）；留空为已确认。只有已确认的客厅计入统计。",
    },
    Column {
        chinese: "客厅委员会代码",
        english: "loungeRegionCode",
        required: false,
        personal: false,
        help: "客厅所属政协的代码；留空则与活动相同。",
    },
    Column {
        chinese: "委员会代码",
        english: "regionCode",
        required: false,
        personal: false,
        help: "活动的委员会代码（同“活动”表）；留空则为导入时指定的区域。",
    },
];

const P_NUMBER: usize = 0;
const P_MEMBER: usize = 1;
const P_MEMBER_REGION: usize = 2;
const P_REGION: usize = 3;

static PARTICIPANT_COLUMNS: [Column; 4] = [
    Column {
        chinese: "活动编号",
        english: "recordNumber",
        required: true,
        personal: false,
        help: "“活动”表中的活动编号。",
    },
    Column {
        chinese: "委员编号",
        english: "memberNumber",
        required: true,
        personal: false,
        help: "已有委员的委员编号（先导入委员）。",
    },
    Column {
        chinese: "委员委员会代码",
        english: "memberRegionCode",
        required: false,
        personal: false,
        help: "委员所在政协的代码；留空则与活动相同。",
    },
    Column {
        chinese: "委员会代码",
        english: "regionCode",
        required: false,
        personal: false,
        help: "活动的委员会代码（同“活动”表）；留空则为导入时指定的区域。",
    },
];

const MAIN: SheetOf = SheetOf {
    names: &[SHEET, "activities", "Activities"],
    columns: &COLUMNS,
};
const LINKED: &[SheetOf] = &[
    SheetOf {
        names: &[HOSTS_SHEET, "hosts", "Hosts"],
        columns: &HOST_COLUMNS,
    },
    SheetOf {
        names: &[PARTICIPANTS_SHEET, "participants", "Participants"],
        columns: &PARTICIPANT_COLUMNS,
    },
];

const KINDS: &[(ActivityKind, &str, &[&str])] = &[
    (ActivityKind::Planned, "PLANNED", &["4", "规定活动"]),
    (ActivityKind::Flexible, "FLEXIBLE", &["X", "x", "自选活动"]),
];

const FORMATS: &[(ActivityFormat, &str, &[&str])] = &[
    (ActivityFormat::Lecture, "LECTURE", &["委员讲堂"]),
    (ActivityFormat::Propaganda, "PROPAGANDA", &["宣讲团"]),
    (ActivityFormat::Forum, "FORUM", &["论坛"]),
    (
        ActivityFormat::OnlineDeliberation,
        "ONLINE_DELIBERATION",
        &["网络议政"],
    ),
    (
        ActivityFormat::RemoteConsultation,
        "REMOTE_CONSULTATION",
        &["远程协商"],
    ),
    (ActivityFormat::Research, "RESEARCH", &["调研"]),
    (ActivityFormat::Salon, "SALON", &["读书沙龙"]),
    (ActivityFormat::Other, "OTHER", &["其他"]),
];

const CHANNELS: &[(ActivityChannel, &str, &[&str])] = &[
    (ActivityChannel::Offline, "OFFLINE", &["线下"]),
    (ActivityChannel::Online, "ONLINE", &["线上"]),
];

const PLATFORMS: &[(OnlinePlatform, &str, &[&str])] = &[
    (OnlinePlatform::Dingtalk, "DINGTALK", &["钉钉"]),
    (OnlinePlatform::Wechat, "WECHAT", &["微信"]),
    (OnlinePlatform::Video, "VIDEO", &["视频会议"]),
    (OnlinePlatform::Other, "OTHER", &["其他"]),
];

const HOST_STATUSES: &[(ActivityHostStatus, &str, &[&str])] = &[
    (ActivityHostStatus::Confirmed, "CONFIRMED", &["已确认"]),
    (ActivityHostStatus::Invited, "INVITED", &["已邀请"]),
    (ActivityHostStatus::Declined, "DECLINED", &["已拒绝"]),
];

fn column_of_field(field: &str) -> usize {
    match field {
        "title" => TITLE,
        "summary" => SUMMARY,
        "platform" => PLATFORM,
        "endsAt" => ENDS,
        "publicAttendance" => ATTENDANCE,
        _ => NUMBER,
    }
}

/// An activity row that passed its own checks, with the host and participant rows that name it.
struct Draft<'a> {
    row: &'a Row,
    region: Region,
    number: String,
    /// `None` when the row's own cells are wrong (reported); its linked rows are still checked.
    fields: Option<ActivityFields>,
    stored: Option<&'a Activity>,
    /// (lounge, status) from the hosts sheet, in file order.
    hosts: Vec<(&'a Lounge, ActivityHostStatus)>,
    /// Members from the participants sheet, in file order.
    participants: Vec<i64>,
}

/// Imports activities: see the module doc.
pub(crate) async fn import(
    db: &Db,
    actor: &Actor,
    source: Source,
    options: &ImportOptions,
    progress: &Arc<Progress>,
) -> Result<Report, FileError> {
    let scope = ImportScope::resolve(db, actor, options).await?;
    let (table, linked) = table::read_workbook(source, MAIN, LINKED, Arc::clone(progress)).await?;
    let [hosts_table, participants_table] = <[Table; 2]>::try_from(linked)
        .map_err(|_| FileError::Unreadable("the activities workbook has three sheets".into()))?;
    let mut report =
        Report::of_rows(table.rows.len() + hosts_table.rows.len() + participants_table.rows.len());

    let codes = table
        .rows
        .iter()
        .map(|row| &row.cells[REGION])
        .chain(
            hosts_table
                .rows
                .iter()
                .flat_map(|row| [&row.cells[H_LOUNGE_REGION], &row.cells[H_REGION]]),
        )
        .chain(
            participants_table
                .rows
                .iter()
                .flat_map(|row| [&row.cells[P_MEMBER_REGION], &row.cells[P_REGION]]),
        );
    let (regions, region_ids) = scope.committees(db, codes).await?;
    let stored = domain::read::activities::numbered_by(db, &region_ids).await?;
    let stored_by_key: HashMap<(i64, &str), &Activity> = stored
        .iter()
        .map(|activity| {
            (
                (activity.region_id, activity.record_number.as_str()),
                activity,
            )
        })
        .collect();
    let stored_ids: Vec<i64> = stored.iter().map(|activity| activity.id).collect();
    let stored_hosts = domain::read::activities::host_rows(db, &stored_ids).await?;
    let stored_participants = domain::read::activities::participant_rows(db, &stored_ids).await?;
    let lounges = domain::read::lounges::of_regions(db, &region_ids).await?;
    let lounge_by_name: HashMap<(i64, &str), &Lounge> = lounges
        .iter()
        .map(|lounge| ((lounge.region_id, lounge.name.as_str()), lounge))
        .collect();
    // Stored hosts may lie outside the file's committees: load them too.
    let host_lounge_ids: Vec<i64> = stored_hosts.iter().map(|host| host.lounge_id).collect();
    let host_lounges = domain::read::lounges::by_ids(db, &host_lounge_ids).await?;
    let roster = domain::read::members::roster(db, &region_ids).await?;
    let member_by_number: HashMap<(i64, &str), &member::Model> = roster
        .iter()
        .map(|member| ((member.region_id, member.member_number.as_str()), member))
        .collect();

    // The activities.
    let mut drafts: Vec<Draft<'_>> = Vec::new();
    let mut by_key: HashMap<(i64, String), usize> = HashMap::new();
    for row in &table.rows {
        let mut fail = |column: usize, code: ErrorCode, message: String| {
            report.error(table.error(&COLUMNS, row, column, code, message));
        };
        let code = cell::normalized(&row.cells[REGION]);
        let region = match scope.committee(actor, &code, &regions, COLUMNS[REGION].chinese) {
            Ok(region) => region,
            Err((code, message)) => {
                fail(REGION, code, message);
                continue;
            }
        };
        let number = cell::normalized(&row.cells[NUMBER]);
        if number.is_empty() {
            fail(NUMBER, ErrorCode::Required, "活动编号 不能为空".to_owned());
            continue;
        }
        let number = match domain::write::record_numbers::checked_record_number(&number) {
            Ok(number) => number,
            Err(error) => {
                fail(
                    NUMBER,
                    ErrorCode::InvalidValue,
                    format!("活动编号：{error}"),
                );
                continue;
            }
        };
        let fields = activity_fields(row, &mut fail);
        if by_key.contains_key(&(region.id, number.clone())) {
            fail(
                NUMBER,
                ErrorCode::DuplicateKey,
                format!("活动编号 '{number}' 在文件中出现了两次"),
            );
            continue;
        }
        by_key.insert((region.id, number.clone()), drafts.len());
        let stored = stored_by_key.get(&(region.id, number.as_str())).copied();
        drafts.push(Draft {
            row,
            region,
            number,
            fields,
            stored,
            hosts: Vec::new(),
            participants: Vec::new(),
        });
    }

    // The activity a linked row names: its committee (checked as the activity rows' are) and
    // its 活动编号, among the file's activities.
    let find = |row: &Row,
                number: usize,
                region: usize,
                columns: &[Column]|
     -> Result<usize, (usize, ErrorCode, String)> {
        let code = cell::normalized(&row.cells[region]);
        let committee = scope
            .committee(actor, &code, &regions, columns[region].chinese)
            .map_err(|(code, message)| (region, code, message))?;
        let number_text = cell::normalized(&row.cells[number]);
        by_key
            .get(&(committee.id, number_text.clone()))
            .copied()
            .ok_or_else(|| {
                (
                    number,
                    ErrorCode::UnknownRecord,
                    format!("“活动”表中没有活动编号为 '{number_text}' 的活动"),
                )
            })
    };

    // The hosts.
    let mut seen_hosts: HashSet<(usize, i64)> = HashSet::new();
    for row in &hosts_table.rows {
        let mut fail = |column: usize, code: ErrorCode, message: String| {
            report.error(hosts_table.error(&HOST_COLUMNS, row, column, code, message));
        };
        let index = match find(row, H_NUMBER, H_REGION, &HOST_COLUMNS) {
            Ok(index) => index,
            Err((column, code, message)) => {
                fail(column, code, message);
                continue;
            }
        };
        let draft = &drafts[index];
        let code = cell::normalized(&row.cells[H_LOUNGE_REGION]);
        let lounge_region = match scope.linked(actor, &code, &regions, &draft.region) {
            Ok(region) => region,
            Err((code, message)) => {
                fail(H_LOUNGE_REGION, code, message);
                continue;
            }
        };
        let name = cell::text(&row.cells[H_LOUNGE]);
        let Some(lounge) = lounge_by_name
            .get(&(lounge_region.id, name.as_str()))
            .copied()
        else {
            let (code, message) = unknown_lounge(&lounge_region, &name);
            fail(H_LOUNGE, code, message);
            continue;
        };
        let status_text = cell::text(&row.cells[H_STATUS]);
        let status = if status_text.is_empty() {
            Some(ActivityHostStatus::Confirmed)
        } else {
            cell::choice(&status_text, HOST_STATUSES)
        };
        let Some(status) = status else {
            fail(
                H_STATUS,
                ErrorCode::InvalidEnum,
                format!(
                    "主办状态 '{status_text}' 不是 {} 之一",
                    cell::labels(HOST_STATUSES)
                ),
            );
            continue;
        };
        let day = draft
            .fields
            .as_ref()
            .map(|fields| china_day(fields.starts_at));
        if let Some(day) = day
            && (lounge.established_on > day || lounge.closed_on.is_some_and(|closed| closed < day))
        {
            fail(
                H_LOUNGE,
                ErrorCode::InvalidValue,
                format!("客厅 '{name}' 在活动当天（{day}）未开放"),
            );
            continue;
        }
        if !seen_hosts.insert((index, lounge.id)) {
            fail(
                H_LOUNGE,
                ErrorCode::DuplicateKey,
                format!("客厅 '{name}' 在同一活动中出现了两次"),
            );
            continue;
        }
        drafts[index].hosts.push((lounge, status));
    }

    // The participants.
    let mut seen_participants: HashSet<(usize, i64)> = HashSet::new();
    for row in &participants_table.rows {
        let mut fail = |column: usize, code: ErrorCode, message: String| {
            report.error(participants_table.error(
                &PARTICIPANT_COLUMNS,
                row,
                column,
                code,
                message,
            ));
        };
        let index = match find(row, P_NUMBER, P_REGION, &PARTICIPANT_COLUMNS) {
            Ok(index) => index,
            Err((column, code, message)) => {
                fail(column, code, message);
                continue;
            }
        };
        let code = cell::normalized(&row.cells[P_MEMBER_REGION]);
        let member_region = match scope.linked(actor, &code, &regions, &drafts[index].region) {
            Ok(region) => region,
            Err((code, message)) => {
                fail(P_MEMBER_REGION, code, message);
                continue;
            }
        };
        let number = cell::normalized(&row.cells[P_MEMBER]);
        let Some(member) = member_by_number
            .get(&(member_region.id, number.as_str()))
            .copied()
        else {
            let (code, message) = unknown_member(&member_region, &number);
            fail(P_MEMBER, code, message);
            continue;
        };
        if !seen_participants.insert((index, member.id)) {
            fail(
                P_MEMBER,
                ErrorCode::DuplicateKey,
                format!("委员 '{number}' 在同一活动中出现了两次"),
            );
            continue;
        }
        drafts[index].participants.push(member.id);
    }

    // Each activity as a whole: hosts, sizes, what changes.
    let mut stored_hosts_of: HashMap<i64, Vec<(i64, ActivityHostStatus)>> = HashMap::new();
    for host in &stored_hosts {
        stored_hosts_of
            .entry(host.activity_id)
            .or_default()
            .push((host.lounge_id, host.status));
    }
    let mut stored_participants_of: HashMap<i64, Vec<i64>> = HashMap::new();
    for participant in &stored_participants {
        stored_participants_of
            .entry(participant.activity_id)
            .or_default()
            .push(participant.member_id);
    }
    let lounge_region = |lounge_id: i64| {
        lounges
            .iter()
            .find(|lounge| lounge.id == lounge_id)
            .or_else(|| host_lounges.get(&lounge_id))
            .map(|lounge| lounge.region_id)
    };
    let mut planned = Vec::new();
    for draft in drafts {
        let Some(fields) = draft.fields else {
            continue;
        };
        let error = |column: usize, code: ErrorCode, message: String| {
            table.error(&COLUMNS, draft.row, column, code, message)
        };
        let stored_id = draft.stored.map(|activity| activity.id);
        let before_hosts = stored_id
            .and_then(|id| stored_hosts_of.get(&id))
            .cloned()
            .unwrap_or_default();
        let before_participants = stored_id
            .and_then(|id| stored_participants_of.get(&id))
            .cloned()
            .unwrap_or_default();
        let mut new_hosts = Vec::new();
        let mut changed_hosts = Vec::new();
        let mut hosts: Vec<(i64, ActivityHostStatus)> = before_hosts.clone();
        for (lounge, status) in &draft.hosts {
            let host = ImportedHost {
                lounge_id: lounge.id,
                region_id: lounge.region_id,
                status: *status,
            };
            match before_hosts.iter().find(|(id, _)| *id == lounge.id) {
                None => {
                    new_hosts.push(host);
                    hosts.push((lounge.id, *status));
                    report.created += 1;
                }
                Some((_, before)) if before != status => {
                    changed_hosts.push(host);
                    if let Some(entry) = hosts.iter_mut().find(|(id, _)| *id == lounge.id) {
                        entry.1 = *status;
                    }
                    report.updated += 1;
                }
                Some(_) => report.unchanged += 1,
            }
        }
        let mut participants = before_participants.clone();
        for member_id in &draft.participants {
            if before_participants.contains(member_id) {
                report.unchanged += 1;
            } else {
                participants.push(*member_id);
                report.created += 1;
            }
        }
        let mut with_regions: Vec<ImportedHost> = Vec::new();
        for (lounge_id, status) in &hosts {
            if let Some(region_id) = lounge_region(*lounge_id) {
                with_regions.push(ImportedHost {
                    lounge_id: *lounge_id,
                    region_id,
                    status: *status,
                });
            }
        }
        // The numbering committee's lounges first: the first host numbers the activity.
        with_regions.sort_by_key(|host| (host.region_id != draft.region.id, host.lounge_id));
        if with_regions.is_empty() {
            report.error(error(
                NUMBER,
                ErrorCode::Required,
                format!("活动至少要有一个主办客厅：请在“{HOSTS_SHEET}”表中列出"),
            ));
            continue;
        }
        if with_regions.len() > MAX_HOSTS {
            report.error(error(
                NUMBER,
                ErrorCode::InvalidValue,
                format!("一个活动最多 {MAX_HOSTS} 个主办客厅"),
            ));
            continue;
        }
        if participants.len() > MAX_PARTICIPANTS {
            report.error(error(
                NUMBER,
                ErrorCode::InvalidValue,
                format!("一个活动最多 {MAX_PARTICIPANTS} 名参与委员"),
            ));
            continue;
        }
        if !with_regions
            .iter()
            .any(|host| host.region_id == draft.region.id)
        {
            report.error(error(
                REGION,
                ErrorCode::InvalidValue,
                format!(
                    "活动按第一个主办客厅所属政协编号，但没有主办客厅属于 {}（{}）",
                    draft.region.name, draft.region.code
                ),
            ));
            continue;
        }
        let fields_changed = draft.stored.is_none_or(|stored| !same(stored, &fields));
        match draft.stored {
            None => report.created += 1,
            Some(_) if fields_changed => report.updated += 1,
            Some(_) => report.unchanged += 1,
        }
        let new_participants: Vec<i64> = draft
            .participants
            .iter()
            .copied()
            .filter(|member_id| !before_participants.contains(member_id))
            .collect();
        if fields_changed
            || !new_hosts.is_empty()
            || !changed_hosts.is_empty()
            || !new_participants.is_empty()
        {
            planned.push(ImportedActivity {
                id: stored_id,
                region_id: draft.region.id,
                record_number: draft.number,
                fields,
                fields_changed,
                hosts: with_regions,
                new_hosts,
                changed_hosts,
                participant_member_ids: participants,
                new_participants,
            });
        }
    }
    if report.error_count > 0 || options.dry_run || planned.is_empty() {
        return Ok(report);
    }
    progress.enter(Phase::Writing);
    write::import_activities(db, actor, planned).await?;
    report.written = true;
    Ok(report)
}

/// The typed fields of an activity row, checked as `recordLoungeActivity` checks them; `None`
/// (with the errors reported) when any cell is wrong.
fn activity_fields(
    row: &Row,
    fail: &mut dyn FnMut(usize, ErrorCode, String),
) -> Option<ActivityFields> {
    let kind_text = cell::text(&row.cells[KIND]);
    let kind = cell::choice(&kind_text, KINDS);
    let (format_text, format) = {
        let typed = cell::text(&row.cells[FORMAT]);
        (typed.clone(), cell::choice(&typed, FORMATS))
    };
    let (channel_text, channel) = {
        let typed = cell::text(&row.cells[CHANNEL]);
        (typed.clone(), cell::choice(&typed, CHANNELS))
    };
    let platform_text = cell::text(&row.cells[PLATFORM]);
    let platform = if platform_text.is_empty() {
        Some(None)
    } else {
        cell::choice(&platform_text, PLATFORMS).map(Some)
    };
    let mut ok = true;
    for (column, typed, valid, labels) in [
        (KIND, &kind_text, kind.is_some(), cell::labels(KINDS)),
        (
            FORMAT,
            &format_text,
            format.is_some(),
            cell::labels(FORMATS),
        ),
        (
            CHANNEL,
            &channel_text,
            channel.is_some(),
            cell::labels(CHANNELS),
        ),
        (
            PLATFORM,
            &platform_text,
            platform.is_some(),
            cell::labels(PLATFORMS),
        ),
    ] {
        if !valid {
            ok = false;
            fail(
                column,
                ErrorCode::InvalidEnum,
                format!("{} '{typed}' 不是 {labels} 之一", COLUMNS[column].chinese),
            );
        }
    }
    if cell::text(&row.cells[TITLE]).is_empty() {
        ok = false;
        fail(TITLE, ErrorCode::Required, "标题 不能为空".to_owned());
    }
    let mut moment = |column: usize| {
        let parsed = cell::datetime(&row.cells[column]);
        if parsed.is_none() {
            ok = false;
            fail(
                column,
                ErrorCode::InvalidDate,
                format!(
                    "{} '{}' 不是时间（如 2020-06-01 14:30）",
                    COLUMNS[column].chinese,
                    cell::text(&row.cells[column])
                ),
            );
        }
        parsed
    };
    let starts_at = moment(STARTS);
    let ends_at = moment(ENDS);
    let attendance_text = cell::normalized(&row.cells[ATTENDANCE]);
    let attendance = if attendance_text.is_empty() {
        Some(0)
    } else {
        cell::integer(&attendance_text).and_then(|value| i32::try_from(value).ok())
    };
    if attendance.is_none() {
        ok = false;
        fail(
            ATTENDANCE,
            ErrorCode::InvalidNumber,
            format!("公众参与人数 '{attendance_text}' 不是整数"),
        );
    }
    let (
        true,
        Some(kind),
        Some(format),
        Some(channel),
        Some(platform),
        Some(starts_at),
        Some(ends_at),
        Some(public_attendance),
    ) = (
        ok, kind, format, channel, platform, starts_at, ends_at, attendance,
    )
    else {
        return None;
    };
    let fields = ActivityFields {
        title: cell::text(&row.cells[TITLE]),
        kind,
        format,
        channel,
        platform,
        starts_at,
        ends_at,
        public_attendance,
        summary: cell::text(&row.cells[SUMMARY]),
    };
    match fields.checked() {
        Ok(fields) => Some(fields),
        Err(errors) => {
            for (field, message) in table::invalid_fields(errors) {
                let column = column_of_field(&field);
                fail(
                    column,
                    ErrorCode::InvalidValue,
                    format!("{}：{message}", COLUMNS[column].chinese),
                );
            }
            None
        }
    }
}

fn same(stored: &Activity, fields: &ActivityFields) -> bool {
    stored.title == fields.title
        && stored.kind == fields.kind
        && stored.format == fields.format
        && stored.channel == fields.channel
        && stored.platform == fields.platform
        && stored.starts_at == fields.starts_at
        && stored.ends_at == fields.ends_at
        && stored.public_attendance == fields.public_attendance
        && stored.summary == fields.summary
}

/// The day an activity starting at `at` takes place, in China.
fn china_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&cell::china()).date_naive()
}

/// The activities numbered by committees of the subtree of `region_code`, with their hosts and
/// participants, for staff covering it.
pub(crate) async fn export(
    db: &Db,
    actor: &Actor,
    region_code: &str,
) -> Result<Vec<u8>, FileError> {
    let (ids, mut regions) = crate::members::subtree(db, actor, region_code).await?;
    let activities = domain::read::activities::numbered_by(db, &ids).await?;
    let activity_ids: Vec<i64> = activities.iter().map(|activity| activity.id).collect();
    let hosts = domain::read::activities::host_rows(db, &activity_ids).await?;
    let participants = domain::read::activities::participant_rows(db, &activity_ids).await?;
    let lounge_ids: Vec<i64> = hosts.iter().map(|host| host.lounge_id).collect();
    let lounges = domain::read::lounges::by_ids(db, &lounge_ids).await?;
    let member_ids: Vec<i64> = participants.iter().map(|row| row.member_id).collect();
    let members = domain::read::members::by_ids(db, &member_ids).await?;
    let outside: Vec<i64> = lounges
        .values()
        .map(|lounge| lounge.region_id)
        .chain(members.values().map(|member| member.region_id))
        .filter(|id| !regions.contains_key(id))
        .collect();
    regions.extend(domain::regions::by_ids(db, &outside).await?);
    let code = |region_id: i64| {
        regions
            .get(&region_id)
            .map(|region| region.code.clone())
            .unwrap_or_default()
    };
    let by_id: HashMap<i64, &Activity> = activities
        .iter()
        .map(|activity| (activity.id, activity))
        .collect();
    let mut main: Vec<Vec<String>> = activities
        .iter()
        .map(|activity| {
            let mut row = vec![String::new(); COLUMNS.len()];
            row[NUMBER] = activity.record_number.clone();
            row[TITLE] = activity.title.clone();
            row[KIND] = label(KINDS, activity.kind);
            row[FORMAT] = label(FORMATS, activity.format);
            row[CHANNEL] = label(CHANNELS, activity.channel);
            row[PLATFORM] = activity
                .platform
                .map(|platform| label(PLATFORMS, platform))
                .unwrap_or_default();
            row[STARTS] = cell::format_datetime(activity.starts_at);
            row[ENDS] = cell::format_datetime(activity.ends_at);
            row[ATTENDANCE] = activity.public_attendance.to_string();
            row[SUMMARY] = activity.summary.clone();
            row[REGION] = code(activity.region_id);
            row
        })
        .collect();
    main.sort_by(|a, b| (&a[REGION], &a[NUMBER]).cmp(&(&b[REGION], &b[NUMBER])));
    // Hosts: the numbering committee's lounges first (the first host numbers the activity).
    let mut host_sheet: Vec<(bool, Vec<String>)> = hosts
        .iter()
        .filter_map(|host| {
            let activity = by_id.get(&host.activity_id)?;
            let lounge = lounges.get(&host.lounge_id)?;
            let mut row = vec![String::new(); HOST_COLUMNS.len()];
            row[H_NUMBER] = activity.record_number.clone();
            row[H_LOUNGE] = lounge.name.clone();
            row[H_STATUS] = label(HOST_STATUSES, host.status);
            row[H_LOUNGE_REGION] = code(lounge.region_id);
            row[H_REGION] = code(activity.region_id);
            Some((lounge.region_id != activity.region_id, row))
        })
        .collect();
    host_sheet.sort_by(|(a_other, a), (b_other, b)| {
        (
            &a[H_REGION],
            &a[H_NUMBER],
            a_other,
            &a[H_LOUNGE_REGION],
            &a[H_LOUNGE],
        )
            .cmp(&(
                &b[H_REGION],
                &b[H_NUMBER],
                b_other,
                &b[H_LOUNGE_REGION],
                &b[H_LOUNGE],
            ))
    });
    let host_sheet: Vec<Vec<String>> = host_sheet.into_iter().map(|(_, row)| row).collect();
    let mut participant_sheet: Vec<Vec<String>> = participants
        .iter()
        .filter_map(|participant| {
            let activity = by_id.get(&participant.activity_id)?;
            let member = members.get(&participant.member_id)?;
            let mut row = vec![String::new(); PARTICIPANT_COLUMNS.len()];
            row[P_NUMBER] = activity.record_number.clone();
            row[P_MEMBER] = crate::members::visible_number(actor, member);
            row[P_MEMBER_REGION] = code(member.region_id);
            row[P_REGION] = code(activity.region_id);
            Some(row)
        })
        .collect();
    participant_sheet.sort_by(|a, b| {
        (
            &a[P_REGION],
            &a[P_NUMBER],
            &a[P_MEMBER_REGION],
            &a[P_MEMBER],
        )
            .cmp(&(
                &b[P_REGION],
                &b[P_NUMBER],
                &b[P_MEMBER_REGION],
                &b[P_MEMBER],
            ))
    });
    workbook::write_sheets(&specs(&main, &host_sheet, &participant_sheet))
}

/// The empty template, with one example row per sheet.
pub(crate) fn template() -> Result<Vec<u8>, FileError> {
    let activity = vec![
        "330212-HD-0001".to_owned(),
        "民生议事堂：老旧小区加装电梯".to_owned(),
        "4".to_owned(),
        "论坛".to_owned(),
        "线下".to_owned(),
        String::new(),
        "2020-06-01 14:30".to_owned(),
        "2020-06-01 16:30".to_owned(),
        "30".to_owned(),
        "委员与居民代表面对面交流。".to_owned(),
        "330212".to_owned(),
    ];
    let host = vec![
        "330212-HD-0001".to_owned(),
        "法润鄞州委员会客厅".to_owned(),
        "已确认".to_owned(),
        "330212".to_owned(),
        "330212".to_owned(),
    ];
    let participant = vec![
        "330212-HD-0001".to_owned(),
        "330212-0001".to_owned(),
        "330212".to_owned(),
        "330212".to_owned(),
    ];
    workbook::write_sheets(&specs(&[activity], &[host], &[participant]))
}

fn specs<'a>(
    main: &'a [Vec<String>],
    hosts: &'a [Vec<String>],
    participants: &'a [Vec<String>],
) -> [SheetSpec<'a>; 3] {
    static CHOICES: std::sync::OnceLock<Vec<(usize, Vec<&'static str>)>> =
        std::sync::OnceLock::new();
    static HOST_CHOICES: std::sync::OnceLock<Vec<(usize, Vec<&'static str>)>> =
        std::sync::OnceLock::new();
    let first_labels = |options: &[(_, &str, &[&'static str])]| -> Vec<&'static str> {
        options.iter().map(|(_, _, labels)| labels[0]).collect()
    };
    let choices = CHOICES.get_or_init(|| {
        vec![
            (KIND, vec!["4", "X"]),
            (
                FORMAT,
                FORMATS.iter().map(|(_, _, labels)| labels[0]).collect(),
            ),
            (
                CHANNEL,
                CHANNELS.iter().map(|(_, _, labels)| labels[0]).collect(),
            ),
            (
                PLATFORM,
                PLATFORMS.iter().map(|(_, _, labels)| labels[0]).collect(),
            ),
        ]
    });
    let host_choices = HOST_CHOICES.get_or_init(|| vec![(H_STATUS, first_labels(HOST_STATUSES))]);
    [
        SheetSpec {
            name: SHEET,
            columns: &COLUMNS,
            choices,
            rows: main,
            about: "客厅活动导入模板：“活动”表每行一个活动，“主办客厅”表列出每个活动的主办客厅，\
                    “参与委员”表列出参加的委员，三表用 委员会代码+活动编号 关联。请先导入委员和客厅。\
                    带 * 的列为必填列。导入只新增和更新，不删除。任何一格有误则整个文件不写入。",
        },
        SheetSpec {
            name: HOSTS_SHEET,
            columns: &HOST_COLUMNS,
            choices: host_choices,
            rows: hosts,
            about: "每行一个主办客厅。联合活动列出多个客厅；活动按第一个主办客厅所属政协编号。",
        },
        SheetSpec {
            name: PARTICIPANTS_SHEET,
            columns: &PARTICIPANT_COLUMNS,
            choices: &[],
            rows: participants,
            about: "每行一名参加活动的委员。",
        },
    ]
}
