//! The region tree through the public endpoint, on the seeded demo database.

mod common;

use common::TestApp;
use serde_json::json;
use testing::Template;

#[tokio::test]
async fn zhejiang_has_11_cities_and_90_counties() {
    let app = TestApp::new(Template::Demo).await;
    let response = app
        .graphql(
            r#"{ province(code: "330000") { name cities { name code counties { name code } } counties { name } } }"#,
            json!({}),
        )
        .await;
    assert!(response.get("errors").is_none(), "{response}");
    let province = &response["data"]["province"];
    assert_eq!(province["name"], "浙江省");
    let cities = province["cities"].as_array().expect("cities");
    assert_eq!(cities.len(), 11);
    let counties: usize = cities
        .iter()
        .map(|city| city["counties"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(counties, 90);
    assert_eq!(cities[0]["name"], "杭州市");
    assert_eq!(province["counties"], json!([]));
}

#[tokio::test]
async fn region_resolves_every_tier_and_navigates_upwards() {
    let app = TestApp::new(Template::Demo).await;
    let response = app
        .graphql(
            r#"{
                county: region(code: "330212") { __typename name level
                    ... on County { city { name province { code } } province { name } } }
                city: region(code: "330200") { __typename name parent { code } }
                province: region(code: "330000") { __typename parent { code } }
                missing: region(code: "999999") { name }
            }"#,
            json!({}),
        )
        .await;
    assert!(response.get("errors").is_none(), "{response}");
    let data = &response["data"];
    assert_eq!(data["county"]["__typename"], "County");
    assert_eq!(data["county"]["name"], "鄞州区");
    assert_eq!(data["county"]["level"], "COUNTY");
    assert_eq!(data["county"]["city"]["name"], "宁波市");
    assert_eq!(data["county"]["city"]["province"]["code"], "330000");
    assert_eq!(data["county"]["province"]["name"], "浙江省");
    assert_eq!(data["city"]["__typename"], "City");
    assert_eq!(data["city"]["parent"]["code"], "330000");
    assert_eq!(data["province"]["parent"], json!(null));
    assert_eq!(data["missing"], json!(null));
}

#[tokio::test]
async fn a_malformed_region_code_is_bad_user_input() {
    let app = TestApp::new(Template::Migrated).await;
    let response = app
        .graphql(r#"{ region(code: "33-000") { name } }"#, json!({}))
        .await;
    assert_eq!(
        response["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
    assert_eq!(response["data"]["region"], json!(null));
}

#[tokio::test]
async fn the_whole_tree_costs_one_statement_per_level() {
    let app = TestApp::new(Template::Demo).await;
    app.statements().clear();
    let response = app
        .graphql(
            r#"{ provinces { cities { counties { name city { name } } } } }"#,
            json!({}),
        )
        .await;
    assert!(response.get("errors").is_none(), "{response}");
    // provinces, cities, counties, the counties' cities: one statement each.
    let statements = app.statements().statements();
    assert_eq!(statements.len(), 4, "{statements:#?}");
}

#[tokio::test]
async fn health_and_sdl_endpoints_answer() {
    let app = TestApp::new(Template::Migrated).await;
    let health = app.get("/healthz").await;
    assert_eq!(health.status, 200);
    let sdl = app.get("/schema.graphql").await;
    assert_eq!(sdl.status, 200);
    assert!(sdl.body.contains("interface Region"), "{}", sdl.body);
}
