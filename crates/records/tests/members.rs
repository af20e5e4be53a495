//! Member rosters in and out, on both engines: an export imports into a divisions-only
//! database unchanged and exports again to the same bytes; a second import changes nothing;
//! one bad cell writes nothing and names the cell; what people type (GB18030, a BOM, full-width
//! digits, the export's formula prefix) reads; keys are checked; scope is enforced; bad files
//! are refused with their error.

use std::io::Write as _;

use domain::{Actor, Db, Role};
use entity::{enums::EventType, event, member};
use records::{ErrorCode, FileError, ImportOptions, Kind, Limits, Report};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use testing::{Template, TestDb, staff};

async fn divisions_only() -> TestDb {
    let test = TestDb::new(Template::Migrated).await.expect("a database");
    seed::load_divisions(&test.db, seed::DivisionSet::Zhejiang, &mut seed::NoProgress)
        .await
        .expect("the divisions");
    test
}

fn file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join(name);
    std::fs::File::create(&path)
        .and_then(|mut file| file.write_all(bytes))
        .expect("written");
    (dir, path)
}

async fn import(
    db: &Db,
    actor: &Actor,
    name: &str,
    bytes: &[u8],
    region: Option<&str>,
    dry_run: bool,
) -> Result<Report, FileError> {
    let (_dir, path) = file(name, bytes);
    let options = ImportOptions {
        region_code: region.map(str::to_owned),
        dry_run,
        limits: Limits::default(),
    };
    let opened = std::fs::File::open(&path).expect("the file");
    records::import(
        db,
        actor,
        Kind::Members,
        name,
        opened,
        &options,
        &Default::default(),
    )
    .await
}

async fn members_of(db: &Db, code: &str) -> Vec<member::Model> {
    let region_id = testing::region_id(db, code).await.expect("a region");
    let mut rows = member::Entity::find()
        .filter(member::Column::RegionId.eq(region_id))
        .all(db.reader())
        .await
        .expect("members");
    rows.sort_by(|a, b| a.member_number.cmp(&b.member_number));
    rows
}

/// Everything but ids and timestamps.
fn comparable(rows: &[member::Model]) -> Vec<String> {
    rows.iter()
        .map(|row| {
            format!(
                "{}|{}|{:?}|{}|{}|{}|{:?}|{:?}|{:?}",
                row.member_number,
                row.name,
                row.gender,
                row.sector,
                row.occupation,
                row.term,
                row.phone,
                row.email,
                row.status
            )
        })
        .collect()
}

const HEADER: &str = "委员编号,姓名,性别,界别,职业/工作单位及职务,届次,手机,邮箱,状态";

#[tokio::test]
async fn an_export_imports_unchanged_and_exports_again_to_the_same_bytes() {
    let demo = TestDb::new(Template::Demo).await.expect("the demo");
    let city = staff(&demo.db, Role::CityStaff, "330200").await.unwrap();
    let exported = records::export(&demo.db, &city, Kind::Members, "330212")
        .await
        .expect("an export");

    let empty = divisions_only().await;
    let county = staff(&empty.db, Role::CountyStaff, "330212").await.unwrap();
    let report = import(
        &empty.db,
        &county,
        "members.xlsx",
        &exported,
        Some("330212"),
        false,
    )
    .await
    .expect("a report");
    let expected = members_of(&demo.db, "330212").await;
    assert_eq!(report.error_count, 0, "{:?}", report.errors);
    assert_eq!(report.rows, expected.len());
    assert_eq!(report.created, expected.len());
    assert!(report.written);
    assert_eq!(
        comparable(&members_of(&empty.db, "330212").await),
        comparable(&expected)
    );
    // The same events the mutations would have written.
    let created = event::Entity::find()
        .filter(event::Column::Type.eq(EventType::MemberCreated))
        .count(empty.db.reader())
        .await
        .unwrap();
    assert_eq!(created, expected.len() as u64);

    let again = import(
        &empty.db,
        &county,
        "members.xlsx",
        &exported,
        Some("330212"),
        false,
    )
    .await
    .expect("a report");
    assert_eq!(
        (again.created, again.updated, again.unchanged),
        (0, 0, expected.len())
    );
    let exported_again = records::export(&empty.db, &county, Kind::Members, "330212")
        .await
        .expect("an export");
    assert!(exported_again == exported, "the second export differs");
}

#[tokio::test]
async fn one_bad_cell_writes_nothing_and_names_the_cell() {
    let test = divisions_only().await;
    let county = staff(&test.db, Role::CountyStaff, "330212").await.unwrap();
    let csv = format!(
        "{HEADER}\n,王晓红,女,教育界,中学教师,12,13800001234,a@example.cn,在任\n\
         ,李明,男性,经济界,企业家,12,,,\n,赵六,男,经济界,企业家,12,,,\n"
    );
    let report = import(
        &test.db,
        &county,
        "m.csv",
        csv.as_bytes(),
        Some("330212"),
        false,
    )
    .await
    .expect("a report");
    assert!(!report.written);
    assert_eq!(report.error_count, 1, "{:?}", report.errors);
    let error = &report.errors[0];
    assert_eq!(error.to_string(), "委员!C3: 性别 '男性' 不是 男/女 之一");
    assert_eq!(error.code, ErrorCode::InvalidEnum);
    assert_eq!(
        (error.column.as_str(), error.value.as_str()),
        ("性别", "男性")
    );
    assert!(members_of(&test.db, "330212").await.is_empty());

    // A rule of the mutations (term 1–99) is the import's too, and a dry run writes nothing.
    let bad_term = format!("{HEADER}\n,王晓红,女,教育界,中学教师,120,,,\n");
    let report = import(
        &test.db,
        &county,
        "m.csv",
        bad_term.as_bytes(),
        Some("330212"),
        false,
    )
    .await
    .unwrap();
    assert_eq!(report.errors[0].code, ErrorCode::InvalidValue);
    assert_eq!(report.errors[0].column_letter, "F");
    let good = format!("{HEADER}\n,王晓红,女,教育界,中学教师,12,,,\n");
    let dry = import(
        &test.db,
        &county,
        "m.csv",
        good.as_bytes(),
        Some("330212"),
        true,
    )
    .await
    .unwrap();
    assert_eq!((dry.created, dry.written), (1, false));
    assert!(members_of(&test.db, "330212").await.is_empty());
}

#[tokio::test]
async fn what_people_type_is_read() {
    let test = divisions_only().await;
    let county = staff(&test.db, Role::CountyStaff, "330212").await.unwrap();
    // GB18030, as Excel on Chinese Windows saves CSV; English headers; full-width digits in
    // the term, the phone and the code; a name keeping its （）; the export's formula prefix.
    let text = "memberNumber,name,gender,sector,occupation,term,phone,email,status,regionCode\r\n\
                ,王（小）红①,女,教育界,'=校长,１２,１３８ ００００ １２３４,,离任,３３０２１２\r\n";
    let (encoded, _, _) = encoding_rs::GB18030.encode(text);
    let report = import(&test.db, &county, "m.csv", &encoded, None, false)
        .await
        .expect("a report");
    assert_eq!(report.error_count, 0, "{:?}", report.errors);
    let rows = members_of(&test.db, "330212").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].name, "王（小）红①");
    assert_eq!(rows[0].occupation, "=校长");
    assert_eq!(rows[0].term, 12);
    assert_eq!(rows[0].phone.as_deref(), Some("138 0000 1234"));
    assert_eq!(rows[0].member_number, "330212-0001");
    assert_eq!(rows[0].status, entity::enums::MemberStatus::Inactive);

    // UTF-8 with a byte-order mark.
    let bom = format!("\u{feff}{HEADER}\n,张三,男,经济界,企业家,12,0574-88881234,,\n");
    let report = import(
        &test.db,
        &county,
        "m.csv",
        bom.as_bytes(),
        Some("330212"),
        false,
    )
    .await
    .unwrap();
    assert_eq!(report.created, 1, "{:?}", report.errors);
    assert_eq!(report.warnings[0].code, ErrorCode::NotMobile);
    // The report names the cell but never quotes contact data: others than the importer read it.
    assert_eq!(report.warnings[0].column_letter, "G");
    assert_eq!(report.warnings[0].value, "");

    // Keyless rows are numbered on from the committee's highest number, one after another.
    let two = format!("{HEADER}\n,李四,男,经济界,企业家,12,,,\n,王五,女,经济界,企业家,12,,,\n");
    let report = import(
        &test.db,
        &county,
        "m.csv",
        two.as_bytes(),
        Some("330212"),
        false,
    )
    .await
    .unwrap();
    assert_eq!(report.created, 2, "{:?}", report.errors);
    let numbers: Vec<String> = members_of(&test.db, "330212")
        .await
        .into_iter()
        .map(|member| member.member_number)
        .collect();
    assert_eq!(
        numbers,
        ["330212-0001", "330212-0002", "330212-0003", "330212-0004"]
    );
}

#[tokio::test]
async fn keys_are_checked() {
    let test = TestDb::new(Template::Demo).await.expect("the demo");
    let county = staff(&test.db, Role::CountyStaff, "330212").await.unwrap();
    let existing = members_of(&test.db, "330212").await;
    let first = &existing[0];
    let csv = format!(
        "{HEADER}\n,{},{},{},{},{},,,\n\
         NEW-1,新委员甲,女,经济界,企业家,12,,,\nNEW-1,新委员乙,女,经济界,企业家,12,,,\n\
         {},{},男,{},{},{},,,\n",
        first.name,
        if first.gender == entity::enums::Gender::Male {
            "男"
        } else {
            "女"
        },
        first.sector,
        first.occupation,
        first.term,
        first.member_number,
        first.name,
        first.sector,
        "改了职业",
        first.term,
    );
    let report = import(
        &test.db,
        &county,
        "m.csv",
        csv.as_bytes(),
        Some("330212"),
        true,
    )
    .await
    .unwrap();
    let codes: Vec<(usize, ErrorCode)> = report
        .errors
        .iter()
        .map(|error| (error.row, error.code))
        .collect();
    assert_eq!(
        codes,
        [
            (2, ErrorCode::LooksLikeExisting),
            (4, ErrorCode::DuplicateKey)
        ]
    );
    assert_eq!((report.created, report.updated), (1, 1));
}

#[tokio::test]
async fn rows_outside_the_callers_scope_are_refused() {
    let test = divisions_only().await;
    let county = staff(&test.db, Role::CountyStaff, "330212").await.unwrap();
    let csv = format!(
        "{HEADER},委员会代码\n,王晓红,女,教育界,中学教师,12,,,,330212\n,李明,男,经济界,企业家,12,,,,330109\n,赵六,男,经济界,企业家,12,,,,339999\n"
    );
    let report = import(&test.db, &county, "m.csv", csv.as_bytes(), None, false)
        .await
        .unwrap();
    let codes: Vec<ErrorCode> = report.errors.iter().map(|error| error.code).collect();
    assert_eq!(codes, [ErrorCode::OutOfScope, ErrorCode::UnknownRegion]);
    assert!(!report.written);
    assert!(members_of(&test.db, "330212").await.is_empty());
    // Naming another committee as the import's region is refused outright.
    let refused = import(
        &test.db,
        &county,
        "m.csv",
        csv.as_bytes(),
        Some("330109"),
        false,
    )
    .await;
    assert!(matches!(refused, Err(FileError::Forbidden)), "{refused:?}");
}

#[tokio::test]
async fn bad_files_are_refused_with_their_error() {
    let test = divisions_only().await;
    let county = staff(&test.db, Role::CountyStaff, "330212").await.unwrap();
    let code = |result: Result<Report, FileError>| match result {
        Err(error) => error.code(),
        Ok(report) => panic!("imported: {report:?}"),
    };
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00";
    assert_eq!(
        code(import(&test.db, &county, "m.xlsx", png, Some("330212"), false).await),
        "NOT_A_SPREADSHEET"
    );
    let ole = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0];
    assert_eq!(
        code(import(&test.db, &county, "m.xlsx", &ole, Some("330212"), false).await),
        "ENCRYPTED_WORKBOOK"
    );
    assert_eq!(
        code(import(&test.db, &county, "m.csv", b"", Some("330212"), false).await),
        "EMPTY_SHEET"
    );
    assert_eq!(
        code(
            import(
                &test.db,
                &county,
                "m.csv",
                "姓名,性别\n王,女\n".as_bytes(),
                Some("330212"),
                false
            )
            .await
        ),
        "MISSING_COLUMNS"
    );
    // More rows than the limit.
    let rows: String = (0..4)
        .map(|index| format!(",委员{index},女,教育界,教师,12,,,\n"))
        .collect();
    let (_dir, path) = file("m.csv", format!("{HEADER}\n{rows}").as_bytes());
    let options = ImportOptions {
        region_code: Some("330212".into()),
        dry_run: false,
        limits: Limits {
            max_rows: 3,
            ..Limits::default()
        },
    };
    let limited = records::import(
        &test.db,
        &county,
        Kind::Members,
        "m.csv",
        std::fs::File::open(&path).expect("the file"),
        &options,
        &Default::default(),
    )
    .await;
    assert_eq!(code(limited), "TOO_MANY_ROWS");
    // A zip bomb: a small file that claims to unpack to far more than the limit allows.
    let mut bomb = Vec::new();
    {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(&mut bomb));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        writer
            .start_file("xl/worksheets/sheet1.xml", options)
            .unwrap();
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..64 {
            writer.write_all(&zeros).unwrap();
        }
        writer.finish().unwrap();
    }
    assert!(bomb.len() < 1024 * 1024, "{}", bomb.len());
    assert_eq!(
        code(import(&test.db, &county, "m.xlsx", &bomb, Some("330212"), false).await),
        "FILE_TOO_LARGE"
    );
}

#[tokio::test]
async fn the_template_reads_back_with_its_example_row() {
    let test = divisions_only().await;
    let county = staff(&test.db, Role::CountyStaff, "330212").await.unwrap();
    let template = records::template(Kind::Members).expect("a template");
    let report = import(&test.db, &county, "template.xlsx", &template, None, true)
        .await
        .expect("a report");
    assert_eq!((report.rows, report.created, report.error_count), (1, 1, 0));
    // The instructions sheet lists the drop-down values.
    let (_dir, path) = file("template.xlsx", &template);
    let workbook: calamine::Xlsx<_> = calamine::open_workbook(&path).expect("a workbook");
    use calamine::Reader as _;
    assert_eq!(workbook.sheet_names(), ["委员", "说明"]);
}

#[tokio::test]
async fn a_row_without_a_number_never_takes_one_a_later_row_brings() {
    let test = divisions_only().await;
    let county = staff(&test.db, Role::CountyStaff, "330212").await.unwrap();
    let csv = format!(
        "{HEADER}\n,王晓红,女,教育界,中学教师,12,,,在任\n\
         330212-0001,李建国,男,经济界,企业家,12,,,在任\n"
    );
    let report = import(
        &test.db,
        &county,
        "m.csv",
        csv.as_bytes(),
        Some("330212"),
        false,
    )
    .await
    .expect("a report");
    assert_eq!(report.error_count, 0, "{:?}", report.errors);
    assert!(report.written);
    let numbers: Vec<(String, String)> = members_of(&test.db, "330212")
        .await
        .into_iter()
        .map(|member| (member.member_number, member.name))
        .collect();
    assert_eq!(
        numbers,
        [
            ("330212-0001".to_owned(), "李建国".to_owned()),
            ("330212-0002".to_owned(), "王晓红".to_owned()),
        ]
    );
}
