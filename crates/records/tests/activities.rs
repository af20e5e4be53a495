//! Lounge activities in: three linked sheets (活动, 主办客厅, 参与委员) keyed by 活动编号, on both
//! engines. A new activity with its hosts and participants is written with the event
//! `recordLoungeActivity` writes, and a second import changes nothing; bad cells on any sheet
//! write nothing and are named; a CSV of the main sheet updates a stored activity and keeps its
//! hosts; the template reads back.

use std::io::Write as _;

use domain::{Actor, Db, Role};
use entity::{enums::EventType, event, lounge_activity};
use records::{ErrorCode, FileError, ImportOptions, Kind, Limits, Report};
use rust_xlsxwriter::Workbook;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use testing::{Template, TestDb, staff};

const MAIN: [&str; 11] = [
    "活动编号",
    "标题",
    "类型",
    "形式",
    "线上/线下",
    "平台",
    "开始时间",
    "结束时间",
    "公众参与人数",
    "摘要",
    "委员会代码",
];
const HOSTS: [&str; 4] = ["活动编号", "客厅名称", "主办状态", "客厅委员会代码"];
const PARTICIPANTS: [&str; 2] = ["活动编号", "委员编号"];
const PARTICIPANTS_WITH_REGION: [&str; 3] = ["活动编号", "委员编号", "委员委员会代码"];

/// A sheet: its name, header row and data rows.
type Sheet<'a> = (&'a str, &'a [&'a str], Vec<Vec<String>>);

/// A workbook of `sheets`.
fn workbook(sheets: &[Sheet<'_>]) -> Vec<u8> {
    let mut book = Workbook::new();
    for (name, header, rows) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(*name).expect("a name");
        for (column, title) in header.iter().enumerate() {
            sheet
                .write_string(0, column as u16, *title)
                .expect("a header");
        }
        for (number, row) in rows.iter().enumerate() {
            for (column, value) in row.iter().enumerate() {
                sheet
                    .write_string(number as u32 + 1, column as u16, value)
                    .expect("a cell");
            }
        }
    }
    book.save_to_buffer().expect("a workbook")
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|cell| (*cell).to_owned()).collect()
}

async fn import(
    db: &Db,
    actor: &Actor,
    name: &str,
    bytes: &[u8],
    dry_run: bool,
) -> Result<Report, FileError> {
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join(name);
    std::fs::File::create(&path)
        .and_then(|mut file| file.write_all(bytes))
        .expect("written");
    let options = ImportOptions {
        region_code: Some("330212".into()),
        dry_run,
        limits: Limits::default(),
    };
    let file = std::fs::File::open(&path).expect("the file");
    records::import(
        db,
        actor,
        Kind::Activities,
        name,
        file,
        &options,
        &Default::default(),
    )
    .await
}

async fn lounge_names(db: &Db, code: &str) -> Vec<String> {
    let region = testing::region_id(db, code).await.expect("a region");
    domain::read::lounges::of_regions(db, &[region])
        .await
        .expect("lounges")
        .into_iter()
        .filter(|lounge| lounge.closed_on.is_none())
        .map(|lounge| lounge.name)
        .collect()
}

async fn recorded_events(db: &Db) -> u64 {
    event::Entity::find()
        .filter(event::Column::Type.eq(EventType::LoungeActivityRecorded))
        .count(db.reader())
        .await
        .expect("events")
}

#[tokio::test]
async fn a_new_activity_with_hosts_and_participants_is_written_once() {
    let test = TestDb::new(Template::Demo).await.expect("the demo");
    let county = staff(&test.db, Role::CountyStaff, "330212")
        .await
        .expect("county staff");
    let lounges = lounge_names(&test.db, "330212").await;
    let events_before = recorded_events(&test.db).await;
    let file = workbook(&[
        (
            "活动",
            &MAIN,
            vec![row(&[
                "鄞州-2020-外-01",
                "网络议政：垃圾分类",
                "X",
                "网络议政",
                "线上",
                "钉钉",
                "2020/7/1 19:00",
                "2020年7月1日 20:30",
                "１２",
                "",
                "",
            ])],
        ),
        (
            "主办客厅",
            &HOSTS,
            vec![row(&["鄞州-2020-外-01", &lounges[0], "", ""])],
        ),
        (
            "参与委员",
            &PARTICIPANTS,
            vec![
                row(&["鄞州-2020-外-01", "330212-0001"]),
                row(&["鄞州-2020-外-01", "330212-0002"]),
            ],
        ),
    ]);
    let report = import(&test.db, &county, "a.xlsx", &file, false)
        .await
        .expect("a report");
    assert_eq!(report.error_count, 0, "{:?}", report.errors);
    assert_eq!((report.rows, report.created), (4, 4));
    assert!(report.written);
    assert_eq!(recorded_events(&test.db).await, events_before + 1);
    let stored = lounge_activity::Entity::find()
        .filter(lounge_activity::Column::RecordNumber.eq("鄞州-2020-外-01"))
        .one(test.db.reader())
        .await
        .expect("a query")
        .expect("the activity");
    assert_eq!(stored.public_attendance, 12);
    assert_eq!(stored.starts_at.to_rfc3339(), "2020-07-01T11:00:00+00:00");

    let again = import(&test.db, &county, "a.xlsx", &file, false)
        .await
        .expect("a report");
    assert_eq!((again.unchanged, again.created, again.updated), (4, 0, 0));
    assert!(!again.written);
    assert_eq!(recorded_events(&test.db).await, events_before + 1);

    // A CSV holds the main sheet only: it updates the activity and keeps its hosts.
    let csv = format!(
        "{}\n鄞州-2020-外-01,网络议政：垃圾分类（改）,X,网络议政,线上,钉钉,2020-07-01 19:00,2020-07-01 20:30,12,,330212\n",
        MAIN.join(",")
    );
    let updated = import(&test.db, &county, "a.csv", csv.as_bytes(), false)
        .await
        .expect("a report");
    assert_eq!(
        (updated.updated, updated.error_count),
        (1, 0),
        "{:?}",
        updated.errors
    );
    let hosts = domain::read::activities::host_rows(&test.db, &[stored.id])
        .await
        .expect("hosts");
    assert_eq!(hosts.len(), 1);
}

#[tokio::test]
async fn bad_cells_on_any_sheet_write_nothing_and_are_named() {
    let test = TestDb::new(Template::Demo).await.expect("the demo");
    let county = staff(&test.db, Role::CountyStaff, "330212")
        .await
        .expect("county staff");
    let ours = lounge_names(&test.db, "330212").await;
    let theirs = lounge_names(&test.db, "330109").await;
    let events_before = recorded_events(&test.db).await;
    let activity = |number: &str, channel: &str, platform: &str, starts: &str| {
        row(&[
            number,
            "活动",
            "4",
            "论坛",
            channel,
            platform,
            starts,
            "2020-07-01 21:00",
            "",
            "",
            "",
        ])
    };
    let file = workbook(&[
        (
            "活动",
            &MAIN,
            vec![
                activity("N-1", "线上", "", "2020-07-01 19:00"),
                activity("N-2", "线下", "", "明天"),
                activity("N-3", "线下", "", "2020-07-01 19:00"),
                activity("N-4", "线下", "", "2020-07-01 19:00"),
                activity(&"N".repeat(51), "线下", "", "2020-07-01 19:00"),
            ],
        ),
        (
            "主办客厅",
            &HOSTS,
            vec![
                row(&["N-1", &ours[0], "", ""]),
                row(&["N-9", &ours[0], "", ""]),
                row(&["N-4", &theirs[0], "", "330109"]),
                row(&["N-4", &ours[0], "同意", ""]),
            ],
        ),
        (
            "参与委员",
            &PARTICIPANTS_WITH_REGION,
            vec![
                row(&["N-1", "330212-9999", ""]),
                row(&["N-1", "330109-0001", "330109"]),
            ],
        ),
    ]);
    let report = import(&test.db, &county, "bad.xlsx", &file, false)
        .await
        .expect("a report");
    let found: Vec<(String, ErrorCode)> = report
        .errors
        .iter()
        .map(|error| {
            (
                format!("{}!{}{}", error.sheet, error.column_letter, error.row),
                error.code,
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("活动!F2".to_owned(), ErrorCode::InvalidValue),
            ("活动!G3".to_owned(), ErrorCode::InvalidDate),
            ("活动!A6".to_owned(), ErrorCode::InvalidValue),
            ("主办客厅!A3".to_owned(), ErrorCode::UnknownRecord),
            ("主办客厅!D4".to_owned(), ErrorCode::OutOfScope),
            ("主办客厅!C5".to_owned(), ErrorCode::InvalidEnum),
            ("参与委员!B2".to_owned(), ErrorCode::UnknownMember),
            // Checked before the lookup: no telling whether 330109 has that member.
            ("参与委员!C3".to_owned(), ErrorCode::OutOfScope),
            ("活动!A4".to_owned(), ErrorCode::Required),
            ("活动!A5".to_owned(), ErrorCode::Required),
        ],
        "{:?}",
        report.errors
    );
    assert!(!report.written);
    assert_eq!(recorded_events(&test.db).await, events_before);
}

#[tokio::test]
async fn the_template_reads_back_and_a_dry_run_writes_nothing() {
    let test = TestDb::new(Template::Demo).await.expect("the demo");
    let county = staff(&test.db, Role::CountyStaff, "330212")
        .await
        .expect("county staff");
    let template = records::template(Kind::Activities).expect("a template");
    let events_before = recorded_events(&test.db).await;
    let report = import(&test.db, &county, "t.xlsx", &template, true)
        .await
        .expect("the template is a readable workbook");
    assert_eq!(report.rows, 3);
    assert!(!report.written);
    assert_eq!(recorded_events(&test.db).await, events_before);
}
