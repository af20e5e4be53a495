//! The handler behind a real axum router, driven with `oneshot`.

// A failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use async_graphql::{EmptySubscription, ErrorExtensionValues, Object, Schema, ServerError};
use axum::{
    Router,
    body::{Body, to_bytes},
    extract::DefaultBodyLimit,
    http::{HeaderMap, StatusCode, header},
    routing::any,
};
use serde_json::{Value as Json, json};
use tower::ServiceExt;

use super::*;

struct Query;

#[Object]
impl Query {
    async fn hello(&self, name: Option<String>) -> String {
        format!("Hello, {}!", name.as_deref().unwrap_or("world"))
    }

    /// Fails while executing: a field error, not a request error.
    async fn boom(&self) -> async_graphql::Result<String> {
        Err("boom".into())
    }
}

struct Mutation;

#[Object]
impl Mutation {
    async fn noop(&self) -> bool {
        true
    }
}

fn app() -> Router {
    let schema = Schema::new(Query, Mutation, EmptySubscription);
    Router::new().route(
        "/graphql",
        any(move |request: Request| async move { serve(&schema, request, Ok).await }),
    )
}

const GRAPHQL: &str = "application/graphql-response+json";
const GRAPHQL_UTF8: &str = "application/graphql-response+json; charset=utf-8";
const JSON_UTF8: &str = "application/json; charset=utf-8";

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Json,
}

impl Reply {
    fn content_type(&self) -> &str {
        self.headers[header::CONTENT_TYPE].to_str().unwrap()
    }
}

async fn send_to(app: Router, request: axum::http::Request<Body>) -> Reply {
    let response = app.oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|err| panic!("{status}: body is not JSON ({err}): {bytes:?}"));
    Reply {
        status,
        headers,
        body,
    }
}

async fn send(request: axum::http::Request<Body>) -> Reply {
    send_to(app(), request).await
}

/// POST `body` as JSON, with `accept` when given.
async fn post(accept: Option<&str>, body: impl Into<Body>) -> Reply {
    let mut request =
        axum::http::Request::post("/graphql").header(header::CONTENT_TYPE, "application/json");
    if let Some(accept) = accept {
        request = request.header(header::ACCEPT, accept);
    }
    send(request.body(body.into()).unwrap()).await
}

async fn post_json(accept: Option<&str>, body: Json) -> Reply {
    post(accept, body.to_string()).await
}

async fn get(accept: Option<&str>, query_string: &str) -> Reply {
    let mut request = axum::http::Request::get(format!("/graphql?{query_string}"));
    if let Some(accept) = accept {
        request = request.header(header::ACCEPT, accept);
    }
    send(request.body(Body::empty()).unwrap()).await
}

fn encode(value: &str) -> String {
    let mut encoded = String::new();
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[tokio::test]
async fn executes_a_post_and_negotiates_the_media_type() {
    for (accept, content_type) in [
        (None, JSON_UTF8),
        (Some("*/*"), JSON_UTF8),
        (Some("application/json"), JSON_UTF8),
        (Some(GRAPHQL), GRAPHQL_UTF8),
        (
            Some("application/graphql-response+json, application/json;q=0.9"),
            GRAPHQL_UTF8,
        ),
        (
            Some("application/graphql-response+json;q=0.5, application/json"),
            JSON_UTF8,
        ),
    ] {
        let reply = post_json(accept, json!({ "query": "{ hello }" })).await;
        assert_eq!(reply.status, StatusCode::OK, "{accept:?}");
        assert_eq!(reply.content_type(), content_type, "{accept:?}");
        assert_eq!(reply.body, json!({ "data": { "hello": "Hello, world!" } }));
        assert_eq!(reply.headers[header::VARY], "Accept");
    }
}

#[tokio::test]
async fn refuses_unacceptable_media_types_with_406() {
    for accept in [
        "text/html",
        "application/xml, text/*",
        "application/json;q=0",
    ] {
        let reply = post_json(Some(accept), json!({ "query": "{ hello }" })).await;
        assert_eq!(reply.status, StatusCode::NOT_ACCEPTABLE, "{accept}");
        assert_eq!(reply.content_type(), JSON_UTF8);
        assert!(reply.body["errors"][0]["message"].is_string());
    }
}

#[tokio::test]
async fn reads_variables_operation_name_and_extensions() {
    let reply = post_json(
        Some(GRAPHQL),
        json!({
            "query": "query A { hello } query B($name: String) { hello(name: $name) }",
            "operationName": "B",
            "variables": { "name": "委员" },
            "extensions": { "some": "value" },
        }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, json!({ "data": { "hello": "Hello, 委员!" } }));

    // `null` is the same as absent, and unknown properties are ignored.
    let reply = post_json(
        Some(GRAPHQL),
        json!({
            "query": "{ hello }",
            "operationName": null,
            "variables": null,
            "extensions": null,
            "somethingElse": 1,
        }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, json!({ "data": { "hello": "Hello, world!" } }));
}

#[tokio::test]
async fn post_needs_a_json_content_type() {
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/graphql"),
        Some("application/x-www-form-urlencoded"),
        Some("application/json; charset=utf-16"),
        Some("multipart/form-data; boundary=x"),
    ] {
        let mut request = axum::http::Request::post("/graphql");
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        let reply = send(
            request
                .body(Body::from(r#"{"query":"{ hello }"}"#))
                .unwrap(),
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type:?}"
        );
    }

    let request = axum::http::Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json; charset=UTF-8")
        .body(Body::from(r#"{"query":"{ __typename }"}"#))
        .unwrap();
    assert_eq!(send(request).await.status, StatusCode::OK);
}

#[tokio::test]
async fn malformed_requests_are_400_whatever_the_accept_header() {
    let malformed: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"{ \"not a JSON".to_vec(),
        b"NONSENSE".to_vec(),
        vec![0xff, 0xfe, 0x00, 0x7b],
        b"[]".to_vec(),
        b"\"{ hello }\"".to_vec(),
        br#"[{"query":"{ hello }"}]"#.to_vec(),
        "[".repeat(100_000).into_bytes(),
        br#"{"notquery":"{ hello }"}"#.to_vec(),
        br#"{"query":null}"#.to_vec(),
    ];
    for body in malformed {
        for accept in [None, Some("application/json"), Some(GRAPHQL)] {
            let reply = post(accept, body.clone()).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{accept:?} {body:?}");
            assert_eq!(reply.content_type(), JSON_UTF8);
            assert!(reply.body["errors"][0]["message"].is_string());
            assert!(reply.body.get("data").is_none());
        }
    }
}

#[tokio::test]
async fn wrongly_typed_parameters_are_400() {
    for invalid in [
        json!({ "obj": "ect" }),
        json!(0),
        json!(false),
        json!(["array"]),
    ] {
        let reply = post_json(None, json!({ "query": invalid })).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "query {invalid}");
        let reply = post_json(
            None,
            json!({ "query": "{ hello }", "operationName": invalid }),
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "operationName {invalid}"
        );
    }
    for invalid in [json!("string"), json!(0), json!(false), json!(["array"])] {
        for parameter in ["variables", "extensions"] {
            let reply = post_json(None, json!({ "query": "{ hello }", parameter: invalid })).await;
            assert_eq!(
                reply.status,
                StatusCode::BAD_REQUEST,
                "{parameter} {invalid}"
            );
        }
    }
}

#[tokio::test]
async fn other_methods_are_405_with_allow() {
    for method in ["PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"] {
        let request = axum::http::Request::builder()
            .method(method)
            .uri("/graphql?query=%7Bhello%7D")
            .body(Body::empty())
            .unwrap();
        let response = app().oneshot(request).await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method}"
        );
        assert_eq!(response.headers()[header::ALLOW], "GET, POST");
    }
}

#[tokio::test]
async fn get_executes_queries_only() {
    let reply = get(Some(GRAPHQL), &format!("query={}", encode("{ hello }"))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.content_type(), GRAPHQL_UTF8);
    assert_eq!(reply.body, json!({ "data": { "hello": "Hello, world!" } }));

    let query = "query Q($name: String) { hello(name: $name) } mutation M { noop }";
    let reply = get(
        None,
        &format!(
            "query={}&operationName=Q&variables={}&extensions={}",
            encode(query),
            encode(r#"{"name":"GET"}"#),
            encode(r#"{"some":"value"}"#)
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, json!({ "data": { "hello": "Hello, GET!" } }));

    for query_string in [
        format!("query={}", encode("mutation { noop }")),
        format!("query={}", encode("mutation M { noop }")),
        format!("query={}&operationName=M", encode(query)),
    ] {
        for accept in [None, Some(GRAPHQL)] {
            let reply = get(accept, &query_string).await;
            assert_eq!(
                reply.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{query_string}"
            );
            assert_eq!(reply.headers[header::ALLOW], "GET, POST");
        }
    }

    // The same mutation is fine over POST.
    let reply = post_json(Some(GRAPHQL), json!({ "query": "mutation { noop }" })).await;
    assert_eq!(reply.body, json!({ "data": { "noop": true } }));
}

#[tokio::test]
async fn get_parameters_follow_the_spec() {
    // Empty optional parameters are absent.
    let reply = get(
        None,
        &format!(
            "query={}&operationName=&variables=&extensions=",
            encode("{ hello }")
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, json!({ "data": { "hello": "Hello, world!" } }));

    for query_string in [
        String::new(),
        "operationName=Q".to_string(),
        format!("query={0}&query={0}", encode("{ hello }")),
        format!("query={}&variables=%7Bnot-json", encode("{ hello }")),
        format!("query={}&variables=%5B1%5D", encode("{ hello }")),
        format!("query={}&extensions=1", encode("{ hello }")),
    ] {
        let reply = get(Some(GRAPHQL), &query_string).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query_string}");
    }
}

#[tokio::test]
async fn request_errors_are_400_without_data_for_graphql_response_json() {
    let request_errors = [
        json!({ "query": "{" }),
        json!({ "query": "" }),
        json!({ "query": "{ 8f31403dfe404bccbb0e835f2629c6a7 }" }),
        json!({ "query": "query Q($name: String!) { hello(name: $name) }" }),
        json!({ "query": "query Q($name: String!) { hello(name: $name) }", "variables": { "name": 7 } }),
        json!({ "query": "query Q($name: String!) { hello(name: $name) }", "variables": { "name": null } }),
        json!({ "query": "query CoerceFailure($id: ID!){ __typename }", "variables": { "id": null } }),
        json!({ "query": "query A { hello } query B { hello }" }),
        json!({ "query": "query A { hello }", "operationName": "B" }),
        json!({ "query": "subscription { hello }" }),
    ];
    for body in request_errors {
        let reply = post_json(Some(GRAPHQL), body.clone()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply.content_type(), GRAPHQL_UTF8);
        assert!(reply.body.get("data").is_none(), "{body}: {}", reply.body);
        assert!(reply.body["errors"][0]["message"].is_string());

        // Legacy clients get the same body with 200.
        let legacy = post_json(Some("application/json"), body.clone()).await;
        assert_eq!(legacy.status, StatusCode::OK, "{body}");
        assert_eq!(legacy.content_type(), JSON_UTF8);
        assert_eq!(legacy.body, reply.body);
    }
}

#[tokio::test]
async fn field_errors_are_200_with_data() {
    for accept in [GRAPHQL, "application/json"] {
        for query in ["{ hello boom }", "{ boom }"] {
            let reply = post_json(Some(accept), json!({ "query": query })).await;
            assert_eq!(reply.status, StatusCode::OK, "{query}");
            assert!(reply.body.get("data").is_some(), "{query}");
            assert_eq!(reply.body["errors"][0]["path"], json!(["boom"]));
        }
    }
}

#[tokio::test]
async fn body_limit_layer_applies() {
    let app = app().layer(DefaultBodyLimit::max(64));
    let body = json!({ "query": format!("{{ hello }} # {}", "x".repeat(100)) }).to_string();
    let request = axum::http::Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap();
    let reply = send_to(app, request).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn deeply_nested_documents_do_not_crash() {
    let query = format!("{}{}", "{ hello ".repeat(50_000), "}".repeat(50_000));
    let reply = post_json(Some(GRAPHQL), json!({ "query": query })).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);

    let reply = get(
        Some(GRAPHQL),
        &format!("query={}", encode(&"{".repeat(10_000))),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

#[test]
fn request_errors_are_told_from_execution_errors() {
    let unpathed = ServerError::new("not valid", None);
    assert!(is_request_error(&async_graphql::Response::from_errors(
        vec![unpathed.clone()]
    )));

    let mut pathed = ServerError::new("resolver failed", None);
    pathed.path = vec![async_graphql::PathSegment::Field("boom".into())];
    assert!(!is_request_error(&async_graphql::Response::from_errors(
        vec![pathed]
    )));

    let mut partial =
        async_graphql::Response::new(Value::from_json(json!({ "hello": "hi" })).unwrap());
    partial.errors.push(unpathed);
    assert!(!is_request_error(&partial));
    assert!(!is_request_error(&async_graphql::Response::new(
        Value::Null
    )));
}

#[test]
fn permission_codes_pick_401_and_403() {
    let with_code = |code: &str| {
        let mut error = ServerError::new("no", None);
        let mut extensions = ErrorExtensionValues::default();
        extensions.set("code", code);
        error.extensions = Some(extensions);
        error
    };
    assert_eq!(
        request_error_status(&[with_code("UNAUTHENTICATED")]),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        request_error_status(&[with_code("FORBIDDEN")]),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        request_error_status(&[with_code("BAD_USER_INPUT")]),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        request_error_status(&[ServerError::new("plain", None)]),
        StatusCode::BAD_REQUEST
    );
}
