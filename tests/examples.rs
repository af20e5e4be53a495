//! Every operation in `schema/examples/*.graphql` runs without errors against the demo data, so
//! the examples frontend teams copy from never rot.

mod common;

use common::TestApp;
use domain::testing::Template;
use serde_json::json;

#[tokio::test]
async fn every_example_runs_against_the_demo_data() {
    let app = TestApp::new(Template::Demo).await;
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
        let response = app.graphql(&query, json!({})).await;
        assert!(
            response.get("errors").is_none(),
            "{}: {response:#}",
            path.display()
        );
        let data = response["data"].as_object().expect("data");
        assert!(
            data.values().all(|value| !value.is_null()),
            "{}: a root field returned null: {response:#}",
            path.display()
        );
        ran += 1;
    }
    assert!(ran >= 3, "expected the example operations, found {ran}");
}
