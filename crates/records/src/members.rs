//! 委员名册: members of committees, keyed by (committee, 委员编号).
//!
//! A row with a 委员编号 updates the member of its committee holding that number, or creates
//! one with it; a row without one creates a member numbered by the committee — unless a member
//! of that committee with the same 届次 and 姓名 exists, which is an error ("looks like an
//! existing member: add its 委员编号"), never a silent duplicate. A phone is never part of a key.
//! The committee is the row's 委员会代码, or the import's region when the column is absent or
//! blank.

use std::collections::{HashMap, HashSet};

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
    ErrorCode, FileError, ImportOptions, Report, RowError, cell,
    columns::{Column, Header},
    source::{Row, Source},
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
        help: "每个政协内唯一；留空表示新增委员，由系统编号。导入只通过委员编号更新已有委员。",
    },
    Column {
        chinese: "姓名",
        english: "name",
        required: true,
        help: "1–100 个字符。",
    },
    Column {
        chinese: "性别",
        english: "gender",
        required: true,
        help: "男 或 女（也可填 MALE / FEMALE）。",
    },
    Column {
        chinese: "界别",
        english: "sector",
        required: true,
        help: "1–100 个字符，如 经济界。",
    },
    Column {
        chinese: "职业/工作单位及职务",
        english: "occupation",
        required: true,
        help: "1–200 个字符。",
    },
    Column {
        chinese: "届次",
        english: "term",
        required: true,
        help: "1–99 的整数，如 12。",
    },
    Column {
        chinese: "手机",
        english: "phone",
        required: false,
        help: "个人信息。数字、+、- 和空格，7–20 个字符；非大陆手机号会给出提示但可导入。",
    },
    Column {
        chinese: "邮箱",
        english: "email",
        required: false,
        help: "个人信息。形如 name@example.com。",
    },
    Column {
        chinese: "状态",
        english: "status",
        required: false,
        help: "在任 或 离任（也可填 ACTIVE / INACTIVE）；留空为在任。",
    },
    Column {
        chinese: "委员会代码",
        english: "regionCode",
        required: false,
        help: "委员所在政协的六位行政区划代码，如 330212；留空则为导入时指定的区域。",
    },
];

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

/// A data row read and typed (its fields not yet checked against the mutations' rules).
#[derive(Clone, Debug)]
struct Parsed {
    row: usize,
    region_code: Option<String>,
    fields: MemberFields,
    raw: Vec<String>,
}

/// What the reading pass gives the planning pass.
struct Read {
    sheet: String,
    header: Option<Header>,
    rows: Vec<Parsed>,
    report: Report,
}

/// Reads the file's rows (off the async runtime: reading is blocking file work).
fn read(source: &Source) -> Result<Read, FileError> {
    let mut header: Option<Header> = None;
    let mut parsed = Vec::new();
    let mut report = Report::default();
    let mut errors: Vec<(usize, usize, ErrorCode, String)> = Vec::new();
    let mut raws: Vec<Row> = Vec::new();
    let sheet = source.read(&[SHEET, "members", "Members"], &mut |row| {
        let Some(known) = &header else {
            header = Some(Header::read(&row, &COLUMNS)?);
            return Ok(());
        };
        report.rows += 1;
        let cells: Vec<String> = (0..COLUMNS.len())
            .map(|index| known.cell(&row, index).to_owned())
            .collect();
        match typed(&cells) {
            Ok(row_parsed) => parsed.push(Parsed {
                row: row.number,
                region_code: row_parsed.0,
                fields: row_parsed.1,
                raw: cells,
            }),
            Err(cell_errors) => {
                for (column, code, message) in cell_errors {
                    errors.push((row.number, column, code, message));
                }
                raws.push(Row {
                    number: row.number,
                    cells,
                });
            }
        }
        Ok(())
    })?;
    let Some(header) = header else {
        return Err(FileError::EmptySheet { sheet });
    };
    for (row, column, code, message) in errors {
        let value = raws
            .iter()
            .find(|raw| raw.number == row)
            .and_then(|raw| raw.cells.get(column).cloned())
            .unwrap_or_default();
        report.error(cell_error(
            &sheet, &header, row, column, value, code, message,
        ));
    }
    Ok(Read {
        sheet,
        header: Some(header),
        rows: parsed,
        report,
    })
}

/// The typed values of one row's cells (in [`COLUMNS`] order), or every cell that is not of
/// its column's type.
#[allow(clippy::type_complexity)]
fn typed(
    cells: &[String],
) -> Result<(Option<String>, MemberFields), Vec<(usize, ErrorCode, String)>> {
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
    let region_code = optional(REGION);
    Ok((
        region_code,
        MemberFields {
            member_number: optional(NUMBER),
            name: cell::text(cell_at(NAME)),
            gender: gender.unwrap_or(Gender::Male),
            sector: cell::text(cell_at(SECTOR)),
            occupation: cell::text(cell_at(OCCUPATION)),
            term: term.unwrap_or_default(),
            phone: optional(PHONE),
            email: optional(EMAIL),
            status: status.unwrap_or(MemberStatus::Active),
        },
    ))
}

fn cell_error(
    sheet: &str,
    header: &Header,
    row: usize,
    column: usize,
    value: String,
    code: ErrorCode,
    message: String,
) -> RowError {
    let (name, letter) = header.locate(column);
    RowError {
        sheet: sheet.to_owned(),
        row,
        column: if name.is_empty() {
            COLUMNS[column].chinese.to_owned()
        } else {
            name
        },
        column_letter: letter,
        value,
        message,
        code,
    }
}

/// Imports a member roster: see the module doc.
pub(crate) async fn import(
    db: &Db,
    actor: &Actor,
    source: Source,
    options: &ImportOptions,
    progress: &mut (dyn FnMut(usize) + Send),
) -> Result<Report, FileError> {
    let principal = actor.principal().ok_or(FileError::Unauthenticated)?;
    if !principal.role.is_staff() {
        return Err(FileError::Forbidden);
    }
    let within = match &options.region_code {
        Some(code) => {
            let region = domain::regions::by_code(db, code)
                .await
                .ok()
                .flatten()
                .ok_or_else(|| FileError::UnknownRegion(code.clone()))?;
            if !actor.is_staff_covering(region.id) {
                return Err(FileError::Forbidden);
            }
            Some(region)
        }
        None => None,
    };
    let read = tokio::task::spawn_blocking(move || read(&source))
        .await
        .map_err(|error| FileError::Unreadable(error.to_string()))??;
    let Read {
        sheet,
        header,
        rows,
        mut report,
    } = read;
    let Some(header) = header else {
        return Err(FileError::EmptySheet { sheet });
    };
    progress(report.rows);
    let plan = plan(
        db,
        actor,
        within.as_ref(),
        &sheet,
        &header,
        rows,
        &mut report,
    )
    .await?;
    report.created = plan.iter().filter(|row| row.id.is_none()).count();
    report.updated = plan.len() - report.created;
    if report.error_count > 0 || options.dry_run || plan.is_empty() {
        return Ok(report);
    }
    write::import(db, actor, plan).await?;
    report.written = true;
    Ok(report)
}

/// Checks every parsed row against the mutations' rules, the committees, the caller's scope and
/// the stored roster; returns the rows to write (unchanged ones left out, and counted).
async fn plan(
    db: &Db,
    actor: &Actor,
    within: Option<&Region>,
    sheet: &str,
    header: &Header,
    rows: Vec<Parsed>,
    report: &mut Report,
) -> Result<Vec<ImportedMember>, FileError> {
    let mut codes: Vec<String> = rows
        .iter()
        .filter_map(|row| row.region_code.clone())
        .collect();
    codes.sort_unstable();
    codes.dedup();
    let regions = domain::regions::by_codes(db, &codes).await?;
    let allowed: Option<HashSet<i64>> = match within {
        Some(region) => Some(
            domain::regions::subtrees(db, &[region.id])
                .await?
                .into_iter()
                .collect(),
        ),
        None => None,
    };
    let region_ids: Vec<i64> = regions
        .values()
        .map(|region| region.id)
        .chain(within.map(|region| region.id))
        .collect();
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
    let error = |report: &mut Report, row: &Parsed, column: usize, code, message: String| {
        let value = row.raw.get(column).cloned().unwrap_or_default();
        report.error(cell_error(
            sheet, header, row.row, column, value, code, message,
        ));
    };
    for row in rows {
        let region = match (&row.region_code, within) {
            (Some(code), _) => match regions.get(code) {
                Some(region) => region.clone(),
                None => {
                    error(
                        report,
                        &row,
                        REGION,
                        ErrorCode::UnknownRegion,
                        format!("没有代码为 '{code}' 的行政区"),
                    );
                    continue;
                }
            },
            (None, Some(region)) => region.clone(),
            (None, None) => {
                error(
                    report,
                    &row,
                    REGION,
                    ErrorCode::Required,
                    "委员会代码 不能为空（或在导入时指定区域）".to_owned(),
                );
                continue;
            }
        };
        let in_import = allowed.as_ref().is_none_or(|ids| ids.contains(&region.id));
        if !in_import || !actor.is_staff_covering(region.id) {
            error(
                report,
                &row,
                REGION,
                ErrorCode::OutOfScope,
                format!(
                    "{}（{}）不在你的管辖范围或本次导入的区域内",
                    region.name, region.code
                ),
            );
            continue;
        }
        let fields = match row.fields.clone().checked() {
            Ok(fields) => fields,
            Err(errors) => {
                for failure in errors {
                    let (field, message) = match failure {
                        domain::DomainError::Invalid { field, message } => (field, message),
                        other => ("input".to_owned(), other.to_string()),
                    };
                    let column = column_of_field(&field);
                    error(
                        report,
                        &row,
                        column,
                        ErrorCode::InvalidValue,
                        format!("{}：{message}", COLUMNS[column].chinese),
                    );
                }
                continue;
            }
        };
        if let Some(phone) = &fields.phone
            && !write::is_mainland_mobile(phone)
        {
            let (name, letter) = header.locate(PHONE);
            report.warning(RowError {
                sheet: sheet.to_owned(),
                row: row.row,
                column: name,
                column_letter: letter,
                value: phone.clone(),
                message: "手机 不是大陆手机号（仍会导入）".to_owned(),
                code: ErrorCode::NotMobile,
            });
        }
        let existing = match &fields.member_number {
            Some(number) => {
                if let Some(first) = seen_numbers.insert((region.id, number.clone()), row.row) {
                    error(
                        report,
                        &row,
                        NUMBER,
                        ErrorCode::DuplicateKey,
                        format!("委员编号 '{number}' 与第 {first} 行重复"),
                    );
                    continue;
                }
                by_number.get(&(region.id, number.as_str())).copied()
            }
            None => {
                if by_name.contains(&(region.id, fields.term, fields.name.as_str())) {
                    error(
                        report,
                        &row,
                        NUMBER,
                        ErrorCode::LooksLikeExisting,
                        format!(
                            "看起来是已有委员（{} 第{}届 {}）：请填写其委员编号",
                            region.name, fields.term, fields.name
                        ),
                    );
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
    let region = domain::regions::by_code(db, region_code)
        .await
        .ok()
        .flatten()
        .ok_or_else(|| FileError::UnknownRegion(region_code.to_owned()))?;
    if !actor.is_staff_covering(region.id) {
        return Err(FileError::Forbidden);
    }
    let ids = domain::regions::subtrees(db, &[region.id]).await?;
    let regions = domain::regions::by_ids(db, &ids).await?;
    Ok((ids, regions))
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
