//! Whose W3C `traceparent` the service believes, seen from the outbox: a request from a trusted
//! proxy has its context stored with the events it writes, even anonymously; the same request
//! from anyone else has none. (Authenticated callers: `tests/delivery_guarantees.rs`; spans:
//! `tests/binary.rs`.)

mod common;

use common::TEST_SECRET;
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::{Value, json};
use testing::{Template, TestDb};
use xieshang::{
    app::{AppState, RouterOptions},
    auth::Secret,
};

const TRACED: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// Submits a public topic anonymously with a `traceparent`, to a real server on loopback that
/// trusts `trusted_proxies`, and returns the `traceparent` stored with the event it wrote.
async fn stored_after_anonymous_submission(
    trusted_proxies: Vec<std::net::IpAddr>,
) -> Option<String> {
    let test_db = TestDb::new(Template::Demo).await.expect("a test database");
    let state = AppState::new(test_db.db.clone(), Secret::new(TEST_SECRET));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let address = listener.local_addr().expect("an address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let options = RouterOptions {
        trusted_proxies,
        ..RouterOptions::default()
    };
    let server = tokio::spawn(xieshang::server::run(
        listener,
        state,
        options,
        async move {
            let _ = stopped.await;
        },
    ));
    let answer: Value = reqwest::Client::new()
        .post(format!("http://{address}/graphql"))
        .header("traceparent", TRACED)
        .json(&json!({
            "query": "mutation($input: SubmitPublicTopicInput!) { submitPublicTopic(input: $input) { __typename } }",
            "variables": { "input": { "regionCode": "330212", "title": "路灯", "topic": "村口路灯不亮",
                                      "submitterName": "王五", "submitterContact": "13900000000" } },
        }))
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("JSON");
    assert!(answer["errors"].is_null(), "{answer}");
    let _ = stop.send(());
    let _ = server.await;
    entity::event::Entity::find()
        .order_by_desc(entity::event::Column::Sequence)
        .one(test_db.db.reader())
        .await
        .expect("the outbox reads")
        .expect("the submission's event")
        .traceparent
}

#[tokio::test]
async fn a_trusted_proxys_traceparent_is_stored_with_the_event() {
    let loopback = "127.0.0.1".parse().expect("an address");
    assert_eq!(
        stored_after_anonymous_submission(vec![loopback]).await,
        Some(TRACED.to_owned())
    );
}

#[tokio::test]
async fn an_anonymous_callers_traceparent_is_ignored() {
    assert_eq!(stored_after_anonymous_submission(Vec::new()).await, None);
}
