//! `xieshang bench` runs end to end on the demo data: four views, both paths, positive timings,
//! and (checked inside the benchmark) the router's figures equal `compute`'s. A correctness test
//! of the benchmark code, run through the real binary (the benchmark is a module of the binary,
//! not of the library); it asserts no time values.

use std::process::{Command, Output};

use testing::{Template, TestDb};

/// `xieshang bench --runs 1` on the database at `url`.
fn bench(url: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xieshang"))
        .args(["bench", "--runs", "1", "--year", "2020"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", url)
        .env("XIESHANG_LOG", "warn")
        .output()
        .expect("xieshang runs")
}

/// One row of the table: view, subject, and the four timings (a median, a p95, b median, b
/// p95). The subject may hold spaces (`330000 浙江省`), so the row is read from both ends.
fn row(line: &str) -> (String, String, [f64; 4]) {
    let words: Vec<&str> = line.split_whitespace().collect();
    assert!(words.len() >= 9, "a table row: {line}");
    let numbers = &words[words.len() - 6..];
    let timings = [0, 1, 2, 3].map(|at| numbers[at].parse::<f64>().expect("a timing"));
    let subject = words[2..words.len() - 6].join(" ");
    (words[1].to_owned(), subject, timings)
}

#[tokio::test]
async fn bench_runs_four_views_on_the_demo_data() {
    let test_db = TestDb::new(Template::Demo).await.expect("a test database");
    let output = bench(&test_db.url);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the benchmark runs: {stderr}");
    let table = String::from_utf8(output.stdout).expect("UTF-8");
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3 + 4, "{table}");
    assert!(lines[0].contains(" 1 timed runs per path"), "{table}");
    let rows: Vec<_> = lines[3..].iter().map(|line| row(line)).collect();
    let views: Vec<&str> = rows.iter().map(|(view, _, _)| view.as_str()).collect();
    assert_eq!(views, ["national", "province", "city", "county"]);
    assert_eq!(rows[1].1, "330000 浙江省");
    for (view, _, [a_median, a_p95, b_median, b_p95]) in &rows {
        assert!(*a_median > 0.0 && *b_median > 0.0, "{view}: {table}");
        assert!(a_p95 >= a_median && b_p95 >= b_median, "{view}: {table}");
    }
}

#[tokio::test]
async fn bench_refuses_an_empty_database() {
    let test_db = TestDb::new(Template::Migrated)
        .await
        .expect("a test database");
    let output = bench(&test_db.url);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "no regions to measure: {stderr}");
    assert!(stderr.contains("seed"), "{stderr}");
}
