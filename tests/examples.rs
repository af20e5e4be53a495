//! Every operation in `schema/examples/*.graphql` runs without errors against the demo data, so
//! the examples frontend teams copy from never rot. They run as province staff, so mutation
//! examples are authorized; a mutation example must also come back without `userErrors`.

mod common;

use common::{TestApp, token_for};
use domain::Role;
use serde_json::json;
use testing::Template;

#[tokio::test]
async fn every_example_runs_against_the_demo_data() {
    let app = TestApp::new(Template::Demo).await;
    let staff = token_for(Role::ProvinceStaff, "330000", None);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/examples");
    let mut ran = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("schema/examples exists")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "graphql"))
        .collect();
    entries.sort();
    for path in entries {
        let query = std::fs::read_to_string(&path).expect("a readable example");
        let response = app.graphql_as(&staff, &query, json!({})).await.json();
        assert!(
            response.get("errors").is_none(),
            "{}: {response:#}",
            path.display()
        );
        let data = response["data"].as_object().expect("data");
        for (field, value) in data {
            let refused = value["userErrors"]
                .as_array()
                .is_some_and(|errors| !errors.is_empty());
            assert!(
                !refused,
                "{}: {field} refused: {response:#}",
                path.display()
            );
        }
        assert!(
            data.values().all(|value| !value.is_null()),
            "{}: a root field returned null: {response:#}",
            path.display()
        );
        ran += 1;
    }
    assert!(ran >= 3, "expected the example operations, found {ran}");
}
