//! 委员名册: members of committees, keyed by (committee, 委员编号).
//!
//! A row with a 委员编号 updates the member of its committee holding that number, or creates
//! one with it; a row without one creates a member numbered by the committee — unless a member
//! of that committee with the same 届次 and 姓名 exists, which is an error ("looks like an
//! existing member: add its 委员编号"), never a silent duplicate. A phone is never part of a key.
//! The committee is the row's 委员会代码, or the import's region when the column is absent or
//! blank.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use domain::{
    Actor, Db,
    regions::Region,
    write::members::{self as write, ImportedMember, MemberFields},
};
use entity::{
    enums::{Gender, MemberStatus},
    member,
};

use crate::{
    ErrorCode, FileError, ImportOptions, Phase, Progress, Report, cell,
    columns::Column,
    scope::ImportScope,
    source::{Row, Source},
    table::{self, SheetOf, Table},
    workbook::{self, SheetSpec},
};

/// The data sheet's name.
pub const SHEET: &str = "委员";

const NUMBER: usize = 0;
const NAME: usize = 1;
const GENDER: usize = 2;
const SECTOR: usize = 3;
const OCCUPATION: usize = 4;
const TERM: usize = 5;
const PHONE: usize = 6;
const EMAIL: usize = 7;
const STATUS: usize = 8;
const REGION: usize = 9;

const COLUMNS: [Column; 10] = [
    Column {
        chinese: "委员编号",
        english: "memberNumber",
        required: true,
        personal: false,
        help: "每个政协内唯一；留空表示新增委员，由系统编号。导入只通过委员编号更新已有委员。",
    },
    Column {
        chinese: "姓名",
        english: "name",
        required: true,
        personal: false,
        help: "1–100 个字符。",
    },
    Column {
        chinese: "性别",
        english: "gender",
        required: true,
        personal: false,
        help: "男 或 女（也可填 MALE / FEMALE）。",
    },
    Column {
        chinese: "界别",
        english: "sector",
        required: true,
        personal: false,
        help: "1–100 个字符，如 经济界。",
    },
    Column {
        chinese: "职业/工作单位及职务",
        english: "occupation",
        required: true,
        personal: false,
        help: "1–200 个字符。",
    },
    Column {
        chinese: "届次",
        english: "term",
        required: true,
        personal: false,
        help: "1–99 的整数，如 12。",
    },
    Column {
        chinese: "手机",
        english: "phone",
        required: false,
        personal: true,
        help: "个人信息。数字、+、- 和空格，7–20 个字符；非大陆手机号会给出提示但可导入。",
    },
    Column {
        chinese: "邮箱",
        english: "email",
        required: false,
        personal: true,
        help: "个人信息。形如 name@example.com。",
    },
    Column {
        chinese: "状态",
        english: "status",
        required: false,
        personal: false,
        help: "在任 或 离任（也可填 ACTIVE / INACTIVE）；留空为在任。",
    },
    Column {
        chinese: "委员会代码",
        english: "regionCode",
        required: false,
        personal: false,
        help: "委员所在政协的六位行政区划代码，如 330212；留空则为导入时指定的区域。",
    },
];

/// The sheet, by its names.
const SHEET_OF: SheetOf = SheetOf {
    names: &[SHEET, "members", "Members"],
    columns: &COLUMNS,
};

const GENDERS: &[(Gender, &str, &[&str])] = &[
    (Gender::Male, "MALE", &["男"]),
    (Gender::Female, "FEMALE", &["女"]),
];

const STATUSES: &[(MemberStatus, &str, &[&str])] = &[
    (MemberStatus::Active, "ACTIVE", &["在任"]),
    (MemberStatus::Inactive, "INACTIVE", &["离任"]),
];

/// The input field each column's checks name (see [`MemberFields::checked`]).
fn column_of_field(field: &str) -> usize {
    match field {
        "memberNumber" => NUMBER,
        "name" => NAME,
        "gender" => GENDER,
        "sector" => SECTOR,
        "occupation" => OCCUPATION,
        "term" => TERM,
        "phone" => PHONE,
        "email" => EMAIL,
        "status" => STATUS,
        _ => REGION,
    }
}

/// The typed values of one row's cells (in [`COLUMNS`] order), or every cell that is not of
/// its column's type.
fn typed(cells: &[String]) -> Result<MemberFields, Vec<(usize, ErrorCode, String)>> {
    let mut errors = Vec::new();
    let cell_at = |index: usize| cells.get(index).map_or("", String::as_str);
    let required = |index: usize, errors: &mut Vec<(usize, ErrorCode, String)>| {
        if cell::text(cell_at(index)).is_empty() {
            errors.push((
                index,
                ErrorCode::Required,
                format!("{} 不能为空", COLUMNS[index].chinese),
            ));
        }
    };
    for index in [NAME, GENDER, SECTOR, OCCUPATION, TERM] {
        required(index, &mut errors);
    }
    let gender = cell::choice(cell_at(GENDER), GENDERS);
    if gender.is_none() && !cell::text(cell_at(GENDER)).is_empty() {
        errors.push((
            GENDER,
            ErrorCode::InvalidEnum,
            format!(
                "性别 '{}' 不是 {} 之一",
                cell::text(cell_at(GENDER)),
                cell::labels(GENDERS)
            ),
        ));
    }
    let status_text = cell::text(cell_at(STATUS));
    let status = if status_text.is_empty() {
        Some(MemberStatus::Active)
    } else {
        cell::choice(&status_text, STATUSES)
    };
    if status.is_none() {
        errors.push((
            STATUS,
            ErrorCode::InvalidEnum,
            format!("状态 '{status_text}' 不是 {} 之一", cell::labels(STATUSES)),
        ));
    }
    let term_text = cell::text(cell_at(TERM));
    let term = cell::integer(&term_text).and_then(|term| i32::try_from(term).ok());
    if term.is_none() && !term_text.is_empty() {
        errors.push((
            TERM,
            ErrorCode::InvalidNumber,
            format!("届次 '{term_text}' 不是整数"),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let optional = |index: usize| {
        let value = cell::normalized(cell_at(index));
        (!value.is_empty()).then_some(value)
    };
    Ok(MemberFields {
        member_number: optional(NUMBER),
        name: cell::text(cell_at(NAME)),
        gender: gender.unwrap_or(Gender::Male),
        sector: cell::text(cell_at(SECTOR)),
        occupation: cell::text(cell_at(OCCUPATION)),
        term: term.unwrap_or_default(),
        phone: optional(PHONE),
        email: optional(EMAIL),
        status: status.unwrap_or(MemberStatus::Active),
    })
}

/// Imports a member roster: see the module doc.
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
    let plan = plan(db, actor, &scope, &table, &rows, &mut report).await?;
    report.created = plan.iter().filter(|row| row.id.is_none()).count();
    report.updated = plan.len() - report.created;
    if report.error_count > 0 || options.dry_run || plan.is_empty() {
        return Ok(report);
    }
    progress.enter(Phase::Writing);
    write::import(db, actor, plan).await?;
    report.written = true;
    Ok(report)
}

/// Checks every row against its columns' types, the mutations' rules, the committees, the
/// caller's scope and the stored roster; returns the rows to write (unchanged ones left out,
/// and counted).
async fn plan(
    db: &Db,
    actor: &Actor,
    scope: &ImportScope,
    table: &Table,
    rows: &[Row],
    report: &mut Report,
) -> Result<Vec<ImportedMember>, FileError> {
    let (regions, region_ids) = scope
        .committees(db, rows.iter().map(|row| &row.cells[REGION]))
        .await?;
    let stored = domain::read::members::roster(db, &region_ids).await?;
    let by_number: HashMap<(i64, &str), &member::Model> = stored
        .iter()
        .map(|member| ((member.region_id, member.member_number.as_str()), member))
        .collect();
    let by_name: HashSet<(i64, i32, &str)> = stored
        .iter()
        .map(|member| (member.region_id, member.term, member.name.as_str()))
        .collect();
    let mut seen_numbers: HashMap<(i64, String), usize> = HashMap::new();
    let mut planned = Vec::new();
    for row in rows {
        let fail = |report: &mut Report, column: usize, code: ErrorCode, message: String| {
            report.error(table.error(&COLUMNS, row, column, code, message));
        };
        let fields = match typed(&row.cells) {
            Ok(fields) => fields,
            Err(errors) => {
                for (column, code, message) in errors {
                    fail(report, column, code, message);
                }
                continue;
            }
        };
        let code = cell::normalized(&row.cells[REGION]);
        let region = match scope.committee(actor, &code, &regions, COLUMNS[REGION].chinese) {
            Ok(region) => region,
            Err((code, message)) => {
                fail(report, REGION, code, message);
                continue;
            }
        };
        let fields = match fields.checked() {
            Ok(fields) => fields,
            Err(errors) => {
                for (field, message) in table::invalid_fields(errors) {
                    let column = column_of_field(&field);
                    let message = format!("{}：{message}", COLUMNS[column].chinese);
                    fail(report, column, ErrorCode::InvalidValue, message);
                }
                continue;
            }
        };
        if let Some(phone) = &fields.phone
            && !write::is_mainland_mobile(phone)
        {
            let message = "手机 不是大陆手机号（仍会导入）".to_owned();
            report.warning(table.error(&COLUMNS, row, PHONE, ErrorCode::NotMobile, message));
        }
        let existing = match &fields.member_number {
            Some(number) => {
                if let Some(first) = seen_numbers.insert((region.id, number.clone()), row.number) {
                    let message = format!("委员编号 '{number}' 与第 {first} 行重复");
                    fail(report, NUMBER, ErrorCode::DuplicateKey, message);
                    continue;
                }
                by_number.get(&(region.id, number.as_str())).copied()
            }
            None => {
                if by_name.contains(&(region.id, fields.term, fields.name.as_str())) {
                    let message = format!(
                        "看起来是已有委员（{} 第{}届 {}）：请填写其委员编号",
                        region.name, fields.term, fields.name
                    );
                    fail(report, NUMBER, ErrorCode::LooksLikeExisting, message);
                    continue;
                }
                None
            }
        };
        match existing {
            Some(stored) if same(stored, &fields) => report.unchanged += 1,
            Some(stored) => planned.push(ImportedMember {
                id: Some(stored.id),
                region,
                fields,
            }),
            None => planned.push(ImportedMember {
                id: None,
                region,
                fields,
            }),
        }
    }
    Ok(planned)
}

/// Whether the stored member already has these values.
fn same(stored: &member::Model, fields: &MemberFields) -> bool {
    stored.name == fields.name
        && stored.gender == fields.gender
        && stored.sector == fields.sector
        && stored.occupation == fields.occupation
        && stored.term == fields.term
        && stored.phone == fields.phone
        && stored.email == fields.email
        && stored.status == fields.status
}

/// The roster of the subtree of `region_code`, for staff covering it (contact data included:
/// only staff in scope may see it anyway).
pub(crate) async fn export(
    db: &Db,
    actor: &Actor,
    region_code: &str,
) -> Result<Vec<u8>, FileError> {
    let (ids, regions) = subtree(db, actor, region_code).await?;
    let mut members = domain::read::members::roster(db, &ids).await?;
    members.sort_by(|a, b| {
        let code = |member: &member::Model| {
            regions
                .get(&member.region_id)
                .map(|region| region.code.clone())
                .unwrap_or_default()
        };
        (code(a), &a.member_number).cmp(&(code(b), &b.member_number))
    });
    let rows: Vec<Vec<String>> = members
        .iter()
        .map(|member| {
            let mut row = vec![String::new(); COLUMNS.len()];
            row[NUMBER] = member.member_number.clone();
            row[NAME] = member.name.clone();
            row[GENDER] = label(GENDERS, member.gender);
            row[SECTOR] = member.sector.clone();
            row[OCCUPATION] = member.occupation.clone();
            row[TERM] = member.term.to_string();
            row[PHONE] = member.phone.clone().unwrap_or_default();
            row[EMAIL] = member.email.clone().unwrap_or_default();
            row[STATUS] = label(STATUSES, member.status);
            row[REGION] = regions
                .get(&member.region_id)
                .map(|region| region.code.clone())
                .unwrap_or_default();
            row
        })
        .collect();
    workbook::write(&spec(&rows))
}

/// The region ids of the subtree of `region_code`, and the regions, for staff covering it.
pub(crate) async fn subtree(
    db: &Db,
    actor: &Actor,
    region_code: &str,
) -> Result<(Vec<i64>, HashMap<i64, Region>), FileError> {
    let region = crate::scope::region_named(db, region_code).await?;
    if !actor.is_staff_covering(region.id) {
        return Err(FileError::Forbidden);
    }
    let ids = domain::regions::subtrees(db, &[region.id]).await?;
    let regions = domain::regions::by_ids(db, &ids).await?;
    Ok((ids, regions))
}

/// A linked member's 委员编号 as an export writes it: only for staff covering the member's
/// committee, as `Member.memberNumber` shows it; blank otherwise (the member's committee code
/// still says whose member it is).
pub(crate) fn visible_number(actor: &Actor, member: &domain::read::members::Member) -> String {
    if actor.is_staff_covering(member.region_id) {
        member.member_number.clone()
    } else {
        String::new()
    }
}

/// The empty template, with one example row.
pub(crate) fn template() -> Result<Vec<u8>, FileError> {
    let example = vec![
        String::new(),
        "王晓红".to_owned(),
        "女".to_owned(),
        "教育界".to_owned(),
        "宁波市鄞州区某中学校长".to_owned(),
        "12".to_owned(),
        "13800001234".to_owned(),
        "wang.xh@example.cn".to_owned(),
        "在任".to_owned(),
        "330212".to_owned(),
    ];
    workbook::write(&spec(&[example]))
}

fn spec(rows: &[Vec<String>]) -> SheetSpec<'_> {
    static CHOICES: std::sync::OnceLock<Vec<(usize, Vec<&'static str>)>> =
        std::sync::OnceLock::new();
    let choices = CHOICES.get_or_init(|| {
        vec![
            (
                GENDER,
                GENDERS.iter().map(|(_, _, labels)| labels[0]).collect(),
            ),
            (
                STATUS,
                STATUSES.iter().map(|(_, _, labels)| labels[0]).collect(),
            ),
        ]
    });
    SheetSpec {
        name: SHEET,
        columns: &COLUMNS,
        choices,
        rows,
        about: "委员名册导入模板：第一行为表头（中文或英文均可），每行一名委员。带 * 的列为必填列。\
                导入前会逐格校验，任何一格有误则整个文件不写入，并指出出错的单元格。",
    }
}

/// The first label of `value` among `options` (what exports write).
pub(crate) fn label<T: PartialEq + Copy>(options: &[(T, &str, &[&str])], value: T) -> String {
    options
        .iter()
        .find(|(item, _, _)| *item == value)
        .and_then(|(_, _, labels)| labels.first())
        .map_or_else(String::new, |label| (*label).to_owned())
}
