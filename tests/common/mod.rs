//! Shared set-up for the integration tests: a database of the test's own (engine chosen by
//! `XIESHANG_TEST_ENGINE`) and the production router over it, called in-process.

#![allow(dead_code)]

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode},
};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use testing::{StatementLog, Template, TestDb};
use tower::ServiceExt;
use xieshang::{
    app::{AppState, RouterOptions, router},
    auth::Secret,
};

/// The token secret of every [`TestApp`].
pub const TEST_SECRET: &[u8] = b"test-secret-test-secret-test-secret!";

/// The production router over a fresh test database.
pub struct TestApp {
    pub router: Router,
    pub test_db: TestDb,
}

/// A response, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub content_type: String,
    pub body: String,
}

impl Reply {
    /// The body as JSON (panics in tests when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
}

impl TestApp {
    pub async fn new(template: Template) -> Self {
        Self::with_options(template, &RouterOptions::default()).await
    }

    pub async fn with_options(template: Template, options: &RouterOptions) -> Self {
        Self::with_services(template, options, graphql::Services::default()).await
    }

    /// An app whose notification mutations use `services` (e.g. an `InMemoryAdapter` the test
    /// keeps a clone of, and `allow_private_targets` for a local receiver).
    pub async fn with_services(
        template: Template,
        options: &RouterOptions,
        services: graphql::Services,
    ) -> Self {
        let test_db = TestDb::new(template).await.expect("a test database");
        let state = AppState::with_services(
            test_db.db.clone(),
            Secret::new(TEST_SECRET),
            domain::statistics::Quotas::default(),
            services,
        );
        // The first request's statements are then its own (statement-count tests).
        state.preload().await.expect("the deny list loads");
        let router = router(state, options);
        Self { router, test_db }
    }

    /// The statements executed so far through the app's database handle.
    pub fn statements(&self) -> &StatementLog {
        &self.test_db.log
    }

    /// Sends a request and reads the whole reply.
    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("a readable body")
            .to_bytes();
        Reply {
            status,
            headers,
            content_type,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// POSTs a GraphQL query with variables and returns the JSON response.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        let body = json!({ "query": query, "variables": variables }).to_string();
        let request = Request::post("/graphql")
            .header("content-type", "application/json")
            .header("accept", "application/graphql-response+json")
            .body(Body::from(body))
            .expect("a request");
        let reply = self.send(request).await;
        reply.json()
    }

    /// POSTs a GraphQL query with `Authorization: Bearer <token>` and returns the whole reply.
    pub async fn graphql_as(&self, token: &str, query: &str, variables: Value) -> Reply {
        let body = json!({ "query": query, "variables": variables }).to_string();
        let request = Request::post("/graphql")
            .header("content-type", "application/json")
            .header("accept", "application/graphql-response+json")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::from(body))
            .expect("a request");
        self.send(request).await
    }

    /// GETs a path.
    pub async fn get(&self, path: &str) -> Reply {
        self.send(Request::get(path).body(Body::empty()).expect("a request"))
            .await
    }
}

/// A valid token for this test app's secret.
pub fn token_for(role: domain::Role, region: &str, member: Option<i64>) -> String {
    xieshang::auth::jwt::sign(
        &xieshang::auth::Claims {
            sub: format!("test-{}", role.as_str().to_lowercase()),
            role,
            region: region.into(),
            member,
            exp: xieshang::auth::now() + 3600,
        },
        TEST_SECRET,
    )
    .expect("a signed token")
}
