//! The bar, on both engines: every kind the demo holds for Zhejiang, exported and
//! imported into a database holding the divisions only, gives the same 2020 statistics for
//! 330000 — 110 lounges, 146 lead and 587 team members, and every other figure but the
//! sentiment-report ones (reports are not an import kind); exporting again gives the same
//! files, and importing them again changes nothing.
//!
//! Reports also count towards participating members (their authors took part), so the
//! expected figures are the demo's with its reports removed: four members of the province's own
//! committee took part in 2020 only by writing reports.

use std::io::Write as _;

use domain::{
    Actor, Db, Role,
    statistics::{self, Figures, Quotas},
};
use records::{ImportOptions, Kind, Limits, Report};
use testing::{Template, TestDb, staff};

/// The kinds in the order they must be imported (members and lounges before what names them).
const KINDS: [Kind; 5] = [
    Kind::Members,
    Kind::Lounges,
    Kind::Memberships,
    Kind::Activities,
    Kind::Consultations,
];

async fn divisions_only() -> TestDb {
    let test = TestDb::new(Template::Migrated).await.expect("a database");
    seed::load_divisions(&test.db, seed::DivisionSet::Zhejiang, &mut seed::NoProgress)
        .await
        .expect("the divisions");
    test
}

async fn import(db: &Db, actor: &Actor, kind: Kind, bytes: &[u8]) -> Report {
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join("file.xlsx");
    std::fs::File::create(&path)
        .and_then(|mut file| file.write_all(bytes))
        .expect("written");
    let options = ImportOptions {
        region_code: Some("330000".into()),
        dry_run: false,
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
    .expect("a report")
}

/// A figure set without the sentiment-report figures.
fn without_reports(figures: &Figures) -> Figures {
    Figures {
        reports_submitted: 0,
        reports_acknowledged: 0,
        ..*figures
    }
}

/// The 2020 statistics of 330000, by region code, sentiment reports left out.
async fn figures_2020(db: &Db) -> String {
    let province = testing::region_id(db, "330000").await.expect("330000");
    let computed = statistics::compute(db, &[province], 2020, 2020, Quotas::default())
        .await
        .expect("statistics");
    let year = &computed[&province][0];
    let mut lines = vec![
        format!("totals {:?}", without_reports(&year.totals)),
        format!("own {:?}", without_reports(&year.own)),
        format!("quota {:?}", year.quota),
    ];
    for (region, figures) in &year.children {
        lines.push(format!("{} {:?}", region.code, without_reports(figures)));
    }
    lines.join("\n")
}

/// Deletes the sentiment reports with their authors and source lounges.
async fn remove_reports(db: &Db) {
    use entity::{sentiment_report, sentiment_report_author, sentiment_report_source_lounge};
    use sea_orm::EntityTrait;
    sentiment_report_author::Entity::delete_many()
        .exec(db.writer())
        .await
        .expect("authors deleted");
    sentiment_report_source_lounge::Entity::delete_many()
        .exec(db.writer())
        .await
        .expect("source lounges deleted");
    sentiment_report::Entity::delete_many()
        .exec(db.writer())
        .await
        .expect("reports deleted");
}

#[tokio::test]
async fn every_kind_of_the_demo_round_trips_with_the_same_2020_statistics() {
    let demo = TestDb::new(Template::Demo).await.expect("the demo");
    let province = staff(&demo.db, Role::ProvinceStaff, "330000")
        .await
        .expect("province staff");
    let with_reports = figures_2020(&demo.db).await;
    remove_reports(&demo.db).await;
    let expected = figures_2020(&demo.db).await;
    assert_ne!(with_reports, expected, "the demo's reports count somewhere");
    assert!(
        expected.contains("active_lounges: 110, lead_members: 146, team_members: 587"),
        "{expected}"
    );
    let mut exported = Vec::new();
    for kind in KINDS {
        let bytes = records::export(&demo.db, &province, kind, "330000")
            .await
            .expect("an export");
        exported.push((kind, bytes));
    }

    let empty = divisions_only().await;
    let staff_there = staff(&empty.db, Role::ProvinceStaff, "330000")
        .await
        .expect("province staff");
    for (kind, bytes) in &exported {
        let report = import(&empty.db, &staff_there, *kind, bytes).await;
        assert_eq!(report.error_count, 0, "{kind}: {:?}", report.errors);
        assert!(report.written, "{kind}");
        assert_eq!(report.created, report.rows, "{kind}: every row is new");
    }
    let imported = figures_2020(&empty.db).await;
    assert_eq!(imported, expected);

    for (kind, bytes) in &exported {
        let again = records::export(&empty.db, &staff_there, *kind, "330000")
            .await
            .expect("an export");
        assert!(again == *bytes, "{kind}: the second export differs");
        let report = import(&empty.db, &staff_there, *kind, bytes).await;
        assert_eq!(
            (report.created, report.updated, report.error_count),
            (0, 0, 0),
            "{kind}"
        );
        assert_eq!(report.unchanged, report.rows, "{kind}");
        assert!(!report.written, "{kind}");
    }
}
