//! The HTTP surface around the schema: GraphiQL, GET queries, CORS, request ids.

mod common;

use axum::{body::Body, http::Request};
use common::TestApp;
use testing::Template;
use xieshang::app::RouterOptions;

#[tokio::test]
async fn graphiql_is_served_from_the_binary_without_external_urls() {
    let app = TestApp::new(Template::Migrated).await;
    let page = app.get("/").await;
    assert_eq!(page.status, 200);
    assert!(
        page.content_type.starts_with("text/html"),
        "{}",
        page.content_type
    );
    assert!(page.body.contains("graphiql"), "{}", page.body);
    for scheme in ["http://", "https://", "//unpkg", "//cdn"] {
        assert!(
            !page.body.contains(scheme),
            "page refers to {scheme}: {}",
            page.body
        );
    }
    // Every script and stylesheet the page loads is served by us.
    let mut assets = 0;
    for part in page.body.split(['"', '\'']) {
        if part.starts_with("/graphiql/") {
            let asset = app.get(part).await;
            assert_eq!(asset.status, 200, "{part}");
            assert!(!asset.body.is_empty(), "{part}");
            assets += 1;
        }
    }
    assert!(
        assets >= 3,
        "expected the page to load its assets from /graphiql/"
    );
}

#[tokio::test]
async fn get_queries_work_and_get_mutations_are_405() {
    let app = TestApp::new(Template::Migrated).await;
    let ok = app.get("/graphql?query=%7Bprovinces%7Bcode%7D%7D").await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json()["data"]["provinces"], serde_json::json!([]));
    let mutation = app.get("/graphql?query=mutation%7B__typename%7D").await;
    assert_eq!(mutation.status, 405);
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::new(Template::Migrated).await;
    let generated = app.get("/healthz").await;
    let id = generated
        .headers
        .get("x-request-id")
        .expect("a generated id");
    assert!(!id.is_empty());
    let request = Request::get("/healthz")
        .header("x-request-id", "abc-123")
        .body(Body::empty())
        .unwrap();
    let propagated = app.send(request).await;
    assert_eq!(propagated.headers.get("x-request-id").unwrap(), "abc-123");
}

#[tokio::test]
async fn cors_allows_only_the_configured_origins() {
    let options = RouterOptions {
        cors_origins: vec!["https://dashboard.example.org".to_owned()],
        ..RouterOptions::default()
    };
    let app = TestApp::with_options(Template::Migrated, &options).await;
    let preflight = |origin: &str| {
        Request::builder()
            .method("OPTIONS")
            .uri("/graphql")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .body(Body::empty())
            .unwrap()
    };
    let allowed = app.send(preflight("https://dashboard.example.org")).await;
    assert_eq!(
        allowed.headers.get("access-control-allow-origin").unwrap(),
        "https://dashboard.example.org"
    );
    let refused = app.send(preflight("https://evil.example.com")).await;
    assert!(refused.headers.get("access-control-allow-origin").is_none());
}
