//! Service tokens (`xieshang token`): `iss`, `aud`, `iat` and `jti` on every new token, the
//! maximum lifetime, legacy tokens, and revocation — by PROVINCE_STAFF or by the token's own
//! bearer — refused on every replica without a query per request.

mod common;

use std::time::Duration;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use common::{TEST_SECRET, TestApp, token_for};
use domain::{Db, Engine as DbEngine, Role, db::DbOptions};
use serde_json::{Value, json};
use testing::Template;
use xieshang::{
    app::{AppState, RouterOptions, router},
    auth::{self, Claims, Secret},
};

const VIEWER: &str = "{ viewer { authenticated role } }";
const REVOKE: &str = "mutation($input: RevokeServiceTokenInput!) { revokeServiceToken(input: $input) { jti revokedAt userErrors { field code } } }";

fn payload(token: &str) -> Value {
    let part = token.split('.').nth(1).expect("a payload part");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("JSON")
}

fn jti(token: &str) -> String {
    payload(token)["jti"].as_str().expect("a jti").to_owned()
}

fn claims(role: Role, region: &str, lifetime: i64) -> Claims {
    Claims {
        sub: "svc".into(),
        role,
        region: region.into(),
        member: None,
        exp: auth::now() + lifetime,
    }
}

async fn status_and_code(app: &TestApp, token: &str) -> (u16, Value) {
    let reply = app.graphql_as(token, VIEWER, json!({})).await;
    let code = reply.json()["errors"][0]["extensions"]["code"].clone();
    (reply.status.as_u16(), code)
}

#[tokio::test]
async fn new_tokens_carry_issuer_audience_issue_time_and_id() {
    let token = token_for(Role::CityStaff, "330200", None);
    let claims = payload(&token);
    assert_eq!(claims["iss"], "xieshang");
    assert_eq!(claims["aud"], "xieshang");
    let iat = claims["iat"].as_i64().expect("iat");
    assert!((auth::now() - iat).abs() < 60);
    assert_eq!(jti(&token).len(), 32);
    assert_ne!(
        jti(&token),
        jti(&token_for(Role::CityStaff, "330200", None))
    );
}

#[tokio::test]
async fn a_token_issued_for_longer_than_the_maximum_is_refused_and_legacy_tokens_pass() {
    let app = TestApp::new(Template::Demo).await;
    let (long, _) = auth::jwt::sign_at(
        &claims(Role::CityStaff, "330200", 91 * 86_400),
        TEST_SECRET,
        auth::now(),
    )
    .unwrap();
    let (status, code) = status_and_code(&app, &long).await;
    assert_eq!((status, code), (401, json!("UNAUTHENTICATED")));

    // A token of the old shape: no iss, aud, iat or jti.
    let legacy = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({ "sub": "old", "role": "CITY_STAFF", "region": "330200", "exp": auth::now() + 600 }),
        &jsonwebtoken::EncodingKey::from_secret(TEST_SECRET).unwrap(),
    )
    .unwrap();
    let reply = app.graphql_as(&legacy, VIEWER, json!({})).await;
    assert_eq!(reply.json()["data"]["viewer"]["role"], "CITY_STAFF");
}

#[tokio::test]
async fn province_staff_revoke_any_token_and_others_only_their_own() {
    let app = TestApp::new(Template::Demo).await;
    let province = token_for(Role::ProvinceStaff, "330000", None);
    let city = token_for(Role::CityStaff, "330200", None);
    let integrator = token_for(Role::Integrator, "330200", None);
    let revoke = |token: String, jti: String| {
        let app = &app;
        async move {
            app.graphql_as(&token, REVOKE, json!({ "input": { "jti": jti } }))
                .await
                .json()
        }
    };

    let refused = revoke(city.clone(), jti(&integrator)).await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let anonymous = app
        .graphql(REVOKE, json!({ "input": { "jti": jti(&city) } }))
        .await;
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
    let bad = revoke(province.clone(), "not a jti!".to_owned()).await;
    assert_eq!(
        bad["data"]["revokeServiceToken"]["userErrors"][0],
        json!({ "field": ["jti"], "code": "INVALID" })
    );

    // The integrator revokes its own (leaked) token.
    let own = revoke(integrator.clone(), jti(&integrator)).await;
    assert_eq!(
        own["data"]["revokeServiceToken"]["jti"],
        jti(&integrator),
        "{own}"
    );
    assert_eq!(status_and_code(&app, &integrator).await.0, 401);

    // Province staff revoke the city's token; revoking again answers the first revocation.
    let first = revoke(province.clone(), jti(&city)).await;
    let again = revoke(province.clone(), jti(&city)).await;
    assert_eq!(
        first["data"]["revokeServiceToken"]["revokedAt"],
        again["data"]["revokeServiceToken"]["revokedAt"]
    );
    let (status, code) = status_and_code(&app, &city).await;
    assert_eq!((status, code), (401, json!("UNAUTHENTICATED")));
    // Other tokens of the same role and region are unaffected.
    let other_city = token_for(Role::CityStaff, "330200", None);
    assert_eq!(status_and_code(&app, &other_city).await.0, 200);
}

#[tokio::test]
async fn checking_revocation_costs_no_query_per_request() {
    let app = TestApp::new(Template::Demo).await;
    let token = token_for(Role::CountyStaff, "330212", None);
    assert_eq!(status_and_code(&app, &token).await.0, 200);
    app.statements().clear();
    for _ in 0..10 {
        assert_eq!(status_and_code(&app, &token).await.0, 200);
    }
    let reads = app
        .statements()
        .statements()
        .into_iter()
        .filter(|sql| sql.contains("revoked_service_tokens"))
        .count();
    // At most the one catch-up reload after PostgreSQL's LISTEN connects, never one per
    // request.
    assert!(reads <= 1, "{reads} reads of the deny list for 10 requests");
}

#[tokio::test]
async fn a_revoked_token_is_refused_on_every_replica() {
    let first = TestApp::new(Template::Demo).await;
    // A second replica: on PostgreSQL its own connection pool, hearing the first through
    // NOTIFY; on SQLite (one process per database file) the same handle.
    let second_db = match first.test_db.db.engine() {
        DbEngine::Postgres => Db::connect(&first.test_db.url, DbOptions::default())
            .await
            .expect("a second handle"),
        DbEngine::Sqlite => first.test_db.db.clone(),
    };
    let second = router(
        AppState::new(second_db, Secret::new(TEST_SECRET)),
        &RouterOptions::default(),
    );
    let second = |token: String| {
        let second = second.clone();
        async move {
            use tower::ServiceExt;
            let request = axum::http::Request::post("/graphql")
                .header("content-type", "application/json")
                .header("accept", "application/graphql-response+json")
                .header("authorization", format!("Bearer {token}"))
                .body(axum::body::Body::from(
                    json!({ "query": VIEWER }).to_string(),
                ))
                .expect("a request");
            second.oneshot(request).await.expect("an answer").status()
        }
    };
    let token = token_for(Role::CityStaff, "330200", None);
    // Both replicas accept it (and so have loaded their deny lists).
    assert_eq!(status_and_code(&first, &token).await.0, 200);
    assert_eq!(second(token.clone()).await, 200);

    let province = token_for(Role::ProvinceStaff, "330000", None);
    let revoked = first
        .graphql_as(
            &province,
            REVOKE,
            json!({ "input": { "jti": jti(&token) } }),
        )
        .await
        .json();
    assert!(
        revoked["data"]["revokeServiceToken"]["jti"].is_string(),
        "{revoked}"
    );
    assert_eq!(status_and_code(&first, &token).await.0, 401);
    // The other replica hears of it well before its 30 s periodic reload.
    let started = std::time::Instant::now();
    loop {
        if second(token.clone()).await == 401 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the second replica still accepts the revoked token"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
