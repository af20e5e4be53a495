//! 协商 records in and out, on both engines. The bar: every session the demo holds for
//! Zhejiang, with its participants, suggestions and follow-ups, exported and imported into a
//! database holding the divisions, the members and the lounges only, compares equal to the
//! demo's; exporting again gives the same bytes, and importing again changes nothing. One bad
//! cell writes nothing and names the cell; links, sequences and scope are checked.

use std::{collections::HashMap, io::Write as _};

use domain::{Actor, Db, Role};
use entity::{
    consultation, consultation_participant, consultation_status_change,
    enums::{ConsultationStatus, EventType},
    event, lounge, member, region, suggestion, suggestion_follow_up,
};
use records::{ErrorCode, FileError, ImportOptions, Kind, Limits, Report};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use testing::{Template, TestDb, staff};

async fn divisions_only() -> TestDb {
    let test = TestDb::new(Template::Migrated).await.expect("a database");
    seed::load_divisions(&test.db, seed::DivisionSet::Zhejiang, &mut seed::NoProgress)
        .await
        .expect("the divisions");
    test
}

async fn import(
    db: &Db,
    actor: &Actor,
    kind: Kind,
    bytes: &[u8],
    region: Option<&str>,
    dry_run: bool,
) -> Result<Report, FileError> {
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join("file.xlsx");
    std::fs::File::create(&path)
        .and_then(|mut file| file.write_all(bytes))
        .expect("written");
    let options = ImportOptions {
        region_code: region.map(str::to_owned),
        dry_run,
        limits: Limits::default(),
    };
    let file = std::fs::File::open(&path).expect("the file");
    records::import(
        db,
        actor,
        kind,
        "file.xlsx",
        file,
        &options,
        &Default::default(),
    )
    .await
}

/// Everything the database holds of consultations but ids and timestamps (suggestions' made-at
/// to the second), with members and lounges by their keys, in (committee, 协商编号) order.
async fn snapshot(db: &Db) -> Vec<String> {
    let reader = db.reader();
    let codes: HashMap<i64, String> = region::Entity::find()
        .all(reader)
        .await
        .expect("the stored rows")
        .into_iter()
        .map(|row| (row.id, row.code))
        .collect();
    let members: HashMap<i64, String> = member::Entity::find()
        .all(reader)
        .await
        .expect("the stored rows")
        .into_iter()
        .map(|row| {
            (
                row.id,
                format!("{}/{}", codes[&row.region_id], row.member_number),
            )
        })
        .collect();
    let lounges: HashMap<i64, String> = lounge::Entity::find()
        .all(reader)
        .await
        .expect("the stored rows")
        .into_iter()
        .map(|row| (row.id, format!("{}/{}", codes[&row.region_id], row.name)))
        .collect();
    let mut participants: HashMap<i64, Vec<String>> = HashMap::new();
    for row in consultation_participant::Entity::find()
        .order_by_asc(consultation_participant::Column::Id)
        .all(reader)
        .await
        .expect("the stored rows")
    {
        participants
            .entry(row.consultation_id)
            .or_default()
            .push(format!(
                "  participant {:?}|{:?}|{}|{:?}",
                row.role,
                row.member_id.map(|id| &members[&id]),
                row.name,
                row.organization
            ));
    }
    let mut follow_ups: HashMap<i64, Vec<String>> = HashMap::new();
    for row in suggestion_follow_up::Entity::find()
        .order_by_asc(suggestion_follow_up::Column::Id)
        .all(reader)
        .await
        .expect("the stored rows")
    {
        follow_ups
            .entry(row.suggestion_id)
            .or_default()
            .push(format!(
                "    follow-up {}|{}|{}|{}",
                row.followed_on, row.note, row.progress, row.actor
            ));
    }
    let mut suggestions: HashMap<i64, Vec<String>> = HashMap::new();
    for row in suggestion::Entity::find()
        .order_by_asc(suggestion::Column::Id)
        .all(reader)
        .await
        .expect("the stored rows")
    {
        let lines = suggestions.entry(row.consultation_id).or_default();
        lines.push(format!(
            "  suggestion {}|{:?}|{:?}|{}|{}|{:?}|{}",
            row.content,
            row.status,
            row.grade,
            row.responsible_department,
            row.proposer_name,
            row.proposer_member_id.map(|id| &members[&id]),
            row.created_at.timestamp()
        ));
        lines.extend(follow_ups.remove(&row.id).unwrap_or_default());
    }
    let mut sessions = consultation::Entity::find()
        .all(reader)
        .await
        .expect("the stored rows");
    sessions.sort_by(|a, b| {
        (&codes[&a.region_id], &a.record_number).cmp(&(&codes[&b.region_id], &b.record_number))
    });
    let mut lines = Vec::new();
    for row in sessions {
        lines.push(format!(
            "{}/{}|{}|{}|{:?}|{:?}|{:?}|{:?}|{}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
            codes[&row.region_id],
            row.record_number,
            row.title,
            row.topic,
            row.topic_source,
            row.kind,
            row.status,
            row.organizer_kind,
            row.organizer_name,
            row.lounge_id.map(|id| &lounges[&id]),
            row.venue,
            row.scheduled_at.map(|at| at.timestamp()),
            row.held_at.map(|at| at.timestamp()),
            row.cancel_reason,
            row.submitter_name,
            row.submitter_contact,
        ));
        lines.extend(participants.remove(&row.id).unwrap_or_default());
        lines.extend(suggestions.remove(&row.id).unwrap_or_default());
    }
    lines
}

#[tokio::test]
async fn the_demos_consultations_round_trip_unchanged() {
    let demo = TestDb::new(Template::Demo).await.expect("the demo");
    let province = staff(&demo.db, Role::ProvinceStaff, "330000")
        .await
        .unwrap();
    let mut exported = Vec::new();
    for kind in [Kind::Members, Kind::Lounges, Kind::Consultations] {
        let bytes = records::export(&demo.db, &province, kind, "330000")
            .await
            .expect("an export");
        exported.push((kind, bytes));
    }

    let empty = divisions_only().await;
    let staff_there = staff(&empty.db, Role::ProvinceStaff, "330000")
        .await
        .unwrap();
    let mut rows = 0;
    for (kind, bytes) in &exported {
        let report = import(&empty.db, &staff_there, *kind, bytes, Some("330000"), false)
            .await
            .expect("a report");
        assert_eq!(report.error_count, 0, "{kind}: {:?}", report.errors);
        assert!(report.written, "{kind}");
        assert_eq!(report.created, report.rows, "{kind}");
        rows = report.rows;
    }
    let expected = snapshot(&demo.db).await;
    let imported = snapshot(&empty.db).await;
    assert_eq!(imported.len(), expected.len());
    for (got, want) in imported.iter().zip(&expected) {
        assert_eq!(got, want);
    }
    assert_eq!(rows, expected.len());

    // One status-history row per imported session, noting the import.
    let sessions = consultation::Entity::find()
        .count(empty.db.reader())
        .await
        .unwrap();
    let history = consultation_status_change::Entity::find()
        .all(empty.db.reader())
        .await
        .unwrap();
    assert_eq!(history.len() as u64, sessions);
    let mut per_session: HashMap<i64, usize> = HashMap::new();
    for change in &history {
        *per_session.entry(change.consultation_id).or_default() += 1;
        assert_eq!(change.from_status, None);
        assert_eq!(change.note.as_deref(), Some("导入 (imported)"));
    }
    assert_eq!(per_session.len() as u64, sessions);
    let created = event::Entity::find()
        .filter(event::Column::Type.eq(EventType::ConsultationCreated))
        .count(empty.db.reader())
        .await
        .unwrap();
    assert_eq!(created, sessions);

    let (_, consultations) = &exported[2];
    let again = records::export(&empty.db, &staff_there, Kind::Consultations, "330000")
        .await
        .expect("an export");
    assert!(again == *consultations, "the second export differs");
    let report = import(
        &empty.db,
        &staff_there,
        Kind::Consultations,
        consultations,
        Some("330000"),
        false,
    )
    .await
    .expect("a report");
    assert_eq!(
        (
            report.created,
            report.updated,
            report.unchanged,
            report.error_count
        ),
        (0, 0, rows, 0)
    );
    assert!(!report.written);
}

/// An XLSX workbook of string cells: each sheet a name and rows.
fn workbook(sheets: &[(&str, Vec<Vec<String>>)]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(*name).expect("a workbook");
        for (at, row) in rows.iter().enumerate() {
            for (col, value) in row.iter().enumerate() {
                if !value.is_empty() {
                    sheet
                        .write_string(at as u32, col as u16, value)
                        .expect("a workbook");
                }
            }
        }
    }
    book.save_to_buffer().expect("a workbook")
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|cell| (*cell).to_owned()).collect()
}

const SESSION_HEADER: [&str; 17] = [
    "协商编号",
    "标题",
    "议题",
    "选题来源",
    "类型",
    "状态",
    "组织单位类型",
    "组织单位名称",
    "承办客厅",
    "客厅委员会代码",
    "计划时间",
    "召开时间",
    "地点",
    "取消原因",
    "征题人",
    "征题人联系方式",
    "委员会代码",
];
const PARTICIPANT_HEADER: [&str; 8] = [
    "协商编号",
    "序号",
    "角色",
    "姓名",
    "单位",
    "委员编号",
    "委员委员会代码",
    "委员会代码",
];
const SUGGESTION_HEADER: [&str; 11] = [
    "协商编号",
    "序号",
    "内容",
    "状态",
    "等级",
    "责任单位",
    "提出人",
    "提出人委员编号",
    "提出人委员会代码",
    "提出时间",
    "委员会代码",
];
const FOLLOW_UP_HEADER: [&str; 8] = [
    "协商编号",
    "建议序号",
    "序号",
    "日期",
    "情况",
    "进度",
    "跟踪人",
    "委员会代码",
];

/// A held session of committee `code`.
fn held(number: &str, code: &str) -> Vec<String> {
    row(&[
        number,
        "乡村公交如何通到家门口",
        "偏远村庄的公交线路",
        "党政点题",
        "专题协商",
        "已召开",
        "",
        "",
        "",
        "",
        "2020-06-01 14:30",
        "2020-06-01 14:30",
        "区政协会议室",
        "",
        "",
        "",
        code,
    ])
}

type Sheets = [(&'static str, Vec<Vec<String>>); 4];

/// A file of one held session of 330212 with two participants, two suggestions and a
/// follow-up of the second, with `change` applied to its sheets first.
fn one_session(change: impl FnOnce(&mut Sheets)) -> Vec<u8> {
    const NUMBER: &str = "330212-XS-0001";
    let mut sheets: Sheets = [
        ("协商", vec![row(&SESSION_HEADER), held(NUMBER, "330212")]),
        (
            "参与人员",
            vec![
                row(&PARTICIPANT_HEADER),
                row(&[NUMBER, "1", "主持人", "李主席", "区政协", "", "", ""]),
                row(&[NUMBER, "2", "部门代表", "张局长", "区交通局", "", "", ""]),
            ],
        ),
        (
            "建议",
            vec![
                row(&SUGGESTION_HEADER),
                row(&[
                    NUMBER,
                    "1",
                    "增开班次",
                    "已提出",
                    "",
                    "区交通局",
                    "李主席",
                    "",
                    "",
                    "2020-06-01 16:00",
                    "",
                ]),
                row(&[
                    NUMBER,
                    "2",
                    "延长线路",
                    "落实中",
                    "",
                    "区交通局",
                    "张局长",
                    "",
                    "",
                    "2020-06-01 16:00",
                    "",
                ]),
            ],
        ),
        (
            "跟踪",
            vec![
                row(&FOLLOW_UP_HEADER),
                row(&[NUMBER, "2", "1", "2020-07-01", "已开通", "60", "", ""]),
            ],
        ),
    ];
    change(&mut sheets);
    workbook(&sheets)
}

async fn count<E>(db: &Db) -> u64
where
    E: EntityTrait,
    E::Model: Sync,
{
    E::find().count(db.reader()).await.expect("a count")
}

#[tokio::test]
async fn one_bad_cell_writes_nothing_and_names_the_cell() {
    let test = divisions_only().await;
    let county = staff(&test.db, Role::CountyStaff, "330212").await.unwrap();
    let good = one_session(|_| {});
    let dry = import(
        &test.db,
        &county,
        Kind::Consultations,
        &good,
        Some("330212"),
        true,
    )
    .await
    .expect("a report");
    assert_eq!(dry.error_count, 0, "{:?}", dry.errors);
    assert_eq!((dry.rows, dry.created, dry.written), (6, 6, false));

    let bad = one_session(|sheets| sheets[2].1[2][3] = "开会了".into());
    let report = import(
        &test.db,
        &county,
        Kind::Consultations,
        &bad,
        Some("330212"),
        false,
    )
    .await
    .expect("a report");
    assert!(!report.written);
    assert_eq!(report.error_count, 1, "{:?}", report.errors);
    let error = &report.errors[0];
    assert!(error.to_string().starts_with("建议!D3: "), "{error}");
    assert_eq!(error.code, ErrorCode::InvalidEnum);
    assert_eq!(
        (error.sheet.as_str(), error.value.as_str()),
        ("建议", "开会了")
    );
    assert_eq!(count::<consultation::Entity>(&test.db).await, 0);
    assert_eq!(count::<suggestion::Entity>(&test.db).await, 0);
}

#[tokio::test]
async fn links_sequences_and_scope_are_checked() {
    let test = divisions_only().await;
    let county = staff(&test.db, Role::CountyStaff, "330212").await.unwrap();
    let codes = |report: &Report| -> Vec<(String, ErrorCode)> {
        report
            .errors
            .iter()
            .map(|error| {
                (
                    format!("{}!{}{}", error.sheet, error.column_letter, error.row),
                    error.code,
                )
            })
            .collect()
    };

    // A follow-up of a suggestion neither stored nor in the file; a linked row of a session
    // the session sheet lacks.
    let file = one_session(|sheets| {
        sheets[3].1[1][1] = "3".into();
        sheets[1].1[2][0] = "330212-XS-0009".into();
    });
    let report = import(
        &test.db,
        &county,
        Kind::Consultations,
        &file,
        Some("330212"),
        false,
    )
    .await
    .unwrap();
    assert_eq!(
        codes(&report),
        [
            ("参与人员!A3".to_owned(), ErrorCode::UnknownRecord),
            ("跟踪!B2".to_owned(), ErrorCode::UnknownRecord),
        ]
    );

    // A gap in the 序号 of new participants.
    let file = one_session(|sheets| sheets[1].1[2][1] = "3".into());
    let report = import(
        &test.db,
        &county,
        Kind::Consultations,
        &file,
        Some("330212"),
        false,
    )
    .await
    .unwrap();
    assert_eq!(
        codes(&report),
        [("参与人员!B3".to_owned(), ErrorCode::InvalidValue)]
    );
    assert!(
        report.errors[0].message.contains("应为 2"),
        "{:?}",
        report.errors
    );

    // History rules: a held session without its time, a public topic without its submitter.
    let file = one_session(|sheets| {
        sheets[0].1[1][11] = String::new();
        sheets[0].1[1][3] = "社会征题".into();
    });
    let report = import(
        &test.db,
        &county,
        Kind::Consultations,
        &file,
        Some("330212"),
        false,
    )
    .await
    .unwrap();
    assert_eq!(
        codes(&report),
        [
            ("协商!L2".to_owned(), ErrorCode::InvalidValue),
            ("协商!O2".to_owned(), ErrorCode::InvalidValue),
            ("协商!P2".to_owned(), ErrorCode::InvalidValue),
        ]
    );

    // A session of another county: out of the caller's scope, nothing written.
    let file = one_session(|sheets| sheets[0].1.push(held("330109-XS-0001", "330109")));
    let report = import(
        &test.db,
        &county,
        Kind::Consultations,
        &file,
        Some("330212"),
        false,
    )
    .await
    .unwrap();
    assert_eq!(
        codes(&report),
        [("协商!Q3".to_owned(), ErrorCode::OutOfScope)]
    );
    assert!(!report.written);
    assert_eq!(count::<consultation::Entity>(&test.db).await, 0);

    // Links to another county's lounge and members are out of scope too, and said so before
    // any lookup: the errors never tell whether 330109 has such a lounge or member.
    let file = one_session(|sheets| {
        sheets[0].1[1][8] = "任意客厅".into();
        sheets[0].1[1][9] = "330109".into();
        sheets[1].1[1][5] = "330109-0001".into();
        sheets[1].1[1][6] = "330109".into();
        sheets[2].1[1][7] = "330109-0001".into();
        sheets[2].1[1][8] = "330109".into();
    });
    let report = import(
        &test.db,
        &county,
        Kind::Consultations,
        &file,
        Some("330212"),
        false,
    )
    .await
    .unwrap();
    assert_eq!(
        codes(&report),
        [
            ("协商!J2".to_owned(), ErrorCode::OutOfScope),
            ("参与人员!G2".to_owned(), ErrorCode::OutOfScope),
            // 序号 2 cannot follow a refused 序号 1.
            ("参与人员!B3".to_owned(), ErrorCode::InvalidValue),
            ("建议!I2".to_owned(), ErrorCode::OutOfScope),
            ("建议!B3".to_owned(), ErrorCode::InvalidValue),
        ]
    );
    assert!(!report.written);

    // A dry run of a good file writes nothing.
    let good = one_session(|_| {});
    let dry = import(
        &test.db,
        &county,
        Kind::Consultations,
        &good,
        Some("330212"),
        true,
    )
    .await
    .unwrap();
    assert_eq!((dry.created, dry.error_count, dry.written), (6, 0, false));
    assert_eq!(count::<consultation::Entity>(&test.db).await, 0);
    assert_eq!(count::<event::Entity>(&test.db).await, 0);
}

#[tokio::test]
async fn a_changed_file_updates_with_history_and_events() {
    let test = divisions_only().await;
    let county = staff(&test.db, Role::CountyStaff, "330212").await.unwrap();
    let first = one_session(|_| {});
    let report = import(
        &test.db,
        &county,
        Kind::Consultations,
        &first,
        Some("330212"),
        false,
    )
    .await
    .unwrap();
    assert_eq!(
        (report.created, report.written),
        (6, true),
        "{:?}",
        report.errors
    );
    let stored = consultation::Entity::find()
        .one(test.db.reader())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.record_number, "330212-XS-0001");
    assert_eq!(stored.organizer_name, "鄞州区政协");
    assert_eq!(stored.version, 0);

    // The session moves on to follow-up, a third participant comes, the first suggestion is
    // accepted and gets a follow-up; the rest is as stored.
    let second = one_session(|sheets| {
        sheets[0].1[1][5] = "跟踪落实".into();
        sheets[1].1.push(row(&[
            "330212-XS-0001",
            "3",
            "群众代表",
            "王大妈",
            "",
            "",
            "",
            "",
        ]));
        sheets[2].1[1][3] = "已采纳".into();
        sheets[3].1.insert(
            1,
            row(&[
                "330212-XS-0001",
                "1",
                "1",
                "2020-06-15",
                "已立项",
                "10",
                "督查组",
                "",
            ]),
        );
    });
    let report = import(
        &test.db,
        &county,
        Kind::Consultations,
        &second,
        Some("330212"),
        false,
    )
    .await
    .unwrap();
    assert_eq!(report.error_count, 0, "{:?}", report.errors);
    assert_eq!(
        (
            report.rows,
            report.created,
            report.updated,
            report.unchanged
        ),
        (8, 2, 2, 4)
    );
    let session = consultation::Entity::find_by_id(stored.id)
        .one(test.db.reader())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.status, ConsultationStatus::FollowUp);
    assert_eq!(session.version, 1);
    let history = consultation_status_change::Entity::find()
        .order_by_asc(consultation_status_change::Column::Id)
        .all(test.db.reader())
        .await
        .unwrap();
    let steps: Vec<_> = history
        .iter()
        .map(|change| (change.from_status, change.to_status))
        .collect();
    assert_eq!(
        steps,
        [
            (None, ConsultationStatus::Held),
            (Some(ConsultationStatus::Held), ConsultationStatus::FollowUp)
        ]
    );
    let suggestions = suggestion::Entity::find()
        .order_by_asc(suggestion::Column::Id)
        .all(test.db.reader())
        .await
        .unwrap();
    assert_eq!(suggestions[0].version, 1);
    assert_eq!(suggestions[1].version, 0);
    let follow_ups = suggestion_follow_up::Entity::find()
        .order_by_asc(suggestion_follow_up::Column::Id)
        .all(test.db.reader())
        .await
        .unwrap();
    assert_eq!(
        follow_ups
            .iter()
            .map(|row| (row.suggestion_id, row.actor.as_str()))
            .collect::<Vec<_>>(),
        [
            (suggestions[1].id, "COUNTY_STAFF:county_staff-330212"),
            (suggestions[0].id, "督查组")
        ]
    );
    let types: Vec<EventType> = event::Entity::find()
        .order_by_asc(event::Column::Sequence)
        .all(test.db.reader())
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.r#type)
        .collect();
    assert_eq!(
        types,
        [
            EventType::ConsultationCreated,
            EventType::SuggestionCreated,
            EventType::SuggestionCreated,
            EventType::SuggestionFollowedUp,
            EventType::ConsultationStatusChanged,
            EventType::SuggestionStatusChanged,
            EventType::SuggestionFollowedUp,
        ]
    );
    let again = import(
        &test.db,
        &county,
        Kind::Consultations,
        &second,
        Some("330212"),
        false,
    )
    .await
    .unwrap();
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 8));
}

#[tokio::test]
async fn the_template_reads_back() {
    let test = divisions_only().await;
    let county = staff(&test.db, Role::CountyStaff, "330212").await.unwrap();
    let template = records::template(Kind::Consultations).expect("a template");
    let report = import(
        &test.db,
        &county,
        Kind::Consultations,
        &template,
        None,
        true,
    )
    .await
    .expect("a report, not a file error");
    assert_eq!(report.rows, 4);
    for error in &report.errors {
        assert!(
            matches!(
                error.code,
                ErrorCode::UnknownLounge | ErrorCode::UnknownMember
            ),
            "{error}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("template.xlsx");
    std::fs::write(&path, &template).unwrap();
    let workbook: calamine::Xlsx<_> = calamine::open_workbook(&path).expect("a workbook");
    use calamine::Reader as _;
    assert_eq!(
        workbook.sheet_names(),
        ["协商", "参与人员", "建议", "跟踪", "说明"]
    );
}
