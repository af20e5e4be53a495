//! Joint (跨客厅) activities need the consent of every host lounge (issue 10, 1b): a lead member
//! of 鄞州生态环境政协委员会客厅 (330212) records a PLANNED activity that names
//! 椒江青年创业政协委员会客厅 (331002) as a co-host. 椒江's figures do not count it until a lead
//! of that lounge, or staff covering it, confirms; a decline keeps it uncounted; nobody else
//! may answer for the lounge.

mod common;

use common::{TestApp, token_for};
use domain::Role;
use entity::{
    enums::{EventType, LoungeRole},
    event, lounge, lounge_membership,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use testing::Template;

const YINZHOU: &str = "鄞州生态环境政协委员会客厅";
const JIAOJIANG: &str = "椒江青年创业政协委员会客厅";
const YEAR: i32 = 2026;

const RECORD: &str = r#"mutation($input: RecordLoungeActivityInput!) {
  recordLoungeActivity(input: $input) {
    activity { id lounges { name } hosts { lounge { name } status } }
    userErrors { field code } } }"#;
const CONFIRM: &str = r#"mutation($input: ConfirmActivityHostingInput!) {
  confirmActivityHosting(input: $input) {
    activity { id hosts { lounge { name } status } } host { lounge { name } status }
    userErrors { field code } } }"#;
const DECLINE: &str = r#"mutation($input: DeclineActivityHostingInput!) {
  declineActivityHosting(input: $input) {
    activity { id } host { lounge { name } status } userErrors { field code } } }"#;
const PLANNED: &str = r#"query($code: String!, $year: Int!) {
  statistics(regionCode: $code, year: $year) {
    totals { loungeActivities { planned } } } }"#;
const REGION_ACTIVITIES: &str = r#"query($code: String!, $status: ActivityHostStatus) {
  loungeActivities(filter: { regionCode: $code, hostStatus: $status, year: 2026 }, first: 100) {
    nodes { id } } }"#;
const LOUNGE_ACTIVITIES: &str = r#"query($id: ID!, $status: ActivityHostStatus) {
  node(id: $id) { ... on Lounge {
    activities(filter: { hostStatus: $status, year: 2026 }, first: 100) { nodes { id } } } } }"#;

/// A demo lounge by name: its global ID and the member id of one of its active leads.
struct DemoLounge {
    id: String,
    lead_member_id: i64,
}

async fn demo_lounge(app: &TestApp, name: &str) -> DemoLounge {
    let db = app.test_db.db.reader();
    let row = lounge::Entity::find()
        .filter(lounge::Column::Name.eq(name))
        .one(db)
        .await
        .expect("read lounges")
        .unwrap_or_else(|| panic!("{name} in the demo data"));
    let today = domain::read::today();
    let lead = lounge_membership::Entity::find()
        .filter(lounge_membership::Column::LoungeId.eq(row.id))
        .filter(lounge_membership::Column::Role.eq(LoungeRole::Lead))
        .filter(lounge_membership::Column::Since.lte(today))
        .filter(lounge_membership::Column::Until.is_null())
        .one(db)
        .await
        .expect("read memberships")
        .unwrap_or_else(|| panic!("{name} has an active lead"));
    let found = app
        .graphql(
            r#"query($name: String!) { lounges(filter: { search: $name }) { nodes { id name } } }"#,
            json!({ "name": name }),
        )
        .await;
    let id = found["data"]["lounges"]["nodes"]
        .as_array()
        .expect("lounges")
        .iter()
        .find(|node| node["name"] == name)
        .and_then(|node| node["id"].as_str())
        .unwrap_or_else(|| panic!("{name} listed: {found:#}"))
        .to_owned();
    DemoLounge {
        id,
        lead_member_id: lead.member_id,
    }
}

async fn call(app: &TestApp, token: Option<&str>, query: &str, variables: Value) -> Value {
    match token {
        Some(token) => app.graphql_as(token, query, variables).await.json(),
        None => app.graphql(query, variables).await,
    }
}

async fn planned(app: &TestApp, code: &str) -> i64 {
    let response = app
        .graphql(PLANNED, json!({ "code": code, "year": YEAR }))
        .await;
    response["data"]["statistics"]["totals"]["loungeActivities"]["planned"]
        .as_i64()
        .unwrap_or_else(|| panic!("statistics of {code}: {response:#}"))
}

async fn lounge_activity_ids(app: &TestApp, lounge: &str, status: Option<&str>) -> Vec<String> {
    let response = app
        .graphql(LOUNGE_ACTIVITIES, json!({ "id": lounge, "status": status }))
        .await;
    response["data"]["node"]["activities"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("activities: {response:#}"))
        .iter()
        .filter_map(|node| node["id"].as_str().map(str::to_owned))
        .collect()
}

async fn region_activity_ids(app: &TestApp, code: &str, status: Option<&str>) -> Vec<String> {
    let response = app
        .graphql(REGION_ACTIVITIES, json!({ "code": code, "status": status }))
        .await;
    response["data"]["loungeActivities"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("activities: {response:#}"))
        .iter()
        .filter_map(|node| node["id"].as_str().map(str::to_owned))
        .collect()
}

fn record_input(lounge_ids: &[&str]) -> Value {
    json!({ "input": {
        "loungeIds": lounge_ids, "title": "甬台两地生态与创业联合议事会", "kind": "PLANNED",
        "format": "FORUM", "channel": "OFFLINE",
        "startsAt": format!("{YEAR}-06-01T01:00:00Z"), "endsAt": format!("{YEAR}-06-01T03:00:00Z"),
    }})
}

fn answer_input(activity: &str, lounge: &str) -> Value {
    json!({ "input": { "activityId": activity, "loungeId": lounge } })
}

fn error_code(response: &Value) -> &str {
    response["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("an error with a code: {response:#}"))
}

async fn hosting_events(app: &TestApp, event_type: EventType) -> usize {
    event::Entity::find()
        .filter(event::Column::Type.eq(event_type))
        .all(app.test_db.db.reader())
        .await
        .expect("read events")
        .len()
}

/// Records the joint activity as a lead of 鄞州 and returns its ID.
async fn record_as_yinzhou_lead(
    app: &TestApp,
    yinzhou: &DemoLounge,
    jiaojiang: &DemoLounge,
) -> String {
    let lead = token_for(Role::Member, "330212", Some(yinzhou.lead_member_id));
    let recorded = call(
        app,
        Some(&lead),
        RECORD,
        record_input(&[&yinzhou.id, &jiaojiang.id]),
    )
    .await;
    let payload = &recorded["data"]["recordLoungeActivity"];
    assert_eq!(payload["userErrors"], json!([]), "{recorded:#}");
    let activity = &payload["activity"];
    assert_eq!(activity["lounges"], json!([{ "name": YINZHOU }]));
    let mut hosts = activity["hosts"].as_array().expect("hosts").clone();
    hosts.sort_by_key(|host| host["lounge"]["name"].to_string());
    let mut expected = vec![
        json!({ "lounge": { "name": YINZHOU }, "status": "CONFIRMED" }),
        json!({ "lounge": { "name": JIAOJIANG }, "status": "INVITED" }),
    ];
    expected.sort_by_key(|host| host["lounge"]["name"].to_string());
    assert_eq!(hosts, expected);
    activity["id"].as_str().expect("an activity id").to_owned()
}

#[tokio::test]
async fn an_invited_lounge_counts_the_activity_only_once_its_lead_confirms() {
    let app = TestApp::new(Template::Demo).await;
    let yinzhou = demo_lounge(&app, YINZHOU).await;
    let jiaojiang = demo_lounge(&app, JIAOJIANG).await;
    let jiaojiang_before = planned(&app, "331002").await;
    let yinzhou_before = planned(&app, "330212").await;

    let activity = record_as_yinzhou_lead(&app, &yinzhou, &jiaojiang).await;
    assert_eq!(
        planned(&app, "331002").await,
        jiaojiang_before,
        "not yet confirmed"
    );
    assert_eq!(
        planned(&app, "330212").await,
        yinzhou_before + 1,
        "the recorder's own"
    );
    assert!(
        !lounge_activity_ids(&app, &jiaojiang.id, None)
            .await
            .contains(&activity)
    );
    assert_eq!(
        lounge_activity_ids(&app, &jiaojiang.id, Some("INVITED")).await,
        vec![activity.clone()],
        "the open invitation"
    );
    let region_before = region_activity_ids(&app, "331002", None).await;
    assert!(!region_before.contains(&activity));
    assert_eq!(
        region_activity_ids(&app, "331002", Some("INVITED")).await,
        vec![activity.clone()]
    );

    // Nobody but 椒江's leads and the staff covering 椒江 may answer for it.
    let answer = answer_input(&activity, &jiaojiang.id);
    let outsiders = [
        Some(token_for(
            Role::Member,
            "330212",
            Some(yinzhou.lead_member_id),
        )),
        Some(token_for(Role::CountyStaff, "330212", None)),
        Some(token_for(Role::CityStaff, "330200", None)),
        Some(token_for(Role::Integrator, "330000", None)),
    ];
    for token in &outsiders {
        let refused = call(&app, token.as_deref(), CONFIRM, answer.clone()).await;
        assert_eq!(error_code(&refused), "FORBIDDEN", "{refused:#}");
        let refused = call(&app, token.as_deref(), DECLINE, answer.clone()).await;
        assert_eq!(error_code(&refused), "FORBIDDEN", "{refused:#}");
    }
    let anonymous = call(&app, None, CONFIRM, answer.clone()).await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
    assert_eq!(planned(&app, "331002").await, jiaojiang_before);
    assert_eq!(
        hosting_events(&app, EventType::LoungeActivityHostingConfirmed).await,
        0
    );

    let jiaojiang_lead = token_for(Role::Member, "331002", Some(jiaojiang.lead_member_id));
    let confirmed = call(&app, Some(&jiaojiang_lead), CONFIRM, answer.clone()).await;
    let payload = &confirmed["data"]["confirmActivityHosting"];
    assert_eq!(payload["userErrors"], json!([]), "{confirmed:#}");
    assert_eq!(
        payload["host"],
        json!({ "lounge": { "name": JIAOJIANG }, "status": "CONFIRMED" })
    );
    assert_eq!(planned(&app, "331002").await, jiaojiang_before + 1);
    assert_eq!(planned(&app, "330212").await, yinzhou_before + 1);
    assert!(
        lounge_activity_ids(&app, &jiaojiang.id, None)
            .await
            .contains(&activity)
    );
    let region_after = region_activity_ids(&app, "331002", None).await;
    assert!(region_after.contains(&activity));
    assert_eq!(
        hosting_events(&app, EventType::LoungeActivityHostingConfirmed).await,
        1,
        "the outbox records the confirmation"
    );

    // An answer is final.
    let again = call(&app, Some(&jiaojiang_lead), DECLINE, answer).await;
    assert_eq!(
        again["data"]["declineActivityHosting"]["userErrors"],
        json!([{ "field": null, "code": "INVALID_TRANSITION" }])
    );
    assert_eq!(planned(&app, "331002").await, jiaojiang_before + 1);
}

#[tokio::test]
async fn a_declined_invitation_never_counts() {
    let app = TestApp::new(Template::Demo).await;
    let yinzhou = demo_lounge(&app, YINZHOU).await;
    let jiaojiang = demo_lounge(&app, JIAOJIANG).await;
    let before = planned(&app, "331002").await;
    let activity = record_as_yinzhou_lead(&app, &yinzhou, &jiaojiang).await;

    // Staff whose scope covers 椒江 answer for it too.
    let staff = token_for(Role::CountyStaff, "331002", None);
    let answer = answer_input(&activity, &jiaojiang.id);
    let declined = call(&app, Some(&staff), DECLINE, answer.clone()).await;
    assert_eq!(
        declined["data"]["declineActivityHosting"]["host"],
        json!({ "lounge": { "name": JIAOJIANG }, "status": "DECLINED" }),
        "{declined:#}"
    );
    assert_eq!(planned(&app, "331002").await, before);
    assert_eq!(
        hosting_events(&app, EventType::LoungeActivityHostingDeclined).await,
        1
    );

    let late = call(&app, Some(&staff), CONFIRM, answer).await;
    assert_eq!(
        late["data"]["confirmActivityHosting"]["userErrors"],
        json!([{ "field": null, "code": "INVALID_TRANSITION" }])
    );
    assert_eq!(planned(&app, "331002").await, before);
    assert!(
        lounge_activity_ids(&app, &jiaojiang.id, Some("DECLINED"))
            .await
            .contains(&activity)
    );
}

#[tokio::test]
async fn staff_covering_every_host_record_a_joint_activity_confirmed() {
    let app = TestApp::new(Template::Demo).await;
    let yinzhou = demo_lounge(&app, YINZHOU).await;
    let jiaojiang = demo_lounge(&app, JIAOJIANG).await;
    let before = planned(&app, "331002").await;
    let staff = token_for(Role::ProvinceStaff, "330000", None);
    let recorded = call(
        &app,
        Some(&staff),
        RECORD,
        record_input(&[&yinzhou.id, &jiaojiang.id]),
    )
    .await;
    let hosts = &recorded["data"]["recordLoungeActivity"]["activity"]["hosts"];
    let statuses: Vec<&Value> = hosts
        .as_array()
        .unwrap_or_else(|| panic!("{recorded:#}"))
        .iter()
        .map(|host| &host["status"])
        .collect();
    assert_eq!(statuses, [&json!("CONFIRMED"), &json!("CONFIRMED")]);
    assert_eq!(planned(&app, "331002").await, before + 1);

    // Staff must still cover every host lounge to record at all.
    let city = token_for(Role::CityStaff, "330200", None);
    let refused = call(
        &app,
        Some(&city),
        RECORD,
        record_input(&[&yinzhou.id, &jiaojiang.id]),
    )
    .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");
}
