//! Lounge memberships (牵头委员 and 团队委员), keyed by (lounge, member, 起始日期). The lounge is
//! named by 客厅名称 within its committee (客厅委员会代码, or the import's region); the member by
//! 委员编号 within theirs (委员委员会代码, or the lounge's committee). Both must exist: import
//! members and lounges first. A row matching a stored membership updates its role and last
//! day; periods of one member in one lounge must not overlap, as `addLoungeMember` requires.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::NaiveDate;
use domain::{
    Actor, Db,
    read::lounges::Lounge,
    write::lounges_import::{self as write, ImportedMembership, MembershipFields},
};
use entity::{enums::LoungeRole, lounge_membership, member};

use crate::{
    ErrorCode, FileError, ImportOptions, Phase, Progress, Report, cell,
    columns::Column,
    lounges::date_cell,
    scope::{ImportScope, unknown_lounge, unknown_member},
    source::Source,
    table::{self, SheetOf},
    workbook::{self, SheetSpec},
};

/// The data sheet's name.
pub const SHEET: &str = "客厅成员";

const LOUNGE: usize = 0;
const NUMBER: usize = 1;
const ROLE: usize = 2;
const SINCE: usize = 3;
const UNTIL: usize = 4;
const LOUNGE_REGION: usize = 5;
const MEMBER_REGION: usize = 6;

static COLUMNS: [Column; 7] = [
    Column {
        chinese: "客厅名称",
        english: "lounge",
        required: true,
        personal: false,
        help: "已有客厅的名称（先导入客厅）。",
    },
    Column {
        chinese: "委员编号",
        english: "memberNumber",
        required: true,
        personal: false,
        help: "已有委员的委员编号（先导入委员）。",
    },
    Column {
        chinese: "角色",
        english: "role",
        required: true,
        personal: false,
        help: "牵头委员 或 团队委员（也可填 LEAD / TEAM）。",
    },
    Column {
        chinese: "起始日期",
        english: "since",
        required: true,
        personal: false,
        help: "不早于客厅设立日期；与客厅、委员一起构成这一行的键。",
    },
    Column {
        chinese: "结束日期",
        english: "until",
        required: false,
        personal: false,
        help: "任期最后一天；仍在任则留空。",
    },
    Column {
        chinese: "客厅委员会代码",
        english: "loungeRegionCode",
        required: false,
        personal: false,
        help: "客厅所属政协的代码；留空则为导入时指定的区域。",
    },
    Column {
        chinese: "委员委员会代码",
        english: "memberRegionCode",
        required: false,
        personal: false,
        help: "委员所在政协的代码；留空则与客厅相同。",
    },
];

/// The sheet, by its names.
const SHEET_OF: SheetOf = SheetOf {
    names: &[SHEET, "memberships", "Memberships"],
    columns: &COLUMNS,
};

const ROLES: &[(LoungeRole, &str, &[&str])] = &[
    (LoungeRole::Lead, "LEAD", &["牵头委员"]),
    (LoungeRole::Team, "TEAM", &["团队委员"]),
];

/// One period of a member in a lounge: since, until, and the file row it comes from (`None`
/// for a stored one).
type Period = (NaiveDate, Option<NaiveDate>, Option<usize>);

/// A row that passed its own checks, before the overlap check across rows.
struct Planned {
    row: usize,
    id: Option<i64>,
    lounge: Lounge,
    member_id: i64,
    fields: MembershipFields,
}

/// Imports memberships: see the module doc.
pub(crate) async fn import(
    db: &Db,
    actor: &Actor,
    source: Source,
    options: &ImportOptions,
    progress: &Arc<Progress>,
) -> Result<Report, FileError> {
    let scope = ImportScope::resolve(db, actor, options).await?;
    let mut table = table::read_one(source, SHEET_OF, Arc::clone(progress)).await?;
    let rows = std::mem::take(&mut table.rows);
    let mut report = Report::of_rows(rows.len());
    let codes = rows
        .iter()
        .flat_map(|row| [&row.cells[LOUNGE_REGION], &row.cells[MEMBER_REGION]]);
    let (regions, region_ids) = scope.committees(db, codes).await?;
    let lounges = domain::read::lounges::of_regions(db, &region_ids).await?;
    let lounge_by_name: HashMap<(i64, &str), &Lounge> = lounges
        .iter()
        .map(|lounge| ((lounge.region_id, lounge.name.as_str()), lounge))
        .collect();
    let roster = domain::read::members::roster(db, &region_ids).await?;
    let member_by_number: HashMap<(i64, &str), &member::Model> = roster
        .iter()
        .map(|member| ((member.region_id, member.member_number.as_str()), member))
        .collect();
    let lounge_ids: Vec<i64> = lounges.iter().map(|lounge| lounge.id).collect();
    let stored = domain::read::lounges::memberships_of(db, &lounge_ids).await?;
    let stored_by_key: HashMap<(i64, i64, NaiveDate), &lounge_membership::Model> = stored
        .iter()
        .map(|membership| {
            (
                (membership.lounge_id, membership.member_id, membership.since),
                membership,
            )
        })
        .collect();
    let mut seen: HashSet<(i64, i64, NaiveDate)> = HashSet::new();
    let mut planned: Vec<Planned> = Vec::new();
    for row in &rows {
        let mut fail = |column: usize, code: ErrorCode, message: String| {
            report.error(table.error(&COLUMNS, row, column, code, message));
        };
        let code = cell::normalized(&row.cells[LOUNGE_REGION]);
        let column = COLUMNS[LOUNGE_REGION].chinese;
        let lounge_region = match scope.committee(actor, &code, &regions, column) {
            Ok(region) => region,
            Err((code, message)) => {
                fail(LOUNGE_REGION, code, message);
                continue;
            }
        };
        let code = cell::normalized(&row.cells[MEMBER_REGION]);
        let member_region = match scope.linked(actor, &code, &regions, &lounge_region) {
            Ok(region) => region,
            Err((code, message)) => {
                fail(MEMBER_REGION, code, message);
                continue;
            }
        };
        let name = cell::text(&row.cells[LOUNGE]);
        let Some(lounge) = lounge_by_name
            .get(&(lounge_region.id, name.as_str()))
            .copied()
        else {
            let (code, message) = unknown_lounge(&lounge_region, &name);
            fail(LOUNGE, code, message);
            continue;
        };
        let number = cell::normalized(&row.cells[NUMBER]);
        let Some(member) = member_by_number
            .get(&(member_region.id, number.as_str()))
            .copied()
        else {
            let (code, message) = unknown_member(&member_region, &number);
            fail(NUMBER, code, message);
            continue;
        };
        let role_text = cell::text(&row.cells[ROLE]);
        let role = cell::choice(&role_text, ROLES);
        if role.is_none() {
            fail(
                ROLE,
                ErrorCode::InvalidEnum,
                format!("角色 '{role_text}' 不是 {} 之一", cell::labels(ROLES)),
            );
        }
        let since = date_cell(&row.cells[SINCE]);
        let until = date_cell(&row.cells[UNTIL]);
        if !matches!(since, Ok(Some(_))) {
            fail(
                SINCE,
                ErrorCode::InvalidDate,
                format!(
                    "起始日期 '{}' 不是日期（如 2020-06-01）",
                    cell::text(&row.cells[SINCE])
                ),
            );
        }
        if until.is_err() {
            fail(
                UNTIL,
                ErrorCode::InvalidDate,
                format!(
                    "结束日期 '{}' 不是日期（如 2020-06-01）",
                    cell::text(&row.cells[UNTIL])
                ),
            );
        }
        let (Some(role), Ok(Some(since)), Ok(until)) = (role, since, until) else {
            continue;
        };
        let fields = match (MembershipFields { role, since, until }).checked(lounge) {
            Ok(fields) => fields,
            Err(errors) => {
                for (field, message) in table::invalid_fields(errors) {
                    let column = if field == "until" { UNTIL } else { SINCE };
                    fail(
                        column,
                        ErrorCode::InvalidValue,
                        format!("{}：{message}", COLUMNS[column].chinese),
                    );
                }
                continue;
            }
        };
        let key = (lounge.id, member.id, since);
        if !seen.insert(key) {
            fail(
                SINCE,
                ErrorCode::DuplicateKey,
                "同一客厅、同一委员、同一起始日期在文件中出现了两次".to_owned(),
            );
            continue;
        }
        match stored_by_key.get(&key) {
            Some(stored) if stored.role == fields.role && stored.until == fields.until => {
                report.unchanged += 1;
            }
            stored => planned.push(Planned {
                row: row.number,
                id: stored.map(|stored| stored.id),
                lounge: lounge.clone(),
                member_id: member.id,
                fields,
            }),
        }
    }
    // Periods of one member in one lounge must not overlap (stored ones included).
    let mut periods: HashMap<(i64, i64), Vec<Period>> = HashMap::new();
    let replaced: HashSet<i64> = planned.iter().filter_map(|row| row.id).collect();
    for membership in stored
        .iter()
        .filter(|stored| !replaced.contains(&stored.id))
    {
        periods
            .entry((membership.lounge_id, membership.member_id))
            .or_default()
            .push((membership.since, membership.until, None));
    }
    for row in &planned {
        periods
            .entry((row.lounge.id, row.member_id))
            .or_default()
            .push((row.fields.since, row.fields.until, Some(row.row)));
    }
    let mut overlapping: HashSet<usize> = HashSet::new();
    for list in periods.values_mut() {
        list.sort_by_key(|(since, _, _)| *since);
        for pair in list.windows(2) {
            let (_, until, first) = pair[0];
            let (since, _, second) = pair[1];
            if until.is_none_or(|until| until >= since) {
                overlapping.extend(second.or(first));
            }
        }
    }
    for row in rows.iter().filter(|row| overlapping.contains(&row.number)) {
        report.error(table.error(
            &COLUMNS,
            row,
            SINCE,
            ErrorCode::InvalidValue,
            "与该委员在此客厅的另一段任期重叠".to_owned(),
        ));
    }
    report.created = planned.iter().filter(|row| row.id.is_none()).count();
    report.updated = planned.len() - report.created;
    if report.error_count > 0 || options.dry_run || planned.is_empty() {
        return Ok(report);
    }
    let rows = planned
        .into_iter()
        .map(|row| ImportedMembership {
            id: row.id,
            lounge: row.lounge,
            member_id: row.member_id,
            fields: row.fields,
        })
        .collect();
    progress.enter(Phase::Writing);
    write::import_memberships(db, actor, rows).await?;
    report.written = true;
    Ok(report)
}

/// The memberships of the lounges of the subtree of `region_code`, for staff covering it.
pub(crate) async fn export(
    db: &Db,
    actor: &Actor,
    region_code: &str,
) -> Result<Vec<u8>, FileError> {
    let (ids, regions) = crate::members::subtree(db, actor, region_code).await?;
    let lounges = domain::read::lounges::of_regions(db, &ids).await?;
    let by_id: HashMap<i64, &Lounge> = lounges.iter().map(|lounge| (lounge.id, lounge)).collect();
    let lounge_ids: Vec<i64> = lounges.iter().map(|lounge| lounge.id).collect();
    let memberships = domain::read::lounges::memberships_of(db, &lounge_ids).await?;
    let member_ids: Vec<i64> = memberships.iter().map(|row| row.member_id).collect();
    let members = domain::read::members::by_ids(db, &member_ids).await?;
    let member_region_ids: Vec<i64> = members.values().map(|member| member.region_id).collect();
    let mut all_regions = domain::regions::by_ids(db, &member_region_ids).await?;
    all_regions.extend(regions);
    let code = |region_id: i64| {
        all_regions
            .get(&region_id)
            .map(|region| region.code.clone())
            .unwrap_or_default()
    };
    let mut rows: Vec<Vec<String>> = memberships
        .iter()
        .filter_map(|membership| {
            let lounge = by_id.get(&membership.lounge_id)?;
            let member = members.get(&membership.member_id)?;
            let mut row = vec![String::new(); COLUMNS.len()];
            row[LOUNGE] = lounge.name.clone();
            row[NUMBER] = crate::members::visible_number(actor, member);
            row[ROLE] = crate::members::label(ROLES, membership.role);
            row[SINCE] = membership.since.to_string();
            row[UNTIL] = membership
                .until
                .map(|day| day.to_string())
                .unwrap_or_default();
            row[LOUNGE_REGION] = code(lounge.region_id);
            row[MEMBER_REGION] = code(member.region_id);
            Some(row)
        })
        .collect();
    rows.sort_by(|a, b| {
        (
            &a[LOUNGE_REGION],
            &a[LOUNGE],
            &a[MEMBER_REGION],
            &a[NUMBER],
            &a[SINCE],
        )
            .cmp(&(
                &b[LOUNGE_REGION],
                &b[LOUNGE],
                &b[MEMBER_REGION],
                &b[NUMBER],
                &b[SINCE],
            ))
    });
    workbook::write(&spec(&rows))
}

/// The empty template, with one example row.
pub(crate) fn template() -> Result<Vec<u8>, FileError> {
    let example = vec![
        "法润鄞州委员会客厅".to_owned(),
        "330212-0001".to_owned(),
        "牵头委员".to_owned(),
        "2020-06-01".to_owned(),
        String::new(),
        "330212".to_owned(),
        "330212".to_owned(),
    ];
    workbook::write(&spec(&[example]))
}

fn spec(rows: &[Vec<String>]) -> SheetSpec<'_> {
    static CHOICES: std::sync::OnceLock<Vec<(usize, Vec<&'static str>)>> =
        std::sync::OnceLock::new();
    let choices = CHOICES
        .get_or_init(|| vec![(ROLE, ROLES.iter().map(|(_, _, labels)| labels[0]).collect())]);
    SheetSpec {
        name: SHEET,
        columns: &COLUMNS,
        choices,
        rows,
        about: "客厅成员导入模板：每行一段任期（牵头委员或团队委员）。请先导入委员和客厅。\
                带 * 的列为必填列。任何一格有误则整个文件不写入。",
    }
}
