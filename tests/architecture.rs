//! The crate graph points one way: `xieshang → graphql, notify → domain → entity`, with `seed`
//! on `domain` and `entity`. `entity`, `domain` and `seed` must not learn of async-graphql or
//! axum, and `graphql` must not learn of axum. The test fixtures (`testing`, with `tempfile`)
//! are a dev-dependency only: no production crate may depend on them normally.

use std::process::Command;

/// The crates that ship in the service (every workspace member but `testing`).
const PRODUCTION: [&str; 8] = [
    "xieshang",
    "graphql",
    "notify",
    "records",
    "domain",
    "entity",
    "seed",
    "migrations",
];

fn normal_dependencies(package: &str) -> String {
    dependencies(package, "normal")
}

/// `cargo tree` of `package` along the given kinds of edge (`normal`, `normal,dev`), one crate
/// a line.
fn dependencies(package: &str, edges: &str) -> String {
    let output = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "--edges",
            edges,
            "--prefix",
            "none",
            "-p",
            package,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "cargo tree -e {edges} -p {package} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn depends_on(tree: &str, krate: &str) -> bool {
    tree.lines()
        .any(|line| line.split_whitespace().next() == Some(krate))
}

#[test]
fn entity_domain_and_seed_know_nothing_of_graphql_or_http() {
    for package in ["entity", "domain", "seed"] {
        let tree = normal_dependencies(package);
        for forbidden in ["async-graphql", "axum", "graphql", "notify", "xieshang"] {
            assert!(
                !depends_on(&tree, forbidden),
                "{package} must not depend on {forbidden}"
            );
        }
    }
}

#[test]
fn records_know_nothing_of_graphql_or_http() {
    let records = normal_dependencies("records");
    for forbidden in ["async-graphql", "graphql", "axum", "notify", "xieshang"] {
        assert!(
            !depends_on(&records, forbidden),
            "records must not depend on {forbidden}"
        );
    }
}

#[test]
fn graphql_knows_nothing_of_http_and_notify_nothing_of_graphql() {
    let graphql = normal_dependencies("graphql");
    assert!(
        !depends_on(&graphql, "axum"),
        "graphql must not depend on axum"
    );
    let notify = normal_dependencies("notify");
    for forbidden in ["async-graphql", "graphql", "axum"] {
        assert!(
            !depends_on(&notify, forbidden),
            "notify must not depend on {forbidden}"
        );
    }
}

#[test]
fn the_check_can_see_a_dependency() {
    // Guards the test itself: the root package does depend on axum.
    assert!(depends_on(&normal_dependencies("xieshang"), "axum"));
}

#[test]
fn the_test_fixtures_are_never_a_production_dependency() {
    for package in PRODUCTION {
        assert!(
            !depends_on(&normal_dependencies(package), "testing"),
            "{package} must not depend on testing, not even through another crate ([dev-dependencies] only)"
        );
    }
}

#[test]
fn every_workspace_crate_is_classified() {
    // A new crate must join PRODUCTION (and so the check above) or be the fixtures crate.
    let output = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--offline",
            "--no-deps",
            "--format-version",
            "1",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "cargo metadata failed");
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");
    let mut members: Vec<&str> = metadata["packages"]
        .as_array()
        .expect("a package list")
        .iter()
        .filter_map(|package| package["name"].as_str())
        .collect();
    members.sort_unstable();
    let mut expected: Vec<&str> = PRODUCTION.iter().copied().chain(["testing"]).collect();
    expected.sort_unstable();
    assert_eq!(members, expected);
}

#[test]
fn domain_leaves_tempfile_to_the_tests() {
    assert!(
        !depends_on(&normal_dependencies("domain"), "tempfile"),
        "domain must not depend on tempfile (test databases belong in the testing crate)"
    );
}

#[test]
fn the_checks_can_see_the_new_crates() {
    // Guards the checks above: each looks for a name that does occur where it is allowed, so a
    // misspelt or renamed crate would fail here instead of passing the checks vacuously.
    let seed = normal_dependencies("seed");
    assert!(depends_on(&seed, "domain") && depends_on(&seed, "entity"));
    assert!(depends_on(&dependencies("domain", "normal,dev"), "testing"));
    assert!(depends_on(&normal_dependencies("testing"), "tempfile"));
}

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source folder") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

/// The typed batching layer: relationships are typed `Relation`s, not string keys with values
/// downcast from `Any`, and errors reach clients only through `ApiError`.
#[test]
fn the_graphql_crate_batches_without_any_or_string_keys() {
    let mut files = Vec::new();
    rust_files(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/graphql/src"),
        &mut files,
    );
    assert!(files.len() > 30, "the scan must see the crate's files");
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable source file");
        for forbidden in [
            "dyn Any",
            "downcast",
            "domain_error(",
            ".load(format!",
            "Siblings",
        ] {
            assert!(
                !text.contains(forbidden),
                "{} contains `{forbidden}`",
                file.display()
            );
        }
    }
}

/// The schema installs no async-graphql extension: one would be consulted for every field of
/// every query (its slow path). Audit rows come from the mutation root (`AuditedMutation`) and
/// contact-data reads are recorded by the server's executors.
#[test]
fn the_schema_keeps_queries_on_the_fast_path() {
    let mut files = Vec::new();
    rust_files(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/graphql/src"),
        &mut files,
    );
    rust_files(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable source file");
        for forbidden in [".extension(", "impl Extension for", "ExtensionFactory"] {
            assert!(
                !text.contains(forbidden),
                "{} contains `{forbidden}`",
                file.display()
            );
        }
    }
}
