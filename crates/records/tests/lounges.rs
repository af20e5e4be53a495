//! Lounge and membership rows checked cell by cell, on both engines (the demo's round trip of
//! every kind is in `round_trip.rs`).

use domain::Role;
use records::{ErrorCode, ImportOptions, Kind, Limits};
use testing::{Template, TestDb, staff};

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
        &Default::default(),
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
        "客厅名称,委员编号,角色,起始日期,结束日期,委员委员会代码\n\
         不存在的客厅,330212-0001,牵头委员,2020-06-01,,\n\
         {name},330212-9999,团队委员,2020-06-01,,\n\
         {name},330212-0001,主任,2020-06-01,,\n\
         {name},330212-0002,团队委员,{before},,\n\
         {name},330109-0001,团队委员,2020-06-01,,330109\n",
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
        &Default::default(),
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
            // Another county's member: refused before any lookup.
            ErrorCode::OutOfScope,
        ],
        "{:?}",
        report.errors
    );
    assert!(!report.written);
}
