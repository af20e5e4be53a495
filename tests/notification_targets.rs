//! The management API for notification targets over GraphQL: every mutation and both
//! connections, refusals as `userErrors` or top-level codes, the public-address rule, test
//! messages reaching the adapter, and secrets and robot URLs never coming back in any response.

mod common;

use std::sync::{Arc, Mutex};

use chrono::Utc;
use common::{TestApp, token_for};
use domain::{
    Db, Role,
    outbox::{self, NewEvent},
    write::notification_targets::TargetLimits,
};
use entity::{
    delivery,
    enums::{DeliveryStatus, EventType},
    region,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use testing::Template;
use xieshang::app::RouterOptions;

const SECRET: &str = "webhook-secret-0123456789";
const DING_SECRET: &str = "SECdingtalk-signing-secret";
const DING_TOKEN: &str = "ding-access-token-4711";
const WECOM_KEY: &str = "wecom-robot-key-0815";
const HOOK: &str = "http://127.0.0.1:9/hooks/xieshang";

const TARGET_FIELDS: &str = "id name adapter url hasSecret eventTypes region { code } status \
                             lastSequence createdAt updatedAt";

fn create_mutation() -> String {
    format!(
        "mutation($input: CreateNotificationTargetInput!) {{
           createNotificationTarget(input: $input) {{
             notificationTarget {{ {TARGET_FIELDS} }}
             userErrors {{ field message code }}
           }}
         }}"
    )
}

fn target_mutation(name: &str, input_type: &str) -> String {
    format!(
        "mutation($input: {input_type}!) {{
           {name}(input: $input) {{
             notificationTarget {{ {TARGET_FIELDS} }}
             userErrors {{ field message code }}
           }}
         }}"
    )
}

const SEND_TEST: &str = r#"mutation($input: SendTestNotificationInput!) {
  sendTestNotification(input: $input) {
    notificationTarget { id status }
    succeeded responseCode error errorClass
    userErrors { field message code }
  }
}"#;

const REDELIVER: &str = r#"mutation($input: RedeliverDeliveryInput!) {
  redeliverDelivery(input: $input) {
    delivery { id status attempts redelivery lastError responseCode nextAttemptAt
               eventSequence eventCursor target { id } }
    userErrors { field message code }
  }
}"#;

const REDELIVER_ALL: &str = r#"mutation($input: RedeliverDeadLettersInput!) {
  redeliverDeadLetters(input: $input) {
    notificationTarget { id }
    redeliveredCount
    userErrors { field message code }
  }
}"#;

/// Every response body the test saw, to prove no credential ever came back.
#[derive(Default, Clone)]
struct Seen(Arc<Mutex<Vec<String>>>);

impl Seen {
    fn all(&self) -> String {
        self.0.lock().expect("not poisoned").join("\n")
    }
}

struct Api {
    app: TestApp,
    adapter: notify::InMemoryAdapter,
    seen: Seen,
}

impl Api {
    async fn new(allow_private_targets: bool) -> Self {
        Self::with_limits(allow_private_targets, TargetLimits::default()).await
    }

    async fn with_limits(allow_private_targets: bool, target_limits: TargetLimits) -> Self {
        let adapter = notify::InMemoryAdapter::default();
        let services = graphql::Services {
            adapters: Arc::new(adapter.clone()),
            allow_private_targets,
            target_limits,
        };
        let app = TestApp::with_services(Template::Demo, &RouterOptions::default(), services).await;
        Self {
            app,
            adapter,
            seen: Seen::default(),
        }
    }

    fn db(&self) -> &Db {
        &self.app.test_db.db
    }

    async fn call(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let body = match token {
            Some(token) => self.app.graphql_as(token, query, variables).await.body,
            None => self.app.graphql(query, variables).await.to_string(),
        };
        self.seen.0.lock().expect("not poisoned").push(body.clone());
        serde_json::from_str(&body).expect("a JSON body")
    }

    async fn mutate(&self, token: &str, query: &str, input: Value) -> Value {
        self.call(Some(token), query, json!({ "input": input }))
            .await
    }
}

fn integrator(code: &str) -> String {
    token_for(Role::Integrator, code, None)
}

fn payload<'a>(reply: &'a Value, field: &str) -> &'a Value {
    assert!(reply["errors"].is_null(), "{reply:#}");
    &reply["data"][field]
}

fn error_code(reply: &Value) -> &Value {
    &reply["errors"][0]["extensions"]["code"]
}

fn webhook_input(code: &str) -> Value {
    json!({
        "name": "杭州市大数据局",
        "adapter": "WEBHOOK",
        "url": HOOK,
        "secret": SECRET,
        "eventTypes": ["CONSULTATION_CREATED", "CONSULTATION_STATUS_CHANGED"],
        "regionCode": code,
    })
}

async fn create(api: &Api, token: &str, input: Value) -> Value {
    let reply = api.mutate(token, &create_mutation(), input).await;
    let created = payload(&reply, "createNotificationTarget");
    assert_eq!(created["userErrors"], json!([]), "{reply:#}");
    created["notificationTarget"].clone()
}

async fn append_event(db: &Db, code: &str) -> i64 {
    let region = region::Entity::find()
        .filter(region::Column::Code.eq(code))
        .one(db.reader())
        .await
        .expect("a query")
        .expect("the region");
    let transaction = db.begin_write().await.expect("a transaction");
    let sequence = outbox::append(
        &transaction,
        NewEvent {
            event_type: EventType::ConsultationCreated,
            entity_type: "Consultation",
            entity_id: 1,
            region_ids: vec![region.id],
            snapshot: json!({ "id": 1 }),
            actor: "test".to_owned(),
        },
    )
    .await
    .expect("an event");
    db.commit(transaction).await.expect("a commit");
    sequence
}

/// A delivery row as the dispatcher leaves it.
async fn add_delivery(db: &Db, target_id: i64, sequence: i64, status: DeliveryStatus) -> i64 {
    let now = Utc::now();
    delivery::ActiveModel {
        target_id: Set(target_id),
        event_sequence: Set(sequence),
        status: Set(status),
        attempts: Set(if status == DeliveryStatus::Dead { 8 } else { 1 }),
        last_error: Set((status == DeliveryStatus::Dead).then(|| "HTTP 502".to_owned())),
        response_code: Set((status == DeliveryStatus::Dead).then_some(502)),
        next_attempt_at: Set(None),
        delivered_at: Set((status == DeliveryStatus::Succeeded).then_some(now)),
        redelivery: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db.writer())
    .await
    .expect("a delivery")
    .id
}

/// The database id inside a global ID (base64url of `Type:id`).
fn database_id(global: &Value) -> i64 {
    use base64::Engine as _;
    let text = global.as_str().expect("an ID");
    let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .expect("base64");
    let decoded = String::from_utf8(decoded).expect("utf-8");
    decoded
        .split_once(':')
        .and_then(|(_, id)| id.parse().ok())
        .expect("Type:id")
}

fn global_id(type_name: &str, id: i64) -> String {
    domain::events::global_id(type_name, id)
}

#[tokio::test]
async fn targets_are_registered_changed_paused_tested_and_never_leak_credentials() {
    let api = Api::new(true).await;
    let token = integrator("330100");
    let newest = append_event(api.db(), "330100").await;

    let hook = create(&api, &token, webhook_input("330100")).await;
    assert_eq!(hook["adapter"], "WEBHOOK");
    assert_eq!(hook["url"], HOOK);
    assert_eq!(hook["hasSecret"], true);
    assert_eq!(
        hook["eventTypes"],
        json!(["CONSULTATION_CREATED", "CONSULTATION_STATUS_CHANGED"])
    );
    assert_eq!(hook["region"]["code"], "330100");
    assert_eq!(hook["status"], "ACTIVE");
    assert_eq!(hook["lastSequence"], newest, "a new target skips history");

    let ding = create(
        &api,
        &token,
        json!({
            "name": "西湖区协商群",
            "adapter": "DINGTALK",
            "url": format!("http://127.0.0.1:9/robot/send?access_token={DING_TOKEN}"),
            "secret": DING_SECRET,
            "regionCode": "330106",
        }),
    )
    .await;
    assert_eq!(ding["url"], Value::Null, "robot URLs are write-only");
    assert_eq!(ding["hasSecret"], true);
    assert_eq!(ding["eventTypes"], json!([]), "empty: every type");
    let wecom = create(
        &api,
        &token,
        json!({
            "name": "会客厅企业微信群",
            "adapter": "WECOM",
            "url": format!("http://127.0.0.1:9/cgi-bin/webhook/send?key={WECOM_KEY}"),
            "regionCode": "330100",
        }),
    )
    .await;
    assert_eq!(wecom["url"], Value::Null);
    assert_eq!(wecom["hasSecret"], false);

    // Update: names and event types change; a webhook cannot drop its secret; a robot can.
    let update = target_mutation("updateNotificationTarget", "UpdateNotificationTargetInput");
    let reply = api
        .mutate(
            &token,
            &update,
            json!({ "id": hook["id"], "name": "杭州市数据资源局", "eventTypes": [] }),
        )
        .await;
    let updated = &payload(&reply, "updateNotificationTarget")["notificationTarget"];
    assert_eq!(updated["name"], "杭州市数据资源局");
    assert_eq!(updated["eventTypes"], json!([]));
    assert_eq!(updated["hasSecret"], true);
    let reply = api
        .mutate(&token, &update, json!({ "id": hook["id"], "secret": null }))
        .await;
    let refused = payload(&reply, "updateNotificationTarget");
    assert_eq!(refused["notificationTarget"], Value::Null);
    assert_eq!(
        refused["userErrors"][0],
        json!({ "field": ["secret"], "code": "INVALID",
                "message": refused["userErrors"][0]["message"] })
    );
    let reply = api
        .mutate(&token, &update, json!({ "id": ding["id"], "secret": null }))
        .await;
    let unsigned = &payload(&reply, "updateNotificationTarget")["notificationTarget"];
    assert_eq!(unsigned["hasSecret"], false);
    let reply = api
        .mutate(
            &token,
            &update,
            json!({ "id": ding["id"], "secret": DING_SECRET, "regionCode": "330100" }),
        )
        .await;
    let signed = &payload(&reply, "updateNotificationTarget")["notificationTarget"];
    assert_eq!(signed["hasSecret"], true);
    assert_eq!(signed["region"]["code"], "330100");

    // Pause and resume, each idempotent.
    let pause = target_mutation("pauseNotificationTarget", "PauseNotificationTargetInput");
    let resume = target_mutation("resumeNotificationTarget", "ResumeNotificationTargetInput");
    for _ in 0..2 {
        let reply = api
            .mutate(&token, &pause, json!({ "id": wecom["id"] }))
            .await;
        let paused = payload(&reply, "pauseNotificationTarget");
        assert_eq!(
            paused["notificationTarget"]["status"], "PAUSED",
            "{reply:#}"
        );
    }
    let reply = api
        .mutate(&token, &resume, json!({ "id": wecom["id"] }))
        .await;
    assert_eq!(
        payload(&reply, "resumeNotificationTarget")["notificationTarget"]["status"],
        "ACTIVE"
    );

    // A test message goes to the adapter right away, marked as a test.
    let reply = api
        .mutate(&token, SEND_TEST, json!({ "id": ding["id"] }))
        .await;
    let sent = payload(&reply, "sendTestNotification");
    assert_eq!(sent["succeeded"], true, "{reply:#}");
    assert_eq!(sent["responseCode"], 200);
    assert_eq!(sent["error"], Value::Null);
    assert_eq!(sent["errorClass"], Value::Null);
    assert_eq!(sent["notificationTarget"]["id"], ding["id"]);
    let delivered = api.adapter.delivered();
    assert_eq!(delivered.len(), 1);
    let (url, message) = &delivered[0];
    assert!(url.ends_with(DING_TOKEN), "the adapter gets the real URL");
    assert!(message.test);
    assert!(!message.redelivery);
    assert_eq!(message.events.len(), 1);
    let event = &message.events[0];
    assert_eq!(event.event_type, "NOTIFICATION_TEST");
    assert_eq!(event.sequence, 0);
    assert_eq!(event.region_codes, vec!["330100".to_owned()]);
    assert_eq!(event.entity_id, ding["id"].as_str().expect("an ID"));
    assert_eq!(event.snapshot["message"], "测试消息 from xieshang");

    api.adapter.fail_next(1);
    let reply = api
        .mutate(&token, SEND_TEST, json!({ "id": hook["id"] }))
        .await;
    let failed = payload(&reply, "sendTestNotification");
    assert_eq!(failed["succeeded"], false);
    assert_eq!(failed["responseCode"], 503);
    assert_eq!(failed["errorClass"], "HTTP_STATUS");
    assert!(
        failed["error"]
            .as_str()
            .is_some_and(|error| !error.is_empty())
    );
    assert_eq!(failed["userErrors"], json!([]));
    assert_eq!(
        api.adapter.delivered().len(),
        1,
        "the failed send was not recorded"
    );

    // The connection lists all three, oldest first, and node(id:) finds each again.
    let reply = api
        .call(
            Some(&token),
            &format!(
                "{{ notificationTargets(first: 10) {{ totalCount nodes {{ {TARGET_FIELDS} }} }} }}"
            ),
            json!({}),
        )
        .await;
    let listed = payload(&reply, "notificationTargets");
    assert_eq!(listed["totalCount"], 3);
    let ids: Vec<&Value> = listed["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|node| &node["id"])
        .collect();
    assert_eq!(ids, vec![&hook["id"], &ding["id"], &wecom["id"]]);
    let reply = api
        .call(
            Some(&token),
            "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on NotificationTarget { name url } } }",
            json!({ "ids": ids }),
        )
        .await;
    let nodes = &payload(&reply, "nodes");
    assert_eq!(nodes[0]["url"], HOOK);
    assert_eq!(nodes[1]["url"], Value::Null);
    assert_eq!(nodes[2]["name"], "会客厅企业微信群");

    let everything = api.seen.all();
    for credential in [SECRET, DING_SECRET, DING_TOKEN, WECOM_KEY] {
        assert!(
            !everything.contains(credential),
            "{credential} appeared in a response"
        );
    }
}

#[tokio::test]
async fn bad_input_is_a_user_error_and_strangers_are_refused() {
    let api = Api::new(true).await;
    let token = integrator("330100");
    let create_query = create_mutation();
    let refused = |reply: Value| -> (Value, Value) {
        let created = payload(&reply, "createNotificationTarget").clone();
        assert_eq!(created["notificationTarget"], Value::Null, "{reply:#}");
        let error = &created["userErrors"][0];
        (error["field"].clone(), error["code"].clone())
    };
    let cases = [
        (json!({ "name": "" }), "name"),
        (json!({ "url": "ftp://example.com/x" }), "url"),
        (json!({ "secret": "short" }), "secret"),
        (json!({ "secret": null }), "secret"),
        (json!({ "eventTypes": ["NOTIFICATION_TEST"] }), "eventTypes"),
        (json!({ "regionCode": "999999" }), "regionCode"),
        (
            json!({ "adapter": "DINGTALK", "url": "http://127.0.0.1:9/robot/send" }),
            "url",
        ),
        (
            json!({ "adapter": "WECOM", "url": "http://127.0.0.1:9/send?key=k" }),
            "secret",
        ),
    ];
    for (change, field) in cases {
        let mut input = webhook_input("330100");
        for (key, value) in change.as_object().expect("an object") {
            input[key] = value.clone();
        }
        let (found, code) = refused(api.mutate(&token, &create_query, input).await);
        assert_eq!(found, json!([field]), "{change}");
        assert_eq!(code, "INVALID");
    }

    let target = create(&api, &token, webhook_input("330100")).await;
    let pause = target_mutation("pauseNotificationTarget", "PauseNotificationTargetInput");
    // Malformed or foreign IDs are request errors; an unknown target is NOT_FOUND.
    let reply = api
        .mutate(
            &token,
            &pause,
            json!({ "id": global_id("Consultation", 1) }),
        )
        .await;
    assert_eq!(error_code(&reply), "BAD_USER_INPUT", "{reply:#}");
    let reply = api
        .mutate(
            &token,
            &pause,
            json!({ "id": global_id("NotificationTarget", 999_999) }),
        )
        .await;
    assert_eq!(
        payload(&reply, "pauseNotificationTarget")["userErrors"][0]["code"],
        "NOT_FOUND"
    );

    // Anonymous callers are unauthenticated; members and integrators elsewhere are forbidden.
    let reply = api
        .call(
            None,
            &create_query,
            json!({ "input": webhook_input("330100") }),
        )
        .await;
    assert_eq!(error_code(&reply), "UNAUTHENTICATED", "{reply:#}");
    let reply = api
        .call(None, "{ notificationTargets { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&reply), "UNAUTHENTICATED");
    let reply = api
        .call(None, "{ deliveries { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&reply), "UNAUTHENTICATED");
    let member = token_for(Role::Member, "330100", Some(1));
    let reply = api
        .mutate(&member, &create_query, webhook_input("330100"))
        .await;
    assert_eq!(error_code(&reply), "FORBIDDEN");
    let reply = api
        .call(
            Some(&member),
            "{ notificationTargets { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&reply), "FORBIDDEN");
    let ningbo = integrator("330200");
    let reply = api
        .mutate(&ningbo, &create_query, webhook_input("330100"))
        .await;
    assert_eq!(error_code(&reply), "FORBIDDEN");
    // A target elsewhere answers exactly as an unknown one: NOT_FOUND, same message shape.
    let names = [
        (pause.as_str(), "pauseNotificationTarget"),
        (SEND_TEST, "sendTestNotification"),
        (REDELIVER_ALL, "redeliverDeadLetters"),
    ];
    for (query, name) in names {
        let elsewhere = api
            .mutate(&ningbo, query, json!({ "id": target["id"] }))
            .await;
        let unknown = api
            .mutate(
                &ningbo,
                query,
                json!({ "id": global_id("NotificationTarget", 999_999) }),
            )
            .await;
        assert!(elsewhere.get("errors").is_none(), "{elsewhere:#}");
        let error = &payload(&elsewhere, name)["userErrors"][0];
        let unknown_error = &payload(&unknown, name)["userErrors"][0];
        assert_eq!(error["code"], "NOT_FOUND", "{elsewhere:#}");
        assert_eq!(error["field"], unknown_error["field"]);
        let message = error["message"].as_str().expect("a message");
        let database = database_id(&target["id"]).to_string();
        assert_eq!(
            message.replace(&database, "N"),
            unknown_error["message"]
                .as_str()
                .expect("a message")
                .replace("999999", "N"),
            "the two answers differ only by the id"
        );
    }
    let update = target_mutation("updateNotificationTarget", "UpdateNotificationTargetInput");
    let reply = api
        .mutate(&ningbo, &update, json!({ "id": target["id"], "name": "x" }))
        .await;
    assert_eq!(
        payload(&reply, "updateNotificationTarget")["userErrors"][0]["code"],
        "NOT_FOUND",
        "{reply:#}"
    );
    let reply = api
        .call(
            Some(&ningbo),
            "query($id: ID!) { node(id: $id) { id } notificationTargets { totalCount } }",
            json!({ "id": target["id"] }),
        )
        .await;
    assert_eq!(reply["data"]["node"], Value::Null, "{reply:#}");
    assert_eq!(reply["data"]["notificationTargets"]["totalCount"], 0);
    assert!(api.adapter.delivered().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn internal_addresses_need_the_operators_consent() {
    let api = Api::new(false).await;
    let token = integrator("330100");
    let reply = api
        .mutate(&token, &create_mutation(), webhook_input("330100"))
        .await;
    let created = payload(&reply, "createNotificationTarget");
    assert_eq!(created["notificationTarget"], Value::Null);
    assert_eq!(created["userErrors"][0]["field"], json!(["url"]));
    assert!(
        created["userErrors"][0]["message"]
            .as_str()
            .is_some_and(|message| message.contains("XIESHANG_ALLOW_PRIVATE_TARGETS")),
        "{reply:#}"
    );
    let mut input = webhook_input("330100");
    input["url"] = json!("https://203.119.1.1/hooks");
    let target = create(&api, &token, input).await;
    let update = target_mutation("updateNotificationTarget", "UpdateNotificationTargetInput");
    let reply = api
        .mutate(
            &token,
            &update,
            json!({ "id": target["id"], "url": "http://[::1]:8080/hook" }),
        )
        .await;
    assert_eq!(
        payload(&reply, "updateNotificationTarget")["userErrors"][0]["field"],
        json!(["url"])
    );
}

#[tokio::test]
async fn dead_letters_are_listed_and_redelivered() {
    let api = Api::new(true).await;
    let token = integrator("330100");
    let target = create(&api, &token, webhook_input("330100")).await;
    let other = create(&api, &token, webhook_input("330106")).await;
    let target_id = database_id(&target["id"]);
    let mut rows = Vec::new();
    for status in [
        DeliveryStatus::Succeeded,
        DeliveryStatus::Dead,
        DeliveryStatus::Dead,
        DeliveryStatus::Retrying,
    ] {
        let sequence = append_event(api.db(), "330100").await;
        rows.push((
            sequence,
            add_delivery(api.db(), target_id, sequence, status).await,
        ));
    }
    let sequence = append_event(api.db(), "330106").await;
    add_delivery(
        api.db(),
        database_id(&other["id"]),
        sequence,
        DeliveryStatus::Dead,
    )
    .await;

    let reply = api
        .call(
            Some(&token),
            "query($filter: DeliveryFilter) {
               deliveries(filter: $filter) {
                 totalCount
                 nodes { id status eventSequence eventCursor attempts lastError responseCode
                         deliveredAt redelivery target { id name }
                         event { sequence type cursor } }
               }
             }",
            json!({ "filter": { "targetId": target["id"], "status": ["DEAD"] } }),
        )
        .await;
    let dead = payload(&reply, "deliveries");
    assert_eq!(dead["totalCount"], 2);
    let nodes = dead["nodes"].as_array().expect("nodes");
    assert_eq!(nodes[0]["eventSequence"], rows[2].0, "newest event first");
    assert_eq!(nodes[1]["eventSequence"], rows[1].0);
    assert_eq!(
        nodes[0]["eventCursor"],
        domain::events::cursor_of(rows[2].0)
    );
    assert_eq!(nodes[0]["lastError"], "HTTP 502");
    assert_eq!(nodes[0]["target"]["id"], target["id"]);
    for node in nodes {
        assert_eq!(
            node["event"]["sequence"], node["eventSequence"],
            "{reply:#}"
        );
        assert_eq!(node["event"]["cursor"], node["eventCursor"]);
        assert_eq!(node["event"]["type"], "CONSULTATION_CREATED");
    }
    let reply = api
        .call(Some(&token), "{ deliveries { totalCount } }", json!({}))
        .await;
    assert_eq!(payload(&reply, "deliveries")["totalCount"], 5);
    let reply = api
        .call(
            Some(&integrator("330200")),
            "{ deliveries { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(payload(&reply, "deliveries")["totalCount"], 0);

    // One dead letter again; a delivered one is refused.
    let reply = api
        .mutate(
            &token,
            REDELIVER,
            json!({ "id": global_id("Delivery", rows[1].1) }),
        )
        .await;
    let again = &payload(&reply, "redeliverDelivery")["delivery"];
    assert_eq!(again["status"], "PENDING", "{reply:#}");
    assert_eq!(again["attempts"], 0);
    assert_eq!(again["redelivery"], true);
    assert_eq!(again["lastError"], Value::Null);
    assert_eq!(again["responseCode"], Value::Null);
    assert!(again["nextAttemptAt"].is_string());
    let reply = api
        .mutate(
            &token,
            REDELIVER,
            json!({ "id": global_id("Delivery", rows[0].1) }),
        )
        .await;
    let refused = payload(&reply, "redeliverDelivery");
    assert_eq!(refused["delivery"], Value::Null);
    assert_eq!(refused["userErrors"][0]["code"], "INVALID_TRANSITION");

    // The rest of the target's dead letters at once; the other target's stay dead.
    let reply = api
        .mutate(&token, REDELIVER_ALL, json!({ "id": target["id"] }))
        .await;
    let all = payload(&reply, "redeliverDeadLetters");
    assert_eq!(all["redeliveredCount"], 1, "{reply:#}");
    assert_eq!(all["notificationTarget"]["id"], target["id"]);
    let reply = api
        .call(
            Some(&token),
            "query($id: ID!) {
               node(id: $id) { ... on NotificationTarget {
                 pending: deliveries(filter: { status: [PENDING] }) { totalCount nodes { redelivery } }
                 dead: deliveries(filter: { status: [DEAD] }) { totalCount }
               } }
               deliveries(filter: { status: [DEAD] }) { totalCount }
             }",
            json!({ "id": target["id"] }),
        )
        .await;
    assert!(reply["errors"].is_null(), "{reply:#}");
    assert_eq!(reply["data"]["node"]["pending"]["totalCount"], 2);
    assert_eq!(
        reply["data"]["node"]["pending"]["nodes"],
        json!([{ "redelivery": true }, { "redelivery": true }])
    );
    assert_eq!(reply["data"]["node"]["dead"]["totalCount"], 0);
    assert_eq!(reply["data"]["deliveries"]["totalCount"], 1);
    let reply = api
        .call(
            Some(&token),
            "query($id: ID!) { node(id: $id) { ... on Delivery { status target { id } } } }",
            json!({ "id": global_id("Delivery", rows[1].1) }),
        )
        .await;
    assert_eq!(reply["data"]["node"]["status"], "PENDING", "{reply:#}");
    let reply = api
        .mutate(
            &integrator("330200"),
            REDELIVER,
            json!({ "id": global_id("Delivery", rows[2].1) }),
        )
        .await;
    assert_eq!(
        payload(&reply, "redeliverDelivery")["userErrors"][0]["code"],
        "NOT_FOUND",
        "a delivery to a target elsewhere is as unknown as the target: {reply:#}"
    );
}

#[tokio::test]
async fn listing_targets_with_their_deliveries_costs_the_same_for_more_targets() {
    let api = Api::new(true).await;
    let token = province_staff();
    let query = "{ notificationTargets(first: 50) {
                   totalCount
                   nodes { id name region { code name }
                           deliveries(first: 5) { totalCount nodes { id status target { id } } } }
                 } }";
    let mut counts = Vec::new();
    for wanted in [3, 9] {
        loop {
            let reply = api.call(Some(&token), query, json!({})).await;
            let have = payload(&reply, "notificationTargets")["totalCount"]
                .as_i64()
                .expect("a count");
            if have >= wanted {
                break;
            }
            let code = ["330100", "330106", "330200"][have as usize % 3];
            let target = create(&api, &token, webhook_input(code)).await;
            for _ in 0..2 {
                let sequence = append_event(api.db(), code).await;
                add_delivery(
                    api.db(),
                    database_id(&target["id"]),
                    sequence,
                    DeliveryStatus::Dead,
                )
                .await;
            }
        }
        api.app.statements().clear();
        let reply = api.call(Some(&token), query, json!({})).await;
        let nodes = payload(&reply, "notificationTargets")["nodes"]
            .as_array()
            .expect("nodes")
            .len();
        assert_eq!(nodes as i64, wanted);
        counts.push(api.app.statements().len());
    }
    assert_eq!(
        counts[0],
        counts[1],
        "{:#?}",
        api.app.statements().statements()
    );
    assert_eq!(
        counts[0],
        6,
        "token (region, scope), targets, their deliveries, their regions, the deliveries' \
         targets: {:#?}",
        api.app.statements().statements()
    );
}

#[tokio::test]
async fn listing_deliveries_with_their_events_costs_the_same_for_more_deliveries() {
    let api = Api::new(true).await;
    let token = province_staff();
    let target = create(&api, &token, webhook_input("330100")).await;
    let target_id = database_id(&target["id"]);
    let query = "{ deliveries(first: 50) {
                   totalCount
                   nodes { id eventSequence eventCursor event { sequence type cursor } }
                 } }";
    let mut counts = Vec::new();
    let mut have = 0;
    for wanted in [2, 12] {
        for index in std::mem::replace(&mut have, wanted)..wanted {
            let code = ["330100", "330106"][index % 2];
            let sequence = append_event(api.db(), code).await;
            add_delivery(api.db(), target_id, sequence, DeliveryStatus::Dead).await;
        }
        api.app.statements().clear();
        let reply = api.call(Some(&token), query, json!({})).await;
        let listed = payload(&reply, "deliveries");
        assert_eq!(listed["totalCount"], wanted as i64, "{reply:#}");
        let nodes = listed["nodes"].as_array().expect("nodes");
        assert_eq!(nodes.len(), wanted);
        for node in nodes {
            assert_eq!(
                node["event"]["sequence"], node["eventSequence"],
                "{reply:#}"
            );
            assert_eq!(node["event"]["cursor"], node["eventCursor"]);
            assert_eq!(node["event"]["type"], "CONSULTATION_CREATED");
        }
        let statements = api.app.statements().statements();
        let reading_events = statements
            .iter()
            .filter(|statement| statement.contains(r#"FROM "events""#))
            .count();
        assert_eq!(
            reading_events, 1,
            "one statement for all events: {statements:#?}"
        );
        counts.push(statements.len());
    }
    assert_eq!(
        counts[0],
        counts[1],
        "{:#?}",
        api.app.statements().statements()
    );
    assert_eq!(
        counts[0],
        4,
        "token (region, scope), the deliveries, their events with their regions: {:#?}",
        api.app.statements().statements()
    );
}

fn province_staff() -> String {
    token_for(Role::ProvinceStaff, "330000", None)
}

/// Targets are capped per owner and per region; one more is the user error LIMIT_EXCEEDED and
/// nothing is written.
#[tokio::test]
async fn targets_are_capped_per_owner_and_per_region() {
    let api = Api::with_limits(
        true,
        TargetLimits {
            per_owner: 2,
            per_region: 3,
        },
    )
    .await;
    let query = create_mutation();
    let first = integrator("330100");
    for _ in 0..2 {
        create(&api, &first, webhook_input("330100")).await;
    }
    let reply = api.mutate(&first, &query, webhook_input("330100")).await;
    let refused = payload(&reply, "createNotificationTarget");
    assert_eq!(refused["notificationTarget"], Value::Null, "{reply:#}");
    assert_eq!(refused["userErrors"][0]["code"], "LIMIT_EXCEEDED");
    assert_eq!(refused["userErrors"][0]["field"], json!(["name"]));

    // Another caller in the same committee may add one more, then the region is full.
    let province = province_staff();
    create(&api, &province, webhook_input("330100")).await;
    let reply = api.mutate(&province, &query, webhook_input("330100")).await;
    let refused = payload(&reply, "createNotificationTarget");
    assert_eq!(
        refused["userErrors"][0]["code"], "LIMIT_EXCEEDED",
        "{reply:#}"
    );
    assert_eq!(refused["userErrors"][0]["field"], json!(["regionCode"]));
    // Other regions are not affected.
    create(&api, &province, webhook_input("330200")).await;
    let reply = api
        .call(
            Some(&province),
            "{ notificationTargets { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        reply["data"]["notificationTargets"]["totalCount"], 4,
        "{reply:#}"
    );
    // An integrator of another city with the same role and subject (every CLI token is
    // `xieshang-cli`) has a cap of its own.
    let other = integrator("330300");
    for _ in 0..2 {
        create(&api, &other, webhook_input("330300")).await;
    }
}
