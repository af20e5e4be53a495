//! Input limits at the API: over-long search terms and list filters are `BAD_USER_INPUT`,
//! over-long list inputs of a mutation are the user error `INVALID`, and cursors beyond
//! `i64::MAX` are `BAD_USER_INPUT` — never a 500 or an overflow.

mod common;

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use common::{TestApp, token_for};
use domain::{Role, limits};
use serde_json::{Value, json};
use testing::Template;

fn code(reply: &Value) -> &Value {
    &reply["errors"][0]["extensions"]["code"]
}

#[tokio::test]
async fn over_long_filters_and_cursors_are_bad_user_input() {
    let app = TestApp::new(Template::Demo).await;
    let query = "query($filter: LoungeFilter, $after: String) {
        lounges(filter: $filter, first: 1, after: $after) { totalCount } }";

    let at_limit = "协".repeat(limits::MAX_SEARCH_CHARS);
    let reply = app
        .graphql(query, json!({ "filter": { "search": at_limit } }))
        .await;
    assert!(reply["errors"].is_null(), "{reply:#}");

    let too_long = "协".repeat(limits::MAX_SEARCH_CHARS + 1);
    let reply = app
        .graphql(query, json!({ "filter": { "search": too_long } }))
        .await;
    assert_eq!(code(&reply), "BAD_USER_INPUT", "{reply:#}");

    let statuses = vec!["ACTIVE"; limits::MAX_FILTER_VALUES + 1];
    let reply = app
        .graphql(query, json!({ "filter": { "status": statuses } }))
        .await;
    assert_eq!(code(&reply), "BAD_USER_INPUT", "{reply:#}");

    for position in [
        "9223372036854775808".to_owned(),
        u64::MAX.to_string(),
        "99999999999999999999999999".to_owned(),
    ] {
        let cursor = URL_SAFE_NO_PAD.encode(format!("cursor:{position}"));
        let reply = app.graphql(query, json!({ "after": cursor })).await;
        assert_eq!(code(&reply), "BAD_USER_INPUT", "{position}: {reply:#}");
    }
    // The largest valid position is served: an empty page, no overflow.
    let cursor = URL_SAFE_NO_PAD.encode(format!("cursor:{}", i64::MAX));
    let reply = app.graphql(query, json!({ "after": cursor })).await;
    assert!(reply["errors"].is_null(), "{reply:#}");
}

#[tokio::test]
async fn over_long_list_inputs_are_invalid() {
    let app = TestApp::new(Template::Demo).await;
    let staff = token_for(Role::ProvinceStaff, "330000", None);
    let authors: Vec<String> = (1..=limits::MAX_REPORT_AUTHORS + 1)
        .map(|id| URL_SAFE_NO_PAD.encode(format!("Member:{id}")))
        .collect();
    let reply = app
        .graphql_as(
            &staff,
            "mutation($input: DraftSentimentReportInput!) {
               draftSentimentReport(input: $input) {
                 sentimentReport { id } userErrors { field code } } }",
            json!({ "input": {
                "regionCode": "330212", "title": "标题", "content": "内容",
                "recipient": "区政府办公室", "authorMemberIds": authors } }),
        )
        .await
        .json();
    let payload = &reply["data"]["draftSentimentReport"];
    assert_eq!(payload["sentimentReport"], Value::Null, "{reply:#}");
    assert_eq!(payload["userErrors"][0]["code"], "INVALID", "{reply:#}");
    assert_eq!(
        payload["userErrors"][0]["field"],
        json!(["authorMemberIds"])
    );
}

#[tokio::test]
async fn over_long_status_and_type_lists_are_bad_user_input() {
    let app = TestApp::new(Template::Demo).await;
    let integrator = token_for(Role::Integrator, "330000", None);
    let over = limits::MAX_FILTER_VALUES + 1;

    let statuses = vec!["SUBMITTED"; over];
    let reply = app
        .graphql(
            "query($status: [SuggestionStatus!]) { consultations(first: 1) { nodes {
                suggestions(filter: { status: $status }) { totalCount } } } }",
            json!({ "status": statuses }),
        )
        .await;
    assert_eq!(code(&reply), "BAD_USER_INPUT", "{reply:#}");

    let types = vec!["CONSULTATION_CREATED"; over];
    let reply = app
        .graphql_as(
            &integrator,
            "query($types: [EventType!]) { events(filter: { types: $types }, first: 1) {
                totalCount } }",
            json!({ "types": types }),
        )
        .await
        .json();
    assert_eq!(code(&reply), "BAD_USER_INPUT", "{reply:#}");

    let statuses = vec!["DEAD"; over];
    let reply = app
        .graphql_as(
            &integrator,
            "query($status: [DeliveryStatus!]) { deliveries(filter: { status: $status }, first: 1) {
                totalCount } }",
            json!({ "status": statuses }),
        )
        .await
        .json();
    assert_eq!(code(&reply), "BAD_USER_INPUT", "{reply:#}");

    // At the limit they are served.
    let types = vec!["CONSULTATION_CREATED"; limits::MAX_FILTER_VALUES];
    let reply = app
        .graphql_as(
            &integrator,
            "query($types: [EventType!]) { events(filter: { types: $types }, first: 1) {
                totalCount } }",
            json!({ "types": types }),
        )
        .await
        .json();
    assert!(reply["errors"].is_null(), "{reply:#}");
}
