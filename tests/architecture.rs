//! The crate graph points one way: `xieshang → graphql, notify → domain → entity`. `entity` and
//! `domain` must not learn of async-graphql or axum, and `graphql` must not learn of axum.

use std::process::Command;

fn normal_dependencies(package: &str) -> String {
    let output = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "--edges",
            "normal",
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
        "cargo tree -p {package} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn depends_on(tree: &str, krate: &str) -> bool {
    tree.lines()
        .any(|line| line.split_whitespace().next() == Some(krate))
}

#[test]
fn entity_and_domain_know_nothing_of_graphql_or_http() {
    for package in ["entity", "domain"] {
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
