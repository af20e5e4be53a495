//! Lounge and member mutations through the public endpoint: global IDs in and out, payloads
//! with the changed objects, refusals as `userErrors` naming the input field.

mod common;

use common::{TestApp, token_for};
use domain::Role;
use serde_json::{Value, json};
use testing::Template;

async fn call(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let response = app.graphql_as(token, query, variables).await.json();
    assert!(response.get("errors").is_none(), "{response:#}");
    response
}

const CREATE_MEMBER: &str = r#"mutation($input: CreateMemberInput!) {
  createMember(input: $input) { member { id name status } userErrors { field code } } }"#;
const CREATE_LOUNGE: &str = r#"mutation($input: CreateLoungeInput!) {
  createLounge(input: $input) { lounge { id status version } userErrors { field code } } }"#;
const ADD_MEMBER: &str = r#"mutation($input: AddLoungeMemberInput!) {
  addLoungeMember(input: $input) {
    lounge { id } membership { role since until lounge { id } } userErrors { field code } } }"#;
const RECORD: &str = r#"mutation($input: RecordLoungeActivityInput!) {
  recordLoungeActivity(input: $input) { activity { id title } userErrors { field code } } }"#;

async fn member(app: &TestApp, token: &str, name: &str) -> String {
    let created = call(
        app,
        token,
        CREATE_MEMBER,
        json!({ "input": {
            "regionCode": "330212", "name": name, "gender": "MALE", "sector": "经济界",
            "occupation": "企业家", "term": 12, "phone": "0574-87654321"
        }}),
    )
    .await;
    created["data"]["createMember"]["member"]["id"]
        .as_str()
        .expect("a member id")
        .to_owned()
}

#[tokio::test]
async fn staff_create_a_lounge_add_a_member_and_record_an_activity() {
    let app = TestApp::new(Template::Demo).await;
    let staff = token_for(Role::CountyStaff, "330212", None);
    let lead = member(&app, &staff, "李明").await;
    let team = member(&app, &staff, "张伟").await;
    let lounge_input = json!({
        "regionCode": "330212", "name": "东钱湖委员会客厅", "theme": "生态", "venue": "书屋",
        "address": "环湖东路1号", "establishedOn": "2024-03-01", "leadMemberIds": [lead]
    });
    let created = call(
        &app,
        &staff,
        CREATE_LOUNGE,
        json!({ "input": lounge_input }),
    )
    .await;
    let lounge = &created["data"]["createLounge"]["lounge"];
    assert_eq!(lounge["status"], "ACTIVE");
    let lounge_id = lounge["id"].as_str().expect("a lounge id").to_owned();

    let mut leaderless = lounge_input.clone();
    leaderless["leadMemberIds"] = json!([]);
    let refused = call(&app, &staff, CREATE_LOUNGE, json!({ "input": leaderless })).await;
    assert_eq!(
        refused["data"]["createLounge"],
        json!({ "lounge": null, "userErrors": [{ "field": ["leadMemberIds"], "code": "INVALID" }] })
    );

    let added = call(
        &app,
        &staff,
        ADD_MEMBER,
        json!({ "input": {
            "loungeId": lounge_id, "memberId": team, "role": "TEAM", "since": "2024-05-01"
        }}),
    )
    .await;
    assert_eq!(
        added["data"]["addLoungeMember"]["membership"],
        json!({ "role": "TEAM", "since": "2024-05-01", "until": null, "lounge": { "id": lounge_id } })
    );

    let activity = json!({
        "loungeIds": [lounge_id], "title": "委员讲堂", "kind": "PLANNED", "format": "LECTURE",
        "channel": "ONLINE", "startsAt": "2025-04-01T02:00:00Z", "endsAt": "2025-04-01T04:00:00Z",
        "participantMemberIds": [lead, team], "publicAttendance": 30
    });
    let refused = call(&app, &staff, RECORD, json!({ "input": activity.clone() })).await;
    assert_eq!(
        refused["data"]["recordLoungeActivity"]["userErrors"],
        json!([{ "field": ["platform"], "code": "INVALID" }])
    );
    let mut online = activity;
    online["platform"] = json!("DINGTALK");
    let recorded = call(&app, &staff, RECORD, json!({ "input": online })).await;
    assert_eq!(
        recorded["data"]["recordLoungeActivity"]["activity"]["title"],
        "委员讲堂"
    );

    let anonymous = app
        .graphql(CREATE_LOUNGE, json!({ "input": lounge_input }))
        .await;
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
}
