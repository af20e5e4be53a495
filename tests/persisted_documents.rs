//! Persisted documents through the production router: automatic persisted queries (Apollo's
//! protocol), trusted documents, GET with public caching, and a stored mutation refused over GET.

mod common;

use std::sync::Arc;

use axum::{body::Body, http::Request};
use common::{Reply, TestApp, token_for};
use domain::Role;
use serde_json::{Value, json};
use testing::Template;
use xieshang::{
    app::RouterOptions,
    http::persisted::{PersistedOptions, TrustedDocuments, sha256_hex},
};

const PROVINCES: &str = "{ provinces { code name } }";
const LISTED: &str = "query Cities { province(code: \"330000\") { cities { code } } }";

fn apq(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

/// POSTs `body` (a GraphQL-over-HTTP JSON body), with a bearer token when given.
async fn post(app: &TestApp, body: Value, token: Option<&str>) -> Reply {
    let mut request = Request::post("/graphql")
        .header("content-type", "application/json")
        .header("accept", "application/graphql-response+json");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    app.send(
        request
            .body(Body::from(body.to_string()))
            .expect("a request"),
    )
    .await
}

/// GETs `/graphql` with the given query-string parameters.
async fn get(app: &TestApp, params: &[(&str, String)], token: Option<&str>) -> Reply {
    let query: String = url_encode(params);
    let mut request =
        Request::get(format!("/graphql?{query}")).header("accept", "application/json");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    app.send(request.body(Body::empty()).expect("a request"))
        .await
}

fn url_encode(params: &[(&str, String)]) -> String {
    params
        .iter()
        .map(|(name, value)| {
            let value: String = value
                .bytes()
                .map(|byte| match byte {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                        (byte as char).to_string()
                    }
                    other => format!("%{other:02X}"),
                })
                .collect();
            format!("{name}={value}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn first_code(reply: &Reply) -> String {
    reply.json()["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn vary(reply: &Reply) -> Vec<String> {
    reply
        .headers
        .get_all("vary")
        .iter()
        .map(|value| value.to_str().expect("a text header").to_owned())
        .collect()
}

#[tokio::test]
async fn an_unknown_hash_is_not_found_then_registered_with_its_document() {
    let app = TestApp::new(Template::Migrated).await;
    let hash = sha256_hex(PROVINCES);

    let miss = post(&app, json!({ "extensions": apq(&hash) }), None).await;
    assert_eq!(
        first_code(&miss),
        "PERSISTED_QUERY_NOT_FOUND",
        "{}",
        miss.body
    );

    let register = post(
        &app,
        json!({ "query": PROVINCES, "extensions": apq(&hash) }),
        None,
    )
    .await;
    assert_eq!(register.status, 200, "{}", register.body);
    assert_eq!(register.json()["data"]["provinces"], json!([]));

    let hit = post(&app, json!({ "extensions": apq(&hash) }), None).await;
    assert_eq!(hit.status, 200, "{}", hit.body);
    assert_eq!(hit.json()["data"]["provinces"], json!([]));
}

#[tokio::test]
async fn a_hash_that_does_not_match_its_document_is_bad_user_input() {
    let app = TestApp::new(Template::Migrated).await;
    let wrong = sha256_hex("{ cities { code } }");
    let reply = post(
        &app,
        json!({ "query": PROVINCES, "extensions": apq(&wrong) }),
        None,
    )
    .await;
    assert_eq!(first_code(&reply), "BAD_USER_INPUT", "{}", reply.body);
    // Nothing was registered under the wrong hash.
    let miss = post(&app, json!({ "extensions": apq(&wrong) }), None).await;
    assert_eq!(
        first_code(&miss),
        "PERSISTED_QUERY_NOT_FOUND",
        "{}",
        miss.body
    );
}

#[tokio::test]
async fn documents_that_fail_validation_are_not_registered() {
    let app = TestApp::new(Template::Migrated).await;
    let invalid = "{ noSuchField }";
    let hash = sha256_hex(invalid);
    let reply = post(
        &app,
        json!({ "query": invalid, "extensions": apq(&hash) }),
        None,
    )
    .await;
    assert_eq!(
        first_code(&reply),
        "GRAPHQL_VALIDATION_FAILED",
        "{}",
        reply.body
    );
    let miss = post(&app, json!({ "extensions": apq(&hash) }), None).await;
    assert_eq!(
        first_code(&miss),
        "PERSISTED_QUERY_NOT_FOUND",
        "{}",
        miss.body
    );
}

#[tokio::test]
async fn the_store_keeps_at_most_its_cap_evicting_the_oldest() {
    let options = RouterOptions {
        persisted: PersistedOptions {
            max_documents: 2,
            ..PersistedOptions::default()
        },
        ..RouterOptions::default()
    };
    let app = TestApp::with_options(Template::Migrated, &options).await;
    let documents: Vec<String> = (0..3).map(|i| format!("{{ a{i}: __typename }}")).collect();
    for document in &documents {
        let hash = sha256_hex(document);
        let reply = post(
            &app,
            json!({ "query": document, "extensions": apq(&hash) }),
            None,
        )
        .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    let oldest = post(
        &app,
        json!({ "extensions": apq(&sha256_hex(&documents[0])) }),
        None,
    )
    .await;
    assert_eq!(first_code(&oldest), "PERSISTED_QUERY_NOT_FOUND");
    let newest = post(
        &app,
        json!({ "extensions": apq(&sha256_hex(&documents[2])) }),
        None,
    )
    .await;
    assert_eq!(newest.json()["data"]["a2"], "Query");
}

#[tokio::test]
async fn anonymous_gets_are_publicly_cacheable_and_authenticated_ones_are_not() {
    let app = TestApp::new(Template::Demo).await;
    let hash = sha256_hex(PROVINCES);
    post(
        &app,
        json!({ "query": PROVINCES, "extensions": apq(&hash) }),
        None,
    )
    .await;
    let extensions = apq(&hash).to_string();

    let anonymous = get(&app, &[("extensions", extensions.clone())], None).await;
    assert_eq!(anonymous.status, 200, "{}", anonymous.body);
    assert_eq!(anonymous.json()["data"]["provinces"][0]["code"], "330000");
    assert_eq!(anonymous.headers["cache-control"], "public, max-age=60");
    assert!(vary(&anonymous).contains(&"Authorization".to_owned()));
    assert!(!anonymous.body.contains("remaining") && !anonymous.body.contains("resetAt"));

    let token = token_for(Role::ProvinceStaff, "330000", None);
    let signed_in = get(&app, &[("extensions", extensions)], Some(&token)).await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.body);
    assert!(signed_in.headers.get("cache-control").is_none());
    assert!(vary(&signed_in).contains(&"Authorization".to_owned()));

    // Responses with errors are never stored (a miss must not outlive the registration after
    // it), and POSTs are never publicly cacheable.
    let failed = get(&app, &[("query", "{ nope }".to_owned())], None).await;
    assert_eq!(failed.headers["cache-control"], "no-store");
    let unknown = sha256_hex("{ unknown: __typename }");
    let miss = get(&app, &[("extensions", apq(&unknown).to_string())], None).await;
    assert_eq!(first_code(&miss), "PERSISTED_QUERY_NOT_FOUND");
    assert_eq!(miss.headers["cache-control"], "no-store");
    let posted = post(&app, json!({ "query": PROVINCES }), None).await;
    assert!(posted.headers.get("cache-control").is_none());
    assert!(vary(&posted).contains(&"Authorization".to_owned()));

    // A receipt lookup is keyed by the submitter's secret: never stored by shared caches.
    let receipt = get(
        &app,
        &[(
            "query",
            r#"{ publicTopicReceipt(code: "0123456789abcdef0123456789abcdef") { status } }"#
                .to_owned(),
        )],
        None,
    )
    .await;
    assert_eq!(receipt.status, 200, "{}", receipt.body);
    let cache_control = receipt.headers["cache-control"].to_str().expect("ASCII");
    assert!(!cache_control.contains("public"), "{cache_control}");
}

#[tokio::test]
async fn a_stored_mutation_requested_over_get_is_405() {
    let app = TestApp::new(Template::Migrated).await;
    let mutation = "mutation Touch { __typename }";
    let hash = sha256_hex(mutation);
    let registered = post(
        &app,
        json!({ "query": mutation, "extensions": apq(&hash) }),
        None,
    )
    .await;
    assert_eq!(registered.status, 200, "{}", registered.body);
    assert_eq!(registered.json()["data"]["__typename"], "Mutation");

    let over_get = get(&app, &[("extensions", apq(&hash).to_string())], None).await;
    assert_eq!(over_get.status, 405, "{}", over_get.body);
    assert_eq!(over_get.headers["allow"], "GET, POST");
    assert_eq!(first_code(&over_get), "METHOD_NOT_ALLOWED");

    let by_id = get(&app, &[("documentId", format!("sha256:{hash}"))], None).await;
    assert_eq!(by_id.status, 405, "{}", by_id.body);

    // POST runs it by hash alone.
    let over_post = post(&app, json!({ "extensions": apq(&hash) }), None).await;
    assert_eq!(over_post.json()["data"]["__typename"], "Mutation");
}

fn trusted_app_options() -> RouterOptions {
    let manifest = json!({ sha256_hex(LISTED): LISTED }).to_string();
    RouterOptions {
        persisted: PersistedOptions {
            trusted: Some(Arc::new(
                TrustedDocuments::from_json(&manifest).expect("a valid manifest"),
            )),
            ..PersistedOptions::default()
        },
        ..RouterOptions::default()
    }
}

#[tokio::test]
async fn with_trusted_documents_anonymous_callers_run_only_listed_documents() {
    let app = TestApp::with_options(Template::Demo, &trusted_app_options()).await;
    let listed = format!("sha256:{}", sha256_hex(LISTED));

    let by_id = post(&app, json!({ "documentId": listed }), None).await;
    assert_eq!(by_id.status, 200, "{}", by_id.body);
    assert!(
        by_id.json()["data"]["province"]["cities"]
            .as_array()
            .unwrap()
            .len()
            > 5
    );
    let by_get = get(&app, &[("documentId", listed.clone())], None).await;
    assert_eq!(by_get.status, 200, "{}", by_get.body);
    assert_eq!(by_get.headers["cache-control"], "public, max-age=60");
    let by_apq_hash = post(
        &app,
        json!({ "extensions": apq(&sha256_hex(LISTED)) }),
        None,
    )
    .await;
    assert_eq!(by_apq_hash.status, 200, "{}", by_apq_hash.body);
    // The listed document sent in full is the listed document.
    let in_full = post(&app, json!({ "query": LISTED }), None).await;
    assert_eq!(in_full.status, 200, "{}", in_full.body);

    let free = post(&app, json!({ "query": PROVINCES }), None).await;
    assert_eq!(free.status, 400, "{}", free.body);
    assert_eq!(first_code(&free), "PERSISTED_QUERY_NOT_ALLOWED");
    assert!(free.json().get("data").is_none());

    let hash = sha256_hex(PROVINCES);
    let register = post(
        &app,
        json!({ "query": PROVINCES, "extensions": apq(&hash) }),
        None,
    )
    .await;
    assert_eq!(
        first_code(&register),
        "PERSISTED_QUERY_NOT_ALLOWED",
        "{}",
        register.body
    );

    let unknown = post(
        &app,
        json!({ "documentId": format!("sha256:{hash}") }),
        None,
    )
    .await;
    assert_eq!(
        first_code(&unknown),
        "PERSISTED_QUERY_NOT_FOUND",
        "{}",
        unknown.body
    );
    let malformed = post(&app, json!({ "documentId": "md5:abc" }), None).await;
    assert_eq!(
        first_code(&malformed),
        "BAD_USER_INPUT",
        "{}",
        malformed.body
    );
}

#[tokio::test]
async fn with_trusted_documents_authenticated_callers_send_any_operation() {
    let app = TestApp::with_options(Template::Demo, &trusted_app_options()).await;
    let token = token_for(Role::CityStaff, "330200", None);

    let free = post(&app, json!({ "query": PROVINCES }), Some(&token)).await;
    assert_eq!(free.status, 200, "{}", free.body);
    assert_eq!(free.json()["data"]["provinces"][0]["code"], "330000");

    // They may register through APQ; anonymous callers still may not use what they registered.
    let hash = sha256_hex(PROVINCES);
    let register = post(
        &app,
        json!({ "query": PROVINCES, "extensions": apq(&hash) }),
        Some(&token),
    )
    .await;
    assert_eq!(register.status, 200, "{}", register.body);
    let staff_hit = post(&app, json!({ "extensions": apq(&hash) }), Some(&token)).await;
    assert_eq!(staff_hit.status, 200, "{}", staff_hit.body);
    let anonymous_hit = post(&app, json!({ "extensions": apq(&hash) }), None).await;
    assert_eq!(first_code(&anonymous_hit), "PERSISTED_QUERY_NOT_FOUND");
}

#[test]
fn a_manifest_whose_keys_are_not_sha256_is_a_config_error_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, json!({ sha256_hex("{ x }"): PROVINCES }).to_string()).unwrap();
    let error = xieshang::config::trusted_documents(bad.to_str().unwrap()).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("XIESHANG_TRUSTED_DOCUMENTS: "),
        "{error}"
    );
    assert!(error.to_string().contains("SHA-256"), "{error}");
    let missing = dir.path().join("missing.json");
    let error = xieshang::config::trusted_documents(missing.to_str().unwrap()).unwrap_err();
    assert_eq!(error.variable, "XIESHANG_TRUSTED_DOCUMENTS");

    let good = dir.path().join("good.json");
    std::fs::write(&good, json!({ sha256_hex(LISTED): LISTED }).to_string()).unwrap();
    assert_eq!(
        xieshang::config::trusted_documents(good.to_str().unwrap())
            .unwrap()
            .len(),
        1
    );
}
