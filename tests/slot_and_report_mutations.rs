//! The department queue (挂号) and sentiment reports (社情民意信息) over GraphQL: payloads carry
//! the changed objects, refusals of input or state are `userErrors`, missing credentials are a
//! top-level error.

mod common;

use common::{TestApp, token_for};
use domain::Role;
use serde_json::{Value, json};
use testing::Template;

async fn call(app: &TestApp, token: &str, query: &str, input: Value) -> Value {
    app.graphql_as(token, query, json!({ "input": input }))
        .await
        .json()
}

const REQUEST: &str = r#"mutation($input: RequestConsultationSlotInput!) {
  requestConsultationSlot(input: $input) {
    slotRequest { id status queuePosition version region { code } }
    userErrors { field message code }
  }
}"#;

const ACCEPT: &str = r#"mutation($input: AcceptSlotRequestInput!) {
  acceptSlotRequest(input: $input) {
    slotRequest { id status queuePosition version consultation { id } }
    consultation { id status title kind topicSource }
    userErrors { field message code }
  }
}"#;

const DECLINE: &str = r#"mutation($input: DeclineSlotRequestInput!) {
  declineSlotRequest(input: $input) {
    slotRequest { status declineReason }
    userErrors { field message code }
  }
}"#;

const DRAFT: &str = r#"mutation($input: DraftSentimentReportInput!) {
  draftSentimentReport(input: $input) {
    sentimentReport { id status version }
    userErrors { field message code }
  }
}"#;

const SUBMIT: &str = r#"mutation($input: SubmitSentimentReportInput!) {
  submitSentimentReport(input: $input) {
    sentimentReport { status version submittedAt }
    userErrors { field message code }
  }
}"#;

const ACKNOWLEDGE: &str = r#"mutation($input: AcknowledgeSentimentReportInput!) {
  acknowledgeSentimentReport(input: $input) {
    sentimentReport { status acknowledgement acknowledgedAt version }
    userErrors { field message code }
  }
}"#;

#[tokio::test]
async fn a_department_queues_and_staff_accept_it_into_a_consultation() {
    let app = TestApp::new(Template::Demo).await;
    let clerk = token_for(Role::CountyStaff, "330483", None);
    let requested = call(
        &app,
        &clerk,
        REQUEST,
        json!({
            "regionCode": "330483",
            "department": "交通运输局",
            "topic": "城乡公交一体化",
            "periodStart": "2021-07-01",
            "periodEnd": "2021-12-31",
        }),
    )
    .await;
    let request = &requested["data"]["requestConsultationSlot"]["slotRequest"];
    assert_eq!(request["status"], "QUEUED", "{requested:#}");
    assert!(request["queuePosition"].as_i64().is_some());
    assert_eq!(request["region"]["code"], "330483");
    let id = request["id"].clone();

    let backwards = call(
        &app,
        &clerk,
        REQUEST,
        json!({
            "regionCode": "330483",
            "department": "教育局",
            "topic": "课后服务",
            "periodStart": "2021-07-01",
            "periodEnd": "2021-06-30",
        }),
    )
    .await;
    assert_eq!(
        backwards["data"]["requestConsultationSlot"]["userErrors"][0]["field"],
        json!(["periodEnd"]),
        "{backwards:#}"
    );

    let accepted = call(
        &app,
        &clerk,
        ACCEPT,
        json!({ "id": id, "kind": "MAIN", "title": "城乡公交怎么通到家门口", "expectedVersion": 0 }),
    )
    .await;
    let payload = &accepted["data"]["acceptSlotRequest"];
    assert_eq!(payload["userErrors"], json!([]), "{accepted:#}");
    assert_eq!(payload["slotRequest"]["status"], "ACCEPTED");
    assert_eq!(payload["slotRequest"]["queuePosition"], Value::Null);
    assert_eq!(payload["consultation"]["status"], "APPROVED");
    assert_eq!(payload["consultation"]["topicSource"], "PARTY_GOVERNMENT");
    assert_eq!(
        payload["slotRequest"]["consultation"]["id"],
        payload["consultation"]["id"]
    );

    let declined = call(
        &app,
        &clerk,
        DECLINE,
        json!({ "id": id, "reason": "已受理" }),
    )
    .await;
    let errors = &declined["data"]["declineSlotRequest"]["userErrors"];
    assert_eq!(errors[0]["code"], "INVALID_TRANSITION", "{declined:#}");
    assert_eq!(
        declined["data"]["declineSlotRequest"]["slotRequest"],
        Value::Null
    );

    let anonymous = app
        .graphql(ACCEPT, json!({ "input": { "id": id, "kind": "MAIN" } }))
        .await;
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{anonymous:#}"
    );
}

#[tokio::test]
async fn a_sentiment_report_is_drafted_submitted_and_acknowledged() {
    let app = TestApp::new(Template::Demo).await;
    let staff = token_for(Role::CityStaff, "330400", None);
    let drafted = call(
        &app,
        &staff,
        DRAFT,
        json!({
            "regionCode": "330400",
            "title": "关于农村养老服务的建议",
            "content": "村级养老服务站点不足。",
            "recipient": "市人民政府办公室",
        }),
    )
    .await;
    let report = &drafted["data"]["draftSentimentReport"]["sentimentReport"];
    assert_eq!(report["status"], "DRAFT", "{drafted:#}");
    let id = report["id"].clone();

    let early = call(
        &app,
        &staff,
        ACKNOWLEDGE,
        json!({ "id": id, "acknowledgement": "阅" }),
    )
    .await;
    assert_eq!(
        early["data"]["acknowledgeSentimentReport"]["userErrors"][0]["code"], "INVALID_TRANSITION",
        "{early:#}"
    );

    let submitted = call(
        &app,
        &staff,
        SUBMIT,
        json!({ "id": id, "expectedVersion": 0 }),
    )
    .await;
    let report = &submitted["data"]["submitSentimentReport"]["sentimentReport"];
    assert_eq!(report["status"], "SUBMITTED", "{submitted:#}");
    assert!(report["submittedAt"].is_string());

    let stale = call(
        &app,
        &staff,
        ACKNOWLEDGE,
        json!({ "id": id, "acknowledgement": "请研究", "expectedVersion": 0 }),
    )
    .await;
    assert_eq!(
        stale["data"]["acknowledgeSentimentReport"]["userErrors"][0]["code"], "CONFLICT",
        "{stale:#}"
    );

    let acknowledged = call(
        &app,
        &staff,
        ACKNOWLEDGE,
        json!({ "id": id, "acknowledgement": "请市民政局牵头研究落实", "expectedVersion": 1 }),
    )
    .await;
    let report = &acknowledged["data"]["acknowledgeSentimentReport"]["sentimentReport"];
    assert_eq!(report["status"], "ACKNOWLEDGED", "{acknowledged:#}");
    assert_eq!(report["acknowledgement"], "请市民政局牵头研究落实");
    assert_eq!(report["version"], 2);

    let foreign = call(
        &app,
        &token_for(Role::CityStaff, "330100", None),
        SUBMIT,
        json!({ "id": id }),
    )
    .await;
    assert_eq!(
        foreign["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{foreign:#}"
    );
}
