//! The statistics statements start from the asked-for regions: on SQLite, whose planner has no
//! table statistics to go by, every table of every statement is reached through a key (a
//! region, lounge, activity, consultation or report id), never scanned and never entered
//! through a date, status or kind index, which would read the whole country's rows for the
//! year whatever the region. That keeps a county's statistics as cheap on a national data set
//! as on a county's, the property the national benchmark measures in milliseconds and this
//! test asserts plan by plan.
//!
//! PostgreSQL plans by its table statistics and rightly hash-joins whole tables of the demo
//! data's size, so a plan shape asserted there would be wrong; on PostgreSQL the test checks
//! the statement count only.

use domain::{
    Engine,
    statistics::{self, Quotas},
};
use entity::region;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement};
use testing::{Template, TestDb};

/// Columns whose equality makes a search a lookup by key rather than a filter over the year.
const KEYS: [&str; 8] = [
    "rowid",
    "region_id",
    "ancestor_id",
    "descendant_id",
    "lounge_id",
    "activity_id",
    "consultation_id",
    "report_id",
];

/// Derived tables a statement may scan: the bound years and the per-region counts.
const SCANNABLE: [&str; 3] = ["yr", "x", "CONSTANT ROW"];

/// What is wrong with one line of `EXPLAIN QUERY PLAN`, if anything.
fn fault(detail: &str) -> Option<String> {
    if let Some(scanned) = detail.strip_prefix("SCAN ") {
        let name = scanned.split(" USING ").next().unwrap_or(scanned).trim();
        return (!SCANNABLE.contains(&name)).then(|| format!("scans {name}"));
    }
    if detail.starts_with("SEARCH ") {
        let constraints = detail
            .rsplit_once('(')
            .map(|(_, inside)| inside.trim_end_matches(')'))
            .unwrap_or_default();
        let keyed = constraints.split(" AND ").any(|term| {
            term.split_once("=?")
                .is_some_and(|(column, _)| KEYS.contains(&column))
        });
        return (!keyed).then(|| "searches by something other than a key".to_owned());
    }
    None
}

async fn region_id(test: &TestDb, code: &str) -> i64 {
    region::Entity::find()
        .filter(region::Column::Code.eq(code))
        .one(test.db.reader())
        .await
        .expect("read a region")
        .unwrap_or_else(|| panic!("region {code} in the demo data"))
        .id
}

#[tokio::test]
async fn every_statement_starts_from_the_asked_for_regions() {
    let test = TestDb::new(Template::Demo).await.expect("a demo database");
    // A county (no children), a city with its counties, the province with its cities.
    for code in ["330212", "330200", "330000"] {
        let id = region_id(&test, code).await;
        test.log.clear();
        statistics::compute(&test.db, &[id], 2020, 2020, Quotas::default())
            .await
            .expect("statistics");
        let statements: Vec<String> = test
            .log
            .statements()
            .into_iter()
            .filter(|sql| sql.contains("region_closure c"))
            .collect();
        assert_eq!(statements.len(), 8, "{code}: {statements:#?}");
        if test.db.engine() != Engine::Sqlite {
            continue;
        }
        for sql in &statements {
            // The plan does not depend on the values (no ANALYZE): bind 1 everywhere.
            let explain = format!("EXPLAIN QUERY PLAN {}", sql.replace('?', "1"));
            let rows = test
                .db
                .reader()
                .query_all_raw(Statement::from_string(DbBackend::Sqlite, explain))
                .await
                .expect("explain a statement");
            let plan: Vec<String> = rows
                .iter()
                .map(|row| row.try_get::<String>("", "detail").expect("a plan line"))
                .collect();
            let faults: Vec<String> = plan
                .iter()
                .filter_map(|line| fault(line).map(|why| format!("{why}: {line}")))
                .collect();
            assert!(
                faults.is_empty(),
                "{code}: {faults:#?}\nplan: {plan:#?}\nstatement: {sql}"
            );
        }
    }
}

#[test]
fn the_plan_rules_reject_what_reads_the_whole_country() {
    for line in [
        "SCAN k",
        "SCAN suggestions",
        "SEARCH k USING INDEX idx_consultations_status (status=?)",
        "SEARCH a USING INDEX idx_lounge_activities_kind (kind=?)",
        "SEARCH k USING INDEX idx_consultations_held_at (held_at>? AND held_at<?)",
        "SEARCH a USING COVERING INDEX idx_lounge_activities_starts_at (starts_at>? AND starts_at<?)",
    ] {
        assert!(fault(line).is_some(), "{line}");
    }
    for line in [
        "SCAN yr",
        "SCAN CONSTANT ROW",
        "SEARCH c USING INDEX sqlite_autoindex_region_closure_1 (ancestor_id=?)",
        "SEARCH g USING COVERING INDEX idx_regions_level (level=? AND rowid=?)",
        "SEARCH k USING INDEX idx_consultations_region_id_held_at (region_id=? AND held_at>? AND held_at<?)",
        "SEARCH x USING AUTOMATIC COVERING INDEX (region_id=?)",
        "MATERIALIZE x",
        "USE TEMP B-TREE FOR GROUP BY",
    ] {
        assert_eq!(fault(line), None, "{line}");
    }
}
