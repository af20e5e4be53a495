//! `xieshang bench` runs end to end on the demo data: four views, both paths, positive timings,
//! and (checked inside `bench::run`) the router's figures equal `compute`'s. A correctness test
//! of the benchmark code; it asserts no time values.

use testing::{Template, TestDb};
use xieshang::bench::{self, BenchOptions};

#[tokio::test]
async fn bench_runs_four_views_on_the_demo_data() {
    let test_db = TestDb::new(Template::Demo).await.expect("a test database");
    let report = bench::run(
        &test_db.db,
        BenchOptions {
            runs: 1,
            year: 2020,
        },
    )
    .await
    .expect("the benchmark runs");
    let views: Vec<&str> = report.views.iter().map(|view| view.view).collect();
    assert_eq!(views, ["national", "province", "city", "county"]);
    assert_eq!(report.runs, 1);
    assert_eq!(report.views[1].subject, "330000 浙江省");
    for view in &report.views {
        for latency in [view.router, view.floor] {
            assert!(latency.median_ms > 0.0, "{view:?}");
            assert!(latency.p95_ms >= latency.median_ms, "{view:?}");
        }
    }
    let table = bench::render(&report);
    assert_eq!(table.lines().count(), 3 + 4, "{table}");
    assert!(table.contains("county"), "{table}");
}

#[tokio::test]
async fn bench_refuses_an_empty_database() {
    let test_db = TestDb::new(Template::Migrated)
        .await
        .expect("a test database");
    let error = bench::run(&test_db.db, BenchOptions::default())
        .await
        .expect_err("no regions to measure");
    assert!(error.to_string().contains("seed"), "{error}");
}
