//! Issue 10, items 1a, 1c and 1e through the public endpoint: a draft sentiment report never
//! reaches an integrator through the event log; public topics wait in a moderation queue that
//! only staff in scope see, with a receipt for the submitter; a staff or integrator token with a
//! `member` claim does not act as that member.

mod common;

use axum::{body::Body, extract::ConnectInfo, http::Request};
use common::{TestApp, token_for};
use domain::Role;
use entity::{consultation, enums::TopicSource, member, region};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use testing::Template;

async fn call(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    app.graphql_as(token, query, variables).await.json()
}

const DRAFT: &str = r#"mutation($input: DraftSentimentReportInput!) {
  draftSentimentReport(input: $input) { sentimentReport { id status } userErrors { code message } } }"#;

const EVENTS: &str = r#"query($types: [EventType!]) {
  events(first: 100, filter: { types: $types }) { totalCount nodes { type entityId snapshot } } }"#;

/// The entity ids of the events `token` reads of these types.
async fn event_entities(app: &TestApp, token: &str, types: &[&str]) -> Vec<String> {
    let response = call(app, token, EVENTS, json!({ "types": types })).await;
    let nodes = response["data"]["events"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("events: {response:#}"));
    assert_eq!(
        response["data"]["events"]["totalCount"],
        nodes.len(),
        "totalCount agrees with the list"
    );
    nodes
        .iter()
        .map(|node| node["entityId"].as_str().expect("an id").to_owned())
        .collect()
}

async fn draft_in_yinzhou(app: &TestApp, token: &str, authors: Vec<String>) -> String {
    let drafted = call(
        app,
        token,
        DRAFT,
        json!({ "input": { "regionCode": "330212", "title": "关于老旧小区加装电梯的建议",
            "content": "内容", "recipient": "区政府办公室", "sourceLoungeIds": [],
            "authorMemberIds": authors } }),
    )
    .await;
    drafted["data"]["draftSentimentReport"]["sentimentReport"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("a draft: {drafted:#}"))
        .to_owned()
}

#[tokio::test]
async fn a_county_draft_never_reaches_a_province_integrator_through_the_event_log() {
    let app = TestApp::new(Template::Demo).await;
    let county = token_for(Role::CountyStaff, "330212", None);
    let report = draft_in_yinzhou(&app, &county, Vec::new()).await;
    let drafted = ["SENTIMENT_REPORT_DRAFTED"];

    let integrator = token_for(Role::Integrator, "330000", None);
    assert!(
        !event_entities(&app, &integrator, &drafted)
            .await
            .contains(&report),
        "the integrator must not see the draft"
    );
    // The issue's exact request: the first events of the log.
    let first = call(
        &app,
        &integrator,
        "{ events(first: 3) { nodes { type snapshot } } }",
        json!({}),
    )
    .await;
    let text = first.to_string();
    assert!(!text.contains("SENTIMENT_REPORT_DRAFTED"), "{first:#}");
    assert!(!text.contains("区政府办公室"), "{first:#}");

    for staff in [
        token_for(Role::CountyStaff, "330212", None),
        token_for(Role::CityStaff, "330200", None),
        token_for(Role::ProvinceStaff, "330000", None),
    ] {
        assert!(
            event_entities(&app, &staff, &drafted)
                .await
                .contains(&report)
        );
    }
    for outsider in [
        token_for(Role::CountyStaff, "330106", None),
        token_for(Role::Integrator, "330200", None),
    ] {
        assert!(
            !event_entities(&app, &outsider, &drafted)
                .await
                .contains(&report)
        );
    }

    // Once submitted, the report is public and so is its event.
    let submitted = call(
        &app,
        &county,
        r#"mutation($input: SubmitSentimentReportInput!) { submitSentimentReport(input: $input) { sentimentReport { status } userErrors { code } } }"#,
        json!({ "input": { "id": report } }),
    )
    .await;
    assert_eq!(
        submitted["data"]["submitSentimentReport"]["sentimentReport"]["status"], "SUBMITTED",
        "{submitted:#}"
    );
    assert!(
        event_entities(&app, &integrator, &["SENTIMENT_REPORT_SUBMITTED"])
            .await
            .contains(&report)
    );
    assert!(
        !event_entities(&app, &integrator, &drafted)
            .await
            .contains(&report)
    );
}

/// A member of 鄞州区 (330212) by database id.
async fn yinzhou_members(app: &TestApp) -> Vec<i64> {
    let db = app.test_db.db.reader();
    let region = region::Entity::find()
        .filter(region::Column::Code.eq("330212"))
        .one(db)
        .await
        .expect("a query")
        .expect("330212");
    member::Entity::find()
        .filter(member::Column::RegionId.eq(region.id))
        .order_by_asc(member::Column::Id)
        .all(db)
        .await
        .expect("a query")
        .into_iter()
        .map(|row| row.id)
        .collect()
}

fn global(type_name: &str, id: i64) -> String {
    domain::events::global_id(type_name, id)
}

#[tokio::test]
async fn only_the_member_role_acts_as_a_member() {
    let app = TestApp::new(Template::Demo).await;
    let author_id = yinzhou_members(&app).await[0];
    let author = token_for(Role::Member, "330212", Some(author_id));
    let report = draft_in_yinzhou(&app, &author, vec![global("Member", author_id)]).await;
    let query = r#"query($id: ID!) { viewer { member { id } } node(id: $id) { id }
      sentimentReports(first: 100, filter: { regionCode: "330212", status: [DRAFT] }) { nodes { id } }
      events(first: 100, filter: { types: [SENTIMENT_REPORT_DRAFTED] }) { nodes { entityId } } }"#;
    let sees = |response: &Value| {
        let listed = response["data"]["sentimentReports"]["nodes"]
            .as_array()
            .is_some_and(|nodes| nodes.iter().any(|node| node["id"] == report.as_str()));
        let fetched = response["data"]["node"]["id"] == report.as_str();
        let evented = response["data"]["events"]["nodes"]
            .as_array()
            .is_some_and(|nodes| nodes.iter().any(|node| node["entityId"] == report.as_str()));
        assert_eq!(listed, fetched, "{response:#}");
        assert_eq!(listed, evented, "{response:#}");
        listed
    };
    let variables = json!({ "id": report });
    let own = call(&app, &author, query, variables.clone()).await;
    assert!(sees(&own), "the author sees their draft");
    assert_eq!(
        own["data"]["viewer"]["member"]["id"],
        global("Member", author_id)
    );

    // Tokens of other roles that carry the author's `member` claim: not that member.
    for role in [Role::CountyStaff, Role::Integrator] {
        let token = token_for(role, "330106", Some(author_id));
        let response = call(&app, &token, query, variables.clone()).await;
        assert!(
            !sees(&response),
            "{role:?} with a member claim: {response:#}"
        );
        assert_eq!(response["data"]["viewer"]["member"], Value::Null);
    }
    let integrator = token_for(Role::Integrator, "330000", Some(author_id));
    let response = call(&app, &integrator, query, variables.clone()).await;
    assert!(!sees(&response), "{response:#}");
}

const SUBMIT: &str = r#"mutation($input: SubmitPublicTopicInput!) {
  submitPublicTopic(input: $input) { consultation { id status topicSource } receiptCode userErrors { field code } } }"#;

async fn submit(app: &TestApp, address: &str, title: &str) -> (String, String) {
    let body = json!({ "query": SUBMIT, "variables": { "input": {
        "regionCode": "330212", "title": title, "topic": "点击 http://spam.example 立即购买",
        "submitterName": "张三", "submitterContact": "13800000000" } } });
    let mut request = Request::post("/graphql")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("a request");
    let peer: std::net::SocketAddr = format!("{address}:40000").parse().expect("an address");
    request.extensions_mut().insert(ConnectInfo(peer));
    let response = app.send(request).await.json();
    let payload = &response["data"]["submitPublicTopic"];
    assert_eq!(payload["userErrors"], json!([]), "{response:#}");
    assert_eq!(payload["consultation"]["status"], "SUBMITTED");
    assert_eq!(payload["consultation"]["topicSource"], "PUBLIC");
    let code = payload["receiptCode"].as_str().expect("a receipt code");
    assert!(code.len() >= 32, "at least 128 bits: {code}");
    (
        payload["consultation"]["id"]
            .as_str()
            .expect("an id")
            .to_owned(),
        code.to_owned(),
    )
}

const LIST: &str = r#"query($id: ID!) {
  consultations(first: 100, filter: { regionCode: "330212" }, orderBy: { field: CREATED_AT, direction: DESC }) { nodes { id } }
  region(code: "330212") { consultations(first: 100, orderBy: { field: CREATED_AT, direction: DESC }) { nodes { id } } }
  node(id: $id) { id } }"#;

/// Whether the caller sees the topic: in the root list, the region's list and by node. The
/// three must agree.
async fn lists(app: &TestApp, token: Option<&str>, id: &str) -> bool {
    let variables = json!({ "id": id });
    let response = match token {
        Some(token) => call(app, token, LIST, variables).await,
        None => app.graphql(LIST, variables).await,
    };
    let contains = |nodes: &Value| {
        nodes
            .as_array()
            .unwrap_or_else(|| panic!("a list: {response:#}"))
            .iter()
            .any(|node| node["id"] == id)
    };
    let root = contains(&response["data"]["consultations"]["nodes"]);
    let region = contains(&response["data"]["region"]["consultations"]["nodes"]);
    let node = response["data"]["node"]["id"] == id;
    assert_eq!((root, region), (node, node), "{response:#}");
    node
}

const RECEIPT: &str = r#"query($code: String!) { publicTopicReceipt(code: $code) {
  status committee { code name } submittedAt decidedAt reason } }"#;

async fn receipt(app: &TestApp, code: &str) -> Value {
    app.graphql(RECEIPT, json!({ "code": code })).await["data"]["publicTopicReceipt"].clone()
}

const REJECT: &str = r#"mutation($input: RejectPublicTopicInput!) {
  rejectPublicTopic(input: $input) { consultation { id status } userErrors { field code } } }"#;
const ACCEPT: &str = r#"mutation($input: AcceptPublicTopicInput!) {
  acceptPublicTopic(input: $input) { consultation { id status } userErrors { field code } } }"#;

#[tokio::test]
async fn public_topics_wait_in_a_moderation_queue_only_staff_in_scope_see() {
    let app = TestApp::new(Template::Demo).await;
    let staff = token_for(Role::CountyStaff, "330212", None);
    let outsider = token_for(Role::CountyStaff, "330106", None);
    let integrator = token_for(Role::Integrator, "330000", None);
    let (spam, spam_code) = submit(&app, "203.0.113.7", "垃圾广告 buy now").await;

    // Not listed for the public, an integrator or staff elsewhere; listed for staff in scope.
    assert!(!lists(&app, None, &spam).await);
    assert!(!lists(&app, Some(&integrator), &spam).await);
    assert!(!lists(&app, Some(&outsider), &spam).await);
    assert!(lists(&app, Some(&staff), &spam).await);
    assert!(
        lists(
            &app,
            Some(&token_for(Role::ProvinceStaff, "330000", None)),
            &spam
        )
        .await
    );
    let consultation_events = ["CONSULTATION_CREATED", "CONSULTATION_STATUS_CHANGED"];
    assert!(
        !event_entities(&app, &integrator, &consultation_events)
            .await
            .contains(&spam)
    );
    assert!(
        event_entities(&app, &staff, &consultation_events)
            .await
            .contains(&spam)
    );

    // The receipt shows the progress and nothing personal.
    let waiting = receipt(&app, &spam_code).await;
    assert_eq!(waiting["status"], "SUBMITTED");
    assert_eq!(waiting["committee"]["code"], "330212");
    assert!(waiting["submittedAt"].is_string());
    assert_eq!(waiting["decidedAt"], Value::Null);
    assert!(!waiting.to_string().contains("张三"));
    assert!(!waiting.to_string().contains("13800000000"));
    assert_eq!(
        receipt(&app, "0123456789abcdef0123456789abcdef").await,
        Value::Null
    );
    assert_eq!(
        receipt(&app, &spam).await,
        Value::Null,
        "the id is not a receipt"
    );

    // Only staff in scope moderate.
    let reject = json!({ "input": { "id": spam, "reason": "广告信息，不予采纳" } });
    let anonymous = app.graphql(REJECT, reject.clone()).await;
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
    for token in [&integrator, &outsider] {
        let refused = call(&app, token, REJECT, reject.clone()).await;
        assert_eq!(
            refused["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{refused:#}"
        );
    }
    let rejected = call(&app, &staff, REJECT, reject.clone()).await;
    assert_eq!(
        rejected["data"]["rejectPublicTopic"]["consultation"]["status"], "REJECTED",
        "{rejected:#}"
    );
    let again = call(&app, &staff, ACCEPT, json!({ "input": { "id": spam } })).await;
    assert_eq!(
        again["data"]["acceptPublicTopic"]["userErrors"][0]["code"],
        "INVALID_TRANSITION"
    );
    let decided = receipt(&app, &spam_code).await;
    assert_eq!(decided["status"], "REJECTED");
    assert_eq!(decided["reason"], "广告信息，不予采纳");
    assert!(decided["decidedAt"].is_string());
    assert!(!lists(&app, None, &spam).await);
    assert!(lists(&app, Some(&staff), &spam).await);
    assert!(
        !event_entities(&app, &integrator, &consultation_events)
            .await
            .contains(&spam)
    );

    // An accepted topic is an ordinary, public topic from then on.
    let (good, good_code) = submit(&app, "203.0.113.8", "老街巷文化保护").await;
    let accepted = call(&app, &staff, ACCEPT, json!({ "input": { "id": good } })).await;
    assert_eq!(
        accepted["data"]["acceptPublicTopic"]["consultation"]["status"], "PROPOSED",
        "{accepted:#}"
    );
    assert!(lists(&app, None, &good).await);
    assert_eq!(receipt(&app, &good_code).await["status"], "PROPOSED");
    let events = call(
        &app,
        &integrator,
        EVENTS,
        json!({ "types": consultation_events }),
    )
    .await;
    let seen: Vec<&Value> = events["data"]["events"]["nodes"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|node| node["entityId"] == good.as_str())
        .collect();
    assert_eq!(seen.len(), 1, "only the acceptance: {events:#}");
    assert_eq!(seen[0]["type"], "CONSULTATION_STATUS_CHANGED");
    assert_eq!(seen[0]["snapshot"]["status"], "PROPOSED");
}

#[tokio::test]
async fn the_demo_public_topics_count_as_accepted() {
    let app = TestApp::new(Template::Demo).await;
    let stored = consultation::Entity::find()
        .filter(consultation::Column::TopicSource.eq(TopicSource::Public))
        .count(app.test_db.db.reader())
        .await
        .expect("a count");
    assert!(stored > 0);
    let listed = app
        .graphql(
            "{ consultations(filter: { topicSource: [PUBLIC] }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed["data"]["consultations"]["totalCount"], stored,
        "{listed:#}"
    );
}

/// 委员编号 is staff data: staff in scope see it, everyone else (anonymous, members, staff of
/// another county) gets null.
#[tokio::test]
async fn member_numbers_are_shown_to_staff_in_scope_only() {
    let app = TestApp::new(Template::Demo).await;
    let query = r#"{ region(code: "330212") { members(first: 2) { nodes { memberNumber } } } }"#;
    let numbers = |answer: &Value| -> Vec<Value> {
        answer["data"]["region"]["members"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{answer}"))
            .iter()
            .map(|node| node["memberNumber"].clone())
            .collect()
    };
    let county = token_for(Role::CountyStaff, "330212", None);
    let shown = numbers(&call(&app, &county, query, json!({})).await);
    assert_eq!(shown, [json!("330212-0001"), json!("330212-0002")]);
    let other = token_for(Role::CountyStaff, "330109", None);
    let member_id = yinzhou_members(&app).await[0];
    let member = token_for(Role::Member, "330212", Some(member_id));
    for token in [&other, &member] {
        let hidden = numbers(&call(&app, token, query, json!({})).await);
        assert_eq!(hidden, [Value::Null, Value::Null]);
    }
    let anonymous = app.graphql(query, json!({})).await;
    assert_eq!(numbers(&anonymous), [Value::Null, Value::Null]);
}
