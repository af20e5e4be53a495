//! 委员会客厅: lounges, keyed by (committee, 名称). A row whose committee has a lounge of that
//! name updates it; any other row creates one. The committee is the row's 委员会代码, or the
//! import's region. Lead and team members come in the memberships file.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::NaiveDate;
use domain::{
    Actor, Db,
    read::lounges::Lounge,
    write::lounges_import::{self as write, ImportedLounge, LoungeFields},
};
use entity::enums::LoungeStatus;

use crate::{
    ErrorCode, FileError, ImportOptions, Phase, Progress, Report, cell,
    columns::Column,
    scope::ImportScope,
    source::Source,
    table::{self, SheetOf},
    workbook::{self, SheetSpec},
};

/// The data sheet's name.
pub const SHEET: &str = "客厅";

const NAME: usize = 0;
const THEME: usize = 1;
const VENUE: usize = 2;
const ADDRESS: usize = 3;
const ESTABLISHED: usize = 4;
const CLOSED: usize = 5;
const STATUS: usize = 6;
const REGION: usize = 7;

static COLUMNS: [Column; 8] = [
    Column {
        chinese: "名称",
        english: "name",
        required: true,
        personal: false,
        help: "客厅名称，每个政协内唯一；导入按 委员会代码+名称 更新已有客厅。",
    },
    Column {
        chinese: "主题",
        english: "theme",
        required: true,
        personal: false,
        help: "客厅主题。",
    },
    Column {
        chinese: "地点",
        english: "venue",
        required: true,
        personal: false,
        help: "依托场所，如 某法院、某实验室。",
    },
    Column {
        chinese: "地址",
        english: "address",
        required: true,
        personal: false,
        help: "详细地址。",
    },
    Column {
        chinese: "设立日期",
        english: "establishedOn",
        required: true,
        personal: false,
        help: "如 2020-06-01、2020/6/1、2020年6月1日。",
    },
    Column {
        chinese: "关闭日期",
        english: "closedOn",
        required: false,
        personal: false,
        help: "仅状态为 关闭 时填写，不早于设立日期。",
    },
    Column {
        chinese: "状态",
        english: "status",
        required: false,
        personal: false,
        help: "正常、暂停 或 关闭（也可填 ACTIVE / SUSPENDED / CLOSED）；留空为正常。",
    },
    Column {
        chinese: "委员会代码",
        english: "regionCode",
        required: false,
        personal: false,
        help: "客厅所属政协的六位行政区划代码；留空则为导入时指定的区域。",
    },
];

/// The sheet, by its names.
const SHEET_OF: SheetOf = SheetOf {
    names: &[SHEET, "lounges", "Lounges"],
    columns: &COLUMNS,
};

const STATUSES: &[(LoungeStatus, &str, &[&str])] = &[
    (LoungeStatus::Active, "ACTIVE", &["正常"]),
    (LoungeStatus::Suspended, "SUSPENDED", &["暂停"]),
    (LoungeStatus::Closed, "CLOSED", &["关闭"]),
];

fn column_of_field(field: &str) -> usize {
    match field {
        "name" => NAME,
        "theme" => THEME,
        "venue" => VENUE,
        "address" => ADDRESS,
        "establishedOn" => ESTABLISHED,
        "closedOn" => CLOSED,
        "status" => STATUS,
        _ => REGION,
    }
}

/// A date cell: `Ok(None)` when blank.
pub(crate) fn date_cell(raw: &str) -> Result<Option<NaiveDate>, ()> {
    if cell::text(raw).is_empty() {
        return Ok(None);
    }
    cell::date(raw).map(Some).ok_or(())
}

/// Imports lounges: see the module doc.
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
    let (regions, region_ids) = scope
        .committees(db, rows.iter().map(|row| &row.cells[REGION]))
        .await?;
    let stored = domain::read::lounges::of_regions(db, &region_ids).await?;
    let by_name: HashMap<(i64, &str), &Lounge> = stored
        .iter()
        .map(|lounge| ((lounge.region_id, lounge.name.as_str()), lounge))
        .collect();
    let mut seen: HashSet<(i64, String)> = HashSet::new();
    let mut planned = Vec::new();
    for row in &rows {
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
        let mut typed_ok = true;
        for index in [NAME, THEME, VENUE, ADDRESS, ESTABLISHED] {
            if cell::text(&row.cells[index]).is_empty() {
                fail(
                    index,
                    ErrorCode::Required,
                    format!("{} 不能为空", COLUMNS[index].chinese),
                );
                typed_ok = false;
            }
        }
        let status_text = cell::text(&row.cells[STATUS]);
        let status = if status_text.is_empty() {
            Some(LoungeStatus::Active)
        } else {
            cell::choice(&status_text, STATUSES)
        };
        if status.is_none() {
            fail(
                STATUS,
                ErrorCode::InvalidEnum,
                format!("状态 '{status_text}' 不是 {} 之一", cell::labels(STATUSES)),
            );
            typed_ok = false;
        }
        let established = date_cell(&row.cells[ESTABLISHED]);
        let closed = date_cell(&row.cells[CLOSED]);
        for (index, parsed) in [(ESTABLISHED, &established), (CLOSED, &closed)] {
            if parsed.is_err() {
                fail(
                    index,
                    ErrorCode::InvalidDate,
                    format!(
                        "{} '{}' 不是日期（如 2020-06-01）",
                        COLUMNS[index].chinese,
                        cell::text(&row.cells[index])
                    ),
                );
                typed_ok = false;
            }
        }
        let (Some(status), Ok(Some(established_on)), Ok(closed_on)) = (status, established, closed)
        else {
            continue;
        };
        if !typed_ok {
            continue;
        }
        let fields = LoungeFields {
            name: cell::text(&row.cells[NAME]),
            theme: cell::text(&row.cells[THEME]),
            venue: cell::text(&row.cells[VENUE]),
            address: cell::text(&row.cells[ADDRESS]),
            status,
            established_on,
            closed_on,
        };
        let fields = match fields.checked() {
            Ok(fields) => fields,
            Err(errors) => {
                for (field, message) in table::invalid_fields(errors) {
                    let column = column_of_field(&field);
                    fail(
                        column,
                        ErrorCode::InvalidValue,
                        format!("{}：{message}", COLUMNS[column].chinese),
                    );
                }
                continue;
            }
        };
        if !seen.insert((region.id, fields.name.clone())) {
            fail(
                NAME,
                ErrorCode::DuplicateKey,
                format!("客厅 '{}' 在文件中出现了两次", fields.name),
            );
            continue;
        }
        match by_name.get(&(region.id, fields.name.as_str())) {
            Some(stored) if same(stored, &fields) => report.unchanged += 1,
            Some(stored) => planned.push(ImportedLounge {
                id: Some(stored.id),
                version: stored.version,
                region_id: region.id,
                fields,
            }),
            None => planned.push(ImportedLounge {
                id: None,
                version: 0,
                region_id: region.id,
                fields,
            }),
        }
    }
    report.created = planned.iter().filter(|row| row.id.is_none()).count();
    report.updated = planned.len() - report.created;
    if report.error_count > 0 || options.dry_run || planned.is_empty() {
        return Ok(report);
    }
    progress.enter(Phase::Writing);
    write::import_lounges(db, actor, planned).await?;
    report.written = true;
    Ok(report)
}

fn same(stored: &Lounge, fields: &LoungeFields) -> bool {
    stored.theme == fields.theme
        && stored.venue == fields.venue
        && stored.address == fields.address
        && stored.status == fields.status
        && stored.established_on == fields.established_on
        && stored.closed_on == fields.closed_on
}

/// The lounges of the subtree of `region_code`, for staff covering it.
pub(crate) async fn export(
    db: &Db,
    actor: &Actor,
    region_code: &str,
) -> Result<Vec<u8>, FileError> {
    let (ids, regions) = crate::members::subtree(db, actor, region_code).await?;
    let mut lounges = domain::read::lounges::of_regions(db, &ids).await?;
    let code = |lounge: &Lounge| {
        regions
            .get(&lounge.region_id)
            .map(|region| region.code.clone())
            .unwrap_or_default()
    };
    lounges.sort_by(|a, b| (code(a), &a.name).cmp(&(code(b), &b.name)));
    let rows: Vec<Vec<String>> = lounges
        .iter()
        .map(|lounge| {
            let mut row = vec![String::new(); COLUMNS.len()];
            row[NAME] = lounge.name.clone();
            row[THEME] = lounge.theme.clone();
            row[VENUE] = lounge.venue.clone();
            row[ADDRESS] = lounge.address.clone();
            row[ESTABLISHED] = lounge.established_on.to_string();
            row[CLOSED] = lounge
                .closed_on
                .map(|day| day.to_string())
                .unwrap_or_default();
            row[STATUS] = crate::members::label(STATUSES, lounge.status);
            row[REGION] = code(lounge);
            row
        })
        .collect();
    workbook::write(&spec(&rows))
}

/// The empty template, with one example row.
pub(crate) fn template() -> Result<Vec<u8>, FileError> {
    let example = vec![
        "法润鄞州委员会客厅".to_owned(),
        "法治建设".to_owned(),
        "鄞州区人民法院".to_owned(),
        "宁波市鄞州区某路 1 号".to_owned(),
        "2020-06-01".to_owned(),
        String::new(),
        "正常".to_owned(),
        "330212".to_owned(),
    ];
    workbook::write(&spec(&[example]))
}

fn spec(rows: &[Vec<String>]) -> SheetSpec<'_> {
    static CHOICES: std::sync::OnceLock<Vec<(usize, Vec<&'static str>)>> =
        std::sync::OnceLock::new();
    let choices = CHOICES.get_or_init(|| {
        vec![(
            STATUS,
            STATUSES.iter().map(|(_, _, labels)| labels[0]).collect(),
        )]
    });
    SheetSpec {
        name: SHEET,
        columns: &COLUMNS,
        choices,
        rows,
        about: "委员会客厅导入模板：第一行为表头（中文或英文均可），每行一个客厅。带 * 的列为必填列。\
                牵头委员和团队委员请用“客厅成员”模板导入。任何一格有误则整个文件不写入。",
    }
}
