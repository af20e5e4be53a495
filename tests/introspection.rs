//! `XIESHANG_INTROSPECTION=on|off|authenticated` through the production router: GraphQL
//! introspection, GraphiQL and `/schema.graphql` follow the switch; `__typename` always works.

mod common;

use common::{Reply, TestApp, token_for};
use domain::Role;
use serde_json::json;
use testing::Template;
use xieshang::{app::RouterOptions, http::introspection::Introspection};

const SCHEMA: &str = "{ __schema { queryType { name } } }";
const TYPE: &str = "{ __type(name: \"Province\") { name } }";
const IN_A_FRAGMENT: &str =
    "query { ...Meta } fragment Meta on Query { __schema { types { name } } }";
const TYPENAME: &str = "{ __typename provinces { __typename code } }";

async fn app(mode: Introspection) -> TestApp {
    let options = RouterOptions {
        introspection: mode,
        ..RouterOptions::default()
    };
    TestApp::with_options(Template::Demo, &options).await
}

async fn ask(app: &TestApp, query: &str, token: Option<&str>) -> Reply {
    let mut request = axum::http::Request::post("/graphql")
        .header("content-type", "application/json")
        .header("accept", "application/graphql-response+json");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let body = json!({ "query": query }).to_string();
    app.send(
        request
            .body(axum::body::Body::from(body))
            .expect("a request"),
    )
    .await
}

fn code(reply: &Reply) -> String {
    reply.json()["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn staff() -> String {
    token_for(Role::ProvinceStaff, "330000", None)
}

#[tokio::test]
async fn on_lets_everyone_introspect_and_serves_graphiql_and_the_sdl() {
    let app = app(Introspection::On).await;
    for query in [SCHEMA, TYPE, IN_A_FRAGMENT, TYPENAME] {
        let reply = ask(&app, query, None).await;
        assert!(reply.json()["errors"].is_null(), "{query}: {}", reply.body);
    }
    assert_eq!(app.get("/").await.status, 200);
    let sdl = app.get("/schema.graphql").await;
    assert_eq!(sdl.status, 200);
    assert!(sdl.body.contains("type Query"));
}

#[tokio::test]
async fn off_refuses_introspection_to_everyone_and_hides_graphiql_and_the_sdl() {
    let app = app(Introspection::Off).await;
    for query in [SCHEMA, TYPE, IN_A_FRAGMENT] {
        let anonymous = ask(&app, query, None).await;
        assert_eq!(code(&anonymous), "FORBIDDEN", "{query}: {}", anonymous.body);
        let signed_in = ask(&app, query, Some(&staff())).await;
        assert_eq!(signed_in.status, 403, "{query}: {}", signed_in.body);
        assert_eq!(code(&signed_in), "FORBIDDEN", "{}", signed_in.body);
        assert!(signed_in.json().get("data").is_none());
    }
    let typename = ask(&app, TYPENAME, None).await;
    assert!(typename.json()["errors"].is_null(), "{}", typename.body);
    assert_eq!(typename.json()["data"]["__typename"], "Query");

    assert_eq!(app.get("/").await.status, 404);
    assert_eq!(app.get("/schema.graphql").await.status, 404);
}

#[tokio::test]
async fn authenticated_lets_only_token_holders_introspect() {
    let app = app(Introspection::Authenticated).await;
    for query in [SCHEMA, TYPE, IN_A_FRAGMENT] {
        let anonymous = ask(&app, query, None).await;
        assert_eq!(
            code(&anonymous),
            "UNAUTHENTICATED",
            "{query}: {}",
            anonymous.body
        );
        let signed_in = ask(&app, query, Some(&staff())).await;
        assert_eq!(signed_in.status, 200, "{query}: {}", signed_in.body);
        assert!(signed_in.json()["errors"].is_null(), "{}", signed_in.body);
    }
    // A member's token counts as authenticated too.
    let member = token_for(Role::Member, "330100", Some(1));
    let reply = ask(&app, SCHEMA, Some(&member)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let typename = ask(&app, TYPENAME, None).await;
    assert!(typename.json()["errors"].is_null(), "{}", typename.body);

    // GraphiQL is served (the page works with a token); the SDL wants one.
    assert_eq!(app.get("/").await.status, 200);
    let anonymous_sdl = app.get("/schema.graphql").await;
    assert_eq!(anonymous_sdl.status, 401);
    assert_eq!(anonymous_sdl.headers["www-authenticate"], "Bearer");
    let request = axum::http::Request::get("/schema.graphql")
        .header("authorization", format!("Bearer {}", staff()))
        .body(axum::body::Body::empty())
        .unwrap();
    let signed_in_sdl = app.send(request).await;
    assert_eq!(signed_in_sdl.status, 200);
    assert!(signed_in_sdl.body.contains("type Query"));
}
