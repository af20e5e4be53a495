//! Bearer-token authentication through the public endpoint: `viewer`, refusals of bad tokens
//! (`UNAUTHENTICATED`, 401 with `WWW-Authenticate: Bearer`), and contact data by scope.

mod common;

use axum::{body::Body, http::Request};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use common::{Reply, TEST_SECRET, TestApp};
use domain::Role;
use entity::member;
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::{Value, json};
use testing::Template;
use xieshang::auth::{self, Claims};

const VIEWER: &str = "{ viewer { authenticated role region { code name } member { id name } } }";

fn token_with(secret: &[u8], role: Role, region: &str, member: Option<i64>, exp: i64) -> String {
    auth::jwt::sign(
        &Claims {
            sub: "tester".into(),
            role,
            region: region.into(),
            member,
            exp,
        },
        secret,
    )
    .expect("a signed token")
}

fn token(role: Role, region: &str) -> String {
    token_with(TEST_SECRET, role, region, None, auth::now() + 3600)
}

fn assert_unauthenticated(reply: &Reply) {
    assert_eq!(reply.status, 401, "{}", reply.body);
    assert_eq!(
        reply
            .headers
            .get("www-authenticate")
            .and_then(|value| value.to_str().ok()),
        Some("Bearer")
    );
    let body = reply.json();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{body}"
    );
    assert!(body.get("data").is_none(), "nothing executed: {body}");
}

#[tokio::test]
async fn anonymous_viewer_is_not_authenticated() {
    let app = TestApp::new(Template::Demo).await;
    let response = app.graphql(VIEWER, json!({})).await;
    assert!(response.get("errors").is_none(), "{response}");
    assert_eq!(
        response["data"],
        json!({ "viewer": {
            "authenticated": false, "role": null, "region": null, "member": null
        } })
    );
}

#[tokio::test]
async fn a_county_staff_token_gives_role_and_region() {
    let app = TestApp::new(Template::Demo).await;
    let reply = app
        .graphql_as(&token(Role::CountyStaff, "330212"), VIEWER, json!({}))
        .await;
    assert_eq!(reply.status, 200);
    let viewer = &reply.json()["data"]["viewer"];
    assert_eq!(viewer["authenticated"], true);
    assert_eq!(viewer["role"], "COUNTY_STAFF");
    assert_eq!(viewer["region"]["code"], "330212");
    assert_eq!(viewer["member"], Value::Null);
}

#[tokio::test]
async fn a_member_token_gives_the_member() {
    let app = TestApp::new(Template::Demo).await;
    let row = member::Entity::find()
        .order_by_asc(member::Column::Id)
        .one(app.test_db.db.reader())
        .await
        .unwrap()
        .unwrap();
    let token = token_with(
        TEST_SECRET,
        Role::Member,
        "330000",
        Some(row.id),
        auth::now() + 60,
    );
    let reply = app.graphql_as(&token, VIEWER, json!({})).await;
    let viewer = &reply.json()["data"]["viewer"];
    assert_eq!(viewer["role"], "MEMBER", "{}", reply.body);
    assert_eq!(viewer["member"]["name"], row.name.as_str());

    let missing = token_with(
        TEST_SECRET,
        Role::Member,
        "330000",
        Some(i64::from(i32::MAX)),
        auth::now() + 60,
    );
    assert_unauthenticated(&app.graphql_as(&missing, VIEWER, json!({})).await);
}

#[tokio::test]
async fn bad_tokens_are_refused_never_anonymous() {
    let app = TestApp::new(Template::Demo).await;
    let now = auth::now();
    let valid = token(Role::ProvinceStaff, "330000");
    let header_none = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let payload = valid.split('.').nth(1).unwrap();
    let cases = [
        (
            "expired",
            token_with(TEST_SECRET, Role::ProvinceStaff, "330000", None, now - 10),
        ),
        (
            "wrong secret",
            token_with(
                b"another-secret-another-secret-another",
                Role::ProvinceStaff,
                "330000",
                None,
                now + 3600,
            ),
        ),
        ("malformed", "not-a-token".to_owned()),
        ("alg none", format!("{header_none}.{payload}.")),
        ("unknown region", token(Role::CityStaff, "339900")),
    ];
    for (name, token) in cases {
        let reply = app.graphql_as(&token, VIEWER, json!({})).await;
        assert_unauthenticated(&reply);
        assert!(reply.body.contains("UNAUTHENTICATED"), "{name}");

        // application/json clients get 200 with the same error and no data.
        let request = Request::post("/graphql")
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::from(json!({ "query": VIEWER }).to_string()))
            .unwrap();
        let reply = app.send(request).await;
        assert_eq!(reply.status, 200, "{name}");
        assert_eq!(
            reply.json()["errors"][0]["extensions"]["code"],
            "UNAUTHENTICATED",
            "{name}"
        );
        assert!(reply.json().get("data").is_none(), "{name}");
    }

    // Not a bearer scheme at all.
    let request = Request::post("/graphql")
        .header("content-type", "application/json")
        .header("accept", "application/graphql-response+json")
        .header("authorization", "Basic dXNlcjpwYXNz")
        .body(Body::from(json!({ "query": VIEWER }).to_string()))
        .unwrap();
    assert_unauthenticated(&app.send(request).await);
}

const PHONES: &str = r#"query ($code: String!) {
  region(code: $code) { members(first: 5) { nodes { phone email } } }
}"#;

/// Whether every member listed for `code` shows a phone (`Some(true)`), none does
/// (`Some(false)`); panics on a mix or on an empty list.
async fn phones_visible(app: &TestApp, token: Option<&str>, code: &str) -> bool {
    let response = match token {
        Some(token) => app
            .graphql_as(token, PHONES, json!({ "code": code }))
            .await
            .json(),
        None => app.graphql(PHONES, json!({ "code": code })).await,
    };
    let nodes = response["data"]["region"]["members"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{response}"))
        .clone();
    assert!(!nodes.is_empty(), "members of {code}");
    let shown: Vec<bool> = nodes
        .iter()
        .map(|node| node["phone"].is_string() && node["email"].is_string())
        .collect();
    let hidden = nodes
        .iter()
        .all(|node| node["phone"].is_null() && node["email"].is_null());
    assert!(shown.iter().all(|s| *s) || hidden, "{response}");
    !hidden
}

#[tokio::test]
async fn contact_data_follows_the_token_scope() {
    let app = TestApp::new(Template::Demo).await;
    let ningbo = token(Role::CityStaff, "330200");
    assert!(phones_visible(&app, Some(&ningbo), "330212").await);
    assert!(phones_visible(&app, Some(&ningbo), "330200").await);
    assert!(!phones_visible(&app, Some(&ningbo), "330100").await);

    let yinzhou = token(Role::CountyStaff, "330212");
    assert!(phones_visible(&app, Some(&yinzhou), "330212").await);
    assert!(!phones_visible(&app, Some(&yinzhou), "330200").await);

    let province = token(Role::ProvinceStaff, "330000");
    assert!(phones_visible(&app, Some(&province), "330100").await);

    let integrator = token(Role::Integrator, "330000");
    assert!(!phones_visible(&app, Some(&integrator), "330212").await);

    for code in ["330000", "330200", "330212", "330100"] {
        assert!(!phones_visible(&app, None, code).await, "anonymous, {code}");
    }
}

#[tokio::test]
async fn the_scope_is_the_region_subtree() {
    let app = TestApp::new(Template::Demo).await;
    let db = &app.test_db.db;
    let scope = |role, code: &'static str| async move {
        domain::auth::principal(db, "s", role, code, None)
            .await
            .unwrap()
    };
    let province = scope(Role::ProvinceStaff, "330000").await;
    assert_eq!(province.scope.len(), 102);
    let ningbo = scope(Role::CityStaff, "330200").await;
    let yinzhou = scope(Role::CountyStaff, "330212").await;
    assert_eq!(yinzhou.scope.len(), 1);
    assert!(ningbo.covers(yinzhou.region_id));
    assert!(ningbo.covers(ningbo.region_id));
    assert!(!yinzhou.covers(ningbo.region_id));
    assert!(!ningbo.covers(province.region_id));
    assert!(province.covers(yinzhou.region_id));
    assert!(
        domain::auth::principal(db, "s", Role::CityStaff, "339900", None)
            .await
            .is_err()
    );
    assert!(
        domain::auth::principal(db, "s", Role::Member, "330000", None)
            .await
            .is_err()
    );
}
