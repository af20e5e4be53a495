//! Lounges and their memberships in and out, on both engines. The bar: everything the
//! demo holds for Zhejiang, exported and imported into a database holding the divisions only,
//! gives the same 2020 lounge figures for 330000 (110 lounges, 146 lead and 587 team members);
//! exporting again gives the same files, and importing them again changes nothing.

use std::io::Write as _;

use domain::{Actor, Db, Role, statistics};
use records::{ErrorCode, ImportOptions, Kind, Limits, Report};
use testing::{Template, TestDb, staff};

async fn divisions_only() -> TestDb {
    let test = TestDb::new(Template::Migrated).await.expect("a database");
    seed::load_divisions(&test.db, seed::DivisionSet::Zhejiang, &mut seed::NoProgress)
        .await
        .expect("the divisions");
    test
}

async fn import(db: &Db, actor: &Actor, kind: Kind, name: &str, bytes: &[u8]) -> Report {
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join(name);
    std::fs::File::create(&path)
        .and_then(|mut file| file.write_all(bytes))
        .expect("written");
    let options = ImportOptions {
        region_code: Some("330000".into()),
        dry_run: false,
        limits: Limits::default(),
    };
    let file = std::fs::File::open(&path).expect("the file");
    records::import(db, actor, kind, name, file, &options, &mut |_| {})
        .await
        .expect("a report")
}

async fn lounge_figures(db: &Db) -> (i64, i64, i64) {
    let province = testing::region_id(db, "330000").await.expect("330000");
    let computed = statistics::compute(db, &[province], 2020, 2020, statistics::Quotas::default())
        .await
        .expect("statistics");
    let totals = &computed[&province][0].totals;
    (
        totals.active_lounges,
        totals.lead_members,
        totals.team_members,
    )
}

#[tokio::test]
async fn the_demos_lounges_round_trip_with_the_same_2020_figures() {
    let demo = TestDb::new(Template::Demo).await.expect("the demo");
    let province = staff(&demo.db, Role::ProvinceStaff, "330000")
        .await
        .unwrap();
    assert_eq!(lounge_figures(&demo.db).await, (110, 146, 587));
    let mut exported = Vec::new();
    for kind in [Kind::Members, Kind::Lounges, Kind::Memberships] {
        let bytes = records::export(&demo.db, &province, kind, "330000")
            .await
            .expect("an export");
        exported.push((kind, bytes));
    }

    let empty = divisions_only().await;
    let staff_there = staff(&empty.db, Role::ProvinceStaff, "330000")
        .await
        .unwrap();
    for (kind, bytes) in &exported {
        let report = import(&empty.db, &staff_there, *kind, "file.xlsx", bytes).await;
        assert_eq!(report.error_count, 0, "{kind}: {:?}", report.errors);
        assert!(report.written, "{kind}");
    }
    assert_eq!(lounge_figures(&empty.db).await, (110, 146, 587));

    for (kind, bytes) in &exported {
        let again = records::export(&empty.db, &staff_there, *kind, "330000")
            .await
            .expect("an export");
        assert!(again == *bytes, "{kind}: the second export differs");
        if *kind != Kind::Members {
            let report = import(&empty.db, &staff_there, *kind, "file.xlsx", bytes).await;
            assert_eq!(
                (report.created, report.updated, report.error_count),
                (0, 0, 0),
                "{kind}"
            );
        }
    }
}

fn csv(text: &str) -> Vec<u8> {
    text.as_bytes().to_vec()
}

#[tokio::test]
async fn lounge_and_membership_rows_are_checked_cell_by_cell() {
    let test = TestDb::new(Template::Demo).await.expect("the demo");
    let county = staff(&test.db, Role::CountyStaff, "330212").await.unwrap();
    let lounges = csv("名称,主题,地点,地址,设立日期,关闭日期,状态,委员会代码\n\
         新客厅,主题,地点,地址,2020-06-01,,正常,330212\n\
         旧客厅,主题,地点,地址,2020/6/1,2019-01-01,关闭,330212\n\
         坏日期,主题,地点,地址,六月一日,,正常,330212\n\
         新客厅,主题,地点,地址,2020-06-01,,正常,330212\n");
    let options = ImportOptions {
        region_code: Some("330212".into()),
        dry_run: false,
        limits: Limits::default(),
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l.csv");
    std::fs::write(&path, &lounges).unwrap();
    let report = records::import(
        &test.db,
        &county,
        Kind::Lounges,
        "l.csv",
        std::fs::File::open(&path).unwrap(),
        &options,
        &mut |_| {},
    )
    .await
    .unwrap();
    let found: Vec<(String, ErrorCode)> = report
        .errors
        .iter()
        .map(|error| (format!("{}{}", error.column_letter, error.row), error.code))
        .collect();
    assert_eq!(
        found,
        [
            ("F3".to_owned(), ErrorCode::InvalidValue),
            ("E4".to_owned(), ErrorCode::InvalidDate),
            ("A5".to_owned(), ErrorCode::DuplicateKey),
        ]
    );
    assert!(!report.written);

    let region = testing::region_id(&test.db, "330212").await.unwrap();
    let lounge = domain::read::lounges::of_regions(&test.db, &[region])
        .await
        .unwrap()
        .into_iter()
        .next()
        .expect("a lounge in 330212");
    let before = lounge.established_on - chrono::Duration::days(1);
    let memberships = csv(&format!(
        "客厅名称,委员编号,角色,起始日期,结束日期\n\
         不存在的客厅,330212-0001,牵头委员,2020-06-01,\n\
         {name},330212-9999,团队委员,2020-06-01,\n\
         {name},330212-0001,主任,2020-06-01,\n\
         {name},330212-0002,团队委员,{before},\n",
        name = lounge.name
    ));
    let path = dir.path().join("m.csv");
    std::fs::write(&path, &memberships).unwrap();
    let report = records::import(
        &test.db,
        &county,
        Kind::Memberships,
        "m.csv",
        std::fs::File::open(&path).unwrap(),
        &options,
        &mut |_| {},
    )
    .await
    .unwrap();
    let codes: Vec<ErrorCode> = report.errors.iter().map(|error| error.code).collect();
    assert_eq!(
        codes,
        [
            ErrorCode::UnknownLounge,
            ErrorCode::UnknownMember,
            ErrorCode::InvalidEnum,
            ErrorCode::InvalidValue,
        ],
        "{:?}",
        report.errors
    );
    assert!(!report.written);
}
