//! Staff workflows through the public endpoint: the consultation lifecycle with suggestions and
//! follow-ups, the outbox rows it leaves, errors as top-level codes or user errors, and public
//! topics from anonymous callers.

mod common;

use axum::{body::Body, extract::ConnectInfo, http::Request};
use common::{TestApp, token_for};
use domain::Role;
use entity::{enums::EventType, event};
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::{Value, json};
use testing::Template;

async fn call(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let reply = app.graphql_as(token, query, variables).await;
    reply.json()
}

fn user_errors(response: &Value, mutation: &str) -> Vec<Value> {
    assert!(response.get("errors").is_none(), "{response:#}");
    response["data"][mutation]["userErrors"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

const PROPOSE: &str = r#"mutation($input: ProposeConsultationInput!) {
  proposeConsultation(input: $input) { consultation { id status version } userErrors { field message code } } }"#;

fn step(mutation: &str, input: &str) -> String {
    format!(
        "mutation($input: {input}!) {{ {mutation}(input: $input) {{ consultation {{ id status version }} userErrors {{ field message code }} }} }}"
    )
}

#[tokio::test]
async fn a_slot_request_becomes_a_closed_consultation_with_implemented_suggestions() {
    let app = TestApp::new(Template::Demo).await;
    let staff = token_for(Role::CountyStaff, "330212", None);
    // A department queues (挂号) for a slot; staff accept it, which creates the consultation.
    let queued = call(
        &app,
        &staff,
        r#"mutation($input: RequestConsultationSlotInput!) { requestConsultationSlot(input: $input) { slotRequest { id status queuePosition } userErrors { code message } } }"#,
        json!({ "input": { "regionCode": "330212", "department": "区农业农村局", "topic": "新一届村社干部如何治村", "periodStart": "2026-01-01", "periodEnd": "2026-03-31" } }),
    )
    .await;
    assert!(
        user_errors(&queued, "requestConsultationSlot").is_empty(),
        "{queued:#}"
    );
    assert_eq!(
        queued["data"]["requestConsultationSlot"]["slotRequest"]["queuePosition"],
        1
    );
    let slot = queued["data"]["requestConsultationSlot"]["slotRequest"]["id"].clone();
    let accepted = call(
        &app,
        &staff,
        r#"mutation($input: AcceptSlotRequestInput!) { acceptSlotRequest(input: $input) { slotRequest { status queuePosition consultation { id } } consultation { id status } userErrors { code message } } }"#,
        json!({ "input": { "id": slot, "kind": "MAIN", "title": "如何当好领头雁、绘好新蓝图" } }),
    )
    .await;
    assert!(
        user_errors(&accepted, "acceptSlotRequest").is_empty(),
        "{accepted:#}"
    );
    let payload = &accepted["data"]["acceptSlotRequest"];
    assert_eq!(payload["slotRequest"]["status"], "ACCEPTED");
    assert_eq!(payload["slotRequest"]["queuePosition"], Value::Null);
    assert_eq!(payload["consultation"]["status"], "APPROVED");
    let id = payload["consultation"]["id"].clone();
    assert_eq!(payload["slotRequest"]["consultation"]["id"], id);

    for (mutation, input) in [(
        "startConsultationResearch",
        "StartConsultationResearchInput",
    )] {
        let response = call(
            &app,
            &staff,
            &step(mutation, input),
            json!({ "input": { "id": id } }),
        )
        .await;
        assert!(user_errors(&response, mutation).is_empty(), "{response:#}");
    }
    let scheduled = call(
        &app,
        &staff,
        &step("scheduleConsultation", "ScheduleConsultationInput"),
        json!({ "input": { "id": id, "scheduledAt": "2026-01-05T19:00:00+08:00", "venue": "东吴镇文化礼堂" } }),
    )
    .await;
    assert!(user_errors(&scheduled, "scheduleConsultation").is_empty());
    let held = call(
        &app,
        &staff,
        &step("recordConsultationHeld", "RecordConsultationHeldInput"),
        json!({ "input": { "id": id, "heldAt": "2026-01-05T19:30:00+08:00", "participants": [
            { "role": "PARTY_GOVERNMENT_LEADER", "name": "区委书记", "organization": "鄞州区委" },
            { "role": "PUBLIC_REPRESENTATIVE", "name": "村党支部书记" } ] } }),
    )
    .await;
    assert!(user_errors(&held, "recordConsultationHeld").is_empty());

    let added = call(
        &app,
        &staff,
        r#"mutation($input: AddSuggestionInput!) { addSuggestion(input: $input) { suggestion { id status } userErrors { code } } }"#,
        json!({ "input": { "consultationId": id, "content": "建立村社干部导师帮带制度", "proposerName": "区政协委员", "responsibleDepartment": "区委组织部" } }),
    )
    .await;
    assert!(user_errors(&added, "addSuggestion").is_empty());
    let suggestion = added["data"]["addSuggestion"]["suggestion"]["id"].clone();
    for (status, grade) in [
        ("ACCEPTED", Value::Null),
        ("IN_PROGRESS", Value::Null),
        ("IMPLEMENTED", json!("A")),
    ] {
        let response = call(
            &app,
            &staff,
            r#"mutation($input: SetSuggestionStatusInput!) { setSuggestionStatus(input: $input) { suggestion { status grade } userErrors { code message } } }"#,
            json!({ "input": { "id": suggestion, "status": status, "grade": grade } }),
        )
        .await;
        assert!(
            user_errors(&response, "setSuggestionStatus").is_empty(),
            "{response:#}"
        );
    }
    let followed = call(
        &app,
        &staff,
        r#"mutation($input: AddSuggestionFollowUpInput!) { addSuggestionFollowUp(input: $input) { followUp { progress } userErrors { code } } }"#,
        json!({ "input": { "suggestionId": suggestion, "date": domain::read::today().to_string(), "note": "导师已结对", "progress": 100 } }),
    )
    .await;
    assert!(
        user_errors(&followed, "addSuggestionFollowUp").is_empty(),
        "{followed:#}"
    );

    for (mutation, input) in [
        (
            "startConsultationFollowUp",
            "StartConsultationFollowUpInput",
        ),
        ("closeConsultation", "CloseConsultationInput"),
    ] {
        let response = call(
            &app,
            &staff,
            &step(mutation, input),
            json!({ "input": { "id": id } }),
        )
        .await;
        assert!(user_errors(&response, mutation).is_empty(), "{response:#}");
    }
    let page = call(
        &app,
        &staff,
        r#"query($id: ID!) { node(id: $id) { ... on Consultation { status statusHistory { to } suggestions { nodes { status grade followUps { progress } } } } } }"#,
        json!({ "id": id }),
    )
    .await;
    let node = &page["data"]["node"];
    assert_eq!(node["status"], "CLOSED", "{page:#}");
    assert_eq!(node["statusHistory"].as_array().map(Vec::len), Some(6));
    assert_eq!(node["suggestions"]["nodes"][0]["grade"], "A");

    let events = event::Entity::find()
        .order_by_asc(event::Column::Sequence)
        .all(app.test_db.db.reader())
        .await
        .unwrap();
    let types: Vec<EventType> = events.iter().map(|event| event.r#type).collect();
    use EventType::*;
    assert_eq!(
        types,
        [
            SlotRequested,
            ConsultationCreated,
            SlotRequestDecided,
            ConsultationStatusChanged,
            ConsultationStatusChanged,
            ConsultationStatusChanged,
            SuggestionCreated,
            SuggestionStatusChanged,
            SuggestionStatusChanged,
            SuggestionStatusChanged,
            SuggestionFollowedUp,
            ConsultationStatusChanged,
            ConsultationStatusChanged,
        ]
    );
    let sequences: Vec<i64> = events.iter().map(|event| event.sequence).collect();
    assert_eq!(sequences, (1..=13).collect::<Vec<_>>());
    assert!(
        events
            .iter()
            .all(|event| event.region_codes == "[\"330212\"]")
    );
}

#[tokio::test]
async fn errors_are_top_level_for_callers_and_user_errors_for_input() {
    let app = TestApp::new(Template::Demo).await;
    let input = json!({ "input": { "regionCode": "330212", "title": "议题", "topic": "内容", "topicSource": "PARTY_GOVERNMENT", "kind": "MICRO" } });
    let anonymous = app.graphql(PROPOSE, input.clone()).await;
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
    let outsider = call(
        &app,
        &token_for(Role::CountyStaff, "330106", None),
        PROPOSE,
        input.clone(),
    )
    .await;
    assert_eq!(outsider["errors"][0]["extensions"]["code"], "FORBIDDEN");

    let staff = token_for(Role::CityStaff, "330200", None);
    let empty = call(
        &app,
        &staff,
        PROPOSE,
        json!({ "input": { "regionCode": "330212", "title": " ", "topic": "内容", "topicSource": "PARTY_GOVERNMENT", "kind": "MICRO" } }),
    )
    .await;
    let errors = user_errors(&empty, "proposeConsultation");
    assert_eq!(errors[0]["code"], "INVALID");
    assert_eq!(errors[0]["field"], json!(["title"]));

    let created = call(&app, &staff, PROPOSE, input).await;
    let consultation = &created["data"]["proposeConsultation"]["consultation"];
    let skip = call(
        &app,
        &staff,
        &step(
            "startConsultationResearch",
            "StartConsultationResearchInput",
        ),
        json!({ "input": { "id": consultation["id"] } }),
    )
    .await;
    let errors = user_errors(&skip, "startConsultationResearch");
    assert_eq!(errors[0]["code"], "INVALID_TRANSITION");
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("allowed next: APPROVED, CANCELLED")
    );

    let approve = step("approveConsultation", "ApproveConsultationInput");
    let first = call(
        &app,
        &staff,
        &approve,
        json!({ "input": { "id": consultation["id"], "expectedVersion": 0 } }),
    )
    .await;
    assert!(user_errors(&first, "approveConsultation").is_empty());
    let stale = call(
        &app,
        &staff,
        &step("cancelConsultation", "CancelConsultationInput"),
        json!({ "input": { "id": consultation["id"], "reason": "重复", "expectedVersion": 0 } }),
    )
    .await;
    assert_eq!(
        user_errors(&stale, "cancelConsultation")[0]["code"],
        "CONFLICT"
    );

    let missing = call(
        &app,
        &staff,
        &approve,
        json!({ "input": { "id": "Q29uc3VsdGF0aW9uOjk5OTk5OTk" } }),
    )
    .await;
    assert_eq!(
        user_errors(&missing, "approveConsultation")[0]["code"],
        "NOT_FOUND"
    );
    let malformed = call(&app, &staff, &approve, json!({ "input": { "id": "###" } })).await;
    assert_eq!(
        malformed["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
}

const SUBMIT: &str = r#"mutation($input: SubmitPublicTopicInput!) {
  submitPublicTopic(input: $input) { consultation { id status topicSource submitter { name contact } } userErrors { field code } } }"#;

async fn submit_from(app: &TestApp, address: &str) -> Value {
    let body = json!({ "query": SUBMIT, "variables": { "input": {
        "regionCode": "331123", "title": "老街巷文化保护", "topic": "请把街巷里弄文化融入城市规划",
        "submitterName": "王女士", "submitterContact": "wang@example.org" } } });
    let mut request = Request::post("/graphql")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("a request");
    let peer: std::net::SocketAddr = format!("{address}:40000").parse().expect("an address");
    request.extensions_mut().insert(ConnectInfo(peer));
    app.send(request).await.json()
}

#[tokio::test]
async fn the_public_submits_topics_within_a_budget_and_only_staff_see_who_sent_them() {
    let app = TestApp::new(Template::Demo).await;
    let first = submit_from(&app, "203.0.113.5").await;
    assert!(user_errors(&first, "submitPublicTopic").is_empty());
    let consultation = &first["data"]["submitPublicTopic"]["consultation"];
    assert_eq!(consultation["status"], "SUBMITTED");
    assert_eq!(consultation["topicSource"], "PUBLIC");
    assert_eq!(
        consultation["submitter"],
        Value::Null,
        "anonymous callers never see it"
    );

    for _ in 1..5 {
        assert!(
            user_errors(&submit_from(&app, "203.0.113.5").await, "submitPublicTopic").is_empty()
        );
    }
    let limited = submit_from(&app, "203.0.113.5").await;
    assert_eq!(limited["errors"][0]["extensions"]["code"], "RATE_LIMITED");
    let other = submit_from(&app, "203.0.113.6").await;
    assert!(user_errors(&other, "submitPublicTopic").is_empty());

    let query = r#"query($id: ID!) { node(id: $id) { ... on Consultation { submitter { name contact } } } }"#;
    let staff = call(
        &app,
        &token_for(Role::CountyStaff, "331123", None),
        query,
        json!({ "id": consultation["id"] }),
    )
    .await;
    assert_eq!(
        staff["data"]["node"]["submitter"]["contact"],
        "wang@example.org"
    );
    let outsider = call(
        &app,
        &token_for(Role::CountyStaff, "330212", None),
        query,
        json!({ "id": consultation["id"] }),
    )
    .await;
    assert_eq!(outsider["data"]["node"]["submitter"], Value::Null);
}
